package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

// quickReport is a filled quick-report form; the demo policy's types are
// those of the sustainability-group preset (暴言, 脅迫…).
func quickReport(marker string) url.Values {
	return url.Values{
		"channel": {"face_to_face"}, "occurred_at": {time.Now().In(time.FixedZone("JST", 9*3600)).Add(-time.Hour).Format("2006-01-02T15:04")},
		"place": {"新宿店 1階カウンター"}, "customer_name": {"佐々木 一郎"}, "customer_phone": {"０９０－９９９９－０００１"},
		"demand": {"全額返金と店長の土下座"}, "narrative": {marker + " 大声で「誠意を見せろ」と30分怒鳴り続けた"},
		"types": {"abusive-language", "time-restraint"}, "staff_count": {"1"}, "wants_to_talk": {"1"},
	}
}

func TestQuickReport_FiledFromTheFormNotifiesTheSupervisor(t *testing.T) {
	for _, dialect := range sqltest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			staff := e.loggedIn("staff@demo.example.jp")
			page := staff.get("/cases/new")
			if page.status != 200 || !strings.Contains(page.body, "暴言") || !strings.Contains(page.body, `name="types"`) || !strings.Contains(page.body, "quick-report.") {
				t.Fatalf("quick report page: %d\n%s", page.status, page.body)
			}
			res := staff.postForm("/cases", quickReport("QR-1"))
			if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/cases/") {
				t.Fatalf("submit: %d %s\n%s", res.status, res.header.Get("Location"), res.body)
			}
			detail := staff.get(res.header.Get("Location"))
			for _, want := range []string{"QR-1", "data-clear-draft", "受付", "暴言", "新宿店 1階カウンター"} {
				if !strings.Contains(detail.body, want) {
					t.Errorf("case page lacks %q", want)
				}
			}
			if strings.Contains(detail.body, `action="/cases/`) && strings.Contains(detail.body, "/transition") {
				t.Error("staff sees transition buttons")
			}
			sv := e.loggedIn("supervisor@demo.example.jp")
			var ns struct {
				Items []kasuhara.Notification `json:"items"`
			}
			sv.get("/api/v1/notifications").json(t, &ns)
			if len(ns.Items) == 0 || ns.Items[0].Kind != "case_reported" || ns.Items[0].CaseID == nil {
				t.Errorf("supervisor notifications: %+v", ns.Items)
			}
			svPage := sv.get(res.header.Get("Location"))
			if !strings.Contains(svPage.body, "/transition") || !strings.Contains(svPage.body, "事実確認へ") {
				t.Errorf("supervisor lacks the transition buttons")
			}
		})
	}
}

func TestQuickReport_BadInputKeepsWhatWasTyped(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	staff := e.loggedIn("staff@demo.example.jp")
	for name, c := range map[string]struct {
		change func(v url.Values)
		want   string
	}{
		"no channel":       {func(v url.Values) { v.Del("channel") }, "経路を選んでください"},
		"unknown type":     {func(v url.Values) { v["types"] = []string{"no-such-type"} }, "方針にない類型です"},
		"bad time":         {func(v url.Values) { v.Set("occurred_at", "yesterday") }, "日時の形式"},
		"future":           {func(v url.Values) { v.Set("occurred_at", "2099-01-01T10:00") }, "未来の日時"},
		"nothing happened": {func(v url.Values) { v.Del("narrative"); v.Del("demand") }, "入力してください"},
		"staff count":      {func(v url.Values) { v.Set("staff_count", "-3") }, "対応人数"},
		"control chars":    {func(v url.Values) { v.Set("place", "店\x07舗") }, "制御文字"},
	} {
		v := quickReport("BAD")
		c.change(v)
		res := staff.postForm("/cases", v)
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, c.want) || !strings.Contains(res.body, "佐々木 一郎") {
			t.Errorf("%s: %d, want 400 with %q and the typed values kept\n%s", name, res.status, c.want, res.body)
		}
	}
	// The API refuses the same input as JSON, naming the field.
	res := staff.sendJSON("POST", "/api/v1/cases", `{"channel":"fax","occurred_at":"2026-01-01T10:00:00+09:00","narrative":"x"}`)
	if res.status != 400 || !strings.Contains(res.body, `"field":"channel"`) {
		t.Errorf("API bad channel: %d %s", res.status, res.body)
	}
	res = staff.sendJSON("POST", "/api/v1/cases", `{"channel":"phone","narrative":"x","extra":1}`)
	if res.status != 400 || !strings.Contains(res.body, `"field":"extra"`) {
		t.Errorf("API unknown field: %d %s", res.status, res.body)
	}
}

