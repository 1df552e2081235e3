package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

// caseEnv is an organization under the LALL 行動指針 (immediate report of
// violence and threats, two or more staff face to face except by phone)
// with a staff member and a supervisor in one department, a second staff
// member, an executive and an auditor, plus a supervisor of another
// organization; the clock is fixed at 2026-03-10 10:00 JST.
type caseEnv struct {
	t                                              *testing.T
	a                                              *app.App
	db                                             *sqlstore.DB
	org                                            *kasuhara.Organization
	staff, staff2, sv, exec, auditor, admin, other *kasuhara.Principal
	now                                            time.Time
}

func newCaseEnv(t *testing.T, db *sqlstore.DB, presetName string) *caseEnv {
	t.Helper()
	ctx := context.Background()
	e := &caseEnv{t: t, db: db, a: app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	e.now = time.Date(2026, 3, 10, 10, 0, 0, 0, app.JST)
	e.a.Now = func() time.Time { return e.now }
	mk := func(slug string) *kasuhara.Organization {
		o := &kasuhara.Organization{Slug: slug, Name: slug + " 株式会社"}
		if err := db.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.PublishPolicy(ctx, nil, app.PolicyPublish{OrgID: o.ID, Source: preset(t, presetName), EffectiveFrom: day("2025-04-01"), ApprovedBy: "取締役会"}); err != nil {
			t.Fatal(err, app.LintDiagnostics(err))
		}
		return o
	}
	e.org = mk("org")
	other := mk("other")
	dept := &kasuhara.Department{OrgID: e.org.ID, Name: "新宿店"}
	if err := db.CreateDepartment(ctx, dept); err != nil {
		t.Fatal(err)
	}
	user := func(org int64, email string, d *int64, role kasuhara.Role) *kasuhara.Principal {
		u := &kasuhara.User{OrgID: org, Email: email, Name: email[:strings.IndexByte(email, '@')], Roles: []kasuhara.Role{role}, DepartmentID: d}
		if err := e.a.CreateUser(ctx, nil, u, "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
		p, err := e.a.Principal(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	e.staff = user(e.org.ID, "staff@example.jp", &dept.ID, kasuhara.RoleStaff)
	e.staff2 = user(e.org.ID, "staff2@example.jp", nil, kasuhara.RoleStaff)
	e.sv = user(e.org.ID, "sv@example.jp", &dept.ID, kasuhara.RoleSupervisor)
	e.exec = user(e.org.ID, "exec@example.jp", nil, kasuhara.RoleExecutive)
	e.auditor = user(e.org.ID, "auditor@example.jp", nil, kasuhara.RoleAuditor)
	e.admin = user(e.org.ID, "admin@example.jp", nil, kasuhara.RoleAdmin)
	e.other = user(other.ID, "other@example.jp", nil, kasuhara.RoleSupervisor)
	return e
}

func (e *caseEnv) report(ch string, types ...string) *kasuhara.Case {
	e.t.Helper()
	res, err := e.a.ReportCase(context.Background(), e.staff, app.CaseReport{
		Channel: ch, OccurredAt: e.now.Add(-time.Hour), Place: "新宿店 1階カウンター", CustomerName: "山田 太郎", CustomerPhone: "090-1234-5678",
		Demand: "商品を無料で交換しろ", Narrative: "大声で怒鳴り、カウンターを叩いた", Types: types, StaffCount: 1,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Case
}

func (e *caseEnv) move(p *kasuhara.Principal, id int64, to kasuhara.CaseState) error {
	_, err := e.a.TransitionCase(context.Background(), p, id, app.Transition{To: to})
	return err
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func TestCase_StateMachineFollowsThePolicy(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		ctx := context.Background()
		c := e.report("phone", "mental-attack")
		steps := []struct {
			name string
			do   func() error
			want string
		}{
			{"staff cannot move a case", func() error { return e.move(e.staff, c.ID, kasuhara.StateFactFinding) }, kasuhara.EFORBIDDEN},
			{"no skipping to closed", func() error { return e.move(e.sv, c.ID, kasuhara.StateClosed) }, kasuhara.ECONFLICT},
			{"to fact-finding", func() error { return e.move(e.sv, c.ID, kasuhara.StateFactFinding) }, ""},
			{"to assessment", func() error { return e.move(e.sv, c.ID, kasuhara.StateAssessment) }, ""},
			{"no response before assessment", func() error { return e.move(e.sv, c.ID, kasuhara.StateResponse) }, kasuhara.ECONFLICT},
			{"assessment needs validity", func() error {
				_, err := e.a.AssessCase(ctx, e.sv, c.ID, app.Assessment{MeansAppropriate: no()})
				return err
			}, kasuhara.EINVALID},
			{"assess", func() error {
				_, err := e.a.AssessCase(ctx, e.sv, c.ID, app.Assessment{DemandValidity: "invalid", MeansAppropriate: no(), Text: "瑕疵なし"})
				return err
			}, ""},
			{"to response", func() error { return e.move(e.sv, c.ID, kasuhara.StateResponse) }, ""},
			{"close a phone case", func() error { return e.move(e.sv, c.ID, kasuhara.StateClosed) }, ""},
			{"reopen needs a reason", func() error { return e.move(e.sv, c.ID, kasuhara.StateFactFinding) }, kasuhara.EINVALID},
			{"reopen with a reason", func() error {
				_, err := e.a.TransitionCase(ctx, e.sv, c.ID, app.Transition{To: kasuhara.StateFactFinding, Reason: "新たな録音が見つかった"})
				return err
			}, ""},
			{"stale revision", func() error {
				_, err := e.a.TransitionCase(ctx, e.sv, c.ID, app.Transition{To: kasuhara.StateAssessment, Revision: 1})
				return err
			}, kasuhara.ECONFLICT},
		}
		for _, s := range steps {
			if got := kasuhara.ErrorCode(s.do()); got != s.want {
				t.Fatalf("%s: %q, want %q", s.name, got, s.want)
			}
		}
		d, err := e.a.Case(ctx, e.sv, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Case.State != kasuhara.StateFactFinding || d.Case.ReopenReason == "" || d.Case.AssessedByName != "sv" || d.Case.PolicyVersionID == 0 {
			t.Errorf("after the steps: %+v", d.Case)
		}
		var kinds []string
		for _, ev := range d.Events {
			kinds = append(kinds, ev.Kind)
		}
		if got := strings.Join(kinds, ","); got != "created,transition,transition,assess,transition,transition,reopen" {
			t.Errorf("events %s", got)
		}
		entries, _ := db.ListAudit(ctx, kasuhara.AuditFilter{Action: "case."})
		var reads, transitions int
		for _, en := range entries {
			switch en.Action {
			case "case.read":
				reads++
			case "case.transition":
				transitions++
				if !strings.Contains(string(en.Detail), `"before"`) || !strings.Contains(string(en.Detail), `"after"`) {
					t.Errorf("transition audit lacks before/after: %s", en.Detail)
				}
			}
		}
		if reads != 1 || transitions < 4 {
			t.Errorf("audit: %d reads, %d transitions", reads, transitions)
		}
	})
}

func TestCase_OneStaffAtFaceToFaceFollowUpBlocksClosing(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		ctx := context.Background()
		c := e.report("face_to_face", "mental-attack")
		for _, to := range []kasuhara.CaseState{kasuhara.StateFactFinding, kasuhara.StateAssessment} {
			if err := e.move(e.sv, c.ID, to); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.a.AssessCase(ctx, e.sv, c.ID, app.Assessment{DemandValidity: "invalid", MeansAppropriate: no()}); err != nil {
			t.Fatal(err)
		}
		if err := e.move(e.sv, c.ID, kasuhara.StateResponse); err != nil {
			t.Fatal(err)
		}
		// A phone follow-up is exempt from the two-staff rule; a face-to-face one with one staff member is not.
		for _, ct := range []*kasuhara.Contact{
			{Channel: "phone", At: e.now, Minutes: 10, StaffCount: 1, Summary: "電話で経緯を説明"},
			{Channel: "face_to_face", At: e.now, Minutes: 30, StaffCount: 1, Summary: "店舗で面談(上長のみ)"},
		} {
			if err := e.a.AddContact(ctx, e.sv, c.ID, ct); err != nil {
				t.Fatal(err)
			}
		}
		err := e.move(e.sv, c.ID, kasuhara.StateClosed)
		var ke *kasuhara.Error
		if kasuhara.ErrorCode(err) != kasuhara.ECONFLICT || !asError(err, &ke) || ke.Key != "cases.error.unmet_rule" || !strings.Contains(ke.Args[0].(string), "2人以上") {
			t.Fatalf("closing after a one-person face-to-face follow-up: %v, want ECONFLICT quoting the two-staff rule", err)
		}
		// An executive may close it anyway, with the reason recorded; the unmet rule stays on record as a warning.
		res, err := e.a.TransitionCase(ctx, e.exec, c.ID, app.Transition{To: kasuhara.StateClosed, Override: "顧客が来店を拒否し再面談できないため"})
		if err != nil || len(res.Warnings) == 0 {
			t.Fatalf("executive override: %v %+v", err, res)
		}
		if _, err := e.a.TransitionCase(ctx, e.sv, c.ID, app.Transition{To: kasuhara.StateFactFinding, Reason: "x", Override: "y"}); err != nil {
			t.Fatalf("reopen: %v", err)
		}
	})
}

func asError(err error, target **kasuhara.Error) bool {
	e, ok := err.(*kasuhara.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestCase_EscalationNeedsFacts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		ctx := context.Background()
		c := e.report("face_to_face") // no behaviour types yet
		police := app.Escalation{To: "police", Station: "新宿警察署", ReportNo: "R-2026-0312"}
		if _, err := e.a.EscalateCase(ctx, e.sv, c.ID, police); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("escalating a reported case: %v, want conflict (from assessment on)", err)
		}
		for _, to := range []kasuhara.CaseState{kasuhara.StateFactFinding, kasuhara.StateAssessment} {
			if err := e.move(e.sv, c.ID, to); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.a.EscalateCase(ctx, e.sv, c.ID, police); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("escalating without facts: %v, want invalid", err)
		}
		if _, err := e.a.EscalateCase(ctx, e.staff, c.ID, police); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("staff escalating: %v, want forbidden", err)
		}
		if _, err := e.a.AssessCase(ctx, e.sv, c.ID, app.Assessment{DemandValidity: "invalid", MeansAppropriate: no()}); err != nil {
			t.Fatal(err)
		}
		res, err := e.a.EscalateCase(ctx, e.sv, c.ID, police)
		if err != nil || res.Case.Escalation.PoliceStation != "新宿警察署" || res.Case.Escalation.PoliceAt == nil {
			t.Fatalf("police: %v %+v", err, res)
		}
		res, err = e.a.EscalateCase(ctx, e.sv, c.ID, app.Escalation{To: "executive", ExecutiveID: e.exec.User.ID})
		if err != nil || res.Case.Escalation.ExecutiveID == nil {
			t.Fatalf("executive: %v", err)
		}
		ns, _ := e.a.MyNotifications(ctx, e.exec)
		if len(ns) != 1 || ns[0].Kind != "escalated" || !ns[0].Urgent {
			t.Errorf("executive notifications %+v", ns)
		}
		if _, err := e.a.EscalateCase(ctx, e.sv, c.ID, app.Escalation{To: "executive", ExecutiveID: e.sv.User.ID}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("escalating to a non-executive: %v", err)
		}
	})
}

func TestCase_ValidDemandByAppropriateMeansIsNotHarassment(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		ctx := context.Background()
		for _, c := range []struct {
			name     string
			types    []string
			validity string
			means    *bool
			want     bool
		}{
			{"valid demand, appropriate means", []string{"monetary-compensation"}, "valid", yes(), false},
			{"valid demand, means appropriate overrides the reporter's tick", []string{"intimidation"}, "valid", yes(), false},
			{"valid demand, inappropriate means", []string{"monetary-compensation"}, "valid", no(), true},
			{"invalid demand", nil, "invalid", yes(), true},
			{"violence whatever the demand", []string{"physical-attack"}, "valid", no(), true},
		} {
			cs := e.report("phone", c.types...)
			e.move(e.sv, cs.ID, kasuhara.StateFactFinding)
			e.move(e.sv, cs.ID, kasuhara.StateAssessment)
			res, err := e.a.AssessCase(ctx, e.sv, cs.ID, app.Assessment{DemandValidity: c.validity, MeansAppropriate: c.means, Text: c.name})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if res.Judgement.Harassment != c.want || *res.Case.Harassment != c.want || res.Case.AssessedByName != "sv" {
				t.Errorf("%s: harassment %v, want %v (%+v)", c.name, res.Judgement.Harassment, c.want, res.Judgement.DecidingClause)
			}
			if !c.want && (!res.Judgement.DutyToRespondSincerely || res.Judgement.DecidingClause.Text == "") {
				t.Errorf("%s: no duty to respond sincerely or no clause: %+v", c.name, res.Judgement)
			}
			if c.want && res.Judgement.DecidingClause.Kind != "type" {
				t.Errorf("%s: deciding clause %+v", c.name, res.Judgement.DecidingClause)
			}
		}
	})
}

