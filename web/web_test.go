package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/demo"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func TestLogin_HomeAndLogout(t *testing.T) {
	for _, dialect := range sqltest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			c := e.client()
			if res := c.get("/"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
				t.Fatalf("anonymous home: %d %s", res.status, res.header.Get("Location"))
			}
			res := c.login("admin@demo.example.jp", demo.Password)
			if res.status != http.StatusSeeOther {
				t.Fatalf("login: %d", res.status)
			}
			for _, ck := range res.header.Values("Set-Cookie") {
				if strings.HasPrefix(ck, "ksh_session=") && (!strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax")) {
					t.Errorf("session cookie lacks HttpOnly/SameSite: %s", ck)
				}
			}
			home := c.get("/")
			if home.status != 200 || !strings.Contains(home.body, "佐藤 美咲") || !strings.Contains(home.body, "システム管理") {
				t.Fatalf("home: %d\n%s", home.status, home.body)
			}
			if res := c.postForm("/logout", url.Values{}); res.status != http.StatusSeeOther {
				t.Fatalf("logout: %d", res.status)
			}
			if res := c.get("/"); res.status != http.StatusSeeOther {
				t.Errorf("home after logout: %d", res.status)
			}
		})
	}
}

func TestLogin_WrongPasswordIsThrottledPerAccount(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	c := e.client()
	for i := 0; i < 5; i++ {
		res := c.login("staff@demo.example.jp", "wrong-password")
		if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "メールアドレスまたはパスワードが正しくありません") {
			t.Fatalf("attempt %d: %d", i, res.status)
		}
	}
	res := c.login("staff@demo.example.jp", demo.Password)
	if res.status != http.StatusTooManyRequests || !strings.Contains(res.body, "一時的にロック") {
		t.Fatalf("after 5 failures the right password: %d, want 429", res.status)
	}
	// Another account from the same address still works.
	if res := e.client().login("exec@demo.example.jp", demo.Password); res.status != http.StatusSeeOther {
		t.Errorf("other account blocked: %d", res.status)
	}
	entries, _ := e.db.ListAudit(context.Background(), kasuhara.AuditFilter{Action: "auth.login"})
	var failed, throttled int
	for _, en := range entries {
		switch en.Outcome {
		case "failed":
			failed++
		case "throttled":
			throttled++
		}
		if strings.Contains(string(en.Detail), "wrong-password") || strings.Contains(en.Target, "staff@") {
			t.Errorf("audit leaks the password or the full address: %+v", en)
		}
	}
	if failed != 5 || throttled != 1 {
		t.Errorf("audit: %d failed, %d throttled; want 5 and 1", failed, throttled)
	}
}

func TestLogin_UnknownAccountAnswersLikeWrongPassword(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	a := e.client().login("nobody@demo.example.jp", "whatever-123")
	b := e.client().login("staff@demo.example.jp", "whatever-123")
	if a.status != b.status || !strings.Contains(a.body, "メールアドレスまたはパスワードが正しくありません") {
		t.Errorf("unknown account %d vs wrong password %d", a.status, b.status)
	}
}

func TestForms_RequireCSRFToken(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	c := e.loggedIn("admin@demo.example.jp")
	res := c.postForm("/admin/departments", url.Values{"name": {"新設部"}, "csrf": {"forged"}})
	if res.status != http.StatusForbidden {
		t.Errorf("forged CSRF: %d", res.status)
	}
	res = c.do("POST", "/api/v1/departments", "application/json", `{"name":"新設部"}`)
	// The client sends its real token on API calls; remove it to play a cross-site request.
	c2 := *c
	c2.csrf = ""
	if res := c2.sendJSON("POST", "/api/v1/departments", `{"name":"別部署"}`); res.status != http.StatusForbidden {
		t.Errorf("cookie API call without CSRF header: %d", res.status)
	}
	if res.status != http.StatusCreated {
		t.Errorf("cookie API call with CSRF header: %d %s", res.status, res.body)
	}
	if res := c.postForm("/admin/departments", url.Values{"name": {"正規の部署"}}); res.status != http.StatusSeeOther {
		t.Errorf("real CSRF: %d %s", res.status, res.body)
	}
	// The login form is protected too.
	if res := e.client().postForm("/login", url.Values{"email": {"admin@demo.example.jp"}, "password": {demo.Password}}); res.status != http.StatusForbidden {
		t.Errorf("login without login token: %d", res.status)
	}
}

