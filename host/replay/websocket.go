package replay

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/reprokit/reprokit/host/har"
)

// Pacing says when the websocket player sends the recorded server frames.
type Pacing string

// The pacing modes.
const (
	// PaceRecorded keeps the recorded gaps between frames (each capped at
	// [maxFrameGap]) and waits for the client frames that came first.
	PaceRecorded Pacing = "recorded"
	// PaceNone sends each server frame as soon as the client frames that
	// preceded it in the recording have arrived.
	PaceNone Pacing = "none"
)

// maxFrameGap caps one recorded pause, so that a socket that idled for
// minutes does not stall a replay.
const maxFrameGap = 5 * time.Second

// clientWait is how long a server frame waits for the client frames that
// preceded it in the recording before it is sent anyway.
const clientWait = 5 * time.Second

// wsPlayer is a loopback websocket server that plays recorded sockets. The
// page reaches it through [socketScript], which rewrites the URL of every
// WebSocket the page opens to ws://127.0.0.1:PORT/ws?u=<original URL>.
type wsPlayer struct {
	m      *Matcher
	srv    *server
	pace   Pacing
	ln     net.Listener
	hs     *http.Server
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	frames    int // server frames sent
	got       int // client frames received
	matched   int // client frames matched to a recorded one
	rewritten int // ids rewritten in the replies
	zeroed    int // redacted binary frames sent as zeros
	unmatched []string
	conns     map[*websocket.Conn]bool
	wg        sync.WaitGroup
}

func startPlayer(m *Matcher, srv *server, pace Pacing) (*wsPlayer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the websocket player on loopback: %w", err)
	}
	p := &wsPlayer{m: m, srv: srv, pace: pace, ln: ln, conns: map[*websocket.Conn]bool{}}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", p.handle)
	if srv.stream != nil {
		mux.Handle(srv.stream.path, srv.stream)
		srv.stream.base = "http://" + ln.Addr().String() + srv.stream.path
	}
	p.hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go p.hs.Serve(ln)
	return p, nil
}

// URL is the player's endpoint, ws://127.0.0.1:PORT/ws.
func (p *wsPlayer) URL() string { return "ws://" + p.ln.Addr().String() + "/ws" }

// Close stops the player and its connections.
func (p *wsPlayer) Close() {
	p.cancel()
	p.hs.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Frames returns how many server frames the player sent and client frames it received.
func (p *wsPlayer) Frames() (sent, received int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frames, p.got
}

// conversations fills the report's websocket figures.
func (p *wsPlayer) conversations(r *Report) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := &r.WebSocketFrames
	f.Sent, f.Received, f.Matched, f.Unmatched, f.IDsRewritten, f.Zeroed = p.frames, p.got, p.matched, len(p.unmatched), p.rewritten, p.zeroed
	r.UnmatchedMessages = append([]string(nil), p.unmatched...)
}

func (p *wsPlayer) handle(w http.ResponseWriter, r *http.Request) {
	orig := r.URL.Query().Get("u")
	if strings.HasPrefix(orig, "http") {
		orig = "ws" + strings.TrimPrefix(orig, "http")
	}
	rl := RequestLog{Method: "GET", URL: orig, Type: "WebSocket", Entry: -1}
	m := p.m.Match(Request{Method: "GET", URL: orig, Header: map[string]string{}})
	if m.Entry == nil {
		rl.Outcome, rl.Reason = Blocked, m.Reason
		p.srv.addSocket(rl)
		http.Error(w, "reprokit replay: no recorded websocket for "+orig, http.StatusNotFound)
		return
	}
	e := m.Entry.Entry
	rl.Entry, rl.Score, rl.Status = m.Entry.Index, m.Score, 101
	rl.Outcome, rl.Reason = ServedExact, m.Reason
	if m.Kind == Fuzzy {
		rl.Outcome = ServedFuzzy
	}
	if reason, failed := recordedFailure(e); failed && len(e.WebSocketMessages) == 0 {
		rl.Outcome, rl.Reason = FailedAsRecorded, m.Reason+"; failed as recorded: "+string(reason)
		p.srv.addSocket(rl)
		http.Error(w, "reprokit replay: this websocket failed in the recording", http.StatusBadGateway)
		return
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	if proto := headerValue(e.Response.Headers, "Sec-WebSocket-Protocol"); proto != "" {
		up.Subprotocols = []string{proto}
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		rl.Outcome, rl.Reason = Blocked, "websocket upgrade failed: "+err.Error()
		p.srv.addSocket(rl)
		return
	}
	p.srv.addSocket(rl)
	p.mu.Lock()
	p.conns[conn] = true
	p.mu.Unlock()
	p.wg.Add(1)
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		delete(p.conns, conn)
		p.mu.Unlock()
		conn.Close()
	}()
	p.play(conn, e)
}

