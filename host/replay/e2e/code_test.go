package e2e

import (
	"archive/zip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/recording"
	"github.com/reprokit/reprokit/host/replay"
	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/testapp"
)

// codePages are the test app's pages that carry secrets inside code
// (testapp.CodeSecrets): they end data-done="ok" only when every script
// ran, then make their requests.
var codePages = []string{"/code/page", "/code/bundle"}

// codeState is the end state of a /code/ page.
type codeState struct {
	Done     string `json:"done"`     // "ok", or "broken: <what did not run>"
	Requests string `json:"requests"` // how many requests the page made
	Made     string `json:"made"`     // "METHOD /path" lines
	Errors   string `json:"errors"`   // the page's script errors
}

// readCodeState waits for the page's data-done and reads its end state.
func readCodeState(tab context.Context) (codeState, error) {
	var s codeState
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(document.body && document.body.dataset.done)`, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		errs, _ := chromedp.Run(tab, chromedp.Evaluate[string](`(window.__errors || []).join('\n')`))
		return codeState{Done: "never finished", Errors: errs}, nil
	}
	js, err := chromedp.Run(tab, chromedp.Evaluate[string](`JSON.stringify({done: document.body.dataset.done || '', requests: document.body.dataset.requests || '',
		made: document.body.dataset.made || '', errors: document.body.dataset.errors || ''})`))
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal([]byte(js), &s)
}

// pageOf returns which of codePages u is, or "".
func pageOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	for _, c := range codePages {
		if p.Path == c {
			return c
		}
	}
	return ""
}

// Records the test app's pages that carry secrets inside code, stops the
// app, and replays both the raw recording (the spool's HAR, unsanitized)
// and the sanitized bundle: both reach the end state the live pages
// reached (every script ran, the same requests by method and path, the
// same final DOM marker), and no planted secret is in any member of the
// bundle. A sanitizer that breaks a script shows here as the page that
// ended "broken: <the script that did not run>" with the script error.
func TestReplayOfCodePagesReachesTheRecordedEndState(t *testing.T) {
	browserOrSkip(t)
	app, err := testapp.Start()
	if err != nil {
		t.Fatal(err)
	}
	secrets := app.Code.All()
	dir := t.TempDir()
	zero := int64(0)
	out := filepath.Join(dir, "code.zip")
	live := map[string]codeState{}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, err = recording.Run(ctx, recording.Options{
		Headless: true, Budget: &zero, Out: out,
		Events: filepath.Join(dir, "events.jsonl"), SpoolBase: filepath.Join(dir, "spool"),
		Stderr: logWriter{t},
		Drive: func(ctx, tab context.Context) error {
			for _, p := range codePages {
				if err := chromedp.Do(tab, chromedp.Navigate(app.URL+p)); err != nil {
					return err
				}
				s, err := readCodeState(tab)
				if err != nil {
					return err
				}
				live[p] = s
			}
			return nil
		},
	})
	app.Close()
	var leak *bundle.LeakError
	if errors.As(err, &leak) {
		// Fail closed on the sanitizer's own output: say so, then force
		// the bundle through as `reprokit recover --allow` would, so the
		// rest of the test still shows what the sanitizing broke.
		kinds := map[string]bool{}
		for _, f := range leak.Findings {
			kinds[f.Kind] = true
			if f.Rule != "" {
				kinds[f.Rule] = true
			}
		}
		allow := make([]string, 0, len(kinds))
		for k := range kinds {
			allow = append(allow, k)
		}
		sort.Strings(allow)
		t.Errorf("the sanitizer refused the bundle of the code pages (%d findings of %v): %v", len(leak.Findings), allow, err)
		out = forceBundle(t, filepath.Join(dir, "spool"), filepath.Join(dir, "forced.zip"), allow)
	} else if err != nil {
		t.Fatalf("record the code pages: %v", err)
	}
	for _, p := range codePages {
		if live[p].Done != "ok" {
			t.Fatalf("live, %s ended %q (script errors %q): the page itself is broken, the test proves nothing", p, live[p].Done, live[p].Errors)
		}
	}
	if keep := os.Getenv("REPLAY_E2E_KEEP"); keep != "" {
		if b, err := os.ReadFile(out); err == nil {
			_ = os.WriteFile(filepath.Join(keep, "code.zip"), b, 0o600)
		}
	}
	raw := rawHAR(t, dir)

	// The planted secrets are in the raw recording (else this proves
	// nothing) and in no member of the bundle, in no body.
	rawText, _ := os.ReadFile(raw)
	for _, s := range secrets {
		if !strings.Contains(string(rawText), s.Value) {
			t.Errorf("the raw HAR lacks the planted %s: the recording did not capture it", s.Name)
		}
	}
	for where, text := range bundleTexts(t, out) {
		for _, s := range secrets {
			if strings.Contains(text, s.Value) || strings.Contains(text, s.Value[:16]) || strings.Contains(text, s.Value[16:]) {
				t.Errorf("the bundle's %s holds the planted %s (or half of it)", where, s.Name)
			}
		}
	}

	type result struct {
		states   map[string]codeState
		requests map[string]bool // "METHOD /path" the replayed browser made
	}
	results := map[string]result{}
	for _, c := range []struct{ name, path string }{{"raw recording", raw}, {"sanitized bundle", out}} {
		src, err := replay.Load(c.path)
		if err != nil {
			t.Fatalf("load the %s: %v", c.name, err)
		}
		res := result{states: map[string]codeState{}, requests: map[string]bool{}}
		rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Minute)
		rep, err := replay.Run(rctx, src, replay.Options{
			Timeout: 90 * time.Second, Progress: logWriter{t}, Pace: replay.PaceNone,
			OnPage: func(tab context.Context, u string) {
				if p := pageOf(u); p != "" {
					s, err := readCodeState(tab)
					if err != nil {
						t.Errorf("replay of the %s: read %s: %v", c.name, p, err)
					}
					res.states[p] = s
				}
			},
		})
		rcancel()
		if err != nil {
			t.Fatalf("replay the %s: %v", c.name, err)
		}
		for _, l := range rep.Log {
			if p, err := url.Parse(l.URL); err == nil && p.Scheme != "data" {
				res.requests[l.Method+" "+p.Path] = true
			}
		}
		for _, l := range rep.UnmatchedList {
			t.Logf("replay of the %s: unmatched %s %s: %s", c.name, l.Method, l.URL, l.Reason)
		}
		results[c.name] = res
		for _, p := range codePages {
			got, want := res.states[p], live[p]
			switch {
			case got.Done != want.Done:
				t.Errorf("replay of the %s: %s ended %q, live it ended %q; the page's script errors:\n%s", c.name, p, got.Done, want.Done, indent(got.Errors))
			case got.Requests != want.Requests || got.Made != want.Made:
				t.Errorf("replay of the %s: %s made %s requests, live %s:\n  replay: %s\n  live:   %s", c.name, p, got.Requests, want.Requests,
					strings.ReplaceAll(got.Made, "\n", ", "), strings.ReplaceAll(want.Made, "\n", ", "))
			}
		}
	}
	rawReqs, sanReqs := results["raw recording"].requests, results["sanitized bundle"].requests
	for _, d := range setDiff(rawReqs, sanReqs) {
		t.Errorf("the replay of the raw recording made %s, the replay of the sanitized bundle did not", d)
	}
	for _, d := range setDiff(sanReqs, rawReqs) {
		t.Errorf("the replay of the sanitized bundle made %s, the replay of the raw recording did not", d)
	}
}

// rawHAR builds the unsanitized HAR of a recording from its raw protocol
// log (dir/events.jsonl), as the spool's capture.Finalize does.
func rawHAR(t *testing.T, dir string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw := filepath.Join(dir, "raw.har")
	w, err := os.Create(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := capture.BuildHAR(f, w, capture.BuildOptions{Dir: dir}); err != nil {
		t.Fatalf("build the raw HAR: %v", err)
	}
	return raw
}

// forceBundle writes the bundle of the one spool under base with the
// findings allowed, as `reprokit recover --allow` does.
func forceBundle(t *testing.T, base, out string, allow []string) string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(base, "rec-*"))
	if len(dirs) != 1 {
		t.Fatalf("want the one spool of the refused recording under %s, found %v", base, dirs)
	}
	d, err := spool.Open(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	res, err := bundle.Write(context.Background(), d, out, bundle.Options{Budget: bundle.NoBudget, Allow: allow})
	if err != nil {
		t.Fatalf("force the refused bundle through with --allow %v: %v", allow, err)
	}
	return res.Path
}

// bundleTexts returns every member of a bundle, and every request and
// response body of its HAR decoded (base64 bodies too), by a name.
func bundleTexts(t *testing.T, path string) map[string]string {
	t.Helper()
	texts := map[string]string{}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		texts[f.Name] = string(b)
	}
	b, err := bundle.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range b.Entries() {
		text, enc := b.ResponseBody(i)
		if enc == "base64" {
			d, _ := base64.StdEncoding.DecodeString(text)
			text = string(d)
		}
		texts[fmt.Sprintf("response body of %s", e.Request.URL)] = text
		texts[fmt.Sprintf("request body of %s", e.Request.URL)] = b.RequestBody(i)
	}
	return texts
}

// setDiff lists what a holds and b lacks, sorted.
func setDiff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func indent(s string) string {
	if s == "" {
		return "  (none)"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
