package install

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// installedEnv is a Linux machine with Chromium and a good user install.
func installedEnv(t *testing.T) (*Env, string, string) {
	t.Helper()
	e := linuxEnv(t)
	os.MkdirAll(filepath.Join(e.Home, ".config/chromium"), 0o700)
	bin := fakeBinary(t)
	if _, err := Install(e, Options{Binary: bin, ExtensionIDs: []string{testID}}); err != nil {
		t.Fatal(err)
	}
	return e, bin, filepath.Join(e.Home, ".config/chromium/NativeMessagingHosts", ManifestFile)
}

func doctor(e *Env) *Report {
	return Doctor(context.Background(), e, DoctorOptions{ExtensionIDs: []string{testID}})
}

// failed returns the failed checks as "name: detail | fix".
func failed(r *Report) []string {
	var out []string
	for _, c := range r.Checks {
		if c.Status == StatusFail || c.Status == StatusWarn {
			out = append(out, c.Name+": "+c.Detail+" | "+c.Fix)
		}
	}
	return out
}

func TestDoctorPassesAGoodInstall(t *testing.T) {
	e, _, _ := installedEnv(t)
	r := doctor(e)
	if !r.OK {
		t.Fatalf("doctor failed a good install: %q", failed(r))
	}
}

func TestDoctorFindsEachBrokenStateWithItsFix(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(t *testing.T, e *Env, bin, manifest string)
		want   []string // substrings of the failed check and its fix
	}{
		{"missing binary", func(t *testing.T, e *Env, bin, manifest string) { os.Remove(bin) },
			[]string{"is missing", "scripts/install.sh"}},
		{"non-executable binary", func(t *testing.T, e *Env, bin, manifest string) { os.Chmod(bin, 0o644) },
			[]string{"not executable", "chmod 755 "}},
		{"relative path", func(t *testing.T, e *Env, bin, manifest string) {
			rewrite(t, manifest, func(m *Manifest) { m.Path = "reprokit" })
		}, []string{`"reprokit" is relative`, "absolute path"}},
		{"wrong origin", func(t *testing.T, e *Env, bin, manifest string) {
			rewrite(t, manifest, func(m *Manifest) { m.AllowedOrigins = []string{Origin("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")} })
		}, []string{"does not allow the extension " + testID, "--extension-id " + testID}},
		{"missing trailing slash", func(t *testing.T, e *Env, bin, manifest string) {
			rewrite(t, manifest, func(m *Manifest) { m.AllowedOrigins = []string{"chrome-extension://" + testID} })
		}, []string{"without the trailing slash", "with the slash"}},
		{"invalid JSON", func(t *testing.T, e *Env, bin, manifest string) {
			os.WriteFile(manifest, []byte(`{"name": "io.reprokit.host",`), 0o644)
		}, []string{"not valid JSON", "reprokit install"}},
		{"wrong type", func(t *testing.T, e *Env, bin, manifest string) {
			rewrite(t, manifest, func(m *Manifest) { m.Type = "pipe" })
		}, []string{`type "pipe"`, "reprokit install"}},
		{"manifest not readable by all", func(t *testing.T, e *Env, bin, manifest string) { os.Chmod(manifest, 0o600) },
			[]string{"not readable by every user", "chmod 644"}},
		{"blocklist policy", func(t *testing.T, e *Env, bin, manifest string) {
			writePolicy(t, e, "/etc/chromium/policies/managed/corp.json", `{"NativeMessagingBlocklist": ["*"]}`)
		}, []string{"NativeMessagingBlocklist", "add \"io.reprokit.host\" to NativeMessagingAllowlist"}},
		{"system-level hosts only", func(t *testing.T, e *Env, bin, manifest string) {
			writePolicy(t, e, "/etc/chromium/policies/managed/corp.json", `{"NativeMessagingUserLevelHosts": false}`)
		}, []string{"only starts system-level hosts", "--scope system"}},
		{"extension blocked", func(t *testing.T, e *Env, bin, manifest string) {
			writePolicy(t, e, "/etc/chromium/policies/managed/corp.json", `{"ExtensionSettings": {"*": {"installation_mode": "blocked"}}}`)
		}, []string{"blocks extension " + testID, "force_installed"}},
		{"permission blocked", func(t *testing.T, e *Env, bin, manifest string) {
			writePolicy(t, e, "/etc/chromium/policies/managed/corp.json", `{"ExtensionSettings": {"`+testID+`": {"installation_mode": "allowed", "blocked_permissions": ["debugger"]}}}`)
		}, []string{"blocked_permissions", "remove nativeMessaging and debugger"}},
		{"install blocklist", func(t *testing.T, e *Env, bin, manifest string) {
			writePolicy(t, e, "/etc/chromium/policies/managed/corp.json", `{"ExtensionInstallBlocklist": ["*"]}`)
		}, []string{"ExtensionInstallBlocklist blocks", "ExtensionInstallAllowlist"}},
		{"unparsable policy file", func(t *testing.T, e *Env, bin, manifest string) {
			writePolicy(t, e, "/etc/chromium/policies/managed/corp.json", `{`)
		}, []string{"not valid JSON", "fix or remove"}},
		{"not registered", func(t *testing.T, e *Env, bin, manifest string) { os.Remove(manifest) },
			[]string{"no working Reprokit host manifest", "reprokit install --browsers chromium"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, bin, manifest := installedEnv(t)
			tc.break_(t, e, bin, manifest)
			r := doctor(e)
			got := strings.Join(failed(r), "\n")
			if r.OK && !strings.Contains(tc.name, "readable") && !strings.Contains(tc.name, "unparsable") { // those two only warn
				t.Errorf("doctor passed a broken install: %s", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("no %q in the failed checks:\n%s", w, got)
				}
			}
		})
	}
}

