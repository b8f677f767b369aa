package capture

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/reprokit/reprokit/host/har"
)

// entries returns the entries whose URL is url (in HAR order).
func entries(h *har.HAR, url string) []har.Entry {
	var out []har.Entry
	for _, e := range h.Log.Entries {
		if e.Request.URL == url {
			out = append(out, e)
		}
	}
	return out
}

// entry returns the only entry for url.
func entry(t *testing.T, h *har.HAR, url string) har.Entry {
	t.Helper()
	es := entries(h, url)
	if len(es) != 1 {
		var urls []string
		for _, e := range h.Log.Entries {
			urls = append(urls, e.Request.Method+" "+e.Request.URL)
		}
		t.Fatalf("want 1 entry for %s, got %d; entries:\n%s", url, len(es), strings.Join(urls, "\n"))
	}
	return es[0]
}

func header(hs []har.NameValue, name string) []string {
	var out []string
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			out = append(out, h.Value)
		}
	}
	return out
}

func TestHARRecordsARedirectChainAsOneEntryPerHop(t *testing.T) {
	h := buildFixture(t, "redirects.jsonl")
	hops := []struct {
		url, redirect string
		status        int
		text          string
		xhop          string
	}{
		{"http://a.test:8080/r301", "/r302", 301, "Moved Permanently", ""},
		{"http://a.test:8080/r302", "/r307", 302, "Found", "2"},
		{"http://a.test:8080/r307", "/r308", 307, "Temporary Redirect", "3"},
		{"http://a.test:8080/r308", "/final", 308, "Permanent Redirect", "4"},
		{"http://a.test:8080/final", "", 200, "OK", "5"},
	}
	for i, want := range hops {
		e := h.Log.Entries[i]
		if e.Request.URL != want.url || e.Response.Status != want.status || e.Response.StatusText != want.text || e.Response.RedirectURL != want.redirect {
			t.Errorf("hop %d: got %s %d %q redirect %q, want %s %d %q redirect %q", i, e.Request.URL, e.Response.Status, e.Response.StatusText, e.Response.RedirectURL, want.url, want.status, want.text, want.redirect)
		}
		// Raw request headers come from the ExtraInfo of the same hop, even
		// where the ExtraInfo arrived before requestWillBeSent.
		if got := strings.Join(header(e.Request.Headers, "X-Hop"), ","); got != want.xhop {
			t.Errorf("hop %d (%s): X-Hop %q, want %q (ExtraInfo paired with the wrong hop)", i, want.url, got, want.xhop)
		}
		if e.Pageref != "page_1" || e.ResourceType != "document" || e.Target != "page" {
			t.Errorf("hop %d: pageref %q type %q target %q", i, e.Pageref, e.ResourceType, e.Target)
		}
		if e.Response.HTTPVersion != "HTTP/1.1" {
			t.Errorf("hop %d: httpVersion %q", i, e.Response.HTTPVersion)
		}
	}
	first := h.Log.Entries[0]
	if got := header(first.Request.Headers, "Cookie"); len(got) != 1 || got[0] != "sid=abc; theme=dark" {
		t.Errorf("first hop raw Cookie header = %v", got)
	}
	if len(first.Request.Cookies) != 2 || first.Request.Cookies[0].Name != "sid" || first.Request.Cookies[1].Value != "dark" {
		t.Errorf("request cookies = %+v", first.Request.Cookies)
	}
	// Set-Cookie joined with \n in CDP: one header and one cookie each.
	if got := header(first.Response.Headers, "Set-Cookie"); len(got) != 2 {
		t.Errorf("Set-Cookie headers = %v, want 2", got)
	}
	if c := first.Response.Cookies; len(c) != 2 || !c[0].HTTPOnly || c[1].Path != "/x" || c[1].SameSite != "Lax" {
		t.Errorf("response cookies = %+v", c)
	}
	if first.Response.HeadersSize <= 0 || first.Response.TransferSize != 180 || first.ServerIPAddress != "127.0.0.1" || first.Connection != "8080" || first.ConnectionID != "11" {
		t.Errorf("first hop sizes/ip/conn: headersSize %d transfer %d ip %q conn %q", first.Response.HeadersSize, first.Response.TransferSize, first.ServerIPAddress, first.Connection)
	}
	// DevTools timings: queueing 1 ms, dns 0.2, connect 0.6+, blocked includes the stall.
	tm := first.Timings
	if tm.BlockedQueueing != 1 || tm.DNS != 0.2 || tm.Connect != 0.8 || tm.Send != 0.3 || tm.SSL != -1 {
		t.Errorf("first hop timings = %+v", tm)
	}
	final := h.Log.Entries[4]
	if final.Response.Content.Text != "<html><title>Final</title><p>ok</p></html>" || final.Response.Content.Size != 42 || final.Response.Content.MimeType != "text/html" {
		t.Errorf("final body = %q size %d mime %q", final.Response.Content.Text, final.Response.Content.Size, final.Response.Content.MimeType)
	}
	var initiator bytes.Buffer
	json.Compact(&initiator, final.Initiator)
	if final.Priority != "VeryHigh" || initiator.String() != `{"type":"other"}` {
		t.Errorf("final priority %q initiator %s", final.Priority, final.Initiator)
	}
	if len(h.Log.Pages) != 1 || h.Log.Pages[0].Title != "Final" || h.Log.Pages[0].PageTimings.OnContentLoad != 150 || h.Log.Pages[0].PageTimings.OnLoad != 200 {
		t.Errorf("pages = %+v", h.Log.Pages)
	}
	if h.Log.Pages[0].StartedDateTime != "2025-11-26T19:00:00.000Z" {
		t.Errorf("page start %s", h.Log.Pages[0].StartedDateTime)
	}
}

