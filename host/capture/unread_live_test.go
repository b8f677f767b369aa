package capture_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/capture"
)

// TestRecordsResponsesThePageNeverReads records /unread: fetches of a 413
// with a JSON error body, of a 200, and of /slow?ms=1200, none of whose
// bodies the page reads (it keeps the responses, so Chrome never sends
// their loadingFinished). The tab stays open for longer than the bound
// below, then is closed before the recording stops, as a user who closes
// the tab does: the bodies must be in the HAR all the same, and each entry
// must last as long as its response took, not until the page went away.
func TestRecordsResponsesThePageNeverReads(t *testing.T) {
	l := startLive(t, capture.Options{})
	l.do(chromedp.Navigate(app.URL + "/unread"))
	l.waitFor(`document.body.dataset.done === '1'`)
	// Longer than the 2 s bound: an entry that ran until the end of the
	// recording would fail it.
	time.Sleep(2500 * time.Millisecond)
	// A request read to the end after that: the log goes on past the bound.
	l.do(chromedp.Evaluate[chromedp.Void](`fetch('/api/after-wait').then(r => r.text()).then(() => document.body.dataset.after = '1')`))
	l.waitFor(`document.body.dataset.after === '1'`)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := chromedp.CallBrowser(l.tab, target.CloseTarget, target.CloseTargetParams{TargetID: l.sess.TabTarget}); err != nil {
		t.Fatalf("close the recorded tab: %v", err)
	}
	select {
	case <-l.rec.Done():
	case <-ctx.Done():
		t.Fatal("the recorder did not notice that its tab was closed")
	}
	r := l.stop()

	for _, c := range []struct {
		path, status, body string
		status413          bool
	}{
		{"/status/413", "413", "Request Entity Too Large", true},
		{"/api/unread-ok", "200", `"path":"/api/unread-ok"`, false},
	} {
		e := r.entry(t, "GET", c.path)
		if !strings.Contains(e.Response.Content.Text, c.body) || !strings.Contains(e.Response.Content.Text, "request_id") {
			t.Errorf("%s: body %q, want the JSON the server sent (with %q)", c.path, e.Response.Content.Text, c.body)
		}
		// The server answers at once; the bound is loose on purpose.
		if e.Time <= 0 || e.Time >= 2000 || e.Incomplete {
			t.Errorf("%s: time %.1f ms (receive %.1f, incomplete %v), want the response's own time (< 2 s), not the recording's end",
				c.path, e.Time, e.Timings.Receive, e.Incomplete)
		}
	}
	if e := r.entry(t, "GET", "/status/413"); e.Response.Status != 413 {
		t.Errorf("/status/413: status %d", e.Response.Status)
	}
	// A genuinely slow response keeps its real time.
	e := r.entry(t, "GET", "/slow?ms=1200")
	if e.Time < 1200 || e.Time >= 2400 || e.Timings.Wait < 1100 {
		t.Errorf("/slow?ms=1200: time %.1f ms, wait %.1f; want its 1.2 s wait and no more than that much again", e.Time, e.Timings.Wait)
	}
	if e.Response.Content.Text != "slept 1200 ms\n" {
		t.Errorf("/slow?ms=1200: body %q", e.Response.Content.Text)
	}
}
