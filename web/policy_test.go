package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/demo"
	"github.com/kasuhara/kasuhara/policy"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func (e *env) orgID(slug string) int64 {
	e.t.Helper()
	o, err := e.db.FindOrgBySlug(context.Background(), slug)
	if err != nil {
		e.t.Fatal(err)
	}
	return o.ID
}

func (e *env) versions(orgID int64) []*kasuhara.PolicyVersion {
	e.t.Helper()
	vs, err := e.db.ListPolicyVersions(context.Background(), orgID)
	if err != nil {
		e.t.Fatal(err)
	}
	return vs
}

func today() string { return time.Now().In(app.JST).Format("2006-01-02") }

// brokenPolicy is the MHLW preset with an unknown key on line 3 and a
// behaviour type mapped to no standard code.
func brokenPolicy(t *testing.T) string {
	src, err := policy.Preset("mhlw-2022")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	lines = append(lines[:2], append([]string{"colour: blue"}, lines[2:]...)...)
	return strings.Join(lines, "\n")
}

var inlineStyleOrScript = regexp.MustCompile(`(?i)<style|<script|\sstyle=|\son[a-z]+=`)

func TestPolicyPublicPage_NeedsNoSignInShowsDatesAndContactAndPrints(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	c := e.client()
	res := c.get("/p/demo/policy")
	if res.status != http.StatusOK {
		t.Fatalf("public page: %d\n%s", res.status, res.body)
	}
	for _, want := range []string{"さくら商事ホールディングス株式会社", "2025年4月1日", "03-0000-0000", "soudan@demo.example.jp", "取締役会", `<article class="policy policy-public">`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("public page lacks %q", want)
		}
	}
	if m := inlineStyleOrScript.FindString(res.body); m != "" {
		t.Errorf("public page has inline style or script %q, which the CSP blocks", m)
	}
	if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	css := regexp.MustCompile(`<link rel="stylesheet" href="(/p/policy\.css\?v=[0-9a-f]+)">`).FindStringSubmatch(res.body)
	if css == nil {
		t.Fatalf("no print stylesheet link:\n%s", res.body)
	}
	sheet := c.get(css[1])
	if sheet.status != 200 || !strings.HasPrefix(sheet.header.Get("Content-Type"), "text/css") ||
		!strings.Contains(sheet.body, "@page{size:A4") || !strings.Contains(sheet.body, "@media print") {
		t.Errorf("print stylesheet: %d %s\n%.200s", sheet.status, sheet.header.Get("Content-Type"), sheet.body)
	}
	// The subsidiaries publish their own.
	if res := c.get("/p/demo-retail/policy"); res.status != 200 || !strings.Contains(res.body, "さくらリテール株式会社") {
		t.Errorf("subsidiary page: %d", res.status)
	}
	// English labels, the policy's own words untouched.
	c.lang = "en"
	if res := c.get("/p/demo/policy"); !strings.Contains(res.body, "Effective from") || !strings.Contains(res.body, "さくら商事") {
		t.Errorf("English page lacks English labels or the policy text")
	}
	if res := c.get("/p/no-such-org/policy"); res.status != http.StatusNotFound {
		t.Errorf("unknown organization: %d, want 404", res.status)
	}
}

func TestPolicyPublicPage_NotFoundBeforeAnythingTakesEffect(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	org := &kasuhara.Organization{Slug: "newco", Name: "新会社"}
	if err := e.db.CreateOrg(context.Background(), org); err != nil {
		t.Fatal(err)
	}
	if res := e.client().get("/p/newco/policy"); res.status != http.StatusNotFound {
		t.Errorf("organization without a policy: %d, want 404", res.status)
	}
}

func TestPolicyDemo_LoadAgainPublishesNothingNew(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	if _, err := demo.Load(context.Background(), e.app); err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"demo", "demo-retail", "demo-call"} {
		if vs := e.versions(e.orgID(slug)); len(vs) != 1 || vs[0].ApprovedBy == "" || vs[0].EffectiveFrom.In(app.JST).Format("2006-01-02") != demo.PolicyEffective {
			t.Errorf("%s: %+v, want one version effective %s", slug, vs, demo.PolicyEffective)
		}
	}
}

