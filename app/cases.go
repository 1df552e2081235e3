package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/policy"
)

// DefaultCaseDue is how long after a report the first handling is due,
// unless a supervisor sets another date.
const DefaultCaseDue = 72 * time.Hour

// CaseReport is what a staff member files in the quick report, and what the
// API and the live-call assist send to open a case.
type CaseReport struct {
	OrgID      int64
	Channel    string
	OccurredAt time.Time
	Place      string
	// DepartmentID defaults to the reporter's department.
	DepartmentID *int64
	// The customer as far as known: a registry ID, or any of the fields
	// below, matched against the registry by phone, email or member number;
	// an unmatched customer with some identity is registered.
	CustomerID       *int64
	CustomerName     string
	CustomerPhone    string
	CustomerEmail    string
	CustomerMember   string
	Demand           string
	Narrative        string
	Types            []string // the policy's type ids
	StaffInvolved    string
	StaffCount       int
	StaffInjured     bool
	WantsToTalk      bool
	StaffCondition   string
	DurationMinutes  int
	Recorded         bool
	RecordingConsent bool
}

// CaseResult is a case after a change, with what the policy said.
type CaseResult struct {
	Case      *kasuhara.Case     `json:"case"`
	Judgement *policy.Judgement  `json:"judgement"`
	Warnings  []policy.UnmetRule `json:"warnings,omitempty"`
}

// canReadCase reports whether p may read c: case.read_all in its
// organization, or case.read_own as its reporter or assignee.
func canReadCase(p *kasuhara.Principal, c *kasuhara.Case) bool {
	if kasuhara.Authorize(p, kasuhara.ActCaseReadAll, c.OrgID) == nil {
		return true
	}
	return kasuhara.Authorize(p, kasuhara.ActCaseReadOwn, c.OrgID) == nil &&
		(c.ReporterID == p.User.ID || (c.AssigneeID != nil && *c.AssigneeID == p.User.ID))
}

var errCaseNotFound = &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"}

// readableCase loads case id for p inside tx; a case p may not read is
// ENOTFOUND, so its existence is not confirmed. It writes nothing: callers
// record the refusal with deniedCase once their transaction is over (on
// SQLite the transaction holds the only writer).
func (a *App) readableCase(ctx context.Context, tx kasuhara.Store, p *kasuhara.Principal, action kasuhara.Action, id int64) (*kasuhara.Case, error) {
	if p == nil || p.User == nil {
		return nil, &kasuhara.Error{Code: kasuhara.EUNAUTHORIZED, Key: "error.unauthorized", Message: "sign in first"}
	}
	c, err := tx.FindCase(ctx, p.OrgIDs, id)
	if err == nil && !canReadCase(p, c) {
		err = errCaseNotFound
	}
	if err == nil && action != "" {
		err = kasuhara.Authorize(p, action, c.OrgID)
	}
	if err != nil {
		return nil, err
	}
	c.Overdue = c.IsOverdue(a.Now())
	return c, nil
}

// deniedCase audits a refused attempt on case id and returns err.
func (a *App) deniedCase(ctx context.Context, p *kasuhara.Principal, action kasuhara.Action, id int64, err error) error {
	if err == nil {
		return nil
	}
	if action == "" {
		action = kasuhara.ActCaseReadOwn
	}
	return a.denied(ctx, p, action, target("case", id), err)
}

// typeIndex maps the policy's type ids to their types.
func typeIndex(doc *policy.Policy) map[string]*policy.Type {
	m := map[string]*policy.Type{}
	for i := range doc.Harassment.Types {
		m[doc.Harassment.Types[i].ID] = &doc.Harassment.Types[i]
	}
	return m
}

// deriveCodes returns the standard codes of the given policy types; an
// unknown type id is EINVALID naming it.
func deriveCodes(doc *policy.Policy, types []string) ([]kasuhara.BehaviourCode, error) {
	idx := typeIndex(doc)
	var codes []kasuhara.BehaviourCode
	seen := map[kasuhara.BehaviourCode]bool{}
	for _, id := range types {
		t, ok := idx[id]
		if !ok {
			return nil, kasuhara.FieldError("types", "cases.error.type", id)
		}
		for _, c := range t.Codes {
			if !seen[c] {
				seen[c] = true
				codes = append(codes, c)
			}
		}
	}
	return codes, nil
}

// stageOf maps a case state to the procedure stage whose rules apply.
func stageOf(s kasuhara.CaseState) string {
	switch s {
	case kasuhara.StateReported, kasuhara.StateFactFinding:
		return "initial"
	case kasuhara.StateAssessment, kasuhara.StateResponse:
		return "follow_up"
	}
	return "after"
}

// facts builds the judgement engine's facts from a case.
func caseFacts(c *kasuhara.Case, stage string) policy.Facts {
	f := policy.Facts{
		DemandValidity: policy.Validity(c.DemandValidity), Types: c.Types, Channel: c.Channel, Stage: stage,
		StaffPresent: c.StaffCount, Recorded: c.Recorded, RecordingConsent: c.RecordingConsent, ReportFiled: c.ReportFiled,
	}
	if c.MeansAppropriate != nil {
		if *c.MeansAppropriate {
			// A named person judged the means appropriate: the reporter's
			// means-axis types do not stand; only demand-axis ones remain.
			f.Types = nil
		} else if c.DemandValidity == kasuhara.ValidityValid {
			f.Excessive = true
		}
	}
	return f
}

