package replay

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/har"
)

// browserOrSkip returns the Chromium for browser tests: skipped when absent,
// failed when CI is set.
func browserOrSkip(t testing.TB) string {
	t.Helper()
	exe, err := FindBrowser("")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs a browser: %v", err)
		}
		t.Skip(err)
	}
	return exe
}

// entry builds a recorded exchange for hand-written HARs.
func entry(method, url string, status int, ctype, body string, hdrs ...string) har.Entry {
	e := har.Entry{StartedDateTime: time.Now().UTC().Format(time.RFC3339Nano)}
	e.Request.Method, e.Request.URL = method, url
	e.Response.Status = status
	if ctype != "" {
		e.Response.Headers = append(e.Response.Headers, har.NameValue{Name: "Content-Type", Value: ctype})
	}
	for i := 0; i+1 < len(hdrs); i += 2 {
		e.Response.Headers = append(e.Response.Headers, har.NameValue{Name: hdrs[i], Value: hdrs[i+1]})
	}
	e.Response.Content = har.Content{MimeType: ctype, Text: body, Size: int64(len(body))}
	if strings.HasPrefix(ctype, "text/html") {
		e.ResourceType = "document"
		e.Pageref = "page_1"
	}
	return e
}

func logOutcomes(t *testing.T, r *Report) {
	t.Helper()
	for _, l := range r.Log {
		t.Logf("%-9s %s %s: %s", l.Outcome, l.Method, l.URL, l.Reason)
	}
}

