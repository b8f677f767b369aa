package capture_test

// Browser tests of the live recorder: a real Chromium records the real test
// web app (host/testapp), and the assertions read the HAR that the builder
// makes from the recorded protocol log, as `reprokit record` does.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/browser"
	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/testapp"
)

var (
	app         *testapp.App
	browserPath string
	noBrowser   error
)

func TestMain(m *testing.M) {
	browserPath, noBrowser = findTestBrowser()
	var err error
	app, err = testapp.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the test app:", err)
		os.Exit(1)
	}
	code := m.Run()
	app.Close()
	os.Exit(code)
}

// findTestBrowser returns $REPROKIT_BROWSER or /usr/bin/chromium.
func findTestBrowser() (string, error) {
	if p := os.Getenv(browser.EnvBrowser); p != "" {
		return browser.Find(p)
	}
	return browser.Find("/usr/bin/chromium")
}

func needBrowser(t *testing.T) {
	t.Helper()
	if noBrowser != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no browser in CI: %v", noBrowser)
		}
		t.Skipf("no browser: %v", noBrowser)
	}
}

// live is one recording in progress.
type live struct {
	t    *testing.T
	dir  *spool.Dir
	conn *capture.Conn
	rec  *capture.Recorder
	sess *browser.Session
	tab  context.Context
}

