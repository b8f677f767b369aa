package recording_test

// End-to-end tests of `reprokit record` through the real binary, a real
// Chromium and the real test app: how a recording stops (Ctrl-C, a closed
// tab, a crashed browser, a killed recorder) and that the data is kept.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/chromedp/remote"

	"github.com/reprokit/reprokit/host/browser"
	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/testapp"
)

var (
	app         *testapp.App
	binary      string
	browserPath string
	noBrowser   error
)

func TestMain(m *testing.M) {
	if p := os.Getenv(browser.EnvBrowser); p != "" {
		browserPath, noBrowser = browser.Find(p)
	} else {
		browserPath, noBrowser = browser.Find("/usr/bin/chromium")
	}
	tmp, err := os.MkdirTemp("", "reprokit-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(tmp, "reprokit")
	build := exec.Command("go", "build", "-o", binary, "github.com/reprokit/reprokit/cmd/reprokit")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build reprokit:", err)
		os.RemoveAll(tmp)
		os.Exit(1)
	}
	app, err = testapp.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the test app:", err)
		os.RemoveAll(tmp)
		os.Exit(1)
	}
	code := m.Run()
	app.Close()
	os.RemoveAll(tmp)
	os.Exit(code)
}

func needBrowser(t *testing.T) {
	t.Helper()
	if noBrowser != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no browser in CI: %v", noBrowser)
		}
		t.Skipf("no browser: %v", noBrowser)
	}
}

// run is one `reprokit record` process with its own temp dir (where its
// spool and the browser profile go) and output dir.
type run struct {
	t        *testing.T
	cmd      *exec.Cmd
	tmp, out string
	stdout   bytes.Buffer
	stderr   *lockedBuffer
	done     chan struct{}
	err      error
}

// lockedBuffer collects stderr lines from the reader goroutine.
type lockedBuffer struct {
	ch       chan string
	mu       sync.Mutex
	buf      bytes.Buffer
	readDone chan struct{}
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startRecord(t *testing.T, tmp string, args ...string) *run {
	t.Helper()
	needBrowser(t)
	if tmp == "" {
		tmp = shortTemp(t)
	}
	r := newRun(t, tmp)
	r.start(execRecord(tmp, r.out, args...))
	return r
}

// newRun is a run with tmp as its temp dir and a fresh output dir; start
// gives it its process.
func newRun(t *testing.T, tmp string) *run {
	return &run{t: t, tmp: tmp, out: t.TempDir(), done: make(chan struct{}), stderr: &lockedBuffer{ch: make(chan string, 1000), readDone: make(chan struct{})}}
}

// start runs cmd as r's process, collecting its output.
func (r *run) start(cmd *exec.Cmd) {
	t := r.t
	t.Helper()
	r.cmd = cmd
	r.cmd.Stdout = &r.stdout
	pr, pw := io.Pipe()
	r.cmd.Stderr = pw
	go func() {
		defer close(r.stderr.readDone)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.stderr.mu.Lock()
			r.stderr.buf.WriteString(sc.Text() + "\n")
			r.stderr.mu.Unlock()
			select {
			case r.stderr.ch <- sc.Text():
			default:
			}
		}
	}()
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r.err = r.cmd.Wait()
		pw.Close()
		close(r.done)
	}()
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		<-r.done
	})
}

// execRecord prepares `reprokit record --headless args…` with its spool and
// browser profile under tmp and its bundle in out.
func execRecord(tmp, out string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, append([]string{"record", "--headless"}, args...)...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "REPROKIT_OUT_DIR="+out, browser.EnvBrowser+"="+browserPath)
	return cmd
}

// waitLine waits for a stderr line containing s.
func (r *run) waitLine(s string) {
	r.t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l := <-r.stderr.ch:
			if strings.Contains(l, s) {
				return
			}
		case <-r.done:
			r.t.Fatalf("reprokit exited (%v) before printing %q; stderr:\n%s", r.err, s, r.stderr.String())
		case <-timeout:
			r.t.Fatalf("no %q on stderr within 60s:\n%s", s, r.stderr.String())
		}
	}
}