// judge applies the case's policy version and stores the judgement on c.
func (a *App) judge(ctx context.Context, c *kasuhara.Case, stage string) (*policy.Judgement, *policy.Policy, error) {
	doc, err := a.policyDoc(ctx, c.PolicyVersionID)
	if err != nil {
		return nil, nil, err
	}
	f := caseFacts(c, stage)
	if c.MeansAppropriate != nil && *c.MeansAppropriate {
		idx := typeIndex(doc)
		for _, id := range c.Types {
			if t := idx[id]; t != nil && t.Axis == policy.AxisDemandInvalid {
				f.Types = append(f.Types, id)
			}
		}
	}
	j := policy.Judge(doc, f)
	b, _ := json.Marshal(j)
	c.Judgement = b
	return &j, doc, nil
}

// ReportCase files a case (case.create). The policy version in effect when
// the incident occurred is recorded and judges it from then on; the
// supervisors are notified, urgently when the policy says the types must be
// reported at once or someone was hurt.
func (a *App) ReportCase(ctx context.Context, p *kasuhara.Principal, in CaseReport) (*CaseResult, error) {
	if in.OrgID == 0 && p != nil && p.User != nil {
		in.OrgID = p.User.OrgID
	}
	if err := kasuhara.Authorize(p, kasuhara.ActCaseCreate, in.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActCaseCreate, target("org", in.OrgID), err)
	}
	now := a.Now()
	if in.OccurredAt.IsZero() {
		return nil, kasuhara.FieldError("occurred_at", "error.field.required")
	}
	if in.OccurredAt.After(now.Add(10 * time.Minute)) {
		return nil, kasuhara.FieldError("occurred_at", "cases.error.future")
	}
	v, err := a.Store.PolicyVersionAt(ctx, in.OrgID, in.OccurredAt)
	if err != nil {
		if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
			return nil, &kasuhara.Error{Code: kasuhara.EINVALID, Field: "occurred_at", Key: "cases.error.no_policy", Message: "no policy was in effect when the incident occurred"}
		}
		return nil, err
	}
	doc, err := a.policyDoc(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	c := &kasuhara.Case{
		OrgID: in.OrgID, State: kasuhara.StateReported, Channel: in.Channel, OccurredAt: in.OccurredAt.UTC(), Place: in.Place,
		DepartmentID: in.DepartmentID, CustomerID: in.CustomerID, Demand: in.Demand, Narrative: in.Narrative, Types: in.Types,
		StaffInvolved: in.StaffInvolved, StaffCount: in.StaffCount, StaffInjured: in.StaffInjured, WantsToTalk: in.WantsToTalk,
		StaffCondition: in.StaffCondition, Recorded: in.Recorded, RecordingConsent: in.RecordingConsent,
		ReporterID: p.User.ID, PolicyVersionID: v.ID,
	}
	if c.DepartmentID == nil && p.User.OrgID == in.OrgID {
		c.DepartmentID = p.User.DepartmentID
	}
	if c.StaffCount == 0 {
		c.StaffCount = 1
	}
	known := []string{}
	for _, s := range []string{in.CustomerName, in.CustomerPhone, in.CustomerEmail, in.CustomerMember} {
		if s = strings.TrimSpace(s); s != "" {
			known = append(known, s)
		}
	}
	c.CustomerKnown = strings.Join(known, " / ")
	if c.Codes, err = deriveCodes(doc, c.Types); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	due := now.Add(DefaultCaseDue)
	c.DueAt = &due
	j, _, err := a.judge(ctx, c, "initial")
	if err != nil {
		return nil, err
	}
	idx := typeIndex(doc)
	for _, id := range c.Types {
		c.Urgent = c.Urgent || idx[id].ImmediateReport
	}
	c.Urgent = c.Urgent || len(j.NotifyNow) > 0 || c.StaffInjured
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		if err := a.linkCustomer(ctx, tx, c, in); err != nil {
			return err
		}
		if c.DepartmentID != nil {
			if _, err := tx.FindDepartment(ctx, c.OrgID, *c.DepartmentID); err != nil {
				return kasuhara.FieldError("department_id", "error.field.unknown_department")
			}
		}
		if err := tx.CreateCase(ctx, c); err != nil {
			return err
		}
		first := &kasuhara.Contact{OrgID: c.OrgID, CaseID: &c.ID, CustomerID: c.CustomerID, DepartmentID: c.DepartmentID, Channel: c.Channel,
			At: c.OccurredAt, Minutes: in.DurationMinutes, StaffCount: c.StaffCount, StaffNames: c.StaffInvolved,
			Summary: firstLine(cmpOr(c.Demand, c.Narrative)), RecordedBy: p.User.ID}
		if err := tx.CreateContact(ctx, first); err != nil {
			return err
		}
		if err := tx.AddCaseEvent(ctx, &kasuhara.CaseEvent{CaseID: c.ID, Kind: "created", To: c.State, ActorID: p.User.ID, Actor: p.User.Name, Detail: c.Judgement}); err != nil {
			return err
		}
		if err := a.notifyReport(ctx, tx, c, j); err != nil {
			return err
		}
		if c.CustomerID != nil {
			if err := a.checkRepeat(ctx, tx, p, c.OrgID, *c.CustomerID, doc); err != nil {
				return err
			}
		}
		if err := a.audit(ctx, tx, p, &c.OrgID, "case.create", target("case", c.ID), "ok", map[string]any{"after": caseAudit(c)}); err != nil {
			return err
		}
		return a.ensureCarePlan(ctx, tx, p, c, doc)
	})
	if err != nil {
		return nil, err
	}
	return &CaseResult{Case: c, Judgement: j}, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// linkCustomer sets c.CustomerID from the report: the given ID (which must
