// Package demo loads the demonstration organization "demo": a group with two
// subsidiaries, their departments, and a user of every role. Later features
// add their own demo records (cases, consultations…) through Load's hooks.
package demo

import (
	"context"
	"fmt"
	"io"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
)

// Password is every demo user's password. The demo is for trying kasuhara
// out; it is printed at start so nobody needs to look it up.
const Password = "kasuhara-demo-2026"

// Slug is the demo group's organization slug.
const Slug = "demo"

type orgSpec struct {
	slug, name  string
	departments []string
	users       []userSpec
}

type userSpec struct {
	email, name, dept string
	roles             []kasuhara.Role
	group             bool
}

var group = orgSpec{
	slug: Slug, name: "さくら商事ホールディングス株式会社",
	departments: []string{"総務部", "人事部", "コンプライアンス室", "お客様相談室"},
	users: []userSpec{
		{"admin@demo.example.jp", "佐藤 美咲", "総務部", []kasuhara.Role{kasuhara.RoleAdmin}, true},
		{"exec@demo.example.jp", "高橋 健一", "", []kasuhara.Role{kasuhara.RoleExecutive}, true},
		{"desk@demo.example.jp", "田中 由美", "人事部", []kasuhara.Role{kasuhara.RoleDesk}, true},
		{"auditor@demo.example.jp", "伊藤 誠", "コンプライアンス室", []kasuhara.Role{kasuhara.RoleAuditor}, true},
		{"supervisor@demo.example.jp", "渡辺 直子", "お客様相談室", []kasuhara.Role{kasuhara.RoleSupervisor}, false},
		{"staff@demo.example.jp", "山本 翔太", "お客様相談室", []kasuhara.Role{kasuhara.RoleStaff}, false},
	},
}

var subsidiaries = []orgSpec{
	{
		slug: "demo-retail", name: "さくらリテール株式会社",
		departments: []string{"新宿店", "梅田店", "通信販売部"},
		users: []userSpec{
			{"retail-admin@demo.example.jp", "中村 大輔", "通信販売部", []kasuhara.Role{kasuhara.RoleAdmin}, false},
			{"shinjuku-lead@demo.example.jp", "小林 恵", "新宿店", []kasuhara.Role{kasuhara.RoleSupervisor}, false},
			{"shinjuku-staff@demo.example.jp", "加藤 悠斗", "新宿店", []kasuhara.Role{kasuhara.RoleStaff}, false},
			{"umeda-staff@demo.example.jp", "吉田 彩", "梅田店", []kasuhara.Role{kasuhara.RoleStaff}, false},
		},
	},
	{
		slug: "demo-call", name: "さくらコールサービス株式会社",
		departments: []string{"第一コールセンター", "第二コールセンター", "メール窓口"},
		users: []userSpec{
			{"call-lead@demo.example.jp", "山田 裕子", "第一コールセンター", []kasuhara.Role{kasuhara.RoleSupervisor}, false},
			{"call-staff@demo.example.jp", "松本 拓也", "第一コールセンター", []kasuhara.Role{kasuhara.RoleStaff}, false},
			{"mail-staff@demo.example.jp", "井上 玲奈", "メール窓口", []kasuhara.Role{kasuhara.RoleStaff, kasuhara.RoleDesk}, false},
		},
	},
}

// Users returns every demo account as (email, organization slug, roles), for printing.
func Users() [][3]string {
	var out [][3]string
	for _, o := range append([]orgSpec{group}, subsidiaries...) {
		for _, u := range o.users {
			roles := ""
			for i, r := range u.roles {
				if i > 0 {
					roles += ","
				}
				roles += string(r)
			}
			if u.group {
				roles += " (group)"
			}
			out = append(out, [3]string{u.email, o.slug, roles})
		}
	}
	return out
}

// Load creates the demo group unless it already exists. It is idempotent, so
// "serve --demo" may be run again on the same database.
func Load(ctx context.Context, a *app.App) (created bool, err error) {
	if _, err := a.Store.FindOrgBySlug(ctx, Slug); err == nil {
		if err := loadPolicies(ctx, a); err != nil {
			return false, err
		}
		if err := loadCases(ctx, a); err != nil {
			return false, err
		}
		if err := loadDeskAndTraining(ctx, a); err != nil {
			return false, err
		}
		return false, loadCare(ctx, a)
	} else if kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
		return false, err
	}
	parent, err := loadOrg(ctx, a, group, nil)
	if err != nil {
		return false, err
	}
	for _, s := range subsidiaries {
		if _, err := loadOrg(ctx, a, s, &parent.ID); err != nil {
			return false, err
		}
	}
	if err := loadPolicies(ctx, a); err != nil {
		return true, err
	}
	if err := loadCases(ctx, a); err != nil {
		return true, err
	}
	if err := loadDeskAndTraining(ctx, a); err != nil {
		return true, err
	}
	return true, loadCare(ctx, a)
}

func loadOrg(ctx context.Context, a *app.App, spec orgSpec, parent *int64) (*kasuhara.Organization, error) {
	org := &kasuhara.Organization{Slug: spec.slug, Name: spec.name, ParentID: parent}
	if err := a.Store.CreateOrg(ctx, org); err != nil {
		return nil, fmt.Errorf("demo org %s: %w", spec.slug, err)
	}
	depts := map[string]int64{}
	for _, name := range spec.departments {
		d := &kasuhara.Department{OrgID: org.ID, Name: name}
		if err := a.CreateDepartment(ctx, nil, d); err != nil {
			return nil, fmt.Errorf("demo department %s: %w", name, err)
		}
		depts[name] = d.ID
	}
	for _, us := range spec.users {
		u := &kasuhara.User{OrgID: org.ID, Email: us.email, Name: us.name, Roles: us.roles, GroupAccess: us.group, Lang: "ja"}
		if id, ok := depts[us.dept]; ok {
			u.DepartmentID = &id
		}
		if err := a.CreateUser(ctx, nil, u, Password); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", us.email, err)
		}
	}
	return org, nil
}

// PrintAccounts writes the demo accounts and their password.
func PrintAccounts(w io.Writer) {
	fmt.Fprintf(w, "Demo accounts (password for all: %s):\n", Password)
	for _, u := range Users() {
		fmt.Fprintf(w, "  %-32s %-12s %s\n", u[0], u[1], u[2])
	}
}
