package report_test

import (
	"archive/zip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/domreplay"
	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/report"
	"github.com/reprokit/reprokit/host/spool"
)

// recordDOM opens url in a tab of its own (without the report tests'
// traps), records it with the vendored rrweb recorder as capture injects
// it, runs act and returns the rrweb events. The events are real: this
// test does not depend on the capture side of the DOM replay.
func recordDOM(t *testing.T, url string, act func(ctx context.Context)) json.RawMessage {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url),
		chromedp.Evaluate[chromedp.Void](domreplay.RecorderJS),
		chromedp.Evaluate[chromedp.Void](`window.__ev = []; rrwebRecord.record({ emit: function (e) { window.__ev.push(e); }, maskAllInputs: true }); 0`),
		chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatalf("record %s: %v", url, err)
	}
	act(ctx)
	if err := chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	evs, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.__ev)`))
	if err != nil {
		t.Fatalf("read the events: %v", err)
	}
	return json.RawMessage(evs)
}

// stepAt runs js in the recorded tab and returns Date.now() from just
// before it: the time of a step.
func stepAt(t *testing.T, ctx context.Context, js string) time.Time {
	t.Helper()
	ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => { const t = Date.now(); `+js+`; return t; })()`))
	if err != nil {
		t.Fatalf("step %s: %v", js, err)
	}
	return time.UnixMilli(int64(ms))
}

// replayBundle writes a bundle of the entries, console messages and steps
// recorded between start and end, and adds dom.json with the tabs' events
// to it as the bundle writer lays it out (docs/BUNDLE.md).
func replayBundle(t *testing.T, entries []har.Entry, console []map[string]any, steps []map[string]any, start, end time.Time, tabs ...json.RawMessage) string {
	t.Helper()
	return replayBundlePages(t, []har.Page{}, entries, console, steps, start, end, tabs...)
}

// replayBundlePages is replayBundle with the HAR's pages; tab i of the
// DOM replay is target "TARGET<i+1>".
func replayBundlePages(t *testing.T, pages []har.Page, entries []har.Entry, console []map[string]any, steps []map[string]any, start, end time.Time, tabs ...json.RawMessage) string {
	t.Helper()
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h, _ := json.Marshal(har.HAR{Log: har.Log{Version: "1.2", Creator: har.Creator{Name: "test", Version: "1"}, Pages: pages, Entries: entries}})
	dir.WriteFile("session.har", h)
	c, _ := json.Marshal(map[string]any{"messages": console})
	dir.WriteFile("console.json", c)
	s, _ := json.Marshal(map[string]any{"title": "t", "steps": steps})
	dir.WriteFile("steps.json", s)
	dir.Update(func(m *spool.Meta) error {
		m.Status = spool.StatusFinalized
		m.Started, m.Ended = start.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano)
		return nil
	})
	res, err := bundle.Write(context.Background(), dir, t.TempDir(), bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type tab struct {
		Target string          `json:"target"`
		Events json.RawMessage `json:"events"`
	}
	doc := struct {
		Format  string `json:"format"`
		Version string `json:"version"`
		Tabs    []tab  `json:"tabs"`
	}{Format: "rrweb", Version: domreplay.Version}
	for i, evs := range tabs {
		doc.Tabs = append(doc.Tabs, tab{Target: fmt.Sprintf("TARGET%d", i+1), Events: evs})
	}
	dom, _ := json.Marshal(doc)
	return addMember(t, res.Path, bundle.DOMReplayFile, dom)
}

// addMember copies the zip at path with one more member.
func addMember(t *testing.T, path, name string, data []byte) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, m := range zr.File {
		w, err := zw.CreateHeader(&m.FileHeader)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := m.Open()
		io.Copy(w, r)
		r.Close()
	}
	w, _ := zw.Create(name)
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return out
}

// at is an entry of the recording at a wall-clock time.
func at(method, url string, status int, when time.Time, durMs float64, typ, mime, body string) har.Entry {
	return mkEntry(method, url, status, float64(when.Sub(t0).Microseconds())/1000, durMs, typ, mime, body)
}

