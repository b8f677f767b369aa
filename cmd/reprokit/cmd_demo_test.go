package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoAndRecordCheckTheirArgumentsFirst runs the real binary: a bad
// argument to demo or record is a usage error (exit 2) that names the
// problem before anything starts (no demo app, no browser, no recovery of
// old recordings), the same way for both commands.
func TestDemoAndRecordCheckTheirArgumentsFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "reprokit")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	missing := filepath.Join(tmp, "no-such-dir")
	notExe := filepath.Join(tmp, "not-a-browser")
	os.WriteFile(notExe, []byte("text"), 0o600)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--out", filepath.Join(missing, "b.zip")}, "does not exist"},
		{[]string{"--out", filepath.Join(tmp, "b.txt")}, "give a name ending in .zip"},
		{[]string{"--events", filepath.Join(missing, "e.jsonl")}, "--events"},
		{[]string{"--budget", "lots"}, "--budget"},
		{[]string{"--browser", notExe}, notExe},
		{[]string{"--browser", filepath.Join(missing, "chrome")}, "no-such-dir"},
	}
	for _, cmdName := range []string{"demo", "record"} {
		for _, c := range cases {
			args := append([]string{cmdName}, c.args...)
			cmd := exec.Command(bin, args...)
			cmd.Dir = tmp
			// A spool base of its own: a recovery run would show there.
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "REPROKIT_OUT_DIR=")
			var o, e bytes.Buffer
			cmd.Stdout, cmd.Stderr = &o, &e
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Errorf("%v: %v, want exit 2\nstderr: %s", args, err, e.String())
				continue
			}
			if o.Len() != 0 {
				t.Errorf("%v printed on stdout: %q", args, o.String())
			}
			if !strings.Contains(e.String(), c.want) {
				t.Errorf("%v: stderr does not name %q:\n%s", args, c.want, e.String())
			}
			if strings.Contains(e.String(), "demo app:") || strings.Contains(e.String(), "recovering") {
				t.Errorf("%v started work before checking its arguments:\n%s", args, e.String())
			}
		}
	}
}
