package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/har"
)

// chromium156-scenario.jsonl is a protocol log that the recorder wrote while
// Chromium 156 ran the test app's /scenario/all, its popup, an aborted
// fetch, a beacon, an abnormally closed websocket, the cache page twice and
// two endless streams: the real shapes, orders and sessions of CDP events.

func suffixEntries(h *har.HAR, method, suffix string) []har.Entry {
	var out []har.Entry
	for _, e := range h.Log.Entries {
		if e.Request.Method == method && strings.HasSuffix(e.Request.URL, suffix) {
			out = append(out, e)
		}
	}
	return out
}

func TestHARFromARealChromiumRecordingHasAnEntryPerRequest(t *testing.T) {
	h := buildFixture(t, "chromium156-scenario.jsonl")
	// Every hop the browser announced is an entry: one per
	// requestWillBeSent (redirects included) and one per websocket.
	f, err := os.Open("testdata/chromium156-scenario.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var m struct{ Method string }
		json.Unmarshal(sc.Bytes(), &m)
		if m.Method == "Network.requestWillBeSent" || m.Method == "Network.webSocketCreated" {
			want++
		}
	}
	if len(h.Log.Entries) != want {
		t.Errorf("%d entries, want %d (one per requestWillBeSent and websocket)", len(h.Log.Entries), want)
	}
	for _, e := range h.Log.Entries {
		if e.Pageref == "" || e.StartedDateTime < "2026-11-26T19:14:40" || e.Time < 0 {
			t.Errorf("%s %s: pageref %q start %s time %v", e.Request.Method, e.Request.URL, e.Pageref, e.StartedDateTime, e.Time)
		}
	}
}

func TestHARFromARealChromiumRecordingGetsTheEdgeCasesRight(t *testing.T) {
	h := buildFixture(t, "chromium156-scenario.jsonl")
	for _, hop := range []struct {
		path   string
		status int
	}{{"/redirect/301", 301}, {"/redirect/302", 302}, {"/redirect/307", 307}, {"/redirect/308", 308}, {"/redirect/final", 200}} {
		es := suffixEntries(h, "GET", hop.path)
		if len(es) != 1 || es[0].Response.Status != hop.status {
			t.Errorf("%s: %d entries, status %v", hop.path, len(es), es)
		}
	}
	if es := suffixEntries(h, "POST", "/form/submit"); len(es) != 1 || es[0].Response.Status != 303 || es[0].Request.PostData == nil || es[0].Request.PostData.Text != "name=Ada" {
		t.Errorf("POST 303: %+v", es)
	}
	etag := suffixEntries(h, "GET", "/etag/data.json")
	n304 := 0
	for _, e := range etag {
		if e.Response.Status == 304 {
			n304++
		}
	}
	if n304 < 2 {
		t.Errorf("want the revalidations reported as 304, got %d of %d", n304, len(etag))
	}
	if es := suffixEntries(h, "OPTIONS", "/api/cors"); len(es) != 1 || es[0].Response.Status != 204 || es[0].ResourceType != "preflight" {
		t.Errorf("preflight: %+v", es)
	}
	if es := suffixEntries(h, "GET", "/api/nocors"); len(es) != 1 || es[0].Response.Status != 0 || es[0].CorsError == "" || es[0].Error == "" {
		t.Errorf("CORS failure: %+v", es)
	}
	if es := suffixEntries(h, "GET", "/slow?ms=10000"); len(es) != 1 || es[0].Error != "net::ERR_ABORTED" {
		t.Errorf("aborted fetch: %+v", es)
	}
	mem := 0
	for _, e := range suffixEntries(h, "GET", "/cache/static.js") {
		if e.FromCache == "memory" {
			mem++
		}
	}
	if mem == 0 {
		t.Error("no memory-cache hit for /cache/static.js")
	}
	var ws *har.Entry
	for i, e := range h.Log.Entries {
		if strings.HasPrefix(e.Request.URL, "ws://") && strings.HasSuffix(e.Request.URL, "/ws") {
			ws = &h.Log.Entries[i]
		}
	}
	if ws == nil {
		t.Fatal("no websocket entry")
	}
	kinds := map[string]bool{}
	for _, m := range ws.WebSocketMessages {
		kinds[m.Type+string(rune('0'+m.Opcode))] = true
	}
	if !kinds["send1"] || !kinds["receive1"] || !kinds["send2"] || !kinds["receive2"] || ws.Response.Status != 101 {
		t.Errorf("websocket frames %v status %d", kinds, ws.Response.Status)
	}
	if es := suffixEntries(h, "GET", "/sse/endless"); len(es) != 1 || !es[0].Incomplete || len(es[0].EventSourceMessages) < 3 {
		t.Errorf("endless SSE: %d entries", len(es))
	}
	if es := suffixEntries(h, "GET", "/stream/endless"); len(es) != 1 || !es[0].Incomplete {
		t.Errorf("endless stream: %+v", es)
	}
	targets := map[string]string{"/api/worker-data": "worker", "/sw/sw.js": "service_worker", "/popup/child": "popup", "/api/popup-data": "popup"}
	for path, want := range targets {
		es := suffixEntries(h, "GET", path)
		if len(es) == 0 || es[0].Target != want {
			t.Errorf("%s: target %v, want %s", path, es, want)
		}
	}
	// The worker's request: ExtraInfo in the page's session before the
	// worker's own requestWillBeSent; still one entry, with raw headers.
	if es := suffixEntries(h, "GET", "/api/worker-data"); len(es) != 1 || len(header(es[0].Request.Headers, "Cookie")) != 1 {
		t.Errorf("worker request raw headers: %+v", es)
	}
	// Sent cookies come with their attributes from the ExtraInfo.
	if es := suffixEntries(h, "GET", "/api/worker-data"); len(es) == 1 {
		c := es[0].Request.Cookies
		if len(c) == 0 || c[0].Name != "rk_session" || !c[0].HTTPOnly || c[0].SameSite != "Lax" || c[0].Domain != "127.0.0.1" {
			t.Errorf("request cookies = %+v", c)
		}
	}
	// The page's fetch answered by the service worker.
	viaSW := 0
	for _, e := range suffixEntries(h, "GET", "/sw/cached.txt") {
		if e.FromServiceWorker && e.Response.FetchedViaServiceWorker && e.Timings.WorkerRespondWithSettled > 0 {
			viaSW++
		}
	}
	if viaSW != 1 {
		t.Errorf("%d /sw/cached.txt entries answered by the service worker, want 1", viaSW)
	}
	if len(h.Log.Pages) != 5 || h.Log.Pages[0].Title != "Reprokit test app: all scenarios" || h.Log.Pages[1].Title != "http://127.0.0.1:38831/popup/child" {
		t.Errorf("pages = %+v", h.Log.Pages)
	}
}

