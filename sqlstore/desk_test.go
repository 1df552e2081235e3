package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func TestConsultation_AnonymousIsFoundByReceiptOnlyInItsOrganization(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org, other := mustOrg(t, db, "org", nil), mustOrg(t, db, "other", nil)
		c := &kasuhara.Consultation{OrgID: org.ID, Anonymous: true, Relation: "contractor", Topic: "borderline",
			Body: "何度も同じ質問をされて困っています", ReceiptHash: "abc123"}
		if err := db.CreateConsultation(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindConsultationByReceipt(ctx, org.ID, "abc123")
		if err != nil || got.ID != c.ID || got.Status != "new" || got.Wish != "listen" {
			t.Fatalf("by receipt: %+v, %v", got, err)
		}
		if _, err := db.FindConsultationByReceipt(ctx, other.ID, "abc123"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("other organization's receipt lookup: %v", err)
		}
		if _, err := db.FindConsultation(ctx, []int64{other.ID}, c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("other organization's find: %v", err)
		}
		// An anonymous row cannot carry a name, even written past the domain's check.
		bad := &kasuhara.Consultation{OrgID: org.ID, Anonymous: true, Name: "山田", Relation: "employee", Topic: "other", Body: "x"}
		if err := db.CreateConsultation(ctx, bad); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("anonymous with a name: %v", err)
		}
	})
}

func TestConsultation_MessagesConsentHandoverAndFollowUps(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "org", nil)
		staff := mustUser(t, db, org.ID, "staff@example.jp", kasuhara.RoleStaff)
		desk := mustUser(t, db, org.ID, "desk@example.jp", kasuhara.RoleDesk)
		c := &kasuhara.Consultation{OrgID: org.ID, UserID: &staff.ID, Name: staff.Name, Relation: "employee", Topic: "incident",
			Channel: "phone", Body: "電話で長時間責められた"}
		if err := db.CreateConsultation(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := db.AddConsultationMessage(ctx, &kasuhara.ConsultationMessage{ConsultationID: c.ID, FromDesk: true, AuthorID: &desk.ID,
			AuthorName: desk.Name, Body: "お話を伺います"}); err != nil {
			t.Fatal(err)
		}
		ms, err := db.ListConsultationMessages(ctx, c.ID)
		if err != nil || len(ms) != 1 || !ms[0].FromDesk {
			t.Fatalf("messages: %+v, %v", ms, err)
		}
		if _, err := db.FindConsultationConsent(ctx, c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("consent before consenting: %v", err)
		}
		now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
		if err := db.CreateConsultationConsent(ctx, &kasuhara.ConsultationConsent{ConsultationID: c.ID, Fields: []string{"narrative", "channel"},
			Narrative: "電話で長時間", ConsentedAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateConsultationConsent(ctx, &kasuhara.ConsultationConsent{ConsultationID: c.ID, ConsentedAt: now}); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("second consent: %v", err)
		}
		if err := db.RecordHandover(ctx, c.ID, nil, desk.ID, now); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordHandover(ctx, c.ID, nil, desk.ID, now); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("second handover: %v", err)
		}
		cs, err := db.FindConsultationConsent(ctx, c.ID)
		if err != nil || !cs.Passes("channel") || cs.Passes("name") || cs.HandedOverAt == nil {
			t.Fatalf("consent: %+v, %v", cs, err)
		}
		due := time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC)
		f := &kasuhara.FollowUp{OrgID: org.ID, ConsultationID: c.ID, Kind: "interview", DueOn: due, CreatedBy: desk.ID}
		if err := db.AddFollowUp(ctx, f); err != nil {
			t.Fatal(err)
		}
		open, _ := db.ListFollowUps(ctx, kasuhara.FollowUpFilter{OrgIDs: []int64{org.ID}, OpenOnly: true})
		if len(open) != 1 || !open[0].IsOverdue(due.Add(25*time.Hour)) || open[0].IsOverdue(due.Add(23*time.Hour)) {
			t.Fatalf("open follow-ups: %+v", open)
		}
		if err := db.CompleteFollowUp(ctx, org.ID, f.ID, now); err != nil {
			t.Fatal(err)
		}
		if open, _ := db.ListFollowUps(ctx, kasuhara.FollowUpFilter{OrgIDs: []int64{org.ID}, OpenOnly: true}); len(open) != 0 {
			t.Errorf("completed follow-up still open: %+v", open)
		}
		list, _ := db.ListConsultations(ctx, kasuhara.ConsultationFilter{OrgIDs: []int64{org.ID}, UserID: &staff.ID})
		if len(list) != 1 {
			t.Errorf("own consultations: %d", len(list))
		}
	})
}