func TestCase_ImmediateReportTypesNotifyUrgently(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		ctx := context.Background()
		for _, c := range []struct {
			types  []string
			urgent bool
			kind   string
		}{
			{[]string{"physical-attack"}, true, "case_urgent"},
			{[]string{"dogeza"}, true, "case_urgent"},
			{[]string{"monetary-compensation"}, false, "case_reported"},
		} {
			cs := e.report("face_to_face", c.types...)
			ns, err := db.ListNotifications(ctx, cs.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if cs.Urgent != c.urgent || len(ns) == 0 {
				t.Fatalf("%v: urgent %v, %d notifications", c.types, cs.Urgent, len(ns))
			}
			var toSupervisor bool
			for _, n := range ns {
				if n.Urgent != c.urgent || n.Kind != c.kind || n.DeliveredAt != nil {
					t.Errorf("%v: notification %+v", c.types, n)
				}
				toSupervisor = toSupervisor || n.RecipientID == e.sv.User.ID
				if n.RecipientID == e.staff.User.ID {
					t.Errorf("%v: the reporter notified of their own report", c.types)
				}
			}
			if !toSupervisor {
				t.Errorf("%v: supervisor of the department not notified", c.types)
			}
		}
	})
}

func TestCase_OnlyThoseInvolvedReadIt(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "lall-hokenshi-2022")
		ctx := context.Background()
		c := e.report("phone", "mental-attack")
		for _, r := range []struct {
			who  string
			p    *kasuhara.Principal
			want string
		}{
			{"reporter", e.staff, ""},
			{"other staff", e.staff2, kasuhara.ENOTFOUND},
			{"supervisor", e.sv, ""},
			{"executive", e.exec, ""},
			{"auditor", e.auditor, ""},
			{"admin", e.admin, kasuhara.ENOTFOUND},
			{"other organization", e.other, kasuhara.ENOTFOUND},
		} {
			_, err := e.a.Case(ctx, r.p, c.ID)
			if got := kasuhara.ErrorCode(err); got != r.want {
				t.Errorf("%s reads: %q, want %q", r.who, got, r.want)
			}
		}
		if _, err := e.a.AssignCase(ctx, e.sv, c.ID, e.sv.User.ID, nil, 0); err != nil {
			t.Fatal(err)
		}
		page, err := e.a.Cases(ctx, e.staff2, kasuhara.CaseFilter{})
		if err != nil || page.Total != 0 {
			t.Errorf("other staff's list: %+v %v", page, err)
		}
		page, err = e.a.Cases(ctx, e.staff, kasuhara.CaseFilter{})
		if err != nil || page.Total != 1 {
			t.Errorf("reporter's list: %+v %v", page, err)
		}
		if _, err := e.a.Cases(ctx, e.staff, kasuhara.CaseFilter{OrgIDs: []int64{e.other.User.OrgID}}); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("listing another organization: %v", err)
		}
		if _, err := e.a.AddAttachment(ctx, e.staff2, c.ID, app.AttachmentInput{Name: "a.txt", Data: []byte("x")}); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("other staff attaches: %v", err)
		}
		att, err := e.a.AddAttachment(ctx, e.staff, c.ID, app.AttachmentInput{Name: "録音.m4a", ContentType: "audio/mp4", Data: []byte("RIFF....")})
		if err != nil || att.Size != 8 || len(att.SHA256) != 64 {
			t.Fatalf("attach: %v %+v", err, att)
		}
		fix, err := e.a.AddAttachment(ctx, e.staff, c.ID, app.AttachmentInput{Name: "録音.m4a", Data: []byte("RIFF....!"), Supersedes: &att.ID})
		if err != nil || fix.Supersedes == nil {
			t.Fatalf("new version: %v", err)
		}
		if _, err := e.a.Attachment(ctx, e.staff2, c.ID, att.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("other staff downloads: %v", err)
		}
		if got, err := e.a.Attachment(ctx, e.auditor, c.ID, att.ID); err != nil || string(got.Data) != "RIFF...." {
			t.Errorf("auditor downloads: %v", err)
		}
	})
}

