// Package bridge is a chromedp.Transport over the extension's chrome.debugger
// relay: chromedp and the capture engine speak CDP to it as to a browser,
// and it forwards each command to the tab the extension attached, through
// the native-messaging port (docs/PROTOCOL.md, "cdp.send").
//
// chrome.debugger is not a browser connection. It refuses the browser-level
// Target methods (setDiscoverTargets, getTargets, attachToTarget), has no
// Browser domain, and would run Target.createTarget and closeTarget on the
// user's real window. The Transport answers those itself from the targets
// the extension reported: each attached tab is a page target with a session
// ID the Transport makes up ([SessionPrefix] and the tab ID), and the flat
// child sessions that Target.setAutoAttach creates (out-of-process iframes,
// dedicated and service workers) keep the IDs Chrome gave them. Popups the
// recorded tab opens arrive with [Transport.AttachTab] and are announced as
// auto-attached targets. [Transport.DetachTab] turns chrome.debugger.onDetach
// (tab closed, user cancelled) into the events a browser sends when a target
// goes away, so that the capture engine stops cleanly.
package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/chromedp/cdproto"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/target"
)

// SessionPrefix starts the session ID the Transport makes up for the root
// session of each tab: "reprokit-tab-<tabId>".
const SessionPrefix = "reprokit-tab-"

// Command is one CDP command for the extension to run with
// chrome.debugger.sendCommand({tabId, sessionId}, method, params).
// SessionID is empty for the tab itself and a Chrome session ID for a flat
// child session. The ID is the Transport's own; the reply must carry it back
// to [Transport.Result].
type Command struct {
	ID        int64           `json:"id"`
	TabID     int             `json:"tabId"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method"`
	Params    json.RawMessage `json:"params,omitempty"`
}

// CDPError is the error object of a CDP reply.
type CDPError struct {
	Code    int64  `json:"code"`
	Message string `json:"message"`
}

// Tab describes one tab the extension attached chrome.debugger to.
type Tab struct {
	TabID          int    `json:"tabId"`
	TargetID       string `json:"targetId"` // from chrome.debugger.getTargets
	URL            string `json:"url"`
	Title          string `json:"title,omitempty"`
	OpenerTabID    int    `json:"openerTabId,omitempty"`
	OpenerTargetID string `json:"openerTargetId,omitempty"`
}

// Version is what Browser.getVersion answers: the extension reports it from
// navigator.userAgent and navigator.userAgentData, since chrome.debugger has
// no Browser domain.
type Version struct {
	ProtocolVersion string `json:"protocolVersion"`
	Product         string `json:"product"`
	Revision        string `json:"revision"`
	UserAgent       string `json:"userAgent"`
	JSVersion       string `json:"jsVersion"`
}

// DetachReason says why the recorded tab went away: chrome.debugger.onDetach
// reasons ("target_closed", "canceled_by_user") or "port_closed".
type DetachReason string

// The reasons of [Transport.Detached].
const (
	ReasonTargetClosed   DetachReason = "target_closed"
	ReasonCanceledByUser DetachReason = "canceled_by_user"
	ReasonPortClosed     DetachReason = "port_closed"
)

// sessionRef is where a session's commands go.
type sessionRef struct {
	tabID int
	child string // Chrome's session ID of a flat child session; "" for the tab
}

type tabState struct {
	Tab
	root     string
	children map[string]childTarget // Chrome session ID -> target
}

type childTarget struct {
	parent string // the session the attach event came on
	info   json.RawMessage
	id     string
}

type pending struct {
	origID    int64
	sessionID string
	tabID     int
	method    string
	sent      time.Time
}

// Transport is the chromedp.Transport of extension mode. Create it with
// [New]; feed it what the extension sends with Result, Event, AttachTab and
// DetachTab; give it to chromedp.NewBrowserTransport or wrap it in a
// capture.Conn. It is safe for concurrent use.
type Transport struct {
	send    func(Command) error
	version Version

	// Debugf, when set before use, logs each relayed command and reply
	// (method, session, milliseconds; never params or results).
	Debugf func(format string, args ...any)

	mu         sync.Mutex
	queue      []*cdproto.Message
	ready      chan struct{} // signalled when queue grows or closed
	closed     bool
	tabs       map[int]*tabState
	sessions   map[string]sessionRef
	pending    map[int64]pending
	nextID     int64
	discover   bool
	mainTab    int
	detached   chan struct{}
	reason     DetachReason
	detachOnce sync.Once
}

