package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/app"
	"github.com/kasuhara/kasuhara/demo"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
	"github.com/kasuhara/kasuhara/web"
)

// newLoggedEnv is newEnv with every log line of the app and the server,
// down to debug, kept for the test to read.
func newLoggedEnv(t *testing.T) (*env, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db := sqltest.Open(t, sqlstore.SQLite)
	a := app.New(db, log)
	if _, err := demo.Load(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := web.NewServer(a, log, db)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, db: db, app: a, srv: srv, ts: ts}, logs
}

var (
	publicCSRFRe = regexp.MustCompile(`name="public_csrf" value="([^"]+)"`)
	receiptRe    = regexp.MustCompile(`id="receipt-code">([A-Z2-7-]+)<`)
)

// publicPost fetches page for its form token and posts v to action.
func (c *client) publicPost(page, action string, v url.Values) response {
	c.t.Helper()
	res := c.get(page)
	m := publicCSRFRe.FindStringSubmatch(res.body)
	if m == nil {
		c.t.Fatalf("no form token on %s (%d):\n%s", page, res.status, res.body)
	}
	v.Set("public_csrf", m[1])
	return c.postForm(action, v)
}

func TestConsultation_AnonymousThroughThePublicLinkLeavesNoAddressOrAccount(t *testing.T) {
	e, logs := newLoggedEnv(t)
	// A signed-in staff member uses the anonymous form: the session must not be used.
	c := e.loggedIn("shinjuku-staff@demo.example.jp")
	page := c.get("/p/demo-retail/consult")
	if page.status != http.StatusOK || !strings.Contains(page.body, "不利益な取扱い") || !strings.Contains(page.body, "IPアドレス") {
		t.Fatalf("public form lacks the promise or the privacy notice: %d", page.status)
	}
	if strings.Contains(page.body, "加藤 悠斗") {
		t.Error("the anonymous form shows the signed-in user")
	}
	res := c.publicPost("/p/demo-retail/consult", "/p/demo-retail/consult", url.Values{"anonymous": {"1"}, "name": {"加藤 悠斗"},
		"relation": {"employee"}, "topic": {"borderline"}, "body": {"毎日電話で同じことを責められます"}, "wish": {"listen"}})
	m := receiptRe.FindStringSubmatch(res.body)
	if res.status != http.StatusOK || m == nil {
		t.Fatalf("no receipt code shown (%d):\n%s", res.status, res.body)
	}
	code := m[1]
	// Nothing stored names the consultant or their address.
	list, err := e.db.ListConsultations(context.Background(), kasuhara.ConsultationFilter{OrgIDs: orgIDs(t, e, "demo-retail"), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var stored *kasuhara.Consultation
	for _, x := range list {
		if x.Body == "毎日電話で同じことを責められます" {
			stored = x
		}
	}
	if stored == nil || !stored.Anonymous || stored.Name != "" || stored.UserID != nil {
		t.Fatalf("stored: %+v", stored)
	}
	entries, _ := e.db.ListAudit(context.Background(), kasuhara.AuditFilter{Action: "consultation.", Limit: 200})
	found := false
	for _, en := range entries {
		if en.Target == "consultation:"+itoa(stored.ID) {
			found = true
			if en.IP != "" || en.ActorID != nil || en.Actor != "anonymous" {
				t.Errorf("audit entry identifies the consultant: %+v", en)
			}
		}
	}
	if !found {
		t.Error("the anonymous consultation is not audited")
	}
	// The logs of the public routes carry neither an address nor a user.
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "127.0.0.1") {
			t.Errorf("log line carries the address: %s", line)
		}
		if strings.Contains(line, "/p/{org}/consult") && strings.Contains(line, "user_id") {
			t.Errorf("public consultation logged with the user: %s", line)
		}
	}
	// The desk answers; the consultant reads it with the code, from a fresh browser.
	desk := e.loggedIn("desk@demo.example.jp")
	if r := desk.postForm("/desk/consultations/"+itoa(stored.ID)+"/reply", url.Values{"body": {"お話を伺います"}}); r.status != http.StatusSeeOther {
		t.Fatalf("reply: %d\n%s", r.status, r.body)
	}
	anon := e.client()
	thread := anon.publicPost("/p/demo-retail/consult/status", "/p/demo-retail/consult/status", url.Values{"code": {strings.ToLower(code)}})
	if thread.status != http.StatusOK || !strings.Contains(thread.body, "お話を伺います") || !strings.Contains(thread.body, "不利益な取扱い") {
		t.Fatalf("status page (%d) lacks the reply or the promise:\n%s", thread.status, thread.body)
	}
	wrong := anon.publicPost("/p/demo-retail/consult/status", "/p/demo-retail/consult/status", url.Values{"code": {"AAAA-BBBB-CCCC"}})
	if wrong.status != http.StatusBadRequest || !strings.Contains(wrong.body, "受付番号が見つかりません") {
		t.Errorf("wrong code: %d", wrong.status)
	}
	// A post without the form's token is refused and stores nothing.
	if r := e.client().postForm("/p/demo-retail/consult", url.Values{"anonymous": {"1"}, "relation": {"employee"}, "topic": {"other"}, "body": {"x"}}); r.status != http.StatusForbidden {
		t.Errorf("post without token: %d", r.status)
	}
	// Consent through the status page, choosing what passes on.
	consent := anon.publicPost("/p/demo-retail/consult/status", "/p/demo-retail/consult/consent", url.Values{"code": {code},
		"fields": {"narrative"}, "narrative": {"同じ内容の電話が毎日続いている"}})
	if consent.status != http.StatusOK || !strings.Contains(consent.body, "同意済み") {
		t.Fatalf("consent (%d):\n%s", consent.status, consent.body)
	}
}

