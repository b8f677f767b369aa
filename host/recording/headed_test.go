package recording_test

// Tests of `reprokit record` as most command-line users run it: with a
// browser window (the default), on a virtual display (Xvfb).

import (
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/browser"
	"github.com/reprokit/reprokit/host/testapp"
)

// The default `reprokit record URL` opens a real browser window; closing
// it is how the user stops, and the bundle is written as for any stop.
func TestARecordingInAWindowEndsWhenTheUserClosesTheWindow(t *testing.T) {
	needBrowser(t)
	d := testapp.NeedDisplay(t)
	tmp := shortTemp(t)
	r := newRun(t, tmp)
	cmd := exec.Command(binary, "record", app.URL+"/redirect/301")
	cmd.Env = d.Env("TMPDIR="+tmp, "REPROKIT_OUT_DIR="+r.out, browser.EnvBrowser+"="+browserPath)
	r.start(cmd)
	r.waitLine("recording (spool")
	waitReceived(t, "/redirect/final")
	// As a user would, close the window once the page has shown (its load
	// screenshot is in the spool).
	spoolDir := spoolOf(t, r.stderr.String())
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if shots, _ := filepath.Glob(filepath.Join(spoolDir, "screenshots", "*")); len(shots) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no screenshot in %s after 30 s; stderr:\n%s", spoolDir, r.stderr.String())
		}
	}
	if !strings.Contains(r.stderr.String(), "closing the window") {
		t.Errorf("the start message does not say that closing the window stops:\n%s", r.stderr.String())
	}
	if err := d.CloseWindow(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(); code != 0 {
		t.Fatalf("exit %d after the window was closed; stderr:\n%s", code, r.stderr.String())
	}
	if !strings.Contains(r.stderr.String(), "the browser window was closed") {
		t.Errorf("stderr does not say why the recording stopped:\n%s", r.stderr.String())
	}
	_, h, z := r.bundle()
	if !hasEntry(h, "/redirect/final") {
		t.Errorf("the recording in a window has no /redirect/final entry: %d entries", len(h.Log.Entries))
	}
	for _, e := range h.Log.Entries {
		for _, hd := range e.Request.Headers {
			if strings.EqualFold(hd.Name, "user-agent") && strings.Contains(hd.Value, "Headless") {
				t.Errorf("%s was requested by a headless browser: %s", e.Request.URL, hd.Value)
			}
		}
	}
	shots := 0
	for _, zf := range z.File {
		if strings.HasPrefix(zf.Name, "screenshots/") {
			shots++
		}
	}
	if shots == 0 {
		t.Error("the recording in a window has no screenshot")
	}
	f, err := z.Open("environment.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var env struct {
		Browser struct {
			Headless bool `json:"headless"`
			Name     string
		} `json:"browser"`
	}
	b, _ := io.ReadAll(f)
	if err := json.Unmarshal(b, &env); err != nil || env.Browser.Headless {
		t.Errorf("environment.json says headless (%v): %s", err, b)
	}
}

// spoolOf is the spool directory that `reprokit record` named on stderr
// ("recording (spool DIR); …").
func spoolOf(t *testing.T, stderr string) string {
	t.Helper()
	_, after, ok := strings.Cut(stderr, "recording (spool ")
	dir, _, ok2 := strings.Cut(after, ")")
	if !ok || !ok2 || !filepath.IsAbs(dir) {
		t.Fatalf("no spool directory on stderr:\n%s", stderr)
	}
	return dir
}