// play holds the recorded conversation ([conversation]) with the page: each
// message the page sends is matched to a recorded one and answered with
// the recorded replies, their ids rewritten to the page's; the messages
// that answered nothing keep their place on the timeline: one that came
// after n page messages in the recording waits (up to clientWait) until
// the page has sent n here too. With PaceRecorded every frame also keeps
// its recorded gap (each capped at maxFrameGap).
func (p *wsPlayer) play(conn *websocket.Conn, e *har.Entry) {
	conv := newConversation(e.WebSocketMessages, startSeconds(e))
	var (
		writeMu sync.Mutex
		mu      sync.Mutex // guards clients, all, bound, skipped
		clients int        // page messages received here
		all     binding    // every id learned on this connection
		// bound is the live ids of each recorded send the page's
		// messages were matched to (its latest match).
		bound = map[*recordedSend]binding{}
		// skipped are the replies the ordered playback passed over
		// because the page had not sent their request yet.
		skipped = map[*recordedSend][]recordedReply{}
		batches sync.WaitGroup
	)
	arrived := make(chan struct{}, 1)
	readDone := make(chan struct{})
	// Frames still to play hold the replay open (until the recording's
	// timeline is over).
	hold := func() func() { return p.srv.holdSocket(e.Request.URL) }
	// wait sleeps a recorded gap; false when the socket or player ended.
	wait := func(gap float64) bool {
		if p.pace != PaceRecorded || gap <= 0 {
			return true
		}
		select {
		case <-time.After(min(time.Duration(gap*float64(time.Second)), maxFrameGap)):
			return true
		case <-readDone:
			return false
		case <-p.ctx.Done():
			return false
		}
	}
	send := func(m har.WebSocketMessage, b binding) bool {
		typ, data := websocket.TextMessage, []byte(m.Data)
		if m.Opcode == 2 {
			typ = websocket.BinaryMessage
			if n, ok := sizedRedaction(m.Data); ok && n < 64<<20 {
				data = make([]byte, n) // redacted in the bundle: the size is all that is left
				p.mu.Lock()
				p.zeroed++
				p.mu.Unlock()
			} else if b, err := base64.StdEncoding.DecodeString(m.Data); err == nil {
				data = b
			}
		} else if text, n := b.rewrite(m); n > 0 {
			data = []byte(text)
			p.mu.Lock()
			p.rewritten += n
			p.mu.Unlock()
		}
		writeMu.Lock()
		err := conn.WriteMessage(typ, data)
		writeMu.Unlock()
		if err != nil {
			return false
		}
		p.mu.Lock()
		p.frames++
		p.mu.Unlock()
		p.srv.touch()
		return true
	}

	go func() {
		defer close(readDone)
		for {
			typ, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			p.srv.touch()
			mu.Lock()
			clients++
			n := clients
			mt := conv.match(data, typ == websocket.BinaryMessage, p.m.volatile)
			if len(mt.bind) > 0 {
				// The latest ids first: a reused recorded id means the newest.
				all = append(slices.Clone(mt.bind), all[:min(len(all), 256)]...)
			}
			// The ordered playback sends a send's replies in their
			// place in the stream, the first time it is matched; a
			// repeat, or a request that came after the playback gave
			// up on it, gets its replies on their own.
			var again []recordedReply
			if mt.send != nil {
				bound[mt.send] = mt.bind
				if mt.send.used > 1 {
					again = mt.send.replies
				} else if sk := skipped[mt.send]; len(sk) > 0 {
					again = sk
					delete(skipped, mt.send)
				}
			}
			mu.Unlock()
			p.noteClient(e.Request.URL, n, mt)
			select {
			case arrived <- struct{}{}:
			default:
			}
			if len(again) == 0 {
				continue
			}
			release := hold()
			batches.Go(func() {
				defer release()
				for _, r := range again {
					if !wait(r.replyGap) || !send(r.msg, mt.bind) {
						return
					}
				}
			})
		}
	}()
	defer batches.Wait()

	received := func() int {
		mu.Lock()
		defer mu.Unlock()
		return clients
	}
	// waitClients waits until the page sent n messages, or clientWait.
	waitClients := func(n int) bool {
		deadline := time.After(clientWait)
		for received() < n {
			select {
			case <-arrived:
			case <-deadline:
				return true
			case <-readDone:
				return false
			case <-p.ctx.Done():
				return false
			}
		}
		return true
	}
	// waitMatched waits until the page sent the request s stands for,
	// or clientWait; false with ok when it did not come.
	waitMatched := func(s *recordedSend) (matched, ok bool) {
		deadline := time.After(clientWait)
		for {
			mu.Lock()
			_, done := bound[s]
			mu.Unlock()
			if done {
				return true, true
			}
			select {
			case <-arrived:
			case <-deadline:
				return false, true
			case <-readDone:
				return false, false
			case <-p.ctx.Done():
				return false, false
			}
		}
	}
	release := hold()
	defer release()
	// Every server message in recorded order: a reply waits for its
	// request, an unsolicited message for the page messages before it.
	for _, r := range conv.receives {
		if r.to == nil {
			if !waitClients(r.after) {
				return
			}
		} else {
			// A request given up on once is not waited for again.
			mu.Lock()
			_, matched := bound[r.to]
			given := len(skipped[r.to]) > 0
			mu.Unlock()
			if !matched && !given {
				var ok bool
				if matched, ok = waitMatched(r.to); !ok {
					return
				}
			}
			if !matched {
				mu.Lock()
				// Checked again with the lock the reader takes: a
				// request that came just now is answered here.
				if _, matched = bound[r.to]; !matched {
					skipped[r.to] = append(skipped[r.to], r)
				}
				mu.Unlock()
				if !matched {
					continue
				}
			}
		}
		if !wait(r.gap) {
			return
		}
		mu.Lock()
		b := all
		if r.to != nil {
			b = bound[r.to]
		}
		mu.Unlock()
		if !send(r.msg, b) {
			return
		}
	}
	if e.WebSocketClose != nil && e.WebSocketClose.Closed {
		// The close came after the page's last messages and their
		// replies: wait for them.
		if !waitClients(len(conv.sends)) {
			release()
			return
		}
		batches.Wait()
		release()
		writeMu.Lock()
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		writeMu.Unlock()
	}
	release()
	select {
	case <-readDone:
	case <-p.ctx.Done():
	}
}

