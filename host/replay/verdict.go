package replay

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"regexp"
	"strings"
	"sync"

	"github.com/chromedp/chromedp"
)

// The verdicts of a replay (Report.Verdict). Coverage alone never reads as
// success: a replay that served every request can still show a blank page.
const (
	// Faithful: every tab rendered content where the user's did, the
	// replay raised no exception the recording lacks, and nothing fell
	// short.
	Faithful = "faithful"
	// Partial: the replay fell short somewhere that may not matter
	// (requests the recording lacks, steps that failed, new console
	// errors, screenshots that differ, --timeout); the reasons say where.
	Partial = "partial"
	// Diverged: the replay did not show what the user saw: a page blank
	// that the recording shows with content, an uncaught exception the
	// recording does not have, a request loop the user's page never ran.
	Diverged = "diverged"
)

// TabEnd is how one tab of the replay ended.
type TabEnd struct {
	URL string `json:"url"`
	// TextChars is the length of the page's visible text.
	TextChars int `json:"text_chars"`
	// Blank: the page's screenshot is one colour and it has no text.
	Blank      bool   `json:"blank"`
	Screenshot string `json:"screenshot,omitempty"`
}

// consoleLine is a console message (recorded or replayed) reduced to what
// the verdict compares.
type consoleLine struct {
	exception bool
	text      string
}

// RecordedConsole is the part of a bundle's console.json the verdict reads.
type RecordedConsole struct {
	Messages []RecordedMessage `json:"messages"`
}

// RecordedMessage is one recorded console message.
type RecordedMessage struct {
	Level  string `json:"level"`
	Source string `json:"source"`
	Text   string `json:"text"`
}

func (c *RecordedConsole) lines() []consoleLine {
	if c == nil {
		return nil
	}
	var out []consoleLine
	for _, m := range c.Messages {
		if m.Source == "exception" || m.Level == "error" {
			out = append(out, consoleLine{exception: m.Source == "exception", text: m.Text})
		}
	}
	return out
}

// consoleCollector gathers the exceptions and console errors of every tab
// of the replay.
type consoleCollector struct {
	mu    sync.Mutex
	lines []consoleLine
	logf  func(string, ...any)
}

// watch collects the console of one tab until ctx ends.
func (c *consoleCollector) watch(ctx context.Context) {
	for m, err := range chromedp.Console(ctx) {
		if err != nil {
			return
		}
		if m.Type == chromedp.ConsoleError || m.IsException() {
			c.logf("replay: page console: %s", m)
			c.mu.Lock()
			c.lines = append(c.lines, consoleLine{exception: m.IsException(), text: m.Text})
			c.mu.Unlock()
		}
	}
}

func (c *consoleCollector) list() []consoleLine {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]consoleLine(nil), c.lines...)
}

var digitRun = regexp.MustCompile(`[0-9]+`)

// consoleKey is a console text as the verdict compares it: its first
// line, without "Uncaught" and "(in promise)", numbers (ports, line
// numbers, counts) as #.
func consoleKey(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	s = strings.TrimSpace(s)
	for _, p := range []string{"Uncaught ", "(in promise) "} {
		s = strings.TrimPrefix(s, p)
	}
	return digitRun.ReplaceAllString(s, "#")
}

