package web

// The customer pages: the registry with a normalized search, and a customer
// with identification, contacts across departments, cases, the repeat flag,
// and restrictions with the forms to impose and lift them. Only
// customer.view roles (supervisor, executive, auditor) reach them, as the
// app layer decides; the restriction forms appear to restriction.set roles,
// and the app checks the caller against the roles the policy allows for the
// measure. The API (cases_api.go) shares the app calls.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/i18n"
)

func (s *Server) customersPage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	q := r.URL.Query()
	f := kasuhara.CustomerFilter{OrgID: p.User.OrgID, Query: q.Get("q"), Limit: 50}
	if checked(q.Get("repeat")) {
		repeat := true
		f.Repeat = &repeat
	}
	cur, err := formID("cursor", q.Get("cursor"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if cur != nil {
		f.Cursor = *cur
	}
	items, total, err := s.App.Customers(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	next := ""
	if len(items) == f.Limit {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", strconv.FormatInt(items[len(items)-1].ID, 10))
		next = "/customers?" + nq.Encode()
	}
	s.render(w, r, http.StatusOK, "customers", map[string]any{"Items": items, "Total": total, "Q": q, "Next": next})
}

// measureOption is a measure of the policy as the restriction form offers it.
type measureOption struct {
	ID, Text, Kind string
	Approvers      string // the roles the policy allows, localized
	Allowed        bool   // the viewer holds one of them
}

type customerView struct {
	*app.CustomerDetail
	Active, Past []*kasuhara.Restriction
	Measures     []measureOption
	Kinds        []string
	CanRestrict  bool
	DeptNames    map[int64]string
	Channels     map[string]string // a restriction's channels, localized
	Error        string
	Form         url.Values
	// LiftError names the restriction whose lift form failed.
	LiftError   int64
	DefaultFrom string
}

func (s *Server) customerPage(w http.ResponseWriter, r *http.Request) {
	s.showCustomer(w, r, http.StatusOK, "", nil, 0)
}

func (s *Server) showCustomer(w http.ResponseWriter, r *http.Request, status int, errMsg string, form url.Values, liftErr int64) {
	p := principalFrom(r)
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d, err := s.App.Customer(r.Context(), p, p.User.OrgID, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lang := langFrom(r)
	now := s.App.Now()
	v := customerView{CustomerDetail: d, CanRestrict: kasuhara.Authorize(p, kasuhara.ActRestrictionSet, p.User.OrgID) == nil,
		DeptNames: map[int64]string{}, Channels: map[string]string{}, Error: errMsg, Form: form, LiftError: liftErr,
		DefaultFrom: now.In(jst).Format("2006-01-02T15:04")}
	if v.Form == nil {
		v.Form = url.Values{}
	}
	for _, rs := range d.Restrictions {
		if rs.ActiveAt(now) || (rs.LiftedAt == nil && rs.Start.After(now)) {
			v.Active = append(v.Active, rs)
		} else {
			v.Past = append(v.Past, rs)
		}
		names := make([]string, len(rs.Channels))
		for i, ch := range rs.Channels {
			names[i] = i18n.T(lang, "policy.channel."+ch)
		}
		v.Channels[strconv.FormatInt(rs.ID, 10)] = strings.Join(names, "・")
	}
	for k := range kasuhara.RestrictionKinds {
		v.Kinds = append(v.Kinds, k)
	}
	// The order of severity staff know: calls, email, entry, use, membership.
	order := map[string]int{kasuhara.RestrictRefuseCalls: 0, kasuhara.RestrictStopEmail: 1, kasuhara.RestrictNoEntry: 2,
		kasuhara.RestrictSuspendUse: 3, kasuhara.RestrictRevokeMembership: 4}
	slices.SortFunc(v.Kinds, func(a, b string) int { return order[a] - order[b] })
	if v.CanRestrict {
		if _, doc, err := s.App.CurrentPolicy(r.Context(), p, p.User.OrgID); err == nil && doc != nil {
			for _, m := range doc.Sanctions.Measures {
				_, roles, err := app.ApproverRoles(doc, m.ID)
				if err != nil {
					continue
				}
				opt := measureOption{ID: m.ID, Text: m.Text, Kind: m.Kind}
				names := make([]string, len(roles))
				for i, role := range roles {
					names[i] = i18n.T(lang, "role."+string(role))
					if p.User.HasRole(role) {
						opt.Allowed = true
					}
				}
				opt.Approvers = strings.Join(names, "・")
				v.Measures = append(v.Measures, opt)
			}
		}
	}
	if depts, err := s.App.ListDepartments(r.Context(), p, p.User.OrgID); err == nil {
		for _, dep := range depts {
			v.DeptNames[dep.ID] = dep.Name
		}
	}
	s.render(w, r, status, "customer", v)
}

// customerFormFailed shows the customer page again with the form's values
// and the localized error when the app refused it for a reason the person
// can fix; other errors go to the error page.
func (s *Server) customerFormFailed(w http.ResponseWriter, r *http.Request, err error, liftID int64) {
	code, _, msg := localize(langFrom(r), err)
	switch code {
	case kasuhara.EINVALID, kasuhara.ECONFLICT, kasuhara.EFORBIDDEN:
		s.showCustomer(w, r, statusOf[code], msg, r.PostForm, liftID)
	default:
		s.Error(w, r, err)
	}
}

func (s *Server) restrictionSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	r.ParseForm()
	in := app.RestrictionInput{OrgID: p.User.OrgID, CustomerID: id, Kind: r.PostFormValue("kind"), SanctionID: r.PostFormValue("sanction_id"),
		Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if in.Reason == "" {
		err = kasuhara.FieldError("reason", "error.field.required")
	}
	var start *time.Time
	if err == nil {
		start, err = formTime("start", r.PostFormValue("start"))
	}
	if err == nil && start != nil {
		in.Start = *start
	}
	if err == nil {
		in.End, err = formTime("end", r.PostFormValue("end"))
	}
	if err == nil {
		in.ReviewAt, err = formTime("review_at", r.PostFormValue("review_at"))
	}
	if err == nil && in.End != nil && !in.End.After(orNow(start, s.App.Now())) {
		err = kasuhara.FieldError("end", "customers.error.end_before_start")
	}
	if err == nil {
		in.CaseID, err = formID("case_id", r.PostFormValue("case_id"))
	}
	if err == nil {
		_, err = s.App.Restrict(r.Context(), p, in)
	}
	if err != nil {
		s.customerFormFailed(w, r, err, 0)
		return
	}
	s.flash(w, "customers.flash.restricted")
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func orNow(t *time.Time, now time.Time) time.Time {
	if t == nil {
		return now
	}
	return *t
}

func (s *Server) restrictionLiftSubmit(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	id, err := pathID(r)
	var rid int64
	if err == nil {
		rid, err = strconv.ParseInt(r.PathValue("rid"), 10, 64)
	}
	if err != nil {
		s.Error(w, r, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"})
		return
	}
	r.ParseForm()
	// The restriction must be this customer's, so a lift form cannot reach
	// another customer's restriction through this page's address.
	d, err := s.App.Customer(r.Context(), p, p.User.OrgID, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	found := false
	for _, rs := range d.Restrictions {
		found = found || rs.ID == rid
	}
	if !found {
		s.Error(w, r, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.not_found", Message: "not found"})
		return
	}
	if _, err := s.App.LiftRestriction(r.Context(), p, p.User.OrgID, rid, r.PostFormValue("reason")); err != nil {
		s.customerFormFailed(w, r, err, rid)
		return
	}
	s.flash(w, "customers.flash.lifted")
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
