package bundle

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/jsonlimit"
	"github.com/reprokit/reprokit/host/version"
)

// Limits of [Open], so that a hostile or broken file cannot exhaust memory:
// sizes are counted as the bytes are read, never trusted from the zip headers.
// (Variables so that tests and fuzzing can lower them.)
var (
	MaxInputSize   int64 = 2 << 30   // the file given to Open
	MaxHARSize     int64 = 1 << 30   // session.har, uncompressed
	MaxSideFile    int64 = 64 << 20  // bundle.json, console.json, steps.json, …
	MaxImageSize   int64 = 32 << 20  // one screenshot or screencast frame
	MaxZipTotal    int64 = 3 << 30   // everything read from one zip, uncompressed
	MaxZipFiles          = 100_000   // files in one zip
	maxImagesTotal int64 = 512 << 20 // screenshots and frames together
	// MaxHeldEntries caps what the decoded entries of the HAR hold in
	// memory: everything but the bodies over a few KB, which stay in the
	// file and are read back one at a time.
	MaxHeldEntries int64 = 128 << 20
)

// StringLimits caps one JSON value of the HAR, as it streams (a body, a
// URL or a header value; see [jsonlimit.Default]).
var StringLimits = jsonlimit.Default

// Bundle is a support bundle (or a bare HAR) opened for reading: the report,
// `inspect`, `view` and replay read it. Its HAR keeps fields the [har]
// types do not know.
type Bundle struct {
	// Path is the file that was opened; Kind is "bundle" or "har".
	Path string
	Kind string
	// Size is the size of the file in bytes.
	Size int64
	// Manifest is bundle.json; for a bare HAR, or a bundle without one, it is
	// made from the HAR (Format is then 0 and ID empty).
	Manifest *Manifest
	// Console, Steps, Screenshots and Screencast are empty when absent.
	Console     []ConsoleMessage
	Steps       []Step
	StepsTitle  string
	Screenshots []Image
	Screencast  []Image
	// Support is SUPPORT_REQUEST.md.
	Support string
	// Warnings are problems met while reading that did not stop it.
	Warnings []string
	// Integrity lists where the zip disagrees with bundle.json's file list:
	// a member that is missing, extra or duplicated, or whose size or
	// SHA-256 differs (the bundle was changed or damaged after it was
	// written). Empty when they agree, and for a bare HAR.
	Integrity []string

	doc   *harDoc
	files map[string][]byte // other small files of the zip, by name
	dom   []byte            // dom.json, the DOM session replay
	// spill is the private copy of a zip's HAR that doc reads its large
	// bodies back from (removed at once where the system allows, else by
	// Close).
	spill string
}

// Close releases the file the bundle's HAR is read back from (the input
// itself, or a private copy of a zip's HAR). The bundle must not be used
// after. Calling it is optional for a process that ends soon.
func (b *Bundle) Close() error {
	if b.doc != nil && b.doc.file != nil {
		b.doc.file.Close()
	}
	if b.spill != "" {
		os.Remove(b.spill)
		b.spill = ""
	}
	return nil
}

// Image is a screenshot or screencast frame with its bytes.
type Image struct {
	Screenshot
	Data []byte
}

// Entries returns the HAR entries (large bodies are left out; see
// [Bundle.ResponseBody]).
func (b *Bundle) Entries() []har.Entry { return b.doc.entries }

// ResponseBody returns the full response body text of entry i and its
// encoding ("base64" or "").
func (b *Bundle) ResponseBody(i int) (string, string) { return b.doc.responseText(i) }

// RequestBody returns the full request body text of entry i.
func (b *Bundle) RequestBody(i int) string { return b.doc.requestText(i) }

// WriteHAR writes the bundle's HAR as it is stored (every field kept).
func (b *Bundle) WriteHAR(w io.Writer) error { return b.doc.write(w) }

// File returns another file of a bundle zip by name (for example
// "environment.json"), or nil.
func (b *Bundle) File(name string) []byte { return b.files[name] }

