package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/report"
)

// replayEvents makes rrweb events of a busy page recorded for d: a full
// snapshot of a 300-item list (about 1,500 nodes and 5 KB of CSS), mouse
// moves in 500 ms batches, a clock changing 4 times a second, an item added
// and one removed every second, a 200-node list re-rendered every 5 s, a
// scroll every 2 s, typing every 3 s, and a second page (a new full
// snapshot) half way. The shapes are rrweb's (eventWithTime); the values
// are made up.
func replayEvents(start time.Time, d time.Duration) json.RawMessage {
	type node = map[string]any
	id := 0
	next := func() int { id++; return id }
	el := func(tag string, attrs map[string]any, kids ...node) node {
		if attrs == nil {
			attrs = map[string]any{}
		}
		if kids == nil {
			kids = []node{}
		}
		return node{"type": 2, "tagName": tag, "attributes": attrs, "childNodes": kids, "id": next()}
	}
	text := func(s string) node { return node{"type": 3, "textContent": s, "id": next()} }
	css := bytes.Repeat([]byte(".item { display: flex; gap: 8px; padding: 4px 8px; border-bottom: 1px solid #eee; }\n"), 60)
	var listID, clockID, inputID int
	page := func(title string) node {
		var items []node
		for i := 0; i < 300; i++ {
			items = append(items, el("li", map[string]any{"class": "item"}, el("span", nil, text(fmt.Sprintf("%s item %d", title, i))), el("button", nil, text("Open"))))
		}
		list := el("ul", map[string]any{"id": "list"}, items...)
		listID = list["id"].(int)
		clock := text("00:00")
		clockID = clock["id"].(int)
		input := el("input", map[string]any{"type": "text", "value": ""})
		inputID = input["id"].(int)
		head := el("head", nil, el("style", nil, text(string(css))), el("title", nil, text(title)))
		body := el("body", nil, el("header", nil, el("h1", nil, text(title)), el("span", map[string]any{"class": "clock"}, clock)), input, list)
		return node{"type": 0, "id": next(), "childNodes": []node{{"type": 1, "name": "html", "publicId": "", "systemId": "", "id": next()}, el("html", nil, head, body)}}
	}
	ms := func(t time.Time) int64 { return t.UnixMilli() }
	var evs []map[string]any
	snapshot := func(at time.Time, title string) {
		evs = append(evs,
			map[string]any{"type": 4, "data": map[string]any{"href": "https://app.example.com/" + title, "width": 1280, "height": 800}, "timestamp": ms(at)},
			map[string]any{"type": 2, "data": map[string]any{"node": page(title), "initialOffset": map[string]any{"left": 0, "top": 0}}, "timestamp": ms(at) + 1})
	}
	snapshot(start, "orders")
	var added []int
	second := false
	for t := 100 * time.Millisecond; t < d; t += 250 * time.Millisecond {
		at := start.Add(t)
		if !second && t >= d/2 {
			snapshot(at, "invoices")
			added, second = nil, true
			continue
		}
		mut := map[string]any{"source": 0, "texts": []any{map[string]any{"id": clockID, "value": fmt.Sprintf("%02d:%02d.%d", int(t.Minutes()), int(t.Seconds())%60, t.Milliseconds()%1000/100)}}, "attributes": []any{}, "removes": []any{}, "adds": []any{}}
		if t%time.Second < 250*time.Millisecond {
			li := el("li", map[string]any{"class": "item new"}, el("span", nil, text("new item "+t.String())), el("button", nil, text("Open")))
			mut["adds"] = []any{map[string]any{"parentId": listID, "nextId": nil, "node": li}}
			added = append(added, li["id"].(int))
			if len(added) > 20 {
				mut["removes"] = []any{map[string]any{"parentId": listID, "id": added[0]}}
				added = added[1:]
			}
		}
		if t%(5*time.Second) < 250*time.Millisecond {
			var rows []node
			for i := 0; i < 40; i++ {
				rows = append(rows, el("li", map[string]any{"class": "row"}, el("span", nil, text(fmt.Sprintf("row %d at %s", i, t))), el("b", nil, text("ok"))))
			}
			mut["adds"] = append(mut["adds"].([]any), map[string]any{"parentId": listID, "nextId": nil, "node": el("ul", map[string]any{"class": "page"}, rows...)})
		}
		evs = append(evs, map[string]any{"type": 3, "data": mut, "timestamp": ms(at)})
		if t%(500*time.Millisecond) < 250*time.Millisecond {
			var pos []any
			for k := 0; k < 10; k++ {
				pos = append(pos, map[string]any{"x": 100 + (int(t.Milliseconds())/10+k*7)%1000, "y": 200 + k*3, "id": listID, "timeOffset": -450 + k*50})
			}
			evs = append(evs, map[string]any{"type": 3, "data": map[string]any{"source": 1, "positions": pos}, "timestamp": ms(at) + 5})
		}
		if t%(2*time.Second) < 250*time.Millisecond {
			evs = append(evs, map[string]any{"type": 3, "data": map[string]any{"source": 3, "id": 1, "x": 0, "y": int(t.Seconds()) % 600}, "timestamp": ms(at) + 7})
		}
		if t%(3*time.Second) < 250*time.Millisecond {
			evs = append(evs, map[string]any{"type": 3, "data": map[string]any{"source": 5, "id": inputID, "text": "********", "isChecked": false}, "timestamp": ms(at) + 9})
		}
	}
	b, _ := json.Marshal(evs)
	return b
}

