package web_test

import (
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kasuhara/kasuhara/sqlstore"
)

const suggestNarrative = "「殺すぞ」と言い、「SNSに晒してやる」と怒鳴った"

func TestQuickReportSuggest_TicksTheTypesFoundAndFilesNothing(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	staff := e.loggedIn("staff@demo.example.jp")
	before := staff.get("/api/v1/cases").body
	form := url.Values{"channel": {"phone"}, "occurred_at": {"2026-03-01T10:00"}, "demand": {"返金"},
		"narrative": {suggestNarrative}, "types": {"time-restraint"}, "place": {"SUG-1"}, "suggest": {"1"}}
	res := staff.postForm("/cases", form)
	if res.status != http.StatusOK {
		t.Fatalf("suggest: %d %.500s", res.status, res.body)
	}
	ticked := func(id string) bool {
		return regexp.MustCompile(`value="` + id + `" checked`).MatchString(res.body)
	}
	for _, id := range []string{"threat", "sns-posting", "time-restraint"} { // found, found, and the staff member's own
		if !ticked(id) {
			t.Errorf("type %s not ticked after suggesting", id)
		}
	}
	if ticked("sexual-harassment") {
		t.Error("a type nobody found is ticked")
	}
	for _, want := range []string{"検出: 「殺す", "SUG-1", suggestNarrative, "data-server-filled", "類型の候補にチェックを入れました"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("suggested form lacks %q", want)
		}
	}
	if after := staff.get("/api/v1/cases").body; after != before {
		t.Error("asking for suggestions filed a case")
	}
	// Nothing written: the form comes back with the field named.
	res = staff.postForm("/cases", url.Values{"channel": {"phone"}, "narrative": {" "}, "suggest": {"1"}})
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, `role="alert"`) {
		t.Errorf("suggest without text: %d", res.status)
	}

	api := staff.sendJSON("POST", "/api/v1/cases/type-suggestions", `{"narrative":"`+suggestNarrative+`"}`)
	var out struct {
		Items []struct {
			TypeID string   `json:"type_id"`
			Label  string   `json:"label"`
			Quotes []string `json:"quotes"`
		} `json:"items"`
	}
	api.json(t, &out)
	ids := map[string]bool{}
	for _, it := range out.Items {
		ids[it.TypeID] = len(it.Quotes) > 0 && it.Label != ""
	}
	if api.status != 200 || !ids["threat"] || !ids["sns-posting"] {
		t.Errorf("API suggestions: %d %s", api.status, api.body)
	}
	if res := staff.sendJSON("POST", "/api/v1/cases/type-suggestions", `{"narrative":"x","extra":1}`); res.status != http.StatusBadRequest {
		t.Errorf("unknown field: %d", res.status)
	}
	if res := e.client().sendJSON("POST", "/api/v1/cases/type-suggestions", `{"narrative":"x"}`); res.status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", res.status)
	}
}

func TestBrowser_QuickReportSuggestsTypesInPlaceAndTheStaffMemberDecides(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	ctx := browser(t)
	var threat, sns, sexual, url string
	var threatTicked, snsTicked, sexualTicked bool
	var shot []byte
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		browserLogin(e.ts.URL+"/login?next=/cases/new", "staff@demo.example.jp"),
		chromedp.WaitVisible(`#quick-report`, chromedp.ByQuery),
		chromedp.SendKeys(`#narrative`, suggestNarrative, chromedp.ByQuery),
		chromedp.Click(`#suggest-types`, chromedp.ByQuery),
		chromedp.WaitVisible(`label[data-type=threat] .suggested`, chromedp.ByQuery),
		// The staff member disagrees about one of them.
		chromedp.Click(`input[name=types][value=sns-posting]`, chromedp.ByQuery),
		chromedp.Click(`#suggest-types`, chromedp.ByQuery),
		chromedp.WaitVisible(`label[data-type=sns-posting] .suggested`, chromedp.ByQuery),
		chromedp.Text(`label[data-type=threat] .suggested`, &threat, chromedp.ByQuery),
		chromedp.Text(`label[data-type=sns-posting] .suggested`, &sns, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('label[data-type=sexual-harassment] .suggested').textContent`, &sexual),
		chromedp.Evaluate(`document.querySelector('input[value=threat]').checked`, &threatTicked),
		chromedp.Evaluate(`document.querySelector('input[value=sns-posting]').checked`, &snsTicked),
		chromedp.Evaluate(`document.querySelector('input[value=sexual-harassment]').checked`, &sexualTicked),
		chromedp.Evaluate(`location.pathname`, &url),
		chromedp.FullScreenshot(&shot, 100),
	)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(artifact(t, "quick-report-suggestions.png"), shot, 0o644)
	if url != "/cases/new" {
		t.Errorf("the page left the form: %s", url)
	}
	if !threatTicked || !strings.Contains(threat, "殺す") {
		t.Errorf("threat: ticked %v, quote %q", threatTicked, threat)
	}
	if snsTicked || !strings.Contains(sns, "晒") {
		t.Errorf("sns-posting: ticked %v after the staff member unticked it, quote %q", snsTicked, sns)
	}
	if sexualTicked || sexual != "" {
		t.Errorf("a type nobody found: ticked %v, %q", sexualTicked, sexual)
	}
}
