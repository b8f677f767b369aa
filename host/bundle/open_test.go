package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/har"
)

func TestOpenReadsHARsOfChromeFirefoxAndPlaywright(t *testing.T) {
	cases := []struct {
		file     string
		entries  int
		rules    []string
		ids      []string
		creator  string
		firstIDs string // the first request ID: a failed request's
	}{
		{"chrome.har", 4, []string{"http-5xx", "blocked-by-client"}, []string{"8a1b2c3d4e5f6789-CDG", "req_9Zx", "8f1c2d3e-aaaa-bbbb-cccc-111122223333"}, "WebInspector", "8a1b2c3d4e5f6789-CDG"},
		{"firefox.har", 3, []string{"auth-failed", "dns-failure"}, []string{"4442587FB7D0A2F9"}, "Firefox", "4442587FB7D0A2F9"},
		{"playwright.har", 2, []string{"rate-limited"}, []string{"pw-429-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}, "Playwright", "pw-429-1"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			b, err := Open(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			if b.Kind != "har" || len(b.Entries()) != c.entries || len(b.Warnings) != 0 {
				t.Fatalf("kind %s, %d entries, warnings %v", b.Kind, len(b.Entries()), b.Warnings)
			}
			m := b.Manifest
			if m.Format != 0 || m.Tool.Name != c.creator || m.Counts.Entries != c.entries {
				t.Errorf("synthesized manifest %+v", m)
			}
			for _, r := range c.rules {
				if findRule(m.Findings, r) == nil {
					t.Errorf("finding %s missing: %v", r, rules(m.Findings))
				}
			}
			var got []string
			for _, id := range m.RequestIDs {
				got = append(got, id.Value)
			}
			for _, want := range c.ids {
				if !strings.Contains(strings.Join(got, " "), want) {
					t.Errorf("request ID %s missing: %v", want, got)
				}
			}
			if len(got) == 0 || got[0] != c.firstIDs {
				t.Errorf("failed request's ID should come first: %v", got)
			}
			// The summary and the report data build, and the HAR is written
			// back with its unknown fields.
			var txt bytes.Buffer
			s := b.Summary()
			if err := s.WriteText(&txt); err != nil || !strings.Contains(txt.String(), "findings") {
				t.Errorf("summary: %v\n%s", err, txt.String())
			}
			d := b.ReportData()
			if len(d.Entries) != c.entries || d.Kind != "har" {
				t.Errorf("report data: %d entries, kind %s", len(d.Entries), d.Kind)
			}
			var h bytes.Buffer
			if err := b.WriteHAR(&h); err != nil {
				t.Fatal(err)
			}
			orig, _ := os.ReadFile(filepath.Join("testdata", c.file))
			for _, field := range []string{"_initiator", "_securityState", "_monotonicTime", "_frameref", "_webSocketMessages"} {
				if bytes.Contains(orig, []byte(field)) && !bytes.Contains(h.Bytes(), []byte(field)) {
					t.Errorf("WriteHAR lost %s", field)
				}
			}
		})
	}
}

func TestOpenReportsBadInputClearly(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o600)
		return p
	}
	cases := map[string]struct {
		path string
		want string
	}{
		"missing":     {filepath.Join(dir, "nope.har"), "no such file"},
		"directory":   {dir, "directory"},
		"not json":    {write("x.har", []byte("hello")), "not a HAR file"},
		"no log":      {write("y.har", []byte(`{"foo":1}`)), `no "log"`},
		"bad entries": {write("z.har", []byte(`{"log":{"entries":{}}}`)), "not an array"},
		"cut json":    {write("w.har", []byte(`{"log":{"entries":[{"request":`)), "HAR entry 0"},
		"empty zip":   {write("e.zip", emptyZip(t)), "no session.har"},
		"cut zip":     {write("c.zip", []byte("PK\x03\x04 garbage")), "not a readable zip"},
	}
	for name, c := range cases {
		_, err := Open(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want an error with %q, got %v", name, c.want, err)
		}
	}
}

