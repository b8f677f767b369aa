package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/har"
)

// chatSession is the demo's chat shape: a POST whose JSON answer names the
// completion, and a websocket that streams it, named in its URL and frames.
func chatSession() []har.Entry {
	chat := withHeader(withType(withBody(entry("POST", "https://app.example.com/api/chat", 200, 0, 50), "application/json",
		`{"conversation_id":"conv_q3","id":"chatcmpl-52b67a19af85c2211675d185","request_id":"req_734e075f94062941e396b463"}`), "fetch"),
		"x-request-id", "req_734e075f94062941e396b463")
	ws := withType(entry("GET", "wss://app.example.com/api/stream?completion=chatcmpl-0000aaaa1111bbbb&x=1", 101, 60, 900), "websocket")
	ws.WebSocketMessages = []har.WebSocketMessage{
		{Type: "send", Opcode: 1, Data: `{"type":"subscribe","completion":"chatcmpl-52b67a19af85c2211675d185"}`},
		{Type: "receive", Opcode: 1, Data: `{"completion":"chatcmpl-52b67a19af85c2211675d185","request_id":"req_af5389f58e7df7f4616f478e","type":"start"}`},
		{Type: "receive", Opcode: 1, Data: `{"delta":{"message_id":"msg_01XyZabcdefgh123"}}`},
	}
	sse := withType(entry("GET", "https://api.example.com/v1/responses", 200, 1000, 900), "eventsource")
	sse.EventSourceMessages = []har.EventSourceMessage{{EventName: "message", Data: `{"response":{"id":"resp_68a1b2c3d4e5f6a7b8c9"}}`}}
	stream := withType(withBody(entry("POST", "https://api.example.com/v1/messages", 200, 2000, 900), "text/event-stream",
		"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_014bL1p4kYQyZaa1\"}}\n\n"), "fetch")
	run := withType(withBody(entry("POST", "https://api.example.com/v1/threads/runs", 200, 3000, 50), "application/json",
		`{"id":"run_abc123def456ghi7","object":"thread.run"}`), "fetch")
	// Not IDs: a short value with a prefix, an ID-shaped value under a key
	// that does not name an ID, a plain numeric id, a query value that is
	// not ID-shaped.
	noise := withType(withBody(entry("GET", "https://app.example.com/api/list?page=msg_hi&q=hello", 200, 4000, 50), "application/json",
		`{"id":"12345678901","title":"chatcmpl-notanidbecausetitle","items":[{"id":"msg_x"}]}`), "fetch")
	return []har.Entry{chat, ws, sse, stream, run, noise}
}

func TestCompletionIDsAreCollectedFromBodiesQueriesFramesAndEvents(t *testing.T) {
	ids := RequestIDs(chatSession())
	got := map[string]string{}
	for _, id := range ids {
		if _, ok := got[id.Value]; !ok {
			got[id.Value] = id.Source // the first entry that shows it
		}
		if id.Value == "chatcmpl-52b67a19af85c2211675d185" && id.Entry != 0 && id.Entry != 1 {
			t.Errorf("completion ID linked to entry %d", id.Entry)
		}
	}
	want := map[string]string{
		"req_734e075f94062941e396b463":      "header:x-request-id",
		"chatcmpl-52b67a19af85c2211675d185": "body:id",
		"chatcmpl-0000aaaa1111bbbb":         "query:completion",
		"req_af5389f58e7df7f4616f478e":      "frame:request_id",
		"msg_01XyZabcdefgh123":              "frame:delta.message_id",
		"resp_68a1b2c3d4e5f6a7b8c9":         "event:response.id",
		"msg_014bL1p4kYQyZaa1":              "event:message.id",
		"run_abc123def456ghi7":              "body:id",
	}
	for v, src := range want {
		if got[v] != src {
			t.Errorf("ID %s: source %q, want %q (all: %v)", v, got[v], src, got)
		}
	}
	// The websocket names the chat's completion too: linked to both entries.
	n := 0
	for _, id := range ids {
		if id.Value == "chatcmpl-52b67a19af85c2211675d185" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("the completion ID is linked to %d entries, want the POST and the websocket", n)
	}
	for _, bad := range []string{"msg_hi", "chatcmpl-notanidbecausetitle", "12345678901", "msg_x"} {
		if _, ok := got[bad]; ok {
			t.Errorf("%q is not a request ID but was collected", bad)
		}
	}
}

func TestCompletionIDsReachInspectAndTheSupportRequest(t *testing.T) {
	f := sampleSession(t)
	f.entries = append(f.entries, chatSession()...)
	dir := makeSpool(t, f)
	res, err := Write(context.Background(), dir, t.TempDir()+"/", Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := readZip(t, res.Path)
	var m Manifest
	if err := json.Unmarshal(files["bundle.json"], &m); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, id := range m.RequestIDs {
		if id.Value == "chatcmpl-52b67a19af85c2211675d185" && strings.HasSuffix(id.URL, "/api/chat") {
			found = true
		}
	}
	if !found {
		t.Errorf("bundle.json has no completion ID linked to /api/chat: %+v", m.RequestIDs)
	}
	if !strings.Contains(string(files["SUPPORT_REQUEST.md"]), "chatcmpl-52b67a19af85c2211675d185") {
		t.Errorf("SUPPORT_REQUEST.md does not list the completion ID")
	}
	b, err := Open(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	s := b.Summary()
	s.WriteText(&text)
	if !strings.Contains(text.String(), "chatcmpl-52b67a19af85c2211675d185") || !strings.Contains(text.String(), "query:completion") {
		t.Errorf("inspect does not list the completion IDs:\n%s", text.String())
	}
}