// Open reads a bundle .zip or a bare HAR (Chrome, Firefox, Playwright, or
// Reprokit's session.har). It reads nothing outside the file, enforces the
// size limits above as it reads, and ignores zip entries with unsafe names.
func Open(p string) (*Bundle, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	keep := false // a bare HAR's file stays open: its large bodies are read back from it
	defer func() {
		if !keep {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("open %s: it is a directory; give a bundle .zip or a .har file", p)
	}
	if st.Size() > MaxInputSize {
		return nil, fmt.Errorf("open %s: %s is larger than the %s Reprokit reads", p, HumanSize(st.Size()), HumanSize(MaxInputSize))
	}
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	b := &Bundle{Path: p, Size: st.Size(), files: map[string][]byte{}}
	if n >= 4 && string(magic[:]) == "PK\x03\x04" {
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			return nil, fmt.Errorf("open %s: not a readable zip: %w", p, err)
		}
		b.Kind = "bundle"
		if err := b.readZip(zr); err != nil {
			return nil, fmt.Errorf("open %s: %w", p, err)
		}
	} else {
		b.Kind = "har"
		var doc *harDoc
		if n >= 3 && string(magic[:3]) == "\xEF\xBB\xBF" {
			// the decoder must see the file from its first byte to place
			// the entries in it: a copy without the BOM
			doc, err = b.spillHAR(skipBOM(f))
		} else {
			doc, err = parseHARLimited(f, io.NewSectionReader(f, 0, MaxHARSize+1))
			keep = err == nil
		}
		if err != nil {
			return nil, fmt.Errorf("open %s: %s (give a bundle .zip or a HAR file)", p, plainJSONError(f, err))
		}
		b.doc = doc
	}
	for _, w := range b.doc.warn {
		b.Warnings = append(b.Warnings, "HAR "+w)
	}
	if b.Manifest == nil {
		b.Manifest = b.synthesize()
	}
	return b, nil
}

// parseHARLimited reads the HAR of f (r yields f's bytes from its start)
// within the limits: no JSON string over [StringLimits], entries that hold
// no more than [MaxHeldEntries], the bodies left in f.
func parseHARLimited(f *os.File, r io.Reader) (*harDoc, error) {
	d := &harDoc{maxHeld: MaxHeldEntries}
	d.file = f
	if err := d.parse(bufio.NewReaderSize(jsonlimit.NewReader(r, StringLimits), 1<<20)); err != nil {
		return nil, err
	}
	return d, nil
}

// spillHAR reads the HAR r into a private temporary file as it parses it,
// so that its large bodies are read back from there, not held.
func (b *Bundle) spillHAR(r io.Reader) (*harDoc, error) {
	tmp, err := os.CreateTemp("", "reprokit-read-*.har") // 0600
	if err != nil {
		return nil, fmt.Errorf("a temporary copy of the HAR: %w", err)
	}
	if os.Remove(tmp.Name()) != nil {
		b.spill = tmp.Name() // Windows: removed by Close
	}
	doc, err := parseHARLimited(tmp, io.TeeReader(r, tmp))
	if err != nil {
		tmp.Close()
		if b.spill != "" {
			os.Remove(b.spill)
			b.spill = ""
		}
		return nil, err
	}
	return doc, nil
}

func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\xEF\xBB\xBF" {
		br.Discard(3)
	}
	return br
}

// safeName reports a zip entry name that stays inside the bundle: relative,
// forward slashes, no "..", no drive letters, no control characters.
func safeName(name string) bool {
	if name == "" || len(name) > 512 || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.Contains(name, ":") {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." || part == "." {
			return false
		}
	}
	return path.Clean(name) == strings.TrimSuffix(name, "/")
}

type zipBudget struct{ total int64 }

