package recording_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/spool"
)

// TestHelperHoldsAClaim is not a test: run as a child process by
// TestRecoverLeavesASpoolAnotherProcessIsFinishing, it claims the spool
// named by REPROKIT_TEST_CLAIM, says "held" and waits to be killed, as a
// native host's detached finisher holds the spool it bundles.
func TestHelperHoldsAClaim(t *testing.T) {
	path := os.Getenv("REPROKIT_TEST_CLAIM")
	if path == "" {
		t.Skip("a helper process of the claim test")
	}
	d, err := spool.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Claim(); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("held\n")
	select {}
}

// `reprokit recover` (and record's recovery at start) never bundles a spool
// that another process is finishing: it says so, leaves the spool as it is
// (not marked as failed), and bundles it once that process is gone.
func TestRecoverLeavesASpoolAnotherProcessIsFinishing(t *testing.T) {
	tmp := shortTemp(t)
	want := filepath.Join(t.TempDir(), "claimed.zip")
	d := plantLeftover(t, tmp, want, "")
	m, _ := d.Meta()

	holder := exec.Command(os.Args[0], "-test.run=^TestHelperHoldsAClaim$")
	holder.Env = append(os.Environ(), "REPROKIT_TEST_CLAIM="+d.Path())
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "held\n" {
		t.Fatalf("the claim holder said %q", line)
	}

	code, out, stderr := reprokit(t, tmp, t.TempDir(), "recover", m.ID)
	if code != 1 || out != "" || !strings.Contains(stderr, "another Reprokit process is finishing this recording") {
		t.Fatalf("recover of a claimed spool: exit %d, stdout %q, stderr:\n%s", code, out, stderr)
	}
	if rows := listLeftovers(t, tmp); len(rows) != 1 || rows[0].ID != m.ID || rows[0].BundleError != "" {
		t.Fatalf("after recover of a claimed spool, recover --list shows %+v; want it untouched", rows)
	}

	holder.Process.Kill()
	holder.Wait()
	code, out, stderr = reprokit(t, tmp, t.TempDir(), "recover", m.ID)
	if code != 0 || strings.TrimSpace(out) != want {
		t.Fatalf("recover once the holder is gone: exit %d, stdout %q; stderr:\n%s", code, out, stderr)
	}
}
