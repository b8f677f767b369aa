package sanitize

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// A value is tagged where a rule or detector finds it, and the rules depend
// on the context: a token in a URL parameter is caught by the entropy rule
// from 20 characters, the same token in a JSON string only from 32, and a
// value first redacted late in a stream may have been written earlier
// unchanged. The scrub pass makes the output consistent: every value the
// Redactor redacted (in the forms Verify searches for) is replaced by its
// tag wherever else it appears.

// sameValueRule is the rule under which the scrub pass counts what it
// replaces: a value redacted elsewhere in the bundle.
const sameValueRule = "same-value"

// spillLimit is how much of a first pass is held in memory before it
// moves to a temporary file. A variable so that tests can lower it.
var spillLimit = 4 << 20

// twoPass sanitizes src (pass 1) into memory, or into a private temporary
// file beyond spillLimit, searches that for values redacted anywhere in
// it, and writes it to dst: copied when nothing was found, scrubbed when
// something was. Memory stays bounded by the largest entry plus
// spillLimit; the temporary file lives in a new 0700 directory that is
// removed before returning.
func (r *Redactor) twoPass(dst io.Writer, src io.Reader, doc string, isHAR, requireLog bool) error {
	return r.scrubbed(dst, doc, func(w io.Writer) error { return r.stream(w, src, doc, isHAR, requireLog) })
}

// scrubbed runs a first pass (the walk of a document, writing to w) and
// then twoPass's search and scrub of what it wrote.
func (r *Redactor) scrubbed(dst io.Writer, doc string, first func(w io.Writer) error) error {
	sp := &spill{doc: doc}
	defer sp.remove()
	if err := first(sp); err != nil {
		return err
	}
	if sp.err != nil {
		return sp.err
	}
	r.verifyMu.Lock()
	defer r.verifyMu.Unlock()
	rd, err := sp.reader()
	if err != nil {
		return err
	}
	sr := r.searchReaderOf(rd)
	found := false
	if len(sr.s.entries) > 0 {
		if err := sr.drain(); err != nil {
			return fmt.Errorf("sanitize %s: read back the temporary file: %w", doc, err)
		}
		sr.finish()
		found = len(sr.hits) > 0
	}
	rd, err = sp.reader()
	if err != nil {
		return err
	}
	if !found {
		// 256 KB at a time (io.Copy to a writer that reads from its
		// source, like io.Discard, goes 8 KB at a time)
		if _, err := io.CopyBuffer(dst, struct{ io.Reader }{rd}, make([]byte, 256<<10)); err != nil {
			return fmt.Errorf("write sanitized %s: %w", doc, err)
		}
		return nil
	}
	// the searcher that found them: with the escape forms if the
	// pass wrote an escape (a decoded escape form is one in the file too)
	_, err = r.scrub(dst, rd, doc, sr.s)
	return err
}

// spill holds the first pass: in memory up to spillLimit, then in a file
// in a new private directory.
type spill struct {
	doc string
	buf []byte
	dir string
	f   *os.File
	err error
}

func (sp *spill) Write(p []byte) (int, error) {
	if sp.f == nil && len(sp.buf)+len(p) <= spillLimit {
		sp.buf = append(sp.buf, p...)
		return len(p), nil
	}
	if sp.f == nil {
		dir, err := os.MkdirTemp("", "reprokit-sanitize-")
		if err != nil {
			sp.err = fmt.Errorf("sanitize %s: make a private temporary directory: %w (set TMPDIR to a writable folder)", sp.doc, err)
			return 0, sp.err
		}
		sp.dir = dir
		f, err := os.OpenFile(filepath.Join(dir, "pass1.json"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			sp.err = fmt.Errorf("sanitize %s: create a temporary file in %s: %w (set TMPDIR to a writable folder)", sp.doc, dir, err)
			return 0, sp.err
		}
		sp.f = f
		if _, err := f.Write(sp.buf); err != nil {
			sp.err = fmt.Errorf("sanitize %s: write the temporary file: %w (is the disk full?)", sp.doc, err)
			return 0, sp.err
		}
		sp.buf = nil
	}
	n, err := sp.f.Write(p)
	if err != nil {
		sp.err = fmt.Errorf("sanitize %s: write the temporary file: %w (is the disk full?)", sp.doc, err)
		return n, sp.err
	}
	return n, nil
}

// hasEscape says whether p, after the byte before, holds the start of an
// escape that an escape form of a value begins with: \x, \u or &# (a
// JSON-escaped \\x holds \x too). It reads eight bytes at a time: a
// search runs it over every byte it reads until the first escape.
func hasEscape(before byte, p []byte) bool {
	if len(p) == 0 {
		return false
	}
	if before == '\\' && (p[0] == 'x' || p[0] == 'u') || before == '&' && p[0] == '#' {
		return true
	}
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(p); i += 8 {
		w := binary.LittleEndian.Uint64(p[i:])
		bs, hash := w^(lo*'\\'), w^(lo*'#')
		if (bs-lo)&^bs&hi == 0 && (hash-lo)&^hash&hi == 0 {
			continue // neither '\\' nor '#' in these eight bytes
		}
		if escapeAt(p, i, i+8) {
			return true
		}
	}
	return escapeAt(p, i, len(p))
}

// escapeAt says whether an escape starts in p[from:to] (hasEscape).
func escapeAt(p []byte, from, to int) bool {
	for j := from; j < to; j++ {
		switch p[j] {
		case '\\':
			if j+1 < len(p) && (p[j+1] == 'x' || p[j+1] == 'u') {
				return true
			}
		case '#':
			if j > 0 && p[j-1] == '&' {
				return true
			}
		}
	}
	return false
}

// reader reads the first pass from its start.
func (sp *spill) reader() (io.Reader, error) {
	if sp.f == nil {
		return bytes.NewReader(sp.buf), nil
	}
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("sanitize %s: read back the temporary file: %w", sp.doc, err)
	}
	return sp.f, nil
}