// New returns a Transport for the recorded tab main. send delivers a command
// to the extension (it must not block on the reply). version answers
// Browser.getVersion.
func New(main Tab, version Version, send func(Command) error) *Transport {
	t := &Transport{
		send:     send,
		version:  version,
		ready:    make(chan struct{}, 1),
		tabs:     map[int]*tabState{},
		sessions: map[string]sessionRef{},
		pending:  map[int64]pending{},
		mainTab:  main.TabID,
		detached: make(chan struct{}),
	}
	t.addTab(main)
	return t
}

// SessionID returns the session ID the Transport gives the root session of a
// tab.
func SessionID(tabID int) string { return SessionPrefix + strconv.Itoa(tabID) }

// MainTarget returns the target ID of the recorded tab.
func (t *Transport) MainTarget() target.ID {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ts := t.tabs[t.mainTab]; ts != nil {
		return target.ID(ts.TargetID)
	}
	return ""
}

// Detached is closed when the recorded tab is gone: closed, cancelled from
// the debugging bar, or the port to the extension closed. [Transport.Reason]
// then says which.
func (t *Transport) Detached() <-chan struct{} { return t.detached }

// Reason returns why the recorded tab went away; empty while it is attached.
func (t *Transport) Reason() DetachReason {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reason
}

func (t *Transport) addTab(tab Tab) *tabState {
	ts := &tabState{Tab: tab, root: SessionID(tab.TabID), children: map[string]childTarget{}}
	t.tabs[tab.TabID] = ts
	t.sessions[ts.root] = sessionRef{tabID: tab.TabID}
	return ts
}

// push queues a message for Read. Call with t.mu held.
func (t *Transport) push(m *cdproto.Message) {
	if t.closed {
		return
	}
	t.queue = append(t.queue, m)
	select {
	case t.ready <- struct{}{}:
	default:
	}
}

// Read returns the next message for chromedp: a reply or an event. It
// returns io.EOF once the Transport is closed and its queue is drained.
func (t *Transport) Read(ctx context.Context, msg *cdproto.Message) error {
	for {
		t.mu.Lock()
		if len(t.queue) > 0 {
			m := t.queue[0]
			t.queue[0] = nil
			t.queue = t.queue[1:]
			more := len(t.queue) > 0
			t.mu.Unlock()
			if more {
				select {
				case t.ready <- struct{}{}:
				default:
				}
			}
			*msg = *m
			return nil
		}
		closed := t.closed
		t.mu.Unlock()
		if closed {
			return io.EOF
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.ready:
		}
	}
}

// Write takes a command from chromedp or the capture engine. Browser-level
// target and browser methods are answered here; everything else goes to the
// extension.
func (t *Transport) Write(ctx context.Context, msg *cdproto.Message) error {
	method := string(msg.Method)
	sid := string(msg.SessionID)
	params := json.RawMessage(msg.Params)

	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return errors.New("extension bridge closed: the browser closed the native-messaging port")
	}
	if res, err, ok := t.answerLocally(sid, method, params); ok {
		reply := &cdproto.Message{ID: msg.ID, SessionID: msg.SessionID}
		if err != nil {
			reply.Error = &cdproto.Error{Code: err.Code, Message: err.Message}
		} else {
			reply.Result = jsonv2.Value(res)
		}
		// A browser sends the reply before the events the command causes.
		events := t.afterLocal(method)
		t.push(reply)
		for _, ev := range events {
			t.push(ev)
		}
		t.mu.Unlock()
		return nil
	}
	ref, ok := t.sessions[sid]
	if !ok {
		reply := &cdproto.Message{ID: msg.ID, SessionID: msg.SessionID, Error: &cdproto.Error{
			Code: -32001, Message: fmt.Sprintf("Session with given id not found (%s): the extension bridge knows only the recorded tabs and their child targets", sid),
		}}
		t.push(reply)
		t.mu.Unlock()
		return nil
	}
	t.nextID++
	id := t.nextID
	t.pending[id] = pending{origID: msg.ID, sessionID: sid, tabID: ref.tabID, method: method, sent: time.Now()}
	t.mu.Unlock()

	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	if t.Debugf != nil {
		t.Debugf("bridge: send #%d %s to tab %d %s", id, method, ref.tabID, ref.child)
	}
	if err := t.send(Command{ID: id, TabID: ref.tabID, SessionID: ref.child, Method: method, Params: params}); err != nil {
		t.Result(id, nil, &CDPError{Code: -32000, Message: "extension bridge: " + err.Error()})
	}
	return nil
}