// TestHARFromEveryCommittedLiveRecordingKeepsItsInvariants runs the builder
// over the recorder's real logs in testdata/live (rewritten from a live
// browser with REPROKIT_UPDATE_LIVE=1), checking what must hold for any
// recording, whatever its content.
func TestHARFromEveryCommittedLiveRecordingKeepsItsInvariants(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "live", "*.jsonl"))
	if len(files) == 0 {
		t.Skip("no live recordings in testdata/live")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			h := buildFixture(t, filepath.Join("live", filepath.Base(f)))
			data, _ := os.ReadFile(f)
			hops := 0
			for _, line := range bytes.Split(data, []byte("\n")) {
				var m struct{ Method string }
				json.Unmarshal(line, &m)
				if m.Method == "Network.requestWillBeSent" || m.Method == "Network.webSocketCreated" {
					hops++
				}
			}
			if len(h.Log.Entries) < hops {
				t.Errorf("%d entries for %d requests and websockets: one was lost", len(h.Log.Entries), hops)
			}
			pages := map[string]bool{}
			for _, p := range h.Log.Pages {
				pages[p.ID] = true
			}
			prev := ""
			for _, e := range h.Log.Entries {
				id := e.Request.Method + " " + e.Request.URL
				if e.StartedDateTime < prev {
					t.Errorf("%s starts before the entry above it", id)
				}
				prev = e.StartedDateTime
				if len(pages) > 0 && !pages[e.Pageref] {
					t.Errorf("%s: pageref %q is not a page", id, e.Pageref)
				}
				if tm := e.Timings; tm.Send < 0 || tm.Wait < 0 || tm.Receive < 0 || e.Time < 0 {
					t.Errorf("%s: negative timings %+v", id, tm)
				}
				if s := e.Response.Status; s >= 301 && s <= 308 && s != 304 && e.Response.RedirectURL == "" {
					t.Errorf("%s: redirect %d without redirectURL", id, s)
				}
				if e.Response.Status == 0 && e.Error == "" && !e.Incomplete && e.ResourceType != "websocket" {
					t.Errorf("%s: status 0 with neither an error nor _incomplete", id)
				}
				if e.Target == "" || e.ResourceType == "" || e.RequestID == "" {
					t.Errorf("%s: target %q type %q id %q", id, e.Target, e.ResourceType, e.RequestID)
				}
			}
		})
	}
}
