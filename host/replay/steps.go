package replay

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// Flow is a recorded user flow in the Chrome DevTools Recorder format
// (steps.json).
type Flow struct {
	Title string `json:"title"`
	Steps []Step `json:"steps"`
}

// Step is one step of a [Flow]. Only the fields the replay uses are read.
type Step struct {
	Type      string     `json:"type"`
	URL       string     `json:"url,omitempty"`
	Selectors [][]string `json:"selectors,omitempty"`
	OffsetX   float64    `json:"offsetX,omitempty"`
	OffsetY   float64    `json:"offsetY,omitempty"`
	Button    string     `json:"button,omitempty"`
	Value     string     `json:"value,omitempty"`
	Key       string     `json:"key,omitempty"`
	X         float64    `json:"x,omitempty"`
	Y         float64    `json:"y,omitempty"`
	Width     int64      `json:"width,omitempty"`
	Height    int64      `json:"height,omitempty"`
	DPR       float64    `json:"deviceScaleFactor,omitempty"`
	IsMobile  bool       `json:"isMobile,omitempty"`
	HasTouch  bool       `json:"hasTouch,omitempty"`
	// Target is the page of a step in another tab than the first: the URL
	// that tab showed then ("main" or empty for the first tab). Reprokit's
	// recorder writes it for the tabs the recorded pages opened.
	Target string `json:"target,omitempty"`
	// Expression is the JavaScript of a waitForExpression step.
	Expression string `json:"expression,omitempty"`
	// Frame is the path of frame indexes from the top document to the
	// step's frame (same-origin frames).
	Frame []int `json:"frame,omitempty"`
	// Excluded marks a step on a page of a domain the reporter excluded
	// (its requests and typed value are not in the bundle): not replayed.
	Excluded bool `json:"excluded,omitempty"`
	// Time is when the user took the step (Unix seconds; Reprokit's
	// recorder adds it): the replay leaves at least the recorded gap
	// between two steps, since the user waited for the page (a streamed
	// reply still moving the layout, say).
	Time float64 `json:"time,omitempty"`

	// wait is how long the replay looks for the step's element (stepWait).
	wait time.Duration
	// mods are the modifier keys held down by the steps before (input
	// modifier bits): a key step is sent with them.
	mods int64
}

// maxStepGap bounds the recorded wait between two steps that a replay
// keeps: a user who paused for a minute is not waited for.
const maxStepGap = 5 * time.Second

// StepResult is the outcome of one step.
type StepResult struct {
	Index int    `json:"index"`
	Type  string `json:"type"`
	OK    bool   `json:"ok"`
	// Selector is the selector that won the race, for click, change and
	// element scroll steps.
	Selector string `json:"selector,omitempty"`
	Error    string `json:"error,omitempty"`
	Duration string `json:"duration"`
	// Skipped: an excluded step, not replayed (counted as ok).
	Skipped bool `json:"skipped,omitempty"`
}

// stepTimeout bounds the selector race of one step.
const stepTimeout = 5 * time.Second

// ParseSteps reads steps.json.
func ParseSteps(b []byte) (*Flow, error) {
	var f Flow
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("steps.json is not a DevTools Recorder flow: %w", err)
	}
	return &f, nil
}

func (f *Flow) navigates() bool {
	for _, s := range f.Steps {
		if s.Type == "navigate" && s.URL != "" {
			return true
		}
	}
	return false
}

