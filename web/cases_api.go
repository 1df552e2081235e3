package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
)

// caseReportRequest is the JSON body of POST /api/v1/cases.
type caseReportRequest struct {
	OrgID            *int64    `json:"org_id"`
	Channel          string    `json:"channel"`
	OccurredAt       time.Time `json:"occurred_at"`
	Place            string    `json:"place"`
	DepartmentID     *int64    `json:"department_id"`
	CustomerID       *int64    `json:"customer_id"`
	CustomerName     string    `json:"customer_name"`
	CustomerPhone    string    `json:"customer_phone"`
	CustomerEmail    string    `json:"customer_email"`
	CustomerMember   string    `json:"customer_member"`
	Demand           string    `json:"demand"`
	Narrative        string    `json:"narrative"`
	Types            []string  `json:"types"`
	StaffInvolved    string    `json:"staff_involved"`
	StaffCount       int       `json:"staff_count"`
	StaffInjured     bool      `json:"staff_injured"`
	WantsToTalk      bool      `json:"wants_to_talk"`
	StaffCondition   string    `json:"staff_condition"`
	DurationMinutes  int       `json:"duration_minutes"`
	Recorded         bool      `json:"recorded"`
	RecordingConsent bool      `json:"recording_consent"`
}

func (s *Server) apiCaseCreate(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	var req caseReportRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	in := app.CaseReport{Channel: req.Channel, OccurredAt: req.OccurredAt, Place: req.Place, DepartmentID: req.DepartmentID,
		CustomerID: req.CustomerID, CustomerName: req.CustomerName, CustomerPhone: req.CustomerPhone, CustomerEmail: req.CustomerEmail,
		CustomerMember: req.CustomerMember, Demand: req.Demand, Narrative: req.Narrative, Types: req.Types, StaffInvolved: req.StaffInvolved,
		StaffCount: req.StaffCount, StaffInjured: req.StaffInjured, WantsToTalk: req.WantsToTalk, StaffCondition: req.StaffCondition,
		DurationMinutes: req.DurationMinutes, Recorded: req.Recorded, RecordingConsent: req.RecordingConsent}
	if req.OrgID != nil {
		in.OrgID = *req.OrgID
	}
	if in.StaffCount < 0 || in.DurationMinutes < 0 {
		s.Error(w, r, kasuhara.FieldError("staff_count", "error.field.range", 0, 100))
		return
	}
	res, err := s.App.ReportCase(r.Context(), p, in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(res.Case.ID, 10))
	writeJSON(w, http.StatusCreated, res)
}

