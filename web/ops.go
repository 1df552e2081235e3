package web

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
)

//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.Version})
}

// readyz answers 503 while the database is unreachable or its schema is
// behind this binary, so a load balancer sends traffic elsewhere.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Health.Ping(ctx); err != nil {
		s.Log.Warn("readyz: database unreachable", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	ok, err := s.Health.MigrationsCurrent(ctx)
	if err != nil || !ok {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "migrations": "pending"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": "ok", "migrations": "current"})
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.Error(w, r, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.page_not_found", Message: "page not found"})
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.Error(w, r, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Key: "error.route_not_found", Message: "no such API route"})
}
