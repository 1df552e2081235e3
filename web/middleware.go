package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/i18n"
)

const (
	sessionCookie = "ksh_session"
	langCookie    = "ksh_lang"
	loginCSRF     = "ksh_login_csrf"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	sessionKey
	langKey
	requestIDKey
)

func principalFrom(r *http.Request) *kasuhara.Principal {
	p, _ := r.Context().Value(principalKey).(*kasuhara.Principal)
	return p
}

func sessionFrom(r *http.Request) *kasuhara.Session {
	s, _ := r.Context().Value(sessionKey).(*kasuhara.Session)
	return s
}

// langFrom returns the language for the response: the signed-in user's
// choice, else the language cookie, else Accept-Language.
func langFrom(r *http.Request) string {
	// An API client that names a language gets it; browsers always send
	// Accept-Language, so for pages the profile's choice wins.
	if h := r.Header.Get("Accept-Language"); h != "" && strings.HasPrefix(r.URL.Path, "/api/") {
		return i18n.Match(h)
	}
	if l, ok := r.Context().Value(langKey).(string); ok {
		return l
	}
	return requestLang(r)
}

func requestLang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && i18n.Supported(c.Value) {
		return c.Value
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// clientIP is the peer address. Forwarded headers are not trusted: behind a
// proxy, run the proxy on the same host or accept that throttling counts the proxy.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// requestContext gives every request an ID (echoed in X-Request-ID and the
// logs) and carries the client's address for the audit trail.
func (s *Server) requestContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-ID", id)
		ctx := kasuhara.WithClient(r.Context(), kasuhara.Client{IP: clientIP(r), UserAgent: r.UserAgent(), RequestID: id})
		ctx = context.WithValue(ctx, requestIDKey, id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, kv := range securityHeaderValues {
			h[kv.key] = kv.value
		}
		if r.TLS != nil || s.SecureCookies {
			h["Strict-Transport-Security"] = hstsValue
		}
		next.ServeHTTP(w, r)
	})
}

// The security headers' values are shared by every response instead of
// built per request (seven allocations on each of thousands of live-call
// posts a second). Keys are already canonical; capacity equals length, so
// a handler adding to one gets a copy and never writes into the shared
// array.
var (
	securityHeaderValues = []struct {
		key   string
		value []string
	}{
		{"Content-Security-Policy", shared("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")},
		{"X-Content-Type-Options", shared("nosniff")},
		{"X-Frame-Options", shared("DENY")},
		{"Referrer-Policy", shared("no-referrer")},
		{"Permissions-Policy", shared("camera=(), microphone=(), geolocation=()")},
		{"Cross-Origin-Opener-Policy", shared("same-origin")},
	}
	hstsValue = shared("max-age=31536000")
)

func shared(v string) []string { return []string{v}[:1:1] }

// limitBody caps the request body at limit bytes. A declared length over it
// is answered at once with tooLarge (413, a localized message naming the
// limit); a body that turns out longer fails to read with an error that is
// both the *http.MaxBytesError and tooLarge, so that whoever reads it (JSON
// decoding, a multipart form, an upload read by the app) can say so.
func (s *Server) limitBody(next http.Handler, limit int64, tooLarge *kasuhara.Error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			s.Error(w, r, tooLarge)
			return
		}
		r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit), tooLarge: tooLarge}
		next.ServeHTTP(w, r)
	})
}

// bodyTooLarge is the error for a body over the server's general limit.
func (s *Server) bodyTooLarge() *kasuhara.Error {
	return &kasuhara.Error{Code: kasuhara.ETOOLARGE, Key: "error.body.too_large", Args: []any{s.MaxBodyBytes / 1024}, Message: "request body too large"}
}

type limitedBody struct {
	io.ReadCloser
	tooLarge *kasuhara.Error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = errors.Join(mbe, b.tooLarge)
	}
	return n, err
}

