package bundle

import (
	"encoding/json"
	"math"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The rules of the failures that leave no failed request behind: a
// Content-Security-Policy that blocks a script or a connection
// (csp-violation), an uncaught exception that breaks the page
// (uncaught-exception), and a request the page aborted because its own
// timeout ran out (request-timeout). Each must stay quiet on what healthy
// pages do all the time: report-only policies, exceptions the page catches,
// third-party scripts that fail without effect, and the aborts of
// navigations, prefetches, cancelled image loads and search-as-you-type.

// Thresholds of the rules of this file.
const (
	stepWindow     = 2_000  // ms: an exception this soon after a user's step is its effect
	loadWindow     = 10_000 // ms: … or this soon after the top frame's document started
	cspCauseWindow = 2_000  // ms: an exception this soon after a CSP block is its consequence
	minTimeout     = 1_000  // ms: a page's request timeout is at least this long
	timeoutEarly   = 100    // ms: an abort may end this much before the timeout (the request starts after the timer)
	timeoutLate    = 250    // ms: … or this much after it (a busy event loop), or 10 %
	timeoutMessage = 2_000  // ms: a console message this soon after the abort that says "timed out"
	repeatSpread   = 1.2    // repeated aborts of one request lasting within 20 % of each other
	maxTimeoutScan = 4 << 20
)

var (
	cspText       = regexp.MustCompile(`(?i)Content[- ]Security[- ]Policy`)
	cspEnforced   = regexp.MustCompile(`(?i)violates|Refused to|blocked|has been blocked|settings blocked`)
	cspReportOnly = regexp.MustCompile(`(?i)report[- ]only|\[Report Only\]|settings observed|would (block|refuse)`)
	cspDirective  = regexp.MustCompile(`(?i)directive:?\s*["'“]([a-z-]+)|\((?:["“])?((?:[a-z]+-)+(?:src|elem|attr|action|ancestors|for|types))(?:["”])?\)`)
	cspFallback   = regexp.MustCompile(`(?i)Note that '([a-z-]+)' was not explicitly set`)
	cspBlocked    = regexp.MustCompile(`(?i)(?:Refused to (?:connect to|load(?: the [a-z ]+?)?|frame|execute script from|send form data to|create a worker from)|Connecting to|Loading(?: the [a-z ]+?)?|Framing|Fetch API cannot load|resource at)\s*['"]?((?:https?|wss?|blob|data|chrome-extension|moz-extension):[^\s'"”)]+)`)
	cspInline     = regexp.MustCompile(`(?i)inline (script|event handler)|'unsafe-eval'|evaluate a string|eval\b`)
	timedOutText  = regexp.MustCompile(`(?i)timed?[ -]?out\b|TimeoutError|deadline exceeded`)
	stackURL      = regexp.MustCompile(`((?:https?|chrome-extension|moz-extension)://[^\s()]+?):\d+(?::\d+)?\)?(?:\s|$)`)

	// timeoutLiteral finds the timeouts a page's code sets: a name with
	// "timeout" in it given a number (`timeout: 5000`, `xhr.timeout = 1500`,
	// `REQUEST_TIMEOUT_MS=3e4`), AbortSignal.timeout(N), and the delay of a
	// timer whose callback aborts (`setTimeout(() => c.abort(), 8000)`).
	timeoutLiteral = regexp.MustCompile(`(?i)time_?out\w*["']?\s*[:=]\s*(\d[\d_]*(?:\.\d+)?(?:e\d+)?)\b|AbortSignal\.timeout\(\s*(\d[\d_]*(?:e\d+)?)|\.abort\([^()]*\)\s*;?\s*\}?\s*,\s*(\d[\d_]*(?:e\d+)?)\s*\)`)
)

// cspQuiet are the directives whose blocks do not stop a feature: a style,
// an image, a font or a medium the page goes on without.
var cspQuiet = map[string]bool{
	"style-src": true, "style-src-elem": true, "style-src-attr": true, "img-src": true,
	"font-src": true, "media-src": true, "manifest-src": true, "prefetch-src": true,
}

// cspViolations adds csp-violation for the console's enforced
// Content-Security-Policy blocks of scripts, connections, frames, workers
// and forms (and the HAR's entries with `_blockedReason: csp`), and
// returns the console messages it used with their times, so that an
// exception that follows one is counted as its consequence.
func cspViolations(infos []entryInfo, console []ConsoleMessage, byURL map[string][]int, fs *findingSet) []int {
	var used []int
	seen := map[string]bool{}
	var what []string
	directives := map[string]bool{}
	var dirOrder []string
	note := func(w, d string) {
		if !seen[w] {
			seen[w] = true
			what = append(what, w)
		}
		if d != "" && !directives[d] {
			directives[d] = true
			dirOrder = append(dirOrder, d)
		}
	}
	for ci := range console {
		c := &console[ci]
		text := c.Text
		if !cspText.MatchString(text) || !cspEnforced.MatchString(text) || cspReportOnly.MatchString(text) {
			continue
		}
		dir := ""
		if m := cspDirective.FindStringSubmatch(text); m != nil {
			dir = strings.ToLower(m[1] + m[2])
		}
		if m := cspFallback.FindStringSubmatch(text); m != nil {
			dir = strings.ToLower(m[1])
		}
		blocked := ""
		if m := cspBlocked.FindStringSubmatch(text); m != nil {
			blocked = strings.TrimRight(m[1], ".,;")
		}
		inline := blocked == "" && cspInline.MatchString(text)
		if cspQuiet[dir] || strings.Contains(strings.ToLower(text), "inline style") {
			continue
		}
		// An extension's own script blocked by the page's policy, or a
		// script an extension injects: the extension's problem, not the
		// page's (and very common on healthy pages).
		if isExtensionURL(blocked) || isExtensionURL(c.URL) {
			continue
		}
		if blocked == "" && !inline && dir == "" {
			continue
		}
		target := "an inline script"
		switch {
		case blocked != "":
			target = shortURL(blocked, 120)
		case strings.Contains(strings.ToLower(text), "event handler"):
			target = "an inline event handler"
		case !strings.Contains(strings.ToLower(text), "inline"):
			target = "eval of a string"
		}
		// One line per directive and target; Chromium's second line
		// about a refused fetch names no directive.
		line := ""
		key := dir + " " + target
		if !seen[key] && (dir != "" || !seen["blocked "+target]) {
			seen[key] = true
			seen["blocked "+target] = true
			line = "CSP " + orWord(dir, "policy") + " blocked " + target
			if target == "an inline script" && c.URL != "" {
				line += " in " + shortURL(c.URL, 100)
				if c.Line > 0 {
					line += " line " + strconv.Itoa(c.Line)
				}
			}
		}
		fs.add("csp-violation", -1, ci, line)
		note(target, dir)
		for _, i := range byURL[blocked] {
			fs.add("csp-violation", i, -1, "")
		}
		used = append(used, ci)
	}
	for i := range infos {
		e := infos[i].e
		if strings.EqualFold(e.BlockedReason, "csp") && !isExtensionURL(e.Request.URL) && !cspQuietKind(infos[i].kind) {
			fs.add("csp-violation", i, -1, entryLine(e, "blocked by CSP"))
			note(shortURL(e.Request.URL, 120), "")
		}
	}
	if len(what) > 0 {
		fs.setAdvice("csp-violation", cspAdvice(what, dirOrder))
	}
	return used
}

func cspQuietKind(kind string) bool {
	switch kind {
	case "stylesheet", "image", "font", "media", "manifest":
		return true
	}
	return false
}

// cspAdvice names what was blocked and by which directive.
func cspAdvice(what, dirs []string) string {
	list := strings.Join(what[:min(len(what), 2)], " and ")
	if len(what) > 2 {
		list += " and " + strconv.Itoa(len(what)-2) + " more"
	}
	dir := "its policy"
	if len(dirs) > 0 {
		dir = strings.Join(dirs, ", ")
	}
	return "The page's Content-Security-Policy (" + dir + ") blocked " + list +
		", so the feature that needs it does nothing: the site must allow it in that directive (a nonce or hash for an inline script, the origin for a URL); if an extension or proxy rewrites the page, try without it."
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func isExtensionURL(u string) bool {
	return strings.HasPrefix(u, "chrome-extension:") || strings.HasPrefix(u, "moz-extension:") ||
		strings.HasPrefix(u, "safari-web-extension:") || strings.HasPrefix(u, "extension:")
}

// isAbort reports the error of a request that the page or the browser
// cancelled (not a network failure).
func isAbort(errText string) bool {
	u := strings.ToUpper(errText)
	return strings.Contains(u, "ERR_ABORTED") || strings.Contains(u, "NS_BINDING_ABORTED") ||
		u == "CANCELED" || u == "CANCELLED"
}

// requestTimeouts returns the entries the page aborted because its own
// timeout ran out, and adds request-timeout for them. A candidate is a
// fetch or XHR (not a navigation, a prefetch, an image or any other
// resource the browser cancels by itself) that ended in an abort after at
// least 1 s, not while the top frame navigated away. It is a timeout when
// one of these says so:
//
//   - its duration matches a timeout the page's code sets (a number given
//     to a name with "timeout" in it, AbortSignal.timeout(N), or the delay
//     of a timer that calls abort()), read from the scripts and documents
//     of the recording;
//   - the same request was aborted twice or more after the same time
//     (within 20 %): a fixed timeout and a retry;
//   - a console message up to 2 s after the abort says it timed out.
func requestTimeouts(infos []entryInfo, console []ConsoleMessage, fs *findingSet) map[int]bool {
	var cands []int
	for i := range infos {
		in := &infos[i]
		if (in.kind != "fetch" && in.kind != "xhr") || !isAbort(in.errText) || in.e.Time < minTimeout || in.startMs == 0 {
			continue
		}
		if abortedByNavigation(infos, in) {
			continue
		}
		cands = append(cands, i)
	}
	if len(cands) == 0 {
		return nil
	}
	limits := pageTimeouts(infos)
	type reqKey struct{ method, url string }
	same := map[reqKey][]int{}
	for _, i := range cands {
		k := reqKey{infos[i].e.Request.Method, infos[i].e.Request.URL}
		same[k] = append(same[k], i)
	}
	out := map[int]bool{}
	for _, i := range cands {
		in := &infos[i]
		d := in.e.Time
		why := ""
		for _, v := range limits {
			if d >= v-timeoutEarly && d <= v+max(timeoutLate, v/10) {
				why = "the page's timeout is " + strconv.FormatFloat(v, 'f', -1, 64) + " ms"
				break
			}
		}
		if why == "" {
			if rep := same[reqKey{in.e.Request.Method, in.e.Request.URL}]; len(rep) >= 2 {
				lo, hi := math.Inf(1), 0.0
				for _, j := range rep {
					lo, hi = min(lo, infos[j].e.Time), max(hi, infos[j].e.Time)
				}
				if hi <= lo*repeatSpread {
					why = "aborted " + strconv.Itoa(len(rep)) + " times after the same time"
				}
			}
		}
		end := in.startMs + d
		ci := -1
		if why == "" {
			for k := range console {
				c := &console[k]
				if t := float64(c.Time); t >= end-timeoutEarly && t <= end+timeoutMessage && timedOutText.MatchString(c.Text) {
					ci = k
					why = "the console says: " + shortURL(firstLine(c.Text), 80)
					break
				}
			}
		}
		if why == "" {
			continue
		}
		out[i] = true
		fs.add("request-timeout", i, ci, entryLine(in.e, in.errText)+" after "+secs(d)+" ("+why+")")
	}
	return out
}

// abortedByNavigation reports an abort that happened while the top frame
// navigated: after a new document was requested and before it had loaded
// (plus 0.5 s), which is when the browser cancels the old page's requests.
func abortedByNavigation(infos []entryInfo, in *entryInfo) bool {
	end := in.startMs + in.e.Time
	for j := range infos {
		d := &infos[j]
		if d.kind != "document" || !topTarget(d.e.Target) || d.startMs == 0 || d.e == in.e {
			continue
		}
		if d.startMs < end && end <= d.startMs+max(d.e.Time, 0)+500 {
			return true
		}
	}
	return false
}

// pageTimeouts returns the timeouts (ms, at least 1 s) that the recorded
// scripts and documents set, as far as their bodies are in the HAR.
func pageTimeouts(infos []entryInfo) []float64 {
	seen := map[float64]bool{}
	var out []float64
	budget := maxTimeoutScan * 8
	for i := range infos {
		in := &infos[i]
		if in.kind != "script" && in.kind != "document" {
			continue
		}
		c := &in.e.Response.Content
		if c.Text == "" || c.Encoding == "base64" {
			continue
		}
		text := c.Text[:min(len(c.Text), maxTimeoutScan)]
		if budget -= len(text); budget < 0 {
			break
		}
		for _, m := range timeoutLiteral.FindAllStringSubmatch(text, 200) {
			raw := strings.ReplaceAll(m[1]+m[2]+m[3], "_", "")
			v, err := strconv.ParseFloat(raw, 64)
			if err != nil || v < minTimeout || v > 10*60_000 || seen[v] {
				continue
			}
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Float64s(out)
	return out
}

// topPages tells which page of the top frame the user was on: the index of
// the top frame's document loaded last before a time, or the one a console
// message names (−1 when none).
type topPages struct {
	infos []entryInfo
	docs  []int // top-frame documents by start time
}

func newTopPages(infos []entryInfo) *topPages {
	p := &topPages{infos: infos}
	for i := range infos {
		if in := &infos[i]; in.kind == "document" && topTarget(in.e.Target) && !isRedirect(in.e) && in.startMs != 0 {
			p.docs = append(p.docs, i)
		}
	}
	sort.SliceStable(p.docs, func(a, b int) bool { return infos[p.docs[a]].startMs < infos[p.docs[b]].startMs })
	return p
}

// at returns the document requested last at or before t (ms since the
// epoch). The old page runs on for a moment after the next document is
// requested: a message names its page better (see of).
func (p *topPages) at(t float64) int {
	n := sort.Search(len(p.docs), func(k int) bool { return p.infos[p.docs[k]].startMs > t })
	if n == 0 {
		return -1
	}
	return p.docs[n-1]
}

// of returns the page of a console message: the last document before it
// whose URL is the message's (an inline script, a CSP report), else the
// page at its time.
func (p *topPages) of(c *ConsoleMessage) int {
	t := float64(c.Time)
	if c.URL != "" {
		u, _, _ := strings.Cut(c.URL, "#")
		for k := len(p.docs) - 1; k >= 0; k-- {
			d := p.infos[p.docs[k]]
			if d.startMs > t {
				continue
			}
			if du, _, _ := strings.Cut(d.e.Request.URL, "#"); du == u {
				return p.docs[k]
			}
			if t-d.startMs > loadWindow*6 {
				break
			}
		}
	}
	return p.at(t)
}

func topTarget(t string) bool {
	switch strings.ToLower(t) {
	case "", "page", "tab", "popup":
		return true
	}
	return false
}

// uncaughtExceptions adds uncaught-exception for each uncaught exception
// (or unhandled rejection) that no other finding explains (skip: a failed
// request or a CSP block near it) and that broke what the user was doing:
//
//   - it was thrown in the top frame (or a popup), or in a frame the user
//     had just acted in; never in a worker;
//   - up to 2 s after a step of the user (a click, a key, a change), or up
//     to 10 s after the top frame's document started loading;
//   - by the page's own code: a URL of its stack (or its script, or the
//     document itself for an inline script) is on the page's own site,
//     or on the site that serves at least half of the page's scripts
//     (three or more: the app's CDN). An exception whose every frame is on
//     another site is a third-party script (analytics, ads, a widget)
//     failing on its own: pages go on without it, and it is not counted.
func uncaughtExceptions(infos []entryInfo, console []ConsoleMessage, steps []Step, skip map[int]bool, fs *findingSet) {
	pages := newTopPages(infos)
	for ci := range console {
		c := &console[ci]
		if skip[ci] || !c.isException() || c.Time == 0 {
			continue
		}
		t := float64(c.Time)
		frameStep := false
		var step *Step
		for k := range steps {
			s := &steps[k]
			st := float64(s.when())
			if st == 0 || s.Type == "setViewport" || s.Type == "navigate" || st > t+100 || st < t-stepWindow {
				continue
			}
			step = s
			frameStep = frameStep || len(s.Frame) > 0
		}
		if !topTarget(c.Target) && !(strings.EqualFold(c.Target, "iframe") && frameStep) {
			continue
		}
		page := pages.of(c)
		loading := page >= 0 && t-infos[page].startMs <= loadWindow
		if step == nil && !loading {
			continue
		}
		if page >= 0 && !ownCode(infos, page, c) {
			continue
		}
		line := shortURL(strings.TrimSpace(firstLine(c.Text)), 140)
		if step != nil {
			line += " (after " + step.Describe() + ")"
		} else {
			line += " (while " + shortURL(infos[page].e.Request.URL, 80) + " loaded)"
		}
		if at := exceptionURLs(c); len(at) > 0 {
			line += " at " + shortURL(at[0], 100)
		}
		fs.add("uncaught-exception", -1, ci, line)
	}
}

// ownCode reports whether the exception c was thrown by the code of the
// page whose document is entry page (see [uncaughtExceptions]).
func ownCode(infos []entryInfo, page int, c *ConsoleMessage) bool {
	at := exceptionURLs(c)
	web := 0
	for _, u := range at {
		if !isExtensionURL(u) {
			web++
		}
	}
	if web == 0 {
		// Only an extension's frames: not the page's. No location at all
		// (an eval, a handler attribute): the page's own.
		return len(at) == 0
	}
	doc := infos[page].e
	own := map[string]bool{siteOf(doc.Request.URL): true}
	// The site that serves the page's code, when it is not the page's.
	count := map[string]int{}
	total := 0
	for i := range infos {
		in := &infos[i]
		if in.kind != "script" || in.startMs < infos[page].startMs || (doc.Pageref != "" && in.e.Pageref != doc.Pageref) {
			continue
		}
		count[siteOf(in.e.Request.URL)]++
		total++
	}
	for s, n := range count {
		if n >= 3 && 2*n >= total {
			own[s] = true
		}
	}
	for _, u := range at {
		if own[siteOf(u)] {
			return true
		}
	}
	return false
}

// exceptionURLs returns the script URLs of an exception: its own URL,
// then those of its stack (text or a CDP StackTrace object).
func exceptionURLs(c *ConsoleMessage) []string {
	var out []string
	add := func(u string) {
		if u != "" && (strings.Contains(u, "://")) {
			out = append(out, u)
		}
	}
	add(c.URL)
	if len(c.Stack) == 0 {
		return out
	}
	var text string
	if json.Unmarshal(c.Stack, &text) == nil {
		for _, m := range stackURL.FindAllStringSubmatch(text, 20) {
			add(m[1])
		}
		return out
	}
	var st struct {
		CallFrames []struct {
			URL string `json:"url"`
		} `json:"callFrames"`
	}
	if json.Unmarshal(c.Stack, &st) == nil {
		for _, f := range st.CallFrames {
			add(f.URL)
		}
	}
	return out
}

// siteOf returns the site of a URL as browsers group origins: the scheme
// and the registrable domain, approximated by the last two labels of the
// host (three under a two-letter country code with a short second level,
// as in example.co.uk). An IP address or a single-label host is its own
// site. The port does not count.
func siteOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	host := strings.ToLower(u.Hostname())
	if net.ParseIP(host) != nil {
		return u.Scheme + "://" + host
	}
	labels := strings.Split(host, ".")
	n := 2
	if len(labels) >= 3 {
		tld, second := labels[len(labels)-1], labels[len(labels)-2]
		if len(tld) == 2 && (len(second) <= 3 || second == "gov" || second == "ac") {
			n = 3
		}
	}
	if len(labels) > n {
		labels = labels[len(labels)-n:]
	}
	scheme := u.Scheme
	switch scheme {
	case "ws":
		scheme = "http"
	case "wss":
		scheme = "https"
	}
	return scheme + "://" + strings.Join(labels, ".")
}
