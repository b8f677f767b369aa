package replay

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/har"
)

// pngBytes is a 1x1 PNG: a binary body that must reach the page unchanged.
var pngBytes, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

func withRequest(e har.Entry, ctype, body string, hdrs ...string) har.Entry {
	if ctype != "" {
		e.Request.Headers = append(e.Request.Headers, har.NameValue{Name: "Content-Type", Value: ctype})
		e.Request.PostData = &har.PostData{MimeType: ctype, Text: body}
	}
	for i := 0; i+1 < len(hdrs); i += 2 {
		e.Request.Headers = append(e.Request.Headers, har.NameValue{Name: hdrs[i], Value: hdrs[i+1]})
	}
	return e
}

func asPage(e har.Entry, page string) har.Entry {
	e.ResourceType, e.Pageref = "document", page
	return e
}

// The serving rules on a hand-written recording of two pages: a 302/301
// chain, a form POST answered 303, cookies set by a response and sent later,
// a cross-origin PUT with a preflight that the recording does not hold,
// binary bodies, a multipart upload with a new boundary, JSON with volatile
// fields, GraphQL operations, reordered query parameters and a request made
// after pushState.
func TestReplayServingRules(t *testing.T) {
	browserOrSkip(t)
	const mpRecorded = "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n--XyZ--\r\n"
	page1 := `<!doctype html><html><body><ul id=out></ul><script>
const out = t => { localStorage.setItem('out', (localStorage.getItem('out') || '') + t + '\n'); };
const hex = async b => [...new Uint8Array(await crypto.subtle.digest('SHA-256', b))].map(x => x.toString(16).padStart(2, '0')).join('');
(async () => {
  out('cookie ' + document.cookie);
  out('me ' + await (await fetch('/me')).text());
  const put = await fetch('https://api.other.test/v1/items/7', {method: 'PUT', headers: {'Content-Type': 'application/json', 'X-Token': 'abc'}, body: '{"n":1}'});
  out('cors ' + put.status + ' ' + await put.text());
  out('png ' + await hex(await (await fetch('/logo.png')).arrayBuffer()));
  out('font ' + await hex(await (await fetch('/fonts/brand.woff2')).arrayBuffer()));
  const fd = new FormData(); fd.append('note', 'hi'); fd.append('file', new Blob(['file body'], {type: 'text/plain'}), 'a.txt');
  out('upload ' + await (await fetch('/upload', {method: 'POST', body: fd})).text());
  out('track ' + await (await fetch('/track', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({event: 'open', ts: Date.now(), id: crypto.randomUUID()})})).text());
  for (const op of ['B', 'A']) out('gql ' + await (await fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({operationName: op, query: 'query ' + op + ' { x }', variables: {}})})).text());
  out('search ' + await (await fetch('/search?b=2&a=1')).text());
  history.pushState({}, '', '/app/settings');
  out('rel ' + await (await fetch('api/prefs')).text());
  document.body.dataset.done = '1';
})();
</script></body></html>`
	form := `<!doctype html><form id=f method=post action="/form/submit"><input name=q value="apples"></form><script>document.getElementById('f').submit()</script>`
	done := `<!doctype html><p id=done>thanks</p>`

	h := &har.HAR{}
	h.Log.Pages = []har.Page{{ID: "p1"}, {ID: "p2"}}
	png := entry("GET", "https://app.test/logo.png", 200, "image/png", base64.StdEncoding.EncodeToString(pngBytes))
	png.Response.Content.Encoding = "base64"
	fontBytes := make([]byte, 4096)
	for i := range fontBytes {
		fontBytes[i] = byte(i*7 + i/256) // every byte value, NULs and invalid UTF-8 included
	}
	font := entry("GET", "https://app.test/fonts/brand.woff2", 200, "font/woff2", base64.StdEncoding.EncodeToString(fontBytes))
	font.Response.Content.Encoding = "base64"
	fontSum := sha256.Sum256(fontBytes)
	h.Log.Entries = []har.Entry{
		asPage(entry("GET", "https://app.test/start", 302, "", "", "Location", "/moved"), "p1"),
		asPage(entry("GET", "https://app.test/moved", 301, "", "", "Location", "https://app.test/home"), "p1"),
		asPage(entry("GET", "https://app.test/home", 200, "text/html", page1, "Set-Cookie", "sid=s3ss10n; Path=/; HttpOnly", "Set-Cookie", "theme=dark; Path=/"), "p1"),
		withRequest(entry("GET", "https://app.test/me", 200, "text/plain", "ann"), "", "", "Cookie", "sid=s3ss10n; theme=dark"),
		withRequest(entry("PUT", "https://api.other.test/v1/items/7", 200, "application/json", `{"saved":true}`, "Access-Control-Allow-Origin", "https://app.test"), "application/json", `{"n":1}`),
		png,
		font,
		withRequest(entry("POST", "https://app.test/upload", 200, "text/plain", "stored"), "multipart/form-data; boundary=XyZ", mpRecorded),
		withRequest(entry("POST", "https://app.test/track", 200, "text/plain", "tracked"), "application/json", `{"event":"open","ts":1732640000123,"id":"1b4e28ba-2fa1-11d2-883f-0016d3cca427"}`),
		withRequest(entry("POST", "https://app.test/graphql", 200, "application/json", `{"data":"A"}`), "application/json", `{"operationName":"A","query":"query A { x }","variables":{}}`),
		withRequest(entry("POST", "https://app.test/graphql", 200, "application/json", `{"data":"B"}`), "application/json", `{"operationName":"B","query":"query B { x }","variables":{}}`),
		entry("GET", "https://app.test/search?a=1&b=2", 200, "text/plain", "found"),
		entry("GET", "https://app.test/app/api/prefs", 200, "text/plain", "prefs"),
		asPage(entry("GET", "https://app.test/form", 200, "text/html", form), "p2"),
		asPage(withRequest(entry("POST", "https://app.test/form/submit", 303, "", "", "Location", "/form/done"), "application/x-www-form-urlencoded", "q=apples"), "p2"),
		asPage(entry("GET", "https://app.test/form/done", 200, "text/html", done), "p2"),
	}
	for i := range h.Log.Entries {
		h.Log.Entries[i].Pageref = map[bool]string{true: "p2", false: "p1"}[i >= 13]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var text, doneText string
	var cookies []*network.Cookie
	rep, err := Run(ctx, &Source{HAR: h}, Options{Timeout: 30 * time.Second, Progress: testWriter{t},
		After: func(tab context.Context) {
			doneText, _ = chromedp.Run(tab, chromedp.Text(chromedp.CSS("body")))
			text, _ = chromedp.Run(tab, chromedp.Evaluate[string](`localStorage.getItem('out') || ''`))
			res, _ := chromedp.Call(tab, network.GetCookies, network.GetCookiesParams{URLs: []string{"https://app.test/"}})
			cookies = res.Cookies
		}})
	if err != nil {
		t.Fatal(err)
	}
	logOutcomes(t, rep)
	sum := sha256.Sum256(pngBytes)
	for _, want := range []string{
		"cookie theme=dark", "me ann", `cors 200 {"saved":true}`, "png " + hex.EncodeToString(sum[:]), "font " + hex.EncodeToString(fontSum[:]),
		"upload stored", "track tracked", `gql {"data":"B"}`, `gql {"data":"A"}`, "search found", "rel prefs",
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("first page misses %q; it shows:\n%s", want, text)
		}
	}
	if !strings.Contains(doneText, "thanks") {
		t.Errorf("POST -> 303 did not end on the recorded page; page: %q", doneText)
	}
	var sid bool
	for _, c := range cookies {
		if c.Name == "sid" && c.Value == "s3ss10n" && c.HTTPOnly {
			sid = true
		}
	}
	if !sid {
		t.Errorf("HttpOnly cookie from the recorded Set-Cookie not in the browser: %+v", cookies)
	}
	var page1Log string
	for _, l := range rep.Log {
		page1Log += string(l.Outcome) + " " + l.Method + " " + l.URL + "\n"
	}
	for _, want := range []string{
		"exact GET https://app.test/start", "exact GET https://app.test/moved", "exact GET https://app.test/home",
		"synthesized OPTIONS https://api.other.test/v1/items/7", "exact PUT https://api.other.test/v1/items/7",
		"exact POST https://app.test/upload", "fuzzy POST https://app.test/track",
		"exact GET https://app.test/search?b=2&a=1", "exact GET https://app.test/app/api/prefs",
		"exact POST https://app.test/form/submit", "exact GET https://app.test/form/done",
	} {
		if !strings.Contains(page1Log, want) {
			t.Errorf("log misses %q", want)
		}
	}
	if rep.Unmatched != 0 {
		t.Errorf("%d unmatched requests", rep.Unmatched)
	}
}

