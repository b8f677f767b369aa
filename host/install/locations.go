package install

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Browser names a Chromium-family browser as the --browsers flag spells it.
type Browser string

// The browsers Reprokit registers its host with.
const (
	Chrome   Browser = "chrome"
	Chromium Browser = "chromium"
	Edge     Browser = "edge"
	Brave    Browser = "brave"
	Vivaldi  Browser = "vivaldi"
	Opera    Browser = "opera"
	Arc      Browser = "arc"
	// Profile is the pseudo-browser of a --user-data-dir registration.
	Profile Browser = "profile"
)

// AllBrowsers lists the browsers in the order tables and reports show them.
var AllBrowsers = []Browser{Chrome, Chromium, Edge, Brave, Vivaldi, Opera, Arc}

// ParseBrowsers parses a comma-separated --browsers value; "" or "all"
// means every browser.
func ParseBrowsers(s string) ([]Browser, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return AllBrowsers, nil
	}
	var out []Browser
	seen := map[Browser]bool{}
	for _, f := range strings.Split(s, ",") {
		b := Browser(strings.ToLower(strings.TrimSpace(f)))
		if b == "" {
			continue
		}
		known := false
		for _, k := range AllBrowsers {
			known = known || k == b
		}
		if !known {
			return nil, fmt.Errorf("unknown browser %q: use a comma-separated list of %s", b, browserList())
		}
		if !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return out, nil
}

func browserList() string {
	var s []string
	for _, b := range AllBrowsers {
		s = append(s, string(b))
	}
	return strings.Join(s, ",")
}

// Scope says for whom a host is installed: the current user, or every user
// of the machine (needs root or Administrator).
type Scope string

// The two install scopes.
const (
	ScopeUser   Scope = "user"
	ScopeSystem Scope = "system"
)

// ParseScope checks a --scope value.
func ParseScope(s string) (Scope, error) {
	switch Scope(s) {
	case ScopeUser, ScopeSystem:
		return Scope(s), nil
	}
	return "", fmt.Errorf("scope %q is not valid: use --scope user or --scope system", s)
}

// Location is one place a browser looks for the host manifest.
//
// On Linux and macOS the manifest file goes into Dir. On Windows the browser
// reads the registry key RegistryKey, whose default value is the path of the
// manifest file, which goes into Dir.
type Location struct {
	Browser Browser `json:"browser"`
	// Channel tells locations of one browser apart: "stable", "beta", "dev",
	// "canary", "flatpak", "snap", "chrome-key" (a browser that also reads
	// Chrome's key or folder).
	Channel string `json:"channel"`
	Scope   Scope  `json:"scope"`
	Dir     string `json:"dir"`
	// RegistryKey is the full key, hive included, on Windows; empty elsewhere.
	RegistryKey string `json:"registryKey,omitempty"`
	// Detect lists folders whose existence shows the browser is present.
	Detect []string `json:"-"`
	// Binaries lists executables (names searched on PATH, or absolute paths)
	// whose existence shows the browser is present.
	Binaries []string `json:"-"`
	// Flatpak is the Flatpak application ID when the browser runs in a
	// Flatpak sandbox: the host binary must then be copied to a folder the
	// sandbox sees (see [FlatpakBinaryPath]).
	Flatpak string `json:"flatpak,omitempty"`
	// Note is shown in the table (a caveat for this location).
	Note string `json:"note,omitempty"`
}

// ManifestPath is where the manifest file of this location goes.
func (l Location) ManifestPath(e *Env) string { return e.join(l.Dir, ManifestFile) }

// Env is the machine Install, Uninstall and Doctor work on. Tests replace
// every field to describe another OS or a temporary home.
type Env struct {
	// GOOS is "linux", "darwin" or "windows".
	GOOS string
	// Home is the user's home folder.
	Home string
	// Root prefixes every system-wide path (/etc/..., /Library/...,
	// /var/lib/...); tests point it at a temporary folder. "" means "/".
	Root string
	// Getenv reads environment variables (XDG_CONFIG_HOME, LOCALAPPDATA, ...).
	Getenv func(string) string
	// LookPath finds an executable on PATH.
	LookPath func(string) (string, error)
	// Registry is the Windows registry (nil elsewhere).
	Registry Registry
}

