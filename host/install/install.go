package install

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Options says what [Install] and [Uninstall] do.
type Options struct {
	// Scope is user (default) or system.
	Scope Scope
	// Browsers limits the work to these browsers; nil means every detected one.
	Browsers []Browser
	// UserDataDir registers the host in one profile's own
	// <dir>/NativeMessagingHosts instead of the browsers' shared folders.
	UserDataDir string
	// ExtensionIDs are the extensions allowed to start the host; empty means
	// [DefaultExtensionID].
	ExtensionIDs []string
	// Binary is the host binary the manifests point to; empty means this
	// executable.
	Binary string
	// DryRun reports what would change without touching anything.
	DryRun bool
	// All registers in every known location of the scope, present or not
	// (for images built before the browsers are installed).
	All bool
}

// Action is one row of the table Install and Uninstall print.
type Action struct {
	Browser Browser `json:"browser"`
	Channel string  `json:"channel"`
	Scope   Scope   `json:"scope"`
	// Target is the file or registry key touched.
	Target string `json:"target"`
	// Did is what happened: "written", "unchanged", "would write",
	// "removed", "would remove", "missing", "kept", "copied".
	Did  string `json:"did"`
	Note string `json:"note,omitempty"`
}

// Result is what Install or Uninstall did.
type Result struct {
	Scope   Scope    `json:"scope"`
	Binary  string   `json:"binary,omitempty"`
	Receipt string   `json:"receipt"`
	Actions []Action `json:"actions"`
	DryRun  bool     `json:"dryRun,omitempty"`
}

// Changed reports whether anything was (or, in a dry run, would be) changed.
func (r *Result) Changed() bool {
	for _, a := range r.Actions {
		if a.Did != "unchanged" && a.Did != "missing" && a.Did != "kept" {
			return true
		}
	}
	return false
}

// WriteTable prints the actions as an aligned table.
func (r *Result) WriteTable(w io.Writer) {
	rows := [][]string{{"BROWSER", "CHANNEL", "SCOPE", "DID", "WHERE"}}
	for _, a := range r.Actions {
		where := a.Target
		if a.Note != "" {
			where += "  (" + a.Note + ")"
		}
		rows = append(rows, []string{string(a.Browser), a.Channel, string(a.Scope), a.Did, where})
	}
	writeTable(w, rows)
}

