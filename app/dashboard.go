package app

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/i18n"
)

// The dashboard: aggregate figures for supervisors, executives and
// auditors (dashboard.view) over their organization, or their group with
// group access. It counts; it never shows a case's text or a consultation's
// content, and consultation counts below MinReportableCount are withheld so
// that nobody can be picked out of a small number.

// MinReportableCount is the smallest consultation count the dashboard shows;
// smaller non-zero counts read "fewer than 5".
const MinReportableCount = 5

// DashboardQuery is what the dashboard page asks for.
type DashboardQuery struct {
	From, To     string // YYYY-MM-DD (JST), inclusive; default: the last twelve months
	DepartmentID *int64
	Lang         string // for the labels of channels and codes
}

// Bar is one labelled figure of a chart. Suppressed marks a count withheld
// below MinReportableCount; its Value is then 0.
type Bar struct {
	Key        string  `json:"key"`
	Label      string  `json:"label"`
	Value      int     `json:"value"`
	Of         int     `json:"of,omitempty"`      // the whole a rate is taken of
	Percent    float64 `json:"percent,omitempty"` // Value/Of in percent, when Of > 0
	Suppressed bool    `json:"suppressed,omitempty"`
}

// Durations are the hours from report to a step: how many cases reached it,
// the median and the 90th percentile (nearest rank).
type Durations struct {
	N         int     `json:"n"`
	MedianHrs float64 `json:"median_hours"`
	P90Hrs    float64 `json:"p90_hours"`
}

// Dashboard is the figures for one period and scope.
type Dashboard struct {
	From, To           time.Time              `json:"-"`
	FromDay, ToDay     string                 `json:"-"`
	DepartmentID       *int64                 `json:"department_id,omitempty"`
	Cases              int                    `json:"cases"`
	Escalated          Bar                    `json:"escalated"`
	ToAssessment       Durations              `json:"to_assessment"`
	ToClosing          Durations              `json:"to_closing"`
	RepeatCustomers    int                    `json:"repeat_customers"`
	ActiveRestrictions int                    `json:"active_restrictions"`
	Charts             []*Chart               `json:"charts"`
	Departments        []*kasuhara.Department `json:"-"`
}

// Chart is one series with its name; the page draws it and offers its table and CSV.
type Chart struct {
	ID    string `json:"id"`
	Title string `json:"title"` // catalog key
	Unit  string `json:"unit"`  // "count" or "percent"
	Bars  []Bar  `json:"bars"`
	Note  string `json:"note,omitempty"` // catalog key
}

// Chart returns the chart named id, or nil.
func (d *Dashboard) Chart(id string) *Chart {
	for _, c := range d.Charts {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// ParseDashboardPeriod reads the inclusive day range of q into [from, to)
// at JST midnights, defaulting to the twelve months up to today.
func ParseDashboardPeriod(q DashboardQuery, now time.Time) (time.Time, time.Time, error) {
	today := startOfDay(now)
	to := today.AddDate(0, 0, 1)
	from := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, JST).AddDate(0, -11, 0)
	if q.From != "" {
		d, err := parseDay("from", q.From, true)
		if err != nil {
			return from, to, err
		}
		from = *d
	}
	if q.To != "" {
		d, err := parseDay("to", q.To, true)
		if err != nil {
			return from, to, err
		}
		to = d.AddDate(0, 0, 1)
	}
	if !from.Before(to) {
		return from, to, kasuhara.FieldError("to", "dashboard.error.period")
	}
	if to.Sub(from) > 5*366*24*time.Hour {
		return from, to, kasuhara.FieldError("from", "dashboard.error.period_long")
	}
	return from, to, nil
}

// percentile returns the nearest-rank p-th percentile of sorted xs.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(xs)))) - 1
	return xs[max(i, 0)]
}

// median returns the median of sorted xs, the mean of the middle two for an even count.
func median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func durations(hours []float64) Durations {
	slices.Sort(hours)
	round := func(v float64) float64 { return math.Round(v*10) / 10 }
	return Durations{N: len(hours), MedianHrs: round(median(hours)), P90Hrs: round(percentile(hours, 90))}
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)*1000/float64(of)) / 10
}

// counter keeps bars in first-seen or sorted order.
type counter struct {
	bars  []Bar
	index map[string]int
}

