package capture

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/spool"
)

// EventsFile is the name of the protocol log in a spool.
const EventsFile = "events.jsonl"

// ownIDBase is the first message id of the commands the recorder sends. chromedp
// counts from 1, so the two never meet, and Conn can swallow the replies to
// the recorder's commands before chromedp sees them. Chrome only accepts ids
// that fit in an int32 ("Message must have integer 'id' property" above
// 2^31-1), so the recorder's ids start at 2^30, not at 2^40.
const ownIDBase = 1 << 30

// bodyInlineLimit is the largest response body kept inline in the protocol
// log; a larger one goes to bodies/<n> as it arrives.
const bodyInlineLimit = 64 << 10

// ConnOptions configure [NewConn].
type ConnOptions struct {
	// Events, when set, receives a copy of every protocol log line with the
	// bodies inline: the raw log of `reprokit record --events FILE`. It is
	// unsanitized; the caller opens it 0600 and warns the user.
	Events io.Writer
}

// Conn is a [chromedp.Transport] that wraps another one (a pipe, a websocket
// or the extension bridge) and taps it: every event it reads is appended to
// the protocol log events.jsonl of a spool as it arrives, and the recorder can
// send its own commands to any session, including the auto-attached child
// sessions that chromedp ignores. The replies to those commands never reach
// chromedp; those the recorder asks for are logged with the command's method
// and params.
//
// A failed write to the log (a full disk) stops logging, keeps what was
// written, and closes [Conn.Failed]; the browser connection keeps working.
type Conn struct {
	tr  chromedp.Transport
	dir *spool.Dir

	wmu sync.Mutex // serializes writes to tr

	next    atomic.Int64
	pmu     sync.Mutex
	pending map[int64]*connCall

	lmu     sync.Mutex // guards the fields of the log below
	logFile *os.File
	log     *bufio.Writer
	// domFile and dom are the DOM events stream dom.jsonl, created with
	// its first batch.
	domFile *os.File
	dom     *bufio.Writer
	tee     io.Writer
	bodyN   int
	paused  bool
	written int64
	logErr  error
	failed  chan struct{}
	closed  bool

	hook atomic.Pointer[func(*cdproto.Message)]

	gone    chan struct{} // closed when the transport fails or closes
	goneErr error
	gonce   sync.Once

	stopFlush chan struct{}
}

// call is a command the recorder sent and whose reply it waits for.
type connCall struct {
	method  string
	params  []byte
	session target.SessionID
	log     bool
	done    func(result jsonv2.Value, err error)
}

// NewConn wraps tr and starts the protocol log events.jsonl in dir. Close
// the Conn (chromedp does when the browser goes away) to flush the log.
func NewConn(tr chromedp.Transport, dir *spool.Dir, opts ConnOptions) (*Conn, error) {
	f, err := dir.Create(EventsFile)
	if err != nil {
		return nil, fmt.Errorf("start the protocol log: %w", err)
	}
	c := &Conn{
		tr:        tr,
		dir:       dir,
		pending:   map[int64]*connCall{},
		logFile:   f,
		log:       bufio.NewWriterSize(f, 256<<10),
		tee:       opts.Events,
		failed:    make(chan struct{}),
		gone:      make(chan struct{}),
		stopFlush: make(chan struct{}),
	}
	c.next.Store(ownIDBase)
	go c.flushLoop()
	return c, nil
}

// flushLoop flushes the log twice a second, so that a killed process loses
// at most half a second of events.
func (c *Conn) flushLoop() {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-c.stopFlush:
			return
		case <-t.C:
			c.Flush()
		}
	}
}

// Flush writes the buffered log lines to the file and syncs nothing more:
// the file is complete up to the last line once Flush returns nil.
func (c *Conn) Flush() error {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	if c.logErr != nil || c.closed {
		return c.logErr
	}
	if err := c.log.Flush(); err != nil {
		c.failLocked(err)
	}
	if c.dom != nil && c.logErr == nil {
		if err := c.dom.Flush(); err != nil {
			c.failLocked(err)
		}
	}
	if f, ok := c.tee.(interface{ Flush() error }); ok {
		f.Flush()
	}
	return c.logErr
}

// failLocked records the first write error of the log and stops logging.
func (c *Conn) failLocked(err error) {
	if c.logErr != nil {
		return
	}
	c.logErr = fmt.Errorf("writing the protocol log %s: %w (free some disk space; everything before this point is kept)", c.dir.Join(EventsFile), err)
	close(c.failed)
}

// Failed is closed when a write to the protocol log failed; [Conn.Err] says why.
func (c *Conn) Failed() <-chan struct{} { return c.failed }