// wait waits for the process to exit and returns its exit code.
func (r *run) wait() int {
	r.t.Helper()
	select {
	case <-r.done:
	case <-time.After(90 * time.Second):
		r.t.Fatalf("reprokit did not exit; stderr:\n%s", r.stderr.String())
	}
	<-r.stderr.readDone
	if r.err == nil {
		return 0
	}
	if ee, ok := r.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	r.t.Fatal(r.err)
	return -1
}

// bundle opens the bundle whose path reprokit printed on stdout, checks
// that it is the only thing printed, and returns its HAR.
func (r *run) bundle() (string, har.HAR, *zip.ReadCloser) {
	r.t.Helper()
	path := strings.TrimSpace(r.stdout.String())
	if path == "" || strings.Contains(path, "\n") || !filepath.IsAbs(path) || filepath.Dir(path) != r.out {
		r.t.Fatalf("stdout %q is not one absolute path in %s; stderr:\n%s", r.stdout.String(), r.out, r.stderr.String())
	}
	return openBundle(r.t, path)
}

func openBundle(t *testing.T, path string) (string, har.HAR, *zip.ReadCloser) {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { z.Close() })
	var h har.HAR
	f, err := z.Open("session.har")
	if err != nil {
		t.Fatalf("bundle %s has no session.har: %v", path, err)
	}
	defer f.Close()
	if err := json.NewDecoder(f).Decode(&h); err != nil {
		t.Fatalf("session.har: %v", err)
	}
	return path, h, z
}

func hasEntry(h har.HAR, suffix string) bool {
	for _, e := range h.Log.Entries {
		if strings.HasSuffix(e.Request.URL, suffix) {
			return true
		}
	}
	return false
}

// spools lists the spool directories left in a run's temp dir.
func spools(t *testing.T, tmp string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(tmp, "reprokit-*", "rec-*"))
	return m
}