func TestAPI_TokenMeAndRevoke(t *testing.T) {
	for _, dialect := range sqltest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			c := e.loggedIn("shinjuku-staff@demo.example.jp")
			res := c.sendJSON("POST", "/api/v1/tokens", `{"name":"PBX連携"}`)
			if res.status != http.StatusCreated {
				t.Fatalf("create token: %d %s", res.status, res.body)
			}
			var created struct {
				Token    string            `json:"token"`
				APIToken kasuhara.APIToken `json:"api_token"`
			}
			res.json(t, &created)
			api := e.client()
			api.bearer = created.Token
			me := api.get("/api/v1/me")
			var body struct {
				User         kasuhara.User         `json:"user"`
				Organization kasuhara.Organization `json:"organization"`
				Roles        []kasuhara.Role       `json:"roles"`
				Permissions  []string              `json:"permissions"`
			}
			me.json(t, &body)
			if me.status != 200 || body.User.Email != "shinjuku-staff@demo.example.jp" || body.Organization.Slug != "demo-retail" || len(body.Roles) != 1 || body.Roles[0] != kasuhara.RoleStaff {
				t.Fatalf("me: %d %+v", me.status, body)
			}
			if strings.Contains(me.body, "argon2") || strings.Contains(me.body, "password") {
				t.Errorf("me leaks the password hash: %s", me.body)
			}
			// A staff token cannot do what staff cannot.
			if res := api.get("/api/v1/users"); res.status != http.StatusForbidden {
				t.Errorf("staff token lists users: %d", res.status)
			}
			if res := c.sendJSON("DELETE", fmt.Sprintf("/api/v1/tokens/%d", created.APIToken.ID), ""); res.status != http.StatusNoContent {
				t.Fatalf("revoke: %d %s", res.status, res.body)
			}
			if res := api.get("/api/v1/me"); res.status != http.StatusUnauthorized {
				t.Errorf("revoked token: %d", res.status)
			}
		})
	}
}

