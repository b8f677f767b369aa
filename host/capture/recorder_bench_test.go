package capture_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/browser"
	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/spool"
)

// BenchmarkPageLoad300 loads the test app's 300-request page (a document,
// 149 images, 150 fetches of 2 KB) in two headless browsers started side by
// side, one not recorded and one recorded as `reprokit record` does (every
// event logged, every body fetched). The loads alternate, so that both see
// the same machine load, and the benchmark reports the median time of each
// and their ratio (goal <= 1.10; scripts/bench.d/capture.sh prints it).
func BenchmarkPageLoad300(b *testing.B) {
	if noBrowser != nil {
		b.Skip(noBrowser)
	}
	plain := benchBrowser(b, false)
	recorded := benchBrowser(b, true)
	plain.load(b)
	recorded.load(b) // warm up: the first load starts the renderers
	var tp, tr []time.Duration
	for b.Loop() {
		tp = append(tp, plain.load(b))
		tr = append(tr, recorded.load(b))
	}
	b.StopTimer()
	mp, mr := median(tp), median(tr)
	b.ReportMetric(float64(mp)/1e6, "plain-ms")
	b.ReportMetric(float64(mr)/1e6, "recorded-ms")
	b.ReportMetric(float64(mr)/float64(mp), "ratio")
	if st := recorded.rec.Stats(); st.Requests < 300*(len(tr)+1) {
		b.Errorf("recorded %d requests, want 300 per load", st.Requests)
	}
}

type benchTab struct {
	sess *browser.Session
	rec  *capture.Recorder
	dir  *spool.Dir
}

func benchBrowser(b *testing.B, record bool) *benchTab {
	dir, err := spool.Create(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	var conn *capture.Conn
	sess, err := browser.Launch(context.Background(), browser.Options{
		Path: browserPath, Headless: true,
		Wrap: func(tr chromedp.Transport) (chromedp.Transport, error) {
			if !record {
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
	b.Cleanup(sess.Close)
	t := &benchTab{sess: sess, dir: dir}
	if record {
		t.rec, err = capture.Start(context.Background(), conn, sess.TabSession, dir, capture.Options{TabTarget: sess.TabTarget, BrowserTargets: true, Mode: "launch"})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { t.rec.Stop(context.Background()) })
	}
	return t
}

// load navigates to the page and waits until its 300 requests are done.
func (t *benchTab) load(b *testing.B) time.Duration {
	ctx, cancel := context.WithTimeout(t.sess.Tab, 60*time.Second)
	defer cancel()
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(app.URL+"/bench/300")); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.dataset.done === '1'`, chromedp.WithPollingInterval(5*time.Millisecond))); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
