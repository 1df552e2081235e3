package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/policy"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

// policyEnv is an App on a fresh database with one organization and a user
// of the given role, and a clock fixed at 2025-06-15 10:00 JST.
func policyEnv(t *testing.T, db *sqlstore.DB, role kasuhara.Role) (*app.App, *kasuhara.Principal) {
	t.Helper()
	ctx := context.Background()
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Date(2025, 6, 15, 10, 0, 0, 0, app.JST)
	a.Now = func() time.Time { return now }
	org := &kasuhara.Organization{Slug: "org", Name: "株式会社テスト"}
	if err := db.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	u := &kasuhara.User{OrgID: org.ID, Email: string(role) + "@example.jp", Name: "山田", Roles: []kasuhara.Role{role}}
	if err := a.CreateUser(ctx, nil, u, "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	p, err := a.Principal(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	return a, p
}

func preset(t *testing.T, name string) []byte {
	t.Helper()
	b, err := policy.Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func day(s string) time.Time {
	t, err := app.ParseEffectiveDate("d", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPublishPolicy_InvalidDocumentIsRefusedWithEveryProblemAndNothingStored(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a, p := policyEnv(t, db, kasuhara.RoleAdmin)
		ctx := context.Background()
		src := strings.Replace(string(preset(t, "mhlw-2022")), "kind: ", "kindd: ", 1)
		_, err := a.PublishPolicy(ctx, p, app.PolicyPublish{OrgID: p.Org.ID, Source: []byte(src), EffectiveFrom: day("2025-07-01"), ApprovedBy: "代表取締役", Lang: "en"})
		if kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Fatalf("err = %v, want invalid", err)
		}
		diags := app.LintDiagnostics(err)
		if len(diags) < 2 || diags[0].Line == 0 || diags[0].Message == "" {
			t.Errorf("diagnostics = %+v, want the unknown key and the missing kind with positions", diags)
		}
		if vs, _ := db.ListPolicyVersions(ctx, p.Org.ID); len(vs) != 0 {
			t.Errorf("stored %d versions of an invalid policy", len(vs))
		}
	})
}

func TestPublishPolicy_VersionsTakeEffectOnTheirDateAndThePastNeverChanges(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a, p := policyEnv(t, db, kasuhara.RoleAdmin)
		ctx := context.Background()
		pub := func(src []byte, eff string) (*kasuhara.PolicyVersion, error) {
			return a.PublishPolicy(ctx, p, app.PolicyPublish{OrgID: p.Org.ID, Source: src, EffectiveFrom: day(eff), ApprovedBy: "取締役会"})
		}
		// The first version may record the policy as in force since an earlier date.
		v1, err := pub(preset(t, "mhlw-2022"), "2024-04-01")
		if err != nil {
			t.Fatal(err)
		}
		// Later ones cannot be backdated: cases judged since then keep their version.
		if _, err := pub(preset(t, "tokyo-2025"), "2025-06-14"); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Fatalf("backdated second version: %v, want invalid", err)
		}
		v2, err := pub(preset(t, "tokyo-2025"), "2025-07-01")
		if err != nil {
			t.Fatal(err)
		}
		if v1.Version != 1 || v2.Version != 2 || v2.Digest == v1.Digest || v2.Title == "" {
			t.Errorf("v1 %+v, v2 %+v", v1, v2)
		}
		for at, want := range map[string]*kasuhara.PolicyVersion{
			"2024-04-01T00:00:00+09:00": v1,
			"2025-06-30T23:59:59+09:00": v1,
			"2025-07-01T00:00:00+09:00": v2,
			"2030-01-01T00:00:00Z":      v2,
		} {
			tm, _ := time.Parse(time.RFC3339, at)
			got, err := a.PolicyInEffect(ctx, p.Org.ID, tm)
			if err != nil || got.ID != want.ID {
				t.Errorf("in effect at %s: %+v %v, want version %d", at, got, err, want.Version)
			}
		}
		if _, err := a.PolicyInEffect(ctx, p.Org.ID, day("2024-03-31")); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("before the first version: %v, want not found", err)
		}
		// Today (2025-06-15) the first is still in effect and the handbook shows it.
		v, doc, err := a.CurrentPolicy(ctx, p, p.Org.ID)
		if err != nil || v.ID != v1.ID || doc.Title == "" {
			t.Errorf("current = %+v, %v", v, err)
		}
		entries, _ := db.ListAudit(ctx, kasuhara.AuditFilter{Action: "policy.publish"})
		if len(entries) != 2 || entries[0].ActorID == nil || *entries[0].ActorID != p.User.ID {
			t.Errorf("audit entries %+v, want two publishes by the admin", entries)
		}
	})
}

func TestPublishPolicy_OnlyAdminsOfTheOrganization(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		a, staff := policyEnv(t, db, kasuhara.RoleSupervisor)
		req := app.PolicyPublish{OrgID: staff.Org.ID, Source: preset(t, "mhlw-2022"), EffectiveFrom: day("2025-07-01"), ApprovedBy: "x"}
		if _, err := a.PublishPolicy(ctx, staff, req); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("supervisor publishing: %v, want forbidden", err)
		}
		other := &kasuhara.Organization{Slug: "other", Name: "他社"}
		if err := db.CreateOrg(ctx, other); err != nil {
			t.Fatal(err)
		}
		admin := &kasuhara.Principal{User: &kasuhara.User{ID: staff.User.ID, OrgID: staff.Org.ID, Roles: []kasuhara.Role{kasuhara.RoleAdmin}}, Org: staff.Org, OrgIDs: []int64{staff.Org.ID}}
		req.OrgID = other.ID
		if _, err := a.PublishPolicy(ctx, admin, req); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("admin publishing for another organization: %v, want not found", err)
		}
		if denied, _ := db.ListAudit(ctx, kasuhara.AuditFilter{Action: "policy.manage"}); len(denied) != 2 || denied[0].Outcome != "denied" {
			t.Errorf("denied attempts not audited: %+v", denied)
		}
	})
}
