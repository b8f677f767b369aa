package capture_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/capture"
)

// domLine is one line of dom.jsonl.
type domLine struct {
	Target  string            `json:"target"`
	Events  []json.RawMessage `json:"events"`
	Origins map[string]string `json:"origins"`
}

type domEvent struct {
	Type      int             `json:"type"`
	Timestamp float64         `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// readDOM reads the spool's dom.jsonl; it fails the test on a line that is
// not a batch.
func readDOM(t *testing.T, path string) (raw []byte, lines []domLine) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 256<<20)
	for sc.Scan() {
		var l domLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Target == "" || len(l.Events) == 0 {
			t.Fatalf("dom.jsonl line %.200q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return raw, lines
}

// waitDOM flushes the log until dom.jsonl holds every one of want, or fails
// the test at a deadline (batches leave the page every half second).
func (l *live) waitDOM(want ...string) []byte {
	l.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		l.conn.Flush()
		raw, _ := os.ReadFile(l.dir.Join(capture.DOMFile))
		missing := ""
		for _, w := range want {
			if !bytes.Contains(raw, []byte(w)) {
				missing = w
				break
			}
		}
		if missing == "" {
			return raw
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("dom.jsonl (%d bytes) never held %q", len(raw), missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRecordsTheDOMWithRRWeb records the test app's DOM page in a real
// Chromium: rrweb runs in the page and in its cross-origin frame, the
// batches land in dom.jsonl as they arrive, attributed to the tab, with a
// full snapshot and incremental events (the added list items, the typing);
// typed values are masked, the password field and data-private elements
// (of the frame too) are never recorded, and the binding's calls are not
// also in the protocol log.
func TestRecordsTheDOMWithRRWeb(t *testing.T) {
	l := startLive(t, capture.Options{})
	l.do(chromedp.Navigate(app.URL + "/dom/page"))
	l.waitFor(`document.body.dataset.done === '1' && document.body.dataset.frame === '1'`)
	const typed = "typed-name-QUOKKA-1234"
	l.do(
		chromedp.SendKeys(chromedp.CSS(`[data-testid=name]`), typed),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=password]`), app.Secrets.Password),
		click(`[data-testid=add]`),
		click(`[data-testid=add]`),
	)
	l.waitFor(`document.body.dataset.lines === '2'`)
	// The frame's text comes through the top frame's recorder.
	l.waitDOM("Line 2 added", "FRAME-VISIBLE-4410", app.Secrets.APIKey)
	r := l.stop()

	raw, lines := readDOM(t, r.dir.Join(capture.DOMFile))
	for _, secret := range []string{typed, app.Secrets.Password, "ZEBRA-PRIVATE-7731", "FRAME-PRIVATE-5521"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("dom.jsonl holds %q", secret)
		}
	}
	types := map[int]int{}
	sources := map[int]int{}
	origins := 0
	for _, line := range lines {
		if line.Target != string(l.sess.TabTarget) {
			t.Errorf("a batch of target %s, want the tab %s", line.Target, l.sess.TabTarget)
		}
		for k, o := range line.Origins {
			origins++
			if !strings.HasPrefix(app.OtherURL, o) {
				t.Errorf("event %s is attributed to origin %q, want the frame's %s", k, o, app.OtherURL)
			}
		}
		for _, e := range line.Events {
			var ev domEvent
			if err := json.Unmarshal(e, &ev); err != nil || ev.Timestamp == 0 {
				t.Fatalf("not an rrweb event: %.200s", e)
			}
			types[ev.Type]++
			if ev.Type == 3 {
				var d struct {
					Source int `json:"source"`
				}
				json.Unmarshal(ev.Data, &d)
				sources[d.Source]++
			}
		}
	}
	if types[4] == 0 || types[2] == 0 || types[3] == 0 {
		t.Errorf("event types %v: want a meta (4), a full snapshot (2) and incremental events (3)", types)
	}
	// 0 mutation, 2 mouse interaction (the clicks), 5 input (masked).
	if sources[0] == 0 || sources[2] == 0 || sources[5] == 0 {
		t.Errorf("incremental sources %v: want mutations, clicks and input", sources)
	}
	if origins == 0 {
		t.Error("no event is attributed to the cross-origin frame")
	}
	if !bytes.Contains(raw, []byte("*****")) {
		t.Error("no masked input value in dom.jsonl")
	}
	for _, rec := range r.records("Runtime.bindingCalled") {
		if bytes.Contains(rec.Params, []byte(capture.DOMBinding)) {
			t.Fatalf("the protocol log holds a DOM batch too: %.200s", rec.Params)
		}
	}
}

// TestRecordsTheDOMOfATabTheRecordedTabOpens: a popup the recorded page
// opens gets its own entry in dom.jsonl, under its own target, with its
// own meta event and full snapshot.
func TestRecordsTheDOMOfATabTheRecordedTabOpens(t *testing.T) {
	l := startLive(t, capture.Options{})
	l.do(chromedp.Navigate(app.URL + "/popup"))
	l.do(click(`[data-testid=open-popup]`))
	l.waitFor(`document.body.dataset.done === '1'`)
	l.waitDOM("/popup/child")
	r := l.stop()
	_, lines := readDOM(t, r.dir.Join(capture.DOMFile))
	// The popup starts on about:blank, then shows /popup/child in the
	// same Window: the blank page, which the user never saw, has no
	// events of its own.
	popup := map[int]int{}
	child, childSnapshot := false, false
	for _, line := range lines {
		if line.Target == string(l.sess.TabTarget) {
			continue
		}
		for _, e := range line.Events {
			var ev domEvent
			json.Unmarshal(e, &ev)
			popup[ev.Type]++
			if ev.Type == 4 {
				child = bytes.Contains(ev.Data, []byte("/popup/child"))
				if bytes.Contains(ev.Data, []byte("about:blank")) {
					t.Errorf("the popup's initial blank page was recorded: %s", ev.Data)
				}
			}
			childSnapshot = childSnapshot || child && ev.Type == 2
		}
	}
	if !child || !childSnapshot {
		t.Errorf("the popup's events by type %v (a meta event of /popup/child: %v, then its full snapshot: %v): want both under the popup's own target", popup, child, childSnapshot)
	}
}

