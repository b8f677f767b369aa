package bundle

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/reprokit/reprokit/host/har"
)

// A file-backed document keeps the decoded response bodies in its entries
// up to keepTextInFile bytes each, those the request ID search reads, and
// others while they add up to keepTextTotal; the rest are read back from
// the file when the budget or the report needs them, so that a 200 MB
// recording is not held in memory while a small one is read only once.
// (Variables for tests, which read every body back.)
var (
	keepTextInFile       = 4 << 10
	keepTextTotal  int64 = 16 << 20
)

// fileStore is where a file-backed [harDoc] keeps its entries: the bytes of
// entry i are at offs[i] in file, lens[i] long, unless raw[i] holds an
// edited copy (the budget's). Reads may come from several goroutines.
type fileStore struct {
	file *os.File
	offs []int64
	lens []int
	// text locates the response text (its JSON string) in each entry.
	text []textLoc
	// own: the file is the pack's, and edited entries are appended to it
	// (at end) instead of being held in memory.
	own bool
	end int64
	// kept counts the decoded bodies kept over keepTextInFile.
	kept int64

	mu  sync.Mutex
	err error // the first read error
}

// textLoc is where the response text of an entry is, as a JSON string,
// from the entry's start: at, end; end is 0 when there is none. dropped
// says the decoded text was not kept in the entry; edited that the entry
// was replaced (see [harDoc.setEntry]).
type textLoc struct {
	at, end int32
	dropped bool
	edited  bool
}

// parseHARFile reads a HAR from the file f (from its start) and keeps its
// entries there: only their place, the decoded fields and the small bodies
// are held in memory. f must stay open and unchanged while the document is
// used; closing it is the caller's job.
func parseHARFile(f *os.File) (*harDoc, error) {
	return parseHARStream(f, io.NewSectionReader(f, 0, 1<<62))
}

// parseHARStream is [parseHARFile] for a file that is being written: r
// yields the file's bytes from its start, each of them already in f when r
// returns it (a tee of what is written to f).
func parseHARStream(f *os.File, r io.Reader) (*harDoc, error) {
	d := &harDoc{}
	d.file = f
	if err := d.parse(bufio.NewReaderSize(r, 1<<20)); err != nil {
		return nil, err
	}
	return d, nil
}

// placeEntry records where the entry raw (just decoded into e) is in the
// file, and drops its decoded response text when it is large and the
// request ID search has no use for it.
func (d *harDoc) placeEntry(raw jsontext.Value, off int64, e *har.Entry) {
	d.offs = append(d.offs, off)
	d.lens = append(d.lens, len(raw))
	var loc textLoc
	if d.bt.respEnd > d.bt.respAt {
		loc = textLoc{at: int32(d.bt.respAt), end: int32(d.bt.respEnd)}
	}
	c := &e.Response.Content
	if d.bt.resp < 0 && loc.end > 0 && !d.keepText(c) {
		loc.dropped = true
		c.Text = ""
	}
	d.text = append(d.text, loc)
}

// keepText decides whether the decoded body c stays in its entry.
func (d *harDoc) keepText(c *har.Content) bool {
	n := int64(len(c.Text))
	switch {
	case n <= int64(keepTextInFile):
		return true
	case d.kept+n <= keepTextTotal:
		d.kept += n
		return true
	}
	return idCandidate(c)
}

// idCandidate reports whether the request ID search may read this body
// (a superset of what [jsonBody] and [eventStreamBody] accept).
func idCandidate(c *har.Content) bool {
	if c.Text == "" || len(c.Text) > maxIDBody {
		return false
	}
	if c.Encoding != "base64" {
		return mayHoldID(c.Text)
	}
	if strings.Contains(strings.ToLower(c.MimeType), "json") {
		return true
	}
	// Binary JSON is searched only when it starts with '{' (after spaces).
	head := c.Text[:min(len(c.Text), 1024)/4*4]
	b, err := base64.StdEncoding.DecodeString(head)
	if err != nil {
		return true
	}
	// As strings.TrimSpace sees it: a prefix of spaces only may go on.
	b = bytes.TrimLeftFunc(b, unicode.IsSpace)
	return len(b) == 0 || b[0] == '{' || !utf8.FullRune(b)
}

