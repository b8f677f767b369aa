package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/replay"
)

// Replays the bundle QA replayed with `reprokit replay DEMO.zip --steps`
// (recorded with `reprokit demo` on 2026-11-26; report.html and
// SUPPORT_REQUEST.md left out, the 21 MB upload's bytes replaced by the
// sanitizer's sized file tag to keep it small). The demo signs in through
// SSO on a second origin: a POST answered 302, a callback answered 302,
// then the app; a chat, a 413 upload, a 500. The steps after the SSO "Sign
// in" click run (the form is sent although the recorded email is
// "[REDACTED:email:…]@northwind.example"), the 413 and the 500 are answered
// again, every recorded page is reached, and the screenshots pair up
// although the first carries the URL of the page the login page was
// leaving. A fixed bundle checks this whatever today's recorder and
// sanitizer write; TestReplayOfRecordedTestApp covers the live pipeline.
func TestReplayOfQAsDemoBundle(t *testing.T) {
	browserOrSkip(t)
	checkDemoReplay(t, filepath.Join("testdata", "qa-demo.zip"))
}

// checkDemoReplay replays a demo bundle with its steps and checks that it
// went through the SSO chain to the app and replayed the 413 and the 500.
func checkDemoReplay(t *testing.T, path string) {
	t.Helper()
	src, err := replay.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer rcancel()
	rep, err := replay.Run(rctx, src, replay.Options{Steps: true, Timeout: 90 * time.Second, Progress: logWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Steps {
		if !s.OK {
			t.Errorf("step %d %s failed: %s", s.Index+1, s.Type, s.Error)
		}
	}
	served := map[string]int{} // "METHOD path" -> status served
	for _, l := range rep.Log {
		if l.Outcome == replay.ServedExact || l.Outcome == replay.ServedFuzzy {
			path := l.URL
			if i := strings.Index(path, "//"); i >= 0 {
				if j := strings.IndexByte(path[i+2:], '/'); j >= 0 {
					path = path[i+2+j:]
				}
			}
			path, _, _ = strings.Cut(path, "?")
			served[l.Method+" "+path] = l.Status
		}
	}
	for req, status := range map[string]int{
		"POST /sso/authorize": 302, "GET /sso/callback": 302, "GET /app": 200,
		"POST /api/files": 413, "GET /api/workspace/usage": 500,
	} {
		if got, ok := served[req]; !ok || got != status {
			t.Errorf("%s: served %v (status %d), want the recorded %d; served: %v", req, ok, got, status, served)
		}
	}
	if rep.Pages < 3 || rep.PagesReached != rep.Pages {
		t.Errorf("reached %d of %d recorded pages (not reached: %v)", rep.PagesReached, rep.Pages, rep.PagesNotReached)
	}
	if rep.WebSocketFrames.Sent == 0 {
		t.Errorf("the chat's streamed reply was not played")
	}
	if rep.ArchiveUsed < 0.9 || rep.Coverage < 0.98 {
		t.Errorf("archive_used %.2f coverage %.2f, want at least 0.9 and 0.98", rep.ArchiveUsed, rep.Coverage)
	}
	if rep.ScreenshotDiff > 0.05 || len(rep.Warnings) > 0 {
		t.Errorf("screenshot_diff %.4f (pairs %+v), warnings %v: want the replayed pages to look as recorded", rep.ScreenshotDiff, rep.ScreenshotPairs, rep.Warnings)
	}
}
