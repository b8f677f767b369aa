package bundle

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/cryptotest"

	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/spool"
)

// fileHAR is a HAR with every kind of body the file-backed document treats
// differently: small and large, escaped, binary, binary JSON, an event
// stream with an ID, a request body, and a hand-made entry with its text
// twice.
func fileHAR(t *testing.T) []byte {
	t.Helper()
	medium := strings.Repeat("line \"quoted\" \\ back é \u2028 <tag>\n", 600) // ~20 KB, escaped in JSON
	bin := randomBase64(30<<10, 1)
	binJSON := base64.StdEncoding.EncodeToString([]byte(" \n {\"request_id\":\"req_binary123\",\"pad\":\"" + strings.Repeat("x", 20<<10) + "\"}"))
	binSpaceNBSP := base64.StdEncoding.EncodeToString([]byte("\u00a0{\"x\":\"" + strings.Repeat("y", 20<<10) + "\"}"))
	sse := "data: {\"id\":\"chatcmpl-abc123def456\"}\n\n" + strings.Repeat("data: {\"x\":1}\n\n", 800)
	entries := []har.Entry{
		withType(withBody(entry("GET", "https://app.example.com/", 200, 0, 10), "text/html", "<html>small</html>"), "document"),
		withType(withBody(entry("GET", "https://app.example.com/medium.txt", 200, 1, 10), "text/plain", medium), "fetch"),
		withType(withBody(entry("GET", "https://app.example.com/large.js", 200, 2, 10), "application/javascript", randomText(300<<10, 2)), "script"),
		withType(withBody(entry("GET", "https://app.example.com/ids.json", 200, 3, 10), "application/json", `{"request_id":"req_visible42","pad":"`+strings.Repeat("z", 20<<10)+`"}`), "fetch"),
		withType(withBody(entry("GET", "https://app.example.com/stream", 200, 4, 10), "text/event-stream", sse), "eventsource"),
		withType(entry("GET", "https://app.example.com/bin", 200, 5, 10), "fetch"),
		withType(entry("GET", "https://app.example.com/binjson", 200, 6, 10), "fetch"),
		withType(entry("GET", "https://app.example.com/nbsp", 200, 7, 10), "fetch"),
		withType(entry("POST", "https://app.example.com/upload", 200, 8, 10), "fetch"),
	}
	entries[5].Response.Content = har.Content{MimeType: "application/octet-stream", Text: bin, Encoding: "base64"}
	entries[6].Response.Content = har.Content{MimeType: "application/octet-stream", Text: binJSON, Encoding: "base64"}
	entries[7].Response.Content = har.Content{MimeType: "application/octet-stream", Text: binSpaceNBSP, Encoding: "base64"}
	entries[8].Request.PostData = &har.PostData{MimeType: "text/plain", Text: randomText(40<<10, 4)}
	dir := t.TempDir()
	writeHAR(t, filepath.Join(dir, "h.har"), entries)
	data, err := os.ReadFile(filepath.Join(dir, "h.har"))
	if err != nil {
		t.Fatal(err)
	}
	// A hand-made entry whose content has "text" twice (the last counts)
	// and one with a null text after a string.
	twice := `{"startedDateTime":"2026-11-26T20:03:00.009+01:00","time":1,"request":{"method":"GET","url":"https://app.example.com/twice","headers":[]},"response":{"status":200,"headers":[],"content":{"text":"first","mimeType":"text/plain","text":"` + strings.Repeat("second ", 2000) + `"}}}`
	null := `{"startedDateTime":"2026-11-26T20:03:00.010+01:00","time":1,"request":{"method":"GET","url":"https://app.example.com/null","headers":[]},"response":{"status":200,"headers":[],"content":{"text":"` + strings.Repeat("kept ", 2000) + `","mimeType":"text/plain","text":null}}}`
	i := bytes.LastIndex(data, []byte("]"))
	return append(append(append([]byte{}, data[:i]...), []byte(","+twice+",\n  "+null)...), data[i:]...)
}