// runSteps runs the flow's steps in order. A step that fails is reported and
// the next one still runs: later steps often work on the same page.
//
// Steps with recorded times keep the recording's pace (see pace): each
// waits for the requests it caused in the recording, until the recording's
// time for them plus timelineGrace. end is when the recording's timeline
// after the last step is over in the replay (plus timelineGrace); zero
// when the steps carry no times.
//
// A step whose target is another tab runs in the popup of the replay that
// shows that page (shots.popups lists them), waiting for it to open.
func runSteps(ctx context.Context, f *Flow, srv *server, quiet time.Duration, tl timeline, shots *shotTaker, logf func(string, ...any)) (out []StepResult, end time.Time) {
	pc := newPace(srv.m.a)
	pages := &stepsPage{a: srv.m.a}
	var mods int64 // modifier keys the steps hold down
	var loc string // the tab's URL after the step before, when known
	known := false
	var prevStart time.Time
	var prevTime float64
	for i, s := range f.Steps {
		if ctx.Err() != nil {
			// The report says which steps the timeout left out, so
			// that steps_ok/steps_total cannot look complete.
			for j := i; j < len(f.Steps); j++ {
				out = append(out, StepResult{Index: j, Type: f.Steps[j].Type, Error: "not run: the replay reached --timeout first", Duration: "0s"})
			}
			logf("replay: steps %d-%d/%d not run: --timeout reached", i+1, len(f.Steps), len(f.Steps))
			break
		}
		if s.Excluded {
			out = append(out, StepResult{Index: i, Type: s.Type, OK: true, Skipped: true, Duration: "0s"})
			logf("replay: step %d/%d %s skipped: its domain was excluded from the bundle", i+1, len(f.Steps), s.Type)
			continue
		}
		if why := pages.skip(ctx, s); why != "" {
			out = append(out, StepResult{Index: i, Type: s.Type, OK: true, Skipped: true, Duration: "0s"})
			logf("replay: step %d/%d %s skipped: %s", i+1, len(f.Steps), s.Type, why)
			continue
		}
		if s.Time > 0 && prevTime > 0 && s.Time > prevTime {
			gap := min(time.Duration((s.Time-prevTime)*float64(time.Second)), maxStepGap)
			if wait := time.Until(prevStart.Add(gap)); wait > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(wait):
				}
			}
		}
		start := time.Now()
		s.wait = stepWait(prevTime, s.Time)
		s.mods = mods
		if bit := modifierBit[s.Key]; bit != 0 && s.Type == "keyDown" {
			mods |= bit
		} else if bit != 0 && s.Type == "keyUp" {
			mods &^= bit
		}
		prevStart, prevTime = start, s.Time
		tab, shotTarget, release := ctx, "page", func() {}
		if s.Target != "" && s.Target != "main" && shots.popups != nil {
			tab, release = popupFor(ctx, s.Target, shots.popups, s.wait, logf)
			shotTarget = "popup"
		}
		// The URL after the step before is this step's before: one
		// round trip a step, not two (each is long on a loaded machine).
		before := loc
		if !known || tab != ctx {
			before, _ = chromedp.Run(tab, chromedp.Location())
		}
		res := StepResult{Index: i, Type: s.Type}
		sel, err := runStep(tab, s)
		res.Selector = sel
		if err != nil {
			res.Error = err.Error()
		} else {
			res.OK = true
		}
		// A navigation's load screenshot is taken at its load event, as
		// the recorder takes it, not once the requests that followed it
		// in the recording came (an app that fills itself in, or opens
		// a dialog, after its load looks different by then).
		loadShot := s.Type == "navigate" && res.OK
		if loadShot {
			shots.shoot(tab, "load", shotTarget)
		}
		if s.Time > 0 {
			// What the step caused in the recording: the requests
			// until the next step (or the recording's end).
			next := nextStepTime(f.Steps, i, tl.last)
			reqs, took := pc.between(s.Time, next)
			if s.Type == "navigate" {
				reqs = startingAt(reqs, s.URL)
			}
			if missing := awaitRecorded(ctx, srv, reqs, start.Add(took+timelineGrace)); len(missing) > 0 && ctx.Err() == nil {
				logf("replay: step %d/%d: %d request(s) that followed it in the recording not asked for within %s (first: %s %s); next step",
					i+1, len(f.Steps), len(missing), (took + timelineGrace).Round(time.Millisecond), missing[0].method, shortURL(missing[0].Entry.Request.URL))
			}
			if tl.last > s.Time {
				end = start.Add(seconds(tl.last-s.Time) + timelineGrace)
			} else {
				end = start.Add(timelineGrace)
			}
		} else {
			settle(ctx, srv, quiet)
		}
		res.Duration = time.Since(start).Round(time.Millisecond).String()
		status := "ok"
		if !res.OK {
			status = "FAILED: " + res.Error
		}
		logf("replay: step %d/%d %s %s", i+1, len(f.Steps), s.Type, status)
		out = append(out, res)
		after, err := chromedp.Run(tab, chromedp.Location())
		if tab == ctx {
			loc, known = after, err == nil
		}
		if !loadShot && (s.Type == "navigate" || (after != before && stripFragment(after) != stripFragment(before))) {
			shots.shoot(tab, "load", shotTarget)
		}
		release()
	}
	return out, end
}

// nextStepTime is the recorded time of the first step after i that has
// one, else last.
func nextStepTime(steps []Step, i int, last float64) float64 {
	for _, s := range steps[i+1:] {
		if s.Time > 0 && !s.Excluded {
			return s.Time
		}
	}
	return max(last, steps[i].Time)
}

