// Package native is the native-messaging host of the Reprokit extension: the
// framing (32-bit length + UTF-8 JSON), the versioned envelope and numbered
// errors of docs/PROTOCOL.md, and a dispatcher with one file per message type
// (msg_<type>.go) over the same capture, sanitize and bundle code as the CLI.
//
// Chrome starts the host with the caller's origin as an argument, talks on
// stdin/stdout, and kills the host 1–2 s after the port closes. So the host
// spools the recording as it arrives, finalizes on an explicit stop, and
// when the port closes without one it hands the spool to a detached child
// ([Options.Finisher]) that writes the bundle. The host never writes
// anything but frames to stdout; it logs to its [Options.Log].
package native

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/reprokit/reprokit/host/install"
	"github.com/reprokit/reprokit/host/version"
)

// ExtensionID is the ID of the Reprokit extension, pinned by the "key" in
// extension/manifest.json (extension/README.md says how it is derived).
const ExtensionID = "faopfiifgikcmfmcbomefbgdldblamae"

// Options configure [Serve].
type Options struct {
	// Origin is the caller's origin, the chrome-extension://ID/ argument
	// Chrome passes. Empty skips the check (tests that drive Serve directly).
	Origin string
	// AllowedIDs are the extension IDs the host serves; empty means
	// [ExtensionID]. REPROKIT_EXTENSION_IDS (comma-separated) adds more.
	AllowedIDs []string
	// OutDir is where bundles go. Empty means $REPROKIT_OUT_DIR, or
	// ~/Downloads/Reprokit.
	OutDir string
	// AutoSave skips the review after Stop and saves the bundle at once.
	// nil takes $REPROKIT_AUTO_SAVE=1 or the managed configuration's
	// autoSave; REPROKIT_OUT_DIR sets the output folder only.
	AutoSave *bool
	// SpoolBase is the parent of the private working directories; empty
	// means spool.DefaultBase.
	SpoolBase string
	// MaxFrame caps one incoming message; 0 means [DefaultMaxIncoming].
	MaxFrame int
	// Finisher finishes a recording whose port closed before it was saved:
	// it must start a process that outlives this one (Chrome kills the host)
	// and return at once. Nil finishes in this process, which Chrome may kill
	// midway; the next start then recovers the spool.
	Finisher func(spoolPath, outDir string) error
	// Open opens a file or folder for the user (open report, show file).
	// Nil uses the platform opener (xdg-open, open, explorer).
	Open func(path string) error
	// Log receives the host's log lines; nil logs to stderr.
	Log *log.Logger
	// Managed is the administrator's managed configuration; nil reads it
	// from the machine's browser policies (install.LoadManagedConfig).
	Managed *install.ManagedConfig
}

// Host serves one native-messaging port.
type Host struct {
	opts   Options
	out    *Writer
	log    *log.Logger
	outDir string
	auto   bool
	mp     machinePolicy
	debug  bool // REPROKIT_HOST_DEBUG: log the relay and the state changes

	mu     sync.Mutex
	helloV int // protocol version the extension said hello with; 0 before hello
	// locale is the popup's UI language (hello's locale, BCP 47): the
	// language of SUPPORT_REQUEST.md and the report.
	locale string
	rec    *session
	last   *State // the state of the last recording once it is over
	// recovered are the leftovers this host bundled at hello (the
	// "recovered" messages), apart from the port's recording.
	recovered []Recovered
}

// handler answers one message type. It returns the data of the reply, or an
// error (a *Error for a protocol error).
type handler struct {
	run func(h *Host, req Request) (any, error)
	// notify marks a message that gets no reply when it succeeds (the CDP
	// relay, tab events): the extension sends thousands of them.
	notify bool
	// beforeHello marks a message allowed before hello.
	beforeHello bool
}

var handlers = map[string]handler{}

// register adds a message type; each msg_<type>.go calls it from init.
func register(typ string, h handler) {
	if _, dup := handlers[typ]; dup {
		panic("native: message type registered twice: " + typ)
	}
	handlers[typ] = h
}

// EnvAutoSave names the variable that, set to 1, makes the host skip the
// review and save the bundle at once after Stop (automated runs).
const EnvAutoSave = "REPROKIT_AUTO_SAVE"

// DefaultOutDir returns where bundles go: $REPROKIT_OUT_DIR, or the user's
// Downloads folder under Reprokit.
func DefaultOutDir() string {
	if d := os.Getenv("REPROKIT_OUT_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "Reprokit")
	}
	return filepath.Join(home, "Downloads", "Reprokit")
}

// Serve runs the host on one port: it reads requests from r until the
// extension disconnects (end of r) and writes replies and host messages to
// w. It returns nil at a clean end of the port. When the port closes during
// a recording, Serve hands the spool to the finisher before it returns.
func Serve(ctx context.Context, r io.Reader, w io.Writer, opts Options) error {
	h := newHost(w, opts)
	if err := h.checkOrigin(); err != nil {
		h.out.Send(Message{Status: "error", Type: "hello", Code: err.Code, Params: err.Params})
		return err
	}
	h.log.Printf("serving %s (pid %d, protocol %d, bundles to %s)", h.opts.Origin, os.Getpid(), protocolVersion(), h.outDir)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	max := opts.MaxFrame
	if max <= 0 {
		max = DefaultMaxIncoming
	}
	for {
		frame, err := ReadFrame(r, max)
		var big *FrameTooLargeError
		switch {
		case err == nil:
			h.dispatch(ctx, frame)
			continue
		case errors.As(err, &big):
			h.log.Printf("refused a frame: %v", err)
			h.replyErr(Request{}, Errorf(CodeFrameTooLarge, "", "%v", err))
			continue
		}
		h.portClosed(ctx)
		if errors.Is(err, io.EOF) || errors.Is(err, ErrTruncated) || errors.Is(err, os.ErrClosed) {
			return nil
		}
		return fmt.Errorf("read from the browser: %w", err)
	}
}

