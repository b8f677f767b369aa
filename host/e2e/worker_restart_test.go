package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/native"
)

// Chrome may stop the extension's service worker while the popup stays
// open; the popup's port then disconnects. New recording clicked after that
// used to go into the dead port and the popup stayed on done; it connects
// again now, and the restarted worker answers with idle.
func TestNewRecordingWorksAfterChromeRestartedTheServiceWorker(t *testing.T) {
	needBrowser(t)
	app := newTab(t)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopup(t, app)
	resetPopup(t, popup)
	sw := serviceWorker(t)
	run(t, sw, "show a finished recording and a recovered one", chromedp.Evaluate[chromedp.Void](
		`self.reprokitTestHooks.hostMessage({type: 'state', data: {phase: 'done', attached: false, recording: 'rec-restart-test', result: {path: '/tmp/x.zip', size: 1}}});
		 self.reprokitTestHooks.hostMessage({type: 'recovered', data: {recording: 'rec-restart-recovered', path: '/tmp/recovered.zip', size: 1}})`))
	waitStatus(t, popup, "done", 5*time.Second)

	if _, err := chromedp.Call(popup, serviceworker.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable the ServiceWorker domain: %v", err)
	}
	if _, err := chromedp.Call(popup, serviceworker.StopAllWorkers, cdp.Empty{}); err != nil {
		t.Fatalf("stop the service worker: %v", err)
	}
	gone := false
	for i := 0; i < 50 && !gone; i++ {
		gone = !workerRunning(t)
		time.Sleep(100 * time.Millisecond)
	}
	if !gone {
		t.Fatal("the service worker did not stop")
	}
	click(t, popup, "again")
	waitStatus(t, popup, "idle", 5*time.Second)
	// A popup opened now shows idle too, not the dismissed outcome.
	again, _ := openPopup(t, app)
	if st := knownStatus(t, again); !strings.HasPrefix(st, "idle") {
		t.Errorf("a new popup shows %q after New recording", st)
	}
	// The restarted worker still lists the recovered bundle, apart.
	if got := recoveredPaths(t, again); !slices.Contains(got, "/tmp/recovered.zip") {
		t.Errorf("after the worker restarted the popup lists the recovered bundles %v; want /tmp/recovered.zip among them", got)
	}
	run(t, again, "keep the recovered bundle", chromedp.Click(chromedp.CSS(`[data-testid=recovered-item][data-path="/tmp/recovered.zip"] [data-testid=recovered-keep]`), chromedp.NodeVisible))
}

// workerRunning reports whether the extension's service worker runs.
func workerRunning(t testing.TB) bool {
	t.Helper()
	infos, err := chromedp.Targets(env.browser)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range infos {
		if i.Type == "service_worker" && strings.HasPrefix(i.URL, "chrome-extension://"+native.ExtensionID+"/") {
			return true
		}
	}
	return false
}
