package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/reprokit/reprokit/host/replay"
	"github.com/reprokit/reprokit/host/testapp"
)

// Issue 12 asks for replays of real open-source web apps that nobody on
// the team wrote. These install offline from Debian packages
// (jupyter-notebook, syncthing); the test records each in headless
// Chromium while a scripted chromedp session uses it, replays the
// sanitized bundle with its steps and logs the verdict and the figures.
// It runs only with REPROKIT_REAL_APPS=1 (the apps are not part of the
// project's test set-up) and fails only when a replay cannot run at all:
// what it shows is a finding, written up in docs/REPLAY-REAL-APPS.md.

func realAppsOrSkip(t *testing.T, bins ...string) {
	t.Helper()
	if os.Getenv("REPROKIT_REAL_APPS") == "" {
		t.Skip("set REPROKIT_REAL_APPS=1 to record and replay the real apps (jupyter-notebook, syncthing from Debian)")
	}
	browserOrSkip(t)
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s is not installed: apt-get install jupyter-notebook syncthing", b)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startApp runs an app's server until the test ends and waits until url
// answers.
func startApp(t *testing.T, url string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		logf.Close()
	})
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode < 500 {
				return
			}
		}
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("%s did not answer %s in 60 s:\n%s", name, url, b)
}

// recordAndReplay records a session with the real CLI, as a user would:
// a headless Chromium with a debugging port, `reprokit record --attach`
// on its tab, a scripted chromedp session (drive) using the app in that
// tab as a person would, then Ctrl-C (SIGINT) to stop. It replays the
// sanitized bundle with its steps and logs the figures.
func recordAndReplay(t *testing.T, name string, drive func(tab context.Context) error, recordArgs ...string) *replay.Report {
	t.Helper()
	exe, err := replay.FindBrowser("")
	if err != nil {
		t.Skip(err)
	}
	bin := buildCLI(t)
	dir := t.TempDir()
	// A browser the user started with a debugging port: chromedp drives
	// it as the user, the recorder attaches to it.
	profile := filepath.Join(dir, "profile")
	browser := exec.Command(exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
		"--window-size=1280,800", "--remote-debugging-port=0", "--user-data-dir="+profile, "about:blank")
	testapp.OwnProcessGroup(browser)
	if err := browser.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testapp.KillProcessGroup(browser); _ = browser.Wait() })
	var port string
	for deadline := time.Now().Add(30 * time.Second); port == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort")); err == nil {
			port, _, _ = strings.Cut(string(b), "\n")
		}
	}
	if port == "" {
		t.Fatal("the browser opened no debugging port")
	}
	// The browser's one tab, found without opening another (a first
	// chromedp context without a target opens a new tab).
	var tabID target.ID
	for deadline := time.Now().Add(10 * time.Second); tabID == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var list []struct{ ID, Type string }
		if res, err := http.Get("http://127.0.0.1:" + port + "/json/list"); err == nil {
			_ = json.NewDecoder(res.Body).Decode(&list)
			res.Body.Close()
		}
		for _, i := range list {
			if i.Type == "page" {
				tabID = target.ID(i.ID)
			}
		}
	}
	if tabID == "" {
		t.Fatal("no tab in the browser")
	}
	actx, acancel := remote.NewAllocator(context.Background(), "http://127.0.0.1:"+port)
	defer acancel()
	tab, cancel := chromedp.NewContext(actx, chromedp.WithTargetID(tabID))
	defer cancel()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("connect to the tab: %v", err)
	}
	out := filepath.Join(dir, name+".zip")
	rec := exec.Command(bin, append([]string{"record", "--attach", "http://127.0.0.1:" + port, "--budget", "0", "--out", out}, recordArgs...)...)
	rec.Env = append(os.Environ(), "TMPDIR="+dir) // its own spool base
	var stdout strings.Builder
	rec.Stdout = &stdout
	errPipe, err := rec.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Start(); err != nil {
		t.Fatal(err)
	}
	recording := make(chan struct{})
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		sc := bufio.NewScanner(errPipe)
		once := false
		for sc.Scan() {
			t.Logf("record: %s", sc.Text())
			if !once && strings.Contains(sc.Text(), "recording (spool") {
				once = true
				close(recording)
			}
		}
	}()
	select {
	case <-recording:
	case <-time.After(60 * time.Second):
		_ = rec.Process.Kill()
		t.Fatal("reprokit record did not start recording in 60 s")
	}
	ctx, dcancel := context.WithTimeout(tab, 3*time.Minute)
	derr := drive(ctx)
	dcancel()
	began := time.Now()
	_ = rec.Process.Signal(os.Interrupt)
	werr := rec.Wait()
	<-logged
	if derr != nil {
		t.Fatalf("%s: the scripted session failed: %v", name, derr)
	}
	if werr != nil {
		t.Fatalf("reprokit record: %v", werr)
	}
	t.Logf("%s: stopped and bundled in %s: %s", name, time.Since(began).Round(time.Millisecond), strings.TrimSpace(stdout.String()))
	if keep := os.Getenv("REPLAY_E2E_KEEP"); keep != "" {
		if b, err := os.ReadFile(out); err == nil {
			_ = os.WriteFile(filepath.Join(keep, name+".zip"), b, 0o600)
		}
	}
	res := struct{ Path string }{out}
	src, err := replay.Load(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range src.Screenshots {
		t.Logf("%s: recorded screenshot %s %s %s %s (%d masked)", name, s.File, s.Target, s.Reason, s.URL, len(s.Masked))
	}
	t.Logf("%s: steps.json %s", name, src.Steps)
	rctx, rcancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer rcancel()
	shots := os.Getenv("REPLAY_E2E_SHOTS")
	if shots != "" {
		shots = filepath.Join(shots, name)
	}
	before := cpuSeconds()
	rbegan := time.Now()
	rep, err := replay.Run(rctx, src, replay.Options{Steps: len(src.Steps) > 0, Timeout: 90 * time.Second, Progress: logWriter{t}, ScreenshotsDir: shots})
	if err != nil {
		t.Fatalf("replay %s: %v", name, err)
	}
	run, cpu := time.Since(rbegan), cpuSeconds()-before
	var b strings.Builder
	_ = rep.WriteTable(&b)
	t.Logf("%s: replay in %s (CPU %.1f s):\n%s", name, run.Round(time.Millisecond), cpu, b.String())
	for _, p := range rep.ScreenshotPairs {
		t.Logf("%s: screenshot pair %+v", name, p)
	}
	for _, s := range rep.Steps {
		t.Logf("%s: step %d %s ok=%v %s %s %s", name, s.Index+1, s.Type, s.OK, s.Duration, s.Selector, s.Error)
	}
	fmt.Fprintf(os.Stderr, "REAL APP %s: verdict %s, recording %.1fs, replay %.1fs, run %s, CPU %.1fs, requests %d exact %d fuzzy %d unmatched %d, ws matched %d/%d (ids rewritten %d), steps %d/%d, screenshot diff %.3f, ended %s, reasons %q\n",
		name, rep.Verdict, rep.RecordingSpan, rep.ReplaySpan, run.Round(time.Millisecond), cpu, rep.Requests, rep.ServedExact, rep.ServedFuzzy, rep.Unmatched,
		rep.WebSocketFrames.Matched, rep.WebSocketFrames.Received, rep.WebSocketFrames.IDsRewritten, rep.StepsOK, rep.StepsTotal, rep.ScreenshotDiff, rep.Ended, rep.Reasons)
	return rep
}

