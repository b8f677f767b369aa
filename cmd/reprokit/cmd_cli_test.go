package main

import (
	"bytes"
	"encoding/json"
	"errors"
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