func stepDoc(typ string, when time.Time, extra map[string]any) map[string]any {
	s := map[string]any{"type": typ, "time": float64(when.UnixMilli()) / 1000}
	for k, v := range extra {
		s[k] = v
	}
	return s
}

// frameText is the text of the element id inside the player's frame.
func frameText(id string) string {
	return `(() => { const f = document.querySelector("#rk-replay-stage iframe"); const n = f && f.contentDocument && f.contentDocument.getElementById(` + "`" + id + "`" + `); return n ? n.textContent : "(none)"; })()`
}

func waitFor(t *testing.T, tb *tab, js string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("wait for %s: %v (console: %v)", js, err, tb.consoleLines())
	}
}

const appPage = `<!DOCTYPE html><html><head><title>Upload</title>
<link rel="icon" href="/favicon.ico"><link rel="manifest" href="/app.webmanifest">
<style>body { font: 16px sans-serif } #status { color: #333 }</style></head>
<body><h1 id="status">Ready</h1>
<img id="logo" src="/logo.png" width="40" height="40"><img id="gone" src="/missing.png" width="40" height="40">
<form><input id="pw" type="password" value="hunter2-secret"></form>
<button id="go" onclick="document.getElementById('status').textContent = 'Upload failed: 413'">Upload</button>
<button id="retry" onclick="document.getElementById('status').textContent = 'Retrying'">Retry</button>
</body></html>`

