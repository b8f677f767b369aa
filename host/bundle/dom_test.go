package bundle

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// domMs is a time of a fixture DOM event: ms after t0.
func domMs(ms int) int64 { return t0.UnixMilli() + int64(ms) }

// domSession is the sample session with a DOM replay of two tabs: the tab
// (a page of app.example.com showing an email, a cross-origin frame of
// tracker.test, then a page of tracker.test) and a popup it opened.
func domSession(t testing.TB) spoolFixture {
	f := sampleSession(t)
	meta := func(ms int, href string) string {
		return fmt.Sprintf(`{"type":4,"data":{"href":%q,"width":1280,"height":720},"timestamp":%d}`, href, domMs(ms))
	}
	full := func(ms int, text string) string {
		return fmt.Sprintf(`{"type":2,"data":{"node":{"type":0,"id":1,"childNodes":[{"type":3,"id":2,"textContent":%q}]},"initialOffset":{"left":0,"top":0}},"timestamp":%d}`, text, domMs(ms))
	}
	mutation := func(ms int, text string) string {
		return fmt.Sprintf(`{"type":3,"data":{"source":0,"texts":[],"attributes":[],"removes":[],"adds":[{"parentId":1,"nextId":null,"node":{"type":3,"id":9,"textContent":%q}}]},"timestamp":%d}`, text, domMs(ms))
	}
	f.dom = []string{
		// the batches of a tab's frames may arrive out of time order
		`{"target":"TAB","events":[` + meta(100, "https://app.example.com/") + `,` + full(110, "Signed in as ada@example.com") + `,` + mutation(400, "tracker frame text") + `,` + mutation(300, "Upload failed") + `],"origins":{"2":"https://tracker.test"}}`,
		`{"target":"POPUP","events":[` + meta(500, "https://app.example.com/help") + `,` + full(510, "Help") + `]}`,
		`{"target":"TAB","events":[` + meta(600, "https://www.tracker.test/landing") + `,` + full(610, "tracker landing page") + `]}`,
		`{"target":"TAB","events":[` + meta(900, "https://app.example.com/back") + `,` + full(910, "Back on the app") + `]}`,
		`{"target":"TAB","events":[{"type":3,"da`, // cut short by a killed process
	}
	return f
}

// dom.json holds each tab's events in time order (the recorded tab
// first), sanitized, without the pages and frames of excluded domains; the
// rescan covers it; bundle.json counts and lists it.
func TestDOMReplayIsSanitizedExcludedCountedAndListed(t *testing.T) {
	dir := makeSpool(t, domSession(t))
	res, err := Write(context.Background(), dir, t.TempDir(), Options{Exclude: []string{"tracker.test"}})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	raw := readZip(t, res.Path)[DOMReplayFile]
	if raw == nil {
		t.Fatalf("no %s in the bundle; files %v", DOMReplayFile, m.Files)
	}
	var doc DOMDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Format != "rrweb" || doc.Version == "" || len(doc.Tabs) != 2 || doc.Tabs[0].Target != "TAB" || doc.Tabs[1].Target != "POPUP" {
		t.Fatalf("dom.json %s", raw)
	}
	var times []float64
	for _, ev := range doc.Tabs[0].Events {
		var h domEventHead
		json.Unmarshal(ev, &h)
		times = append(times, h.Timestamp)
	}
	if !slices.IsSorted(times) || len(times) != 5 {
		t.Errorf("tab events at %v: want 5, in time order", times)
	}
	s := string(raw)
	for _, gone := range []string{"tracker", "ada@example.com"} {
		if strings.Contains(s, gone) {
			t.Errorf("dom.json holds %q:\n%s", gone, s)
		}
	}
	if !strings.Contains(s, "Upload failed") || !strings.Contains(s, "Back on the app") {
		t.Errorf("dom.json lost the app's pages:\n%s", s)
	}
	if m.Counts.DOMEvents != 7 || m.Excluded.DOMEvents != 3 {
		t.Errorf("counts.domEvents %d (want 7), excluded.domEvents %d (want 3)", m.Counts.DOMEvents, m.Excluded.DOMEvents)
	}
	if !slices.ContainsFunc(m.Files, func(f File) bool { return f.Name == DOMReplayFile }) {
		t.Errorf("files %v do not list %s", m.Files, DOMReplayFile)
	}
	if !slices.ContainsFunc(m.Notes, func(n string) bool { return strings.Contains(n, "dom.jsonl") }) {
		t.Errorf("no note about the unreadable line: %q", m.Notes)
	}
}

