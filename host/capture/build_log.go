package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/go-json-experiment/json/jsontext"
)

// logMessage is one message of a protocol log, as the log reader hands it to
// the builders. Params and Result alias the reader's buffer: they are valid
// only until the handler returns.
type logMessage struct {
	Method    string
	SessionID string
	Time      float64 // wall seconds since the epoch; 0 when the log has none
	Params    []byte  // raw JSON, nil when absent
	Result    []byte  // raw JSON, nil when absent (events)
	HasError  bool    // a command result carrying "error" instead of "result"

	// ResultOffset is the absolute offset of Result in the source, or -1
	// when Result does not lie verbatim in the source (a wrapped message).
	ResultOffset int64
	// Line is the 1-based line of the message in the log, for warnings.
	Line int

	// For Network.getResponseBody results, the fields of the result, read
	// in the same pass (bodies are large: they are scanned once).
	bodyParsed bool
	body       []byte // the "body" string literal, quotes included; nil when absent
	bodyOffset int64  // absolute offset of body in the source, or -1
	bodyFile   string
	bodyBase64 bool
}

// LogSyntaxError reports malformed protocol-log input with its position.
type LogSyntaxError struct {
	Line, Column int   // 1-based; Column counts bytes
	Offset       int64 // byte offset from the start of the log
	Err          error

	// resume is where the broken message begins (after the last good
	// one), for readers that skip it and go on.
	resume int64
}

// Error says where the log is malformed and what a log must look like.
func (e *LogSyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %v (the protocol log must be a JSON array of CDP messages or one JSON object per line)", e.Line, e.Column, e.Err)
}

// Unwrap returns the underlying JSON error.
func (e *LogSyntaxError) Unwrap() error { return e.Err }

// newlineIndex records where lines start, so a byte offset can be turned into
// a line and column for error messages.
type newlineIndex struct {
	r        io.Reader
	read     int64
	newlines []int64 // offsets of '\n' bytes
}

func (n *newlineIndex) Read(p []byte) (int, error) {
	c, err := n.r.Read(p)
	for i := 0; i < c; {
		j := bytes.IndexByte(p[i:c], '\n')
		if j < 0 {
			break
		}
		n.newlines = append(n.newlines, n.read+int64(i+j))
		i += j + 1
	}
	n.read += int64(c)
	return c, err
}

// position turns a byte offset into a 1-based line and column.
func (n *newlineIndex) position(off int64) (line, col int) {
	i := sort.Search(len(n.newlines), func(i int) bool { return n.newlines[i] >= off })
	start := int64(0)
	if i > 0 {
		start = n.newlines[i-1] + 1
	}
	return i + 1, int(off-start) + 1
}

// readLog reads a protocol log (a JSON array of messages or a stream of JSON
// objects, usually one per line) and calls fn for every message in order.
// base is the offset of r's first byte in the underlying source, used for
// [logMessage.ResultOffset]. A truncated last message (a recorder killed
// mid-write) is reported through truncated when it is not nil, and the
// messages before it are kept; otherwise it is an error.
func readLog(r io.Reader, base int64, truncated func(*LogSyntaxError), fn func(*logMessage) error) error {
	idx := &newlineIndex{r: r}
	br := bufio.NewReaderSize(idx, 64<<10)
	// Skip a UTF-8 byte order mark, which some editors add.
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
		base += 3
	}
	skipped := idx.read - int64(br.Buffered()) // bytes consumed before the decoder starts (the BOM)
	dec := jsontext.NewDecoder(br, jsontext.AllowDuplicateNames(true))
	syntaxErr := func(err error) *LogSyntaxError {
		off := dec.InputOffset() + skipped
		var se *jsontext.SyntacticError
		if errors.As(err, &se) {
			off = se.ByteOffset + skipped
			err = se.Err
		}
		line, col := idx.position(off)
		return &LogSyntaxError{Line: line, Column: col, Offset: off, Err: err, resume: dec.InputOffset() + skipped}
	}
	array := false
	switch dec.PeekKind() {
	case '[':
		array = true
		if _, err := dec.ReadToken(); err != nil {
			return syntaxErr(err)
		}
	case '{':
	case 0:
		// Empty input, or garbage: let ReadValue report which.
		if _, err := dec.ReadValue(); err == io.EOF {
			return nil
		} else if err != nil {
			return syntaxErr(err)
		}
	default:
		return syntaxErr(fmt.Errorf("expected a JSON array or object, found %s", dec.PeekKind()))
	}
	var msg logMessage
	for {
		if array && dec.PeekKind() == ']' {
			if _, err := dec.ReadToken(); err != nil {
				return syntaxErr(err)
			}
			// Anything after the closing bracket is an error, except space.
			if _, err := dec.ReadValue(); err != io.EOF {
				if err == nil {
					err = errors.New("unexpected data after the closing ]")
				}
				return syntaxErr(err)
			}
			return nil
		}
		v, err := dec.ReadValue()
		if err == io.EOF && !array {
			return nil
		}
		if err != nil {
			se := syntaxErr(err)
			if truncated != nil && (errors.Is(err, io.ErrUnexpectedEOF) || (err == io.EOF && array)) {
				truncated(se)
				return nil
			}
			if err == io.EOF {
				se.Err = io.ErrUnexpectedEOF
			}
			return se
		}
		end := dec.InputOffset() + skipped
		start := end - int64(len(v))
		line, _ := idx.position(start)
		if v.Kind() != '{' {
			col := 0
			_, col = idx.position(start)
			return &LogSyntaxError{Line: line, Column: col, Offset: start, Err: fmt.Errorf("expected a JSON object (a CDP message), found %s", v.Kind()), resume: start}
		}
		msg = logMessage{Line: line}
		if err := parseLogMessage(v, base+start, &msg); err != nil {
			_, col := idx.position(start)
			return &LogSyntaxError{Line: line, Column: col, Offset: start, Err: err, resume: start}
		}
		if msg.Method == "" {
			continue // a reply without a method (e.g. an ID-only ack): nothing to build from
		}
		if err := fn(&msg); err != nil {
			return err
		}
	}
}