func TestPolicyVersionPage_ShowsEitherViewAndTheSource(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	c := e.loggedIn("exec@demo.example.jp")
	v := e.versions(e.orgID("demo-call"))[0]
	path := fmt.Sprintf("/admin/policy/versions/%d", v.ID)
	if res := c.get(path); res.status != 200 || !strings.Contains(res.body, "policy-public") || !strings.Contains(res.body, "format: kasuhara.policy/v1") || !strings.Contains(res.body, v.Digest) {
		t.Errorf("version page: %d", res.status)
	}
	if res := c.get(path + "?view=handbook"); res.status != 200 || !strings.Contains(res.body, "policy-handbook") {
		t.Errorf("handbook view of a version: %d", res.status)
	}
}

func TestPolicyHandbook_ForSignedInStaff(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	if res := e.client().get("/policy"); res.status != http.StatusSeeOther {
		t.Errorf("anonymous handbook: %d, want a redirect to sign in", res.status)
	}
	c := e.loggedIn("shinjuku-staff@demo.example.jp")
	res := c.get("/policy")
	if res.status != 200 || !strings.Contains(res.body, `<article class="policy policy-handbook">`) ||
		!strings.Contains(res.body, "さくらリテール株式会社") || !strings.Contains(res.body, "/p/demo-retail/policy") {
		t.Fatalf("handbook: %d\n%s", res.status, res.body)
	}
	if m := inlineStyleOrScript.FindString(res.body); m != "" {
		t.Errorf("handbook has inline %q", m)
	}
	if !strings.Contains(res.body, `href="/policy"`) {
		t.Errorf("menu lacks the handbook")
	}
	// Staff of a subsidiary cannot read the group's handbook, nor learn it exists.
	if res := c.get(fmt.Sprintf("/policy?org=%d", e.orgID("demo"))); res.status != http.StatusNotFound {
		t.Errorf("other organization's handbook: %d, want 404", res.status)
	}
	// Nor the history, which is for admins, auditors and executives.
	if res := c.get("/admin/policy"); res.status != http.StatusForbidden {
		t.Errorf("staff on the version list: %d, want 403", res.status)
	}
}

func multipartBody(t *testing.T, fields map[string]string, filename, file string) (string, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if filename != "" {
		fw, _ := w.CreateFormFile("file", filename)
		fw.Write([]byte(file))
	}
	w.Close()
	return w.FormDataContentType(), buf.String()
}

func TestPolicyImport_ShowsLintErrorsByLineAndStoresNothing(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	c := e.loggedIn("admin@demo.example.jp")
	org := e.orgID("demo")
	before := len(e.versions(org))
	ct, body := multipartBody(t, map[string]string{"csrf": c.csrf, "org": strconv.FormatInt(org, 10)}, "policy.yaml", brokenPolicy(t))
	res := c.do("POST", "/admin/policy/import", ct, body)
	if res.status != http.StatusBadRequest {
		t.Fatalf("broken import: %d\n%s", res.status, res.body)
	}
	for _, want := range []string{"3 行 1 列", "colour: blue", "公開できません"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("editor lacks %q", want)
		}
	}
	if !strings.Contains(res.body, `<textarea id="source"`) || !strings.Contains(res.body, "colour: blue\n") {
		t.Errorf("editor does not keep the imported text")
	}
	if n := len(e.versions(org)); n != before {
		t.Errorf("import stored a version: %d → %d", before, n)
	}
	// A clean preset imports into the editor with its preview, still storing nothing.
	res = c.postForm("/admin/policy/import", url.Values{"org": {strconv.FormatInt(org, 10)}, "preset": {"tokyo-2025"}})
	if res.status != 200 || !strings.Contains(res.body, "誤りはありません") || !strings.Contains(res.body, `class="policy policy-public"`) {
		t.Errorf("preset import: %d", res.status)
	}
	if n := len(e.versions(org)); n != before {
		t.Errorf("import stored a version")
	}
	// Without CSRF token the upload is refused.
	ct, body = multipartBody(t, map[string]string{"org": strconv.FormatInt(org, 10)}, "p.yaml", "x: 1")
	if res := c.do("POST", "/admin/policy/import", ct, body); res.status != http.StatusForbidden {
		t.Errorf("import without CSRF: %d", res.status)
	}
}