func TestCase_CSVExportHasBOMAndPersonalDataOnlyForAllowedRoles(t *testing.T) {
	e := newCaseEnv(t, sqltest.Open(t, sqlstore.SQLite), "lall-hokenshi-2022")
	ctx := context.Background()
	e.report("phone", "mental-attack")
	for _, r := range []struct {
		p        *kasuhara.Principal
		personal bool
		err      string
	}{{e.sv, true, ""}, {e.admin, false, ""}, {e.staff, false, kasuhara.EFORBIDDEN}} {
		var buf bytes.Buffer
		personal, err := e.a.ExportCases(ctx, r.p, kasuhara.CaseFilter{}, "ja", &buf)
		if kasuhara.ErrorCode(err) != r.err {
			t.Fatalf("%s: %v", r.p.User.Email, err)
		}
		if err != nil {
			continue
		}
		out := buf.String()
		if !strings.HasPrefix(out, "\ufeff") || personal != r.personal || strings.Contains(out, "山田 太郎") != r.personal {
			t.Errorf("%s: personal %v, BOM %v\n%s", r.p.User.Email, personal, strings.HasPrefix(out, "\ufeff"), out)
		}
	}
}

func TestCustomer_RepeatFlagRestrictionAndLookup(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newCaseEnv(t, db, "tokyo-ishi-kyodo-2025")
		ctx := context.Background()
		var c *kasuhara.Case
		for i := 0; i < app.DefaultRepeatCases; i++ {
			c = e.report("phone", "mental-attack")
		}
		if c.CustomerID == nil {
			t.Fatal("reports with the same phone number are not linked to one customer")
		}
		d, err := e.a.Customer(ctx, e.sv, e.org.ID, *c.CustomerID)
		if err != nil || !d.Customer.Repeat || len(d.Cases) != app.DefaultRepeatCases || len(d.Contacts) != app.DefaultRepeatCases {
			t.Fatalf("customer after %d cases: %v %+v", app.DefaultRepeatCases, err, d)
		}
		in := app.RestrictionInput{OrgID: e.org.ID, CustomerID: *c.CustomerID, Kind: kasuhara.RestrictRefuseCalls, SanctionID: "restrict-use", Reason: "3か月で3件の暴言"}
		if _, err := e.a.Restrict(ctx, e.staff, in); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("staff restricts: %v", err)
		}
		if _, err := e.a.Restrict(ctx, e.sv, app.RestrictionInput{OrgID: e.org.ID, CustomerID: *c.CustomerID, Kind: "refuse_calls", SanctionID: "nope", Reason: "x"}); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			t.Errorf("unknown sanction: %v", err)
		}
		r, err := e.a.Restrict(ctx, e.sv, in)
		if err != nil || r.ApproverRole != "supervisor" || r.SanctionText == "" {
			t.Fatalf("restrict: %v %+v", err, r)
		}
		staffView, err := e.a.Lookup(ctx, e.staff, app.LookupQuery{OrgID: e.org.ID, Phone: "+81 90 1234 5678"})
		if err != nil || !staffView.Restricted || len(staffView.Say) == 0 || staffView.Restrictions[0].Reason != "" || staffView.Customers != nil {
			t.Errorf("staff lookup: %v %+v", err, staffView)
		}
		svView, err := e.a.Lookup(ctx, e.sv, app.LookupQuery{OrgID: e.org.ID, Phone: "09012345678"})
		if err != nil || !svView.Restricted || svView.Restrictions[0].Reason == "" || len(svView.Customers) != 1 {
			t.Errorf("supervisor lookup: %v %+v", err, svView)
		}
		if res, _ := e.a.Lookup(ctx, e.staff, app.LookupQuery{OrgID: e.org.ID, Phone: "09012345678", Channel: "email"}); res.Restricted {
			t.Error("a call restriction restricts email")
		}
		if _, err := e.a.Lookup(ctx, e.other, app.LookupQuery{OrgID: e.org.ID, Phone: "09012345678"}); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("other organization looks up: %v", err)
		}
		if _, err := e.a.LiftRestriction(ctx, e.sv, e.org.ID, r.ID, "謝罪と誓約書"); err != nil {
			t.Fatal(err)
		}
		if res, _ := e.a.Lookup(ctx, e.staff, app.LookupQuery{OrgID: e.org.ID, Phone: "09012345678"}); res.Restricted || !res.Known || !res.Repeat {
			t.Errorf("after lifting: %+v", res)
		}
	})
}

