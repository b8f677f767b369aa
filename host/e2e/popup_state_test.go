package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/testapp"
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

// New recording sends reset to the host; when the port closes before the
// host answers (the host exits, the browser drops the port), the popup
// stays idle with Record, as the user asked, instead of showing the port's
// failure as an error (a loaded run of the suite found Record hidden).
func TestNewRecordingStaysIdleWhenThePortClosesBeforeTheHostAnswers(t *testing.T) {
	needBrowser(t)
	app := newTab(t)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopup(t, app)
	resetPopup(t, popup)
	sw := serviceWorker(t)
	run(t, sw, "show a finished recording", chromedp.Evaluate[chromedp.Void](
		`self.reprokitTestHooks.hostMessage({type: 'state', data: {phase: 'done', attached: false, recording: 'rec-reset-race', result: {path: '/tmp/reset.zip', size: 1}}})`))
	waitStatus(t, popup, "done", 5*time.Second)
	// In one task of the worker: a port to a host, New recording (its reset
	// request goes out), and the port closes before any answer can come.
	run(t, sw, "New recording, then the port closes", chromedp.Evaluate[chromedp.Void](
		`connectHost().then(() => { onPopupMessage({type: 'reset'}); self.reprokitTestHooks.dropPort(); })`, chromedp.EvalAwaitPromise))
	time.Sleep(300 * time.Millisecond)
	if st := status(t, popup); !strings.HasPrefix(st, "idle") {
		t.Fatalf("New recording followed by a closed port shows %q (%s); want idle", st, workerState(t))
	}
	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	click(t, popup, "stop")
	waitStatus(t, popup, "done", 60*time.Second)
}

// An action on a saved recording that fails (here Open report, which the
// host refuses because it saved nothing on this port) shows as a notice:
// the saved bundle's path stays on screen, and New recording still works.
func TestAFailedOpenKeepsTheSavedRecordingOnScreen(t *testing.T) {
	needBrowser(t)
	app := newTab(t)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopup(t, app)
	resetPopup(t, popup)
	sw := serviceWorker(t)
	run(t, sw, "show a saved recording the host does not know", chromedp.Evaluate[chromedp.Void](
		`connectHost().then(() => self.reprokitTestHooks.hostMessage({type: 'state', data: {phase: 'done', attached: false, recording: 'rec-open-fails', result: {path: '/tmp/open-fails.zip', size: 1}}}))`, chromedp.EvalAwaitPromise))
	waitStatus(t, popup, "done", 5*time.Second)
	click(t, popup, "open-report")
	var notice string
	for i := 0; i < 50 && notice == ""; i++ {
		notice = eval[string](t, popup, `document.querySelector('[data-testid=notice]:not([hidden])')?.textContent || ''`)
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(notice, "no bundle has been saved") {
		t.Errorf("the failed Open report shows the notice %q; want the host's reason", notice)
	}
	if st := status(t, popup); !strings.HasPrefix(st, "done") {
		t.Errorf("after a failed Open report the status is %q; want the saved recording's done", st)
	}
	if p := eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent`); !strings.HasPrefix(p, "/tmp/open-fails.zip") {
		t.Errorf("the saved path shows %q after the failed open", p)
	}
	click(t, popup, "again")
	waitStatus(t, popup, "idle", 5*time.Second)
}

// A leftover recording that the new host recovers at hello, while the
// user's Record starts, is shown apart: labelled as recovered, with its own
// bundle, open and discard; the popup's status follows the new recording
// (recording, then done with its own bundle), never the recovered one.
func TestALeftoverRecoveredByANewHostIsShownApartFromTheNewRecording(t *testing.T) {
	needBrowser(t)
	app := newTab(t)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopup(t, app)
	resetPopup(t, popup)
	// Keep forgets the bundles earlier tests recovered (the killed-host
	// test's) and leaves their files alone.
	for _, p := range recoveredPaths(t, popup) {
		run(t, popup, "keep "+p, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=recovered-item][data-path=%q] [data-testid=recovered-keep]`, p)), chromedp.NodeVisible))
		if _, err := os.Stat(p); err != nil {
			t.Errorf("Keep touched the recovered bundle %s: %v", p, err)
		}
	}
	for i := 0; i < 50 && len(recoveredPaths(t, popup)) > 0; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if got := recoveredPaths(t, popup); len(got) != 0 {
		t.Fatalf("the popup still lists %v after Keep", got)
	}
	sw := serviceWorker(t)
	// The next Record starts a new host, which looks for leftovers at hello.
	run(t, sw, "close the idle native port", chromedp.Evaluate[chromedp.Void](`self.reprokitTestHooks.dropPort()`))
	leftover := plantLeftover(t)
	// A second leftover's bundle was refused before (fail closed): it is
	// not retried, and the popup says it is kept and how to finish it.
	waiting := plantLeftover(t)
	t.Cleanup(func() { os.RemoveAll(waiting) })
	wd, err := spool.Open(waiting)
	if err != nil {
		t.Fatal(err)
	}
	if err := wd.MarkBundleError(errors.New("the sanitized bundle still contains 1 detected secret(s) (jwt)")); err != nil {
		t.Fatal(err)
	}
	wm, _ := wd.Meta()

	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	recovered := waitRecovered(t, popup, 60*time.Second)
	if st := status(t, popup); !strings.HasPrefix(st, "recording") {
		t.Errorf("after the recovery the popup's status is %q; want the new recording's", st)
	}
	rec := eval[string](t, sw, `self.reprokitTestHooks.state().recording || ''`)
	if rec == "" || rec == filepath.Base(leftover) {
		t.Errorf("the worker's recording is %q; want the new one, not the leftover %s", rec, filepath.Base(leftover))
	}
	label := eval[string](t, popup, `document.querySelector('[data-testid=recovered]').textContent`)
	if !strings.Contains(label, "Recovered recording") || !strings.Contains(label, "not your current recording") {
		t.Errorf("the recovered box says %q; want it labelled as a recovered, separate recording", label)
	}
	b, err := bundle.Open(recovered)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Manifest.Recording.Recovered {
		t.Errorf("%s does not say recovered in bundle.json", recovered)
	}
	failedSel := fmt.Sprintf(`[data-testid=recovered-item][data-recording=%q]`, filepath.Base(waiting))
	var failed string
	for i := 0; i < 100 && failed == ""; i++ {
		failed = eval[string](t, popup, `document.querySelector('`+failedSel+`')?.textContent || ''`)
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(failed, "could not be saved automatically") || !strings.Contains(failed, "detected secret") ||
		!strings.Contains(failed, "reprokit recover --discard "+wm.ID) {
		t.Errorf("the refused leftover's line says %q; want that it is kept and how to finish it", failed)
	}
	run(t, popup, "OK on the refused leftover", chromedp.Click(chromedp.CSS(failedSel+` [data-testid=recovered-keep]`), chromedp.NodeVisible))
	if _, err := os.Stat(filepath.Join(waiting, spool.MetaFile)); err != nil {
		t.Errorf("the refused leftover's spool was touched: %v", err)
	}

	run(t, app, "load a page", chromedp.Navigate(env.app.URL+"/frames"))
	waitDone(t, app, "the frames load")
	click(t, popup, "stop")
	waitStatus(t, popup, "done", 60*time.Second)
	path := eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent.replace(/ \([^)]*\)$/, '')`)
	if path == recovered {
		t.Fatalf("the new recording's result is the recovered bundle %s", path)
	}
	nb, err := bundle.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]bool{}
	for _, e := range nb.Entries() {
		urls[e.Request.URL] = true
	}
	if nb.Manifest.Recording.Recovered || !hasURLPrefix(urls, env.app.URL+"/frames") {
		t.Errorf("the new recording's bundle: recovered %v, has /frames %v; want its own recording", nb.Manifest.Recording.Recovered, hasURLPrefix(urls, env.app.URL+"/frames"))
	}
	if got := recoveredPaths(t, popup); len(got) != 1 || got[0] != recovered {
		t.Errorf("after the new recording the recovered box lists %v; want %s still", got, recovered)
	}

	// Discard deletes the recovered bundle and its line; the new one stays.
	run(t, popup, "discard the recovered bundle", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=recovered-item][data-path=%q] [data-testid=recovered-discard]`, recovered)), chromedp.NodeVisible))
	for i := 0; i < 100 && len(recoveredPaths(t, popup)) > 0; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if got := recoveredPaths(t, popup); len(got) != 0 {
		t.Fatalf("the recovered box still lists %v after Discard (%s)", got, eval[string](t, popup, `document.querySelector('[data-testid=recovered]').textContent`))
	}
	if shown := eval[bool](t, popup, `!document.getElementById('recovered').hidden`); shown {
		t.Errorf("the recovered box is still shown with nothing in it: %q", eval[string](t, popup, `document.getElementById('recovered').textContent`))
	}
	if _, err := os.Stat(recovered); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the recovered bundle is still there after Discard: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the new recording's bundle is gone: %v", err)
	}
	if st := status(t, popup); !strings.HasPrefix(st, "done") {
		t.Errorf("discarding the recovered bundle changed the status to %q", st)
	}
}

