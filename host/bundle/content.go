package bundle

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/reprokit/reprokit/host/spool"
)

// Millis is a wall time in milliseconds since the epoch. It decodes from a
// number of seconds (capture writes float seconds), a number of
// milliseconds (any value above 1e11) or an RFC 3339 string, so that the
// readers accept what any version of the tool wrote.
type Millis float64

// UnmarshalJSON implements [json.Unmarshaler].
func (m *Millis) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*m = 0
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			*m = Millis(float64(t.UnixNano()) / 1e6)
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			*m = 0
			return nil // an unknown time is not worth failing a bundle
		}
		b = []byte(strconv.FormatFloat(f, 'f', -1, 64))
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		*m = 0
		return nil
	}
	if f > 0 && f < 1e11 {
		f *= 1000
	}
	*m = Millis(f)
	return nil
}

// Time converts m to a time.Time (zero time for 0).
func (m Millis) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m)).Add(time.Duration((float64(m) - float64(int64(m))) * 1e6))
}

// ConsoleFile is console.json.
type ConsoleFile struct {
	Messages []ConsoleMessage `json:"messages"`
}

// ConsoleMessage is one console message, exception or browser log entry.
type ConsoleMessage struct {
	Time   Millis          `json:"time"`
	Level  string          `json:"level"`  // "error", "warning", "info", "log", "debug", "verbose"
	Source string          `json:"source"` // "console-api", "exception", "network", "javascript", …
	Text   string          `json:"text"`
	URL    string          `json:"url,omitempty"`
	Line   int             `json:"line,omitempty"`
	Column int             `json:"column,omitempty"`
	Stack  json.RawMessage `json:"stack,omitempty"`
	Target string          `json:"target,omitempty"`
}

// isError reports an error-level message or an exception.
func (c *ConsoleMessage) isError() bool {
	l := strings.ToLower(c.Level)
	return l == "error" || l == "exception" || strings.EqualFold(c.Source, "exception")
}

// isException reports an uncaught exception or unhandled rejection.
func (c *ConsoleMessage) isException() bool {
	if strings.EqualFold(c.Source, "exception") || strings.EqualFold(c.Level, "exception") {
		return true
	}
	return c.isError() && (strings.HasPrefix(c.Text, "Uncaught") || strings.Contains(c.Text, "Unhandled"))
}

// StepsFile is steps.json: a Chrome DevTools Recorder user flow.
type StepsFile struct {
	Title string `json:"title"`
	Steps []Step `json:"steps"`
}

// Step is one step of a user flow. Only the fields the report and the
// support request use are decoded; steps.json keeps the rest.
type Step struct {
	Type      string     `json:"type"`
	URL       string     `json:"url,omitempty"`
	Selectors [][]string `json:"selectors,omitempty"`
	Value     string     `json:"value,omitempty"`
	Key       string     `json:"key,omitempty"`
	Width     int        `json:"width,omitempty"`
	Height    int        `json:"height,omitempty"`
	// Time is a Reprokit addition: when the step happened.
	Time Millis `json:"time,omitempty"`
	// Timestamp is an alternative name some writers use for Time.
	Timestamp Millis `json:"timestamp,omitempty"`
	// Text is a Reprokit addition: the visible label of the target element.
	Text string `json:"text,omitempty"`
	// Masked is a Reprokit addition: the typed value was masked at capture.
	Masked bool `json:"masked,omitempty"`
	// Frame is the Recorder's path to the frame the step happened in
	// (child indexes from the main frame down); empty for the top frame.
	Frame []int `json:"frame,omitempty"`
	// Excluded is a Reprokit addition: the step was on a page of a domain
	// the reporter excluded; its typed value was left out.
	Excluded bool `json:"excluded,omitempty"`
}

// when returns the time of the step, from either field.
func (s *Step) when() Millis {
	if s.Time != 0 {
		return s.Time
	}
	return s.Timestamp
}

