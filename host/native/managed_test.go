package native

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/install"
)

func TestTheManagedConfigurationBeatsWhatTheExtensionAsks(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("REPROKIT_OUT_DIR", "")
	budget, keep := 5, false
	cfg := &install.ManagedConfig{
		OutputFolder: "~/Support bundles", SizeBudgetMB: &budget, AllowKeepFinding: &keep,
		SanitizerPolicy: json.RawMessage(`{"keep":["x-workspace-id"]}`),
	}
	h := newHost(io.Discard, Options{Managed: cfg, Log: log.New(io.Discard, "", 0)})
	if want := filepath.Join(home, "Support bundles"); h.outDir != want {
		t.Errorf("output folder %q, want the managed %q", h.outDir, want)
	}
	opts, err := h.mp.bundleOptions(SaveRequest{Allow: []string{"jwt"}, ExcludeDomains: []string{"ads.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Allow != nil {
		t.Errorf("the reporter kept findings %v although the policy forbids it", opts.Allow)
	}
	if opts.Budget != 5<<20 || opts.Policy == nil || len(opts.Exclude) != 1 {
		t.Errorf("bundle options %+v", opts)
	}
}

func TestABrokenManagedPolicyRefusesToSave(t *testing.T) {
	mp := loadMachinePolicy(&install.ManagedConfig{SanitizerPolicy: json.RawMessage(`{"rules":[{"name":""}]}`)}, log.New(io.Discard, "", 0))
	_, err := mp.bundleOptions(SaveRequest{})
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != CodeSaveFailed {
		t.Fatalf("a broken managed policy gave %v, want a refused save", err)
	}
}

func TestRetentionDeletesOldBundlesAndAuditsIt(t *testing.T) {
	dir := t.TempDir()
	auditLog := filepath.Join(t.TempDir(), "audit.log")
	t.Setenv("REPROKIT_AUDIT_LOG", auditLog)
	old, recent := filepath.Join(dir, "old.zip"), filepath.Join(dir, "recent.zip")
	theirs := filepath.Join(dir, "holiday-photos.zip") // not a bundle: never touched
	writeZip(t, old, "bundle.json")
	writeZip(t, recent, "bundle.json")
	writeZip(t, theirs, "IMG_0001.jpg")
	past := time.Now().AddDate(0, 0, -40)
	os.Chtimes(old, past, past)
	os.Chtimes(theirs, past, past)
	days := 30
	mp := loadMachinePolicy(&install.ManagedConfig{RetentionDays: &days}, log.New(io.Discard, "", 0))
	mp.applyRetention(dir, log.New(io.Discard, "", 0))
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("the 40-day-old bundle was kept")
	}
	if _, err := os.Stat(recent); err != nil {
		t.Error("the recent bundle was deleted")
	}
	if _, err := os.Stat(theirs); err != nil {
		t.Error("retention deleted an old zip that is not a Reprokit bundle")
	}
	b, _ := os.ReadFile(auditLog)
	if !strings.Contains(string(b), `"event":"retention"`) || !strings.Contains(string(b), "old.zip") {
		t.Errorf("audit log: %s", b)
	}
}

// writeZip writes a zip holding one small file named name.
func writeZip(t testing.TB, path, name string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create(name)
	w.Write([]byte("{}"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// The output folder and skipping the review are two settings (issue 11
// item 5): REPROKIT_OUT_DIR alone keeps the review; REPROKIT_AUTO_SAVE=1 or
// the managed autoSave skip it.
func TestTheOutputFolderDoesNotSkipTheReview(t *testing.T) {
	quiet := log.New(io.Discard, "", 0)
	empty := &install.ManagedConfig{}
	t.Setenv("REPROKIT_OUT_DIR", t.TempDir())
	t.Setenv(EnvAutoSave, "")
	if h := newHost(io.Discard, Options{Managed: empty, Log: quiet}); h.auto || h.outDir != os.Getenv("REPROKIT_OUT_DIR") {
		t.Errorf("REPROKIT_OUT_DIR alone: auto-save %v, folder %q", h.auto, h.outDir)
	}
	t.Setenv(EnvAutoSave, "1")
	if h := newHost(io.Discard, Options{Managed: empty, Log: quiet}); !h.auto {
		t.Error("REPROKIT_AUTO_SAVE=1 does not skip the review")
	}
	t.Setenv(EnvAutoSave, "")
	on := true
	if h := newHost(io.Discard, Options{Managed: &install.ManagedConfig{AutoSave: &on}, Log: quiet}); !h.auto {
		t.Error("the managed autoSave does not skip the review")
	}
}

// The DOM replay keys of the managed configuration become the recorder's
// options; without them the replay is on with the built-in masking.
func TestTheManagedDOMReplayKeysReachTheRecorder(t *testing.T) {
	quiet := log.New(io.Discard, "", 0)
	off, on := false, true
	mp := loadMachinePolicy(&install.ManagedConfig{DOMReplay: &off}, quiet)
	if !mp.noDOM {
		t.Error("domReplay false does not turn the DOM replay off")
	}
	mp = loadMachinePolicy(&install.ManagedConfig{DOMBlockSelectors: []string{"#account", ".pii"}, DOMMaskAllText: &on}, quiet)
	if mp.noDOM || !mp.dom.MaskAllText || len(mp.dom.BlockSelectors) != 2 || mp.dom.BlockSelectors[1] != ".pii" {
		t.Errorf("machine policy %+v %+v", mp.noDOM, mp.dom)
	}
	mp = loadMachinePolicy(&install.ManagedConfig{}, quiet)
	if mp.noDOM || mp.dom.MaskAllText || len(mp.dom.BlockSelectors) != 0 {
		t.Errorf("no managed keys: %+v %+v", mp.noDOM, mp.dom)
	}
}
