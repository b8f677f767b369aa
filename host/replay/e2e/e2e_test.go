// Package e2e records sessions of the test app in a real Chromium, stops the
// app, and replays the recordings: the proof that a replay needs nothing but
// the bundle.
package e2e

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/recording"
	"github.com/reprokit/reprokit/host/replay"
	"github.com/reprokit/reprokit/host/testapp"
)

// placeholder is a value the sanitizer replaced, as JSON-encoded text.
var placeholder = regexp.MustCompile(`\\\[REDACTED:[^\]]*\\\]`)

// sameOrRedacted reports whether what a replayed page showed (JSON) equals
// what the live page showed, where a value the sanitizer redacted in the
// bundle (a cookie, a token) may show as its placeholder.
func sameOrRedacted(replayed, live string) bool {
	if replayed == live {
		return true
	}
	if !strings.Contains(replayed, "[REDACTED") {
		return false
	}
	re := "^" + placeholder.ReplaceAllString(regexp.QuoteMeta(replayed), ".*") + "$"
	ok, err := regexp.MatchString(re, live)
	return err == nil && ok
}

func browserOrSkip(t *testing.T) {
	t.Helper()
	if _, err := replay.FindBrowser(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs a browser: %v", err)
		}
		t.Skip(err)
	}
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// recorded is what the live session showed, read in the recorded tab.
type recorded struct {
	scenario map[string]any
	wsLog    string
}

const resultsJS = `JSON.stringify(window.reprokitResults || {})`
const logJS = `(document.querySelector('[data-testid=log], #log, pre') || document.body).innerText`

