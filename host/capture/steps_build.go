package capture

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
)

// StepsFlow is steps.json: a Chrome DevTools Recorder user flow that the
// Recorder panel imports. Steps are kept as the step script reported them
// (masked values stay masked), plus Reprokit's "time" (wall seconds) and
// "frameUrl", which the Recorder ignores.
type StepsFlow struct {
	Title string            `json:"title"`
	Steps []json.RawMessage `json:"steps"`
}

// stepsBuilder collects the user's steps from `Reprokit.step` records or,
// in logs without them, from the step script's Runtime.bindingCalled events.
type stepsBuilder struct {
	records  []stepRecord
	bindings []stepRecord
}

type stepRecord struct {
	step    map[string]json.RawMessage
	time    float64
	session string
}

// navAssertWindow is how long after a user step a main-frame navigation
// counts as caused by it (asserted on the step, not a navigate step).
const navAssertWindow = 3.0

func (s *stepsBuilder) handle(m *logMessage) error {
	switch m.Method {
	case "Reprokit.step":
		var step map[string]json.RawMessage
		if json.Unmarshal(m.Params, &step) != nil || step == nil {
			return nil
		}
		s.records = append(s.records, newStepRecord(step, m))
	case "Runtime.bindingCalled":
		var ev struct {
			Name    string `json:"name"`
			Payload string `json:"payload"`
		}
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		if ev.Name != StepBinding {
			return nil
		}
		var step map[string]json.RawMessage
		if json.Unmarshal([]byte(ev.Payload), &step) != nil || step == nil {
			return nil
		}
		s.bindings = append(s.bindings, newStepRecord(step, m))
	}
	return nil
}

func newStepRecord(step map[string]json.RawMessage, m *logMessage) stepRecord {
	r := stepRecord{step: step, time: m.Time, session: m.SessionID}
	var t float64
	if json.Unmarshal(step["time"], &t) == nil && t > 0 {
		if t > 1e11 {
			t /= 1000 // milliseconds
		}
		r.time = t
	}
	return r
}

// flow assembles the user flow: setViewport, a navigate step for the first
// page and for each later navigation no user step caused, and the user's
// steps, in time order.
func (s *stepsBuilder) flow(env *Environment, b *harBuilder) StepsFlow {
	user := s.records
	if len(user) == 0 {
		user = s.bindings
	}
	tab := b.tabSession()
	type item struct {
		time float64
		seq  int
		step map[string]json.RawMessage
	}
	var items []item
	for i, r := range user {
		step := r.step
		if ps := b.pageSession(r.session); ps != tab {
			// A step in a popup targets that page, by its URL.
			if p := b.firstPage(ps); p != nil {
				step["target"] = rawJSON(p.url)
			}
		}
		items = append(items, item{r.time, i, step})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].time < items[j].time })

	var navs []*harPage
	for _, p := range b.pages {
		if p.session == tab {
			navs = append(navs, p)
		}
	}
	title := "Reprokit recording"
	var out []item
	for i, p := range navs {
		asserted := map[string]json.RawMessage{"type": rawJSON("navigation"), "url": rawJSON(p.url)}
		if p.title != "" {
			asserted["title"] = rawJSON(p.title)
		}
		assertedList := json.RawMessage("[" + string(orderedStep(asserted)) + "]")
		if i == 0 {
			title = "Reprokit recording of " + p.url
			if env != nil && env.Start != "" {
				title += " at " + env.Start
			}
		}
		// The latest user step shortly before this navigation caused it,
		// unless the browser itself started it (a typed URL, Page.navigate).
		cause := -1
		for j := range items {
			if p.startedBy != navByBrowser && items[j].time <= p.startWall && p.startWall-items[j].time <= navAssertWindow {
				cause = j
			}
		}
		if i > 0 && cause >= 0 {
			if _, has := items[cause].step["assertedEvents"]; !has {
				items[cause].step["assertedEvents"] = assertedList
			}
			continue
		}
		nav := map[string]json.RawMessage{
			"type":           rawJSON("navigate"),
			"url":            rawJSON(p.url),
			"assertedEvents": assertedList,
			"time":           rawJSON(math.Round(p.startWall*1000) / 1000),
		}
		out = append(out, item{p.startWall, -1, nav})
	}
	out = append(out, items...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].time != out[j].time {
			return out[i].time < out[j].time
		}
		return out[i].seq < out[j].seq
	})

	flow := StepsFlow{Title: title, Steps: []json.RawMessage{}}
	if env != nil && env.Viewport.Width > 0 && env.Viewport.Height > 0 {
		v := env.Viewport
		dsf := v.DeviceScaleFactor
		if dsf == 0 {
			dsf = 1
		}
		flow.Steps = append(flow.Steps, orderedStep(map[string]json.RawMessage{
			"type": rawJSON("setViewport"), "width": rawJSON(v.Width), "height": rawJSON(v.Height),
			"deviceScaleFactor": rawJSON(dsf), "isMobile": rawJSON(v.IsMobile),
			"hasTouch": rawJSON(v.HasTouch), "isLandscape": rawJSON(v.IsLandscape),
		}))
	}
	for _, it := range out {
		flow.Steps = append(flow.Steps, orderedStep(it.step))
	}
	return flow
}

// stepKeyOrder puts the fields of a step in the order the DevTools Recorder
// writes them.
var stepKeyOrder = []string{"type", "width", "height", "deviceScaleFactor", "isMobile", "hasTouch", "isLandscape", "target", "frame", "url", "title", "selectors", "offsetX", "offsetY", "button", "deviceType", "duration", "value", "key", "x", "y", "text", "masked", "assertedEvents", "time", "frameUrl"}

func orderedStep(step map[string]json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	buf.WriteByte('{')
	done := map[string]bool{}
	write := func(k string) {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.Write(rawJSON(k))
		buf.WriteByte(':')
		buf.Write(step[k])
		done[k] = true
	}
	for _, k := range stepKeyOrder {
		if _, ok := step[k]; ok {
			write(k)
		}
	}
	var rest []string
	for k := range step {
		if !done[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		write(k)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

func rawJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// firstPage is the first page of a session.
func (b *harBuilder) firstPage(session string) *harPage {
	var first *harPage
	for _, p := range b.pages {
		if p.session == session && (first == nil || p.startWall < first.startWall) {
			first = p
		}
	}
	return first
}
