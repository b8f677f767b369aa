// Package e2e drives the whole extension mode in a real headless Chromium:
// the real extension (pinned ID) loaded unpacked, the real reprokit binary
// registered as its native host in the test profile, and the test app. The
// test's own chromedp connection plays the user: it opens the popup in a
// tab, clicks its buttons, and drives the app tab that the extension's
// chrome.debugger records.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/install"
	"github.com/reprokit/reprokit/host/native"
	"github.com/reprokit/reprokit/host/testapp"
)

// env is the browser, app and folders every test of the package shares.
var env struct {
	skip    string // why the browser tests skip; empty when they run
	root    string // repository root
	tmp     string
	binary  string // the reprokit binary Chrome starts as the host
	outDir  string // REPROKIT_OUT_DIR of the host (which also has REPROKIT_AUTO_SAVE=1)
	tmpDir  string // TMPDIR of the browser and host: the spools live here
	hostLog string
	app     *testapp.App
	browser context.Context // the first chromedp context of the browser
	cancel  func()
}

func TestMain(m *testing.M) {
	code := func() int {
		if err := setup(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e setup:", err)
			teardown()
			return 1
		}
		defer teardown()
		return m.Run()
	}()
	os.Exit(code)
}

func browserPath() string {
	if p := os.Getenv("REPROKIT_BROWSER"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

func setup() error {
	_, file, _, _ := runtime.Caller(0)
	env.root = filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	path := browserPath()
	if _, err := os.Stat(path); err != nil {
		env.skip = "no browser at " + path + " (set REPROKIT_BROWSER)"
		if os.Getenv("CI") != "" {
			return fmt.Errorf("%s, and CI is set", env.skip)
		}
		return nil
	}
	var err error
	if env.tmp, err = os.MkdirTemp("", "reprokit-e2e-"); err != nil {
		return err
	}
	env.outDir = filepath.Join(env.tmp, "out")
	env.tmpDir = filepath.Join(env.tmp, "tmp")
	env.hostLog = filepath.Join(env.tmp, "host.log")
	for _, d := range []string{env.outDir, env.tmpDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	if env.binary, err = hostBinary(); err != nil {
		return err
	}
	if env.app, err = testapp.Start(); err != nil {
		return err
	}
	env.browser, env.cancel, err = launchBrowser(filepath.Join(env.tmp, "profile"),
		"REPROKIT_OUT_DIR="+env.outDir, "REPROKIT_AUTO_SAVE=1", "REPROKIT_REPORTS_DIR="+filepath.Join(env.tmp, "reports"), "TMPDIR="+env.tmpDir, "REPROKIT_HOST_LOG="+env.hostLog,
		"REPROKIT_HOST_DEBUG="+os.Getenv("REPROKIT_HOST_DEBUG"), "REPROKIT_AUDIT_LOG="+filepath.Join(env.tmp, "audit.log"))
	if err != nil {
		return err
	}
	return nil
}

// launchBrowser starts headless Chromium with the real extension loaded
// unpacked and the host registered in the profile userData; vars is the
// environment Chrome passes on to the host.
func launchBrowser(userData string, vars ...string) (context.Context, func(), error) {
	if err := install.RegisterHost(filepath.Join(userData, "NativeMessagingHosts"), env.binary, []string{native.ExtensionID}); err != nil {
		return nil, nil, fmt.Errorf("register the host in the test profile: %w", err)
	}
	return launchUnregistered(userData, vars...)
}

// launchUnregistered is launchBrowser without registering the host: a
// machine where the extension is installed and the host is not.
func launchUnregistered(userData string, vars ...string) (context.Context, func(), error) {
	return launchWith(userData, nil, vars...)
}

// launchWith is launchUnregistered with more browser options (a UI
// language).
func launchWith(userData string, more []chromedp.ExecAllocatorOption, vars ...string) (context.Context, func(), error) {
	ext := filepath.Join(env.root, "extension")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browserPath()),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-popup-blocking", true),
		chromedp.Flag("load-extension", ext),
		chromedp.Flag("disable-extensions-except", ext),
		chromedp.UserDataDir(userData),
		chromedp.WindowSize(1280, 900),
		chromedp.Env(vars...),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), append(opts, more...)...)
	bctx, cancelB := chromedp.NewContext(actx)
	cancel := func() { cancelB(); cancelA() }
	// The first Run binds the browser's life to its context: no timeout.
	if err := chromedp.Do(bctx); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("start %s: %w", browserPath(), err)
	}
	return bctx, cancel, nil
}

// hostBinary builds cmd/reprokit into the temp folder, or returns
// REPROKIT_E2E_HOST when set (a binary built elsewhere).
func hostBinary() (string, error) {
	if p := os.Getenv("REPROKIT_E2E_HOST"); p != "" {
		return filepath.Abs(p)
	}
	out := filepath.Join(env.tmp, "reprokit")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/reprokit")
	cmd.Dir = env.root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the host binary: %v\n%s", err, b)
	}
	return out, nil
}

func teardown() {
	if env.cancel != nil {
		env.cancel()
	}
	if env.app != nil {
		env.app.Close()
	}
	if env.tmp != "" && os.Getenv("REPROKIT_E2E_KEEP") == "" {
		os.RemoveAll(env.tmp)
	} else if env.tmp != "" {
		fmt.Fprintln(os.Stderr, "e2e: kept", env.tmp)
	}
}

func needBrowser(t testing.TB) {
	t.Helper()
	if env.skip != "" {
		t.Skip(env.skip)
	}
}