// readBodiesBack makes file-backed documents keep no large body in memory
// for the test (they keep up to keepTextTotal of them otherwise).
func readBodiesBack(t *testing.T) {
	old := keepTextTotal
	keepTextTotal = 0
	t.Cleanup(func() { keepTextTotal = old })
}

func TestAHARReadFromItsFileReadsAsTheSameHARInMemory(t *testing.T) {
	readBodiesBack(t)
	data := fileHAR(t)
	mem, err := parseHAR(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "session.har")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file, err := parseHARFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(file.raw) != len(mem.raw) || len(mem.raw) != 11 {
		t.Fatalf("%d entries from the file, %d in memory, want 11", len(file.raw), len(mem.raw))
	}
	dropped := sameDocs(t, file, mem)
	// medium and bin are read back; the JSON with an ID, the stream, the
	// binary JSON (after spaces, a no-break space too) stay for the
	// request ID search; small, large and null bodies are as in memory, and
	// so is the body of the entry with a name twice (which of the two a
	// reader of the raw entry sees is not the decoded one).
	if dropped != 2 {
		t.Errorf("%d bodies are read back from the file, want 2 (medium, binary)", dropped)
	}
	infos := func(d *harDoc) []entryInfo {
		out := make([]entryInfo, len(d.entries))
		for i := range d.entries {
			out[i] = newEntryInfo(&d.entries[i])
		}
		return out
	}
	fi, mi := requestIDs(infos(file)), requestIDs(infos(mem))
	if !reflect.DeepEqual(fi, mi) || len(mi) < 3 {
		t.Errorf("request IDs from the file %v, in memory %v (want the three in bodies)", fi, mi)
	}
	var fw, mw bytes.Buffer
	if err := file.write(&fw); err != nil {
		t.Fatal(err)
	}
	mem.write(&mw)
	if !bytes.Equal(fw.Bytes(), mw.Bytes()) {
		t.Errorf("the HAR written from the file differs from the one written from memory")
	}
	if err := file.readErr(); err != nil {
		t.Fatal(err)
	}
	// Dropping entries keeps each one's place.
	file.dropEntries(func(i int) bool { return i%2 == 0 })
	mem.dropEntries(func(i int) bool { return i%2 == 0 })
	for i := range mem.raw {
		ft, _ := file.responseText(i)
		mt, _ := mem.responseText(i)
		if !bytes.Equal(file.entryRaw(i), mem.raw[i]) || ft != mt {
			t.Errorf("after dropping entries, entry %d differs", i)
		}
	}
}

// sameDocs compares a file-backed document with the same HAR read into
// memory, entry by entry, and returns how many bodies the file-backed one
// reads back.
func sameDocs(t *testing.T, file, mem *harDoc) int {
	t.Helper()
	dropped := 0
	for i := range mem.raw {
		if file.dropped(i) {
			dropped++
		}
		if !bytes.Equal(file.entryRaw(i), mem.raw[i]) || file.entryLen(i) != len(mem.raw[i]) {
			t.Errorf("entry %d: its bytes differ", i)
		}
		if file.bodyLen[i] != mem.bodyLen[i] || file.reqLen[i] != mem.reqLen[i] {
			t.Errorf("entry %d: body lengths %d/%d, in memory %d/%d", i, file.bodyLen[i], file.reqLen[i], mem.bodyLen[i], mem.reqLen[i])
		}
		ft, fe := file.responseText(i)
		mt, me := mem.responseText(i)
		if ft != mt || fe != me {
			t.Errorf("entry %d: response text differs (%d bytes %q, in memory %d bytes %q)", i, len(ft), fe, len(mt), me)
		}
		for _, n := range []int{0, 1, 7, 100, 64 << 10, 1 << 20} {
			a, at, ae := file.responseHead(i, n)
			b, bt, be := mem.responseHead(i, n)
			if a != b || at != bt || ae != be {
				t.Errorf("entry %d: the head of %d bytes differs", i, n)
			}
			c, ct := file.requestHead(i, n)
			d, dt := mem.requestHead(i, n)
			if c != d || ct != dt {
				t.Errorf("entry %d: the request head of %d bytes differs", i, n)
			}
		}
		if file.requestText(i) != mem.requestText(i) {
			t.Errorf("entry %d: request text differs", i)
		}
		fe2, me2 := file.entries[i], mem.entries[i]
		fe2.Response.Content.Text, me2.Response.Content.Text = "", ""
		if !reflect.DeepEqual(fe2, me2) {
			t.Errorf("entry %d: the decoded entry differs", i)
		}
		if !file.dropped(i) && file.entries[i].Response.Content.Text != mem.entries[i].Response.Content.Text {
			t.Errorf("entry %d: a kept body differs", i)
		}
	}
	return dropped
}