// devtoolsPort reads the debugging port of the browser that reprokit
// launched, from the DevToolsActivePort file of its temporary profile.
func devtoolsPort(t *testing.T, tmp string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		m, _ := filepath.Glob(filepath.Join(tmp, "chromedp-runner*", "DevToolsActivePort"))
		for _, p := range m {
			if b, err := os.ReadFile(p); err == nil {
				if port, _, ok := strings.Cut(string(b), "\n"); ok && port != "" {
					return port
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no DevToolsActivePort of the launched browser")
	return ""
}

func TestCtrlCFinalizesNormallyAndRemovesTheSpool(t *testing.T) {
	r := startRecord(t, "", app.URL+"/cache/page")
	r.waitLine("recording (spool")
	waitReceived(t, "/etag/data.json")
	time.Sleep(300 * time.Millisecond)
	r.cmd.Process.Signal(os.Interrupt)
	if code := r.wait(); code != 0 {
		t.Fatalf("exit %d after Ctrl-C; stderr:\n%s", code, r.stderr.String())
	}
	_, h, z := r.bundle()
	for _, p := range []string{"/cache/page", "/cache/static.js", "/etag/data.json"} {
		if !hasEntry(h, p) {
			t.Errorf("no entry for %s", p)
		}
	}
	names := map[string]bool{}
	for _, f := range z.File {
		names[f.Name] = true
	}
	for _, n := range []string{"bundle.json", "console.json", "steps.json"} {
		if !names[n] {
			t.Errorf("bundle lacks %s: %v", n, names)
		}
	}
	if !strings.Contains(r.stderr.String(), "interrupted by Ctrl-C") {
		t.Errorf("stderr does not say why it stopped:\n%s", r.stderr.String())
	}
	if left := spools(t, r.tmp); len(left) != 0 {
		t.Errorf("spools left after the bundle was written: %v", left)
	}
}

func TestClosedTabKeepsTheDataAndExitsNonZero(t *testing.T) {
	r := startRecord(t, "", app.URL+"/redirect/final")
	r.waitLine("recording (spool")
	port := devtoolsPort(t, r.tmp)
	waitReceived(t, "/redirect/final")
	time.Sleep(500 * time.Millisecond)
	list := jsonList(t, port)
	closed := false
	for _, tgt := range list {
		if tgt["type"] == "page" && strings.HasSuffix(fmt.Sprint(tgt["url"]), "/redirect/final") {
			httpDo(t, "GET", "http://127.0.0.1:"+port+"/json/close/"+fmt.Sprint(tgt["id"]))
			closed = true
		}
	}
	if !closed {
		t.Fatalf("no recorded tab in %v", list)
	}
	if code := r.wait(); code != 1 {
		t.Fatalf("exit %d after the tab closed, want 1; stderr:\n%s", code, r.stderr.String())
	}
	_, h, _ := r.bundle()
	if !hasEntry(h, "/redirect/final") {
		t.Errorf("the bundle lost the page recorded before the tab closed")
	}
	if !strings.Contains(r.stderr.String(), "tab was closed") {
		t.Errorf("stderr does not say the tab was closed:\n%s", r.stderr.String())
	}
}

func TestBrowserCrashKeepsTheDataAndExitsNonZero(t *testing.T) {
	r := startRecord(t, "", app.URL+"/redirect/final")
	r.waitLine("recording (spool")
	port := devtoolsPort(t, r.tmp)
	waitReceived(t, "/redirect/final")
	time.Sleep(500 * time.Millisecond)
	var v struct {
		WS string `json:"webSocketDebuggerUrl"`
	}
	json.Unmarshal(httpDo(t, "GET", "http://127.0.0.1:"+port+"/json/version"), &v)
	c, err := remote.DialContext(context.Background(), v.WS)
	if err != nil {
		t.Fatal(err)
	}
	c.Write(context.Background(), &cdproto.Message{ID: 1, Method: "Browser.crash"})
	c.Close()
	if code := r.wait(); code != 1 {
		t.Fatalf("exit %d after the browser crashed, want 1; stderr:\n%s", code, r.stderr.String())
	}
	_, h, _ := r.bundle()
	if !hasEntry(h, "/redirect/final") {
		t.Errorf("the bundle lost the page recorded before the crash")
	}
	if !strings.Contains(r.stderr.String(), "crashed") {
		t.Errorf("stderr does not name the crash:\n%s", r.stderr.String())
	}
}

func TestKilledRecorderIsRecoveredByTheNextRun(t *testing.T) {
	tmp := shortTemp(t)
	first := startRecord(t, tmp, app.URL+"/form/done?name=Leftover")
	first.waitLine("recording (spool")
	waitReceived(t, "/form/done")
	time.Sleep(1500 * time.Millisecond) // the log is flushed twice a second
	first.cmd.Process.Signal(syscall.SIGKILL)
	first.wait()
	if left := spools(t, tmp); len(left) != 1 {
		t.Fatalf("want the killed recorder's spool, found %v", left)
	}
	// A second leftover whose bundle cannot be written (its policy file is
	// gone): tried once, then left to `reprokit recover`.
	refused := plantLeftover(t, tmp, "", "/nonexistent/policy.json")
	second := startRecord(t, tmp, "--duration", "1s", app.URL+"/redirect/final")
	if code := second.wait(); code != 0 {
		t.Fatalf("second run exit %d; stderr:\n%s", code, second.stderr.String())
	}
	var recovered string
	for _, l := range strings.Split(second.stderr.String(), "\n") {
		if _, p, ok := strings.Cut(l, "recovered an interrupted recording into "); ok {
			recovered = p
		}
	}
	// The killed run's bundle goes where that run was to write it.
	if recovered == "" || filepath.Dir(recovered) != first.out {
		t.Fatalf("no recovery message naming a bundle in the first run's folder %s:\n%s", first.out, second.stderr.String())
	}
	if !strings.Contains(second.stderr.String(), "could not recover") || !strings.Contains(second.stderr.String(), "reprokit recover --discard") {
		t.Errorf("the failed recovery does not say how to resolve it:\n%s", second.stderr.String())
	}
	_, h, _ := openBundle(t, recovered)
	if !hasEntry(h, "/form/done?name=Leftover") {
		t.Errorf("the recovered bundle lacks the killed recording's page")
	}
	_, h2, _ := second.bundle()
	if !hasEntry(h2, "/redirect/final") {
		t.Errorf("the second run's own bundle lacks its page")
	}
	if left := spools(t, tmp); len(left) != 1 || left[0] != refused.Path() {
		t.Errorf("spools left after recovery: %v, want only the refused one", left)
	}
	// A later run does not retry it (seconds of sanitizing every time), it
	// only points to `reprokit recover`.
	third := startRecord(t, tmp, "--duration", "500ms", "about:blank")
	if code := third.wait(); code != 0 {
		t.Fatalf("third run exit %d; stderr:\n%s", code, third.stderr.String())
	}
	if strings.Contains(third.stderr.String(), "recovering") || !strings.Contains(third.stderr.String(), "reprokit recover --list") {
		t.Errorf("the third run retried the refused recording or did not point to `reprokit recover`:\n%s", third.stderr.String())
	}
}

func TestUntilSelectorStopsAndEventsTeeIsPrivate(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	r := startRecord(t, "", "--until-selector", "body[data-done]", "--events", events, "--jpeg-quality", "70", app.URL+"/streams")
	if code := r.wait(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, r.stderr.String())
	}
	stderr := r.stderr.String()
	if !strings.Contains(stderr, "selector body[data-done] appeared") || !strings.Contains(stderr, "UNSANITIZED") {
		t.Errorf("stderr lacks the stop reason or the --events warning:\n%s", stderr)
	}
	info, err := os.Stat(events)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("--events file: %v, mode %v", err, info.Mode())
	}
	b, _ := os.ReadFile(events)
	if !bytes.Contains(b, []byte(`"method":"Network.requestWillBeSent"`)) || !bytes.Contains(b, []byte(`"method":"Network.getResponseBody"`)) {
		t.Errorf("the events tee lacks requests or bodies")
	}
	_, _, z := r.bundle()
	jpeg := false
	for _, f := range z.File {
		if strings.HasPrefix(f.Name, "screenshots/") && strings.HasSuffix(f.Name, ".jpg") {
			jpeg = true
		}
	}
	if !jpeg {
		t.Errorf("no JPEG screenshot in the bundle with --jpeg-quality")
	}
}

func TestMaxSizeAndDurationStop(t *testing.T) {
	r := startRecord(t, "", "--max-size", "20KB", app.URL+"/cache/page")
	if code := r.wait(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, r.stderr.String())
	}
	if !strings.Contains(r.stderr.String(), "max size 20 KB reached") {
		t.Errorf("stderr lacks the max-size stop:\n%s", r.stderr.String())
	}
	r.bundle()
	// A 4 MB body against a 1 MB limit: the body is left out as it
	// arrives instead of overshooting by its whole size (QA: 5.9 MB).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16))
			return
		}
		io.WriteString(w, `<title>big</title><script>fetch('/big').then(r => r.arrayBuffer())</script>`)
	}))
	defer srv.Close()
	big := startRecord(t, "", "--max-size", "1MB", "--duration", "30s", srv.URL+"/")
	if code := big.wait(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, big.stderr.String())
	}
	var held float64
	var unit string
	if _, after, ok := strings.Cut(big.stderr.String(), "the recording holds "); !ok {
		t.Fatalf("no size in the stop line:\n%s", big.stderr.String())
	} else if _, err := fmt.Sscanf(after, "%f %s", &held, &unit); err != nil {
		t.Fatalf("stop line %q: %v", after, err)
	}
	if !strings.Contains(big.stderr.String(), "max size 1.0 MB reached") || (unit != "KB)" && unit != "B)" && !(unit == "MB)" && held < 2)) {
		t.Errorf("--max-size 1MB: the recording holds %v %s; stderr:\n%s", held, unit, big.stderr.String())
	}
	d := startRecord(t, "", "--duration", "1500ms", "--out", filepath.Join(t.TempDir(), "named.zip"), app.URL+"/redirect/final")
	if code := d.wait(); code != 0 || !strings.Contains(d.stderr.String(), "duration 1.5s reached") {
		t.Fatalf("exit %d; stderr:\n%s", code, d.stderr.String())
	}
	if out := strings.TrimSpace(d.stdout.String()); !strings.HasSuffix(out, "named.zip") {
		t.Errorf("--out ignored: stdout %q", out)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"record", "--jpeg-quality", "101"},
		{"record", "--max-size", "lots"},
		{"record", "--target", "x"},
		{"record", "a", "b"},
		{"record", "--out", "bundle.tar"},
		{"record", "--policy", "/nonexistent/policy.json"},
		{"record", "notaurl"},
		{"record", "ftp://example.com/"},
		{"record", "--browser", "/nonexistent/chrome", "example.com"},
		{"record", "--attach", "localhost:9222"},
		{"record", "--reload", "example.com"},
		{"recover", "--discard", "no-such-recording"},
		{"recover", "--list", "--discard", "x"},
	} {
		// A leftover recording sits in the spool: a usage error must be
		// reported before the recovery of old recordings starts.
		tmp := t.TempDir()
		left := plantLeftover(t, tmp, "", "")
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "REPROKIT_OUT_DIR="+t.TempDir())
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 || stdout.Len() != 0 {
			t.Errorf("%v: %v, stdout %q; want exit 2 and nothing on stdout", args, err, stdout.String())
		}
		if strings.Contains(stderr.String(), "recovering") {
			t.Errorf("%v: leftover recovery ran before the usage error:\n%s", args, stderr.String())
		}
		if _, err := os.Stat(left.Join("recording.json")); err != nil {
			t.Errorf("%v: the leftover recording was touched: %v", args, err)
		}
	}
}