// multipartMemory is how much of a multipart form is held in memory; larger
// files are spooled to temporary files that the server removes after the
// request, so a 20 MiB attachment is not held in memory twice.
const multipartMemory = 256 << 10

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("panic", "err", fmt.Sprint(v), "stack", string(debug.Stack()), "request_id", w.Header().Get("X-Request-ID"))
				s.Error(w, r, kasuhara.Errorf(kasuhara.EINTERNAL, "panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves the caller from a bearer token (API) or the session
// cookie and puts the principal in the context. It rejects nothing: routes
// that need a principal say so with requireSignIn.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if _, pattern := s.anonymousRoutes.Handler(r); pattern != "" {
			// Anonymous consultation: no principal even with a session
			// cookie (reading it would also touch the session's last-seen
			// time), and no address for anything downstream.
			next.ServeHTTP(w, r.WithContext(anonymousContext(ctx)))
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.Error(w, r, &kasuhara.Error{Code: kasuhara.EUNAUTHORIZED, Key: "error.token.scheme", Message: "use Authorization: Bearer TOKEN"})
				return
			}
			p, err := s.App.TokenPrincipal(ctx, strings.TrimSpace(token))
			if err != nil {
				s.Error(w, r, err)
				return
			}
			ctx = context.WithValue(ctx, principalKey, p)
			ctx = context.WithValue(ctx, langKey, p.User.Lang)
		} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			p, sess, err := s.App.SessionPrincipal(ctx, c.Value)
			if err == nil {
				ctx = context.WithValue(ctx, principalKey, p)
				ctx = context.WithValue(ctx, sessionKey, sess)
				ctx = context.WithValue(ctx, langKey, p.User.Lang)
			} else if kasuhara.ErrorCode(err) != kasuhara.EUNAUTHORIZED {
				s.Error(w, r, err)
				return
			} else {
				s.clearCookie(w, sessionCookie)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireSignIn sends anonymous callers to /login (pages) or answers 401
// (API), and checks the CSRF token on every state-changing request that
// rides on a session cookie. Bearer-token calls carry no ambient authority,
// so they need no CSRF token.
func (s *Server) requireSignIn(next http.Handler, api bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principalFrom(r)
		if p == nil {
			if api || r.Method != http.MethodGet {
				s.Error(w, r, &kasuhara.Error{Code: kasuhara.EUNAUTHORIZED, Key: "error.unauthorized", Message: "sign in first"})
				return
			}
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if sess := sessionFrom(r); sess != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
			token := r.Header.Get("X-CSRF-Token")
			if token == "" && !api {
				if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
					var ke *kasuhara.Error
					if err := r.ParseMultipartForm(multipartMemory); errors.As(err, &ke) {
						s.Error(w, r, ke)
						return
					}
				}
				token = r.PostFormValue("csrf")
			}
			if !app.CheckCSRF(sess, token) {
				s.Error(w, r, &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Key: "error.csrf", Message: "CSRF token missing or wrong"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge.Seconds()),
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// statusRecorder remembers the status for metrics and logs.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument records metrics and one structured log line per request. The
// log carries the route pattern, not the URL, so no personal data (e-mail
// addresses in queries, IDs) and no secrets reach it.
func (s *Server) instrument(pattern string, next http.Handler) http.Handler {
	stats := s.metrics.route(pattern)
	quiet := pattern == "GET /healthz" || pattern == "GET /readyz" || pattern == "GET /metrics" || pattern == "GET /static/{file}"
	// A phone system posts thousands of utterances a second: a line for
	// each accepted one would cost more than storing it and drown every
	// other line. Their counts and latency are in the metrics; refused
	// utterances are still logged at Info.
	quietWhenOK := pattern == "POST /api/v1/calls/{id}/utterances"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		d := time.Since(start)
		stats.observe(rec.status, d)
		level := slog.LevelInfo
		if quiet || quietWhenOK && rec.status < 400 {
			level = slog.LevelDebug
		}
		if !s.Log.Enabled(r.Context(), level) {
			return
		}
		attrs := []any{"request_id", w.Header().Get("X-Request-ID"), "route", pattern, "status", rec.status, "duration_ms", float64(d.Microseconds()) / 1000, "bytes", rec.bytes}
		// Anonymous routes log nothing about the caller; no line carries
		// an address on any route.
		if p := principalFrom(r); p != nil && !isAnonymous(r) {
			attrs = append(attrs, "user_id", p.User.ID)
		}
		s.Log.Log(r.Context(), level, "request", attrs...)
	})
}
