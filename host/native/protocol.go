package native

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/reprokit/reprokit/host/version"
)

// Request is one message from the extension: a type, an optional id that the
// host's reply carries back, and the data of the type (docs/PROTOCOL.md).
type Request struct {
	ID   int64           `json:"id,omitempty"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Message is one message from the host: a reply to a request (with its id),
// or a message the host starts itself (no id: state, cdp.send, chunk).
// Status is "ok" with Data, or "error" with Code and Params.
type Message struct {
	Status  string `json:"status"`
	Version int    `json:"version"`
	ID      int64  `json:"id,omitempty"`
	Type    string `json:"type"`
	Data    any    `json:"data,omitempty"`
	Code    Code   `json:"code,omitempty"`
	Params  any    `json:"params,omitempty"`
}

// Code is a numbered protocol error. The numbers are part of the protocol:
// never renumber; add new codes at the end of their group.
type Code int

// The error codes of docs/PROTOCOL.md. Every error reply carries params with
// at least "message" (English, for logs) and, where the user can act, "fix".
const (
	CodeFrameTooLarge    Code = 1  // an incoming frame over the cap
	CodeBadJSON          Code = 2  // not UTF-8 JSON, or not an object with a type
	CodeUnknownType      Code = 3  // the host does not know the type
	CodeBadData          Code = 4  // the data of a known type is malformed
	CodeVersionMismatch  Code = 5  // hello: extension and host speak different protocol versions
	CodeOriginNotAllowed Code = 6  // the caller is not an allowed extension
	CodeNeedHello        Code = 7  // a request came before hello
	CodeBusy             Code = 10 // a recording is already running or being saved
	CodeNotRecording     Code = 11 // stop/pause/screenshot/note without a recording
	CodeCannotRecordPage Code = 12 // chrome://, the Web Store and other pages Chrome protects
	CodeAttachFailed     Code = 13 // the recording could not start on the tab
	CodeTabClosed        Code = 14 // the recorded tab was closed (the recording was kept)
	CodeCancelledByUser  Code = 15 // cancelled from Chrome's debugging bar (the recording was kept)
	CodeNothingToReview  Code = 20 // save/discard without a finished recording
	CodeSaveFailed       Code = 21 // finalizing or writing the bundle failed
	CodeSecretsFound     Code = 22 // the sanitized bundle still held a detected secret (fail closed)
	CodeOpenFailed       Code = 23 // open report / show file failed
	CodeInternal         Code = 30 // a bug: the message says what failed
)

// Error is a protocol error: a code and its params. Handlers return it to
// answer a request with {"status":"error"}.
type Error struct {
	Code   Code
	Params map[string]any
}

// Error gives the code and the English message, for logs.
func (e *Error) Error() string {
	if m, ok := e.Params["message"].(string); ok {
		return fmt.Sprintf("error %d: %s", e.Code, m)
	}
	return "error " + strconv.Itoa(int(e.Code))
}

// Errorf makes a protocol error with a message and an optional fix the popup
// shows to the user.
func Errorf(code Code, fix string, format string, a ...any) *Error {
	p := map[string]any{"message": fmt.Sprintf(format, a...)}
	if fix != "" {
		p["fix"] = fix
	}
	return &Error{Code: code, Params: p}
}

// chunkPart is the size of the pieces of a split message. A piece travels
// as a JSON string, where quotes and backslashes double: 400 KiB of the
// serialized message stays under 1 MiB with its envelope in the worst case.
const chunkPart = 400 << 10

// Writer writes host messages as frames, one at a time from any goroutine,
// and splits a message over [MaxOutgoing] into "chunk" messages that the
// extension joins (docs/PROTOCOL.md, "Chunks").
type Writer struct {
	mu     sync.Mutex
	w      io.Writer
	nextID int64
	err    error
}

// NewWriter returns a Writer on w (the host's stdout).
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Send writes m with the envelope fields Status (default "ok") and Version
// set. After a write error every later Send returns that error: the port is
// gone.
func (w *Writer) Send(m Message) error {
	if m.Status == "" {
		m.Status = "ok"
	}
	m.Version = version.Protocol
	buf, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s message: %w", m.Type, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if len(buf) <= MaxOutgoing {
		w.err = WriteFrame(w.w, buf)
		return w.err
	}
	w.nextID++
	parts := splitUTF8(buf, chunkPart)
	for i, p := range parts {
		c, err := json.Marshal(Message{Status: "ok", Version: version.Protocol, Type: "chunk", Data: chunk{
			Msg: w.nextID, Index: i, Count: len(parts), Part: string(p),
		}})
		if err != nil {
			return err
		}
		if w.err = WriteFrame(w.w, c); w.err != nil {
			return w.err
		}
	}
	return nil
}

// chunk is one piece of a split message: the pieces of message Msg, joined
// in Index order, are the JSON text of the whole message.
type chunk struct {
	Msg   int64  `json:"msg"`
	Index int    `json:"index"`
	Count int    `json:"count"`
	Part  string `json:"part"`
}

// splitUTF8 cuts b into pieces of at most n bytes, never inside a UTF-8
// sequence (each piece must survive as a JSON string).
func splitUTF8(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(b[cut]) {
			cut--
		}
		out = append(out, b[:cut])
		b = b[cut:]
	}
	return append(out, b)
}
