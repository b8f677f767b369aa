// Package capture records a browser session and turns it into the files
// of a support bundle.
//
// The live half ([Conn], [Recorder], [Start]) taps the CDP connection of
// every target of the recorded tab and writes each message into the
// spool's protocol log (events.jsonl), with bodies, screenshots and
// Reprokit records. The pure half reads only that log: [BuildHAR] turns it
// into a HAR like DevTools' export, and [Finalize] writes session.har,
// console.json, steps.json and environment.json from one pass over it, so
// a log of a killed recorder, or a CDP dump of another tool, converts too.
package capture

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/version"
)

// BuildOptions configures [BuildHAR].
type BuildOptions struct {
	// Dir is the directory that `{"bodyFile":"bodies/<n>"}` references in
	// the log are relative to: the spool directory, or the log file's
	// directory. Empty means such references are reported as warnings and
	// their bodies left out.
	Dir string
	// TempDir holds the spill file for large bodies when the log cannot be
	// read back (a pipe or a wrapped message). Empty means Dir, then the
	// system temporary directory. The file is 0600 and removed at the end.
	TempDir string
	// AllowTruncated accepts a log whose last message is cut off (a
	// recorder killed mid-write): the messages before it are converted and
	// the cut is reported through Warn. Otherwise it is a *LogSyntaxError.
	AllowTruncated bool
	// Warn receives problems that do not stop the build (a missing body
	// file, a truncated last line). Nil discards them.
	Warn func(msg string)
	// Progress, when not nil, is called every few thousand messages with
	// the count read so far, and once at the end.
	Progress func(messages int)
	// Creator overrides the HAR creator; the zero value means Reprokit and
	// its version.
	Creator har.Creator
}

// BuildHAR converts a CDP protocol log into a HAR 1.2 document written to w.
//
// The log is a JSON array of CDP messages or a stream of them, one JSON
// object per line (docs/DESIGN.md): events `{"method","params","sessionId"?,"time"?}`,
// results of the recorder's own commands `{"method","params","result"}`
// (Network.getResponseBody, Network.getRequestPostData, Browser.getVersion)
// and `Reprokit.*` records. Logs of other tools that hold only events
// convert too, without bodies. BuildHAR is a pure function of the log: the
// same log gives the same HAR.
//
// The HAR has one page per main-frame navigation of each tab or popup and
// one entry per redirect hop, websocket or request, sorted by start time,
// with the fields DevTools exports (`_initiator`, `_priority`,
// `_resourceType`, `_transferSize`, `_fromCache`, `_webSocketMessages`, …)
// and Reprokit's own (`_target`, `_incomplete`, `_corsError`, …).
//
// Memory stays bounded: bodies are not kept; their place in the log (when
// log is an *os.File or another io.ReaderAt at offset 0) or in a spill file
// is remembered, and they are copied into w as each entry is written.
// Malformed input returns a *LogSyntaxError with line and column; nothing
// useful is written to w in that case, so write to a temporary file.
func BuildHAR(log io.Reader, w io.Writer, opts BuildOptions) error {
	b := newHARBuilder(opts)
	defer b.close()
	base := int64(0)
	if f, ok := log.(*os.File); ok {
		if pos, err := f.Seek(0, io.SeekCurrent); err == nil {
			base = pos
			b.blobs.src = f
		}
	} else if ra, ok := log.(io.ReaderAt); ok {
		if s, ok := log.(io.Seeker); ok {
			if pos, err := s.Seek(0, io.SeekCurrent); err == nil {
				base = pos
				b.blobs.src = ra
			}
		}
	}
	if err := b.read(log, base); err != nil {
		return err
	}
	return b.write(w)
}

// harBuilder accumulates the metadata of a log and writes the HAR.
type harBuilder struct {
	opts  BuildOptions
	blobs blobStore
	count int

	seq        int
	requests   map[string]*netRequest // by session + "\x00" + requestId
	latestByID map[string]*netRequest // by requestId alone, across sessions
	all        []*netRequest

	sessions map[string]*sessionInfo
	targets  map[string]string // targetId -> sessionId

	pages      []*harPage
	docs       []*hop                  // document requests (requestId == loaderId), in order: navigations
	frameNavSd map[string]bool         // sessions that reported main-frame navigations
	navStarts  map[string]navInitiator // session + frame -> who started its pending navigation

	clockOffset float64 // wall - monotonic, once known
	clockKnown  bool
	lastMono    float64
	lastWall    float64
	browser     *har.Creator
	recordedTab string // session of the recorded tab, from Reprokit.targetInfo
}