func TestRestriction_PolicyNarrowsApprovers(t *testing.T) {
	e := newCaseEnv(t, sqltest.Open(t, sqlstore.SQLite), "tokyo-ishi-kyodo-2025")
	ctx := context.Background()
	src := strings.Replace(string(preset(t, "tokyo-ishi-kyodo-2025")),
		"{id: revoke-membership, kind: revocation_of_membership, text: 会員資格のはく奪, open: true, note: 承認者の定めはありません。}",
		"{id: revoke-membership, kind: revocation_of_membership, text: 会員資格のはく奪, approved_by: [executive]}", 1)
	if _, err := e.a.PublishPolicy(ctx, nil, app.PolicyPublish{OrgID: e.org.ID, Source: []byte(src), EffectiveFrom: e.now, ApprovedBy: "理事会"}); err != nil {
		t.Fatal(err, app.LintDiagnostics(err))
	}
	cu := &kasuhara.Customer{OrgID: e.org.ID, Name: "組合員", MemberNo: "M-001"}
	if err := e.a.CreateCustomer(ctx, e.sv, cu); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(time.Minute)
	e.a.Now = func() time.Time { return e.now.Add(time.Hour) } // past the cache's time-to-live
	in := app.RestrictionInput{OrgID: e.org.ID, CustomerID: cu.ID, Kind: kasuhara.RestrictRevokeMembership, SanctionID: "revoke-membership", Reason: "理事会決議"}
	if _, err := e.a.Restrict(ctx, e.sv, in); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
		t.Errorf("supervisor revokes membership the policy reserves to executives: %v", err)
	}
	if r, err := e.a.Restrict(ctx, e.exec, in); err != nil || r.ApproverRole != "executive" {
		t.Errorf("executive: %v", err)
	}
	// The supervisors who brief the front line hear of it; the approver does not.
	notes, _ := e.db.ListNotifications(ctx, 0, e.sv.User.ID)
	var told bool
	for _, n := range notes {
		told = told || n.Kind == "restriction"
	}
	if !told {
		t.Errorf("supervisor not notified of the restriction: %+v", notes)
	}
	if notes, _ := e.db.ListNotifications(ctx, 0, e.exec.User.ID); len(notes) > 0 {
		for _, n := range notes {
			if n.Kind == "restriction" {
				t.Errorf("approver notified of their own restriction")
			}
		}
	}
}