func emptyZip(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.Create("readme.txt")
	zw.Close()
	return buf.Bytes()
}

type zipItem struct {
	name string
	data []byte
}

func makeZip(t testing.TB, items ...zipItem) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, it := range items {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: it.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(it.data)
	}
	zw.Close()
	return buf.Bytes()
}

const tinyHAR = `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[{"startedDateTime":"2026-11-20T10:00:00Z","time":1,"request":{"method":"GET","url":"https://a.example/","headers":[]},"response":{"status":200,"headers":[],"content":{"mimeType":"text/plain","text":"hi"}}}]}}`

func lowerLimits(t testing.TB) {
	old := [...]int64{MaxHARSize, MaxSideFile, MaxImageSize, MaxZipTotal, maxImagesTotal}
	oldFiles := MaxZipFiles
	MaxHARSize, MaxSideFile, MaxImageSize, MaxZipTotal, maxImagesTotal = 1<<20, 64<<10, 64<<10, 2<<20, 256<<10
	MaxZipFiles = 50
	t.Cleanup(func() {
		MaxHARSize, MaxSideFile, MaxImageSize, MaxZipTotal, maxImagesTotal = old[0], old[1], old[2], old[3], old[4]
		MaxZipFiles = oldFiles
	})
}

func TestOpenSurvivesHostileZips(t *testing.T) {
	lowerLimits(t)
	dir := t.TempDir()
	open := func(name string, data []byte) (*Bundle, error) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return Open(p)
	}
	// Unsafe names are ignored and said; nothing is written anywhere.
	b, err := open("traversal.zip", makeZip(t,
		zipItem{"session.har", []byte(tinyHAR)},
		zipItem{"../../evil.txt", []byte("x")},
		zipItem{"/etc/evil", []byte("x")},
		zipItem{`C:\evil`, []byte("x")},
		zipItem{"screenshots/../../evil.png", []byte("x")},
	))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Warnings) != 4 || len(b.Entries()) != 1 {
		t.Errorf("want 4 warnings about unsafe names: %v", b.Warnings)
	}
	if _, err := os.Stat(filepath.Join(dir, "..", "evil.txt")); err == nil {
		t.Error("a zip entry was written outside")
	}
	// A HAR that inflates beyond the limit: refused with a reason.
	bomb := append([]byte(`{"log":{"entries":[],"comment":"`), bytes.Repeat([]byte("A"), 3<<20)...)
	bomb = append(bomb, `"}}`...)
	if _, err := open("bomb.zip", makeZip(t, zipItem{"session.har", bomb})); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("zip bomb HAR: %v", err)
	}
	// Side files and images over their limits are skipped with a warning;
	// the HAR still opens.
	b, err = open("sides.zip", makeZip(t,
		zipItem{"session.har", []byte(tinyHAR)},
		zipItem{"console.json", bytes.Repeat([]byte(" "), 200<<10)},
		zipItem{"screenshots/0001.png", bytes.Repeat([]byte{0}, 200<<10)},
		zipItem{"bundle.json", []byte(`{"format": "one"}`)},
	))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Warnings) < 3 || len(b.Screenshots) != 0 || b.Manifest.Format != 0 {
		t.Errorf("warnings %v, %d screenshots", b.Warnings, len(b.Screenshots))
	}
	// Too many files.
	var many []zipItem
	for i := 0; i < 60; i++ {
		many = append(many, zipItem{name: "f" + strings.Repeat("x", i), data: nil})
	}
	if _, err := open("many.zip", makeZip(t, many...)); err == nil || !strings.Contains(err.Error(), "files") {
		t.Errorf("too many files: %v", err)
	}
	// A newer format says so but still shows.
	b, err = open("newer.zip", makeZip(t, zipItem{"session.har", []byte(tinyHAR)}, zipItem{"bundle.json", []byte(`{"format": 99, "id": "x"}`)}))
	if err != nil || len(b.Warnings) != 1 || !strings.Contains(b.Warnings[0], "newer") {
		t.Errorf("newer format: %v %v", err, b)
	}
}