// fileCase files a case over the API as c and returns its ID.
func fileCase(t *testing.T, c *client, body string) int64 {
	t.Helper()
	res := c.sendJSON("POST", "/api/v1/cases", body)
	if res.status != http.StatusCreated {
		t.Fatalf("file case: %d %s", res.status, res.body)
	}
	var out struct {
		Case kasuhara.Case `json:"case"`
	}
	res.json(t, &out)
	return out.Case.ID
}

func TestCasesAPI_ListFiltersCursorAndAccess(t *testing.T) {
	for _, dialect := range sqltest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			staff := e.loggedIn("staff@demo.example.jp")
			at := time.Now().Add(-2 * time.Hour).Format(time.RFC3339)
			for i, ch := range []string{"phone", "phone", "email"} {
				fileCase(t, staff, fmt.Sprintf(`{"channel":%q,"occurred_at":%q,"narrative":"FLT-%d 執拗な電話で「ぶっ殺すぞ」と言われた","types":["threat"],"customer_phone":"03-5555-0101"}`, ch, at, i))
			}
			sv := e.loggedIn("supervisor@demo.example.jp")
			total := func(c *client, query string) int {
				t.Helper()
				res := c.get("/api/v1/cases?" + query)
				if res.status != 200 {
					t.Fatalf("list %s: %d %s", query, res.status, res.body)
				}
				var page kasuhara.CasePage
				res.json(t, &page)
				return page.Total
			}
			for q, want := range map[string]int{
				"q=FLT-":                 3,
				"q=FLT-&channel=phone":   2,
				"q=FLT-&type=threat":     3,
				"q=FLT-&type=repeat":     0,
				"q=ぶっ殺す":                 3,
				"q=ブッ殺ス":                 3, // katakana folds to hiragana
				"q=FLT-&state=reported":  3,
				"q=FLT-&state=closed":    0,
				"q=FLT-&overdue=1":       0,
				"q=FLT-&assignee=me":     0,
				"q=FLT-&from=2000-01-01": 3,
				"q=FLT-&to=2000-01-01":   0,
			} {
				if got := total(sv, q); got != want {
					t.Errorf("supervisor %s: total %d, want %d", q, got, want)
				}
			}
			res := sv.get("/api/v1/cases?q=FLT-&limit=2")
			var page kasuhara.CasePage
			res.json(t, &page)
			if len(page.Items) != 2 || page.NextCursor == "" {
				t.Fatalf("first page: %+v", page)
			}
			var page2 kasuhara.CasePage
			sv.get("/api/v1/cases?q=FLT-&limit=2&cursor="+url.QueryEscape(page.NextCursor)).json(t, &page2)
			if len(page2.Items) != 1 || page2.NextCursor != "" || page2.Total != 3 || page2.Items[0].ID == page.Items[1].ID {
				t.Errorf("second page: %d items, cursor %q, total %d", len(page2.Items), page2.NextCursor, page2.Total)
			}
			for _, bad := range []string{"state=open", "channel=fax", "limit=0", "cursor=zz", "department=x", "from=tomorrow"} {
				if res := sv.get("/api/v1/cases?" + bad); res.status != 400 {
					t.Errorf("bad filter %s: %d", bad, res.status)
				}
			}
			// Another staff member of the group sees none of them; another organization's supervisor neither.
			if got := total(e.loggedIn("umeda-staff@demo.example.jp"), "q=FLT-"); got != 0 {
				t.Errorf("staff of a subsidiary sees %d", got)
			}
			if res := e.loggedIn("call-lead@demo.example.jp").get("/api/v1/cases?q=FLT-&org=1"); res.status != 404 {
				t.Errorf("other organization's supervisor listing: %d", res.status)
			}
			// The repeated phone number made one customer, flagged after three cases.
			var cust struct {
				Items []kasuhara.Customer `json:"items"`
				Total int                 `json:"total"`
			}
			sv.get("/api/v1/customers?q=0355550101").json(t, &cust)
			if cust.Total != 1 || !cust.Items[0].Repeat {
				t.Errorf("customer registry: %+v", cust)
			}
		})
	}
}

