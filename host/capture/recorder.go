package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chromedp/cdproto"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/target"

	"github.com/reprokit/reprokit/host/sanitize"
	"github.com/reprokit/reprokit/host/spool"
)

// Buffer sizes of Network.enable: large enough that Chrome keeps the bodies
// of a long session until the recorder has fetched them.
const (
	maxTotalBufferSize    = 512 << 20
	maxResourceBufferSize = 100 << 20
)

// Options configure a [Recorder].
type Options struct {
	// JPEGQuality, between 1 and 100, makes screenshots JPEG of that quality;
	// 0 makes them PNG.
	JPEGQuality int
	// Screencast records a low-rate, masked frame stream into screencast/.
	// The mask style stays on in the page while it runs.
	Screencast bool
	// NoDOM turns the DOM session replay off. By default rrweb records
	// every frame of the recorded pages into dom.jsonl ([DOMFile]), masked
	// as DOM says.
	NoDOM bool
	// DOM are the privacy settings of the DOM session replay.
	DOM DOMOptions
	// Mode is "launch", "attach" or "extension", for the environment record.
	Mode string
	// TabTarget is the target ID of the recorded tab; when empty, Start asks
	// the tab with Target.getTargetInfo.
	TabTarget target.ID
	// BrowserTargets auto-attaches, at the browser level, to the pages that
	// the recorded pages open (popups, SSO windows, new tabs) so that they
	// are recorded from their first request. It needs the browser session,
	// which launch and attach mode have and extension mode has not.
	BrowserTargets bool
	// SharedWorkers also records every shared worker and service worker of
	// the browser (launch mode, where the whole browser is the recording's).
	SharedWorkers bool
	// ProxyServer and ProxyBypass are the browser's proxy flags, if any,
	// for the environment record.
	ProxyServer, ProxyBypass string
	// Logf receives warnings for the user (stderr); nil drops them.
	Logf func(format string, args ...any)
	// Policy is the sanitizer policy whose free-text detectors decide what
	// a screenshot paints over (its patterns and disabled detectors
	// included); nil is [sanitize.DefaultPolicy].
	Policy *sanitize.Policy
	// MaxSize, when positive, bounds what the recording holds in the
	// spool: a response body that would take it over is not fetched, and
	// [Recorder.LimitReached] is closed once it is reached, for the caller
	// to stop.
	MaxSize int64
}

// Stats are the live figures of a recording.
type Stats struct {
	Elapsed     time.Duration
	Requests    int   // requests sent, one per redirect hop
	Failed      int   // network failures and HTTP statuses of 400 and more
	Bytes       int64 // bytes received from the network (encoded sizes)
	Screenshots int
	// SpoolBytes is what the recording occupies in the spool so far: the
	// protocol log, bodies, screenshots and frames.
	SpoolBytes int64
	Paused     bool
}

// ErrTabClosed is the error of a recording whose tab was closed or detached.
var ErrTabClosed = errors.New("the recorded tab was closed")

// ErrTabCrashed is the error of a recording whose tab's renderer crashed.
var ErrTabCrashed = errors.New("the recorded tab crashed")

// ErrBrowserGone is the error of a recording whose browser connection was
// lost: the browser was closed or crashed.
var ErrBrowserGone = errors.New("the browser closed or crashed")