// sessionInfo is what the log says about one CDP session.
type sessionInfo struct {
	id       string
	target   cdpTargetInfo
	parent   string // session that announced it
	known    bool
	pageLike bool
}

func newHARBuilder(opts BuildOptions) *harBuilder {
	nonce := make([]byte, 6)
	rand.Read(nonce)
	spill := opts.TempDir
	if spill == "" {
		spill = opts.Dir
	}
	return &harBuilder{
		opts:       opts,
		blobs:      blobStore{spillDir: spill, nonce: hex.EncodeToString(nonce)},
		requests:   map[string]*netRequest{},
		latestByID: map[string]*netRequest{},
		sessions:   map[string]*sessionInfo{},
		targets:    map[string]string{},
		frameNavSd: map[string]bool{},
		navStarts:  map[string]navInitiator{},
	}
}

func (b *harBuilder) close() { b.blobs.close() }

func (b *harBuilder) warn(format string, a ...any) {
	if b.opts.Warn != nil {
		b.opts.Warn(fmt.Sprintf(format, a...))
	}
}

func (b *harBuilder) read(r io.Reader, base int64) error {
	var truncated func(*LogSyntaxError)
	if b.opts.AllowTruncated {
		truncated = func(e *LogSyntaxError) {
			b.warn("protocol log ends with a cut-off message at line %d (kept everything before it)", e.Line)
		}
	}
	err := readLog(r, base, truncated, func(m *logMessage) error {
		b.count++
		if b.opts.Progress != nil && b.count%5000 == 0 {
			b.opts.Progress(b.count)
		}
		return b.handle(m)
	})
	if b.opts.Progress != nil {
		b.opts.Progress(b.count)
	}
	return err
}

// unmarshalParams decodes params, reporting which message was malformed.
func unmarshalParams(m *logMessage, v any) error {
	if len(m.Params) == 0 {
		return nil
	}
	if err := json.Unmarshal(m.Params, v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return &LogSyntaxError{Line: m.Line, Column: 1, Err: fmt.Errorf("%s: params.%s has the wrong type (%s, expected %s)", m.Method, ute.Field, ute.Value, ute.Type)}
		}
		return &LogSyntaxError{Line: m.Line, Column: 1, Err: fmt.Errorf("%s: %v", m.Method, err)}
	}
	return nil
}