// TestABlankTabIsNotReplayed: a tab left on its initial about:blank for
// longer than the recorder waits for an idle page, then sent to a page,
// has events of that page only: the replay starts at what the user saw.
func TestABlankTabIsNotReplayed(t *testing.T) {
	l := startLive(t, capture.Options{})
	time.Sleep(1500 * time.Millisecond)
	l.do(chromedp.Navigate(app.URL + "/dom/page"))
	l.waitFor(`document.body.dataset.done === '1'`)
	l.waitDOM("/dom/page")
	r := l.stop()
	_, lines := readDOM(t, r.dir.Join(capture.DOMFile))
	metas := 0
	for _, line := range lines {
		for _, e := range line.Events {
			var ev domEvent
			json.Unmarshal(e, &ev)
			if ev.Type == 4 {
				metas++
				if bytes.Contains(ev.Data, []byte("about:blank")) {
					t.Errorf("the blank tab was recorded: %s", ev.Data)
				}
			}
		}
	}
	if metas == 0 {
		t.Error("no meta event: the page was not recorded either")
	}
}

// TestNoDOMRecordsNoDOM: with NoDOM the pages get no recorder and the spool
// no dom.jsonl.
func TestNoDOMRecordsNoDOM(t *testing.T) {
	l := startLive(t, capture.Options{NoDOM: true})
	l.do(chromedp.Navigate(app.URL + "/dom/page"))
	l.waitFor(`document.body.dataset.done === '1'`)
	l.do(click(`[data-testid=add]`))
	l.waitFor(`document.body.dataset.lines === '1'`)
	installed, err := chromedp.Run(l.tab, chromedp.Evaluate[bool](`!!window.__reprokitDOMInstalled || typeof window.__reprokitDOM === 'function'`))
	if err != nil || installed {
		t.Errorf("the DOM recorder is in the page with NoDOM (%v)", err)
	}
	r := l.stop()
	if _, err := os.Stat(r.dir.Join(capture.DOMFile)); !os.IsNotExist(err) {
		t.Errorf("dom.jsonl with NoDOM: %v", err)
	}
}

// TestManagedDOMSelectorsAndMaskAllText: the administrator's block
// selectors leave their elements out and domMaskAllText masks every text;
// a selector that does not parse turns the replay off (fail closed) and
// says why once.
func TestManagedDOMSelectorsAndMaskAllText(t *testing.T) {
	l := startLive(t, capture.Options{DOM: capture.DOMOptions{BlockSelectors: []string{"[data-testid=shown-key]"}, MaskAllText: true}})
	l.do(chromedp.Navigate(app.URL + "/dom/page"))
	l.waitFor(`document.body.dataset.done === '1' && document.body.dataset.frame === '1'`)
	l.do(click(`[data-testid=add]`))
	l.waitFor(`document.body.dataset.lines === '1'`)
	// The mutation of the added line arrives, its text masked.
	l.waitDOM(`"source":0`, `"type":2,`)
	r := l.stop()
	raw, _ := readDOM(t, r.dir.Join(capture.DOMFile))
	for _, text := range []string{app.Secrets.APIKey, "Your API key", "Line 1 added", "DOM replay", "FRAME-VISIBLE-4410"} {
		if bytes.Contains(raw, []byte(text)) {
			t.Errorf("dom.jsonl holds the text %q with domMaskAllText and the key's paragraph blocked", text)
		}
	}

	var warnings []string
	var mu sync.Mutex
	l = startLive(t, capture.Options{
		DOM: capture.DOMOptions{BlockSelectors: []string{"#account", "[[not a selector"}},
		Logf: func(format string, args ...any) {
			mu.Lock()
			warnings = append(warnings, fmt.Sprintf(format, args...))
			mu.Unlock()
		},
	})
	l.do(chromedp.Navigate(app.URL + "/dom/page"))
	l.waitFor(`document.body.dataset.done === '1'`)
	l.do(click(`[data-testid=add]`))
	l.waitFor(`document.body.dataset.lines === '1'`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(domWarnings(warnings))
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no warning about the selector that does not parse")
		}
		time.Sleep(100 * time.Millisecond)
	}
	r = l.stop()
	if _, err := os.Stat(r.dir.Join(capture.DOMFile)); !os.IsNotExist(err) {
		t.Errorf("a block selector that does not parse still let the DOM be recorded: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if w := domWarnings(warnings); len(w) != 1 || !strings.Contains(w[0], "[[not a selector") {
		t.Errorf("warnings %q, want one naming the selector", warnings)
	}
}

func domWarnings(ws []string) []string {
	var out []string
	for _, w := range ws {
		if strings.Contains(w, "DOM session replay") {
			out = append(out, w)
		}
	}
	return out
}