// answerLocally answers the methods chrome.debugger refuses or must not
// run. ok is false for a method to relay. Call with t.mu held.
func (t *Transport) answerLocally(sid, method string, params json.RawMessage) (json.RawMessage, *CDPError, bool) {
	browserLevel := sid == ""
	switch method {
	case "Browser.getVersion":
		b, _ := json.Marshal(t.version)
		return b, nil, true
	case "Target.setDiscoverTargets":
		var p struct {
			Discover bool `json:"discover"`
		}
		_ = json.Unmarshal(params, &p)
		t.discover = p.Discover
		return json.RawMessage("{}"), nil, true
	case "Target.getTargets":
		b, _ := json.Marshal(map[string]any{"targetInfos": t.targetInfos()})
		return b, nil, true
	case "Target.attachToTarget":
		var p struct {
			TargetID string `json:"targetId"`
		}
		_ = json.Unmarshal(params, &p)
		if s := t.sessionOf(p.TargetID); s != "" {
			b, _ := json.Marshal(map[string]string{"sessionId": s})
			return b, nil, true
		}
		return nil, &CDPError{Code: -32602, Message: "No target with given id found (the extension bridge can attach only to the recorded tab, its popups and their child targets)"}, true
	case "Target.createTarget":
		return nil, &CDPError{Code: -32000, Message: "Target.createTarget is refused by the extension bridge: it would open a tab in the user's window; Reprokit records the tab the user chose"}, true
	case "Target.closeTarget":
		return nil, &CDPError{Code: -32000, Message: "Target.closeTarget is refused by the extension bridge: it would close the user's tab; stop the recording instead"}, true
	case "Target.createBrowserContext", "Target.disposeBrowserContext":
		return nil, &CDPError{Code: -32000, Message: method + " is not available through the extension bridge (it records the user's own profile)"}, true
	case "Target.getBrowserContexts":
		return json.RawMessage(`{"browserContextIds":[]}`), nil, true
	case "Target.activateTarget":
		return json.RawMessage("{}"), nil, true
	}
	if !browserLevel {
		return nil, nil, false
	}
	switch method {
	case "Target.setAutoAttach":
		// Popups are announced as auto-attached targets whether or not the
		// client asked (see AttachTab), so there is nothing to turn on.
		return json.RawMessage("{}"), nil, true
	case "Target.getTargetInfo":
		var p struct {
			TargetID string `json:"targetId"`
		}
		_ = json.Unmarshal(params, &p)
		for _, info := range t.targetInfos() {
			if p.TargetID == "" || info["targetId"] == p.TargetID {
				b, _ := json.Marshal(map[string]any{"targetInfo": info})
				return b, nil, true
			}
		}
		return nil, &CDPError{Code: -32602, Message: "No target with given id found"}, true
	case "Target.detachFromTarget":
		var p struct {
			SessionID string `json:"sessionId"`
		}
		_ = json.Unmarshal(params, &p)
		if _, ok := t.sessions[p.SessionID]; !ok {
			return nil, &CDPError{Code: -32602, Message: "No session with given id"}, true
		}
		// The debugger stays attached: the recording owns it, not the
		// client that detaches (chromedp detaches when its context ends).
		t.pushBrowserEvent("Target.detachedFromTarget", map[string]any{"sessionId": p.SessionID})
		return json.RawMessage("{}"), nil, true
	}
	return nil, &CDPError{Code: -32601, Message: fmt.Sprintf("'%s' wasn't found: the extension bridge relays only the sessions of the recorded tabs", method)}, true
}

