// Package install registers the Reprokit native-messaging host with
// Chromium-family browsers, removes it again, checks an installation
// (doctor) and generates enterprise policies for fleets.
//
// The browser-facing artefact is one small JSON file, the host manifest
// io.reprokit.host.json (see [Manifest]). Chrome finds it in a per-browser,
// per-OS folder (Linux, macOS) or through a registry key (Windows); the
// tables of those places are in locations.go.
package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// HostName is the native-messaging host name the extension connects to
// (chrome.runtime.connectNative("io.reprokit.host")).
const HostName = "io.reprokit.host"

// ManifestFile is the file name of the host manifest in a
// NativeMessagingHosts folder.
const ManifestFile = HostName + ".json"

// DefaultExtensionID is the ID of the Reprokit extension, pinned by the
// "key" in extension/manifest.json (see extension/README.md) and equal to
// native.ExtensionID. Install and Doctor use it when no --extension-id is
// given.
var DefaultExtensionID = "faopfiifgikcmfmcbomefbgdldblamae"

// Manifest is a native-messaging host manifest as Chrome reads it.
// Path must be absolute on Linux and macOS; AllowedOrigins entries must be
// "chrome-extension://<id>/" with the trailing slash, or Chrome reports the
// misleading "Specified native messaging host not found".
type Manifest struct {
	Name           string   `json:"name"`
	Description    string   `json:"description"`
	Path           string   `json:"path"`
	Type           string   `json:"type"`
	AllowedOrigins []string `json:"allowed_origins"`
}

var extensionIDPattern = regexp.MustCompile(`^[a-p]{32}$`)

// ValidExtensionID reports whether id has the shape of a Chrome extension ID:
// 32 letters from a to p.
func ValidExtensionID(id string) bool { return extensionIDPattern.MatchString(id) }

// Origin returns the allowed_origins entry for an extension ID, with the
// trailing slash Chrome requires.
func Origin(extensionID string) string { return "chrome-extension://" + extensionID + "/" }

// NewManifest returns the manifest for the host binary at binary (made
// absolute) that the given extensions may start.
func NewManifest(binary string, extensionIDs []string) (*Manifest, error) {
	if binary == "" {
		return nil, errors.New("no host binary given: pass the path of the reprokit binary")
	}
	abs, err := filepath.Abs(binary)
	if err != nil {
		return nil, fmt.Errorf("host binary %q: %w", binary, err)
	}
	if len(extensionIDs) == 0 {
		return nil, errors.New("no extension ID given: pass --extension-id (the ID is in extension/README.md)")
	}
	m := &Manifest{
		Name:        HostName,
		Description: "Reprokit native host: records sanitized support bundles",
		Path:        abs,
		Type:        "stdio",
	}
	seen := map[string]bool{}
	for _, id := range extensionIDs {
		id = strings.TrimSpace(id)
		if !ValidExtensionID(id) {
			return nil, fmt.Errorf("extension ID %q is not valid: an ID is 32 letters a-p, as shown on chrome://extensions", id)
		}
		if !seen[id] {
			seen[id] = true
			m.AllowedOrigins = append(m.AllowedOrigins, Origin(id))
		}
	}
	return m, nil
}

// Encode returns the manifest as indented JSON with a final newline.
func (m *Manifest) Encode() []byte {
	b, _ := json.MarshalIndent(m, "", "  ") // a struct of strings cannot fail
	return append(b, '\n')
}

// RegisterHost writes io.reprokit.host.json into dir (a NativeMessagingHosts
// folder, created if missing) with mode 0644. The manifest points at binary
// (made absolute) and allows the given extension IDs. The write is atomic: a
// browser never reads half a manifest. It does not record a receipt; use
// [Install] for a full installation that [Uninstall] can undo.
func RegisterHost(dir, binary string, extensionIDs []string) error {
	m, err := NewManifest(binary, extensionIDs)
	if err != nil {
		return err
	}
	_, err = writeManifest(dir, filepath.Join(dir, ManifestFile), m)
	return err
}

// writeManifest writes m to path in dir and reports whether the file changed.
func writeManifest(dir, path string, m *Manifest) (changed bool, err error) {
	data := m.Encode()
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() == 0o644 {
			return false, nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("create the NativeMessagingHosts folder: %w", err)
	}
	if err := writeFileAtomic(path, data, 0o644); err != nil {
		return false, fmt.Errorf("write host manifest: %w", err)
	}
	return true, nil
}

// writeFileAtomic writes data to a temporary file next to path, sets perm
// (independent of the umask) and renames it over path.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// ReadManifest reads and parses a host manifest file.
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	return &m, nil
}