// dropped reports whether the decoded response text of entry i was not
// kept (see [harDoc.droppedText]).
func (d *harDoc) dropped(i int) bool {
	return d.file != nil && d.raw[i] == nil && d.text[i].dropped
}

// droppedText reads back the response text of entry i that the parse
// decoded and did not keep: the same string as the decoded one.
func (d *harDoc) droppedText(i int) string {
	loc := d.text[i]
	q := make([]byte, loc.end-loc.at)
	if _, err := d.file.ReadAt(q, d.offs[i]+int64(loc.at)); err != nil {
		d.fail(err)
		return ""
	}
	b, err := jsontext.AppendUnquote(nil, q)
	if err != nil {
		d.fail(fmt.Errorf("entry %d: %w", i, err))
		return ""
	}
	return string(b)
}

// entryRaw returns the bytes of entry i as written (a copy for a
// file-backed document).
func (d *harDoc) entryRaw(i int) jsontext.Value {
	if d.file == nil || d.raw[i] != nil {
		return d.raw[i]
	}
	b := make([]byte, d.lens[i])
	if _, err := d.file.ReadAt(b, d.offs[i]); err != nil {
		d.fail(err)
		return jsontext.Value("{}")
	}
	return b
}

// textHead returns the start of the response text of entry i, a large
// body left quoted in the file, as [unquotePrefix] would from the whole
// string (at least n bytes of it when it is that long); ok is false when
// the document cannot tell (the text is not in the file).
func (d *harDoc) textHead(i, n int) (head string, ok bool) {
	if d.file == nil || d.raw[i] != nil || d.text[i].end == 0 {
		return "", false
	}
	loc := d.text[i]
	size := int(loc.end - loc.at)
	// An escape is at most 6 bytes for at least one byte out: 6n bytes and
	// a few more unquote to the same first n bytes as the whole string.
	take := min(size, 6*n+32)
	q := make([]byte, take, take+1)
	if _, err := d.file.ReadAt(q, d.offs[i]+int64(loc.at)); err != nil {
		d.fail(err)
		return "", true
	}
	if take < size {
		q = append(q, '"') // unquotePrefix drops the closing quote
	}
	return unquotePrefix(q, n), true
}

// entryReaderAt reads entry i as written.
func (d *harDoc) entryReaderAt(i int) io.ReaderAt {
	if d.file == nil || d.raw[i] != nil {
		return bytes.NewReader(d.raw[i])
	}
	return io.NewSectionReader(d.file, d.offs[i], int64(d.lens[i]))
}

// entryLen is the length of entry i as written.
func (d *harDoc) entryLen(i int) int {
	if d.file == nil || d.raw[i] != nil {
		return len(d.raw[i])
	}
	return d.lens[i]
}

// setEntry replaces entry i as written (an edit of the budget). A
// document whose file is the pack's own appends the new entry to it.
func (d *harDoc) setEntry(i int, v jsontext.Value) {
	if d.file == nil || !d.own {
		d.raw[i] = v
		return
	}
	if _, err := d.file.WriteAt(v, d.end); err != nil {
		d.fail(err)
		d.raw[i] = v
		return
	}
	d.raw[i] = nil
	d.offs[i], d.lens[i] = d.end, len(v)
	d.end += int64(len(v))
	d.text[i] = textLoc{edited: true}
	if at, end, ok := memberSpan(v, "response", "content", "text"); ok && v[at] == '"' {
		d.text[i] = textLoc{at: int32(at), end: int32(end), edited: true}
	}
}