// read reads a zip file with a cap, counting the bytes actually inflated.
func (zb *zipBudget) read(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("read %s in the zip: %w", f.Name, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if f.UncompressedSize64 > 0 && f.UncompressedSize64 <= uint64(limit) {
		buf.Grow(int(f.UncompressedSize64))
	}
	n, err := io.Copy(&buf, io.LimitReader(rc, limit+1))
	zb.total += n
	if err != nil {
		return nil, fmt.Errorf("read %s in the zip: %w", f.Name, err)
	}
	if n > limit {
		return nil, fmt.Errorf("%s in the zip is larger than the %s Reprokit reads (a damaged or hostile bundle?)", f.Name, HumanSize(limit))
	}
	if zb.total > MaxZipTotal {
		return nil, fmt.Errorf("the zip holds more than %s of data (a zip bomb?)", HumanSize(MaxZipTotal))
	}
	return buf.Bytes(), nil
}

func (b *Bundle) readZip(zr *zip.Reader) error {
	if len(zr.File) > MaxZipFiles {
		return fmt.Errorf("the zip has %d files, more than a bundle can have", len(zr.File))
	}
	byName := map[string]*zip.File{}
	var hars []string
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !safeName(f.Name) {
			b.Warnings = append(b.Warnings, fmt.Sprintf("ignored a zip entry with an unsafe name: %q", shortURL(f.Name, 80)))
			b.Integrity = append(b.Integrity, fmt.Sprintf("extra member %q (an unsafe name, ignored)", shortURL(f.Name, 80)))
			continue
		}
		if _, dup := byName[f.Name]; dup {
			b.Warnings = append(b.Warnings, "ignored a duplicate zip entry: "+f.Name)
			b.Integrity = append(b.Integrity, "duplicate member "+f.Name+" (the first one is read)")
			continue
		}
		byName[f.Name] = f
		if strings.HasSuffix(strings.ToLower(f.Name), ".har") {
			hars = append(hars, f.Name)
		}
	}
	var zb zipBudget
	harName := "session.har"
	if byName[harName] == nil {
		if len(hars) == 0 {
			return fmt.Errorf("the zip has no session.har nor any .har file: not a Reprokit bundle")
		}
		sort.Strings(hars)
		harName = hars[0]
		b.Warnings = append(b.Warnings, "no session.har in the zip; reading "+harName)
	}
	hf := byName[harName]
	rc, err := hf.Open()
	if err != nil {
		return fmt.Errorf("read %s in the zip: %w", harName, err)
	}
	cr := &countReader{r: io.LimitReader(rc, MaxHARSize+1)}
	doc, err := b.spillHAR(skipBOM(cr))
	rc.Close()
	zb.total += cr.n
	if cr.n > MaxHARSize {
		return fmt.Errorf("%s in the zip is larger than the %s Reprokit reads", harName, HumanSize(MaxHARSize))
	}
	if msg, ok := limitText(err); ok {
		return fmt.Errorf("%s in the zip: %s", harName, msg)
	}
	if err != nil {
		return fmt.Errorf("%s in the zip: %w", harName, err)
	}
	b.doc = doc

	readSide := func(name string) []byte {
		f := byName[name]
		if f == nil {
			return nil
		}
		data, err := zb.read(f, MaxSideFile)
		if err != nil {
			b.Warnings = append(b.Warnings, err.Error())
			return nil
		}
		return data
	}
	if data := readSide(ManifestFile); data != nil {
		var m Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			b.Warnings = append(b.Warnings, "bundle.json could not be read ("+err.Error()+"); the summary is rebuilt from the HAR")
		} else {
			if m.Format > version.BundleFormat {
				b.Warnings = append(b.Warnings, fmt.Sprintf("bundle.json is format %d, newer than this Reprokit (%d): some fields may not show; update Reprokit", m.Format, version.BundleFormat))
			}
			b.Manifest = &m
		}
	}
	if data := readSide("console.json"); data != nil {
		var c ConsoleFile
		if err := json.Unmarshal(data, &c); err != nil {
			b.Warnings = append(b.Warnings, "console.json could not be read: "+err.Error())
		}
		b.Console = c.Messages
	}
	if data := readSide("steps.json"); data != nil {
		var s StepsFile
		if err := json.Unmarshal(data, &s); err != nil {
			b.Warnings = append(b.Warnings, "steps.json could not be read: "+err.Error())
		}
		b.Steps, b.StepsTitle = s.Steps, s.Title
	}
	if data := readSide("SUPPORT_REQUEST.md"); data != nil {
		b.Support = string(data)
	}
	b.dom = readSide(DOMReplayFile)
	for _, name := range []string{"environment.json"} {
		if data := readSide(name); data != nil {
			b.files[name] = data
		}
	}
	var imgTotal int64
	readImages := func(index, dir string) []Image {
		data := readSide(index)
		var metas []Screenshot
		if data != nil {
			if err := json.Unmarshal(data, &metas); err != nil {
				b.Warnings = append(b.Warnings, index+" could not be read: "+err.Error())
			}
		}
		listed := map[string]bool{}
		var out []Image
		load := func(m Screenshot) {
			name := m.File
			if !strings.HasPrefix(name, dir+"/") {
				name = dir + "/" + name
			}
			f := byName[name]
			if f == nil || listed[name] {
				return
			}
			listed[name] = true
			if imgTotal > maxImagesTotal {
				return
			}
			img, err := zb.read(f, MaxImageSize)
			if err != nil {
				b.Warnings = append(b.Warnings, err.Error())
				return
			}
			imgTotal += int64(len(img))
			m.File = name
			out = append(out, Image{Screenshot: m, Data: img})
		}
		for _, m := range metas {
			load(m)
		}
		// Images the index does not list still show, at the end.
		var rest []string
		for name := range byName {
			if strings.HasPrefix(name, dir+"/") && !listed[name] && imageFormat(name) != "" {
				rest = append(rest, name)
			}
		}
		sort.Strings(rest)
		for _, name := range rest {
			load(Screenshot{File: name})
		}
		return out
	}
	b.Screenshots = readImages("screenshots.json", "screenshots")
	b.Screencast = readImages("screencast.json", "screencast")
	if b.Manifest != nil && b.Manifest.Format >= 1 {
		b.checkFiles(byName)
	}
	return nil
}

