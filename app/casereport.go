package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/i18n"
	"github.com/kasuhara/kasuhara/policy"
	"github.com/kasuhara/kasuhara/report"
)

// CorrectiveReport is the corrective-action plan and report (是正処置計画書兼報告書)
// of a case: the case as its reader may see it, with the measures and the
// approvals, and the document laid out for print and PDF.
type CorrectiveReport struct {
	*CaseDetail
	Org       *kasuhara.Organization   `json:"org"`
	Measures  []*kasuhara.CaseMeasure  `json:"measures"`
	Approvals []*kasuhara.CaseApproval `json:"approvals"`
	// NextApproval is the role whose approval comes next; empty when approved.
	NextApproval kasuhara.Role    `json:"next_approval,omitempty"`
	Document     *report.Document `json:"-"`
	GeneratedAt  time.Time        `json:"generated_at"`
}

// nextApproval returns the first role of ReportApprovalRoles without an approval.
func nextApproval(as []*kasuhara.CaseApproval) kasuhara.Role {
	for _, r := range kasuhara.ReportApprovalRoles {
		found := false
		for _, a := range as {
			found = found || a.Role == r
		}
		if !found {
			return r
		}
	}
	return ""
}

// CorrectiveReportOf returns the report of case id in lang for whoever may read
// the case (the read is audited as a read of the case); others get ENOTFOUND.
func (a *App) CorrectiveReportOf(ctx context.Context, p *kasuhara.Principal, id int64, lang string) (*CorrectiveReport, error) {
	d, err := a.Case(ctx, p, id)
	if err != nil {
		return nil, err
	}
	r := &CorrectiveReport{CaseDetail: d, GeneratedAt: a.Now()}
	if r.Org, err = a.Store.FindOrgByID(ctx, d.Case.OrgID); err != nil {
		return nil, err
	}
	if r.Measures, err = a.Store.ListMeasures(ctx, id); err != nil {
		return nil, err
	}
	if r.Approvals, err = a.Store.ListApprovals(ctx, id); err != nil {
		return nil, err
	}
	r.NextApproval = nextApproval(r.Approvals)
	r.Document = a.reportDocument(ctx, p, r, lang)
	return r, nil
}

// userName returns the name of user id when p may know it, else "#id".
func (a *App) userName(ctx context.Context, p *kasuhara.Principal, id *int64) string {
	if id == nil {
		return "—"
	}
	if u, err := a.Store.FindUserByID(ctx, *id); err == nil && p.Reaches(u.OrgID) {
		return u.Name
	}
	return fmt.Sprintf("#%d", *id)
}

func jstTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "—"
	}
	return t.In(JST).Format("2006-01-02 15:04")
}

func jstDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "—"
	}
	return t.In(JST).Format("2006-01-02")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// reportDocument lays out the report in lang. Labels come from the