func TestHARRecordsAPostRedirectedBy303AsPostThenGet(t *testing.T) {
	h := buildFixture(t, "redirects.jsonl")
	post := entry(t, h, "http://a.test:8080/form")
	get := entry(t, h, "http://a.test:8080/done")
	if post.Request.Method != "POST" || post.Response.Status != 303 || post.Response.RedirectURL != "/done" {
		t.Errorf("POST hop: %s %d %q", post.Request.Method, post.Response.Status, post.Response.RedirectURL)
	}
	if get.Request.Method != "GET" || get.Response.Status != 200 || get.Request.PostData != nil {
		t.Errorf("GET hop: %s %d postData %+v", get.Request.Method, get.Response.Status, get.Request.PostData)
	}
	// ExtraInfo for this chain all came after the events: still paired in order.
	if header(post.Request.Headers, "X-Hop")[0] != "post" || header(get.Request.Headers, "X-Hop")[0] != "get" {
		t.Errorf("ExtraInfo pairing: post %v get %v", post.Request.Headers, get.Request.Headers)
	}
	if got := header(get.Response.Headers, "X-Request-Id"); len(got) != 1 || got[0] != "req_123" {
		t.Errorf("raw response headers of the final hop: %v", get.Response.Headers)
	}
	pd := post.Request.PostData
	if pd == nil || pd.Text != "name=J%C3%BCrgen&q=a+b" || pd.MimeType != "application/x-www-form-urlencoded" || post.Request.BodySize != 22 {
		t.Fatalf("urlencoded post data = %+v (bodySize %d)", pd, post.Request.BodySize)
	}
	if len(pd.Params) != 2 || pd.Params[0].Value != "Jürgen" || pd.Params[1].Value != "a b" {
		t.Errorf("params = %+v", pd.Params)
	}
	if get.Response.Content.Text != "eyJvayI6dHJ1ZX0=" || get.Response.Content.Encoding != "base64" || get.Response.Content.Size != 11 {
		t.Errorf("base64 body = %+v", get.Response.Content)
	}
	// Entries are sorted by start time.
	for i := 1; i < len(h.Log.Entries); i++ {
		if h.Log.Entries[i].StartedDateTime < h.Log.Entries[i-1].StartedDateTime {
			t.Errorf("entry %d starts before entry %d", i, i-1)
		}
	}
}

func TestHARReportsARevalidationAs304AndCacheHitsAsFromCache(t *testing.T) {
	h := buildFixture(t, "cache.jsonl")
	reval := entry(t, h, "http://a.test/etag.js")
	if reval.Response.Status != 304 || reval.Response.StatusText != "Not Modified" || reval.Response.BodySize != 0 || reval.FromCache != "" {
		t.Errorf("revalidation: status %d %q bodySize %d fromCache %q", reval.Response.Status, reval.Response.StatusText, reval.Response.BodySize, reval.FromCache)
	}
	mem := entry(t, h, "http://a.test/logo.png")
	if mem.FromCache != "memory" || mem.Response.Status != 200 || mem.Response.BodySize != 0 || mem.Response.Content.Size != 68 {
		t.Errorf("memory hit: fromCache %q status %d bodySize %d size %d", mem.FromCache, mem.Response.Status, mem.Response.BodySize, mem.Response.Content.Size)
	}
	if mem.Response.Content.Text != "" {
		t.Errorf("a failed getResponseBody must leave no text, got %q", mem.Response.Content.Text)
	}
	// DevTools writes `_transferSize: 0` for a memory hit (no bytes moved);
	// the field must not be dropped as empty.
	if raw, _ := json.Marshal(mem); mem.TransferSize != 0 || !strings.Contains(string(raw), `"_transferSize":0`) {
		t.Errorf("memory hit: _transferSize %d, written as %s", mem.TransferSize, raw)
	}
	disk := entry(t, h, "http://a.test/style.css")
	if disk.FromCache != "disk" || disk.Response.Content.Text != "body{color:#123456}\n" || disk.ConnectionID != "" {
		t.Errorf("disk hit: fromCache %q text %q connection id %q", disk.FromCache, disk.Response.Content.Text, disk.ConnectionID)
	}
}