func TestHeadedWithoutADisplayAsksForHeadless(t *testing.T) {
	needBrowser(t)
	if runtime.GOOS != "linux" {
		t.Skip("the display check is Linux's")
	}
	cmd := exec.Command(binary, "record", app.URL+"/redirect/final")
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "DISPLAY=") && !strings.HasPrefix(e, "WAYLAND_DISPLAY=") {
			env = append(env, e)
		}
	}
	cmd.Env = append(env, "TMPDIR="+shortTemp(t), "REPROKIT_OUT_DIR="+t.TempDir(), browser.EnvBrowser+"="+browserPath)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || stdout.Len() != 0 {
		t.Fatalf("exit %v, stdout %q", err, stdout.String())
	}
	if !strings.Contains(stderr.String(), "--headless") {
		t.Errorf("stderr does not suggest --headless: %s", stderr.String())
	}
}

func TestNoBrowserGivesTheInstallHint(t *testing.T) {
	cmd := exec.Command(binary, "record", "--headless", "--browser", filepath.Join(t.TempDir(), "no-such-browser"), "about:blank")
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), "REPROKIT_OUT_DIR="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("exit %v with a missing --browser, want 2 (usage)", err)
	}
	if !strings.Contains(stderr.String(), "--browser") || !strings.Contains(stderr.String(), "install") {
		t.Errorf("stderr does not say how to fix it: %s", stderr.String())
	}
}

