package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A popup that opens while the service worker is slow to answer (busy here
// for three seconds) over a finished recording shows no phase and no
// button until the worker's "done" arrives; New recording and Record then
// start a new recording. The popup used to draw "idle" at load: a reader
// (the e2e tests' reset, on 2 loaded cores) took it for the worker's state,
// skipped New recording and then found "done" again (issue 5).
func TestAPopupShowsTheWorkersStateNeverAGuessWhileTheWorkerIsBusy(t *testing.T) {
	needBrowser(t)
	app := newTab(t)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	sw := serviceWorker(t)
	const finished = "rec-busy-worker-test"
	run(t, sw, "show a finished recording", chromedp.Evaluate[chromedp.Void](
		`self.reprokitTestHooks.hostMessage({type: 'state', data: {phase: 'done', attached: false, recording: '`+finished+`', result: {path: '/tmp/finished.zip', size: 1}}})`))

	// The worker's next task is a 3 s busy loop: the popup's connection
	// waits behind it, as it does behind a slow worker start.
	const busy = 3 * time.Second
	run(t, sw, "make the worker busy", chromedp.Evaluate[chromedp.Void](
		`setTimeout(() => { const end = Date.now() + 3000; while (Date.now() < end) {} }, 0); undefined`))
	began := time.Now()
	popup := newTab(t)
	run(t, popup, "open the popup", chromedp.Navigate(popupURL))
	st := status(t, popup)
	record := eval[bool](t, popup, `!document.querySelector('[data-testid=record]').closest('[hidden]')`)
	again := eval[bool](t, popup, `!document.querySelector('[data-testid=again]').closest('[hidden]')`)
	if time.Since(began) < busy-500*time.Millisecond {
		if st != "" || record || again {
			t.Errorf("before the busy worker answered, the popup shows %q (Record shown %v, New recording shown %v); want no state and no button", st, record, again)
		}
	} else {
		t.Logf("the popup opened %v after the worker became busy: too late to see it wait", time.Since(began).Round(time.Millisecond))
	}
	waitStatus(t, popup, "done", busy+5*time.Second)

	// New recording, then Record: a new recording runs and ends as itself.
	click(t, popup, "again")
	waitStatus(t, popup, "idle", 5*time.Second)
	chromedp.Cancel(popup)
	popup, _ = openPopup(t, app)
	if st := knownStatus(t, popup); !strings.HasPrefix(st, "idle") {
		t.Fatalf("a popup opened after New recording shows %q", st)
	}
	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	rec := eval[string](t, sw, `self.reprokitTestHooks.state().recording || ''`)
	if rec == "" || rec == finished {
		t.Errorf("the running recording is named %q; want a new one", rec)
	}
	click(t, popup, "stop")
	waitStatus(t, popup, "done", 60*time.Second)
	path := eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent.replace(/ \([^)]*\)$/, '')`)
	if !strings.HasPrefix(path, env.outDir) {
		t.Errorf("the new recording was saved as %q; want a bundle in %s", path, env.outDir)
	}
}
