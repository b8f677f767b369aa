// Package jsonlimit caps what a JSON reader must hold at once, as the bytes
// stream by, before any decoder sees them.
//
// A JSON decoder holds a whole string token in memory, and the readers of
// HARs hold a whole entry: a 900 KB zip that inflates to one 900 MB string
// made every reader of Reprokit grow to 2.6 GB. [Reader] follows the lexical
// state of the JSON it passes on (inside a string or not, how deep) and
// fails with an [*Error] as soon as one string is longer than
// [Limits.MaxString] or the nesting is deeper than [Limits.MaxDepth], having
// held nothing but its state. It does not validate the JSON; the decoder
// behind it does.
//
// The caps are documented in docs/BUNDLE.md ("Limits of the readers").
package jsonlimit

import (
	"errors"
	"fmt"
	"io"
)

// Limits are the caps of a [Reader]. A zero field means no cap.
type Limits struct {
	// MaxString caps one JSON string, in bytes as written (quotes and
	// escapes included): a body, a URL, a header value.
	MaxString int64
	// MaxDepth caps the nesting of objects and arrays.
	MaxDepth int
}

// Default are the caps of every reader of Reprokit (bundle.Open, scan,
// sanitize, replay): a body of a recording stays far below MaxString (the
// bundle's size budget is 25 MB in all). The depth is left to the JSON
// decoders, which refuse more than 10000 levels and hold little for each.
var Default = Limits{MaxString: 64 << 20}

// Error says which cap the input exceeded and where.
type Error struct {
	// What is "string" or "depth".
	What string
	// Limit is the cap that was exceeded (bytes, or levels).
	Limit int64
	// Offset is the byte of the input (from the Reader's start) where it
	// was exceeded.
	Offset int64
}

func (e *Error) Error() string {
	if e.What == "depth" {
		return fmt.Sprintf("JSON nested more than %d levels deep (at byte %d): more than Reprokit reads", e.Limit, e.Offset)
	}
	return fmt.Sprintf("a JSON string (a body, URL or header value) longer than %s, from byte %d: more than Reprokit reads in one value", humanBytes(e.Limit), e.Offset)
}

// IsLimit reports whether err is, or wraps, an [*Error].
func IsLimit(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// Reader passes the bytes of r on unchanged and fails when they exceed the
// limits. It holds only its lexical state.
type Reader struct {
	r   io.Reader
	lim Limits
	err error

	off      int64 // bytes passed on
	inString bool
	escaped  bool
	strStart int64 // offset of the open string's quote
	depth    int
}

// NewReader returns a [Reader] of r with the limits lim.
func NewReader(r io.Reader, lim Limits) *Reader {
	return &Reader{r: r, lim: lim}
}

// Offset is the number of bytes passed on so far.
func (g *Reader) Offset() int64 { return g.off }

// Read implements io.Reader. Bytes before the one that exceeds a limit are
// passed on; the error comes with them or on the next call.
func (g *Reader) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i := 0; i < n; i++ {
		c := p[i]
		if g.inString {
			switch {
			case g.escaped:
				g.escaped = false
			case c == '\\':
				g.escaped = true
			case c == '"':
				g.inString = false
				continue
			}
			if g.lim.MaxString > 0 && g.off+int64(i)-g.strStart+1 > g.lim.MaxString {
				g.err = &Error{What: "string", Limit: g.lim.MaxString, Offset: g.strStart}
				g.off += int64(i)
				return i, g.err
			}
			continue
		}
		switch c {
		case '"':
			g.inString = true
			g.strStart = g.off + int64(i)
		case '{', '[':
			g.depth++
			if g.lim.MaxDepth > 0 && g.depth > g.lim.MaxDepth {
				g.err = &Error{What: "depth", Limit: int64(g.lim.MaxDepth), Offset: g.off + int64(i)}
				g.off += int64(i)
				return i, g.err
			}
		case '}', ']':
			if g.depth > 0 {
				g.depth--
			}
		}
	}
	g.off += int64(n)
	return n, err
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
