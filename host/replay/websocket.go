package replay

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
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

	mu     sync.Mutex
	frames int // server frames sent
	got    int // client frames received
	conns  map[*websocket.Conn]bool
	wg     sync.WaitGroup
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

// play sends the recorded server frames in order. A server frame that came
// after n client frames in the recording waits (up to clientWait) until the
// client has sent n frames here too; with PaceRecorded it also keeps the
// recorded gap to the frame before it.
func (p *wsPlayer) play(conn *websocket.Conn, e *har.Entry) {
	received := make(chan struct{}, 1024)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
			p.mu.Lock()
			p.got++
			p.mu.Unlock()
			p.srv.touch()
			select {
			case received <- struct{}{}:
			default:
			}
		}
	}()

	p.srv.mu.Lock()
	p.srv.pending++ // a socket with frames still to play holds the replay open
	p.srv.mu.Unlock()
	release := sync.OnceFunc(func() {
		p.srv.mu.Lock()
		p.srv.pending--
		p.srv.last = time.Now()
		p.srv.mu.Unlock()
	})
	defer release()

	sends := 0   // client frames seen so far in the recording
	clients := 0 // client frames received here
	prev := startSeconds(e)
	for _, msg := range e.WebSocketMessages {
		if msg.Type == "send" {
			sends++
			continue
		}
		if msg.Type != "receive" {
			continue
		}
		deadline := time.After(clientWait)
	wait:
		for clients < sends {
			select {
			case <-received:
				clients++
			case <-deadline:
				break wait
			case <-readDone:
				return
			case <-p.ctx.Done():
				return
			}
		}
		if p.pace == PaceRecorded && prev > 0 && msg.Time > prev {
			gap := min(time.Duration((msg.Time-prev)*float64(time.Second)), maxFrameGap)
			select {
			case <-time.After(gap):
			case <-readDone:
				return
			case <-p.ctx.Done():
				return
			}
		}
		if msg.Time > 0 {
			prev = msg.Time
		}
		typ, data := websocket.TextMessage, []byte(msg.Data)
		if msg.Opcode == 2 {
			typ = websocket.BinaryMessage
			if n, ok := sizedRedaction(msg.Data); ok && n < 64<<20 {
				data = make([]byte, n) // redacted in the bundle: the size is all that is left
			} else if b, err := base64.StdEncoding.DecodeString(msg.Data); err == nil {
				data = b
			}
		}
		if err := conn.WriteMessage(typ, data); err != nil {
			return
		}
		p.mu.Lock()
		p.frames++
		p.mu.Unlock()
		p.srv.touch()
	}
	if e.WebSocketClose != nil && e.WebSocketClose.Closed {
		// The close came after the client's last frames: wait for them.
		deadline := time.After(clientWait)
	drain:
		for clients < sends {
			select {
			case <-received:
				clients++
			case <-deadline:
				break drain
			case <-readDone:
				break drain
			case <-p.ctx.Done():
				return
			}
		}
		release()
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	}
	release()
	select {
	case <-readDone:
	case <-p.ctx.Done():
	}
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
// visible to the page. It works in a worker too (globalThis, location).
func socketScript(playerURL string) string {
	return strings.ReplaceAll(`(() => {
  const Orig = globalThis.WebSocket;
  if (!Orig || Orig.__reprokitReplay) return;
  const player = "PLAYER";
  class WebSocket extends Orig {
    constructor(url, protocols) {
      const abs = new URL(String(url), location.href).href;
      if (protocols === undefined) super(player + "?u=" + encodeURIComponent(abs));
      else super(player + "?u=" + encodeURIComponent(abs), protocols);
      Object.defineProperty(this, "url", {value: abs, enumerable: true});
    }
  }
  Object.defineProperty(WebSocket, "__reprokitReplay", {value: true});
  Object.defineProperty(WebSocket, "name", {value: "WebSocket"});
  globalThis.WebSocket = WebSocket;
})();`, "PLAYER", playerURL)
}
