package recording_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/testapp"
)

// plantLeftover makes, under tmp (the TMPDIR of the commands run), the spool
// a killed recorder leaves: the protocol log of capture's test spool, a
// dead owner, and the recording's --out and --policy.
func plantLeftover(t *testing.T, tmp, out, policy string) *spool.Dir {
	t.Helper()
	base := filepath.Join(tmp, "reprokit-"+strconv.Itoa(os.Getuid()))
	d, err := testapp.PlantLeftover(base, spool.ModeLaunch, func(m *spool.Meta) { m.Options = spool.Options{Out: out, Policy: policy} })
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// reprokit runs the binary with TMPDIR=tmp and returns its exit code,
// stdout and stderr.
func reprokit(t *testing.T, tmp, outDir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "REPROKIT_OUT_DIR="+outDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

type listed struct {
	ID, Status, Out, BundleError string
}

func listLeftovers(t *testing.T, tmp string) []listed {
	t.Helper()
	code, out, errs := reprokit(t, tmp, t.TempDir(), "recover", "--list", "--json")
	if code != 0 {
		t.Fatalf("recover --list: exit %d: %s", code, errs)
	}
	var rows []listed
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("recover --list --json: %v: %q", err, out)
	}
	return rows
}

func TestRecoverBundlesIntoTheRecordingsOwnOutListsAndDiscards(t *testing.T) {
	tmp := shortTemp(t)
	outDir := t.TempDir()
	want := filepath.Join(outDir, "mine.zip")
	good := plantLeftover(t, tmp, want, "")
	bad := plantLeftover(t, tmp, "", "/nonexistent/policy.json")
	gm, _ := good.Meta()
	bm, _ := bad.Meta()

	rows := listLeftovers(t, tmp)
	if len(rows) != 2 {
		t.Fatalf("recover --list shows %+v, want the 2 leftovers", rows)
	}

	// One by id: the bundle goes to the recording's own --out, its path on stdout.
	code, stdout, stderr := reprokit(t, tmp, t.TempDir(), "recover", gm.ID)
	if code != 0 || strings.TrimSpace(stdout) != want {
		t.Fatalf("recover %s: exit %d, stdout %q, want %s; stderr:\n%s", gm.ID, code, stdout, want, stderr)
	}
	if _, h, _ := openBundle(t, want); len(h.Log.Entries) == 0 {
		t.Errorf("the recovered bundle has no entries")
	}
	if _, err := os.Stat(good.Path()); !os.IsNotExist(err) {
		t.Errorf("the recovered spool was not removed: %v", err)
	}

	// All: the one that cannot be bundled is kept, marked, and the
	// message says how to finish it.
	code, stdout, stderr = reprokit(t, tmp, t.TempDir(), "recover")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "reprokit recover --discard "+bm.ID) {
		t.Errorf("recover with a failing leftover: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	rows = listLeftovers(t, tmp)
	if len(rows) != 1 || rows[0].ID != bm.ID || rows[0].BundleError == "" {
		t.Fatalf("after the failure, recover --list shows %+v, want %s with its bundle error", rows, bm.ID)
	}

	// Discard by a unique prefix.
	if code, _, stderr := reprokit(t, tmp, t.TempDir(), "recover", "--discard", bm.ID[:8]); code != 0 {
		t.Fatalf("recover --discard: exit %d: %s", code, stderr)
	}
	if rows := listLeftovers(t, tmp); len(rows) != 0 {
		t.Errorf("after --discard, recover --list shows %+v", rows)
	}
}