func TestOpenReadsAWrittenBundleWithItsImages(t *testing.T) {
	f := sampleSession(t)
	f.screenshots = [][]byte{pngImage(t, 64, 48, 1)}
	res, err := Write(context.Background(), makeSpool(t, f), t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Screenshots) != 1 || b.Screenshots[0].File != "screenshots/0001.png" || len(b.Screenshots[0].Data) == 0 || b.Support == "" || len(b.Steps) != 3 {
		t.Errorf("bundle read back: %+v", b.Screenshots)
	}
	if b.File("environment.json") == nil {
		t.Error("environment.json not kept")
	}
}

// FuzzOpen feeds arbitrary files to Open: it must return an error or a
// bundle, never panic or use unbounded memory.
func FuzzOpen(f *testing.F) {
	f.Add([]byte(tinyHAR))
	f.Add(makeZip(f, zipItem{"session.har", []byte(tinyHAR)}, zipItem{"bundle.json", []byte(`{"format":1,"findings":[{"rule":"x","entries":[99]}]}`)}, zipItem{"screenshots.json", []byte(`[{"file":"../x.png"}]`)}))
	chrome, _ := os.ReadFile("testdata/chrome.har")
	f.Add(chrome)
	f.Fuzz(func(t *testing.T, data []byte) {
		lowerLimits(t)
		p := filepath.Join(t.TempDir(), "in")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := Open(p)
		if err != nil {
			return
		}
		d := b.ReportData()
		if len(d.Entries) != len(b.Entries()) {
			t.Fatalf("report has %d entries, bundle %d", len(d.Entries), len(b.Entries()))
		}
		s := b.Summary()
		s.WriteText(new(bytes.Buffer))
	})
}

// QA: a malformed HAR gave a byte offset and "jsontext:".
func TestAMalformedHARIsReportedByLineAndColumn(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.har")
	os.WriteFile(p, []byte("{\n  \"log\": {\n    \"entries\": [\n      {\"request\": {]}\n    ]\n  }\n}\n"), 0o644)
	_, err := Open(p)
	if err == nil {
		t.Fatal("a malformed HAR opened")
	}
	msg := err.Error()
	if !strings.Contains(msg, "line 4, column 20") || strings.Contains(msg, "jsontext") || strings.Contains(msg, "offset") {
		t.Errorf("error %q does not give line 4, column 20 in plain words", msg)
	}
}