// TestAPI_RoleMatrixAcrossOrganizations drives the authorization layer
// through HTTP: each demo account against its own and other organizations.
func TestAPI_RoleMatrixAcrossOrganizations(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	ctx := context.Background()
	org := func(slug string) int64 {
		o, err := e.db.FindOrgBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	group, retail, call := org("demo"), org("demo-retail"), org("demo-call")
	callStaff, _ := e.db.FindUserByEmail(ctx, "call-staff@demo.example.jp")
	for _, tt := range []struct {
		who          string
		method, path string
		body         string
		want         int
	}{
		{"admin@demo.example.jp", "GET", fmt.Sprintf("/api/v1/users?org=%d", retail), "", 200}, // group admin reaches subsidiaries
		{"admin@demo.example.jp", "POST", "/api/v1/departments", fmt.Sprintf(`{"org_id":%d,"name":"物流センター"}`, call), 201},
		{"retail-admin@demo.example.jp", "GET", fmt.Sprintf("/api/v1/users?org=%d", retail), "", 200},
		{"retail-admin@demo.example.jp", "GET", fmt.Sprintf("/api/v1/users?org=%d", call), "", 404}, // sister company: invisible
		{"retail-admin@demo.example.jp", "GET", fmt.Sprintf("/api/v1/users?org=%d", group), "", 404},
		{"retail-admin@demo.example.jp", "GET", fmt.Sprintf("/api/v1/users/%d", callStaff.ID), "", 404},
		{"retail-admin@demo.example.jp", "PATCH", fmt.Sprintf("/api/v1/users/%d", callStaff.ID), `{"disabled":true}`, 404},
		{"shinjuku-lead@demo.example.jp", "GET", "/api/v1/users", "", 200},
		{"shinjuku-lead@demo.example.jp", "POST", "/api/v1/departments", `{"name":"x"}`, 403},
		{"shinjuku-staff@demo.example.jp", "GET", "/api/v1/users", "", 403},
		{"shinjuku-staff@demo.example.jp", "GET", "/api/v1/audit", "", 403},
		{"auditor@demo.example.jp", "GET", "/api/v1/audit", "", 200},
		{"auditor@demo.example.jp", "GET", fmt.Sprintf("/api/v1/users?org=%d", call), "", 200},
		{"auditor@demo.example.jp", "PATCH", fmt.Sprintf("/api/v1/users/%d", callStaff.ID), `{"disabled":true}`, 403}, // read-only
		{"desk@demo.example.jp", "GET", "/api/v1/users", "", 403},
		{"exec@demo.example.jp", "GET", "/api/v1/audit", "", 403},
		{"call-lead@demo.example.jp", "GET", fmt.Sprintf("/api/v1/departments?org=%d", retail), "", 404},
	} {
		t.Run(tt.who+" "+tt.method+" "+tt.path, func(t *testing.T) {
			c := e.loggedIn(tt.who)
			var res response
			if tt.method == "GET" {
				res = c.get(tt.path)
			} else {
				res = c.sendJSON(tt.method, tt.path, tt.body)
			}
			if res.status != tt.want {
				t.Errorf("status %d, want %d: %s", res.status, tt.want, res.body)
			}
		})
	}
	// Refused attempts on other organizations leave a trace.
	denied, _ := e.db.ListAudit(ctx, kasuhara.AuditFilter{Limit: 1000})
	n := 0
	for _, en := range denied {
		if en.Outcome == "denied" {
			n++
		}
	}
	if n < 5 {
		t.Errorf("%d denied attempts audited, want at least 5", n)
	}
}

func TestAPI_BadInputGetsSpecificLocalizedErrors(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	c := e.loggedIn("admin@demo.example.jp")
	before, _, _ := e.db.ListUsers(context.Background(), kasuhara.UserFilter{OrgID: 1, Limit: 500})
	for _, tt := range []struct {
		name, method, path, body, lang string
		status                         int
		field, contains                string
	}{
		{"malformed", "POST", "/api/v1/users", `{"email": `, "", 400, "", "JSONが途中で終わっています"},
		{"syntax", "POST", "/api/v1/users", `{"email" "x"}`, "en", 400, "", "Malformed JSON"},
		{"unknown field", "POST", "/api/v1/users", `{"email":"a@b.jp","nmae":"x"}`, "", 400, "nmae", "受け付けていません"},
		{"wrong type", "POST", "/api/v1/users", `{"email":"a@b.jp","name":42}`, "en", 400, "name", "expected string"},
		{"not an object", "POST", "/api/v1/users", `[1,2]`, "", 400, "", "JSONオブジェクト"},
		{"trailing data", "POST", "/api/v1/departments", `{"name":"a"} {"name":"b"}`, "", 400, "", "余分なデータ"},
		{"bad utf-8", "POST", "/api/v1/departments", "{\"name\":\"\xff\xfe\"}", "", 400, "", "UTF-8"},
		{"empty", "POST", "/api/v1/departments", ``, "en", 400, "", "empty"},
		{"oversized", "POST", "/api/v1/departments", `{"name":"` + strings.Repeat("あ", 400000) + `"}`, "", 413, "", "大きすぎます"},
		{"name too long", "POST", "/api/v1/departments", `{"name":"` + strings.Repeat("部", 201) + `"}`, "", 400, "name", "200 文字以内"},
		{"bad email", "POST", "/api/v1/users", `{"email":"nope","name":"x","password":"long-enough-pw","roles":["staff"]}`, "", 400, "email", "正しいメールアドレス"},
		{"unknown role", "POST", "/api/v1/users", `{"email":"n@demo.example.jp","name":"x","password":"long-enough-pw","roles":["root"]}`, "en", 400, "roles", "Unknown role: root"},
		{"short password", "POST", "/api/v1/users", `{"email":"n@demo.example.jp","name":"x","password":"short","roles":["staff"]}`, "", 400, "password", "10 文字以上"},
		{"duplicate email", "POST", "/api/v1/users", `{"email":"staff@demo.example.jp","name":"x","password":"long-enough-pw","roles":["staff"]}`, "", 409, "email", "すでに登録"},
		{"unknown id", "GET", "/api/v1/users/999999", "", "", 404, "", "見つかりません"},
		{"non-numeric id", "GET", "/api/v1/users/abc", "", "en", 404, "", "Not found"},
		{"bad limit", "GET", "/api/v1/users?limit=100000", "", "", 400, "limit", "1 から 500"},
		{"unknown route", "GET", "/api/v1/nope", "", "", 404, "", "このAPIは存在しません"},
		{"foreign department", "PATCH", "/api/v1/users/1", `{"department_id": 99999}`, "", 400, "department_id", "存在しない部署"},
		{"department wrong type", "PATCH", "/api/v1/users/1", `{"department_id": "x"}`, "", 400, "department_id", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c.lang = tt.lang
			res := c.sendJSON(tt.method, tt.path, tt.body)
			var body struct {
				Error struct{ Code, Message, Field string }
			}
			res.json(t, &body)
			if res.status != tt.status || body.Error.Field != tt.field || !strings.Contains(body.Error.Message, tt.contains) {
				t.Errorf("got %d field=%q %q; want %d field=%q containing %q", res.status, body.Error.Field, body.Error.Message, tt.status, tt.field, tt.contains)
			}
		})
	}
	after, _, _ := e.db.ListUsers(context.Background(), kasuhara.UserFilter{OrgID: 1, Limit: 500})
	if len(after) != len(before) {
		t.Errorf("bad requests created users: %d → %d", len(before), len(after))
	}
}

