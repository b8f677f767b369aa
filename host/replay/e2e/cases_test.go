package e2e

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/recording"
	"github.com/reprokit/reprokit/host/replay"
)

// casesPage runs every matching case of issue 7 that the test app does not
// have, and leaves the results in window.reprokitResults. The page itself
// varies what a real page varies between runs: the order of query
// parameters, cache busters, timestamps and UUIDs in JSON bodies, the
// multipart boundary.
const casesPage = `<!doctype html><html><head><title>replay cases</title>
<style>body { font: 16px sans-serif; }</style></head>
<body><h1>Replay cases</h1><img src="/img.png" width=16 height=16><pre id=out></pre><script>
const OTHER = 'OTHER_ORIGIN';
window.reprokitResults = {};
const hex = async b => [...new Uint8Array(await crypto.subtle.digest('SHA-256', b))].map(x => x.toString(16).padStart(2, '0')).join('');
async function step(name, fn) {
  try { window.reprokitResults[name] = await fn(); } catch (e) { window.reprokitResults[name] = 'error: ' + e.message; }
  document.getElementById('out').textContent += name + ' ' + JSON.stringify(window.reprokitResults[name]) + '\n';
}
(async () => {
  await step('poll', async () => [await (await fetch('/job/status')).text(), await (await fetch('/job/status')).text()]);
  await step('graphql', async () => {
    const q = async op => (await (await fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({operationName: op, query: 'query ' + op + ' { x }', variables: {}})})).json()).data;
    return [await q('Orders'), await q('Viewer')];
  });
  await step('reordered', async () => (await fetch(Math.random() < 0.5 ? '/search?a=1&b=2&c=3' : '/search?c=3&b=2&a=1')).text());
  await step('cacheBuster', async () => (await fetch('/data.json?_=' + Date.now() + '&cb=' + Math.random())).json());
  await step('volatileJSON', async () => (await fetch('/track', {method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({event: 'open', ts: Date.now(), id: crypto.randomUUID(), at: new Date().toISOString()})})).text());
  await step('multipart', async () => { const fd = new FormData(); fd.append('note', 'hi');
    fd.append('file', new File([['file', 'body'].join(' ') + '\n'], 'a.txt', {type: 'text/plain'})); return (await fetch('/upload', {method: 'POST', body: fd})).text(); });
  await step('redirects', async () => { const r = await fetch('/r/302'); return [r.url.replace(location.origin, ''), await r.text()]; });
  await step('post303', async () => { const r = await fetch('/form', {method: 'POST', body: new URLSearchParams({q: 'apples'})}); return [r.url.replace(location.origin, ''), await r.text()]; });
  await step('cookies', async () => { await fetch('/cookie/set'); return [document.cookie, await (await fetch('/cookie/echo')).text()]; });
  await step('image', async () => hex(await (await fetch('/img.png')).arrayBuffer()));
  await step('font', async () => hex(await (await fetch('/brand.woff2')).arrayBuffer()));
  await step('pushState', async () => { history.pushState({}, '', '/app/settings/'); return (await fetch('prefs.json')).text(); });
  await step('preflight', async () => { const r = await fetch(OTHER + '/api/items/7', {method: 'PUT', headers: {'Content-Type': 'application/json', 'X-Client': 'replay'}, body: '{"n":1}'}); return [r.status, await r.text()]; });
  await step('gzip', async () => (await fetch('/gzip.json')).json());
  await step('failed', async () => (await fetch('/broken')).status);
  document.body.dataset.done = '1';
})();
</script></body></html>`

// fontBytes and imgBytes are binary bodies that must come back unchanged.
var imgBytes = []byte( // a valid 1x1 PNG
	"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\xa3\x9c\xbb\x93\x00\x00\x00\x00IEND\xaeB`\x82")

var fontBytes = func() []byte {
	b := make([]byte, 8192)
	for i := range b {
		b[i] = byte(i*13 + i/255)
	}
	return b
}()

