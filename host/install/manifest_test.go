package install

import (
	"os"
	"path/filepath"
	"testing"
)

const testID = "abcdefghijklmnopabcdefghijklmnop"

func TestRegisterHostWritesAbsolutePathAndTrailingSlash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profile", "NativeMessagingHosts")
	bin := filepath.Join(t.TempDir(), "reprokit")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := RegisterHost(dir, bin, []string{testID, testID}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ManifestFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	m, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != HostName || m.Type != "stdio" || m.Path != bin {
		t.Errorf("manifest %+v", m)
	}
	if len(m.AllowedOrigins) != 1 || m.AllowedOrigins[0] != "chrome-extension://"+testID+"/" {
		t.Errorf("origins %q, want one with trailing slash", m.AllowedOrigins)
	}
}

func TestRegisterHostRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		bin  string
		ids  []string
	}{
		{"no binary", "", []string{testID}},
		{"no ids", "/bin/true", nil},
		{"bad id", "/bin/true", []string{"not-an-id"}},
		{"uppercase id", "/bin/true", []string{"ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP"}},
	} {
		if err := RegisterHost(dir, tc.bin, tc.ids); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bad input left files: %v", entries)
	}
}