// checkFiles compares the zip's members with bundle.json's file list:
// names, sizes and SHA-256 (each member is read again, within the limits).
func (b *Bundle) checkFiles(byName map[string]*zip.File) {
	listed := map[string]File{}
	for _, f := range b.Manifest.Files {
		listed[f.Name] = f
	}
	var names []string
	for name := range byName {
		names = append(names, name)
	}
	sort.Strings(names)
	var read int64
	for _, name := range names {
		if name == ManifestFile {
			continue
		}
		want, ok := listed[name]
		if !ok {
			b.Integrity = append(b.Integrity, "extra member "+name+" (not in bundle.json's file list)")
			continue
		}
		rc, err := byName[name].Open()
		if err != nil {
			b.Integrity = append(b.Integrity, fmt.Sprintf("%s cannot be read: %v", name, err))
			continue
		}
		h := sha256.New()
		n, err := io.Copy(h, io.LimitReader(rc, MaxZipTotal-read+1))
		rc.Close()
		read += n
		switch {
		case read > MaxZipTotal:
			b.Integrity = append(b.Integrity, "the zip holds more data than Reprokit checks; the rest was not checked")
			return
		case err != nil:
			b.Integrity = append(b.Integrity, fmt.Sprintf("%s is damaged: %v", name, err))
		case n != want.Size:
			b.Integrity = append(b.Integrity, fmt.Sprintf("%s is %d bytes, bundle.json says %d", name, n, want.Size))
		case !strings.EqualFold(hex.EncodeToString(h.Sum(nil)), want.SHA256):
			b.Integrity = append(b.Integrity, name+": SHA-256 differs from bundle.json (changed after the bundle was written)")
		}
	}
	for _, f := range b.Manifest.Files {
		if byName[f.Name] == nil {
			b.Integrity = append(b.Integrity, "missing member "+f.Name+" (listed in bundle.json)")
		}
	}
}

func imageFormat(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png":
		return "png"
	case ".jpg", ".jpeg":
		return "jpeg"
	case ".webp":
		return "webp"
	}
	return ""
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// synthesize makes a manifest from the HAR for a bare HAR or a zip without
// bundle.json: counts, findings, request IDs and what the HAR says of the
// browser. Format 0 marks it as made by the reader.
func (b *Bundle) synthesize() *Manifest {
	infos := make([]entryInfo, len(b.doc.entries))
	for i := range b.doc.entries {
		infos[i] = newEntryInfo(&b.doc.entries[i])
	}
	m := &Manifest{
		Tool:       Tool{Name: "reprokit", Version: version.Version},
		Findings:   findings(infos, b.Console, b.Steps),
		RequestIDs: requestIDs(infos),
		Counts:     b.counts(infos),
	}
	var lg struct {
		Creator *har.Creator `json:"creator"`
		Browser *har.Creator `json:"browser"`
	}
	for _, mem := range b.doc.log {
		switch mem.name {
		case "creator":
			json.Unmarshal(mem.value, &lg.Creator)
		case "browser":
			json.Unmarshal(mem.value, &lg.Browser)
		}
	}
	if lg.Creator != nil {
		m.Tool = Tool{Name: lg.Creator.Name, Version: lg.Creator.Version}
	}
	if lg.Browser != nil {
		env := map[string]any{"browser": map[string]string{"name": lg.Browser.Name, "version": lg.Browser.Version}}
		m.Environment, _ = json.Marshal(env)
	} else if ua := firstUserAgent(b.doc.entries); ua != "" {
		m.Environment, _ = json.Marshal(map[string]any{"browser": map[string]string{"userAgent": ua}})
	}
	var first, last time.Time
	for _, in := range infos {
		if in.start.IsZero() {
			continue
		}
		end := in.start.Add(time.Duration(max(in.e.Time, 0) * float64(time.Millisecond)))
		if first.IsZero() || in.start.Before(first) {
			first = in.start
		}
		if end.After(last) {
			last = end
		}
	}
	if !first.IsZero() {
		m.Recording.Start = first.Format(time.RFC3339Nano)
		m.Recording.End = last.Format(time.RFC3339Nano)
		m.Recording.DurationMillis = last.Sub(first).Milliseconds()
	}
	if f, err := os.Open(b.Path); err == nil {
		h := sha256.New()
		n, _ := io.Copy(h, f)
		f.Close()
		m.Files = []File{{Name: filepath.Base(b.Path), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}}
	}
	return m
}

