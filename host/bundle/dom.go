package bundle

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/host/domreplay"
)

// domSpoolFile is the stream capture writes (capture.DOMReplayFile): one batch
// of rrweb events per line.
const domSpoolFile = "dom.jsonl"

// stepDOMReplay is the budget's DOM replay step: taken after the bodies of
// images, fonts and media (step 1) and before any other step; numbered 5
// because steps 1-4 were numbered before it existed.
const stepDOMReplay = 5

// DOMDoc is dom.json: the rrweb events of each recorded tab, the tab the
// user started on first, then the tabs it opened, each in timestamp order.
type DOMDoc struct {
	Format  string   `json:"format"`  // "rrweb"
	Version string   `json:"version"` // the rrweb version that recorded them
	Tabs    []DOMTab `json:"tabs"`
}

// DOMTab is the replay of one tab: its CDP target ID and its rrweb events
// ({"type", "data", "timestamp"} as rrweb emits them).
type DOMTab struct {
	Target string            `json:"target"`
	Events []json.RawMessage `json:"events"`
}

// domEventHead is what the bundle reads of an event: its type, time, the
// page URL of a meta event and the source and node of an incremental one.
type domEventHead struct {
	Type      int     `json:"type"`
	Timestamp float64 `json:"timestamp"`
	Data      struct {
		Href   string `json:"href"`
		Source *int   `json:"source"`
		ID     *int   `json:"id"`
	} `json:"data"`
}

// rrweb event types and incremental sources the bundle tells apart.
const (
	rrwebMeta        = 4
	rrwebIncremental = 3
	srcMouseMove     = 1
	srcScroll        = 3
	srcTouchMove     = 6
	srcDrag          = 12
	srcSelection     = 14
)