// Jupyter Notebook 6 (Debian's jupyter-notebook): the file list opens the
// notebook in a second tab (target=_blank), where the user runs a cell; the
// kernel talks over one websocket with client-made msg_ids.
func TestReplayOfJupyterNotebook(t *testing.T) {
	realAppsOrSkip(t, "jupyter")
	home := t.TempDir()
	nb := `{"cells":[{"cell_type":"code","execution_count":null,"metadata":{},"outputs":[],"source":["print('answer', 6 * 7)"]}],
"metadata":{"kernelspec":{"display_name":"Python 3","language":"python","name":"python3"}},"nbformat":4,"nbformat_minor":5}`
	if err := os.WriteFile(filepath.Join(home, "issue.ipynb"), []byte(nb), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	startApp(t, base+"/tree", []string{"HOME=" + home, "JUPYTER_RUNTIME_DIR=" + filepath.Join(home, "rt"), "JUPYTER_CONFIG_DIR=" + filepath.Join(home, "cfg"), "JUPYTER_DATA_DIR=" + filepath.Join(home, "data")},
		"jupyter", "notebook", "--no-browser", "--ip=127.0.0.1", fmt.Sprintf("--port=%d", port), "--NotebookApp.token=", "--NotebookApp.password=",
		"--notebook-dir="+home, "--NotebookApp.open_browser=False", "--allow-root")
	rep := recordAndReplay(t, "jupyter", func(tab context.Context) error {
		if err := chromedp.Do(tab, chromedp.Navigate(base+"/tree")); err != nil {
			return err
		}
		link := `#notebook_list a.item_link[href$="issue.ipynb"]`
		if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(link))); err != nil {
			return fmt.Errorf("the file list: %w", err)
		}
		if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(link))); err != nil {
			return err
		}
		// The recorder attaches to the new tab first, so WaitNewTarget
		// (which skips attached targets) does not see it: poll. The
		// tab's first target can go away under a session (the document
		// moves to another renderer): attach again then.
		var wctx context.Context
		for attempt := 0; ; attempt++ {
			var id target.ID
			for deadline := time.Now().Add(30 * time.Second); id == ""; time.Sleep(200 * time.Millisecond) {
				if time.Now().After(deadline) {
					return fmt.Errorf("the notebook tab did not open")
				}
				infos, _ := chromedp.Targets(tab)
				for _, i := range infos {
					if i.Type == "page" && strings.Contains(i.URL, "issue.ipynb") {
						id = i.TargetID
					}
				}
			}
			work, cancel := chromedp.NewContext(tab, chromedp.WithTargetID(id))
			defer cancel()
			c, ccancel := context.WithTimeout(work, 60*time.Second)
			defer ccancel()
			_, err := chromedp.Run(c, chromedp.Poll[bool](`!!(window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected())`))
			if err == nil {
				wctx = c
				break
			}
			if attempt >= 4 || !strings.Contains(err.Error(), "detached") {
				return fmt.Errorf("the kernel did not connect: %w", err)
			}
			t.Logf("jupyter: attach the notebook tab again: %v", err)
			time.Sleep(500 * time.Millisecond)
		}
		if err := chromedp.Do(wctx, chromedp.Click(chromedp.CSS(`.cell .CodeMirror`))); err != nil {
			return err
		}
		// Shift+Enter runs the cell.
		if err := chromedp.Do(wctx, chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierShift))); err != nil {
			return err
		}
		if _, err := chromedp.Run(wctx, chromedp.Poll[bool](`document.querySelector('.output_area pre') !== null && document.querySelector('.output_area pre').innerText.includes('answer 42')`)); err != nil {
			return fmt.Errorf("the cell did not print: %w", err)
		}
		time.Sleep(time.Second)
		return nil
	})
	_ = rep
}