// Gone is closed when the browser connection is lost or closed.
func (c *Conn) Gone() <-chan struct{} { return c.gone }

// Err returns the log write error, or the error that ended the browser
// connection, or nil.
func (c *Conn) Err() error {
	c.lmu.Lock()
	err := c.logErr
	c.lmu.Unlock()
	if err != nil {
		return err
	}
	select {
	case <-c.gone:
		return c.goneErr
	default:
		return nil
	}
}

// logError returns the error that stopped the log, or nil.
func (c *Conn) logError() error {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	return c.logErr
}

// Written returns the number of bytes written to the protocol log and the
// body files so far: the size of the recording in the spool.
func (c *Conn) Written() int64 {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	return c.written
}

// SetPaused stops (true) or restarts (false) the logging of events. The
// recorder marks the gap with Reprokit.pause and Reprokit.resume records.
func (c *Conn) SetPaused(p bool) {
	c.lmu.Lock()
	c.paused = p
	c.lmu.Unlock()
}

func (c *Conn) setHook(fn func(*cdproto.Message)) {
	if fn == nil {
		c.hook.Store(nil)
		return
	}
	c.hook.Store(&fn)
}

func (c *Conn) setGone(err error) {
	c.gonce.Do(func() {
		c.goneErr = err
		close(c.gone)
		// Fail the commands still waiting for a reply.
		c.pmu.Lock()
		p := c.pending
		c.pending = map[int64]*connCall{}
		c.pmu.Unlock()
		for _, cl := range p {
			if cl.done != nil {
				cl.done(nil, fmt.Errorf("%s: %w", cl.method, errConnGone))
			}
		}
	})
}

var errConnGone = errors.New("the browser connection is gone")

// Read satisfies [chromedp.Transport]. It logs each event and swallows the
// replies to the recorder's own commands.
func (c *Conn) Read(ctx context.Context, msg *cdproto.Message) error {
	for {
		m := new(cdproto.Message)
		if err := c.tr.Read(ctx, m); err != nil {
			c.setGone(err)
			return err
		}
		now := time.Now()
		if m.ID >= ownIDBase {
			c.reply(now, m)
			continue
		}
		if m.Method != "" {
			c.logEvent(now, m)
			if h := c.hook.Load(); h != nil {
				(*h)(m)
			}
		}
		*msg = *m
		return nil
	}
}

// Write satisfies [chromedp.Transport].
func (c *Conn) Write(ctx context.Context, msg *cdproto.Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.tr.Write(ctx, msg)
}

// Close satisfies [chromedp.Transport]: it closes the wrapped transport and
// flushes and closes the protocol log.
func (c *Conn) Close() error {
	err := c.tr.Close()
	c.setGone(io.EOF)
	c.closeLog()
	return err
}

func (c *Conn) closeLog() {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	close(c.stopFlush)
	if c.logErr == nil {
		if err := c.log.Flush(); err != nil {
			c.failLocked(err)
		}
	}
	if err := c.logFile.Close(); err != nil && c.logErr == nil {
		c.failLocked(err)
	}
	if c.dom != nil {
		if c.logErr == nil {
			if err := c.dom.Flush(); err != nil {
				c.failLocked(err)
			}
		}
		if err := c.domFile.Close(); err != nil && c.logErr == nil {
			c.failLocked(err)
		}
	}
	if f, ok := c.tee.(interface{ Flush() error }); ok {
		f.Flush()
	}
}

// Send sends the command method with params (a cdproto params struct, a map
// or nil) to the session (empty: the browser) without waiting. done, when
// set, gets the result. With log set, the reply is written to the protocol
// log with the command's method and params.
func (c *Conn) Send(session target.SessionID, method string, params any, log bool, done func(result jsonv2.Value, err error)) {
	var raw []byte
	if params != nil {
		var err error
		if raw, err = jsonv2.Marshal(params, chromedp.DefaultMarshalOptions); err != nil {
			if done != nil {
				done(nil, fmt.Errorf("%s: encode the params: %w", method, err))
			}
			return
		}
	}
	select {
	case <-c.gone:
		if done != nil {
			done(nil, fmt.Errorf("%s: %w", method, errConnGone))
		}
		return
	default:
	}
	id := c.next.Add(1)
	c.pmu.Lock()
	c.pending[id] = &connCall{method: method, params: raw, session: session, log: log, done: done}
	c.pmu.Unlock()
	var err error
	select {
	case <-c.gone:
		// The connection went away after the check above, and setGone
		// may have failed the pending calls before this one was added.
		err = errConnGone
	default:
		err = c.Write(context.Background(), &cdproto.Message{ID: id, SessionID: session, Method: cdproto.MethodType(method), Params: raw})
	}
	if err != nil {
		c.pmu.Lock()
		cl, ok := c.pending[id]
		delete(c.pending, id)
		c.pmu.Unlock()
		if ok && cl.done != nil {
			cl.done(nil, fmt.Errorf("%s: %w", method, err))
		}
	}
}