func TestSessionReplayShowsThePageAtAStepAndARequest(t *testing.T) {
	needBrowser(t)
	logo := pngImage(40, 40, 200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/logo.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(logo)
		case "/app":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, appPage)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var start, upload, retry time.Time
	events := recordDOM(t, srv.URL+"/app", func(ctx context.Context) {
		start = time.Now()
		time.Sleep(400 * time.Millisecond)
		upload = stepAt(t, ctx, `document.getElementById("go").click()`)
		time.Sleep(1200 * time.Millisecond)
		retry = stepAt(t, ctx, `document.getElementById("retry").click()`)
		time.Sleep(600 * time.Millisecond)
	})
	end := time.Now()

	entries := []har.Entry{
		at("GET", srv.URL+"/app", 200, start.Add(-300*time.Millisecond), 50, "document", "text/html", appPage),
		at("GET", srv.URL+"/logo.png", 200, start.Add(-200*time.Millisecond), 20, "image", "image/png", base64.StdEncoding.EncodeToString(logo)),
		at("POST", srv.URL+"/upload", 413, upload.Add(20*time.Millisecond), 900, "fetch", "application/json", `{"error":"too large"}`),
		at("POST", srv.URL+"/upload?retry=1", 200, retry.Add(30*time.Millisecond), 5000, "fetch", "application/json", `{"ok":true}`),
	}
	entries[1].Response.Content.Encoding = "base64"
	steps := []map[string]any{
		stepDoc("navigate", start, map[string]any{"url": srv.URL + "/app"}),
		stepDoc("click", upload, map[string]any{"selectors": [][]string{{"#go"}}}),
		stepDoc("click", retry, map[string]any{"selectors": [][]string{{"#retry"}}}),
	}
	console := []map[string]any{{"time": float64(upload.Add(950*time.Millisecond).UnixMilli()) / 1000, "level": "error", "text": "Upload failed: 413"}}
	path := replayBundle(t, entries, console, steps, start.Add(-500*time.Millisecond), end, events)
	html, _ := renderFile(t, path)
	page, _ := os.ReadFile(html)

	// The CSP: scripts by hash only; styles and images loosened for the
	// rebuilt page, nothing else.
	m := regexp.MustCompile(`http-equiv="Content-Security-Policy" content="([^"]*)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no CSP in the page")
	}
	csp := strings.ReplaceAll(string(m[1]), "&#39;", "'")
	if csp != report.ReplayCSP {
		t.Errorf("the page's CSP is\n%s\nwant\n%s", csp, report.ReplayCSP)
	}
	checkNoScriptLoosening(t, csp)

	tb := newTab(t)
	tb.open(t, html)
	waitFor(t, tb, `document.querySelector('#replay[data-frame="1"]') !== null`)
	if sb := eval[string](t, tb, `document.querySelector("#rk-replay-stage iframe").getAttribute("sandbox")`); sb != "allow-same-origin" {
		t.Fatalf("the player's frame has sandbox=%q, want allow-same-origin (no allow-scripts)", sb)
	}
	if txt := eval[string](t, tb, frameText("status")); txt != "Ready" {
		t.Errorf("first frame: status %q, want Ready", txt)
	}
	// The first frame says where it is, not that it is loading.
	if lbl := eval[string](t, tb, `document.getElementById("rk-replay-time").textContent`); strings.Contains(lbl, "Loading") || !strings.Contains(lbl, " of ") {
		t.Errorf("first frame: the time label reads %q", lbl)
	}
	// The password is masked by the recorder and stays so.
	if v := eval[string](t, tb, `document.querySelector("#rk-replay-stage iframe").contentDocument.getElementById("pw").value`); strings.Contains(v, "hunter2") {
		t.Errorf("the password shows in the player: %q", v)
	}

	// A step in the Steps section: the page after it.
	eval[bool](t, tb, `(document.querySelector('ol.steps li[data-i="1"]').click(), true)`)
	waitFor(t, tb, frameText("status")+` === "Upload failed: 413"`)
	at1 := eval[float64](t, tb, `+document.getElementById("replay").dataset.t`)
	if d := at1 - float64(upload.UnixMilli()); d < 0 || d > 600 {
		t.Errorf("the step seeked the player to %+.0f ms of the step", d)
	}

	// A request row: the player goes to its start.
	eval[bool](t, tb, `(document.querySelector('#rk-table .row[data-i="3"]').click(), true)`)
	waitFor(t, tb, frameText("status")+` === "Retrying"`)
	at2 := eval[float64](t, tb, `+document.getElementById("replay").dataset.t`)
	if d := at2 - float64(retry.Add(30*time.Millisecond).UnixMilli()); d < -2 || d > 3 {
		t.Errorf("the request seeked the player to %+.0f ms of its start", d)
	}
	// ← on the seek bar goes back 5 s (here: to the start, 2 s before).
	eval[bool](t, tb, `(document.getElementById("rk-replay-bar").dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft" })), true)`)
	waitFor(t, tb, frameText("status")+` === "Ready"`)
	// A console message seeks too.
	eval[bool](t, tb, `(document.querySelector('.console .msg[data-i="0"]').click(), true)`)
	waitFor(t, tb, frameText("status")+` === "Upload failed: 413"`)

	// Images: the HAR's body for the logo, a placeholder for the other.
	logoSrc := eval[string](t, tb, `document.querySelector("#rk-replay-stage iframe").contentDocument.getElementById("logo").getAttribute("src")`)
	if !strings.HasPrefix(logoSrc, "data:image/png;base64,") {
		t.Errorf("the logo in the player is %.60q, want the HAR's PNG", logoSrc)
	}
	if n := eval[int](t, tb, `document.querySelector("#rk-replay-stage iframe").contentDocument.getElementById("logo").naturalWidth`); n != 40 {
		t.Errorf("the logo did not decode in the player (naturalWidth %d)", n)
	}
	gone := eval[string](t, tb, `document.querySelector("#rk-replay-stage iframe").contentDocument.getElementById("gone").getAttribute("src")`)
	if !strings.HasPrefix(gone, "data:image/svg+xml,") {
		t.Errorf("an image without a body in the HAR is %.60q, want the placeholder", gone)
	}

	// The seek bar has the steps, the failed request and the console error.
	if n := eval[int](t, tb, `document.querySelectorAll("#rk-replay-bar .rpmark.step").length`); n != 3 {
		t.Errorf("%d step marks on the seek bar, want 3", n)
	}
	if n := eval[int](t, tb, `document.querySelectorAll("#rk-replay-bar .rpmark.req").length + 10 * document.querySelectorAll("#rk-replay-bar .rpmark.con").length`); n != 11 {
		t.Errorf("failed request and console error marks: %d, want 1 and 1", n)
	}
	// The timeline has the Replay lane.
	if n := eval[int](t, tb, `document.querySelectorAll('.lane[data-lane="replay"] .rpseg').length`); n != 1 {
		t.Errorf("%d replay bars on the timeline, want 1", n)
	}

	// Playing from the retry: its request is in flight in the table.
	eval[bool](t, tb, `(document.querySelector('ol.steps li[data-i="2"]').click(), document.getElementById("rk-replay-play").click(), true)`)
	waitFor(t, tb, `document.querySelector('#rk-table .row.inflight[data-i="3"]') !== null && document.getElementById("rk-replay-play").textContent === "Pause"`)
	waitFor(t, tb, `document.getElementById("rk-replay-play").textContent === "Play"`) // it plays to the end
	artifact(t, tb, "report-replay.png")

	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.errors {
		if strings.Contains(e, "script") || strings.Contains(e, "eval") {
			t.Errorf("the player broke the CSP: %s", e)
		}
	}
	if len(tb.errors) > 0 {
		t.Logf("console errors: %v", tb.errors)
	}
	// The rebuilt page asks for nothing the CSP must refuse (its icon
	// and manifest links are dropped): no error at all.
	for _, c := range tb.console {
		if strings.Contains(c, "Content Security Policy") {
			t.Errorf("the rebuilt page asked for something the CSP refused: %s", c)
		}
	}
}

// checkNoScriptLoosening fails unless script-src lists only SHA-256 hashes.
func checkNoScriptLoosening(t *testing.T, csp string) {
	t.Helper()
	seen := false
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "script-src":
			seen = true
			for _, src := range f[1:] {
				if !strings.HasPrefix(src, "'sha256-") {
					t.Errorf("script-src allows %s", src)
				}
			}
		case "script-src-elem", "script-src-attr", "worker-src", "object-src", "frame-src", "child-src":
			t.Errorf("the CSP sets %s", d)
		case "default-src":
			if strings.TrimSpace(d) != "default-src 'none'" {
				t.Errorf("the CSP has %s", d)
			}
		}
	}
	if !seen {
		t.Error("the CSP has no script-src")
	}
}