// Syncthing's web GUI (Debian's syncthing, AngularJS): it long-polls
// /rest/events and keeps a poll open when the recording stops; the user
// opens the settings dialog and closes it.
func TestReplayOfSyncthingGUI(t *testing.T) {
	realAppsOrSkip(t, "syncthing")
	home := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	startApp(t, base+"/", []string{"HOME=" + home, "STNOUPGRADE=1"},
		"syncthing", "serve", "--home="+filepath.Join(home, "st"), "--no-browser", "--no-default-folder", "--gui-address="+base[len("http://"):], "--skip-port-probing", "--no-restart")
	// No --allow: the bundle must pass its own fail-closed check (it was
	// refused over a cut translation file, docs/REPLAY-REAL-APPS.md).
	var args []string
	if keep := os.Getenv("REPLAY_E2E_KEEP"); keep != "" {
		args = append(args, "--events", filepath.Join(keep, "syncthing-events.jsonl"))
	}
	rep := recordAndReplay(t, "syncthing", func(tab context.Context) error {
		if err := chromedp.Do(tab, chromedp.Navigate(base+"/")); err != nil {
			return err
		}
		wctx, wcancel := context.WithTimeout(tab, 60*time.Second)
		defer wcancel()
		// The GUI is ready when this device's name shows.
		if _, err := chromedp.Run(wctx, chromedp.Poll[bool](`!!document.querySelector('#folders') && document.body.innerText.includes('This Device')`)); err != nil {
			return fmt.Errorf("the GUI did not load: %w", err)
		}
		time.Sleep(1500 * time.Millisecond)
		if err := chromedp.Do(wctx, chromedp.Click(chromedp.CSS(`a[ng-click*="addFolder"], button[ng-click*="addFolder"]`))); err != nil {
			return fmt.Errorf("add folder: %w", err)
		}
		if _, err := chromedp.Run(wctx, chromedp.Poll[bool](`!!document.querySelector('#editFolder.in, #editFolder[style*="block"]')`)); err != nil {
			return fmt.Errorf("the folder dialog did not open: %w", err)
		}
		time.Sleep(time.Second)
		return nil
	}, args...)
	_ = rep
}