func TestPages_RenderForEveryRoleInBothLanguages(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	for _, u := range demo.Users() {
		t.Run(u[0], func(t *testing.T) {
			c := e.loggedIn(u[0])
			var me struct{ Permissions []string }
			c.get("/api/v1/me").json(t, &me)
			for _, lang := range []string{"ja", "en"} {
				if res := c.postForm("/lang", url.Values{"lang": {lang}}); res.status != http.StatusSeeOther {
					t.Fatalf("switch to %s: %d", lang, res.status)
				}
				for path, action := range map[string]string{"/": "home.view", "/settings": "self.manage", "/admin/users": "user.list", "/admin/departments": "department.manage", "/admin/audit": "audit.view"} {
					res := c.get(path)
					allowed := false
					for _, p := range me.Permissions {
						allowed = allowed || p == action
					}
					if allowed && res.status != 200 {
						t.Errorf("%s %s: %d", lang, path, res.status)
					}
					if !allowed && res.status != http.StatusForbidden {
						t.Errorf("%s %s: %d, want 403", lang, path, res.status)
					}
					if !strings.Contains(res.body, `<html lang="`+lang+`">`) {
						t.Errorf("%s %s: page not in %s", lang, path, lang)
					}
				}
			}
		})
	}
}

func TestAdmin_CreateUserThroughFormsThenSignIn(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	admin := e.loggedIn("retail-admin@demo.example.jp")
	res := admin.postForm("/admin/users", url.Values{"name": {"新人 花子"}, "email": {"hanako@demo.example.jp"}, "password": {"hanako-pass-1"}, "roles": {"staff"}, "lang": {"en"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	bad := admin.postForm("/admin/users", url.Values{"name": {""}, "email": {"x@demo.example.jp"}, "password": {"long-enough-1"}, "roles": {"staff"}, "lang": {"ja"}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "入力してください") || !strings.Contains(bad.body, "x@demo.example.jp") {
		t.Errorf("empty name: %d; want the form again with the error and the input kept", bad.status)
	}
	c := e.client()
	if res := c.login("hanako@demo.example.jp", "hanako-pass-1"); res.status != http.StatusSeeOther {
		t.Fatalf("new user login: %d", res.status)
	}
	if home := c.get("/"); !strings.Contains(home.body, `<html lang="en">`) || !strings.Contains(home.body, "Welcome, 新人 花子") {
		t.Errorf("new user's home is not in English")
	}
	// Changing the password signs out everywhere.
	res = c.postForm("/settings/password", url.Values{"current_password": {"hanako-pass-1"}, "new_password": {"hanako-pass-2"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("password change: %d %s", res.status, res.body)
	}
	if res := c.get("/"); res.status != http.StatusSeeOther {
		t.Errorf("old session survives password change: %d", res.status)
	}
	if res := e.client().login("hanako@demo.example.jp", "hanako-pass-2"); res.status != http.StatusSeeOther {
		t.Errorf("new password: %d", res.status)
	}
}

func TestLogoutEverywhere_EndsOtherBrowsers(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	phone, desktop := e.loggedIn("staff@demo.example.jp"), e.loggedIn("staff@demo.example.jp")
	if res := phone.postForm("/settings/logout-everywhere", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("logout everywhere: %d", res.status)
	}
	if res := desktop.get("/"); res.status != http.StatusSeeOther {
		t.Errorf("other browser still signed in: %d", res.status)
	}
}

func TestOperations_HealthReadyMetricsHeaders(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	c := e.client()
	if res := c.get("/healthz"); res.status != 200 {
		t.Errorf("healthz %d", res.status)
	}
	if res := c.get("/readyz"); res.status != 200 || !strings.Contains(res.body, "current") {
		t.Errorf("readyz %d %s", res.status, res.body)
	}
	c.get("/login")
	m := c.get("/metrics")
	for _, want := range []string{`kasuhara_http_requests_total{route="GET /login",status="200"} 1`, `kasuhara_http_request_duration_seconds_bucket{route="GET /login",le="+Inf"} 1`} {
		if !strings.Contains(m.body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	h := c.get("/login").header
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP: %q", csp)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if h.Get(k) != v {
			t.Errorf("%s = %q", k, h.Get(k))
		}
	}
	if h.Get("X-Request-ID") == "" {
		t.Error("no request ID")
	}
}

func TestOpenAPI_ListsEveryAPIRoute(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	res := e.client().get("/api/openapi.json")
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	res.json(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	for _, rt := range e.srv.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/") && rt.Path != "/healthz" && rt.Path != "/readyz" && rt.Path != "/metrics" {
			continue
		}
		if _, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s %s is missing from the OpenAPI document", rt.Method, rt.Path)
		}
	}
	// And nothing documented that the router does not serve.
	served := map[string]bool{}
	for _, rt := range e.srv.Routes() {
		served[strings.ToLower(rt.Method)+" "+rt.Path] = true
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !served[m+" "+p] {
				t.Errorf("OpenAPI documents %s %s, which no route serves", m, p)
			}
		}
	}
}

func TestAudit_PageReadIsAuditedAndChainVerifies(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	c := e.loggedIn("auditor@demo.example.jp")
	if res := c.get("/admin/audit"); res.status != 200 || !strings.Contains(res.body, "auth.login") {
		t.Fatalf("audit page: %d", res.status)
	}
	entries, _ := e.db.ListAudit(context.Background(), kasuhara.AuditFilter{Action: "audit.view"})
	if len(entries) != 1 || entries[0].Actor != "auditor@demo.example.jp" || entries[0].IP == "" {
		t.Errorf("audit view not recorded with actor and address: %+v", entries)
	}
	if n, brk, err := e.db.VerifyAudit(context.Background()); err != nil || brk != nil || n < 20 {
		t.Errorf("verify: %d %+v %v", n, brk, err)
	}
}

// TestLogs_CarryNoSecretsOrPersonalData signs in, uses a token and fails a
// login, then reads every log line the server wrote.
func TestLogs_CarryNoSecretsOrPersonalData(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	var buf syncBuffer
	e.srv.Log = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := e.loggedIn("supervisor@demo.example.jp")
	res := c.sendJSON("POST", "/api/v1/tokens", `{"name":"x"}`)
	var tok struct{ Token string }
	res.json(t, &tok)
	c.get("/api/v1/users?q=staff@demo.example.jp")
	e.client().login("supervisor@demo.example.jp", "wrong-password-123")
	logs := buf.String()
	if !strings.Contains(logs, `"request_id"`) || !strings.Contains(logs, `"route":"POST /login"`) {
		t.Fatalf("logs lack request IDs or routes:\n%s", logs)
	}
	var session string
	u, _ := url.Parse(e.ts.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "ksh_session" {
			session = ck.Value
		}
	}
	for _, secret := range []string{demo.Password, "wrong-password-123", tok.Token, session, c.csrf, "supervisor@demo.example.jp", "staff@demo.example.jp"} {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogin_ThrottledPerAddressAcrossAccounts(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	e.app.MaxAddressFailures = 3
	for _, email := range []string{"a@x.jp", "b@x.jp", "c@x.jp"} {
		if res := e.client().login(email, "guess-123456"); res.status != http.StatusUnauthorized {
			t.Fatalf("%s: %d", email, res.status)
		}
	}
	if res := e.client().login("staff@demo.example.jp", demo.Password); res.status != http.StatusTooManyRequests {
		t.Errorf("after 3 failures from one address, a valid login: %d, want 429", res.status)
	}
}

func TestAdmin_PasswordResetIssuesAWorkingPasswordOnce(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	staff := e.loggedIn("shinjuku-staff@demo.example.jp")
	u, _ := e.db.FindUserByEmail(context.Background(), "shinjuku-staff@demo.example.jp")
	path := fmt.Sprintf("/admin/users/%d/password-reset", u.ID)
	if res := e.loggedIn("shinjuku-lead@demo.example.jp").postForm(path, url.Values{}); res.status != http.StatusForbidden {
		t.Errorf("supervisor: %d, want 403", res.status)
	}
	admin := e.loggedIn("retail-admin@demo.example.jp")
	callStaff, _ := e.db.FindUserByEmail(context.Background(), "call-staff@demo.example.jp")
	if res := admin.postForm(fmt.Sprintf("/admin/users/%d/password-reset", callStaff.ID), url.Values{}); res.status != http.StatusNotFound {
		t.Errorf("admin of a sister company: %d, want 404", res.status)
	}
	res := admin.postForm(path, url.Values{})
	m := regexp.MustCompile(`<code class="secret">([^<]+)</code>`).FindStringSubmatch(res.body)
	if res.status != 200 || m == nil {
		t.Fatalf("reset: %d", res.status)
	}
	if res := staff.get("/"); res.status != http.StatusSeeOther {
		t.Errorf("old session survives a reset: %d", res.status)
	}
	if res := e.client().login("shinjuku-staff@demo.example.jp", m[1]); res.status != http.StatusSeeOther {
		t.Errorf("new password does not work: %d", res.status)
	}
}

func TestAPI_DepartmentRenameAndDelete(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	admin := e.loggedIn("retail-admin@demo.example.jp")
	res := admin.sendJSON("POST", "/api/v1/departments", `{"name":"池袋店"}`)
	var d kasuhara.Department
	res.json(t, &d)
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	path := fmt.Sprintf("/api/v1/departments/%d", d.ID)
	if res := admin.sendJSON("PATCH", path, `{"name":"池袋東口店"}`); res.status != 200 || !strings.Contains(res.body, "池袋東口店") {
		t.Errorf("rename: %d %s", res.status, res.body)
	}
	if res := admin.sendJSON("PATCH", path, `{"nmae":"x"}`); res.status != 400 {
		t.Errorf("unknown field: %d", res.status)
	}
	if res := e.loggedIn("admin@demo.example.jp").sendJSON("PATCH", path, `{"name":"x"}`); res.status != http.StatusNotFound {
		t.Errorf("group admin without naming the subsidiary renames in its own org: %d, want 404", res.status)
	}
	if res := admin.sendJSON("DELETE", path, ""); res.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", res.status, res.body)
	}
}

func TestNotifyPage_SavesChannelsAndNeverShowsSecrets(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	admin := e.loggedIn("retail-admin@demo.example.jp")
	res := admin.postForm("/admin/notifications", url.Values{"kind": {"smtp"}, "name": {"mail"}, "host": {"mail.example.jp"}, "port": {"587"},
		"from": {"kasuhara@example.jp"}, "user": {"kasuhara"}, "secret": {"smtp-secret-123"}, "kinds": {"case_urgent", "escalated"}, "enabled": {"1"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("save smtp: %d %s", res.status, res.body)
	}
	res = admin.postForm("/admin/notifications", url.Values{"kind": {"webhook"}, "name": {"chat"}, "url": {"https://chat.example.jp/hooks/T0K3N"},
		"format": {"slack"}, "secret": {"hook-secret-456"}, "enabled": {"1"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("save webhook: %d %s", res.status, res.body)
	}
	page := admin.get("/admin/notifications")
	for _, want := range []string{"mail.example.jp:587", "https://chat.example.jp/…", "設定済み"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, secret := range []string{"smtp-secret-123", "hook-secret-456", "T0K3N"} {
		if strings.Contains(page.body, secret) {
			t.Errorf("page shows %q", secret)
		}
	}
	bad := admin.postForm("/admin/notifications", url.Values{"kind": {"smtp"}, "name": {"mail2"}, "host": {"mail.example.jp"}, "port": {"99999"}, "from": {"x@example.jp"}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "1 から 65535") {
		t.Errorf("bad port: %d", bad.status)
	}
	if res := e.loggedIn("shinjuku-lead@demo.example.jp").get("/admin/notifications"); res.status != http.StatusForbidden {
		t.Errorf("supervisor: %d", res.status)
	}
}
