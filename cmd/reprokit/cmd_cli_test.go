package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	builtOnce sync.Once
	builtBin  string
	builtErr  error
	builtDir  string
)

// reprokitBinary builds the real binary once for the tests of this file.
func reprokitBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	builtOnce.Do(func() {
		builtDir, builtErr = os.MkdirTemp("", "reprokit-cli-test-")
		if builtErr != nil {
			return
		}
		builtBin = filepath.Join(builtDir, "reprokit")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			builtErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// runCLI runs the binary in dir and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(reprokitBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+dir, "REPROKIT_OUT_DIR=")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("%v: %v", args, err)
	}
	return o.String(), e.String(), code
}

// The popup tells users to send the doctor's output to support: the report
// goes to stdout, so "reprokit doctor > doctor.txt" keeps it, and --json
// gives a script the same report as JSON.
func TestDoctorWritesItsReportToStdout(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	os.Mkdir(home, 0o700)
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	out, errOut, code := runCLI(t, dir, "doctor", "--no-self-test")
	if code != 0 && code != 1 {
		t.Fatalf("doctor exit %d, want 0 or 1\nstderr: %s", code, errOut)
	}
	if !strings.Contains(out, "checks passed") && !strings.Contains(out, "checks failed") {
		t.Errorf("doctor's report is not on stdout:\nstdout: %q\nstderr: %q", out, errOut)
	}
	if strings.Contains(errOut, "checks passed") || strings.Contains(errOut, "checks failed") {
		t.Errorf("doctor's report went to stderr: %q", errOut)
	}
	out, errOut, code = runCLI(t, dir, "doctor", "--no-self-test", "--json")
	var rep struct {
		OK     *bool             `json:"ok"`
		Checks []json.RawMessage `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Checks) == 0 {
		t.Fatalf("doctor --json (exit %d) did not print a report on stdout: %v\nstdout: %q\nstderr: %q", code, err, out, errOut)
	}
}

// hostileHAR is a HAR whose URL and request ID try to clear the screen,
// move the cursor, print a fake green line and set the window title.
func hostileHAR() []byte {
	url := "https://example.test/\x1b[2J\x1b[H\x1b[32mall checks passed\x1b]0;PWNED\x07"
	har := map[string]any{"log": map[string]any{
		"version": "1.2", "creator": map[string]any{"name": "t", "version": "1"},
		"entries": []any{map[string]any{
			"startedDateTime": "2026-01-01T00:00:00Z", "time": 1,
			"request": map[string]any{"method": "GET", "url": url, "httpVersion": "HTTP/1.1",
				"headers": []any{}, "queryString": []any{}, "cookies": []any{}, "headersSize": -1, "bodySize": 0},
			"response": map[string]any{"status": 500, "statusText": "x", "httpVersion": "HTTP/1.1",
				"headers":     []any{map[string]any{"name": "X-Request-Id", "value": "req-\x1b]0;PWNED\x07"}},
				"cookies":     []any{},
				"content":     map[string]any{"size": 0, "mimeType": "text/plain"},
				"redirectURL": "", "headersSize": -1, "bodySize": 0},
			"cache": map[string]any{}, "timings": map[string]any{"send": 0, "wait": 1, "receive": 0},
		}},
	}}
	b, _ := json.Marshal(har)
	return b
}

// writeZip writes a zip of the members (name, content pairs) to path.
func writeZip(t *testing.T, path string, members ...string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(members); i += 2 {
		w, err := zw.Create(members[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(members[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// cliCase is one run of the binary and what it must print and exit with.
type cliCase struct {
	args           []string
	code           int
	stdout, stderr []string // must contain each
	notOut, notErr []string // must contain none
	pathOnce       string   // named exactly once on stderr
}

func checkCLI(t *testing.T, dir string, cases []cliCase) {
	t.Helper()
	for _, c := range cases {
		out, errOut, code := runCLI(t, dir, c.args...)
		if code != c.code {
			t.Errorf("%q: exit %d, want %d\nstdout: %q\nstderr: %q", c.args, code, c.code, out, errOut)
		}
		for _, s := range c.stdout {
			if !strings.Contains(out, s) {
				t.Errorf("%q: stdout does not say %q:\n%s", c.args, s, out)
			}
		}
		for _, s := range c.stderr {
			if !strings.Contains(errOut, s) {
				t.Errorf("%q: stderr does not say %q:\n%s", c.args, s, errOut)
			}
		}
		for _, s := range c.notOut {
			if strings.Contains(out, s) {
				t.Errorf("%q: stdout has %q:\n%q", c.args, s, out)
			}
		}
		for _, s := range c.notErr {
			if strings.Contains(errOut, s) {
				t.Errorf("%q: stderr has %q:\n%q", c.args, s, errOut)
			}
		}
		if c.pathOnce != "" && strings.Count(errOut, c.pathOnce) != 1 {
			t.Errorf("%q: stderr names %s %d times, want once:\n%s", c.args, c.pathOnce, strings.Count(errOut, c.pathOnce), errOut)
		}
	}
}

// A new user's mistakes get one clear line each: a missing file is named
// once, a bundle given to sanitize is called a zip, and report -o into a
// folder that does not exist names that folder.
func TestErrorsNameThePathOnceAndSayWhatAFileIs(t *testing.T) {
	dir := t.TempDir()
	writeZip(t, filepath.Join(dir, "bundle.zip"), "session.har", string(hostileHAR()))
	os.WriteFile(filepath.Join(dir, "ok.har"), hostileHAR(), 0o600)
	var cases []cliCase
	for _, cmd := range []string{"inspect", "report", "replay", "view", "scan"} {
		cases = append(cases, cliCase{args: []string{cmd, "missing.zip"}, code: 2,
			stderr: []string{"missing.zip: no such file or directory"}, pathOnce: "missing.zip"})
	}
	cases = append(cases,
		cliCase{args: []string{"sanitize", "bundle.zip", "-o", "out.har"}, code: 2,
			stderr: []string{"bundle.zip is a zip", "reprokit scan bundle.zip"}, notErr: []string{"invalid JSON", "invalid character"}},
		cliCase{args: []string{"report", "ok.har", "-o", filepath.Join(dir, "no-such-dir", "r.html")}, code: 2,
			stderr: []string{"the folder " + filepath.Join(dir, "no-such-dir") + " does not exist"}, notErr: []string{".report-", ".tmp"}},
	)
	checkCLI(t, dir, cases)
	if _, err := os.Stat(filepath.Join(dir, "out.har")); err == nil {
		t.Error("sanitize of a zip wrote out.har")
	}
}

// Text from a bundle or HAR reaches the terminal with its control
// characters escaped: a URL holding ESC[2J…ESC[32mall checks passed
// ESC]0;PWNED cannot clear the screen, fake a line or set the title.
// And inspect exits 1 when the bundle does not match its bundle.json.
func TestInspectAndScanEscapeTerminalControlsAndInspectFailsOnIntegrity(t *testing.T) {
	dir := t.TempDir()
	har := hostileHAR()
	os.WriteFile(filepath.Join(dir, "evil.har"), har, 0o600)
	manifest := fmt.Sprintf(`{"format":1,"files":[{"name":"session.har","size":%d,"sha256":"%s"}]}`, len(har), strings.Repeat("00", 32))
	writeZip(t, filepath.Join(dir, "changed.zip"), "bundle.json", manifest, "session.har", string(har))
	writeZip(t, filepath.Join(dir, "members.zip"), "notes\x1b]0;PWNED\x07.txt", "x\n{\"password\":\"hunter2hunter2\"}\n")
	raw := []string{"\x1b", "\x07"}
	checkCLI(t, dir, []cliCase{
		{args: []string{"inspect", "evil.har"}, code: 0,
			stdout: []string{`\x1b[2J\x1b[H\x1b[32mall checks passed\x1b]0;PWNED\x07`, `req-\x1b]0;PWNED\x07`}, notOut: raw},
		{args: []string{"inspect", "changed.zip"}, code: 1,
			stdout: []string{"INTEGRITY 1 problem", "SHA-256 differs"}, stderr: []string{"changed.zip does not match its bundle.json"}},
		{args: []string{"inspect", "changed.zip", "--json"}, code: 1, stdout: []string{`"integrity": [`}},
		{args: []string{"scan", "members.zip"}, code: 1,
			stdout: []string{`members.zip!notes\x1b]0;PWNED\x07.txt`}, notOut: raw},
	})
}

// scan keeps its text fallback for files that look like JSON but are not,
// but never calls such a file clean: nothing found is exit 2 with what
// went wrong, findings are exit 1 as before.
func TestScanNeverCallsAFileItReadOnlyAsTextClean(t *testing.T) {
	dir := t.TempDir()
	har := hostileHAR()
	os.WriteFile(filepath.Join(dir, "empty.json"), nil, 0o600)
	os.WriteFile(filepath.Join(dir, "truncated.har"), har[:len(har)/2], 0o600)
	os.WriteFile(filepath.Join(dir, "deep.json"), []byte(strings.Repeat("[", 100000)+strings.Repeat("]", 100000)), 0o600)
	os.WriteFile(filepath.Join(dir, "broken.har"), []byte("{\"log\": {\"entries\": [}\n\"password\": \"hunter2hunter2\"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "ok.har"), har, 0o600)
	fallback := "scanned as text, nothing found"
	checkCLI(t, dir, []cliCase{
		{args: []string{"scan", "empty.json"}, code: 2, stderr: []string{"empty.json: could not read as a HAR (the file is empty); " + fallback}, notErr: []string{"clean"}},
		{args: []string{"scan", "truncated.har"}, code: 2, stderr: []string{"truncated.har: could not read as a HAR (", "truncated", fallback}, notErr: []string{"clean"}},
		{args: []string{"scan", "deep.json"}, code: 2, stderr: []string{"deep.json: could not read as a HAR (JSON nested more than", fallback}, notErr: []string{"clean"}},
		{args: []string{"scan", "broken.har"}, code: 1, stdout: []string{"broken.har\t2:"}, stderr: []string{"broken.har: could not read as a HAR (invalid JSON", "scanned as text"}, notErr: []string{"nothing found"}},
		{args: []string{"scan", "ok.har"}, code: 0, stderr: []string{"clean (1 file(s))"}, notErr: []string{"could not read"}},
		{args: []string{"scan", "ok.har", "empty.json"}, code: 2, stderr: []string{"empty.json: could not read as a HAR"}, notErr: []string{"clean"}},
	})
}
