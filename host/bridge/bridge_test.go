package bridge

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// extension plays the extension's side of the relay: it records the
// commands the Transport sends and answers them like chrome.debugger would
// for a plain page. The real relay is proved by host/e2e in Chromium.
type extension struct {
	mu   sync.Mutex
	cmds []Command
	tr   *Transport
	hold bool // do not answer (a command still waiting when the tab goes)
}

func (e *extension) send(c Command) error {
	e.mu.Lock()
	e.cmds = append(e.cmds, c)
	hold := e.hold
	e.mu.Unlock()
	if hold {
		return nil
	}
	go func() {
		switch c.Method {
		case "Runtime.evaluate":
			e.tr.Result(c.ID, json.RawMessage(`{"result":{"type":"object","className":"Window"}}`), nil)
		case "Page.getFrameTree":
			e.tr.Result(c.ID, json.RawMessage(`{"frameTree":{"frame":{"id":"T1","loaderId":"L1","url":"https://app.example/","domainAndRegistry":"","securityOrigin":"https://app.example","mimeType":"text/html","secureContextType":"Secure","crossOriginIsolatedContextType":"NotIsolated","gatedAPIFeatures":[]}}}`), nil)
		case "DOM.getDocument":
			e.tr.Result(c.ID, json.RawMessage(`{"root":{"nodeId":1,"backendNodeId":1,"nodeType":9,"nodeName":"#document","localName":"","nodeValue":""}}`), nil)
		default:
			e.tr.Result(c.ID, json.RawMessage(`{}`), nil)
		}
	}()
	return nil
}

func (e *extension) methods() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, c := range e.cmds {
		out = append(out, c.Method)
	}
	return out
}

var mainTab = Tab{TabID: 7, TargetID: "T1", URL: "https://app.example/", Title: "App"}

func newBridge(t *testing.T) (*Transport, *extension) {
	ext := &extension{}
	tr := New(mainTab, Version{ProtocolVersion: "1.3", Product: "Chrome/156.0.1", UserAgent: "UA"}, ext.send)
	ext.tr = tr
	t.Cleanup(func() { tr.Close() })
	return tr, ext
}

func TestChromedpAttachesToTheRecordedTabWithoutBrowserLevelCommandsReachingTheExtension(t *testing.T) {
	tr, ext := newBridge(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	actx, cancelA := chromedp.NewAllocatorContext(ctx, &Allocator{Transport: tr})
	defer cancelA()
	tab, cancelT := chromedp.NewContext(actx, chromedp.WithTargetID(tr.MainTarget()), chromedp.WithDetachOnCancel())
	defer cancelT()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("chromedp attach over the bridge: %v", err)
	}
	infos, err := chromedp.Targets(tab)
	if err != nil || len(infos) != 1 || infos[0].TargetID != "T1" || infos[0].Type != "page" {
		t.Fatalf("Targets = %v, %v; want the recorded tab", infos, err)
	}
	v, err := chromedp.CallBrowser(tab, browser.GetVersion, cdp.Empty{})
	if err != nil || v.Product != "Chrome/156.0.1" {
		t.Fatalf("Browser.getVersion = %+v, %v", v, err)
	}
	_, err = chromedp.CallBrowser(tab, target.CreateTarget, target.CreateTargetParams{URL: "about:blank"})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Target.createTarget: %v, want refused", err)
	}
	for _, m := range ext.methods() {
		switch m {
		case "Target.attachToTarget", "Target.setDiscoverTargets", "Target.getTargets", "Target.createTarget", "Browser.getVersion":
			t.Errorf("%s reached chrome.debugger", m)
		}
	}
	got := strings.Join(ext.methods(), " ")
	for _, want := range []string{"Runtime.enable", "Network.enable", "Page.enable", "Target.setAutoAttach"} {
		if !strings.Contains(got, want) {
			t.Errorf("%s was not relayed; relayed: %s", want, got)
		}
	}
	ext.mu.Lock()
	for _, c := range ext.cmds {
		if c.TabID != 7 || c.SessionID != "" {
			t.Errorf("%s went to tab %d session %q, want tab 7 itself", c.Method, c.TabID, c.SessionID)
		}
	}
	ext.mu.Unlock()
}

// call writes a command and reads until its reply, returning the events
// read before it.
func call(t *testing.T, tr *Transport, id int64, session, method, params string) (*cdproto.Message, []*cdproto.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Write(ctx, &cdproto.Message{ID: id, SessionID: target.SessionID(session), Method: cdproto.MethodType(method), Params: jsonv2.Value(params)}); err != nil {
		t.Fatal(err)
	}
	var events []*cdproto.Message
	for {
		m := new(cdproto.Message)
		if err := tr.Read(ctx, m); err != nil {
			t.Fatalf("read the reply to %s: %v", method, err)
		}
		if m.ID == id {
			return m, events
		}
		events = append(events, m)
	}
}

