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

// dashboardData loads a small set of cases whose figures are worked out by
// hand in TestDashboard_FiguresMatchAHandComputedDataset.
func dashboardData(t *testing.T, e *caseEnv, db *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	v, err := e.a.PolicyInEffect(ctx, e.org.ID, e.now)
	if err != nil {
		t.Fatal(err)
	}
	cust := func(phone string) *int64 {
		c := &kasuhara.Customer{OrgID: e.org.ID, Name: "顧客 " + phone, Phone: phone}
		if err := db.CreateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
		return &c.ID
	}
	c1, c2 := cust("090-1111-1111"), cust("090-2222-2222")
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, app.JST)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	hours := func(t time.Time, h int) *time.Time { x := t.Add(time.Duration(h) * time.Hour); return &x }
	dept := e.staff.User.DepartmentID
	type spec struct {
		org               int64
		occurred          string
		channel           string
		types             []string
		codes             []kasuhara.BehaviourCode
		dept, customer    *int64
		assessH, closeH   int // hours after the report; 0: not reached
		executive, police bool
	}
	specs := []spec{
		{e.org.ID, "2026-01-10 09:00", "phone", []string{"violence"}, []kasuhara.BehaviourCode{"physical_attack"}, dept, c1, 2, 10, true, false},
		{e.org.ID, "2026-01-20 09:00", "phone", []string{"threat"}, []kasuhara.BehaviourCode{"threat"}, dept, c1, 4, 0, false, false},
		{e.org.ID, "2026-02-05 09:00", "face_to_face", []string{"violence", "threat"}, []kasuhara.BehaviourCode{"physical_attack", "threat"}, nil, c2, 6, 30, false, true},
		{e.org.ID, "2026-03-01 09:00", "email", []string{"no-defect"}, []kasuhara.BehaviourCode{"other"}, dept, nil, 0, 0, false, false},
		{e.org.ID, "2025-12-31 23:00", "phone", []string{"violence"}, []kasuhara.BehaviourCode{"physical_attack"}, dept, c1, 1, 1, true, true}, // before the period
	}
	otherV, err := e.a.PolicyInEffect(ctx, e.other.User.OrgID, e.now)
	if err != nil {
		t.Fatal(err)
	}
	specs = append(specs, spec{e.other.User.OrgID, "2026-01-15 09:00", "phone", []string{"violence"}, []kasuhara.BehaviourCode{"physical_attack"}, nil, nil, 1, 1, true, true})
	for _, s := range specs {
		occurred := at(s.occurred)
		created := occurred.Add(time.Hour)
		c := &kasuhara.Case{OrgID: s.org, State: kasuhara.StateReported, Channel: s.channel, OccurredAt: occurred, DepartmentID: s.dept, CustomerID: s.customer,
			Narrative: "経緯", Types: s.types, Codes: s.codes, StaffCount: 1, ReporterID: e.staff.User.ID, PolicyVersionID: v.ID}
		if s.org != e.org.ID {
			c.PolicyVersionID, c.ReporterID = otherV.ID, e.other.User.ID
		}
		if s.assessH > 0 {
			c.AssessedAt, c.State = hours(created, s.assessH), kasuhara.StateResponse
		}
		if s.closeH > 0 {
			c.ClosedAt, c.State = hours(created, s.closeH), kasuhara.StateClosed
		}
		if s.executive {
			c.Escalation.ExecutiveAt = hours(created, 1)
		}
		if s.police {
			c.Escalation.PoliceAt = hours(created, 1)
		}
		db.Now = func() time.Time { return created }
		if err := db.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// Four consultations in February and six in March.
	for i := 0; i < 10; i++ {
		day := at("2026-02-10 10:00")
		if i >= 4 {
			day = at("2026-03-02 10:00")
		}
		db.Now = func() time.Time { return day }
		if _, _, err := e.a.SubmitPublicConsultation(ctx, "org", app.ConsultationInput{Anonymous: true, Relation: "employee", Topic: "borderline", Body: "相談内容"}); err != nil {
			t.Fatal(err)
		}
	}
	db.Now = func() time.Time { return e.now }
}

func bars(t *testing.T, d *app.Dashboard, id string) map[string]int {
	t.Helper()
	c := d.Chart(id)
	if c == nil {
		t.Fatalf("no chart %s", id)
	}
	m := map[string]int{}
	for _, b := range c.Bars {
		m[b.Key] = b.Value
		if b.Suppressed {
			m[b.Key] = -1
		}
	}
	return m
}

