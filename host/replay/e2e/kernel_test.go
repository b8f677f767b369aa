package e2e

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/replay"
)

// kernelState is what the kernel app showed: the work tab's own record of
// its requests and the text of both tabs.
type kernelState struct {
	Work     map[string]any
	WorkText string
	ListText string
}

const kernelStateJS = `JSON.stringify({Work: window.workState || null,
  WorkText: (window.work && !window.work.closed && window.work.document.getElementById('state')) ? window.work.document.getElementById('state').innerText : '',
  ListText: document.getElementById('work-state').innerText})`

func readKernel(ctx context.Context) (kernelState, error) {
	var st kernelState
	js, err := chromedp.Run(ctx, chromedp.Evaluate[string](kernelStateJS))
	if err == nil {
		err = json.Unmarshal([]byte(js), &st)
	}
	return st, err
}

// recordKernel records the notebook-style app: the list page opens the
// work tab, which talks to the kernel over a websocket with ids it makes
// up and long-polls the events feed; the recording stops with a poll open.
func recordKernel(t testing.TB, stderr io.Writer) (bundle string, live kernelState, span time.Duration) {
	t.Helper()
	var start time.Time
	bundle = recordTestApp(t, "kernel", stderr, func(app string, tab context.Context) error {
		start = time.Now()
		if err := chromedp.Do(tab, chromedp.Navigate(app+"/kernel")); err != nil {
			return err
		}
		wctx, wcancel := context.WithTimeout(tab, 15*time.Second)
		defer wcancel()
		if _, err := chromedp.Run(wctx, chromedp.Poll[bool](`document.body && document.body.dataset.done === '1'`, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			live, _ = readKernel(tab)
			pl, _ := chromedp.Run(tab, chromedp.Evaluate[string](logJS))
			t.Logf("kernel page did not finish: %+v\n%s", live, pl)
			return err
		}
		var err error
		live, err = readKernel(tab)
		span = time.Since(start)
		return err
	})
	return bundle, live, span
}

// Records the kernel app in real Chromium and replays the sanitized bundle:
// every request the page sent gets its replies with the page's new ids (the
// page's own record says so), both tabs end as they did live, the verdict
// is faithful, and the replay ends soon after the recording's timeline with
// the open poll still pending.
func TestReplayOfKernelConversation(t *testing.T) {
	browserOrSkip(t)
	bundle, live, span := recordKernel(t, logWriter{t})
	t.Logf("live: %s | %s (recorded in %s)", live.ListText, live.WorkText, span.Round(time.Millisecond))
	if live.Work["done"] != true || live.Work["ignored"] != 0.0 {
		t.Fatalf("the live session did not finish cleanly: %+v", live.Work)
	}
	src, err := replay.Load(bundle)
	if err != nil {
		t.Fatal(err)
	}
	var shots []string
	for _, s := range src.Screenshots {
		shots = append(shots, s.Target+" "+s.Reason+" "+s.URL)
	}
	// The recording follows the tab the page opened: it has screenshots,
	// which say through the bundle that they show that tab.
	if !slices.ContainsFunc(shots, func(s string) bool {
		return strings.HasPrefix(s, "popup stop ") && strings.HasSuffix(s, "/kernel/work")
	}) {
		t.Errorf("no recorded stop screenshot of the work tab (target popup): %q", shots)
	}
	var got kernelState
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	began := time.Now()
	rep, err := replay.Run(ctx, src, replay.Options{
		Timeout: 60 * time.Second, Progress: logWriter{t},
		After: func(tab context.Context) { got, _ = readKernel(tab) },
	})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	t.Logf("replay: %s | %s in %s; report %+v", got.ListText, got.WorkText, took.Round(time.Millisecond), rep.WebSocketFrames)
	if got.WorkText != live.WorkText || got.ListText != live.ListText {
		t.Errorf("the tabs end differently:\nreplay %q / %q\nlive   %q / %q", got.ListText, got.WorkText, live.ListText, live.WorkText)
	}
	if got.Work["sent"] != live.Work["sent"] || got.Work["answered"] != got.Work["sent"] || got.Work["ignored"] != 0.0 {
		t.Errorf("the page's own record: sent %v answered %v ignored %v; live sent %v", got.Work["sent"], got.Work["answered"], got.Work["ignored"], live.Work["sent"])
	}
	if f := rep.WebSocketFrames; f.Unmatched != 0 || f.Matched == 0 || f.IDsRewritten == 0 {
		t.Errorf("websocket figures %+v, unmatched %v", f, rep.UnmatchedMessages)
	}
	t.Logf("recording span %.2fs, replay span %.2fs, ended %s, held open %v, pending at end %v, warnings %q",
		rep.RecordingSpan, rep.ReplaySpan, rep.Ended, rep.HeldOpen, rep.PendingAtEnd, rep.Warnings)
	if rep.ReplaySpan > rep.RecordingSpan+2 {
		t.Errorf("the replay ran %.2fs, the recording's timeline %.2fs: more than 2 s longer", rep.ReplaySpan, rep.RecordingSpan)
	}
	if !slices.ContainsFunc(rep.HeldOpen, func(s string) bool { return strings.Contains(s, "/kernel/events?since=1") }) {
		t.Errorf("the poll open at stop was not held open: %v", rep.HeldOpen)
	}
	if rep.Loop != "" || rep.TimedOut {
		t.Errorf("loop %q, timed out %v", rep.Loop, rep.TimedOut)
	}
	if rep.Verdict != replay.Faithful {
		t.Errorf("verdict %s, want faithful: %q; tabs %+v", rep.Verdict, rep.Reasons, rep.Tabs)
	}
	// The work tab's stop screenshot is compared with the replay's own
	// stop screenshot of the work tab, not with the first tab's.
	for _, p := range rep.ScreenshotPairs {
		t.Logf("screenshot pair %+v", p)
		if p.Target == "popup" && strings.HasSuffix(p.URL, "/kernel/work") && !strings.HasSuffix(p.Replay, "-stop.png") && strings.HasSuffix(p.Recorded, "-stop.png") {
			t.Errorf("the work tab's stop screenshot was compared with %q", p.Replay)
		}
	}

	// The same recording with the work tab's script altered: the tab
	// is blank and throws, and the verdict says so.
	broken, err := replay.Load(bundle)
	if err != nil {
		t.Fatal(err)
	}
	for i := range broken.HAR.Log.Entries {
		if e := &broken.HAR.Log.Entries[i]; strings.HasSuffix(e.Request.URL, "/kernel/work.js") {
			e.Response.Content.Text = `document.body.replaceChildren(); throw new Error("kernel client broken by the test");`
			e.Response.Content.Encoding = ""
		}
	}
	rep, err = replay.Run(ctx, broken, replay.Options{Timeout: 60 * time.Second, Progress: logWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	why := strings.Join(rep.Reasons, "\n")
	t.Logf("broken replay: verdict %s, span %.2fs:\n%s", rep.Verdict, rep.ReplaySpan, why)
	if rep.Verdict != replay.Diverged || !strings.Contains(why, "blank page: ") || !strings.Contains(why, "/kernel/work ") || !strings.Contains(why, "kernel client broken by the test") {
		t.Errorf("verdict %s, want diverged naming the blank work tab and the new exception:\n%s", rep.Verdict, why)
	}
}