func TestDoctorAcceptsAPolicyThatAllowsTheHost(t *testing.T) {
	e, _, _ := installedEnv(t)
	writePolicy(t, e, "/etc/chromium/policies/managed/corp.json", `{
		"NativeMessagingBlocklist": ["*"], "NativeMessagingAllowlist": ["io.reprokit.host"],
		"ExtensionSettings": {"*": {"installation_mode": "blocked"}, "`+testID+`": {"installation_mode": "force_installed", "update_url": "https://example.test/u.xml"}},
		"ExtensionInstallBlocklist": ["*"], "ExtensionInstallAllowlist": ["`+testID+`"]}`)
	if r := doctor(e); !r.OK {
		t.Errorf("doctor failed an allowing policy: %q", failed(r))
	}
}

func TestDoctorReadsWindowsPolicyFromTheRegistry(t *testing.T) {
	reg := newFakeRegistry()
	local := t.TempDir()
	e := &Env{GOOS: "windows", Home: t.TempDir(), Registry: reg, LookPath: noPath,
		Getenv: func(k string) string {
			if k == "LOCALAPPDATA" {
				return local
			}
			return ""
		}}
	os.MkdirAll(e.join(local, `Google\Chrome\User Data`), 0o700)
	if _, err := Install(e, Options{Binary: fakeBinary(t), ExtensionIDs: []string{testID}}); err != nil {
		t.Fatal(err)
	}
	if r := doctor(e); !r.OK {
		t.Fatalf("windows install failed: %q", failed(r))
	}
	reg.Set(`HKLM\Software\Policies\Google\Chrome\NativeMessagingBlocklist`, "1", "*")
	reg.Set(`HKLM\Software\Policies\Google\Chrome`, "NativeMessagingUserLevelHosts", "0x0")
	got := strings.Join(failed(doctor(e)), "\n")
	for _, w := range []string{"NativeMessagingBlocklist", "NativeMessagingUserLevelHosts", `HKLM\Software\Policies\Google\Chrome`} {
		if !strings.Contains(got, w) {
			t.Errorf("no %q in:\n%s", w, got)
		}
	}
}

func TestDoctorFailsWithoutABrowser(t *testing.T) {
	e := linuxEnv(t)
	got := strings.Join(failed(doctor(e)), "\n")
	if !strings.Contains(got, "no Chromium-family browser found") || !strings.Contains(got, "apt-get install chromium") {
		t.Errorf("got:\n%s", got)
	}
}

func rewrite(t *testing.T, path string, f func(*Manifest)) {
	t.Helper()
	m, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	f(m)
	if err := os.WriteFile(path, m.Encode(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writePolicy(t *testing.T, e *Env, path, body string) {
	t.Helper()
	p := e.sys(path)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDoctorReadsMacOSManagedPreferences(t *testing.T) {
	old := PlistToJSON
	PlistToJSON = os.ReadFile // the test's "plists" are JSON already
	defer func() { PlistToJSON = old }()
	base := t.TempDir()
	e := &Env{GOOS: "darwin", Home: filepath.Join(base, "Users", "ada"), Root: filepath.Join(base, "root"), Getenv: func(string) string { return "" }, LookPath: noPath}
	os.MkdirAll(filepath.Join(e.Home, "Library/Application Support/Google/Chrome"), 0o700)
	if _, err := Install(e, Options{Binary: fakeBinary(t), ExtensionIDs: []string{testID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e.Home, "Library/Application Support/Google/Chrome/NativeMessagingHosts", ManifestFile)); err != nil {
		t.Fatalf("no macOS user manifest: %v", err)
	}
	if r := doctor(e); !r.OK {
		t.Fatalf("doctor: %q", failed(r))
	}
	writePolicy(t, e, "/Library/Managed Preferences/ada/com.google.Chrome.plist", `{"NativeMessagingUserLevelHosts": false}`)
	writePolicy(t, e, "/Library/Managed Preferences/com.google.Chrome.extensions."+testID+".plist", `{"retentionDays": 14}`)
	got := strings.Join(failed(doctor(e)), "\n")
	if !strings.Contains(got, "NativeMessagingUserLevelHosts") || !strings.Contains(got, "Managed Preferences/ada/com.google.Chrome.plist") {
		t.Errorf("got:\n%s", got)
	}
	c, err := LoadManagedConfig(e, testID)
	if err != nil || c.RetentionDays == nil || *c.RetentionDays != 14 {
		t.Errorf("managed config %+v %v", c, err)
	}
}