// Recorder records one tab and everything it opens (frames, workers,
// popups) through a [Conn] into a spool. Make one with [Start]; end it with
// [Recorder.Stop].
type Recorder struct {
	conn  *Conn
	dir   *spool.Dir
	opts  Options
	tab   target.SessionID
	tabID target.ID
	start time.Time

	mu       sync.Mutex
	sessions map[target.SessionID]*recSession
	targets  map[target.ID]target.SessionID
	stats    Stats
	// live counts requests and failures as the HAR will (see liveCount).
	live *liveCount
	// failedIDs are the requests (session + id) that failed and whose
	// loadingFinished (Chrome's error page) has not come yet.
	failedIDs map[string]struct{}
	// unread are the fetch/XHR responses that arrived and have not
	// finished: a body the page never reads gets no loadingFinished, so
	// Stop asks for it.
	unread map[string]*unreadResponse
	// early are the fetch/XHR bodies asked for as soon as their last byte
	// arrived, before any loadingFinished: see [Recorder.onBodyData].
	early    map[string]*earlyBody
	paused   bool
	mainURL  string
	shotSeq  int
	shots    []ScreenshotInfo
	frames   []ScreenshotInfo
	lastCast time.Time
	// castBusy: a kept screencast frame is being masked; casting counts
	// those in flight, for Stop to wait.
	castBusy bool
	casting  sync.WaitGroup
	// noTextMask leaves flagged text unpainted: only the benchmark's
	// baseline sets it (export_test.go), never an option.
	noTextMask bool
	matcher    *sanitize.TextMatcher // the screen's detectors (Options.Policy)
	stopped    bool
	// domSource is the DOM recorder injected into every frame ("" when
	// off); domWarned says its page error was reported once.
	domSource string
	domWarned bool
	domSync   chan struct{} // closed when the queue reaches flushDOM's marker

	queueMu sync.Mutex
	queueC  *sync.Cond
	queue   []*cdproto.Message
	qclosed bool

	shotReq    chan shotRequest
	shotClosed bool // guarded by mu
	bodies     sync.WaitGroup
	procDone   chan struct{}
	shotDone   chan struct{}
	watchDone  chan struct{}

	// envCtx ends the environment's retries at stop; envDone is closed
	// once its record is written.
	envCtx    context.Context
	envCancel context.CancelFunc
	envDone   chan struct{}

	// shotCtx bounds every screenshot; Stop cancels it once the stop
	// screenshot is taken or given up, so a stalled capture never holds
	// Stop longer than [shotTimeout].
	shotCtx    context.Context
	shotCancel context.CancelFunc

	limit     chan struct{}
	limitOnce sync.Once

	done     chan struct{}
	doneErr  error
	doneOnce sync.Once
	stopOnce sync.Once
	stopErr  error
}

type recSession struct {
	targetID target.ID
	typ      string
	parent   target.SessionID
	url      string
}

// popup returns the session of a page the recorded pages opened, nil for
// any other session. r.mu is held.
func (r *Recorder) popup(sid target.SessionID) *recSession {
	if si := r.sessions[sid]; si != nil && si.typ == "page" && si.parent == "" && sid != r.tab {
		return si
	}
	return nil
}

// Start starts recording the tab whose flattened CDP session is tab: it
// enables the Network (with large buffers), Page, Runtime and Log domains,
// auto-attaches to the tab's frames and workers (recursively, paused until
// they are set up), injects the step script and its binding, and writes the
// environment record. Events that arrive through conn are logged from then
// on. ctx bounds the set-up only.
func Start(ctx context.Context, conn *Conn, tab target.SessionID, dir *spool.Dir, opts Options) (*Recorder, error) {
	if opts.JPEGQuality < 0 || opts.JPEGQuality > 100 {
		return nil, fmt.Errorf("JPEG quality %d is out of range: give 1 to 100, or 0 for PNG", opts.JPEGQuality)
	}
	r := &Recorder{
		conn:      conn,
		dir:       dir,
		opts:      opts,
		tab:       tab,
		tabID:     opts.TabTarget,
		start:     time.Now(),
		sessions:  map[target.SessionID]*recSession{},
		targets:   map[target.ID]target.SessionID{},
		failedIDs: map[string]struct{}{},
		live:      newLiveCount(),
		unread:    map[string]*unreadResponse{},
		early:     map[string]*earlyBody{},
		shotReq:   make(chan shotRequest, 16),
		done:      make(chan struct{}),
		limit:     make(chan struct{}),
		procDone:  make(chan struct{}),
		shotDone:  make(chan struct{}),
		watchDone: make(chan struct{}),
	}
	if !opts.NoDOM {
		r.domSource = domScript(opts.DOM)
	}
	r.matcher = screenMatcher()
	if opts.Policy != nil {
		r.matcher = sanitize.NewTextMatcher(opts.Policy)
	}
	r.queueC = sync.NewCond(&r.queueMu)
	r.envCtx, r.envCancel = context.WithCancel(context.Background())
	r.envDone = make(chan struct{})
	r.shotCtx, r.shotCancel = context.WithCancel(context.Background())
	// The tab's target and the document it shows when the recording
	// begins (console messages logged on it before any navigation are
	// attributed to it).
	res, err := conn.Call(ctx, tab, "Target.getTargetInfo", nil, false)
	var info struct {
		TargetInfo struct {
			TargetID target.ID `json:"targetId"`
			URL      string    `json:"url"`
		} `json:"targetInfo"`
	}
	if err == nil {
		err = json.Unmarshal(res, &info)
	}
	if r.tabID == "" {
		if err != nil {
			return nil, fmt.Errorf("identify the recorded tab: %w", err)
		}
		if info.TargetInfo.TargetID == "" {
			return nil, fmt.Errorf("identify the recorded tab: unexpected reply %s", res)
		}
		r.tabID = info.TargetInfo.TargetID
	}
	tabURL := info.TargetInfo.URL
	r.sessions[tab] = &recSession{targetID: r.tabID, typ: "page"}
	r.targets[r.tabID] = tab

	conn.setHook(r.enqueue)
	go r.processLoop()
	go r.shotLoop()
	go r.watchConn()

	tabInfo := map[string]any{"sessionId": tab, "targetId": r.tabID, "type": "page", "recordedTab": true}
	if tabURL != "" {
		tabInfo["url"] = tabURL
	}
	conn.Record("Reprokit.targetInfo", tab, tabInfo)
	if err := r.setupTab(ctx); err != nil {
		r.envCancel()
		close(r.envDone)
		r.finish(err)
		r.shutdown()
		return nil, err
	}
	go r.writeEnvironment()
	return r, nil
}