// catalog (report.*, and the case screens' own words for states and
// channels), content from the case and the policy version it is judged under.
func (a *App) reportDocument(ctx context.Context, p *kasuhara.Principal, r *CorrectiveReport, lang string) *report.Document {
	T := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	c := r.Case
	yesNo := func(b bool) string {
		if b {
			return T("report.yes")
		}
		return T("report.no")
	}
	labels := map[string]string{}
	if r.Policy != nil {
		for _, t := range r.Policy.Harassment.Types {
			labels[t.ID] = strings.TrimSpace(t.Number + " " + t.Label)
		}
	}
	var types []string
	for _, t := range c.Types {
		types = append(types, orDash(labels[t]))
	}
	dept := "—"
	if c.DepartmentID != nil {
		if d, err := a.Store.FindDepartment(ctx, c.OrgID, *c.DepartmentID); err == nil {
			dept = d.Name
		}
	}
	customer := c.CustomerKnown
	if c.Customer != nil {
		customer = c.Customer.Name
		if c.Customer.Repeat {
			customer += " (" + T("report.repeat") + ")"
		}
	}
	condition := []string{}
	if c.StaffInjured {
		condition = append(condition, T("report.injured"))
	}
	if c.WantsToTalk {
		condition = append(condition, T("report.wants_to_talk"))
	}
	if c.StaffCondition != "" {
		condition = append(condition, c.StaffCondition)
	}
	version := ""
	if r.PolicyVersion != nil {
		version = T("report.policy_version", r.PolicyVersion.Title, r.PolicyVersion.Version, jstDate(&r.PolicyVersion.EffectiveFrom))
	}

	facts := report.Section{Heading: T("report.section.facts"), Fields: []report.Field{
		fld(T("report.field.case"), fmt.Sprintf("#%d (%s)", c.ID, T("cases.state."+string(c.State)))),
		fld(T("report.field.occurred_at"), jstTime(&c.OccurredAt)),
		fld(T("report.field.reported_at"), jstTime(&c.CreatedAt)),
		fld(T("report.field.channel"), T("policy.channel."+c.Channel)),
		fld(T("report.field.place"), orDash(c.Place)),
		fld(T("report.field.department"), dept),
		fld(T("report.field.customer"), orDash(customer)),
		fld(T("report.field.demand"), orDash(c.Demand)),
		fld(T("report.field.narrative"), orDash(c.Narrative)),
		fld(T("report.field.types"), orDash(strings.Join(types, "、"))),
		fld(T("report.field.staff"), T("report.staff", orDash(c.StaffInvolved), c.StaffCount)),
		fld(T("report.field.condition"), orDash(strings.Join(condition, "・"))),
		fld(T("report.field.recorded"), yesNo(c.Recorded)+" / "+T("report.consent")+": "+yesNo(c.RecordingConsent)),
		fld(T("report.field.reporter"), a.userName(ctx, p, &c.ReporterID)),
		fld(T("report.field.assignee"), a.userName(ctx, p, c.AssigneeID)+" / "+T("report.field.due_at")+" "+jstTime(c.DueAt)),
	}}

	timeline := &report.Table{Columns: []string{T("report.col.at"), T("report.col.channel"), T("report.col.staff"), T("report.col.summary")},
		Widths: []float64{2.1, 1, 1.6, 4.6}, Empty: T("report.none")}
	for _, ct := range r.Contacts {
		staff := T("report.staff_count", ct.StaffCount)
		if ct.StaffNames != "" {
			staff += " " + ct.StaffNames
		}
		at := jstTime(&ct.At)
		if ct.Minutes > 0 {
			at += " " + T("report.minutes", ct.Minutes)
		}
		timeline.Rows = append(timeline.Rows, []string{at, T("policy.channel." + ct.Channel), staff, ct.Summary})
	}

	judgement := report.Section{Heading: T("report.section.judgement")}
	if j := r.Judgement; j != nil {
		verdict := T("cases.verdict.not_harassment")
		if j.Harassment {
			verdict = T("cases.verdict.harassment")
		} else if j.NeedsReview {
			verdict = T("cases.verdict.review")
		}
		means := "—"
		if c.MeansAppropriate != nil {
			means = T("cases.means.inappropriate")
			if *c.MeansAppropriate {
				means = T("cases.means.appropriate")
			}
		}
		judgement.Fields = []report.Field{
			fld(T("report.field.verdict"), verdict),
			fld(T("report.field.assessed_by"), orDash(c.AssessedByName)+" "+jstTime(c.AssessedAt)),
			fld(T("report.field.validity"), T("cases.validity."+c.DemandValidity)),
			fld(T("report.field.means"), means),
			fld(T("report.field.reasoning"), orDash(c.DemandAssessment)),
		}
		judgement.Quote = strings.TrimSpace(j.DecidingClause.Number + " " + j.DecidingClause.Text)
		judgement.QuoteSource = version
		var unmet []string
		for _, u := range j.UnmetRules {
			unmet = append(unmet, u.Text)
		}
		if len(unmet) > 0 {
			judgement.Note = T("report.unmet") + " " + strings.Join(unmet, " / ")
		}
	} else {
		judgement.Text = T("report.not_judged")
	}

	actions := report.Section{Heading: T("report.section.actions"), Fields: []report.Field{fld(T("report.field.response"), orDash(c.Response))}}
	if c.Escalation.ExecutiveID != nil {
		actions.Fields = append(actions.Fields, fld(T("report.field.executive"), a.userName(ctx, p, c.Escalation.ExecutiveID)+" "+jstTime(c.Escalation.ExecutiveAt)))
	}
	if c.Escalation.PoliceAt != nil {
		actions.Fields = append(actions.Fields, fld(T("report.field.police"),
			strings.TrimSpace(c.Escalation.PoliceStation+" "+c.Escalation.PoliceReport)+" "+jstTime(c.Escalation.PoliceAt)))
	}
	if c.Escalation.LawyerAt != nil {
		actions.Fields = append(actions.Fields, fld(T("report.field.lawyer"), c.Escalation.Lawyer+" "+jstTime(c.Escalation.LawyerAt)))
	}
	for _, rs := range r.Restrictions {
		if rs.CaseID != nil && *rs.CaseID == c.ID {
			actions.Fields = append(actions.Fields, fld(T("report.field.restriction"), T("report.restriction."+rs.Kind)+" "+jstDate(&rs.Start)))
		}
	}
	history := &report.Table{Columns: []string{T("report.col.at"), T("report.col.actor"), T("report.col.event")}, Widths: []float64{2.1, 1.6, 4.9}}
	for _, e := range r.Events {
		what := T("cases.event." + e.Kind)
		if e.To != "" {
			what += " → " + T("cases.state."+string(e.To))
		}
		if e.Note != "" {
			what += ": " + e.Note
		}
		history.Rows = append(history.Rows, []string{jstTime(&e.At), e.Actor, what})
	}
	actions.Table = history

	measures := &report.Table{Columns: []string{T("report.col.kind"), T("report.col.measure"), T("report.col.owner"), T("report.col.due"), T("report.col.done")},
		Widths: []float64{1.3, 4.6, 1.4, 1.2, 1.2}, Empty: T("report.no_measures")}
	for _, m := range r.Measures {
		measures.Rows = append(measures.Rows, []string{T("report.kind." + m.Kind), m.Text, m.OwnerName, jstDate(&m.DueAt), jstDate(m.DoneAt)})
	}

	approvals := &report.Table{Columns: []string{T("report.col.role"), T("report.col.approver"), T("report.col.approved_at"), T("report.col.note")},
		Widths: []float64{1.2, 2, 2, 3.6}}
	for _, role := range kasuhara.ReportApprovalRoles {
		row := []string{T("report.role." + string(role)), "", T("report.pending"), ""}
		for _, ap := range r.Approvals {
			if ap.Role == role {
				row = []string{T("report.role." + string(role)), ap.ApproverName, jstTime(&ap.At), ap.Note}
			}
		}
		approvals.Rows = append(approvals.Rows, row)
	}

	org := ""
	if r.Org != nil {
		org = r.Org.Name
	}
	return &report.Document{
		Title: T("report.title"), Subtitle: T("report.subtitle", c.ID, org), Lang: lang,
		Meta: []report.Field{fld(T("report.meta.generated"), jstTime(&r.GeneratedAt)+" "+p.User.Name), fld(T("report.meta.policy"), orDash(version))},
		Sections: []report.Section{
			facts,
			{Heading: T("report.section.timeline"), Table: timeline},
			judgement,
			actions,
			{Heading: T("report.section.measures"), Table: measures},
			{Heading: T("report.section.approvals"), Table: approvals, Note: T("report.approval_order")},
		},
		Footer: T("report.footer", org, c.ID),
	}
}

