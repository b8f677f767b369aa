package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestAPageChromeProtectsIsRefusedWithTheFix(t *testing.T) {
	needBrowser(t)
	app := newTab(t)
	run(t, app, "open a chrome:// page", chromedp.Navigate("chrome://version/"))
	popup, _ := openPopup(t, app)
	resetPopup(t, popup)
	click(t, popup, "record")
	waitStatus(t, popup, "error", 10*time.Second)
	msg := eval[string](t, popup, `document.querySelector('[data-testid=error-message]').textContent`)
	fix := eval[string](t, popup, `document.querySelector('[data-testid=error-fix]').textContent`)
	if !strings.Contains(msg, "chrome://version") || !strings.Contains(fix, "Open the website") {
		t.Errorf("error %q, fix %q", msg, fix)
	}
	// once: not in the status line too (issue 11 item 7)
	if page := eval[string](t, popup, `document.body.innerText`); strings.Count(page, "chrome://version") != 1 {
		t.Errorf("the popup shows the error %d times:\n%s", strings.Count(page, "chrome://version"), page)
	}
	click(t, popup, "reset")
	waitStatus(t, popup, "idle", 5*time.Second)
}

func TestAMissingHostIsShownWithHowToInstallIt(t *testing.T) {
	needBrowser(t)
	browser, cancel, err := launchUnregistered(filepath.Join(t.TempDir(), "profile"), "TMPDIR="+env.tmpDir)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	app := newTabIn(t, browser)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopupIn(t, browser, app)
	click(t, popup, "record")
	waitStatus(t, popup, "error", 10*time.Second)
	msg := eval[string](t, popup, `document.querySelector('[data-testid=error-message]').textContent`)
	fix := eval[string](t, popup, `document.querySelector('[data-testid=error-fix]').textContent`)
	if !strings.Contains(msg, "not installed") || !strings.Contains(fix, "reprokit install") {
		t.Errorf("error %q, fix %q", msg, fix)
	}

}