func TestReplayCSPLoosensNoScript(t *testing.T) {
	checkNoScriptLoosening(t, report.ReplayCSP)
	checkNoScriptLoosening(t, report.CSP)
	for _, want := range []string{"style-src 'unsafe-inline'", "img-src data: blob:"} {
		if !strings.Contains(report.ReplayCSP, want) {
			t.Errorf("ReplayCSP lacks %s", want)
		}
	}
	if strings.Contains(report.CSP, "unsafe") || strings.Contains(report.CSP, "blob:") {
		t.Errorf("the CSP of a report without replay is loosened: %s", report.CSP)
	}
	// view serves the page with the policy it has.
	for _, c := range []struct {
		page []byte
		want string
	}{{[]byte(`<html><script type="application/json" id="rk-data">{}</script>`), report.CSP}, {[]byte(`<script type="application/octet-stream" id="rk-replay" data-encoding="gzip+base64">H4sI</script>`), report.ReplayCSP}} {
		rec := httptest.NewRecorder()
		report.Handler(c.page, 80).ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1:80/", nil))
		if got := rec.Header().Get("Content-Security-Policy"); got != c.want+"; frame-ancestors 'none'" {
			t.Errorf("served with CSP %q, want %q", got, c.want)
		}
	}
}

const hostilePage = `<!DOCTYPE html><html><head><title>evil</title></head><body>
<h1 id="status">start</h1>
<p id="txt">&lt;script&gt;top.__pwned("text")&lt;/script&gt; <script>top.__pwned && top.__pwned("inline"); window.top.pwned = 1;</script></p>
<a id="js" href="javascript:top.__pwned('href');top.pwned=1;alert(1)">a link</a>
<img id="bad" src="/nope.png" onerror="top.__pwned('onerror');top.pwned=1">
<iframe id="sd" srcdoc="<script>top.__pwned('srcdoc');top.pwned=1;alert(2)</script><p id=inner>inner</p>"></iframe>
<div id="clk" onclick="top.__pwned('onclick')">click</div>
<svg><a href="javascript:top.__pwned('svg')"><text y="20">svg link</text></a><image href="x" onerror="top.__pwned('svgimg')"/></svg>
</body></html>`