// MeasureInput is a corrective or preventive measure to add to a case.
type MeasureInput struct {
	Kind    string
	Text    string
	OwnerID int64
	DueAt   *time.Time
}

// AddMeasure adds a measure to the plan of case caseID (case.handle). The
// owner must be an active user of the case's organization. It returns the
// measure, or an EINVALID error naming the field and writing nothing.
func (a *App) AddMeasure(ctx context.Context, p *kasuhara.Principal, caseID int64, in MeasureInput) (*kasuhara.CaseMeasure, error) {
	m := &kasuhara.CaseMeasure{Kind: in.Kind, Text: in.Text, OwnerID: in.OwnerID, CreatedBy: 0}
	if in.DueAt != nil {
		m.DueAt = in.DueAt.UTC()
	}
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		c, err := a.readableCase(ctx, tx, p, kasuhara.ActCaseHandle, caseID)
		if err != nil {
			return err
		}
		m.OrgID, m.CaseID, m.CreatedBy = c.OrgID, c.ID, p.User.ID
		if err := m.Validate(); err != nil {
			return err
		}
		owner, err := tx.FindUserByID(ctx, m.OwnerID)
		if err != nil || owner.OrgID != c.OrgID || owner.Disabled {
			return kasuhara.FieldError("owner_id", "report.error.owner")
		}
		m.OwnerName = owner.Name
		if err := tx.CreateMeasure(ctx, m); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "case.measure", target("case", c.ID), "ok", map[string]any{"after": map[string]any{
			"measure_id": m.ID, "kind": m.Kind, "owner_id": m.OwnerID, "due_at": m.DueAt}})
	})
	if err != nil {
		return nil, a.deniedCase(ctx, p, kasuhara.ActCaseHandle, caseID, err)
	}
	return m, nil
}

