package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func TestCall_BatchInsertSkipsTakenNumbersAndCounts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "callco", nil)
		staff := mustUser(t, db, org.ID, "staff@callco.example.jp", kasuhara.RoleStaff)
		var calls []*kasuhara.Call
		for i := 0; i < 2; i++ {
			c := &kasuhara.Call{OrgID: org.ID, Channel: "phone", CallerNumber: "03-1234-5678", StaffID: staff.ID, StaffName: staff.Name, OpenedBy: staff.ID}
			if err := db.CreateCall(ctx, c); err != nil {
				t.Fatal(err)
			}
			calls = append(calls, c)
		}
		at := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
		utt := func(call int64, seq int, text string, flagged bool) *kasuhara.Utterance {
			u := &kasuhara.Utterance{CallID: call, Seq: seq, Speaker: kasuhara.SpeakerCustomer, Text: text, At: at, Verdict: "none",
				Categories: []kasuhara.UtteranceCategory{}, Alerts: []kasuhara.CallAlert{}}
			if flagged {
				u.Verdict = "harassment"
				u.Categories = []kasuhara.UtteranceCategory{{Code: kasuhara.Threat, Label: "脅迫", Score: 0.9, Spans: []kasuhara.UtteranceSpan{{Start: 0, End: 3, Text: "殺すぞ"}}}}
			}
			return u
		}
		stored, err := db.InsertUtterances(ctx, []*kasuhara.Utterance{
			utt(calls[0].ID, 1, "もしもし", false), utt(calls[1].ID, 1, "こんにちは", false), utt(calls[0].ID, 2, "殺すぞ", true)})
		if err != nil || !stored[0] || !stored[1] || !stored[2] {
			t.Fatalf("first batch: %v %v", stored, err)
		}
		// (call 0, seq 2) is taken, as when another server stored it first;
		// the rest of the batch is stored all the same.
		stored, err = db.InsertUtterances(ctx, []*kasuhara.Utterance{utt(calls[0].ID, 2, "別の発言", false), utt(calls[1].ID, 2, "はい", false)})
		if err != nil || stored[0] || !stored[1] {
			t.Fatalf("second batch stored %v, err %v; want [false true]", stored, err)
		}
		c, err := db.FindCall(ctx, calls[0].ID)
		if err != nil || c.Utterances != 2 || c.Flagged != 1 || c.EndedAt != nil {
			t.Fatalf("call = %+v, %v", c, err)
		}
		us, err := db.ListUtterances(ctx, calls[0].ID, 0)
		if err != nil || len(us) != 2 || us[1].Text != "殺すぞ" || us[1].Categories[0].Spans[0].Text != "殺すぞ" || !us[1].At.Equal(at) {
			t.Fatalf("transcript = %+v, %v", us, err)
		}
		fl, err := db.ListFlaggedUtterances(ctx, calls[0].ID, 5)
		if err != nil || len(fl) != 1 || fl[0].Seq != 2 {
			t.Fatalf("flagged = %+v, %v", fl, err)
		}
		open := true
		live, err := db.ListCalls(ctx, kasuhara.CallFilter{OrgIDs: []int64{org.ID}, Open: &open})
		if err != nil || len(live) != 2 || live[0].ID != calls[1].ID {
			t.Fatalf("open calls = %+v, %v", live, err)
		}
		if err := db.SetCallStage(ctx, calls[0].ID, kasuhara.StageWarning); err != nil {
			t.Fatal(err)
		}
		if err := db.EndCall(ctx, calls[0].ID, at.Add(time.Minute), true); err != nil {
			t.Fatal(err)
		}
		if err := db.EndCall(ctx, calls[0].ID, at.Add(2*time.Minute), true); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("ending twice: %v, want conflict", err)
		}
		if err := db.EndCall(ctx, 999999, at, false); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("ending a missing call: %v, want not found", err)
		}
		needs := true
		done, err := db.ListCalls(ctx, kasuhara.CallFilter{OrgIDs: []int64{org.ID}, NeedsCase: &needs})
		if err != nil || len(done) != 1 || done[0].Stage != kasuhara.StageWarning || !done[0].NeedsCase || done[0].EndedAt == nil {
			t.Fatalf("calls needing a case = %+v, %v", done, err)
		}
	})
}

func TestCall_BatchOverOneStatementIsStoredWhole(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "bigco", nil)
		staff := mustUser(t, db, org.ID, "staff@bigco.example.jp", kasuhara.RoleStaff)
		c := &kasuhara.Call{OrgID: org.ID, Channel: "chat", StaffID: staff.ID, StaffName: staff.Name, OpenedBy: staff.ID}
		if err := db.CreateCall(ctx, c); err != nil {
			t.Fatal(err)
		}
		var us []*kasuhara.Utterance
		for i := 1; i <= 1234; i++ {
			us = append(us, &kasuhara.Utterance{CallID: c.ID, Seq: i, Speaker: kasuhara.SpeakerStaff, Text: "承知しました", At: time.Now(), Verdict: "none"})
		}
		stored, err := db.InsertUtterances(ctx, us)
		if err != nil {
			t.Fatal(err)
		}
		for i, ok := range stored {
			if !ok {
				t.Fatalf("utterance %d not stored", i+1)
			}
		}
		if got, _ := db.FindCall(ctx, c.ID); got.Utterances != 1234 {
			t.Errorf("stored %d utterances, want 1234", got.Utterances)
		}
	})
}
