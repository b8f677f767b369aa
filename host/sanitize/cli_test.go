package sanitize_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/reprokit/reprokit/host/sanitize"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

// reprokit builds the real binary once for the CLI tests.
func reprokit(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "reprokit-sanitize-cli-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "reprokit")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/reprokit/reprokit/cmd/reprokit").CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build cmd/reprokit: %v\n%s", buildErr, binPath)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// runCLI runs the binary and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(reprokit(t), args...)
	var stdout, stderr bytes.Buffer
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

func TestCLISanitizeWritesVerifiedOutputAndReport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "clean.har")
	report := filepath.Join(dir, "report.json")
	stdout, stderr, code := runCLI(t, "sanitize", filepath.Join("testdata", "leak-corpus.har"), "-o", out, "--report", report)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.TrimSpace(stdout) != out {
		t.Errorf("stdout %q, want only the absolute output path %q", stdout, out)
	}
	data, err := os.ReadFile(out)
	if err != nil || !json.Valid(data) {
		t.Fatalf("output missing or invalid: %v", err)
	}
	for _, leak := range []string{`AKIA[A-Z0-9]{16}`, `ghp_[A-Za-z0-9]{30}`, `BEGIN RSA PRIVATE`, `sk_live_[A-Za-z0-9]{10}`} {
		if regexp.MustCompile(leak).Match(data) {
			t.Errorf("output matches %s", leak)
		}
	}
	var rep sanitize.Report
	rd, _ := os.ReadFile(report)
	if err := json.Unmarshal(rd, &rep); err != nil || rep.Total < 90 || len(rep.Counts) == 0 || len(rep.Locations) != rep.Total {
		t.Errorf("report: %v total %d", err, rep.Total)
	}
	// scan agrees: the input is dirty, the output clean
	stdout, _, code = runCLI(t, "scan", "--json", filepath.Join("testdata", "leak-corpus.har"))
	var fs []sanitize.Finding
	if code != 1 || json.Unmarshal([]byte(stdout), &fs) != nil || len(fs) < 90 {
		t.Errorf("scan of the corpus: exit %d, %d findings", code, len(fs))
	}
	for _, f := range fs {
		if f.File == "" || f.Location == "" || f.Kind == "" || !strings.HasPrefix(f.Tag, "[REDACTED:") {
			t.Fatalf("incomplete finding %+v", f)
		}
	}
	if _, stderr, code := runCLI(t, "scan", out); code != 0 {
		t.Errorf("scan of the sanitized output: exit %d: %s", code, stderr)
	}
	if _, _, code := runCLI(t, "scan", filepath.Join(dir, "missing.har")); code != 2 {
		t.Errorf("scan of a missing file: exit %d, want 2", code)
	}
}

func TestCLIInvalidInputLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "bad.har")
	os.WriteFile(in, []byte("{\n  \"log\": {\n    \"entries\": [\n      {\"request\": {,}}\n"), 0o644)
	_, stderr, code := runCLI(t, "sanitize", in, "-o", filepath.Join(dir, "out.har"))
	if code != 2 || !strings.Contains(stderr, "line 4, column 20") {
		t.Errorf("exit %d, stderr %q: want 2 and the line and column", code, stderr)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("files left behind: %v", ents)
	}
}

func TestCLIFailsClosedUnlessAllowed(t *testing.T) {
	dir := t.TempDir()
	// A value redacted elsewhere is scrubbed from every string that holds
	// it; here the password's bytes run across two JSON strings ("xZk3m"
	// and the key "Q8vL2pX7y"), where no string holds it but the byte
	// search of the rescan finds it: nothing is written.
	in := filepath.Join(dir, "in.har")
	os.WriteFile(in, []byte(`{"log":{"version":"1.2","entries":[{"request":{"method":"POST","url":"https://a.example.com/login","headers":[],
		"postData":{"mimeType":"application/json","text":"{\"password\":\"Zk3m\\\",\\\"Q8vL2pX7\"}"}},
		"response":{"status":200,"content":{"mimeType":"text/plain","text":"ok"},"_x":{"a":"xZk3m","Q8vL2pX7y":1}}}]}}`), 0o644)
	out := filepath.Join(dir, "out.har")
	_, stderr, code := runCLI(t, "sanitize", in, "-o", out)
	if code != 1 || !strings.Contains(stderr, "secret-key in out.har at /log/entries/0/response/_x/a") || strings.Contains(stderr, "Q8vL2pX7") {
		t.Errorf("exit %d, stderr %q: want 1 naming the rule and location, not the value", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an output was written although verification failed")
	}
	if _, stderr, code := runCLI(t, "sanitize", in, "-o", out, "--allow", "secret-key"); code != 0 {
		t.Errorf("--allow secret-key: exit %d: %s", code, stderr)
	}
	stdout, _, code := runCLI(t, "sanitize", "--print-policy")
	var p sanitize.Policy
	if code != 0 || json.Unmarshal([]byte(stdout), &p) != nil || len(p.Rules) < 8 {
		t.Errorf("--print-policy: exit %d, %d rules", code, len(p.Rules))
	}
}

// sanitize refuses JSON that is not a HAR with exit 2 and writes nothing;
// scan of a truncated HAR (also renamed .txt) reports its secrets, exit 1.
func TestCLINotAHARAndTruncatedHAR(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "empty.har")
	os.WriteFile(in, []byte("{}\n"), 0o600)
	out := filepath.Join(dir, "out.har")
	_, stderr, code := runCLI(t, "sanitize", in, "-o", out)
	if code != 2 || !strings.Contains(stderr, "not a HAR: no log object") {
		t.Errorf("sanitize {}: exit %d, stderr %q: want 2 and \"not a HAR: no log object\"", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("sanitize {} wrote an output")
	}
	har := `{"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"https://api.example.com/me?access_token=Zx9Qm7Xv2Lp9Rk4Tz8Wn3Bc6Hy","headers":[{"name":"authorization","value":"Bearer Rk4Tz8Wn3Bc6Hy1JdQm7Xv2Lp9Tz8"}]},"response":{"content":{"text":"`
	for _, name := range []string{"cut.har", "cut.txt"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(har), 0o600)
		stdout, stderr, code := runCLI(t, "scan", p)
		if code != 1 || strings.Count(stdout, "\n") < 2 || strings.Contains(stdout, "Zx9Qm7") {
			t.Errorf("scan %s: exit %d, stdout %q, stderr %q: want 1 with the URL parameter and the bearer token", name, code, stdout, stderr)
		}
	}
}