// loadDOM reads the spool's dom.jsonl into dom.json: events of pages on
// an excluded domain (from a meta event with that page's URL to the next
// one) and of cross-origin frames on an excluded domain are left out,
// each tab's events are put in timestamp order, and the document goes
// through the sanitizer. It returns nil when nothing was recorded.
func (p *pack) loadDOM() ([]byte, error) {
	f, err := p.open(domSpoolFile)
	if f == nil || err != nil {
		return nil, err
	}
	defer f.Close()
	doc := DOMDoc{Format: "rrweb", Version: domreplay.Version}
	tabs := map[string]int{}
	// href is each tab's current page: what its events are on.
	href := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<30)
	bad := 0
	for sc.Scan() {
		var line struct {
			Target  string            `json:"target"`
			Events  []json.RawMessage `json:"events"`
			Origins map[string]string `json:"origins"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Target == "" {
			// A line cut short by a killed process: the rest still replays.
			bad++
			continue
		}
		ti, ok := tabs[line.Target]
		if !ok {
			ti = len(doc.Tabs)
			tabs[line.Target] = ti
			doc.Tabs = append(doc.Tabs, DOMTab{Target: line.Target})
		}
		for i, ev := range line.Events {
			var h domEventHead
			if json.Unmarshal(ev, &h) != nil {
				bad++
				continue
			}
			if o, ok := line.Origins[fmt.Sprint(i)]; ok {
				// An event of a cross-origin frame, through the top frame.
				if p.excludedURL(o) {
					p.domOut++
					continue
				}
			} else if h.Type == rrwebMeta {
				href[line.Target] = h.Data.Href
			}
			if p.excludedURL(href[line.Target]) {
				p.domOut++
				continue
			}
			doc.Tabs[ti].Events = append(doc.Tabs[ti].Events, ev)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s in the recording: %w", domSpoolFile, err)
	}
	if bad > 0 {
		p.notes = append(p.notes, fmt.Sprintf("%s: %d unreadable DOM replay lines or events were left out", domSpoolFile, bad))
	}
	kept := doc.Tabs[:0]
	for _, t := range doc.Tabs {
		if len(t.Events) == 0 {
			continue
		}
		sortByTimestamp(t.Events)
		p.domEvents += len(t.Events)
		kept = append(kept, t)
	}
	doc.Tabs = kept
	if len(doc.Tabs) == 0 {
		return nil, nil
	}
	if p.domOut > 0 {
		p.logf("left out %d DOM replay events of %s", p.domOut, strings.Join(p.opts.Exclude, ", "))
	}
	raw, err := json.Marshal(&doc)
	if err != nil {
		return nil, fmt.Errorf("make %s: %w", DOMReplayFile, err)
	}
	var buf bytes.Buffer
	// The DOM walk: text nodes, attributes, URLs and styles with the HAR's
	// rules and tags.
	if err := p.r.DOM(&buf, bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("sanitize %s: %w", DOMReplayFile, err)
	}
	return buf.Bytes(), nil
}

// sortByTimestamp puts events in timestamp order, keeping the order of
// events with the same time (batches of a tab's frames may interleave).
func sortByTimestamp(events []json.RawMessage) {
	ts := make([]float64, len(events))
	for i, ev := range events {
		var h struct {
			Timestamp float64 `json:"timestamp"`
		}
		json.Unmarshal(ev, &h)
		ts[i] = h.Timestamp
	}
	idx := make([]int, len(events))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return ts[idx[a]] < ts[idx[b]] })
	sorted := make([]json.RawMessage, len(events))
	for i, j := range idx {
		sorted[i] = events[j]
	}
	copy(events, sorted)
}

// trimDOM is the budget's DOM replay step: first thin-dom-replay (pointer
// moves, drags and text selections removed, scrolls kept at most one a
// second per element and always the last: every DOM change, click and
// input stays, so the replay still reaches the same end state), then, if
// that is not enough, drop-dom-replay (dom.json left out). It returns the
// estimated compressed bytes saved.
func (p *pack) trimDOM(need int64) int64 {
	if p.domReplay() == nil || need <= 0 {
		return 0 // none, or the reporter left it out
	}
	var saved int64
	before := int64(len(p.domJSON))
	ratio := domRatio(p.domJSON)
	if !p.domThinned {
		p.domThinned = true
		if thin, n, err := thinDOM(p.domJSON); err == nil && n > 0 {
			p.domJSON = thin
			p.domEvents -= n
			after := int64(len(thin))
			p.budget.actions = append(p.budget.actions, BudgetAction{
				Step: stepDOMReplay, Action: "thin-dom-replay", Entry: -1, File: DOMReplayFile, Before: before, After: after,
			})
			saved += int64(float64(before-after) * ratio * 2)
			before = after
		}
	}
	if saved >= need {
		return saved
	}
	p.budget.actions = append(p.budget.actions, BudgetAction{
		Step: stepDOMReplay, Action: "drop-dom-replay", Entry: -1, File: DOMReplayFile, Before: before, After: 0,
	})
	p.domJSON = nil
	p.domEvents = 0
	return saved + int64(float64(before)*ratio*2)
}

// domRatio estimates the compressed share of dom.json.
func domRatio(b []byte) float64 {
	return compressRatioAt(bytes.NewReader(b), len(b))
}

// thinDOM removes the events of a dom.json document that a replay can do
// without (see [pack.trimDOM]); it returns the document and how many
// events went.
func thinDOM(data []byte) ([]byte, int, error) {
	var doc DOMDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, 0, err
	}
	removed := 0
	for t := range doc.Tabs {
		evs := doc.Tabs[t].Events
		keep := make([]bool, len(evs))
		lastScroll := map[int]float64{} // node id -> time of the later scroll kept
		for i := len(evs) - 1; i >= 0; i-- {
			keep[i] = true
			var h domEventHead
			if json.Unmarshal(evs[i], &h) != nil || h.Type != rrwebIncremental || h.Data.Source == nil {
				continue
			}
			switch *h.Data.Source {
			case srcMouseMove, srcTouchMove, srcDrag, srcSelection:
				keep[i] = false
			case srcScroll:
				id := -1
				if h.Data.ID != nil {
					id = *h.Data.ID
				}
				if later, ok := lastScroll[id]; ok && later-h.Timestamp < 1000 {
					keep[i] = false
				} else {
					lastScroll[id] = h.Timestamp
				}
			}
		}
		out := evs[:0]
		for i, ev := range evs {
			if keep[i] {
				out = append(out, ev)
			} else {
				removed++
			}
		}
		doc.Tabs[t].Events = out
	}
	if removed == 0 {
		return data, 0, nil
	}
	b, err := json.Marshal(&doc)
	return b, removed, err
}