// shortTemp makes a temp dir with a short path: Chromium refuses a profile
// whose singleton socket path is longer than a Unix socket name allows.
func shortTemp(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "rk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// waitReceived waits until the test app has received a request whose URL
// contains s.
func waitReceived(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range app.Received() {
			if strings.Contains(r.URL, s) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the app never received %s", s)
}

func jsonList(t *testing.T, port string) []map[string]any {
	t.Helper()
	var list []map[string]any
	if err := json.Unmarshal(httpDo(t, "GET", "http://127.0.0.1:"+port+"/json/list"), &list); err != nil {
		t.Fatal(err)
	}
	return list
}

func httpDo(t *testing.T, method, u string) []byte {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

func TestAttachRecordsTheNamedTabAndLeavesTheBrowserOpen(t *testing.T) {
	needBrowser(t)
	profile := shortTemp(t)
	browserCmd := exec.Command(browserPath, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
		"--remote-debugging-port=0", "--user-data-dir="+profile, "about:blank")
	testapp.OwnProcessGroup(browserCmd)
	if err := browserCmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		testapp.KillProcessGroup(browserCmd)
		browserCmd.Wait()
	}()
	var port string
	for deadline := time.Now().Add(20 * time.Second); port == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort")); err == nil {
			port, _, _ = strings.Cut(string(b), "\n")
		}
	}
	if port == "" {
		t.Fatal("the browser opened no debugging port")
	}
	httpDo(t, "PUT", "http://127.0.0.1:"+port+"/json/new?"+app.URL+"/redirect/final")
	var pageWS string
	for deadline := time.Now().Add(10 * time.Second); pageWS == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		for _, tgt := range jsonList(t, port) {
			if strings.HasSuffix(fmt.Sprint(tgt["url"]), "/redirect/final") {
				pageWS = fmt.Sprint(tgt["webSocketDebuggerUrl"])
			}
		}
	}
	r := startRecord(t, "", "--attach", "http://127.0.0.1:"+port, "--target", "/redirect/final", "--duration", "3s")
	r.waitLine("recording (spool")
	// Another client (the user, in effect) navigates the recorded tab.
	c, err := remote.DialContext(context.Background(), pageWS)
	if err != nil {
		t.Fatal(err)
	}
	params, _ := json.Marshal(map[string]string{"url": app.URL + "/etag/data.json?attached=1"})
	c.Write(context.Background(), &cdproto.Message{ID: 1, Method: "Page.navigate", Params: params})
	c.Close()
	if code := r.wait(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, r.stderr.String())
	}
	_, h, _ := r.bundle()
	if !hasEntry(h, "/etag/data.json?attached=1") {
		t.Errorf("the navigation in the attached tab was not recorded")
	}
	if len(jsonList(t, port)) == 0 {
		t.Errorf("the attached browser lost its tabs")
	}
	if !strings.Contains(r.stderr.String(), "--reload") || !strings.Contains(r.stderr.String(), "had already loaded its page and") {
		t.Errorf("attaching to a loaded tab does not say which of its earlier requests are missing:\n%s", r.stderr.String())
	}
	// With --reload, the already-loaded page's own request is recorded.
	re := startRecord(t, "", "--attach", "http://127.0.0.1:"+port, "--target", "attached=1", "--reload", "--duration", "2s")
	if code := re.wait(); code != 0 {
		t.Fatalf("--reload: exit %d; stderr:\n%s", code, re.stderr.String())
	}
	if _, h, _ := re.bundle(); !hasEntry(h, "/etag/data.json?attached=1") {
		t.Errorf("--reload did not record the page's request:\n%s", re.stderr.String())
	}
}