func TestTraining_TasksCountAttemptsBestScoreAndCompletion(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "org", nil)
		admin := mustUser(t, db, org.ID, "admin@example.jp", kasuhara.RoleAdmin)
		a1 := mustUser(t, db, org.ID, "a1@example.jp", kasuhara.RoleStaff)
		a2 := mustUser(t, db, org.ID, "a2@example.jp", kasuhara.RoleStaff)
		v := mustPolicy(t, db, org.ID, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), "方針")
		due := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
		as := &kasuhara.TrainingAssignment{OrgID: org.ID, Module: kasuhara.ModuleTypes, PolicyVersionID: v.ID, Target: kasuhara.TargetRole,
			Role: kasuhara.RoleStaff, DueOn: due, CreatedBy: admin.ID}
		if err := db.CreateTrainingAssignment(ctx, as, []int64{a1.ID, a2.ID}); err != nil {
			t.Fatal(err)
		}
		tasks, err := db.ListTrainingTasks(ctx, kasuhara.TrainingTaskFilter{OrgIDs: []int64{org.ID}, UserID: &a1.ID})
		if err != nil || len(tasks) != 1 || tasks[0].Module != kasuhara.ModuleTypes || tasks[0].UserName != a1.Name {
			t.Fatalf("tasks: %+v, %v", tasks, err)
		}
		task := tasks[0]
		for i, score := range []int{60, 90, 70} {
			if err := db.RecordTrainingAttempt(ctx, &kasuhara.TrainingAttempt{TaskID: task.ID, Number: i + 1, Score: score,
				Passed: score >= kasuhara.TrainingPassPercent, Answers: "0,1"}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.FindTrainingTask(ctx, []int64{org.ID}, task.ID)
		if err != nil || got.Attempts != 3 || got.BestScore != 90 || got.CompletedAt == nil {
			t.Fatalf("task after attempts: %+v, %v", got, err)
		}
		if err := db.RecordTrainingAttempt(ctx, &kasuhara.TrainingAttempt{TaskID: task.ID, Number: 3, Score: 10}); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("attempt number reused: %v", err)
		}
		as2, _ := db.ListTrainingAssignments(ctx, []int64{org.ID})
		if len(as2) != 1 || as2[0].Assigned != 2 || as2[0].Completed != 1 {
			t.Fatalf("assignment counts: %+v", as2)
		}
		after := due.Add(48 * time.Hour)
		overdue, _ := db.ListTrainingTasks(ctx, kasuhara.TrainingTaskFilter{OrgIDs: []int64{org.ID}, DueBefore: &after, NotReminded: true})
		if len(overdue) != 1 || overdue[0].UserID != a2.ID {
			t.Fatalf("overdue: %+v", overdue)
		}
		if err := db.MarkTrainingReminded(ctx, overdue[0].ID, after); err != nil {
			t.Fatal(err)
		}
		if again, _ := db.ListTrainingTasks(ctx, kasuhara.TrainingTaskFilter{OrgIDs: []int64{org.ID}, DueBefore: &after, NotReminded: true}); len(again) != 0 {
			t.Errorf("reminded task listed again: %+v", again)
		}
	})
}
