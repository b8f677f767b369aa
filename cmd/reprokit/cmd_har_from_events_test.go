package main

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

// TestHarFromEventsCommand runs the real binary on the builder's fixtures.
func TestHarFromEventsCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "reprokit")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fixture := func(name string) string {
		p, err := filepath.Abs(filepath.Join("..", "..", "host", "capture", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(t *testing.T, dir string, stdin []byte, args ...string) (stdout, stderr string, code int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"har-from-events"}, args...)...)
		cmd.Dir = dir
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		if stdin != nil {
			cmd.Stdin = bytes.NewReader(stdin)
		}
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return o.String(), e.String(), code
	}

	t.Run("converts a log and prints only the HAR's absolute path", func(t *testing.T) {
		dir := t.TempDir()
		out, errOut, code := run(t, dir, nil, fixture("redirects.jsonl"), "-o", "r.har")
		want := filepath.Join(dir, "r.har")
		if code != 0 || out != want+"\n" {
			t.Fatalf("exit %d stdout %q stderr %q; want the path %s", code, out, errOut, want)
		}
		var h struct {
			Log struct {
				Entries []struct {
					Response struct{ Status int } `json:"response"`
				} `json:"entries"`
			} `json:"log"`
		}
		b, _ := os.ReadFile(want)
		if err := json.Unmarshal(b, &h); err != nil || len(h.Log.Entries) != 7 || h.Log.Entries[0].Response.Status != 301 {
			t.Errorf("HAR: %v, %d entries", err, len(h.Log.Entries))
		}
		if st, _ := os.Stat(want); st.Mode().Perm() != 0o600 {
			t.Errorf("the unsanitized HAR has mode %v, want 0600", st.Mode().Perm())
		}
	})

	t.Run("names the output after the log by default and reads body files next to it", func(t *testing.T) {
		dir := t.TempDir()
		out, errOut, code := run(t, dir, nil, fixture("bodyfile.jsonl"))
		if code != 0 || out != filepath.Join(dir, "bodyfile.har")+"\n" {
			t.Fatalf("exit %d stdout %q stderr %q", code, out, errOut)
		}
		if !strings.Contains(errOut, "outside the log's directory") {
			t.Errorf("the refused body file should be warned about on stderr: %q", errOut)
		}
		b, _ := os.ReadFile(filepath.Join(dir, "bodyfile.har"))
		if !bytes.Contains(b, []byte(`héllo \"world\"`)) {
			t.Error("the text body file is not in the HAR")
		}
	})

	t.Run("reads an events-only array from stdin", func(t *testing.T) {
		dir := t.TempDir()
		log, _ := os.ReadFile(fixture("events_only.json"))
		out, errOut, code := run(t, dir, log, "-", "-o", "in.har")
		if code != 0 || !strings.HasSuffix(out, "in.har\n") {
			t.Fatalf("exit %d stdout %q stderr %q", code, out, errOut)
		}
	})

	t.Run("rejects a malformed log with line and column and leaves nothing behind", func(t *testing.T) {
		dir := t.TempDir()
		bad := filepath.Join(dir, "bad.jsonl")
		os.WriteFile(bad, []byte("{\"method\":\"a\"}\n{\"method\":\"b\",\"params\":{]}\n"), 0o600)
		out, errOut, code := run(t, dir, nil, bad, "-o", "bad.har")
		if code != 2 || out != "" || !strings.Contains(errOut, "line 2, column 25") {
			t.Errorf("exit %d stdout %q stderr %q", code, out, errOut)
		}
		left, _ := os.ReadDir(dir)
		if len(left) != 1 {
			t.Errorf("files left behind: %v", left)
		}
	})

	t.Run("usage errors exit 2", func(t *testing.T) {
		dir := t.TempDir()
		for _, args := range [][]string{{}, {"a", "b"}, {filepath.Join(dir, "missing.jsonl")}, {"-"}, {dir}} {
			if _, errOut, code := run(t, dir, nil, args...); code != 2 || errOut == "" {
				t.Errorf("%v: exit %d stderr %q", args, code, errOut)
			}
		}
		if _, _, code := run(t, dir, nil, "-h"); code != 0 {
			t.Errorf("-h exits %d", code)
		}
	})
}
