package replay

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/har"
)

// Outcome is how one browser request was answered.
type Outcome string

// The outcomes of a request, as the fidelity report counts them.
const (
	ServedExact      Outcome = "exact"
	ServedFuzzy      Outcome = "fuzzy"
	Synthesized      Outcome = "synthesized"        // a CORS preflight the recording did not hold
	FailedAsRecorded Outcome = "failed-as-recorded" // the user's request failed; it fails again
	Blocked          Outcome = "unmatched"          // nothing recorded fits; failed as BlockedByClient
	Ignored          Outcome = "ignored"            // the browser's own favicon request, not the page's
	InFlight         Outcome = "in-flight"          // the page sent it; the replay ended before interception showed it
)

// RequestLog is the per-request record of a replay: what the browser asked,
// what answered it and why.
type RequestLog struct {
	Method  string  `json:"method"`
	URL     string  `json:"url"`
	Type    string  `json:"type,omitempty"`
	Outcome Outcome `json:"outcome"`
	Entry   int     `json:"entry"` // index in the HAR's entries, -1 for none
	Status  int     `json:"status,omitempty"`
	Score   float64 `json:"score,omitempty"`
	Reason  string  `json:"reason"`
	// HeldOpen: the recorded request never finished, so the replay
	// never answers it either.
	HeldOpen bool `json:"held_open,omitempty"`
}

// heldOpen says whether a recorded entry was still in flight when the
// recording stopped with nothing the page could use: no response, or
// response headers and no body yet (a long poll). An event stream with
// recorded events, or a body cut short, is served with what it has.
func heldOpen(e *har.Entry) (string, bool) {
	if e.Response.Status == 0 {
		return "no response recorded", true
	}
	if e.Incomplete && len(e.EventSourceMessages) == 0 && e.Response.Content.Text == "" && e.Response.Status < 300 {
		return "in flight when the recording stopped (headers, no body)", true
	}
	return "", false
}

// A page asks again for what it was answered: polls, retries. More
// repeats than the recording shows, by loopFactor and loopSlack, is a loop
// the user's page never ran (an answer it did not like, say): the replay
// names it and ends instead of serving it until --timeout.
const (
	loopFactor = 3
	loopSlack  = 10
)

// countRepeat counts the requests answered from the recorded entries of
// one method and URL path, and notes a loop once.
func (s *server) countRepeat(r *Recorded, rl RequestLog) {
	recorded := len(s.m.a.byKey[r.key])
	n := s.repeatsAdd(r.key)
	if n > loopFactor*recorded+loopSlack {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.loop == "" {
			s.loop = fmt.Sprintf("%s %s was asked %d times, the recording has it %d time(s): the page is in a loop the user's page never ran (an answer it did not accept?)", rl.Method, shortURL(rl.URL), n, recorded)
			close(s.looping)
			s.logf("replay: %s", s.loop)
		}
	}
}

func (s *server) repeatsAdd(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repeats[key]++
	return s.repeats[key]
}

// server answers the browser's intercepted requests from the matcher.
type server struct {
	m    *Matcher
	logf func(format string, a ...any)
	// stream serves the large bodies (nil: every body is fulfilled).
	stream *bodyStream

	mu  sync.Mutex
	log []RequestLog
	// pending counts the paused requests received and not yet answered.
	pending int
	// sockets counts, by URL, the websockets with recorded frames still
	// to play.
	sockets map[string]int
	last    time.Time
	// queue holds the paused requests received and not yet matched, in
	// arrival order; wake tells serve that it grew.
	queue []fetch.EventRequestPaused
	wake  chan struct{}
	// deciding counts the requests serve took from queue and has not
	// logged yet: the report waits for both to be empty (see settle).
	deciding int
	// started are the tab's requests the page started (Network) that
	// interception has not shown yet, by network request ID. Chrome
	// reads a request's whole body before it pauses the request: a
	// 21 MB upload reaches Fetch tens of seconds later on a loaded
	// machine. Without this, the replay would look quiet and end (or
	// run the next step) before it arrives.
	started map[string]startedRequest
	// intercepted are the network IDs interception showed: Chrome can
	// send a request's Network.requestWillBeSent after Fetch paused it,
	// and such a request is not waited for again.
	intercepted map[string]bool
	// limit is startedLimit, which a test shortens.
	limit time.Duration

	// bodies holds the large request bodies taken out of the browser's
	// messages (nil: none are).
	bodies *bodyFilter

	// repeats counts answers per recorded method and URL path; loop
	// names the first one asked far more often than recorded, and
	// looping closes then.
	repeats map[string]int
	loop    string
	looping chan struct{}

	// testHookDecide, when set, runs before a request is matched.
	testHookDecide func(url string)
}

