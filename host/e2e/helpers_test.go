package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/native"
)

// popupURL is the extension's toolbar popup.
const popupURL = "chrome-extension://" + native.ExtensionID + "/popup.html"

// newTab opens a tab in the shared browser; the test closes it at the end.
func newTab(t testing.TB) context.Context {
	t.Helper()
	return newTabIn(t, env.browser)
}

// newTabIn opens a tab in another browser of the test.
func newTabIn(t testing.TB, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

// run runs steps with a timeout, failing the test with what was being done.
func run(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatalf("%s: %v%s", what, err, hostLogTail())
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) in ctx.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// openPopup opens the extension popup in a tab, pointed at the tab of
// appCtx, as a user opens it from the toolbar of that tab.
func openPopup(t testing.TB, appCtx context.Context) (popup context.Context, tabID int) {
	t.Helper()
	return openPopupIn(t, env.browser, appCtx)
}

// openPopupIn is openPopup in another browser of the test.
func openPopupIn(t testing.TB, browser, appCtx context.Context) (popup context.Context, tabID int) {
	t.Helper()
	popup = newTabIn(t, browser)
	run(t, popup, "open the popup", chromedp.Navigate(popupURL))
	targetID := chromedp.FromContext(appCtx).Target.TargetID
	tabID = eval[int](t, popup, fmt.Sprintf(
		`chrome.debugger.getTargets().then((ts) => ts.find((x) => x.id === %q).tabId)`, targetID))
	run(t, popup, "point the popup at the app tab", chromedp.Navigate(fmt.Sprintf("%s?tabId=%d", popupURL, tabID)))
	return popup, tabID
}

// click clicks the popup button with data-testid id; when it does not
// become visible the failure says what the popup and the worker show.
func click(t testing.TB, ctx context.Context, id string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=%q]`, id)), chromedp.NodeVisible)); err != nil {
		st, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid=status]')?.textContent || ''`))
		t.Fatalf("click %s: %v (the page's status %q; %s)%s", id, err, st, workerState(t), hostLogTail())
	}
}

// status returns the popup's status text.
func status(t testing.TB, popup context.Context) string {
	t.Helper()
	return eval[string](t, popup, `document.querySelector('[data-testid=status]').textContent`)
}

// knownStatus waits until the popup shows the worker's state (its status
// is empty before the worker answered) and returns the status.
func knownStatus(t testing.TB, popup context.Context) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if st := status(t, popup); st != "" {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the popup shows no state 5 s after it opened (%s)", workerState(t))
	return ""
}

// settledStatus waits until the popup shows a phase the user acts on
// (idle, review, done, error), as after an earlier test's recording is
// still being saved, and returns the status.
func settledStatus(t testing.TB, popup context.Context) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var st string
	for time.Now().Before(deadline) {
		st = status(t, popup)
		for _, p := range []string{"idle", "review", "done", "error"} {
			if strings.HasPrefix(st, p) {
				return st
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the popup stays %q for 60 s (%s)%s", st, workerState(t), hostLogTail())
	return ""
}

// waitStatus waits until the popup's status starts with prefix and returns
// the status; it fails early on an error status unless it waits for
// "error" or "idle" (after a click on OK).
func waitStatus(t testing.TB, popup context.Context, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		last = status(t, popup)
		if strings.HasPrefix(last, prefix) {
			return last
		}
		// A review that shows a refused save (its notice) while waiting for
		// done is not mended by waiting.
		if prefix == "done" && strings.HasPrefix(last, "review") {
			if notice := eval[string](t, popup, `document.querySelector('[data-testid=notice]:not([hidden])')?.textContent || ''`); notice != "" {
				t.Fatalf("the save was refused while waiting for %q: %s (%s)%s", prefix, notice, workerState(t), hostLogTail())
			}
		}
		if prefix != "error" && prefix != "idle" && strings.HasPrefix(last, "error") {
			detail := eval[string](t, popup, `document.querySelector('[data-testid=error-message]').textContent + ' / ' + document.querySelector('[data-testid=error-fix]').textContent`)
			t.Fatalf("popup shows an error while waiting for %q: %s: %s%s", prefix, last, detail, hostLogTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
	notice := eval[string](t, popup, `document.querySelector('[data-testid=notice]').textContent`)
	t.Fatalf("popup status is %q after %v, want %q... (notice: %q; %s)%s", last, timeout, prefix, notice, workerState(t), hostLogTail())
	return ""
}

// waitDone waits until the page of ctx sets body[data-done] (the test
// app's pages do when their scenario finished).
func waitDone(t testing.TB, ctx context.Context, what string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.WaitVisible(chromedp.CSS(`body[data-done]`))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + ': ' + document.body.innerText.slice(0, 2000)`))
		t.Fatalf("%s: %v; the page shows: %s%s", what, err, text, hostLogTail())
	}
}

// hostLogTail returns the end of the host's log for a failure message.
func hostLogTail() string {
	b, err := os.ReadFile(env.hostLog)
	if err != nil {
		return ""
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "\nhost log (end):\n" + string(b)
}

// waitPopupAttached waits until the extension's debugger is attached to the
// tab whose URL starts with url (a popup the recorded tab opened).
func waitPopupAttached(t testing.TB, popup context.Context, url string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		ok := eval[bool](t, popup, fmt.Sprintf(
			`chrome.debugger.getTargets().then((ts) => ts.some((x) => x.url.startsWith(%q) && x.attached))`, url))
		if ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the extension did not attach to the popup %s", url)
}

// waitRequest waits until the test app received a request whose URL ends
// with suffix.
func waitRequest(t testing.TB, suffix string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		for _, r := range env.app.Received() {
			if strings.HasSuffix(r.URL, suffix) {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("the app never received %s", suffix)
}

// workerState describes the service worker's state for a failure message.
func workerState(t testing.TB) string {
	t.Helper()
	infos, err := chromedp.Targets(env.browser)
	if err != nil {
		return "no targets: " + err.Error()
	}
	for _, i := range infos {
		if i.Type != "service_worker" || !strings.HasPrefix(i.URL, "chrome-extension://"+native.ExtensionID+"/") {
			continue
		}
		ctx, cancel := chromedp.NewContext(env.browser, chromedp.WithTargetID(i.TargetID), chromedp.WithDetachOnCancel())
		defer cancel()
		if err := chromedp.Do(ctx); err != nil {
			return "worker: " + err.Error()
		}
		tctx, cancel2 := context.WithTimeout(ctx, 5*time.Second)
		defer cancel2()
		v, err := chromedp.Run(tctx, chromedp.Evaluate[string](`JSON.stringify(Object.assign({}, self.reprokitTestHooks.state(), {review: undefined}))`))
		if err != nil {
			return "worker: " + err.Error()
		}
		return "worker state " + v
	}
	return "no service worker running"
}
