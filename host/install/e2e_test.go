package install

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// builtBinary is the real reprokit binary, built once by TestMain.
var builtBinary, buildErr = "", error(nil)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "reprokit-install-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	builtBinary = filepath.Join(dir, "reprokit")
	cmd := exec.Command("go", "build", "-o", builtBinary, "./cmd/reprokit")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		buildErr = fmt.Errorf("go build ./cmd/reprokit: %v\n%s", err, out)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needBinary returns the real reprokit binary or fails the test.
func needBinary(t *testing.T) string {
	t.Helper()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBinary
}

func browserPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("REPROKIT_BROWSER")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no browser at %s and CI is set", p)
		}
		t.Skipf("no browser at %s (set REPROKIT_BROWSER)", p)
	}
	return p
}

// runCLI runs the real binary with a temporary HOME and returns stdout.
func runCLI(t *testing.T, bin, home string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME=", "XDG_STATE_HOME=")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// Installs with the real CLI into a temporary HOME and profile, then starts
// real Chromium with the real extension and proves the extension reaches the
// host; then proves what Chrome does with an uninstalled host and with a
// manifest whose origin lacks the trailing slash, and that doctor says so.
func TestRealExtensionReachesTheInstalledHost(t *testing.T) {
	chromium := browserPath(t)
	bin := needBinary(t)
	ext, _ := filepath.Abs(filepath.Join("..", "..", "extension"))
	if _, err := os.Stat(filepath.Join(ext, "manifest.json")); err != nil {
		t.Fatalf("the extension is missing: %v", err)
	}
	home := t.TempDir()
	profile := filepath.Join(t.TempDir(), "profile")

	_, stderr, code := runCLI(t, bin, home, "install", "--user-data-dir", profile)
	if code != 0 {
		t.Fatalf("install exited %d: %s", code, stderr)
	}
	out, stderr, code := runCLI(t, bin, home, "doctor", "--json", "--user-data-dir", profile)
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || !rep.OK {
		t.Fatalf("doctor exited %d (%v): %s %s", code, err, out, stderr)
	}

	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("load-extension", ext),
		chromedp.Flag("disable-extensions-except", ext),
		chromedp.UserDataDir(profile),
		chromedp.Env("HOME="+home, "TMPDIR="+t.TempDir(), "REPROKIT_OUT_DIR="+t.TempDir()),
	)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	// The extension's service worker, which owns chrome.runtime.
	sw := ""
	for sw == "" {
		infos, err := chromedp.Targets(bctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ti := range infos {
			if ti.Type == "service_worker" && strings.HasPrefix(ti.URL, "chrome-extension://"+DefaultExtensionID+"/") {
				sw = string(ti.TargetID)
			}
		}
		if sw == "" {
			select {
			case <-ctx.Done():
				t.Fatalf("the extension's service worker did not start; targets: %v", infos)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	swCtx, cancelSW := chromedp.NewContext(bctx, chromedp.WithTargetID(target.ID(sw)))
	defer cancelSW()
	ping := func() string {
		t.Helper()
		res, err := chromedp.Run(swCtx, chromedp.Evaluate[string](`new Promise((resolve) => {
			chrome.runtime.sendNativeMessage('io.reprokit.host', {id: 7, type: 'ping'}, (reply) => {
				resolve(chrome.runtime.lastError ? 'error: ' + chrome.runtime.lastError.message : JSON.stringify(reply));
			});
		})`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("evaluate in the service worker: %v", err)
		}
		return res
	}

	got := ping()
	var reply struct {
		Status string `json:"status"`
		ID     int    `json:"id"`
		Type   string `json:"type"`
	}
	if err := json.Unmarshal([]byte(got), &reply); err != nil || reply.Status != "ok" || reply.ID != 7 || reply.Type != "ping" {
		t.Fatalf("the extension did not reach the host: %s", got)
	}

	// A manifest whose origin lacks the trailing slash: Chrome refuses the
	// host, and doctor names the cause.
	manifest := filepath.Join(profile, "NativeMessagingHosts", ManifestFile)
	rewrite(t, manifest, func(m *Manifest) { m.AllowedOrigins = []string{strings.TrimSuffix(Origin(DefaultExtensionID), "/")} })
	if got := ping(); !strings.HasPrefix(got, "error: ") {
		t.Errorf("Chrome accepted an origin without the trailing slash: %s", got)
	} else {
		t.Logf("without the slash Chrome says: %s", got)
	}
	out, stderr, code = runCLI(t, bin, home, "doctor", "--user-data-dir", profile)
	if code != 1 || !strings.Contains(out, "without the trailing slash") {
		t.Errorf("doctor exited %d, its report (stdout) does not name the missing slash:\n%s\n%s", code, out, stderr)
	}

	// Install again repairs it; uninstall removes it and Chrome no longer
	// finds the host.
	if _, stderr, code := runCLI(t, bin, home, "install", "--user-data-dir", profile); code != 0 {
		t.Fatalf("reinstall: %s", stderr)
	}
	if got := ping(); !strings.Contains(got, `"status":"ok"`) {
		t.Errorf("after reinstall: %s", got)
	}
	if _, stderr, code := runCLI(t, bin, home, "uninstall", "--user-data-dir", profile); code != 0 {
		t.Fatalf("uninstall: %s", stderr)
	}
	if got := ping(); !strings.Contains(got, "not found") {
		t.Errorf("after uninstall Chrome still reaches a host: %s", got)
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "reprokit")); err == nil {
		t.Errorf("uninstall left the receipt folder")
	}
}
