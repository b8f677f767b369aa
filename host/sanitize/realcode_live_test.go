package sanitize_test

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/recording"
	"github.com/reprokit/reprokit/host/sanitize"
)

// freshToken returns 32 random letters and digits.
func freshToken() string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for {
		b := make([]byte, 32)
		rand.Read(b)
		for i := range b {
			b[i] = set[int(b[i])%len(set)]
		}
		s := string(b)
		if strings.ContainsAny(s, "0123456789") && strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			return s
		}
	}
}

// Real code never makes sanitize refuse (issue 10's goal): a page built
// from real libraries' published files (REPROKIT_REAL_CODE_DIR, which
// scripts/test.sh fills from npm) and a small inline script with planted
// secrets is recorded in real Chromium with the real recorder. The bundle
// is written, every script, stylesheet and source map in its session.har
// is byte for byte the file served, the page's own code still parses, and
// no planted secret is in any member of the bundle.
func TestRecordingOfRealLibrariesIsWrittenAndKeepsTheirCode(t *testing.T) {
	needBrowser(t)
	// The browser-less TestRealLibraryCodeIsKeptByteForByte covers every
	// file; here the minified build of each library (what sites ship)
	// keeps the recording lean.
	var files []sanitize.CodeFileForTest
	all := sanitize.RealCodeFilesForTest(t)
	names := map[string]bool{}
	for _, f := range all {
		names[f.Name] = true
	}
	for _, f := range all {
		ext := filepath.Ext(f.Name)
		if names[strings.TrimSuffix(f.Name, ext)+".min"+ext] || strings.HasSuffix(f.Name, ".development.js") {
			continue
		}
		files = append(files, f)
	}
	byPath := map[string]sanitize.CodeFileForTest{}
	secrets := []string{freshToken(), freshToken(), freshToken()}
	var page strings.Builder
	page.WriteString("<!doctype html><html><head><meta charset=\"utf-8\"><title>Real libraries</title><link rel=\"icon\" href=\"data:,\">\n")
	var scripts, maps []string
	for _, f := range files {
		p := "/lib/" + f.Name
		byPath[p] = f
		switch f.Lang {
		case "css":
			page.WriteString(`<link rel="stylesheet" href="` + p + `">` + "\n")
		case "js":
			scripts = append(scripts, p)
		case "map":
			maps = append(maps, p)
		}
	}
	page.WriteString("</head><body><h1>Real libraries</h1><div id=\"editor\"></div>\n")
	for _, p := range scripts {
		page.WriteString(`<script src="` + p + `"></script>` + "\n")
	}
	mapsJSON, _ := json.Marshal(maps)
	// The app's own inline script, with planted secrets; the libraries
	// above may throw (react-dom without React) or patch globals, so it
	// keeps to itself and ends the page whatever they did.
	page.WriteString(`<script>(function () {
  var cfg = {apiKey: "` + secrets[0] + `", api: "/api/config"};
  var q = '/api/search' + '?api_key=' + '` + secrets[1] + `';
  var maps = ` + string(mapsJSON) + `;
  var done = function () { document.body.dataset.done = '1'; };
  document.body.dataset.stage = 'registered';
  window.addEventListener('load', function () {
    document.body.dataset.stage = 'loaded';
    var all = [fetch(q), fetch(cfg.api, {headers: {Authorization: "Bearer ` + secrets[2] + `"}})].concat(maps.map(function (m) { return fetch(m).then(function (r) { return r.text(); }); }));
    Promise.all(all).then(done, function (e) { document.body.dataset.error = String(e); done(); });
  });
})();
</script>
</body></html>
`)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page.String())
	})
	mux.HandleFunc("GET /lib/", func(w http.ResponseWriter, r *http.Request) {
		f, ok := byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.Mime)
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, f.Body)
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := t.TempDir()
	zero := int64(0)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := recording.Run(ctx, recording.Options{
		Headless: true, Budget: &zero, Out: filepath.Join(dir, "real.zip"), SpoolBase: filepath.Join(dir, "spool"), Stderr: io.Discard,
		Drive: func(ctx, tab context.Context) error {
			if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/")); err != nil {
				return err
			}
			_, err := chromedp.Run(tab, chromedp.Poll[bool](`document.body && document.body.dataset.done === '1'`, chromedp.WithPollingTimeout(60*time.Second)))
			if err != nil {
				state, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.readyState + ' ' + performance.getEntriesByType('resource').filter(function (r) { return !r.responseEnd; }).map(function (r) { return r.name; }).join(' ') + ' ' + JSON.stringify(document.body && document.body.dataset)`))
				return fmt.Errorf("the page of real libraries never finished (readyState and pending: %s): %w", state, err)
			}
			return nil
		},
	})
	var leak *bundle.LeakError
	if errors.As(err, &leak) {
		var b strings.Builder
		for i, f := range leak.Findings {
			if i == 20 {
				fmt.Fprintf(&b, "\n  … and %d more", len(leak.Findings)-20)
				break
			}
			fmt.Fprintf(&b, "\n  %s %s: %s (rule %s)", f.File, f.Location, f.Kind, f.Rule)
		}
		t.Fatalf("real code made the sanitizer refuse the bundle (%d findings):%s", len(leak.Findings), b.String())
	}
	if err != nil {
		t.Fatalf("record the page of real libraries: %v", err)
	}

	b, err := bundle.Open(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	changed := 0
	for i, e := range b.Entries() {
		u, err := url.Parse(e.Request.URL)
		if err != nil {
			continue
		}
		text, enc := b.ResponseBody(i)
		if enc == "base64" {
			d, _ := base64.StdEncoding.DecodeString(text)
			text = string(d)
		}
		if u.Path == "/" {
			if p := sanitize.CompareCodeForTest("html", page.String(), text); len(p) > 0 {
				t.Errorf("the page's own code no longer parses:\n  %s", strings.Join(p, "\n  "))
			}
			continue
		}
		f, ok := byPath[u.Path]
		if !ok || text == "" {
			continue
		}
		seen[u.Path] = true
		if text == f.Body {
			continue
		}
		changed++
		how := "still parses"
		if p := sanitize.CompareCodeForTest(f.Lang, f.Body, text); len(p) > 0 {
			how = "NO LONGER PARSES:\n  " + strings.Join(p, "\n  ")
		}
		t.Errorf("%s changed in session.har (%s); first change %s", f.Name, how, sanitize.DiffAtForTest(f.Body, text))
	}
	for p, f := range byPath {
		if !seen[p] {
			t.Errorf("session.har holds no body for %s: the recording proves nothing about it", f.Name)
		}
	}
	if changed > 0 {
		t.Errorf("%d of %d real library files changed; none may", changed, len(files))
	}
	zr, err := zip.OpenReader(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		for i, s := range secrets {
			for _, form := range secretForms(s) {
				if len(form) >= 8 && strings.Contains(string(data), form) {
					t.Errorf("bundle member %s holds planted secret %d (form %q)", zf.Name, i, form)
				}
			}
		}
	}
}
