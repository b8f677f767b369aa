package demo

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/testapp"
)

// `reprokit demo --headed` plays the story in a browser window the user
// can watch (here on a virtual display) and bundles it as headless does.
func TestReprokitDemoHeadedPlaysInAWindow(t *testing.T) {
	browser := browserPath(t)
	if testing.Short() {
		t.Skip("builds the binary and records a full session")
	}
	d := testapp.NeedDisplay(t)
	bin := buildReprokit(t)
	out := filepath.Join(t.TempDir(), "headed.zip")
	tmp, err := os.MkdirTemp("", "rkdemo")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	cmd := exec.Command(bin, "demo", "--headed", "--out", out)
	cmd.Env = d.Env("REPROKIT_BROWSER="+browser, "TMPDIR="+tmp, "REPROKIT_OUT_DIR=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("reprokit demo --headed: %v\nstderr:\n%s", err, stderr.String())
	}
	if got := stdout.String(); got != out+"\n" {
		t.Fatalf("stdout %q, want only the bundle path\nstderr:\n%s", got, stderr.String())
	}
	files := readZip(t, out)
	var doc har.HAR
	if err := json.Unmarshal(files["session.har"], &doc); err != nil || len(doc.Log.Entries) < 10 {
		t.Fatalf("session.har: %v, %d entries", err, len(doc.Log.Entries))
	}
	var env struct {
		Browser struct {
			Headless bool `json:"headless"`
		} `json:"browser"`
	}
	if err := json.Unmarshal(files["environment.json"], &env); err != nil || env.Browser.Headless {
		t.Errorf("environment.json says headless (%v): %s", err, files["environment.json"])
	}
}
