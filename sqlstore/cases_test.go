package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func TestCustomer_MatchesNormalizedPhoneEmailAndMember(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org, other := mustOrg(t, db, "org", nil), mustOrg(t, db, "other", nil)
		c := &kasuhara.Customer{OrgID: org.ID, Name: "山田　太郎", Kana: "ﾔﾏﾀﾞ ﾀﾛｳ", Phone: "０３−１２３４−５６７８", Email: "Taro@Example.JP", MemberNo: "ab-0012"}
		if err := db.CreateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateCustomer(ctx, &kasuhara.Customer{OrgID: other.ID, Name: "別組織", Phone: "03-1234-5678"}); err != nil {
			t.Fatal(err)
		}
		for _, k := range []kasuhara.CustomerKeys{
			{Phone: kasuhara.NormalizePhone("+81 3 1234 5678")},
			{Email: kasuhara.NormalizeCustomerEmail("ＴＡＲＯ@example.jp")},
			{Member: kasuhara.NormalizeMember("AB 0012")},
		} {
			got, err := db.MatchCustomers(ctx, org.ID, k)
			if err != nil || len(got) != 1 || got[0].ID != c.ID {
				t.Errorf("match %+v = %v, %v; want customer %d only", k, got, err, c.ID)
			}
		}
		list, total, err := db.ListCustomers(ctx, kasuhara.CustomerFilter{OrgID: org.ID, Query: "ヤマダ"})
		if err != nil || total != 1 || len(list) != 1 {
			t.Errorf("search by kana: %d %v %v", total, list, err)
		}
		if _, err := db.FindCustomer(ctx, other.ID, c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("other org reads customer: %v", err)
		}
		if err := db.CreateCustomer(ctx, &kasuhara.Customer{OrgID: org.ID}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("customer without identity: %v", err)
		}
	})
}

func TestRestriction_LiftedOnceAndKeptInHistory(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "org", nil)
		u := mustUser(t, db, org.ID, "sv@example.jp", kasuhara.RoleSupervisor)
		v := mustPolicy(t, db, org.ID, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), "方針")
		c := &kasuhara.Customer{OrgID: org.ID, Name: "客", Phone: "090-1111-2222"}
		if err := db.CreateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		r := &kasuhara.Restriction{OrgID: org.ID, CustomerID: c.ID, Kind: kasuhara.RestrictRefuseCalls, Reason: "度重なる長時間の電話",
			ApproverID: u.ID, ApproverName: u.Name, ApproverRole: "supervisor", Start: start, PolicyVersion: v.ID}
		if err := db.CreateRestriction(ctx, r); err != nil {
			t.Fatal(err)
		}
		if len(r.Channels) != 1 || r.Channels[0] != "phone" || !r.ActiveAt(start.Add(time.Hour)) {
			t.Errorf("restriction %+v: want phone, active", r)
		}
		lifted, err := db.LiftRestriction(ctx, org.ID, r.ID, u.ID, "謝罪があった", start.AddDate(0, 1, 0))
		if err != nil || lifted.ActiveAt(start.AddDate(0, 2, 0)) {
			t.Fatalf("lift: %v %+v", err, lifted)
		}
		if _, err := db.LiftRestriction(ctx, org.ID, r.ID, u.ID, "again", start); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("second lift: %v, want conflict", err)
		}
		list, err := db.ListRestrictions(ctx, org.ID, c.ID)
		if err != nil || len(list) != 1 || list[0].LiftReason != "謝罪があった" || list[0].LiftedBy == nil {
			t.Errorf("history: %+v %v", list, err)
		}
	})
}

func newCase(org, reporter, policy int64, at time.Time, ch string, types ...string) *kasuhara.Case {
	return &kasuhara.Case{OrgID: org, State: kasuhara.StateReported, Channel: ch, OccurredAt: at, Demand: "返金の要求",
		Narrative: "カウンターで大声を出し続けた", Types: types, ReporterID: reporter, PolicyVersionID: policy}
}

