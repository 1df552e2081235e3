package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func TestCaseSearch_MatchesNormalizedWordsOfAnyLengthAndFollowsEdits(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "org", nil)
		u := mustUser(t, db, org.ID, "staff@example.jp", kasuhara.RoleStaff)
		v := mustPolicy(t, db, org.ID, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), "方針")
		base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		texts := []string{
			"土下座しろと要求し、ＳＮＳに書くと言った",
			"カウンターで大声を出し続けた",
			"電話で「誠意を見せろ」と繰り返した \"quoted\"",
		}
		var ids []int64
		for i, text := range texts {
			c := newCase(org.ID, u.ID, v.ID, base.Add(time.Duration(i)*time.Hour), "phone")
			c.Narrative = text
			if err := db.CreateCase(ctx, c); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		search := func(q string) []int64 {
			t.Helper()
			p, err := db.ListCases(ctx, kasuhara.CaseFilter{OrgIDs: []int64{org.ID}, Query: q})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			var got []int64
			for _, c := range p.Items {
				got = append(got, c.ID)
			}
			if p.Total != len(got) || p.TotalCapped {
				t.Errorf("search %q: total %d (capped %v) for %d items", q, p.Total, p.TotalCapped, len(got))
			}
			slices.Sort(got)
			return got
		}
		for _, tt := range []struct {
			q    string
			want []int64
		}{
			{"土下座", ids[:1]},      // a trigram
			{"どげざ", nil},          // kana is not the kanji
			{"かうんたー", ids[1:2]},   // katakana folded to hiragana
			{"ｶｳﾝﾀｰ", ids[1:2]},   // half-width kana
			{"sns", ids[:1]},      // full-width letters, any case
			{"大声", ids[1:2]},      // two characters: below a trigram
			{"声", ids[1:2]},       // one character
			{"誠意を 電話", ids[2:]},   // every word, long and short
			{"誠意を 土下座", nil},      // both must match
			{`"quoted"`, ids[2:]}, // quotes are text, not query syntax
			{`"`, ids[2:]},        // a lone quote too
			{"%", nil},            // and LIKE's wildcards
			{"要求し、ＳＮＳ", ids[:1]},  // punctuation inside a word
			{"カウンターで大声を出し続けたのです", nil}, // longer than any text
		} {
			if got := search(tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("search %q = %v, want %v", tt.q, got, tt.want)
			}
		}
		c, err := db.FindCase(ctx, []int64{org.ID}, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		c.Narrative = "机を叩いて威嚇した"
		if err := db.UpdateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		if got := search("土下座"); got != nil {
			t.Errorf("old text still found after the edit: %v", got)
		}
		if got := search("机を叩いて"); !slices.Equal(got, ids[:1]) {
			t.Errorf("new text = %v, want %v", got, ids[:1])
		}
		c.State = kasuhara.StateFactFinding // text unchanged
		if err := db.UpdateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		if got := search("机を叩いて"); !slices.Equal(got, ids[:1]) {
			t.Errorf("after a state change = %v, want %v", got, ids[:1])
		}
	})
}

func TestCaseList_CapsTheTotalAndPagesCommonWordsTheSame(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "org", nil)
		u := mustUser(t, db, org.ID, "staff@example.jp", kasuhara.RoleStaff)
		v := mustPolicy(t, db, org.ID, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), "方針")
		base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		n := kasuhara.CaseTotalCap + 5
		err := db.BulkCases(ctx, n, func(i int) *kasuhara.Case {
			c := newCase(org.ID, u.ID, v.ID, base.Add(-time.Duration(i)*time.Minute), "phone")
			c.Narrative = fmt.Sprintf("事案%05d 大声で怒鳴り続けた", i)
			if i%2 == 0 {
				c.Narrative += " 机を叩いた" // in about 5,000 cases: more than a page's worth for the index
			}
			return c
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			q       string
			total   int
			capped  bool
			firstNo int
		}{
			{"", kasuhara.CaseTotalCap, true, 0},
			{"怒鳴り続けた", kasuhara.CaseTotalCap, true, 0}, // every case
			{"机を叩いた", (n + 1) / 2, false, 0},           // half the cases
			{"事案00003", 1, false, 3},                   // one case
			{"大声 事案0000", 10, false, 0},                // a short and a long word
		} {
			p, err := db.ListCases(ctx, kasuhara.CaseFilter{OrgIDs: []int64{org.ID}, Query: tt.q, Limit: 5})
			if err != nil {
				t.Fatalf("%q: %v", tt.q, err)
			}
			if p.Total != tt.total || p.TotalCapped != tt.capped {
				t.Errorf("%q: total %d capped %v, want %d %v", tt.q, p.Total, p.TotalCapped, tt.total, tt.capped)
			}
			want := fmt.Sprintf("事案%05d", tt.firstNo)
			if len(p.Items) == 0 || p.Items[0].Narrative[:len(want)] != want {
				t.Errorf("%q: first item %v, want %s (newest first)", tt.q, p.Items, want)
			}
		}
	})
}

func TestCaseList_OverdueOfAnAssigneeLeavesOutClosedAndUndatedCases(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "org", nil)
		u := mustUser(t, db, org.ID, "staff@example.jp", kasuhara.RoleStaff)
		sv := mustUser(t, db, org.ID, "sv@example.jp", kasuhara.RoleSupervisor)
		v := mustPolicy(t, db, org.ID, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), "方針")
		now := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
		past, future := now.Add(-time.Hour), now.Add(time.Hour)
		type spec struct {
			assignee *int64
			due      *time.Time
			state    kasuhara.CaseState
			want     bool
		}
		specs := []spec{
			{&sv.ID, &past, kasuhara.StateResponse, true},
			{&sv.ID, &past, kasuhara.StateReported, true},
			{&sv.ID, &past, kasuhara.StateClosed, false},
			{&sv.ID, &future, kasuhara.StateResponse, false},
			{&sv.ID, nil, kasuhara.StateResponse, false},
			{&u.ID, &past, kasuhara.StateResponse, false},
			{nil, &past, kasuhara.StateResponse, false},
		}
		var want []int64
		for i, s := range specs {
			c := newCase(org.ID, u.ID, v.ID, now.AddDate(0, 0, -10+i), "phone")
			c.AssigneeID, c.DueAt, c.State = s.assignee, s.due, s.state
			if s.state == kasuhara.StateClosed {
				c.ClosedAt = &past
			}
			if err := db.CreateCase(ctx, c); err != nil {
				t.Fatal(err)
			}
			if s.want {
				want = append([]int64{c.ID}, want...)
			}
		}
		p, err := db.ListCases(ctx, kasuhara.CaseFilter{OrgIDs: []int64{org.ID}, AssigneeID: &sv.ID, Overdue: true, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, c := range p.Items {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, want) || p.Total != len(want) {
			t.Errorf("overdue of the supervisor = %v (total %d), want %v newest first", got, p.Total, want)
		}
	})
}
