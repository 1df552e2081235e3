package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/policy"
)

// Care after a case (従業員への配慮, MHLW manual step 6). A case that records
// an effect on staff starts a care plan for the person concerned, from the
// policy's staff-care section: victim care first, then an interview and a
// stress check, with a medical check when someone was injured. The desk
// owns the plan; the person concerned sees its tasks and dates; nobody else
// does, and every read is audited.

// careStep is one task a plan starts with: its kind, the days until it is
// due, and whether only an injury calls for it.
type careStep struct {
	kind        string
	days        int
	injuredOnly bool
}

// careSteps are the tasks in the order the manual gives them: care for the
// victim comes first, whatever the policy lists.
var careSteps = []careStep{
	{"victim_care", 1, false},
	{"medical", 1, true},
	{"interview", 3, false},
	{"stress_check", 14, false},
	{"support", 7, false},
}

// careClause returns the policy's sentence for a kind of care, if it has one.
func careClause(doc *policy.Policy, kind string) (string, bool) {
	if doc == nil {
		return "", false
	}
	for _, it := range doc.StaffCare.Items {
		if it.Kind == kind {
			return strings.TrimSpace(it.Text), true
		}
	}
	return "", false
}

// CarePlanTasks builds the tasks a case's plan starts with under doc, due
// counted from start (midnight JST): the manual's victim care, interview and
// stress check always, a medical check when injured, and support when the
// policy promises it. Each task quotes the policy's clause where it has one.
func CarePlanTasks(doc *policy.Policy, injured bool, start time.Time, owner *int64) []*kasuhara.CareTask {
	var out []*kasuhara.CareTask
	for _, s := range careSteps {
		clause, inPolicy := careClause(doc, s.kind)
		if s.injuredOnly && !injured || s.kind == "support" && !inPolicy {
			continue
		}
		out = append(out, &kasuhara.CareTask{Kind: s.kind, Clause: clause, OwnerID: owner, DueOn: start.AddDate(0, 0, s.days)})
	}
	return out
}

// deskOwner returns the first desk member who reaches orgID: one of its own,
// else one of the parent's with group access; nil when there is none.
func (a *App) deskOwner(ctx context.Context, tx kasuhara.Store, orgID int64) (*int64, error) {
	org, err := tx.FindOrgByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, o := range []*int64{&org.ID, org.ParentID} {
		if o == nil {
			continue
		}
		us, _, err := tx.ListUsers(ctx, kasuhara.UserFilter{OrgID: *o, Role: kasuhara.RoleDesk, Limit: 50})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if !u.Disabled && (*o == orgID || u.GroupAccess) {
				return &u.ID, nil
			}
		}
	}
	return nil, nil
}

// startOfDay is midnight JST of t's day.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.In(JST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, JST)
}

// ensureCarePlan starts the care plan of c inside tx when c records an
// effect on staff and has none yet. The person concerned is the reporter.
func (a *App) ensureCarePlan(ctx context.Context, tx kasuhara.Store, actor *kasuhara.Principal, c *kasuhara.Case, doc *policy.Policy) error {
	if !c.StaffInjured && !c.WantsToTalk {
		return nil
	}
	existing, err := tx.ListCarePlans(ctx, kasuhara.CarePlanFilter{OrgIDs: []int64{c.OrgID}, CaseID: c.ID, Limit: 1})
	if err != nil || len(existing) > 0 {
		return err
	}
	owner, err := a.deskOwner(ctx, tx, c.OrgID)
	if err != nil {
		return err
	}
	p := &kasuhara.CarePlan{OrgID: c.OrgID, CaseID: c.ID, SubjectID: c.ReporterID, Injured: c.StaffInjured, WantsToTalk: c.WantsToTalk,
		Tasks: CarePlanTasks(doc, c.StaffInjured, startOfDay(a.Now()), owner)}
	if err := tx.CreateCarePlan(ctx, p); err != nil {
		return err
	}
	kinds := make([]string, len(p.Tasks))
	for i, t := range p.Tasks {
		kinds[i] = t.Kind
	}
	// The entry names the case and the tasks, not the person's condition.
	return a.audit(ctx, tx, actor, &c.OrgID, "care.start", target("care_plan", p.ID), "ok", map[string]any{"case_id": c.ID, "tasks": kinds})
}

