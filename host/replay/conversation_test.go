package replay

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/reprokit/reprokit/host/har"
)

func frames(kinds ...string) []har.WebSocketMessage {
	var out []har.WebSocketMessage
	t := 1_800_000_000.0
	for i := 0; i+1 < len(kinds); i += 2 {
		t += 0.01
		out = append(out, har.WebSocketMessage{Type: kinds[i], Time: t, Opcode: 1, Data: kinds[i+1]})
	}
	return out
}

// Each protocol's client-made id is learned from the recorded replies and
// carried into them from the live message: Jupyter's header.msg_id (and the
// session every message repeats), JSON-RPC and GraphQL-ws id, Phoenix
// join_ref/ref, a Socket.IO ack number and a redacted value.
func TestConversationCarriesClientIDsIntoReplies(t *testing.T) {
	cases := []struct {
		name        string
		recorded    []har.WebSocketMessage
		live        string
		wantReply   string
		wantIDs     string
		unsolicited int
	}{
		{"jupyter",
			frames("receive", `{"msg_type":"status","content":{"execution_state":"starting"}}`,
				"send", `{"header":{"msg_id":"a1b2c3d4-0001","session":"sess-1111-2222","msg_type":"execute_request"},"content":{"code":"1+1"}}`,
				"receive", `{"header":{"msg_id":"srv-9"},"parent_header":{"msg_id":"a1b2c3d4-0001","session":"sess-1111-2222"},"content":{"data":"2"}}`),
			`{"header":{"msg_id":"ffff-0042","session":"sess-live-9999","msg_type":"execute_request"},"content":{"code":"1+1"}}`,
			`{"header":{"msg_id":"srv-9"},"parent_header":{"msg_id":"ffff-0042","session":"sess-live-9999"},"content":{"data":"2"}}`,
			"header.msg_id, header.session", 1},
		{"json-rpc",
			frames("send", `{"jsonrpc":"2.0","id":17,"method":"sum","params":[1,2]}`,
				"receive", `{"jsonrpc":"2.0","id":17,"result":3}`),
			`{"jsonrpc":"2.0","id":903,"method":"sum","params":[1,2]}`,
			`{"jsonrpc":"2.0","id":903,"result":3}`, "id", 0},
		{"graphql-ws",
			frames("send", `{"id":"1f0e","type":"subscribe","payload":{"query":"{me{name}}"}}`,
				"receive", `{"id":"1f0e","type":"next","payload":{"data":{"me":{"name":"A"}}}}`),
			`{"id":"77aa","type":"subscribe","payload":{"query":"{me{name}}"}}`,
			`{"id":"77aa","type":"next","payload":{"data":{"me":{"name":"A"}}}}`, "id", 0},
		{"phoenix",
			frames("send", `["3","3","room:lobby","phx_join",{}]`,
				"receive", `["3","3","room:lobby","phx_reply",{"status":"ok"}]`),
			`["12","12","room:lobby","phx_join",{}]`,
			`["12","12","room:lobby","phx_reply",{"status":"ok"}]`, "[0], [1]", 0},
		{"socket.io ack",
			frames("send", `4213["chat","hi"]`,
				"receive", `4313[{"ok":true}]`),
			`4221["chat","hi"]`,
			`4321[{"ok":true}]`, "@ack", 0},
		{"redacted id",
			frames("send", `{"token":"[REDACTED:secret:0a1b2c3d]","op":"auth"}`,
				"receive", `{"ok":true,"echo":"[REDACTED:secret:0a1b2c3d]"}`),
			`{"token":"live-token-123","op":"auth"}`,
			`{"ok":true,"echo":"live-token-123"}`, "token", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conv := newConversation(c.recorded, 1_800_000_000)
			if len(conv.unsolicited) != c.unsolicited {
				t.Errorf("%d unsolicited, want %d", len(conv.unsolicited), c.unsolicited)
			}
			m := conv.match([]byte(c.live), false, map[string]bool{})
			if m.send == nil {
				t.Fatalf("live message not matched: %s", m.reason)
			}
			if len(m.send.replies) != 1 {
				t.Fatalf("%d replies, want 1", len(m.send.replies))
			}
			if got := m.bind.paths(); got != c.wantIDs {
				t.Errorf("ids %q, want %q", got, c.wantIDs)
			}
			got, _ := m.bind.rewrite(m.send.replies[0].msg)
			if got != c.wantReply {
				t.Errorf("reply\n got %s\nwant %s", got, c.wantReply)
			}
		})
	}
}

