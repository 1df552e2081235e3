package web

import (
	"net/http"
	"strconv"

	"github.com/kasuhara/kasuhara/app"
)

// Retention, legal hold and disclosure exports through the API.

func (s *Server) apiRetentionPreview(w http.ResponseWriter, r *http.Request) {
	res, err := s.App.RunRetention(r.Context(), principalFrom(r), true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": res})
}

func (s *Server) apiRetentionRun(w http.ResponseWriter, r *http.Request) {
	res, err := s.App.RunRetention(r.Context(), principalFrom(r), false)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": res})
}

func (s *Server) apiLegalHold(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in struct {
		Hold   bool   `json:"hold"`
		Reason string `json:"reason"`
	}
	if err == nil {
		err = decodeJSON(r.Body, &in)
	}
	if err == nil {
		err = s.App.SetLegalHold(r.Context(), principalFrom(r), id, in.Hold, in.Reason)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"case_id": id, "hold": in.Hold})
}

func (s *Server) apiPrivacyExport(w http.ResponseWriter, r *http.Request) {
	req := app.PrivacyRequest{Email: r.FormValue("email")}
	if c := r.FormValue("customer"); c != "" {
		req.CustomerID, _ = strconv.ParseInt(c, 10, 64)
	}
	d, err := s.App.PrivacyExport(r.Context(), principalFrom(r), req)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="personal-data.json"`)
	writeJSON(w, http.StatusOK, d)
}
