package install

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// PackResult describes a packed extension zip.
type PackResult struct {
	Path     string   `json:"path"`
	Files    []string `json:"files"`
	Bytes    int64    `json:"bytes"`
	Version  string   `json:"version"`
	KeyFound bool     `json:"keyStripped"`
}

// packEpoch is the time stamp of every zip entry, so that packing the same
// tree twice gives the same bytes.
var packEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var versionPattern = regexp.MustCompile(`^\d{1,9}(\.\d{1,9}){0,3}$`)

// skipInPack says whether a file or folder of the extension stays out of the
// store zip: dotfiles, tests, notes, and above all private keys.
func skipInPack(rel string, dir bool) bool {
	base := path.Base(rel)
	if strings.HasPrefix(base, ".") {
		return true
	}
	if dir {
		switch base {
		case "test", "tests", "testdata", "node_modules", "__tests__":
			return true
		}
		return false
	}
	for _, suf := range []string{".md", ".pem", ".crx", ".zip", ".map", "_test.js", ".test.js", ".spec.js", "~"} {
		if strings.HasSuffix(strings.ToLower(base), suf) {
			return true
		}
	}
	return false
}

// PackExtension writes the store-ready zip of the extension folder dir to
// out: manifest.json at the root without its "key" field (the Chrome Web
// Store rejects a manifest with a key; the store assigns the ID, and policy
// or an unpacked load keeps the pinned one), every other file except
// dotfiles, tests, notes (*.md) and private keys (*.pem), in a stable order
// with fixed times. It checks that the manifest is Manifest V3 and that the
// files it names exist.
func PackExtension(dir, out string) (*PackResult, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("no extension at %s (%v): pass the extension folder with --dir", dir, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s/manifest.json is not valid JSON: %v", dir, err)
	}
	if mv, _ := m["manifest_version"].(float64); mv != 3 {
		return nil, fmt.Errorf("%s/manifest.json: manifest_version is %v; the store takes Manifest V3", dir, m["manifest_version"])
	}
	ver, _ := m["version"].(string)
	if !versionPattern.MatchString(ver) {
		return nil, fmt.Errorf("%s/manifest.json: version %q must be 1 to 4 dot-separated numbers", dir, ver)
	}
	if name, _ := m["name"].(string); name == "" {
		return nil, fmt.Errorf("%s/manifest.json has no name", dir)
	}
	res := &PackResult{Version: ver}
	if _, ok := m["key"]; ok {
		res.KeyFound = true
		delete(m, "key")
	}
	for _, ref := range manifestFiles(m) {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(ref))); err != nil {
			return nil, fmt.Errorf("manifest.json names %s, which is missing from %s", ref, dir)
		}
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if skipInPack(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link: the store zip takes plain files only", p)
		}
		if !d.IsDir() && rel != "manifest.json" {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the extension: %w", err)
	}
	sort.Strings(files)
	res.Files = append([]string{"manifest.json"}, files...)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: packEpoch})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	if err := add("manifest.json", append(manifest, '\n')); err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		if err := add(f, data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(abs, buf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", abs, err)
	}
	res.Path, res.Bytes = abs, int64(buf.Len())
	return res, nil
}

// manifestFiles lists the files an extension manifest refers to.
func manifestFiles(m map[string]any) []string {
	var out []string
	str := func(v any) {
		if s, ok := v.(string); ok && s != "" && !strings.Contains(s, "*") {
			out = append(out, strings.TrimPrefix(s, "/"))
		}
	}
	strs := func(v any) {
		if l, ok := v.([]any); ok {
			for _, x := range l {
				str(x)
			}
		}
	}
	vals := func(v any) {
		if mm, ok := v.(map[string]any); ok {
			for _, x := range mm {
				str(x)
			}
		}
	}
	if bg, ok := m["background"].(map[string]any); ok {
		str(bg["service_worker"])
	}
	for _, k := range []string{"action", "browser_action"} {
		if a, ok := m[k].(map[string]any); ok {
			str(a["default_popup"])
			vals(a["default_icon"])
			str(a["default_icon"])
		}
	}
	vals(m["icons"])
	str(m["options_page"])
	if o, ok := m["options_ui"].(map[string]any); ok {
		str(o["page"])
	}
	if s, ok := m["storage"].(map[string]any); ok {
		str(s["managed_schema"])
	}
	if cs, ok := m["content_scripts"].([]any); ok {
		for _, c := range cs {
			if cm, ok := c.(map[string]any); ok {
				strs(cm["js"])
				strs(cm["css"])
			}
		}
	}
	if sp, ok := m["side_panel"].(map[string]any); ok {
		str(sp["default_path"])
	}
	return out
}

// ErrNoExtensionDir is returned by FindExtensionDir when no extension
// folder is found.
var ErrNoExtensionDir = errors.New("extension folder not found: pass --dir PATH/TO/extension (the folder with manifest.json)")

// FindExtensionDir looks for the extension folder: ./extension, or
// extension/ next to the binary or one and two folders above it (a source
// checkout).
func FindExtensionDir() (string, error) {
	cands := []string{"extension"}
	if exe, err := os.Executable(); err == nil {
		d := filepath.Dir(exe)
		cands = append(cands, filepath.Join(d, "extension"), filepath.Join(d, "..", "extension"), filepath.Join(d, "..", "..", "extension"),
			filepath.Join(d, "..", "share", "reprokit", "extension"))
	}
	for _, c := range cands {
		if _, err := os.Stat(filepath.Join(c, "manifest.json")); err == nil {
			return filepath.Abs(c)
		}
	}
	return "", ErrNoExtensionDir
}
