package capture_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/demo"
)

// BenchmarkScreenshotTextMask records the demo app signed in, with a chat
// message holding a card number, and takes screenshots alternately with
// and without painting over flagged text (same recorder, same page), so
// that both see the same machine load. It reports the median of each, the
// delta (goal <= 150 ms) and the ratio; scripts/bench.d/capture.sh can
// print them.
func BenchmarkScreenshotTextMask(b *testing.B) {
	if noBrowser != nil {
		b.Skip(noBrowser)
	}
	da, err := demo.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(da.Close)
	bt := benchBrowser(b, true)
	ctx, cancel := context.WithTimeout(bt.sess.Tab, 90*time.Second)
	defer cancel()
	css := func(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }
	wait := func(name string) {
		for {
			// a navigation ends the context a poll runs in: poll again
			_, err := chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf("document.body && document.body.dataset[%q]", name), chromedp.WithPollingInterval(50*time.Millisecond)))
			if err == nil {
				return
			}
			if ctx.Err() != nil {
				b.Fatalf("waiting for data-%s: %v", name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		if err := chromedp.Do(ctx, actions...); err != nil {
			b.Fatal(err)
		}
	}
	do(chromedp.Navigate(da.URL+"/"), chromedp.Click(css("sso-continue")),
		chromedp.SendKeys(css("email"), demo.Email), chromedp.SendKeys(css("password"), demo.Password),
		chromedp.Click(css("idp-sign-in")))
	wait("signedIn")
	do(chromedp.SendKeys(css("prompt"), "my card is 4111 1111 1111 1111, mail me at ada@northwind.example"), chromedp.Click(css("send")))
	wait("replyDone")
	shot := func(mask bool) time.Duration {
		capture.SetTextMask(bt.rec, mask)
		sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer scancel()
		start := time.Now()
		if err := bt.rec.Screenshot(sctx, "demand"); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	shot(true)
	shot(false) // warm up
	var plain, masked []time.Duration
	for b.Loop() {
		plain = append(plain, shot(false))
		masked = append(masked, shot(true))
	}
	b.StopTimer()
	mp, mm := median(plain), median(masked)
	b.ReportMetric(float64(mp)/1e6, "unmasked-ms")
	b.ReportMetric(float64(mm)/1e6, "masked-ms")
	b.ReportMetric(float64(mm-mp)/1e6, "delta-ms")
	b.ReportMetric(float64(mm)/float64(mp), "ratio")
	// the masked screenshots did paint: the card and the email
	var index []capture.ScreenshotInfo
	b2, _ := os.ReadFile(bt.dir.Join("screenshots.json"))
	json.Unmarshal(b2, &index)
	if len(index) == 0 || len(index[len(index)-1].Masked) < 2 {
		b.Errorf("the last masked screenshot has no boxes over the card and the email: %+v", index)
	}
	if mm-mp > 150*time.Millisecond {
		b.Errorf("masking adds %s to a screenshot, goal 150ms", mm-mp)
	}
}
