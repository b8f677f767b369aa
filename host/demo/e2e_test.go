package demo

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/reprokit/reprokit/host/har"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string // removed by TestMain
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildReprokit builds the real binary once for the end-to-end tests.
func buildReprokit(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "reprokit-demo-bin"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "reprokit")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/reprokit/reprokit/cmd/reprokit").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build ./cmd/reprokit: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestReprokitDemoRejectsBadUsageWithExit2(t *testing.T) {
	bin := buildReprokit(t)
	bad := [][]string{
		{"demo", "http://example.com"},
		{"demo", "--headed", "--headless"},
		{"demo", "--out", "bundle.txt"},
		{"demo", "--budget", "lots"},
		{"demo", "--no-such-flag"},
	}
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		bad = append(bad, []string{"demo", "--headed"}) // no display for a window
	}
	for _, args := range bad {
		cmd := exec.Command(bin, args...)
		cmd.Dir = t.TempDir()
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || stdout.Len() != 0 || stderr.Len() == 0 {
			t.Errorf("reprokit %q: %v, stdout %q, stderr %q; want exit 2, a message on stderr and nothing on stdout",
				args, err, stdout.String(), stderr.String())
		}
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "demo", "-h")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || !strings.Contains(stderr.String(), "--headed") {
		t.Errorf("reprokit demo -h: %v\n%s", err, stderr.String())
	}
}

// readZip returns every file of the zip at path by name.
func readZip(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("open the bundle: %v", err)
	}
	defer zr.Close()
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("open %s in the bundle: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s in the bundle: %v", f.Name, err)
		}
		files[f.Name] = b
	}
	return files
}

// `reprokit demo`, as the README's first command, records the whole demo
// story into a sanitized bundle and prints only its path.
func TestReprokitDemoWritesASanitizedBundleOfTheWholeStory(t *testing.T) {
	browser := browserPath(t)
	if testing.Short() {
		t.Skip("builds the binary and records a full session")
	}
	bin := buildReprokit(t)
	work := t.TempDir()
	out := filepath.Join(work, "demo bundle.zip")
	cmd := exec.Command(bin, "demo", "--out", out)
	cmd.Dir = work
	// A private TMPDIR keeps this run's spool apart from other recordings;
	// it is short because Chromium's singleton socket path must fit in 108 bytes.
	tmp, err := os.MkdirTemp("", "rkdemo")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	cmd.Env = append(os.Environ(), "REPROKIT_BROWSER="+browser, "TMPDIR="+tmp, "REPROKIT_OUT_DIR=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("reprokit demo: %v\nstderr:\n%s", err, stderr.String())
	}
	if got := stdout.String(); got != out+"\n" {
		t.Fatalf("stdout %q, want only the bundle path %q\nstderr:\n%s", got, out+"\n", stderr.String())
	}
	for _, want := range []string{"demo: signing in through SSO", "demo: uploading a 21 MB file"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks the progress line %q:\n%s", want, stderr.String())
		}
	}
	files := readZip(t, out)
	for _, name := range []string{"session.har", "console.json", "steps.json", "bundle.json"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the bundle has no %s", name)
		}
	}

	var doc har.HAR
	if err := json.Unmarshal(files["session.har"], &doc); err != nil {
		t.Fatalf("session.har: %v", err)
	}
	type seen struct {
		status    int
		requestID bool
		wsFrames  int
		redirect  string
	}
	got := map[string]seen{}
	for _, e := range doc.Log.Entries {
		u, err := url.Parse(e.Request.URL)
		if err != nil {
			continue
		}
		s := seen{status: e.Response.Status, wsFrames: len(e.WebSocketMessages), redirect: e.Response.RedirectURL}
		for _, h := range e.Response.Headers {
			if strings.EqualFold(h.Name, "x-request-id") && strings.HasPrefix(h.Value, "req_") {
				s.requestID = true
			}
		}
		got[e.Request.Method+" "+u.Path] = s
	}
	check := func(key string, status int, ok func(seen) bool, what string) {
		t.Helper()
		s, found := got[key]
		if !found {
			t.Errorf("session.har has no entry %s", key)
			return
		}
		if status != 0 && s.status != status {
			t.Errorf("%s: status %d, want %d", key, s.status, status)
		}
		if ok != nil && !ok(s) {
			t.Errorf("%s: %s (got %+v)", key, what, s)
		}
	}
	check("GET /sso/start", 302, func(s seen) bool { return strings.Contains(s.redirect, "/sso/authorize?") }, "redirects to the IdP")
	check("POST /sso/authorize", 302, func(s seen) bool { return strings.Contains(s.redirect, "/sso/callback?") }, "redirects back with a code")
	check("GET /sso/callback", 302, nil, "")
	check("POST /api/chat", 200, func(s seen) bool { return s.requestID }, "carries an x-request-id header")
	check("GET /api/stream", 101, func(s seen) bool { return s.wsFrames >= 10 }, "holds the streamed websocket frames")
	check("POST /api/files", 413, func(s seen) bool { return s.requestID }, "carries an x-request-id header")
	check("GET /api/workspace/usage", 500, func(s seen) bool { return s.requestID }, "carries an x-request-id header")

	if !bytes.Contains(files["console.json"], []byte("failed with HTTP 413")) ||
		!bytes.Contains(files["console.json"], []byte("/api/workspace/usage failed")) {
		t.Errorf("console.json lacks the two console errors:\n%.2000s", files["console.json"])
	}
	var steps struct {
		Steps []map[string]any `json:"steps"`
	}
	if err := json.Unmarshal(files["steps.json"], &steps); err != nil {
		t.Fatalf("steps.json: %v", err)
	}
	kinds := map[string]int{}
	for _, s := range steps.Steps {
		kinds[s["type"].(string)]++
	}
	if kinds["click"] < 5 || kinds["change"] < 2 {
		t.Errorf("steps.json has %v; the session clicked at least 5 times and typed into 3 fields", kinds)
	}

	// Sanitized: the typed password and the session cookie appear nowhere,
	// in any encoding.
	for name, b := range files {
		for _, secret := range []string{Password, url.QueryEscape(Password), sessionValue} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s in the bundle contains the secret %q", name, secret)
			}
		}
	}
}