// QA: inspect must flag extra or duplicate zip members and files whose
// SHA-256 differs from bundle.json's list.
func TestInspectFlagsMembersThatDoNotMatchBundleJSON(t *testing.T) {
	res, err := Write(context.Background(), makeSpool(t, sampleSession(t)), t.TempDir()+"/", Options{})
	if err != nil {
		t.Fatal(err)
	}
	clean, err := Open(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if len(clean.Integrity) != 0 {
		t.Fatalf("a fresh bundle has integrity problems: %v", clean.Integrity)
	}
	var text bytes.Buffer
	s := clean.Summary()
	s.WriteText(&text)
	if !strings.Contains(text.String(), "SHA-256 match bundle.json") {
		t.Errorf("inspect does not say the files match:\n%s", text.String())
	}

	zr, err := zip.OpenReader(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	tampered := filepath.Join(t.TempDir(), "tampered.zip")
	out, _ := os.Create(tampered)
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		switch f.Name {
		case "console.json":
			rc, _ := f.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			data = bytes.Replace(data, []byte("e"), []byte("E"), 1) // same size, other content
			w, _ := zw.Create(f.Name)
			w.Write(data)
		case "steps.json":
			zw.Copy(f)
			zw.Copy(f) // twice
		default:
			zw.Copy(f)
		}
	}
	w, _ := zw.Create("extra/payload.js")
	w.Write([]byte("alert(1)"))
	zw.Close()
	out.Close()
	b, err := Open(tampered)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(b.Integrity, "\n")
	for _, want := range []string{"console.json", "SHA-256", "duplicate member steps.json", "extra member extra/payload.js"} {
		if !strings.Contains(all, want) {
			t.Errorf("integrity problems do not mention %q:\n%s", want, all)
		}
	}
	text.Reset()
	s = b.Summary()
	s.WriteText(&text)
	if !strings.Contains(text.String(), "INTEGRITY") || !strings.Contains(text.String(), "extra/payload.js") {
		t.Errorf("inspect does not flag the tampered zip:\n%s", text.String())
	}
	if js, _ := json.Marshal(s); !strings.Contains(string(js), `"integrity":["`) {
		t.Errorf("inspect --json has no integrity list: %s", js)
	}
}

// The report previews a large body from its start without unquoting all of
// it: the head must equal the start of the full text, escapes and
// surrogate pairs included.
func TestTheHeadOfALargeBodyIsTheStartOfItsText(t *testing.T) {
	body := strings.Repeat("line \"quoted\" \\ tab\t é 😀 <tag>\n", 12000) // > 256 KB, held raw
	e := withBody(entry("GET", "https://app.example.com/big", 200, 0, 10), "text/plain", body)
	e.Request.PostData = &har.PostData{MimeType: "text/plain", Text: body}
	p := filepath.Join(t.TempDir(), "big.har")
	writeHAR(t, p, []har.Entry{e})
	b, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if b.doc.entries[0].Response.Content.Text != "" {
		t.Fatal("the body is held decoded: the test needs a raw one")
	}
	for _, n := range []int{0, 1, 7, 1000, 32 << 10, len(body) + 10} {
		head, total, _ := b.doc.responseHead(0, n)
		if len(head) < min(n, len(body)) || !strings.HasPrefix(body, head) || total < len(body) {
			t.Errorf("responseHead(%d): %d bytes, prefix %v, total %d of %d", n, len(head), strings.HasPrefix(body, head), total, len(body))
		}
		rq, _ := b.doc.requestHead(0, n)
		if len(rq) < min(n, len(body)) || !strings.HasPrefix(body, rq) {
			t.Errorf("requestHead(%d): %d bytes, not the start of the body", n, len(rq))
		}
	}
}

// A sanitized HAR had "_webSocketClose": {"code": "[REDACTED:code:…]"}:
// the entry must keep its frames (and their completion IDs).
func TestAnOddWebSocketCloseCodeKeepsTheFrames(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ws.har")
	os.WriteFile(p, []byte(`{"log":{"version":"1.2","entries":[{"startedDateTime":"2026-11-26T10:00:00Z","time":5,
		"request":{"method":"GET","url":"ws://127.0.0.1/api/stream","headers":[]},
		"response":{"status":101,"headers":[],"content":{"size":0,"mimeType":""}},"_resourceType":"websocket",
		"_webSocketMessages":[{"type":"receive","time":1,"opcode":1,"data":"{\"completion\":\"chatcmpl-52b67a19af85c2211675d185\"}"}],
		"_webSocketClose":{"time":2,"closed":true,"code":"[REDACTED:code:500a1a37]","reason":"done"}}]}}`), 0o644)
	b, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Warnings) > 0 || len(b.Entries()[0].WebSocketMessages) != 1 || !b.Entries()[0].WebSocketClose.Closed {
		t.Fatalf("the entry lost its frames or close: %+v, warnings %v", b.Entries()[0], b.Warnings)
	}
	if ids := b.Manifest.RequestIDs; len(ids) != 1 || ids[0].Value != "chatcmpl-52b67a19af85c2211675d185" {
		t.Errorf("request IDs %+v", ids)
	}
}