func waitDone(ctx context.Context) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body && document.body.dataset.done === '1'`, chromedp.WithPollingTimeout(45*time.Second)))
	return err
}

// recordApp records the scenario page and the websocket page of the test
// app with no size budget, keeping the raw protocol log too, then stops the
// app. It returns the bundle, a raw HAR built from the log, and what the
// pages showed live.
func recordApp(t testing.TB) (bundle, raw string, live recorded) {
	t.Helper()
	app, err := testapp.Start()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	zero := int64(0)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := recording.Run(ctx, recording.Options{
		Headless: true, Budget: &zero, Out: filepath.Join(dir, "session.zip"),
		Events: filepath.Join(dir, "events.jsonl"), SpoolBase: filepath.Join(dir, "spool"),
		Stderr: logWriter{t},
		Drive: func(ctx, tab context.Context) error {
			if err := chromedp.Do(tab, chromedp.Navigate(app.URL+"/scenario/all")); err != nil {
				return err
			}
			if err := waitDone(tab); err != nil {
				return err
			}
			js, err := chromedp.Run(tab, chromedp.Evaluate[string](resultsJS))
			if err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(js), &live.scenario); err != nil {
				return err
			}
			if err := chromedp.Do(tab, chromedp.Navigate(app.URL+"/websocket")); err != nil {
				return err
			}
			if err := waitDone(tab); err != nil {
				return err
			}
			live.wsLog, err = chromedp.Run(tab, chromedp.Evaluate[string](logJS))
			return err
		},
	})
	app.Close()
	if err != nil {
		t.Fatalf("record the test app: %v", err)
	}
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw = filepath.Join(dir, "raw.har")
	out, err := os.Create(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := capture.BuildHAR(f, out, capture.BuildOptions{Dir: dir}); err != nil {
		t.Fatalf("build the raw HAR: %v", err)
	}
	return res.Path, raw, live
}

// replayed is what the replay showed.
type replayed struct {
	rep      *replay.Report
	scenario map[string]any
	wsLog    string
}

func replayFile(t *testing.T, path string) replayed {
	t.Helper()
	src, err := replay.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var out replayed
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out.rep, err = replay.Run(ctx, src, replay.Options{
		Timeout: 90 * time.Second, Progress: logWriter{t}, Pace: replay.PaceNone, ScreenshotsDir: os.Getenv("REPLAY_E2E_SHOTS"),
		OnPage: func(tab context.Context, u string) {
			switch {
			case strings.HasSuffix(u, "/scenario/all"):
				if err := waitDone(tab); err != nil {
					t.Errorf("replayed scenario page never finished: %v", err)
				}
				js, _ := chromedp.Run(tab, chromedp.Evaluate[string](resultsJS))
				_ = json.Unmarshal([]byte(js), &out.scenario)
			case strings.HasSuffix(u, "/websocket"):
				if err := waitDone(tab); err != nil {
					t.Errorf("replayed websocket page never finished: %v", err)
				}
				out.wsLog, _ = chromedp.Run(tab, chromedp.Evaluate[string](logJS))
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range out.rep.UnmatchedList {
		t.Logf("unmatched: %s %s: %s", l.Method, l.URL, l.Reason)
	}
	return out
}

// Records the test app's scenarios, stops the app, and replays both the
// sanitized bundle and the raw recording: the pages show what they showed
// live, the websocket frames arrive, and the fidelity holds.
func TestReplayOfRecordedTestApp(t *testing.T) {
	browserOrSkip(t)
	bundle, raw, live := recordApp(t)
	if keep := os.Getenv("REPLAY_E2E_KEEP"); keep != "" { // a developer's aid: keep the recordings
		for _, f := range []string{bundle, raw} {
			if b, err := os.ReadFile(f); err == nil {
				_ = os.WriteFile(filepath.Join(keep, filepath.Base(f)), b, 0o600)
			}
		}
	}
	reports := map[string]*replay.Report{}
	for _, c := range []struct{ name, path string }{{"raw recording", raw}, {"sanitized bundle", bundle}} {
		t.Run(c.name, func(t *testing.T) {
			got := replayFile(t, c.path)
			r := got.rep
			reports[c.name] = r
			t.Logf("requests %d exact %d fuzzy %d synthesized %d failed-as-recorded %d unmatched %d coverage %.3f archive_used %.3f screenshot_diff %.4f",
				r.Requests, r.ServedExact, r.ServedFuzzy, r.Synthesized, r.FailedAsRecorded, r.Unmatched, r.Coverage, r.ArchiveUsed, r.ScreenshotDiff)
			if r.Coverage < 0.98 {
				t.Errorf("coverage %.3f, want at least 0.98", r.Coverage)
			}
			if r.ScreenshotDiff > 0.01 {
				t.Errorf("screenshot diff %.4f, want at most 0.01; pairs %+v", r.ScreenshotDiff, r.ScreenshotPairs)
			}
			if r.FailedAsRecorded == 0 {
				t.Errorf("the refused request did not fail again")
			}
			for name, want := range live.scenario {
				wj, _ := json.Marshal(want)
				gj, _ := json.Marshal(got.scenario[name])
				if !sameOrRedacted(string(gj), string(wj)) {
					t.Errorf("scenario %s: replay shows %s, live showed %s", name, gj, wj)
				}
			}
			// CDP does not report a close frame's reason, so the
			// replayed close has the code only.
			closeReason := strings.NewReplacer("ws closed 1000 bye", "ws closed 1000")
			if !strings.Contains(got.wsLog, "ws received") || strings.TrimSpace(closeReason.Replace(got.wsLog)) != strings.TrimSpace(closeReason.Replace(live.wsLog)) {
				t.Errorf("websocket page log differs:\nreplay:\n%s\nlive:\n%s", got.wsLog, live.wsLog)
			}
		})
	}
	// The sanitized bundle replays as well as the raw recording.
	if raw, san := reports["raw recording"], reports["sanitized bundle"]; raw != nil && san != nil {
		if san.Coverage < raw.Coverage || san.Unmatched > raw.Unmatched || san.ArchiveUsed < raw.ArchiveUsed-0.02 {
			t.Errorf("sanitized bundle replays worse than the raw recording: coverage %.3f vs %.3f, unmatched %d vs %d, archive used %.3f vs %.3f",
				san.Coverage, raw.Coverage, san.Unmatched, raw.Unmatched, san.ArchiveUsed, raw.ArchiveUsed)
		}
	}
}

// Records a user flow on the steps page (typing, a select, a checkbox, a
// click, a scroll, Enter and a link to another page), stops the app and runs
// the recorded steps again in the replay: every step succeeds and the page
// ends where the user's did.
func TestReplayRunsRecordedSteps(t *testing.T) {
	browserOrSkip(t)
	src, err := replay.Load(recordSteps(t, logWriter{t}))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("steps.json: %s", src.Steps)
	var final string
	rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer rcancel()
	rep, err := replay.Run(rctx, src, replay.Options{
		Steps: true, Timeout: 60 * time.Second, Progress: logWriter{t},
		After: func(tab context.Context) { final, _ = chromedp.Run(tab, chromedp.Location()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Steps {
		t.Logf("step %d %s ok=%v %s %s", s.Index, s.Type, s.OK, s.Selector, s.Error)
	}
	if rep.StepsTotal < 5 || rep.StepsOK != rep.StepsTotal {
		t.Errorf("steps %d/%d ok, want all of at least 5", rep.StepsOK, rep.StepsTotal)
	}
	if !strings.HasSuffix(final, "/redirect/final") {
		t.Errorf("the replayed flow ended at %s, want the link's target /redirect/final", final)
	}
	if rep.Coverage < 0.98 {
		t.Errorf("coverage %.3f with steps", rep.Coverage)
	}
}

// recordSteps records a user flow on the steps page of the test app
// (typing, a select, a checkbox, a click, a scroll, Enter and a link to
// another page), stops the app and returns the bundle.
func recordSteps(t testing.TB, stderr io.Writer) string {
	t.Helper()
	return recordTestApp(t, "steps", stderr, func(app string, tab context.Context) error {
		return chromedp.Do(tab,
			chromedp.Navigate(app+"/steps"),
			chromedp.Click(chromedp.CSS("#search")),
			chromedp.SendKeys(chromedp.CSS("#search"), "printer offline"),
			chromedp.Click(chromedp.CSS("#notes")), // blur: the search field's change
			chromedp.Click(chromedp.CSS("#agree")),
			chromedp.Click(chromedp.CSS("[data-testid=go]")),
			chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 400)`),
			chromedp.Sleep(700*time.Millisecond), // the recorder debounces scrolls
			chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
			chromedp.Sleep(700*time.Millisecond),
			chromedp.Click(chromedp.CSS("[data-testid=link]")),
			chromedp.Sleep(time.Second),
		)
	})
}

// recordTestApp records the test app in a headless Chromium, with no size
// budget, while drive works its tab (app is the app's URL), stops the app
// and returns the bundle, NAME.zip; with REPLAY_E2E_KEEP set, a copy of it
// is kept in that folder.
func recordTestApp(t testing.TB, name string, stderr io.Writer, drive func(app string, tab context.Context) error) string {
	t.Helper()
	app, err := testapp.Start()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	zero := int64(0)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := recording.Run(ctx, recording.Options{
		Headless: true, Budget: &zero, Out: filepath.Join(dir, name+".zip"), SpoolBase: filepath.Join(dir, "spool"),
		Stderr: stderr,
		Drive:  func(ctx, tab context.Context) error { return drive(app.URL, tab) },
	})
	app.Close()
	if err != nil {
		t.Fatalf("record %s: %v", name, err)
	}
	if keep := os.Getenv("REPLAY_E2E_KEEP"); keep != "" {
		if b, err := os.ReadFile(res.Path); err == nil {
			_ = os.WriteFile(filepath.Join(keep, name+".zip"), b, 0o600)
		}
	}
	return res.Path
}
