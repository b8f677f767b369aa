package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// record of a page that cannot load at all ends by itself: exit 1 with
// the browser's error, a bundle whose finding names it, and the counts it
// printed while recording equal the bundle's.
func TestRecordEndsWhenThePageCannotLoad(t *testing.T) {
	needBrowser(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "r.zip")
	start := time.Now()
	_, errOut, code := runCLI(t, dir, "record", "https://127.0.0.1:1/", "--headless", "--out", out)
	if took := time.Since(start); took > 60*time.Second {
		t.Errorf("record ran %s", took)
	}
	if code != 1 || !strings.Contains(errOut, "https://127.0.0.1:1/ could not load (page load error net::ERR_UNSAFE_PORT)") || !strings.Contains(errOut, "everything recorded until then is in "+out) {
		t.Fatalf("exit %d, want 1 with the load error and the bundle:\n%s", code, errOut)
	}
	live := regexp.MustCompile(`stopped: [^(]*\(\S+\s+requests (\d+)\s+failed (\d+)`).FindStringSubmatch(errOut)
	packed := regexp.MustCompile(`bundle: (\d+) requests \((\d+) failed\)`).FindStringSubmatch(errOut)
	if live == nil || packed == nil || live[1] != packed[1] || live[2] != packed[2] {
		t.Errorf("live counts %v are not the bundle's %v:\n%s", live, packed, errOut)
	}
	stdout, _, code := runCLI(t, dir, "inspect", out)
	if code != 0 || !strings.Contains(stdout, "page-load-failed") || !strings.Contains(stdout, "net::ERR_UNSAFE_PORT") {
		t.Errorf("inspect: exit %d, no page-load-failed finding naming the error:\n%s", code, stdout)
	}
}
