package native

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/install"
)

// serve runs Serve on the frames of in (then end of input) and returns the
// host's messages and Serve's error.
func serve(t testing.TB, opts Options, in []byte) ([]map[string]any, error) {
	t.Helper()
	var out lockedBuffer
	if opts.Log == nil {
		opts.Log = log.New(io.Discard, "", 0)
	}
	if opts.SpoolBase == "" {
		opts.SpoolBase = t.TempDir()
	}
	if opts.OutDir == "" {
		opts.OutDir = t.TempDir()
	}
	if opts.Finisher == nil {
		opts.Finisher = func(string, string) error { return nil }
	}
	if opts.Managed == nil {
		opts.Managed = &install.ManagedConfig{}
	}
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), bytes.NewReader(in), &out, opts) }()
	select {
	case err := <-done:
		return readAllTB(t, out.Bytes()), err
	case <-time.After(20 * time.Second):
		t.Fatalf("Serve did not end at the end of its input")
		return nil, nil
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.b.Bytes()...)
}

func readAllTB(t testing.TB, data []byte) []map[string]any {
	if tt, ok := t.(*testing.T); ok {
		return readAll(tt, data)
	}
	return nil
}

func frames(bodies ...string) []byte {
	var b []byte
	for _, s := range bodies {
		b = append(b, frame(s)...)
	}
	return b
}

func code(m map[string]any) int {
	if c, ok := m["code"].(float64); ok {
		return int(c)
	}
	return 0
}

