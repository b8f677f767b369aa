package sanitize

import (
	"io"
	"math/bits"
	"unicode/utf8"
)

// jsonOut writes the sanitized document compactly, byte for byte as a
// jsontext.Encoder with encodeOptions would (writeNode is that reference,
// and a test holds the two equal), but without the encoder's state
// machine and with a quoting loop that skips 8 clean bytes at a time:
// quoting every string of a HAR was a seventh of the walk. A nil w
// discards everything (Verify's dry run reads and walks, and writes
// nothing).
type jsonOut struct {
	w       io.Writer
	buf     []byte
	err     error
	flushes int // how many times buf was written out (offsets into buf are valid within one)
}

const jsonOutFlush = 64 << 10

func (o *jsonOut) byte(c byte) {
	if o.w == nil {
		return
	}
	o.buf = append(o.buf, c)
}

// str writes s as a JSON string.
func (o *jsonOut) str(s string) {
	if o.w == nil {
		return
	}
	o.buf = appendQuoted(o.buf, s)
	if len(o.buf) >= jsonOutFlush {
		o.flush()
	}
}

// raw writes text that is already JSON (a number as it was read).
func (o *jsonOut) raw(s string) {
	if o.w == nil {
		return
	}
	o.buf = append(o.buf, s...)
}

// node writes a tree.
func (o *jsonOut) node(n *node) {
	if o.w == nil {
		return
	}
	switch n.kind {
	case '"':
		o.str(n.str)
	case '0':
		o.raw(n.str)
	case 'n':
		o.raw("null")
	case 't':
		o.raw("true")
	case 'f':
		o.raw("false")
	case '{':
		o.byte('{')
		for i, k := range n.keys {
			if i > 0 {
				o.byte(',')
			}
			o.str(k)
			o.byte(':')
			o.node(n.vals[i])
		}
		o.byte('}')
	case '[':
		o.byte('[')
		for i, v := range n.vals {
			if i > 0 {
				o.byte(',')
			}
			o.node(v)
		}
		o.byte(']')
	}
	if len(o.buf) >= jsonOutFlush {
		o.flush()
	}
}

// flush writes the buffer out and returns the first write error.
func (o *jsonOut) flush() error {
	if o.w != nil && len(o.buf) > 0 && o.err == nil {
		_, o.err = o.w.Write(o.buf)
	}
	o.buf = o.buf[:0]
	o.flushes++
	return o.err
}

// mustEscape marks the bytes a JSON string escapes (jsontext without
// EscapeForHTML or EscapeForJS): control characters, '"' and '\'; bytes
// from 0x80 are checked as UTF-8.
var mustEscape = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

// appendQuoted appends s quoted as jsontext quotes it with
// AllowInvalidUTF8: the short escapes \b \f \n \r \t \" \\, other control
// characters as \u00XX, and each byte of invalid UTF-8 as U+FFFD.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	last := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			m := specialBytes(w)
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3 // the first byte to look at
		}
		c := s[i]
		if !mustEscape[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[last:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				const hex = "0123456789abcdef"
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			last = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, s[last:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			last = i
			continue
		}
		i += n
	}
	dst = append(dst, s[last:]...)
	return append(dst, '"')
}

// specialBytes marks (high bit of each byte) the bytes of w that are a
// control character, '"', '\' or 0x80 and above, by the has-less-than and
// has-zero-byte tricks: zero when there is none, and the lowest mark is
// exact (a borrow can only add marks above a true one).
func specialBytes(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	ctl := (w - 0x20*ones) & ^w & highs
	q := w ^ '"'*ones
	quote := (q - ones) & ^q & highs
	b := w ^ '\\'*ones
	bslash := (b - ones) & ^b & highs
	return ctl | quote | bslash | w&highs
}