func TestSessionReplayOfAHostilePageStaysInert(t *testing.T) {
	needBrowser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, hostilePage)
	}))
	defer srv.Close()
	var start time.Time
	events := recordDOM(t, srv.URL+"/", func(ctx context.Context) {
		start = time.Now()
		// Mutations: script added as markup and as an element, handlers
		// set as attributes, a javascript: URL, a srcdoc frame.
		stepAt(t, ctx, `document.body.insertAdjacentHTML("beforeend", '<img src=x onerror="top.__pwned(\'mut-img\')"><script>top.__pwned("mut-script")<\/script><iframe srcdoc="<script>top.__pwned(\'mut-srcdoc\')<\/script>"></iframe>');
			const s = document.createElement("script"); s.textContent = "top.__pwned('mut-el')"; document.body.appendChild(s);
			document.getElementById("status").setAttribute("onmouseover", "top.__pwned('attr')");
			document.getElementById("js").setAttribute("href", "javascript:top.__pwned('href2')");
			document.getElementById("status").textContent = "changed"`)
		time.Sleep(400 * time.Millisecond)
	})
	end := time.Now()
	entries := []har.Entry{at("GET", srv.URL+"/", 200, start.Add(-200*time.Millisecond), 30, "document", "text/html", hostilePage)}
	path := replayBundle(t, entries, nil, []map[string]any{stepDoc("navigate", start, map[string]any{"url": srv.URL})}, start.Add(-300*time.Millisecond), end, events)
	html, _ := renderFile(t, path)

	tb := newTab(t)
	tb.open(t, html)
	waitFor(t, tb, `document.querySelector('#replay[data-frame="1"]') !== null`)
	// Play it through at 8×, then poke every active thing in the frame.
	eval[bool](t, tb, `(document.getElementById("rk-replay-speed").value = "8", document.getElementById("rk-replay-speed").dispatchEvent(new Event("change")), document.getElementById("rk-replay-play").click(), true)`)
	waitFor(t, tb, frameText("status")+` === "changed"`)
	waitFor(t, tb, `document.getElementById("rk-replay-play").textContent === "Play"`)
	eval[bool](t, tb, `(() => {
		const d = document.querySelector("#rk-replay-stage iframe").contentDocument;
		for (const a of d.querySelectorAll("a")) { try { a.click(); } catch (e) {} }
		for (const n of d.querySelectorAll("[onclick], [onmouseover]")) { n.click(); n.dispatchEvent(new MouseEvent("mouseover")); }
		return true;
	})()`)
	time.Sleep(700 * time.Millisecond)
	if txt := eval[string](t, tb, frameText("txt")); !strings.Contains(txt, `<script>top.__pwned("text")</script>`) {
		t.Errorf("the text that looks like a script is not shown as text: %q", txt)
	}
	// The rebuilt page does hold the hostile attributes: what keeps them
	// inert is the frame's sandbox and the CSP, not their absence.
	active := eval[string](t, tb, `(() => { const d = document.querySelector("#rk-replay-stage iframe").contentDocument;
		return ["[onerror]", "[onclick]", "[onmouseover]", "a[href^='javascript']", "iframe", "noscript, script"].map(q => q + ": " + d.querySelectorAll(q).length).join(", "); })()`)
	t.Logf("in the player's frame: %s", active)
	if strings.Contains(active, "[onerror]: 0") || strings.Contains(active, "a[href^='javascript']: 0") {
		t.Errorf("the hostile page was not rebuilt as recorded (%s): the test proves nothing", active)
	}
	if v := eval[string](t, tb, `String(window.pwned)`); v != "undefined" {
		t.Errorf("window.pwned = %s in the report", v)
	}
	artifact(t, tb, "report-replay-hostile.png")
	tb.mu.Lock()
	if len(tb.pwned) > 0 || len(tb.dialogs) > 0 {
		t.Fatalf("recorded page script ran in the player: binding calls %v, dialogs %v", tb.pwned, tb.dialogs)
	}
	tb.mu.Unlock()
	// Control: the trap sees script that runs in a frame (one that
	// allows scripts, in a page without the report's CSP).
	ctl := filepath.Join(t.TempDir(), "control.html")
	os.WriteFile(ctl, []byte(`<!DOCTYPE html><body data-ready="1"><iframe sandbox="allow-same-origin allow-scripts" srcdoc="<script>top.__pwned('control')</script>"></iframe>`), 0o600)
	tb.open(t, ctl)
	waitFor(t, tb, `true`)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		tb.mu.Lock()
		n := len(tb.pwned)
		tb.mu.Unlock()
		if n > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the trap misses script that runs in a frame")
}