// A recorded response Chrome will not take as it is (a header value with a
// line break inside, an impossible status) is still answered or failed:
// nothing stays paused and the replay ends.
func TestReplayOddRecordedResponses(t *testing.T) {
	browserOrSkip(t)
	page := `<!doctype html><p id=o></p><script>
(async () => {
  const a = await fetch('/odd-header').then(r => r.text()).catch(e => 'failed');
  const b = await fetch('/odd-status').then(r => String(r.status)).catch(e => 'failed');
  document.getElementById('o').textContent = a + ' ' + b;
})();
</script>`
	h := &har.HAR{}
	h.Log.Pages = []har.Page{{ID: "page_1"}}
	h.Log.Entries = []har.Entry{
		entry("GET", "https://odd.test/", 200, "text/html", page),
		entry("GET", "https://odd.test/odd-header", 200, "text/plain", "body", "X-Odd", "a\x00b\rc"),
		entry("GET", "https://odd.test/odd-status", 999, "text/plain", "x"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var text string
	start := time.Now()
	_, err := Run(ctx, &Source{HAR: h}, Options{Timeout: 20 * time.Second, Progress: testWriter{t},
		After: func(tab context.Context) { text, _ = chromedp.Run(tab, chromedp.Text(chromedp.ID("o"))) }})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 15*time.Second || !strings.HasPrefix(text, "body ") {
		t.Errorf("page shows %q after %s; want the odd-header body served and the replay ended", text, time.Since(start))
	}
}

// The live network is blocked: a server that is up but not in the
// recording receives nothing, whether the page fetches it, loads an image
// from it or opens a websocket to it, or a worker does; the requests the
// replay sees are listed as unmatched.
func TestReplayBlocksTheLiveNetwork(t *testing.T) {
	browserOrSkip(t)
	var hits atomic.Int32
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer live.Close()
	wsURL := "ws" + strings.TrimPrefix(live.URL, "http") + "/socket"
	page := `<!doctype html><img src="` + live.URL + `/pixel.png"><script>
fetch('` + live.URL + `/api').catch(() => {});
fetch('https://example.com/').catch(() => {});
new WebSocket('` + wsURL + `');
new Worker('/worker.js');
</script>`
	worker := `new WebSocket('` + wsURL + `/from-worker'); fetch('` + live.URL + `/from-worker').catch(() => {});`
	h := &har.HAR{}
	h.Log.Pages = []har.Page{{ID: "page_1"}}
	h.Log.Entries = []har.Entry{entry("GET", "https://blocked.test/", 200, "text/html", page),
		entry("GET", "https://blocked.test/worker.js", 200, "text/javascript", worker)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := Run(ctx, &Source{HAR: h}, Options{Timeout: 20 * time.Second, Progress: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the live server received %d requests during the replay", n)
	}
	var listed []string
	for _, l := range rep.UnmatchedList {
		listed = append(listed, l.URL)
	}
	for _, want := range []string{live.URL + "/pixel.png", live.URL + "/api", "https://example.com/", wsURL, live.URL + "/from-worker"} {
		if !slices.Contains(listed, want) {
			t.Errorf("unmatched list %q misses %s", listed, want)
		}
	}
}