// Two requests in flight at once, sent in the other order than recorded,
// each get their own replies; the session id both repeat does not confuse
// whose reply is whose.
func TestConversationMatchesOutOfOrderRequests(t *testing.T) {
	rec := frames(
		"send", `{"header":{"msg_id":"m-1","session":"s-1"},"code":"a"}`,
		"send", `{"header":{"msg_id":"m-2","session":"s-1"},"code":"b"}`,
		"receive", `{"parent_header":{"msg_id":"m-2","session":"s-1"},"out":"B"}`,
		"receive", `{"parent_header":{"msg_id":"m-1","session":"s-1"},"out":"A"}`,
	)
	conv := newConversation(rec, 0)
	b := conv.match([]byte(`{"header":{"msg_id":"x-2","session":"s-9"},"code":"b"}`), false, nil)
	a := conv.match([]byte(`{"header":{"msg_id":"x-1","session":"s-9"},"code":"a"}`), false, nil)
	if a.send == nil || b.send == nil || a.send.order != 0 || b.send.order != 1 {
		t.Fatalf("matched %+v and %+v", a, b)
	}
	ra, _ := a.bind.rewrite(a.send.replies[0].msg)
	rb, _ := b.bind.rewrite(b.send.replies[0].msg)
	if ra != `{"parent_header":{"msg_id":"x-1","session":"s-9"},"out":"A"}` || rb != `{"parent_header":{"msg_id":"x-2","session":"s-9"},"out":"B"}` {
		t.Errorf("replies %s and %s", ra, rb)
	}
	if u := conv.match([]byte(`{"totally":"else"}`), false, nil); u.send != nil {
		t.Errorf("an unrelated message matched #%d: %s", u.send.order+1, u.reason)
	}
}

// The player answers a page that makes new ids: the replies carry the
// page's ids, an unsolicited status comes without waiting for anything,
// and the page's message is counted as matched.
func TestPlayerRewritesRepliesForLiveIDs(t *testing.T) {
	now := float64(time.Now().Unix())
	e := har.Entry{StartedDateTime: time.Unix(int64(now), 0).UTC().Format(time.RFC3339Nano), ResourceType: "websocket"}
	e.Request.Method, e.Request.URL = "GET", "ws://kernel.test/api/kernels/1/channels"
	e.Response.Status = 101
	e.WebSocketMessages = []har.WebSocketMessage{
		{Type: "receive", Time: now, Opcode: 1, Data: `{"type":"status","state":"idle"}`},
		{Type: "send", Time: now + 0.1, Opcode: 1, Data: `{"id":"req-0001","op":"run"}`},
		{Type: "receive", Time: now + 0.2, Opcode: 1, Data: `{"reply_to":"x","id":"req-0001","result":42}`},
	}
	h := &har.HAR{}
	h.Log.Entries = []har.Entry{e}
	m := NewMatcher(NewArchive(h), MatchOptions{})
	srv := newServer(m, t.Logf)
	p, err := startPlayer(m, srv, PaceNone)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, _, err := websocket.DefaultDialer.Dial(p.URL()+"?u="+url.QueryEscape(e.Request.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, b, err := c.ReadMessage(); err != nil || !strings.Contains(string(b), "status") {
		t.Fatalf("first frame %q %v, want the status", b, err)
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{"id":"live-777","op":"run"}`)); err != nil {
		t.Fatal(err)
	}
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var reply map[string]any
	if err := json.Unmarshal(b, &reply); err != nil || reply["id"] != "live-777" {
		t.Fatalf("reply %s, want id live-777", b)
	}
	var r Report
	p.conversations(&r)
	if f := r.WebSocketFrames; f.Matched != 1 || f.Unmatched != 0 || f.IDsRewritten != 1 {
		t.Errorf("figures %+v", f)
	}
}

// A streamed answer keeps its recorded order: the frame that carries the
// request's id (the completion's metadata) comes after the tokens that
// carry none, as it did for the user, not as soon as the request arrives.
func TestPlayerKeepsTheStreamOrder(t *testing.T) {
	now := float64(time.Now().Unix())
	e := har.Entry{StartedDateTime: time.Unix(int64(now), 0).UTC().Format(time.RFC3339Nano), ResourceType: "websocket"}
	e.Request.Method, e.Request.URL = "GET", "wss://chat.test/stream"
	e.Response.Status = 101
	e.WebSocketMessages = []har.WebSocketMessage{
		{Type: "send", Time: now + 0.1, Opcode: 1, Data: `{"id":"q-0001","text":"hi"}`},
		{Type: "receive", Time: now + 0.2, Opcode: 1, Data: `{"delta":"Hel"}`},
		{Type: "receive", Time: now + 0.3, Opcode: 1, Data: `{"delta":"lo"}`},
		{Type: "receive", Time: now + 0.4, Opcode: 1, Data: `{"id":"q-0001","done":true}`},
	}
	h := &har.HAR{}
	h.Log.Entries = []har.Entry{e}
	m := NewMatcher(NewArchive(h), MatchOptions{})
	p, err := startPlayer(m, newServer(m, t.Logf), PaceNone)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, _, err := websocket.DefaultDialer.Dial(p.URL()+"?u="+url.QueryEscape(e.Request.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{"id":"live-7","text":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	var got []string
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for range 3 {
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	want := []string{`{"delta":"Hel"}`, `{"delta":"lo"}`, `{"id":"live-7","done":true}`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("frames %q, want %q", got, want)
	}
}