func TestHARKeepsPreflightsAndCORSFailures(t *testing.T) {
	h := buildFixture(t, "cors.jsonl")
	pre := entries(h, "http://b.test/api/put")
	if len(pre) != 2 {
		t.Fatalf("want the PUT and its preflight, got %d entries", len(pre))
	}
	var opt, put har.Entry
	for _, e := range pre {
		if e.Request.Method == "OPTIONS" {
			opt = e
		} else {
			put = e
		}
	}
	if opt.ResourceType != "preflight" || opt.Response.Status != 204 || !strings.Contains(string(opt.Initiator), `"preflight"`) {
		t.Errorf("preflight entry: type %q status %d initiator %s", opt.ResourceType, opt.Response.Status, opt.Initiator)
	}
	if put.Request.PostData == nil || put.Request.PostData.Text != `{"x":1}` {
		t.Errorf("PUT body = %+v", put.Request.PostData)
	}
	// A preflight Chrome reported only through ExtraInfo still becomes an
	// entry, with the URL of the request it was for.
	del := entries(h, "http://b.test/api/del?id=7")
	if len(del) != 2 {
		t.Fatalf("want DELETE and its ExtraInfo-only preflight, got %d", len(del))
	}
	var dopt, ddel har.Entry
	for _, e := range del {
		if e.Request.Method == "OPTIONS" {
			dopt = e
		} else {
			ddel = e
		}
	}
	if dopt.Request.Method != "OPTIONS" || dopt.Response.Status != 200 || dopt.ResourceType != "preflight" || dopt.RequestID != "9.3" {
		t.Errorf("ExtraInfo-only preflight: %s %d %q id %q", dopt.Request.Method, dopt.Response.Status, dopt.ResourceType, dopt.RequestID)
	}
	if ddel.Response.Status != 0 || ddel.Error != "net::ERR_FAILED" || ddel.Response.Error != "net::ERR_FAILED" || ddel.CorsError != "PreflightMissingAllowOriginHeader" {
		t.Errorf("failed DELETE: status %d error %q corsError %q", ddel.Response.Status, ddel.Error, ddel.CorsError)
	}
	if ddel.Request.QueryString[0].Name != "id" || ddel.Request.QueryString[0].Value != "7" {
		t.Errorf("queryString = %+v", ddel.Request.QueryString)
	}
	// A response blocked by CORS: status 0, but the raw headers are kept.
	get := entry(t, h, "http://b.test/api/get")
	if get.Response.Status != 0 || get.CorsError != "MissingAllowOriginHeader" || len(header(get.Response.Headers, "Set-Cookie")) != 1 || get.Response.Comment == "" {
		t.Errorf("CORS-blocked GET: status %d cors %q headers %v comment %q", get.Response.Status, get.CorsError, get.Response.Headers, get.Response.Comment)
	}
}

func TestHARKeepsAbortedRefusedAndBlockedRequests(t *testing.T) {
	h := buildFixture(t, "failures.jsonl")
	cases := []struct{ url, err, blocked string }{
		{"http://a.test/slow", "net::ERR_ABORTED", ""},
		{"http://127.0.0.1:1/refused", "net::ERR_CONNECTION_REFUSED", ""},
		{"http://tracker.test/px.gif", "net::ERR_BLOCKED_BY_CLIENT", "inspector"},
	}
	for _, c := range cases {
		e := entry(t, h, c.url)
		if e.Response.Status != 0 || e.Error != c.err || e.BlockedReason != c.blocked || e.Incomplete {
			t.Errorf("%s: status %d error %q blocked %q incomplete %v", c.url, e.Response.Status, e.Error, e.BlockedReason, e.Incomplete)
		}
		if e.Response.Content.MimeType != "x-unknown" || e.Response.HeadersSize != -1 {
			t.Errorf("%s: content %+v headersSize %d", c.url, e.Response.Content, e.Response.HeadersSize)
		}
		if e.Time < 0 || e.Timings.Blocked < 0 {
			t.Errorf("%s: time %v timings %+v", c.url, e.Time, e.Timings)
		}
	}
	fail := entry(t, h, "http://a.test/api/fail")
	if fail.Response.Status != 500 || fail.Response.Content.Text != `{"error":"boom"}` || fail.Response.HTTPVersion != "http/1.1" {
		t.Errorf("500 entry: %d %q %q", fail.Response.Status, fail.Response.Content.Text, fail.Response.HTTPVersion)
	}
}

func TestHARRecordsWebSocketFramesAndClose(t *testing.T) {
	h := buildFixture(t, "websocket.jsonl")
	ws := entry(t, h, "ws://a.test/socket?room=1")
	if ws.ResourceType != "websocket" || ws.Response.Status != 101 || ws.Request.Method != "GET" {
		t.Errorf("socket entry: type %q status %d method %q", ws.ResourceType, ws.Response.Status, ws.Request.Method)
	}
	want := []har.WebSocketMessage{
		{Type: "send", Time: 1764183600.2, Opcode: 1, Data: `{"type":"hello","token":"secret"}`},
		{Type: "receive", Time: 1764183600.3, Opcode: 1, Data: `{"type":"welcome"}`},
		{Type: "receive", Time: 1764183600.4, Opcode: 2, Data: "AAECA/8="},
		{Type: "send", Time: 1764183600.5, Opcode: 2, Data: "3q2+7w=="},
	}
	if len(ws.WebSocketMessages) != len(want) {
		t.Fatalf("messages = %+v", ws.WebSocketMessages)
	}
	for i, w := range want {
		g := ws.WebSocketMessages[i]
		if g.Type != w.Type || g.Opcode != w.Opcode || g.Data != w.Data || g.Time-w.Time > 0.0005 || w.Time-g.Time > 0.0005 {
			t.Errorf("message %d = %+v, want %+v", i, g, w)
		}
	}
	if ws.WebSocketClose == nil || !ws.WebSocketClose.Closed || ws.WebSocketClose.Error != "" || ws.Incomplete {
		t.Errorf("close = %+v incomplete %v", ws.WebSocketClose, ws.Incomplete)
	}
	if got := header(ws.Request.Headers, "Sec-WebSocket-Key"); len(got) != 1 {
		t.Errorf("handshake request headers = %v", ws.Request.Headers)
	}
	bad := entry(t, h, "ws://a.test/broken")
	if bad.WebSocketClose == nil || !strings.Contains(bad.WebSocketClose.Error, "404") {
		t.Errorf("broken socket close = %+v", bad.WebSocketClose)
	}
	if len(bad.WebSocketMessages) != 1 || bad.WebSocketMessages[0].Type != "error" || bad.WebSocketMessages[0].Opcode != -1 {
		t.Errorf("broken socket messages = %+v", bad.WebSocketMessages)
	}
}

