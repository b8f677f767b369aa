package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildCLI builds the reprokit binary once per test run.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "reprokit")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/reprokit/reprokit/cmd/reprokit").CombinedOutput()
	if err != nil {
		t.Fatalf("build reprokit: %v\n%s", err, out)
	}
	return bin
}

const cliHAR = `{"log":{"version":"1.2","creator":{"name":"test","version":"1"},
"pages":[{"id":"p","title":"","startedDateTime":"2026-11-26T10:00:00Z","pageTimings":{"onContentLoad":-1,"onLoad":-1}}],
"entries":[
 {"pageref":"p","_resourceType":"document","startedDateTime":"2026-11-26T10:00:00Z","time":1,
  "request":{"method":"GET","url":"https://shop.test/","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"queryString":[],"headersSize":-1,"bodySize":0},
  "response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Content-Type","value":"text/html"}],
   "content":{"size":90,"mimeType":"text/html","text":"<p id=x>cart</p><script>fetch('/api/cart?cb='+Math.random()).then(r=>r.text()).then(t=>x.textContent=t)</script>"},
   "redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0,"wait":1,"receive":0}},
 {"pageref":"p","_resourceType":"fetch","startedDateTime":"2026-11-26T10:00:01Z","time":1,
  "request":{"method":"GET","url":"https://shop.test/api/cart?cb=0.1234567891","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"queryString":[],"headersSize":-1,"bodySize":0},
  "response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Content-Type","value":"text/plain"}],
   "content":{"size":7,"mimeType":"text/plain","text":"3 items"},"redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}
]}}`

// The CLI as a user runs it: --json prints the fidelity report with the
// documented keys, --screenshots writes images, bad input exits 2.
func TestReplayCLI(t *testing.T) {
	browserOrSkip(t)
	bin := buildCLI(t)
	dir := t.TempDir()
	har := filepath.Join(dir, "shop.har")
	if err := os.WriteFile(har, []byte(cliHAR), 0o600); err != nil {
		t.Fatal(err)
	}
	shots := filepath.Join(dir, "shots")
	cmd := exec.Command(bin, "replay", har, "--json", "--screenshots", shots, "--timeout", "30s")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("reprokit replay: %v\nstderr:\n%s", err, stderr.String())
	}
	var rep map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not one JSON report: %v\n%s", err, stdout.String())
	}
	for _, k := range []string{"requests", "served_exact", "served_fuzzy", "synthesized", "failed_as_recorded", "unmatched", "coverage", "archive_used", "steps_ok", "steps_total", "screenshot_diff"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("--json report has no %q", k)
		}
	}
	if rep["requests"] != 2.0 || rep["served_exact"] != 1.0 || rep["served_fuzzy"] != 1.0 || rep["coverage"] != 1.0 || rep["archive_used"] != 1.0 {
		t.Errorf("report %v, want 2 requests, 1 exact, 1 fuzzy (the cache buster), coverage and archive_used 1", rep)
	}
	if rep["pages"] != 1.0 || rep["pages_reached"] != 1.0 || rep["warnings"] != nil {
		t.Errorf("pages %v reached %v warnings %v, want the one page reached and no warning", rep["pages"], rep["pages_reached"], rep["warnings"])
	}
	if !strings.Contains(stderr.String(), "fuzzy") || !strings.Contains(stderr.String(), "volatile") {
		t.Errorf("stderr does not explain the fuzzy match:\n%s", stderr.String())
	}
	if files, _ := os.ReadDir(shots); len(files) == 0 {
		t.Error("--screenshots wrote nothing")
	}

	for _, args := range [][]string{{"replay"}, {"replay", filepath.Join(dir, "missing.zip")}, {"replay", har, "--ws-pace", "fast"}} {
		err := exec.Command(bin, args...).Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("reprokit %v: %v, want exit 2", args, err)
		}
	}
}