func TestCasesAPI_StaffCannotReadOthersCasesAndOtherOrgsGet404(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	staff := e.loggedIn("staff@demo.example.jp")
	id := fileCase(t, staff, `{"channel":"phone","occurred_at":"`+time.Now().Add(-time.Hour).Format(time.RFC3339)+`","narrative":"ACL 長時間の電話"}`)
	path := fmt.Sprintf("/api/v1/cases/%d", id)
	for _, r := range []struct {
		email string
		want  int
	}{
		{"staff@demo.example.jp", 200},
		{"supervisor@demo.example.jp", 200},
		{"auditor@demo.example.jp", 200},        // group auditor
		{"exec@demo.example.jp", 200},           // group executive
		{"desk@demo.example.jp", 404},           // not involved
		{"admin@demo.example.jp", 404},          // accounts, not cases
		{"shinjuku-staff@demo.example.jp", 404}, // subsidiary staff
		{"shinjuku-lead@demo.example.jp", 404},  // subsidiary supervisor, other organization
	} {
		if res := e.loggedIn(r.email).get(path); res.status != r.want {
			t.Errorf("%s GET case: %d, want %d", r.email, res.status, r.want)
		}
	}
	if res := e.loggedIn("auditor@demo.example.jp").sendJSON("POST", path+"/transition", `{"to":"fact_finding"}`); res.status != 403 {
		t.Errorf("auditor transition: %d", res.status)
	}
	if res := staff.sendJSON("POST", path+"/transition", `{"to":"fact_finding"}`); res.status != 403 {
		t.Errorf("staff transition: %d", res.status)
	}
	sv := e.loggedIn("supervisor@demo.example.jp")
	if res := sv.sendJSON("POST", path+"/transition", `{"to":"closed"}`); res.status != 409 || !strings.Contains(res.body, "から") {
		t.Errorf("skip to closed: %d %s", res.status, res.body)
	}
	if res := sv.sendJSON("POST", path+"/transition", `{"to":"fact_finding"}`); res.status != 200 {
		t.Errorf("to fact finding: %d %s", res.status, res.body)
	}
	// The attachment is stored as sent, hashed, and only those involved download it.
	res := staff.do("POST", path+"/attachments?name="+url.QueryEscape("通話メモ.txt"), "text/plain; charset=utf-8", "「責任者を出せ」")
	if res.status != 201 || !strings.Contains(res.body, `"sha256"`) {
		t.Fatalf("attach: %d %s", res.status, res.body)
	}
	var att kasuhara.Attachment
	res.json(t, &att)
	dl := fmt.Sprintf("%s/attachments/%d", path, att.ID)
	if got := sv.get(dl); got.status != 200 || got.body != "「責任者を出せ」" || got.header.Get("X-Content-SHA256") != att.SHA256 || !strings.HasPrefix(got.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %q %v", got.status, got.body, got.header)
	}
	if got := e.loggedIn("desk@demo.example.jp").get(dl); got.status != 404 {
		t.Errorf("uninvolved download: %d", got.status)
	}
}

