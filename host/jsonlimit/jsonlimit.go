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
	"bytes"
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
	// MaxEntry caps one value nested EntryDepth deep (a HAR entry is at
	// depth 4: root, log, entries, entry), in bytes as written; a reader
	// holds an entry whole while it decodes it.
	MaxEntry   int64
	EntryDepth int
	// MaxEntryStructure caps the bytes of such a value outside its long
	// strings (over LongString bytes: bodies): headers, cookies, frames
	// and timings, which decode into many small values that weigh more
	// in memory than as text.
	MaxEntryStructure int64
}

// LongString is the length from which a string counts as a body, not
// structure, for [Limits.MaxEntryStructure].
const LongString = 4 << 10

// Default are the caps of every reader of Reprokit (bundle.Open, scan,
// sanitize, replay): a body of a recording stays far below MaxString (the
// bundle's size budget is 25 MB in all). The depth is left to the JSON
// decoders, which refuse more than 10000 levels and hold little for each.
var Default = Limits{MaxString: 64 << 20, MaxEntry: 96 << 20, EntryDepth: 4, MaxEntryStructure: 16 << 20}

// Error says which cap the input exceeded and where.
type Error struct {
	// What is "string", "depth", "entry" or "structure".
	What string
	// Limit is the cap that was exceeded (bytes, or levels).
	Limit int64
	// Offset is the byte of the input (from the Reader's start) where it
	// was exceeded.
	Offset int64
}

func (e *Error) Error() string {
	switch e.What {
	case "depth":
		return fmt.Sprintf("JSON nested more than %d levels deep (at byte %d): more than Reprokit reads", e.Limit, e.Offset)
	case "entry":
		return fmt.Sprintf("one HAR entry longer than %s, from byte %d: more than Reprokit reads in one entry", humanBytes(e.Limit), e.Offset)
	case "structure":
		return fmt.Sprintf("one HAR entry with more than %s of headers, cookies, frames and other small values, from byte %d: more than Reprokit reads in one entry", humanBytes(e.Limit), e.Offset)
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

	entryStart int64 // offset of the open entry (depth >= EntryDepth)
	structure  int64 // its bytes outside long strings, strings closed so far
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
		if g.inString && !g.escaped {
			// the plain bytes of a string, skipped at memchr speed
			seg := p[i:n]
			j := bytes.IndexByte(seg, '"')
			if j < 0 {
				j = len(seg)
			}
			if k := bytes.IndexByte(seg[:j], '\\'); k >= 0 {
				j = k
			}
			if j > 0 {
				i += j
				last := g.off + int64(i) - 1
				if g.lim.MaxString > 0 && last-g.strStart+1 > g.lim.MaxString {
					return g.fail(&Error{What: "string", Limit: g.lim.MaxString, Offset: g.strStart}, i)
				}
				if g.inEntry() && g.lim.MaxEntry > 0 && last-g.entryStart+1 > g.lim.MaxEntry {
					return g.fail(&Error{What: "entry", Limit: g.lim.MaxEntry, Offset: g.entryStart}, i)
				}
				if i == n {
					break
				}
			}
		}
		c := p[i]
		at := g.off + int64(i)
		if g.inString {
			switch {
			case g.escaped:
				g.escaped = false
			case c == '\\':
				g.escaped = true
			case c == '"':
				g.inString = false
				if l := at - g.strStart + 1; l <= LongString {
					g.structure += l
				}
				if e := g.checkEntry(at); e != nil {
					return g.fail(e, i)
				}
				continue
			}
			if g.lim.MaxString > 0 && at-g.strStart+1 > g.lim.MaxString {
				return g.fail(&Error{What: "string", Limit: g.lim.MaxString, Offset: g.strStart}, i)
			}
			if g.inEntry() && g.lim.MaxEntry > 0 && at-g.entryStart+1 > g.lim.MaxEntry {
				return g.fail(&Error{What: "entry", Limit: g.lim.MaxEntry, Offset: g.entryStart}, i)
			}
			continue
		}
		switch c {
		case '"':
			g.inString = true
			g.strStart = at
			continue
		case '{', '[':
			g.depth++
			if g.lim.MaxDepth > 0 && g.depth > g.lim.MaxDepth {
				return g.fail(&Error{What: "depth", Limit: int64(g.lim.MaxDepth), Offset: at}, i)
			}
			if g.lim.EntryDepth > 0 && g.depth == g.lim.EntryDepth {
				g.entryStart, g.structure = at, 0
			}
		case '}', ']':
			if g.depth > 0 {
				g.depth--
			}
		}
		if g.inEntry() {
			g.structure++
			if e := g.checkEntry(at); e != nil {
				return g.fail(e, i)
			}
		}
	}
	g.off += int64(n)
	return n, err
}

func (g *Reader) inEntry() bool {
	return g.lim.EntryDepth > 0 && g.depth >= g.lim.EntryDepth
}

// checkEntry checks the open entry's caps at offset at.
func (g *Reader) checkEntry(at int64) *Error {
	if !g.inEntry() {
		return nil
	}
	if g.lim.MaxEntry > 0 && at-g.entryStart+1 > g.lim.MaxEntry {
		return &Error{What: "entry", Limit: g.lim.MaxEntry, Offset: g.entryStart}
	}
	if g.lim.MaxEntryStructure > 0 && g.structure > g.lim.MaxEntryStructure {
		return &Error{What: "structure", Limit: g.lim.MaxEntryStructure, Offset: g.entryStart}
	}
	return nil
}

// fail stops the reader with e after the first i bytes of this read.
func (g *Reader) fail(e *Error, i int) (int, error) {
	g.err = e
	g.off += int64(i)
	return i, e
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