// casesServer is the web app for casesPage, on two sites.
func casesServer(t *testing.T) (a, b *httptest.Server) {
	var mu sync.Mutex
	polls := 0
	mux := http.NewServeMux()
	b = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Methods", "PUT")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type, X-Client")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		fmt.Fprintf(w, `{"saved":%q}`, r.URL.Path)
	}))
	// Origin B on "localhost": another site than 127.0.0.1.
	b.URL = strings.Replace(b.URL, "127.0.0.1", "localhost", 1)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, strings.Replace(casesPage, "OTHER_ORIGIN", b.URL, 1))
	})
	mux.HandleFunc("GET /job/status", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		polls++
		n := polls
		mu.Unlock()
		if n == 1 {
			fmt.Fprint(w, "PENDING")
		} else {
			fmt.Fprint(w, "DONE")
		}
	})
	mux.HandleFunc("POST /graphql", func(w http.ResponseWriter, r *http.Request) {
		var q struct{ OperationName string }
		json.NewDecoder(r.Body).Decode(&q)
		fmt.Fprintf(w, `{"data":"result of %s"}`, q.OperationName)
	})
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "found a=%s b=%s c=%s", r.FormValue("a"), r.FormValue("b"), r.FormValue("c"))
	})
	mux.HandleFunc("GET /data.json", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"items":[1,2,3]}`) })
	mux.HandleFunc("POST /track", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "tracked") })
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		f, h, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		defer f.Close()
		fmt.Fprintf(w, "stored %s note=%s", h.Filename, r.FormValue("note"))
	})
	mux.HandleFunc("GET /r/302", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/r/301", http.StatusFound) })
	mux.HandleFunc("GET /r/301", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/r/final", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /r/final", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "final") })
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/form/done?q="+r.FormValue("q"), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /form/done", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "thanks for "+r.FormValue("q")) })
	mux.HandleFunc("GET /cookie/set", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s3ss10n", Path: "/", HttpOnly: true})
		http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark", Path: "/"})
	})
	mux.HandleFunc("GET /cookie/echo", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Header.Get("Cookie")) })
	mux.HandleFunc("GET /img.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(imgBytes)
	})
	mux.HandleFunc("GET /brand.woff2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "font/woff2")
		w.Write(fontBytes)
	})
	mux.HandleFunc("GET /app/settings/prefs.json", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"lang":"en"}`) })
	mux.HandleFunc("GET /gzip.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		z := gzip.NewWriter(w)
		fmt.Fprint(z, `{"zipped":true,"n":`+strings.Repeat("1", 50)+`}`)
		z.Close()
	})
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, r *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	a = httptest.NewServer(mux)
	return a, b
}

// Records a page that exercises every matching case, stops its servers and
// replays the bundle: the page computes the same results from the
// recording alone as it did live.
func TestReplayMatchingCasesRecorded(t *testing.T) {
	browserOrSkip(t)
	a, b := casesServer(t)
	dir := t.TempDir()
	zero := int64(0)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var live map[string]any
	res, err := recording.Run(ctx, recording.Options{
		Headless: true, Budget: &zero, Out: filepath.Join(dir, "cases.zip"), SpoolBase: filepath.Join(dir, "spool"),
		Stderr: logWriter{t},
		Drive: func(ctx, tab context.Context) error {
			if err := chromedp.Do(tab, chromedp.Navigate(a.URL+"/")); err != nil {
				return err
			}
			if err := waitDone(tab); err != nil {
				return err
			}
			js, err := chromedp.Run(tab, chromedp.Evaluate[string](resultsJS))
			if err != nil {
				return err
			}
			return json.Unmarshal([]byte(js), &live)
		},
	})
	a.Close()
	b.Close()
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	t.Logf("live results: %v", live)
	src, err := replay.Load(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	var httpOnly bool
	rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer rcancel()
	rep, err := replay.Run(rctx, src, replay.Options{Timeout: 60 * time.Second, Progress: logWriter{t},
		OnPage: func(tab context.Context, _ string) {
			if err := waitDone(tab); err != nil {
				t.Errorf("replayed page never finished: %v", err)
			}
			js, _ := chromedp.Run(tab, chromedp.Evaluate[string](resultsJS))
			_ = json.Unmarshal([]byte(js), &got)
			cs, _ := chromedp.Call(tab, network.GetCookies, network.GetCookiesParams{URLs: []string{a.URL + "/"}})
			for _, c := range cs.Cookies {
				httpOnly = httpOnly || (c.Name == "sid" && c.HTTPOnly)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range rep.Log {
		if l.Outcome != replay.ServedExact {
			t.Logf("%s %s %s: %s", l.Outcome, l.Method, l.URL, l.Reason)
		}
	}
	t.Logf("requests %d exact %d fuzzy %d synthesized %d failed-as-recorded %d unmatched %d coverage %.3f",
		rep.Requests, rep.ServedExact, rep.ServedFuzzy, rep.Synthesized, rep.FailedAsRecorded, rep.Unmatched, rep.Coverage)
	if rep.Coverage < 0.98 {
		t.Errorf("coverage %.3f, want at least 0.98", rep.Coverage)
	}
	for name, want := range live {
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got[name])
		if !sameOrRedacted(string(gj), string(wj)) {
			t.Errorf("%s: replay shows %s, live showed %s", name, gj, wj)
		}
	}
	if fmt.Sprint(live["poll"]) != "[PENDING DONE]" || !strings.HasPrefix(fmt.Sprint(live["failed"]), "error") || len(fmt.Sprint(live["font"])) != 64 {
		t.Errorf("the live page did not exercise the cases as meant: %v", live)
	}
	if !httpOnly {
		t.Error("the HttpOnly cookie set by a recorded response is not in the replay browser")
	}
	if rep.ServedFuzzy < 2 {
		t.Errorf("only %d fuzzy matches: the cache buster and the volatile JSON post should be fuzzy", rep.ServedFuzzy)
	}
}