// parseLogMessage splits one raw message into its fields. off is the
// absolute offset of raw in the source, or -1 when raw is not in the source.
// It unwraps the ChromeDriver performance-log shape
// {"message":"{\"message\":{\"method\":…,\"params\":…}}","timestamp":…}.
func parseLogMessage(raw []byte, off int64, msg *logMessage) error {
	dec := jsontext.NewDecoder(bytes.NewBuffer(raw), jsontext.AllowDuplicateNames(true))
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	var wrapped []byte
	var wrappedTime float64
	for dec.PeekKind() != '}' {
		k, err := dec.ReadToken()
		if err != nil {
			return err
		}
		key := k.String()
		switch key {
		case "method", "sessionId":
			t, err := dec.ReadToken()
			if err != nil {
				return err
			}
			if t.Kind() != '"' {
				return fmt.Errorf("%q must be a string, found %s", key, t.Kind())
			}
			if key == "method" {
				msg.Method = t.String()
			} else {
				msg.SessionID = t.String()
			}
		case "time", "timestamp":
			t, err := dec.ReadToken()
			if err != nil {
				return err
			}
			if t.Kind() == '0' {
				if key == "time" {
					msg.Time = t.Float()
				} else {
					wrappedTime = t.Float() / 1000 // ChromeDriver: milliseconds
				}
			}
		case "result":
			if msg.Method == "Network.getResponseBody" && dec.PeekKind() == '{' {
				if err := parseBodyResult(dec, off, msg); err != nil {
					return err
				}
				break
			}
			fallthrough
		case "params", "error", "message":
			v, err := dec.ReadValue()
			if err != nil {
				return err
			}
			switch key {
			case "params":
				msg.Params = v
			case "result":
				msg.Result = v
				msg.ResultOffset = -1
				if off >= 0 {
					msg.ResultOffset = off + dec.InputOffset() - int64(len(v))
				}
			case "error":
				msg.HasError = v.Kind() != 'n'
			case "message":
				wrapped = v
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return err
			}
		}
	}
	if msg.Method == "" && wrapped != nil {
		inner := []byte(wrapped)
		if wrapped[0] == '"' {
			u, err := jsontext.AppendUnquote(nil, wrapped)
			if err != nil {
				return err
			}
			inner = u
		}
		if len(bytes.TrimSpace(inner)) == 0 || bytes.TrimSpace(inner)[0] != '{' {
			return nil
		}
		// Copy: inner may alias raw, and the recursion reuses msg.
		inner = bytes.Clone(inner)
		*msg = logMessage{Line: msg.Line}
		if err := parseLogMessage(bytes.TrimSpace(inner), -1, msg); err != nil {
			return fmt.Errorf("wrapped message: %w", err)
		}
		if msg.Time == 0 {
			msg.Time = wrappedTime
		}
	}
	return nil
}

// parseBodyResult reads a Network.getResponseBody result object
// {"body"|"bodyFile", "base64Encoded"} from dec, noting where the body lies.
func parseBodyResult(dec *jsontext.Decoder, off int64, msg *logMessage) error {
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	msg.bodyParsed = true
	msg.Result = []byte{} // a result, read already
	msg.ResultOffset = -1
	msg.bodyOffset = -1
	for dec.PeekKind() != '}' {
		k, err := dec.ReadToken()
		if err != nil {
			return err
		}
		key := k.String()
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		switch key {
		case "body":
			if v.Kind() == '"' {
				msg.body = v
				if off >= 0 {
					msg.bodyOffset = off + dec.InputOffset() - int64(len(v))
				}
			}
		case "bodyFile":
			if v.Kind() == '"' {
				u, err := jsontext.AppendUnquote(nil, v)
				if err != nil {
					return err
				}
				msg.bodyFile = string(u)
			}
		case "base64Encoded":
			msg.bodyBase64 = v.Kind() == 't'
		}
	}
	_, err := dec.ReadToken()
	return err
}
