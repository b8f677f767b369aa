package sanitize

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/reprokit/reprokit/host/jsonlimit"
)

// HAR reads a HAR from src and writes it sanitized to dst, streaming: it
// holds one entry at a time, so memory is bounded by the largest entry. It
// keeps every field, unknown `_fields` included, and accepts the HARs of
// Chrome, Firefox, Playwright, Charles and Fiddler. Invalid JSON gives an
// [*InputError] with the line and column when src can seek (an *os.File).
// On error dst holds a partial document: write to a temporary file.
func (r *Redactor) HAR(dst io.Writer, src io.Reader) error {
	return r.twoPass(dst, src, "session.har", true, false)
}

// StrictHAR is [Redactor.HAR] for input from users (`reprokit sanitize`):
// valid JSON that is not a HAR (no top-level "log" object, such as `{}`)
// is refused with an [*InputError] saying "not a HAR: no log object"
// instead of being copied through.
func (r *Redactor) StrictHAR(dst io.Writer, src io.Reader) error {
	return r.twoPass(dst, src, "session.har", true, true)
}

// JSON sanitizes any other JSON document (console.json, steps.json,
// bundle.json) named doc in the report: every object key goes through the
// name rules and every string through the URL rules and the detectors.
func (r *Redactor) JSON(dst io.Writer, src io.Reader, doc string) error {
	return r.twoPass(dst, src, doc, false, false)
}

// stream is the walk of one JSON document; requireLog refuses a document
// without a top-level "log" object (not a HAR).
func (r *Redactor) stream(dst io.Writer, src io.Reader, doc string, isHAR, requireLog bool) error {
	sawLog := false
	err := r.walkDoc(dst, src, doc, requireLog, func(s *streamer) {
		s.key = func(loc *locator, k string) string {
			return r.jsonKey(loc, k, textCtx{})
		}
		if isHAR {
			dec := s.dec
			s.whole = func(path []string) bool {
				if len(path) == 1 && path[0] == "log" && dec.PeekKind() == '{' {
					sawLog = true
				}
				return harWhole(path)
			}
			s.visitWith = (*Redactor).visitHAR
		} else {
			s.whole = func(path []string) bool { return len(path) >= 2 }
			s.visitWith = func(r *Redactor, loc *locator, n *node) { r.walk(loc, n, textCtx{}) }
		}
		s.visit = func(loc *locator, n *node) { s.visitWith(r, loc, n) }
		if r.dryRun && r.atEntries == nil {
			s.dry = r // a dry run: trees can be walked in parallel
		}
	})
	if err != nil {
		return err
	}
	if requireLog && !sawLog {
		return &InputError{Offset: 0, Line: 1, Column: 1, notHAR: true, Err: errors.New(`not a HAR: no log object (a HAR is {"log":{"entries":[…]}}); export the HAR again from the browser's network panel`)}
	}
	return nil
}

// walkDoc streams one JSON document from src to dst (nowhere when dst is
// io.Discard) through a streamer that setup configures: what it reads
// whole, how it sanitizes keys and trees. fromUser caps single values as
// for a file a user gives (as r.userScan does).
func (r *Redactor) walkDoc(dst io.Writer, src io.Reader, doc string, fromUser bool, setup func(s *streamer)) error {
	var start int64
	if s, ok := src.(io.Seeker); ok {
		start, _ = s.Seek(0, io.SeekCurrent)
	}
	bw := bufio.NewWriterSize(dst, 256<<10)
	in := src
	if r.userScan || fromUser {
		// a file from a user (scan, sanitize): one value over the
		// readers' caps is refused before the decoder holds it; a
		// recording's own HAR is not capped here (the budget trims it)
		in = jsonlimit.NewReader(src, jsonlimit.Default)
	}
	br := bufio.NewReaderSize(in, 256<<10)
	if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" { // Windows tools (Fiddler) write a BOM
		br.Discard(3)
		start += 3
	}
	dec := jsontext.NewDecoder(br, decodeOptions...)
	out := &jsonOut{w: bw}
	if dst == io.Discard {
		out.w = nil // a dry run: walk, write nothing
	}
	s := &streamer{dec: dec, out: out, loc: &locator{file: doc}, atEntries: r.atEntries}
	setup(s)
	if dec.PeekKind() == 0 {
		if _, err := dec.ReadToken(); err == io.EOF {
			return &InputError{Offset: 0, Line: 1, Column: 1, Err: errors.New("the file is empty: expected a JSON document")}
		}
	}
	if err := s.run(); err != nil {
		return inputError(err, src, start)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write sanitized %s: %w", doc, err)
	}
	return nil
}

// harWhole says which parts of a HAR are read as whole trees: each entry,
// each page, and every other member of log.
func harWhole(path []string) bool {
	switch len(path) {
	case 0:
		return false
	case 1:
		return path[0] != "log"
	case 2:
		return path[1] != "entries" && path[1] != "pages"
	}
	return true
}

// visitHAR sanitizes one part of a HAR read whole.
func (r *Redactor) visitHAR(loc *locator, n *node) {
	if len(loc.path) == 3 && loc.path[1] == "entries" && n.kind == '{' {
		r.entry(loc, n)
		return
	}
	r.walk(loc, n, textCtx{structure: true})
}