// ownFile makes the document's file its own (see [fileStore]): size bytes
// long, read and written by the document only.
func (d *harDoc) ownFile(size int64) {
	d.own, d.end = true, size
}

// settleText drops the decoded response text of entry i, as the parse
// would have, when it was set after an edit (see [harDoc.setEntry]).
func (d *harDoc) settleText(i int) {
	if d.file == nil || d.raw[i] != nil || d.text[i].end == 0 {
		return
	}
	c := &d.entries[i].Response.Content
	// The file holds the text as JSON quoted it: the same string when it
	// is valid UTF-8.
	if utf8.ValidString(c.Text) && !d.keepText(c) {
		d.text[i].dropped = true
		c.Text = ""
	}
}

// memberSpan is where the value at the path of object members in v is:
// v[at:end].
func memberSpan(v jsontext.Value, path ...string) (at, end int, ok bool) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(v), readOpts)
	for depth, name := range path {
		if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
			return 0, 0, false
		}
		for {
			if dec.PeekKind() == '}' {
				return 0, 0, false
			}
			tok, err := dec.ReadToken()
			if err != nil {
				return 0, 0, false
			}
			if tok.String() == name {
				break
			}
			if dec.SkipValue() != nil {
				return 0, 0, false
			}
		}
		if depth == len(path)-1 {
			val, err := dec.ReadValue()
			if err != nil {
				return 0, 0, false
			}
			end := int(dec.InputOffset())
			return end - len(val), end, true
		}
	}
	return 0, 0, false
}

// writeEntry writes entry i as written to w; buf is scratch space, returned
// for the next call.
func (d *harDoc) writeEntry(w *errWriter, i int, buf []byte) []byte {
	if d.file == nil || d.raw[i] != nil {
		w.bytes(d.raw[i])
		return buf
	}
	const chunk = 1 << 20
	if cap(buf) < min(d.lens[i], chunk) {
		buf = make([]byte, min(max(d.lens[i], 64<<10), chunk))
	}
	for off, n := d.offs[i], d.lens[i]; n > 0 && w.err == nil; {
		b := buf[:min(n, cap(buf))]
		if _, err := d.file.ReadAt(b, off); err != nil {
			d.fail(err)
			w.err = fmt.Errorf("read the recording's HAR: %w", err)
			break
		}
		w.bytes(b)
		off += int64(len(b))
		n -= len(b)
	}
	return buf
}

// mayBeTrimmed reports whether entry i may carry a size-budget marker
// (see [trimmedNotes]): the budget comments every body it trims, so a
// file-backed entry without such a comment is not read back to look.
func (d *harDoc) mayBeTrimmed(i int) bool {
	if d.file == nil || d.raw[i] != nil || d.text[i].edited {
		return true
	}
	e := &d.entries[i]
	return strings.Contains(e.Response.Content.Comment, "Reprokit") ||
		e.Request.PostData != nil && strings.Contains(e.Request.PostData.Comment, "Reprokit")
}

// size is the length of the document as written, about.
func (d *harDoc) size() int64 {
	n := int64(1024)
	for i := range d.raw {
		n += int64(d.entryLen(i) + 6)
	}
	return n
}

// closeFile closes the file of a file-backed document, and removes it when
// it is in the directory work (a pack's own file, not the spool's).
func (d *harDoc) closeFile(work string) {
	if d.file == nil {
		return
	}
	d.file.Close()
	if work != "" && filepath.Dir(d.file.Name()) == work {
		os.Remove(d.file.Name())
	}
}

func (d *harDoc) fail(err error) {
	d.mu.Lock()
	if d.err == nil {
		d.err = fmt.Errorf("read the HAR back from %s: %w (is the disk failing or full?)", d.file.Name(), err)
	}
	d.mu.Unlock()
}

// readErr is the first error reading a file-backed document: what was
// built from it since is not to be used.
func (d *harDoc) readErr() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}