// A hand-written recording of a site that no longer exists (app.test does
// not resolve): the page, a cache-busted API call, a request polled twice,
// a failed request and a websocket all come back from the recording.
func TestReplayServesHandWrittenRecording(t *testing.T) {
	browserOrSkip(t)
	page := `<!doctype html><html><body><h1 id=h>waiting</h1><ul id=out></ul><script>
const out = t => { const li = document.createElement('li'); li.textContent = t; document.getElementById('out').appendChild(li); };
(async () => {
  const d = await (await fetch('/api/data?_=' + Date.now())).json();
  document.getElementById('h').textContent = d.title;
  for (let i = 0; i < 2; i++) out('job ' + (await (await fetch('/job/status')).text()));
  try { await fetch('/broken'); out('broken ok'); } catch (e) { out('broken failed'); }
  const ws = new WebSocket('wss://app.test/live');
  ws.onopen = () => ws.send('hello');
  ws.binaryType = 'arraybuffer';
  ws.onmessage = ev => out('ws ' + (typeof ev.data === 'string' ? ev.data : new TextDecoder().decode(ev.data)));
})();
</script></body></html>`
	h := &har.HAR{}
	h.Log.Pages = []har.Page{{ID: "page_1", Title: "app"}}
	broken := entry("GET", "https://app.test/broken", 0, "", "")
	broken.Response.Error = "net::ERR_CONNECTION_RESET"
	ws := entry("GET", "wss://app.test/live", 101, "", "")
	now := float64(time.Now().Unix())
	ws.WebSocketMessages = []har.WebSocketMessage{
		{Type: "receive", Time: now, Opcode: 1, Data: "welcome"},
		{Type: "send", Time: now + 0.1, Opcode: 1, Data: "hello"},
		{Type: "receive", Time: now + 0.2, Opcode: 1, Data: "echo hello"},
		{Type: "receive", Time: now + 0.3, Opcode: 2, Data: base64.StdEncoding.EncodeToString([]byte("bin"))},
	}
	h.Log.Entries = []har.Entry{
		entry("GET", "https://app.test/", 200, "text/html; charset=utf-8", page),
		entry("GET", "https://app.test/api/data?_=1732640000123", 200, "application/json", `{"title":"Recorded title"}`, "Content-Encoding", "gzip", "Content-Length", "999"),
		entry("GET", "https://app.test/job/status", 200, "text/plain", "PENDING"),
		entry("GET", "https://app.test/job/status", 200, "text/plain", "DONE"),
		broken,
		ws,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	shots := t.TempDir()
	var text string
	rep, err := Run(ctx, &Source{HAR: h}, Options{Timeout: 20 * time.Second, ScreenshotsDir: shots, Pace: PaceNone,
		Progress: testWriter{t}, After: func(tab context.Context) {
			text, _ = chromedp.Run(tab, chromedp.Text(chromedp.CSS("body")))
		}})
	if err != nil {
		t.Fatal(err)
	}
	logOutcomes(t, rep)
	for _, want := range []string{"Recorded title", "job PENDING\njob DONE", "broken failed", "ws welcome", "ws echo hello", "ws bin"} {
		if !strings.Contains(text, strings.ReplaceAll(want, "\\n", "\n")) {
			t.Errorf("page misses %q; page text:\n%s", want, text)
		}
	}
	if rep.Unmatched != 0 || rep.Coverage < 1 {
		t.Errorf("coverage %.3f with %d unmatched, want every request answered", rep.Coverage, rep.Unmatched)
	}
	if rep.FailedAsRecorded != 1 {
		t.Errorf("failed_as_recorded = %d, want 1 (the reset request)", rep.FailedAsRecorded)
	}
	if rep.ArchiveUsed != 1 {
		t.Errorf("archive_used = %.2f, want 1", rep.ArchiveUsed)
	}
	if rep.WebSocketFrames.Sent != 3 || rep.WebSocketFrames.Received != 1 {
		t.Errorf("websocket frames sent/received = %d/%d, want 3/1", rep.WebSocketFrames.Sent, rep.WebSocketFrames.Received)
	}
	files, _ := os.ReadDir(shots)
	if len(files) == 0 {
		t.Errorf("no screenshots written to --screenshots dir")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// The recorded environment comes back: viewport, device pixel ratio, user
// agent, languages, time zone, locale, and with Clock the recorded time.
func TestReplayEmulatesRecordedEnvironment(t *testing.T) {
	browserOrSkip(t)
	page := `<!doctype html><pre id=env></pre><script>
document.getElementById('env').textContent = JSON.stringify({
  w: innerWidth, h: innerHeight, dpr: devicePixelRatio, ua: navigator.userAgent, lang: navigator.language,
  tz: Intl.DateTimeFormat().resolvedOptions().timeZone, locale: Intl.DateTimeFormat().resolvedOptions().locale,
  year: new Date().getFullYear(), now: Date.now()});
</script>`
	h := &har.HAR{}
	h.Log.Pages = []har.Page{{ID: "page_1"}}
	h.Log.Entries = []har.Entry{entry("GET", "https://env.test/", 200, "text/html", page)}
	src := &Source{HAR: h}
	src.Env.Viewport.Width, src.Env.Viewport.Height, src.Env.Viewport.DeviceScaleFactor = 412, 732, 2
	src.Env.Browser.UserAgent = "Mozilla/5.0 (Reprokit test) Chrome/120.0.0.0"
	src.Env.Languages = []string{"de-DE", "de"}
	src.Env.Locale = "de-DE"
	src.Env.TimeZone = "Asia/Tokyo"
	src.Env.Start = "2019-03-14T15:09:26.535+09:00"
	var got struct {
		W, H   int
		DPR    float64
		UA     string
		Lang   string
		TZ     string
		Locale string
		Year   int
		Now    int64
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := Run(ctx, src, Options{Clock: true, Timeout: 20 * time.Second, Quiet: 500 * time.Millisecond,
		After: func(tab context.Context) {
			js, _ := chromedp.Run(tab, chromedp.Text(chromedp.ID("env")))
			_ = json.Unmarshal([]byte(js), &got)
		}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2019, 3, 14, 6, 9, 26, 535e6, time.UTC)
	if got.W != 412 || got.H != 732 || got.DPR != 2 || got.UA != src.Env.Browser.UserAgent || got.Lang != "de-DE" ||
		got.TZ != "Asia/Tokyo" || got.Locale != "de-DE" || got.Year != 2019 ||
		got.Now < start.UnixMilli() || got.Now > start.Add(time.Minute).UnixMilli() {
		t.Errorf("replayed page saw %+v; want the recorded environment and a clock starting at %s", got, start)
	}
}

// A frame of another site, a popup and a worker run in targets of their
// own; their websockets still reach the recorded frames once the replay
// has prepared the target (a socket opened in the target's first instants
// can escape the redirect, and then fails: it never reaches the network).
func TestReplaySocketsInFramesAndPopups(t *testing.T) {
	browserOrSkip(t)
	page := `<!doctype html><ul id=out></ul><iframe src="https://widgets.test/frame"></iframe><script>
addEventListener('message', e => { const li = document.createElement('li'); li.textContent = e.data; document.getElementById('out').appendChild(li); });
setTimeout(() => window.open('/popup', 'p', 'width=300,height=200'), 300);
const w = new Worker('/worker.js'); w.onmessage = e => postMessage(e.data, '*');
</script>`
	worker := `setTimeout(() => { const ws = new WebSocket('wss://app.test/worker-feed'); ws.onmessage = e => postMessage('worker ' + e.data); }, 1500);`
	frame := `<!doctype html><script>
setTimeout(() => { const ws = new WebSocket('wss://widgets.test/feed'); ws.onmessage = e => parent.postMessage('frame ' + e.data, '*'); }, 1500);
</script>`
	popup := `<!doctype html><script>
setTimeout(() => { const ws = new WebSocket('wss://app.test/popup-feed'); ws.onmessage = e => opener.postMessage('popup ' + e.data, '*'); }, 1500);
</script>`
	sock := func(u, data string) har.Entry {
		e := entry("GET", u, 101, "", "")
		e.WebSocketMessages = []har.WebSocketMessage{{Type: "receive", Time: float64(time.Now().Unix()), Opcode: 1, Data: data}}
		return e
	}
	h := &har.HAR{}
	h.Log.Pages = []har.Page{{ID: "page_1"}}
	fr := entry("GET", "https://widgets.test/frame", 200, "text/html", frame)
	fr.Pageref = ""
	pop := entry("GET", "https://app.test/popup", 200, "text/html", popup)
	pop.Pageref = ""
	h.Log.Entries = []har.Entry{entry("GET", "https://app.test/", 200, "text/html", page), fr, pop,
		entry("GET", "https://app.test/worker.js", 200, "text/javascript", worker),
		sock("wss://widgets.test/feed", "tick"), sock("wss://app.test/popup-feed", "hi"), sock("wss://app.test/worker-feed", "w1")}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var text string
	rep, err := Run(ctx, &Source{HAR: h}, Options{Timeout: 20 * time.Second, Pace: PaceNone, Progress: testWriter{t},
		After: func(tab context.Context) { text, _ = chromedp.Run(tab, chromedp.Text(chromedp.ID("out"))) }})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "frame tick") || !strings.Contains(text, "popup hi") || !strings.Contains(text, "worker w1") {
		t.Errorf("page shows %q; want the frame's, the popup's and the worker's websocket frames", text)
	}
	if rep.Unmatched != 0 {
		t.Errorf("%d unmatched", rep.Unmatched)
	}
}

// Steps find their elements by racing selectors, inside same-origin frames
// too, and report each outcome; a step whose element is gone fails and the
// next still runs.
func TestReplayRunsStepsInFrames(t *testing.T) {
	browserOrSkip(t)
	page := `<!doctype html><p id=top></p><iframe src="/inner" style="position:absolute;top:100px;left:50px;width:400px;height:200px"></iframe>`
	inner := `<!doctype html><input id=q aria-label="Query"><button onclick="parent.document.getElementById('top').textContent = 'clicked ' + document.getElementById('q').value">Send</button>`
	h := &har.HAR{}
	h.Log.Pages = []har.Page{{ID: "page_1"}}
	in := entry("GET", "https://steps.test/inner", 200, "text/html", inner)
	in.Pageref = ""
	h.Log.Entries = []har.Entry{entry("GET", "https://steps.test/", 200, "text/html", page), in}
	flow := `{"title":"t","steps":[
 {"type":"setViewport","width":800,"height":600,"deviceScaleFactor":1,"isMobile":false,"hasTouch":false,"isLandscape":false},
 {"type":"navigate","url":"https://steps.test/"},
 {"type":"change","frame":[0],"value":"lamp","selectors":[["#missing"],["aria/Query"]]},
 {"type":"click","frame":[0],"selectors":[["text/Send"],["xpath///button"]],"offsetX":5,"offsetY":5},
 {"type":"click","selectors":[["#gone"]]},
 {"type":"scroll","x":0,"y":10}
]}`
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var text string
	rep, err := Run(ctx, &Source{HAR: h, Steps: []byte(flow)}, Options{Steps: true, Timeout: 30 * time.Second, Quiet: 500 * time.Millisecond,
		Progress: testWriter{t}, After: func(tab context.Context) { text, _ = chromedp.Run(tab, chromedp.Text(chromedp.ID("top"))) }})
	if err != nil {
		t.Fatal(err)
	}
	if text != "clicked lamp" {
		t.Errorf("page shows %q, want the frame's button clicked after typing", text)
	}
	if rep.StepsTotal != 6 || rep.StepsOK != 5 || rep.Steps[4].OK || rep.Steps[2].Selector != "aria/Query" {
		t.Errorf("steps %d/%d ok: %+v", rep.StepsOK, rep.StepsTotal, rep.Steps)
	}
}