func TestHARRecordsServerSentEventsAndMarksRequestsInFlight(t *testing.T) {
	h := buildFixture(t, "sse.jsonl")
	es := entry(t, h, "http://a.test/events")
	if es.ResourceType != "eventsource" || len(es.EventSourceMessages) != 2 {
		t.Fatalf("SSE entry: type %q messages %+v", es.ResourceType, es.EventSourceMessages)
	}
	m := es.EventSourceMessages[1]
	if m.EventName != "tick" || m.EventID != "2" || m.Data != `{"n":2}` || m.Time < 1764183600.29 || m.Time > 1764183600.31 {
		t.Errorf("second event = %+v", m)
	}
	// The stream never finished: written with what is known, marked.
	if !es.Incomplete || es.Response.Status != 200 || es.Response.Content.Size != 50 {
		t.Errorf("open stream: incomplete %v status %d size %d", es.Incomplete, es.Response.Status, es.Response.Content.Size)
	}
	if es.Timings.Receive < 800 {
		t.Errorf("open stream receive time %v ms, want it to run to the last data", es.Timings.Receive)
	}
	pending := entry(t, h, "http://a.test/stream")
	if !pending.Incomplete || pending.Response.Status != 0 || pending.Error != "" {
		t.Errorf("pending request: incomplete %v status %d error %q", pending.Incomplete, pending.Response.Status, pending.Error)
	}
}

func TestHARKeepsMultipartBinaryAndFetchedPostBodies(t *testing.T) {
	h := buildFixture(t, "posts.jsonl")
	up := entry(t, h, "http://a.test/upload")
	pd := up.Request.PostData
	if pd == nil {
		t.Fatal("multipart upload has no postData")
	}
	// The file part is not UTF-8: the whole body is base64, exact bytes.
	raw, err := base64.StdEncoding.DecodeString(pd.Text)
	if pd.Encoding != "base64" || err != nil || !bytes.Contains(raw, []byte("\x00\x01\xff\xfe")) || int64(len(raw)) != up.Request.BodySize {
		t.Errorf("multipart body: encoding %q err %v bodySize %d len %d", pd.Encoding, err, up.Request.BodySize, len(raw))
	}
	if len(pd.Params) != 2 || pd.Params[0].Name != "title" || pd.Params[0].Value != "hello world" ||
		pd.Params[1].FileName != "a.bin" || pd.Params[1].ContentType != "application/octet-stream" || pd.Params[1].Value != "" {
		t.Errorf("multipart params = %+v", pd.Params)
	}
	bin := entry(t, h, "http://a.test/blob")
	if raw, _ := base64.StdEncoding.DecodeString(bin.Request.PostData.Text); bin.Request.PostData.Encoding != "base64" || string(raw) != "\x89PNG\r\n\x1a\n\x00\xff\xfe" {
		t.Errorf("binary post = %+v", bin.Request.PostData)
	}
	chat := entry(t, h, "http://a.test/api/chat?stream=1")
	if chat.Request.PostData == nil || chat.Request.PostData.Text != `{"message":"hi é","n":1}` || chat.Request.BodySize != 25 {
		t.Errorf("post data from getRequestPostData = %+v bodySize %d", chat.Request.PostData, chat.Request.BodySize)
	}
	if chat.Request.HTTPVersion != "http/2.0" || chat.Response.BodySize != -1 {
		t.Errorf("h2 entry: httpVersion %q bodySize %d", chat.Request.HTTPVersion, chat.Response.BodySize)
	}
	missing := entry(t, h, "http://a.test/api/big")
	if missing.Request.PostData != nil || missing.Request.Comment == "" {
		t.Errorf("a body the log lacks must be said so: %+v", missing.Request)
	}
}

func TestHARRecordsEveryTargetWithPagesForTabAndPopup(t *testing.T) {
	h := buildFixture(t, "oopif.jsonl")
	if len(h.Log.Pages) != 3 {
		t.Fatalf("pages = %+v, want tab, popup, tab again", h.Log.Pages)
	}
	p := h.Log.Pages
	if p[0].Title != "https://a.test/" || p[1].Title != "Sign in" || p[2].Title != "Next page" {
		t.Errorf("page titles = %q %q %q", p[0].Title, p[1].Title, p[2].Title)
	}
	if p[0].PageTimings.OnLoad != 300 || p[0].PageTimings.OnContentLoad != 250 || p[1].PageTimings.OnLoad != 90 || p[2].PageTimings.OnLoad != -1 {
		t.Errorf("page timings = %+v %+v %+v", p[0].PageTimings, p[1].PageTimings, p[2].PageTimings)
	}
	// Each page names the tab it loaded in (dom.json's tabs are named
	// by the same target ids).
	if p[0].TargetID != "T1" || p[1].TargetID != "T9" || p[2].TargetID != "T1" {
		t.Errorf("page targets = %q %q %q, want T1 T9 T1", p[0].TargetID, p[1].TargetID, p[2].TargetID)
	}
	cases := []struct{ url, target, page string }{
		{"https://a.test/", "page", "page_1"},
		{"https://b.test/frame", "iframe", "page_1"}, // reported by the tab's session
		{"https://b.test/frame.js", "iframe", "page_1"},
		{"https://a.test/api/from-worker", "worker", "page_1"},
		{"https://sso.test/login", "popup", "page_2"},
		{"https://a.test/next", "page", "page_3"},
	}
	for _, c := range cases {
		e := entry(t, h, c.url)
		if e.Target != c.target || e.Pageref != c.page || e.Incomplete || e.Response.Status != 200 {
			t.Errorf("%s: target %q page %q incomplete %v status %d; want %q %q", c.url, e.Target, e.Pageref, e.Incomplete, e.Response.Status, c.target, c.page)
		}
	}
	// The OOPIF's document: requestWillBeSent in the parent session,
	// response in the child's; one entry, complete.
	fr := entry(t, h, "https://b.test/frame")
	if fr.Response.HTTPVersion != "http/2.0" || fr.ServerIPAddress != "::1" || fr.Timings.SSL != 3 || fr.Timings.Connect != 5 {
		t.Errorf("frame document: %q ip %q timings %+v", fr.Response.HTTPVersion, fr.ServerIPAddress, fr.Timings)
	}
}

