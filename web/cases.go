package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/policy"
)

// The case pages: the quick report (/cases/new) for staff on a phone, the
// list with filters and CSV export, and the case with its timeline,
// judgement and actions. The API (cases_api.go) shares the app calls.

// formTime reads a datetime-local value (JST) or an RFC 3339 time.
func formTime(field, v string) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, jst); err == nil {
			return &t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	return nil, kasuhara.FieldError(field, "cases.error.time")
}

func formInt(field, v string, max int) (int, error) {
	if strings.TrimSpace(v) == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > max {
		return 0, kasuhara.FieldError(field, "error.field.range", 0, max)
	}
	return n, nil
}

func formID(field, v string) (*int64, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return nil, kasuhara.FieldError(field, "error.field.id")
	}
	return &n, nil
}

func checked(v string) bool { return v == "1" || v == "on" || v == "true" }

// typeOption is one behaviour type as the organization words it.
type typeOption struct {
	ID, Number, Label string
	Immediate         bool
	Checked           bool
	// Quotes are the words of the report for which the detector suggests
	// the type; empty when it does not.
	Quotes []string
}

func typeOptions(doc *policy.Policy, selected []string) []typeOption {
	var out []typeOption
	if doc == nil {
		return out
	}
	sel := map[string]bool{}
	for _, s := range selected {
		sel[s] = true
	}
	for _, t := range doc.Harassment.Types {
		out = append(out, typeOption{ID: t.ID, Number: t.Number, Label: t.Label, Immediate: t.ImmediateReport, Checked: sel[t.ID]})
	}
	return out
}

// quickReportPage shows the quick report form with the organization's own behaviour types.
func (s *Server) quickReportPage(w http.ResponseWriter, r *http.Request) {
	s.quickReportForm(w, r, http.StatusOK, url.Values{}, "")
}

func (s *Server) quickReportForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, errMsg string) {
	s.quickReportFormWith(w, r, status, form, errMsg, nil)
}

// quickReportFormWith shows the form; suggestions, when the staff member
// asked for them, mark the types the detector found with the words it
// quoted (the form then arrives with those types ticked).
func (s *Server) quickReportFormWith(w http.ResponseWriter, r *http.Request, status int, form url.Values, errMsg string, suggestions []app.TypeSuggestion) {
	p := principalFrom(r)
	if err := kasuhara.Authorize(p, kasuhara.ActCaseCreate, p.User.OrgID); err != nil {
		s.Error(w, r, err)
		return
	}
	_, doc, err := s.App.CurrentPolicy(r.Context(), p, p.User.OrgID)
	if err != nil && kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
		s.Error(w, r, err)
		return
	}
	if form.Get("occurred_at") == "" {
		form.Set("occurred_at", s.App.Now().In(jst).Format("2006-01-02T15:04"))
	}
	if form.Get("channel") == "" {
		form.Set("channel", "face_to_face")
	}
	types := typeOptions(doc, form["types"])
	quotes := map[string][]string{}
	for _, sg := range suggestions {
		quotes[sg.TypeID] = sg.Quotes
	}
	for i := range types {
		types[i].Quotes = quotes[types[i].ID]
	}
	s.render(w, r, status, "case_new", map[string]any{
		"Form": form, "Types": types, "Channels": kasuhara.Channels, "NoPolicy": doc == nil, "Error": errMsg,
		"Suggested": suggestions != nil, "SuggestedNone": suggestions != nil && len(suggestions) == 0,
	})
}

// caseReportFromForm reads the quick report form (or the same fields of a JSON request).
func caseReportFromForm(f url.Values) (app.CaseReport, error) {
	in := app.CaseReport{
		Channel: f.Get("channel"), Place: f.Get("place"), CustomerName: f.Get("customer_name"), CustomerPhone: f.Get("customer_phone"),
		CustomerEmail: f.Get("customer_email"), CustomerMember: f.Get("customer_member"), Demand: f.Get("demand"), Narrative: f.Get("narrative"),
		Types: f["types"], StaffInvolved: f.Get("staff_involved"), StaffInjured: checked(f.Get("staff_injured")),
		WantsToTalk: checked(f.Get("wants_to_talk")), StaffCondition: f.Get("staff_condition"), Recorded: checked(f.Get("recorded")),
		RecordingConsent: checked(f.Get("recording_consent")),
	}
	at, err := formTime("occurred_at", f.Get("occurred_at"))
	if err != nil {
		return in, err
	}
	if at == nil {
		return in, kasuhara.FieldError("occurred_at", "error.field.required")
	}
	in.OccurredAt = *at
	if in.StaffCount, err = formInt("staff_count", f.Get("staff_count"), 100); err != nil {
		return in, err
	}
	if in.DurationMinutes, err = formInt("duration_minutes", f.Get("duration_minutes"), 24*60); err != nil {
		return in, err
	}
	return in, nil
}