func read(t *testing.T, tr *Transport) *cdproto.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m := new(cdproto.Message)
	if err := tr.Read(ctx, m); err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

func TestChildSessionsOfAutoAttachAreRoutedToTheirTab(t *testing.T) {
	tr, ext := newBridge(t)
	root := SessionID(7)
	tr.Event(7, "", "Target.attachedToTarget", json.RawMessage(`{"sessionId":"C1","targetInfo":{"targetId":"F1","type":"iframe","url":"https://other.example/"},"waitingForDebugger":true}`))
	if m := read(t, tr); m.Method != "Target.attachedToTarget" || string(m.SessionID) != root {
		t.Fatalf("attach event %s on %q, want on the tab's session %q", m.Method, m.SessionID, root)
	}
	reply, _ := call(t, tr, 1, "C1", "Network.enable", `{}`)
	if reply.Error != nil {
		t.Fatal(reply.Error)
	}
	last := ext.cmds[len(ext.cmds)-1]
	if last.TabID != 7 || last.SessionID != "C1" {
		t.Fatalf("child command went to tab %d session %q", last.TabID, last.SessionID)
	}
	tr.Event(7, "C1", "Network.requestWillBeSent", json.RawMessage(`{"requestId":"1"}`))
	if m := read(t, tr); string(m.SessionID) != "C1" {
		t.Fatalf("child event stamped %q, want C1", m.SessionID)
	}
	reply, _ = call(t, tr, 2, "", "Target.attachToTarget", `{"targetId":"F1","flatten":true}`)
	if !strings.Contains(string(reply.Result), `"C1"`) {
		t.Fatalf("attachToTarget of the iframe = %s, want its session C1", reply.Result)
	}
	tr.Event(7, "", "Target.detachedFromTarget", json.RawMessage(`{"sessionId":"C1"}`))
	read(t, tr)
	reply, _ = call(t, tr, 3, "C1", "Runtime.enable", `{}`)
	if reply.Error == nil {
		t.Fatal("a command to a detached child session was relayed")
	}
}

func TestPopupsAreAnnouncedAsAutoAttachedTargetsOfTheirOpener(t *testing.T) {
	tr, ext := newBridge(t)
	call(t, tr, 1, "", "Target.setDiscoverTargets", `{"discover":true}`)
	tr.AttachTab(Tab{TabID: 9, TargetID: "P1", URL: "https://sso.example/", OpenerTabID: 7})
	var seen []string
	attached := read(t, tr)
	for attached.Method != "Target.attachedToTarget" {
		seen = append(seen, string(attached.Method)+" "+string(attached.Params))
		attached = read(t, tr)
	}
	if len(seen) != 2 || !strings.Contains(seen[1], `"P1"`) || attached.SessionID != "" {
		t.Fatalf("before the popup's browser-level attach (session %q): %v; want the tab's and the popup's targetCreated", attached.SessionID, seen)
	}
	var ev target.EventAttachedToTarget
	if err := jsonv2.Unmarshal(attached.Params, &ev); err != nil {
		t.Fatal(err)
	}
	if string(ev.SessionID) != SessionID(9) || ev.TargetInfo.OpenerID != "T1" || ev.TargetInfo.Type != "page" {
		t.Fatalf("attachedToTarget %+v %+v", ev, ev.TargetInfo)
	}
	call(t, tr, 2, SessionID(9), "Network.enable", `{}`)
	if last := ext.cmds[len(ext.cmds)-1]; last.TabID != 9 {
		t.Fatalf("popup command went to tab %d", last.TabID)
	}
}

func TestTheRecordedTabGoingAwayFailsWaitingCommandsAndReportsTheReason(t *testing.T) {
	tr, ext := newBridge(t)
	ext.hold = true
	ctx := context.Background()
	tr.Write(ctx, &cdproto.Message{ID: 5, SessionID: target.SessionID(SessionID(7)), Method: "Page.captureScreenshot"})
	tr.DetachTab(7, ReasonCanceledByUser)
	select {
	case <-tr.Detached():
	case <-time.After(time.Second):
		t.Fatal("Detached did not close")
	}
	if tr.Reason() != ReasonCanceledByUser {
		t.Fatalf("reason %q", tr.Reason())
	}
	var got []string
	for i := 0; i < 3; i++ {
		m := read(t, tr)
		if m.ID == 5 {
			if m.Error == nil {
				t.Fatal("the waiting screenshot got no error")
			}
			got = append(got, "reply")
			continue
		}
		got = append(got, string(m.Method))
	}
	if strings.Join(got, ",") != "reply,Inspector.detached,Target.detachedFromTarget" {
		t.Fatalf("after the detach: %v", got)
	}
	tr.Close()
	if err := tr.Read(ctx, new(cdproto.Message)); err != io.EOF {
		t.Fatalf("Read after Close: %v, want io.EOF", err)
	}
}