func TestHARConvertsAnEventsOnlyArrayFromOtherTools(t *testing.T) {
	h := buildFixture(t, "events_only.json")
	if len(h.Log.Entries) != 3 || len(h.Log.Pages) != 2 {
		t.Fatalf("entries %d pages %d", len(h.Log.Entries), len(h.Log.Pages))
	}
	js := entry(t, h, "http://x.test/app.js")
	if js.Pageref != "page_1" || js.Response.Content.Size != 1234 || js.Response.Content.Text != "" || js.StartedDateTime != "2023-11-14T22:13:20.150Z" {
		t.Errorf("script: page %q size %d text %q start %s", js.Pageref, js.Response.Content.Size, js.Response.Content.Text, js.StartedDateTime)
	}
	two := entry(t, h, "http://x.test/two")
	if two.Pageref != "page_2" || two.Response.Status != 404 {
		t.Errorf("second document: page %q status %d", two.Pageref, two.Response.Status)
	}
}

func TestHARReadsBodiesFromBodyFilesNextToTheLog(t *testing.T) {
	h := buildFixture(t, "bodyfile.jsonl")
	img := entry(t, h, "http://a.test/img.bin")
	raw, err := base64.StdEncoding.DecodeString(img.Response.Content.Text)
	want, _ := os.ReadFile("testdata/bodies/1")
	if err != nil || !bytes.Equal(raw, want) || img.Response.Content.Encoding != "base64" {
		t.Errorf("binary body file: encoding %q err %v equal %v", img.Response.Content.Encoding, err, bytes.Equal(raw, want))
	}
	txt := entry(t, h, "http://a.test/big.txt")
	want, _ = os.ReadFile("testdata/bodies/2")
	if txt.Response.Content.Text != string(want) || txt.Response.Content.Encoding != "" || txt.Response.Content.Size != int64(len(want)) {
		t.Errorf("text body file: size %d encoding %q", txt.Response.Content.Size, txt.Response.Content.Encoding)
	}
	lat := entry(t, h, "http://a.test/latin1.txt")
	if raw, _ := base64.StdEncoding.DecodeString(lat.Response.Content.Text); lat.Response.Content.Encoding != "base64" || string(raw) != "latin1 \xe9t\xe9" {
		t.Errorf("non-UTF-8 text body must be base64: %+v", lat.Response.Content)
	}
	evil := entry(t, h, "http://a.test/evil")
	if evil.Response.Content.Text != "" {
		t.Errorf("a body file outside the log's directory was read: %q", evil.Response.Content.Text)
	}
}

func TestHARReportsMalformedLogsWithLineAndColumn(t *testing.T) {
	cases := []struct {
		name, log  string
		line, col  int
		mentioning string
	}{
		{"broken line", "{\"method\":\"Network.dataReceived\",\"params\":{}}\n{\"method\":\"x\",\"params\":{]}\n", 2, 25, ""},
		{"not an object", "{\"method\":\"a\"}\n42\n", 2, 1, "expected a JSON object"},
		{"cut off", "{\"method\":\"a\"}\n{\"method\":\"b\",\"par", 2, 19, "unexpected EOF"},
		{"wrong type", "{\"method\":\"Network.requestWillBeSent\",\"params\":{\"requestId\":\"1\",\"timestamp\":\"soon\"}}\n", 1, 1, "timestamp"},
		{"array not closed", "[{\"method\":\"a\"},\n{\"method\":\"b\"}", 2, 15, "unexpected EOF"},
		{"text", "hello", 1, 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := BuildHAR(strings.NewReader(c.log), &out, BuildOptions{TempDir: t.TempDir()})
			var se *LogSyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("want a *LogSyntaxError, got %v", err)
			}
			if se.Line != c.line || se.Column != c.col || !strings.Contains(se.Error(), c.mentioning) {
				t.Errorf("got %q (line %d col %d), want line %d col %d mentioning %q", se.Error(), se.Line, se.Column, c.line, c.col, c.mentioning)
			}
		})
	}
}