func orgIDs(t *testing.T, e *env, slug string) []int64 {
	t.Helper()
	o, err := e.db.FindOrgBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return []int64{o.ID}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestConsultation_OnlyTheDeskReadsThemAndEveryScreenShowsThePromise(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	staff := e.loggedIn("staff@demo.example.jp")
	res := staff.postForm("/consult", url.Values{"topic": {"incident"}, "channel": {"phone"}, "body": {"電話で長時間責められました"}, "wish": {"advice"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("named consultation: %d\n%s", res.status, res.body)
	}
	loc := res.header.Get("Location")
	own := staff.get(loc)
	if own.status != http.StatusOK || !strings.Contains(own.body, "不利益な取扱い") {
		t.Fatalf("own consultation page: %d", own.status)
	}
	id := strings.TrimPrefix(loc, "/consult/")
	for _, email := range []string{"supervisor@demo.example.jp", "exec@demo.example.jp", "auditor@demo.example.jp", "admin@demo.example.jp"} {
		c := e.loggedIn(email)
		if r := c.get("/desk/consultations/" + id); r.status != http.StatusForbidden {
			t.Errorf("%s reads a consultation: %d", email, r.status)
		}
		if r := c.get("/api/v1/consultations"); r.status != http.StatusForbidden {
			t.Errorf("%s lists consultations by API: %d", email, r.status)
		}
	}
	desk := e.loggedIn("desk@demo.example.jp")
	for _, path := range []string{"/desk", "/desk/consultations/" + id, "/consult"} {
		if r := desk.get(path); r.status != http.StatusOK || !strings.Contains(r.body, "不利益な取扱い") {
			t.Errorf("%s: %d, or no promise", path, r.status)
		}
	}
	var th app.ConsultationThread
	r := desk.get("/api/v1/consultations/" + id)
	r.json(t, &th)
	if th.Consultation == nil || th.Consultation.Body != "電話で長時間責められました" {
		t.Fatalf("API read: %s", r.body)
	}
	entries, _ := e.db.ListAudit(context.Background(), kasuhara.AuditFilter{Action: "consultation.read", Limit: 50})
	ok := 0
	for _, en := range entries {
		if en.Outcome == "ok" && en.Target == "consultation:"+id {
			ok++
		}
	}
	if ok != 2 {
		t.Errorf("%d reads audited, want 2 (page and API)", ok)
	}
	// Bad input names the field and stores nothing.
	bad := desk.sendJSON("POST", "/api/v1/consultations/"+id+"/follow-ups", `{"kind":"interview","due_on":"next week"}`)
	var body struct {
		Error struct{ Field string } `json:"error"`
	}
	bad.json(t, &body)
	if bad.status != http.StatusBadRequest || body.Error.Field != "due_on" {
		t.Errorf("bad due day: %d %s", bad.status, bad.body)
	}
	if r := desk.sendJSON("POST", "/api/v1/consultations/"+id+"/handover", `{"channel":"phone"}`); r.status != http.StatusBadRequest {
		t.Errorf("handover without consent: %d %s", r.status, r.body)
	}
}

func TestTraining_AssignTakeQuizAndCertificateThroughThePages(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	admin := e.loggedIn("admin@demo.example.jp")
	page := admin.get("/training/admin")
	if page.status != http.StatusOK || !strings.Contains(page.body, "修了状況") {
		t.Fatalf("admin page: %d", page.status)
	}
	if r := admin.postForm("/training/admin/assignments", url.Values{"module": {"procedure"}, "target": {"all"}, "due_on": {"2000-01-01"}}); r.status != http.StatusBadRequest {
		t.Errorf("past due day: %d", r.status)
	}
	staff := e.loggedIn("staff@demo.example.jp")
	mine := staff.get("/training")
	m := regexp.MustCompile(`href="/training/tasks/(\d+)"`).FindStringSubmatch(mine.body)
	if m == nil {
		t.Fatalf("no task on the staff's training page:\n%s", mine.body)
	}
	task := staff.get("/training/tasks/" + m[1])
	again := staff.get("/training/tasks/" + m[1])
	quizOf := func(body string) string {
		i := strings.Index(body, `id="quiz"`)
		if i < 0 {
			t.Fatalf("no quiz:\n%s", body)
		}
		return body[i:]
	}
	if quizOf(task.body) != quizOf(again.body) {
		t.Error("reloading changes the quiz")
	}
	n := strings.Count(quizOf(task.body), `<fieldset class="question">`)
	v := url.Values{"attempt": {regexp.MustCompile(`name="attempt" value="(\d+)"`).FindStringSubmatch(task.body)[1]}, "questions": {strconv.Itoa(n)}}
	for i := 0; i < n; i++ {
		v.Set("q"+strconv.Itoa(i), "0")
	}
	res := staff.postForm("/training/tasks/"+m[1]+"/quiz", v)
	if res.status != http.StatusOK || !strings.Contains(res.body, "「") || !strings.Contains(res.body, "得点") {
		t.Fatalf("result page (%d) lacks the score or quoted clauses:\n%s", res.status, res.body)
	}
	if r := staff.postForm("/training/tasks/"+m[1]+"/quiz", v); r.status != http.StatusConflict {
		t.Errorf("the same attempt graded twice: %d", r.status)
	}
	if r := e.loggedIn("umeda-staff@demo.example.jp").get("/training/tasks/" + m[1]); r.status != http.StatusNotFound {
		t.Errorf("another person's task: %d", r.status)
	}
}