// newLines returns the replayed lines the recording has no like of.
func newLines(recorded, replayed []consoleLine, exception bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range replayed {
		if l.exception != exception {
			continue
		}
		k := consoleKey(l.text)
		if seen[k] {
			continue
		}
		known := false
		for _, r := range recorded {
			rk := consoleKey(r.text)
			if rk == k || (strings.Contains(rk, redactionMark) && redactedEqual(rk, k)) {
				known = true
				break
			}
		}
		if !known {
			seen[k] = true
			out = append(out, strings.TrimSpace(firstLine(l.text)))
		}
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// nearBlank reports whether an image is (almost) one colour: a page that
// rendered nothing.
func nearBlank(img image.Image) bool {
	b := img.Bounds()
	if b.Dx() == 0 || b.Dy() == 0 {
		return true
	}
	counts := map[[3]uint32]int{}
	n := 0
	step := max(1, min(b.Dx(), b.Dy())/200)
	for y := b.Min.Y; y < b.Max.Y; y += step {
		for x := b.Min.X; x < b.Max.X; x += step {
			r, g, bl, _ := img.At(x, y).RGBA()
			counts[[3]uint32{r >> 12, g >> 12, bl >> 12}]++
			n++
		}
	}
	most := 0
	for _, c := range counts {
		most = max(most, c)
	}
	return float64(most) >= 0.998*float64(n)
}

// tabText reads a tab's URL, the length of its visible text and the
// uncaught errors the replay's page script kept.
func tabText(ctx context.Context) (string, int, []string) {
	js, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({url: location.href, text: document.body ? document.body.innerText.trim().length : 0, errors: globalThis.__reprokitErrors || []})`))
	if err != nil {
		return "", 0, nil
	}
	var v struct {
		URL    string
		Text   int
		Errors []string
	}
	if json.Unmarshal([]byte(js), &v) != nil {
		return "", 0, nil
	}
	return v.URL, v.Text, v.Errors
}

// addErrors adds the uncaught errors a page kept itself (some the
// console watch came too late for).
func (c *consoleCollector) addErrors(errs []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range errs {
		c.lines = append(c.lines, consoleLine{exception: true, text: e})
	}
}

// recordedContent says whether the recording shows the page at u with
// content (a screenshot that is not blank, or a document with text), and
// how it knows.
func recordedContent(src *Source, u string) (bool, string) {
	for _, s := range sameURL(src.Screenshots, u) {
		if img, err := decodeImage(s.Data); err == nil && !nearBlank(img) {
			return true, "its screenshot " + s.File
		}
	}
	want := stripFragment(u)
	for i := range src.HAR.Log.Entries {
		e := &src.HAR.Log.Entries[i]
		if !strings.EqualFold(e.ResourceType, "document") || stripFragment(e.Request.URL) != want {
			continue
		}
		if t := visibleText(string(entryBody(e))); t != "" {
			return true, fmt.Sprintf("its document has text (%q)", shortText(t))
		}
	}
	return false, ""
}

var (
	htmlHidden []*regexp.Regexp
	htmlTag    = regexp.MustCompile(`(?s)<[^>]*>`)
)

func init() {
	for _, t := range []string{"head", "script", "style", "template", "noscript", "title"} {
		htmlHidden = append(htmlHidden, regexp.MustCompile(`(?is)<`+t+`\b.*?</`+t+`\s*>`))
	}
}

// visibleText is the text of an HTML document outside scripts, styles and
// the head, roughly: enough to tell a page with words from an empty shell.
func visibleText(doc string) string {
	for _, re := range htmlHidden {
		doc = re.ReplaceAllString(doc, " ")
	}
	doc = htmlTag.ReplaceAllString(doc, " ")
	return strings.Join(strings.Fields(doc), " ")
}

func shortText(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// judge sets Verdict and Reasons from the figures, the tabs' end states
// and the console.
func (r *Report) judge(src *Source, replayed []consoleLine) {
	var diverged, partial []string
	for _, t := range r.Tabs {
		if !t.Blank || !strings.HasPrefix(t.URL, "http") {
			continue
		}
		if ok, how := recordedContent(src, t.URL); ok {
			diverged = append(diverged, fmt.Sprintf("blank page: %s shows nothing in the replay; the recording shows it with content (%s)", shortURL(t.URL), how))
		} else {
			partial = append(partial, fmt.Sprintf("%s shows nothing in the replay (the recording has nothing to compare it with)", shortURL(t.URL)))
		}
	}
	recorded := src.Console.lines()
	r.NewExceptions = newLines(recorded, replayed, true)
	r.NewConsoleErrors = newLines(recorded, replayed, false)
	if len(r.NewExceptions) > 0 {
		why := fmt.Sprintf("%d uncaught exception(s) the recording does not have: %s", len(r.NewExceptions), strings.Join(first(r.NewExceptions, 3), "; "))
		if src.Console == nil {
			partial = append(partial, why+" (the recording has no console.json to compare with)")
		} else {
			diverged = append(diverged, "new exception: "+why)
		}
	}
	if len(r.NewConsoleErrors) > 0 {
		why := fmt.Sprintf("%d console error(s) the recording does not have: %s", len(r.NewConsoleErrors), strings.Join(first(r.NewConsoleErrors, 3), "; "))
		if src.Console == nil {
			why += " (the recording has no console.json to compare with)"
		}
		partial = append(partial, why)
	}
	if r.Loop != "" {
		diverged = append(diverged, "request loop: "+r.Loop)
	}
	if r.PagesReached < r.Pages {
		partial = append(partial, fmt.Sprintf("reached %d of %d recorded pages", r.PagesReached, r.Pages))
	}
	if r.Unmatched > 0 {
		var us []string
		for _, l := range first(r.UnmatchedList, 3) {
			us = append(us, l.Method+" "+shortURL(l.URL))
		}
		partial = append(partial, fmt.Sprintf("%d request(s) the recording does not hold, blocked: %s", r.Unmatched, strings.Join(us, ", ")))
	}
	if f := r.WebSocketFrames; f.Unmatched > 0 {
		partial = append(partial, fmt.Sprintf("%d websocket message(s) the page sent match no recorded one, so got no reply", f.Unmatched))
	}
	if r.StepsOK < r.StepsTotal {
		partial = append(partial, fmt.Sprintf("%d of %d steps failed", r.StepsTotal-r.StepsOK, r.StepsTotal))
	}
	// The end state decides: a screenshot taken at load is compared with
	// whatever the replay showed of that page, often later.
	reasons := map[string]string{}
	for _, sh := range src.Screenshots {
		reasons[sh.File] = sh.Reason
	}
	final := 0.0
	for _, p := range r.ScreenshotPairs {
		if reasons[p.Recorded] == "stop" && p.Replay != "" {
			final = max(final, p.Diff)
		}
	}
	if final > highScreenshotDiff {
		partial = append(partial, fmt.Sprintf("the screenshots at stop differ by up to %.0f%%", 100*final))
	}
	if r.TimedOut {
		partial = append(partial, "stopped at --timeout")
	}
	if r.InFlight > 0 {
		partial = append(partial, fmt.Sprintf("%d request(s) never reached the replay", r.InFlight))
	}
	switch {
	case len(diverged) > 0:
		r.Verdict = Diverged
	case len(partial) > 0:
		r.Verdict = Partial
	default:
		r.Verdict = Faithful
	}
	r.Reasons = append(diverged, partial...)
	r.diverging = len(diverged)
}

// reasonLabel is how the table marks reason i: DIVERGED for the reasons
// that made the replay diverge, PARTIAL for the others.
func (r *Report) reasonLabel(i int) string {
	if i < r.diverging {
		return "DIVERGED"
	}
	return "PARTIAL"
}

func first[T any](s []T, n int) []T { return s[:min(n, len(s))] }