// noteClient logs how a message the page sent was matched, and counts it.
func (p *wsPlayer) noteClient(url string, n int, mt sendMatch) {
	p.mu.Lock()
	p.got++
	if mt.send == nil {
		p.unmatched = append(p.unmatched, fmt.Sprintf("%s message %d: %s", shortURL(url), n, mt.reason))
	} else {
		p.matched++
	}
	p.mu.Unlock()
	if mt.send == nil {
		p.srv.logf("replay: ws unmatched %s message %d: %s", shortURL(url), n, mt.reason)
		return
	}
	how := "exact"
	if !mt.exact {
		how = fmt.Sprintf("score %.2f", mt.score)
	}
	ids := ""
	if len(mt.bind) > 0 {
		ids = "; ids carried over: " + mt.bind.paths()
	}
	p.srv.logf("replay: ws message %d -> recorded #%d (%s: %s), %d repl(ies)%s", n, mt.send.order+1, how, mt.reason, len(mt.send.replies), ids)
}

// startSeconds is the entry's start in seconds since the epoch (0 if unknown).
func startSeconds(e *har.Entry) float64 {
	t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime)
	if err != nil {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// socketScript returns the script that runs before the page's own and sends
// every WebSocket the page opens to the player, keeping the original URL
// visible to the page. It also keeps the page's uncaught errors in
// __reprokitErrors, for the verdict: a popup's first script can throw
// before the replay watches the popup's console. It works in a worker too (globalThis, location). A
// same-origin popup gets it from its opener at window.open: its first
// scripts can run before the replay's preparation of the new target lands,
// and a popup keeps the window of its initial about:blank document (so
// what the opener installs there stays).
func socketScript(playerURL string) string {
	return strings.ReplaceAll(strings.ReplaceAll(`(() => {
  const player = "PLAYER";
  const install = (g) => {
    if (!g.__reprokitErrors && g.addEventListener) {
      const errs = [];
      Object.defineProperty(g, "__reprokitErrors", {value: errs});
      const keep = (v) => { if (errs.length < 100) errs.push(String(v && v.stack ? v : v).split("\n")[0]); };
      g.addEventListener("error", (e) => keep(e.error !== undefined && e.error !== null ? e.error : e.message));
      g.addEventListener("unhandledrejection", (e) => keep(e.reason));
    }
    UPLOADS
    const Orig = g.WebSocket;
    if (!Orig || Orig.__reprokitReplay) return;
    class WebSocket extends Orig {
      constructor(url, protocols) {
        const abs = new URL(String(url), g.location.href).href;
        if (protocols === undefined) super(player + "?u=" + encodeURIComponent(abs));
        else super(player + "?u=" + encodeURIComponent(abs), protocols);
        Object.defineProperty(this, "url", {value: abs, enumerable: true});
      }
    }
    Object.defineProperty(WebSocket, "__reprokitReplay", {value: true});
    Object.defineProperty(WebSocket, "name", {value: "WebSocket"});
    g.WebSocket = WebSocket;
    const open = g.open;
    if (typeof open === "function") {
      g.open = function (...a) {
        const w = open.apply(this, a);
        try { if (w) install(w); } catch (e) { /* another origin: the replay prepares it */ }
        return w;
      };
    }
  };
  install(globalThis);
})();`, "PLAYER", playerURL), "UPLOADS", uploadStandInScript)
}
