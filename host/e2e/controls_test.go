package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/spool"
)

// waitCounter waits until the popup's counter id shows more than zero.
func waitCounter(t testing.TB, popup context.Context, id string) {
	t.Helper()
	for i := 0; i < 40; i++ {
		if n := eval[string](t, popup, fmt.Sprintf(`document.querySelector('[data-testid=%s]').textContent`, id)); n != "0" && n != "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("the popup's %s counter stays at 0 during a recording", id)
}

// Pause stops recording events until Resume, a note is kept with its time,
// and the maximum duration (set in the popup, paused time not counted)
// stops the recording cleanly and saves it.
func TestPauseResumeANoteAndTheMaximumDuration(t *testing.T) {
	needBrowser(t)
	app := newTab(t)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopup(t, app)
	resetPopup(t, popup)
	// The popup remembers the limits: the later tests must not record
	// under this 4-second one (under load their scenario outlasted it).
	t.Cleanup(func() {
		p := newTab(t)
		run(t, p, "forget the 4-second limit", chromedp.Navigate(popupURL),
			chromedp.Evaluate[chromedp.Void](`chrome.storage.local.remove('limits')`, chromedp.EvalAwaitPromise))
	})
	run(t, popup, "set a 4-second limit", chromedp.Click(chromedp.CSS(`#limits-box summary`)),
		chromedp.SetValue(chromedp.CSS(`#l-minutes`), "0.0667"))
	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	run(t, app, "load a page", chromedp.Evaluate[chromedp.Void](`fetch('/api/before-pause').then(() => undefined)`, chromedp.EvalAwaitPromise))

	// Closing the popup does not stop the recording: a new popup shows it
	// running, with its live counters.
	chromedp.Cancel(popup)
	popup, _ = openPopup(t, app)
	waitStatus(t, popup, "recording", 5*time.Second)
	waitCounter(t, popup, "requests")

	click(t, popup, "pause")
	waitStatus(t, popup, "paused", 5*time.Second)
	run(t, app, "load a page while paused", chromedp.Evaluate[chromedp.Void](`fetch('/api/while-paused').then(() => undefined)`, chromedp.EvalAwaitPromise))
	waitRequest(t, "/api/while-paused")
	time.Sleep(1500 * time.Millisecond) // paused time does not count against the limit
	click(t, popup, "resume")
	waitStatus(t, popup, "recording", 5*time.Second)
	run(t, app, "load a page after resuming", chromedp.Evaluate[chromedp.Void](`fetch('/api/after-resume').then(() => undefined)`, chromedp.EvalAwaitPromise))
	run(t, popup, "write a note", chromedp.SendKeys(chromedp.CSS(`[data-testid=note-text]`), "clicked resume"))
	click(t, popup, "note")
	var noted bool
	// The note goes through the worker and the host: on loaded cores it
	// took longer than the 300 ms this waited.
	for i := 0; i < 50 && !noted; i++ {
		time.Sleep(100 * time.Millisecond)
		spools, _ := filepath.Glob(filepath.Join(env.tmpDir, "reprokit-*", "rec-*"))
		for _, s := range spools {
			if d, err := spool.Open(s); err == nil {
				if m, err := d.Meta(); err == nil && len(m.Notes) == 1 && strings.HasSuffix(m.Notes[0], " clicked resume") {
					noted = true
				}
			}
		}
	}
	if !noted {
		t.Error("recording.json does not hold the note")
	}
	start := time.Now()
	st := waitStatus(t, popup, "done", 30*time.Second)
	if !strings.Contains(st, "maximum duration") {
		t.Errorf("status %q does not say the maximum duration was reached", st)
	}
	t.Logf("stopped by the limit %v after the note", time.Since(start).Round(100*time.Millisecond))
	path := eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent.replace(/ \([^)]*\)$/, '')`)
	b, err := bundle.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var paused, resumed bool
	for _, e := range b.Entries() {
		paused = paused || strings.HasSuffix(e.Request.URL, "/api/while-paused")
		resumed = resumed || strings.HasSuffix(e.Request.URL, "/api/after-resume")
	}
	if paused || !resumed {
		t.Errorf("entries: request while paused recorded %v (want false), after resume %v (want true)", paused, resumed)
	}
	if b.Manifest.Recording.StopReason != "maximum duration reached" {
		t.Errorf("stop reason %q", b.Manifest.Recording.StopReason)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