// Call sends the command and waits for its result (or ctx, or the loss of
// the connection). See [Conn.Send].
func (c *Conn) Call(ctx context.Context, session target.SessionID, method string, params any, log bool) (jsonv2.Value, error) {
	type reply struct {
		res jsonv2.Value
		err error
	}
	ch := make(chan reply, 1)
	c.Send(session, method, params, log, func(res jsonv2.Value, err error) { ch <- reply{res, err} })
	select {
	case r := <-ch:
		return r.res, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Session returns a [cdp.Session] that sends commands to the session through
// the Conn, for use with the typed [cdp.Call]. It cannot subscribe to events.
func (c *Conn) Session(id target.SessionID) cdp.Session { return connSession{c, id} }

type connSession struct {
	c  *Conn
	id target.SessionID
}

func (s connSession) Call(ctx context.Context, method string, params, res any) error {
	raw, err := s.c.Call(ctx, s.id, method, params, false)
	if err != nil || res == nil || len(raw) == 0 {
		return err
	}
	return jsonv2.Unmarshal(raw, res, chromedp.DefaultUnmarshalOptions)
}

func (s connSession) Subscribe(string) (<-chan jsonv2.Value, func()) {
	ch := make(chan jsonv2.Value)
	close(ch)
	return ch, func() {}
}

// reply routes the reply to one of the recorder's commands.
func (c *Conn) reply(now time.Time, m *cdproto.Message) {
	c.pmu.Lock()
	cl, ok := c.pending[m.ID]
	delete(c.pending, m.ID)
	c.pmu.Unlock()
	if !ok {
		return
	}
	if cl.log {
		c.logResult(now, cl, m)
	}
	if cl.done != nil {
		if m.Error != nil {
			cl.done(nil, fmt.Errorf("%s: %w", cl.method, m.Error))
		} else {
			cl.done(m.Result, nil)
		}
	}
}

// line starts a log line with time and method.
func logLineStart(now time.Time, method string, session target.SessionID) *bytes.Buffer {
	b := new(bytes.Buffer)
	b.WriteString(`{"time":`)
	b.WriteString(strconv.FormatFloat(float64(now.UnixMicro())/1e6, 'f', 6, 64))
	b.WriteString(`,"method":`)
	logQuote(b, method)
	if session != "" {
		b.WriteString(`,"sessionId":`)
		logQuote(b, string(session))
	}
	return b
}

func logQuote(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}

// logRaw appends a raw JSON value, compacted when it spans lines, so that
// the log stays one message per line.
func logRaw(b *bytes.Buffer, raw []byte) {
	if len(raw) == 0 {
		b.WriteString("null")
		return
	}
	if bytes.IndexByte(raw, '\n') >= 0 {
		if err := json.Compact(b, raw); err == nil {
			return
		}
		b.WriteString("null")
		return
	}
	b.Write(raw)
}

func (c *Conn) logEvent(now time.Time, m *cdproto.Message) {
	c.lmu.Lock()
	paused := c.paused
	c.lmu.Unlock()
	if paused && !logLifecycleEvent(string(m.Method)) {
		return
	}
	if m.Method == "Page.screencastFrame" {
		return // the recorder keeps the frames it wants as files and records
	}
	if m.Method == "Runtime.bindingCalled" && bytes.Contains(m.Params, domBindingName) {
		return // the recorder writes the DOM batches to dom.jsonl
	}
	b := logLineStart(now, string(m.Method), m.SessionID)
	b.WriteString(`,"params":`)
	logRaw(b, m.Params)
	b.WriteString("}\n")
	c.writeLine(b.Bytes(), b.Bytes())
}

// logLifecycleEvent reports the events logged even while paused: without them
// the builder cannot tell which session is which.
func logLifecycleEvent(method string) bool {
	switch method {
	case "Target.attachedToTarget", "Target.detachedFromTarget", "Target.targetCreated",
		"Target.targetDestroyed", "Target.targetCrashed", "Target.targetInfoChanged", "Inspector.detached":
		return true
	}
	return false
}

func (c *Conn) logResult(now time.Time, cl *connCall, m *cdproto.Message) {
	b := logLineStart(now, cl.method, cl.session)
	b.WriteString(`,"params":`)
	if len(cl.params) == 0 {
		b.WriteString("{}")
	} else {
		logRaw(b, cl.params)
	}
	head := b.Len()
	if m.Error != nil {
		e, _ := json.Marshal(m.Error)
		b.WriteString(`,"error":`)
		b.Write(e)
		b.WriteString("}\n")
		c.writeLine(b.Bytes(), b.Bytes())
		return
	}
	b.WriteString(`,"result":`)
	logRaw(b, m.Result)
	b.WriteString("}\n")
	full := b.Bytes()
	if cl.method != "Network.getResponseBody" || len(m.Result) <= bodyInlineLimit {
		c.writeLine(full, full)
		return
	}
	// A large body goes to its own file; the log line points to it.
	var res struct {
		Body          string `json:"body"`
		Base64Encoded bool   `json:"base64Encoded"`
	}
	if err := json.Unmarshal(m.Result, &res); err != nil {
		c.writeLine(full, full)
		return
	}
	name, err := c.writeBody(res.Body, res.Base64Encoded)
	if err != nil {
		c.writeLine(nil, full) // the tee still gets it
		return
	}
	short := bytes.NewBuffer(full[:head:head])
	fmt.Fprintf(short, `,"result":{"bodyFile":%q,"base64Encoded":%t,"size":%d}}`+"\n", name, res.Base64Encoded, len(res.Body))
	c.writeLine(short.Bytes(), full)
}

// writeBody stores one large body as bodies/<n>: the body's bytes (decoded
// from base64 when base64Encoded; the flag then says the body is binary).
func (c *Conn) writeBody(body string, b64 bool) (string, error) {
	data := []byte(body)
	if b64 {
		dec, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return "", err
		}
		data = dec
	}
	c.lmu.Lock()
	if c.logErr != nil || c.closed {
		err := c.logErr
		c.lmu.Unlock()
		if err == nil {
			err = errors.New("log closed")
		}
		return "", err
	}
	c.bodyN++
	name := "bodies/" + strconv.Itoa(c.bodyN)
	c.lmu.Unlock()
	f, err := c.dir.Create(name)
	if err == nil {
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	c.lmu.Lock()
	defer c.lmu.Unlock()
	if err != nil {
		os.Remove(c.dir.Join(name))
		c.failLocked(err)
		return "", err
	}
	c.written += int64(len(data))
	return name, nil
}

// writeLine appends a line to the log (when spooled is set) and to the tee.
func (c *Conn) writeLine(spooled, full []byte) {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	if c.closed {
		return
	}
	if c.tee != nil && full != nil {
		c.tee.Write(full)
	}
	if c.logErr != nil || spooled == nil {
		return
	}
	if _, err := c.log.Write(spooled); err != nil {
		c.failLocked(err)
		return
	}
	c.written += int64(len(spooled))
}

// domBindingName is how the name of [DOMBinding] appears in the params of a
// Runtime.bindingCalled event; inside the payload string quotes are
// escaped, so only the name field matches.
var domBindingName = []byte(`"name":"` + DOMBinding + `"`)

// WriteDOM appends one line to the DOM events stream [DOMFile] of the
// spool, creating it with the first line. It fails like the protocol log
// does: a failed write stops both and closes [Conn.Failed].
func (c *Conn) WriteDOM(line []byte) error {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	if c.closed {
		return errors.New("the recording's log is closed")
	}
	if c.logErr != nil {
		return c.logErr
	}
	if c.dom == nil {
		f, err := c.dir.Create(DOMFile)
		if err != nil {
			c.failLocked(err)
			return c.logErr
		}
		c.domFile, c.dom = f, bufio.NewWriterSize(f, 256<<10)
	}
	if _, err := c.dom.Write(line); err != nil {
		c.failLocked(err)
		return c.logErr
	}
	c.written += int64(len(line))
	return nil
}

// Record appends a Reprokit record (method in the Reprokit. namespace, e.g.
// "Reprokit.screenshot") with params to the protocol log. Records are written
// while paused too.
func (c *Conn) Record(method string, session target.SessionID, params any) error {
	p, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("encode the %s record: %w", method, err)
	}
	b := logLineStart(time.Now(), method, session)
	b.WriteString(`,"params":`)
	b.Write(p)
	b.WriteString("}\n")
	c.writeLine(b.Bytes(), b.Bytes())
	c.lmu.Lock()
	defer c.lmu.Unlock()
	return c.logErr
}