func newHost(w io.Writer, opts Options) *Host {
	h := &Host{opts: opts, out: NewWriter(w), log: opts.Log}
	if h.log == nil {
		h.log = log.New(os.Stderr, "reprokit host: ", log.LstdFlags|log.Lmicroseconds)
	}
	h.debug = os.Getenv("REPROKIT_HOST_DEBUG") != ""
	h.mp = loadMachinePolicy(opts.Managed, h.log)
	h.outDir = opts.OutDir
	if h.outDir == "" {
		h.outDir = h.mp.outDir
	}
	if h.outDir == "" {
		h.outDir = DefaultOutDir()
	}
	// The output folder and skipping the review are two settings:
	// REPROKIT_OUT_DIR sets the folder only (issue 11).
	if opts.AutoSave != nil {
		h.auto = *opts.AutoSave
	} else {
		h.auto = os.Getenv(EnvAutoSave) == "1" || h.mp.autoSave
	}
	return h
}

// checkOrigin refuses a caller that is not an allowed extension.
func (h *Host) checkOrigin() *Error {
	if h.opts.Origin == "" {
		return nil
	}
	id := strings.TrimSuffix(strings.TrimPrefix(h.opts.Origin, "chrome-extension://"), "/")
	allowed := h.opts.AllowedIDs
	if len(allowed) == 0 {
		allowed = []string{ExtensionID}
	}
	if extra := os.Getenv("REPROKIT_EXTENSION_IDS"); extra != "" {
		allowed = append(allowed, strings.Split(extra, ",")...)
	}
	allowed = append(allowed, receiptExtensionIDs(install.DefaultEnv())...)
	for _, a := range allowed {
		if strings.TrimSpace(a) == id {
			return nil
		}
	}
	return Errorf(CodeOriginNotAllowed, "Install the Reprokit extension from your administrator, or add its ID to the host's allowed_origins with `reprokit install --extension-id ID`.",
		"origin %q is not an allowed extension", h.opts.Origin)
}

// receiptExtensionIDs returns the extension IDs that `reprokit install
// --extension-id` recorded in the user and system install receipts: a
// store-published copy whose ID differs from the pinned one.
func receiptExtensionIDs(e *install.Env) []string {
	var ids []string
	for _, scope := range []install.Scope{install.ScopeUser, install.ScopeSystem} {
		b, err := os.ReadFile(e.ReceiptPath(scope))
		if err != nil {
			continue
		}
		var r install.Receipt
		if json.Unmarshal(b, &r) == nil {
			ids = append(ids, r.ExtensionIDs...)
		}
	}
	return ids
}

// dispatch decodes one frame and runs its handler. Messages are handled in
// order; handlers of long work (start, stop, save) run it in the background
// so that the CDP relay never waits behind them.
func (h *Host) dispatch(ctx context.Context, frame []byte) {
	if !utf8.Valid(frame) {
		h.replyErr(Request{}, Errorf(CodeBadJSON, "", "the message is not valid UTF-8"))
		return
	}
	var req Request
	if err := json.Unmarshal(frame, &req); err != nil {
		h.replyErr(Request{}, Errorf(CodeBadJSON, "", "the message is not a JSON object: %v", err))
		return
	}
	if req.Type == "" {
		h.replyErr(req, Errorf(CodeBadJSON, "", "the message has no type"))
		return
	}
	hd, ok := handlers[req.Type]
	if !ok {
		h.replyErr(req, Errorf(CodeUnknownType, "Update the Reprokit host and extension to the same version.", "unknown message type %q", req.Type))
		return
	}
	if !hd.beforeHello {
		h.mu.Lock()
		said := h.helloV != 0
		h.mu.Unlock()
		if !said {
			h.replyErr(req, Errorf(CodeNeedHello, "", "send hello before %s", req.Type))
			return
		}
	}
	data, err := hd.run(h, req)
	if err != nil {
		h.replyErr(req, err)
		return
	}
	if hd.notify {
		return
	}
	if data == nil {
		data = struct{}{}
	}
	h.out.Send(Message{ID: req.ID, Type: req.Type, Data: data})
}

// replyErr answers req with an error; any error that is not a *Error is
// internal.
func (h *Host) replyErr(req Request, err error) {
	var pe *Error
	if !errors.As(err, &pe) {
		pe = Errorf(CodeInternal, "", "%v", err)
	}
	typ := req.Type
	if typ == "" {
		typ = "error"
	}
	h.out.Send(Message{Status: "error", ID: req.ID, Type: typ, Code: pe.Code, Params: pe.Params})
}

// decode unmarshals the data of req into v, or returns a CodeBadData error.
func decode(req Request, v any) error {
	if len(req.Data) == 0 {
		return nil
	}
	if err := json.Unmarshal(req.Data, v); err != nil {
		return Errorf(CodeBadData, "", "bad data for %s: %v", req.Type, err)
	}
	return nil
}

// protocolVersion is what hello compares.
func protocolVersion() int { return version.Protocol }
