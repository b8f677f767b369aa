package e2e

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// An installed binary has no source tree next to it: pack-extension packs
// the extension embedded in the binary, icons included, without the Go
// files that live in the extension folder (QA: it failed outside the repo
// without --dir).
func TestPackExtensionWorksFromAnInstalledBinaryOutsideTheRepo(t *testing.T) {
	needBrowser(t) // env.binary is built with the browser tests
	dir := t.TempDir()
	cmd := exec.Command(env.binary, "pack-extension", "-o", "store.zip")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pack-extension in %s: %v\n%s", dir, err, exitStderr(err))
	}
	want := filepath.Join(dir, "store.zip")
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("stdout %q, want the zip's absolute path %s", got, want)
	}
	zr, err := zip.OpenReader(want)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string]bool{}
	var manifest map[string]any
	for _, f := range zr.File {
		files[f.Name] = true
		if strings.HasSuffix(f.Name, ".go") {
			t.Errorf("the store zip holds the Go source %s", f.Name)
		}
		if f.Name == "manifest.json" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if err := json.Unmarshal(b, &manifest); err != nil {
				t.Fatalf("manifest.json in the zip: %v", err)
			}
		}
	}
	if _, ok := manifest["key"]; ok {
		t.Error(`the store zip's manifest keeps "key"`)
	}
	icons, _ := manifest["icons"].(map[string]any)
	action, _ := manifest["action"].(map[string]any)
	toolbar, _ := action["default_icon"].(map[string]any)
	if len(icons) != 4 || len(toolbar) == 0 {
		t.Errorf("manifest icons %v, action.default_icon %v: want 16, 32, 48 and 128 and a toolbar icon", icons, toolbar)
	}
	for _, m := range []map[string]any{icons, toolbar} {
		for size, p := range m {
			if !files[p.(string)] {
				t.Errorf("the %s px icon %s is not in the zip", size, p)
			}
		}
	}
	for _, f := range []string{"popup.html", "popup.js", "sw.js", "_locales/en/messages.json", "_locales/ko/messages.json", "managed_schema.json"} {
		if !files[f] {
			t.Errorf("the store zip lacks %s", f)
		}
	}
}

func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