// CompleteMeasure records that measure id of case caseID is done now, or
// not done when done is false (case.handle).
func (a *App) CompleteMeasure(ctx context.Context, p *kasuhara.Principal, caseID, id int64, done bool) error {
	err := a.Store.Atomic(ctx, func(tx kasuhara.Store) error {
		c, err := a.readableCase(ctx, tx, p, kasuhara.ActCaseHandle, caseID)
		if err != nil {
			return err
		}
		var at *time.Time
		if done {
			now := a.Now()
			at = &now
		}
		if err := tx.SetMeasureDone(ctx, c.ID, id, at); err != nil {
			return err
		}
		return a.audit(ctx, tx, p, &c.OrgID, "case.measure_done", target("case", c.ID), "ok", map[string]any{"measure_id": id, "done": done})
	})
	return a.deniedCase(ctx, p, kasuhara.ActCaseHandle, caseID, err)
}

// ApproveReport records p's approval of the report of case id in role
// (case.report_approve). The order is the seeds' procedure: the
// supervisor who receives the report first, which also records the report
// as filed for the policy's report rule, then an executive. p must hold
// role; a plan without measures, a second approval in one role, or an
// executive's before the supervisor's is refused and nothing is written.
func (a *App) ApproveReport(ctx context.Context, p *kasuhara.Principal, id int64, role kasuhara.Role, note string) (*CaseResult, error) {
	note = strings.TrimSpace(note)
	if err := kasuhara.ValidateText("note", note, kasuhara.MaxCaseShort*5); err != nil {
		return nil, err
	}
	return a.changeCase(ctx, p, id, kasuhara.ActReportApprove, 0, "report_approve", func(tx kasuhara.Store, c *kasuhara.Case, _ *policy.Policy) (string, error) {
		if role != kasuhara.RoleSupervisor && role != kasuhara.RoleExecutive {
			return "", kasuhara.FieldError("role", "report.error.role")
		}
		if !p.User.HasRole(role) {
			return "", kasuhara.FieldError("role", "report.error.not_your_role")
		}
		approvals, err := tx.ListApprovals(ctx, c.ID)
		if err != nil {
			return "", err
		}
		next := nextApproval(approvals)
		if next == "" {
			return "", &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "report.error.approved", Args: []any{string(role)}, Message: "already approved"}
		}
		if next != role {
			return "", &kasuhara.Error{Code: kasuhara.ECONFLICT, Key: "report.error.order", Message: "the supervisor approves first"}
		}
		ms, err := tx.ListMeasures(ctx, c.ID)
		if err != nil {
			return "", err
		}
		if len(ms) == 0 {
			return "", &kasuhara.Error{Code: kasuhara.EINVALID, Field: "measures", Key: "report.error.no_measures", Message: "add a measure first"}
		}
		if err := tx.CreateApproval(ctx, &kasuhara.CaseApproval{OrgID: c.OrgID, CaseID: c.ID, Role: role, ApproverID: p.User.ID,
			ApproverName: p.User.Name, Note: note, At: a.Now()}); err != nil {
			return "", err
		}
		if role == kasuhara.RoleSupervisor {
			c.ReportFiled = true
		}
		return string(role) + ": " + p.User.Name, nil
	})
}

func fld(label, value string) report.Field { return report.Field{Label: label, Value: value} }