// exist), the one registry match on phone, email or member number, or a new
// customer when the report identifies one and nothing matches.
func (a *App) linkCustomer(ctx context.Context, tx kasuhara.Store, c *kasuhara.Case, in CaseReport) error {
	if c.CustomerID != nil {
		if _, err := tx.FindCustomer(ctx, c.OrgID, *c.CustomerID); err != nil {
			return kasuhara.FieldError("customer_id", "error.not_found")
		}
		return nil
	}
	cu := &kasuhara.Customer{OrgID: c.OrgID, Name: in.CustomerName, Phone: in.CustomerPhone, Email: in.CustomerEmail, MemberNo: in.CustomerMember}
	k := cu.Keys()
	for _, key := range []kasuhara.CustomerKeys{{Phone: k.Phone}, {Email: k.Email}, {Member: k.Member}} {
		if key == (kasuhara.CustomerKeys{}) {
			continue
		}
		ms, err := tx.MatchCustomers(ctx, c.OrgID, key)
		if err != nil {
			return err
		}
		if len(ms) == 1 {
			c.CustomerID = &ms[0].ID
			return nil
		}
	}
	if k.Phone == "" && k.Email == "" && k.Member == "" {
		return nil // a name alone is too weak to register or match; it stays in customer_known
	}
	if cu.Name == "" {
		cu.Name = "(氏名不明)"
	}
	if err := tx.CreateCustomer(ctx, cu); err != nil {
		return err
	}
	c.CustomerID = &cu.ID
	return nil
}

// caseAudit is what the trail keeps of a case: its handling, not the
// narrative or the customer's data.
func caseAudit(c *kasuhara.Case) map[string]any {
	return map[string]any{
		"state": c.State, "channel": c.Channel, "occurred_at": c.OccurredAt, "department_id": c.DepartmentID, "customer_id": c.CustomerID,
		"types": c.Types, "urgent": c.Urgent, "assignee_id": c.AssigneeID, "due_at": c.DueAt, "policy_version_id": c.PolicyVersionID,
		"demand_validity": c.DemandValidity, "means_appropriate": c.MeansAppropriate, "harassment": c.Harassment,
		"assessed_by": c.AssessedBy, "escalation": c.Escalation, "report_filed": c.ReportFiled, "revision": c.Revision,
		"staff_count": c.StaffCount, "recorded": c.Recorded, "recording_consent": c.RecordingConsent,
	}
}

// notifyReport records the notifications a new case owes: its assignee or
// the supervisors of its department (of the organization when the
// department has none), and, when urgent, the roles the policy's
// immediate-report rules name and the executives.
func (a *App) notifyReport(ctx context.Context, tx kasuhara.Store, c *kasuhara.Case, j *policy.Judgement) error {
	kind := "case_reported"
	if c.Urgent {
		kind = "case_urgent"
	}
	roles := []kasuhara.Role{kasuhara.RoleSupervisor}
	for _, n := range j.NotifyNow {
		if r := kasuhara.Role(n.Role); r.Valid() && r != kasuhara.RoleStaff && r != kasuhara.RoleSupervisor {
			roles = append(roles, r)
		}
	}
	sent := map[int64]bool{c.ReporterID: true}
	for _, role := range roles {
		users, _, err := tx.ListUsers(ctx, kasuhara.UserFilter{OrgID: c.OrgID, Role: role, Limit: 500})
		if err != nil {
			return err
		}
		var pick []*kasuhara.User
		if role == kasuhara.RoleSupervisor && c.DepartmentID != nil {
			for _, u := range users {
				if u.DepartmentID != nil && *u.DepartmentID == *c.DepartmentID {
					pick = append(pick, u)
				}
			}
		}
		if len(pick) == 0 {
			pick = users
		}
		for _, u := range pick {
			if u.Disabled || sent[u.ID] {
				continue
			}
			sent[u.ID] = true
			if err := tx.CreateNotification(ctx, &kasuhara.Notification{OrgID: c.OrgID, Kind: kind, CaseID: &c.ID, RecipientID: u.ID, Urgent: c.Urgent}); err != nil {
				return err
			}
		}
	}
	return nil
}

// CaseDetail is everything the case page shows.
type CaseDetail struct {
	Case          *kasuhara.Case           `json:"case"`
	Judgement     *policy.Judgement        `json:"judgement,omitempty"`
	PolicyVersion *kasuhara.PolicyVersion  `json:"policy_version"`
	Contacts      []*kasuhara.Contact      `json:"contacts"`
	Attachments   []*kasuhara.Attachment   `json:"attachments"`
	Events        []*kasuhara.CaseEvent    `json:"events"`
	Notifications []*kasuhara.Notification `json:"notifications,omitempty"`
	Restrictions  []*kasuhara.Restriction  `json:"restrictions,omitempty"`
	// Next lists the states the case may move to now.
	Next []kasuhara.CaseState `json:"next"`
	// Policy is the document of PolicyVersion, for labels; not serialized.
	Policy *policy.Policy `json:"-"`
}