func (sp *spill) remove() {
	if sp.f != nil {
		sp.f.Close()
	}
	if sp.dir != "" {
		os.RemoveAll(sp.dir)
	}
}

// Scrub copies src to dst, replacing every value this Redactor redacted (8
// characters or more, in the raw, URL-encoded, JSON-, JavaScript- and
// HTML-escaped and base64 forms that [Redactor.Verify] searches for) by the value's tag, and
// returns how many it replaced. A JSON document is walked token by token
// (string values, keys, and numbers, which become strings); any other file
// is scrubbed line by line. [Redactor.HAR], [Redactor.JSON] and
// [Redactor.DOM] scrub their own output already; call Scrub on a file
// sanitized before another one redacted a value it holds (Verify reports
// such a value as a finding):
// scrub it, then verify the scrubbed copy. Replacements are counted in the
// [Report] under rule "same-value". The output of a scrubbed JSON document
// is re-encoded compactly; a document that is not valid JSON gives an
// [*InputError].
func (r *Redactor) Scrub(dst io.Writer, src io.Reader, doc string) (int, error) {
	r.verifyMu.Lock()
	defer r.verifyMu.Unlock()
	return r.scrub(dst, src, doc, r.searcher(true))
}

// scrub is Scrub with the searcher; callers hold verifyMu.
func (r *Redactor) scrub(dst io.Writer, src io.Reader, doc string, s *searcher) (int, error) {
	bw := bufio.NewWriterSize(dst, 256<<10)
	br := bufio.NewReaderSize(src, 256<<10)
	head, _ := br.Peek(512)
	first := firstByte(head)
	var n int
	var err error
	if first == '{' || first == '[' {
		n, err = r.scrubJSON(bw, br, doc, s)
	} else {
		n, err = r.scrubText(bw, br, doc, s)
	}
	if err != nil {
		return n, err
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("write scrubbed %s: %w", doc, err)
	}
	return n, nil
}

func (r *Redactor) scrubJSON(w io.Writer, br *bufio.Reader, doc string, s *searcher) (int, error) {
	if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	dec := jsontext.NewDecoder(br, decodeOptions...)
	enc := jsontext.NewEncoder(w, encodeOptions...)
	total := 0
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, inputError(err, nil, 0)
		}
		switch tok.Kind() {
		case '"', '0':
			str := tok.String()
			ns, tags := s.scrubString(str, 0)
			if len(tags) > 0 {
				total += len(tags)
				r.recordScrub(doc, string(dec.StackPointer()), tags)
				tok = jsontext.String(ns)
			}
		}
		if err := enc.WriteToken(tok); err != nil {
			return total, fmt.Errorf("write scrubbed %s: %w", doc, err)
		}
	}
}

func (r *Redactor) scrubText(w *bufio.Writer, br *bufio.Reader, doc string, s *searcher) (int, error) {
	total := 0
	for line := 1; ; line++ {
		str, err := br.ReadString('\n')
		if len(str) > 0 {
			ns, tags := s.scrubString(str, 0)
			if len(tags) > 0 {
				total += len(tags)
				r.recordScrub(doc, itoa(line)+":1", tags)
			}
			if _, werr := w.WriteString(ns); werr != nil {
				return total, fmt.Errorf("write scrubbed %s: %w", doc, werr)
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, fmt.Errorf("read %s: %w", doc, err)
		}
	}
}

// recordScrub counts the replacements of the scrub pass at one location.
func (r *Redactor) recordScrub(doc, location string, tags []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range tags {
		r.total++
		kind := tagKind(t)
		r.counts[[2]string{sameValueRule, kind}]++
		if len(r.locs) >= maxLocations {
			r.truncated = true
			continue
		}
		r.locs = append(r.locs, Location{File: doc, Location: location, Rule: sameValueRule, Kind: kind, Tag: t})
	}
}

// scrubString replaces every form of a redacted value in str by the
// value's tag and returns the tags it wrote. A string that is base64 of
// text (a body) is decoded, scrubbed and encoded again, so that its
// encoding stays valid.
func (s *searcher) scrubString(str string, depth int) (string, []string) {
	if len(str) < minVerifyValue || len(s.entries) == 0 {
		return str, nil
	}
	if depth == 0 && len(str) >= 16 && isBase64Text(str) {
		if data, err := base64.StdEncoding.DecodeString(str); err == nil && textual(data) {
			if ns, tags := s.scrubString(string(data), depth+1); len(tags) > 0 {
				return base64.StdEncoding.EncodeToString([]byte(ns)), tags
			}
		}
	}
	b := []byte(str)
	var out strings.Builder
	var tags []string
	last := 0
	for i := 0; i+8 <= len(b); {
		tag, n := s.findLongest(b[i:])
		if tag == "" {
			i++
			continue
		}
		if tags == nil {
			out.Grow(len(str))
		}
		out.Write(b[last:i])
		out.WriteString(tag)
		tags = append(tags, tag)
		i += n
		last = i
	}
	if tags == nil {
		return str, nil
	}
	out.Write(b[last:])
	return out.String(), tags
}

// isBase64Text: only characters of standard base64, a length that is a
// multiple of 4.
func isBase64Text(s string) bool {
	if len(s)%4 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if class[c]&cAlnum == 0 && c != '+' && c != '/' && c != '=' {
			return false
		}
	}
	return true
}
