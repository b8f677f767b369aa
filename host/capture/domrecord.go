package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/target"
)

// domSyncMethod marks the point in the recorder's queue that
// [Recorder.flushDOM] waits for: the batches the pages sent before it are
// written once it is handled.
const domSyncMethod = "Reprokit.domSync"

// domFlushWait bounds how long Stop waits for the pages' last batches.
const domFlushWait = 2 * time.Second

// flushDOM asks every recorded page for the DOM events it holds (a batch
// leaves the page every half second, and the last moments before Stop
// are often the ones that matter) and waits, a bounded time, until they
// are written.
func (r *Recorder) flushDOM(ctx context.Context) {
	if r.domSource == "" {
		return
	}
	r.mu.Lock()
	var pages []target.SessionID
	for sid, si := range r.sessions {
		if sid == r.tab || (si.typ == "page" && si.parent == "") {
			pages = append(pages, sid)
		}
	}
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, domFlushWait)
	defer cancel()
	var wg sync.WaitGroup
	for _, sid := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.conn.Call(ctx, sid, "Runtime.evaluate", map[string]any{
				"expression": "typeof window.__reprokitDOMFlush === 'function' && window.__reprokitDOMFlush()", "silent": true,
			}, false)
		}()
	}
	wg.Wait()
	// The binding events came before the replies: once a marker queued
	// now is handled, they are written.
	done := make(chan struct{})
	r.mu.Lock()
	r.domSync = done
	r.mu.Unlock()
	r.enqueue(&cdproto.Message{Method: domSyncMethod})
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// domSynced closes the channel flushDOM waits on.
func (r *Recorder) domSynced() {
	r.mu.Lock()
	if r.domSync != nil {
		close(r.domSync)
		r.domSync = nil
	}
	r.mu.Unlock()
}

// onDOMBatch writes one batch of rrweb events that the DOM recorder of a
// frame in session sid delivered as a line of [DOMFile], attributed to the
// tab (the recorded tab or a tab it opened) the frame belongs to. Batches
// that arrive while the recording is paused are dropped, as events are.
func (r *Recorder) onDOMBatch(sid target.SessionID, payload string) {
	var batch struct {
		Events  json.RawMessage `json:"events"`
		Origins json.RawMessage `json:"origins"`
		Error   string          `json:"error"`
	}
	if err := json.Unmarshal([]byte(payload), &batch); err != nil {
		return // not the recorder's (a page may call the binding too)
	}
	if batch.Error != "" {
		r.mu.Lock()
		warned := r.domWarned
		r.domWarned = true
		r.mu.Unlock()
		if !warned {
			r.warnf("DOM session replay: %s", batch.Error)
		}
		return
	}
	events := bytes.TrimSpace(batch.Events)
	if len(events) < 2 || events[0] != '[' || string(events) == "[]" {
		return
	}
	r.mu.Lock()
	tab := r.tabOf(sid)
	skip := r.paused || r.stopped || tab == ""
	r.mu.Unlock()
	if skip {
		return
	}
	var line bytes.Buffer
	line.Grow(len(events) + 128)
	line.WriteString(`{"target":`)
	logQuote(&line, string(tab))
	line.WriteString(`,"events":`)
	logRaw(&line, events)
	if o := bytes.TrimSpace(batch.Origins); len(o) > 2 && o[0] == '{' {
		line.WriteString(`,"origins":`)
		logRaw(&line, o)
	}
	line.WriteString("}\n")
	r.conn.WriteDOM(line.Bytes()) // a failure closes conn.Failed: watchConn ends the recording
}

// tabOf returns the target of the page (the recorded tab, or a tab it
// opened) that session sid belongs to: the session itself for a page, its
// nearest page ancestor for a frame. r.mu is held.
func (r *Recorder) tabOf(sid target.SessionID) target.ID {
	for range 32 { // frames nest; a loop in the table must not hang
		si := r.sessions[sid]
		if si == nil {
			return ""
		}
		if sid == r.tab || (si.typ == "page" && si.parent == "") {
			return si.targetID
		}
		sid = si.parent
	}
	return ""
}
