package web_test

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kasuhara/kasuhara/sqlstore"
	"github.com/kasuhara/kasuhara/sqlstore/sqltest"
)

func TestDashboard_PageDrawsAccessibleChartsWithTablesAndCSV(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnvOn(t, db)
		c := e.loggedIn("exec@demo.example.jp")
		res := c.get("/dashboard")
		if res.status != http.StatusOK {
			t.Fatalf("status %d\n%s", res.status, res.body)
		}
		svgs := regexp.MustCompile(`(?s)<svg.*?</svg>`).FindAllString(res.body, -1)
		if len(svgs) < 7 {
			t.Fatalf("%d charts, want 7", len(svgs))
		}
		for _, s := range svgs {
			if strings.Contains(s, "style=") || strings.Contains(s, "<script") {
				t.Errorf("chart breaks the CSP: %.200s", s)
			}
			if !strings.Contains(s, "<title") || !strings.Contains(s, `role="img"`) || !strings.Contains(s, "aria-labelledby") {
				t.Errorf("chart without a title for screen readers: %.200s", s)
			}
		}
		for _, want := range []string{"<table>", "/dashboard/csv/type?", "月別の事案件数"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		csv := c.get("/dashboard/csv/channel")
		if csv.status != http.StatusOK || !strings.HasPrefix(csv.body, "\ufeffkey,label,value") || !strings.Contains(csv.header.Get("Content-Type"), "text/csv") {
			t.Errorf("CSV: %d %q", csv.status, csv.body[:min(len(csv.body), 80)])
		}
		if res := c.get("/dashboard?from=2026-99-01"); res.status != http.StatusBadRequest || !strings.Contains(res.body, `role="alert"`) {
			t.Errorf("bad period: %d", res.status)
		}
		var api struct {
			Dashboard struct {
				Cases int `json:"cases"`
			} `json:"dashboard"`
		}
		c.get("/api/v1/dashboard").json(t, &api)
		for _, email := range []string{"staff@demo.example.jp", "desk@demo.example.jp", "admin@demo.example.jp"} {
			if res := e.loggedIn(email).get("/dashboard"); res.status != http.StatusForbidden {
				t.Errorf("%s: %d", email, res.status)
			}
		}
	})
}

func TestCare_DeskAndThePersonConcernedReachThePlanSupervisorsDoNot(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	desk := e.loggedIn("desk@demo.example.jp")
	var list struct {
		Items []struct {
			ID        int64 `json:"id"`
			SubjectID int64 `json:"subject_id"`
		} `json:"items"`
	}
	desk.get("/api/v1/care/plans").json(t, &list)
	if len(list.Items) == 0 {
		t.Fatal("the demo has no care plans")
	}
	id := list.Items[0].ID
	page := desk.get("/care/" + itoa(id))
	if page.status != http.StatusOK || !strings.Contains(page.body, "被害者へのケア") {
		t.Fatalf("desk's plan page: %d", page.status)
	}
	if res := e.loggedIn("supervisor@demo.example.jp").get("/care/" + itoa(id)); res.status != http.StatusNotFound && res.status != http.StatusForbidden {
		t.Errorf("supervisor reads a care plan: %d", res.status)
	}
	if res := e.loggedIn("supervisor@demo.example.jp").get("/api/v1/care/plans"); strings.Contains(res.body, `"subject_id"`) {
		t.Errorf("supervisor lists care plans: %s", res.body)
	}
	if res := desk.get("/desk"); !strings.Contains(res.body, "事案のあとのケア") || !strings.Contains(res.body, "/care/") {
		t.Errorf("the desk page has no care section")
	}
	bad := desk.sendJSON("POST", "/api/v1/care/plans/"+itoa(id)+"/tasks", `{"kind":"nap","due_on":"2026-04-01"}`)
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, `"field":"kind"`) {
		t.Errorf("bad kind: %d %s", bad.status, bad.body)
	}
}

func TestCompliance_ButtonServesThePDFToExecutivesAndAuditorsOnly(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	res := e.loggedIn("exec@demo.example.jp").get("/compliance/report.pdf?year=2026")
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.body, "%PDF-") {
		t.Fatalf("executive: %d %s", res.status, res.header.Get("Content-Type"))
	}
	if res := e.loggedIn("exec@demo.example.jp").get("/dashboard"); !strings.Contains(res.body, "/compliance/report.pdf") {
		t.Error("the dashboard has no compliance report button")
	}
	if res := e.loggedIn("supervisor@demo.example.jp").get("/compliance/report.pdf"); res.status != http.StatusForbidden {
		t.Errorf("supervisor: %d", res.status)
	}
	if res := e.loggedIn("auditor@demo.example.jp").get("/compliance/report.pdf?year=abc"); res.status != http.StatusBadRequest {
		t.Errorf("bad year: %d", res.status)
	}
}

// TestBrowser_DashboardScreenshot renders the executive's dashboard in
// Chromium and saves it as an artifact to look at.
func TestBrowser_DashboardScreenshot(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	ctx := browser(t)
	var shot []byte
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(1280, 900),
		browserLogin(e.ts.URL+"/login", "exec@demo.example.jp"),
		chromedp.Navigate(e.ts.URL+"/dashboard"),
		chromedp.WaitVisible(`svg.chart`, chromedp.ByQuery),
		chromedp.FullScreenshot(&shot, 100),
	)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(artifact(t, "dashboard.png"), shot, 0o644)
}
