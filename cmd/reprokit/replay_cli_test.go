package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/replay"
)

// needBrowser skips a test of a replay where no Chromium is installed
// (CI installs one, and fails instead).
func needBrowser(t *testing.T) {
	t.Helper()
	if _, err := replay.FindBrowser(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// replayBundle writes a bundle of one form page (a text field and an
// email field that report what was typed into them), steps that type a
// redaction tag into both and then go to a domain the recording does not
// hold, and an environment.json the browser cannot emulate.
func replayBundle(t *testing.T, path string) {
	t.Helper()
	page := `<title>Form</title><input id=name type=text aria-label=Name><input id=mail type=email aria-label=Mail>` +
		`<script>for (const el of document.querySelectorAll("input")) el.addEventListener("change", () => fetch("/typed?" + el.id + "=" + encodeURIComponent(el.value)).catch(() => {}));</script>`
	entry := map[string]any{
		"startedDateTime": "2026-01-01T00:00:00.000Z", "time": 1,
		"request": map[string]any{"method": "GET", "url": "http://app.test/", "httpVersion": "HTTP/1.1",
			"headers": []any{}, "queryString": []any{}, "cookies": []any{}, "headersSize": -1, "bodySize": 0},
		"response": map[string]any{"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
			"headers": []any{map[string]any{"name": "Content-Type", "value": "text/html"}}, "cookies": []any{},
			"content":     map[string]any{"size": len(page), "mimeType": "text/html", "text": page},
			"redirectURL": "", "headersSize": -1, "bodySize": -1},
		"cache": map[string]any{}, "timings": map[string]any{"send": 0, "wait": 1, "receive": 0},
	}
	har, _ := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "t", "version": "1"}, "entries": []any{entry}}})
	steps, _ := json.Marshal(map[string]any{"title": "form", "steps": []any{
		map[string]any{"type": "navigate", "url": "http://app.test/"},
		map[string]any{"type": "change", "selectors": [][]string{{"#name"}}, "value": "[REDACTED:email:1a2b3c4d]"},
		map[string]any{"type": "change", "selectors": [][]string{{"#mail"}}, "value": "[REDACTED:email:1a2b3c4d]"},
		map[string]any{"type": "navigate", "url": "https://excluded.test/login"},
		map[string]any{"type": "click", "selectors": [][]string{{"#submit"}}},
		map[string]any{"type": "change", "selectors": [][]string{{"#user"}}, "value": "x"},
	}})
	writeZip(t, path, "session.har", string(har), "steps.json", string(steps),
		"environment.json", `{"locale":"xx-!!invalid","timeZone":"Mars/Olympus"}`)
}

// A replay that cannot emulate the recorded locale or time zone warns and
// goes on; steps on a page the recording does not hold are skipped with one
// line each, not waited on; a redaction tag typed into a text field stays
// as typed (an email field, which refuses it, gets the stand-in). (A short
// name: the test directory is TMPDIR, and Chromium's socket path in it
// must stay under 108 bytes.)
func TestReplaySkipsAndWarns(t *testing.T) {
	needBrowser(t)
	dir := t.TempDir()
	replayBundle(t, filepath.Join(dir, "b.zip"))
	start := time.Now()
	_, errOut, code := runCLI(t, dir, "replay", "--headless", "--steps", "--timeout", "60s", "b.zip")
	took := time.Since(start)
	for _, want := range []string{
		`warning: the browser refused the locale "xx-!!invalid" of the recording`,
		`warning: the browser refused the time zone "Mars/Olympus" of the recording`,
		"step 4/6 navigate skipped: its page https://excluded.test/login is not in the recording",
		"step 5/6 click skipped: its page https://excluded.test/login is not in the recording",
		"step 6/6 change skipped",
		"typed?name=%5BREDACTED%3Aemail%3A1a2b3c4d%5D",
		"typed?mail=redacted1a2b3c4d%40example.com",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("replay does not say %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "emulate locale") || strings.Contains(errOut, "prepare the tab") {
		t.Errorf("an emulation value failed the replay:\n%s", errOut)
	}
	if strings.Contains(errOut, "no element found") {
		t.Errorf("a step off the recording was waited on:\n%s", errOut)
	}
	// the page's fetches of /typed are not in the recording: partial or
	// diverged is the page's doing, never a failure to run
	if code != 0 && code != 1 {
		t.Errorf("exit %d", code)
	}
	t.Logf("replay --steps took %s", took.Round(time.Millisecond))
}

// --open says first how to replay the user's steps.
func TestReplayOpenSaysHowToReplayTheSteps(t *testing.T) {
	dir := t.TempDir()
	replayBundle(t, filepath.Join(dir, "b.zip"))
	_, errOut, code := runCLI(t, dir, "replay", "--open", "--browser", filepath.Join(dir, "no-browser"), "b.zip")
	first, _, _ := strings.Cut(errOut, "\n")
	if want := "reprokit replay: --open shows the app as the recording began; to replay what the user did, add --steps: reprokit replay --open --steps b.zip"; first != want {
		t.Errorf("first line %q, want %q (exit %d)", first, want, code)
	}
}

// replay --timeout T ends by T plus 5 s, a 50 MB body or not.
func TestReplayTimeoutIsAHardLimit(t *testing.T) {
	needBrowser(t)
	dir := t.TempDir()
	if err := fileStream(filepath.Join(dir, "body50.har"), func(w io.Writer) error { return harWithBody(w, 50<<20, 'b') }); err != nil {
		t.Fatal(err)
	}
	out, errOut, code, rss, took := runMeasured(t, reprokitBinary(t), dir, "replay", "--headless", "--timeout", "10s", "body50.har")
	t.Logf("replay --timeout 10s body50.har: exit %d, %.1fs, peak %d MB (with the browser's processes)", code, took.Seconds(), rss>>20)
	if took > 15*time.Second {
		t.Errorf("replay --timeout 10s ran %s\nstdout: %.300s\nstderr: %.2000s", took, out, errOut)
	}
}