// The review's first and last frame of the replay are the page before and
// after what the user did, and are inert: shown in a frame sandboxed with
// no permission, as the extension's review shows them.
func TestReviewFramesOfTheReplay(t *testing.T) {
	needBrowser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/evil" {
			io.WriteString(w, hostilePage)
			return
		}
		io.WriteString(w, appPage)
	}))
	defer srv.Close()
	app := recordDOM(t, srv.URL+"/app", func(ctx context.Context) {
		stepAt(t, ctx, `document.getElementById("go").click()`)
		time.Sleep(200 * time.Millisecond)
		stepAt(t, ctx, `document.getElementById("retry").click(); const li = document.createElement("p"); li.id = "added"; li.textContent = "added later"; document.body.insertBefore(li, document.getElementById("go"))`)
	})
	evil := recordDOM(t, srv.URL+"/evil", func(ctx context.Context) {
		stepAt(t, ctx, `document.body.insertAdjacentHTML("beforeend", '<img src=x onerror="top.__pwned(\'mut-img\')"><a href="javascript:top.__pwned(1)">x</a>')`)
	})
	dom, _ := json.Marshal(map[string]any{"format": "rrweb", "tabs": []any{map[string]any{"target": "A", "events": app}, map[string]any{"target": "B", "events": evil}}})
	rv := bundle.ReviewDOM(dom)
	if rv == nil || rv.First == nil || rv.Last == nil {
		t.Fatalf("review of the replay: %+v", rv)
	}
	if rv.Tabs != 2 || rv.Events < 4 {
		t.Errorf("review counts %d tabs, %d events", rv.Tabs, rv.Events)
	}
	if !strings.Contains(rv.First.URL, "/app") || !strings.Contains(rv.Last.URL, "/evil") {
		t.Errorf("first frame of %s, last of %s: want the first tab's start and the last tab's end", rv.First.URL, rv.Last.URL)
	}
	appLast := bundle.ReviewDOM([]byte(`{"tabs":[{"events":` + string(app) + `}]}`)).Last
	for _, f := range []*bundle.ReviewFrame{rv.First, appLast, rv.Last} {
		if strings.Contains(strings.ToLower(f.HTML), "<script") || strings.Contains(f.HTML, "onerror") || strings.Contains(f.HTML, "javascript:") || strings.Contains(f.HTML, "hunter2") {
			t.Errorf("a review frame holds something active or the password:\n%.2000s", f.HTML)
		}
	}
	tb := newTab(t)
	p := filepath.Join(t.TempDir(), "frames.html")
	framesJS, _ := json.Marshal([]string{rv.First.HTML, appLast.HTML, rv.Last.HTML})
	os.WriteFile(p, []byte(`<!DOCTYPE html><body><script>
		for (const h of `+string(framesJS)+`) { const f = document.createElement("iframe"); f.setAttribute("sandbox", ""); f.srcdoc = h; document.body.appendChild(f); }
		let n = 0; for (const f of document.querySelectorAll("iframe")) f.onload = () => { if (++n === 3) document.body.dataset.ready = "1"; };
	</script>`), 0o600)
	tb.open(t, p)
	artifact(t, tb, "review-frames.png")
	if !strings.Contains(rv.First.HTML, ">Ready</h1>") || !strings.Contains(appLast.HTML, ">Retrying</h1>") || !strings.Contains(appLast.HTML, "added later") {
		t.Errorf("the frames do not show the page before and after the steps:\nfirst %.600s\nlast %.900s", rv.First.HTML, appLast.HTML)
	}

	// The extension's review step shows them, and its button drops the
	// replay: the popup as it is, with chrome.* stubbed to deliver the
	// review and keep what the popup sends.
	rv.Last = appLast
	review, _ := json.Marshal(map[string]any{"screenshots": []any{}, "domains": []any{}, "redaction": []any{}, "findings": []any{}, "requestIds": []any{},
		"counts": map[string]any{}, "excluded": map[string]any{}, "notes": []any{}, "steps": []any{}, "consoleErrors": []any{}, "domReplay": rv})
	stub := `window.__sent = []; window.chrome = {
		i18n: { getMessage: (n, s) => n + (s ? ":" + s.join("|") : ""), getUILanguage: () => "en" },
		runtime: { connect: () => ({ onMessage: { addListener: (f) => { window.__deliver = f; } }, onDisconnect: { addListener: () => {} }, postMessage: (m) => window.__sent.push(m) }), getManifest: () => ({ version: "0" }) },
		storage: { local: { get: async () => ({}), set: async () => {} }, managed: { get: async () => ({}) }, onChanged: { addListener: () => {} } },
		tabs: { query: async () => [{ id: 1, url: "https://app.example.com/" }] } };`
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: stub}); err != nil {
		t.Fatal(err)
	}
	popup, _ := filepath.Abs(filepath.Join("..", "..", "extension", "popup.html"))
	if err := chromedp.Do(tb.ctx, chromedp.Navigate("file://"+popup)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tb, `typeof window.__deliver === "function"`)
	eval[bool](t, tb, `(window.__deliver({ type: "state", state: { phase: "review", recording: "r1", review: `+string(review)+` } }), true)`)
	waitFor(t, tb, `!document.getElementById("r-replay-box").hidden`)
	frames := eval[[]string](t, tb, `[...document.querySelectorAll("[data-testid=review-replay-frame] iframe")].map((f) => f.getAttribute("sandbox") + "|" + f.srcdoc)`)
	if len(frames) != 2 || !strings.HasPrefix(frames[0], "|") || !strings.Contains(frames[0], ">Ready</h1>") || !strings.Contains(frames[1], ">Retrying</h1>") {
		t.Errorf("the review shows the frames %.300q, want two frames sandboxed with nothing allowed, before and after", frames)
	}
	if txt := eval[string](t, tb, `document.querySelector("[data-testid=review-replay-summary]").textContent`); !strings.Contains(txt, "replaySummary:") {
		t.Errorf("the replay's summary is %q", txt)
	}
	time.Sleep(300 * time.Millisecond) // the frames load their srcdoc
	artifact(t, tb, "review-replay.png")
	eval[bool](t, tb, `(document.querySelector("[data-testid=drop-replay]").click(), document.getElementById("save").disabled = false, document.getElementById("save").click(), true)`)
	sent := eval[string](t, tb, `JSON.stringify(window.__sent.filter((m) => m.type === "preview" || m.type === "save"))`)
	if !strings.Contains(sent, `"type":"preview"`) || strings.Count(sent, `"dropDomReplay":true`) != 2 {
		t.Errorf("after dropping the replay the popup sent %s, want a preview and a save with dropDomReplay", sent)
	}
	if cls := eval[string](t, tb, `document.getElementById("r-replay-frames").className`); !strings.Contains(cls, "dropped") {
		t.Errorf("the dropped replay's frames are not shown as dropped (%q)", cls)
	}

	time.Sleep(500 * time.Millisecond)
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.pwned) > 0 || len(tb.dialogs) > 0 {
		t.Fatalf("a review frame ran script: %v %v", tb.pwned, tb.dialogs)
	}
}