// handle dispatches one message.
func (b *harBuilder) handle(m *logMessage) error {
	if m.Time > b.lastWall {
		b.lastWall = m.Time
	}
	if m.Result != nil || m.HasError {
		return b.handleResult(m)
	}
	switch m.Method {
	case "Network.requestWillBeSent":
		var ev evRequestWillBeSent
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		b.requestWillBeSent(m, &ev)
	case "Network.responseReceived":
		var ev evResponseReceived
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		if h := b.lastHop(m.SessionID, string(ev.RequestID)); h != nil {
			b.mono(ev.Timestamp)
			r := ev.Response
			h.resp = &r
			h.respTime = ev.Timestamp
			h.encodedSeen += int64(r.EncodedDataLength)
			h.bodyLength = announcedBodyLength(h.req.Method, &r)
			if h.bodyLength == 0 {
				h.bodyDone = ev.Timestamp
			}
			if ev.Type != "" {
				h.resType = ev.Type
			}
			if ev.HasExtraInfo != nil {
				h.expectExtra = ev.HasExtraInfo
			}
		}
	case "Network.requestWillBeSentExtraInfo":
		var ev evRequestExtraInfo
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		r := b.requestFor(m.SessionID, string(ev.RequestID), m.Time)
		r.reqExtras = append(r.reqExtras, &ev)
	case "Network.responseReceivedExtraInfo":
		var ev evResponseExtraInfo
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		r := b.requestFor(m.SessionID, string(ev.RequestID), m.Time)
		r.respExtras = append(r.respExtras, &ev)
	case "Network.loadingFinished":
		var ev evLoadingFinished
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		// A failed document load is followed by the loadingFinished of
		// Chrome's error page under the same id: the request stays failed.
		if h := b.lastHop(m.SessionID, string(ev.RequestID)); h != nil && !h.failed {
			b.mono(ev.Timestamp)
			h.done = true
			h.endTime = ev.Timestamp
			h.transferSize = ev.EncodedDataLength
		}
	case "Network.loadingFailed":
		var ev evLoadingFailed
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		r := b.find(m.SessionID, string(ev.RequestID))
		if r == nil || len(r.hops) == 0 {
			// A failure of a request only known from ExtraInfo (a preflight).
			r = b.requestFor(m.SessionID, string(ev.RequestID), m.Time)
			r.failure = &ev
			break
		}
		h := r.hops[len(r.hops)-1]
		if h.failed {
			// Chrome's error page, reloaded or aborted: the first
			// failure is the request's.
			break
		}
		b.mono(ev.Timestamp)
		h.done, h.failed = true, true
		h.endTime = ev.Timestamp
		h.errorText, h.canceled, h.blockedReason = ev.ErrorText, ev.Canceled, ev.BlockedReason
		if h.errorText == "" {
			h.errorText = blockedErrorText(ev.BlockedReason)
		}
		if ev.CorsErrorStatus != nil {
			h.corsError = ev.CorsErrorStatus.CorsError
			if ev.CorsErrorStatus.FailedParameter != "" {
				h.corsError += " (" + ev.CorsErrorStatus.FailedParameter + ")"
			}
		}
		if ev.Type != "" && h.resType == "" {
			h.resType = ev.Type
		}
	case "Network.dataReceived":
		var ev evDataReceived
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		if h := b.lastHop(m.SessionID, string(ev.RequestID)); h != nil && !h.failed {
			b.mono(ev.Timestamp)
			h.dataLength += ev.DataLength
			h.encodedSeen += ev.EncodedDataLength
			h.lastSeen = ev.Timestamp
			h.noteBodyData(&ev)
		}
	case "Network.requestServedFromCache":
		var ev evRequestID
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		if h := b.lastHop(m.SessionID, string(ev.RequestID)); h != nil {
			h.fromMemory = true
		}
	case "Network.resourceChangedPriority":
		var ev evRequestID
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		if h := b.lastHop(m.SessionID, string(ev.RequestID)); h != nil && ev.NewPriority != "" {
			h.priority = ev.NewPriority
		}
	case "Network.eventSourceMessageReceived":
		var ev evEventSourceMessage
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		if h := b.lastHop(m.SessionID, string(ev.RequestID)); h != nil {
			b.mono(ev.Timestamp)
			h.lastSeen = ev.Timestamp
			data, err := b.bigString(ev.Data)
			if err != nil {
				return err
			}
			h.sse = append(h.sse, har.EventSourceMessage{Time: b.wallOf(h, ev.Timestamp), EventName: ev.EventName, EventID: ev.EventID, Data: data})
		}
	case "Network.webSocketCreated", "Network.webSocketWillSendHandshakeRequest",
		"Network.webSocketHandshakeResponseReceived", "Network.webSocketFrameSent",
		"Network.webSocketFrameReceived", "Network.webSocketFrameError", "Network.webSocketClosed":
		return b.webSocket(m)
	case "Target.attachedToTarget":
		var ev evAttachedToTarget
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		b.attached(m.SessionID, ev.SessionID, ev.TargetInfo)
	case "Reprokit.targetInfo":
		var ev struct {
			SessionID       string         `json:"sessionId"`
			ParentSessionID string         `json:"parentSessionId"`
			TargetInfo      *cdpTargetInfo `json:"targetInfo"`
			RecordedTab     bool           `json:"recordedTab"`
			cdpTargetInfo
		}
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		ti := ev.cdpTargetInfo
		if ev.TargetInfo != nil {
			ti = *ev.TargetInfo
		}
		sid := ev.SessionID
		if sid == "" {
			sid = m.SessionID
		}
		parent := ev.ParentSessionID
		if s := b.sessions[sid]; s != nil && parent == "" {
			parent = s.parent
		}
		b.attached(parent, sid, ti)
		if ev.RecordedTab && sid != "" {
			b.recordedTab = sid
		}
	case "Target.targetInfoChanged", "Target.targetCreated":
		var ev evTargetInfo
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		if sid, ok := b.targets[ev.TargetInfo.TargetID]; ok {
			s := b.sessions[sid]
			if ev.TargetInfo.Type != "" {
				s.target.Type = ev.TargetInfo.Type
			}
			s.target.URL, s.target.Title = ev.TargetInfo.URL, ev.TargetInfo.Title
			if ev.TargetInfo.Title != "" {
				b.setTitle(sid, ev.TargetInfo.URL, ev.TargetInfo.Title)
			}
		}
	case "Reprokit.webSocketClose":
		var ev struct {
			URL      string  `json:"url"`
			Code     int     `json:"code"`
			Reason   string  `json:"reason"`
			WasClean bool    `json:"wasClean"`
			Time     float64 `json:"time"`
		}
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		b.webSocketCloseCode(m.SessionID, ev.URL, ev.Code, ev.Reason)
	case "Reprokit.pageTitle":
		var ev reprokitPageTitle
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		sid := m.SessionID
		if s, ok := b.targets[ev.TargetID]; ok {
			sid = s
		}
		b.setTitle(sid, ev.URL, ev.Title)
	case "Page.frameNavigated":
		var ev evFrameNavigated
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		if ev.Frame.ParentID == "" {
			b.mainFrameNavigated(m, ev.Frame)
		}
	case "Page.frameRequestedNavigation":
		// Only navigations the page starts (links, forms, scripts) are
		// requested by the renderer; typed URLs and Page.navigate are not.
		var ev struct {
			FrameID string `json:"frameId"`
		}
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		b.navStarts[m.SessionID+"\x00"+ev.FrameID] = navByPage
	case "Page.frameStartedNavigating":
		var ev evFrameStartedNavigating
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		key := m.SessionID + "\x00" + ev.FrameID
		if b.navStarts[key] != navByPage {
			b.navStarts[key] = navByBrowser
		}
	case "Page.domContentEventFired", "Page.loadEventFired":
		var ev evTimestamp
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		b.mono(ev.Timestamp)
		if p := b.currentPage(m.SessionID); p != nil {
			if m.Method == "Page.loadEventFired" {
				p.onLoadMono = ev.Timestamp
			} else {
				p.onContentMono = ev.Timestamp
			}
		}
	case "Reprokit.environment":
		var env Environment
		if json.Unmarshal(m.Params, &env) == nil && b.browser == nil && env.Browser.Product != "" {
			b.browser = creatorFromProduct(env.Browser.Product)
		}
	}
	return nil
}

