package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func mustPolicy(t *testing.T, db *sqlstore.DB, org int64, eff time.Time, title string) *kasuhara.PolicyVersion {
	t.Helper()
	v := &kasuhara.PolicyVersion{OrgID: org, DocID: "doc", Title: title, Kind: "basic_policy", Source: "title: " + title + "\n",
		Digest: "d-" + title, EffectiveFrom: eff, ApprovedBy: "代表取締役", PublishedByName: "system"}
	if err := db.CreatePolicyVersion(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPolicyVersion_NumberedPerOrganizationAndReadBack(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		a, b := mustOrg(t, db, "org-a", nil), mustOrg(t, db, "org-b", nil)
		u := mustUser(t, db, a.ID, "admin@a.example.jp", kasuhara.RoleAdmin)
		day := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
		v1 := mustPolicy(t, db, a.ID, day, "初版")
		v2 := &kasuhara.PolicyVersion{OrgID: a.ID, DocID: "doc", Title: "第二版", Kind: "basic_policy", Source: "x: 1\n", Digest: "d2",
			EffectiveFrom: day.AddDate(0, 6, 0), ApprovedBy: "取締役会", Note: "連絡先の変更", PublishedBy: &u.ID, PublishedByName: u.Email}
		if err := db.CreatePolicyVersion(ctx, v2); err != nil {
			t.Fatal(err)
		}
		other := mustPolicy(t, db, b.ID, day, "別会社")
		if v1.Version != 1 || v2.Version != 2 || other.Version != 1 {
			t.Errorf("versions %d, %d, other %d; want 1, 2, 1", v1.Version, v2.Version, other.Version)
		}
		got, err := db.FindPolicyVersion(ctx, v2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Source != v2.Source || got.Note != v2.Note || !got.EffectiveFrom.Equal(v2.EffectiveFrom) ||
			got.PublishedBy == nil || *got.PublishedBy != u.ID || got.PublishedAt.IsZero() || got.OrgID != a.ID {
			t.Errorf("read back %+v, want %+v", got, v2)
		}
		list, err := db.ListPolicyVersions(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != v2.ID || list[1].ID != v1.ID || list[0].Source != "" {
			t.Errorf("list = %+v, want v2 then v1 without source", list)
		}
		if _, err := db.FindPolicyVersion(ctx, 9999); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("missing version: %v, want not found", err)
		}
	})
}

func TestPolicyVersion_InEffectAtFollowsEffectiveDates(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "org", nil)
		apr, oct := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
		if _, err := db.PolicyVersionAt(ctx, org.ID, oct); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("no versions yet: %v, want not found", err)
		}
		first := mustPolicy(t, db, org.ID, apr, "一")
		// Published later but taking effect in the future: the first stays in effect until then.
		mustPolicy(t, db, org.ID, oct, "二")
		// A correction effective the same day as the second replaces it from that day.
		fix := mustPolicy(t, db, org.ID, oct, "二訂正")
		for _, c := range []struct {
			at   time.Time
			want *kasuhara.PolicyVersion
		}{
			{apr, first},
			{oct.Add(-time.Microsecond), first},
			{oct, fix},
			{oct.AddDate(1, 0, 0), fix},
		} {
			got, err := db.PolicyVersionAt(ctx, org.ID, c.at)
			if err != nil || got.ID != c.want.ID || got.Source == "" {
				t.Errorf("at %v: %+v, %v; want version %d with source", c.at, got, err, c.want.Version)
			}
		}
		if _, err := db.PolicyVersionAt(ctx, org.ID, apr.Add(-time.Second)); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("before the first: %v, want not found", err)
		}
	})
}

func TestPolicyVersion_RequiresApproverAndDate(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		org := mustOrg(t, db, "org", nil)
		v := &kasuhara.PolicyVersion{OrgID: org.ID, Title: "x", Source: "x", EffectiveFrom: time.Now()}
		if err := db.CreatePolicyVersion(context.Background(), v); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("without approver: %v, want invalid", err)
		}
		v.ApprovedBy, v.EffectiveFrom = "理事会", time.Time{}
		if err := db.CreatePolicyVersion(context.Background(), v); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("without date: %v, want invalid", err)
		}
	})
}