func TestPolicyPublish_NewVersionInEffectOldStillReadable(t *testing.T) {
	for _, dialect := range sqltest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			c := e.loggedIn("admin@demo.example.jp")
			org := e.orgID("demo")
			old := e.versions(org)
			if len(old) != 1 {
				t.Fatalf("demo has %d versions, want 1", len(old))
			}
			v1, err := e.db.FindPolicyVersion(context.Background(), old[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			src := strings.Replace(v1.Source, "soudan@demo.example.jp", "madoguchi@demo.example.jp", 1)
			form := url.Values{"org": {strconv.FormatInt(org, 10)}, "source": {src}}
			// Preview shows what changed from the version in effect.
			res := c.postForm("/admin/policy/preview", form)
			if res.status != 200 || !strings.Contains(res.body, "organization.contact.email") {
				t.Fatalf("preview: %d, want the contact change listed", res.status)
			}
			form.Set("effective_from", today())
			form.Set("approved_by", "代表取締役社長 桜井 一郎")
			form.Set("note", "相談窓口のメールアドレスを変更")
			res = c.postForm("/admin/policy/publish", form)
			if res.status != http.StatusSeeOther {
				t.Fatalf("publish: %d\n%s", res.status, res.body)
			}
			vs := e.versions(org)
			if len(vs) != 2 || vs[0].Version != 2 || vs[0].ApprovedBy != "代表取締役社長 桜井 一郎" || vs[0].PublishedByName != "admin@demo.example.jp" {
				t.Fatalf("versions after publish: %+v", vs)
			}
			if loc := res.header.Get("Location"); loc != fmt.Sprintf("/admin/policy/versions/%d", vs[0].ID) {
				t.Errorf("redirect to %q", loc)
			}
			if pub := e.client().get("/p/demo/policy"); !strings.Contains(pub.body, "madoguchi@demo.example.jp") {
				t.Errorf("public page does not show the new version")
			}
			// The old version stays readable, to an auditor too, and is marked superseded.
			a := e.loggedIn("auditor@demo.example.jp")
			if res := a.get(fmt.Sprintf("/admin/policy/versions/%d", v1.ID)); res.status != 200 || !strings.Contains(res.body, "soudan@demo.example.jp") {
				t.Errorf("old version: %d", res.status)
			}
			list := a.get("/admin/policy")
			if list.status != 200 || !strings.Contains(list.body, "旧版") || !strings.Contains(list.body, "施行中") || !strings.Contains(list.body, "相談窓口のメールアドレスを変更") {
				t.Errorf("version list: %d\n%s", list.status, list.body)
			}
			if strings.Contains(list.body, "/admin/policy/edit") {
				t.Errorf("auditor is offered the editor")
			}
			// A backdated further version is refused on the form, with the reason.
			form.Set("effective_from", "2025-01-01")
			if res := c.postForm("/admin/policy/publish", form); res.status != http.StatusBadRequest || !strings.Contains(res.body, "今日") {
				t.Errorf("backdated publish: %d", res.status)
			}
			entries, _ := e.db.ListAudit(context.Background(), kasuhara.AuditFilter{Action: "policy.publish", OrgIDs: []int64{org}})
			if len(entries) != 2 || entries[0].Actor != "admin@demo.example.jp" {
				t.Errorf("publish audit: %+v", entries)
			}
		})
	}
}