// Case returns case id with its timeline and judgement, for its reporter
// and assignee (case.read_own) or supervisors, executives and auditors
// (case.read_all); anyone else gets ENOTFOUND. Every read is audited.
func (a *App) Case(ctx context.Context, p *kasuhara.Principal, id int64) (*CaseDetail, error) {
	c, err := a.readableCase(ctx, a.Store, p, "", id)
	if err != nil {
		return nil, a.deniedCase(ctx, p, "", id, err)
	}
	d := &CaseDetail{Case: c, Next: kasuhara.CaseTransitions[c.State]}
	if len(c.Judgement) > 0 {
		d.Judgement = &policy.Judgement{}
		if err := json.Unmarshal(c.Judgement, d.Judgement); err != nil {
			return nil, kasuhara.Errorf(kasuhara.EINTERNAL, "case %d judgement: %v", id, err)
		}
	}
	if d.PolicyVersion, err = a.Store.FindPolicyVersion(ctx, c.PolicyVersionID); err != nil {
		return nil, err
	}
	d.PolicyVersion.Source = ""
	if d.Policy, err = a.policyDoc(ctx, c.PolicyVersionID); err != nil {
		return nil, err
	}
	if d.Contacts, err = a.Store.ListContacts(ctx, c.OrgID, c.ID, 0); err != nil {
		return nil, err
	}
	if d.Attachments, err = a.Store.ListAttachments(ctx, c.ID); err != nil {
		return nil, err
	}
	if d.Events, err = a.Store.ListCaseEvents(ctx, c.ID); err != nil {
		return nil, err
	}
	if kasuhara.Authorize(p, kasuhara.ActCaseHandle, c.OrgID) == nil {
		if d.Notifications, err = a.Store.ListNotifications(ctx, c.ID, 0); err != nil {
			return nil, err
		}
	}
	if c.CustomerID != nil && kasuhara.Authorize(p, kasuhara.ActCustomerView, c.OrgID) == nil {
		if c.Customer, err = a.Store.FindCustomer(ctx, c.OrgID, *c.CustomerID); err != nil {
			return nil, err
		}
		if d.Restrictions, err = a.Store.ListRestrictions(ctx, c.OrgID, *c.CustomerID); err != nil {
			return nil, err
		}
	}
	return d, a.audit(ctx, a.Store, p, &c.OrgID, "case.read", target("case", id), "ok", nil)
}

// Cases lists the cases p may read: all of the filter's organizations with
// case.read_all, else only the cases p reported or is assigned. The list
// read is audited with its filter.
func (a *App) Cases(ctx context.Context, p *kasuhara.Principal, f kasuhara.CaseFilter) (*kasuhara.CasePage, error) {
	if err := a.caseScope(ctx, p, &f, kasuhara.ActCaseReadOwn); err != nil {
		return nil, err
	}
	page, err := a.Store.ListCases(ctx, f)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	for _, c := range page.Items {
		c.Overdue = c.IsOverdue(now)
	}
	return page, a.Audit(ctx, p, "case.list", "", "ok", map[string]any{"orgs": f.OrgIDs, "state": f.State, "type": f.Type,
		"query": f.Query != "", "returned": len(page.Items), "total": page.Total, "total_capped": page.TotalCapped})
}

// caseScope authorizes action and narrows f to what p may read.
func (a *App) caseScope(ctx context.Context, p *kasuhara.Principal, f *kasuhara.CaseFilter, action kasuhara.Action) error {
	if len(f.OrgIDs) == 0 && p != nil && p.User != nil {
		f.OrgIDs = []int64{p.User.OrgID}
	}
	for _, o := range f.OrgIDs {
		if err := kasuhara.Authorize(p, action, o); err != nil {
			return a.denied(ctx, p, action, target("org", o), err)
		}
		if kasuhara.Authorize(p, kasuhara.ActCaseReadAll, o) != nil {
			f.InvolvedUserID = &p.User.ID
		}
	}
	f.Now = a.Now()
	return nil
}

// CaseUpdate holds the facts a handler may correct; nil means unchanged.
// Revision must be the one read, so two handlers do not overwrite each other.
type CaseUpdate struct {
	Revision         int
	Channel          *string
	OccurredAt       *time.Time
	Place            *string
	DepartmentID     **int64
	CustomerID       **int64
	Demand           *string
	Narrative        *string
	Types            []string
	StaffInvolved    *string
	StaffCount       *int
	StaffInjured     *bool
	WantsToTalk      *bool
	StaffCondition   *string
	Recorded         *bool
	RecordingConsent *bool
	Response         *string
	ReportFiled      *bool
}

// UpdateCase corrects the facts of a case (case.handle) and judges it again.
func (a *App) UpdateCase(ctx context.Context, p *kasuhara.Principal, id int64, u CaseUpdate) (*CaseResult, error) {
	return a.changeCase(ctx, p, id, kasuhara.ActCaseHandle, u.Revision, "update", func(tx kasuhara.Store, c *kasuhara.Case, doc *policy.Policy) (string, error) {
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		if u.Channel != nil {
			c.Channel = *u.Channel
		}
		if u.OccurredAt != nil {
			c.OccurredAt = u.OccurredAt.UTC()
		}
		set(&c.Place, u.Place)
		set(&c.Demand, u.Demand)
		set(&c.Narrative, u.Narrative)
		set(&c.StaffInvolved, u.StaffInvolved)
		set(&c.StaffCondition, u.StaffCondition)
		set(&c.Response, u.Response)
		if u.DepartmentID != nil {
			c.DepartmentID = *u.DepartmentID
			if c.DepartmentID != nil {
				if _, err := tx.FindDepartment(ctx, c.OrgID, *c.DepartmentID); err != nil {
					return "", kasuhara.FieldError("department_id", "error.field.unknown_department")
				}
			}
		}
		if u.CustomerID != nil {
			c.CustomerID = *u.CustomerID
			if c.CustomerID != nil {
				if _, err := tx.FindCustomer(ctx, c.OrgID, *c.CustomerID); err != nil {
					return "", kasuhara.FieldError("customer_id", "error.not_found")
				}
			}
		}
		if u.Types != nil {
			codes, err := deriveCodes(doc, u.Types)
			if err != nil {
				return "", err
			}
			c.Types, c.Codes = u.Types, codes
		}
		for _, b := range []struct {
			dst *bool
			v   *bool
		}{{&c.StaffInjured, u.StaffInjured}, {&c.WantsToTalk, u.WantsToTalk}, {&c.Recorded, u.Recorded}, {&c.RecordingConsent, u.RecordingConsent}, {&c.ReportFiled, u.ReportFiled}} {
			if b.v != nil {
				*b.dst = *b.v
			}
		}
		if u.StaffCount != nil {
			c.StaffCount = *u.StaffCount
		}
		return "", nil
	})
}

