package e2e

import (
	"archive/zip"
	"context"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
)

// scenario is the test-app session both modes record: an out-of-process
// iframe, console output and an exception, planted secrets (cookies,
// tokens, a websocket), typing and clicks, and a popup window.
func scenario(t *testing.T, app context.Context) {
	t.Helper()
	base := env.app.URL
	run(t, app, "open the frames page", chromedp.Navigate(base+"/frames"))
	waitDone(t, app, "both frames load")
	run(t, app, "open the console page", chromedp.Navigate(base+"/console"))
	waitDone(t, app, "the console page logs")
	run(t, app, "open the secrets page", chromedp.Navigate(base+"/secrets/page"))
	waitDone(t, app, "the secrets page finishes its requests")
	run(t, app, "type and click on the steps page",
		chromedp.Navigate(base+"/steps"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=search]`), "hello"),
		chromedp.Click(chromedp.CSS(`[data-testid=go]`)),
		chromedp.WaitVisible(chromedp.CSS(`#out:not(:empty)`)),
	)
	run(t, app, "open the popup page", chromedp.Navigate(base+"/popup"))
	click(t, app, "open-popup")
	waitDone(t, app, "the popup window reports back")
}

// recordWithExtension opens a tab, records scenario through the popup's
// Record and Stop, and returns the saved bundle's path. more runs after the
// scenario, before Stop.
func recordWithExtension(t *testing.T, more func(app, popup context.Context)) string {
	t.Helper()
	app := newTab(t)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopup(t, app)
	waitStatus(t, popup, "idle", 5*time.Second)
	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	scenario(t, app)
	if more != nil {
		more(app, popup)
	}
	click(t, popup, "stop")
	waitStatus(t, popup, "done", 60*time.Second)
	return eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent.replace(/ \([^)]*\)$/, '')`)
}

func TestRecordsTheAppTabItsFramesAndItsPopupThroughTheExtension(t *testing.T) {
	needBrowser(t)
	path := recordWithExtension(t, func(app, popup context.Context) {
		// The popup's first requests race the extension's attach (the
		// issue allows losing them); a navigation of the attached popup
		// must be recorded.
		waitPopupAttached(t, popup, env.app.URL+"/popup/child")
		run(t, app, "navigate the popup window", chromedp.Evaluate[chromedp.Void](`window.open('/popup/child?again=1', 'reprokit-popup'); undefined`))
		waitRequest(t, "/popup/child?again=1")
		click(t, popup, "screenshot")
		run(t, popup, "write a note", chromedp.SendKeys(chromedp.CSS(`[data-testid=note-text]`), "the popup opened"))
		click(t, popup, "note")
	})
	b, err := bundle.Open(path)
	if err != nil {
		t.Fatalf("open the bundle %s: %v", path, err)
	}
	if b.Manifest.Recording.Mode != "extension" {
		t.Errorf("bundle.json recording mode = %q, want extension", b.Manifest.Recording.Mode)
	}
	urls := map[string]bool{}
	for _, e := range b.Entries() {
		urls[e.Request.URL] = true
	}
	for _, want := range []string{
		env.app.URL + "/frames",
		env.app.OtherURL + "/frames/inner", // the out-of-process iframe's own session
		env.app.URL + "/secrets/token.json",
		env.app.URL + "/popup/child?again=1", // the popup tab
		env.app.URL + "/api/popup-data",      // fetched by the popup after the navigation
	} {
		if !hasURLPrefix(urls, want) {
			t.Errorf("the bundle has no entry for %s", want)
		}
	}
	if len(b.Screenshots) < 2 {
		t.Errorf("the bundle has %d screenshots, want page loads, the Screenshot button and the stop", len(b.Screenshots))
	}
	var sawError bool
	for _, m := range b.Console {
		if strings.Contains(m.Text, "reprokit error message") {
			sawError = true
		}
	}
	if !sawError {
		t.Errorf("console.json lacks the page's console.error; got %d messages", len(b.Console))
	}
	if len(b.Steps) == 0 {
		t.Errorf("steps.json has no steps; the scenario typed and clicked")
	}
	assertSanitized(t, path)
}

func hasURLPrefix(urls map[string]bool, prefix string) bool {
	for u := range urls {
		if strings.HasPrefix(u, prefix) {
			return true
		}
	}
	return false
}

// assertSanitized fails when any planted secret of the test app appears, in
// plain or URL-encoded form, in any file of the bundle.
func assertSanitized(t *testing.T, path string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range env.app.Secrets.All() {
			if len(s.Value) < 8 {
				continue
			}
			if strings.Contains(string(data), s.Value) || strings.Contains(string(data), url.QueryEscape(s.Value)) {
				t.Errorf("%s in the bundle contains the planted %s", f.Name, s.Name)
			}
		}
	}
}
