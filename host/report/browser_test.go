package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/report"
	"github.com/reprokit/reprokit/host/spool"
)

// browserCtx is the one Chromium shared by the browser tests of this
// package; nil when there is none (the tests skip, or fail under CI).
var browserCtx context.Context

func TestMain(m *testing.M) {
	code := func() int {
		path := os.Getenv("REPROKIT_BROWSER")
		if path == "" {
			path = "/usr/bin/chromium"
		}
		if _, err := os.Stat(path); err != nil {
			return m.Run()
		}
		profile, err := os.MkdirTemp("", "reprokit-report-test-*")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(profile)
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.UserDataDir(profile), chromedp.WindowSize(1400, 1000),
			chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
			chromedp.Flag("allow-file-access-from-files", false),
		)
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		defer cancelAlloc()
		bctx, cancel := chromedp.NewContext(actx)
		defer cancel()
		if err := chromedp.Do(bctx); err != nil {
			fmt.Fprintln(os.Stderr, "start Chromium:", err)
			return 1
		}
		browserCtx = bctx
		return m.Run()
	}()
	os.Remove(cliBin)
	os.Exit(code)
}

func needBrowser(t *testing.T) {
	t.Helper()
	if browserCtx == nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no browser: install chromium or set REPROKIT_BROWSER")
		}
		t.Skip("no browser at /usr/bin/chromium (set REPROKIT_BROWSER)")
	}
}

// page is a tab that records console errors, dialogs and calls of the
// __pwned binding while it runs.
type tab struct {
	ctx     context.Context
	mu      sync.Mutex
	console []string
	errors  []string
	dialogs []string
	pwned   []string
}

func newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	tb := &tab{ctx: ctx}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.console = append(tb.console, string(m.Type)+": "+m.Text)
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				tb.errors = append(tb.errors, m.Text)
			}
			tb.mu.Unlock()
		}
	}()
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.dialogs = append(tb.dialogs, ev.Message)
			tb.mu.Unlock()
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	calls := chromedp.Events(ctx, runtime.BindingCalled)
	go func() {
		for ev, err := range calls {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.pwned = append(tb.pwned, ev.Payload)
			tb.mu.Unlock()
		}
	}()
	if _, err := chromedp.Call(ctx, runtime.AddBinding, runtime.AddBindingParams{Name: "__pwned"}); err != nil {
		t.Fatal(err)
	}
	return tb
}

// open loads a report file and waits until it has drawn itself.
func (tb *tab) open(t *testing.T, path string) time.Duration {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
		t.Fatalf("open the report: %v (console: %v)", err, tb.consoleLines())
	}
	return time.Since(start)
}

func (tb *tab) consoleLines() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string{}, tb.console...)
}

