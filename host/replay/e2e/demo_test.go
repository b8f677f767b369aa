package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/demo"
	"github.com/reprokit/reprokit/host/recording"
	"github.com/reprokit/reprokit/host/replay"
)

// Records the demo session as `reprokit demo` does (sign-in through SSO on
// a second origin: a POST answered 302, a callback answered 302, then the
// app; a chat, a 413 upload, a 500), stops the demo app and replays the
// sanitized bundle with its steps, as QA ran `reprokit replay DEMO.zip
// --steps`: the steps after the SSO "Sign in" click run (the form is sent
// although the recorded email is redacted), the 413 and the 500 are
// answered again, and the report says every recorded page was reached.
func TestReplayOfTheDemoThroughItsSSORedirect(t *testing.T) {
	browserOrSkip(t)
	app, err := demo.Start()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := recording.Run(ctx, recording.Options{
		Headless: true, URL: app.URL + "/", Out: filepath.Join(dir, "demo.zip"), SpoolBase: filepath.Join(dir, "spool"),
		Stderr: logWriter{t},
		Drive: func(ctx, tab context.Context) error {
			return demo.DriveWith(ctx, tab, app, demo.DriveOptions{})
		},
	})
	app.Close()
	if err != nil {
		t.Fatalf("record the demo: %v", err)
	}
	src, err := replay.Load(res.Path)
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
	t.Logf("screenshot_diff %.4f pairs %+v warnings %v", rep.ScreenshotDiff, rep.ScreenshotPairs, rep.Warnings)
}