// changeCase is the frame of every change: load the readable case, check
// the action and the revision, apply fn, judge again under the case's
// policy version, store, and write the event and the audit entry with the
// case before and after, all in one transaction.
func (a *App) changeCase(ctx context.Context, p *kasuhara.Principal, id int64, action kasuhara.Action, revision int, kind string,
	fn func(tx kasuhara.Store, c *kasuhara.Case, doc *policy.Policy) (note string, err error)) (*CaseResult, error) {
	var res *CaseResult
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		c, err := a.readableCase(ctx, tx, p, action, id)
		if err != nil {
			return err
		}
		if revision != 0 && revision != c.Revision {
			return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "cases.error.stale", Message: "the case was changed by someone else; reload it"}
		}
		doc, err := a.policyDoc(ctx, c.PolicyVersionID)
		if err != nil {
			return err
		}
		before := caseAudit(c)
		from := c.State
		note, err := fn(tx, c, doc)
		if err != nil {
			return err
		}
		j, _, err := a.judge(ctx, c, stageOf(c.State))
		if err != nil {
			return err
		}
		if err := tx.UpdateCase(ctx, c); err != nil {
			return err
		}
		// An effect on staff recorded later starts the care plan then.
		if err := a.ensureCarePlan(ctx, tx, p, c, doc); err != nil {
			return err
		}
		ev := &kasuhara.CaseEvent{CaseID: c.ID, Kind: kind, ActorID: p.User.ID, Actor: p.User.Name, Note: note, Detail: c.Judgement}
		if from != c.State {
			ev.From, ev.To = from, c.State
		}
		if err := tx.AddCaseEvent(ctx, ev); err != nil {
			return err
		}
		c.Overdue = c.IsOverdue(a.Now())
		res = &CaseResult{Case: c, Judgement: j}
		return a.audit(ctx, tx, p, &c.OrgID, "case."+kind, target("case", c.ID), "ok", map[string]any{"before": before, "after": caseAudit(c), "note": note})
	})
	return res, a.deniedCase(ctx, p, action, id, err)
}

// Transition is a request to move a case to another state.
type Transition struct {
	To       kasuhara.CaseState
	Reason   string // required to reopen a closed case
	Revision int
	// Override, given by an executive, closes a case despite a blocking
	// rule; the reason and the unmet rules are recorded.
	Override string
}

// blockingRules are the procedural rule kinds that stop a case from
// closing when unmet; the others are shown as warnings.
var blockingRules = map[string]bool{"min_staff": true}

// unmetError is the ECONFLICT naming the first unmet rule in the policy's words.
func unmetError(u policy.UnmetRule) error {
	return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "cases.error.unmet_rule", Args: []any{u.Text},
		Message: "a rule of the policy is not met: " + u.RuleID}
}

// TransitionCase moves a case through its states (case.handle). Every
// transition is judged under the case's policy version: moving to response
// needs an assessment; closing is refused while a blocking procedural rule
// is unmet (e.g. a face-to-face follow-up attended by fewer staff than the
// policy requires) and warns about the others; reopening needs a reason.
func (a *App) TransitionCase(ctx context.Context, p *kasuhara.Principal, id int64, t Transition) (*CaseResult, error) {
	var warnings []policy.UnmetRule
	kind := "transition"
	if t.To == kasuhara.StateFactFinding && t.Reason != "" {
		kind = "reopen"
	}
	res, err := a.changeCase(ctx, p, id, kasuhara.ActCaseHandle, t.Revision, kind, func(tx kasuhara.Store, c *kasuhara.Case, doc *policy.Policy) (string, error) {
		if !t.To.Valid() {
			return "", kasuhara.FieldError("to", "cases.error.state")
		}
		if !kasuhara.CanTransition(c.State, t.To) {
			return "", &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "cases.error.transition", Args: []any{string(c.State), string(t.To)}, Message: "not allowed from this state"}
		}
		reason := strings.TrimSpace(t.Reason)
		switch {
		case c.State == kasuhara.StateClosed:
			if reason == "" {
				return "", kasuhara.FieldError("reason", "cases.error.reopen_reason")
			}
			c.ReopenReason, c.ClosedAt = reason, nil
		case t.To == kasuhara.StateResponse && c.AssessedBy == nil:
			return "", &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "cases.error.not_assessed", Message: "assess the case before responding"}
		case t.To == kasuhara.StateClosed:
			unmet, err := a.closingRules(ctx, tx, c, doc)
			if err != nil {
				return "", err
			}
			override := strings.TrimSpace(t.Override)
			for _, u := range unmet {
				if blockingRules[u.Kind] && (override == "" || !p.User.HasRole(kasuhara.RoleExecutive)) {
					return "", unmetError(u)
				}
			}
			if override != "" && len(unmet) > 0 {
				if err := kasuhara.ValidateText("override", override, kasuhara.MaxCaseShort*5); err != nil {
					return "", err
				}
				reason = "override: " + override
			}
			warnings = unmet
			now := a.Now()
			c.ClosedAt = &now
		}
		c.State = t.To
		return reason, nil
	})
	if res != nil {
		res.Warnings = warnings
	}
	return res, err
}

// closingRules judges every follow-up contact of the case (each after the
// first report) at the follow-up stage with its own channel and staff count,
// and the case itself at the after stage, and returns the unmet rules.
func (a *App) closingRules(ctx context.Context, tx kasuhara.Store, c *kasuhara.Case, doc *policy.Policy) ([]policy.UnmetRule, error) {
	contacts, err := tx.ListContacts(ctx, c.OrgID, c.ID, 0)
	if err != nil {
		return nil, err
	}
	var out []policy.UnmetRule
	seen := map[string]bool{}
	add := func(us []policy.UnmetRule) {
		for _, u := range us {
			if !seen[u.RuleID] {
				seen[u.RuleID] = true
				out = append(out, u)
			}
		}
	}
	for i, ct := range contacts {
		if i == 0 {
			continue // the incident itself, judged at the initial stage
		}
		f := caseFacts(c, "follow_up")
		f.Channel, f.StaffPresent = ct.Channel, ct.StaffCount
		add(policy.Judge(doc, f).UnmetRules)
	}
	add(policy.Judge(doc, caseFacts(c, "after")).UnmetRules)
	return out, nil
}