func TestDashboard_FiguresMatchAHandComputedDataset(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "mhlw-2022")
		dashboardData(t, e, db)
		ctx := context.Background()
		d, err := e.a.Dashboard(ctx, e.sv, app.DashboardQuery{From: "2026-01-01", To: "2026-03-31"})
		if err != nil {
			t.Fatal(err)
		}
		if d.Cases != 4 {
			t.Errorf("cases %d, want 4 (one is before the period, one in another organization)", d.Cases)
		}
		if d.Escalated.Value != 2 || d.Escalated.Percent != 50 {
			t.Errorf("escalated %+v, want 2 of 4 = 50%%", d.Escalated)
		}
		// Hours to assessment 2, 4, 6: median 4, p90 (nearest rank 3 of 3) 6.
		if d.ToAssessment != (app.Durations{N: 3, MedianHrs: 4, P90Hrs: 6}) {
			t.Errorf("to assessment %+v", d.ToAssessment)
		}
		// Hours to closing 10, 30: median 20, p90 (rank 2 of 2) 30.
		if d.ToClosing != (app.Durations{N: 2, MedianHrs: 20, P90Hrs: 30}) {
			t.Errorf("to closing %+v", d.ToClosing)
		}
		if d.RepeatCustomers != 1 {
			t.Errorf("repeat customers %d, want 1 (two cases of the first customer)", d.RepeatCustomers)
		}
		want := map[string]map[string]int{
			"month":   {"2026-01": 2, "2026-02": 1, "2026-03": 1},
			"code":    {"physical_attack": 2, "threat": 2, "other": 1},
			"channel": {"phone": 2, "face_to_face": 1, "email": 1},
			// Four February consultations would identify people: every month
			// is withheld and only the total of ten is shown.
			"consultations": {"2026-01": 0, "2026-02": -1, "2026-03": -1, "total": 10},
		}
		for id, w := range want {
			got := bars(t, d, id)
			for k, v := range w {
				if got[k] != v {
					t.Errorf("%s[%s] = %d, want %d (all: %v)", id, k, got[k], v, got)
				}
			}
		}
		types := map[string]int{}
		for _, b := range d.Chart("type").Bars {
			types[b.Label] = b.Value
		}
		if types["暴力"] != 2 || types["脅迫"] != 2 || types["商品・サービスに瑕疵・過失が認められない場合"] != 1 {
			t.Errorf("types in the organization's wording: %v", types)
		}
		dept := bars(t, d, "department")
		if dept["none"] != 1 || len(dept) != 2 {
			t.Errorf("departments: %v", dept)
		}

		// The department filter keeps its three cases.
		d, err = e.a.Dashboard(ctx, e.sv, app.DashboardQuery{From: "2026-01-01", To: "2026-03-31", DepartmentID: e.staff.User.DepartmentID})
		if err != nil || d.Cases != 3 {
			t.Errorf("department filter: %v %v", d.Cases, err)
		}
	})
}

func TestDashboard_SmallConsultationCountsAreWithheld(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "mhlw-2022")
		ctx := context.Background()
		submit := func(n int, day time.Time) {
			for i := 0; i < n; i++ {
				db.Now = func() time.Time { return day }
				if _, _, err := e.a.SubmitPublicConsultation(ctx, "org", app.ConsultationInput{Anonymous: true, Relation: "employee", Topic: "other", Body: "相談"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		submit(3, time.Date(2026, 2, 3, 10, 0, 0, 0, app.JST))
		q := app.DashboardQuery{From: "2026-01-01", To: "2026-03-31"}
		d, err := e.a.Dashboard(ctx, e.exec, q)
		if err != nil {
			t.Fatal(err)
		}
		if got := bars(t, d, "consultations"); got["total"] != -1 || got["2026-02"] != -1 {
			t.Errorf("three consultations shown: %v", got)
		}
		submit(2, time.Date(2026, 2, 20, 10, 0, 0, 0, app.JST))
		submit(7, time.Date(2026, 3, 20, 10, 0, 0, 0, app.JST))
		d, _ = e.a.Dashboard(ctx, e.exec, q)
		if got := bars(t, d, "consultations"); got["total"] != 12 || got["2026-02"] != 5 || got["2026-03"] != 7 || got["2026-01"] != 0 {
			t.Errorf("every month at five or more: %v", got)
		}
		for _, row := range d.Chart("consultations").CSVRows() {
			if row[1] == "相談" {
				t.Errorf("CSV carries content: %v", row)
			}
		}
	})
}

func TestDashboard_OnlySupervisorsExecutivesAndAuditorsWithinTheirReach(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "mhlw-2022")
		ctx := context.Background()
		for _, p := range []*kasuhara.Principal{e.staff, e.admin} {
			if _, err := e.a.Dashboard(ctx, p, app.DashboardQuery{}); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
				t.Errorf("%s: %v", p.User.Email, err)
			}
		}
		if _, err := e.a.Dashboard(ctx, e.auditor, app.DashboardQuery{}); err != nil {
			t.Errorf("auditor: %v", err)
		}
		// Another organization's department is unknown, not counted.
		if _, err := e.a.Dashboard(ctx, e.other, app.DashboardQuery{DepartmentID: e.staff.User.DepartmentID}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("foreign department: %v", err)
		}
		for _, q := range []app.DashboardQuery{{From: "2026-13-01"}, {From: "2026-03-01", To: "2026-02-01"}} {
			var fe *kasuhara.Error
			_, err := e.a.Dashboard(ctx, e.sv, q)
			if kasuhara.ErrorCode(err) != kasuhara.EINVALID || !asError(err, &fe) || fe.Field == "" {
				t.Errorf("%+v: %v", q, err)
			}
		}
	})
}
