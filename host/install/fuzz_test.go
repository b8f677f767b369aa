package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reg.exe output is parsed from another program: it must never panic, and
// a value it returns came from an indented line.
func FuzzParseRegQuery(f *testing.F) {
	f.Add([]byte("\r\nHKEY_CURRENT_USER\\Software\\Google\\Chrome\\NativeMessagingHosts\\io.reprokit.host\r\n    (Default)    REG_SZ    C:\\Users\\a b\\AppData\\Local\\Reprokit\\io.reprokit.host.json\r\n\r\n"))
	f.Add([]byte("HKEY_LOCAL_MACHINE\\Software\\Policies\\Google\\Chrome\n    NativeMessagingUserLevelHosts    REG_DWORD    0x0\n    ExtensionSettings    REG_SZ    {\"*\":{\"installation_mode\":\"blocked\"}}\n\nHKEY_LOCAL_MACHINE\\Software\\Policies\\Google\\Chrome\\NativeMessagingBlocklist\n    1    REG_SZ    *\n"))
	f.Add([]byte("    \n(\n    (    REG_SZ"))
	f.Fuzz(func(t *testing.T, out []byte) {
		vals := parseRegQuery(out)
		for name, v := range vals {
			if strings.Contains(name, "\n") || strings.Contains(v, "\n") {
				t.Fatalf("a value spans lines: %q=%q", name, v)
			}
			regValue(name, v) // must not panic either
		}
	})
}

// A manifest on disk can hold anything: the doctor must never panic, and it
// passes only a manifest Chrome would accept.
func FuzzCheckManifest(f *testing.F) {
	f.Add([]byte(`{"name":"io.reprokit.host","description":"x","path":"BIN","type":"stdio","allowed_origins":["chrome-extension://abcdefghijklmnopabcdefghijklmnop/"]}`))
	f.Add([]byte(`{"name":"io.reprokit.host","path":"reprokit","type":"stdio","allowed_origins":["chrome-extension://abcdefghijklmnopabcdefghijklmnop"]}`))
	f.Add([]byte(`{"name":1}`))
	f.Add([]byte(`[`))
	bin := filepath.Join(f.TempDir(), "reprokit")
	os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755)
	f.Fuzz(func(t *testing.T, data []byte) {
		data = []byte(strings.ReplaceAll(string(data), "BIN", bin))
		p := filepath.Join(t.TempDir(), ManifestFile)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		e := &Env{GOOS: "linux"}
		c := checkManifest(e, p, []string{testID})
		if c.Status != StatusPass {
			if c.Fix == "" {
				t.Fatalf("failed check without a fix: %+v", c)
			}
			return
		}
		m, err := ReadManifest(p)
		if err != nil || m.Name != HostName || m.Type != "stdio" || !strings.HasPrefix(m.Path, "/") {
			t.Fatalf("passed a manifest Chrome refuses: %s", data)
		}
		ok := false
		for _, o := range m.AllowedOrigins {
			ok = ok || o == Origin(testID)
		}
		if !ok {
			t.Fatalf("passed without the exact origin: %s", data)
		}
	})
}

// Policy files are written by admins and other tools: reading the managed
// configuration and checking the policy must never panic.
func FuzzPolicyFile(f *testing.F) {
	f.Add([]byte(`{"NativeMessagingBlocklist":["*"],"3rdparty":{"extensions":{"abcdefghijklmnopabcdefghijklmnop":{"sizeBudgetMB":20,"allowKeepFinding":false,"sanitizerPolicy":{"keep":["x"]}}}}}`))
	f.Add([]byte(`{"ExtensionSettings":{"*":{"installation_mode":"blocked","blocked_permissions":"debugger"}},"NativeMessagingUserLevelHosts":false}`))
	f.Add([]byte(`{"3rdparty":{"extensions":{"abcdefghijklmnopabcdefghijklmnop":{"sizeBudgetMB":1e300,"retentionDays":-1,"outputFolder":7}}}}`))
	f.Add([]byte(`{"3rdparty":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dir := filepath.Join(root, "etc/chromium/policies/managed")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "p.json"), data, 0o644)
		e := &Env{GOOS: "linux", Root: root, Home: root}
		c, err := LoadManagedConfig(e, testID)
		if err == nil && c.SizeBudgetMB != nil && *c.SizeBudgetMB < 1 {
			t.Fatalf("accepted a size budget below 1 MB: %s", data)
		}
		srcs, _ := ReadPolicies(e)
		for _, s := range srcs {
			CheckPolicy(s, []string{testID}, true)
		}
	})
}