// spoolLeftovers lists what a bundle left in the spool besides what the
// recording put there.
func spoolLeftovers(t *testing.T, dir *spool.Dir) []string {
	t.Helper()
	ents, err := os.ReadDir(dir.Path())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".bundle-") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestMakingABundleKeepsItsWorkInAPrivateDirectoryOfTheSpoolAndRemovesIt(t *testing.T) {
	f := sampleSession(t)
	dir := makeSpool(t, f)
	writeBigHAR(t, dir, 40, 64)
	p, err := newPack(context.Background(), dir, Options{Budget: NoBudget})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p.work)
	if err != nil || st.Mode().Perm() != 0o700 || filepath.Dir(p.work) != dir.Path() {
		t.Fatalf("the working directory %s is not a private directory of the spool: %v %v", p.work, st.Mode(), err)
	}
	if p.doc.file == nil || filepath.Dir(p.doc.file.Name()) != p.work {
		t.Fatalf("the sanitized HAR is not read from a file of the working directory")
	}
	p.close()
	if left := spoolLeftovers(t, dir); len(left) > 0 {
		t.Fatalf("close left %v in the spool", left)
	}

	res, err := Write(context.Background(), dir, t.TempDir()+"/", Options{Budget: NoBudget})
	if err != nil {
		t.Fatal(err)
	}
	if left := spoolLeftovers(t, dir); len(left) > 0 {
		t.Errorf("a bundle written left %v in the spool", left)
	}
	har := readZip(t, res.Path)["session.har"]
	if _, err := parseHAR(bytes.NewReader(har)); err != nil || len(har) < 40*64<<10 {
		t.Errorf("the bundle's session.har (%d bytes) does not read: %v", len(har), err)
	}
}

// progressHook calls fn with each progress line.
type progressHook func(line string)

func (h progressHook) Write(b []byte) (int, error) { h(string(b)); return len(b), nil }

func TestABundleThatFailsOrIsCancelledLeavesNoFileBehind(t *testing.T) {
	t.Run("cancelled while sanitizing", func(t *testing.T) {
		dir := makeSpool(t, sampleSession(t))
		writeBigHAR(t, dir, 20, 32)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out := t.TempDir()
		_, err := Write(ctx, dir, out+"/", Options{Progress: progressHook(func(l string) {
			if strings.Contains(l, "sanitizing") {
				cancel()
			}
		})})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("a cancelled bundle returned %v", err)
		}
		if left := spoolLeftovers(t, dir); len(left) > 0 {
			t.Errorf("a cancelled bundle left %v in the spool", left)
		}
		if ents, _ := os.ReadDir(out); len(ents) > 0 {
			t.Errorf("a cancelled bundle wrote %v", ents)
		}
		if m, _ := dir.Meta(); m.Status != spool.StatusFinalized {
			t.Errorf("the spool's status is %q", m.Status)
		}
	})
	t.Run("the output folder became a file", func(t *testing.T) {
		dir := makeSpool(t, sampleSession(t))
		writeBigHAR(t, dir, 20, 32)
		out := filepath.Join(t.TempDir(), "out")
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := Write(context.Background(), dir, out+"/", Options{Budget: NoBudget, Progress: progressHook(func(l string) {
			if strings.Contains(l, "sanitizing") {
				os.RemoveAll(out)
				os.WriteFile(out, nil, 0o600)
			}
		})})
		if err == nil {
			t.Fatal("a bundle was written into a folder that is gone")
		}
		if left := spoolLeftovers(t, dir); len(left) > 0 {
			t.Errorf("a failed bundle left %v in the spool", left)
		}
	})
}