// startedRequest is a request the page started that interception has not
// shown yet.
type startedRequest struct {
	at          time.Time
	method, url string
	body        bool // the request has a body, which Chrome reads first
	noted       bool // the wait for it was logged
}

// startedLimit is how long a request the page started without a body may
// keep the replay from being quiet before interception shows it (one that
// never reaches interception, say). A request with a body has no such
// limit but --timeout: Chrome reads the whole body before interception
// sees it, which takes as long as it takes.
const startedLimit = 15 * time.Second

func newServer(m *Matcher, logf func(string, ...any)) *server {
	return &server{m: m, logf: logf, last: time.Now(), started: map[string]startedRequest{}, intercepted: map[string]bool{}, limit: startedLimit, wake: make(chan struct{}, 1), looping: make(chan struct{}), repeats: map[string]int{}, sockets: map[string]int{}}
}

// pageRequest notes a request the page started.
func (s *server) pageRequest(id, method, url string, body bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.intercepted[id] {
		return
	}
	s.started[id] = startedRequest{at: time.Now(), method: method, url: url, body: body}
}

// pageRequestEnded notes a request that ended without interception's help
// (a cache hit, a blob: URL) or was answered.
func (s *server) pageRequestEnded(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.started[id]; ok {
		delete(s.started, id)
		s.last = time.Now()
	}
}

// touch notes activity: the replay is quiet only when nothing happened for
// the quiet period.
func (s *server) touch() {
	s.mu.Lock()
	s.last = time.Now()
	s.mu.Unlock()
}

// idleSince returns since when nothing was pending, or the zero time while
// a request is pending.
func (s *server) idleSince() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending > 0 || len(s.sockets) > 0 {
		return time.Time{}
	}
	for id, r := range s.started {
		if r.body || time.Since(r.at) < s.limit {
			return time.Time{}
		}
		delete(s.started, id)
	}
	return s.last
}

// answering counts the paused requests the replay received and has not
// answered yet (held-open ones are answered by doing nothing).
func (s *server) answering() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// holdSocket keeps the replay from being quiet while a websocket has
// frames to play; the returned func (safe to call twice) lets go.
func (s *server) holdSocket(url string) func() {
	s.mu.Lock()
	s.sockets[url]++
	s.mu.Unlock()
	return sync.OnceFunc(func() {
		s.mu.Lock()
		if s.sockets[url]--; s.sockets[url] <= 0 {
			delete(s.sockets, url)
		}
		s.last = time.Now()
		s.mu.Unlock()
	})
}

// waitingOnRecording says whether all that keeps the replay from being
// quiet waits on the recording (websockets with frames to play, requests
// without a body that interception has not shown), and lists it: once the
// recording's timeline is over, nothing more of it will come. Paused
// requests being answered and uploads Chrome is still reading are the
// replay's own work, not the recording's.
func (s *server) waitingOnRecording() (bool, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending > 0 || len(s.queue) > 0 {
		return false, nil
	}
	var what []string
	for u, n := range s.sockets {
		what = append(what, fmt.Sprintf("websocket %s (recorded frames still to play on %d connection(s))", shortURL(u), n))
	}
	for _, r := range s.started {
		if r.body {
			return false, nil
		}
		what = append(what, fmt.Sprintf("%s %s (never reached interception)", r.method, shortURL(r.url)))
	}
	sort.Strings(what)
	return true, what
}