func (c *counter) add(key, label string, n int) {
	if c.index == nil {
		c.index = map[string]int{}
	}
	i, ok := c.index[key]
	if !ok {
		i = len(c.bars)
		c.index[key] = i
		c.bars = append(c.bars, Bar{Key: key, Label: label})
	}
	c.bars[i].Value += n
}

// byValue sorts bars largest first, then by key, for stable charts.
func byValue(bars []Bar) []Bar {
	sort.SliceStable(bars, func(i, j int) bool {
		if bars[i].Value != bars[j].Value {
			return bars[i].Value > bars[j].Value
		}
		return bars[i].Key < bars[j].Key
	})
	return bars
}

// months lists the JST months from from up to to, as YYYY-MM.
func months(from, to time.Time) []string {
	var out []string
	m := time.Date(from.In(JST).Year(), from.In(JST).Month(), 1, 0, 0, 0, 0, JST)
	for m.Before(to) {
		out = append(out, m.Format("2006-01"))
		m = m.AddDate(0, 1, 0)
	}
	return out
}

// Dashboard computes the figures for p's reach (dashboard.view). A
// department filter must name a department of one of p's organizations.
func (a *App) Dashboard(ctx context.Context, p *kasuhara.Principal, q DashboardQuery) (*Dashboard, error) {
	if err := kasuhara.Authorize(p, kasuhara.ActDashboardView, p.User.OrgID); err != nil {
		return nil, a.denied(ctx, p, kasuhara.ActDashboardView, target("org", p.User.OrgID), err)
	}
	from, to, err := ParseDashboardPeriod(q, a.Now())
	if err != nil {
		return nil, err
	}
	d := &Dashboard{From: from, To: to, FromDay: from.Format("2006-01-02"), ToDay: to.AddDate(0, 0, -1).Format("2006-01-02"), DepartmentID: q.DepartmentID}
	orgs := map[int64]*kasuhara.Organization{}
	deptName := map[int64]string{}
	typeLabel := map[string]string{} // "org:type" → the organization's own label
	for _, id := range p.OrgIDs {
		o, err := a.Store.FindOrgByID(ctx, id)
		if err != nil {
			return nil, err
		}
		orgs[id] = o
		ds, err := a.Store.ListDepartments(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, dp := range ds {
			deptName[dp.ID] = dp.Name
			if len(p.OrgIDs) > 1 {
				deptName[dp.ID] = o.Name + " " + dp.Name
			}
		}
		d.Departments = append(d.Departments, ds...)
		if v, err := a.PolicyInEffect(ctx, id, a.Now()); err == nil {
			if doc, err := ParsedPolicy(v); err == nil {
				for _, t := range doc.Harassment.Types {
					typeLabel[fmt.Sprintf("%d:%s", id, t.ID)] = typeName(t)
				}
			}
		}
	}
	if q.DepartmentID != nil {
		if _, ok := deptName[*q.DepartmentID]; !ok {
			return nil, kasuhara.FieldError("department", "error.field.unknown_department")
		}
	}
	facts, err := a.Store.CaseFacts(ctx, kasuhara.DashboardFilter{OrgIDs: p.OrgIDs, From: from, To: to, DepartmentID: q.DepartmentID})
	if err != nil {
		return nil, err
	}
	d.Cases = len(facts)
	lang := q.Lang
	var byType, byCode, byChannel, byDept counter
	byMonth := counter{}
	for _, m := range months(from, to) {
		byMonth.add(m, m, 0)
	}
	var toAssess, toClose []float64
	escalated := 0
	perCustomer := map[int64]int{}
	for _, c := range facts {
		for _, t := range c.Types {
			key := fmt.Sprintf("%d:%s", c.OrgID, t)
			label := cmpOr(typeLabel[key], t)
			if len(p.OrgIDs) > 1 {
				label = orgs[c.OrgID].Name + " " + label
			}
			byType.add(key, label, 1)
		}
		for _, code := range c.Codes {
			label := string(code)
			if lang != "en" {
				label = cmpOr(kasuhara.BehaviourLabelsJA[code], label)
			}
			byCode.add(string(code), label, 1)
		}
		byChannel.add(c.Channel, i18n.T(lang, "policy.channel."+c.Channel), 1)
		if c.DepartmentID != nil {
			byDept.add(fmt.Sprint(*c.DepartmentID), deptName[*c.DepartmentID], 1)
		} else {
			byDept.add("none", i18n.T(lang, "dashboard.no_department"), 1)
		}
		byMonth.add(c.OccurredAt.In(JST).Format("2006-01"), "", 1)
		if c.Escalated {
			escalated++
		}
		if c.AssessedAt != nil {
			toAssess = append(toAssess, c.AssessedAt.Sub(c.CreatedAt).Hours())
		}
		if c.ClosedAt != nil && c.State == kasuhara.StateClosed {
			toClose = append(toClose, c.ClosedAt.Sub(c.CreatedAt).Hours())
		}
		if c.CustomerID != nil {
			perCustomer[*c.CustomerID]++
		}
	}
	for _, n := range perCustomer {
		if n >= 2 {
			d.RepeatCustomers++
		}
	}
	d.Escalated = Bar{Key: "escalated", Value: escalated, Of: d.Cases, Percent: pct(escalated, d.Cases)}
	d.ToAssessment, d.ToClosing = durations(toAssess), durations(toClose)
	if d.ActiveRestrictions, err = a.Store.ActiveRestrictions(ctx, p.OrgIDs, a.Now()); err != nil {
		return nil, err
	}
	codes := byValue(byCode.bars)
	d.Charts = append(d.Charts,
		&Chart{ID: "month", Title: "dashboard.chart.month", Unit: "count", Bars: byMonth.bars},
		&Chart{ID: "type", Title: "dashboard.chart.type", Unit: "count", Bars: byValue(byType.bars)},
		&Chart{ID: "code", Title: "dashboard.chart.code", Unit: "count", Bars: codes},
		&Chart{ID: "channel", Title: "dashboard.chart.channel", Unit: "count", Bars: byValue(byChannel.bars)},
		&Chart{ID: "department", Title: "dashboard.chart.department", Unit: "count", Bars: byValue(byDept.bars)},
	)
	// Consultations: counts per month only, withheld below the threshold.
	// They carry no department, so the department filter does not apply.
	times, err := a.Store.ConsultationTimes(ctx, p.OrgIDs, from, to)
	if err != nil {
		return nil, err
	}
	consult := counter{}
	for _, m := range months(from, to) {
		consult.add(m, m, 0)
	}
	for _, t := range times {
		consult.add(t.In(JST).Format("2006-01"), "", 1)
	}
	consult.bars = append(consult.bars, Bar{Key: "total", Label: i18n.T(lang, "dashboard.total"), Value: len(times)})
	// A month below the threshold could be worked out from the total and
	// the other months, so one small month withholds every month; the total
	// stands alone, and is itself withheld when small.
	small := false
	for _, b := range consult.bars {
		small = small || (b.Key != "total" && b.Value > 0 && b.Value < MinReportableCount)
	}
	for i := range consult.bars {
		b := &consult.bars[i]
		if b.Value > 0 && ((b.Key != "total" && small) || b.Value < MinReportableCount) {
			b.Value, b.Suppressed = 0, true
		}
	}
	d.Charts = append(d.Charts, &Chart{ID: "consultations", Title: "dashboard.chart.consultations", Unit: "count", Bars: consult.bars,
		Note: "dashboard.note.suppressed"})
	tc, err := a.Store.TrainingCounts(ctx, p.OrgIDs, q.DepartmentID, from, to)
	if err != nil {
		return nil, err
	}
	training := []Bar{}
	for _, c := range tc {
		training = append(training, Bar{Key: c.Module, Label: i18n.T(lang, "training.module."+c.Module), Value: c.Completed, Of: c.Assigned, Percent: pct(c.Completed, c.Assigned)})
	}
	d.Charts = append(d.Charts, &Chart{ID: "training", Title: "dashboard.chart.training", Unit: "percent", Bars: training})
	return d, nil
}

// DashboardCSVHeader is the header row of a chart's CSV export.
var DashboardCSVHeader = []string{"key", "label", "value", "of", "percent", "suppressed"}

// CSVRows returns the chart's rows for export; a suppressed count reads "<5".
func (c *Chart) CSVRows() [][]string {
	var out [][]string
	for _, b := range c.Bars {
		v := fmt.Sprint(b.Value)
		if b.Suppressed {
			v = fmt.Sprintf("<%d", MinReportableCount)
		}
		of, pc := "", ""
		if b.Of > 0 || c.Unit == "percent" {
			of, pc = fmt.Sprint(b.Of), strings.TrimSuffix(fmt.Sprintf("%.1f", b.Percent), ".0")
		}
		out = append(out, []string{csvSafe(b.Key), csvSafe(b.Label), v, of, pc, fmt.Sprint(b.Suppressed)})
	}
	return out
}
