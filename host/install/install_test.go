package install

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// fakeRegistry is an in-memory Windows registry for tests on any OS.
type fakeRegistry struct {
	mu   sync.Mutex
	keys map[string]map[string]string // lower-cased key -> values
}

func newFakeRegistry() *fakeRegistry { return &fakeRegistry{keys: map[string]map[string]string{}} }

func (f *fakeRegistry) Get(key, name string) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.keys[strings.ToLower(key)][name]
	return v, ok, nil
}

func (f *fakeRegistry) Set(key, name, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := strings.ToLower(key)
	if f.keys[k] == nil {
		f.keys[k] = map[string]string{}
	}
	f.keys[k][name] = value
	return nil
}

func (f *fakeRegistry) DeleteKey(key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := strings.ToLower(key)
	for kk := range f.keys {
		if kk == k || strings.HasPrefix(kk, k+`\`) {
			delete(f.keys, kk)
		}
	}
	return nil
}

func (f *fakeRegistry) Values(key string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for n, v := range f.keys[strings.ToLower(key)] {
		out[n] = v
	}
	return out, nil
}

func noPath(string) (string, error) { return "", errors.New("not found") }

// linuxEnv is a Linux machine whose home and system folders are temporary.
func linuxEnv(t *testing.T) *Env {
	t.Helper()
	base := t.TempDir()
	home := filepath.Join(base, "home")
	root := filepath.Join(base, "root")
	for _, d := range []string{home, root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &Env{GOOS: "linux", Home: home, Root: root, Getenv: func(string) string { return "" }, LookPath: noPath}
}

func fakeBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "reprokit")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho reprokit\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// snapshot lists every file and folder under dir with its content, so that
// a test can prove a tree is unchanged.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		b, _ := os.ReadFile(p)
		out[rel] = string(b)
		return nil
	})
	return out
}

func sameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	var diff []string
	for k := range before {
		if _, ok := after[k]; !ok {
			diff = append(diff, "- "+k)
		}
	}
	for k, v := range after {
		if b, ok := before[k]; !ok || b != v {
			diff = append(diff, "+ "+k)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Errorf("%s: tree changed:\n%s", what, strings.Join(diff, "\n"))
	}
}

func TestInstallIntoDetectedBrowsersThenUninstallLeavesNothing(t *testing.T) {
	e := linuxEnv(t)
	bin := fakeBinary(t)
	// Chromium and Brave have run for this user; Chrome is not installed.
	for _, d := range []string{".config/chromium/Default", ".config/BraveSoftware/Brave-Browser"} {
		os.MkdirAll(filepath.Join(e.Home, d), 0o700)
	}
	before := snapshot(t, filepath.Dir(e.Home))

	res, err := Install(e, Options{Binary: bin, ExtensionIDs: []string{testID}})
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, a := range res.Actions {
		if a.Did != "written" {
			t.Errorf("first install: %s %s", a.Target, a.Did)
		}
		targets = append(targets, a.Target)
	}
	want := []string{
		filepath.Join(e.Home, ".config/chromium/NativeMessagingHosts", ManifestFile),
		filepath.Join(e.Home, ".config/BraveSoftware/Brave-Browser/NativeMessagingHosts", ManifestFile),
	}
	if strings.Join(targets, "\n") != strings.Join(want, "\n") {
		t.Errorf("targets:\n%s\nwant:\n%s", strings.Join(targets, "\n"), strings.Join(want, "\n"))
	}
	for _, p := range want {
		m, err := ReadManifest(p)
		if err != nil {
			t.Fatal(err)
		}
		if m.Path != bin || m.AllowedOrigins[0] != Origin(testID) {
			t.Errorf("%s: %+v", p, m)
		}
	}
	if _, err := os.Stat(filepath.Join(e.Home, ".config/reprokit/receipt.json")); err != nil {
		t.Errorf("no receipt: %v", err)
	}

	// Twice: nothing changes, not even the receipt.
	mid := snapshot(t, filepath.Dir(e.Home))
	res, err = Install(e, Options{Binary: bin, ExtensionIDs: []string{testID}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() {
		t.Errorf("second install changed something: %+v", res.Actions)
	}
	sameTree(t, "second install", mid, snapshot(t, filepath.Dir(e.Home)))

	res, err = Uninstall(e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Actions) < 2 {
		t.Errorf("uninstall did too little: %+v", res.Actions)
	}
	sameTree(t, "after uninstall", before, snapshot(t, filepath.Dir(e.Home)))
}

func TestInstallWithNoBrowserSaysWhatToDo(t *testing.T) {
	e := linuxEnv(t)
	_, err := Install(e, Options{Binary: fakeBinary(t), ExtensionIDs: []string{testID}})
	if !errors.Is(err, ErrNoBrowser) {
		t.Fatalf("err %v, want ErrNoBrowser", err)
	}
	if !strings.Contains(err.Error(), "apt-get install chromium") {
		t.Errorf("error gives no fix: %v", err)
	}
}

func TestInstallDryRunTouchesNothing(t *testing.T) {
	e := linuxEnv(t)
	os.MkdirAll(filepath.Join(e.Home, ".config/google-chrome"), 0o700)
	before := snapshot(t, filepath.Dir(e.Home))
	res, err := Install(e, Options{Binary: fakeBinary(t), ExtensionIDs: []string{testID}, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Actions) == 0 || res.Actions[0].Did != "would write" {
		t.Errorf("dry run actions: %+v", res.Actions)
	}
	sameTree(t, "dry run", before, snapshot(t, filepath.Dir(e.Home)))
}

func TestUserDataDirInstallCreatesAndRemovesTheProfileFolder(t *testing.T) {
	e := linuxEnv(t)
	before := snapshot(t, filepath.Dir(e.Home))
	profile := filepath.Join(e.Home, "portable", "profile")
	res, err := Install(e, Options{Binary: fakeBinary(t), ExtensionIDs: []string{testID}, UserDataDir: profile})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Actions) != 1 || res.Actions[0].Target != filepath.Join(profile, "NativeMessagingHosts", ManifestFile) {
		t.Fatalf("actions %+v", res.Actions)
	}
	if _, err := Uninstall(e, Options{UserDataDir: profile}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, "profile uninstall", before, snapshot(t, filepath.Dir(e.Home)))
}

func TestFlatpakBrowserGetsABinaryInsideItsSandbox(t *testing.T) {
	e := linuxEnv(t)
	os.MkdirAll(filepath.Join(e.Home, ".var/app/org.chromium.Chromium/config"), 0o700)
	before := snapshot(t, filepath.Dir(e.Home))
	bin := fakeBinary(t)
	res, err := Install(e, Options{Binary: bin, ExtensionIDs: []string{testID}})
	if err != nil {
		t.Fatal(err)
	}
	inSandbox := filepath.Join(e.Home, ".var/app/org.chromium.Chromium/data/reprokit/reprokit")
	m, err := ReadManifest(filepath.Join(e.Home, ".var/app/org.chromium.Chromium/config/chromium/NativeMessagingHosts", ManifestFile))
	if err != nil {
		t.Fatalf("no flatpak manifest (%v); actions %+v", err, res.Actions)
	}
	if m.Path != inSandbox {
		t.Errorf("flatpak manifest path %s, want %s", m.Path, inSandbox)
	}
	if fi, err := os.Stat(inSandbox); err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("binary not copied executable: %v", err)
	}
	if _, err := Uninstall(e, Options{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, "flatpak uninstall", before, snapshot(t, filepath.Dir(e.Home)))
}

func TestSystemScopeWritesEtcAndVarLib(t *testing.T) {
	e := linuxEnv(t)
	e.LookPath = func(name string) (string, error) {
		if name == "chromium" {
			return "/usr/bin/chromium", nil
		}
		return "", errors.New("no")
	}
	before := snapshot(t, e.Root)
	if _, err := Install(e, Options{Scope: ScopeSystem, Binary: fakeBinary(t), ExtensionIDs: []string{testID}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"etc/chromium/native-messaging-hosts/" + ManifestFile, "var/lib/reprokit/receipt.json"} {
		if _, err := os.Stat(filepath.Join(e.Root, p)); err != nil {
			t.Errorf("missing %s: %v", p, err)
		}
	}
	if _, err := Uninstall(e, Options{Scope: ScopeSystem}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, "system uninstall", before, snapshot(t, e.Root))
}

func TestUninstallKeepsAManifestThatIsNoLongerOurs(t *testing.T) {
	e := linuxEnv(t)
	os.MkdirAll(filepath.Join(e.Home, ".config/chromium"), 0o700)
	if _, err := Install(e, Options{Binary: fakeBinary(t), ExtensionIDs: []string{testID}}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(e.Home, ".config/chromium/NativeMessagingHosts", ManifestFile)
	os.WriteFile(p, []byte(`{"name":"com.other.host"}`), 0o644)
	res, err := Uninstall(e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("someone else's file was removed")
	}
	if res.Actions[0].Did != "kept" {
		t.Errorf("actions %+v", res.Actions)
	}
}

func TestWindowsInstallWritesKeysEveryBrowserReads(t *testing.T) {
	reg := newFakeRegistry()
	local := t.TempDir()
	e := &Env{GOOS: "windows", Home: t.TempDir(), Registry: reg, LookPath: noPath,
		Getenv: func(k string) string {
			if k == "LOCALAPPDATA" {
				return local
			}
			return ""
		}}
	// Edge and Brave are installed.
	os.MkdirAll(e.join(local, `Microsoft\Edge\User Data`), 0o700)
	os.MkdirAll(e.join(local, `BraveSoftware\Brave-Browser\User Data`), 0o700)
	bin := fakeBinary(t)
	if _, err := Install(e, Options{Binary: bin, ExtensionIDs: []string{testID}}); err != nil {
		t.Fatal(err)
	}
	manifest := e.join(local, "Reprokit", ManifestFile)
	for _, k := range []string{
		`HKCU\Software\Microsoft\Edge\NativeMessagingHosts\io.reprokit.host`,
		`HKCU\Software\BraveSoftware\Brave-Browser\NativeMessagingHosts\io.reprokit.host`,
		`HKCU\Software\Google\Chrome\NativeMessagingHosts\io.reprokit.host`,
	} {
		v, ok, _ := reg.Get(k, "")
		if !ok || v != manifest {
			t.Errorf("%s = %q, %v; want %s", k, v, ok, manifest)
		}
	}
	if len(reg.keys) != 3 {
		t.Errorf("keys written: %v", reg.keys)
	}
	if m, err := ReadManifest(manifest); err != nil || m.Path != bin {
		t.Errorf("manifest %+v %v", m, err)
	}
	res, _ := Install(e, Options{Binary: bin, ExtensionIDs: []string{testID}})
	if res.Changed() {
		t.Errorf("second install changed: %+v", res.Actions)
	}
	if _, err := Uninstall(e, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(reg.keys) != 0 {
		t.Errorf("keys left: %v", reg.keys)
	}
	if _, err := os.Stat(manifest); err == nil {
		t.Errorf("manifest left behind")
	}
	if _, err := os.Stat(e.join(local, "Reprokit")); err == nil {
		t.Errorf("Reprokit folder left behind")
	}
}

func TestUninstallForgetsAProfileFolderTheBrowserFilled(t *testing.T) {
	e := linuxEnv(t)
	profile := filepath.Join(e.Home, "profile")
	if _, err := Install(e, Options{Binary: fakeBinary(t), ExtensionIDs: []string{testID}, UserDataDir: profile}); err != nil {
		t.Fatal(err)
	}
	// The browser runs with the profile and writes its own files.
	os.MkdirAll(filepath.Join(profile, "Default"), 0o700)
	if _, err := Uninstall(e, Options{UserDataDir: profile}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(profile, "Default")); err != nil {
		t.Errorf("the browser's files were removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(profile, "NativeMessagingHosts")); err == nil {
		t.Errorf("NativeMessagingHosts left behind")
	}
	if _, err := os.Stat(e.ReceiptPath(ScopeUser)); err == nil {
		t.Errorf("receipt left behind")
	}
}

func TestNamedBrowsersAreRegisteredBeforeTheyAreInstalled(t *testing.T) {
	e := linuxEnv(t)
	res, err := Install(e, Options{Binary: fakeBinary(t), ExtensionIDs: []string{testID}, Browsers: []Browser{Edge}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Actions) != 1 || res.Actions[0].Target != filepath.Join(e.Home, ".config/microsoft-edge/NativeMessagingHosts", ManifestFile) {
		t.Errorf("actions %+v", res.Actions)
	}
	res, err = Install(e, Options{Binary: fakeBinary(t), ExtensionIDs: []string{testID}, Browsers: []Browser{Edge}, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Actions) != 3 { // stable, beta, dev
		t.Errorf("--all actions %+v", res.Actions)
	}
}

func TestUninstallWithoutReceiptCleansTheKnownLocations(t *testing.T) {
	e := linuxEnv(t)
	os.MkdirAll(filepath.Join(e.Home, ".config/chromium"), 0o700)
	os.MkdirAll(filepath.Join(e.Home, ".var/app/com.brave.Browser"), 0o700)
	if _, err := Install(e, Options{Binary: fakeBinary(t), ExtensionIDs: []string{testID}}); err != nil {
		t.Fatal(err)
	}
	os.Remove(e.ReceiptPath(ScopeUser)) // lost
	res, err := Uninstall(e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		filepath.Join(e.Home, ".config/chromium/NativeMessagingHosts", ManifestFile),
		filepath.Join(e.Home, ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser/NativeMessagingHosts", ManifestFile),
		e.FlatpakBinaryPath("com.brave.Browser"),
	} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("left %s; actions %+v", p, res.Actions)
		}
	}
}

func TestUninstallOneBrowserKeepsTheOthers(t *testing.T) {
	e := linuxEnv(t)
	os.MkdirAll(filepath.Join(e.Home, ".config/chromium"), 0o700)
	os.MkdirAll(filepath.Join(e.Home, ".var/app/com.brave.Browser"), 0o700)
	if _, err := Install(e, Options{Binary: fakeBinary(t), ExtensionIDs: []string{testID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Uninstall(e, Options{Browsers: []Browser{Chromium}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e.Home, ".config/chromium/NativeMessagingHosts", ManifestFile)); err == nil {
		t.Error("chromium manifest left")
	}
	if _, err := os.Stat(e.FlatpakBinaryPath("com.brave.Browser")); err != nil {
		t.Error("brave's sandbox binary removed with chromium")
	}
	// The rest goes with the next full uninstall.
	if _, err := Uninstall(e, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(e.FlatpakBinaryPath("com.brave.Browser")); err == nil {
		t.Error("brave's sandbox binary left")
	}
	if _, err := os.Stat(e.ReceiptPath(ScopeUser)); err == nil {
		t.Error("receipt left")
	}
}
