package demo

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/seal"
)

// A sealed demo bundle: reprokit demo --seal-to writes ….zip.age, which
// holds none of the recording's strings, opens with the team's identity in
// inspect, scan, report and unseal (and in the standard age tool), and is
// refused with exit 2 under another key.
func TestReprokitDemoSealedOnlyTheTeamOpens(t *testing.T) {
	browser := browserPath(t)
	if testing.Short() {
		t.Skip("builds the binary and records a full session")
	}
	bin := buildReprokit(t)
	work := t.TempDir()
	run := func(wantExit int, args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "REPROKIT_BROWSER="+browser, "REPROKIT_OUT_DIR=", "REPROKIT_IDENTITY=")
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if code != wantExit {
			t.Fatalf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, wantExit, o.String(), e.String())
		}
		return o.String(), e.String()
	}
	_, errOut := run(0, "keygen", "-o", "team.key")
	pub := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(errOut), "public key:"))
	run(0, "keygen", "-o", "other.key")

	tmp, err := os.MkdirTemp("", "rkseal")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	cmd := exec.Command(bin, "demo", "--out", filepath.Join(work, "case.zip"), "--seal-to", pub)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "REPROKIT_BROWSER="+browser, "TMPDIR="+tmp, "REPROKIT_OUT_DIR=")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("reprokit demo --seal-to: %v\n%s", err, e.String())
	}
	sealed := filepath.Join(work, "case.zip.age")
	if got := strings.TrimSpace(o.String()); got != sealed {
		t.Fatalf("stdout %q, want the sealed bundle's path %q", got, sealed)
	}
	if _, err := os.Stat(filepath.Join(work, "case.zip")); err == nil {
		t.Error("a plaintext case.zip was left in the output folder")
	}
	data, err := os.ReadFile(sealed)
	if err != nil || !seal.IsSealed(sealed) {
		t.Fatalf("the output is not an age file: %v", err)
	}
	for _, s := range []string{"session.har", "Northwind", "/api/chat", "req_", "bundle.json", "PNG"} {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("the sealed bundle's bytes hold %q", s)
		}
	}

	summary, _ := run(0, "inspect", sealed, "--identity", "team.key")
	if !strings.Contains(summary, "requests") || !strings.Contains(summary, "413") {
		t.Errorf("inspect of the sealed bundle:\n%s", summary)
	}
	run(0, "scan", sealed, "--identity", "team.key")
	_, wrong := run(2, "inspect", sealed, "--identity", "other.key")
	if !strings.Contains(wrong, "wrong key") {
		t.Errorf("a wrong key says: %s", wrong)
	}
	run(2, "inspect", sealed) // no identity
	reportPath, _ := run(0, "report", sealed, "--identity", "team.key", "-o", "r.html")
	if !strings.HasSuffix(strings.TrimSpace(reportPath), "r.html") {
		t.Errorf("report printed %q", reportPath)
	}
	run(0, "unseal", sealed, "--identity", "team.key", "-o", "plain.zip")
	if zr, err := zip.OpenReader(filepath.Join(work, "plain.zip")); err != nil {
		t.Errorf("unsealed bundle: %v", err)
	} else {
		zr.Close()
	}
	if ageBin, err := exec.LookPath("age"); err == nil {
		out, err := exec.Command(ageBin, "-d", "-i", filepath.Join(work, "team.key"), sealed).Output()
		if err != nil || !bytes.HasPrefix(out, []byte("PK")) {
			t.Errorf("age -d of the sealed bundle: %v (%d bytes)", err, len(out))
		}
	}
}