// StartCarePlan starts the plan of case caseID by hand (care.manage), for a
// case whose effect on staff came to light through the desk. ECONFLICT when
// the case has a plan; EINVALID when it records no effect on staff.
func (a *App) StartCarePlan(ctx context.Context, p *kasuhara.Principal, caseID int64) (*kasuhara.CarePlan, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActCareManage, p.User.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActCareManage, target("case", caseID), err)
	}
	var plan *kasuhara.CarePlan
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		c, err := tx.FindCase(ctx, p.OrgIDs, caseID)
		if err != nil {
			return err
		}
		if !c.StaffInjured && !c.WantsToTalk {
			return kasuhara.FieldError("case_id", "care.error.no_effect")
		}
		existing, err := tx.ListCarePlans(ctx, kasuhara.CarePlanFilter{OrgIDs: []int64{c.OrgID}, CaseID: c.ID, Limit: 1})
		if err != nil {
			return err
		}
		if len(existing) > 0 {
			return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "care.error.exists", Message: "the case has a care plan"}
		}
		doc, err := a.policyDoc(ctx, c.PolicyVersionID)
		if err != nil {
			return err
		}
		if err := a.ensureCarePlan(ctx, tx, p, c, doc); err != nil {
			return err
		}
		list, err := tx.ListCarePlans(ctx, kasuhara.CarePlanFilter{OrgIDs: []int64{c.OrgID}, CaseID: c.ID, Limit: 1})
		if err != nil || len(list) == 0 {
			return err
		}
		plan = list[0]
		return nil
	})
	if err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActCareManage, target("case", caseID), err)
	}
	return plan, nil
}

func (a *App) markOverdue(plans ...*kasuhara.CarePlan) {
	now := a.Now()
	for _, pl := range plans {
		pl.Overdue = 0
		for _, t := range pl.Tasks {
			if t.Overdue = t.IsOverdue(now); t.Overdue {
				pl.Overdue++
			}
		}
	}
}

// CarePlans lists care plans: every plan of the desk's organizations for
// care.manage, else the caller's own (care.own). status filters when given.
// The desk's listing is audited.
func (a *App) CarePlans(ctx context.Context, p *kasuhara.Principal, status string) ([]*kasuhara.CarePlan, error) {
	if status != "" && !slices.Contains(kasuhara.CarePlanStatuses, status) {
		return nil, kasuhara.FieldError("status", "care.error.choice")
	}
	f := kasuhara.CarePlanFilter{OrgIDs: p.OrgIDs, Status: status, Limit: 200}
	desk := p.Can(kasuhara.ActCareManage)
	if !desk {
		if err := kasuhara.Authorize(p, kasuhara.ActCareOwn, p.User.OrgID); err != nil {
			return nil, err
		}
		f.OrgIDs, f.SubjectID = []int64{p.User.OrgID}, &p.User.ID
	}
	list, err := a.Store.ListCarePlans(ctx, f)
	if err != nil {
		return nil, err
	}
	if desk {
		// Overdue counts need the tasks; one query for all open ones.
		open, err := a.Store.OpenCareTasks(ctx, p.OrgIDs)
		if err != nil {
			return nil, err
		}
		now := a.Now()
		byPlan := map[int64]int{}
		for _, t := range open {
			if t.IsOverdue(now) {
				byPlan[t.PlanID]++
			}
		}
		for _, pl := range list {
			pl.Overdue = byPlan[pl.ID]
		}
		return list, a.Audit(ctx, p, "care.list", "", "ok", map[string]any{"count": len(list), "status": status})
	}
	return list, nil
}