func TestCasesCSV_HasBOMAndPersonalDataOnlyForAllowedRoles(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	staff := e.loggedIn("staff@demo.example.jp")
	staff.postForm("/cases", quickReport("CSV-1"))
	for _, r := range []struct {
		email    string
		status   int
		personal bool
	}{
		{"supervisor@demo.example.jp", 200, true},
		{"admin@demo.example.jp", 200, false},
		{"staff@demo.example.jp", 403, false},
	} {
		res := e.loggedIn(r.email).get("/cases/export.csv?q=CSV-1")
		if res.status != r.status {
			t.Errorf("%s: %d, want %d", r.email, res.status, r.status)
			continue
		}
		if r.status != 200 {
			continue
		}
		if !strings.HasPrefix(res.body, "\ufeffid,") || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
			t.Errorf("%s: no BOM or wrong type: %q %s", r.email, res.body[:min(20, len(res.body))], res.header.Get("Content-Type"))
		}
		if strings.Contains(res.body, "佐々木") != r.personal {
			t.Errorf("%s: personal data shown = %v, want %v", r.email, !r.personal, r.personal)
		}
	}
}

func TestCustomersAPI_LookupAnswersTheFrontLine(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	sv := e.loggedIn("supervisor@demo.example.jp")
	res := sv.sendJSON("POST", "/api/v1/customers", `{"name":"鈴木 花子","phone":"045-111-2222","member_no":"K-1001"}`)
	if res.status != 201 {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var c kasuhara.Customer
	res.json(t, &c)
	res = sv.sendJSON("POST", fmt.Sprintf("/api/v1/customers/%d/restrictions", c.ID), `{"kind":"refuse_calls","reason":"1日20回の架電","sanction_id":"suspend-or-refuse"}`)
	if res.status != 201 {
		t.Fatalf("restrict: %d %s", res.status, res.body)
	}
	staff := e.loggedIn("staff@demo.example.jp")
	var look struct {
		Restricted   bool             `json:"restricted"`
		Say          []string         `json:"say"`
		Restrictions []map[string]any `json:"restrictions"`
		Customers    []any            `json:"customers"`
	}
	staff.get("/api/v1/customers/lookup?phone="+url.QueryEscape("+81 45-111-2222")).json(t, &look)
	if !look.Restricted || len(look.Say) == 0 || look.Restrictions[0]["reason"] != nil || look.Customers != nil {
		t.Errorf("staff lookup: %+v", look)
	}
	sv.get("/api/v1/customers/lookup?member=k1001&channel=phone").json(t, &look)
	if !look.Restricted || look.Restrictions[0]["reason"] != "1日20回の架電" || len(look.Customers) != 1 {
		t.Errorf("supervisor lookup: %+v", look)
	}
	if res := staff.get("/api/v1/customers/lookup"); res.status != 400 {
		t.Errorf("lookup without a key: %d", res.status)
	}
	if res := staff.get("/api/v1/customers"); res.status != 403 {
		t.Errorf("staff lists customers: %d", res.status)
	}
	if res := staff.sendJSON("POST", fmt.Sprintf("/api/v1/customers/%d/restrictions", c.ID), `{"kind":"refuse_calls","reason":"x"}`); res.status != 403 {
		t.Errorf("staff restricts: %d", res.status)
	}
	var r kasuhara.Restriction
	sv.get(fmt.Sprintf("/api/v1/customers/%d", c.ID)).json(t, &struct {
		Restrictions []*kasuhara.Restriction `json:"restrictions"`
	}{[]*kasuhara.Restriction{&r}})
	if res := sv.sendJSON("POST", fmt.Sprintf("/api/v1/restrictions/%d/lift", r.ID), `{"reason":"弁護士を通じて合意"}`); res.status != 200 {
		t.Errorf("lift: %d %s", res.status, res.body)
	}
	staff.get("/api/v1/customers/lookup?phone=0451112222").json(t, &look)
	if look.Restricted {
		t.Error("still restricted after lifting")
	}
}

func TestBrowser_QuickReportOnAPhoneKeepsTheDraft(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	ctx := browser(t)
	var scrollWidth, clientWidth int
	var restored, typesText string
	var shot []byte
	var caseText string
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		browserLogin(e.ts.URL+"/login?next=/cases/new", "staff@demo.example.jp"),
		chromedp.WaitVisible(`#quick-report`, chromedp.ByQuery),
		chromedp.Click(`input[name=channel][value=phone]`, chromedp.ByQuery),
		chromedp.SendKeys(`#narrative`, "BRW-1 「ふざけるな」と2時間電話が続いた", chromedp.ByQuery),
		chromedp.Click(`input[name=types][value=time-restraint]`, chromedp.ByQuery),
		// The connection drops: the page is reloaded, and the draft comes back from this device.
		chromedp.Reload(),
		chromedp.WaitVisible(`#quick-report`, chromedp.ByQuery),
		chromedp.Value(`#narrative`, &restored, chromedp.ByQuery),
		chromedp.Text(`fieldset.types`, &typesText, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollWidth),
		chromedp.Evaluate(`document.documentElement.clientWidth`, &clientWidth),
		chromedp.FullScreenshot(&shot, 100),
		submitAndWait(`#narrative`),
		chromedp.WaitVisible(`[data-clear-draft]`, chromedp.ByQuery),
		chromedp.Text(`main`, &caseText, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(artifact(t, "quick-report.png"), shot, 0o644)
	if !strings.Contains(restored, "BRW-1") {
		t.Errorf("draft not restored after reload: %q", restored)
	}
	if !strings.Contains(typesText, "時間拘束") {
		t.Errorf("types not in the organization's wording: %q", typesText)
	}
	if scrollWidth > clientWidth {
		t.Errorf("page scrolls sideways on a phone: %d > %d", scrollWidth, clientWidth)
	}
	if !strings.Contains(caseText, "BRW-1") || !strings.Contains(caseText, "時間拘束") {
		t.Errorf("case page after submit:\n%s", caseText)
	}
	// Submitted: the draft is gone, a new report starts empty.
	var empty string
	var checkedChannel bool
	err = chromedp.Run(ctx,
		chromedp.Navigate(e.ts.URL+"/cases/new"),
		chromedp.WaitVisible(`#quick-report`, chromedp.ByQuery),
		chromedp.Value(`#narrative`, &empty, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('input[name=channel][value=phone]').checked`, &checkedChannel),
	)
	if err != nil {
		t.Fatal(err)
	}
	if empty != "" || checkedChannel {
		t.Errorf("draft survived the submission: %q %v", empty, checkedChannel)
	}
}

func TestCasePage_LegalHoldFromTheCasePage(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	ctx := context.Background()
	org, _ := e.db.FindOrgBySlug(ctx, "demo-retail")
	page, err := e.db.ListCases(ctx, kasuhara.CaseFilter{OrgIDs: []int64{org.ID}, Limit: 1})
	var cases []*kasuhara.Case
	if page != nil {
		cases = page.Items
	}
	if err != nil || len(cases) == 0 {
		t.Fatalf("no demo case: %v", err)
	}
	path := fmt.Sprintf("/cases/%d", cases[0].ID)
	exec := e.loggedIn("exec@demo.example.jp")
	if page := exec.get(path); !strings.Contains(page.body, "法的保全をかける") {
		t.Fatalf("no legal hold form for an executive: %d", page.status)
	}
	if res := exec.postForm(path+"/legal-hold", url.Values{"hold": {"1"}, "reason": {""}}); res.status != http.StatusBadRequest || !strings.Contains(res.body, "入力してください") {
		t.Errorf("hold without a reason: %d", res.status)
	}
	if res := exec.postForm(path+"/legal-hold", url.Values{"hold": {"1"}, "reason": {"訴訟の可能性"}}); res.status != http.StatusSeeOther {
		t.Fatalf("hold: %d %s", res.status, res.body)
	}
	if held, reason, _ := e.db.LegalHold(ctx, org.ID, cases[0].ID); !held || reason != "訴訟の可能性" {
		t.Errorf("not held: %v %q", held, reason)
	}
	if page := exec.get(path); !strings.Contains(page.body, "法的保全を解除する") {
		t.Error("held case offers no release")
	}
	if res := e.loggedIn("shinjuku-lead@demo.example.jp").postForm(path+"/legal-hold", url.Values{"hold": {"0"}}); res.status != http.StatusForbidden {
		t.Errorf("supervisor releases a hold: %d", res.status)
	}
}
