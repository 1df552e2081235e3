package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/demo"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
	"github.com/kasuhara/kasuhara/web"
)

// env is a running test server on a fresh database with the demo group.
type env struct {
	t   *testing.T
	db  *sqlstore.DB
	app *app.App
	srv *web.Server
	ts  *httptest.Server
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newEnvOn(t *testing.T, db *sqlstore.DB) *env {
	t.Helper()
	a := app.New(db, quietLogger())
	if _, err := demo.Load(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close) // runs after ts.Close: the live-call engine outlives the requests
	srv := web.NewServer(a, quietLogger(), db)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, db: db, app: a, srv: srv, ts: ts}
}

func newEnv(t *testing.T, dialect string) *env {
	return newEnvOn(t, sqltest.Open(t, dialect))
}

// client is a browser-like client with its own cookie jar.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
	// bearer, when set, is sent as Authorization instead of relying on cookies.
	bearer string
	lang   string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, base: e.ts.URL, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
}

func (c *client) do(method, path, contentType, body string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	if c.csrf != "" && method != "GET" && strings.HasPrefix(path, "/api/") {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}

func (c *client) get(path string) response { return c.do("GET", path, "", "") }

func (c *client) postForm(path string, v url.Values) response {
	if c.csrf != "" && v.Get("csrf") == "" {
		v.Set("csrf", c.csrf)
	}
	return c.do("POST", path, "application/x-www-form-urlencoded", v.Encode())
}

func (c *client) sendJSON(method, path, body string) response {
	return c.do(method, path, "application/json", body)
}

var (
	loginCSRFRe = regexp.MustCompile(`name="login_csrf" value="([^"]+)"`)
	csrfRe      = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// login signs in through the login form, as a browser does, and keeps the
// page's CSRF token for later posts.
func (c *client) login(email, password string) response {
	c.t.Helper()
	page := c.get("/login")
	m := loginCSRFRe.FindStringSubmatch(page.body)
	if m == nil {
		c.t.Fatalf("no login CSRF token on the login page:\n%s", page.body)
	}
	res := c.postForm("/login", url.Values{"login_csrf": {m[1]}, "email": {email}, "password": {password}})
	if res.status == http.StatusSeeOther {
		home := c.get("/")
		if m := csrfRe.FindStringSubmatch(home.body); m != nil {
			c.csrf = m[1]
		}
	}
	return res
}

func (e *env) loggedIn(email string) *client {
	e.t.Helper()
	c := e.client()
	if res := c.login(email, demo.Password); res.status != http.StatusSeeOther {
		e.t.Fatalf("login %s: status %d\n%s", email, res.status, res.body)
	}
	return c
}