// BenchmarkReportReplay5Min opens the report of a 5-minute recording (300
// requests) without and with its session replay, in turn, and reports
// from navigation start: when the report has drawn (ms-ready-without,
// ms-ready-with) and when the player shows its first frame (ms-first-frame,
// the mean, and the worst; goal < 2000). One op is both opens.
func BenchmarkReportReplay5Min(b *testing.B) {
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	const d = 5 * time.Minute
	entries := make([]har.Entry, 300)
	for i := range entries {
		status := 200
		if i%50 == 7 {
			status = 500
		}
		when := start.Add(time.Duration(i) * d / 300)
		entries[i] = mkEntry("GET", fmt.Sprintf("https://api.example.com/v1/orders/%d", i), status, float64(when.Sub(t0).Milliseconds()), 80+float64(i%40)*10, "fetch", "application/json", `{"ok":true,"items":[1,2,3]}`)
	}
	h, _ := json.Marshal(har.HAR{Log: har.Log{Version: "1.2", Creator: har.Creator{Name: "bench", Version: "1"}, Pages: []har.Page{}, Entries: entries}})
	in := filepath.Join(b.TempDir(), "5min.har")
	os.WriteFile(in, h, 0o600)
	bd, err := bundle.Open(in)
	if err != nil {
		b.Fatal(err)
	}
	events := replayEvents(start, d)
	page := func(replay bool) (string, int) {
		data := bd.ReportData()
		if replay {
			data.DOM = &report.Replay{Tabs: []report.ReplayTab{{Target: "T1", Events: events}}}
		}
		var buf bytes.Buffer
		if err := report.Render(&buf, data); err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(b.TempDir(), fmt.Sprintf("report-%v.html", replay))
		os.WriteFile(p, buf.Bytes(), 0o644)
		return p, buf.Len()
	}
	// The two pages are opened in turn in each iteration, so that both see
	// the same load of the machine.
	plain, plainSize := page(false)
	with, withSize := page(true)
	ctx := benchTab(b)
	open := func(path, wait string) []float64 {
		// From a blank page: the time of an engineer opening the report,
		// not of the browser tearing down the last one.
		b.StopTimer()
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible(chromedp.CSS(wait))); err != nil {
			b.Fatal(err)
		}
		marks, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`["rk-ready", "rk-replay-frame"].map(n => { const m = performance.getEntriesByName(n)[0]; return m ? m.startTime : 0; })`))
		if err != nil {
			b.Fatal(err)
		}
		if os.Getenv("REPROKIT_BENCH_MARKS") != "" {
			// The page's own marks, with the navigation's: where the time
			// goes.
			all, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(performance.getEntriesByType("navigation").map(n => "domInteractive=" + Math.round(n.domInteractive)).concat(performance.getEntriesByType("mark").map(m => m.name + "=" + Math.round(m.startTime))))`))
			b.Log(filepath.Base(path), all)
		}
		return marks
	}
	var readyPlain, readyWith, frame, worst float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		readyPlain += open(plain, `body[data-ready="1"]`)[0]
		m := open(with, `#replay[data-frame="1"]`)
		readyWith += m[0]
		frame += m[1]
		worst = max(worst, m[1])
	}
	n := float64(b.N)
	b.ReportMetric(readyPlain/n, "ms-ready-without")
	b.ReportMetric(readyWith/n, "ms-ready-with")
	b.ReportMetric(frame/n, "ms-first-frame")
	b.ReportMetric(worst, "ms-first-frame-worst")
	b.ReportMetric(float64(plainSize)/(1<<20), "MB-page-without")
	b.ReportMetric(float64(withSize)/(1<<20), "MB-page-with")
	b.ReportMetric(float64(len(events))/(1<<20), "MB-events")
}