// noteWaits says, once per request, which upload the replay is waiting
// for interception to show: a wait of tens of seconds is otherwise
// silent.
func (s *server) noteWaits() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.started {
		if r.body && !r.noted && time.Since(r.at) > 3*time.Second {
			r.noted = true
			s.started[id] = r
			s.logf("replay: waiting for %s %s: Chrome reads the whole body before interception sees it", r.method, shortURL(r.url))
		}
	}
}

// startedLike returns the earliest started request with method and url.
func (s *server) startedLike(method, url string) (string, bool) {
	var best string
	var at time.Time
	for id, r := range s.started {
		if r.method == method && r.url == url && (best == "" || r.at.Before(at)) {
			best, at = id, r.at
		}
	}
	return best, best != ""
}

// paused takes a paused request from the browser. It runs in chromedp's
// reader (a ListenBrowser func, which gets the event decoded once for all
// listeners: decoding it again for an iterator doubled the work on a 21 MB
// upload), so it only queues the request for serve.
func (s *server) paused(ev *fetch.EventRequestPaused) {
	s.mu.Lock()
	s.pending++
	s.last = time.Now()
	id := string(ev.NetworkID)
	s.intercepted[id] = true
	if _, ok := s.started[id]; ok {
		delete(s.started, id)
	} else if id, ok := s.startedLike(ev.Request.Method, ev.Request.URL+ev.Request.URLFragment); ok {
		// The page's request under another ID (a service worker
		// fetched it for the page, say): the same method and URL.
		delete(s.started, id)
	}
	s.queue = append(s.queue, *ev)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// serve matches the queued paused requests until ctx ends. Matching runs
// here, in arrival order, so that sequence-aware matching sees requests as
// the browser sent them; the answers go out concurrently.
func (s *server) serve(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		for {
			s.mu.Lock()
			if len(s.queue) == 0 {
				s.mu.Unlock()
				break
			}
			ev := s.queue[0]
			s.queue[0] = fetch.EventRequestPaused{} // let a large body go
			s.queue = s.queue[1:]
			s.deciding++
			s.mu.Unlock()
			if s.testHookDecide != nil {
				s.testHookDecide(ev.Request.URL)
			}
			answer := s.decide(ev)
			s.mu.Lock()
			s.deciding--
			s.mu.Unlock()
			url := ev.Request.URL
			wg.Go(func() {
				defer func() {
					s.mu.Lock()
					s.pending--
					s.last = time.Now()
					s.mu.Unlock()
				}()
				if err := answer(ctx); err != nil && ctx.Err() == nil {
					s.logf("replay: answering %s: %v", url, err)
				}
			})
		}
	}
}

// settle waits until every paused request received so far is matched and
// in the log, so that a report made next holds each of them with its
// status; false when ctx ended first.
func (s *server) settle(ctx context.Context) bool {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		done := len(s.queue) == 0 && s.deciding == 0
		s.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}