func TestHARConvertsAnEmptyLogToAnEmptyHAR(t *testing.T) {
	for _, log := range []string{"", "[]", "\n\n", "\xEF\xBB\xBF[]"} {
		var out bytes.Buffer
		if err := BuildHAR(strings.NewReader(log), &out, BuildOptions{}); err != nil {
			t.Fatalf("%q: %v", log, err)
		}
		var h har.HAR
		if err := json.Unmarshal(out.Bytes(), &h); err != nil || h.Log.Version != "1.2" || h.Log.Entries == nil || h.Log.Pages == nil {
			t.Errorf("%q: %v %+v", log, err, h.Log)
		}
	}
}

func TestHARStreamsBodiesFromAPipeThroughTheSpillFile(t *testing.T) {
	// A pipe cannot be read back: large bodies go through the spill file,
	// which is removed at the end.
	big := strings.Repeat("x", 200<<10)
	log := `{"method":"Network.requestWillBeSent","params":{"requestId":"1","request":{"url":"http://a.test/big","method":"GET","headers":{}},"timestamp":1,"wallTime":1700000000,"type":"Fetch"}}
{"method":"Network.responseReceived","params":{"requestId":"1","timestamp":1.1,"response":{"status":200,"mimeType":"text/plain","headers":{}}}}
{"method":"Network.loadingFinished","params":{"requestId":"1","timestamp":1.2,"encodedDataLength":1}}
{"method":"Network.getResponseBody","params":{"requestId":"1"},"result":{"body":"` + big + `","base64Encoded":false}}
`
	tmp := t.TempDir()
	var out bytes.Buffer
	if err := BuildHAR(io.MultiReader(strings.NewReader(log)), &out, BuildOptions{TempDir: tmp}); err != nil {
		t.Fatal(err)
	}
	var h har.HAR
	if err := json.Unmarshal(out.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	if got := h.Log.Entries[0].Response.Content.Text; got != big {
		t.Errorf("body of %d bytes came out as %d bytes", len(big), len(got))
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
		t.Errorf("spill files left behind: %v", left)
	}
}

func TestHARConvertsAChromeDriverPerformanceLog(t *testing.T) {
	// ChromeDriver's goog:loggingPrefs performance log wraps each event as a
	// JSON string inside {"message": …, "timestamp": ms}.
	inner := func(method, params string) string {
		b, _ := json.Marshal(`{"message":{"method":"` + method + `","params":` + params + `},"webview":"W1"}`)
		return `{"level":"INFO","message":` + string(b) + `,"timestamp":1700000000000}`
	}
	log := "[" + strings.Join([]string{
		inner("Network.requestWillBeSent", `{"requestId":"1","loaderId":"1","request":{"url":"http://x.test/","method":"GET","headers":{}},"timestamp":5,"wallTime":1700000000,"type":"Document","frameId":"M"}`),
		inner("Network.responseReceived", `{"requestId":"1","timestamp":5.1,"type":"Document","response":{"status":200,"statusText":"OK","mimeType":"text/html","headers":{"Content-Type":"text/html"}}}`),
		inner("Network.loadingFinished", `{"requestId":"1","timestamp":5.2,"encodedDataLength":10}`),
		`{"id":7,"result":{}}`,
	}, ",\n") + "]"
	var out bytes.Buffer
	if err := BuildHAR(strings.NewReader(log), &out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	var h har.HAR
	if err := json.Unmarshal(out.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Log.Entries) != 1 || h.Log.Entries[0].Response.Status != 200 || h.Log.Entries[0].Incomplete || len(h.Log.Pages) != 1 {
		t.Errorf("entries %+v pages %+v", h.Log.Entries, h.Log.Pages)
	}
}

func TestHARCountsBodySizesWithoutUnquoting(t *testing.T) {
	for _, body := range []string{"", "plain", "é and 😀 and \u2028", "quote \" backslash \\ slash / tab \t nul \x00", strings.Repeat("\U0001F600", 3)} {
		lit, _ := json.Marshal(body)
		// Also the \u escapes other writers use for non-ASCII.
		ascii := jsonASCII(body)
		for _, l := range [][]byte{lit, ascii} {
			if got := literalDecodedSize(l, false); got != int64(len(body)) {
				t.Errorf("%s: size %d, want %d", l, got, len(body))
			}
		}
		b64, _ := json.Marshal(base64.StdEncoding.EncodeToString([]byte(body)))
		if got := literalDecodedSize(b64, true); got != int64(len(body)) {
			t.Errorf("base64 %s: size %d, want %d", b64, got, len(body))
		}
	}
}

// jsonASCII quotes s as JSON with every non-ASCII rune as \u escapes.
func jsonASCII(s string) []byte {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString("\\" + string(r))
		case r < 0x20 || (r >= 0x80 && r <= 0xFFFF):
			fmt.Fprintf(&b, "\\u%04x", r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, "\\u%04x\\u%04x", r1, r2)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return []byte(b.String())
}

func TestHARListsOnlyPagesWithRequests(t *testing.T) {
	// The initial about:blank commits without a request; DevTools does not
	// list such a page, and neither do we.
	log := `{"time":1700000000,"method":"Page.frameNavigated","sessionId":"S","params":{"frame":{"id":"F","loaderId":"L0","url":"about:blank"}}}
{"time":1700000001,"method":"Network.requestWillBeSent","sessionId":"S","params":{"requestId":"L1","loaderId":"L1","request":{"url":"http://a.test/","method":"GET","headers":{}},"timestamp":10,"wallTime":1700000001,"type":"Document","frameId":"F"}}
{"time":1700000001.1,"method":"Page.frameNavigated","sessionId":"S","params":{"frame":{"id":"F","loaderId":"L1","url":"http://a.test/"}}}
`
	var out bytes.Buffer
	if err := BuildHAR(strings.NewReader(log), &out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	var h har.HAR
	json.Unmarshal(out.Bytes(), &h)
	if len(h.Log.Pages) != 1 || h.Log.Pages[0].ID != "page_1" || h.Log.Pages[0].Title != "http://a.test/" || h.Log.Entries[0].Pageref != "page_1" {
		t.Errorf("pages %+v, entry pageref %q", h.Log.Pages, h.Log.Entries[0].Pageref)
	}
}

func TestHARCopiesLargeBodiesStraightFromTheLogFile(t *testing.T) {
	// A large body is not kept in memory: its place in the log file is
	// remembered and copied into the HAR. The file may be opened at an
	// offset (here after a prefix the caller skipped).
	text := strings.Repeat(`chunk "quoted" é `, 5000)
	bin := bytes.Repeat([]byte{0, 1, 2, 0xff}, 20000)
	lit, _ := json.Marshal(text)
	log := `{"method":"Network.requestWillBeSent","params":{"requestId":"1","request":{"url":"http://a.test/t","method":"GET","headers":{}},"timestamp":1,"wallTime":1700000000,"type":"Fetch"}}
{"method":"Network.requestWillBeSent","params":{"requestId":"2","request":{"url":"http://a.test/b","method":"GET","headers":{}},"timestamp":1,"wallTime":1700000000,"type":"Fetch"}}
{"method":"Network.getResponseBody","params":{"requestId":"1"},"result":{"base64Encoded":false,"body":` + string(lit) + `}}
{"method":"Network.getResponseBody","params":{"requestId":"2"},"result":{"body":"` + base64.StdEncoding.EncodeToString(bin) + `","base64Encoded":true}}
`
	path := filepath.Join(t.TempDir(), "events.jsonl")
	prefix := "skipped by the caller\n"
	if err := os.WriteFile(path, []byte(prefix+log), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Seek(int64(len(prefix)), io.SeekStart)
	var out bytes.Buffer
	b := newHARBuilder(BuildOptions{TempDir: t.TempDir()})
	b.blobs.src = f
	if err := b.read(f, int64(len(prefix))); err != nil {
		t.Fatal(err)
	}
	for _, bl := range b.blobs.blobs {
		if bl.where != inSource {
			t.Errorf("a large body was copied (where %d), not referenced in the log", bl.where)
		}
	}
	if err := b.write(&out); err != nil {
		t.Fatal(err)
	}
	b.close()
	var h har.HAR
	if err := json.Unmarshal(out.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	tc := entry(t, &h, "http://a.test/t").Response.Content
	if tc.Text != text || tc.Size != int64(len(text)) {
		t.Errorf("text body: %d bytes, size %d; want %d", len(tc.Text), tc.Size, len(text))
	}
	bc := entry(t, &h, "http://a.test/b").Response.Content
	if raw, _ := base64.StdEncoding.DecodeString(bc.Text); !bytes.Equal(raw, bin) || bc.Encoding != "base64" || bc.Size != int64(len(bin)) {
		t.Errorf("binary body: %d bytes, size %d, encoding %q", len(raw), bc.Size, bc.Encoding)
	}
	// BuildHAR itself finds the file's position.
	f.Seek(int64(len(prefix)), io.SeekStart)
	var again bytes.Buffer
	if err := BuildHAR(f, &again, BuildOptions{TempDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), out.Bytes()) {
		t.Error("BuildHAR on the seeked file differs from the direct build")
	}
}

// failed_navigation.jsonl is a real Chromium 156 recording of a page whose
// server refused the connection: Chrome reports loadingFailed, then loads
// its own error page under the same request id (loadingFinished and a
// 250 KB body), then auto-reloads and aborts.
func TestHARKeepsARefusedNavigationFailedWithoutChromesErrorPage(t *testing.T) {
	h := buildFixture(t, "failed_navigation.jsonl")
	es := entries(h, "http://127.0.0.1:39999/")
	if len(es) == 0 {
		t.Fatalf("the refused navigation is not an entry")
	}
	for i, e := range es {
		if e.Response.Status != 0 || e.Error != "net::ERR_CONNECTION_REFUSED" || e.Incomplete {
			t.Errorf("attempt %d: status %d error %q incomplete %v, want 0 net::ERR_CONNECTION_REFUSED", i, e.Response.Status, e.Error, e.Incomplete)
		}
		if e.Response.Content.Text != "" || e.Response.Content.Size != 0 || e.Response.TransferSize != 0 || e.Response.BodySize != -1 {
			t.Errorf("attempt %d: a failed request carries a body: text %d chars, size %d, transfer %d, bodySize %d",
				i, len(e.Response.Content.Text), e.Response.Content.Size, e.Response.TransferSize, e.Response.BodySize)
		}
	}
	for _, e := range h.Log.Entries {
		if strings.HasPrefix(e.Request.URL, "data:") {
			t.Errorf("an image of Chrome's error page is an entry: %.60s", e.Request.URL)
		}
	}
}

func TestHARSizesAreNeverNegative(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	live, _ := filepath.Glob(filepath.Join("testdata", "live", "*.jsonl"))
	for _, f := range append(files, live...) {
		rel, _ := filepath.Rel("testdata", f)
		h := buildFixture(t, rel)
		for _, e := range h.Log.Entries {
			r := e.Response
			if r.BodySize < -1 || r.HeadersSize < -1 || r.TransferSize < 0 || e.Request.BodySize < -1 || e.Request.HeadersSize < -1 {
				t.Errorf("%s: %s %s: response bodySize %d headersSize %d _transferSize %d, request bodySize %d headersSize %d (HAR 1.2: a size or -1)",
					rel, e.Request.Method, e.Request.URL, r.BodySize, r.HeadersSize, r.TransferSize, e.Request.BodySize, e.Request.HeadersSize)
			}
		}
	}
}

// buildString converts an inline log.
func buildString(t *testing.T, log string) *har.HAR {
	t.Helper()
	var out bytes.Buffer
	if err := BuildHAR(strings.NewReader(log), &out, BuildOptions{TempDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	var h har.HAR
	if err := json.Unmarshal(out.Bytes(), &h); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	return &h
}

func TestHARCarriesTheWebSocketCloseCodeThePageSaw(t *testing.T) {
	h := buildString(t, `{"time":1,"method":"Network.webSocketCreated","sessionId":"T","params":{"requestId":"w1","url":"ws://a.test/ws"}}
{"time":1,"method":"Network.webSocketCreated","sessionId":"T","params":{"requestId":"w2","url":"ws://a.test/ws?close=abnormal"}}
{"time":1.1,"method":"Network.webSocketFrameReceived","sessionId":"T","params":{"requestId":"w1","timestamp":1.1,"response":{"opcode":1,"mask":false,"payloadData":"hello"}}}
{"time":1.2,"method":"Network.webSocketClosed","sessionId":"T","params":{"requestId":"w1","timestamp":1.2}}
{"time":1.3,"method":"Network.webSocketClosed","sessionId":"T","params":{"requestId":"w2","timestamp":1.3}}
{"time":1.21,"method":"Reprokit.webSocketClose","sessionId":"T","params":{"url":"ws://a.test/ws","code":1000,"reason":"bye","wasClean":true,"time":1.21}}
{"time":1.31,"method":"Reprokit.webSocketClose","sessionId":"T","params":{"url":"ws://a.test/ws?close=abnormal","code":1006,"reason":"","wasClean":false,"time":1.31}}
`)
	normal := entry(t, h, "ws://a.test/ws")
	if c := normal.WebSocketClose; c == nil || c.Code != 1000 || c.Reason != "bye" || c.Error != "" || !c.Closed {
		t.Errorf("normal close = %+v", c)
	}
	abnormal := entry(t, h, "ws://a.test/ws?close=abnormal")
	if c := abnormal.WebSocketClose; c == nil || c.Code != 1006 || !strings.Contains(c.Error, "1006") {
		t.Errorf("abnormal close = %+v, want code 1006 with an error", c)
	}
}

func TestHARKeepsTheNetErrorNextToABlockedReason(t *testing.T) {
	h := buildString(t, `{"time":1,"method":"Network.requestWillBeSent","sessionId":"T","params":{"requestId":"1","loaderId":"L","request":{"url":"http://tracker.test/px.gif","method":"GET","headers":{}},"timestamp":1,"wallTime":1700000000,"type":"Image"}}
{"time":1.1,"method":"Network.loadingFailed","sessionId":"T","params":{"requestId":"1","timestamp":1.1,"type":"Image","errorText":"","canceled":false,"blockedReason":"inspector"}}
`)
	e := entry(t, h, "http://tracker.test/px.gif")
	if e.BlockedReason != "inspector" || e.Error != "net::ERR_BLOCKED_BY_CLIENT" {
		t.Errorf("blocked request: _blockedReason %q _error %q", e.BlockedReason, e.Error)
	}
}

// An app that checks only r.ok never reads the body: Chrome reports
// loadingFinished when the response is garbage-collected (here 10.4 s
// later) or never. The entry ends when its last byte arrived, and a log
// written before this rule (no new records) gives the same entries.
func TestHAREndsAnUnreadResponseWhenItsLastByteArrived(t *testing.T) {
	h := buildFixture(t, "unread.jsonl")

	e := entry(t, h, "http://a.test/upload")
	if e.Response.Status != 413 || !strings.Contains(e.Response.Content.Text, "body too large") {
		t.Errorf("413: status %d, body %q; want the error body", e.Response.Status, e.Response.Content.Text)
	}
	if e.Incomplete || e.Time > 5 || e.Time < 3 {
		t.Errorf("413 never finished by the page: time %.3f ms (incomplete %v), want 4 ms (its last byte) and complete", e.Time, e.Incomplete)
	}
	if e.Response.BodySize != 44 || !strings.Contains(e.Comment, "never read its body") {
		t.Errorf("413: bodySize %d comment %q", e.Response.BodySize, e.Comment)
	}

	e = entry(t, h, "http://a.test/ok")
	if e.Time > 6 || e.Timings.Receive > 3 {
		t.Errorf("200 finished at GC 10.4 s later: time %.3f ms, receive %.3f; want 5 ms (Content-Length reached)", e.Time, e.Timings.Receive)
	}
	if e.Response.Content.Text != `{"ok":true}` {
		t.Errorf("200 body %q", e.Response.Content.Text)
	}

	// No Content-Length: nothing says the body was complete before
	// loadingFinished, which stays the end.
	e = entry(t, h, "http://a.test/chunked")
	if e.Time < 2999 || e.Time > 3001 {
		t.Errorf("chunked response: time %.3f ms, want 3000 (its loadingFinished)", e.Time)
	}
}
