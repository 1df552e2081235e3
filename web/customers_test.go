package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara/sqlstore"
)

var customerLinkRe = regexp.MustCompile(`href="/customers/(\d+)"`)

// demoRepeatCaller finds the call centre's repeat customer through the
// list's search, in a spelling unlike the stored one.
func demoRepeatCaller(t *testing.T, c *client) string {
	t.Helper()
	res := c.get("/customers?q=" + url.QueryEscape("+81 90-4444-0001"))
	m := customerLinkRe.FindStringSubmatch(res.body)
	if res.status != 200 || m == nil || !strings.Contains(res.body, "黒田 剛") {
		t.Fatalf("search by phone: %d, no 黒田 剛\n%.2000s", res.status, res.body)
	}
	return "/customers/" + m[1]
}

func TestCustomerPages_ShowHistoryRepeatFlagAndRestrictionsToThoseWhoMaySeeThem(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	lead := e.loggedIn("call-lead@demo.example.jp")
	path := demoRepeatCaller(t, lead)
	for _, q := range []string{"黒田", "０９０４４４４０００１", "09044440001"} {
		if res := lead.get("/customers?q=" + url.QueryEscape(q)); !strings.Contains(res.body, `href="`+path+`"`) {
			t.Errorf("search %q does not find the customer", q)
		}
	}
	if res := lead.get("/customers?q=" + url.QueryEscape("存在しない人")); !strings.Contains(res.body, "該当する顧客はいません") {
		t.Errorf("search without match: %.500s", res.body)
	}
	page := lead.get(path)
	for _, want := range []string{
		"繰り返しの顧客: ",                // the flag and its reason
		"有効な利用制限", "受電対応の拒否", "電話", // the demo restriction, its channel
		"複数部署への度重なる長時間の架電と暴言", "山田 裕子", // reason and approver
		"第一コールセンター", "メール窓口", // contacts across departments
		`href="/cases/`, // the cases
		`action="` + path + `/restrictions"`,
		"解除する",
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("customer page lacks %q", want)
		}
	}
	// The registry is per organization: the group's auditor, signed in to
	// the holding company, does not reach a subsidiary's customer.
	if res := e.loggedIn("auditor@demo.example.jp").get(path); res.status != http.StatusNotFound {
		t.Errorf("holding company auditor: %d, want 404", res.status)
	}
	// Staff use the lookup, not the registry; the nav does not offer it.
	staff := e.loggedIn("call-staff@demo.example.jp")
	if res := staff.get("/customers"); res.status != http.StatusForbidden {
		t.Errorf("staff list: %d, want 403", res.status)
	}
	if res := staff.get(path); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
		t.Errorf("staff customer page: %d", res.status)
	}
	if res := staff.get("/cases"); strings.Contains(res.body, `href="/customers"`) {
		t.Error("staff nav offers the customer registry")
	}
	// The case page links its customer for those who may open it.
	m := regexp.MustCompile(`href="/cases/(\d+)"`).FindStringSubmatch(page.body)
	if res := lead.get("/cases/" + m[1]); !strings.Contains(res.body, `href="`+path+`"`) {
		t.Errorf("case %s does not link the customer", m[1])
	}
}

func TestCustomerPages_RestrictAndLiftWithReasonsAndRefuseBadForms(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	lead := e.loggedIn("call-lead@demo.example.jp")
	path := demoRepeatCaller(t, lead)
	before := lead.get(path).body
	count := func(body string) int { return strings.Count(body, `/lift"`) }
	for _, tt := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no reason", url.Values{"kind": {"stop_email"}}, "理由: 入力してください"},
		{"unknown kind", url.Values{"kind": {"ban"}, "reason": {"x"}}, "制限の種類が正しくありません"},
		{"end before start", url.Values{"kind": {"stop_email"}, "reason": {"x"}, "start": {"2026-05-01T10:00"}, "end": {"2026-04-01T10:00"}}, "終了日時: 終了日時は開始日時より後"},
		{"bad date", url.Values{"kind": {"stop_email"}, "reason": {"x"}, "review_at": {"next week"}}, "見直し日: "},
		{"unknown measure", url.Values{"kind": {"stop_email"}, "reason": {"x"}, "sanction_id": {"nope"}}, "方針の措置: "},
	} {
		res := lead.postForm(path+"/restrictions", tt.form)
		if res.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want a refusal", tt.name, res.status)
		}
		if !strings.Contains(res.body, `role="alert"`) || !strings.Contains(res.body, tt.want) {
			t.Errorf("%s: no localized error %q\n%.400s", tt.name, tt.want, res.body)
		}
	}
	if got := lead.get(path).body; count(got) != count(before) {
		t.Fatalf("refused forms stored a restriction: %d lift forms, had %d", count(got), count(before))
	}
	// The auditor has no form, and a forged post is refused.
	if res := e.loggedIn("auditor@demo.example.jp").postForm(path+"/restrictions", url.Values{"kind": {"stop_email"}, "reason": {"x"}}); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
		t.Errorf("auditor restricts: %d", res.status)
	}
	res := lead.postForm(path+"/restrictions", url.Values{"kind": {"stop_email"}, "sanction_id": {"suspend-or-refuse"},
		"reason": {"1日12通のメール。警告後も継続。"}, "review_at": {"2030-01-31"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("restrict: %d\n%.600s", res.status, res.body)
	}
	page := lead.get(path).body
	if count(page) != count(before)+1 || !strings.Contains(page, "1日12通のメール") || !strings.Contains(page, "メール対応の停止") || !strings.Contains(page, "2030-01-31") {
		t.Fatalf("new restriction not shown:\n%.3000s", page)
	}
	rid := regexp.MustCompile(`/restrictions/(\d+)/lift"`).FindAllStringSubmatch(page, -1)
	last := rid[len(rid)-1][1]
	if res := lead.postForm(fmt.Sprintf("%s/restrictions/%s/lift", path, last), url.Values{"reason": {" "}}); res.status != http.StatusBadRequest || !strings.Contains(res.body, `aria-invalid="true"`) {
		t.Errorf("lift without reason: %d", res.status)
	}
	if res := lead.postForm(fmt.Sprintf("/customers/999999/restrictions/%s/lift", last), url.Values{"reason": {"x"}}); res.status != http.StatusNotFound {
		t.Errorf("lift through another customer's address: %d", res.status)
	}
	if res := lead.postForm(fmt.Sprintf("%s/restrictions/%s/lift", path, last), url.Values{"reason": {"謝罪と今後の約束があった"}}); res.status != http.StatusSeeOther {
		t.Fatalf("lift: %d %.300s", res.status, res.body)
	}
	page = lead.get(path).body
	if count(page) != count(before) || !strings.Contains(page, "過去の利用制限") || !strings.Contains(page, "謝罪と今後の約束があった") {
		t.Errorf("lifted restriction not in the past list:\n%.3000s", page)
	}
}
