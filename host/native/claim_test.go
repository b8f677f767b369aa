package native

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/reprokit/reprokit/host/spool"
)

// TestHelperHoldsAClaim is not a test: run by
// TestFinishLeavesASpoolThatAnotherProcessIsFinishing as a child process,
// it claims the spool named by REPROKIT_TEST_CLAIM, says "held" and waits
// to be killed, as a detached finisher holds the spool it is bundling.
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

// Two processes never finish one spool at once (a host's detached finisher
// and a new host recovering leftovers at hello could both bundle it): while
// another process holds the claim, Finish leaves the spool as it is and
// says why; once that process is killed, the claim is gone with it and
// Finish bundles the spool.
func TestFinishLeavesASpoolThatAnotherProcessIsFinishing(t *testing.T) {
	base, out := t.TempDir(), t.TempDir()
	t.Setenv("REPROKIT_AUDIT_LOG", filepath.Join(t.TempDir(), "audit.jsonl"))
	d := plantLeftover(t, base, out)

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
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "held\n" {
		t.Fatalf("the helper process did not take the claim: %q, %v", line, err)
	}

	if _, err := Finish(context.Background(), d.Path(), out); !errors.Is(err, spool.ErrBeingFinished) {
		t.Fatalf("Finish while another process holds the claim: %v; want %v", err, spool.ErrBeingFinished)
	}
	if zips, _ := filepath.Glob(filepath.Join(out, "*.zip")); len(zips) != 0 {
		t.Errorf("a bundle was written while another process held the claim: %v", zips)
	}
	if m, err := d.Meta(); err != nil || m.BundleError != "" || m.Status != spool.StatusRecording {
		t.Errorf("the claimed spool was changed: %+v, %v", m, err)
	}

	holder.Process.Kill()
	holder.Wait()
	path, err := Finish(context.Background(), d.Path(), out)
	if err != nil {
		t.Fatalf("Finish after the holder was killed: %v", err)
	}
	if filepath.Dir(path) != out {
		t.Errorf("bundle %s, want it in %s", path, out)
	}
	if _, err := os.Stat(d.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the finished spool is still there: %v", err)
	}
}
