package testapp

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The kernel page works in a real Chromium: the list page opens the work
// tab, which gets a reply to each of its requests (none ignored), the
// kernel's ticks and binary frame, and the first events poll.
func TestKernelPageRunsInChromium(t *testing.T) {
	app := startApp(t)
	ctx := newBrowser(t)
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(app.URL+"/kernel")); err != nil {
		t.Fatal(err)
	}
	waitData(tctx, t, "done", 20*time.Second)
	text, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.getElementById('work-state').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	const want = "work tab: 1+1=2 6*7=42 sum=5 joined=true ticks=3 binary=8 events=notebook saved ignored=0"
	if text != want {
		t.Errorf("list page shows %q, want %q", text, want)
	}
}
