package replay

import (
	"net/url"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/reprokit/reprokit/host/har"
)

func socketArchive() *Archive {
	now := float64(time.Now().Unix())
	e := har.Entry{StartedDateTime: time.Unix(int64(now), 0).UTC().Format(time.RFC3339Nano), ResourceType: "websocket"}
	e.Request.Method, e.Request.URL = "GET", "wss://chat.test/live?room=1"
	e.Response.Status = 101
	e.Response.Headers = []har.NameValue{{Name: "Sec-WebSocket-Protocol", Value: "chat.v2"}}
	e.WebSocketMessages = []har.WebSocketMessage{
		{Type: "receive", Time: now + 0.0, Opcode: 1, Data: "hello"},
		{Type: "receive", Time: now + 0.4, Opcode: 1, Data: "later"},
		{Type: "send", Time: now + 0.5, Opcode: 1, Data: "question"},
		{Type: "receive", Time: now + 0.6, Opcode: 1, Data: "answer"},
		{Type: "receive", Time: now + 0.6, Opcode: 2, Data: "[REDACTED:ws-binary:1f] 5 bytes"},
	}
	e.WebSocketClose = &har.WebSocketClose{Time: now + 1, Closed: true}
	h := &har.HAR{}
	h.Log.Entries = []har.Entry{e}
	return NewArchive(h)
}

func dialPlayer(t *testing.T, p *wsPlayer, orig string, protos ...string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{Subprotocols: protos}
	c, _, err := d.Dial(p.URL()+"?u="+url.QueryEscape(orig), nil)
	if err != nil {
		t.Fatalf("dial the player for %s: %v", orig, err)
	}
	return c
}

// The player plays the recorded server frames in order, keeps the recorded
// gaps when paced, holds a server frame until the client frame that came
// before it in the recording has arrived, agrees on the recorded
// subprotocol and closes as the recording did.
func TestPlayerPlaysRecordedSocket(t *testing.T) {
	for _, pace := range []Pacing{PaceRecorded, PaceNone} {
		t.Run(string(pace), func(t *testing.T) {
			m := NewMatcher(socketArchive(), MatchOptions{})
			srv := newServer(m, t.Logf)
			p, err := startPlayer(m, srv, pace)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			c := dialPlayer(t, p, "wss://chat.test/live?room=1", "chat.v2")
			defer c.Close()
			if c.Subprotocol() != "chat.v2" {
				t.Errorf("subprotocol %q, want the recorded chat.v2", c.Subprotocol())
			}
			read := func() (string, time.Time) {
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, b, err := c.ReadMessage()
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				return string(b), time.Now()
			}
			first, t0 := read()
			second, t1 := read()
			if first != "hello" || second != "later" {
				t.Fatalf("frames %q, %q; want hello, later", first, second)
			}
			if gap := t1.Sub(t0); pace == PaceRecorded && gap < 300*time.Millisecond {
				t.Errorf("paced gap %s, recorded 400ms", gap)
			}
			// "answer" came after the client's "question": not before it.
			c.SetReadDeadline(time.Now().Add(700 * time.Millisecond))
			if _, b, err := c.ReadMessage(); err == nil {
				t.Fatalf("got %q before the client asked", b)
			}
			c.Close()
			c = dialPlayer(t, p, "wss://chat.test/live?room=1", "chat.v2")
			read()
			read()
			if err := c.WriteMessage(websocket.TextMessage, []byte("question")); err != nil {
				t.Fatal(err)
			}
			if a, _ := read(); a != "answer" {
				t.Fatalf("got %q, want answer", a)
			}
			if b, _ := read(); b != "\x00\x00\x00\x00\x00" {
				t.Fatalf("a redacted binary frame came as %q, want its 5 bytes as zeros", b)
			}
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			_, _, err = c.ReadMessage()
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				t.Errorf("after the last frame: %v, want the recorded normal close", err)
			}
			if sent, got := p.Frames(); sent < 6 || got != 1 {
				t.Errorf("frames sent/received %d/%d", sent, got)
			}
		})
	}
}

// A websocket the recording does not hold is refused and listed.
func TestPlayerRefusesUnrecordedSocket(t *testing.T) {
	m := NewMatcher(socketArchive(), MatchOptions{})
	srv := newServer(m, t.Logf)
	p, err := startPlayer(m, srv, PaceNone)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, resp, err := websocket.DefaultDialer.Dial(p.URL()+"?u="+url.QueryEscape("wss://chat.test/other"), nil)
	if err == nil || resp == nil || resp.StatusCode != 404 {
		t.Fatalf("dial an unrecorded socket: %v %v, want 404", err, resp)
	}
	if len(srv.log) != 1 || srv.log[0].Outcome != Blocked {
		t.Fatalf("log %+v, want one unmatched socket", srv.log)
	}
}
