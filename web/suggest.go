package web

// Behaviour-type suggestions for the quick report: the detector reads what
// the staff member wrote and the types of the organization's policy that
// cover what it found come back with the words it quoted. The form works
// without JavaScript (a "suggest" button posts the form and gets it back
// with the types ticked); quick-report.js asks the API instead and ticks the
// same boxes in place. Either way nothing is filed, and the staff member
// decides which types stay ticked.

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
)

// quickReportSuggest answers the form's "suggest" button: the same form,
// its input kept, with the suggested types ticked in addition to those the
// staff member ticked.
func (s *Server) quickReportSuggest(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	form := r.PostForm
	var at time.Time
	if t, err := formTime("occurred_at", form.Get("occurred_at")); err == nil && t != nil {
		at = *t
	}
	sugg, err := s.App.SuggestTypes(r.Context(), p, p.User.OrgID, at, form.Get("demand"), form.Get("narrative"))
	if err != nil {
		code, _, msg := localize(langFrom(r), err)
		if code == kasuhara.EINVALID {
			s.quickReportForm(w, r, statusOf[code], form, msg)
			return
		}
		s.Error(w, r, err)
		return
	}
	for _, sg := range sugg {
		if !has(form["types"], sg.TypeID) {
			form.Add("types", sg.TypeID)
		}
	}
	form.Del("suggest")
	s.quickReportFormWith(w, r, http.StatusOK, form, "", sugg)
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

type suggestRequest struct {
	OrgID      *int64     `json:"org_id"`
	OccurredAt *time.Time `json:"occurred_at"`
	Demand     string     `json:"demand"`
	Narrative  string     `json:"narrative"`
}

func (s *Server) apiTypeSuggestions(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	var req suggestRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	orgID := p.User.OrgID
	if req.OrgID != nil {
		orgID = *req.OrgID
	}
	var at time.Time
	if req.OccurredAt != nil {
		at = *req.OccurredAt
	}
	sugg, err := s.App.SuggestTypes(r.Context(), p, orgID, at, req.Demand, req.Narrative)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[app.TypeSuggestion]{sugg, len(sugg)})
}
