package report_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// reprokit builds the real binary once per test run.
func reprokit(t *testing.T) string {
	t.Helper()
	bin := cliBin
	buildOnce.Do(func() {
		out, err := exec.Command("go", "build", "-o", bin, "github.com/reprokit/reprokit/cmd/reprokit").CombinedOutput()
		if err != nil {
			buildErr = string(out) + err.Error()
		}
	})
	if buildErr != "" {
		t.Fatalf("build reprokit: %s", buildErr)
	}
	return bin
}

var (
	cliBin    = filepath.Join(os.TempDir(), "reprokit-report-cli-test-"+strconv.Itoa(os.Getpid()))
	buildOnce sync.Once
	buildErr  string
)

const chromeHAR = "../bundle/testdata/chrome.har"

func run(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func TestReportCommandWritesOneSelfContainedPage(t *testing.T) {
	bin := reprokit(t)
	out := filepath.Join(t.TempDir(), "r.html")
	stdout, stderr, code := run(t, bin, "report", chromeHAR, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.TrimSpace(stdout) != out {
		t.Errorf("stdout %q, want only the absolute path %q", stdout, out)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`http-equiv="Content-Security-Policy"`, "default-src &#39;none&#39;", `<script type="application/json" id="rk-data">`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if regexp.MustCompile(`(?i)<(script|link|img)[^>]+(src|href)=["']?https?:`).Match(page) {
		t.Error("the page loads something from the network")
	}
	_, stderr, code = run(t, bin, "report", "nope.har")
	if code != 2 || !strings.Contains(stderr, "nope.har") {
		t.Errorf("a missing input: exit %d, %q", code, stderr)
	}
	_, _, code = run(t, bin, "report")
	if code != 2 {
		t.Errorf("no input: exit %d, want 2", code)
	}
}

func TestInspectCommandPrintsTheSummary(t *testing.T) {
	bin := reprokit(t)
	stdout, stderr, code := run(t, bin, "inspect", chromeHAR)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"requests  4 (2 failed)", "http-5xx", "blocked-by-client", "8a1b2c3d4e5f6789-CDG"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, code = run(t, bin, "inspect", "--json", chromeHAR)
	var s struct {
		Kind       string `json:"kind"`
		Counts     struct{ Entries int }
		Findings   []struct{ Rule string }
		RequestIDs []struct {
			Value  string
			Failed bool
		} `json:"requestIds"`
	}
	if err := json.Unmarshal([]byte(stdout), &s); err != nil || code != 0 {
		t.Fatalf("inspect --json: exit %d, %v: %s", code, err, stdout)
	}
	if s.Kind != "har" || s.Counts.Entries != 4 || len(s.Findings) < 2 || len(s.RequestIDs) < 3 || !s.RequestIDs[0].Failed {
		t.Errorf("inspect --json: %+v", s)
	}
}

func TestViewCommandServesTheReportOnLoopbackOnly(t *testing.T) {
	bin := reprokit(t)
	cmd := exec.Command(bin, "view", chromeHAR, "--no-open")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	var url string
	deadline := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	for lines.Scan() {
		if m := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(lines.Text()); m != "" {
			url = m
			break
		}
	}
	deadline.Stop()
	go io.Copy(io.Discard, stderr)
	if url == "" {
		t.Fatal("view printed no address on stderr")
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") || !bytes.Contains(body, []byte("rk-data")) {
		t.Errorf("GET %s: %d, CSP %q", url, resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	// A page of another site that resolves to 127.0.0.1 (DNS rebinding)
	// sends its own Host: refused.
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = "evil.example:80"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Host: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	if resp, err := http.Get(url + "bundle.zip"); err != nil || resp.StatusCode != 404 {
		t.Errorf("other paths must be 404: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	// Ctrl-C stops it cleanly.
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("view after Ctrl-C: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("view did not stop on Ctrl-C")
	}
}