// A value redacted after session.har was sanitized (here by a later file)
// is scrubbed from it: the HAR goes through the scrubber and the document
// reads it back from the scrubbed file.
func TestAValueRedactedAfterTheHARIsScrubbedFromIt(t *testing.T) {
	const secret = "hunter2hunter2xyz"
	f := sampleSession(t)
	f.entries = append(f.entries, withType(withBody(entry("GET", "https://api.example.com/v1/profile", 200, 3000, 20), "application/json", `{"owner":"x","note":"`+secret+`"}`), "fetch"))
	dir := makeSpool(t, f)
	p, err := newPack(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	var har bytes.Buffer
	p.doc.write(&har)
	if !strings.Contains(har.String(), secret) {
		t.Fatalf("the sanitizer redacted %s already: the test needs a value it keeps", secret)
	}
	if got := p.r.Text("password=" + secret); strings.Contains(got, secret) {
		t.Fatalf("the redactor kept a password: %s", got)
	}
	dest := filepath.Join(t.TempDir(), "b.zip")
	if _, _, err := p.writeWithBudget(context.Background(), dest); err != nil {
		t.Fatal(err)
	}
	got := string(readZip(t, dest)["session.har"])
	if strings.Contains(got, secret) || !strings.Contains(got, "[REDACTED:") {
		t.Errorf("session.har still holds the value redacted after it")
	}
	if ents, _ := os.ReadDir(p.work); len(ents) > 2 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("the working directory holds more than the HAR and its member: %v", names)
	}
}

