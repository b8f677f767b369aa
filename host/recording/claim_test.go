package recording_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/testapp"
)

// TestHelperHoldsAClaim is not a test: the process that
// testapp.StartClaimHolder starts to hold a spool's claim.
func TestHelperHoldsAClaim(t *testing.T) {
	testapp.HoldClaimIfAsked()
	t.Skip("a helper process of the claim test")
}

// `reprokit recover` (and record's recovery at start) never bundles a spool
// that another process is finishing: it says so, leaves the spool as it is
// (not marked as failed), and bundles it once that process is gone.
func TestRecoverLeavesASpoolAnotherProcessIsFinishing(t *testing.T) {
	tmp := shortTemp(t)
	want := filepath.Join(t.TempDir(), "claimed.zip")
	d := plantLeftover(t, tmp, want, "")
	m, _ := d.Meta()

	kill, err := testapp.StartClaimHolder(d.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kill)

	code, out, stderr := reprokit(t, tmp, t.TempDir(), "recover", m.ID)
	if code != 1 || out != "" || !strings.Contains(stderr, "another Reprokit process is finishing this recording") {
		t.Fatalf("recover of a claimed spool: exit %d, stdout %q, stderr:\n%s", code, out, stderr)
	}
	if rows := listLeftovers(t, tmp); len(rows) != 1 || rows[0].ID != m.ID || rows[0].BundleError != "" {
		t.Fatalf("after recover of a claimed spool, recover --list shows %+v; want it untouched", rows)
	}

	kill()
	code, out, stderr = reprokit(t, tmp, t.TempDir(), "recover", m.ID)
	if code != 0 || strings.TrimSpace(out) != want {
		t.Fatalf("recover once the holder is gone: exit %d, stdout %q; stderr:\n%s", code, out, stderr)
	}
}
