package app

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/i18n"
	"github.com/kasuhara/kasuhara/policy"
	"github.com/kasuhara/kasuhara/report"
)

// The compliance report (カスタマーハラスメント対策 実施状況報告書): for one
// organization and calendar year, each measure the law (労働施策総合推進法,
// in force 2026-10-01) and the MHLW manual name, with the evidence kasuhara
// holds and what is missing. It counts; it names no consultant, and
// consultation counts below MinReportableCount are withheld as on the dashboard.

// ComplianceReport builds the report of organization slug for year. p nil
// is the CLI; otherwise p needs compliance.report in that organization.
// The generation is audited.
func (a *App) ComplianceReport(ctx context.Context, p *kasuhara.Principal, slug string, year int, lang string) (*report.Document, error) {
	if year < 2000 || year > 2200 {
		return nil, kasuhara.FieldError("year", "compliance.error.year")
	}
	org, err := a.Store.FindOrgBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if p != nil {
		if err := kasuhara.Authorize(p, kasuhara.ActComplianceReport, org.ID); err != nil {
			return nil, a.denied(ctx, p, kasuhara.ActComplianceReport, target("org", org.ID), err)
		}
	}
	T := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	from := time.Date(year, 1, 1, 0, 0, 0, 0, JST)
	to := from.AddDate(1, 0, 0)
	end := to
	if now := a.Now(); now.Before(end) {
		end = now
	}
	orgs := []int64{org.ID}
	day := func(t time.Time) string { return t.In(JST).Format("2006-01-02") }
	fld := func(label, value string) report.Field { return report.Field{Label: label, Value: value} }
	missing := func(items []string) string {
		if len(items) == 0 {
			return T("compliance.missing_none")
		}
		return T("compliance.missing") + "\n・" + strings.Join(items, "\n・")
	}

	// 1 Policy made clear and known.
	versions, err := a.Store.ListPolicyVersions(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	var doc *policy.Policy
	var inEffect *kasuhara.PolicyVersion
	if v, err := a.PolicyInEffect(ctx, org.ID, end); err == nil {
		inEffect = v
		if doc, err = ParsedPolicy(v); err != nil {
			return nil, err
		}
	} else if kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
		return nil, err
	}
	vrows := [][]string{}
	for _, v := range versions {
		vrows = append(vrows, []string{fmt.Sprint(v.Version), v.Title, day(v.EffectiveFrom), day(v.PublishedAt), v.ApprovedBy})
	}
	var miss1 []string
	if inEffect == nil {
		miss1 = append(miss1, T("compliance.m1.none"))
	}
	s1 := report.Section{Heading: T("compliance.m1"), Fields: []report.Field{
		fld(T("compliance.m1.public"), "/p/"+org.Slug+"/policy"),
		fld(T("compliance.m1.handbook"), "/policy"),
	}, Table: &report.Table{Columns: []string{T("compliance.m1.version"), T("compliance.m1.title"), T("compliance.m1.effective"), T("compliance.m1.published"), T("compliance.m1.approved")},
		Widths: []float64{1, 5, 2, 2, 2}, Rows: vrows, Empty: T("compliance.m1.none")}}
	if doc != nil && doc.Enactment.Enacted != "" {
		s1.Fields = append(s1.Fields, fld(T("compliance.m1.enacted"), string(doc.Enactment.Enacted)))
	}
	s1.Text = missing(miss1)

	// 2 Consultation desk.
	deskOwner, err := a.deskOwner(ctx, a.Store, org.ID)
	if err != nil {
		return nil, err
	}
	times, err := a.Store.ConsultationTimes(ctx, orgs, from, to)
	if err != nil {
		return nil, err
	}
	consults := fmt.Sprint(len(times))
	if len(times) > 0 && len(times) < MinReportableCount {
		consults = T("dashboard.suppressed", MinReportableCount)
	}
	var miss2 []string
	deskContact := ""
	if doc != nil {
		c := doc.Structure.Desk.Contact
		deskContact = strings.TrimSpace(strings.Join([]string{c.Label, c.Person, c.Phone, c.Email}, " "))
	}
	if deskOwner == nil {
		miss2 = append(miss2, T("compliance.m2.no_desk"))
	}
	if deskContact == "" {
		miss2 = append(miss2, T("compliance.m2.no_contact"))
	}
	s2 := report.Section{Heading: T("compliance.m2"), Fields: []report.Field{
		fld(T("compliance.m2.staffed"), yesNo(T, deskOwner != nil)),
		fld(T("compliance.m2.contact"), orDash(deskContact)),
		fld(T("compliance.m2.public_link"), "/p/"+org.Slug+"/consult"),
		fld(T("compliance.m2.count"), consults),
	}, Text: missing(miss2), Note: T("compliance.m2.note", MinReportableCount)}

	// 3 Procedures.
	var miss3 []string
	steps, channels, scripts := 0, 0, 0
	if doc != nil {
		steps, channels, scripts = len(doc.Procedure.Steps), len(doc.Channels), len(doc.Scripts.Items)
		if doc.Procedure.Open.Open || steps == 0 {
			miss3 = append(miss3, T("compliance.m3.no_procedure"))
		}
		if doc.Scripts.Open.Open || scripts == 0 {
			miss3 = append(miss3, T("compliance.m3.no_scripts"))
		}
		if doc.Thresholds.CallMinutes.Open.Open {
			miss3 = append(miss3, T("compliance.m3.no_call_minutes"))
		}
	} else {
		miss3 = append(miss3, T("compliance.m1.none"))
	}
	s3 := report.Section{Heading: T("compliance.m3"), Fields: []report.Field{
		fld(T("compliance.m3.steps"), fmt.Sprint(steps)), fld(T("compliance.m3.channels"), fmt.Sprint(channels)), fld(T("compliance.m3.scripts"), fmt.Sprint(scripts)),
	}, Text: missing(miss3)}

	// 4 Training.
	tc, err := a.Store.TrainingCounts(ctx, orgs, nil, from, to)
	if err != nil {
		return nil, err
	}
	trows := [][]string{}
	for _, c := range tc {
		trows = append(trows, []string{T("training.module." + c.Module), fmt.Sprint(c.Assigned), fmt.Sprint(c.Completed), fmt.Sprintf("%.1f%%", pct(c.Completed, c.Assigned))})
	}
	var miss4 []string
	if len(tc) == 0 {
		miss4 = append(miss4, T("compliance.m4.none"))
	}
	s4 := report.Section{Heading: T("compliance.m4"), Table: &report.Table{Columns: []string{T("compliance.m4.module"), T("compliance.m4.assigned"), T("compliance.m4.completed"), T("compliance.m4.rate")},
		Widths: []float64{5, 2, 2, 2}, Rows: trows, Empty: T("compliance.m4.none")}, Text: missing(miss4)}

	// 5 Cases handled and their outcomes.
	facts, err := a.Store.CaseFacts(ctx, kasuhara.DashboardFilter{OrgIDs: orgs, From: from, To: to})
	if err != nil {
		return nil, err
	}
	closed, escalated, filed := 0, 0, 0
	var toClose []float64
	for _, c := range facts {
		if c.State == kasuhara.StateClosed {
			closed++
			if c.ClosedAt != nil {
				toClose = append(toClose, c.ClosedAt.Sub(c.CreatedAt).Hours())
			}
		}
		if c.Escalated {
			escalated++
		}
	}
	restr, err := a.Store.ActiveRestrictions(ctx, orgs, end)
	if err != nil {
		return nil, err
	}
	dur := durations(toClose)
	var miss5 []string
	if len(facts) > closed {
		miss5 = append(miss5, T("compliance.m5.open", len(facts)-closed))
	}
	s5 := report.Section{Heading: T("compliance.m5"), Fields: []report.Field{
		fld(T("compliance.m5.cases"), fmt.Sprint(len(facts))), fld(T("compliance.m5.closed"), fmt.Sprint(closed)),
		fld(T("compliance.m5.escalated"), fmt.Sprint(escalated)), fld(T("compliance.m5.restrictions"), fmt.Sprint(restr)),
		fld(T("compliance.m5.to_close"), T("compliance.hours", dur.MedianHrs, dur.P90Hrs)),
	}, Text: missing(miss5)}

	// 6 Care for the employee.
	plans, err := a.Store.ListCarePlans(ctx, kasuhara.CarePlanFilter{OrgIDs: orgs, Limit: 500})
	if err != nil {
		return nil, err
	}
	open, err := a.Store.OpenCareTasks(ctx, orgs)
	if err != nil {
		return nil, err
	}
	nPlans, tasks, done := 0, 0, 0
	inYear := map[int64]bool{}
	for _, pl := range plans {
		if !pl.CreatedAt.Before(from) && pl.CreatedAt.Before(to) {
			nPlans, tasks, done = nPlans+1, tasks+pl.Total, done+pl.Done
			inYear[pl.ID] = true
		}
	}
	overdue := 0
	for _, t := range open {
		if inYear[t.PlanID] && t.IsOverdue(end) {
			overdue++
		}
	}
	var miss6 []string
	if doc == nil || doc.StaffCare.Open.Open || len(doc.StaffCare.Items) == 0 {
		miss6 = append(miss6, T("compliance.m6.no_policy"))
	}
	if overdue > 0 {
		miss6 = append(miss6, T("compliance.m6.overdue", overdue))
	}
	s6 := report.Section{Heading: T("compliance.m6"), Fields: []report.Field{
		fld(T("compliance.m6.plans"), fmt.Sprint(nPlans)), fld(T("compliance.m6.tasks"), fmt.Sprintf("%d / %d", done, tasks)),
	}, Text: missing(miss6), Note: T("compliance.m6.note")}
	if doc != nil && len(doc.StaffCare.Items) > 0 {
		s6.Quote, s6.QuoteSource = doc.StaffCare.Items[0].Text, T("compliance.policy_clause")
	}

	// 7 Recurrence prevention.
	preventive, preventiveDone := 0, 0
	for _, c := range facts {
		ms, err := a.Store.ListMeasures(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Kind == kasuhara.MeasurePreventive {
				preventive++
				if m.DoneAt != nil {
					preventiveDone++
				}
			}
		}
		if cs, err := a.Store.FindCase(ctx, orgs, c.ID); err == nil && cs.ReportFiled {
			filed++
		}
	}
	var miss7 []string
	if preventive == 0 {
		miss7 = append(miss7, T("compliance.m7.none"))
	}
	if closed > filed {
		miss7 = append(miss7, T("compliance.m7.unfiled", closed-filed))
	}
	s7 := report.Section{Heading: T("compliance.m7"), Fields: []report.Field{
		fld(T("compliance.m7.measures"), fmt.Sprintf("%d / %d", preventiveDone, preventive)), fld(T("compliance.m7.filed"), fmt.Sprint(filed)),
	}, Text: missing(miss7)}

	d := &report.Document{
		Title: T("compliance.title"), Subtitle: T("compliance.subtitle", org.Name, year), Lang: lang,
		Meta:     []report.Field{fld(T("compliance.period"), day(from)+" 〜 "+day(to.AddDate(0, 0, -1))), fld(T("compliance.generated"), a.Now().In(JST).Format("2006-01-02 15:04"))},
		Sections: []report.Section{s1, s2, s3, s4, s5, s6, s7},
		Footer:   T("compliance.footer", org.Name, year),
	}
	return d, a.audit(ctx, a.Store, p, &org.ID, "compliance.report", target("org", org.ID), "ok", map[string]any{"year": year})
}

// WriteComplianceReport writes the report as PDF to w.
func (a *App) WriteComplianceReport(ctx context.Context, p *kasuhara.Principal, slug string, year int, lang string, w io.Writer) error {
	d, err := a.ComplianceReport(ctx, p, slug, year, lang)
	if err != nil {
		return err
	}
	return report.PDF(d, a.Now(), w)
}

func yesNo(T func(string, ...any) string, b bool) string {
	if b {
		return T("compliance.yes")
	}
	return T("compliance.no")
}
