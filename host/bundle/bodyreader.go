package bundle

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-json-experiment/json"

	"github.com/reprokit/reprokit/host/har"
)

// A replay serves a recorded body as it reads it from the file: a 50 MB
// body held as a string, decoded, then base64-encoded into one protocol
// message took a replay to 1 GB and 25 s. ResponseBodyReader streams it
// instead; only the bodies the parse did not keep in the entries (over a
// few KB) stream, the others are in [Bundle.Entries].

// StreamedBody reports whether the response body of entry i is left in the
// file, not in [Bundle.Entries]: read it with [Bundle.ResponseBodyReader]
// (or whole with [Bundle.ResponseBody]).
func (b *Bundle) StreamedBody(i int) bool { return b.doc.streamable(i) }

// streamable reports whether the response text of entry i is in the file
// at a known place and not in the entry: dropped after decoding, or left
// undecoded (over keepTextBelow).
func (d *harDoc) streamable(i int) bool {
	if d.file == nil || d.raw[i] != nil || d.text[i].end == 0 || d.text[i].edited {
		return false
	}
	return d.text[i].dropped || d.entries[i].Response.Content.Text == "" && d.bodyLen[i] > 0
}

// ResponseBodyLen is the length of entry i's response body text as written
// in the HAR (quoted JSON for a streamed body, so about).
func (b *Bundle) ResponseBodyLen(i int) int { return b.doc.bodyLen[i] }

// ResponseBodyReader streams the decoded response body of entry i (the
// bytes a server sent: base64 decoded when the HAR says so) from the file
// it was read from. ok is false when the body is not streamed
// ([Bundle.StreamedBody]).
func (b *Bundle) ResponseBodyReader(i int) (r io.Reader, ok bool) {
	d := b.doc
	if !d.streamable(i) {
		return nil, false
	}
	loc := d.text[i]
	sec := io.NewSectionReader(d.file, d.offs[i]+int64(loc.at)+1, int64(loc.end-loc.at)-2)
	r = &unquoteReader{r: bufio.NewReaderSize(sec, 64<<10)}
	if d.entries[i].Response.Content.Encoding == "base64" {
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	return r, true
}

// LogHeader returns the HAR's log without its entries: version, creator,
// browser, pages, comment.
func (b *Bundle) LogHeader() har.Log {
	var lg har.Log
	for _, m := range b.doc.log {
		switch m.name {
		case "version":
			json.Unmarshal(m.value, &lg.Version, readOpts)
		case "creator":
			json.Unmarshal(m.value, &lg.Creator, readOpts)
		case "browser":
			json.Unmarshal(m.value, &lg.Browser, readOpts)
		case "pages":
			json.Unmarshal(m.value, &lg.Pages, readOpts)
		case "comment":
			json.Unmarshal(m.value, &lg.Comment, readOpts)
		}
	}
	return lg
}

// unquoteReader decodes the inside of a JSON string (without its quotes)
// as it streams: escapes, \uXXXX and surrogate pairs; invalid UTF-8 and
// lone surrogates become U+FFFD, as the decoder of the whole string makes
// them.
type unquoteReader struct {
	r   *bufio.Reader
	out []byte // decoded, not yet returned
	err error
}

func (u *unquoteReader) Read(p []byte) (int, error) {
	for len(u.out) == 0 && u.err == nil {
		u.fill()
	}
	if len(u.out) > 0 {
		n := copy(p, u.out)
		u.out = u.out[n:]
		return n, nil
	}
	return 0, u.err
}

// fill decodes up to about 32 KB into out.
func (u *unquoteReader) fill() {
	u.out = u.out[:0]
	for len(u.out) < 32<<10 {
		c, err := u.r.ReadByte()
		if err != nil {
			u.err = err
			return
		}
		switch {
		case c == '\\':
			u.escape()
			if u.err != nil {
				return
			}
		case c < utf8.RuneSelf:
			u.out = append(u.out, c)
		default:
			u.r.UnreadByte()
			r, size, err := u.r.ReadRune()
			if err != nil {
				u.err = err
				return
			}
			if r == utf8.RuneError && size == 1 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				continue
			}
			u.out = utf8.AppendRune(u.out, r)
		}
	}
}

func (u *unquoteReader) escape() {
	c, err := u.r.ReadByte()
	if err != nil {
		u.err = io.ErrUnexpectedEOF
		return
	}
	switch c {
	case '"', '\\', '/':
		u.out = append(u.out, c)
	case 'b':
		u.out = append(u.out, '\b')
	case 'f':
		u.out = append(u.out, '\f')
	case 'n':
		u.out = append(u.out, '\n')
	case 'r':
		u.out = append(u.out, '\r')
	case 't':
		u.out = append(u.out, '\t')
	case 'u':
		r, err := u.hex4()
		if err != nil {
			u.err = err
			return
		}
		if utf16.IsSurrogate(r) {
			// a pair is \uD8xx\uDCxx; a lone half is U+FFFD
			if b, _ := u.r.Peek(2); len(b) == 2 && b[0] == '\\' && b[1] == 'u' {
				u.r.Discard(2)
				r2, err := u.hex4()
				if err != nil {
					u.err = err
					return
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					u.out = utf8.AppendRune(u.out, dec)
					return
				}
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				r = r2
				if utf16.IsSurrogate(r) {
					r = utf8.RuneError
				}
			} else {
				r = utf8.RuneError
			}
		}
		u.out = utf8.AppendRune(u.out, r)
	default:
		u.err = fmt.Errorf("invalid escape \\%c in a JSON string", c)
	}
}

func (u *unquoteReader) hex4() (rune, error) {
	var h [4]byte
	if _, err := io.ReadFull(u.r, h[:]); err != nil {
		return 0, errors.New("a JSON string ends inside a \\u escape")
	}
	v, err := strconv.ParseUint(string(h[:]), 16, 16)
	if err != nil {
		return 0, fmt.Errorf("invalid escape \\u%s in a JSON string", h[:])
	}
	return rune(v), nil
}
