package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/native"
	"github.com/reprokit/reprokit/host/seal"
)

// A fleet whose managed configuration seals every bundle (sealTo +
// requireSeal): the review says who for, the saved bundle is ….zip.age,
// only the team's identity opens it and it holds the recording, and the
// reporter can still copy the support request (issue 15).
func TestAManagedSealToSealsEveryBundleAndTheReviewSaysWhoFor(t *testing.T) {
	needBrowser(t)
	work := t.TempDir()
	keyText, pub, err := seal.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(work, "team.key")
	os.WriteFile(key, []byte(keyText), 0o600)
	// The machine's managed policy, under a root of its own
	// (REPROKIT_ROOT), as an admin's /etc/chromium/policies/managed file.
	root := filepath.Join(work, "root")
	policyDir := filepath.Join(root, "etc", "chromium", "policies", "managed")
	os.MkdirAll(policyDir, 0o755)
	pol, _ := json.Marshal(map[string]any{"3rdparty": map[string]any{"extensions": map[string]any{
		native.ExtensionID: map[string]any{"sealTo": map[string]any{"label": "Acme Support", "recipients": []string{pub}}, "requireSeal": true}}}})
	if err := os.WriteFile(filepath.Join(policyDir, "reprokit.json"), pol, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(work, "bundles")
	browser, cancel, err := launchBrowser(filepath.Join(work, "profile"),
		"HOME="+filepath.Join(work, "home"), "REPROKIT_ROOT="+root, "REPROKIT_OUT_DIR="+out, "TMPDIR="+env.tmpDir,
		"REPROKIT_REPORTS_DIR="+filepath.Join(work, "reports"), "REPROKIT_HOST_LOG="+env.hostLog, "REPROKIT_AUDIT_LOG="+filepath.Join(work, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	app := newTabIn(t, browser)
	run(t, app, "open the app", chromedp.Navigate(env.app.URL+"/"))
	popup, _ := openPopupIn(t, browser, app)
	waitStatus(t, popup, "idle", 5*time.Second)
	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	run(t, app, "use the app", chromedp.Navigate(env.app.URL+"/steps"))
	click(t, popup, "stop")
	waitStatus(t, popup, "review", 60*time.Second)
	sealedFor := eval[string](t, popup, `document.querySelector('[data-testid=review-sealed]').textContent`)
	if !strings.Contains(sealedFor, "Acme Support") || !strings.Contains(sealedFor, pub[:8]) || strings.Contains(sealedFor, pub) {
		t.Errorf("the review says %q, want who the bundle is sealed for, by fingerprint", sealedFor)
	}
	click(t, popup, "save")
	waitStatus(t, popup, "done", 60*time.Second)
	path := eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent.replace(/ \([^)]*\)$/, '')`)
	if !strings.HasSuffix(path, ".zip.age") || !seal.IsSealed(path) {
		t.Fatalf("the saved bundle %q is not sealed", path)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("the output folder holds %d files, want only the sealed bundle", len(entries))
	}
	if !eval[bool](t, popup, `!document.querySelector('[data-testid=copy-support]').hidden && supportText.includes('Reprokit')`) {
		t.Error("the done state offers no support request to copy")
	}
	ids, err := seal.LoadIdentities([]string{key})
	if err != nil {
		t.Fatal(err)
	}
	plain, cleanup, err := seal.OpenPrivate(path, ids)
	if err != nil {
		t.Fatalf("the team's identity does not open the bundle: %v", err)
	}
	defer cleanup()
	b, err := bundle.Open(plain)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b.Entries()); n == 0 {
		t.Error("the sealed bundle holds no request")
	}
	if audit, _ := os.ReadFile(filepath.Join(work, "audit.log")); !strings.Contains(string(audit), `"sealedTo"`) || strings.Contains(string(audit), pub) {
		t.Errorf("the audit log does not name the recipient by fingerprint:\n%s", audit)
	}
}