// settle waits briefly for the requests a step without a recorded time
// caused: until nothing has been pending for a short while, at most the
// quiet period plus a second.
func settle(ctx context.Context, srv *server, quiet time.Duration) {
	sctx, cancel := context.WithTimeout(ctx, quiet+time.Second)
	defer cancel()
	time.Sleep(100 * time.Millisecond)
	waitQuiet(sctx, srv, min(quiet, 300*time.Millisecond), time.Time{}, false, nil, func(string, ...any) {})
}

func runStep(ctx context.Context, s Step) (string, error) {
	switch s.Type {
	case "navigate":
		return "", chromedp.Do(ctx, chromedp.Navigate(s.URL))
	case "setViewport":
		dpr := s.DPR
		if dpr <= 0 {
			dpr = 1
		}
		return "", chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
				Width: s.Width, Height: s.Height, DeviceScaleFactor: dpr, Mobile: s.IsMobile,
			})
			return err
		}))
	case "click", "doubleClick", "hover":
		hit, err := race(ctx, s.Selectors, s.Frame, true, s.wait)
		if err != nil {
			return "", err
		}
		x, y := hit.Left+s.OffsetX, hit.Top+s.OffsetY
		if s.OffsetX == 0 && s.OffsetY == 0 {
			x, y = hit.Left+hit.Width/2, hit.Top+hit.Height/2
		}
		if s.Type == "hover" {
			return hit.Selector, chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, x, y))
		}
		opts := []chromedp.MouseOption{}
		switch s.Button {
		case "secondary":
			opts = append(opts, chromedp.ButtonRight)
		case "auxiliary":
			opts = append(opts, chromedp.ButtonMiddle)
		}
		if s.Type == "doubleClick" {
			opts = append(opts, chromedp.ClickCount(2))
		}
		return hit.Selector, chromedp.Do(ctx, chromedp.MouseClickXY(x, y, opts...))
	case "change":
		hit, err := race(ctx, s.Selectors, s.Frame, false, s.wait)
		if err != nil {
			return "", err
		}
		_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
  const el = window.__reprokitStep, v = %s, standIn = %s, redacted = %t, W = el.ownerDocument.defaultView;
  el.focus();
  if (el.type === "checkbox" || el.type === "radio") { el.checked = v === "on"; }
  else if (el.type !== "file") {
    const proto = el.localName === "select" ? W.HTMLSelectElement.prototype : el.localName === "textarea" ? W.HTMLTextAreaElement.prototype : W.HTMLInputElement.prototype;
    const set = x => Object.getOwnPropertyDescriptor(proto, "value").set.call(el, x);
    // A redaction tag stays as typed where the field takes it (a text
    // field shows "[REDACTED:email:1a2b3c4d]"); a field that refuses or
    // drops it (email, number, a pattern) gets the plain stand-in.
    set(v);
    if (redacted && (el.value !== v || (el.willValidate && !el.checkValidity()))) set(standIn);
  }
  el.dispatchEvent(new W.Event("input", {bubbles: true}));
  el.dispatchEvent(new W.Event("change", {bubbles: true}));
  // The user's real value passed the form's checks (the form was sent);
  // a stand-in for a redacted one may not (a pattern, a length), so the
  // form is sent unchecked as it was for the user.
  if (redacted && el.form && el.willValidate && !el.checkValidity()) el.form.noValidate = true;
})()`, jsString(s.Value), jsString(standIn(s.Value)), strings.Contains(s.Value, redactionMark))))
		return hit.Selector, err
	case "keyDown", "keyUp":
		return "", chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			p := keyParams(s.Key, s.Type == "keyDown")
			p.Modifiers = s.mods
			_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p)
			return err
		}))
	case "scroll":
		if len(s.Selectors) == 0 {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("window.scrollTo(%g, %g)", s.X, s.Y)))
			return "", err
		}
		hit, err := race(ctx, s.Selectors, s.Frame, false, s.wait)
		if err != nil {
			return "", err
		}
		_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("window.__reprokitStep.scrollTo(%g, %g)", s.X, s.Y)))
		return hit.Selector, err
	case "waitForElement":
		hit, err := race(ctx, s.Selectors, s.Frame, false, s.wait)
		return hit.Selector, err
	case "waitForExpression":
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](s.Expression, chromedp.WithPollingTimeout(cmp.Or(s.wait, stepTimeout))))
		return "", err
	}
	return "", fmt.Errorf("step type %q is not supported by replay", s.Type)
}

// modifierBit is the input modifier bit of a modifier key (Alt 1, Control
// 2, Meta 4, Shift 8), held from its keyDown step to its keyUp step.
var modifierBit = map[string]int64{"Alt": 1, "Control": 2, "Meta": 4, "Shift": 8}

func keyParams(key string, down bool) input.DispatchKeyEventParams {
	codes := map[string]int64{"Enter": 13, "Escape": 27, "Tab": 9, "Backspace": 8, "ArrowDown": 40, "ArrowUp": 38, "ArrowLeft": 37, "ArrowRight": 39, " ": 32,
		"Shift": 16, "Control": 17, "Alt": 18, "Meta": 91}
	code := key
	if modifierBit[key] != 0 {
		code = key + "Left"
	}
	p := input.DispatchKeyEventParams{Key: key, Code: code, WindowsVirtualKeyCode: codes[key], NativeVirtualKeyCode: codes[key]}
	if !down {
		p.Type = input.DispatchKeyEventTypeKeyUp
		return p
	}
	p.Type = input.DispatchKeyEventTypeRawKeyDown
	switch {
	case key == "Enter":
		p.Type, p.Text = input.DispatchKeyEventTypeKeyDown, "\r"
	case len([]rune(key)) == 1:
		p.Type, p.Text, p.Code = input.DispatchKeyEventTypeKeyDown, key, ""
	}
	return p
}

// raceHit is the element that won a selector race, in viewport coordinates.
type raceHit struct {
	Selector string  `json:"selector"`
	Left     float64 `json:"left"`
	Top      float64 `json:"top"`
	Width    float64 `json:"width"`
	Height   float64 `json:"height"`
}

// race looks for the step's element with all its selectors at once (CSS,
// aria/, xpath/, pierce/, text/, each possibly a chain through frames and
// shadow roots) for up to wait (0: stepTimeout) and takes the first that
// finds a visible element; the element is left in window.__reprokitStep
// for the action. A document replaced while it looks (the step before
// navigated) is looked in again.
func race(ctx context.Context, selectors [][]string, frame []int, scroll bool, wait time.Duration) (raceHit, error) {
	if len(selectors) == 0 {
		return raceHit{}, fmt.Errorf("the step has no selectors")
	}
	wait = cmp.Or(wait, stepTimeout)
	sels, _ := json.Marshal(selectors)
	if frame == nil {
		frame = []int{}
	}
	fr, _ := json.Marshal(frame)
	deadline := time.Now().Add(wait)
	for {
		left := time.Until(deadline)
		expr := fmt.Sprintf(raceScript, sels, fr, max(left, 0).Milliseconds(), scroll)
		hit, err := chromedp.Run(ctx, chromedp.Evaluate[*raceHit](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			if ctx.Err() == nil && time.Now().Before(deadline) {
				// The document went away under the script (a
				// navigation): look in the new one.
				time.Sleep(50 * time.Millisecond)
				continue
			}
			return raceHit{}, fmt.Errorf("find the element: %w", err)
		}
		if hit == nil {
			var alts []string
			for _, s := range selectors {
				alts = append(alts, strings.Join(s, " >> "))
			}
			return raceHit{}, fmt.Errorf("no element found in %s for any of %s", wait.Round(time.Millisecond), strings.Join(alts, " | "))
		}
		return *hit, nil
	}
}

// standIn replaces each redaction tag in a recorded input value with a
// plain token, for a field that refuses the tag as typed: "[REDACTED:email:3c60c30a]@example.com"
// becomes "redacted3c60c30a@example.com", a whole redacted email address
// gets a domain. The tag itself fails an email field's check, and the form
// is then never sent. The server's answer comes from the recording, where
// the same tag matches any value in its place, so the token's value does
// not matter.
func standIn(v string) string {
	if !strings.Contains(v, redactionMark) {
		return v
	}
	return redactionTag.ReplaceAllStringFunc(v, func(tag string) string {
		m := redactionTag.FindStringSubmatch(tag)
		kind, id := m[1], strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m[2])
		tok := "redacted" + id
		if kind == "email" && !strings.Contains(v, "@") {
			tok += "@example.com"
		}
		return tok
	})
}

// redactionTag is a sanitizer tag, "[REDACTED:kind:id]" (kind and id
// optional).
var redactionTag = regexp.MustCompile(`\[REDACTED(?::([^:\]]*))?(?::([^\]]*))?\]`)

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

const raceScript = `(async (alternatives, framePath, timeout, scroll) => {
  const top = () => { let doc = document; for (const i of framePath) doc = doc.defaultView.frames[i].document; return doc; };
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 || r.height > 0; };
  const name = el => (el.getAttribute("aria-label") || (el.labels && el.labels[0] && el.labels[0].innerText) ||
    el.getAttribute("alt") || el.getAttribute("title") || el.getAttribute("placeholder") ||
    (el.localName === "input" && /^(submit|button|reset)$/.test(el.type) ? el.value : "") || el.innerText || "").trim().replace(/\s+/g, " ");
  const roleOf = el => el.getAttribute("role") || ({a: "link", button: "button", select: "combobox", textarea: "textbox", h1: "heading", h2: "heading", h3: "heading"})[el.localName] ||
    (el.localName === "input" ? (/^(submit|button|reset)$/.test(el.type) ? "button" : /^(checkbox|radio)$/.test(el.type) ? el.type : "textbox") : "");
  const deep = (root, css) => { const f = root.querySelector(css); if (f) return f;
    for (const el of root.querySelectorAll("*")) if (el.shadowRoot) { const g = deep(el.shadowRoot, css); if (g) return g; } return null; };
  const one = (root, s) => {
    if (s.startsWith("aria/")) {
      let n = s.slice(5), role = "";
      const m = n.match(/^(.*)\[role="([^"]*)"\]$/); if (m) { n = m[1]; role = m[2]; }
      for (const el of root.querySelectorAll("*")) if (name(el) === n && (!role || roleOf(el) === role) && visible(el)) return el;
      return null;
    }
    if (s.startsWith("xpath/")) { const doc = root.ownerDocument || root;
      return doc.evaluate(s.slice(6), root, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue; }
    if (s.startsWith("pierce/")) return deep(root, s.slice(7));
    if (s.startsWith("text/")) { const t = s.slice(5); let best = null;
      for (const el of root.querySelectorAll("*")) if ((el.innerText || "").trim().includes(t) && visible(el)) best = el;
      return best; }
    try { return root.querySelector(s); } catch (e) { return null; }
  };
  const chain = parts => { let root = top(), el = null;
    for (const s of parts) { if (!root) return null; el = one(root, s); if (!el) return null;
      root = el.shadowRoot || (el.contentDocument) || el; }
    return el; };
  const end = Date.now() + timeout;
  for (;;) {
    for (const parts of alternatives) {
      let el = null; try { el = chain(parts); } catch (e) {}
      if (el && el.nodeType === 1) {
        // Scroll only an element out of view, and only as far as needed:
        // the user clicked what they saw, and a page scrolled further than
        // theirs makes the screenshots differ.
        if (scroll) { const v = el.getBoundingClientRect(), W = el.ownerDocument.defaultView;
          if (v.top < 0 || v.left < 0 || v.bottom > W.innerHeight || v.right > W.innerWidth) el.scrollIntoView({block: "nearest", inline: "nearest"}); }
        window.__reprokitStep = el;
        const r = el.getBoundingClientRect();
        let left = r.left, topY = r.top, win = el.ownerDocument.defaultView;
        while (win !== window && win.frameElement) { const f = win.frameElement.getBoundingClientRect(); left += f.left; topY += f.top; win = win.parent; }
        return {selector: parts.join(" >> "), left: left, top: topY, width: r.width, height: r.height};
      }
    }
    if (Date.now() > end) return null;
    await new Promise(res => setTimeout(res, 50));
  }
})(%s, %s, %d, %t)`

// popupFor returns the context of the replay's popup that shows page (its
// URL without fragment, redacted values matching any), bound to ctx,
// waiting up to wait for it to open; without one, the popup opened last,
// else the first tab (ctx), with a log line. release lets the binding go.
func popupFor(ctx context.Context, page string, popups func() []context.Context, wait time.Duration, logf func(string, ...any)) (context.Context, func()) {
	bind := func(p context.Context) (context.Context, func()) {
		c, cancel := context.WithCancel(p)
		stop := context.AfterFunc(ctx, cancel)
		return c, func() { stop(); cancel() }
	}
	deadline := time.Now().Add(wait)
	for {
		tabs := popups()
		for _, p := range tabs {
			if p.Err() != nil {
				continue
			}
			lctx, cancel := context.WithTimeout(p, time.Second)
			u, err := chromedp.Run(lctx, chromedp.Location())
			cancel()
			if err == nil && len(sameURL([]Screenshot{{URL: u}}, page)) == 1 {
				return bind(p)
			}
		}
		if !time.Now().Before(deadline) || ctx.Err() != nil {
			for i := len(tabs) - 1; i >= 0; i-- {
				if tabs[i].Err() == nil {
					logf("replay: no tab shows %s; the step runs in the tab opened last", shortURL(page))
					return bind(tabs[i])
				}
			}
			logf("replay: no tab shows %s; the step runs in the first tab", shortURL(page))
			return ctx, func() {}
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}
