package capture

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto"

	"github.com/reprokit/reprokit/host/spool"
)

// scriptedBrowser is the browser end of a transport: the test queues the
// messages the browser sends, and sees the commands written to it. It
// answers every command the recorder sends with reply (or an empty result).
type scriptedBrowser struct {
	in     chan *cdproto.Message
	mu     sync.Mutex
	wrote  []*cdproto.Message
	reply  func(cmd *cdproto.Message) *cdproto.Message
	closed chan struct{}
	once   sync.Once
}

func newScriptedBrowser() *scriptedBrowser {
	return &scriptedBrowser{in: make(chan *cdproto.Message, 100), closed: make(chan struct{})}
}

func (s *scriptedBrowser) Read(ctx context.Context, msg *cdproto.Message) error {
	select {
	case m, ok := <-s.in:
		if !ok {
			return io.EOF
		}
		*msg = *m
		return nil
	case <-s.closed:
		return io.EOF
	}
}

func (s *scriptedBrowser) Write(ctx context.Context, msg *cdproto.Message) error {
	s.mu.Lock()
	s.wrote = append(s.wrote, msg)
	s.mu.Unlock()
	r := &cdproto.Message{ID: msg.ID, SessionID: msg.SessionID, Result: []byte(`{}`)}
	if s.reply != nil {
		r = s.reply(msg)
	}
	go func() {
		select {
		case s.in <- r:
		case <-s.closed:
		}
	}()
	return nil
}

func (s *scriptedBrowser) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// readAll drains the messages chromedp would see until the browser closes.
func readAll(c *Conn) chan *cdproto.Message {
	out := make(chan *cdproto.Message, 1000)
	go func() {
		defer close(out)
		for {
			var m cdproto.Message
			if err := c.Read(context.Background(), &m); err != nil {
				return
			}
			out <- &m
		}
	}()
	return out
}