// setupTab enables the domains of the recorded tab and waits for each, so
// that nothing the page does afterwards is missed.
func (r *Recorder) setupTab(ctx context.Context) error {
	must := func(method string, params any) error {
		if _, err := r.conn.Call(ctx, r.tab, method, params, false); err != nil {
			return fmt.Errorf("start recording the tab: %w", err)
		}
		return nil
	}
	if err := must("Network.enable", map[string]any{
		"maxTotalBufferSize": maxTotalBufferSize, "maxResourceBufferSize": maxResourceBufferSize,
		"enableDurableMessages": true,
	}); err != nil {
		// Older browsers do not know durable messages.
		if err := must("Network.enable", map[string]any{
			"maxTotalBufferSize": maxTotalBufferSize, "maxResourceBufferSize": maxResourceBufferSize,
		}); err != nil {
			return err
		}
	}
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
		if err := must(m, nil); err != nil {
			return err
		}
	}
	if err := must("Runtime.addBinding", map[string]any{"name": StepBinding}); err != nil {
		return err
	}
	if err := must("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": stepScript, "runImmediately": true}); err != nil {
		return err
	}
	if r.opts.Screencast {
		if err := must("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": screencastMaskScript, "runImmediately": true}); err != nil {
			return err
		}
	}
	if r.domSource != "" {
		// The binding before the script: a document that starts in
		// between finds it in place.
		if err := must("Runtime.addBinding", map[string]any{"name": DOMBinding}); err != nil {
			return err
		}
		if err := must("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": r.domSource, "runImmediately": true}); err != nil {
			return err
		}
	}
	if err := must("Target.setAutoAttach", map[string]any{"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}); err != nil {
		return err
	}
	if r.opts.BrowserTargets {
		if _, err := r.conn.Call(ctx, "", "Target.setAutoAttach", map[string]any{"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}, false); err != nil {
			r.warnf("popups will not be recorded: %v", err)
		}
	}
	if r.opts.Screencast {
		if err := r.startScreencast(ctx); err != nil {
			r.warnf("no screencast: %v", err)
		}
	}
	return nil
}

func (r *Recorder) warnf(format string, args ...any) {
	if r.opts.Logf != nil {
		r.opts.Logf(format, args...)
	}
}

// enqueue is the Conn's hook: it runs in the read loop of the connection,
// so it only queues the message.
func (r *Recorder) enqueue(m *cdproto.Message) {
	r.queueMu.Lock()
	if !r.qclosed {
		r.queue = append(r.queue, m)
		r.queueC.Signal()
	}
	r.queueMu.Unlock()
}

func (r *Recorder) processLoop() {
	defer close(r.procDone)
	for {
		r.queueMu.Lock()
		for len(r.queue) == 0 && !r.qclosed {
			r.queueC.Wait()
		}
		if len(r.queue) == 0 && r.qclosed {
			r.queueMu.Unlock()
			return
		}
		batch := r.queue
		r.queue = nil
		r.queueMu.Unlock()
		for _, m := range batch {
			r.handle(m)
		}
		r.checkLimit()
	}
}

// watchConn ends the recording when the browser connection is lost or the
// log cannot be written.
func (r *Recorder) watchConn() {
	defer close(r.watchDone)
	select {
	case <-r.conn.Gone():
		r.finish(fmt.Errorf("%w: %v", ErrBrowserGone, r.conn.goneErr))
	case <-r.conn.Failed():
		r.finish(r.conn.Err())
	case <-r.done:
	}
}

// finish marks the recording as ended by err (once).
func (r *Recorder) finish(err error) {
	r.doneOnce.Do(func() {
		r.doneErr = err
		close(r.done)
	})
}

// LimitReached is closed once the recording holds [Options.MaxSize] bytes
// (or a body that would take it over arrived and was left out).
func (r *Recorder) LimitReached() <-chan struct{} { return r.limit }

func (r *Recorder) reachLimit() { r.limitOnce.Do(func() { close(r.limit) }) }

// checkLimit closes LimitReached when the spool holds MaxSize bytes.
func (r *Recorder) checkLimit() {
	if r.opts.MaxSize > 0 && r.Stats().SpoolBytes >= r.opts.MaxSize {
		r.reachLimit()
	}
}

// Done is closed when the recording ended by itself: the tab was closed or
// detached, the browser crashed or closed, or the log could not be written.
// [Recorder.Err] says which. Call [Recorder.Stop] then too.
func (r *Recorder) Done() <-chan struct{} { return r.done }

// Err returns why the recording ended by itself, or nil.
func (r *Recorder) Err() error {
	select {
	case <-r.done:
		return r.doneErr
	default:
		return nil
	}
}

// Stats returns the live figures of the recording.
func (r *Recorder) Stats() Stats {
	r.mu.Lock()
	s := r.stats
	s.Paused = r.paused
	r.mu.Unlock()
	s.Elapsed = time.Since(r.start)
	s.SpoolBytes += r.conn.Written()
	return s
}

// Pause stops logging events until [Recorder.Resume]; the gap is marked with
// a Reprokit.pause record. Bodies of requests that finish while paused are
// not fetched.
func (r *Recorder) Pause() {
	r.mu.Lock()
	was := r.paused
	r.paused = true
	r.mu.Unlock()
	if !was {
		r.conn.Record("Reprokit.pause", "", map[string]any{})
		r.conn.SetPaused(true)
	}
}

// Resume restarts logging after [Recorder.Pause], with a Reprokit.resume record.
func (r *Recorder) Resume() {
	r.mu.Lock()
	was := r.paused
	r.paused = false
	r.mu.Unlock()
	if was {
		r.conn.SetPaused(false)
		r.conn.Record("Reprokit.resume", "", map[string]any{})
	}
}

// Note writes a Reprokit.note record with the user's text.
func (r *Recorder) Note(text string) error {
	return r.conn.Record("Reprokit.note", "", map[string]any{"text": text})
}

func (r *Recorder) recorded(s target.SessionID) (*recSession, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	si, ok := r.sessions[s]
	return si, ok
}

// handle reacts to one message of the browser, in arrival order.
func (r *Recorder) handle(m *cdproto.Message) {
	switch m.Method {
	case "Target.attachedToTarget":
		var ev struct {
			SessionID          target.SessionID `json:"sessionId"`
			TargetInfo         target.Info      `json:"targetInfo"`
			WaitingForDebugger bool             `json:"waitingForDebugger"`
		}
		if json.Unmarshal(m.Params, &ev) == nil {
			r.onAttached(m.SessionID, ev.SessionID, &ev.TargetInfo, ev.WaitingForDebugger)
		}
		return
	case "Target.detachedFromTarget":
		var ev struct {
			SessionID target.SessionID `json:"sessionId"`
			TargetID  target.ID        `json:"targetId"`
		}
		if json.Unmarshal(m.Params, &ev) == nil {
			if ev.SessionID == r.tab {
				r.finish(ErrTabClosed)
			}
			r.mu.Lock()
			if si, ok := r.sessions[ev.SessionID]; ok && ev.SessionID != r.tab {
				delete(r.sessions, ev.SessionID)
				if r.targets[si.targetID] == ev.SessionID {
					delete(r.targets, si.targetID)
				}
			}
			r.mu.Unlock()
		}
		return
	case "Target.targetDestroyed", "Target.targetCrashed":
		var ev struct {
			TargetID target.ID `json:"targetId"`
		}
		if json.Unmarshal(m.Params, &ev) == nil && ev.TargetID == r.tabID {
			if m.Method == "Target.targetCrashed" {
				r.finish(ErrTabCrashed)
			} else {
				r.finish(ErrTabClosed)
			}
		}
		return
	case "Inspector.targetCrashed":
		if m.SessionID == r.tab {
			r.finish(ErrTabCrashed)
		}
		return
	case "Inspector.detached":
		if m.SessionID == r.tab {
			r.finish(ErrTabClosed)
		}
		return
	}
	if _, ok := r.recorded(m.SessionID); !ok {
		return
	}
	switch m.Method {
	case "Network.requestWillBeSent":
		var ev struct {
			RequestID string `json:"requestId"`
			Request   struct {
				HasPostData     bool              `json:"hasPostData"`
				PostData        string            `json:"postData"`
				PostDataEntries []json.RawMessage `json:"postDataEntries"`
			} `json:"request"`
		}
		if json.Unmarshal(m.Params, &ev) != nil {
			return
		}
		r.mu.Lock()
		r.live.sent(string(m.SessionID), []byte(m.Params))
		r.stats.Requests = r.live.requests
		paused := r.paused
		r.mu.Unlock()
		if ev.Request.HasPostData && ev.Request.PostData == "" && !paused {
			r.conn.Send(m.SessionID, "Network.getRequestPostData", map[string]any{"requestId": ev.RequestID}, true, nil)
		}
	case "Network.responseReceived":
		var ev struct {
			RequestID string `json:"requestId"`
			Type      string `json:"type"`
			Response  struct {
				Status   int             `json:"status"`
				MimeType string          `json:"mimeType"`
				Headers  json.RawMessage `json:"headers"`
			} `json:"response"`
		}
		if json.Unmarshal(m.Params, &ev) != nil {
			return
		}
		var u *unreadResponse
		if (ev.Type == "Fetch" || ev.Type == "XHR") && ev.Response.MimeType != "text/event-stream" {
			u = &unreadResponse{session: m.SessionID, id: ev.RequestID, length: -1}
			u.length, u.plain = announcedLength(ev.Response.Headers)
		}
		r.mu.Lock()
		if ev.Response.Status >= 400 {
			r.live.fail(string(m.SessionID), ev.RequestID)
			r.stats.Failed = r.live.failed
		}
		if u != nil && len(r.unread) < maxUnreadBodies {
			r.unread[reqKey(string(m.SessionID), ev.RequestID)] = u
		}
		r.mu.Unlock()
	case "Network.dataReceived":
		r.onBodyData(m)
	case "Network.webSocketCreated", "Network.webSocketFrameError", "Network.webSocketHandshakeResponseReceived":
		var ev struct {
			RequestID string `json:"requestId"`
			Response  struct {
				Status int `json:"status"`
			} `json:"response"`
		}
		if json.Unmarshal(m.Params, &ev) != nil {
			return
		}
		r.mu.Lock()
		switch {
		case m.Method == "Network.webSocketCreated":
			r.live.socket(string(m.SessionID), ev.RequestID)
		case m.Method == "Network.webSocketFrameError" || ev.Response.Status >= 400:
			r.live.fail(string(m.SessionID), ev.RequestID)
		}
		r.stats.Requests, r.stats.Failed = r.live.requests, r.live.failed
		r.mu.Unlock()
	case "Network.loadingFailed":
		var ev struct {
			RequestID string `json:"requestId"`
		}
		json.Unmarshal(m.Params, &ev)
		r.mu.Lock()
		r.live.fail(string(m.SessionID), ev.RequestID)
		r.stats.Failed = r.live.failed
		// Chrome loads its error page under a failed document's id and
		// reports its loadingFinished next: that is not the site's body.
		key := reqKey(string(m.SessionID), ev.RequestID)
		r.failedIDs[key] = struct{}{}
		delete(r.unread, key)
		if e := r.early[key]; e != nil {
			e.ended = true
		}
		r.mu.Unlock()
	case "Network.loadingFinished":
		var ev struct {
			RequestID         string  `json:"requestId"`
			EncodedDataLength float64 `json:"encodedDataLength"`
		}
		if json.Unmarshal(m.Params, &ev) != nil {
			return
		}
		key := reqKey(string(m.SessionID), ev.RequestID)
		r.mu.Lock()
		r.live.finish(string(m.SessionID), ev.RequestID)
		_, failed := r.failedIDs[key]
		delete(r.failedIDs, key)
		delete(r.unread, key)
		if !failed {
			r.stats.Bytes += int64(ev.EncodedDataLength)
		}
		skip := r.paused || r.stopped || failed
		if e := r.early[key]; e != nil {
			// Its body was asked for already: ask again only if that failed.
			e.ended = true
			switch {
			case e.pending:
				skip = true // the reply asks again if it fails
			case e.ok:
				skip = true
				delete(r.early, key)
			default:
				delete(r.early, key)
			}
		}
		r.mu.Unlock()
		if !skip && r.opts.MaxSize > 0 && r.Stats().SpoolBytes+int64(ev.EncodedDataLength) > r.opts.MaxSize {
			// Checked as bodies arrive, not on a timer: one large body
			// would otherwise overshoot the limit by its whole size.
			skip = true
			r.reachLimit()
		}
		if !skip {
			r.bodies.Add(1)
			r.conn.Send(m.SessionID, "Network.getResponseBody", map[string]any{"requestId": ev.RequestID}, true,
				func(jsonv2.Value, error) {
					r.checkLimit()
					r.bodies.Done()
				})
		}
	case "Page.frameNavigated":
		var ev struct {
			Frame struct {
				ParentID string `json:"parentId"`
				URL      string `json:"url"`
				Fragment string `json:"urlFragment"`
			} `json:"frame"`
		}
		if json.Unmarshal(m.Params, &ev) == nil && ev.Frame.ParentID == "" {
			r.mu.Lock()
			if m.SessionID == r.tab {
				r.mainURL = ev.Frame.URL + ev.Frame.Fragment
			} else if si := r.popup(m.SessionID); si != nil {
				si.url = ev.Frame.URL + ev.Frame.Fragment
			}
			r.mu.Unlock()
		}
	case "Page.loadEventFired":
		if m.SessionID == r.tab {
			r.requestShot(shotRequest{reason: "load", title: true})
		} else {
			// A tab the recorded pages opened (window.open,
			// target=_blank) is where the user may work: it is
			// followed too.
			r.mu.Lock()
			popup := r.popup(m.SessionID) != nil
			r.mu.Unlock()
			if popup {
				r.requestShot(shotRequest{reason: "load", title: true, session: m.SessionID})
			}
		}
	case "Runtime.bindingCalled":
		var ev struct {
			Name    string `json:"name"`
			Payload string `json:"payload"`
		}
		if json.Unmarshal(m.Params, &ev) != nil {
			return
		}
		if ev.Name == DOMBinding {
			r.onDOMBatch(m.SessionID, ev.Payload)
			return
		}
		if ev.Name != StepBinding {
			return
		}
		var step map[string]any
		if json.Unmarshal([]byte(ev.Payload), &step) != nil {
			return
		}
		if step["type"] == "__wsclose" {
			delete(step, "type")
			r.conn.Record("Reprokit.webSocketClose", m.SessionID, step)
			return
		}
		r.conn.Record("Reprokit.step", m.SessionID, step)
	case domSyncMethod:
		r.domSynced()
	case "Page.screencastFrame":
		if m.SessionID == r.tab {
			r.onScreencastFrame(m.Params)
		}
	}
}

// onAttached sets up a target that auto-attach reported: a frame or worker
// of a recorded session, or (at the browser level) a page opened by a
// recorded page. Anything else is let go.
func (r *Recorder) onAttached(parent, sid target.SessionID, info *target.Info, waiting bool) {
	r.mu.Lock()
	_, parentRecorded := r.sessions[parent]
	_, openerRecorded := r.targets[info.OpenerID]
	_, dup := r.targets[info.TargetID]
	stopped := r.stopped
	r.mu.Unlock()

	want := false
	switch {
	case stopped || dup:
	case parent != "" && parentRecorded:
		want = true
	case parent == "" && info.Type == "page" && info.OpenerID != "" && openerRecorded:
		want = true
	case parent == "" && r.opts.SharedWorkers && (info.Type == "shared_worker" || info.Type == "service_worker"):
		want = true
	}
	if !want {
		if waiting {
			r.conn.Send(sid, "Runtime.runIfWaitingForDebugger", nil, false, nil)
		}
		if parent == "" || dup {
			r.conn.Send("", "Target.detachFromTarget", map[string]any{"sessionId": sid}, false, nil)
		}
		return
	}
	r.mu.Lock()
	r.sessions[sid] = &recSession{targetID: info.TargetID, typ: info.Type, parent: parent, url: info.URL}
	r.targets[info.TargetID] = sid
	r.mu.Unlock()
	r.conn.Record("Reprokit.targetInfo", sid, map[string]any{
		"sessionId": sid, "parentSessionId": parent, "targetId": info.TargetID, "type": info.Type,
		"subtype": info.Subtype, "url": info.URL, "title": info.Title, "openerId": info.OpenerID,
		"parentFrameId": info.ParentFrameID,
	})
	r.setupChild(sid, info.Type, waiting)
}

// setupChild enables recording in a new session without waiting for the
// replies: the session handles commands in order, so the target resumes
// only after everything before runIfWaitingForDebugger is in place.
func (r *Recorder) setupChild(sid target.SessionID, typ string, waiting bool) {
	send := func(method string, params any) { r.conn.Send(sid, method, params, false, nil) }
	send("Network.enable", map[string]any{"maxTotalBufferSize": maxTotalBufferSize, "maxResourceBufferSize": maxResourceBufferSize})
	send("Runtime.enable", nil)
	send("Log.enable", nil)
	if typ == "page" || typ == "iframe" {
		send("Page.enable", nil)
		send("Runtime.addBinding", map[string]any{"name": StepBinding})
		send("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": stepScript, "runImmediately": true})
		if r.opts.Screencast {
			send("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": screencastMaskScript, "runImmediately": true})
		}
		if r.domSource != "" {
			send("Runtime.addBinding", map[string]any{"name": DOMBinding})
			send("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": r.domSource, "runImmediately": true})
		}
	}
	if typ != "service_worker" && typ != "shared_worker" {
		send("Target.setAutoAttach", map[string]any{"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true})
	}
	if waiting {
		send("Runtime.runIfWaitingForDebugger", nil)
	}
}

// Stop ends the recording with no particular reason; see [Recorder.StopBecause].
func (r *Recorder) Stop(ctx context.Context) error { return r.StopBecause(ctx, "") }

// StopBecause ends the recording: a screenshot at stop (when the tab is still
// there), the end of the screencast, the bodies still being fetched (a few
// seconds at most), a Reprokit.stop record with reason (or the reason the
// recording ended by itself), and the protocol log flushed and closed. It is
// safe to call more than once.
func (r *Recorder) StopBecause(ctx context.Context, reason string) error {
	r.stopOnce.Do(func() { r.stopErr = r.stop(ctx, reason) })
	return r.stopErr
}

func (r *Recorder) stop(ctx context.Context, reason string) error {
	alive := r.Err() == nil
	if alive {
		r.flushDOM(ctx)
	}
	if alive {
		// The popups first, then the tab (whose shot Stop waits for).
		r.mu.Lock()
		var popups []target.SessionID
		for sid := range r.sessions {
			if r.popup(sid) != nil {
				popups = append(popups, sid)
			}
		}
		r.mu.Unlock()
		for _, sid := range popups {
			r.requestShot(shotRequest{reason: "stop", session: sid})
		}
		done := make(chan error, 1)
		if r.requestShot(shotRequest{reason: "stop", done: done}) {
			// Page.captureScreenshot may not answer around navigations,
			// popups and dialogs, and an earlier stalled shot may be ahead
			// of this one: Stop waits for it a bounded time only.
			wait := time.NewTimer(stopShotWait)
			select {
			case <-done:
			case <-ctx.Done():
			case <-r.done:
			case <-wait.C:
				r.warnf("the screenshot at stop did not come within %s (the page may be navigating or showing a dialog); stopping without it", stopShotWait)
			}
			wait.Stop()
		}
		if r.opts.Screencast {
			sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			r.conn.Call(sctx, r.tab, "Page.stopScreencast", nil, false)
			cancel()
		}
	}
	// No screenshot is taken from here on: one still in flight or queued
	// gives up now.
	r.shotCancel()
	// The environment record, with what is known by now.
	r.envCancel()
	select {
	case <-r.envDone:
	case <-time.After(5 * time.Second):
	case <-ctx.Done():
	}
	r.mu.Lock()
	r.stopped = true
	unread := r.unread
	r.unread = map[string]*unreadResponse{}
	r.mu.Unlock()
	if alive && r.Err() == nil {
		r.fetchUnreadBodies(ctx, unread)
	}
	// Wait for the bodies that are being fetched, a little.
	waited := make(chan struct{})
	go func() { r.bodies.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		r.warnf("some response bodies did not arrive in time and are missing")
	case <-ctx.Done():
	}
	r.casting.Wait() // bounded by shotCtx, cancelled above
	r.writeScreencastIndex()
	if err := r.Err(); err != nil && reason == "" {
		reason = err.Error()
	}
	r.conn.Record("Reprokit.stop", "", map[string]any{"reason": reason})
	r.shutdown()
	r.conn.closeLog()
	// Only a failed log is an error of Stop: a browser that is gone already
	// is reported by Err.
	return r.conn.logError()
}

// shutdown stops the recorder's goroutines.
func (r *Recorder) shutdown() {
	r.conn.setHook(nil)
	r.queueMu.Lock()
	r.qclosed = true
	r.queueC.Broadcast()
	r.queueMu.Unlock()
	<-r.procDone
	r.finish(nil)
	<-r.watchDone
	r.mu.Lock()
	if !r.shotClosed {
		r.shotClosed = true
		close(r.shotReq)
	}
	r.mu.Unlock()
	<-r.shotDone
}

// requestShot queues a screenshot without blocking; it reports false when
// the queue is full (a burst of loads) or closed.
func (r *Recorder) requestShot(req shotRequest) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shotClosed {
		return false
	}
	select {
	case r.shotReq <- req:
		return true
	default:
		return false
	}
}

