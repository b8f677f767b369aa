package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/testapp"
)

// `reprokit replay --open` shows the replay in a browser window and keeps
// it open for the engineer to explore until they close the window; then it
// prints its report and exits 0.
func TestReplayOpenStaysUntilTheWindowIsClosed(t *testing.T) {
	browserOrSkip(t)
	d := testapp.NeedDisplay(t)
	bin := buildCLI(t)
	har := filepath.Join(t.TempDir(), "shop.har")
	if err := os.WriteFile(har, []byte(cliHAR), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "replay", har, "--open", "--json")
	cmd.Env = d.Env()
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	var mu sync.Mutex
	var stderr strings.Builder
	open := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := sync.Once{}
		for sc.Scan() {
			mu.Lock()
			stderr.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), "stays open") {
				once.Do(func() { close(open) })
			}
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	logs := func() string { mu.Lock(); defer mu.Unlock(); return stderr.String() }
	select {
	case <-open:
	case err := <-done:
		t.Fatalf("replay --open ended (%v) before saying the browser stays open:\n%s", err, logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("replay --open never said the browser stays open:\n%s", logs())
	}
	// The replay stays while the window is open.
	select {
	case err := <-done:
		t.Fatalf("replay --open ended (%v) with its window still open:\n%s", err, logs())
	case <-time.After(1500 * time.Millisecond):
	}
	// The window says it is a replay (issue 14), and the first line how
	// to replay the user's steps.
	find := exec.Command("xdotool", "search", "--onlyvisible", "--name", `\[Reprokit replay\]`)
	find.Env = d.Env()
	if out, _ := find.Output(); len(strings.Fields(string(out))) == 0 {
		t.Errorf("no window titled [Reprokit replay] …:\n%s", logs())
	}
	if first, _, _ := strings.Cut(logs(), "\n"); !strings.HasPrefix(first, "reprokit replay: --open shows the app as the recording began;") {
		t.Errorf("first line %q does not say what --open shows and how to replay the steps", first)
	}
	if err := d.CloseWindow(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("replay --open: %v after the window was closed:\n%s", err, logs())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("replay --open did not end after its window was closed:\n%s", logs())
	}
	var rep map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not one JSON report: %v\n%s", err, stdout.String())
	}
	if rep["requests"] != 2.0 || rep["coverage"] != 1.0 {
		t.Errorf("report of the open replay %v, want its 2 requests served", rep)
	}
}