// afterLocal returns the events that follow the reply of a locally
// answered method. Call with t.mu held.
func (t *Transport) afterLocal(method string) []*cdproto.Message {
	if method != "Target.setDiscoverTargets" || !t.discover {
		return nil
	}
	var evs []*cdproto.Message
	for _, info := range t.targetInfos() {
		b, _ := json.Marshal(map[string]any{"targetInfo": info})
		evs = append(evs, &cdproto.Message{Method: "Target.targetCreated", Params: jsonv2.Value(b)})
	}
	return evs
}

// sessionOf returns the session of a target ID. Call with t.mu held.
func (t *Transport) sessionOf(targetID string) string {
	for _, ts := range t.tabs {
		if ts.TargetID == targetID {
			return ts.root
		}
		for s, c := range ts.children {
			if c.id == targetID {
				return s
			}
		}
	}
	return ""
}

// targetInfos lists the known targets as Target.TargetInfo objects. Call with
// t.mu held.
func (t *Transport) targetInfos() []map[string]any {
	var out []map[string]any
	for _, ts := range t.tabs {
		out = append(out, tabInfo(ts))
		for _, c := range ts.children {
			var m map[string]any
			if json.Unmarshal(c.info, &m) == nil && m != nil {
				out = append(out, m)
			}
		}
	}
	return out
}

func tabInfo(ts *tabState) map[string]any {
	m := map[string]any{
		"targetId": ts.TargetID, "type": "page", "title": ts.Title, "url": ts.URL,
		"attached": true, "canAccessOpener": false,
	}
	if ts.OpenerTargetID != "" {
		m["openerId"] = ts.OpenerTargetID
	}
	return m
}

func (t *Transport) pushBrowserEvent(method string, params any) {
	b, _ := json.Marshal(params)
	t.push(&cdproto.Message{Method: cdproto.MethodType(method), Params: jsonv2.Value(b)})
}

// Result delivers the extension's reply to command id: result on success,
// or cdpErr.
func (t *Transport) Result(id int64, result json.RawMessage, cdpErr *CDPError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.pending[id]
	if !ok {
		return // a reply after its tab detached, or a duplicate
	}
	delete(t.pending, id)
	if t.Debugf != nil {
		t.Debugf("bridge: %s on %s: %s in %.1f ms", p.method, p.sessionID, map[bool]string{true: "error", false: "ok"}[cdpErr != nil], float64(time.Since(p.sent).Microseconds())/1000)
	}
	reply := &cdproto.Message{ID: p.origID, SessionID: target.SessionID(p.sessionID)}
	if cdpErr != nil {
		reply.Error = &cdproto.Error{Code: cdpErr.Code, Message: cdpErr.Message}
	} else {
		if len(result) == 0 {
			result = json.RawMessage("{}")
		}
		reply.Result = jsonv2.Value(result)
	}
	t.push(reply)
}

// Event delivers a chrome.debugger.onEvent of tab tabID; sessionID is the
// flat child session it came from, empty for the tab itself.
func (t *Transport) Event(tabID int, sessionID, method string, params json.RawMessage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ts := t.tabs[tabID]
	if ts == nil {
		return
	}
	sid := ts.root
	if sessionID != "" {
		sid = sessionID
	}
	switch method {
	case "Target.attachedToTarget":
		var p struct {
			SessionID  string          `json:"sessionId"`
			TargetInfo json.RawMessage `json:"targetInfo"`
		}
		if json.Unmarshal(params, &p) == nil && p.SessionID != "" {
			var info struct {
				TargetID string `json:"targetId"`
			}
			_ = json.Unmarshal(p.TargetInfo, &info)
			ts.children[p.SessionID] = childTarget{parent: sid, info: p.TargetInfo, id: info.TargetID}
			t.sessions[p.SessionID] = sessionRef{tabID: tabID, child: p.SessionID}
		}
	case "Target.detachedFromTarget":
		var p struct {
			SessionID string `json:"sessionId"`
		}
		if json.Unmarshal(params, &p) == nil && p.SessionID != "" {
			delete(ts.children, p.SessionID)
			delete(t.sessions, p.SessionID)
		}
	}
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	t.push(&cdproto.Message{Method: cdproto.MethodType(method), Params: jsonv2.Value(params), SessionID: target.SessionID(sid)})
}