// maxUnreadBodies bounds the responses Stop asks a body for.
const maxUnreadBodies = 2000

// unreadResponse is a fetch/XHR response that arrived and has not finished.
type unreadResponse struct {
	session target.SessionID
	id      string
	// length is the body's Content-Length (-1: not announced); plain says
	// the body is not content-encoded: its decoded bytes are its bytes.
	length int64
	plain  bool
	// wire and decoded count the body bytes dataReceived reported.
	wire, decoded int64
}

// earlyBody is a body asked for when its last byte arrived.
type earlyBody struct {
	session target.SessionID
	id      string
	pending bool // the getResponseBody reply has not come
	ok      bool // it came with the body
	ended   bool // loadingFinished or loadingFailed came
}

// announcedLength reads Content-Length and whether the body is plain (not
// content-encoded) from a response's headers (a JSON object), as the
// builder does.
func announcedLength(headers json.RawMessage) (length int64, plain bool) {
	var hs cdpHeaders
	if json.Unmarshal(headers, &hs) != nil {
		return -1, false
	}
	return hs.framing()
}

// onBodyData counts the body bytes of a fetch/XHR response. When the page
// never reads a body, Chrome sends no loadingFinished until the response
// is garbage-collected (seconds later, or never, and not at all once the
// tab is closed); but it does report every byte with dataReceived and
// keeps them. So once the bytes reach the announced Content-Length, the
// body is asked for there and then, instead of at loadingFinished (a read
// body costs the same one getResponseBody as before).
func (r *Recorder) onBodyData(m *cdproto.Message) {
	var ev struct {
		RequestID         string `json:"requestId"`
		DataLength        int64  `json:"dataLength"`
		EncodedDataLength int64  `json:"encodedDataLength"`
	}
	if json.Unmarshal(m.Params, &ev) != nil {
		return
	}
	key := reqKey(string(m.SessionID), ev.RequestID)
	r.mu.Lock()
	u := r.unread[key]
	if u == nil || u.length < 0 {
		r.mu.Unlock()
		return
	}
	u.wire += ev.EncodedDataLength
	u.decoded += ev.DataLength
	got := u.wire
	if u.plain && u.decoded > 0 {
		// The exact body bytes: what is on the wire may count framing.
		got = u.decoded
	}
	if got < u.length || r.paused || r.stopped {
		r.mu.Unlock()
		return
	}
	delete(r.unread, key)
	e := &earlyBody{session: m.SessionID, id: ev.RequestID, pending: true}
	if len(r.early) < maxUnreadBodies {
		// Beyond that (a page that holds thousands of unread responses),
		// a body that finishes after all is simply asked for again.
		r.early[key] = e
	}
	r.mu.Unlock()
	if r.opts.MaxSize > 0 && r.Stats().SpoolBytes+got > r.opts.MaxSize {
		r.reachLimit()
		r.mu.Lock()
		delete(r.early, key)
		r.mu.Unlock()
		return
	}
	r.bodies.Add(1)
	r.conn.Send(m.SessionID, "Network.getResponseBody", map[string]any{"requestId": ev.RequestID}, true,
		func(_ jsonv2.Value, err error) {
			defer r.bodies.Done()
			r.checkLimit()
			r.mu.Lock()
			e.pending = false
			e.ok = err == nil
			retry := err != nil && e.ended && !r.stopped && !errors.Is(err, errConnGone)
			if e.ended || err != nil {
				delete(r.early, key)
			}
			if err != nil && !e.ended && len(r.unread) < maxUnreadBodies {
				// Try again at loadingFinished, or at stop.
				r.unread[key] = &unreadResponse{session: e.session, id: e.id, length: -1}
			}
			if retry {
				r.bodies.Add(1)
			}
			r.mu.Unlock()
			if retry {
				// loadingFinished came while this was on its way and
				// left the body to it.
				go r.conn.Send(e.session, "Network.getResponseBody", map[string]any{"requestId": e.id}, true,
					func(jsonv2.Value, error) { r.checkLimit(); r.bodies.Done() })
			}
		})
}

// fetchUnreadBodies asks Chrome, at stop, for the bodies of responses that
// arrived but never finished (the page did not read them): Chrome often has
// them complete. A body still streaming gets no answer; the wait is short.
func (r *Recorder) fetchUnreadBodies(ctx context.Context, unread map[string]*unreadResponse) {
	if len(unread) == 0 {
		return
	}
	select {
	case <-r.limit:
		return // the recording is as large as the user allows
	default:
	}
	var wg sync.WaitGroup
	for _, u := range unread {
		wg.Add(1)
		r.conn.Send(u.session, "Network.getResponseBody", map[string]any{"requestId": u.id}, true,
			func(jsonv2.Value, error) { wg.Done() })
	}
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(1500 * time.Millisecond):
	case <-ctx.Done():
	case <-r.done:
	}
}
