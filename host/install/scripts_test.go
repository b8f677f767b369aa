package install

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runScript runs scripts/<name> with a temporary HOME, a PATH without Go
// (so the prebuilt binary is what gets installed) and no apt-get.
func runScript(t *testing.T, home, path, name string, args ...string) string {
	t.Helper()
	script, _ := filepath.Abs(filepath.Join("..", "..", "scripts", name))
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Env = []string{"HOME=" + home, "PATH=" + path, "REPROKIT_NO_BROWSER_INSTALL=1", "TMPDIR=" + os.TempDir()}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// install.sh in user scope with a prebuilt binary, twice, then uninstall.sh:
// the second install changes nothing and the uninstall leaves the home as
// it was.
func TestInstallScriptThenUninstallScript(t *testing.T) {
	browserPath(t) // the script registers with the Chromium found on PATH
	bin := needBinary(t)
	home := filepath.Join(t.TempDir(), "home")
	os.MkdirAll(home, 0o755)
	before := snapshot(t, home)
	path := "/usr/local/bin:/usr/bin:/bin"

	out := runScript(t, home, path, "install.sh", "--scope", "user", "--binary", bin)
	installed := filepath.Join(home, ".local", "bin", "reprokit")
	if fi, err := os.Stat(installed); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("binary not installed 0755: %v\n%s", err, out)
	}
	m, err := ReadManifest(filepath.Join(home, ".config", "chromium", "NativeMessagingHosts", ManifestFile))
	if err != nil {
		t.Fatalf("no manifest for Chromium: %v\n%s", err, out)
	}
	if m.Path != installed || m.AllowedOrigins[0] != Origin(DefaultExtensionID) {
		t.Errorf("manifest %+v", m)
	}
	if !strings.Contains(out, `export PATH="`+filepath.Dir(installed)+`:$PATH"`) {
		t.Errorf("no PATH line for a bin folder off PATH:\n%s", out)
	}

	mid := snapshot(t, home)
	out = runScript(t, home, filepath.Dir(installed)+":"+path, "install.sh", "--scope", "user", "--binary", bin)
	sameTree(t, "second install.sh", mid, snapshot(t, home))
	if !strings.Contains(out, "binary unchanged") || !strings.Contains(out, "nothing to change") || !strings.Contains(out, "reprokit demo") {
		t.Errorf("second run output:\n%s", out)
	}

	// The installed binary passes its own doctor, self-test included.
	cmd := exec.Command(installed, "doctor")
	cmd.Env = []string{"HOME=" + home, "PATH=" + path}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("doctor after install.sh: %v\n%s", err, b)
	}

	out = runScript(t, home, path, "uninstall.sh", "--scope", "user")
	sameTree(t, "after uninstall.sh", before, snapshot(t, home))
	out = runScript(t, home, path, "uninstall.sh", "--scope", "user")
	if !strings.Contains(out, "nothing to remove") {
		t.Errorf("second uninstall:\n%s", out)
	}
}

// The system scope of the scripts, as root, into a temporary root tree
// ($REPROKIT_ROOT): /usr/local/bin, /etc/chromium and /var/lib/reprokit.
func TestInstallScriptSystemScope(t *testing.T) {
	browserPath(t)
	if os.Geteuid() != 0 {
		t.Skip("the system scope of install.sh needs root")
	}
	bin := needBinary(t)
	home := filepath.Join(t.TempDir(), "home")
	root := filepath.Join(t.TempDir(), "root")
	os.MkdirAll(home, 0o755)
	os.MkdirAll(root, 0o755)
	before := snapshot(t, root)
	path := "/usr/bin:/bin"
	run := func(name string, args ...string) string {
		script, _ := filepath.Abs(filepath.Join("..", "..", "scripts", name))
		cmd := exec.Command("bash", append([]string{script}, args...)...)
		cmd.Env = []string{"HOME=" + home, "PATH=" + path, "REPROKIT_NO_BROWSER_INSTALL=1", "REPROKIT_ROOT=" + root}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		return string(out)
	}
	out := run("install.sh", "--scope", "system", "--binary", bin)
	installed := filepath.Join(root, "usr/local/bin/reprokit")
	m, err := ReadManifest(filepath.Join(root, "etc/chromium/native-messaging-hosts", ManifestFile))
	if err != nil || m.Path != installed {
		t.Fatalf("system manifest %+v %v\n%s", m, err, out)
	}
	for _, p := range []string{"var/lib/reprokit/receipt.json", "var/lib/reprokit/install-script.state"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("missing %s", p)
		}
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("system scope wrote into HOME: %v", entries)
	}
	run("uninstall.sh", "--scope", "system")
	sameTree(t, "after system uninstall.sh", before, snapshot(t, root))
}