func eval[T any](t *testing.T, tb *tab, js string) T {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func pngImage(w, h int, shade uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{shade, uint8(x), uint8(y), 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

var t0 = time.Date(2026, 11, 26, 20, 3, 0, 0, time.FixedZone("CET", 3600))

func mkEntry(method, url string, status int, offsetMs, durMs float64, typ, mime, body string) har.Entry {
	return har.Entry{
		StartedDateTime: t0.Add(time.Duration(offsetMs * float64(time.Millisecond))).Format(time.RFC3339Nano),
		Time:            durMs,
		Request:         har.Request{Method: method, URL: url, HTTPVersion: "HTTP/1.1", Headers: []har.NameValue{{Name: "Accept", Value: "*/*"}}},
		Response:        har.Response{Status: status, HTTPVersion: "HTTP/1.1", Content: har.Content{MimeType: mime, Text: body, Size: int64(len(body))}},
		Timings:         har.Timings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Send: 1, Wait: durMs - 2, Receive: 1},
		ResourceType:    typ,
	}
}

// makeBundle writes a spool with the entries, console messages and
// screenshots, and bundles it with bundle.Write.
func makeBundle(t *testing.T, entries []har.Entry, console []map[string]any, shots int) string {
	t.Helper()
	var times []time.Duration
	for i := 0; i < shots; i++ {
		times = append(times, time.Duration(i)*time.Second)
	}
	return makeBundleWith(t, entries, console, times, map[string]any{"browser": map[string]any{"name": "Chromium", "version": "156"}, "os": map[string]any{"name": "Linux"}})
}

// makeBundleWith is makeBundle with screenshots at the given offsets and
// the given environment.json.
func makeBundleWith(t *testing.T, entries []har.Entry, console []map[string]any, shotTimes []time.Duration, envDoc map[string]any) string {
	t.Helper()
	var shots []testShot
	for i, at := range shotTimes {
		shots = append(shots, testShot{at, uint8(60 * i)})
	}
	return makeBundleShots(t, entries, console, shots, envDoc)
}

// testShot is a screenshot at an offset from t0, its image shaded by
// shade (two shots of one shade are byte-identical).
type testShot struct {
	at    time.Duration
	shade uint8
}

func makeBundleShots(t *testing.T, entries []har.Entry, console []map[string]any, shots []testShot, envDoc map[string]any) string {
	t.Helper()
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h, _ := json.Marshal(har.HAR{Log: har.Log{Version: "1.2", Creator: har.Creator{Name: "test", Version: "1"}, Pages: []har.Page{}, Entries: entries}})
	if err := dir.WriteFile("session.har", h); err != nil {
		t.Fatal(err)
	}
	c, _ := json.Marshal(map[string]any{"messages": console})
	dir.WriteFile("console.json", c)
	steps, _ := json.Marshal(map[string]any{"title": "t", "steps": []map[string]any{
		{"type": "navigate", "url": "https://app.example.com/", "time": float64(t0.UnixMilli()) / 1000},
		{"type": "click", "selectors": [][]string{{"aria/Upload"}}, "time": float64(t0.Add(time.Second).UnixMilli()) / 1000},
	}})
	dir.WriteFile("steps.json", steps)
	env, _ := json.Marshal(envDoc)
	dir.WriteFile("environment.json", env)
	var idx []map[string]any
	for i, sh := range shots {
		name := fmt.Sprintf("%04d.png", i+1)
		dir.WriteFile(filepath.Join("screenshots", name), pngImage(320, 200, sh.shade))
		idx = append(idx, map[string]any{"file": "screenshots/" + name, "time": float64(t0.Add(sh.at).UnixMilli()) / 1000, "url": "https://app.example.com/", "reason": "load", "width": 320, "height": 200})
	}
	if len(shots) > 0 {
		b, _ := json.Marshal(idx)
		dir.WriteFile("screenshots.json", b)
	}
	dir.Update(func(m *spool.Meta) error {
		m.Status = spool.StatusFinalized
		m.Started, m.Ended = t0.Format(time.RFC3339), t0.Add(10*time.Second).Format(time.RFC3339)
		m.Reporter = map[string]string{"description": "Upload fails", "email": "ada@example.com"}
		return nil
	})
	res, err := bundle.Write(context.Background(), dir, t.TempDir(), bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Path
}

func renderFile(t *testing.T, in string) (string, *bundle.Bundle) {
	t.Helper()
	b, err := bundle.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Render(f, b.ReportData()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return out, b
}

// artifact saves a screenshot of the tab in testdata-out/ at the top of the
// repository (gitignored), for a person to look at.
func artifact(t *testing.T, tb *tab, name string) {
	buf, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	dir := filepath.Join("..", "..", "testdata-out")
	os.MkdirAll(dir, 0o755)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf, 0o644); err == nil {
		t.Logf("screenshot of the report: %s", p)
	}
}

func TestReportOfABundleShowsRowsFindingsAndScreenshots(t *testing.T) {
	needBrowser(t)
	entries := []har.Entry{
		mkEntry("GET", "https://app.example.com/", 200, 0, 120, "document", "text/html", "<html></html>"),
		mkEntry("GET", "https://app.example.com/app.js", 200, 130, 40, "script", "application/javascript", "var a = 1;"),
		mkEntry("POST", "https://api.example.com/upload", 413, 1000, 300, "fetch", "application/json", `{"error":"too large","request_id":"req_413"}`),
		mkEntry("GET", "https://api.example.com/me", 401, 1500, 30, "fetch", "application/json", `{"error":"unauthorized"}`),
		mkEntry("GET", "https://api.example.com/data", 200, 1600, 30, "fetch", "application/json", `{"items":[1,2,3],"ok":true}`),
	}
	entries[2].Response.Headers = []har.NameValue{{Name: "x-request-id", Value: "req-hdr-413"}}
	path := makeBundle(t, entries, []map[string]any{{"time": float64(t0.Add(1100*time.Millisecond).UnixMilli()) / 1000, "level": "error", "source": "exception", "text": "Uncaught Error: upload failed"}}, 3)
	html, b := renderFile(t, path)
	tb := newTab(t)
	took := tb.open(t, html)
	t.Logf("report interactive after %s", took)

	if n := eval[int](t, tb, `document.querySelectorAll("#rk-table .row").length`); n != len(entries) {
		t.Errorf("%d rows shown, want %d", n, len(entries))
	}
	rules := eval[[]string](t, tb, `Array.from(document.querySelectorAll(".finding")).map(f => f.dataset.rule)`)
	if len(rules) != len(b.Manifest.Findings) || len(rules) == 0 {
		t.Errorf("findings shown %v, bundle has %d", rules, len(b.Manifest.Findings))
	}
	for _, want := range []string{"upload-too-large", "auth-failed"} {
		if !strings.Contains(strings.Join(rules, " "), want) {
			t.Errorf("finding %s not shown: %v", want, rules)
		}
	}
	// Screenshots are shown and decode (naturalWidth > 0).
	if n := eval[int](t, tb, `Array.from(document.querySelectorAll(".shot img")).filter(i => i.complete && i.naturalWidth > 0).length`); n != 3 {
		t.Errorf("%d screenshots shown, want 3", n)
	}
	if txt := eval[string](t, tb, `document.getElementById("request-ids").textContent`); !strings.Contains(txt, "req-hdr-413") || !strings.Contains(txt, "req_413") {
		t.Errorf("request IDs section lacks the IDs: %q", txt)
	}
	// Filters: failed only, status class, text search.
	eval[bool](t, tb, `document.getElementById("rk-failed").click(), true`)
	if n := eval[int](t, tb, `document.querySelectorAll("#rk-table .row").length`); n != 2 {
		t.Errorf("failed only: %d rows, want 2", n)
	}
	eval[bool](t, tb, `document.getElementById("rk-failed").click(), true`)
	eval[bool](t, tb, `document.querySelector('.seg button[data-cls="2"]').click(), true`)
	if n := eval[int](t, tb, `document.querySelectorAll("#rk-table .row").length`); n != 3 {
		t.Errorf("2xx: %d rows, want 3", n)
	}
	eval[bool](t, tb, `document.querySelector('.seg button[data-cls="all"]').click(), true`)
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('input[type=search]'); s.value = "upload"; s.dispatchEvent(new Event("input")); })()`)); err != nil {
		t.Fatal(err)
	}
	// The search waits for typing to pause: poll for the redraw.
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](`document.querySelectorAll("#rk-table .row").length === 1`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("search 'upload': %d rows, want 1", eval[int](t, tb, `document.querySelectorAll("#rk-table .row").length`))
	}
	// Details of the JSON response are pretty-printed.
	eval[bool](t, tb, `document.querySelector("#rk-table .row").click(), true`)
	eval[bool](t, tb, `Array.from(document.querySelectorAll(".tabs button")).find(b => b.textContent === "Response").click(), true`)
	if pre := eval[string](t, tb, `document.querySelector(".tabbody pre").textContent`); !strings.Contains(pre, "\n  \"error\": \"too large\"") {
		t.Errorf("response preview not pretty-printed: %q", pre)
	}
	artifact(t, tb, "report-bundle.png")
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.errors) > 0 {
		t.Errorf("the report logged errors: %v", tb.errors)
	}
}

func TestHostileHARStaysInert(t *testing.T) {
	needBrowser(t)
	const js = `<script>__pwned("script")</script><img src=x onerror='__pwned("img")'>`
	huge := strings.Repeat("A", 3<<20)
	entries := []har.Entry{
		mkEntry("GET", `https://evil.example/"><script>__pwned("url")</script>`, 200, 0, 10, "document", "text/html", "</script><script>__pwned('body')</script>"+js),
		mkEntry("GET", `javascript:__pwned("jsurl")`, 200, 10, 10, "script", "application/javascript", "__pwned('scriptbody')"),
		mkEntry("POST", "https://evil.example/api?q=</script><script>__pwned('query')</script>", 500, 20, 10, "fetch", "application/json", `{"x":"</script><script>__pwned('json')</script>","request_id":"<img src=x onerror=__pwned('rid')>"}`),
		mkEntry("GET", "https://evil.example/huge", 200, 30, 10, "fetch", "text/plain", huge),
	}
	entries[0].Response.Headers = []har.NameValue{{Name: "X-Request-Id", Value: js}, {Name: "<svg onload=__pwned('hname')>", Value: "v"}}
	entries[0].Request.Headers = append(entries[0].Request.Headers, har.NameValue{Name: "Referer", Value: "javascript:__pwned('ref')"})
	entries[1].Response.Headers = []har.NameValue{{Name: "X-Huge", Value: huge[:1<<20]}}
	entries[2].Request.PostData = &har.PostData{MimeType: "text/html", Text: js}
	entries[2].Initiator = json.RawMessage(`{"type":"script","url":"javascript:__pwned('init')"}`)
	entries[3].WebSocketMessages = []har.WebSocketMessage{{Type: "receive", Opcode: 1, Data: js}}
	dir := t.TempDir()
	harPath := filepath.Join(dir, "evil.har")
	h, _ := json.Marshal(har.HAR{Log: har.Log{Version: "1.2", Creator: har.Creator{Name: "<script>__pwned('creator')</script>", Version: js}, Pages: []har.Page{{ID: "p", Title: js}}, Entries: entries}})
	os.WriteFile(harPath, h, 0o600)
	html, _ := renderFile(t, harPath)

	data, _ := os.ReadFile(html)
	if bytes.Contains(data, []byte("<script>__pwned")) || bytes.Contains(data, []byte("</script><script>")) {
		t.Fatal("the rendered page contains a recorded <script> tag unescaped")
	}
	tb := newTab(t)
	tb.open(t, html)
	// Open every entry and every tab of its details, so that every value is
	// inserted into the page.
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const rows = Array.from(document.querySelectorAll("#rk-table .row"));
		for (const r of rows) { r.click(); for (const b of document.querySelectorAll(".tabs button")) b.click(); }
		for (const s of document.querySelectorAll(".shot, .thumb")) s.click();
	})()`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if n := eval[int](t, tb, `document.querySelectorAll("a[href^='javascript' i], [onerror], [onload], iframe, object, embed").length`); n != 0 {
		t.Errorf("%d active elements made from recorded content", n)
	}
	if n := eval[int](t, tb, `document.querySelectorAll("script").length`); n != 3 {
		t.Errorf("%d script elements, want the 3 of the report (data, code, details)", n)
	}
	if txt := eval[string](t, tb, `document.getElementById("requests").textContent`); !strings.Contains(txt, `<script>__pwned("url")</script>`) {
		t.Errorf("the hostile URL is not shown as text")
	}
	artifact(t, tb, "report-hostile.png")
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.pwned) > 0 || len(tb.dialogs) > 0 {
		t.Fatalf("recorded content ran script: binding calls %v, dialogs %v", tb.pwned, tb.dialogs)
	}
	if len(tb.errors) > 0 {
		t.Errorf("the report logged errors (a CSP violation means something tried to run): %v", tb.errors)
	}
}

// The traps of the hostile test must see script that runs: a page that does
// run script is caught by all three.
func TestScriptTrapsCatchScriptThatRuns(t *testing.T) {
	needBrowser(t)
	tb := newTab(t)
	p := filepath.Join(t.TempDir(), "active.html")
	os.WriteFile(p, []byte(`<!DOCTYPE html><body data-ready="1">x<script>__pwned("ran"); console.error("boom"); alert("hi");</script>`), 0o600)
	tb.open(t, p)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		tb.mu.Lock()
		n := len(tb.pwned) + len(tb.dialogs) + len(tb.errors)
		tb.mu.Unlock()
		if n == 3 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("traps missed script: binding %v dialogs %v errors %v", tb.pwned, tb.dialogs, tb.errors)
}

// QA: three thumbnails stacked on each other around +2.3–2.9 s, the last
// one and the last axis label were cut off at the right edge, and the
// browser showed as "Chrome/156… 156…" for a Chromium.
func TestTimelineThumbnailsDoNotOverlapAndTheBrowserIsNamedOnce(t *testing.T) {
	needBrowser(t)
	entries := []har.Entry{
		mkEntry("GET", "https://app.example.com/", 200, 0, 120, "document", "text/html", "<html></html>"),
		mkEntry("GET", "https://api.example.com/data", 500, 2500, 30, "fetch", "application/json", `{"error":"x"}`),
		mkEntry("GET", "https://api.example.com/late", 200, 11500, 100, "fetch", "application/json", `{}`),
	}
	var times []time.Duration
	for _, ms := range []int{300, 2300, 2450, 2600, 2900, 3000, 6100, 11550, 11600} {
		times = append(times, time.Duration(ms)*time.Millisecond)
	}
	env := map[string]any{"browser": map[string]any{"product": "Chrome/156.0.8078.108", "version": "156.0.8078.108",
		"brands": []string{"Not:A-Brand 8", "Chromium 156"}, "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"}}
	path := makeBundleWith(t, entries, nil, times, env)
	html, _ := renderFile(t, path)
	tb := newTab(t)
	for _, width := range []int{1280, 700} {
		if _, err := chromedp.Call(tb.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: int64(width), Height: 900, DeviceScaleFactor: 1}); err != nil {
			t.Fatal(err)
		}
		tb.open(t, html)
		type box struct{ L, T, R, B float64 }
		got := eval[struct {
			Thumbs []box
			Hidden int
			Lane   box
			Labels []box
		}](t, tb, `(() => {
			const r = e => { const b = e.getBoundingClientRect(); return {L: b.left, T: b.top, R: b.right, B: b.bottom}; };
			const th = Array.from(document.querySelectorAll("#timeline .thumb"));
			return {Thumbs: th.filter(e => !e.hidden).map(r), Hidden: th.filter(e => e.hidden).length,
				Lane: r(document.querySelector("#timeline .timeline")), Labels: Array.from(document.querySelectorAll("#timeline .axis span")).map(r)};
		})()`)
		if len(got.Thumbs)+got.Hidden != len(times) || len(got.Thumbs) < 6 {
			t.Errorf("width %d: %d thumbnails shown, %d hidden, of %d", width, len(got.Thumbs), got.Hidden, len(times))
		}
		for i, a := range got.Thumbs {
			if a.L < got.Lane.L || a.R > got.Lane.R+0.5 || a.B > got.Lane.B+0.5 {
				t.Errorf("width %d: thumbnail %d %+v is outside the timeline %+v", width, i, a, got.Lane)
			}
			for j, b := range got.Thumbs[i+1:] {
				if a.L < b.R-0.5 && b.L < a.R-0.5 && a.T < b.B-0.5 && b.T < a.B-0.5 {
					t.Errorf("width %d: thumbnails %d %+v and %d %+v overlap", width, i, a, i+1+j, b)
				}
			}
		}
		for i, l := range got.Labels {
			if l.L < got.Lane.L || l.R > got.Lane.R+0.5 {
				t.Errorf("width %d: axis label %d %+v is cut off by the timeline %+v", width, i, l, got.Lane)
			}
		}
		if width == 1280 {
			artifact(t, tb, "report-timeline.png")
		}
	}
	txt := eval[string](t, tb, `document.getElementById("summary").textContent`)
	if !strings.Contains(txt, "Chromium 156.0.8078.108") || strings.Contains(txt, "Chrome/") || strings.Count(txt, "156.0.8078.108") != 1 {
		t.Errorf("the browser is not named once as Chromium 156.0.8078.108: %q", txt)
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.errors) > 0 {
		t.Errorf("the report logged errors: %v", tb.errors)
	}
}