func TestPolicyPublish_InvalidIsImpossibleThroughFormAndAPI(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	c := e.loggedIn("admin@demo.example.jp")
	org := e.orgID("demo")
	form := url.Values{"org": {strconv.FormatInt(org, 10)}, "source": {brokenPolicy(t)}, "effective_from": {today()}, "approved_by": {"取締役会"}}
	res := c.postForm("/admin/policy/publish", form)
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "3 行 1 列") {
		t.Errorf("form publish of a broken policy: %d", res.status)
	}
	body, _ := json.Marshal(map[string]any{"source": brokenPolicy(t), "effective_from": today(), "approved_by": "取締役会"})
	res = c.sendJSON("POST", "/api/v1/policy/versions", string(body))
	var lint struct {
		Error       struct{ Code, Field string } `json:"error"`
		Diagnostics []policy.Diagnostic          `json:"diagnostics"`
	}
	res.json(t, &lint)
	if res.status != http.StatusUnprocessableEntity || lint.Error.Code != "invalid" || lint.Error.Field != "source" || len(lint.Diagnostics) == 0 ||
		lint.Diagnostics[0].Line != 3 || lint.Diagnostics[0].Message == "" {
		t.Errorf("API publish of a broken policy: %d %+v", res.status, lint)
	}
	// Missing approver and a malformed date are field errors, not lint errors.
	valid, _ := policy.Preset("mhlw-2022")
	for _, req := range []map[string]any{
		{"source": string(valid), "effective_from": today()},
		{"source": string(valid), "effective_from": "1 April", "approved_by": "取締役会"},
	} {
		b, _ := json.Marshal(req)
		if res := c.sendJSON("POST", "/api/v1/policy/versions", string(b)); res.status != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", req, res.status)
		}
	}
	if n := len(e.versions(org)); n != 1 {
		t.Errorf("%d versions after refused publishes, want 1", n)
	}
	// The API publishes a valid one.
	b, _ := json.Marshal(map[string]any{"source": string(valid), "effective_from": today(), "approved_by": "取締役会"})
	res = c.sendJSON("POST", "/api/v1/policy/versions", string(b))
	var v kasuhara.PolicyVersion
	res.json(t, &v)
	if res.status != http.StatusCreated || v.Version != 2 || v.Source == "" || len(v.Digest) != 64 {
		t.Errorf("API publish: %d %+v", res.status, v)
	}
}

func TestPolicyPublish_OnlyAdminsOfTheOrganization(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	group, retail := e.orgID("demo"), e.orgID("demo-retail")
	valid, _ := policy.Preset("mhlw-2022")
	publish := func(c *client, org int64) (form, api int) {
		f := url.Values{"org": {strconv.FormatInt(org, 10)}, "source": {string(valid)}, "effective_from": {today()}, "approved_by": {"取締役会"}}
		b, _ := json.Marshal(map[string]any{"org_id": org, "source": string(valid), "effective_from": today(), "approved_by": "取締役会"})
		return c.postForm("/admin/policy/publish", f).status, c.sendJSON("POST", "/api/v1/policy/versions", string(b)).status
	}
	for _, email := range []string{"staff@demo.example.jp", "supervisor@demo.example.jp", "auditor@demo.example.jp", "exec@demo.example.jp", "desk@demo.example.jp"} {
		if f, a := publish(e.loggedIn(email), group); f != http.StatusForbidden || a != http.StatusForbidden {
			t.Errorf("%s publishing: form %d, API %d; want 403", email, f, a)
		}
	}
	// The retail admin manages retail only: the group is invisible to them.
	ra := e.loggedIn("retail-admin@demo.example.jp")
	if f, a := publish(ra, group); f != http.StatusNotFound || a != http.StatusNotFound {
		t.Errorf("subsidiary admin publishing for the group: form %d, API %d; want 404", f, a)
	}
	gv := e.versions(group)[0]
	for _, path := range []string{
		fmt.Sprintf("/admin/policy/versions/%d", gv.ID), fmt.Sprintf("/api/v1/policy/versions/%d", gv.ID),
		fmt.Sprintf("/admin/policy?org=%d", group), fmt.Sprintf("/admin/policy/edit?org=%d", group),
		fmt.Sprintf("/api/v1/policy/in-effect?org=%d", group),
	} {
		if res := ra.get(path); res.status != http.StatusNotFound {
			t.Errorf("subsidiary admin GET %s: %d, want 404", path, res.status)
		}
	}
	if entries, _ := e.db.ListAudit(context.Background(), kasuhara.AuditFilter{Action: "policy.manage"}); len(entries) < 7 || entries[0].Outcome != "denied" {
		t.Errorf("refused attempts not audited: %d entries", len(entries))
	}
	// The group admin, with group access, may publish for a subsidiary.
	if f, _ := publish(e.loggedIn("admin@demo.example.jp"), retail); f != http.StatusSeeOther {
		t.Errorf("group admin publishing for a subsidiary: %d", f)
	}
	if n := len(e.versions(group)); n != 1 {
		t.Errorf("group has %d versions after refused attempts, want 1", n)
	}
}

