package capture_test

import (
	"bytes"
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/performance"
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

// BenchmarkPageLoad300DOM is the cost of the DOM session replay: the same
// 300-request page in two headless browsers both recorded as `reprokit
// record` does, one with the DOM replay off (--no-dom, the baseline) and
// one with it on (the default), loads alternating. It reports the medians
// and their ratio (goal <= 1.05; scripts/bench.d/dom.sh prints it), and
// checks that the DOM recording did record each load.
func BenchmarkPageLoad300DOM(b *testing.B) {
	if noBrowser != nil {
		b.Skip(noBrowser)
	}
	plain := benchBrowserWith(b, true, capture.Options{NoDOM: true})
	dom := benchBrowserWith(b, true, capture.Options{})
	plain.load(b)
	dom.load(b)
	var tp, td, bp, bd []time.Duration
	for i := 0; b.Loop(); i++ {
		// Which goes first alternates too: the second load of a pair
		// meets a warmer machine.
		if i%2 == 0 {
			tp, bp = appendLoad(b, plain, tp, bp)
			td, bd = appendLoad(b, dom, td, bd)
		} else {
			td, bd = appendLoad(b, dom, td, bd)
			tp, bp = appendLoad(b, plain, tp, bp)
		}
	}
	b.StopTimer()
	mp, md := median(tp), median(td)
	b.ReportMetric(float64(mp)/1e6, "nodom-ms")
	b.ReportMetric(float64(md)/1e6, "dom-ms")
	b.ReportMetric(float64(md)/float64(mp), "ratio")
	// The renderer's main-thread busy time of a load (Performance
	// metric TaskDuration): indicative only, the counter belongs to a
	// renderer process (a load may get a new one) and counts preempted
	// time too.
	cp, cd := median(bp), median(bd)
	b.ReportMetric(float64(cp)/1e6, "nodom-busy-ms")
	b.ReportMetric(float64(cd)/1e6, "dom-busy-ms")
	b.ReportMetric(float64(cd)/float64(cp), "busy-ratio")
	// Each load's full snapshot reaches dom.jsonl (after the page's load).
	deadline := time.Now().Add(30 * time.Second)
	for {
		dom.rec.Stop(context.Background())
		raw, _ := os.ReadFile(dom.dir.Join(capture.DOMFile))
		if n := bytes.Count(raw, []byte(`"type":2,`)); n >= len(td)+1 {
			break
		} else if time.Now().After(deadline) {
			b.Fatalf("dom.jsonl holds %d full snapshots for %d loads", n, len(td)+1)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type benchTab struct {
	sess *browser.Session
	rec  *capture.Recorder
	dir  *spool.Dir
}

func benchBrowser(b *testing.B, record bool) *benchTab {
	return benchBrowserWith(b, record, capture.Options{})
}

// benchBrowserWith is benchBrowser with the recorder's options (the tab,
// its popups and the mode are set here).
func benchBrowserWith(b *testing.B, record bool, opts capture.Options) *benchTab {
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
		opts.TabTarget, opts.BrowserTargets, opts.Mode = sess.TabTarget, true, "launch"
		t.rec, err = capture.Start(context.Background(), conn, sess.TabSession, dir, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { t.rec.Stop(context.Background()) })
	}
	return t
}

// appendLoad loads the page in t and appends the wall time to wall and
// the renderer's main-thread busy time to busy.
func appendLoad(b *testing.B, t *benchTab, wall, busy []time.Duration) ([]time.Duration, []time.Duration) {
	before := t.busy(b)
	w := t.load(b)
	// The first snapshot is taken just after the load event: wait for
	// the page's idle time so that its cost is in the figure.
	ctx, cancel := context.WithTimeout(t.sess.Tab, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__rkIdle = false; requestIdleCallback(() => { window.__rkIdle = true; }, {timeout: 2000}); true`)); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.__rkIdle === true`, chromedp.WithPollingInterval(5*time.Millisecond))); err != nil {
		b.Fatal(err)
	}
	after := t.busy(b)
	if after < before {
		before = 0 // the counter restarted with the new document
	}
	return append(wall, w), append(busy, after-before)
}

// busy returns the renderer main thread's busy time (TaskDuration).
func (t *benchTab) busy(b *testing.B) time.Duration {
	ctx, cancel := context.WithTimeout(t.sess.Tab, 30*time.Second)
	defer cancel()
	d, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (time.Duration, error) {
		if _, err := cdp.Call(ctx, tg, performance.Enable, performance.EnableParams{}); err != nil {
			return 0, err
		}
		res, err := cdp.Call(ctx, tg, performance.GetMetrics, cdp.Empty{})
		if err != nil {
			return 0, err
		}
		for _, m := range res.Metrics {
			if m.Name == "TaskDuration" {
				return time.Duration(m.Value * float64(time.Second)), nil
			}
		}
		return 0, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return d
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