func TestBodiesTheBudgetTruncatesStayInTheFileAndTheReportSaysSo(t *testing.T) {
	readBodiesBack(t)
	f := sampleSession(t)
	for i := 0; i < 12; i++ {
		f.entries = append(f.entries, withType(withBody(entry("GET", fmt.Sprintf("https://api.example.com/big/%d", i), 200, float64(3000+i), 20), "application/json", randomText(400<<10, uint64(i))), "fetch"))
	}
	dir := makeSpool(t, f)
	p, err := newPack(context.Background(), dir, Options{Budget: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	d := p.reportData(&Manifest{})
	truncated := 0
	for _, a := range p.budget.actions {
		if a.Action != "truncate-body" {
			continue
		}
		truncated++
		i := a.Entry
		if p.doc.raw[i] != nil || !p.doc.dropped(i) {
			t.Errorf("entry %d: its truncated body is held in memory", i)
		}
		text, _ := p.doc.responseText(i)
		if len(text) < truncateAbove || !strings.Contains(text, "[truncated by Reprokit to meet the size budget") {
			t.Errorf("entry %d: the truncated body reads back as %d bytes ending %q", i, len(text), text[max(0, len(text)-80):])
		}
		if !strings.Contains(d.Entries[i].BodyNote, "truncated the response body") {
			t.Errorf("entry %d: the report does not say the body was truncated: %q", i, d.Entries[i].BodyNote)
		}
	}
	if truncated == 0 {
		t.Fatalf("the budget truncated nothing: %+v", p.budget.actions)
	}
	if err := p.doc.readErr(); err != nil {
		t.Fatal(err)
	}
}

func TestLargeBodiesAreKeptInMemoryOnlyUpToATotal(t *testing.T) {
	old := keepTextTotal
	keepTextTotal = 50 << 10
	t.Cleanup(func() { keepTextTotal = old })
	var entries []har.Entry
	for i := 0; i < 5; i++ {
		entries = append(entries, withType(withBody(entry("GET", fmt.Sprintf("https://app.example.com/%d.txt", i), 200, float64(i), 5), "text/plain", strings.Repeat("z", 20<<10)), "fetch"))
	}
	path := filepath.Join(t.TempDir(), "session.har")
	writeHAR(t, path, entries)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := parseHARFile(f)
	if err != nil {
		t.Fatal(err)
	}
	var kept []int
	for i := range doc.entries {
		if !doc.dropped(i) {
			kept = append(kept, i)
		}
		if text, _ := doc.responseText(i); len(text) != 20<<10 {
			t.Errorf("entry %d reads as %d bytes", i, len(text))
		}
	}
	if !reflect.DeepEqual(kept, []int{0, 1}) {
		t.Errorf("entries %v keep their bodies in memory, want the first two (50 KB of 20 KB bodies)", kept)
	}
}

// FuzzHARFileMatchesMemory: any input reads the same from its file as from
// memory (or fails in both), with every body over a few bytes left to the
// file, decoded or not.
func FuzzHARFileMatchesMemory(f *testing.F) {
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"GET","url":"https://a.example/"},"response":{"status":200,"content":{"mimeType":"text/plain","text":"hello \"world\" \u00e9\ud83d\ude00 \\ end"}}}]}}`), uint8(4))
	f.Add([]byte(`{"log":{"entries":[{"response":{"content":{"text":"first","text":"second one here"}}},{"response":{"content":{"text":"AAAA","encoding":"base64","encoding":""}}}]}}`), uint8(2))
	f.Add([]byte(`{"log":{"entries":[{"request":{"postData":{"text":"a=1&b=\u0041bc","mimeType":"x"}},"response":{"content":{"encoding":"base64","text":"eyJyZXF1ZXN0X2lkIjoicmVxXzEyMyJ9"}}}]},"extra":[1,2]}`), uint8(40))
	f.Add([]byte(`{"log":{"entries":[{"response":{"content":{"text":null}}},{"response":{"content":{"text":"x","size":5,"text":7}}},{"response":[]}]}}`), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, below uint8) {
		defer func(a, b int, c int64) { keepTextBelow, keepTextInFile, keepTextTotal = a, b, c }(keepTextBelow, keepTextInFile, keepTextTotal)
		keepTextBelow, keepTextInFile, keepTextTotal = int(below), 0, 0
		mem, merr := parseHAR(bytes.NewReader(data))
		path := filepath.Join(t.TempDir(), "session.har")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		file, ferr := parseHARFile(fh)
		if (merr == nil) != (ferr == nil) {
			t.Fatalf("from memory: %v; from the file: %v", merr, ferr)
		}
		if merr != nil {
			return
		}
		if len(file.raw) != len(mem.raw) {
			t.Fatalf("%d entries from the file, %d from memory", len(file.raw), len(mem.raw))
		}
		sameDocs(t, file, mem)
		var fw, mw bytes.Buffer
		file.write(&fw)
		mem.write(&mw)
		if !bytes.Equal(fw.Bytes(), mw.Bytes()) {
			t.Errorf("the HAR written from the file differs")
		}
		if err := file.readErr(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTheSameRecordingMakesTheSameHAREveryTime(t *testing.T) {
	f := sampleSession(t)
	for i := 0; i < 10; i++ {
		f.entries = append(f.entries, withType(withBody(entry("GET", fmt.Sprintf("https://api.example.com/big/%d", i), 200, float64(3000+i), 20), "application/json", randomText(160<<10, uint64(i))), "fetch"))
	}
	var hars [][]byte
	for range 2 {
		cryptotest.SetGlobalRandom(t, 1) // the same tags (keyed hashes) each time
		res, err := Write(context.Background(), makeSpool(t, f), t.TempDir()+"/", Options{Budget: 256 << 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Manifest.Budget.Actions) < 4 {
			t.Fatalf("the budget took %d actions, want several", len(res.Manifest.Budget.Actions))
		}
		hars = append(hars, readZip(t, res.Path)["session.har"])
	}
	if !bytes.Equal(hars[0], hars[1]) {
		t.Errorf("two bundles of the same recording have different session.har bytes")
	}
}
