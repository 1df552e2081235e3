package web_test

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kasuhara/kasuhara/sqlstore"
)

// TestBrowser_TrainingQuizWorksOnAPhone signs a staff member in on a phone
// viewport, opens their assigned module, answers every question by tapping
// and submits: the page must not scroll sideways, and the result quotes the
// policy's clauses.
func TestBrowser_TrainingQuizWorksOnAPhone(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	ctx := browser(t)
	var scrollWidth, clientWidth int
	var shot []byte
	var result string
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		browserLogin(e.ts.URL+"/login", "staff@demo.example.jp"),
		chromedp.Navigate(e.ts.URL+"/training"),
		chromedp.WaitVisible(`.tasks a`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(`.tasks a`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Run(ctx,
		chromedp.WaitVisible(`#quiz`, chromedp.ByQuery),
		// Tap the first option of every question, as a thumb would.
		chromedp.Evaluate(`document.querySelectorAll("fieldset.question").forEach(f => f.querySelector("input[type=radio]").click())`, nil),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollWidth),
		chromedp.Evaluate(`document.documentElement.clientWidth`, &clientWidth),
		chromedp.FullScreenshot(&shot, 100),
	)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(artifact(t, "training-quiz.png"), shot, 0o644)
	if scrollWidth > clientWidth {
		t.Errorf("the quiz scrolls sideways on a phone: %d > %d", scrollWidth, clientWidth)
	}
	err = chromedp.Run(ctx,
		submitAndWait(`#quiz button.primary`),
		chromedp.WaitVisible(`.score`, chromedp.ByQuery),
		chromedp.Text(`main`, &result, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollWidth),
		chromedp.FullScreenshot(&shot, 100),
	)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(artifact(t, "training-result.png"), shot, 0o644)
	if !strings.Contains(result, "得点") || !strings.Contains(result, "「") {
		t.Errorf("result lacks the score or the quoted clause:\n%s", result)
	}
	if scrollWidth > clientWidth {
		t.Errorf("the result scrolls sideways on a phone: %d > %d", scrollWidth, clientWidth)
	}
}

// TestBrowser_AnonymousConsultationShowsTheReceiptCodeOnce submits the
// public form anonymously on a phone and checks that the code is shown.
func TestBrowser_AnonymousConsultationShowsTheReceiptCodeOnce(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	ctx := browser(t)
	var code string
	var shot []byte
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(e.ts.URL+"/p/demo/consult"),
		chromedp.WaitVisible(`#body`, chromedp.ByQuery),
		chromedp.Click(`input[name=topic][value=borderline]`, chromedp.ByQuery),
		chromedp.SendKeys(`#body`, "お客様に何度も同じ説明を求められます", chromedp.ByQuery),
		submitAndWait(`#body`),
		chromedp.WaitVisible(`#receipt-code`, chromedp.ByQuery),
		chromedp.Text(`#receipt-code`, &code, chromedp.ByQuery),
		chromedp.CaptureScreenshot(&shot),
	)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(artifact(t, "consult-receipt.png"), shot, 0o644)
	if len(strings.ReplaceAll(code, "-", "")) != 32 {
		t.Errorf("receipt code %q", code)
	}
}