// Assessment is a named person's judgement of a case (判定).
type Assessment struct {
	DemandValidity   string // valid, invalid
	MeansAppropriate *bool
	Text             string // the reasoning (要求内容の妥当性・手段の相当性)
	Revision         int
}

// AssessCase records the assessment by p (case.handle) while the case is in
// assessment or response: demand validity and means appropriateness as p
// judged them, and the engine's conclusion with the deciding clause of the
// case's policy version. A valid demand by appropriate means is not
// harassment, and the policy's duty to respond sincerely is recorded.
func (a *App) AssessCase(ctx context.Context, p *kasuhara.Principal, id int64, in Assessment) (*CaseResult, error) {
	return a.changeCase(ctx, p, id, kasuhara.ActCaseHandle, in.Revision, "assess", func(tx kasuhara.Store, c *kasuhara.Case, doc *policy.Policy) (string, error) {
		if c.State != kasuhara.StateAssessment && c.State != kasuhara.StateResponse {
			return "", &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "cases.error.assess_state", Message: "assess a case in assessment"}
		}
		if in.DemandValidity != kasuhara.ValidityValid && in.DemandValidity != kasuhara.ValidityInvalid {
			return "", kasuhara.FieldError("demand_validity", "cases.error.validity")
		}
		if in.MeansAppropriate == nil {
			return "", kasuhara.FieldError("means_appropriate", "error.field.required")
		}
		now := a.Now()
		c.DemandValidity, c.MeansAppropriate, c.DemandAssessment = in.DemandValidity, in.MeansAppropriate, in.Text
		c.AssessedBy, c.AssessedByName, c.AssessedAt = &p.User.ID, p.User.Name, &now
		j, _, err := a.judge(ctx, c, stageOf(c.State))
		if err != nil {
			return "", err
		}
		h := j.Harassment
		c.Harassment = &h
		return j.DecidingClause.Text, nil
	})
}

// Assign gives a case to a supervisor or executive with a due date (case.handle);
// the assignee is notified.
func (a *App) AssignCase(ctx context.Context, p *kasuhara.Principal, id, assigneeID int64, due *time.Time, revision int) (*CaseResult, error) {
	return a.changeCase(ctx, p, id, kasuhara.ActCaseHandle, revision, "assign", func(tx kasuhara.Store, c *kasuhara.Case, doc *policy.Policy) (string, error) {
		u, err := tx.FindUserByID(ctx, assigneeID)
		if err != nil || u.OrgID != c.OrgID || u.Disabled || !(u.HasRole(kasuhara.RoleSupervisor) || u.HasRole(kasuhara.RoleExecutive)) {
			return "", kasuhara.FieldError("assignee_id", "cases.error.assignee")
		}
		c.AssigneeID = &u.ID
		if due != nil {
			d := due.UTC()
			c.DueAt = &d
		}
		if err := tx.CreateNotification(ctx, &kasuhara.Notification{OrgID: c.OrgID, Kind: "assigned", CaseID: &c.ID, RecipientID: u.ID, Urgent: c.Urgent}); err != nil {
			return "", err
		}
		return u.Name, nil
	})
}

// Escalation is a request to escalate a case.
type Escalation struct {
	To          string // executive, police, lawyer
	ExecutiveID int64
	Station     string
	ReportNo    string
	Lawyer      string
	Revision    int
}

// factsEstablished reports whether a case has the facts an escalation
// rests on: a timeline and either behaviour types or an assessment.
func factsEstablished(ctx context.Context, tx kasuhara.Store, c *kasuhara.Case) (bool, error) {
	cs, err := tx.ListContacts(ctx, c.OrgID, c.ID, 0)
	if err != nil {
		return false, err
	}
	return len(cs) > 0 && strings.TrimSpace(c.Narrative) != "" && (len(c.Types) > 0 || c.AssessedBy != nil), nil
}

// EscalateCase escalates a case from assessment on (case.escalate): to an
// executive of the organization (notified), to the police (station and
// report number recorded) or to a lawyer. Escalating a case without
// established facts is refused.
func (a *App) EscalateCase(ctx context.Context, p *kasuhara.Principal, id int64, in Escalation) (*CaseResult, error) {
	return a.changeCase(ctx, p, id, kasuhara.ActCaseEscalate, in.Revision, "escalate", func(tx kasuhara.Store, c *kasuhara.Case, doc *policy.Policy) (string, error) {
		if c.State != kasuhara.StateAssessment && c.State != kasuhara.StateResponse {
			return "", &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "cases.error.escalate_state", Message: "escalation is possible from assessment on"}
		}
		ok, err := factsEstablished(ctx, tx, c)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", &kasuhara.Error{Code: kasuhara.EINVALID, Key: "cases.error.no_facts", Message: "establish the facts before escalating"}
		}
		now := a.Now()
		switch in.To {
		case "executive":
			// An executive of the case's organization, or of its group with group access.
			u, err := tx.FindUserByID(ctx, in.ExecutiveID)
			if err != nil || u.Disabled || !u.HasRole(kasuhara.RoleExecutive) {
				return "", kasuhara.FieldError("executive_id", "cases.error.executive")
			}
			if ep, err := a.Principal(ctx, u); err != nil || !ep.Reaches(c.OrgID) {
				return "", kasuhara.FieldError("executive_id", "cases.error.executive")
			}
			c.Escalation.ExecutiveID, c.Escalation.ExecutiveAt = &u.ID, &now
			if err := tx.CreateNotification(ctx, &kasuhara.Notification{OrgID: c.OrgID, Kind: "escalated", CaseID: &c.ID, RecipientID: u.ID, Urgent: true}); err != nil {
				return "", err
			}
			return "executive: " + u.Name, nil
		case "police":
			in.Station = strings.TrimSpace(in.Station)
			if in.Station == "" {
				return "", kasuhara.FieldError("station", "error.field.required")
			}
			if err := firstErr(validateShort("station", in.Station), validateShort("report_no", in.ReportNo)); err != nil {
				return "", err
			}
			c.Escalation.PoliceAt, c.Escalation.PoliceStation, c.Escalation.PoliceReport = &now, in.Station, strings.TrimSpace(in.ReportNo)
			return "police: " + in.Station, nil
		case "lawyer":
			in.Lawyer = strings.TrimSpace(in.Lawyer)
			if in.Lawyer == "" {
				return "", kasuhara.FieldError("lawyer", "error.field.required")
			}
			if err := validateShort("lawyer", in.Lawyer); err != nil {
				return "", err
			}
			c.Escalation.LawyerAt, c.Escalation.Lawyer = &now, in.Lawyer
			return "lawyer: " + in.Lawyer, nil
		}
		return "", kasuhara.FieldError("to", "cases.error.escalate_to")
	})
}