// Describe returns the step in plain words, as a person would write it
// ("Click “Upload”", "Type “hello” into “Search”", "Press Enter"). A key
// release says nothing a reader needs: it describes as "" (see
// [PlainSteps]).
func (s *Step) Describe() string {
	target := strings.TrimSpace(s.Text)
	if target == "" {
		target = s.selector()
	}
	target = stripRole(target)
	quote := func(x string) string {
		if x == "" {
			return "the page"
		}
		return "“" + shortURL(x, 80) + "”"
	}
	switch s.Type {
	case "setViewport":
		return "Window of " + strconv.Itoa(s.Width) + "×" + strconv.Itoa(s.Height) + " pixels"
	case "navigate":
		return "Go to " + shortURL(s.URL, 120)
	case "click":
		return "Click " + quote(target)
	case "doubleClick":
		return "Double-click " + quote(target)
	case "hover":
		return "Hover over " + quote(target)
	case "change":
		if s.Masked || s.Value == "" {
			return "Type into " + quote(target) + " (value hidden)"
		}
		return "Type “" + shortURL(s.Value, 60) + "” into " + quote(target)
	case "keyDown":
		return "Press " + s.Key
	case "keyUp":
		return ""
	case "scroll":
		return "Scroll"
	case "waitForElement":
		return "Wait for " + quote(target)
	case "waitForExpression":
		return "Wait for a condition"
	case "close":
		return "Close the tab"
	case "emulateNetworkConditions":
		return "Emulate network conditions"
	case "customStep":
		return "Custom step"
	}
	if s.Type == "" {
		return "Step"
	}
	return strings.ToUpper(s.Type[:1]) + s.Type[1:] + " " + quote(target)
}

// roleSuffix is the role an aria selector adds to a name:
// aria/Continue with Northwind SSO[role="link"].
var roleSuffix = regexp.MustCompile(`\[role=["']?[a-z]+["']?\]$`)

// stripRole drops the role of an aria selector's name.
func stripRole(s string) string {
	return strings.TrimSpace(roleSuffix.ReplaceAllString(s, ""))
}

// PlainSteps describes the steps a reader needs, in order: no window size,
// no key releases, and one line for a key pressed several times in a row.
func PlainSteps(steps []Step) []string {
	var out []string
	for i := range steps {
		s := &steps[i]
		if s.Type == "setViewport" {
			continue
		}
		d := s.Describe()
		if d == "" || len(out) > 0 && s.Type == "keyDown" && out[len(out)-1] == d {
			continue
		}
		out = append(out, d)
	}
	return out
}

// selector picks the most readable selector: aria, text, then the first CSS.
func (s *Step) selector() string {
	var first string
	for _, alt := range s.Selectors {
		if len(alt) == 0 {
			continue
		}
		sel := alt[len(alt)-1]
		if first == "" {
			first = sel
		}
		if v, ok := strings.CutPrefix(sel, "aria/"); ok {
			return v
		}
		if v, ok := strings.CutPrefix(sel, "text/"); ok {
			return v
		}
	}
	for _, alt := range s.Selectors {
		if len(alt) > 0 && !strings.HasPrefix(alt[len(alt)-1], "xpath/") && !strings.HasPrefix(alt[len(alt)-1], "pierce/") {
			return alt[len(alt)-1]
		}
	}
	return first
}

// Screenshot is one entry of screenshots.json (and screencast.json).
type Screenshot struct {
	File   string `json:"file"`
	Time   Millis `json:"time"`
	URL    string `json:"url,omitempty"`
	Reason string `json:"reason,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	Format string `json:"format,omitempty"`
	// Masked lists the boxes painted over text the detectors flagged;
	// nil when the capture was not masked. Bundles of version 0.x wrote
	// a boolean here: true reads as an empty list.
	Masked MaskList `json:"masked,omitempty"`
	// Target is the tab it shows: "page" for the recorded tab, "popup"
	// for a tab the recorded pages opened; empty in bundles made before
	// recordings followed tabs.
	Target string `json:"target,omitempty"`
}

// MaskBox and MaskList are the `masked` boxes of a screenshot, in CSS
// pixels of the image with the kind of what each hides; MaskList reads
// the boolean of earlier bundles too (host/spool, whose format the bundle
// copies).
type (
	MaskBox  = spool.MaskBox
	MaskList = spool.Masks
)