// creatorFromProduct turns "Chrome/156.0.1.2" into a HAR browser creator.
func creatorFromProduct(product string) *har.Creator {
	name, ver, _ := strings.Cut(product, "/")
	return &har.Creator{Name: name, Version: ver}
}

// handleResult takes the results of the recorder's own commands.
func (b *harBuilder) handleResult(m *logMessage) error {
	if m.HasError || m.Result == nil {
		return nil
	}
	switch m.Method {
	case "Browser.getVersion":
		var v struct {
			Product string `json:"product"`
		}
		if json.Unmarshal(m.Result, &v) == nil && v.Product != "" {
			b.browser = creatorFromProduct(v.Product)
		}
	case "Network.getResponseBody":
		var p evRequestID
		if err := unmarshalParams(m, &p); err != nil {
			return err
		}
		r := b.find(m.SessionID, string(p.RequestID))
		if r == nil || len(r.hops) == 0 {
			return nil
		}
		h := r.hops[len(r.hops)-1]
		if h.failed && h.resp == nil {
			// A failed request has no body: what Chrome returns is its
			// own error page (chrome-error://chromewebdata).
			return nil
		}
		body, err := b.responseBody(m)
		if err != nil {
			return err
		}
		if body != nil {
			h.body = body
		}
	case "Network.getRequestPostData":
		var p evRequestID
		if err := unmarshalParams(m, &p); err != nil {
			return err
		}
		r := b.find(m.SessionID, string(p.RequestID))
		if r == nil {
			return nil
		}
		var res struct {
			PostData      string `json:"postData"`
			Base64Encoded bool   `json:"base64Encoded"`
		}
		if err := json.Unmarshal(m.Result, &res); err != nil {
			return &LogSyntaxError{Line: m.Line, Column: 1, Err: fmt.Errorf("Network.getRequestPostData result: %v", err)}
		}
		data := []byte(res.PostData)
		if res.Base64Encoded {
			d, err := decodeBase64(res.PostData)
			if err != nil {
				b.warn("line %d: Network.getRequestPostData result is not valid base64; kept as text", m.Line)
			} else {
				data = d
			}
		}
		for _, h := range r.hops {
			if h.hasPostData && h.post == nil {
				pb, err := b.postBody(h, data)
				if err != nil {
					return err
				}
				h.post = pb
			}
		}
	}
	return nil
}