// inFlight returns the requests the page started that interception never
// showed, as log lines for the report.
func (s *server) inFlight() []RequestLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RequestLog
	for _, r := range s.started {
		out = append(out, RequestLog{Method: r.method, URL: r.url, Outcome: InFlight, Entry: -1,
			Reason: fmt.Sprintf("sent by the page %s before the replay ended, never reached interception (Chrome reads a request's whole body first: a large upload takes long on a busy machine)",
				time.Since(r.at).Round(time.Second))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out
}

// decide matches one request, records the outcome and returns the call that
// answers the browser.
func (s *server) decide(ev fetch.EventRequestPaused) func(context.Context) error {
	r := ev.Request
	if s.stream.owns(r.URL) {
		// a large body's request, continued to the player: let it go
		return func(ctx context.Context) error {
			_, err := chromedp.CallBrowser(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			return err
		}
	}
	full := r.URL + r.URLFragment
	req := Request{Method: r.Method, URL: full, Header: lowerHeaders(r.Headers)}
	for _, e := range r.PostDataEntries {
		b := e.Bytes
		if body, ok, err := s.bodies.take(b); ok {
			if err != nil {
				s.logf("replay: the body of %s %s does not decode whole, matched with what did: %v", r.Method, shortURL(full), err)
			}
			b = body
		}
		if len(r.PostDataEntries) == 1 {
			req.Body = b // no copy of a large upload
			break
		}
		req.Body = append(req.Body, b...)
	}
	req.BodyUnknown = r.HasPostData && len(req.Body) == 0
	rl := RequestLog{Method: r.Method, URL: full, Type: string(ev.ResourceType), Entry: -1}
	id := ev.RequestID

	m := s.m.Match(req)
	var answer func(context.Context) error
	switch {
	case m.Entry != nil:
		e, served := m.Entry.Entry, m.Entry.Index
		rl.Entry, rl.Score, rl.Reason = m.Entry.Index, m.Score, m.Reason
		rl.Outcome = ServedExact
		if m.Kind == Fuzzy {
			rl.Outcome = ServedFuzzy
		}
		if reason, failed := recordedFailure(e); failed {
			rl.Outcome = FailedAsRecorded
			rl.Reason += "; failed as recorded: " + string(reason)
			answer = failWith(id, reason)
			break
		}
		if why, open := heldOpen(e); open {
			// In flight when the recording stopped (a long poll, a
			// stream): it stays pending here too, as the user's
			// browser had it, and does not hold the replay open. An
			// empty success would start the page's retry loop.
			rl.Reason += "; " + why + ": held open, never answered"
			rl.HeldOpen = true
			answer = func(context.Context) error { return nil }
			break
		}
		s.countRepeat(m.Entry, rl)
		if e.Response.Status == 304 && !isConditional(req) {
			// The user's browser had it cached; this fresh profile
			// asks without a validator, so a 304 would reach the page.
			if full := s.m.lastFull(m.Entry); full != nil {
				rl.Reason += fmt.Sprintf("; recorded 304 answered with the full response of entry #%d (the request is not conditional)", full.Index)
				e, served = full.Entry, full.Index
			}
		}
		rl.Status = e.Response.Status
		if s.stream.streams(served) {
			rl.Reason += "; large body streamed from the recording"
			answer = s.stream.answer(id, served, e)
			break
		}
		if c := e.Response.Content; c.Text == "" && c.Size > 0 && len(e.EventSourceMessages) == 0 {
			rl.Reason += fmt.Sprintf("; the recording has no body (%d bytes left out, e.g. by the bundle's size budget): served empty", c.Size)
		}
		answer = fulfillEntry(id, e)
	case isPreflight(req):
		rl.Outcome, rl.Reason, rl.Status = Synthesized, "CORS preflight not recorded: allowed what it asks", 204
		answer = fulfill(id, 204, preflightHeaders(req), nil)
	case isBrowserFavicon(ev):
		rl.Outcome, rl.Reason, rl.Status = Ignored, "the browser's own favicon request: "+m.Reason, 204
		answer = fulfill(id, 204, nil, nil)
	default:
		rl.Outcome, rl.Reason = Blocked, m.Reason
		answer = failWith(id, network.ErrorReasonBlockedByClient)
	}
	s.mu.Lock()
	s.log = append(s.log, rl)
	s.mu.Unlock()
	s.logf("replay: %-9s %s %s (%s)", rl.Outcome, rl.Method, shortURL(rl.URL), rl.Reason)
	return answer
}

// addSocket records a websocket connection that the player answered or refused.
func (s *server) addSocket(rl RequestLog) {
	s.mu.Lock()
	s.log = append(s.log, rl)
	s.last = time.Now()
	s.mu.Unlock()
	s.logf("replay: %-9s %s %s (%s)", rl.Outcome, rl.Method, shortURL(rl.URL), rl.Reason)
}

func shortURL(u string) string {
	if len(u) > 120 {
		return u[:117] + "..."
	}
	return u
}

func lowerHeaders(h network.Headers) map[string]string {
	m := make(map[string]string, len(h))
	for k, v := range h {
		m[strings.ToLower(k)] = fmt.Sprint(v)
	}
	return m
}

func isConditional(r Request) bool {
	return r.Header["if-none-match"] != "" || r.Header["if-modified-since"] != ""
}

func isPreflight(r Request) bool {
	return strings.EqualFold(r.Method, "OPTIONS") && r.Header["access-control-request-method"] != ""
}

func isBrowserFavicon(ev fetch.EventRequestPaused) bool {
	u, err := url.Parse(ev.Request.URL)
	return err == nil && u.Path == "/favicon.ico" && ev.ResourceType == network.ResourceTypeOther
}

// preflightHeaders allow what a preflight asks: the recorded answer to the
// real request then decides, as it did for the user.
func preflightHeaders(r Request) []*fetch.HeaderEntry {
	origin := r.Header["origin"]
	if origin == "" {
		origin = "*"
	}
	h := []*fetch.HeaderEntry{
		{Name: "Access-Control-Allow-Origin", Value: origin},
		{Name: "Access-Control-Allow-Methods", Value: r.Header["access-control-request-method"]},
		{Name: "Access-Control-Max-Age", Value: "600"},
		{Name: "Vary", Value: "Origin"},
	}
	if origin != "*" {
		h = append(h, &fetch.HeaderEntry{Name: "Access-Control-Allow-Credentials", Value: "true"})
	}
	if v := r.Header["access-control-request-headers"]; v != "" {
		h = append(h, &fetch.HeaderEntry{Name: "Access-Control-Allow-Headers", Value: v})
	}
	if r.Header["access-control-request-private-network"] == "true" {
		h = append(h, &fetch.HeaderEntry{Name: "Access-Control-Allow-Private-Network", Value: "true"})
	}
	return h
}

// recordedFailure tells whether the recorded request failed (no response,
// an error text) and the protocol's nearest error reason.
func recordedFailure(e *har.Entry) (network.ErrorReason, bool) {
	text := e.Response.Error
	if text == "" {
		text = e.Error
	}
	if e.Response.Status != 0 {
		return "", false
	}
	if text == "" && e.BlockedReason == "" && e.CorsError == "" {
		return "", false
	}
	if e.BlockedReason != "" {
		if strings.Contains(strings.ToLower(e.BlockedReason), "response") || strings.Contains(e.BlockedReason, "coep") || strings.Contains(e.BlockedReason, "corp") {
			return network.ErrorReasonBlockedByResponse, true
		}
		return network.ErrorReasonBlockedByClient, true
	}
	return errorReason(text), true
}

// errorReason maps a net::ERR_… text to the nearest Fetch error reason.
func errorReason(text string) network.ErrorReason {
	t := strings.ToUpper(text)
	for _, p := range []struct {
		sub    string
		reason network.ErrorReason
	}{
		{"CONNECTION_REFUSED", network.ErrorReasonConnectionRefused},
		{"CONNECTION_RESET", network.ErrorReasonConnectionReset},
		{"CONNECTION_CLOSED", network.ErrorReasonConnectionClosed},
		{"EMPTY_RESPONSE", network.ErrorReasonConnectionClosed},
		{"CONNECTION_ABORTED", network.ErrorReasonConnectionAborted},
		{"CONNECTION_FAILED", network.ErrorReasonConnectionFailed},
		{"NAME_NOT_RESOLVED", network.ErrorReasonNameNotResolved},
		{"NAME_RESOLUTION_FAILED", network.ErrorReasonNameNotResolved},
		{"INTERNET_DISCONNECTED", network.ErrorReasonInternetDisconnected},
		{"ADDRESS_UNREACHABLE", network.ErrorReasonAddressUnreachable},
		{"TIMED_OUT", network.ErrorReasonTimedOut},
		{"ACCESS_DENIED", network.ErrorReasonAccessDenied},
		{"BLOCKED_BY_CLIENT", network.ErrorReasonBlockedByClient},
		{"BLOCKED_BY_RESPONSE", network.ErrorReasonBlockedByResponse},
		{"BLOCKED_BY_ORB", network.ErrorReasonBlockedByResponse},
		{"ABORTED", network.ErrorReasonAborted},
	} {
		if strings.Contains(t, p.sub) {
			return p.reason
		}
	}
	return network.ErrorReasonFailed
}

// droppedResponseHeaders are recorded headers a fulfilled response must not
// carry: the body is handed over decoded and whole, and HTTP/2 pseudo-headers
// are not headers.
var droppedResponseHeaders = map[string]bool{
	"content-encoding":  true,
	"content-length":    true,
	"transfer-encoding": true,
	"connection":        true,
	"keep-alive":        true,
}

// responseHeaders returns the recorded headers to send: each Set-Cookie on
// its own (a header joined with newlines is split again).
func responseHeaders(hs []har.NameValue) []*fetch.HeaderEntry {
	out := make([]*fetch.HeaderEntry, 0, len(hs))
	for _, h := range hs {
		n := strings.ToLower(h.Name)
		if strings.HasPrefix(h.Name, ":") || droppedResponseHeaders[n] {
			continue
		}
		if !validHeaderName(h.Name) {
			continue
		}
		for v := range strings.SplitSeq(h.Value, "\n") {
			v = strings.TrimSuffix(v, "\r")
			if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
				continue // Chrome refuses control characters; skip this one header
			}
			out = append(out, &fetch.HeaderEntry{Name: h.Name, Value: v})
		}
	}
	return out
}

// validHeaderName reports whether name is an HTTP token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// entryBody decodes the recorded response body. An event stream whose
// body was not kept is rebuilt from its recorded messages.
func entryBody(e *har.Entry) []byte {
	c := e.Response.Content
	if c.Text == "" && len(e.EventSourceMessages) > 0 {
		var b strings.Builder
		for _, m := range e.EventSourceMessages {
			if m.EventID != "" {
				b.WriteString("id: " + m.EventID + "\n")
			}
			if m.EventName != "" && m.EventName != "message" {
				b.WriteString("event: " + m.EventName + "\n")
			}
			for line := range strings.SplitSeq(m.Data, "\n") {
				b.WriteString("data: " + line + "\n")
			}
			b.WriteString("\n")
		}
		return []byte(b.String())
	}
	if c.Encoding == "base64" {
		if b, err := base64.StdEncoding.DecodeString(c.Text); err == nil {
			return b
		}
	}
	return []byte(c.Text)
}

// fulfillEntry answers with the recorded response. Chrome refuses some
// recorded headers (bad characters, odd values): then it answers with the
// content type alone, and if even that is refused it fails the request, so
// that nothing stays paused.
func fulfillEntry(id fetch.RequestID, e *har.Entry) func(context.Context) error {
	status, body := int64(e.Response.Status), entryBody(e)
	return func(ctx context.Context) error {
		err := fulfill(id, status, responseHeaders(e.Response.Headers), body)(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		var minimal []*fetch.HeaderEntry
		if ct := headerValue(e.Response.Headers, "Content-Type"); ct != "" {
			minimal = append(minimal, &fetch.HeaderEntry{Name: "Content-Type", Value: ct})
		}
		if loc := headerValue(e.Response.Headers, "Location"); loc != "" {
			minimal = append(minimal, &fetch.HeaderEntry{Name: "Location", Value: loc})
		}
		if err2 := fulfill(id, status, minimal, body)(ctx); err2 == nil {
			return fmt.Errorf("recorded headers refused, answered with the content type only: %w", err)
		}
		if err3 := failWith(id, network.ErrorReasonFailed)(ctx); err3 != nil {
			return fmt.Errorf("recorded response refused (%v) and failing it failed too: %w", err, err3)
		}
		return fmt.Errorf("recorded response refused, failed the request instead: %w", err)
	}
}

func fulfill(id fetch.RequestID, status int64, headers []*fetch.HeaderEntry, body []byte) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := chromedp.CallBrowser(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
			RequestID: id, ResponseCode: status, ResponseHeaders: headers, Body: body,
		})
		return err
	}
}

func failWith(id fetch.RequestID, reason network.ErrorReason) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := chromedp.CallBrowser(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: id, ErrorReason: reason})
		return err
	}
}