// startLive launches a headless browser whose connection goes through a
// capture.Conn into a fresh spool, and starts recording its tab.
func startLive(t *testing.T, opts capture.Options) *live {
	t.Helper()
	needBrowser(t)
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l := &live{t: t, dir: dir}
	sess, err := browser.Launch(context.Background(), browser.Options{
		Path: browserPath, Headless: true,
		Wrap: func(tr chromedp.Transport) (chromedp.Transport, error) {
			c, err := capture.NewConn(tr, dir, capture.ConnOptions{})
			l.conn = c
			return c, err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sess.Close)
	l.sess = sess
	l.tab = sess.Tab
	opts.TabTarget = sess.TabTarget
	opts.BrowserTargets = true
	opts.SharedWorkers = true
	opts.Mode = "launch"
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	rec, err := capture.Start(context.Background(), l.conn, sess.TabSession, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	l.rec = rec
	return l
}

// do runs chromedp actions in the recorded tab, with a timeout.
func (l *live) do(actions ...chromedp.Action[chromedp.Void]) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(l.tab, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		l.t.Fatal(err)
	}
}

// waitFor polls a JavaScript expression in the tab until it is truthy.
func (l *live) waitFor(expr string) {
	l.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		// A navigation destroys the context a poll runs in: poll again.
		ctx, cancel := context.WithDeadline(l.tab, deadline)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("waiting for %s: %v", expr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the recording, closes the browser and finalizes the spool.
func (l *live) stop() *recorded {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.rec.StopBecause(ctx, "test done"); err != nil {
		l.t.Fatal(err)
	}
	l.sess.Close()
	return finalize(l.t, l.dir)
}

// recorded is a finalized spool: the HAR and the protocol log.
type recorded struct {
	dir  *spool.Dir
	har  har.HAR
	logs []logLine
}

type logLine struct {
	Time      float64         `json:"time"`
	Method    string          `json:"method"`
	SessionID string          `json:"sessionId"`
	Params    json.RawMessage `json:"params"`
	Result    json.RawMessage `json:"result"`
	Error     json.RawMessage `json:"error"`
}

func finalize(t *testing.T, dir *spool.Dir) *recorded {
	t.Helper()
	if err := capture.FinalizeWith(dir, capture.FinalizeOptions{Warn: func(m string) { t.Log("finalize:", m) }}); err != nil {
		t.Fatal(err)
	}
	r := &recorded{dir: dir}
	b, err := os.ReadFile(dir.Join("session.har"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r.har); err != nil {
		t.Fatalf("session.har: %v", err)
	}
	f, err := os.Open(dir.Join(capture.EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 256<<20)
	for sc.Scan() {
		var l logLine
		if len(sc.Bytes()) > 1<<20 {
			// A large body or upload: the tests need only its method, and
			// decoding it fully is slow under the race detector.
			if !json.Valid(sc.Bytes()) {
				t.Fatalf("events.jsonl has a line that is not JSON (%d bytes)", len(sc.Bytes()))
			}
			head := sc.Bytes()[:4096]
			if _, after, ok := bytes.Cut(head, []byte(`"method":"`)); ok {
				m, _, _ := bytes.Cut(after, []byte(`"`))
				l.Method = string(m)
			}
			r.logs = append(r.logs, l)
			continue
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("events.jsonl line %q: %v", sc.Text()[:min(len(sc.Text()), 200)], err)
		}
		r.logs = append(r.logs, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return r
}

// entries returns the entries whose URL (without the fragment) ends with
// suffix, or, for a suffix with a scheme, equals it.
func (r *recorded) entries(method, suffix string) []*har.Entry {
	var out []*har.Entry
	for i := range r.har.Log.Entries {
		e := &r.har.Log.Entries[i]
		u, _, _ := strings.Cut(e.Request.URL, "#")
		if method != "" && e.Request.Method != method {
			continue
		}
		if strings.Contains(suffix, "://") || strings.HasPrefix(suffix, "data:") || strings.HasPrefix(suffix, "blob:") {
			if strings.HasPrefix(u, suffix) {
				out = append(out, e)
			}
			continue
		}
		if strings.HasSuffix(u, suffix) {
			out = append(out, e)
		}
	}
	return out
}

func (r *recorded) entry(t *testing.T, method, suffix string) *har.Entry {
	t.Helper()
	es := r.entries(method, suffix)
	if len(es) == 0 {
		t.Errorf("no %s entry for %s; entries:\n%s", method, suffix, r.list())
		return &har.Entry{}
	}
	return es[0]
}

func (r *recorded) list() string {
	var b strings.Builder
	for _, e := range r.har.Log.Entries {
		fmt.Fprintf(&b, "  %s %s %d %s\n", e.Request.Method, e.Request.URL, e.Response.Status, e.Error)
	}
	return b.String()
}

func (r *recorded) records(method string) []logLine {
	var out []logLine
	for _, l := range r.logs {
		if l.Method == method {
			out = append(out, l)
		}
	}
	return out
}

func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)
}

// TestRecordsEveryEdgeCaseOfTheTestApp records /scenario/all with its
// buttons, the cache page twice and a navigation away mid-load, and checks
// the HAR entry of each edge case of issue 2 item 9, then that every request
// the servers received is an entry.
func TestRecordsEveryEdgeCaseOfTheTestApp(t *testing.T) {
	l := startLive(t, capture.Options{})
	app.Reset()
	l.do(chromedp.Navigate(app.URL + "/scenario/all"))
	l.waitFor(`document.body.dataset.done === '1'`)
	l.do(click(`[data-testid=popup]`))
	l.waitFor(`document.body.dataset.popup === '1'`)
	l.do(click(`[data-testid=abort]`))
	l.waitFor(`document.body.dataset.aborted === '1'`)
	l.do(click(`[data-testid=big]`))
	l.waitFor(`!!document.body.dataset.big`)
	l.do(click(`[data-testid=upload-413]`))
	l.waitFor(`document.body.dataset.upload === '413'`)
	l.do(click(`[data-testid=beacon]`))
	l.do(click(`[data-testid=ws-abnormal]`))
	l.waitFor(`!!document.body.dataset.wsAbnormal`)
	l.do(click(`[data-testid=fragment]`))
	l.do(click(`[data-testid=download]`))
	time.Sleep(300 * time.Millisecond)
	// Cache hits: the second visit serves static.js from the memory or disk cache.
	l.do(chromedp.Navigate(app.URL + "/cache/page"))
	l.waitFor(`document.body.dataset.done === '1'`)
	l.do(chromedp.Navigate(app.URL + "/cache/page"))
	l.waitFor(`document.body.dataset.done === '1'`)
	// A navigation away while an image is still loading.
	l.do(chromedp.Navigate(app.URL + "/slow/page?away=1"))
	l.waitFor(`location.pathname === '/nav/landed'`)
	// A main-frame load refused by the server: Chrome shows its error page.
	func() {
		ctx, cancel := context.WithTimeout(l.tab, 20*time.Second)
		defer cancel()
		chromedp.Do(ctx, chromedp.Navigate(app.RefusedURL+"nav")) // fails: nothing listens
	}()
	time.Sleep(300 * time.Millisecond)
	// A stream still open when the recording stops.
	l.do(chromedp.Navigate(app.URL + "/streams"))
	l.waitFor(`document.body.dataset.done === '1'`)
	l.do(click(`[data-testid=sse-endless]`), click(`[data-testid=stream-endless]`))
	l.waitFor(`!!window.reprokitReader`)
	time.Sleep(300 * time.Millisecond)
	received := app.Received()
	r := l.stop()

	t.Run("redirect chain, one entry per hop", func(t *testing.T) {
		for _, hop := range []struct {
			from   string
			status int
			to     string
		}{{"/redirect/301", 301, "/redirect/302"}, {"/redirect/302", 302, "/redirect/307"}, {"/redirect/307", 307, "/redirect/308"}, {"/redirect/308", 308, "/redirect/final"}} {
			e := r.entry(t, "GET", hop.from)
			if e.Response.Status != hop.status || !strings.HasSuffix(e.Response.RedirectURL, hop.to) {
				t.Errorf("%s: status %d redirectURL %q, want %d to %s", hop.from, e.Response.Status, e.Response.RedirectURL, hop.status, hop.to)
			}
		}
		if e := r.entry(t, "GET", "/redirect/final"); e.Response.Status != 200 {
			t.Errorf("/redirect/final: status %d", e.Response.Status)
		}
	})
	t.Run("POST answered 303 then GET", func(t *testing.T) {
		e := r.entry(t, "POST", "/form/submit")
		if e.Response.Status != 303 || !strings.Contains(e.Response.RedirectURL, "/form/done") {
			t.Errorf("POST /form/submit: %d %q", e.Response.Status, e.Response.RedirectURL)
		}
		if len(r.entries("GET", "/form/done?name=Ada")) == 0 {
			t.Errorf("no GET /form/done after the 303:\n%s", r.list())
		}
	})
	t.Run("304 revalidation", func(t *testing.T) {
		statuses := map[int]bool{}
		for _, e := range r.entries("GET", "/etag/data.json") {
			statuses[e.Response.Status] = true
		}
		if !statuses[200] || !statuses[304] {
			t.Errorf("/etag/data.json statuses %v, want a 200 and a 304", statuses)
		}
	})
	t.Run("memory or disk cache hit", func(t *testing.T) {
		hit := false
		for _, e := range r.entries("GET", "/cache/static.js") {
			if e.FromCache == "memory" || e.FromCache == "disk" {
				hit = true
			}
		}
		if !hit {
			t.Errorf("no /cache/static.js entry from the cache:\n%s", r.list())
		}
	})
	t.Run("CORS preflight and CORS failure", func(t *testing.T) {
		if e := r.entry(t, "OPTIONS", app.OtherURL+"/api/cors"); e.Response.Status < 200 || e.Response.Status >= 300 {
			t.Errorf("preflight status %d", e.Response.Status)
		}
		if e := r.entry(t, "PUT", app.OtherURL+"/api/cors"); e.Response.Status != 200 {
			t.Errorf("PUT after preflight: status %d", e.Response.Status)
		}
		if e := r.entry(t, "GET", app.OtherURL+"/api/nocors"); e.Error == "" && e.CorsError == "" && e.Response.Error == "" {
			t.Errorf("CORS failure has no _error/_corsError: %+v", e.Response)
		}
	})
	t.Run("aborted fetch and navigation away mid-load are kept with their error", func(t *testing.T) {
		if e := r.entry(t, "GET", "/slow?ms=10000"); e.Error == "" && e.Response.Error == "" {
			t.Errorf("aborted fetch has no _error")
		}
		if len(r.entries("GET", "/nav/landed")) == 0 {
			t.Errorf("no entry of the page navigated to")
		}
		failedSlow := false
		for _, e := range r.entries("GET", "") {
			if strings.Contains(e.Request.URL, "/slow") && !strings.Contains(e.Request.URL, "ms=10000") && (e.Error != "" || e.Incomplete || e.Response.Error != "") {
				failedSlow = true
			}
		}
		if !failedSlow {
			t.Errorf("the image of /slow/page cut by the navigation is not kept as failed:\n%s", r.list())
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		e := r.entry(t, "GET", app.RefusedURL)
		if e.Response.Status != 0 || !strings.Contains(e.Error+e.Response.Error, "REFUSED") {
			t.Errorf("refused: status %d error %q", e.Response.Status, e.Error+e.Response.Error)
		}
	})
	t.Run("a refused main-frame load has no body, not Chrome's error page", func(t *testing.T) {
		es := r.entries("GET", app.RefusedURL+"nav")
		if len(es) == 0 {
			t.Fatalf("no entry of the refused navigation:\n%s", r.list())
		}
		ids := map[string]bool{}
		for _, e := range es {
			ids[e.RequestID] = true
			if e.Response.Status != 0 || e.Error == "" || e.Response.Content.Text != "" || e.Response.Content.Size != 0 || e.Response.BodySize != -1 {
				t.Errorf("refused navigation: status %d error %q content %d bytes (size %d) bodySize %d",
					e.Response.Status, e.Error, len(e.Response.Content.Text), e.Response.Content.Size, e.Response.BodySize)
			}
		}
		for _, rec := range r.records("Network.getResponseBody") {
			var p struct{ RequestID string }
			json.Unmarshal(rec.Params, &p)
			if ids[p.RequestID] {
				t.Errorf("the recorder fetched a body for the failed request %s (Chrome's error page)", p.RequestID)
			}
		}
		for _, e := range r.har.Log.Entries {
			if strings.HasPrefix(e.Request.URL, "chrome-error:") {
				t.Errorf("Chrome's error page is an entry: %s", e.Request.URL)
			}
		}
	})
	t.Run("websocket text and binary frames, both ways", func(t *testing.T) {
		var ws *har.Entry
		for _, e := range r.entries("GET", "") {
			if strings.HasPrefix(e.Request.URL, "ws://") && strings.HasSuffix(e.Request.URL, "/ws") {
				ws = e
			}
		}
		if ws == nil {
			t.Fatalf("no websocket entry:\n%s", r.list())
		}
		kinds := map[string]bool{}
		for _, m := range ws.WebSocketMessages {
			kinds[fmt.Sprintf("%s/%d", m.Type, m.Opcode)] = true
		}
		for _, k := range []string{"send/1", "send/2", "receive/1", "receive/2"} {
			if !kinds[k] {
				t.Errorf("websocket frames %v lack %s", kinds, k)
			}
		}
	})
	t.Run("websocket close codes as the page saw them", func(t *testing.T) {
		var abnormal *har.Entry
		for _, e := range r.entries("GET", "") {
			if strings.HasPrefix(e.Request.URL, "ws://") && strings.Contains(e.Request.URL, "close=abnormal") {
				abnormal = e
			}
		}
		if abnormal == nil {
			t.Fatalf("no abnormal websocket entry:\n%s", r.list())
		}
		if c := abnormal.WebSocketClose; c == nil || c.Code != 1006 || c.Error == "" {
			t.Errorf("abnormal close = %+v, want code 1006 and an error", c)
		}
	})
	t.Run("server-sent events", func(t *testing.T) {
		if e := r.entry(t, "GET", "/sse"); len(e.EventSourceMessages) < 3 {
			t.Errorf("/sse has %d event source messages, want 3", len(e.EventSourceMessages))
		}
	})
	t.Run("stream still open at stop is written and marked", func(t *testing.T) {
		es := r.entries("GET", "/stream/endless")
		es = append(es, r.entries("GET", "/sse/endless")...)
		if len(es) == 0 {
			t.Fatalf("no endless stream entry:\n%s", r.list())
		}
		for _, e := range es {
			if !e.Incomplete {
				t.Errorf("%s open at stop is not marked _incomplete", e.Request.URL)
			}
		}
	})
	t.Run("urlencoded, JSON, multipart and binary posts", func(t *testing.T) {
		if e := r.entry(t, "POST", "/post/urlencoded"); e.Request.PostData == nil || !strings.Contains(e.Request.PostData.Text, "Ada+Lovelace") {
			t.Errorf("urlencoded post data %+v", e.Request.PostData)
		}
		if e := r.entry(t, "POST", "/post/json"); e.Request.PostData == nil || !strings.Contains(e.Request.PostData.Text, `"message":"hello"`) {
			t.Errorf("JSON post data %+v", e.Request.PostData)
		}
		if e := r.entry(t, "POST", "/post/multipart"); e.Request.PostData == nil || !strings.Contains(e.Request.PostData.Text, "multipart note") {
			t.Errorf("multipart post data %+v", e.Request.PostData)
		}
		if e := r.entry(t, "POST", "/post/binary"); e.Request.PostData == nil || e.Request.PostData.Text == "" {
			t.Errorf("binary post data %+v", e.Request.PostData)
		}
		// The page never reads these responses: no loadingFinished, so
		// the recorder asks for the bodies at stop.
		for _, p := range []string{"/post/urlencoded", "/post/json", "/post/multipart", "/post/binary"} {
			if e := r.entry(t, "POST", p); !strings.Contains(e.Response.Content.Text, "{") || e.Response.TransferSize <= 0 || e.Response.BodySize < -1 {
				t.Errorf("%s: response body %q, _transferSize %d, bodySize %d (incomplete %v)", p, e.Response.Content.Text, e.Response.TransferSize, e.Response.BodySize, e.Incomplete)
			}
		}
	})
	t.Run("gzip response decoded", func(t *testing.T) {
		e := r.entry(t, "GET", "/gzip/json")
		if !strings.Contains(e.Response.Content.Text, "items") {
			t.Errorf("gzip body %q", e.Response.Content.Text)
		}
	})
	t.Run("service worker", func(t *testing.T) {
		r.entry(t, "GET", "/sw/sw.js")
		if len(r.entries("GET", "/sw/cached.txt")) == 0 {
			t.Errorf("no /sw/cached.txt entry:\n%s", r.list())
		}
	})
	t.Run("same-origin and cross-origin (out-of-process) iframes", func(t *testing.T) {
		r.entry(t, "GET", app.URL+"/frames/inner")
		r.entry(t, "GET", app.OtherURL+"/frames/inner")
		// The fetch made inside the cross-origin frame comes from its own target.
		r.entry(t, "GET", app.OtherURL+"/api/frame-data")
		r.entry(t, "GET", app.URL+"/api/frame-data")
	})
	t.Run("dedicated worker", func(t *testing.T) {
		r.entry(t, "GET", "/api/worker-data")
	})
	t.Run("popup opened with window.open", func(t *testing.T) {
		r.entry(t, "GET", "/popup/child")
		r.entry(t, "GET", "/api/popup-data")
		popup := false
		for _, rec := range r.records("Reprokit.targetInfo") {
			var p struct{ Type, OpenerID string }
			json.Unmarshal(rec.Params, &p)
			if p.Type == "page" && p.OpenerID != "" {
				popup = true
			}
		}
		if !popup {
			t.Errorf("no Reprokit.targetInfo record of a page with an opener")
		}
	})
	t.Run("download", func(t *testing.T) {
		r.entry(t, "GET", "/download/report.csv")
	})
	t.Run("data: and blob: URLs", func(t *testing.T) {
		if len(r.entries("GET", "data:")) == 0 {
			t.Errorf("no data: entry:\n%s", r.list())
		}
		if len(r.entries("GET", "blob:")) == 0 {
			t.Errorf("no blob: entry:\n%s", r.list())
		}
	})
	t.Run("body over 20 MB", func(t *testing.T) {
		e := r.entry(t, "GET", "/big")
		if e.Response.Content.Size < 20<<20 {
			t.Errorf("/big content size %d, want over 20 MB", e.Response.Content.Size)
		}
		ents, _ := os.ReadDir(r.dir.Join("bodies"))
		if len(ents) == 0 {
			t.Errorf("the 21 MB body was not spooled to bodies/")
		}
		if e := r.entry(t, "POST", "/upload"); e.Response.Status != 413 {
			t.Errorf("21 MB upload: status %d, want 413", e.Response.Status)
		}
	})
	t.Run("sendBeacon", func(t *testing.T) {
		if len(r.entries("POST", "/beacon")) < 2 {
			t.Errorf("want the beacon of the scenario and of the button:\n%s", r.list())
		}
	})
	t.Run("URL with a fragment", func(t *testing.T) {
		r.entry(t, "GET", "/api/fragment-data")
	})
	t.Run("every request the servers received is an entry", func(t *testing.T) {
		have := map[string]int{}
		for _, e := range r.har.Log.Entries {
			u, _, _ := strings.Cut(e.Request.URL, "#")
			u = strings.Replace(u, "ws://", "http://", 1)
			have[e.Request.Method+" "+u]++
		}
		for _, req := range received {
			key := req.Method + " " + req.URL
			if have[key] == 0 {
				t.Errorf("the server received %s but the HAR has no entry for it", key)
			}
		}
	})
	t.Run("pages, titles and screenshots of each load", func(t *testing.T) {
		if len(r.har.Log.Pages) < 4 {
			t.Errorf("%d pages, want one per main-frame load", len(r.har.Log.Pages))
		}
		if len(r.records("Reprokit.pageTitle")) == 0 || len(r.records("Reprokit.screenshot")) == 0 {
			t.Errorf("no page title or screenshot records")
		}
		var env capture.Environment
		envs := r.records("Reprokit.environment")
		if len(envs) != 1 || json.Unmarshal(envs[0].Params, &env) != nil || env.Browser.Version == "" || env.OS.Name == "" || env.TimeZone == "" {
			t.Errorf("environment record %v", envs)
		}
		// Asked while the first page loads: the page's answer, not blanks
		// that read as "offline" (QA).
		if env.Screen.Width == 0 || env.Viewport.Width == 0 || env.Locale == "" || env.Network.Online == nil || !*env.Network.Online {
			t.Errorf("environment lacks the page's answer: screen %+v viewport %+v locale %q online %v", env.Screen, env.Viewport, env.Locale, env.Network.Online)
		}
	})
}

// TestRecordsStepsWithSelectorsAndMaskedValues drives the steps page with
// real input events and checks the Reprokit.step records.
func TestRecordsStepsWithSelectorsAndMaskedValues(t *testing.T) {
	l := startLive(t, capture.Options{})
	l.do(chromedp.Navigate(app.URL + "/steps"))
	l.do(
		chromedp.SendKeys(chromedp.CSS(`#search`), "quarterly report"),
		chromedp.SendKeys(chromedp.CSS(`#pw`), "hunter2-password"),
		chromedp.SendKeys(chromedp.CSS(`#api-key`), "sk-live-123456"),
		chromedp.SendKeys(chromedp.CSS(`#cc`), "4242424242424242"),
		chromedp.SendKeys(chromedp.CSS(`#notes`), "plain notes\r"),
		click(`[data-testid=go]`),
		chromedp.DoubleClick(chromedp.CSS(`[data-testid=dbl]`)),
		chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 600)`),
		chromedp.Sleep(600*time.Millisecond),
	)
	r := l.stop()
	steps := r.records("Reprokit.step")
	var all []string
	var sawClick, sawDbl, sawScroll, sawEnter bool
	values := map[string]string{}
	for _, s := range steps {
		var st struct {
			Type      string     `json:"type"`
			Value     string     `json:"value"`
			Key       string     `json:"key"`
			Selectors [][]string `json:"selectors"`
			Time      float64    `json:"time"`
			FrameURL  string     `json:"frameUrl"`
		}
		if err := json.Unmarshal(s.Params, &st); err != nil {
			t.Fatal(err)
		}
		all = append(all, string(s.Params))
		if st.Time == 0 || !strings.HasPrefix(st.FrameURL, app.URL) {
			t.Errorf("step without time or frameUrl: %s", s.Params)
		}
		switch st.Type {
		case "click":
			if len(st.Selectors) > 0 && st.Selectors[0][0] == `aria/Go[role="button"]` {
				sawClick = true
				if !containsSelector(st.Selectors, `[data-testid="go"]`) || !containsSelector(st.Selectors, "text/Go") {
					t.Errorf("click selectors %v lack the data-testid CSS or text selector", st.Selectors)
				}
			}
		case "doubleClick":
			sawDbl = true
		case "scroll":
			sawScroll = true
		case "keyDown":
			if st.Key == "Enter" {
				sawEnter = true
			}
		case "change":
			for _, sel := range st.Selectors {
				values[sel[0]] = st.Value
			}
		}
	}
	if !sawClick || !sawDbl || !sawScroll || !sawEnter {
		t.Errorf("click %v dblclick %v scroll %v Enter %v in steps:\n%s", sawClick, sawDbl, sawScroll, sawEnter, strings.Join(all, "\n"))
	}
	for sel, want := range map[string]string{
		`[data-testid="search"]`:   "quarterly report",
		`[data-testid="password"]`: "********",
		`[data-testid="api-key"]`:  "********",
		`[data-testid="card"]`:     "********",
	} {
		if got, ok := values[sel]; !ok || got != want {
			t.Errorf("change of %s: value %q (found %v), want %q", sel, got, ok, want)
		}
	}
	for _, s := range steps {
		for _, secret := range []string{"hunter2", "sk-live", "4242424242"} {
			if strings.Contains(string(s.Params), secret) {
				t.Errorf("a step holds the typed secret %q: %s", secret, s.Params)
			}
		}
	}
}

func containsSelector(sels [][]string, want string) bool {
	for _, s := range sels {
		if len(s) > 0 && s[0] == want {
			return true
		}
	}
	return false
}

// TestScreenshotsMaskPasswordsAndPrivateElements takes a screenshot of the
// sign-in page and checks that the password field and the data-private
// element are black in the image, and unmasked in the page afterwards.
func TestScreenshotsMaskPasswordsAndPrivateElements(t *testing.T) {
	l := startLive(t, capture.Options{})
	l.do(chromedp.Navigate(app.URL + "/login"))
	l.do(chromedp.SendKeys(chromedp.CSS(`#password`), "visible-password-text"))
	type rect struct{ X, Y, W, H float64 }
	rectOf := func(sel string) rect {
		ctx, cancel := context.WithTimeout(l.tab, 10*time.Second)
		defer cancel()
		r, err := chromedp.Run(ctx, chromedp.Evaluate[rect](`(() => { const r = document.querySelector('`+sel+`').getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; })()`))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	pw, private := rectOf(`#password`), rectOf(`[data-private]`)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := l.rec.Screenshot(ctx, "demand"); err != nil {
		t.Fatal(err)
	}
	masked, err := chromedp.Run(l.tab, chromedp.Evaluate[bool](`!!document.getElementById('__reprokit_mask')`))
	if err != nil || masked {
		t.Errorf("the mask style is still in the page after the screenshot (%v)", err)
	}
	r := l.stop()
	var shot *capture.ScreenshotInfo
	for _, rec := range r.records("Reprokit.screenshot") {
		var s capture.ScreenshotInfo
		json.Unmarshal(rec.Params, &s)
		if s.Reason == "demand" {
			shot = &s
		}
	}
	if shot == nil {
		t.Fatal("no Reprokit.screenshot record with reason demand")
	}
	if shot.Masked == nil || shot.Width == 0 || !strings.HasSuffix(shot.URL, "/login") || shot.Format != "png" {
		t.Errorf("screenshot record %+v", shot)
	}
	img := decodeImage(t, r.dir.Join(shot.File))
	for name, rc := range map[string]rect{"password input": pw, "data-private element": private} {
		if dark := darkShare(img, rc.X, rc.Y, rc.W, rc.H); dark < 0.95 {
			t.Errorf("%s is only %.0f%% black in the screenshot", name, dark*100)
		}
	}
	// The heading is not masked.
	if dark := darkShare(img, 8, 8, 200, 20); dark > 0.9 {
		t.Errorf("the page is black outside the masked elements (%.0f%%)", dark*100)
	}
	var index []capture.ScreenshotInfo
	b, _ := os.ReadFile(r.dir.Join("screenshots.json"))
	if err := json.Unmarshal(b, &index); err != nil || len(index) < 2 {
		t.Errorf("screenshots.json: %v, %d entries", err, len(index))
	}
	info, err := os.Stat(filepath.Dir(r.dir.Join(shot.File)))
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("screenshots/ is not private: %v", err)
	}
}

// TestAttachRecordsTheChosenTabOfARunningBrowser starts a browser with a
// debugging port, opens two tabs and attaches to the one named by --target.
func TestAttachRecordsTheChosenTabOfARunningBrowser(t *testing.T) {
	needBrowser(t)
	port, stopBrowser := startDebuggableBrowser(t, app.URL+"/redirect/final")
	defer stopBrowser()
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var conn *capture.Conn
	sess, err := browser.Attach(context.Background(), "http://127.0.0.1:"+port, browser.Options{
		Target: "/redirect/final",
		Wrap: func(tr chromedp.Transport) (chromedp.Transport, error) {
			c, err := capture.NewConn(tr, dir, capture.ConnOptions{})
			conn = c
			return c, err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	rec, err := capture.Start(context.Background(), conn, sess.TabSession, dir, capture.Options{TabTarget: sess.TabTarget, BrowserTargets: true, Mode: "attach"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(sess.Tab, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(app.URL+"/etag/data.json")); err != nil {
		t.Fatal(err)
	}
	if err := rec.StopBecause(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	sess.Close()
	// The browser and its tab stay open after the recorder detaches.
	if _, err := fetchJSONList(port); err != nil {
		t.Errorf("the attached browser did not survive the detach: %v", err)
	}
	r := finalize(t, dir)
	if e := r.entry(t, "GET", "/etag/data.json"); e.Response.Status != 200 || e.Response.Content.Text == "" {
		t.Errorf("attached recording: %d %q", e.Response.Status, e.Response.Content.Text)
	}
}

func fetchJSONList(port string) ([]map[string]any, error) {
	u := url.URL{Scheme: "http", Host: "127.0.0.1:" + port, Path: "/json/list"}
	resp, err := httpGet(u.String())
	if err != nil {
		return nil, err
	}
	var list []map[string]any
	if err := json.Unmarshal(resp, &list); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errors.New("no targets")
	}
	return list, nil
}

// startDebuggableBrowser starts a headless browser with a debugging port and
// two tabs (about:blank and url), as a user would for --attach. Headless
// Chromium takes one URL on its command line, so the second tab is opened
// through /json/new.
func startDebuggableBrowser(t *testing.T, url string) (port string, stop func()) {
	t.Helper()
	// Not t.TempDir: Chromium's helper processes can still be writing to the
	// profile for a moment after the browser is killed, and TempDir's
	// cleanup fails the test on a directory that is not empty.
	profile, err := os.MkdirTemp("", "reprokit-attach-profile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeEventually(profile) })
	cmd := exec.Command(browserPath, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
		"--remote-debugging-port=0", "--user-data-dir="+profile, "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	testapp.OwnProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Its own process group, so that stop kills the helpers too.
	stop = func() {
		testapp.KillProcessGroup(cmd)
		cmd.Wait()
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, after, ok := strings.Cut(sc.Text(), "DevTools listening on ws://127.0.0.1:"); ok {
				p, _, _ := strings.Cut(after, "/")
				found <- p
				break
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case port = <-found:
	case <-time.After(20 * time.Second):
		stop()
		t.Fatal("the browser printed no debugging address")
	}
	// Open the second tab, as a user would.
	req, _ := http.NewRequest(http.MethodPut, "http://127.0.0.1:"+port+"/json/new?"+url, nil)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		stop()
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		list, _ := fetchJSONList(port)
		for _, tgt := range list {
			if u, _ := tgt["url"].(string); u == url {
				return port, stop
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	t.Fatalf("the tab %s did not open", url)
	return "", nil
}

func httpGet(u string) ([]byte, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func decodeImage(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// darkShare is the share of nearly black pixels in a rectangle of CSS
// pixels (the tests run at a device pixel ratio of 1), 1 px inside its edge.
func darkShare(img image.Image, x, y, w, h float64) float64 {
	var dark, all int
	for py := int(y) + 1; py < int(y+h)-1; py++ {
		for px := int(x) + 1; px < int(x+w)-1; px++ {
			r, g, b, _ := img.At(px, py).RGBA()
			all++
			if r < 0x1800 && g < 0x1800 && b < 0x1800 {
				dark++
			}
		}
	}
	if all == 0 {
		return 0
	}
	return float64(dark) / float64(all)
}

// liveScenarios are the small recordings committed in testdata/live for the
// builder's tests: real protocol logs of this recorder, with no secrets and
// no body large enough to be spooled to bodies/.
var liveScenarios = []struct {
	name  string
	paths []string
	drive func(l *live)
}{
	{name: "redirects", paths: []string{"/redirect/301", "/form"}, drive: func(l *live) {
		l.do(click(`[data-testid=submit]`))
		l.waitFor(`location.pathname === '/form/done'`)
	}},
	{name: "posts", paths: []string{"/posts"}},
	{name: "websocket-sse", paths: []string{"/websocket", "/streams"}},
	{name: "frames-worker-popup", paths: []string{"/frames", "/worker", "/popup"}, drive: func(l *live) {
		l.do(click(`[data-testid=open-popup]`))
		l.waitFor(`document.body.dataset.done === '1'`)
	}},
	{name: "errors-console", paths: []string{"/errors", "/console"}},
	{name: "steps", paths: []string{"/steps"}, drive: func(l *live) {
		l.do(
			chromedp.SendKeys(chromedp.CSS(`#search`), "report"),
			chromedp.SendKeys(chromedp.CSS(`#pw`), "not-a-real-password"),
			chromedp.SendKeys(chromedp.CSS(`#notes`), "notes\r"),
			click(`[data-testid=go]`),
			chromedp.DoubleClick(chromedp.CSS(`[data-testid=dbl]`)),
			chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 400)`),
			chromedp.Sleep(500*time.Millisecond),
			click(`[data-testid=link]`),
		)
		l.waitFor(`location.pathname === '/redirect/final'`)
	}},
}

// TestUpdateLiveTestdata rewrites testdata/live/*.jsonl from real
// recordings when REPROKIT_UPDATE_LIVE=1.
func TestUpdateLiveTestdata(t *testing.T) {
	if os.Getenv("REPROKIT_UPDATE_LIVE") == "" {
		t.Skip("set REPROKIT_UPDATE_LIVE=1 to rewrite testdata/live")
	}
	for _, sc := range liveScenarios {
		l := startLive(t, capture.Options{})
		for _, p := range sc.paths {
			l.do(chromedp.Navigate(app.URL + p))
			if p != "/form" && p != "/redirect/301" && p != "/steps" && p != "/popup" {
				l.waitFor(`document.body.dataset.done === '1'`)
			}
		}
		if sc.drive != nil {
			sc.drive(l)
		}
		time.Sleep(300 * time.Millisecond)
		l.stop()
		b, err := os.ReadFile(l.dir.Join(capture.EventsFile))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(`"bodyFile"`)) {
			t.Fatalf("%s: a body was spooled to a file; keep the committed logs self-contained", sc.name)
		}
		if err := os.WriteFile(filepath.Join("testdata", "live", sc.name+".jsonl"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLiveTestdataConverts checks that every committed live log is one JSON
// object per line with a time, holds none of the test app's secrets, and
// converts into a HAR with entries.
func TestLiveTestdataConverts(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "live", "*.jsonl"))
	if len(files) == 0 {
		t.Skip("no live logs committed yet")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			var m struct {
				Time   float64 `json:"time"`
				Method string  `json:"method"`
			}
			if err := json.Unmarshal(line, &m); err != nil || m.Time == 0 || m.Method == "" {
				t.Fatalf("%s line %d: %v %q", f, i+1, err, line[:min(len(line), 120)])
			}
		}
		for _, sec := range testapp.Secrets.All() {
			if bytes.Contains(data, []byte(sec.Value)) {
				t.Errorf("%s holds the test app's %s: keep secrets out of committed logs", f, sec.Name)
			}
		}
		var out bytes.Buffer
		if err := capture.BuildHAR(bytes.NewReader(data), &out, capture.BuildOptions{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var h har.HAR
		if err := json.Unmarshal(out.Bytes(), &h); err != nil || len(h.Log.Entries) == 0 {
			t.Errorf("%s: %v, %d entries", f, err, len(h.Log.Entries))
		}
	}
}

// TestScreencastFramesAreMasked records the sign-in page with --screencast
// and checks the frames, their index and that the password field is black
// in them.
func TestScreencastFramesAreMasked(t *testing.T) {
	l := startLive(t, capture.Options{Screencast: true})
	l.do(chromedp.Navigate(app.URL + "/login"))
	l.do(chromedp.SendKeys(chromedp.CSS(`#email`), "someone@example.org"))
	ctx, cancel := context.WithTimeout(l.tab, 10*time.Second)
	pw, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y, W, H float64 }](`(() => { const r = document.querySelector('#password').getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; })()`))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		l.do(chromedp.SendKeys(chromedp.CSS(`#password`), "pw"), chromedp.Sleep(600*time.Millisecond))
	}
	r := l.stop()
	var index []capture.ScreenshotInfo
	b, err := os.ReadFile(r.dir.Join("screencast.json"))
	if err != nil {
		t.Fatalf("no screencast.json: %v", err)
	}
	if err := json.Unmarshal(b, &index); err != nil || len(index) < 2 {
		t.Fatalf("screencast.json: %v, %d frames", err, len(index))
	}
	if n := len(r.records("Reprokit.screencastFrame")); n != len(index) {
		t.Errorf("%d Reprokit.screencastFrame records for %d frames", n, len(index))
	}
	for i, f := range index {
		if i > 0 && f.Time-index[i-1].Time < 0.4 {
			t.Errorf("frames %d and %d are %.2fs apart: the rate is not low", i-1, i, f.Time-index[i-1].Time)
		}
	}
	last := index[len(index)-1]
	img := decodeImage(t, r.dir.Join(last.File))
	if last.Width > 0 && img.Bounds().Dx() != last.Width {
		t.Logf("frame is %dpx wide, index says %d", img.Bounds().Dx(), last.Width)
	}
	if dark := darkShare(img, pw.X+2, pw.Y+2, pw.W-4, pw.H-4); dark < 0.8 {
		t.Errorf("the password field is only %.0f%% black in the last screencast frame", dark*100)
	}
	// The typed email is flagged and painted over, as in screenshots.
	hasEmail := false
	for _, m := range last.Masked {
		hasEmail = hasEmail || m.Kind == "email"
	}
	if !hasEmail {
		t.Errorf("the last screencast frame has no email box: %+v", last.Masked)
	}
	for _, l := range r.logs {
		if l.Method == "Page.screencastFrame" {
			t.Fatal("raw screencast frames (base64 images) were copied into the protocol log")
		}
	}
}

// TestRecordsASharedWorker starts a shared worker from a page; in launch
// mode the recorder attaches to it at the browser level and records its
// requests.
func TestRecordsASharedWorker(t *testing.T) {
	l := startLive(t, capture.Options{})
	l.do(chromedp.Navigate(app.URL + "/redirect/final"))
	l.do(chromedp.Evaluate[chromedp.Void](`window.reprokitShared = new SharedWorker('/worker/worker.js?shared=1'); 0`))
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for _, r := range app.Received() {
			if strings.Contains(r.URL, "/api/worker-data") {
				n++
			}
		}
		if n > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	// An alert left open stalls Page.captureScreenshot and Runtime.evaluate
	// (as navigations and popups sometimes do): Stop must not wait long for
	// its screenshot (it took 15 s before).
	l.do(chromedp.Evaluate[chromedp.Void](`setTimeout(() => alert('stall the screenshot'), 0); 0`))
	time.Sleep(300 * time.Millisecond)
	began := time.Now()
	r := l.stop()
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("Stop took %s with a stalled screenshot; want at most about 6 s", took.Round(time.Millisecond))
	}
	if len(r.records("Reprokit.stop")) != 1 {
		t.Errorf("no Reprokit.stop record after a stalled screenshot")
	}
	shared := false
	for _, rec := range r.records("Reprokit.targetInfo") {
		var p struct{ Type string }
		json.Unmarshal(rec.Params, &p)
		if p.Type == "shared_worker" {
			shared = true
		}
	}
	if !shared {
		t.Errorf("no Reprokit.targetInfo record of a shared_worker")
	}
	r.entry(t, "GET", "/worker/worker.js?shared=1")
	r.entry(t, "GET", "/api/worker-data")
}

// removeEventually removes dir, retrying while processes that were just
// killed finish writing into it.
func removeEventually(dir string) {
	for i := 0; i < 50; i++ {
		if os.RemoveAll(dir) == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
