package native

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/testapp"
)

// TestHelperHoldsAClaim is not a test: the process that
// testapp.StartClaimHolder starts to hold a spool's claim.
func TestHelperHoldsAClaim(t *testing.T) {
	testapp.HoldClaimIfAsked()
	t.Skip("a helper process of the claim test")
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

	kill, err := testapp.StartClaimHolder(d.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kill)

	if _, err := Finish(context.Background(), d.Path(), out); !errors.Is(err, spool.ErrBeingFinished) {
		t.Fatalf("Finish while another process holds the claim: %v; want %v", err, spool.ErrBeingFinished)
	}
	if zips, _ := filepath.Glob(filepath.Join(out, "*.zip")); len(zips) != 0 {
		t.Errorf("a bundle was written while another process held the claim: %v", zips)
	}
	if m, err := d.Meta(); err != nil || m.BundleError != "" || m.Status != spool.StatusRecording {
		t.Errorf("the claimed spool was changed: %+v, %v", m, err)
	}

	kill()
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
