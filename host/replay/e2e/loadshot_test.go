package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/replay"
)

// A page that covers itself with a dialog a moment after its load event
// (as Syncthing's GUI does) is recorded with the user's steps, and replayed
// with them: the replay's load screenshot is taken at the load event, as
// the recorder took it, so the pair looks alike. Taken once the requests
// that followed the load in the recording had come, it showed the dialog
// and differed by nearly every pixel.
func TestReplayTakesTheLoadScreenshotAtTheLoadEventWithSteps(t *testing.T) {
	browserOrSkip(t)
	path := recordTestApp(t, "late-dialog", logWriter{t}, func(app string, tab context.Context) error {
		return chromedp.Do(tab,
			chromedp.Navigate(app+"/late-dialog"),
			chromedp.WaitVisible(chromedp.CSS(`body[data-dialog="1"]`)),
			chromedp.Sleep(300*time.Millisecond),
			chromedp.Click(chromedp.CSS("[data-testid=close]")),
			chromedp.WaitVisible(chromedp.CSS(`body[data-closed="1"]`)),
			chromedp.Sleep(500*time.Millisecond),
		)
	})
	src, err := replay.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer rcancel()
	shots := t.TempDir()
	if keep := os.Getenv("REPLAY_E2E_KEEP"); keep != "" {
		shots = keep
	}
	rep, err := replay.Run(rctx, src, replay.Options{Steps: true, Timeout: 60 * time.Second, Progress: logWriter{t}, ScreenshotsDir: shots})
	if err != nil {
		t.Fatal(err)
	}
	if rep.StepsOK != rep.StepsTotal {
		t.Errorf("steps %d/%d ok", rep.StepsOK, rep.StepsTotal)
	}
	loads := 0
	for _, p := range rep.ScreenshotPairs {
		t.Logf("pair %+v", p)
		if !strings.HasSuffix(p.Recorded, "-load.png") || !strings.HasSuffix(p.URL, "/late-dialog") {
			continue
		}
		loads++
		if p.Replay == "" || p.Diff > 0.05 {
			t.Errorf("the load screenshot of /late-dialog: replay %q differs by %.1f%% from the recorded %s", p.Replay, p.Diff*100, p.Recorded)
		}
	}
	if loads == 0 {
		t.Errorf("no recorded load screenshot of /late-dialog was compared: %+v", rep.ScreenshotPairs)
	}
}