// DefaultEnv describes the machine this process runs on. $REPROKIT_ROOT,
// when set, prefixes the system-wide paths (a test or chroot tree).
func DefaultEnv() *Env {
	home, _ := os.UserHomeDir()
	e := &Env{GOOS: runtime.GOOS, Home: home, Root: os.Getenv("REPROKIT_ROOT"), Getenv: os.Getenv, LookPath: exec.LookPath}
	if runtime.GOOS == "windows" {
		e.Registry = RegExe{}
	}
	return e
}

func (e *Env) getenv(k string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(k)
}

// join joins path elements with the separator of e.GOOS.
func (e *Env) join(elem ...string) string {
	if e.GOOS == "windows" && runtime.GOOS != "windows" {
		return strings.Join(elem, `\`)
	}
	return filepath.Join(elem...)
}

// sys returns a system-wide path under e.Root.
func (e *Env) sys(p string) string {
	if e.Root == "" {
		return p
	}
	return filepath.Join(e.Root, p)
}

// configHome is $XDG_CONFIG_HOME (when absolute) or ~/.config, which
// Chromium-family browsers on Linux use for their user data.
func (e *Env) configHome() string {
	if x := e.getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return x
	}
	return filepath.Join(e.Home, ".config")
}

// linuxBrowser is one row of the Linux table.
type linuxBrowser struct {
	browser  Browser
	channel  string
	config   string   // folder under ~/.config holding the user data
	system   string   // system-wide native-messaging-hosts folder
	binaries []string // executables on PATH
	flatpak  string   // Flatpak app ID, "" when there is none
}

// linuxTable lists the Linux browsers. Sources: Chrome "Native messaging"
// (developer.chrome.com), Microsoft Edge "Native messaging", and the
// browsers' packages: system folders are /etc/opt/<vendor>/native-messaging-hosts
// except Chromium's /etc/chromium/native-messaging-hosts. Every Chrome
// channel shares /etc/opt/chrome; Opera reads Chrome's folders.
var linuxTable = []linuxBrowser{
	{Chrome, "stable", "google-chrome", "/etc/opt/chrome/native-messaging-hosts", []string{"google-chrome", "google-chrome-stable"}, "com.google.Chrome"},
	{Chrome, "beta", "google-chrome-beta", "/etc/opt/chrome/native-messaging-hosts", []string{"google-chrome-beta"}, ""},
	{Chrome, "dev", "google-chrome-unstable", "/etc/opt/chrome/native-messaging-hosts", []string{"google-chrome-unstable"}, ""},
	{Chromium, "stable", "chromium", "/etc/chromium/native-messaging-hosts", []string{"chromium", "chromium-browser"}, "org.chromium.Chromium"},
	{Edge, "stable", "microsoft-edge", "/etc/opt/edge/native-messaging-hosts", []string{"microsoft-edge", "microsoft-edge-stable"}, "com.microsoft.Edge"},
	{Edge, "beta", "microsoft-edge-beta", "/etc/opt/edge/native-messaging-hosts", []string{"microsoft-edge-beta"}, ""},
	{Edge, "dev", "microsoft-edge-dev", "/etc/opt/edge/native-messaging-hosts", []string{"microsoft-edge-dev"}, ""},
	{Brave, "stable", "BraveSoftware/Brave-Browser", "/etc/opt/brave/native-messaging-hosts", []string{"brave-browser", "brave", "brave-browser-stable"}, "com.brave.Browser"},
	{Vivaldi, "stable", "vivaldi", "/etc/opt/vivaldi/native-messaging-hosts", []string{"vivaldi", "vivaldi-stable"}, "com.vivaldi.Vivaldi"},
	{Opera, "stable", "opera", "/etc/opt/chrome/native-messaging-hosts", []string{"opera"}, "com.opera.Opera"},
}

func (e *Env) linuxLocations(scope Scope) []Location {
	var out []Location
	for _, r := range linuxTable {
		cfg := filepath.Join(e.configHome(), r.config)
		detect := []string{cfg}
		if scope == ScopeUser {
			out = append(out, Location{Browser: r.browser, Channel: r.channel, Scope: scope,
				Dir: filepath.Join(cfg, "NativeMessagingHosts"), Detect: detect, Binaries: r.binaries})
			if r.browser == Opera {
				// Opera on Linux also reads Chrome's user folder.
				out = append(out, Location{Browser: Opera, Channel: "chrome-key", Scope: scope,
					Dir: filepath.Join(e.configHome(), "google-chrome", "NativeMessagingHosts"), Detect: detect, Binaries: r.binaries,
					Note: "Opera also reads Chrome's folder"})
			}
		} else {
			out = append(out, Location{Browser: r.browser, Channel: r.channel, Scope: scope,
				Dir: e.sys(r.system), Detect: []string{cfg}, Binaries: r.binaries})
		}
		if r.flatpak != "" && scope == ScopeUser {
			app := filepath.Join(e.Home, ".var", "app", r.flatpak)
			out = append(out, Location{Browser: r.browser, Channel: "flatpak", Scope: scope,
				Dir:     filepath.Join(app, "config", r.config, "NativeMessagingHosts"),
				Detect:  []string{app, e.sys("/var/lib/flatpak/app/" + r.flatpak), filepath.Join(e.Home, ".local/share/flatpak/app", r.flatpak)},
				Flatpak: r.flatpak,
				Note:    "host copied into the sandbox: " + e.FlatpakBinaryPath(r.flatpak)})
		}
	}
	if scope == ScopeUser {
		// Ubuntu's Chromium snap keeps its user data under ~/snap.
		snap := filepath.Join(e.Home, "snap", "chromium", "common", "chromium")
		out = append(out, Location{Browser: Chromium, Channel: "snap", Scope: scope,
			Dir: filepath.Join(snap, "NativeMessagingHosts"), Detect: []string{snap},
			Note: "snap confinement may block the host; prefer the Debian package or Flatpak"})
	}
	return out
}

// FlatpakBinaryPath is where Install copies the host binary for a Flatpak
// browser: the app's own ~/.var/app/<id> folder is mounted at the same path
// inside its sandbox, so the manifest's absolute path works on both sides.
func (e *Env) FlatpakBinaryPath(appID string) string {
	return filepath.Join(e.Home, ".var", "app", appID, "data", "reprokit", "reprokit")
}

// darwinBrowser is one row of the macOS table.
type darwinBrowser struct {
	browser Browser
	channel string
	user    string // under ~/Library/Application Support
	system  string // absolute; "" when the browser has no system folder
	app     string // /Applications/<app>
}

// darwinTable lists the macOS browsers (Chrome and Edge documentation; the
// others from their bundles). Every Chrome channel shares
// /Library/Google/Chrome, every Edge channel /Library/Microsoft/Edge.
var darwinTable = []darwinBrowser{
	{Chrome, "stable", "Google/Chrome", "/Library/Google/Chrome/NativeMessagingHosts", "Google Chrome.app"},
	{Chrome, "beta", "Google/Chrome Beta", "/Library/Google/Chrome/NativeMessagingHosts", "Google Chrome Beta.app"},
	{Chrome, "dev", "Google/Chrome Dev", "/Library/Google/Chrome/NativeMessagingHosts", "Google Chrome Dev.app"},
	{Chrome, "canary", "Google/Chrome Canary", "/Library/Google/Chrome/NativeMessagingHosts", "Google Chrome Canary.app"},
	{Chromium, "stable", "Chromium", "/Library/Application Support/Chromium/NativeMessagingHosts", "Chromium.app"},
	{Edge, "stable", "Microsoft Edge", "/Library/Microsoft/Edge/NativeMessagingHosts", "Microsoft Edge.app"},
	{Edge, "beta", "Microsoft Edge Beta", "/Library/Microsoft/Edge/NativeMessagingHosts", "Microsoft Edge Beta.app"},
	{Edge, "dev", "Microsoft Edge Dev", "/Library/Microsoft/Edge/NativeMessagingHosts", "Microsoft Edge Dev.app"},
	{Brave, "stable", "BraveSoftware/Brave-Browser", "/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts", "Brave Browser.app"},
	{Vivaldi, "stable", "Vivaldi", "/Library/Application Support/Vivaldi/NativeMessagingHosts", "Vivaldi.app"},
	{Opera, "stable", "com.operasoftware.Opera", "/Library/Google/Chrome/NativeMessagingHosts", "Opera.app"},
	{Arc, "stable", "Arc/User Data", "", "Arc.app"},
}

func (e *Env) darwinLocations(scope Scope) []Location {
	var out []Location
	support := filepath.Join(e.Home, "Library", "Application Support")
	for _, r := range darwinTable {
		data := filepath.Join(support, r.user)
		loc := Location{Browser: r.browser, Channel: r.channel, Scope: scope,
			Detect:   []string{data},
			Binaries: []string{e.sys(filepath.Join("/Applications", r.app)), filepath.Join(e.Home, "Applications", r.app)}}
		if scope == ScopeUser {
			loc.Dir = filepath.Join(data, "NativeMessagingHosts")
		} else {
			if r.system == "" {
				continue // Arc reads only the user folder
			}
			loc.Dir = e.sys(r.system)
		}
		out = append(out, loc)
	}
	return out
}

// windowsBrowser is one row of the Windows table.
type windowsBrowser struct {
	browser Browser
	keys    []string // under HKCU or HKLM, without the host name
	data    []string // user data folders under %LOCALAPPDATA%
	exe     []string // executables under %ProgramFiles% / %ProgramFiles(x86)% / %LOCALAPPDATA%
}

const chromeKey = `Software\Google\Chrome\NativeMessagingHosts`

// windowsTable lists the registry keys each browser reads. Edge reads its
// own key; Brave, Vivaldi, Opera and Arc read Chrome's key, and Brave and
// Vivaldi their own too, so Install writes both.
var windowsTable = []windowsBrowser{
	{Chrome, []string{chromeKey}, []string{`Google\Chrome\User Data`, `Google\Chrome Beta\User Data`, `Google\Chrome SxS\User Data`}, []string{`Google\Chrome\Application\chrome.exe`}},
	{Chromium, []string{`Software\Chromium\NativeMessagingHosts`}, []string{`Chromium\User Data`}, []string{`Chromium\Application\chrome.exe`}},
	{Edge, []string{`Software\Microsoft\Edge\NativeMessagingHosts`}, []string{`Microsoft\Edge\User Data`}, []string{`Microsoft\Edge\Application\msedge.exe`}},
	{Brave, []string{`Software\BraveSoftware\Brave-Browser\NativeMessagingHosts`, chromeKey}, []string{`BraveSoftware\Brave-Browser\User Data`}, []string{`BraveSoftware\Brave-Browser\Application\brave.exe`}},
	{Vivaldi, []string{`Software\Vivaldi\NativeMessagingHosts`, chromeKey}, []string{`Vivaldi\User Data`}, []string{`Vivaldi\Application\vivaldi.exe`}},
	{Opera, []string{chromeKey}, []string{`Opera Software\Opera Stable`}, []string{`Programs\Opera\opera.exe`}},
	{Arc, []string{chromeKey}, []string{`Packages\TheBrowserCompany.Arc_ttt1ap7aakyb4`}, nil},
}

// WindowsManifestDir is the folder of the manifest file on Windows:
// %LOCALAPPDATA%\Reprokit for the user, %ProgramFiles%\Reprokit for the
// system.
func (e *Env) WindowsManifestDir(scope Scope) string {
	if scope == ScopeSystem {
		pf := e.getenv("ProgramFiles")
		if pf == "" {
			pf = `C:\Program Files`
		}
		return e.join(pf, "Reprokit")
	}
	return e.join(e.localAppData(), "Reprokit")
}

func (e *Env) localAppData() string {
	if l := e.getenv("LOCALAPPDATA"); l != "" {
		return l
	}
	return e.join(e.Home, "AppData", "Local")
}

func (e *Env) windowsLocations(scope Scope) []Location {
	hive := "HKCU"
	if scope == ScopeSystem {
		hive = "HKLM"
	}
	var out []Location
	for _, r := range windowsTable {
		var detect, bins []string
		for _, d := range r.data {
			detect = append(detect, e.join(e.localAppData(), d))
		}
		for _, x := range r.exe {
			for _, base := range []string{e.getenv("ProgramFiles"), e.getenv("ProgramFiles(x86)"), e.localAppData()} {
				if base != "" {
					bins = append(bins, e.join(base, x))
				}
			}
		}
		for i, k := range r.keys {
			ch := "stable"
			note := ""
			if i > 0 || (k == chromeKey && r.browser != Chrome) {
				ch, note = "chrome-key", "reads Chrome's key"
			}
			out = append(out, Location{Browser: r.browser, Channel: ch, Scope: scope,
				Dir: e.WindowsManifestDir(scope), RegistryKey: hive + `\` + k + `\` + HostName,
				Detect: detect, Binaries: bins, Note: note})
		}
	}
	return out
}

// Locations returns every place, for e's OS and scope, where a browser
// looks for the host manifest, whether or not that browser is installed.
func (e *Env) Locations(scope Scope) []Location {
	switch e.GOOS {
	case "windows":
		return e.windowsLocations(scope)
	case "darwin":
		return e.darwinLocations(scope)
	default:
		return e.linuxLocations(scope)
	}
}

// ProfileLocation is the NativeMessagingHosts folder inside one browser
// profile's user data dir (--user-data-dir): Chromium reads it on Linux and
// macOS, which is how portable profiles and tests register a host.
func (e *Env) ProfileLocation(userDataDir string) (Location, error) {
	if e.GOOS == "windows" {
		return Location{}, fmt.Errorf("--user-data-dir is not supported on Windows: Chrome on Windows finds hosts only through the registry; install with --scope user instead")
	}
	abs, err := filepath.Abs(userDataDir)
	if err != nil {
		return Location{}, fmt.Errorf("user data dir %q: %w", userDataDir, err)
	}
	return Location{Browser: Profile, Channel: "user-data-dir", Scope: ScopeUser, Dir: filepath.Join(abs, "NativeMessagingHosts")}, nil
}

// Present reports whether the browser of l seems installed: one of its data
// folders or executables exists. It returns the evidence.
func (e *Env) Present(l Location) (bool, string) {
	for _, d := range l.Detect {
		if d == "" {
			continue
		}
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return true, d
		}
	}
	for _, b := range l.Binaries {
		if filepath.IsAbs(b) || strings.Contains(b, `\`) {
			if _, err := os.Stat(b); err == nil {
				return true, b
			}
			continue
		}
		if e.LookPath != nil {
			if p, err := e.LookPath(b); err == nil {
				return true, p
			}
		}
	}
	return false, ""
}

// Detected returns the locations of scope whose browser is present and in
// browsers (nil means all).
func (e *Env) Detected(scope Scope, browsers []Browser) []Location {
	want := map[Browser]bool{}
	for _, b := range browsers {
		want[b] = true
	}
	var out []Location
	for _, l := range e.Locations(scope) {
		if len(browsers) > 0 && !want[l.Browser] {
			continue
		}
		if ok, _ := e.Present(l); ok {
			out = append(out, l)
		}
	}
	return out
}

// DetectedBrowsers returns the distinct browsers found on the machine.
func (e *Env) DetectedBrowsers() []Browser {
	seen := map[Browser]bool{}
	for _, s := range []Scope{ScopeUser, ScopeSystem} {
		for _, l := range e.Detected(s, nil) {
			seen[l.Browser] = true
		}
	}
	var out []Browser
	for b := range seen {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return order(out[i]) < order(out[j]) })
	return out
}

func order(b Browser) int {
	for i, k := range AllBrowsers {
		if k == b {
			return i
		}
	}
	return len(AllBrowsers)
}
