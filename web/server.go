// Package web serves kasuhara over HTTP: server-rendered pages for people and
// the versioned JSON API (/api/v1) for systems, from one route table
// (routes.go). Handlers call the app package; they decide nothing about who
// may do what beyond naming the action.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara/app"
)

// Health is what /readyz asks of the database.
type Health interface {
	Ping(ctx context.Context) error
	MigrationsCurrent(ctx context.Context) (bool, error)
}

// Server is the HTTP side of kasuhara.
type Server struct {
	App    *app.App
	Log    *slog.Logger
	Health Health
	// PoolStats reports the database pool for /metrics; nil to omit.
	PoolStats func() PoolStats
	// SecureCookies marks cookies Secure; set when serving TLS or behind a TLS proxy.
	SecureCookies bool
	// MaxBodyBytes caps request bodies.
	MaxBodyBytes int64
	Version      string

	metrics *metrics
	handler http.Handler
	routes  []route
	// anonymousRoutes matches the routes marked anonymous, so that
	// authenticate can leave them alone before the mux routes the request.
	anonymousRoutes *http.ServeMux
}

// PoolStats is the database pool's state for /metrics.
type PoolStats struct {
	Open, InUse, Idle int
	WaitCount         int64
	WaitDuration      time.Duration
}

// NewServer builds the server and its routes.
func NewServer(a *app.App, log *slog.Logger, health Health) *Server {
	s := &Server{App: a, Log: log, Health: health, MaxBodyBytes: 1 << 20, metrics: newMetrics()}
	s.handler = s.buildRoutes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes returns the route table, for the OpenAPI completeness test and the docs.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.routes))
	for i, rt := range s.routes {
		out[i] = RouteInfo{Method: rt.method, Path: rt.path}
	}
	return out
}

// RouteInfo names one route.
type RouteInfo struct{ Method, Path string }