// TestTerminalCtrlCReachesOnlyTheRecorder sends SIGINT to the whole process
// group of reprokit, as a terminal's Ctrl-C does: the browser is in its own
// group, so it survives until the recorder has taken its stop screenshot.
func TestTerminalCtrlCReachesOnlyTheRecorder(t *testing.T) {
	needBrowser(t)
	tmp, out := shortTemp(t), t.TempDir()
	cmd := execRecord(tmp, out, app.URL+"/cache/page")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	ready := make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(pr)
		once := false
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), "recording (spool") {
				once = true
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatal("reprokit did not start recording")
	}
	waitReceived(t, "/etag/data.json")
	time.Sleep(500 * time.Millisecond)
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	err := cmd.Wait()
	pw.Close()
	<-readDone
	if err != nil {
		t.Fatalf("exit %v after a terminal Ctrl-C; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted by Ctrl-C") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	_, _, z := openBundle(t, strings.TrimSpace(stdout.String()))
	stopShot := false
	for _, f := range z.File {
		if f.Name == "bundle.json" || f.Name == "screenshots.json" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if bytes.Contains(b, []byte(`"reason": "stop"`)) || bytes.Contains(b, []byte(`"reason":"stop"`)) {
				stopShot = true
			}
		}
	}
	if !stopShot {
		t.Errorf("no stop screenshot: the browser died with the Ctrl-C")
	}
}
