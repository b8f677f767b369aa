package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/install"
	"github.com/reprokit/reprokit/host/native"
	"github.com/reprokit/reprokit/host/testapp"
)

// A reporter's Chrome has a window, and chrome.debugger shows its debugging
// bar there (which shrinks the page): record through the popup in a
// Chromium with a window on a virtual display, as a reporter does.
func TestRecordsThroughTheExtensionInABrowserWithAWindow(t *testing.T) {
	needBrowser(t)
	d := testapp.NeedDisplay(t)
	profile, err := os.MkdirTemp("", "reprokit-e2e-headed-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	out := filepath.Join(profile, "out")
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	userData := filepath.Join(profile, "user-data")
	if err := install.RegisterHost(filepath.Join(userData, "NativeMessagingHosts"), env.binary, []string{native.ExtensionID}); err != nil {
		t.Fatal(err)
	}
	browser, cancel, err := launchWith(userData, []chromedp.ExecAllocatorOption{chromedp.Flag("headless", false)},
		"DISPLAY="+d.Name, "REPROKIT_OUT_DIR="+out, "REPROKIT_AUTO_SAVE=1", "TMPDIR="+env.tmpDir, "REPROKIT_HOST_LOG="+env.hostLog)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	if ua := eval[string](t, newTabIn(t, browser), `navigator.userAgent`); strings.Contains(ua, "Headless") {
		t.Fatalf("the browser runs headless: %s", ua)
	}

	app := newTabIn(t, browser)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopupIn(t, browser, app)
	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	run(t, app, "open the frames page", chromedp.Navigate(env.app.URL+"/frames"), waitBodyDone())
	run(t, app, "open the secrets page", chromedp.Navigate(env.app.URL+"/secrets/page"), waitBodyDone())
	click(t, popup, "screenshot")
	click(t, popup, "stop")
	waitStatus(t, popup, "done", 60*time.Second)
	path := eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent.replace(/ \([^)]*\)$/, '')`)
	if filepath.Dir(path) != out {
		t.Fatalf("the bundle %s is not in this browser's output folder %s", path, out)
	}
	b, err := bundle.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]bool{}
	for _, e := range b.Entries() {
		urls[e.Request.URL] = true
	}
	for _, want := range []string{env.app.URL + "/frames", env.app.OtherURL + "/frames/inner", env.app.URL + "/secrets/token.json"} {
		if !hasURLPrefix(urls, want) {
			t.Errorf("the bundle has no entry for %s", want)
		}
	}
	if len(b.Screenshots) < 2 {
		t.Errorf("%d screenshots, want the page loads, the Screenshot button and the stop", len(b.Screenshots))
	}
	if strings.Contains(string(b.Manifest.Environment), `"headless":true`) {
		t.Errorf("bundle.json says the reporter's browser was headless: %s", b.Manifest.Environment)
	}
	assertSanitized(t, path)
}