func writeTable(w io.Writer, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r[:len(r)-1] {
			width[i] = max(width[i], len(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
			} else {
				fmt.Fprintf(&b, "%-*s  ", width[i], c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// ErrNoBrowser is returned by Install when no Chromium-family browser was
// found for the scope.
var ErrNoBrowser = errors.New("no Chromium-family browser found: install Chrome or Chromium (`apt-get install chromium`), pass --browsers to register anyway, or --user-data-dir for one profile")

// Install writes the host manifest into every detected browser location
// (or the profile of opts.UserDataDir), copies the binary where a Flatpak
// sandbox can reach it, and records everything in the receipt of the scope
// so that [Uninstall] removes exactly that. Running it twice changes nothing
// the second time.
func Install(e *Env, opts Options) (*Result, error) {
	scope := opts.Scope
	if scope == "" {
		scope = ScopeUser
	}
	bin, err := hostBinary(opts.Binary)
	if err != nil {
		return nil, err
	}
	ids := opts.ExtensionIDs
	if len(ids) == 0 {
		if DefaultExtensionID == "" {
			return nil, errors.New("no extension ID: pass --extension-id ID (shown on chrome://extensions)")
		}
		ids = []string{DefaultExtensionID}
	}
	if _, err := NewManifest(bin, ids); err != nil {
		return nil, err
	}
	var locs []Location
	if opts.UserDataDir != "" {
		l, err := e.ProfileLocation(opts.UserDataDir)
		if err != nil {
			return nil, err
		}
		locs = []Location{l}
	} else if opts.All || (len(opts.Browsers) > 0 && !slices.Equal(opts.Browsers, AllBrowsers)) {
		// Browsers named explicitly are registered even when not detected:
		// the admin may install the browser after Reprokit.
		// Of a browser not installed yet, only the locations its stable
		// channel reads (--all: every channel); sandboxed builds only
		// when present.
		want := opts.Browsers
		for _, l := range e.Locations(scope) {
			if len(want) > 0 && !slices.Contains(want, l.Browser) {
				continue
			}
			ok, _ := e.Present(l)
			plain := l.Flatpak == "" && l.Channel != "snap"
			if ok || plain && (opts.All || l.Channel == "stable" || l.Channel == "chrome-key") {
				locs = append(locs, l)
			}
		}
	} else {
		locs = e.Detected(scope, nil)
	}
	if len(locs) == 0 {
		return nil, ErrNoBrowser
	}
	rec, err := readReceipt(e, scope)
	if err != nil {
		return nil, err
	}
	res := &Result{Scope: scope, Binary: bin, Receipt: e.ReceiptPath(scope), DryRun: opts.DryRun}
	done := map[string]bool{}
	for _, l := range locs {
		target := l.ManifestPath(e)
		if l.RegistryKey != "" {
			target = l.RegistryKey
		}
		if done[target] {
			continue
		}
		done[target] = true
		a, err := installOne(e, rec, l, bin, ids, opts.DryRun)
		if err != nil {
			return res, fmt.Errorf("%s %s (%s): %w", l.Browser, l.Channel, target, err)
		}
		res.Actions = append(res.Actions, a...)
	}
	if !opts.DryRun {
		rec.Scope, rec.ExtensionIDs = scope, ids
		if err := writeReceipt(e, scope, rec); err != nil {
			return res, err
		}
	}
	return res, nil
}

// hostBinary resolves the binary manifests point to.
func hostBinary(bin string) (string, error) {
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("cannot find this executable: pass --binary PATH: %w", err)
		}
		bin = exe
	}
	if r, err := filepath.EvalSymlinks(bin); err == nil {
		bin = r
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("host binary %s: %w: build it with `go build ./cmd/reprokit` or pass --binary", abs, err)
	}
	if fi.IsDir() {
		return "", fmt.Errorf("host binary %s is a directory: pass the reprokit executable", abs)
	}
	return abs, nil
}

func installOne(e *Env, rec *Receipt, l Location, bin string, ids []string, dry bool) ([]Action, error) {
	var acts []Action
	act := func(target, did, note string) {
		acts = append(acts, Action{Browser: l.Browser, Channel: l.Channel, Scope: l.Scope, Target: target, Did: did, Note: note})
	}
	manifestBin := bin
	if l.Flatpak != "" {
		// The sandbox cannot see ~/.local/bin or /usr/local/bin reliably:
		// copy the binary into the app's own folder.
		dst := e.FlatpakBinaryPath(l.Flatpak)
		manifestBin = dst
		did, err := copyBinary(rec, l, bin, dst, dry)
		if err != nil {
			return nil, err
		}
		act(dst, did, "host binary for the Flatpak sandbox")
	}
	m, err := NewManifest(manifestBin, ids)
	if err != nil {
		return nil, err
	}
	path := l.ManifestPath(e)
	did := "unchanged"
	if old, err := os.ReadFile(path); err != nil || string(old) != string(m.Encode()) {
		did = "written"
	}
	if dry {
		if did == "written" {
			did = "would write"
		}
	} else {
		if err := mkdirRecorded(rec, l.Dir); err != nil {
			return nil, err
		}
		if _, err := writeManifest(l.Dir, path, m); err != nil {
			return nil, err
		}
		rec.add(ReceiptItem{Kind: "manifest", Path: path, Browser: l.Browser, Channel: l.Channel})
	}
	if l.RegistryKey == "" {
		act(path, did, l.Note)
		return acts, nil
	}
	if e.Registry == nil {
		return nil, errNoRegistry
	}
	cur, ok, err := e.Registry.Get(l.RegistryKey, "")
	if err != nil {
		return nil, err
	}
	kdid := "unchanged"
	if !ok || cur != path {
		kdid = "written"
		if dry {
			kdid = "would write"
		} else if err := e.Registry.Set(l.RegistryKey, "", path); err != nil {
			return nil, err
		}
	}
	if !dry {
		rec.add(ReceiptItem{Kind: "registry", Key: l.RegistryKey, Path: path, Browser: l.Browser, Channel: l.Channel})
	}
	act(l.RegistryKey, kdid, "→ "+path+noteSep(l.Note))
	return acts, nil
}

func noteSep(n string) string {
	if n == "" {
		return ""
	}
	return "; " + n
}

// mkdirRecorded creates dir and its missing parents, recording each folder
// it created so that Uninstall removes them when they are empty again.
func mkdirRecorded(rec *Receipt, dir string) error {
	var created []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for i := len(created) - 1; i >= 0; i-- {
		rec.add(ReceiptItem{Kind: "dir", Path: created[i]})
	}
	return nil
}

func copyBinary(rec *Receipt, l Location, src, dst string, dry bool) (string, error) {
	item := ReceiptItem{Kind: "binary", Path: dst, Browser: l.Browser, Channel: l.Channel}
	data, err := os.ReadFile(src)
	if err != nil {
		return "", fmt.Errorf("read host binary: %w", err)
	}
	if old, err := os.ReadFile(dst); err == nil && string(old) == string(data) {
		if !dry {
			rec.add(item)
		}
		return "unchanged", nil
	}
	if dry {
		return "would copy", nil
	}
	if err := mkdirRecorded(rec, filepath.Dir(dst)); err != nil {
		return "", err
	}
	if err := writeFileAtomic(dst, data, 0o755); err != nil {
		return "", fmt.Errorf("copy host binary into the sandbox: %w", err)
	}
	rec.add(item)
	return "copied", nil
}

// Uninstall removes what the receipt of the scope lists (only the items of
// opts.UserDataDir or opts.Browsers when given), then the receipt. Without
// a receipt it removes Reprokit manifests found in the known locations.
// Files that are no longer Reprokit's are kept and reported.
func Uninstall(e *Env, opts Options) (*Result, error) {
	scope := opts.Scope
	if scope == "" {
		scope = ScopeUser
	}
	rec, err := readReceipt(e, scope)
	if err != nil {
		return nil, err
	}
	res := &Result{Scope: scope, Receipt: e.ReceiptPath(scope), DryRun: opts.DryRun}
	var profileDir string
	if opts.UserDataDir != "" {
		l, err := e.ProfileLocation(opts.UserDataDir)
		if err != nil {
			return nil, err
		}
		profileDir = l.Dir
	}
	if len(rec.Items) == 0 {
		// No receipt: clean the known places so that a lost receipt does
		// not leave manifests behind.
		locs := e.Locations(scope)
		if profileDir != "" {
			l, _ := e.ProfileLocation(opts.UserDataDir)
			locs = []Location{l}
		}
		for _, l := range locs {
			if len(opts.Browsers) > 0 && !slices.Contains(opts.Browsers, l.Browser) {
				continue
			}
			if l.RegistryKey != "" && e.Registry != nil {
				if v, ok, _ := e.Registry.Get(l.RegistryKey, ""); ok {
					rec.add(ReceiptItem{Kind: "registry", Key: l.RegistryKey, Path: v, Browser: l.Browser, Channel: l.Channel})
				}
			}
			if _, err := os.Stat(l.ManifestPath(e)); err == nil {
				rec.add(ReceiptItem{Kind: "manifest", Path: l.ManifestPath(e), Browser: l.Browser, Channel: l.Channel})
			}
			if l.Flatpak != "" {
				if _, err := os.Stat(e.FlatpakBinaryPath(l.Flatpak)); err == nil {
					rec.add(ReceiptItem{Kind: "binary", Path: e.FlatpakBinaryPath(l.Flatpak), Browser: l.Browser, Channel: l.Channel})
				}
			}
		}
	}
	var keep []ReceiptItem
	selected := func(it ReceiptItem) bool {
		if profileDir != "" {
			return it.Path == profileDir || strings.HasPrefix(it.Path, profileDir+string(filepath.Separator)) ||
				(it.Kind == "dir" && strings.HasPrefix(profileDir, it.Path+string(filepath.Separator)))
		}
		if len(opts.Browsers) > 0 && it.Kind != "dir" {
			return slices.Contains(opts.Browsers, it.Browser)
		}
		return true
	}
	// Remove in reverse order: files before the folders that hold them.
	for i := len(rec.Items) - 1; i >= 0; i-- {
		it := rec.Items[i]
		if !selected(it) {
			keep = append([]ReceiptItem{it}, keep...)
			continue
		}
		a := Action{Browser: it.Browser, Channel: it.Channel, Scope: scope, Target: it.Path}
		switch it.Kind {
		case "registry":
			a.Target = it.Key
			if e.Registry == nil {
				return res, errNoRegistry
			}
			_, ok, err := e.Registry.Get(it.Key, "")
			if err != nil {
				return res, err
			}
			a.Did = "missing"
			if ok {
				a.Did = "removed"
				if opts.DryRun {
					a.Did = "would remove"
				} else if err := e.Registry.DeleteKey(it.Key); err != nil {
					return res, fmt.Errorf("remove %s: %w", it.Key, err)
				}
			}
		case "manifest", "binary":
			a.Did = removeFile(it, opts.DryRun)
			if a.Did == "kept" {
				a.Note = "no longer Reprokit's manifest: left in place"
			}
			if strings.HasPrefix(a.Did, "failed") {
				return res, fmt.Errorf("remove %s: %s", it.Path, a.Did)
			}
		case "dir":
			// Only folders Install created, and only once they are empty:
			// a browser may have put its own files there since.
			if opts.DryRun {
				continue
			}
			if os.Remove(it.Path) != nil {
				// Still holds items this uninstall keeps: remember it for
				// the next one. Filled by the browser only: not ours to track.
				if _, err := os.Stat(it.Path); err == nil && holdsItem(it.Path, keep) {
					keep = append([]ReceiptItem{it}, keep...)
				}
				continue
			}
			a.Did, a.Note = "removed", "folder created by install"
		}
		res.Actions = append(res.Actions, a)
	}
	if opts.DryRun {
		return res, nil
	}
	if profileDir == "" && len(opts.Browsers) == 0 {
		keep = nil // a full uninstall forgets folders a browser has filled since
	}
	rec.Items = keep
	if len(keep) == 0 {
		if err := removeReceipt(e, scope, rec); err != nil {
			return res, err
		}
	} else if err := writeReceipt(e, scope, rec); err != nil {
		return res, err
	}
	return res, nil
}

// holdsItem reports whether one of items lies inside dir.
func holdsItem(dir string, items []ReceiptItem) bool {
	for _, it := range items {
		if strings.HasPrefix(it.Path, dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func removeFile(it ReceiptItem, dry bool) string {
	if _, err := os.Lstat(it.Path); errors.Is(err, os.ErrNotExist) {
		return "missing"
	}
	if it.Kind == "manifest" {
		data, err := os.ReadFile(it.Path)
		var m Manifest
		if err == nil && json.Unmarshal(data, &m) == nil && m.Name != HostName {
			return "kept"
		}
	}
	if dry {
		return "would remove"
	}
	if err := os.Remove(it.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "failed: " + err.Error()
	}
	return "removed"
}

// Receipt records what Install wrote, so that Uninstall removes exactly that.
type Receipt struct {
	Version      int           `json:"version"`
	Scope        Scope         `json:"scope"`
	ExtensionIDs []string      `json:"extensionIds,omitempty"`
	Updated      string        `json:"updated"`
	Items        []ReceiptItem `json:"items"`
	// ReceiptDirs are the folders created to hold the receipt itself.
	ReceiptDirs []string `json:"receiptDirs,omitempty"`
}

// ReceiptItem is one thing Install created.
type ReceiptItem struct {
	// Kind is "manifest", "registry", "binary" (a copy for a Flatpak
	// sandbox) or "dir" (a folder Install created).
	Kind    string  `json:"kind"`
	Path    string  `json:"path,omitempty"`
	Key     string  `json:"key,omitempty"`
	Browser Browser `json:"browser,omitempty"`
	Channel string  `json:"channel,omitempty"`
}

func (r *Receipt) add(it ReceiptItem) {
	for _, o := range r.Items {
		if o.Kind == it.Kind && o.Path == it.Path && o.Key == it.Key {
			return
		}
	}
	r.Items = append(r.Items, it)
}

func (r *Receipt) hasRegistryFor(path string) bool {
	for _, o := range r.Items {
		if o.Kind == "registry" && o.Path == path {
			return true
		}
	}
	return false
}

// ReceiptPath is where the receipt of a scope lives: for the user
// ~/.config/reprokit/receipt.json (Linux), ~/Library/Application
// Support/Reprokit/receipt.json (macOS), %LOCALAPPDATA%\Reprokit\receipt.json
// (Windows); for the system /var/lib/reprokit/receipt.json, /Library/Application
// Support/Reprokit/receipt.json, %ProgramData%\Reprokit\receipt.json.
func (e *Env) ReceiptPath(scope Scope) string {
	switch e.GOOS {
	case "windows":
		if scope == ScopeSystem {
			pd := e.getenv("ProgramData")
			if pd == "" {
				pd = `C:\ProgramData`
			}
			return e.join(pd, "Reprokit", "receipt.json")
		}
		return e.join(e.localAppData(), "Reprokit", "receipt.json")
	case "darwin":
		if scope == ScopeSystem {
			return e.sys("/Library/Application Support/Reprokit/receipt.json")
		}
		return filepath.Join(e.Home, "Library", "Application Support", "Reprokit", "receipt.json")
	default:
		if scope == ScopeSystem {
			return e.sys("/var/lib/reprokit/receipt.json")
		}
		return filepath.Join(e.configHome(), "reprokit", "receipt.json")
	}
}

func readReceipt(e *Env, scope Scope) (*Receipt, error) {
	p := e.ReceiptPath(scope)
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return &Receipt{Version: 1, Scope: scope}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read receipt: %w", err)
	}
	var r Receipt
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("receipt %s is damaged (%v): move it away and run `reprokit uninstall` again, which then cleans the known locations", p, err)
	}
	return &r, nil
}

func writeReceipt(e *Env, scope Scope, r *Receipt) error {
	p := e.ReceiptPath(scope)
	old, _ := readReceipt(e, scope)
	if old != nil && slices.Equal(old.Items, r.Items) && slices.Equal(old.ExtensionIDs, r.ExtensionIDs) {
		return nil // idempotent: nothing new to record
	}
	r.Version = 1
	r.Updated = time.Now().Format(time.RFC3339)
	// The receipt's own folders are not items: removeReceipt removes them.
	for d := filepath.Dir(p); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		if !slices.Contains(r.ReceiptDirs, d) {
			r.ReceiptDirs = append(r.ReceiptDirs, d)
		}
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("create receipt folder: %w", err)
	}
	data, _ := json.MarshalIndent(r, "", "  ")
	if err := writeFileAtomic(p, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write receipt: %w", err)
	}
	return nil
}

func removeReceipt(e *Env, scope Scope, r *Receipt) error {
	p := e.ReceiptPath(scope)
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove receipt: %w", err)
	}
	// Deepest first; os.Remove leaves a folder that is not empty.
	for _, d := range r.ReceiptDirs {
		os.Remove(d)
	}
	return nil
}