func TestPolicyAPI_VersionInEffectAtAMoment(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	c := e.loggedIn("call-staff@demo.example.jp")
	var v kasuhara.PolicyVersion
	res := c.get("/api/v1/policy/in-effect?at=" + url.QueryEscape("2025-04-01T00:00:00+09:00"))
	res.json(t, &v)
	if res.status != 200 || v.Version != 1 || v.OrgID != e.orgID("demo-call") || v.Source == "" {
		t.Errorf("in effect on the first day: %d %+v", res.status, v)
	}
	if res := c.get("/api/v1/policy/in-effect?at=" + url.QueryEscape("2025-03-31T23:59:59+09:00")); res.status != http.StatusNotFound {
		t.Errorf("before the first version: %d, want 404", res.status)
	}
	if res := c.get("/api/v1/policy/in-effect?at=yesterday"); res.status != http.StatusBadRequest {
		t.Errorf("bad time: %d, want 400", res.status)
	}
	// Staff read the policy in effect but not the version history.
	if res := c.get("/api/v1/policy/versions"); res.status != http.StatusForbidden {
		t.Errorf("staff listing versions: %d, want 403", res.status)
	}
	var presets struct {
		Items []policy.PresetInfo `json:"items"`
	}
	c.get("/api/v1/policy/presets").json(t, &presets)
	if len(presets.Items) < 7 {
		t.Errorf("presets: %+v", presets)
	}
	if res := c.get("/api/v1/policy/presets/tokyo-2025"); res.status != 200 || !strings.Contains(res.body, "kasuhara.policy/v1") {
		t.Errorf("preset source: %d", res.status)
	}
	if res := c.get("/api/v1/policy/presets/..%2Fpolicy"); res.status != http.StatusNotFound {
		t.Errorf("preset path escape: %d, want 404", res.status)
	}
}

func TestPolicyAPI_HostileYAMLGetsAClear4xxQuickly(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	c := e.loggedIn("admin@demo.example.jp")
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'k'; i++ {
		bomb += fmt.Sprintf("%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	for name, c2 := range map[string]struct {
		source string
		status int
	}{
		"alias bomb":  {bomb, http.StatusUnprocessableEntity},
		"deep":        {deep, http.StatusUnprocessableEntity},
		"wrong types": {"format: [1]\nid: {a: b}\ntitle: 3\n", http.StatusUnprocessableEntity},
		"not yaml":    {"\x00\x01: : :\n\t- ]", http.StatusUnprocessableEntity},
		"huge":        {strings.Repeat("# padding\n", 200000), http.StatusRequestEntityTooLarge},
	} {
		b, _ := json.Marshal(map[string]any{"source": c2.source, "effective_from": today(), "approved_by": "x"})
		start := time.Now()
		res := c.sendJSON("POST", "/api/v1/policy/versions", string(b))
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s took %v", name, took)
		}
		if res.status != c2.status || !strings.Contains(res.body, `"message"`) {
			t.Errorf("%s: %d, want %d with a message\n%.300s", name, res.status, c2.status, res.body)
		}
		lint := c.sendJSON("POST", "/api/v1/policy/lint", string(mustJSON(map[string]string{"source": c2.source})))
		if c2.status == http.StatusUnprocessableEntity && (lint.status != 200 || !strings.Contains(lint.body, `"valid":false`)) {
			t.Errorf("lint %s: %d %.200s", name, lint.status, lint.body)
		}
	}
	if n := len(e.versions(e.orgID("demo"))); n != 1 {
		t.Errorf("hostile input stored versions: %d", n)
	}
	// The lint endpoint says a preset is fine.
	valid, _ := policy.Preset("lall-hokenshi-2022")
	if res := c.sendJSON("POST", "/api/v1/policy/lint", string(mustJSON(map[string]string{"source": string(valid)}))); !strings.Contains(res.body, `"valid":true`) {
		t.Errorf("lint of a preset: %s", res.body)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
