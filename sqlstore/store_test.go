package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func mustOrg(t *testing.T, db *sqlstore.DB, slug string, parent *int64) *kasuhara.Organization {
	t.Helper()
	o := &kasuhara.Organization{Slug: slug, Name: slug + " 株式会社", ParentID: parent}
	if err := db.CreateOrg(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func mustUser(t *testing.T, db *sqlstore.DB, org int64, email string, roles ...kasuhara.Role) *kasuhara.User {
	t.Helper()
	u := &kasuhara.User{OrgID: org, Email: email, Name: "山田 太郎", Roles: roles, PasswordHash: "x"}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestMigrate_IsIdempotentAndCurrent(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		again, err := db.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second Migrate applied %v, err %v; want nothing", again, err)
		}
		ok, err := db.MigrationsCurrent(ctx)
		if err != nil || !ok {
			t.Fatalf("MigrationsCurrent = %v, %v", ok, err)
		}
	})
}

func TestOrg_SubsidiariesAndSlugConflict(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		g := mustOrg(t, db, "group", nil)
		a := mustOrg(t, db, "sub-a", &g.ID)
		b := mustOrg(t, db, "sub-b", &g.ID)
		c := mustOrg(t, db, "sub-a-child", &a.ID)
		ids, err := db.SubsidiaryIDs(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]bool{a.ID: true, b.ID: true, c.ID: true}
		if len(ids) != 3 || !want[ids[0]] || !want[ids[1]] || !want[ids[2]] {
			t.Errorf("SubsidiaryIDs = %v, want %v", ids, want)
		}
		if ids, _ := db.SubsidiaryIDs(ctx, b.ID); len(ids) != 0 {
			t.Errorf("leaf has subsidiaries %v", ids)
		}
		err = db.CreateOrg(ctx, &kasuhara.Organization{Slug: "group", Name: "dup"})
		if kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("duplicate slug: %v, want conflict", err)
		}
		if _, err := db.FindOrgBySlug(ctx, "nope"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("unknown slug: %v", err)
		}
		got, err := db.FindOrgBySlug(ctx, "sub-a")
		if err != nil || got.ParentID == nil || *got.ParentID != g.ID || got.Name != "sub-a 株式会社" {
			t.Errorf("FindOrgBySlug = %+v, %v", got, err)
		}
	})
}

func TestDepartment_CRUDStaysInsideOrganization(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		o1, o2 := mustOrg(t, db, "one", nil), mustOrg(t, db, "two", nil)
		d := &kasuhara.Department{OrgID: o1.ID, Name: "お客様相談室"}
		if err := db.CreateDepartment(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateDepartment(ctx, &kasuhara.Department{OrgID: o1.ID, Name: "お客様相談室"}); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("duplicate name: %v", err)
		}
		if _, err := db.FindDepartment(ctx, o2.ID, d.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("department visible from another org: %v", err)
		}
		if err := db.DeleteDepartment(ctx, o2.ID, d.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("delete from another org: %v", err)
		}
		u := mustUser(t, db, o1.ID, "a@example.jp", kasuhara.RoleStaff)
		dept := &d.ID
		if _, err := db.UpdateUser(ctx, o1.ID, u.ID, kasuhara.UserUpdate{DepartmentID: &dept}); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteDepartment(ctx, o1.ID, d.ID); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("delete department in use: %v", err)
		}
		d.Name = "カスタマーセンター"
		if err := db.UpdateDepartment(ctx, d); err != nil {
			t.Fatal(err)
		}
		list, err := db.ListDepartments(ctx, o1.ID)
		if err != nil || len(list) != 1 || list[0].Name != "カスタマーセンター" {
			t.Errorf("ListDepartments = %v, %v", list, err)
		}
	})
}

