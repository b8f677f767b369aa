package sanitize

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/reprokit/reprokit/host/jsonlimit"
)

// node is one JSON value of an entry, kept in order so that the output has
// the members of the input in the same order, unknown `_fields` included.
type node struct {
	kind byte   // '{', '[', '"', '0' (number), 'n', 't', 'f'
	str  string // the string, or the raw number
	keys []string
	vals []*node
	done bool // already sanitized by a specific rule; the generic walk skips it
}

// get returns the member called key of an object node, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != '{' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// getString returns the string member called key, or "".
func (n *node) getString(key string) string {
	if v := n.get(key); v != nil && v.kind == '"' {
		return v.str
	}
	return ""
}

// decodeOptions are tolerant: HARs in the wild carry invalid UTF-8 and
// lone surrogates, and some writers repeat keys.
var decodeOptions = []jsontext.Options{jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)}

var encodeOptions = []jsontext.Options{jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true), jsontext.EscapeForHTML(false)}

const maxDepth = 10000

var errTooDeep = fmt.Errorf("JSON nested more than %d levels deep", maxDepth)

// arena hands out nodes and reuses them (and their key and value slices)
// for the next tree, which keeps the allocation rate of a HAR walk low.
type arena struct {
	chunks [][]node
	n      int    // nodes handed out since reset
	unq    []byte // the buffer strings with escapes are decoded in
}

// maxUnquoteBuf is the largest decoding buffer an arena keeps.
const maxUnquoteBuf = 4 << 20

// text returns the text of the JSON string raw as jsontext.Token.String
// does (invalid UTF-8 becomes U+FFFD): a string without escapes is copied
// once, one with escapes (a script or page in a HAR) is decoded in the
// arena's buffer and copied once, not decoded into a buffer grown from
// nothing for each string.
func (a *arena) text(raw jsontext.Value) string {
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(body)
	}
	var buf []byte
	if a != nil {
		buf = a.unq[:0]
	}
	buf, _ = jsontext.AppendUnquote(buf, raw)
	if a != nil && cap(buf) <= maxUnquoteBuf {
		a.unq = buf
	}
	return string(buf)
}

const arenaChunk = 512

func (a *arena) reset() { a.n = 0 }

func (a *arena) alloc() *node {
	c, i := a.n/arenaChunk, a.n%arenaChunk
	if c == len(a.chunks) {
		a.chunks = append(a.chunks, make([]node, arenaChunk))
	}
	a.n++
	n := &a.chunks[c][i]
	*n = node{keys: n.keys[:0], vals: n.vals[:0]}
	return n
}

