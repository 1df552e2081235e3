package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func TestCaseReport_MeasuresOrderedAndOneApprovalPerRole(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "org", nil)
		sv := mustUser(t, db, org.ID, "sv@example.jp", kasuhara.RoleSupervisor)
		v := mustPolicy(t, db, org.ID, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), "方針")
		c := newCase(org.ID, sv.ID, v.ID, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), "phone")
		if err := db.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		due := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		for _, m := range []*kasuhara.CaseMeasure{
			{Kind: kasuhara.MeasurePreventive, Text: "研修を実施する", DueAt: due},
			{Kind: kasuhara.MeasureCorrective, Text: "警告文を送付する", DueAt: due.AddDate(0, 0, 5)},
		} {
			m.OrgID, m.CaseID, m.OwnerID, m.CreatedBy = org.ID, c.ID, sv.ID, sv.ID
			if err := db.CreateMeasure(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateMeasure(ctx, &kasuhara.CaseMeasure{OrgID: org.ID, CaseID: c.ID, Kind: "other", Text: "x", OwnerID: sv.ID, DueAt: due}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("unknown kind: %v", err)
		}
		ms, err := db.ListMeasures(ctx, c.ID)
		if err != nil || len(ms) != 2 || ms[0].Kind != kasuhara.MeasureCorrective || ms[0].OwnerName != sv.Name {
			t.Fatalf("measures = %+v, %v; want corrective first with the owner's name", ms, err)
		}
		if err := db.SetMeasureDone(ctx, c.ID, ms[1].ID, &due); err != nil {
			t.Fatal(err)
		}
		if err := db.SetMeasureDone(ctx, c.ID+1, ms[1].ID, &due); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("measure of another case: %v", err)
		}
		a := &kasuhara.CaseApproval{OrgID: org.ID, CaseID: c.ID, Role: kasuhara.RoleSupervisor, ApproverID: sv.ID, ApproverName: sv.Name}
		if err := db.CreateApproval(ctx, a); err != nil {
			t.Fatal(err)
		}
		again := *a
		if err := db.CreateApproval(ctx, &again); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("second supervisor approval: %v", err)
		}
		if as, err := db.ListApprovals(ctx, c.ID); err != nil || len(as) != 1 || as[0].Role != kasuhara.RoleSupervisor {
			t.Errorf("approvals = %+v, %v", as, err)
		}
	})
}

func TestNotifyChannel_SecretKeptOnUpdateAndNeverListed(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "org", nil)
		ch := &kasuhara.NotifyChannel{OrgID: org.ID, Kind: kasuhara.ChannelWebhook, Name: "slack", URL: "https://hooks.example.jp/x",
			Format: kasuhara.WebhookSlack, Secret: "s3cret", Enabled: true}
		if err := db.SaveNotifyChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		upd := &kasuhara.NotifyChannel{OrgID: org.ID, Kind: kasuhara.ChannelWebhook, Name: "slack", URL: "https://hooks.example.jp/y", Enabled: true}
		if err := db.SaveNotifyChannel(ctx, upd); err != nil || upd.ID != ch.ID || !upd.HasSecret {
			t.Fatalf("update = %+v, %v; want the same channel, secret kept", upd, err)
		}
		list, err := db.NotifyChannels(ctx, org.ID)
		if err != nil || len(list) != 1 || list[0].Secret != "" || !list[0].HasSecret || list[0].URL != "https://hooks.example.jp/y" {
			t.Fatalf("list = %+v, %v", list[0], err)
		}
		full, err := db.NotifyChannelSecret(ctx, ch.ID)
		if err != nil || full.Secret != "s3cret" {
			t.Fatalf("secret = %q, %v", full.Secret, err)
		}
		bad := &kasuhara.NotifyChannel{OrgID: org.ID, Kind: kasuhara.ChannelSMTP, Name: "mail", Host: "smtp.example.jp", Port: 25, From: "not an address"}
		if err := db.SaveNotifyChannel(ctx, bad); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("bad from: %v", err)
		}
	})
}

// Two claimers on one database take every due delivery exactly once.
func TestDeliveries_ClaimedOnceByConcurrentClaimers(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "org", nil)
		u := mustUser(t, db, org.ID, "sv@example.jp", kasuhara.RoleSupervisor)
		ch := &kasuhara.NotifyChannel{OrgID: org.ID, Kind: kasuhara.ChannelWebhook, Name: "hook", URL: "https://hooks.example.jp/x", Enabled: true}
		if err := db.SaveNotifyChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		const n = 60
		for i := 0; i < n; i++ {
			nt := &kasuhara.Notification{OrgID: org.ID, Kind: "overdue", RecipientID: u.ID}
			if err := db.CreateNotification(ctx, nt); err != nil {
				t.Fatal(err)
			}
			d := &kasuhara.NotifyDelivery{OrgID: org.ID, NotificationID: nt.ID, ChannelID: ch.ID, EventKey: "k" + time.Now().Format("150405.000000000")}
			if ok, err := db.CreateDelivery(ctx, d); err != nil || !ok {
				t.Fatal(ok, err)
			}
			if ok, err := db.CreateDelivery(ctx, &kasuhara.NotifyDelivery{OrgID: org.ID, NotificationID: nt.ID, ChannelID: ch.ID, EventKey: d.EventKey}); err != nil || ok {
				t.Fatalf("same event key stored twice: %v %v", ok, err)
			}
		}
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					now := time.Now().Add(time.Second)
					ds, err := db.ClaimDeliveries(ctx, now, now.Add(time.Hour), 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ds) == 0 {
						return
					}
					mu.Lock()
					for _, d := range ds {
						seen[d.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("%d deliveries claimed, want %d", len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("delivery %d claimed %d times", id, k)
			}
		}
	})
}