// mono notes a monotonic timestamp, to know where the recording ended.
func (b *harBuilder) mono(t float64) {
	if t > b.lastMono {
		b.lastMono = t
	}
}

// wallOf turns a monotonic time into wall seconds, the way DevTools does:
// with the offset of the request's own requestWillBeSent.
func (b *harBuilder) wallOf(h *hop, mono float64) float64 {
	if h != nil && h.wallTime > 0 {
		return h.wallTime - h.issueTime + mono
	}
	if b.clockKnown {
		return mono + b.clockOffset
	}
	return mono
}

// globalWall converts with the log-wide clock offset.
func (b *harBuilder) globalWall(mono float64) float64 {
	if b.clockKnown {
		return mono + b.clockOffset
	}
	return mono
}

func (b *harBuilder) noteClock(mono, wall float64) {
	if !b.clockKnown && mono > 0 && wall > 0 {
		b.clockOffset, b.clockKnown = wall-mono, true
	}
}

// bigString keeps s inline or, when large, in a blob, returning the string
// to marshal (a marker for a blob).
func (b *harBuilder) bigString(s string) (string, error) {
	if len(s) < inlineLimit {
		return s, nil
	}
	id, err := b.blobs.fromBytes([]byte(s), blobText)
	if err != nil {
		return "", err
	}
	return b.blobs.marker(id), nil
}

func (b *harBuilder) attached(parent, sid string, ti cdpTargetInfo) {
	if sid == "" {
		return
	}
	s := b.session(sid)
	s.parent, s.target, s.known = parent, ti, true
	s.pageLike = ti.Type == "page" || ti.Type == "tab"
	if ti.TargetID != "" {
		b.targets[ti.TargetID] = sid
	}
}

func (b *harBuilder) session(sid string) *sessionInfo {
	s := b.sessions[sid]
	if s == nil {
		s = &sessionInfo{id: sid, pageLike: true}
		b.sessions[sid] = s
	}
	return s
}

// targetLabel is the `_target` of entries from a session: page, popup,
// iframe, worker, service_worker, shared_worker, …
func (b *harBuilder) targetLabel(sid string) string {
	s := b.sessions[sid]
	if s == nil || !s.known {
		return "page"
	}
	switch s.target.Type {
	case "page":
		if s.target.OpenerID != "" || b.pageSession(sid) != b.tabSession() {
			return "popup"
		}
		return "page"
	case "":
		return "page"
	}
	return s.target.Type
}

// tabSession is the recorded tab: the one the recorder named, else the
// page-like session with the first page.
func (b *harBuilder) tabSession() string {
	if b.recordedTab != "" {
		return b.recordedTab
	}
	best, bestSeq := "", -1
	for _, p := range b.pages {
		if bestSeq < 0 || p.seq < bestSeq {
			best, bestSeq = p.session, p.seq
		}
	}
	if bestSeq >= 0 {
		return best
	}
	return ""
}

// pageSession walks up from a session to the page-like session it belongs to.
func (b *harBuilder) pageSession(sid string) string {
	for range 16 {
		s := b.sessions[sid]
		if s == nil || !s.known || s.pageLike {
			return sid
		}
		if s.parent == "" {
			if s.target.OpenerID != "" {
				if ps, ok := b.targets[s.target.OpenerID]; ok {
					sid = ps
					continue
				}
			}
			return b.tabSession()
		}
		sid = s.parent
	}
	return sid
}