// No dom.jsonl (--no-dom): no dom.json, and counts.domEvents 0.
func TestNoDOMReplayNoDOMFile(t *testing.T) {
	dir := makeSpool(t, sampleSession(t))
	res, err := Write(context.Background(), dir, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if readZip(t, res.Path)[DOMReplayFile] != nil || res.Manifest.Counts.DOMEvents != 0 {
		t.Errorf("a bundle without a DOM recording has %s (%d events)", DOMReplayFile, res.Manifest.Counts.DOMEvents)
	}
}

// The budget thins the DOM replay, then drops it, right after the bodies
// of images, fonts and media and before large scripts; it says so.
func TestBudgetThinsThenDropsTheDOMReplayAfterMediaBodies(t *testing.T) {
	f := budgetSession(t)
	var evs []string
	evs = append(evs, fmt.Sprintf(`{"type":4,"data":{"href":"https://app.example.com/","width":1280,"height":720},"timestamp":%d}`, domMs(0)))
	evs = append(evs, fmt.Sprintf(`{"type":2,"data":{"node":{"type":0,"id":1,"childNodes":[]},"initialOffset":{"left":0,"top":0}},"timestamp":%d}`, domMs(1)))
	for i := range 20000 {
		evs = append(evs, fmt.Sprintf(`{"type":3,"data":{"source":1,"positions":[{"x":%d,"y":%d,"id":1,"timeOffset":0}]},"timestamp":%d}`, i%1280, (i*7)%720, domMs(2+i)))
		if i%50 == 0 {
			evs = append(evs, fmt.Sprintf(`{"type":3,"data":{"source":0,"texts":[{"id":1,"value":"line %d %s"}],"attributes":[],"removes":[],"adds":[]},"timestamp":%d}`, i, strings.Repeat("text ", 40), domMs(2+i)))
		}
	}
	f.dom = []string{`{"target":"TAB","events":[` + strings.Join(evs, ",") + `]}`}
	dir := makeSpool(t, f)
	res, err := Write(context.Background(), dir, t.TempDir(), Options{Budget: 2 << 18})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, a := range res.Manifest.Budget.Actions {
		switch {
		case a.Action == "remove-body" && a.Step == stepMediaBodies:
			order = append(order, "media")
		case a.Action == "remove-body" && a.Step == stepScriptBodies:
			order = append(order, "script")
		case a.Step == stepDOMReplay:
			order = append(order, a.Action)
		}
	}
	order = slices.Compact(order)
	want := []string{"media", "thin-dom-replay", "drop-dom-replay", "script"}
	if len(order) < 4 || !slices.Equal(order[:4], want) {
		t.Errorf("budget actions in the order %v, want %v first", order, want)
	}
	if readZip(t, res.Path)[DOMReplayFile] != nil || res.Manifest.Counts.DOMEvents != 0 {
		t.Errorf("the dropped DOM replay is still in the bundle (%d events)", res.Manifest.Counts.DOMEvents)
	}
}

// Thinning keeps every DOM change and click and the last scroll of each
// element, and removes pointer moves and scrolls less than a second apart.
func TestThinDOMKeepsWhatTheEndStateNeeds(t *testing.T) {
	ev := func(ms int, src int, extra string) string {
		return fmt.Sprintf(`{"type":3,"data":{"source":%d%s},"timestamp":%d}`, src, extra, domMs(ms))
	}
	doc := `{"format":"rrweb","version":"2.1.6","tabs":[{"target":"TAB","events":[` + strings.Join([]string{
		`{"type":4,"data":{"href":"https://app.example.com/"},"timestamp":1}`,
		ev(10, 1, `,"positions":[]`), ev(20, 0, `,"adds":[]`), ev(30, 2, `,"type":2,"id":5`),
		ev(100, 3, `,"id":7,"x":0,"y":10`), ev(300, 3, `,"id":7,"x":0,"y":20`), ev(2500, 3, `,"id":7,"x":0,"y":30`), ev(2600, 3, `,"id":8,"x":0,"y":5`),
		ev(2700, 5, `,"id":9,"text":"***"`), ev(2800, 12, `,"positions":[]`), ev(2900, 14, `,"ranges":[]`),
	}, ",") + `]}]}`
	out, n, err := thinDOM([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var d DOMDoc
	json.Unmarshal(out, &d)
	var kept []string
	for _, e := range d.Tabs[0].Events {
		var h domEventHead
		json.Unmarshal(e, &h)
		src := -1
		if h.Data.Source != nil {
			src = *h.Data.Source
		}
		kept = append(kept, fmt.Sprintf("%d/%d@%d", h.Type, src, int64(h.Timestamp)-t0.UnixMilli()))
	}
	want := []string{fmt.Sprintf("4/-1@%d", 1-t0.UnixMilli()), "3/0@20", "3/2@30", "3/3@300", "3/3@2500", "3/3@2600", "3/5@2700"}
	if n != 4 || !slices.Equal(kept, want) {
		t.Errorf("thinned to %v (%d removed), want %v", kept, n, want)
	}
}