func TestHelloWithAnotherProtocolVersionIsRefusedWithTheFix(t *testing.T) {
	msgs, err := serve(t, Options{}, frames(`{"id":1,"type":"hello","data":{"protocol":99}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0]["status"] != "error" || code(msgs[0]) != int(CodeVersionMismatch) {
		t.Fatalf("reply %v, want error %d", msgs, CodeVersionMismatch)
	}
	p := msgs[0]["params"].(map[string]any)
	if p["host"].(float64) != 1 || p["extension"].(float64) != 99 || p["fix"] == "" || msgs[0]["id"].(float64) != 1 {
		t.Fatalf("params %v", p)
	}
}

func TestOnlyPingIsAnsweredBeforeHello(t *testing.T) {
	msgs, _ := serve(t, Options{}, frames(
		`{"id":1,"type":"status"}`,
		`{"id":2,"type":"ping"}`,
		`{"id":3,"type":"hello","data":{"protocol":1,"extension":"0.1.0"}}`,
		`{"id":4,"type":"status"}`,
	))
	if len(msgs) != 4 {
		t.Fatalf("got %d replies: %v", len(msgs), msgs)
	}
	if code(msgs[0]) != int(CodeNeedHello) {
		t.Errorf("status before hello: %v", msgs[0])
	}
	for i, m := range msgs[1:] {
		if m["status"] != "ok" {
			t.Errorf("reply %d: %v", i+2, m)
		}
	}
	if st := msgs[3]["data"].(map[string]any); st["phase"] != "idle" {
		t.Errorf("status after hello: %v", st)
	}
}

func TestBadInputGetsNumberedErrorsAndTheHostGoesOn(t *testing.T) {
	in := frames(`{"id":1,"type":"hello","data":{"protocol":1}}`)
	in = append(in, frame("\xff\xfe{}")...)
	in = append(in, frames(
		`not json`,
		`{"id":5}`,
		`{"id":6,"type":"launch-missiles"}`,
		`{"id":7,"type":"note","data":"not an object"}`,
		`{"id":8,"type":"stop"}`,
		`{"id":9,"type":"start","data":{"tab":{}}}`,
	)...)
	in = append(in, frame(strings.Repeat("x", 200))...)
	in = append(in, frame(`{"id":10,"type":"ping"}`)...)
	msgs, err := serve(t, Options{MaxFrame: 100}, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []Code{0, CodeBadJSON, CodeBadJSON, CodeBadJSON, CodeUnknownType, CodeBadData, CodeNotRecording, CodeBadData, CodeFrameTooLarge, 0}
	if len(msgs) != len(want) {
		t.Fatalf("got %d replies, want %d: %v", len(msgs), len(want), msgs)
	}
	for i, c := range want {
		if code(msgs[i]) != int(c) {
			t.Errorf("reply %d: code %d, want %d (%v)", i, code(msgs[i]), c, msgs[i])
		}
	}
	if msgs[9]["status"] != "ok" {
		t.Errorf("ping after the bad input: %v", msgs[9])
	}
}

func TestChromePagesAreRefusedWithTheFix(t *testing.T) {
	msgs, _ := serve(t, Options{}, frames(`{"id":1,"type":"hello","data":{"protocol":1}}`,
		`{"id":2,"type":"start","data":{"tab":{"tabId":3,"targetId":"T","url":"chrome://settings/"}}}`,
		`{"id":3,"type":"start","data":{"tab":{"tabId":3,"targetId":"T","url":"https://chromewebstore.google.com/detail/x"}}}`))
	for _, m := range msgs[1:] {
		if code(m) != int(CodeCannotRecordPage) || m["params"].(map[string]any)["fix"] == "" {
			t.Errorf("start on a protected page: %v", m)
		}
	}
}

func TestAnotherExtensionIsRefused(t *testing.T) {
	msgs, err := serve(t, Options{Origin: "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"}, frames(`{"id":1,"type":"ping"}`))
	if err == nil || len(msgs) != 1 || code(msgs[0]) != int(CodeOriginNotAllowed) {
		t.Fatalf("err %v, replies %v", err, msgs)
	}
	msgs, err = serve(t, Options{Origin: "chrome-extension://" + ExtensionID + "/"}, frames(`{"id":1,"type":"ping"}`))
	if err != nil || len(msgs) != 1 || msgs[0]["status"] != "ok" {
		t.Fatalf("the pinned extension: err %v, replies %v", err, msgs)
	}
}

// FuzzServe feeds any byte stream to the host: it must answer or end
// cleanly, never panic, hang or write a frame Chrome would refuse.
func FuzzServe(f *testing.F) {
	hello := `{"id":1,"type":"hello","data":{"protocol":1}}`
	f.Add(frames(hello, `{"id":2,"type":"status"}`))
	f.Add(frames(hello, `{"id":2,"type":"start","data":{"tab":{"tabId":1,"targetId":"T","url":"https://example.com/"}}}`, `{"type":"cdp.result","data":{"id":1,"result":{}}}`))
	f.Add(frames(hello, `{"type":"cdp.event","data":{"tabId":1,"method":"Network.requestWillBeSent","params":{}}}`))
	f.Add(frames(hello, `{"type":"tab.detached","data":{"tabId":1,"reason":"target_closed"}}`, `{"id":3,"type":"save"}`))
	f.Add(frames(hello, `{"id":2,"type":"discardRecovered","data":{"path":"/etc/passwd.zip"}}`, `{"id":3,"type":"open","data":{"what":"report","path":"../x.zip"}}`))
	f.Add(frames(hello, `{"id":2,"type":"discardRecovered","data":{"path":7}}`, `{"id":3,"type":"open","data":{"what":"folder","path":""}}`))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add(append(frames(hello), 5, 0, 0, 0, '{'))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out lockedBuffer
		opts := Options{
			Log: log.New(io.Discard, "", 0), SpoolBase: t.TempDir(), OutDir: t.TempDir(), MaxFrame: 1 << 16,
			Finisher: func(string, string) error { return nil }, Managed: &install.ManagedConfig{},
		}
		done := make(chan struct{})
		go func() {
			Serve(context.Background(), bytes.NewReader(in), &out, opts)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Serve hung")
		}
		r := bytes.NewReader(out.Bytes())
		for {
			b, err := ReadFrame(r, MaxOutgoing)
			if err != nil {
				break
			}
			if !bytes.HasPrefix(b, []byte(`{"status":`)) {
				t.Fatalf("host frame without the envelope: %.80s", b)
			}
		}
	})
}

// A store-published copy has another ID; `reprokit install --extension-id`
// records it in the install receipt, and the host then accepts it.
func TestAnExtensionIDFromTheInstallReceiptIsAccepted(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("REPROKIT_ROOT", t.TempDir())
	const published = "abcdefghijklmnopabcdefghijklmnop"
	origin := "chrome-extension://" + published + "/"
	if msgs, err := serve(t, Options{Origin: origin}, frames(`{"id":1,"type":"ping"}`)); err == nil {
		t.Fatalf("accepted %s before any receipt named it: %v", published, msgs)
	}
	receipt := install.DefaultEnv().ReceiptPath(install.ScopeUser)
	if err := os.MkdirAll(filepath.Dir(receipt), 0o700); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(install.Receipt{Version: 1, Scope: install.ScopeUser, ExtensionIDs: []string{ExtensionID, published}})
	if err := os.WriteFile(receipt, b, 0o600); err != nil {
		t.Fatal(err)
	}
	msgs, err := serve(t, Options{Origin: origin}, frames(`{"id":1,"type":"ping"}`))
	if err != nil || len(msgs) != 1 || msgs[0]["status"] != "ok" {
		t.Fatalf("the extension named in %s: err %v, replies %v", receipt, err, msgs)
	}
}
