package web_test

import (
	"context"
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
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
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
		chromedp.SendKeys(`#email`, "admin@demo.example.jp", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, demo.Password, chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery),
		// The login returns to the page first asked for.
		chromedp.WaitVisible(`table`, chromedp.ByQuery),
		chromedp.Text(`main`, &usersText, chromedp.ByQuery),
		chromedp.FullScreenshot(&usersShot, 100),
		chromedp.Navigate(e.ts.URL+"/"),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery),
		chromedp.Text(`h1`, &homeH1, chromedp.ByQuery),
		// Switch to English with the header's form; the choice sticks to the user.
		chromedp.SetValue(`#lang-select`, "en", chromedp.ByQuery),
		chromedp.Submit(`#lang-select`, chromedp.ByQuery),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery),
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