func validateShort(field, v string) error {
	return kasuhara.ValidateText(field, v, kasuhara.MaxCaseShort)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// AddContact records a contact on a case's timeline (case.contribute, on a
// case p may read); it counts towards the customer's repeat flag.
func (a *App) AddContact(ctx context.Context, p *kasuhara.Principal, caseID int64, ct *kasuhara.Contact) error {
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		c, err := a.readableCase(ctx, tx, p, kasuhara.ActCaseContribute, caseID)
		if err != nil {
			return err
		}
		if c.State == kasuhara.StateClosed {
			return &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "cases.error.closed", Message: "the case is closed; reopen it first"}
		}
		ct.OrgID, ct.CaseID, ct.CustomerID, ct.RecordedBy = c.OrgID, &c.ID, c.CustomerID, p.User.ID
		if ct.DepartmentID == nil {
			ct.DepartmentID = c.DepartmentID
		}
		if err := tx.CreateContact(ctx, ct); err != nil {
			return err
		}
		if c.CustomerID != nil {
			doc, err := a.policyDoc(ctx, c.PolicyVersionID)
			if err != nil {
				return err
			}
			if err := a.checkRepeat(ctx, tx, p, c.OrgID, *c.CustomerID, doc); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, p, &c.OrgID, "case.contact", target("case", c.ID), "ok", map[string]any{"after": map[string]any{
			"contact_id": ct.ID, "channel": ct.Channel, "at": ct.At, "minutes": ct.Minutes, "staff_count": ct.StaffCount}})
	})
	return a.deniedCase(ctx, p, kasuhara.ActCaseContribute, caseID, err)
}

// AttachmentInput is a file to attach to a case.
type AttachmentInput struct {
	Name        string
	ContentType string
	// Data is the file, or nil when Body is given.
	Data []byte
	// Body is read to its end instead of Data, hashed as it is read, into
	// one buffer of SizeHint bytes when the caller knows the size (an HTTP
	// Content-Length, a multipart file's size), so an upload is held in
	// memory once.
	Body       io.Reader
	SizeHint   int64
	Supersedes *int64
	Note       string
}

// readAttachment reads in.Body into in.Data and returns its SHA-256, or
// hashes in.Data. A body over kasuhara.MaxAttachmentSize is ETOOLARGE on the
// field "file"; a *kasuhara.Error from the reader (the HTTP server's own
// body limit) is returned as it is.
func readAttachment(in *AttachmentInput) ([sha256.Size]byte, error) {
	tooLarge := &kasuhara.Error{Code: kasuhara.ETOOLARGE, Key: "cases.error.attachment_too_large", Field: "file",
		Args: []any{kasuhara.MaxAttachmentSize >> 20}, Message: "file too large"}
	if in.Body == nil {
		if len(in.Data) > kasuhara.MaxAttachmentSize {
			return [sha256.Size]byte{}, tooLarge
		}
		return sha256.Sum256(in.Data), nil
	}
	h := sha256.New()
	buf := bytes.NewBuffer(make([]byte, 0, min(max(in.SizeHint, 0), kasuhara.MaxAttachmentSize)+1))
	n, err := io.Copy(io.MultiWriter(buf, h), io.LimitReader(in.Body, kasuhara.MaxAttachmentSize+1))
	var ke *kasuhara.Error
	switch {
	case errors.As(err, &ke):
		return [sha256.Size]byte{}, ke
	case n > kasuhara.MaxAttachmentSize:
		return [sha256.Size]byte{}, tooLarge
	case err != nil:
		return [sha256.Size]byte{}, kasuhara.FieldError("file", "error.body.read")
	}
	in.Data = buf.Bytes()
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum, nil
}