func (s *Server) quickReportSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.form", Message: "bad form"})
		return
	}
	if r.PostForm.Get("suggest") != "" {
		s.quickReportSuggest(w, r)
		return
	}
	in, err := caseReportFromForm(r.PostForm)
	var res *app.CaseResult
	if err == nil {
		res, err = s.App.ReportCase(r.Context(), p, in)
	}
	if err != nil {
		code, _, msg := localize(langFrom(r), err)
		if code == kasuhara.EINVALID || code == kasuhara.ETOOLARGE {
			s.quickReportForm(w, r, statusOf[code], r.PostForm, msg)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(w, "cases.flash.reported")
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(res.Case.ID, 10)+"?reported=1", http.StatusSeeOther)
}

// caseFilterFrom reads list filters from the query string; pages and the API share it.
func caseFilterFrom(r *http.Request, p *kasuhara.Principal) (kasuhara.CaseFilter, error) {
	q := r.URL.Query()
	f := kasuhara.CaseFilter{State: kasuhara.CaseState(q.Get("state")), Type: q.Get("type"), Channel: q.Get("channel"),
		Query: q.Get("q"), Overdue: checked(q.Get("overdue")), Cursor: q.Get("cursor"), Code: kasuhara.BehaviourCode(q.Get("code"))}
	if f.State != "" && !f.State.Valid() {
		return f, kasuhara.FieldError("state", "cases.error.state")
	}
	if f.Channel != "" && !kasuhara.ValidChannel(f.Channel) {
		return f, kasuhara.FieldError("channel", "cases.error.channel")
	}
	if v := q.Get("org"); v != "" {
		id, err := formID("org", v)
		if err != nil {
			return f, err
		}
		f.OrgIDs = []int64{*id}
	}
	var err error
	if f.DepartmentID, err = formID("department", q.Get("department")); err != nil {
		return f, err
	}
	if f.CustomerID, err = formID("customer", q.Get("customer")); err != nil {
		return f, err
	}
	if v := q.Get("assignee"); v == "me" {
		f.AssigneeID = &p.User.ID
	} else if f.AssigneeID, err = formID("assignee", v); err != nil {
		return f, err
	}
	if f.From, err = formTime("from", q.Get("from")); err != nil {
		return f, err
	}
	if f.To, err = formTime("to", q.Get("to")); err != nil {
		return f, err
	}
	if f.To != nil && len(q.Get("to")) == len("2006-01-02") {
		t := f.To.AddDate(0, 0, 1) // a date "to" includes that day
		f.To = &t
	}
	limit, err := queryInt(r, "limit", 50, 1, 500)
	f.Limit = limit
	return f, err
}