// readNode reads the next complete value from dec into a tree; a nil
// arena allocates.
func readNode(dec *jsontext.Decoder, depth int, a *arena) (*node, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	var n *node
	if a != nil {
		n = a.alloc()
	} else {
		n = &node{}
	}
	if dec.PeekKind() == '"' {
		raw, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		n.kind, n.str = '"', a.text(raw)
		return n, nil
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch k := tok.Kind(); k {
	case '0':
		n.kind, n.str = '0', tok.String()
	case 'n', 't', 'f':
		n.kind = byte(k)
	case '{':
		n.kind = '{'
		for dec.PeekKind() != '}' {
			kt, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			key := kt.String()
			v, err := readNode(dec, depth+1, a)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, key)
			n.vals = append(n.vals, v)
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
	case '[':
		n.kind = '['
		for dec.PeekKind() != ']' {
			v, err := readNode(dec, depth+1, a)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unexpected JSON token %v", k)
	}
	return n, nil
}

// writeNode encodes a tree with jsontext: the reference that jsonOut, which
// writes the output, is tested against (emit_test.go).
func writeNode(enc *jsontext.Encoder, n *node) error {
	switch n.kind {
	case '"':
		return enc.WriteToken(jsontext.String(n.str))
	case '0':
		return enc.WriteValue(jsontext.Value(n.str))
	case 'n':
		return enc.WriteToken(jsontext.Null)
	case 't':
		return enc.WriteToken(jsontext.True)
	case 'f':
		return enc.WriteToken(jsontext.False)
	case '{':
		if err := enc.WriteToken(jsontext.BeginObject); err != nil {
			return err
		}
		for i, k := range n.keys {
			if err := enc.WriteToken(jsontext.String(k)); err != nil {
				return err
			}
			if err := writeNode(enc, n.vals[i]); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndObject)
	case '[':
		if err := enc.WriteToken(jsontext.BeginArray); err != nil {
			return err
		}
		for _, v := range n.vals {
			if err := writeNode(enc, v); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndArray)
	}
	return fmt.Errorf("sanitize: bad node kind %q", n.kind)
}

// streamer walks a JSON document token by token down to the depth where
// visit wants whole values (a HAR entry), so memory is bounded by the
// largest such value and not by the file.
type streamer struct {
	dec       *jsontext.Decoder
	out       *jsonOut
	loc       *locator
	whole     func(path []string) bool                 // read the value at path as a tree?
	key       func(loc *locator, k string) string      // sanitize a streamed object key
	visit     func(loc *locator, n *node)              // sanitize one tree in place
	items     func()                                   // called after each tree (progress)
	atEntries func()                                   // called at the '[' of log.entries, if set
	visitWith func(r *Redactor, loc *locator, n *node) // visit, by another Redactor
	dry       *Redactor                                // a dry run's Redactor: walk trees in parallel
	arena     arena                                    // nodes of the current tree, reused
}

func (s *streamer) run() error {
	if pipelined() {
		return s.runPipelined()
	}
	if err := s.value(0); err != nil {
		return err
	}
	if _, err := s.dec.ReadToken(); err != io.EOF {
		if err == nil {
			return &InputError{Offset: s.dec.InputOffset(), Err: errors.New("data after the end of the JSON document")}
		}
		return err
	}
	s.out.byte('\n') // as jsontext ends a top-level value
	return s.out.flush()
}

func (s *streamer) value(depth int) error {
	kind := s.dec.PeekKind()
	if kind == 0 {
		_, err := s.dec.ReadToken()
		return err
	}
	if (kind != '{' && kind != '[') || s.whole(s.loc.path) {
		s.arena.reset()
		n, err := readNode(s.dec, depth, &s.arena)
		if err != nil {
			return err
		}
		s.visit(s.loc, n)
		if s.items != nil {
			s.items()
		}
		s.out.node(n)
		return s.out.err
	}
	if _, err := s.dec.ReadToken(); err != nil {
		return err
	}
	s.out.byte(byte(kind))
	if kind == '[' && s.atEntries != nil && len(s.loc.path) == 2 && s.loc.path[0] == "log" && s.loc.path[1] == "entries" {
		s.atEntries()
	}
	if kind == '{' {
		for i := 0; s.dec.PeekKind() != '}'; i++ {
			kt, err := s.dec.ReadToken()
			if err != nil {
				return err
			}
			key := kt.String()
			if s.key != nil {
				key = s.key(s.loc, key)
			}
			if i > 0 {
				s.out.byte(',')
			}
			s.out.str(key)
			s.out.byte(':')
			s.loc.push(key)
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.loc.pop()
		}
	} else {
		for i := 0; s.dec.PeekKind() != ']'; i++ {
			if i > 0 {
				s.out.byte(',')
			}
			s.loc.push(itoa(i))
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.loc.pop()
		}
	}
	tok, err := s.dec.ReadToken()
	if err != nil {
		return err
	}
	s.out.byte(byte(tok.Kind()))
	return nil
}

// InputError is invalid JSON input, with the place it was found. Line and
// Column are 1-based and zero when unknown (the input could not be re-read).
type InputError struct {
	Offset       int64
	Line, Column int
	Err          error
	notHAR       bool // valid JSON, but not a HAR
}

// Error says where the input is invalid and why.
func (e *InputError) Error() string {
	if e.notHAR {
		return e.Err.Error()
	}
	if e.Line > 0 {
		return fmt.Sprintf("invalid JSON at line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("invalid JSON at byte %d: %v", e.Offset, e.Err)
}

// Unwrap returns the decoder's error.
func (e *InputError) Unwrap() error { return e.Err }

// inputError turns a decoder error into an InputError, finding line and
// column by re-reading src when it can seek.
func inputError(err error, src io.Reader, start int64) error {
	var se *jsontext.SyntacticError
	var ie *InputError
	var le *jsonlimit.Error
	switch {
	case errors.As(err, &le):
		// not broken JSON (no text fallback): more than the readers hold
		if errors.As(err, &se) && se.JSONPointer != "" {
			return fmt.Errorf("%w (at %s); the limits of the readers are in docs/BUNDLE.md", le, se.JSONPointer)
		}
		return fmt.Errorf("%w; the limits of the readers are in docs/BUNDLE.md", le)
	case errors.As(err, &ie):
	case errors.As(err, &se):
		ie = &InputError{Offset: se.ByteOffset, Err: se.Err}
		if ie.Err == nil {
			ie.Err = err
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		ie = &InputError{Offset: -1, Err: errors.New("the file ends in the middle of the JSON document (truncated?)")}
	default:
		return err
	}
	if rs, ok := src.(io.ReadSeeker); ok && ie.Offset >= 0 {
		if _, serr := rs.Seek(start, io.SeekStart); serr == nil {
			ie.Line, ie.Column = lineColumn(bufio.NewReader(rs), ie.Offset)
		}
	}
	return ie
}

// lineColumn counts lines up to offset.
func lineColumn(r io.ByteReader, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset; i++ {
		c, err := r.ReadByte()
		if err != nil {
			break
		}
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