func TestCase_StoresUpdatesWithRevisionAndFiltersWithCursor(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org, other := mustOrg(t, db, "org", nil), mustOrg(t, db, "other", nil)
		u := mustUser(t, db, org.ID, "staff@example.jp", kasuhara.RoleStaff)
		sv := mustUser(t, db, org.ID, "sv@example.jp", kasuhara.RoleSupervisor)
		v := mustPolicy(t, db, org.ID, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), "方針")
		base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		var ids []int64
		for i := 0; i < 5; i++ {
			ch := "phone"
			if i%2 == 0 {
				ch = "face_to_face"
			}
			c := newCase(org.ID, u.ID, v.ID, base.Add(time.Duration(i)*time.Hour), ch, "abuse-type")
			if i == 3 {
				c.Types = []string{"threat-type"}
				c.Narrative = "「火をつけるぞ」とカタカナでコロスと書いた手紙"
			}
			if err := db.CreateCase(ctx, c); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		c, err := db.FindCase(ctx, []int64{org.ID}, ids[0])
		if err != nil || c.Revision != 1 || len(c.Types) != 1 || c.Types[0] != "abuse-type" {
			t.Fatalf("find: %+v %v", c, err)
		}
		if _, err := db.FindCase(ctx, []int64{other.ID}, ids[0]); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("other org finds the case: %v", err)
		}
		c.State, c.AssigneeID = kasuhara.StateFactFinding, &sv.ID
		due := base.Add(-time.Hour)
		c.DueAt = &due
		c.Escalation.PoliceStation = "新宿警察署"
		if err := db.UpdateCase(ctx, c); err != nil || c.Revision != 2 {
			t.Fatalf("update: %v rev %d", err, c.Revision)
		}
		stale := *c
		stale.Revision = 1
		if err := db.UpdateCase(ctx, &stale); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("stale update: %v, want conflict", err)
		}
		got, _ := db.FindCase(ctx, []int64{org.ID}, c.ID)
		if got.Escalation.PoliceStation != "新宿警察署" || got.AssigneeID == nil || *got.AssigneeID != sv.ID {
			t.Errorf("read back %+v", got)
		}
		count := func(f kasuhara.CaseFilter) int {
			t.Helper()
			f.OrgIDs = []int64{org.ID}
			p, err := db.ListCases(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return p.Total
		}
		from := base.Add(90 * time.Minute)
		for name, c := range map[string]struct {
			f    kasuhara.CaseFilter
			want int
		}{
			"all":        {kasuhara.CaseFilter{}, 5},
			"channel":    {kasuhara.CaseFilter{Channel: "phone"}, 2},
			"type":       {kasuhara.CaseFilter{Type: "threat-type"}, 1},
			"state":      {kasuhara.CaseFilter{State: kasuhara.StateFactFinding}, 1},
			"assignee":   {kasuhara.CaseFilter{AssigneeID: &sv.ID}, 1},
			"overdue":    {kasuhara.CaseFilter{Overdue: true, Now: base}, 1},
			"from":       {kasuhara.CaseFilter{From: &from}, 3},
			"search":     {kasuhara.CaseFilter{Query: "ころす"}, 1},
			"search2":    {kasuhara.CaseFilter{Query: "大声　カウンター"}, 4},
			"like-chars": {kasuhara.CaseFilter{Query: "%"}, 0},
			"involved":   {kasuhara.CaseFilter{InvolvedUserID: &sv.ID}, 1},
		} {
			if got := count(c.f); got != c.want {
				t.Errorf("%s: total %d, want %d", name, got, c.want)
			}
		}
		// Pages of two walk all five, newest first, without repeats.
		var seen []int64
		cursor := ""
		for {
			p, err := db.ListCases(ctx, kasuhara.CaseFilter{OrgIDs: []int64{org.ID}, Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Items {
				seen = append(seen, it.ID)
			}
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		if len(seen) != 5 || seen[0] != ids[4] || seen[4] != ids[0] {
			t.Errorf("pages gave %v, want %v reversed", seen, ids)
		}
		if _, err := db.ListCases(ctx, kasuhara.CaseFilter{OrgIDs: []int64{org.ID}, Cursor: "x"}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("bad cursor: %v", err)
		}
	})
}

func TestAttachment_IsImmutable(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "org", nil)
		u := mustUser(t, db, org.ID, "staff@example.jp", kasuhara.RoleStaff)
		v := mustPolicy(t, db, org.ID, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), "方針")
		c := newCase(org.ID, u.ID, v.ID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "email")
		if err := db.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		a := &kasuhara.Attachment{OrgID: org.ID, CaseID: c.ID, Name: "mail.eml", ContentType: "message/rfc822", Size: 3, SHA256: "abc", UploadedBy: u.ID, Data: []byte("abc")}
		if err := db.CreateAttachment(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindAttachment(ctx, c.ID, a.ID)
		if err != nil || string(got.Data) != "abc" {
			t.Fatalf("read back: %v %v", got, err)
		}
		if err := db.ExecForTest("UPDATE attachments SET name = 'x'"); err == nil {
			t.Error("attachment row was updated")
		}
		if err := db.ExecForTest("DELETE FROM attachments"); err == nil {
			t.Error("attachment row was deleted")
		}
	})
}