// AttachTab adds a tab the extension attached after the start: a popup or a
// new tab the recorded tab opened. It is announced with Target.targetCreated
// (when discovery is on) and Target.attachedToTarget at browser level, as
// Chrome announces an auto-attached target, so the capture engine records
// it from this moment.
func (t *Transport) AttachTab(tab Tab) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.tabs[tab.TabID] != nil {
		return
	}
	if tab.OpenerTargetID == "" {
		if o := t.tabs[tab.OpenerTabID]; o != nil {
			tab.OpenerTargetID = o.TargetID
		}
	}
	ts := t.addTab(tab)
	info := tabInfo(ts)
	if t.discover {
		t.pushBrowserEvent("Target.targetCreated", map[string]any{"targetInfo": info})
	}
	t.pushBrowserEvent("Target.attachedToTarget", map[string]any{"sessionId": ts.root, "targetInfo": info, "waitingForDebugger": false})
}

// DetachTab handles chrome.debugger.onDetach of a tab: the commands waiting
// on it fail, its child sessions and its own session report a detach, and
// when it is the recorded tab, [Transport.Detached] closes with reason.
func (t *Transport) DetachTab(tabID int, reason DetachReason) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ts := t.tabs[tabID]
	if ts == nil {
		return
	}
	t.failPending(func(p pending) bool { return p.tabID == tabID }, "target detached: "+string(reason))
	for s, c := range ts.children {
		b, _ := json.Marshal(map[string]string{"sessionId": s, "targetId": c.id})
		t.push(&cdproto.Message{Method: "Target.detachedFromTarget", Params: jsonv2.Value(b), SessionID: target.SessionID(c.parent)})
		delete(t.sessions, s)
	}
	b, _ := json.Marshal(map[string]string{"reason": string(reason)})
	t.push(&cdproto.Message{Method: "Inspector.detached", Params: jsonv2.Value(b), SessionID: target.SessionID(ts.root)})
	t.pushBrowserEvent("Target.detachedFromTarget", map[string]string{"sessionId": ts.root, "targetId": ts.TargetID})
	if t.discover && reason == ReasonTargetClosed {
		t.pushBrowserEvent("Target.targetDestroyed", map[string]string{"targetId": ts.TargetID})
	}
	delete(t.sessions, ts.root)
	delete(t.tabs, tabID)
	if tabID == t.mainTab {
		t.setReason(reason)
	}
}

func (t *Transport) setReason(r DetachReason) {
	t.detachOnce.Do(func() {
		t.reason = r
		close(t.detached)
	})
}

// failPending answers the matching pending commands with an error. Call with
// t.mu held.
func (t *Transport) failPending(match func(pending) bool, why string) {
	for id, p := range t.pending {
		if !match(p) {
			continue
		}
		delete(t.pending, id)
		t.push(&cdproto.Message{ID: p.origID, SessionID: target.SessionID(p.sessionID), Error: &cdproto.Error{
			Code: -32000, Message: p.method + ": " + why,
		}})
	}
}

// Close ends the Transport: the commands still waiting fail, Read returns
// io.EOF after the queued messages, and Detached closes with "port_closed"
// when the recorded tab had not gone already. chromedp calls it when its
// browser context ends; the native host calls it when the port closes.
func (t *Transport) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.failPending(func(pending) bool { return true }, "the extension port closed")
	t.closed = true
	select {
	case t.ready <- struct{}{}:
	default:
	}
	t.setReason(ReasonPortClosed)
	return nil
}
