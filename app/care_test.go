package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func (e *caseEnv) reportEffect(injured, talk bool) *kasuhara.Case {
	e.t.Helper()
	res, err := e.a.ReportCase(context.Background(), e.staff, app.CaseReport{
		Channel: "face_to_face", OccurredAt: e.now.Add(-time.Hour), Narrative: "カウンター越しに突き飛ばされた", Types: []string{"violence"},
		StaffInjured: injured, WantsToTalk: talk, StaffCondition: "右肩の打撲", StaffCount: 2,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Case
}

func TestCare_InjuryStartsAPlanWithVictimCareFirstAndAMedicalCheck(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "mhlw-2022")
		desk := e.deskUser("desk@example.jp")
		ctx := context.Background()
		c := e.reportEffect(true, false)
		plans, err := e.a.CarePlans(ctx, desk, "")
		if err != nil || len(plans) != 1 {
			t.Fatalf("desk's plans: %v %v", plans, err)
		}
		pl, err := e.a.CarePlan(ctx, desk, plans[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if pl.CaseID != c.ID || pl.SubjectID != e.staff.User.ID || !pl.Injured || pl.Status != "open" {
			t.Errorf("plan: %+v", pl)
		}
		var kinds []string
		for _, tk := range pl.Tasks {
			kinds = append(kinds, tk.Kind)
			if tk.OwnerID == nil || *tk.OwnerID != desk.User.ID {
				t.Errorf("task %s owner %v, want the desk member", tk.Kind, tk.OwnerID)
			}
		}
		if want := []string{"victim_care", "medical", "interview", "stress_check"}; !equalStrings(kinds, want) {
			t.Errorf("tasks %v, want %v", kinds, want)
		}
		// The policy's clause is quoted where it has one (MHLW: 6 従業員への配慮).
		if pl.Tasks[0].Clause == "" || pl.Tasks[2].Clause != "" {
			t.Errorf("clauses: %q / %q", pl.Tasks[0].Clause, pl.Tasks[2].Clause)
		}
		if got := pl.Tasks[0].DueOn.In(app.JST).Format("2006-01-02"); got != "2026-03-11" {
			t.Errorf("victim care due %s, want the next day", got)
		}
		if len(auditOf(t, db, "care.start")) != 1 || len(auditOf(t, db, "care.read")) != 1 || len(auditOf(t, db, "care.list")) != 1 {
			t.Error("start, list and read are not each audited once")
		}
	})
}

func TestCare_OnlyTheDeskAndThePersonConcernedSeeThePlan(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "mhlw-2022")
		desk := e.deskUser("desk@example.jp")
		ctx := context.Background()
		e.reportEffect(false, true)
		plans, _ := e.a.CarePlans(ctx, desk, "")
		id := plans[0].ID
		if _, err := e.a.UpdateCareTask(ctx, desk, id, firstTask(t, e, desk, id), app.CareTaskInput{Note: "本人は夜眠れないと話している"}); err != nil {
			t.Fatal(err)
		}
		own, err := e.a.CarePlan(ctx, e.staff, id)
		if err != nil {
			t.Fatalf("the person concerned: %v", err)
		}
		for _, tk := range own.Tasks {
			if tk.Note != "" {
				t.Errorf("the person concerned reads the desk's note %q", tk.Note)
			}
		}
		mine, err := e.a.CarePlans(ctx, e.staff, "")
		if err != nil || len(mine) != 1 {
			t.Errorf("own list: %v %v", mine, err)
		}
		for name, p := range map[string]*kasuhara.Principal{"supervisor": e.sv, "executive": e.exec, "auditor": e.auditor, "colleague": e.staff2, "other org": e.other} {
			if _, err := e.a.CarePlan(ctx, p, id); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND && kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
				t.Errorf("%s reads the plan: %v", name, err)
			}
			if list, _ := e.a.CarePlans(ctx, p, ""); len(list) != 0 {
				t.Errorf("%s lists %d plans", name, len(list))
			}
			if _, err := e.a.UpdateCareTask(ctx, p, id, 1, app.CareTaskInput{Done: yes()}); err == nil {
				t.Errorf("%s changed a task", name)
			}
		}
	})
}

func firstTask(t *testing.T, e *caseEnv, desk *kasuhara.Principal, id int64) int64 {
	t.Helper()
	pl, err := e.a.CarePlan(context.Background(), desk, id)
	if err != nil {
		t.Fatal(err)
	}
	return pl.Tasks[0].ID
}

func TestCare_TasksGoOverdueAndThePlanClosesWhenAllAreDone(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "mhlw-2022")
		desk := e.deskUser("desk@example.jp")
		ctx := context.Background()
		e.reportEffect(false, true)
		plans, _ := e.a.CarePlans(ctx, desk, "")
		id := plans[0].ID
		e.now = e.now.Add(3 * 24 * time.Hour) // victim care was due on the 11th
		over, err := e.a.OverdueCareTasks(ctx, desk)
		if err != nil || len(over) != 1 || over[0].Kind != "victim_care" {
			t.Fatalf("overdue: %+v %v", over, err)
		}
		if _, err := e.a.UpdateCareTask(ctx, desk, id, over[0].ID, app.CareTaskInput{DueOn: "2026-02-30"}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("bad due day: %v", err)
		}
		if _, err := e.a.UpdateCareTask(ctx, desk, id, over[0].ID, app.CareTaskInput{OwnerID: &e.sv.User.ID}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("a supervisor as owner: %v", err)
		}
		pl, _ := e.a.CarePlan(ctx, desk, id)
		for _, tk := range pl.Tasks {
			if _, err := e.a.UpdateCareTask(ctx, desk, id, tk.ID, app.CareTaskInput{Done: yes()}); err != nil {
				t.Fatal(err)
			}
		}
		pl, _ = e.a.CarePlan(ctx, desk, id)
		if pl.Status != "closed" || pl.Done != pl.Total || pl.Overdue != 0 {
			t.Errorf("after all done: %+v", pl)
		}
		if _, err := e.a.UpdateCareTask(ctx, desk, id, pl.Tasks[0].ID, app.CareTaskInput{Done: no()}); err != nil {
			t.Fatal(err)
		}
		if pl, _ = e.a.CarePlan(ctx, desk, id); pl.Status != "open" {
			t.Errorf("reopened task leaves the plan %s", pl.Status)
		}
	})
}

func TestCare_EffectRecordedLaterStartsThePlanOnceAndNoEffectNone(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "mhlw-2022")
		desk := e.deskUser("desk@example.jp")
		ctx := context.Background()
		c := e.reportEffect(false, false)
		if list, _ := e.a.CarePlans(ctx, desk, ""); len(list) != 0 {
			t.Fatalf("a case without effect started %d plans", len(list))
		}
		if _, err := e.a.StartCarePlan(ctx, desk, c.ID); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("start without effect: %v", err)
		}
		if _, err := e.a.UpdateCase(ctx, e.sv, c.ID, app.CaseUpdate{WantsToTalk: yes()}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.UpdateCase(ctx, e.sv, c.ID, app.CaseUpdate{StaffInjured: yes()}); err != nil {
			t.Fatal(err)
		}
		if list, _ := e.a.CarePlans(ctx, desk, ""); len(list) != 1 {
			t.Fatalf("plans after two updates: %d", len(list))
		}
		if _, err := e.a.StartCarePlan(ctx, desk, c.ID); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("second plan: %v", err)
		}
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