// OverdueCareTasks lists the desk's open care tasks past their due day (care.manage).
func (a *App) OverdueCareTasks(ctx context.Context, p *kasuhara.Principal) ([]*kasuhara.CareTask, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActCareManage, p.User.OrgID); err != nil {
		return nil, err
	}
	open, err := a.Store.OpenCareTasks(ctx, p.OrgIDs)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	out := []*kasuhara.CareTask{}
	for _, t := range open {
		if t.Overdue = t.IsOverdue(now); t.Overdue {
			out = append(out, t)
		}
	}
	return out, nil
}

// carePlanFor finds plan id for p: the desk (care.manage) reaches every plan
// of its organizations, anyone else only their own; others' plans answer
// ENOTFOUND. manage requires the desk.
func (a *App) carePlanFor(ctx context.Context, p *kasuhara.Principal, id int64, manage bool) (*kasuhara.CarePlan, error) {
	action := kasuhara.ActCareOwn
	if manage || p.Can(kasuhara.ActCareManage) {
		action = kasuhara.ActCareManage
	}
	if err := kasuhara.Authorize(p, action, p.User.OrgID); err != nil {
		return nil, a.denied(ctx, p, action, target("care_plan", id), err)
	}
	pl, err := a.Store.FindCarePlan(ctx, p.OrgIDs, id)
	if err == nil {
		err = kasuhara.Authorize(p, action, pl.OrgID)
	}
	if err == nil && action == kasuhara.ActCareOwn && pl.SubjectID != p.User.ID {
		err = &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	if err != nil {
		return nil, a.denied(ctx, p, action, target("care_plan", id), err)
	}
	a.markOverdue(pl)
	return pl, nil
}

// CarePlan returns plan id with its tasks to the desk or the person
// concerned. Every read is audited. The person concerned does not see the
// desk's notes.
func (a *App) CarePlan(ctx context.Context, p *kasuhara.Principal, id int64) (*kasuhara.CarePlan, error) {
	pl, err := a.carePlanFor(ctx, p, id, false)
	if err != nil {
		return nil, err
	}
	if !p.Can(kasuhara.ActCareManage) {
		for _, t := range pl.Tasks {
			t.Note = ""
		}
	}
	return pl, a.audit(ctx, a.Store, p, &pl.OrgID, "care.read", target("care_plan", pl.ID), "ok", nil)
}

// CareTaskInput changes or adds a care task. Empty fields keep the task's
// value; Done marks it done (true) or open again (false).
type CareTaskInput struct {
	Kind    string `json:"kind"`
	OwnerID *int64 `json:"owner_id"`
	DueOn   string `json:"due_on"` // YYYY-MM-DD
	Note    string `json:"note"`
	Done    *bool  `json:"done"`
}

// checkOwner makes sure the owner is an active desk member who reaches the plan.
func (a *App) checkOwner(ctx context.Context, tx kasuhara.Store, pl *kasuhara.CarePlan, owner *int64) error {
	if owner == nil {
		return nil
	}
	u, err := tx.FindUserByID(ctx, *owner)
	if err != nil || u.Disabled || !u.HasRole(kasuhara.RoleDesk) {
		return kasuhara.FieldError("owner_id", "care.error.owner")
	}
	up, err := a.Principal(ctx, u)
	if err != nil || !up.Reaches(pl.OrgID) {
		return kasuhara.FieldError("owner_id", "care.error.owner")
	}
	return nil
}

// AddCareTask adds a task to plan id (care.manage).
func (a *App) AddCareTask(ctx context.Context, p *kasuhara.Principal, id int64, in CareTaskInput) (*kasuhara.CareTask, error) {
	pl, err := a.carePlanFor(ctx, p, id, true)
	if err != nil {
		return nil, err
	}
	due, err := parseDay("due_on", in.DueOn, true)
	if err != nil {
		return nil, err
	}
	if in.OwnerID != nil && *in.OwnerID == 0 {
		in.OwnerID = nil
	}
	t := &kasuhara.CareTask{PlanID: pl.ID, OrgID: pl.OrgID, Kind: in.Kind, OwnerID: in.OwnerID, DueOn: *due, Note: in.Note}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := a.checkOwner(ctx, tx, pl, t.OwnerID); err != nil {
			return err
		}
		if err := tx.AddCareTask(ctx, t); err != nil {
			return err
		}
		if pl.Status == "closed" {
			if err := tx.SetCarePlanStatus(ctx, pl.OrgID, pl.ID, "open", a.Now()); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, p, &pl.OrgID, "care.task_add", target("care_task", t.ID), "ok", map[string]any{"plan_id": pl.ID, "kind": t.Kind, "due_on": in.DueOn})
	})
	if err != nil {
		return nil, err
	}
	t.Overdue = t.IsOverdue(a.Now())
	return t, nil
}

