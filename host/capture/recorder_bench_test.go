package capture_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/browser"
	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/spool"
)

// BenchmarkPageLoad300 loads the test app's 300-request page (a document,
// 149 images, 150 fetches of 2 KB) in a browser that is not recorded and in
// one that is, with bodies fetched and logged as in `reprokit record`.
// scripts/bench.d/capture.sh prints the ratio recorded/plain (goal <= 1.10).
func BenchmarkPageLoad300(b *testing.B) {
	if noBrowser != nil {
		b.Skip(noBrowser)
	}
	for _, recorded := range []bool{false, true} {
		name := "plain"
		if recorded {
			name = "recorded"
		}
		b.Run(name, func(b *testing.B) {
			dir, err := spool.Create(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			var conn *capture.Conn
			sess, err := browser.Launch(context.Background(), browser.Options{
				Path: browserPath, Headless: true,
				Wrap: func(tr chromedp.Transport) (chromedp.Transport, error) {
					if !recorded {
						return tr, nil
					}
					c, err := capture.NewConn(tr, dir, capture.ConnOptions{})
					conn = c
					return c, err
				},
			})
			if err != nil {
				b.Fatal(err)
			}
			defer sess.Close()
			var rec *capture.Recorder
			if recorded {
				rec, err = capture.Start(context.Background(), conn, sess.TabSession, dir, capture.Options{TabTarget: sess.TabTarget, BrowserTargets: true, Mode: "launch"})
				if err != nil {
					b.Fatal(err)
				}
			}
			load := func() {
				ctx, cancel := context.WithTimeout(sess.Tab, 60*time.Second)
				defer cancel()
				if err := chromedp.Do(ctx, chromedp.Navigate(app.URL+"/bench/300")); err != nil {
					b.Fatal(err)
				}
				if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.dataset.done === '1'`, chromedp.WithPollingInterval(5*time.Millisecond))); err != nil {
					b.Fatal(err)
				}
			}
			load() // warm up: the first load starts the renderer
			b.ResetTimer()
			for b.Loop() {
				load()
			}
			b.StopTimer()
			if rec != nil {
				st := rec.Stats()
				b.ReportMetric(float64(st.Requests)/float64(b.N+1), "requests/op")
				rec.Stop(context.Background())
			}
		})
	}
}