func (s *Server) casesPage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	f, err := caseFilterFrom(r, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page, err := s.App.Cases(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	_, doc, _ := s.App.CurrentPolicy(r.Context(), p, p.User.OrgID)
	depts, _ := s.App.ListDepartments(r.Context(), p, p.User.OrgID)
	deptNames := map[int64]string{}
	for _, d := range depts {
		deptNames[d.ID] = d.Name
	}
	next := ""
	if page.NextCursor != "" {
		q := r.URL.Query()
		q.Set("cursor", page.NextCursor)
		next = "/cases?" + q.Encode()
	}
	q := r.URL.Query()
	q.Del("cursor")
	s.render(w, r, http.StatusOK, "cases", map[string]any{
		"Page": page, "Q": r.URL.Query(), "States": kasuhara.CaseStates, "Channels": kasuhara.Channels, "Types": typeOptions(doc, nil),
		"TypeLabels": typeLabels(doc), "Departments": depts, "DeptNames": deptNames, "Next": next, "Export": "/cases/export.csv?" + q.Encode(),
	})
}

func typeLabels(doc *policy.Policy) map[string]string {
	m := map[string]string{}
	if doc != nil {
		for _, t := range doc.Harassment.Types {
			m[t.ID] = strings.TrimSpace(t.Number + " " + t.Label)
		}
	}
	return m
}

// casesExport streams the filtered list as CSV (UTF-8 with BOM).
func (s *Server) casesExport(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	f, err := caseFilterFrom(r, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f.Cursor = ""
	// Build in memory first so an error can still become a clean error response.
	var buf strings.Builder
	if _, err := s.App.ExportCases(r.Context(), p, f, langFrom(r), &buf); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="cases-`+s.App.Now().In(jst).Format("20060102-1504")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, buf.String())
}

// caseView is the data of the case page.
type caseView struct {
	*app.CaseDetail
	TypeLabels  map[string]string
	DeptName    string
	Assignees   []*kasuhara.User
	Executives  []*kasuhara.User
	UserNames   map[int64]string
	Reported    bool
	CanHandle   bool
	CanEscalate bool
	CanAdd      bool
	IsExec      bool
	Error       string
	Warnings    []policy.UnmetRule
	States      []kasuhara.CaseState
	Channels    []string
	// Legal hold (法的保全): shown to those who may set it.
	CanHold    bool
	Held       bool
	HoldReason string
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	s.showCase(w, r, http.StatusOK, "", nil)
}

func (s *Server) showCase(w http.ResponseWriter, r *http.Request, status int, errMsg string, warnings []policy.UnmetRule) {
	p := principalFrom(r)
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d, err := s.App.Case(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	c := d.Case
	v := caseView{CaseDetail: d, TypeLabels: typeLabels(d.Policy), Reported: r.URL.Query().Get("reported") == "1", Error: errMsg, Warnings: warnings,
		CanHandle: kasuhara.Authorize(p, kasuhara.ActCaseHandle, c.OrgID) == nil, CanEscalate: kasuhara.Authorize(p, kasuhara.ActCaseEscalate, c.OrgID) == nil,
		CanAdd: kasuhara.Authorize(p, kasuhara.ActCaseContribute, c.OrgID) == nil, IsExec: p.User.HasRole(kasuhara.RoleExecutive), UserNames: map[int64]string{},
		States: kasuhara.CaseStates, Channels: kasuhara.Channels}
	if c.DepartmentID != nil {
		if dep, err := s.App.Store.FindDepartment(r.Context(), c.OrgID, *c.DepartmentID); err == nil {
			v.DeptName = dep.Name
		}
	}
	if v.CanHold = kasuhara.Authorize(p, kasuhara.ActLegalHold, c.OrgID) == nil; v.CanHold {
		if v.Held, v.HoldReason, err = s.App.Store.LegalHold(r.Context(), c.OrgID, c.ID); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	for _, uid := range []*int64{&c.ReporterID, c.AssigneeID, c.AssessedBy, c.Escalation.ExecutiveID} {
		if uid != nil {
			if u, err := s.App.Store.FindUserByID(r.Context(), *uid); err == nil && p.Reaches(u.OrgID) {
				v.UserNames[u.ID] = u.Name
			}
		}
	}
	if v.CanHandle {
		for _, role := range []kasuhara.Role{kasuhara.RoleSupervisor, kasuhara.RoleExecutive} {
			us, _, _ := s.App.Store.ListUsers(r.Context(), kasuhara.UserFilter{OrgID: c.OrgID, Role: role, Limit: 200})
			v.Assignees = append(v.Assignees, us...)
			if role == kasuhara.RoleExecutive {
				v.Executives = us
			}
		}
	}
	s.render(w, r, status, "case", v)
}

// caseAction runs one POST action of the case page and shows the case
// again: with the error in place when the input or a rule refused it.
func (s *Server) caseAction(w http.ResponseWriter, r *http.Request, do func(p *kasuhara.Principal, id int64) ([]policy.UnmetRule, error)) {
	p := principalFrom(r)
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		s.Error(w, r, &kasuhara.Error{Code: kasuhara.EINVALID, Key: "error.form", Message: "bad form"})
		return
	}
	warnings, err := do(p, id)
	if err != nil {
		code, _, msg := localize(langFrom(r), err)
		if code == kasuhara.EINVALID || code == kasuhara.ECONFLICT || code == kasuhara.ETOOLARGE {
			s.showCase(w, r, statusOf[code], msg, nil)
			return
		}
		s.Error(w, r, err)
		return
	}
	if len(warnings) > 0 {
		s.showCase(w, r, http.StatusOK, "", warnings)
		return
	}
	s.flash(w, "cases.flash.saved")
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// caseLegalHoldSubmit puts the case under legal hold, which stops the
// retention job from deleting or anonymizing anything of it, or releases it.
func (s *Server) caseLegalHoldSubmit(w http.ResponseWriter, r *http.Request) {
	s.caseAction(w, r, func(p *kasuhara.Principal, id int64) ([]policy.UnmetRule, error) {
		return nil, s.App.SetLegalHold(r.Context(), p, id, r.FormValue("hold") == "1", r.FormValue("reason"))
	})
}

func revisionOf(r *http.Request) int {
	n, _ := strconv.Atoi(r.FormValue("revision"))
	return n
}

func (s *Server) caseTransitionSubmit(w http.ResponseWriter, r *http.Request) {
	s.caseAction(w, r, func(p *kasuhara.Principal, id int64) ([]policy.UnmetRule, error) {
		res, err := s.App.TransitionCase(r.Context(), p, id, app.Transition{To: kasuhara.CaseState(r.FormValue("to")),
			Reason: r.FormValue("reason"), Override: r.FormValue("override"), Revision: revisionOf(r)})
		if err != nil {
			return nil, err
		}
		return res.Warnings, nil
	})
}

func (s *Server) caseAssessSubmit(w http.ResponseWriter, r *http.Request) {
	s.caseAction(w, r, func(p *kasuhara.Principal, id int64) ([]policy.UnmetRule, error) {
		var means *bool
		switch r.FormValue("means_appropriate") {
		case "yes":
			b := true
			means = &b
		case "no":
			b := false
			means = &b
		}
		_, err := s.App.AssessCase(r.Context(), p, id, app.Assessment{DemandValidity: r.FormValue("demand_validity"), MeansAppropriate: means,
			Text: r.FormValue("assessment"), Revision: revisionOf(r)})
		return nil, err
	})
}

func (s *Server) caseEscalateSubmit(w http.ResponseWriter, r *http.Request) {
	s.caseAction(w, r, func(p *kasuhara.Principal, id int64) ([]policy.UnmetRule, error) {
		exec, _ := strconv.ParseInt(r.FormValue("executive_id"), 10, 64)
		_, err := s.App.EscalateCase(r.Context(), p, id, app.Escalation{To: r.FormValue("to"), ExecutiveID: exec, Station: r.FormValue("station"),
			ReportNo: r.FormValue("report_no"), Lawyer: r.FormValue("lawyer"), Revision: revisionOf(r)})
		return nil, err
	})
}

func (s *Server) caseAssignSubmit(w http.ResponseWriter, r *http.Request) {
	s.caseAction(w, r, func(p *kasuhara.Principal, id int64) ([]policy.UnmetRule, error) {
		assignee, _ := strconv.ParseInt(r.FormValue("assignee_id"), 10, 64)
		due, err := formTime("due_at", r.FormValue("due_at"))
		if err != nil {
			return nil, err
		}
		_, err = s.App.AssignCase(r.Context(), p, id, assignee, due, revisionOf(r))
		return nil, err
	})
}

func (s *Server) caseContactSubmit(w http.ResponseWriter, r *http.Request) {
	s.caseAction(w, r, func(p *kasuhara.Principal, id int64) ([]policy.UnmetRule, error) {
		ct, err := contactFromForm(r.Form)
		if err != nil {
			return nil, err
		}
		return nil, s.App.AddContact(r.Context(), p, id, ct)
	})
}

func contactFromForm(f url.Values) (*kasuhara.Contact, error) {
	ct := &kasuhara.Contact{Channel: f.Get("channel"), StaffNames: f.Get("staff_names"), Summary: f.Get("summary")}
	at, err := formTime("at", f.Get("at"))
	if err != nil {
		return nil, err
	}
	if at == nil {
		return nil, kasuhara.FieldError("at", "error.field.required")
	}
	ct.At = *at
	if ct.Minutes, err = formInt("duration_minutes", f.Get("duration_minutes"), 24*60); err != nil {
		return nil, err
	}
	if ct.StaffCount, err = formInt("staff_count", f.Get("staff_count"), 100); err != nil {
		return nil, err
	}
	return ct, nil
}

func (s *Server) caseAttachSubmit(w http.ResponseWriter, r *http.Request) {
	s.caseAction(w, r, func(p *kasuhara.Principal, id int64) ([]policy.UnmetRule, error) {
		// The form was parsed by the CSRF check, a large file into a
		// temporary file; the app reads it once, hashing as it goes.
		file, hdr, err := r.FormFile("file")
		if err != nil {
			return nil, kasuhara.FieldError("file", "error.field.required")
		}
		defer file.Close()
		sup, err := formID("supersedes", r.FormValue("supersedes"))
		if err != nil {
			return nil, err
		}
		_, err = s.App.AddAttachment(r.Context(), p, id, app.AttachmentInput{Name: hdr.Filename, ContentType: hdr.Header.Get("Content-Type"),
			Body: file, SizeHint: hdr.Size, Supersedes: sup, Note: r.FormValue("note")})
		return nil, err
	})
}

// caseAttachment serves an attachment's bytes, always as a download so a
// customer's file never renders in the application's origin.
func (s *Server) caseAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var aid int64
	if err == nil {
		aid, err = strconv.ParseInt(r.PathValue("aid"), 10, 64)
	}
	if err != nil {
		s.Error(w, r, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"})
		return
	}
	att, err := s.App.Attachment(r.Context(), principalFrom(r), id, aid)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(att.Name))
	w.Header().Set("X-Content-SHA256", att.SHA256)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(att.Data)
}
