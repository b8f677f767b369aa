package capture

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
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

	// The frame tree, to give a step in a child frame the Recorder's
	// "frame" path (child indexes from the main frame down).
	contexts  map[string]string   // session + execution context id -> frame id
	parent    map[string]string   // frame id -> parent frame id
	children  map[string][]string // frame id -> attached children, in order
	framePath map[string][]int    // step key -> frame path, for records
}

type stepRecord struct {
	step    map[string]json.RawMessage
	time    float64
	session string
}

// stepKey identifies a step payload across its binding event and the
// recorder's Reprokit.step record.
func stepKey(session string, step map[string]json.RawMessage) string {
	var t float64
	json.Unmarshal(step["time"], &t)
	return session + "\x00" + string(step["type"]) + "\x00" + strconv.FormatFloat(t, 'f', -1, 64)
}

func (s *stepsBuilder) init() {
	if s.contexts == nil {
		s.contexts, s.parent, s.children, s.framePath = map[string]string{}, map[string]string{}, map[string][]string{}, map[string][]int{}
	}
}

// attach notes a child frame in attach order (Puppeteer's childFrames order,
// which the Recorder's frame indexes follow).
func (s *stepsBuilder) attach(frame, parent string) {
	if frame == "" || parent == "" || s.parent[frame] == parent {
		return
	}
	s.detach(frame)
	s.parent[frame] = parent
	s.children[parent] = append(s.children[parent], frame)
}

func (s *stepsBuilder) detach(frame string) {
	p, ok := s.parent[frame]
	if !ok {
		return
	}
	delete(s.parent, frame)
	kids := s.children[p]
	for i, k := range kids {
		if k == frame {
			s.children[p] = append(kids[:i:i], kids[i+1:]...)
			break
		}
	}
}

// path returns the child indexes from the root frame down to frame; nil
// for the root itself or an unknown frame.
func (s *stepsBuilder) path(frame string) []int {
	var rev []int
	for range 32 {
		p, ok := s.parent[frame]
		if !ok {
			break
		}
		i := 0
		for i < len(s.children[p]) && s.children[p][i] != frame {
			i++
		}
		rev = append(rev, i)
		frame = p
	}
	out := make([]int, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// navAssertWindow is how long after a user step a main-frame navigation
// counts as caused by it (asserted on the step, not a navigate step).
const navAssertWindow = 3.0

func (s *stepsBuilder) handle(m *logMessage) error {
	s.init()
	switch m.Method {
	case "Page.frameAttached":
		var ev struct {
			FrameID       string `json:"frameId"`
			ParentFrameID string `json:"parentFrameId"`
		}
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		s.attach(ev.FrameID, ev.ParentFrameID)
	case "Page.frameNavigated":
		var ev evFrameNavigated
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		s.attach(ev.Frame.ID, ev.Frame.ParentID)
	case "Page.frameDetached":
		var ev struct {
			FrameID string `json:"frameId"`
			Reason  string `json:"reason"`
		}
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		if ev.Reason != "swap" { // a frame going out of process stays in the tree
			s.detach(ev.FrameID)
		}
	case "Runtime.executionContextCreated":
		var ev struct {
			Context struct {
				ID      json.RawMessage `json:"id"`
				AuxData struct {
					FrameID string `json:"frameId"`
				} `json:"auxData"`
			} `json:"context"`
		}
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		if ev.Context.AuxData.FrameID != "" {
			s.contexts[m.SessionID+"\x00"+string(ev.Context.ID)] = ev.Context.AuxData.FrameID
		}
	case "Reprokit.step":
		var step map[string]json.RawMessage
		if json.Unmarshal(m.Params, &step) != nil || step == nil {
			return nil
		}
		if _, has := step["frame"]; !has {
			if path, ok := s.framePath[stepKey(m.SessionID, step)]; ok {
				step["frame"] = rawJSON(path)
			}
		}
		s.records = append(s.records, newStepRecord(step, m))
	case "Runtime.bindingCalled":
		var ev struct {
			Name               string          `json:"name"`
			Payload            string          `json:"payload"`
			ExecutionContextID json.RawMessage `json:"executionContextId"`
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
		if _, has := step["frame"]; !has {
			if path := s.path(s.contexts[m.SessionID+"\x00"+string(ev.ExecutionContextID)]); path != nil {
				step["frame"] = rawJSON(path)
				s.framePath[stepKey(m.SessionID, step)] = path
			}
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
			// A step in a popup targets that page, by the URL it
			// showed then (window.open starts at about:blank).
			if p := b.pageAt(ps, r.time); p != nil {
				step["target"] = rawJSON(p.url)
			}
		}
		items = append(items, item{r.time, i, step})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].time < items[j].time })

	var navs []*harPage
	for _, p := range b.pages {
		// The blank page a tab starts with, and error pages, are not
		// places a replay can navigate to.
		if p.session == tab && p.url != "about:blank" && !strings.HasPrefix(p.url, "chrome-error:") {
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
				start := env.Start
				if t, err := time.Parse(time.RFC3339Nano, start); err == nil {
					start = t.Format("2006-01-02 15:04:05 -07:00")
				}
				title += " at " + start
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
// pageAt returns the page a session showed at wall time t: the latest
// that started by then and is not the initial about:blank, else the
// first such page, else the first page.
func (b *harBuilder) pageAt(session string, t float64) *harPage {
	var at, next *harPage
	for _, p := range b.pages {
		if p.session != session || p.url == "about:blank" {
			continue
		}
		if p.startWall <= t && (at == nil || p.startWall > at.startWall) {
			at = p
		}
		if next == nil || p.startWall < next.startWall {
			next = p
		}
	}
	switch {
	case at != nil:
		return at
	case next != nil:
		return next
	}
	return b.firstPage(session)
}

func (b *harBuilder) firstPage(session string) *harPage {
	var first *harPage
	for _, p := range b.pages {
		if p.session == session && (first == nil || p.startWall < first.startWall) {
			first = p
		}
	}
	return first
}