func firstUserAgent(es []har.Entry) string {
	for i := range es {
		if ua := headerValue(es[i].Request.Headers, "user-agent"); ua != "" {
			return ua
		}
	}
	return ""
}

// counts computes the counts of a manifest.
func (b *Bundle) counts(infos []entryInfo) Counts {
	return countAll(infos, b.doc, b.Console, len(b.Steps), len(b.Screenshots), len(b.Screencast))
}

func countAll(infos []entryInfo, doc *harDoc, console []ConsoleMessage, steps, shots, frames int) Counts {
	c := Counts{Entries: len(infos), ConsoleMessages: len(console), Steps: steps, Screenshots: shots, ScreencastFrames: frames}
	domains := map[string]bool{}
	pages := map[string]bool{}
	for i := range infos {
		in := &infos[i]
		if in.failed {
			c.Failed++
		}
		if in.kind == "websocket" {
			c.WebSockets++
		}
		if in.host != "" {
			domains[in.host] = true
		}
		if in.e.Pageref != "" {
			pages[in.e.Pageref] = true
		}
		c.BodyBytes += int64(doc.bodyLen[i] + doc.reqLen[i])
	}
	for _, mem := range doc.log {
		if mem.name == "pages" {
			var ps []json.RawMessage
			if json.Unmarshal(mem.value, &ps) == nil && len(ps) > len(pages) {
				c.Pages = len(ps)
			}
		}
	}
	c.Pages = max(c.Pages, len(pages))
	c.Domains = len(domains)
	for i := range console {
		if console[i].isError() {
			c.ConsoleErrors++
		}
	}
	return c
}

// limitText is the message of a HAR that exceeds a limit of the readers
// (see [StringLimits]): the limit and the JSON pointer of the value, in
// place of the decoder's wrapping.
func limitText(err error) (string, bool) {
	var le *jsonlimit.Error
	if !errors.As(err, &le) {
		return "", false
	}
	msg := le.Error()
	var se *jsontext.SyntacticError
	if errors.As(err, &se) && se.JSONPointer != "" {
		msg += " (at " + string(se.JSONPointer) + ")"
	}
	return msg + "; the limits of the readers are in docs/BUNDLE.md", true
}

// plainJSONError says where a HAR is not valid JSON by line and column
// (1-based, counted in the file) in plain words, without the JSON library's
// byte offset and prefix.
func plainJSONError(f io.ReadSeeker, err error) string {
	if msg, ok := limitText(err); ok {
		return msg
	}
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return strings.ReplaceAll(err.Error(), "jsontext: ", "")
	}
	what := "the JSON is not valid"
	if se.Err != nil {
		what = strings.ReplaceAll(se.Err.Error(), "jsontext: ", "")
	}
	if errors.Is(se.Err, io.ErrUnexpectedEOF) {
		what = "the file ends in the middle of the JSON (was it cut off?)"
	}
	line, col := 1, 1
	if _, serr := f.Seek(0, io.SeekStart); serr == nil {
		br := bufio.NewReader(io.LimitReader(skipBOM(f), se.ByteOffset))
		for {
			c, rerr := br.ReadByte()
			if rerr != nil {
				break
			}
			if c == '\n' {
				line, col = line+1, 1
			} else if c&0xC0 != 0x80 {
				col++
			}
		}
	}
	prefix := strings.TrimSuffix(err.Error(), se.Error())
	if prefix == err.Error() {
		prefix = "not a valid HAR: "
	}
	return fmt.Sprintf("%s%s at line %d, column %d", prefix, what, line, col)
}
