package install

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The CLI commands as a user runs them: exit codes, stdout and files.
func TestPolicyAndPackExtensionCommands(t *testing.T) {
	bin := needBinary(t)
	home := t.TempDir()

	out, stderr, code := runCLI(t, bin, home, "policy", "--format", "json", "--size-budget-mb", "20", "--allow-keep-finding", "false")
	var pol map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &pol) != nil || pol["NativeMessagingAllowlist"] == nil {
		t.Fatalf("policy exited %d: %s %s", code, out, stderr)
	}
	if !strings.Contains(stderr, "REPLACE-WITH-UPDATE-URL") {
		t.Errorf("no reminder to fill in the update URL: %s", stderr)
	}
	if _, stderr, code := runCLI(t, bin, home, "policy", "--format", "yaml"); code != 2 || !strings.Contains(stderr, "json, reg, plist, mobileconfig") {
		t.Errorf("bad format exited %d: %s", code, stderr)
	}
	if _, _, code := runCLI(t, bin, home, "policy", "--size-budget-mb", "0"); code != 2 {
		t.Errorf("a zero budget exited %d", code)
	}

	ext, _ := filepath.Abs(filepath.Join("..", "..", "extension"))
	zipPath := filepath.Join(t.TempDir(), "reprokit-extension.zip")
	out, stderr, code = runCLI(t, bin, home, "pack-extension", "--dir", ext, "-o", zipPath)
	if code != 0 || strings.TrimSpace(out) != zipPath {
		t.Fatalf("pack-extension exited %d, stdout %q: %s", code, out, stderr)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if zr.File[0].Name != "manifest.json" {
		t.Errorf("first entry %s", zr.File[0].Name)
	}
	if _, _, code := runCLI(t, bin, home, "pack-extension", "--dir", t.TempDir(), "-o", zipPath+"2"); code != 2 {
		t.Errorf("an empty folder exited %d", code)
	}
	if _, err := os.Stat(zipPath + "2"); err == nil {
		t.Error("a zip was written for an empty folder")
	}

	// Bad input to install is a usage error that says what is expected.
	_, stderr, code = runCLI(t, bin, home, "install", "--dry-run", "--extension-id", "not-an-id")
	if code != 2 || !strings.Contains(stderr, "32 letters") {
		t.Errorf("bad extension id exited %d: %s", code, stderr)
	}
	_, stderr, code = runCLI(t, bin, home, "install", "--scope", "everyone")
	if code != 2 || !strings.Contains(stderr, "--scope user or --scope system") {
		t.Errorf("bad scope exited %d: %s", code, stderr)
	}
}
