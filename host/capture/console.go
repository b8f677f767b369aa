package capture

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ConsoleLog is console.json: every console message, uncaught exception and
// browser log entry of the recording, in time order.
type ConsoleLog struct {
	Messages []ConsoleMessage `json:"messages"`
}

// ConsoleMessage is one line of the console as DevTools would show it.
type ConsoleMessage struct {
	// Time is the wall time, RFC 3339 in UTC with milliseconds.
	Time string `json:"time"`
	// Level is "verbose", "info", "warning" or "error" (DevTools' levels),
	// or "note" for the reporter's notes (Source "reprokit", Type "note").
	Level string `json:"level"`
	// Source is "console-api" for console.* calls, "exception" for uncaught
	// exceptions and unhandled rejections, "reprokit" for a note, else the
	// Log.entryAdded source ("network", "security", "violation",
	// "intervention", …).
	Source string `json:"source"`
	// Type is the console method for console-api messages: "log", "warning",
	// "error", "table", "assert", "trace", …
	Type string `json:"type,omitempty"`
	// Text is the message with its arguments rendered the way the DevTools
	// console prints them (format specifiers applied, objects previewed).
	Text string `json:"text"`
	// URL, Line and Column (1-based) point to where the message came from.
	URL    string `json:"url,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Stack is the JavaScript stack, one "    at fn (url:line:column)" line
	// per frame, as DevTools prints it.
	Stack string `json:"stack,omitempty"`
	// Target is the kind of target that logged it: page, iframe, worker,
	// service_worker, popup, …
	Target string `json:"target,omitempty"`
	// RequestID links a network log entry to the HAR entry with that `_requestId`.
	RequestID string `json:"requestId,omitempty"`
	// PageURL is the document of the target that logged it (its top
	// frame) at the time: what excluding a domain goes by for a message
	// without a URL of its own.
	PageURL string `json:"pageUrl,omitempty"`

	session string
	wall    float64
	seq     int
}

// consoleBuilder collects console messages from the protocol log.
type consoleBuilder struct {
	msgs []ConsoleMessage
	// start is the time of the log's first line: when the recording
	// began. Enabling Runtime and Log makes the browser send again the
	// messages, exceptions and entries a page logged before; their own
	// timestamps are older than start, and they are dropped, since a
	// recording holds only its own time (issue 11).
	start float64
	// page is the document each session shows, from its top frame's
	// navigations (the tab's first one from its Reprokit.targetInfo).
	page map[string]string
}

type cdpRemoteObject struct {
	Type                string            `json:"type"`
	Subtype             string            `json:"subtype"`
	ClassName           string            `json:"className"`
	Value               json.RawMessage   `json:"value"`
	UnserializableValue string            `json:"unserializableValue"`
	Description         string            `json:"description"`
	Preview             *cdpObjectPreview `json:"preview"`
}

type cdpObjectPreview struct {
	Type        string               `json:"type"`
	Subtype     string               `json:"subtype"`
	Description string               `json:"description"`
	Overflow    bool                 `json:"overflow"`
	Properties  []cdpPropertyPreview `json:"properties"`
	Entries     []struct {
		Key   *cdpObjectPreview `json:"key"`
		Value cdpObjectPreview  `json:"value"`
	} `json:"entries"`
}

type cdpPropertyPreview struct {
	Name         string            `json:"name"`
	Type         string            `json:"type"`
	Value        string            `json:"value"`
	Subtype      string            `json:"subtype"`
	ValuePreview *cdpObjectPreview `json:"valuePreview"`
}

type cdpCallFrame struct {
	FunctionName string `json:"functionName"`
	URL          string `json:"url"`
	LineNumber   int    `json:"lineNumber"`
	ColumnNumber int    `json:"columnNumber"`
}

type cdpStackTrace struct {
	Description string         `json:"description"`
	CallFrames  []cdpCallFrame `json:"callFrames"`
	Parent      *cdpStackTrace `json:"parent"`
}

func (c *consoleBuilder) handle(m *logMessage) error {
	if c.start == 0 && m.Time > 0 {
		c.start = m.Time
	}
	if c.page == nil {
		c.page = map[string]string{}
	}
	switch m.Method {
	case "Reprokit.targetInfo":
		var ev struct {
			SessionID string `json:"sessionId"`
			URL       string `json:"url"`
		}
		if unmarshalParams(m, &ev) == nil && ev.URL != "" && c.page[ev.SessionID] == "" {
			c.page[ev.SessionID] = ev.URL
		}
	case "Page.frameNavigated":
		var ev struct {
			Frame struct {
				ParentID string `json:"parentId"`
				URL      string `json:"url"`
			} `json:"frame"`
		}
		// a session's top frame; an out-of-process frame's session has
		// a parent frame in another session, and its first frame is its own
		if unmarshalParams(m, &ev) == nil && (ev.Frame.ParentID == "" || c.page[m.SessionID] == "") {
			c.page[m.SessionID] = ev.Frame.URL
		}
	case "Runtime.consoleAPICalled":
		var ev struct {
			Type       string            `json:"type"`
			Args       []cdpRemoteObject `json:"args"`
			Timestamp  float64           `json:"timestamp"` // ms
			StackTrace *cdpStackTrace    `json:"stackTrace"`
		}
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		cm := ConsoleMessage{Source: "console-api", Type: ev.Type, Level: consoleLevel(ev.Type), Text: renderConsoleArgs(ev.Type, ev.Args)}
		c.add(m, cm, ev.Timestamp/1000, ev.StackTrace, "", 0, 0)
	case "Runtime.exceptionThrown":
		var ev struct {
			Timestamp        float64 `json:"timestamp"`
			ExceptionDetails struct {
				Text         string           `json:"text"`
				LineNumber   int              `json:"lineNumber"`
				ColumnNumber int              `json:"columnNumber"`
				URL          string           `json:"url"`
				StackTrace   *cdpStackTrace   `json:"stackTrace"`
				Exception    *cdpRemoteObject `json:"exception"`
			} `json:"exceptionDetails"`
		}
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		d := ev.ExceptionDetails
		text := d.Text
		stack := ""
		if d.Exception != nil {
			desc := renderRemoteObject(d.Exception, true)
			first, rest, _ := strings.Cut(desc, "\n")
			if text == "" {
				text = first
			} else if first != "" {
				text += " " + first
			}
			stack = rest
		}
		cm := ConsoleMessage{Source: "exception", Level: "error", Text: text, Stack: stack}
		c.add(m, cm, ev.Timestamp/1000, d.StackTrace, d.URL, d.LineNumber+1, d.ColumnNumber+1)
	case "Log.entryAdded":
		var ev struct {
			Entry struct {
				Source           string         `json:"source"`
				Level            string         `json:"level"`
				Text             string         `json:"text"`
				Timestamp        float64        `json:"timestamp"`
				URL              string         `json:"url"`
				LineNumber       *int           `json:"lineNumber"`
				StackTrace       *cdpStackTrace `json:"stackTrace"`
				NetworkRequestID string         `json:"networkRequestId"`
			} `json:"entry"`
		}
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		e := ev.Entry
		line := 0
		if e.LineNumber != nil {
			line = *e.LineNumber + 1
		}
		cm := ConsoleMessage{Source: e.Source, Level: e.Level, Text: e.Text, RequestID: e.NetworkRequestID}
		c.add(m, cm, e.Timestamp/1000, e.StackTrace, e.URL, line, 0)
	case "Reprokit.note":
		// The reporter's own marker ("clicked save, nothing happened"):
		// kept in the console, in time with what the page logged.
		var ev struct {
			Text string `json:"text"`
		}
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		c.add(m, ConsoleMessage{Source: "reprokit", Level: "note", Type: "note", Text: ev.Text}, m.Time, nil, "", 0, 0)
	}
	return nil
}

// add completes a message with its time, position and stack.
func (c *consoleBuilder) add(m *logMessage, cm ConsoleMessage, wall float64, st *cdpStackTrace, url string, line, col int) {
	if wall <= 0 {
		wall = m.Time
	}
	if wall < c.start && cm.Source != "reprokit" {
		return // logged before the recording began, replayed by Chrome
	}
	cm.wall = wall
	cm.Time = isoTime(wall)
	cm.session = m.SessionID
	if cm.Source != "reprokit" {
		cm.PageURL = c.page[m.SessionID]
	}
	cm.seq = len(c.msgs)
	cm.URL, cm.Line, cm.Column = url, line, col
	if st != nil && len(st.CallFrames) > 0 {
		top := st.CallFrames[0]
		if cm.URL == "" {
			cm.URL, cm.Line, cm.Column = top.URL, top.LineNumber+1, top.ColumnNumber+1
		}
		cm.Stack = renderStack(st)
	}
	if cm.Level == "" {
		cm.Level = "info"
	}
	c.msgs = append(c.msgs, cm)
}

// result sorts the messages by time and labels their targets.
func (c *consoleBuilder) result(label func(session string) string) ConsoleLog {
	sort.SliceStable(c.msgs, func(i, j int) bool { return c.msgs[i].wall < c.msgs[j].wall })
	for i := range c.msgs {
		if c.msgs[i].Source == "reprokit" {
			continue // a note comes from the reporter, not from a target
		}
		c.msgs[i].Target = label(c.msgs[i].session)
	}
	if c.msgs == nil {
		c.msgs = []ConsoleMessage{}
	}
	return ConsoleLog{Messages: c.msgs}
}

// consoleLevel maps a console API type to DevTools' level.
func consoleLevel(typ string) string {
	switch typ {
	case "debug":
		return "verbose"
	case "warning":
		return "warning"
	case "error", "assert":
		return "error"
	}
	return "info"
}

func renderStack(st *cdpStackTrace) string {
	var sb strings.Builder
	for s := st; s != nil; s = s.Parent {
		if s != st && s.Description != "" {
			fmt.Fprintf(&sb, "    --- %s ---\n", s.Description)
		}
		for _, f := range s.CallFrames {
			fn := f.FunctionName
			if fn == "" {
				fn = "(anonymous)"
			}
			fmt.Fprintf(&sb, "    at %s (%s:%d:%d)\n", fn, f.URL, f.LineNumber+1, f.ColumnNumber+1)
		}
	}
	return strings.TrimRight(sb.String(), "\n")
}

// renderConsoleArgs renders console arguments like the DevTools console:
// a leading format string takes %s %d %i %f %o %O %c, the rest are joined
// with spaces.
func renderConsoleArgs(typ string, args []cdpRemoteObject) string {
	var parts []string
	if len(args) > 0 && args[0].Type == "string" {
		var format string
		json.Unmarshal(args[0].Value, &format)
		rest := args[1:]
		var sb strings.Builder
		for i := 0; i < len(format); i++ {
			ch := format[i]
			if ch != '%' || i+1 >= len(format) {
				sb.WriteByte(ch)
				continue
			}
			spec := format[i+1]
			switch spec {
			case '%':
				sb.WriteByte('%')
				i++
				continue
			case 's', 'd', 'i', 'f', 'o', 'O', 'c':
			default:
				sb.WriteByte(ch)
				continue
			}
			i++
			if len(rest) == 0 {
				sb.WriteByte('%')
				sb.WriteByte(spec)
				continue
			}
			a := rest[0]
			rest = rest[1:]
			switch spec {
			case 'c':
				// CSS styling: not text.
			case 'd', 'i':
				sb.WriteString(formatNumberArg(&a, true))
			case 'f':
				sb.WriteString(formatNumberArg(&a, false))
			default:
				sb.WriteString(renderRemoteObject(&a, true))
			}
		}
		parts = append(parts, sb.String())
		args = rest
	}
	for i := range args {
		parts = append(parts, renderRemoteObject(&args[i], true))
	}
	text := strings.Join(parts, " ")
	switch typ {
	case "assert":
		text = strings.TrimSpace("Assertion failed: " + text)
	case "trace":
		if text == "" {
			text = "console.trace"
		}
	case "clear":
		text = "Console was cleared"
	}
	return text
}

func formatNumberArg(o *cdpRemoteObject, integer bool) string {
	if o.Type != "number" {
		return "NaN"
	}
	if o.UnserializableValue != "" {
		return o.UnserializableValue
	}
	f, err := strconv.ParseFloat(string(o.Value), 64)
	if err != nil {
		return "NaN"
	}
	if integer {
		return strconv.FormatFloat(math.Trunc(f), 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// renderRemoteObject renders a value; top is false inside previews, where
// strings are quoted.
func renderRemoteObject(o *cdpRemoteObject, top bool) string {
	switch o.Type {
	case "string":
		var s string
		json.Unmarshal(o.Value, &s)
		if top {
			return s
		}
		return "'" + s + "'"
	case "number", "bigint", "boolean":
		if o.UnserializableValue != "" {
			return o.UnserializableValue
		}
		if len(o.Value) > 0 {
			return string(o.Value)
		}
		return o.Description
	case "undefined":
		return "undefined"
	case "symbol", "function":
		return o.Description
	case "object":
		switch o.Subtype {
		case "null":
			return "null"
		case "error", "node", "regexp", "date", "promise", "proxy", "wasmvalue":
			if o.Description != "" {
				return o.Description
			}
		}
		if o.Preview != nil {
			return renderPreview(o.Preview, o.Description)
		}
		if len(o.Value) > 0 && string(o.Value) != "null" {
			return string(o.Value) // returnByValue objects
		}
		return o.Description
	}
	if len(o.Value) > 0 {
		return string(o.Value)
	}
	return o.Description
}

// renderPreview renders an object preview: "{a: 1, b: 'x'}",
// "(3) [1, 2, 3]", "Map(1) {'k' => 'v'}".
func renderPreview(p *cdpObjectPreview, desc string) string {
	var items []string
	for _, e := range p.Entries {
		v := renderPreview(&e.Value, e.Value.Description)
		if e.Key != nil {
			items = append(items, renderPreview(e.Key, e.Key.Description)+" => "+v)
		} else {
			items = append(items, v)
		}
	}
	if p.Type != "object" {
		// A primitive inside an entry preview.
		if p.Type == "string" {
			return "'" + p.Description + "'"
		}
		return p.Description
	}
	array := p.Subtype == "array" || p.Subtype == "typedarray"
	for _, prop := range p.Properties {
		v := prop.Value
		switch {
		case prop.ValuePreview != nil:
			v = renderPreview(prop.ValuePreview, prop.Value)
		case prop.Type == "string":
			v = "'" + v + "'"
		case prop.Type == "object" && prop.Subtype != "null" && v == "":
			v = "{…}"
		}
		if array {
			if _, err := strconv.Atoi(prop.Name); err == nil {
				items = append(items, v)
				continue
			}
		}
		items = append(items, prop.Name+": "+v)
	}
	if p.Overflow {
		items = append(items, "…")
	}
	body := strings.Join(items, ", ")
	if desc == "" {
		desc = p.Description
	}
	if array {
		n := ""
		if i := strings.IndexByte(desc, '('); i >= 0 {
			if j := strings.IndexByte(desc[i:], ')'); j > 0 {
				n = desc[i : i+j+1]
			}
		}
		return strings.TrimSpace(n + " [" + body + "]")
	}
	if len(p.Entries) > 0 || (desc != "" && desc != "Object") {
		return desc + " {" + body + "}"
	}
	return "{" + body + "}"
}