func logLines(t *testing.T, path string) []map[string]json.RawMessage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]json.RawMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestConnLogsEventsAndOwnResultsAndHidesOwnReplies(t *testing.T) {
	dir, err := spool.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b := newScriptedBrowser()
	big := strings.Repeat("x", bodyInlineLimit+10)
	b.reply = func(cmd *cdproto.Message) *cdproto.Message {
		res, _ := json.Marshal(map[string]any{"body": base64.StdEncoding.EncodeToString([]byte(big)), "base64Encoded": true})
		return &cdproto.Message{ID: cmd.ID, SessionID: cmd.SessionID, Result: res}
	}
	var tee bytes.Buffer
	c, err := NewConn(b, dir, ConnOptions{Events: &tee})
	if err != nil {
		t.Fatal(err)
	}
	seen := readAll(c)
	b.in <- &cdproto.Message{Method: "Network.requestWillBeSent", SessionID: "S1", Params: []byte(`{"requestId":"1"}`)}
	b.in <- &cdproto.Message{ID: 7, Result: []byte(`{}`)} // a reply to chromedp's own command
	res, err := c.Call(context.Background(), "S1", "Network.getResponseBody", map[string]string{"requestId": "1"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(res, []byte(`"base64Encoded":true`)) {
		t.Errorf("Call result %.80s", res)
	}
	c.Close()
	var ids []int64
	for m := range seen {
		ids = append(ids, m.ID)
		if m.ID >= ownIDBase {
			t.Errorf("chromedp saw the reply to the recorder's own command %d", m.ID)
		}
	}
	if len(ids) != 2 {
		t.Errorf("chromedp saw %d messages, want the event and its own reply", len(ids))
	}
	lines := logLines(t, dir.Join(EventsFile))
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want the event and the body result", len(lines))
	}
	if string(lines[0]["method"]) != `"Network.requestWillBeSent"` || string(lines[0]["sessionId"]) != `"S1"` || lines[0]["time"] == nil {
		t.Errorf("event line %v", lines[0])
	}
	var r struct {
		BodyFile      string `json:"bodyFile"`
		Base64Encoded bool   `json:"base64Encoded"`
	}
	json.Unmarshal(lines[1]["result"], &r)
	if r.BodyFile == "" || !r.Base64Encoded || !bytes.Contains(lines[1]["params"], []byte(`"requestId":"1"`)) {
		t.Fatalf("body result line %s", lines[1]["result"])
	}
	body, err := os.ReadFile(dir.Join(r.BodyFile))
	if err != nil || string(body) != big {
		t.Errorf("bodies file holds %d bytes (%v), want the %d decoded bytes", len(body), err, len(big))
	}
	if info, _ := os.Stat(dir.Join(r.BodyFile)); info.Mode().Perm() != 0o600 {
		t.Errorf("body file mode %v", info.Mode().Perm())
	}
	if !bytes.Contains(tee.Bytes(), []byte(`"body":"`)) {
		t.Errorf("the --events tee does not hold the body inline")
	}
}

func TestConnPausedLogsOnlyLifecycleEventsAndRecords(t *testing.T) {
	dir, _ := spool.Create(t.TempDir())
	b := newScriptedBrowser()
	c, err := NewConn(b, dir, ConnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := readAll(c)
	c.SetPaused(true)
	b.in <- &cdproto.Message{Method: "Network.requestWillBeSent", Params: []byte(`{}`)}
	b.in <- &cdproto.Message{Method: "Target.attachedToTarget", Params: []byte(`{}`)}
	for range 2 {
		<-seen
	}
	c.Record("Reprokit.note", "", map[string]string{"text": "paused"})
	c.Close()
	var methods []string
	for _, l := range logLines(t, dir.Join(EventsFile)) {
		methods = append(methods, string(l["method"]))
	}
	if strings.Join(methods, ",") != `"Target.attachedToTarget","Reprokit.note"` {
		t.Errorf("logged while paused: %v", methods)
	}
}

func TestConnFullDiskStopsLoggingAndSaysSo(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /dev/full")
	}
	dir, _ := spool.Create(t.TempDir())
	if err := os.Symlink("/dev/full", dir.Join(EventsFile)); err != nil {
		t.Fatal(err)
	}
	b := newScriptedBrowser()
	c, err := NewConn(b, dir, ConnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := readAll(c)
	b.in <- &cdproto.Message{Method: "Network.requestWillBeSent", Params: []byte(`{}`)}
	<-seen
	if err := c.Flush(); err == nil || !strings.Contains(err.Error(), "free some disk space") {
		t.Errorf("Flush on a full disk: %v", err)
	}
	select {
	case <-c.Failed():
	case <-time.After(time.Second):
		t.Fatal("Failed() not closed after a write error")
	}
	// The browser connection keeps working.
	b.in <- &cdproto.Message{Method: "Page.loadEventFired", Params: []byte(`{}`)}
	select {
	case <-seen:
	case <-time.After(time.Second):
		t.Fatal("the connection stopped with the log")
	}
	c.Close()
}

// FuzzConnLog feeds arbitrary events and command results through the tap
// and checks that every log line is one JSON object with the method.
func FuzzConnLog(f *testing.F) {
	f.Add("Network.requestWillBeSent", "S", []byte(`{"requestId":"1"}`), []byte(`{"body":"aGk=","base64Encoded":true}`), 10)
	f.Add("Runtime.consoleAPICalled", "", []byte("{\n\"a\": [1,\n2]}"), []byte(`{"body":"line\nbreak"}`), 70000)
	f.Add("Weird\"Method\\", "sess\n", []byte(`"str"`), []byte(`[]`), 0)
	f.Fuzz(func(t *testing.T, method, session string, params, result []byte, pad int) {
		if method == "" || !json.Valid(params) || !json.Valid(result) {
			t.Skip()
		}
		if pad > 0 && pad < 200000 && json.Valid(result) {
			// A large body, to take the bodies/ path.
			if r, err := json.Marshal(map[string]any{"body": strings.Repeat("b", pad) + string(result), "base64Encoded": false}); err == nil {
				result = r
			}
		}
		dir, err := spool.Create(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		b := newScriptedBrowser()
		b.reply = func(cmd *cdproto.Message) *cdproto.Message {
			return &cdproto.Message{ID: cmd.ID, SessionID: cmd.SessionID, Result: result}
		}
		c, err := NewConn(b, dir, ConnOptions{})
		if err != nil {
			t.Fatal(err)
		}
		seen := readAll(c)
		b.in <- &cdproto.Message{Method: cdproto.MethodType(method), SessionID: "", Params: params}
		<-seen
		c.Call(context.Background(), "", "Network.getResponseBody", map[string]string{"requestId": session}, true)
		c.Record("Reprokit.note", "", map[string]string{"text": session})
		c.Close()
		lines := logLines(t, dir.Join(EventsFile))
		if len(lines) != 3 {
			t.Fatalf("%d lines, want 3", len(lines))
		}
		var m string
		if err := json.Unmarshal(lines[0]["method"], &m); err != nil || m != method {
			t.Errorf("method %q logged as %s", method, lines[0]["method"])
		}
	})
}
