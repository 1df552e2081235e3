package web_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kasuhara/kasuhara/demo"
	"github.com/kasuhara/kasuhara/sqlstore"
)

// TestBrowser_LiveBoardHighlightsAnAlertAsItHappens signs a supervisor in
// to the live board in Chromium, posts utterances through the API as the
// phone system would, and waits for the flagged words and the reason to
// appear, then confirms the warning from the board.
func TestBrowser_LiveBoardHighlightsAnAlertAsItHappens(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	ctx := browser(t)
	staff := e.phoneSystem("call-staff@demo.example.jp")
	err := chromedp.Run(ctx,
		chromedp.Navigate(e.ts.URL+"/calls/live"),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, "call-lead@demo.example.jp", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, demo.Password, chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery),
		chromedp.WaitReady(`#live-board[data-ready="true"]`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	oc := openCall(t, staff, `{"channel":"phone","caller_number":"090-1234-5678"}`)
	say(t, staff, oc.Call.ID, "customer", "商品が壊れていたので交換してほしい")
	say(t, staff, oc.Call.ID, "customer", "ふざけるなよ、お前の家に火をつけてやるからな")
	var marked, reasons, stage, meta string
	var shot []byte
	err = chromedp.Run(ctx,
		chromedp.WaitVisible(`.call-card .utt mark`, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll(".call-card .utt mark")).map(m => m.textContent).join("|")`, &marked),
		chromedp.Text(`.call-card .utt-reasons`, &reasons, chromedp.ByQuery),
		chromedp.Text(`.call-card .utt-meta`, &meta, chromedp.ByQuery),
		chromedp.FullScreenshot(&shot, 90),
	)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(artifact(t, "browser-live-board.png"), shot, 0o644)
	// The page is Japanese; headless Chromium's own locale is English.
	if strings.Contains(meta, "AM") || strings.Contains(meta, "PM") {
		t.Errorf("utterance time %q is not in the page's language", meta)
	}
	if !strings.Contains(marked, "火") {
		t.Errorf("highlighted %q, want the threat's words", marked)
	}
	if !strings.Contains(reasons, "脅迫") || !strings.Contains(reasons, "直ちに報告") {
		t.Errorf("reasons %q lack the policy's label and the alert", reasons)
	}
	// The supervisor confirms the warning on the board; it is recorded.
	err = chromedp.Run(ctx,
		chromedp.Click(`.call-actions button[data-stage="warning"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.call-stage[data-stage="warning"]`, chromedp.ByQuery),
		chromedp.Text(`.call-stage`, &stage, chromedp.ByQuery),
		chromedp.Sleep(100*time.Millisecond),
		chromedp.FullScreenshot(&shot, 90),
	)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(artifact(t, "browser-live-board-warning.png"), shot, 0o644)
	if c, err := e.db.FindCall(ctx, oc.Call.ID); err != nil || c.Stage != "warning" || c.EndedAt != nil {
		t.Errorf("after confirming: %+v %v", c, err)
	}
}