func TestUser_CreateFindListUpdate(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		o := mustOrg(t, db, "org", nil)
		other := mustOrg(t, db, "other", nil)
		u := mustUser(t, db, o.ID, " Hanako@Example.JP ", kasuhara.RoleStaff, kasuhara.RoleDesk)
		if u.Email != "hanako@example.jp" {
			t.Errorf("email not normalized: %q", u.Email)
		}
		got, err := db.FindUserByEmail(ctx, "HANAKO@example.jp")
		if err != nil || got.ID != u.ID || len(got.Roles) != 2 || !got.HasRole(kasuhara.RoleDesk) {
			t.Fatalf("FindUserByEmail = %+v, %v", got, err)
		}
		dup := &kasuhara.User{OrgID: o.ID, Email: "hanako@example.jp", Name: "x", Roles: []kasuhara.Role{kasuhara.RoleStaff}, PasswordHash: "x"}
		if err := db.CreateUser(ctx, dup); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("duplicate email: %v", err)
		}
		bad := &kasuhara.User{OrgID: o.ID, Email: "not-an-email", Name: "x", Roles: []kasuhara.Role{kasuhara.RoleStaff}, PasswordHash: "x"}
		if err := db.CreateUser(ctx, bad); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("bad email: %v", err)
		}
		mustUser(t, db, o.ID, "boss@example.jp", kasuhara.RoleSupervisor)
		mustUser(t, db, o.ID, "staffer_1@example.jp", kasuhara.RoleStaff)
		mustUser(t, db, other.ID, "x@other.jp", kasuhara.RoleStaff)
		list, total, err := db.ListUsers(ctx, kasuhara.UserFilter{OrgID: o.ID, Role: kasuhara.RoleStaff})
		if err != nil || total != 2 || len(list) != 2 {
			t.Errorf("ListUsers(staff) = %d users, total %d, %v; want 2", len(list), total, err)
		}
		list, total, _ = db.ListUsers(ctx, kasuhara.UserFilter{OrgID: o.ID, Query: "_1"})
		if total != 1 || list[0].Email != "staffer_1@example.jp" {
			t.Errorf("ListUsers(query _1) matched %d; LIKE wildcards must be escaped", total)
		}
		disabled := true
		if _, err := db.UpdateUser(ctx, other.ID, u.ID, kasuhara.UserUpdate{Disabled: &disabled}); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("update across orgs: %v", err)
		}
		got, err = db.UpdateUser(ctx, o.ID, u.ID, kasuhara.UserUpdate{Disabled: &disabled, Roles: []kasuhara.Role{kasuhara.RoleAdmin}})
		if err != nil || !got.Disabled || !got.HasRole(kasuhara.RoleAdmin) || got.HasRole(kasuhara.RoleStaff) {
			t.Errorf("UpdateUser = %+v, %v", got, err)
		}
		if _, err := db.UpdateUser(ctx, o.ID, u.ID, kasuhara.UserUpdate{Roles: []kasuhara.Role{"root"}}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("unknown role: %v", err)
		}
		if n, _ := db.CountUsers(ctx); n != 4 {
			t.Errorf("CountUsers = %d", n)
		}
	})
}

func TestSession_ExpiresAndSignsOutEverywhere(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		o := mustOrg(t, db, "org", nil)
		u := mustUser(t, db, o.ID, "a@example.jp", kasuhara.RoleStaff)
		now := time.Now().UTC()
		for _, id := range []string{"s1", "s2"} {
			if err := db.CreateSession(ctx, &kasuhara.Session{ID: id, UserID: u.ID, CSRFToken: "c", CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if s, err := db.FindSession(ctx, "s1", now); err != nil || s.UserID != u.ID {
			t.Fatalf("FindSession = %v, %v", s, err)
		}
		if _, err := db.FindSession(ctx, "s1", now.Add(2*time.Hour)); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("expired session found: %v", err)
		}
		if err := db.TouchSession(ctx, "s1", now, now.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindSession(ctx, "s1", now.Add(2*time.Hour)); err != nil {
			t.Errorf("touched session not extended: %v", err)
		}
		if n, err := db.DeleteUserSessions(ctx, u.ID); err != nil || n != 2 {
			t.Errorf("DeleteUserSessions = %d, %v", n, err)
		}
		if _, err := db.FindSession(ctx, "s2", now); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("session survived sign-out everywhere: %v", err)
		}
	})
}

