package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kasuhara/kasuhara/demo"
	"github.com/kasuhara/kasuhara/sqlstore"
)

// browser starts Debian's headless Chromium for one test. Without it the
// test is skipped, except under CI=true where scripts/test installs it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed and CI=true requires the browser tests")
		}
		t.Skip("chromium not installed; scripts/test installs it")
	}
	// Chromium may still be writing its profile while the test ends, so the
	// directory is removed best-effort after the browser is cancelled rather
	// than by t.TempDir, which fails the test when removal races.
	profile, err := os.MkdirTemp("", "kasuhara-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		time.Sleep(100 * time.Millisecond)
		os.RemoveAll(profile)
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// artifact returns where a test may leave a file for people to look at.
func artifact(t *testing.T, name string) string {
	dir := os.Getenv("KASUHARA_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "kasuhara-artifacts")
	}
	os.MkdirAll(dir, 0o755)
	return filepath.Join(dir, name)
}

func TestBrowser_LoginHomeAndAdminPage(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	ctx := browser(t)
	var homeH1, usersText, lang string
	var loginShot, usersShot []byte
	err := chromedp.Run(ctx,
		chromedp.Navigate(e.ts.URL+"/admin/users"), // redirected to the login page
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.FullScreenshot(&loginShot, 100),
		browserLogin("", "admin@demo.example.jp"),
		// The login returns to the page first asked for.
		chromedp.WaitVisible(`table`, chromedp.ByQuery),
		chromedp.Text(`main`, &usersText, chromedp.ByQuery),
		chromedp.FullScreenshot(&usersShot, 100),
		chromedp.Navigate(e.ts.URL+"/"),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery),
		chromedp.Text(`h1`, &homeH1, chromedp.ByQuery),
		// Switch to English with the header's form; the choice sticks to the user.
		chromedp.SetValue(`#lang-select`, "en", chromedp.ByQuery),
		submitAndWait(`#lang-select`),
		chromedp.AttributeValue(`html`, "lang", &lang, nil, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(artifact(t, "browser-login.png"), loginShot, 0o644)
	os.WriteFile(artifact(t, "browser-admin-users.png"), usersShot, 0o644)
	if !strings.Contains(homeH1, "佐藤 美咲") {
		t.Errorf("home h1 = %q", homeH1)
	}
	if !strings.Contains(usersText, "staff@demo.example.jp") || !strings.Contains(usersText, "ユーザーを追加") {
		t.Errorf("users page lacks the demo users or the add button:\n%s", usersText)
	}
	if lang != "en" {
		t.Errorf("after switching, html lang = %q", lang)
	}
}

func TestBrowser_LoginPageFitsAPhone(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	ctx := browser(t)
	var scrollWidth, clientWidth int
	var shot []byte
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollWidth),
		chromedp.Evaluate(`document.documentElement.clientWidth`, &clientWidth),
		chromedp.CaptureScreenshot(&shot),
	)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(artifact(t, "browser-login-phone.png"), shot, 0o644)
	if scrollWidth > clientWidth {
		t.Errorf("login page scrolls sideways on a phone: %d > %d", scrollWidth, clientWidth)
	}
}

func TestBrowser_PolicyEditorShowsLintErrorsByLine(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	ctx := browser(t)
	var source, problems, publicTitle string
	var shot []byte
	err := chromedp.Run(ctx,
		browserLogin(e.ts.URL+"/login", "admin@demo.example.jp"),
		chromedp.Navigate(e.ts.URL+"/admin/policy/edit?from=preset:mhlw-2022"),
		chromedp.WaitVisible(`#source`, chromedp.ByQuery),
		chromedp.Value(`#source`, &source, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(source, "\n")
	if err := chromedp.Run(ctx, chromedp.SetValue(`#source`, source+"\nunknown_section: true\n", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	// RunResponse waits for the navigation the click starts; a query sent
	// during it could land in the page being unloaded and wait forever.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(`form.stack button:not(.primary)`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Run(ctx,
		chromedp.WaitVisible(`.lint-list`, chromedp.ByQuery),
		chromedp.Text(`.lint-list`, &problems, chromedp.ByQuery),
		chromedp.FullScreenshot(&shot, 100),
		chromedp.Navigate(e.ts.URL+"/p/demo/policy"),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery),
		chromedp.Text(`h1`, &publicTitle, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(artifact(t, "browser-policy-lint.png"), shot, 0o644)
	if !strings.Contains(problems, "unknown_section") || !strings.Contains(problems, fmt.Sprint(lines+2)) {
		t.Errorf("lint list does not name the unknown key on line %d:\n%s", lines+2, problems)
	}
	if publicTitle == "" {
		t.Error("public policy page has no title")
	}
}

// submitAndWait submits the form of sel and returns once the next page has
// loaded. Waiting for an element instead can match the page being left.
func submitAndWait(sel string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := chromedp.RunResponse(ctx, chromedp.Submit(sel, chromedp.ByQuery))
		return err
	})
}

// browserLogin signs in through the login form (at loginURL, or the page
// already shown when empty) and waits for the page after it.
func browserLogin(loginURL, email string) chromedp.Action {
	var steps chromedp.Tasks
	if loginURL != "" {
		steps = append(steps, chromedp.Navigate(loginURL))
	}
	return append(steps,
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, demo.Password, chromedp.ByQuery),
		submitAndWait(`#password`),
	)
}