// write sorts the entries and writes the HAR.
func (b *harBuilder) write(w io.Writer) error {
	entries := b.collectHops()
	b.sortPages()
	refs := make([]*harPage, len(entries))
	used := map[*harPage]bool{}
	for i, h := range entries {
		refs[i] = b.pageFor(h)
		used[refs[i]] = true
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	creator := b.opts.Creator
	if creator.Name == "" {
		creator = har.Creator{Name: "Reprokit", Version: version.Version}
	}
	head := struct {
		Version string       `json:"version"`
		Creator har.Creator  `json:"creator"`
		Browser *har.Creator `json:"browser,omitempty"`
		Pages   []har.Page   `json:"pages"`
	}{"1.2", creator, b.browser, b.harPages(used)}
	hb, err := json.MarshalIndent(head, "  ", "  ")
	if err != nil {
		return err
	}
	// Open the log object and leave it unclosed to append the entries.
	hb = hb[:len(hb)-1]
	hb = []byte(strings.TrimRight(string(hb), " \n"))
	if _, err := fmt.Fprintf(bw, "{\n  \"log\": %s,\n    \"entries\": [", hb); err != nil {
		return err
	}
	for i, h := range entries {
		e, b64, err := b.entry(h, refs[i])
		if err != nil {
			return err
		}
		eb, err := marshalNoEscape(e, "    ")
		if err != nil {
			return err
		}
		sep := "\n    "
		if i > 0 {
			sep = ",\n    "
		}
		if _, err := io.WriteString(bw, sep); err != nil {
			return err
		}
		if err := b.blobs.writeWithBlobs(bw, eb, b64); err != nil {
			return fmt.Errorf("write entry %d (%s): %w", i, h.url, err)
		}
	}
	if len(entries) > 0 {
		io.WriteString(bw, "\n    ")
	}
	if _, err := io.WriteString(bw, "]\n  }\n}\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// marshalNoEscape marshals v indented, without HTML escaping (DevTools
// writes "<" as is).
func marshalNoEscape(v any, prefix string) ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(sb.String(), "\n")), nil
}

// collectHops pairs the ExtraInfo events with their hops, makes entries of
// requests only known from ExtraInfo, and returns every hop sorted by start.
func (b *harBuilder) collectHops() []*hop {
	var out []*hop
	for _, r := range b.all {
		if len(r.hops) == 0 {
			if h := b.extraOnlyHop(r); h != nil {
				out = append(out, h)
			}
			continue
		}
		pairExtraInfo(r)
		out = append(out, r.hops...)
	}
	for _, h := range out {
		h.startWall = b.wallOf(h, h.issueTime)
		if h.issueTime == 0 && h.wallTime == 0 {
			h.startWall = h.msgTime
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].startWall != out[j].startWall {
			return out[i].startWall < out[j].startWall
		}
		return out[i].seq < out[j].seq
	})
	return out
}

// isoTime formats wall seconds like JavaScript's Date.toJSON.
func isoTime(wall float64) string {
	ms := int64(math.Round(wall * 1000))
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// blockedErrorText is the net error DevTools shows for a request blocked
// for reason, for logs whose loadingFailed left errorText empty: the HAR
// always carries `_error` next to `_blockedReason`.
func blockedErrorText(reason string) string {
	switch reason {
	case "":
		return ""
	case "csp":
		return "net::ERR_BLOCKED_BY_CSP"
	case "coep-frame-resource-needs-coep-header", "coop-sandboxed-iframe-cannot-navigate-to-coop-page",
		"corp-not-same-origin", "corp-not-same-origin-after-defaulted-to-same-origin-by-coep",
		"corp-not-same-origin-after-defaulted-to-same-origin-by-dip",
		"corp-not-same-origin-after-defaulted-to-same-origin-by-coep-and-dip", "corp-not-same-site",
		"sri-message-signature-mismatch":
		return "net::ERR_BLOCKED_BY_RESPONSE"
	}
	return "net::ERR_BLOCKED_BY_CLIENT"
}
