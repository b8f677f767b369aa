package e2e

import (
	"context"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/recording"
	"github.com/reprokit/reprokit/host/replay"
	"github.com/reprokit/reprokit/host/testapp"
)

// benchDoneJS is the page's own time from navigation start until its 300th
// request finished (bench.html sets it), in milliseconds.
const benchDoneJS = `window.reprokitBenchDone || 0`

// BenchmarkReplay300 compares, in the same run, how long the test app's
// 300-request page takes to finish when replayed from its recording and
// when loaded live from the local server. Each iteration loads it once
// live (fresh tab) and replays it once (fresh browser); the figures are the
// medians of the page's own navigation-to-done time.
func BenchmarkReplay300(b *testing.B) {
	if _, err := replay.FindBrowser(""); err != nil {
		b.Skip(err)
	}
	app, err := testapp.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	dir := b.TempDir()
	zero := int64(0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	page := app.URL + "/bench/300"
	res, err := recording.Run(ctx, recording.Options{
		Headless: true, Budget: &zero, Out: filepath.Join(dir, "bench.zip"), SpoolBase: filepath.Join(dir, "spool"),
		Stderr: discard{},
		Drive: func(ctx, tab context.Context) error {
			if err := chromedp.Do(tab, chromedp.Navigate(page)); err != nil {
				return err
			}
			return waitDone(tab)
		},
	})
	if err != nil {
		b.Fatalf("record the benchmark page: %v", err)
	}
	src, err := replay.Load(res.Path)
	if err != nil {
		b.Fatal(err)
	}

	exe, _ := replay.FindBrowser("")
	profile := b.TempDir()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true))...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		b.Fatal(err)
	}

	var live, replayed, wall []float64
	b.ResetTimer()
	for b.Loop() {
		tab, cancelTab := chromedp.NewContext(browser)
		if err := chromedp.Do(tab, chromedp.Navigate(page)); err != nil {
			b.Fatal(err)
		}
		if err := waitDone(tab); err != nil {
			b.Fatal(err)
		}
		ms, err := chromedp.Run(tab, chromedp.Evaluate[float64](benchDoneJS))
		cancelTab()
		if err != nil {
			b.Fatal(err)
		}
		live = append(live, ms)

		start := time.Now()
		var rms float64
		rep, err := replay.Run(ctx, src, replay.Options{Timeout: 2 * time.Minute, Pace: replay.PaceNone,
			OnPage: func(tab context.Context, _ string) {
				if waitDone(tab) == nil {
					rms, _ = chromedp.Run(tab, chromedp.Evaluate[float64](benchDoneJS))
				}
			}})
		if err != nil {
			b.Fatal(err)
		}
		if rms == 0 || rep.Coverage < 0.98 {
			b.Fatalf("the replayed page did not finish (coverage %.3f)", rep.Coverage)
		}
		replayed = append(replayed, rms)
		wall = append(wall, float64(time.Since(start).Milliseconds()))
	}
	b.StopTimer()
	lm, rm := median(live), median(replayed)
	b.ReportMetric(lm, "live-ms")
	b.ReportMetric(rm, "replay-ms")
	b.ReportMetric(rm/lm, "replay/live")
	b.ReportMetric(median(wall), "replay-run-ms")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
