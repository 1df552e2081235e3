package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func (e *caseEnv) deskUser(email string) *kasuhara.Principal {
	e.t.Helper()
	ctx := context.Background()
	u := &kasuhara.User{OrgID: e.org.ID, Email: email, Name: "相談 窓口", Roles: []kasuhara.Role{kasuhara.RoleDesk}}
	if err := e.a.CreateUser(ctx, nil, u, "correct horse battery staple"); err != nil {
		e.t.Fatal(err)
	}
	p, err := e.a.Principal(ctx, u)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func auditOf(t *testing.T, db *sqlstore.DB, action string) []*kasuhara.AuditEntry {
	t.Helper()
	es, err := db.ListAudit(context.Background(), kasuhara.AuditFilter{Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestConsultation_AnonymousKeepsNoIdentityEvenWithAClientInContext(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		// Even if a request context carried an address, nothing stores it.
		ctx := kasuhara.WithClient(context.Background(), kasuhara.Client{IP: "203.0.113.9", UserAgent: "Mozilla/5.0 test"})
		c, code, err := e.a.SubmitPublicConsultation(ctx, "org", app.ConsultationInput{Anonymous: true, Name: "山田 花子", Contact: "090-0000-0000",
			Relation: "dispatched", Topic: "borderline", Body: "同じお客様から毎日電話があり、つらいです"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "" || c.Contact != "" || c.UserID != nil || c.ReceiptHash == "" || strings.Contains(c.ReceiptHash, code) {
			t.Fatalf("anonymous consultation keeps identity or the code: %+v", c)
		}
		if len(strings.ReplaceAll(code, "-", "")) != 32 {
			t.Errorf("receipt code %q is not 160 bits in base32", code)
		}
		for _, en := range auditOf(t, db, "consultation.") {
			if en.IP != "" || en.ActorID != nil || en.Actor != "anonymous" {
				t.Errorf("audit entry identifies the consultant: %+v", en)
			}
			if strings.Contains(string(en.Detail), "つらい") {
				t.Errorf("audit entry carries the content: %s", en.Detail)
			}
		}
		// The code finds it, typed loosely; another organization's page does not.
		th, err := e.a.ReceiptConsultation(ctx, "org", strings.ToLower(strings.ReplaceAll(code, "-", " ")))
		if err != nil || th.Consultation.ID != c.ID {
			t.Fatalf("by receipt: %v", err)
		}
		if _, err := e.a.ReceiptConsultation(ctx, "other", code); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("other organization's status page: %v", err)
		}
	})
}

func TestConsultation_WrongReceiptCodesAreThrottledPerOrganization(t *testing.T) {
	db := sqltest.Open(t, sqlstore.SQLite)
	e := newCaseEnv(t, db, "lall-hokenshi-2022")
	ctx := context.Background()
	_, code, err := e.a.SubmitPublicConsultation(ctx, "org", app.ConsultationInput{Anonymous: true, Relation: "employee", Topic: "other", Body: "相談です"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < app.MaxReceiptFailures; i++ {
		if _, err := e.a.ReceiptConsultation(ctx, "org", "AAAA-BBBB"); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, err := e.a.ReceiptConsultation(ctx, "org", code); kasuhara.ErrorCode(err) != kasuhara.ETOOMANY {
		t.Errorf("after %d wrong codes: %v, want too many", app.MaxReceiptFailures, err)
	}
	// The window passes.
	e.now = e.now.Add(e.a.FailureWindow + 1)
	if _, err := e.a.ReceiptConsultation(ctx, "org", code); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestConsultation_OnlyTheDeskReadsAndEveryReadIsAudited(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		ctx := context.Background()
		desk := e.deskUser("desk@example.jp")
		c, err := e.a.SubmitConsultation(ctx, e.staff, app.ConsultationInput{Topic: "incident", Channel: "phone", OccurredOn: "2026-03-09",
			Body: "電話で1時間以上責められました"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []*kasuhara.Principal{e.sv, e.exec, e.auditor, e.admin, e.staff2} {
			if _, err := e.a.DeskConsultation(ctx, p, c.ID); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
				t.Errorf("%s reads a consultation: %v", p.User.Email, err)
			}
		}
		if _, err := e.a.MyConsultation(ctx, e.staff2, c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another staff member reads it as their own: %v", err)
		}
		if _, err := e.a.DeskConsultation(ctx, desk, c.ID); err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]int{}
		for _, en := range auditOf(t, db, "consultation.read") {
			outcomes[en.Outcome]++
			if en.Outcome == "ok" && *en.ActorID != desk.User.ID {
				t.Errorf("read by %d audited", *en.ActorID)
			}
		}
		if outcomes["ok"] != 1 || outcomes["denied"] != 5 {
			t.Fatalf("reads audited: %v", outcomes)
		}
		if err := e.a.ReplyToConsultation(ctx, desk, c.ID, "お話を伺います。面談はいかがですか", ""); err != nil {
			t.Fatal(err)
		}
		th, err := e.a.MyConsultation(ctx, e.staff, c.ID)
		if err != nil || len(th.Messages) != 1 || th.Consultation.Status != "in_progress" || th.FollowUps != nil {
			t.Fatalf("consultant's view: %+v, %v", th, err)
		}
	})
}

func TestConsultation_BecomesACaseOnlyWithConsentAndOnlyWithChosenFields(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		ctx := context.Background()
		desk := e.deskUser("desk@example.jp")
		c, err := e.a.SubmitConsultation(ctx, e.staff, app.ConsultationInput{Topic: "incident", Channel: "face_to_face", OccurredOn: "2026-03-08",
			Body: "カウンターで土下座を求められました。同僚の佐藤さんも見ていました"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.HandOver(ctx, desk, c.ID, app.HandoverInput{Channel: "phone"}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Fatalf("handover without consent: %v", err)
		}
		if err := e.a.ConsentToCase(ctx, e.staff, c.ID, app.ConsentInput{Fields: []string{"occurred_on"}}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("consent without an account: %v", err)
		}
		if err := e.a.ConsentToCase(ctx, e.staff, c.ID, app.ConsentInput{Fields: []string{"narrative", "occurred_on"},
			Narrative: "カウンターで土下座を求められた"}); err != nil {
			t.Fatal(err)
		}
		// The channel was not passed on: the desk must give one.
		if _, err := e.a.HandOver(ctx, desk, c.ID, app.HandoverInput{}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("handover without a channel: %v", err)
		}
		res, err := e.a.HandOver(ctx, desk, c.ID, app.HandoverInput{Channel: "face_to_face"})
		if err != nil {
			t.Fatal(err)
		}
		cs := res.Case
		if cs.Narrative != "カウンターで土下座を求められた" || strings.Contains(cs.Narrative, "佐藤") || cs.StaffInvolved != "" || cs.ReporterID != desk.User.ID {
			t.Errorf("case carries more than was chosen: %+v", cs)
		}
		if got := cs.OccurredAt.In(app.JST).Format("2006-01-02"); got != "2026-03-08" {
			t.Errorf("occurred %s, want the day passed on", got)
		}
		if _, err := e.a.HandOver(ctx, desk, c.ID, app.HandoverInput{Channel: "face_to_face"}); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("second handover: %v", err)
		}
		th, _ := e.a.DeskConsultation(ctx, desk, c.ID)
		if th.Consent == nil || th.Consent.CaseID == nil || *th.Consent.CaseID != cs.ID {
			t.Errorf("consent does not name the case: %+v", th.Consent)
		}
	})
}

func TestFollowUp_IsOverdueAfterItsDueDayUntilDone(t *testing.T) {
	db := sqltest.Open(t, sqlstore.SQLite)
	e := newCaseEnv(t, db, "lall-hokenshi-2022")
	ctx := context.Background()
	desk := e.deskUser("desk@example.jp")
	c, err := e.a.SubmitConsultation(ctx, e.staff, app.ConsultationInput{Topic: "incident", Body: "相談"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.AddFollowUp(ctx, desk, c.ID, app.FollowUpInput{Kind: "vacation", DueOn: "2026-03-09"}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := e.a.AddFollowUp(ctx, desk, c.ID, app.FollowUpInput{Kind: "interview", DueOn: "9 March"}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
		t.Errorf("bad date: %v", err)
	}
	f, err := e.a.AddFollowUp(ctx, desk, c.ID, app.FollowUpInput{Kind: "occupational_physician", DueOn: "2026-03-09", Note: "産業医面談を調整"})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Overdue {
		t.Error("follow-up due yesterday is not overdue")
	}
	if _, err := e.a.AddFollowUp(ctx, desk, c.ID, app.FollowUpInput{Kind: "interview", DueOn: "2026-03-10"}); err != nil {
		t.Fatal(err)
	}
	over, _ := e.a.OverdueFollowUps(ctx, desk)
	if len(over) != 1 || over[0].ID != f.ID {
		t.Fatalf("overdue: %+v", over)
	}
	if err := e.a.CompleteFollowUp(ctx, desk, c.ID, f.ID); err != nil {
		t.Fatal(err)
	}
	if over, _ := e.a.OverdueFollowUps(ctx, desk); len(over) != 0 {
		t.Errorf("done follow-up still overdue: %+v", over)
	}
	if _, err := e.a.OverdueFollowUps(ctx, e.sv); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
		t.Errorf("supervisor sees follow-ups: %v", err)
	}
}

func TestTraining_ModulesFollowThePolicy(t *testing.T) {
	db := sqltest.Open(t, sqlstore.SQLite)
	e := newCaseEnv(t, db, "saitama-kenmin-kyosai")
	mods, _, err := e.a.AvailableModules(context.Background(), e.admin, e.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range mods {
		keys = append(keys, m.Key)
	}
	if !slices.Contains(keys, kasuhara.ModuleStaffAsCustomers) || !slices.Contains(keys, kasuhara.ModuleDefinition) {
		t.Errorf("modules of a policy asking staff not to harass as customers: %v", keys)
	}
	e2 := newCaseEnv(t, sqltest.Open(t, sqlstore.SQLite), "lall-hokenshi-2022")
	mods, _, _ = e2.a.AvailableModules(context.Background(), e2.admin, e2.org.ID)
	for _, m := range mods {
		if m.Key == kasuhara.ModuleStaffAsCustomers {
			t.Error("a policy without the clause gets the staff-as-customers module")
		}
	}
}

func TestTraining_QuizIsStableOnReloadDiffersOnRetakeAndGradesWithExplanations(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		ctx := context.Background()
		as, err := e.a.AssignTraining(ctx, e.admin, app.AssignInput{Module: kasuhara.ModuleDefinition, Target: kasuhara.TargetRole, Role: "staff", DueOn: "2026-03-31"})
		if err != nil {
			t.Fatal(err)
		}
		if as.Assigned != 2 {
			t.Errorf("assigned %d staff, want 2", as.Assigned)
		}
		if _, err := e.a.AssignTraining(ctx, e.staff, app.AssignInput{Module: kasuhara.ModuleDefinition, Target: kasuhara.TargetAll, DueOn: "2026-03-31"}); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("staff assigns: %v", err)
		}
		if _, err := e.a.AssignTraining(ctx, e.admin, app.AssignInput{Module: "nonsense", Target: kasuhara.TargetAll, DueOn: "2026-03-31"}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("unknown module: %v", err)
		}
		tasks, _ := e.a.MyTraining(ctx, e.staff)
		if len(tasks) != 1 {
			t.Fatalf("tasks: %+v", tasks)
		}
		v1, _ := e.a.Training(ctx, e.staff, tasks[0].ID)
		v2, _ := e.a.Training(ctx, e.staff, tasks[0].ID)
		if quote(v1.Questions) != quote(v2.Questions) || len(v1.Questions) != app.QuizLength {
			t.Fatalf("reload changed the quiz or its length: %d", len(v1.Questions))
		}
		if !slices.ContainsFunc(v1.Questions, func(q app.Question) bool { return q.Kind == "is_harassment" && q.Answer == 1 }) {
			t.Error("the quiz has no example of what is not harassment")
		}
		if _, err := e.a.Training(ctx, e.staff2, tasks[0].ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another person's task: %v", err)
		}
		// All wrong: graded 0, not completed, each with the clause quoted.
		wrong := make([]int, len(v1.Questions))
		for i, q := range v1.Questions {
			wrong[i] = (q.Answer + 1) % len(q.Options)
		}
		res, err := e.a.SubmitQuiz(ctx, e.staff, tasks[0].ID, v1.Attempt, wrong)
		if err != nil {
			t.Fatal(err)
		}
		if res.Attempt.Score != 0 || res.Attempt.Passed || res.Questions[0].Clause == "" {
			t.Errorf("wrong answers: %+v", res.Attempt)
		}
		if _, err := e.a.SubmitQuiz(ctx, e.staff, tasks[0].ID, v1.Attempt, wrong); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("same attempt twice: %v", err)
		}
		v3, _ := e.a.Training(ctx, e.staff, tasks[0].ID)
		if v3.Attempt != 2 || quote(v3.Questions) == quote(v1.Questions) {
			t.Errorf("retake shows the same quiz (attempt %d)", v3.Attempt)
		}
		if _, err := e.a.SubmitQuiz(ctx, e.staff, tasks[0].ID, 2, []int{0}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("too few answers: %v", err)
		}
		right := make([]int, len(v3.Questions))
		for i, q := range v3.Questions {
			right[i] = q.Answer
		}
		if _, err := e.a.TrainingCertificate(ctx, e.staff, tasks[0].ID); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("certificate before completion: %v", err)
		}
		if res, err := e.a.SubmitQuiz(ctx, e.staff, tasks[0].ID, 2, right); err != nil || !res.Attempt.Passed || res.Attempt.Score != 100 {
			t.Fatalf("right answers: %+v, %v", res, err)
		}
		cert, err := e.a.TrainingCertificate(ctx, e.staff, tasks[0].ID)
		if err != nil || cert.Task.CompletedAt == nil || cert.Task.BestScore != 100 {
			t.Fatalf("certificate: %+v, %v", cert, err)
		}
		rep, err := e.a.TrainingProgress(ctx, e.sv)
		if err != nil || len(rep.Assignments) != 1 || rep.Assignments[0].Completed != 1 {
			t.Fatalf("progress: %+v, %v", rep, err)
		}
	})
}

func quote(qs []app.Question) string {
	var b strings.Builder
	for _, q := range qs {
		b.WriteString(q.Quote)
		for _, o := range q.Options {
			b.WriteString("|" + o.Key + o.Text)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestTraining_OverdueRemindersNotifyOnce(t *testing.T) {
	db := sqltest.Open(t, sqlstore.SQLite)
	e := newCaseEnv(t, db, "lall-hokenshi-2022")
	ctx := context.Background()
	if _, err := e.a.AssignTraining(ctx, e.admin, app.AssignInput{Module: kasuhara.ModuleTypes, Target: kasuhara.TargetAll, DueOn: "2026-03-11"}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.a.RemindOverdueTraining(ctx, e.sv, nil); err != nil || n != 0 {
		t.Fatalf("before the due day: %d, %v", n, err)
	}
	e.now = e.now.AddDate(0, 0, 3)
	n, err := e.a.RemindOverdueTraining(ctx, e.sv, nil)
	if err != nil || n != 6 {
		t.Fatalf("reminded %d, %v; want everyone of the organization", n, err)
	}
	ns, _ := db.ListNotifications(ctx, 0, e.staff.User.ID)
	if len(ns) != 1 || ns[0].Kind != "training_overdue" {
		t.Errorf("notifications: %+v", ns)
	}
	if n, _ := e.a.RemindOverdueTraining(ctx, e.sv, nil); n != 0 {
		t.Errorf("reminded again: %d", n)
	}
}

// The notification worker reminds overdue training by itself, once, and
// leaves no audit entry on the rounds that remind nobody.
func TestTraining_DelivererRemindsOverdueTrainingOnSchedule(t *testing.T) {
	db := sqltest.Open(t, sqlstore.SQLite)
	e := newCaseEnv(t, db, "lall-hokenshi-2022")
	ctx := context.Background()
	if _, err := e.a.AssignTraining(ctx, e.admin, app.AssignInput{Module: kasuhara.ModuleTypes, Target: kasuhara.TargetAll, DueOn: "2026-03-11"}); err != nil {
		t.Fatal(err)
	}
	d := app.NewDeliverer(e.a, "http://localhost")
	entries := func() int64 { n, _, _ := db.VerifyAudit(ctx); return n }
	before := entries()
	d.Tick(ctx)
	if got := entries(); got != before {
		t.Errorf("a round that reminded nobody wrote %d audit entries", got-before)
	}
	e.now = e.now.AddDate(0, 0, 3)
	d.Tick(ctx)
	d.Tick(ctx)
	ns, _ := db.ListNotifications(ctx, 0, e.staff.User.ID)
	if len(ns) != 1 || ns[0].Kind != "training_overdue" {
		t.Errorf("notifications after two rounds: %+v", ns)
	}
}

// The worker reminds the desk member of an overdue follow-up once, without
// naming the consultant, and never for one that is done.
func TestFollowUp_DelivererRemindsTheDeskOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		ctx := context.Background()
		desk := e.deskUser("desk@example.jp")
		c, err := e.a.SubmitConsultation(ctx, e.staff, app.ConsultationInput{Topic: "incident", Body: "相談"})
		if err != nil {
			t.Fatal(err)
		}
		overdue, err := e.a.AddFollowUp(ctx, desk, c.ID, app.FollowUpInput{Kind: "interview", DueOn: "2026-03-09"})
		if err != nil {
			t.Fatal(err)
		}
		done, _ := e.a.AddFollowUp(ctx, desk, c.ID, app.FollowUpInput{Kind: "occupational_physician", DueOn: "2026-03-08"})
		if err := e.a.CompleteFollowUp(ctx, desk, c.ID, done.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.AddFollowUp(ctx, desk, c.ID, app.FollowUpInput{Kind: "interview", DueOn: "2026-03-12"}); err != nil {
			t.Fatal(err)
		}
		d := app.NewDeliverer(e.a, "http://localhost")
		d.Tick(ctx)
		d.Tick(ctx)
		ns, _ := db.ListNotifications(ctx, 0, desk.User.ID)
		var reminders int
		for _, n := range ns {
			if n.Kind == "followup_overdue" {
				reminders++
				if n.CaseID != nil {
					t.Errorf("reminder points at a case: %+v", n)
				}
			}
		}
		if reminders != 1 {
			t.Errorf("%d reminders for one overdue follow-up (%d), want 1", reminders, overdue.ID)
		}
	})
}
