package e2e

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/recording"
)

// The three benchmarks drive the same test-app scenario (scenario) and
// report its wall time as scenario-ms: without recording (the baseline),
// recorded in launch mode, and recorded through the extension bridge
// (goal: at most 1.2x launch mode). stop-ms is the time from Stop to the
// saved bundle; launch mode's total-ms also holds starting its browser.
// scripts/bench.d/bridge.sh runs them and prints the ratios.

func BenchmarkScenarioNotRecorded(b *testing.B) {
	needBrowser(b)
	var drive time.Duration
	for i := 0; i < b.N; i++ {
		app, closeApp := benchTab(b)
		run(b, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
		start := time.Now()
		if err := scenario(app); err != nil {
			b.Fatal(err)
		}
		drive += time.Since(start)
		closePopupWindow(app)
		closeApp()
	}
	b.ReportMetric(float64(drive.Milliseconds())/float64(b.N), "scenario-ms")
}

func BenchmarkScenarioLaunchMode(b *testing.B) {
	needBrowser(b)
	var drive, total, stop time.Duration
	for i := 0; i < b.N; i++ {
		var driven time.Time
		var took time.Duration
		start := time.Now()
		_, err := recording.Run(context.Background(), recording.Options{
			URL: env.app.URL + "/", Browser: browserPath(), Headless: true,
			Out: filepath.Join(b.TempDir(), "launch.zip"), SpoolBase: filepath.Join(b.TempDir(), "spool"), Stderr: io.Discard,
			Drive: func(ctx, tab context.Context) error {
				t0 := time.Now()
				err := scenario(tab)
				took = time.Since(t0)
				driven = time.Now()
				return err
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		drive += took
		stop += time.Since(driven)
	}
	b.ReportMetric(float64(drive.Milliseconds())/float64(b.N), "scenario-ms")
	b.ReportMetric(float64(stop.Milliseconds())/float64(b.N), "stop-ms")
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "total-ms")
}

func BenchmarkScenarioExtensionMode(b *testing.B) {
	needBrowser(b)
	var drive, total, stop time.Duration
	for i := 0; i < b.N; i++ {
		app, closeApp := benchTab(b)
		run(b, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
		popup, _ := openPopup(b, app)
		resetPopup(b, popup)
		start := time.Now()
		click(b, popup, "record")
		waitStatus(b, popup, "recording", 15*time.Second)
		t0 := time.Now()
		if err := scenario(app); err != nil {
			b.Fatal(err)
		}
		drive += time.Since(t0)
		t1 := time.Now()
		click(b, popup, "stop")
		waitStatus(b, popup, "done", 60*time.Second)
		stop += time.Since(t1)
		total += time.Since(start)
		// Each iteration starts from the same browser: no tabs or popup
		// windows of the earlier ones (launch mode gets a new browser).
		closePopupWindow(app)
		closeApp()
		chromedp.Cancel(popup)
	}
	b.ReportMetric(float64(drive.Milliseconds())/float64(b.N), "scenario-ms")
	b.ReportMetric(float64(stop.Milliseconds())/float64(b.N), "stop-ms")
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "total-ms")
}

// benchTab opens a tab that the iteration closes itself.
func benchTab(b *testing.B) (context.Context, func()) {
	ctx, cancel := chromedp.NewContext(env.browser)
	if err := chromedp.Do(ctx); err != nil {
		b.Fatal(err)
	}
	return ctx, cancel
}

// closePopupWindow closes the window the scenario's popup step opened.
func closePopupWindow(app context.Context) {
	chromedp.Do(app, chromedp.Evaluate[chromedp.Void](`(() => { const w = window.open('', 'reprokit-popup'); if (w) w.close(); })()`))
}