// A recording of two tabs has one player per tab and a chooser; a moment
// before the second tab opened shows the first.
func TestSessionReplayOfTwoTabsHasATabChooser(t *testing.T) {
	needBrowser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!DOCTYPE html><h1 id="status">Page %s</h1><button id="go" onclick="document.getElementById('status').textContent += ' clicked'">go</button>`, strings.TrimPrefix(r.URL.Path, "/"))
	}))
	defer srv.Close()
	start := time.Now()
	var clickA time.Time
	a := recordDOM(t, srv.URL+"/A", func(ctx context.Context) {
		clickA = stepAt(t, ctx, `document.getElementById("go").click()`)
	})
	startB := time.Now()
	var bClick time.Time
	b := recordDOM(t, srv.URL+"/B", func(ctx context.Context) {
		time.Sleep(200 * time.Millisecond)
		bClick = stepAt(t, ctx, `document.getElementById("go").click()`)
	})
	end := time.Now()
	entries := []har.Entry{
		at("GET", srv.URL+"/A", 200, start, 30, "document", "text/html", "<h1>A</h1>"),
		at("GET", srv.URL+"/B", 200, startB, 30, "document", "text/html", "<h1>B</h1>"),
		// in flight at the click on A: one of tab A's page, one of
		// tab B's (its page names the target), one of no known tab
		at("GET", srv.URL+"/api/of-a", 200, clickA.Add(-50*time.Millisecond), 2000, "fetch", "application/json", `{}`),
		at("GET", srv.URL+"/api/of-b", 200, clickA.Add(-50*time.Millisecond), 2000, "fetch", "application/json", `{}`),
		at("GET", srv.URL+"/api/of-none", 200, clickA.Add(-50*time.Millisecond), 2000, "fetch", "application/json", `{}`),
		// one of tab B's while it was open
		at("GET", srv.URL+"/api/b-late", 200, bClick.Add(20*time.Millisecond), 10, "fetch", "application/json", `{}`),
	}
	entries[0].Pageref, entries[2].Pageref = "page_1", "page_1"
	entries[1].Pageref, entries[3].Pageref, entries[5].Pageref = "page_2", "page_2", "page_2"
	pages := []har.Page{
		{ID: "page_1", Title: srv.URL + "/A", StartedDateTime: start.UTC().Format(time.RFC3339Nano), TargetID: "TARGET1"},
		{ID: "page_2", Title: srv.URL + "/B", StartedDateTime: startB.UTC().Format(time.RFC3339Nano), TargetID: "TARGET2"},
	}
	steps := []map[string]any{stepDoc("click", clickA, map[string]any{"selectors": [][]string{{"#go"}}})}
	path := replayBundlePages(t, pages, entries, nil, steps, start.Add(-100*time.Millisecond), end, a, b)
	html, _ := renderFile(t, path)
	tb := newTab(t)
	tb.open(t, html)
	waitFor(t, tb, `document.querySelector('#replay[data-frame="1"]') !== null`)
	if n := eval[int](t, tb, `document.querySelectorAll("#rk-replay-tab option").length`); n != 2 {
		t.Fatalf("the tab chooser has %d tabs, want 2", n)
	}
	if txt := eval[string](t, tb, frameText("status")); txt != "Page A" {
		t.Errorf("the player starts on %q, want the first tab's Page A", txt)
	}
	eval[bool](t, tb, `(() => { const s = document.getElementById("rk-replay-tab"); s.value = "1"; s.dispatchEvent(new Event("change")); return true; })()`)
	waitFor(t, tb, frameText("status")+` === "Page B"`)
	if n := eval[int](t, tb, `document.querySelectorAll('.lane[data-lane="replay"] .rpseg').length`); n != 2 {
		t.Errorf("%d replay bars on the timeline, want one per tab", n)
	}
	// The step on tab A, before tab B opened: the player goes back to A.
	eval[bool](t, tb, `(document.querySelector('ol.steps li[data-i="0"]').click(), true)`)
	waitFor(t, tb, frameText("status")+` === "Page A clicked" && document.getElementById("rk-replay-tab").value === "0"`)
	if n := eval[int](t, tb, `document.querySelectorAll("#rk-replay-stage iframe").length`); n != 1 {
		t.Errorf("%d player frames, want one at a time", n)
	}
	// The requests in flight then are tab A's and the one of no known
	// tab, not tab B's.
	waitFor(t, tb, `document.querySelectorAll("#rk-table .row.inflight").length > 0`)
	flying := eval[string](t, tb, `[...document.querySelectorAll("#rk-table .row.inflight")].map(n => n.title.replace(/^.*\/api\//, "")).sort().join(" ")`)
	if flying != "of-a of-none" {
		t.Errorf("in flight at the click on tab A: %q, want of-a and of-none (not tab B's of-b)", flying)
	}
	// A request of tab B, chosen while tab A plays: the player shows B.
	eval[bool](t, tb, `([...document.querySelectorAll("#rk-table .row")].find(n => n.title.endsWith("/api/b-late")).click(), true)`)
	waitFor(t, tb, `document.getElementById("rk-replay-tab").value === "1"`)
}