// AddAttachment stores a file on a case (case.contribute, on a case p may
// read) with its SHA-256 and size. Files are never changed: a correction
// names the attachment it supersedes.
func (a *App) AddAttachment(ctx context.Context, p *kasuhara.Principal, caseID int64, in AttachmentInput) (*kasuhara.Attachment, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || strings.ContainsAny(in.Name, "/\\\x00") {
		return nil, kasuhara.FieldError("name", "cases.error.file_name")
	}
	if err := validateShort("name", in.Name); err != nil {
		return nil, err
	}
	sum, err := readAttachment(&in)
	if err != nil {
		return nil, err
	}
	if len(in.Data) == 0 {
		return nil, kasuhara.FieldError("file", "error.field.required")
	}
	if in.ContentType == "" {
		in.ContentType = "application/octet-stream"
	}
	att := &kasuhara.Attachment{CaseID: caseID, Name: in.Name, ContentType: in.ContentType, Size: int64(len(in.Data)),
		SHA256: hex.EncodeToString(sum[:]), Supersedes: in.Supersedes, Note: strings.TrimSpace(in.Note), UploadedBy: p.User.ID, Data: in.Data}
	err = a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		c, err := a.readableCase(ctx, tx, p, kasuhara.ActCaseContribute, caseID)
		if err != nil {
			return err
		}
		att.OrgID = c.OrgID
		if in.Supersedes != nil {
			if _, err := tx.FindAttachment(ctx, caseID, *in.Supersedes); err != nil {
				return kasuhara.FieldError("supersedes", "error.not_found")
			}
		}
		if err := tx.CreateAttachment(ctx, att); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "case.attach", target("case", c.ID), "ok", map[string]any{"after": map[string]any{
			"attachment_id": att.ID, "sha256": att.SHA256, "size": att.Size, "supersedes": att.Supersedes}})
	})
	if err != nil {
		return nil, a.deniedCase(ctx, p, kasuhara.ActCaseContribute, caseID, err)
	}
	att.Data = nil
	return att, nil
}

// Attachment returns an attachment with its bytes to those who may read the case; the read is audited.
func (a *App) Attachment(ctx context.Context, p *kasuhara.Principal, caseID, id int64) (*kasuhara.Attachment, error) {
	c, err := a.readableCase(ctx, a.Store, p, "", caseID)
	if err != nil {
		return nil, a.deniedCase(ctx, p, "", caseID, err)
	}
	att, err := a.Store.FindAttachment(ctx, caseID, id)
	if err != nil {
		return nil, err
	}
	return att, a.audit(ctx, a.Store, p, &c.OrgID, "case.attachment.read", target("attachment", id), "ok", map[string]any{"case_id": caseID})
}

// MyNotifications lists p's notifications, newest first (notification.own).
func (a *App) MyNotifications(ctx context.Context, p *kasuhara.Principal) ([]*kasuhara.Notification, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActNotificationOwn, p.User.OrgID); err != nil {
		return nil, err
	}
	return a.Store.ListNotifications(ctx, 0, p.User.ID)
}

// ExportCases writes the cases matching f as CSV, UTF-8 with a byte-order
// mark so Excel opens it (case.export). Columns with personal data (the
// customer as known, staff names) are included only for customer.view
// roles; personal reports whether they were. The export is audited.
func (a *App) ExportCases(ctx context.Context, p *kasuhara.Principal, f kasuhara.CaseFilter, lang string, w io.Writer) (personal bool, err error) {
	if err := a.caseScope(ctx, p, &f, kasuhara.ActCaseExport); err != nil {
		return false, err
	}
	personal = true
	for _, o := range f.OrgIDs {
		personal = personal && kasuhara.Authorize(p, kasuhara.ActCustomerView, o) == nil
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return personal, err
	}
	cw := csv.NewWriter(w)
	head := []string{"id", "org_id", "state", "channel", "occurred_at", "place", "department_id", "customer_id", "types", "codes",
		"urgent", "staff_count", "staff_injured", "wants_to_talk", "assignee_id", "due_at", "overdue", "demand_validity",
		"means_appropriate", "harassment", "assessed_by", "police", "lawyer", "policy_version_id", "demand", "narrative"}
	if personal {
		head = append(head, "customer_known", "staff_involved")
	}
	cw.Write(head)
	optI := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	optT := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(JST).Format("2006-01-02 15:04")
	}
	optB := func(b *bool) string {
		if b == nil {
			return ""
		}
		return strconv.FormatBool(*b)
	}
	rows := 0
	f.Limit = 500
	for {
		page, err := a.Store.ListCases(ctx, f)
		if err != nil {
			return personal, err
		}
		for _, c := range page.Items {
			codes := make([]string, len(c.Codes))
			for i, x := range c.Codes {
				codes[i] = string(x)
			}
			rec := []string{strconv.FormatInt(c.ID, 10), strconv.FormatInt(c.OrgID, 10), string(c.State), c.Channel,
				c.OccurredAt.In(JST).Format("2006-01-02 15:04"), c.Place, optI(c.DepartmentID), optI(c.CustomerID),
				strings.Join(c.Types, " "), strings.Join(codes, " "), strconv.FormatBool(c.Urgent), strconv.Itoa(c.StaffCount),
				strconv.FormatBool(c.StaffInjured), strconv.FormatBool(c.WantsToTalk), optI(c.AssigneeID), optT(c.DueAt),
				strconv.FormatBool(c.IsOverdue(f.Now)), c.DemandValidity, optB(c.MeansAppropriate), optB(c.Harassment),
				c.AssessedByName, c.Escalation.PoliceStation, c.Escalation.Lawyer, strconv.FormatInt(c.PolicyVersionID, 10),
				csvSafe(c.Demand), csvSafe(c.Narrative)}
			if personal {
				rec = append(rec, csvSafe(c.CustomerKnown), csvSafe(c.StaffInvolved))
			}
			for i := range rec {
				rec[i] = csvSafe(rec[i])
			}
			cw.Write(rec)
			rows++
		}
		if page.NextCursor == "" || rows >= 100000 {
			break
		}
		f.Cursor = page.NextCursor
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return personal, err
	}
	return personal, a.Audit(ctx, p, "case.export", "", "ok", map[string]any{"orgs": f.OrgIDs, "rows": rows, "personal": personal})
}

// csvSafe defuses spreadsheet formulas: a cell starting with = + - @ is
// prefixed with an apostrophe, so a customer's words never run as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