// plantLeftover makes in the host's spool folder the spool a killed host
// leaves (capture's test protocol log, a dead owner, extension mode) and
// returns its path.
func plantLeftover(t testing.TB) string {
	t.Helper()
	base := filepath.Join(env.tmpDir, "reprokit-"+strconv.Itoa(os.Getuid()))
	d, err := testapp.PlantLeftover(base, spool.ModeExtension, func(m *spool.Meta) { m.Options.Out = env.outDir })
	if err != nil {
		t.Fatal(err)
	}
	return d.Path()
}

// recoveredPaths lists the bundles the popup's recovered box shows.
func recoveredPaths(t testing.TB, popup context.Context) []string {
	t.Helper()
	return eval[[]string](t, popup, `[...document.querySelectorAll('#recovered:not([hidden]) [data-testid=recovered-item]:not([data-path=""])')].map((x) => x.dataset.path)`)
}

// waitRecovered waits until the popup lists one recovered bundle and
// returns its path.
func waitRecovered(t testing.TB, popup context.Context, timeout time.Duration) string {
	t.Helper()
	return waitRecoveredIn(t, popup, nil, timeout)
}

// waitRecoveredIn waits until the popup lists one recovered bundle that is
// not in before and returns its path.
func waitRecoveredIn(t testing.TB, popup context.Context, before map[string]bool, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		var got []string
		for _, p := range recoveredPaths(t, popup) {
			if !before[p] {
				got = append(got, p)
			}
		}
		if len(got) == 1 {
			return got[0]
		} else if len(got) > 1 {
			t.Fatalf("the popup lists %d new recovered bundles, want 1: %v", len(got), got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no recovered bundle in the popup after %v (%s)%s", timeout, workerState(t), hostLogTail())
	return ""
}