// UpdateCareTask changes task tid of plan id (care.manage): owner, due day,
// note, done. The plan closes when its last task is done and opens again
// when one is reopened.
func (a *App) UpdateCareTask(ctx context.Context, p *kasuhara.Principal, id, tid int64, in CareTaskInput) (*kasuhara.CareTask, error) {
	pl, err := a.carePlanFor(ctx, p, id, true)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(pl.Tasks, func(t *kasuhara.CareTask) bool { return t.ID == tid })
	if i < 0 {
		return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}
	}
	t := pl.Tasks[i]
	before := map[string]any{"owner_id": t.OwnerID, "due_on": t.DueOn.In(JST).Format("2006-01-02"), "done": t.DoneAt != nil}
	if in.DueOn != "" {
		due, err := parseDay("due_on", in.DueOn, true)
		if err != nil {
			return nil, err
		}
		t.DueOn = *due
	}
	if in.OwnerID != nil {
		t.OwnerID = in.OwnerID
		if *in.OwnerID == 0 {
			t.OwnerID = nil
		}
	}
	if in.Note != "" {
		t.Note = in.Note
	}
	now := a.Now()
	if in.Done != nil {
		switch {
		case *in.Done && t.DoneAt == nil:
			t.DoneAt, t.DoneBy = &now, &p.User.ID
		case !*in.Done:
			t.DoneAt, t.DoneBy = nil, nil
		}
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := a.checkOwner(ctx, tx, pl, t.OwnerID); err != nil {
			return err
		}
		if err := tx.UpdateCareTask(ctx, pl.OrgID, pl.ID, t); err != nil {
			return err
		}
		status := "closed"
		for _, x := range pl.Tasks {
			if x.DoneAt == nil {
				status = "open"
			}
		}
		if status != pl.Status {
			if err := tx.SetCarePlanStatus(ctx, pl.OrgID, pl.ID, status, now); err != nil {
				return err
			}
		}
		after := map[string]any{"owner_id": t.OwnerID, "due_on": t.DueOn.In(JST).Format("2006-01-02"), "done": t.DoneAt != nil, "plan_status": status}
		return a.audit(ctx, tx, p, &pl.OrgID, "care.task_update", target("care_task", t.ID), "ok", map[string]any{"plan_id": pl.ID, "before": before, "after": after})
	})
	if err != nil {
		return nil, err
	}
	t.Overdue = t.IsOverdue(now)
	return t, nil
}

// CaseCarePlanID returns the ID of case caseID's care plan, or 0, for the
// desk's link from a case; anyone else gets 0 so the case page says nothing.
func (a *App) CaseCarePlanID(ctx context.Context, p *kasuhara.Principal, c *kasuhara.Case) int64 {
	if !p.Can(kasuhara.ActCareManage) && c.ReporterID != p.User.ID {
		return 0
	}
	f := kasuhara.CarePlanFilter{OrgIDs: []int64{c.OrgID}, CaseID: c.ID, Limit: 1}
	if !p.Can(kasuhara.ActCareManage) {
		f.SubjectID = &p.User.ID
	}
	list, err := a.Store.ListCarePlans(ctx, f)
	if err != nil || len(list) == 0 {
		return 0
	}
	return list[0].ID
}
