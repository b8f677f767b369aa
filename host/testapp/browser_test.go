package testapp

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserPath returns the Chromium to test with: REPROKIT_BROWSER, else
// /usr/bin/chromium. Without one the test skips, or fails when CI is set.
func browserPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("REPROKIT_BROWSER"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium: install it with `apt-get install chromium` or set REPROKIT_BROWSER")
	}
	t.Skip("no Chromium found (set REPROKIT_BROWSER or install /usr/bin/chromium)")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and returns
// a tab context; cleanup closes the browser and removes the profile.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// waitData waits until document.body.dataset[key] is set in the tab and
// returns it.
func waitData(ctx context.Context, t *testing.T, key string, timeout time.Duration) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf("document.body && document.body.dataset[%q]", key),
		chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		log, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`(document.getElementById('log')||{}).textContent||''`))
		t.Fatalf("waiting for data-%s: %v\npage log:\n%s", key, err, log)
	}
	return v
}

// The smoke test proves the pages work in a real Chromium: /scenario/all
// runs its cases from one load, and its buttons trigger the rest.
func TestScenarioAllRunsInChromium(t *testing.T) {
	app := startApp(t)
	ctx := newBrowser(t)
	tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(app.URL+"/scenario/all")); err != nil {
		t.Fatal(err)
	}
	waitData(tctx, t, "done", 30*time.Second)
	res, err := chromedp.Run(tctx, chromedp.Evaluate[map[string]any](`window.reprokitResults`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"redirects":     app.URL + "/redirect/final",
		"post303":       app.URL + "/form/done?name=Ada",
		"etag":          "200", // a revalidated 304 reaches fetch() as 200
		"corsPreflight": "200",
		"corsFailure":   "error: Failed to fetch",
		"refused":       "error: Failed to fetch",
		"urlencoded":    "200", "json": "200", "multipart": "200", "binary": "200",
		"gzip":          "100",
		"statuses":      "[401 403 429 500 502 503]",
		"secrets":       "200",
		"websocket":     "1000",
		"sse":           "3",
		"worker":        "true",
		"sharedWorker":  "true",
		"serviceWorker": "service-worker",
		"frames":        "2",
		"dataURL":       "hello data",
		"blobURL":       "hello blob",
		"fragment":      "200",
		"beacon":        "true",
	}
	for k, v := range want {
		if got := fmt.Sprint(res[k]); got != v {
			t.Errorf("scenario step %s = %q, want %q", k, got, v)
		}
	}

	// The cross-origin frame runs out of process: it is a target of its own.
	infos, err := chromedp.Targets(tctx)
	if err != nil {
		t.Fatal(err)
	}
	var oopif bool
	for _, info := range infos {
		if info.Type == "iframe" && strings.HasPrefix(info.URL, app.OtherURL) {
			oopif = true
		}
	}
	if !oopif {
		t.Errorf("no out-of-process iframe target for %s among %d targets", app.OtherURL, len(infos))
	}

	// The buttons: a popup, an aborted fetch, a 21 MB upload rejected with 413.
	if err := chromedp.Do(tctx,
		chromedp.Click(chromedp.CSS(`[data-testid=popup]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=abort]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=upload-413]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=ws-abnormal]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitData(tctx, t, "popup", 15*time.Second)
	waitData(tctx, t, "aborted", 15*time.Second)
	if got := waitData(tctx, t, "upload", 30*time.Second); got != "413" {
		t.Errorf("21 MB upload: status %s, want 413", got)
	}
	if got := waitData(tctx, t, "wsAbnormal", 15*time.Second); got != "1006" {
		t.Errorf("abnormal websocket close code %s, want 1006", got)
	}

	// The servers saw requests of both origins, preflight included.
	seen := map[string]bool{}
	for _, r := range app.Received() {
		seen[r.Origin+" "+r.Method+" "+r.Path] = true
	}
	for _, k := range []string{
		"A GET /scenario/all", "A GET /redirect/308", "A POST /form/submit", "A GET /form/done",
		"B OPTIONS /api/cors", "B PUT /api/cors", "B GET /api/nocors", "B GET /frames/inner", "B GET /api/frame-data",
		"A GET /worker/worker.js", "A GET /api/worker-data", "A GET /worker/shared.js", "A GET /api/shared-worker-data", "A GET /sw/sw.js", "A GET /ws", "A GET /sse",
		"A POST /beacon", "A GET /popup/child", "A GET /api/popup-data", "A GET /slow", "A POST /upload",
		"A GET /api/fragment-data",
	} {
		if !seen[k] {
			t.Errorf("the servers never received %s", k)
		}
	}
	for k := range seen {
		if strings.HasSuffix(k, "/favicon.ico") {
			t.Errorf("a page let Chromium fetch %s; every page must set a data: icon", k)
		}
	}
}
