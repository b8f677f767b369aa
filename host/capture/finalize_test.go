package capture

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/spool"
)

// finalizedSpool copies testdata/spool/events.jsonl (a log with a damaged
// line in the middle and a cut-off last line, as a killed recorder leaves
// it) into a fresh spool and finalizes it.
func finalizedSpool(t *testing.T) (*spool.Dir, []string) {
	t.Helper()
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/spool/events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir.Join(EventsFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	var warns []string
	if err := FinalizeWith(dir, FinalizeOptions{Warn: func(m string) { warns = append(warns, m) }}); err != nil {
		t.Fatal(err)
	}
	return dir, warns
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600 (unsanitized)", path, st.Mode().Perm())
	}
}

func TestFinalizeKeepsEverythingAroundDamagedAndCutOffLines(t *testing.T) {
	dir, warns := finalizedSpool(t)
	joined := strings.Join(warns, "\n")
	if !strings.Contains(joined, "line 13 is damaged") || !strings.Contains(joined, "cut-off message at line 45") {
		t.Errorf("warnings should name the damaged line 13 and the cut-off end:\n%s", joined)
	}
	var h har.HAR
	readJSON(t, dir.Join("session.har"), &h)
	if len(h.Log.Entries) != 3 || len(h.Log.Pages) != 3 {
		t.Fatalf("entries %d pages %d", len(h.Log.Entries), len(h.Log.Pages))
	}
	if h.Log.Browser == nil || h.Log.Browser.Name != "HeadlessChrome" || h.Log.Browser.Version != "156.0.7500.0" {
		t.Errorf("HAR browser = %+v", h.Log.Browser)
	}
	if !h.Log.Entries[1].Incomplete || !h.Log.Entries[2].Incomplete || h.Log.Entries[0].Incomplete {
		t.Errorf("in-flight marks: %v %v %v", h.Log.Entries[0].Incomplete, h.Log.Entries[1].Incomplete, h.Log.Entries[2].Incomplete)
	}
	left, _ := filepath.Glob(dir.Join(".*tmp*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestFinalizeRendersConsoleMessagesLikeDevTools(t *testing.T) {
	dir, _ := finalizedSpool(t)
	var cl ConsoleLog
	readJSON(t, dir.Join("console.json"), &cl)
	want := []struct {
		level, source, text, url, target string
		line                             int
	}{
		{"info", "console-api", "user ada has 3 items ! {a: 1, b: 'x', c: Array(2)}", "http://a.test/app.js", "page", 10},
		{"warning", "console-api", "(3) [1, 2, 'three'] undefined null true", "", "page", 0},
		{"error", "exception", "Uncaught TypeError: Cannot read properties of undefined (reading 'id')", "http://a.test/app.js", "page", 42},
		{"error", "network", "Failed to load resource: the server responded with a status of 500 (Internal Server Error)", "http://a.test/api/fail", "page", 0},
		{"error", "console-api", "from worker", "", "worker", 0},
		// The reporter's note (Reprokit.note) is in the console, in time.
		{"note", "reprokit", "clicked save, nothing happened", "", "", 0},
	}
	if len(cl.Messages) != len(want) {
		t.Fatalf("%d messages: %+v", len(cl.Messages), cl.Messages)
	}
	for i, w := range want {
		m := cl.Messages[i]
		if m.Level != w.level || m.Source != w.source || m.Text != w.text || m.URL != w.url || m.Target != w.target || m.Line != w.line {
			t.Errorf("message %d:\n got %+v\nwant %+v", i, m, w)
		}
	}
	exc := cl.Messages[2]
	if !strings.Contains(exc.Stack, "at submit (http://a.test/app.js:42:13)") || !strings.Contains(exc.Stack, "at (anonymous) (http://a.test/app.js:51:3)") || exc.Column != 13 {
		t.Errorf("exception stack/column: %q %d", exc.Stack, exc.Column)
	}
	if cl.Messages[5].Time != "2025-11-26T19:00:00.400Z" {
		t.Errorf("the note's time is %q", cl.Messages[5].Time)
	}
	if cl.Messages[0].Time != "2025-11-26T19:00:00.100Z" || cl.Messages[3].RequestID != "5.4" {
		t.Errorf("time %q requestId %q", cl.Messages[0].Time, cl.Messages[3].RequestID)
	}
}

func TestFinalizeWritesARecorderUserFlow(t *testing.T) {
	dir, _ := finalizedSpool(t)
	var flow struct {
		Title string           `json:"title"`
		Steps []map[string]any `json:"steps"`
	}
	readJSON(t, dir.Join("steps.json"), &flow)
	var types []string
	for _, s := range flow.Steps {
		types = append(types, s["type"].(string))
	}
	// setViewport first; navigate to the first page; the user's steps once
	// each (records, not the raw binding events too); the navigation the
	// Enter key caused is asserted on it; one the browser started (typed,
	// Page.navigate) is a navigate step even right after a scroll.
	if got := strings.Join(types, ","); got != "setViewport,navigate,click,change,change,click,keyDown,keyUp,scroll,navigate" {
		t.Fatalf("step types = %s", got)
	}
	vp := flow.Steps[0]
	if vp["width"] != 1280.0 || vp["height"] != 720.0 || vp["deviceScaleFactor"] != 1.0 || vp["isLandscape"] != true {
		t.Errorf("setViewport = %v", vp)
	}
	if nav := flow.Steps[1]; nav["url"] != "http://a.test/login" {
		t.Errorf("first navigate = %v", nav)
	}
	if pw := flow.Steps[4]; pw["value"] != "••••••" || pw["masked"] != true {
		t.Errorf("masked value must stay masked: %v", pw)
	}
	// A click in a nested frame gets the Recorder's frame path: second
	// child of the main frame, then its first child.
	if fr, _ := flow.Steps[5]["frame"].([]any); len(fr) != 2 || fr[0] != 1.0 || fr[1] != 0.0 {
		t.Errorf("frame path of the click in a nested frame = %v", flow.Steps[5])
	}
	if _, has := flow.Steps[2]["frame"]; has {
		t.Errorf("a main-frame step has a frame path: %v", flow.Steps[2])
	}
	ae, _ := flow.Steps[7]["assertedEvents"].([]any)
	if len(ae) != 1 || ae[0].(map[string]any)["url"] != "http://a.test/home" || ae[0].(map[string]any)["title"] != "Home" {
		t.Errorf("keyUp asserted events = %v", flow.Steps[7])
	}
	if last := flow.Steps[9]; last["url"] != "http://a.test/other" {
		t.Errorf("last navigate = %v", last)
	}
	if !strings.Contains(flow.Title, "http://a.test/login at 2025-11-26 20:00:00 +01:00") {
		t.Errorf("title %q", flow.Title)
	}
	b, _ := os.ReadFile(dir.Join("steps.json"))
	if c := string(b); !(strings.Index(c, `"type": "click"`) < strings.Index(c, `"target": "main"`) && strings.Index(c, `"target": "main"`) < strings.Index(c, `"selectors"`)) {
		t.Errorf("steps keep the Recorder's field order: %s", b)
	}
	if c := string(b); !(strings.Index(c, `"type": "setViewport"`) < strings.Index(c, `"width"`)) ||
		!(strings.Index(c, `"type": "navigation"`) < strings.Index(c, `"url": "http://a.test/home"`)) {
		t.Errorf("setViewport and asserted events must start with their type: %s", b)
	}
}

func TestFinalizeCompletesTheEnvironment(t *testing.T) {
	dir, _ := finalizedSpool(t)
	var env Environment
	readJSON(t, dir.Join("environment.json"), &env)
	if env.Browser.Product != "HeadlessChrome/156.0.7500.0" || env.Browser.Version != "156.0.7500.0" || !env.Browser.Headless || env.Browser.ProtocolVersion != "1.3" || env.Browser.Name != "Chromium" {
		t.Errorf("browser = %+v", env.Browser)
	}
	if env.OS.Name != "Linux" || env.TimeZone != "Europe/Paris" || env.UTCOffset != "+01:00" || env.Locale != "en-GB" || env.Network.Online == nil || !*env.Network.Online {
		t.Errorf("environment = %+v", env)
	}
	if env.Start != "2025-11-26T20:00:00.000+01:00" || env.End != "2025-11-26T20:00:12.000+01:00" {
		t.Errorf("start %q end %q", env.Start, env.End)
	}
}

func TestFinalizeExplainsASpoolWithoutALog(t *testing.T) {
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	err = Finalize(dir)
	if err == nil || !strings.Contains(err.Error(), "no protocol log") {
		t.Errorf("err = %v", err)
	}
}

func TestEnvironmentReadsTheOSFromTheUserAgent(t *testing.T) {
	for ua, want := range map[string][3]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36":                  {"Windows", "10.0", "x86"},
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36":            {"macOS", "10.15.7", "x86"},
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537": {"Android", "14", ""},
		"Mozilla/5.0 (X11; Linux aarch64) AppleWebKit/537.36":                           {"Linux", "", "arm"},
	} {
		n, v, a := osFromUserAgent(ua)
		if [3]string{n, v, a} != want {
			t.Errorf("%s: %q %q %q, want %v", ua, n, v, a, want)
		}
	}
}

func TestFinalizeNeverCallsAnUnansweredEnvironmentOffline(t *testing.T) {
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// What an older recorder wrote when the page did not answer.
	log := `{"time":1764183599.7,"method":"Reprokit.environment","sessionId":"TAB","params":{"browser":{"product":"HeadlessChrome/156.0.7500.0"},"os":{"name":"Linux"},"screen":{},"viewport":{},"network":{"online":false},"utcOffsetMinutes":0}}
{"time":1764183600.7,"method":"Reprokit.stop","params":{"reason":"test"}}
`
	if err := dir.WriteFile(EventsFile, []byte(log)); err != nil {
		t.Fatal(err)
	}
	if err := Finalize(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dir.Join("environment.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(`"online"`)) {
		t.Errorf("environment.json claims a network state nobody asked: %s", b)
	}
}

// Enabling Runtime and Log makes Chrome send again what the page logged
// before the recording began, with its old timestamps: those messages are
// not the recording's and are dropped; what the page logs after is kept.
func TestFinalizeDropsConsoleMessagesFromBeforeTheRecording(t *testing.T) {
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const start = 1767225600.0 // the first line: the recording begins
	lines := []string{
		`{"time":1767225600,"method":"Reprokit.targetInfo","params":{"sessionId":"S","targetId":"T","type":"page","recordedTab":true}}`,
		// replayed at Runtime.enable / Log.enable: 20 minutes old
		`{"time":1767225600.1,"method":"Runtime.consoleAPICalled","sessionId":"S","params":{"type":"error","args":[{"type":"string","value":"stale 413 upload too large"}],"timestamp":1767224400000}}`,
		`{"time":1767225600.1,"method":"Runtime.exceptionThrown","sessionId":"S","params":{"timestamp":1767224400000,"exceptionDetails":{"text":"Uncaught stale exception","lineNumber":0,"columnNumber":0}}}`,
		`{"time":1767225600.1,"method":"Log.entryAdded","sessionId":"S","params":{"entry":{"source":"network","level":"error","text":"stale 413 log entry","timestamp":1767224400000}}}`,
		// logged during the recording
		`{"time":1767225602,"method":"Runtime.consoleAPICalled","sessionId":"S","params":{"type":"log","args":[{"type":"string","value":"fresh message"}],"timestamp":1767225601900}}`,
		`{"time":1767225603,"method":"Reprokit.note","params":{"text":"a note"}}`,
	}
	if err := os.WriteFile(dir.Join(EventsFile), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := FinalizeWith(dir, FinalizeOptions{}); err != nil {
		t.Fatal(err)
	}
	var cl ConsoleLog
	readJSON(t, dir.Join("console.json"), &cl)
	var texts []string
	for _, m := range cl.Messages {
		texts = append(texts, m.Text)
	}
	got := strings.Join(texts, " | ")
	if strings.Contains(got, "stale") || !strings.Contains(got, "fresh message") || !strings.Contains(got, "a note") {
		t.Errorf("console.json holds %q; want the fresh message and the note only (recording began at %.0f)", got, start)
	}
}