func (s *Server) apiCases(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	f, err := caseFilterFrom(r, p)
	var page *kasuhara.CasePage
	if err == nil {
		page, err = s.App.Cases(r.Context(), p, f)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var d *app.CaseDetail
	if err == nil {
		d, err = s.App.Case(r.Context(), principalFrom(r), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// caseUpdateRequest: absent fields stay; "department_id" and "customer_id" may be null to clear.
type caseUpdateRequest struct {
	Revision         int             `json:"revision"`
	Channel          *string         `json:"channel"`
	OccurredAt       *time.Time      `json:"occurred_at"`
	Place            *string         `json:"place"`
	DepartmentID     json.RawMessage `json:"department_id"`
	CustomerID       json.RawMessage `json:"customer_id"`
	Demand           *string         `json:"demand"`
	Narrative        *string         `json:"narrative"`
	Types            []string        `json:"types"`
	StaffInvolved    *string         `json:"staff_involved"`
	StaffCount       *int            `json:"staff_count"`
	StaffInjured     *bool           `json:"staff_injured"`
	WantsToTalk      *bool           `json:"wants_to_talk"`
	StaffCondition   *string         `json:"staff_condition"`
	Recorded         *bool           `json:"recorded"`
	RecordingConsent *bool           `json:"recording_consent"`
	Response         *string         `json:"response"`
	ReportFiled      *bool           `json:"report_filed"`
}

func optionalID(field string, raw json.RawMessage) (**int64, error) {
	if raw == nil {
		return nil, nil
	}
	var v *int64
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, kasuhara.FieldError(field, "error.json.type", "integer or null")
	}
	return &v, nil
}

func (s *Server) apiCaseUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req caseUpdateRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	u := app.CaseUpdate{Revision: req.Revision, Channel: req.Channel, OccurredAt: req.OccurredAt, Place: req.Place, Demand: req.Demand,
		Narrative: req.Narrative, Types: req.Types, StaffInvolved: req.StaffInvolved, StaffCount: req.StaffCount, StaffInjured: req.StaffInjured,
		WantsToTalk: req.WantsToTalk, StaffCondition: req.StaffCondition, Recorded: req.Recorded, RecordingConsent: req.RecordingConsent,
		Response: req.Response, ReportFiled: req.ReportFiled}
	if u.DepartmentID, err = optionalID("department_id", req.DepartmentID); err == nil {
		u.CustomerID, err = optionalID("customer_id", req.CustomerID)
	}
	var res *app.CaseResult
	if err == nil {
		res, err = s.App.UpdateCase(r.Context(), principalFrom(r), id, u)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// caseAPI decodes req and runs do for case {id}, answering the CaseResult.
func caseAPI[T any](s *Server, w http.ResponseWriter, r *http.Request, do func(p *kasuhara.Principal, id int64, req *T) (any, error)) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req T
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	out, err := do(principalFrom(r), id, &req)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

type transitionRequest struct {
	To       string `json:"to"`
	Reason   string `json:"reason"`
	Override string `json:"override"`
	Revision int    `json:"revision"`
}

func (s *Server) apiCaseTransition(w http.ResponseWriter, r *http.Request) {
	caseAPI(s, w, r, func(p *kasuhara.Principal, id int64, req *transitionRequest) (any, error) {
		return s.App.TransitionCase(r.Context(), p, id, app.Transition{To: kasuhara.CaseState(req.To), Reason: req.Reason, Override: req.Override, Revision: req.Revision})
	})
}

type assessRequest struct {
	DemandValidity   string `json:"demand_validity"`
	MeansAppropriate *bool  `json:"means_appropriate"`
	Assessment       string `json:"assessment"`
	Revision         int    `json:"revision"`
}

func (s *Server) apiCaseAssess(w http.ResponseWriter, r *http.Request) {
	caseAPI(s, w, r, func(p *kasuhara.Principal, id int64, req *assessRequest) (any, error) {
		return s.App.AssessCase(r.Context(), p, id, app.Assessment{DemandValidity: req.DemandValidity, MeansAppropriate: req.MeansAppropriate, Text: req.Assessment, Revision: req.Revision})
	})
}

type escalateRequest struct {
	To          string `json:"to"`
	ExecutiveID int64  `json:"executive_id"`
	Station     string `json:"station"`
	ReportNo    string `json:"report_no"`
	Lawyer      string `json:"lawyer"`
	Revision    int    `json:"revision"`
}

func (s *Server) apiCaseEscalate(w http.ResponseWriter, r *http.Request) {
	caseAPI(s, w, r, func(p *kasuhara.Principal, id int64, req *escalateRequest) (any, error) {
		return s.App.EscalateCase(r.Context(), p, id, app.Escalation{To: req.To, ExecutiveID: req.ExecutiveID, Station: req.Station, ReportNo: req.ReportNo, Lawyer: req.Lawyer, Revision: req.Revision})
	})
}

type assignRequest struct {
	AssigneeID int64      `json:"assignee_id"`
	DueAt      *time.Time `json:"due_at"`
	Revision   int        `json:"revision"`
}

func (s *Server) apiCaseAssign(w http.ResponseWriter, r *http.Request) {
	caseAPI(s, w, r, func(p *kasuhara.Principal, id int64, req *assignRequest) (any, error) {
		return s.App.AssignCase(r.Context(), p, id, req.AssigneeID, req.DueAt, req.Revision)
	})
}

type contactRequest struct {
	Channel    string    `json:"channel"`
	At         time.Time `json:"at"`
	Minutes    int       `json:"duration_minutes"`
	StaffCount int       `json:"staff_count"`
	StaffNames string    `json:"staff_names"`
	Summary    string    `json:"summary"`
}

func (s *Server) apiCaseContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req contactRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	ct := &kasuhara.Contact{Channel: req.Channel, At: req.At, Minutes: req.Minutes, StaffCount: req.StaffCount, StaffNames: req.StaffNames, Summary: req.Summary}
	if err := s.App.AddContact(r.Context(), principalFrom(r), id, ct); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ct)
}

// apiCaseAttach takes the file as the raw request body (at most the
// server's body limit), its name in ?name=, and optionally ?supersedes=
// and ?note=.
func (s *Server) apiCaseAttach(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sup, err := formID("supersedes", r.URL.Query().Get("supersedes"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ct := r.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 && !strings.HasPrefix(ct, "text/") {
		ct = ct[:i]
	}
	att, err := s.App.AddAttachment(r.Context(), principalFrom(r), id, app.AttachmentInput{Name: r.URL.Query().Get("name"), ContentType: ct,
		Body: r.Body, SizeHint: r.ContentLength, Supersedes: sup, Note: r.URL.Query().Get("note")})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, att)
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) {
	ns, err := s.App.MyNotifications(r.Context(), principalFrom(r))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[*kasuhara.Notification]{ns, len(ns)})
}

// Customers.

type customerRequest struct {
	OrgID    *int64 `json:"org_id"`
	Name     string `json:"name"`
	Kana     string `json:"kana"`
	Phone    string `json:"phone"`
	Email    string `json:"email"`
	MemberNo string `json:"member_no"`
	Address  string `json:"address"`
	Note     string `json:"note"`
}

func (req *customerRequest) customer(p *kasuhara.Principal) *kasuhara.Customer {
	c := &kasuhara.Customer{OrgID: p.User.OrgID, Name: req.Name, Kana: req.Kana, Phone: req.Phone, Email: req.Email, MemberNo: req.MemberNo, Address: req.Address, Note: req.Note}
	if req.OrgID != nil {
		c.OrgID = *req.OrgID
	}
	return c
}

func (s *Server) apiCustomerCreate(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	var req customerRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	c := req.customer(p)
	if err := s.App.CreateCustomer(r.Context(), p, c); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/customers/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiCustomerUpdate(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req customerRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	c := req.customer(p)
	c.ID = id
	if err := s.App.UpdateCustomer(r.Context(), p, c); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiCustomers(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	f := kasuhara.CustomerFilter{OrgID: orgID, Query: r.URL.Query().Get("q")}
	if err == nil {
		f.Limit, err = queryInt(r, "limit", 50, 1, 500)
	}
	if err == nil {
		var cur *int64
		if cur, err = formID("cursor", r.URL.Query().Get("cursor")); cur != nil {
			f.Cursor = *cur
		}
	}
	if v := r.URL.Query().Get("repeat"); v != "" {
		b := checked(v)
		f.Repeat = &b
	}
	var items []*kasuhara.Customer
	var total int
	if err == nil {
		items, total, err = s.App.Customers(r.Context(), p, f)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := map[string]any{"items": items, "total": total}
	if len(items) == f.Limit {
		out["next_cursor"] = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCustomer(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	var id int64
	if err == nil {
		id, err = pathID(r)
	}
	var d *app.CustomerDetail
	if err == nil {
		d, err = s.App.Customer(r.Context(), p, orgID, id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// apiCustomerLookup is the front-line lookup a phone system may call on
// every incoming call: ?phone=, ?email= or ?member=, optionally ?channel=.
func (s *Server) apiCustomerLookup(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	orgID, err := orgParam(r, p)
	var res *app.LookupResult
	if err == nil {
		q := r.URL.Query()
		res, err = s.App.Lookup(r.Context(), p, app.LookupQuery{OrgID: orgID, Phone: q.Get("phone"), Email: q.Get("email"), Member: q.Get("member"), Channel: q.Get("channel")})
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

type restrictionRequest struct {
	OrgID      *int64     `json:"org_id"`
	CaseID     *int64     `json:"case_id"`
	Kind       string     `json:"kind"`
	Channels   []string   `json:"channels"`
	SanctionID string     `json:"sanction_id"`
	Reason     string     `json:"reason"`
	Start      *time.Time `json:"start"`
	End        *time.Time `json:"end"`
	ReviewAt   *time.Time `json:"review_at"`
}

func (s *Server) apiRestrictionCreate(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req restrictionRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	in := app.RestrictionInput{OrgID: p.User.OrgID, CustomerID: id, CaseID: req.CaseID, Kind: req.Kind, Channels: req.Channels,
		SanctionID: req.SanctionID, Reason: req.Reason, End: req.End, ReviewAt: req.ReviewAt}
	if req.OrgID != nil {
		in.OrgID = *req.OrgID
	}
	if req.Start != nil {
		in.Start = *req.Start
	}
	res, err := s.App.Restrict(r.Context(), p, in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

type liftRequest struct {
	OrgID  *int64 `json:"org_id"`
	Reason string `json:"reason"`
}

func (s *Server) apiRestrictionLift(r *http.Request, p *kasuhara.Principal, id int64, req *liftRequest) (*kasuhara.Restriction, error) {
	return s.App.LiftRestriction(r.Context(), p, orgOrOwn(p, req.OrgID), id, req.Reason)
}
