package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

// BenchmarkInsertUtterances stores group-commit batches the way the live
// call path does under load: each batch holds one utterance of each of
// many different calls, a few flagged with categories and alerts.
// ns/op is per utterance.
func BenchmarkInsertUtterances(b *testing.B) {
	for _, size := range []int{20, 200} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			db := sqltest.Open(b, sqlstore.SQLite)
			ctx := context.Background()
			org := &kasuhara.Organization{Slug: "benchco", Name: "benchco 株式会社"}
			if err := db.CreateOrg(ctx, org); err != nil {
				b.Fatal(err)
			}
			staff := &kasuhara.User{OrgID: org.ID, Email: "staff@benchco.example.jp", Name: "山田 太郎", Roles: []kasuhara.Role{kasuhara.RoleStaff}, PasswordHash: "x"}
			if err := db.CreateUser(ctx, staff); err != nil {
				b.Fatal(err)
			}
			const calls = 2000
			ids := make([]int64, calls)
			for i := range ids {
				c := &kasuhara.Call{OrgID: org.ID, Channel: "phone", StaffID: staff.ID, StaffName: staff.Name, OpenedBy: staff.ID}
				if err := db.CreateCall(ctx, c); err != nil {
					b.Fatal(err)
				}
				ids[i] = c.ID
			}
			seq := make([]int, calls)
			flagged := []kasuhara.UtteranceCategory{{Code: kasuhara.Threat, Label: "脅迫", Score: 0.93, Spans: []kasuhara.UtteranceSpan{{Start: 0, End: 5, Text: "夜道には気"}}}}
			alerts := []kasuhara.CallAlert{{Kind: kasuhara.AlertImmediateReport, Code: kasuhara.Threat, Label: "脅迫", Reason: "「夜道には気」: 「脅迫」は方針(第1版)で直ちに報告する類型です"}}
			at := time.Now()
			k := 0
			b.ResetTimer()
			for done := 0; done < b.N; {
				n := min(size, b.N-done)
				us := make([]*kasuhara.Utterance, n)
				for i := range us {
					c := k % calls
					k++
					seq[c]++
					u := &kasuhara.Utterance{CallID: ids[c], Seq: seq[c], Speaker: kasuhara.SpeakerCustomer, Text: "先週注文した商品がまだ届かないんですが", At: at,
						Verdict: "none", Categories: []kasuhara.UtteranceCategory{}, Alerts: []kasuhara.CallAlert{}}
					if k%8 == 0 {
						u.Verdict, u.Categories, u.Alerts = "harassment", flagged, alerts
					}
					us[i] = u
				}
				if _, err := db.InsertUtterances(ctx, us); err != nil {
					b.Fatal(err)
				}
				done += n
			}
		})
	}
}