func TestAPIToken_RevokedTokenIsNotFound(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		o := mustOrg(t, db, "org", nil)
		u := mustUser(t, db, o.ID, "a@example.jp", kasuhara.RoleStaff)
		v := mustUser(t, db, o.ID, "b@example.jp", kasuhara.RoleStaff)
		tok := &kasuhara.APIToken{UserID: u.ID, Name: "PBX", Prefix: "ksh_abc", Hash: "h1"}
		if err := db.CreateAPIToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if got, err := db.FindAPIToken(ctx, "h1", now); err != nil || got.ID != tok.ID {
			t.Fatalf("FindAPIToken = %v, %v", got, err)
		}
		if err := db.RevokeAPIToken(ctx, v.ID, tok.ID, now); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another user revoked the token: %v", err)
		}
		if err := db.RevokeAPIToken(ctx, u.ID, tok.ID, now); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindAPIToken(ctx, "h1", now); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("revoked token still found: %v", err)
		}
		list, _ := db.ListAPITokens(ctx, u.ID)
		if len(list) != 1 || list[0].RevokedAt == nil {
			t.Errorf("ListAPITokens = %+v", list)
		}
	})
}

func TestLoginFailures_CountWithinWindow(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		now := time.Now()
		for i := 0; i < 3; i++ {
			db.RecordLoginFailure(ctx, "acct:a@example.jp", now.Add(time.Duration(-i)*10*time.Minute))
		}
		if n, _ := db.LoginFailures(ctx, "acct:a@example.jp", now.Add(-15*time.Minute)); n != 2 {
			t.Errorf("failures in window = %d, want 2", n)
		}
		db.ClearLoginFailures(ctx, "acct:a@example.jp")
		if n, _ := db.LoginFailures(ctx, "acct:a@example.jp", now.Add(-time.Hour)); n != 0 {
			t.Errorf("after clear = %d", n)
		}
	})
}

func TestAudit_VerifyDetectsTampering(t *testing.T) {
	for _, tt := range []struct {
		name    string
		tamper  string // SQL run with the append-only triggers disabled
		wantSeq int64
	}{
		{"intact", "", 0},
		{"altered", "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3", 3},
		{"deleted-middle", "DELETE FROM audit_log WHERE seq = 2", 2},
		{"deleted-last", "DELETE FROM audit_log WHERE seq = 5", 5},
		{"rehashed-alone", "UPDATE audit_log SET detail = '{}', hash = 'abc' WHERE seq = 4", 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
				ctx := context.Background()
				for i := 0; i < 5; i++ {
					e := &kasuhara.AuditEntry{Actor: "system", Action: "test.append", Target: "x", Detail: kasuhara.AuditDetail(map[string]int{"i": i})}
					if err := db.AppendAudit(ctx, e); err != nil {
						t.Fatal(err)
					}
				}
				if tt.tamper != "" {
					if err := sqltest.Tamper(db, tt.tamper); err != nil {
						t.Fatal(err)
					}
				}
				n, brk, err := db.VerifyAudit(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if tt.wantSeq == 0 {
					if brk != nil || n != 5 {
						t.Errorf("intact chain: checked %d, break %+v", n, brk)
					}
					return
				}
				if brk == nil || brk.Seq != tt.wantSeq {
					t.Errorf("break = %+v, want at seq %d", brk, tt.wantSeq)
				}
			})
		})
	}
}

func TestAudit_DatabaseRefusesUpdates(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if err := db.AppendAudit(ctx, &kasuhara.AuditEntry{Actor: "system", Action: "test"}); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecForTest("DELETE FROM audit_log"); err == nil {
			t.Error("delete from audit_log succeeded; want the append-only trigger to refuse")
		}
	})
}

func TestAudit_ListFiltersByOrgAndAction(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		one, two := int64(1), int64(2)
		for _, e := range []*kasuhara.AuditEntry{
			{OrgID: &one, Actor: "a", Action: "auth.login"},
			{OrgID: &two, Actor: "b", Action: "auth.login"},
			{OrgID: &one, Actor: "a", Action: "user.create"},
		} {
			if err := db.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.ListAudit(ctx, kasuhara.AuditFilter{OrgIDs: []int64{1}, Action: "auth."})
		if err != nil || len(got) != 1 || got[0].Seq != 1 {
			t.Errorf("ListAudit = %v, %v", got, err)
		}
		got, _ = db.ListAudit(ctx, kasuhara.AuditFilter{BeforeSeq: 3, Limit: 1})
		if len(got) != 1 || got[0].Seq != 2 {
			t.Errorf("cursor page = %v", got)
		}
	})
}
