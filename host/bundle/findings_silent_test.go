package bundle

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/har"
)

// Console texts as Chromium 14x logs them (Log.entryAdded, source
// security), and the older and Firefox forms.
const (
	cspInlineText     = `Executing inline script violates the following Content Security Policy directive 'script-src 'self' 'nonce-r4nd0m''. Either the 'unsafe-inline' keyword, a hash ('sha256-kpkRRCxj7qeBj83ThwQsPFf+SfwRkbQcUqHjUMsyb20='), or a nonce ('nonce-...') is required to enable inline execution. The action has been blocked.`
	cspConnectText    = `Connecting to 'https://api.other.com/v1/send' violates the following Content Security Policy directive: "connect-src 'self'". The action has been blocked.`
	cspFetchText      = `Fetch API cannot load https://api.other.com/v1/send. Refused to connect because it violates the document's Content Security Policy.`
	cspOldInlineText  = `Refused to execute inline script because it violates the following Content Security Policy directive: "script-src 'self'". Either the 'unsafe-inline' keyword, a hash ('sha256-…'), or a nonce ('nonce-...') is required to enable inline execution.`
	cspOldConnectText = `Refused to connect to 'wss://live.other.com/socket' because it violates the following Content Security Policy directive: "default-src 'self'". Note that 'connect-src' was not explicitly set, so 'default-src' is used as a fallback.`
	cspFirefoxText    = `Content-Security-Policy: The page’s settings blocked the loading of a resource at https://cdn.other.com/chat.js (“script-src-elem”).`
	cspReportOnlyText = `Executing inline script violates the following Content Security Policy directive 'script-src 'self''. Either the 'unsafe-inline' keyword, a hash ('sha256-x'), or a nonce ('nonce-...') is required to enable inline execution. The policy is report-only, so the violation has been logged but no further action has been taken.`
	cspOldReportOnly  = `[Report Only] Refused to load the script 'https://cdn.other.com/a.js' because it violates the following Content Security Policy directive: "script-src 'self'".`
	cspStyleText      = `Applying inline style violates the following Content Security Policy directive 'style-src 'self''. Either the 'unsafe-inline' keyword, a hash ('sha256-x'), or a nonce ('nonce-...') is required to enable inline execution. The action has been blocked.`
	cspImageText      = `Loading the image 'https://img.other.com/a.png' violates the following Content Security Policy directive: "img-src 'self'". The action has been blocked.`
	cspExtensionText  = `Loading the script 'chrome-extension://abcdefghijklmnop/inject.js' violates the following Content Security Policy directive: "script-src 'self'". The action has been blocked.`
)

func securityAt(offsetMs int, level, text, url string) ConsoleMessage {
	c := consoleAt(offsetMs, level, "security", text)
	c.URL = url
	c.Target = "page"
	return c
}

func exceptionAt(offsetMs int, text, url string, stack ...string) ConsoleMessage {
	c := consoleAt(offsetMs, "error", "exception", text)
	c.URL, c.Target = url, "page"
	if len(stack) > 0 {
		c.Stack, _ = json.Marshal(strings.Join(stack, "\n"))
	}
	return c
}

func stepAt(offsetMs int, typ, text string) Step {
	return Step{Type: typ, Text: text, Time: Millis(t0.Add(time.Duration(offsetMs) * time.Millisecond).UnixMilli())}
}

func page(url string, offsetMs float64) har.Entry {
	e := withType(entry("GET", url, 200, offsetMs, 40), "document")
	e.Target = "page"
	return e
}

func aborted(kind, url string, offsetMs, durMs float64) har.Entry {
	e := withType(withError(entry("GET", url, 0, offsetMs, durMs), "net::ERR_ABORTED"), kind)
	e.Target = "page"
	return e
}

func TestCSPViolationNamesTheDirectiveAndWhatItBlocked(t *testing.T) {
	doc := page("https://app.example.com/chat", 0)
	for _, c := range []struct {
		name   string
		text   string
		advice []string
	}{
		{"inline script (Chromium)", cspInlineText, []string{"script-src", "an inline script"}},
		{"connect (Chromium)", cspConnectText, []string{"connect-src", "https://api.other.com/v1/send"}},
		{"fetch refused (Chromium)", cspFetchText, []string{"https://api.other.com/v1/send"}},
		{"inline script (older Chromium)", cspOldInlineText, []string{"script-src", "an inline script"}},
		{"connect through default-src", cspOldConnectText, []string{"connect-src", "wss://live.other.com/socket"}},
		{"script (Firefox)", cspFirefoxText, []string{"script-src-elem", "https://cdn.other.com/chat.js"}},
	} {
		fs := Findings([]har.Entry{doc}, []ConsoleMessage{securityAt(300, "error", c.text, doc.Request.URL)})
		f := findRule(fs, "csp-violation")
		if f == nil {
			t.Errorf("%s: no csp-violation; got %v", c.name, rules(fs))
			continue
		}
		if f.Severity != SeverityError || len(f.Console) != 1 || len(f.Evidence) != 1 {
			t.Errorf("%s: %+v", c.name, *f)
		}
		for _, w := range c.advice {
			if !strings.Contains(f.Advice, w) {
				t.Errorf("%s: the advice does not name %q: %s", c.name, w, f.Advice)
			}
		}
	}
}

func TestCSPViolationPointsAtTheBlockedEntryAndTheExceptionItCaused(t *testing.T) {
	doc := page("https://app.example.com/chat", 0)
	blocked := withBlocked(withType(entry("GET", "https://cdn.other.com/chat.js", 0, 100, 2), "script"), "csp")
	console := []ConsoleMessage{
		securityAt(120, "error", cspFirefoxText, doc.Request.URL),
		exceptionAt(400, "Uncaught ReferenceError: Chat is not defined", doc.Request.URL),
	}
	fs := Findings([]har.Entry{doc, blocked}, console, stepAt(-100, "navigate", ""))
	f := findRule(fs, "csp-violation")
	if f == nil || len(f.Entries) != 1 || f.Entries[0] != 1 || len(f.Console) != 2 {
		t.Fatalf("csp-violation: %+v", f)
	}
	if findRule(fs, "uncaught-exception") != nil {
		t.Errorf("the ReferenceError that the blocked script caused is also an uncaught-exception: %v", rules(fs))
	}
}

func TestCSPLookAlikesRaiseNoFinding(t *testing.T) {
	doc := page("https://app.example.com/chat", 0)
	for name, text := range map[string]string{
		"report-only header":           cspReportOnlyText,
		"report-only (older Chromium)": cspOldReportOnly,
		"inline style":                 cspStyleText,
		"image":                        cspImageText,
		"an extension's script":        cspExtensionText,
		"a CSP word in a log":          "Content Security Policy loaded",
	} {
		level := "error"
		if strings.Contains(name, "report-only") {
			level = "info"
		}
		if fs := Findings([]har.Entry{doc}, []ConsoleMessage{securityAt(300, level, text, doc.Request.URL)}); len(fs) != 0 {
			t.Errorf("%s: %+v", name, fs)
		}
	}
}

func TestUncaughtExceptionAfterAClickWithNoFailedRequest(t *testing.T) {
	doc := page("https://app.example.com/settings", 0)
	api := ok200("https://app.example.com/api/me")
	api.StartedDateTime = t0.Add(200 * time.Millisecond).Format(time.RFC3339Nano)
	ex := exceptionAt(30_008, "Uncaught TypeError: Cannot read properties of null (reading 'value')", doc.Request.URL,
		"    at HTMLButtonElement.<anonymous> (https://app.example.com/settings:24:55)")
	steps := []Step{stepAt(0, "navigate", ""), stepAt(30_000, "click", "Save")}
	fs := Findings([]har.Entry{doc, api}, []ConsoleMessage{ex}, steps...)
	f := findRule(fs, "uncaught-exception")
	if f == nil {
		t.Fatalf("no uncaught-exception: %v", rules(fs))
	}
	if len(f.Console) != 1 || f.Severity != SeverityError || !strings.Contains(f.Evidence[0], "Click “Save”") || !strings.Contains(f.Evidence[0], "Cannot read properties of null") {
		t.Errorf("uncaught-exception: %+v", *f)
	}
	if len(fs) != 1 {
		t.Errorf("findings other than uncaught-exception: %v", rules(fs))
	}
	// The same exception long after any step or page load: not the cause
	// of what the user saw.
	late := exceptionAt(40_000, ex.Text, ex.URL)
	if f := findRule(Findings([]har.Entry{doc}, []ConsoleMessage{late}, steps...), "uncaught-exception"); f != nil {
		t.Errorf("an exception 10 s after the click and 40 s after the load: %+v", *f)
	}
}

func TestUncaughtExceptionWhileThePageLoads(t *testing.T) {
	doc := page("https://app.example.com/", 0)
	bundle := withType(entry("GET", "https://cdn.appstatic.net/app.4f2a.js", 200, 100, 40), "script")
	ex := exceptionAt(900, "Uncaught TypeError: e.map is not a function", "https://cdn.appstatic.net/app.4f2a.js",
		"    at r (https://cdn.appstatic.net/app.4f2a.js:1:2044)")
	// The app's code is on its CDN, another site: one script from there is
	// a third party's; three or more, half of the page's scripts, are the app's.
	if f := findRule(Findings([]har.Entry{doc, bundle}, []ConsoleMessage{ex}), "uncaught-exception"); f != nil {
		t.Errorf("one script of another site counted as the page's own: %+v", *f)
	}
	more := []har.Entry{doc, bundle,
		withType(entry("GET", "https://cdn.appstatic.net/vendor.js", 200, 100, 40), "script"),
		withType(entry("GET", "https://cdn.appstatic.net/chunk.js", 200, 100, 40), "script"),
		withType(entry("GET", "https://www.googletagmanager.com/gtm.js", 200, 100, 40), "script")}
	if f := findRule(Findings(more, []ConsoleMessage{ex}), "uncaught-exception"); f == nil {
		t.Errorf("an exception in the app's own bundle on its CDN while the page loaded: none")
	}
	// Inline script of the page, no stack.
	inline := exceptionAt(500, "Uncaught ReferenceError: initChat is not defined", doc.Request.URL)
	if f := findRule(Findings([]har.Entry{doc}, []ConsoleMessage{inline}), "uncaught-exception"); f == nil {
		t.Errorf("an inline script's exception while the page loaded: none")
	}
}

func TestExceptionsThatDoNotBreakThePageRaiseNoFinding(t *testing.T) {
	doc := page("https://app.example.com/", 0)
	widget := withType(entry("GET", "https://widget.chatvendor.io/w.js", 200, 100, 40), "script")
	steps := []Step{stepAt(0, "navigate", ""), stepAt(5000, "click", "Open menu")}
	for name, c := range map[string]ConsoleMessage{
		"a third-party widget fails at load": exceptionAt(600, "Uncaught TypeError: Cannot set properties of undefined (setting 'colour')", "https://widget.chatvendor.io/w.js",
			"    at https://widget.chatvendor.io/w.js:5:17"),
		"a third-party script fails after a click": exceptionAt(5100, "Uncaught Error: analytics not ready", "https://widget.chatvendor.io/w.js"),
		"a caught exception the page logs":         consoleAt(5100, "error", "console-api", "TypeError: Cannot read properties of null (reading 'x')"),
		"a caught exception the page warns about":  consoleAt(5100, "warning", "console-api", "handled: SyntaxError"),
		"an extension's content script":            exceptionAt(5100, "Uncaught TypeError: x is null", "chrome-extension://abcdefghijklmnop/content.js"),
		"a worker": func() ConsoleMessage {
			c := exceptionAt(5100, "Uncaught Error: boom", "https://app.example.com/worker.js")
			c.Target = "worker"
			return c
		}(),
		"a frame the user did not touch": func() ConsoleMessage {
			c := exceptionAt(5100, "Uncaught Error: boom", "https://ads.example.net/frame.js")
			c.Target = "iframe"
			return c
		}(),
	} {
		if fs := Findings([]har.Entry{doc, widget}, []ConsoleMessage{c}, steps...); len(fs) != 0 {
			t.Errorf("%s: %+v", name, fs)
		}
	}
	// A frame the user clicked in counts.
	c := exceptionAt(5100, "Uncaught Error: boom", "https://app.example.com/frame.js")
	c.Target = "iframe"
	inFrame := stepAt(5000, "click", "Pay")
	inFrame.Frame = []int{0}
	if findRule(Findings([]har.Entry{doc}, []ConsoleMessage{c}, stepAt(0, "navigate", ""), inFrame), "uncaught-exception") == nil {
		t.Errorf("an exception in the frame the user just clicked in: none")
	}
}

func TestRequestTimeoutFromThePagesOwnTimeout(t *testing.T) {
	code := `const TIMEOUT_MS = 1500; const c = new AbortController(); setTimeout(() => c.abort(), TIMEOUT_MS);`
	doc := withBody(page("https://app.example.com/report", 0), "text/html", "<script>"+code+"</script>")
	fetchT := aborted("fetch", "https://app.example.com/api/report", 100, 1499.5)
	xhrT := aborted("xhr", "https://app.example.com/api/report?x", 103, 1507.1)
	fs := Findings([]har.Entry{doc, fetchT, xhrT}, nil)
	f := findRule(fs, "request-timeout")
	if f == nil || len(f.Entries) != 2 || !strings.Contains(f.Evidence[0], "1500 ms") || !strings.Contains(f.Evidence[0], "after 1.5 s") {
		t.Fatalf("request-timeout: %+v (all: %v)", f, rules(fs))
	}
	if len(fs) != 1 {
		t.Errorf("other findings: %v", rules(fs))
	}
	// Minified forms of the timeouts.
	for _, js := range []string{`fetch(u,{signal:AbortSignal.timeout(3e4)})`, `setTimeout(function(){n.abort()},3e4)`, `x.timeout=30000`, `{"timeout":30000}`, `REQUEST_TIMEOUT_MS = 30_000`} {
		d := withBody(withType(entry("GET", "https://cdn.example.com/app.js", 200, 0, 10), "script"), "text/javascript", js)
		if f := findRule(Findings([]har.Entry{d, aborted("fetch", "https://app.example.com/api/chat", 100, 30_004)}, nil), "request-timeout"); f == nil {
			t.Errorf("%s: a 30 s abort is not a timeout", js)
		}
	}
	// A page whose code is not in the HAR: the same request aborted three
	// times after 8 s, or a console message that says it timed out.
	rep := []har.Entry{aborted("xhr", "https://app.example.com/api/poll", 0, 8001), aborted("xhr", "https://app.example.com/api/poll", 9000, 8003), aborted("xhr", "https://app.example.com/api/poll", 18000, 8002)}
	if f := findRule(Findings(rep, nil), "request-timeout"); f == nil || len(f.Entries) != 3 {
		t.Errorf("repeated aborts after the same time: %+v", f)
	}
	msg := []ConsoleMessage{consoleAt(5030, "error", "console-api", "Error: request timed out after 5s")}
	if f := findRule(Findings([]har.Entry{aborted("fetch", "https://app.example.com/api/x", 0, 5000)}, msg), "request-timeout"); f == nil || len(f.Console) != 1 {
		t.Errorf("an abort the console calls a timeout: %+v", f)
	}
}

func TestHealthyAbortsAreNotTimeouts(t *testing.T) {
	code := `const c = new AbortController(); setTimeout(() => search('re'), 400); x.timeout = 1500;`
	doc := withBody(page("https://app.example.com/", 0), "text/html", "<script>"+code+"</script>")
	next := page("https://app.example.com/next", 3000)
	next.Time = 600
	entries := []har.Entry{doc,
		aborted("image", "https://app.example.com/hero.jpg", 50, 1500),           // a cancelled image load
		aborted("other", "https://app.example.com/next-page?prefetch", 60, 1500), // a cancelled prefetch
		aborted("document", "https://app.example.com/slow-page", 100, 1500),      // a navigation aborted by the next one
		aborted("fetch", "https://app.example.com/search?q=r", 200, 440),         // search as you type
		aborted("fetch", "https://app.example.com/search?q=re", 600, 400),        // … again
		aborted("fetch", "https://app.example.com/api/stream", 1900, 1500),       // in flight when the page navigated away
		next,
	}
	entries[6].StartedDateTime = t0.Add(2000 * time.Millisecond).Format(time.RFC3339Nano)
	entries[6].Time = 1300 // aborted at 3.3 s, while /next loads (3.0–3.6 s)
	if fs := Findings(entries, nil); len(fs) != 0 {
		t.Errorf("healthy aborts raise %+v", fs)
	}
	// Two aborts of one URL a very different time apart: cancellations.
	two := []har.Entry{aborted("fetch", "https://app.example.com/api/suggest", 0, 1200), aborted("fetch", "https://app.example.com/api/suggest", 5000, 4000)}
	if fs := Findings(two, nil); len(fs) != 0 {
		t.Errorf("two cancellations of one request: %+v", fs)
	}
	// An exception near a healthy abort is not an exception near a failure.
	ex := exceptionAt(700, "Uncaught TypeError: Cannot set properties of undefined", "https://widget.chatvendor.io/w.js")
	if f := findRule(Findings(entries, []ConsoleMessage{ex}), "exception-near-failure"); f != nil {
		t.Errorf("exception-near-failure on healthy aborts: %+v", *f)
	}
}

func TestCSPViolationShowsOneLinePerBlock(t *testing.T) {
	doc := page("https://app.example.com/chat", 0)
	console := []ConsoleMessage{
		securityAt(300, "error", cspConnectText, doc.Request.URL),
		consoleAt(302, "error", "javascript", cspFetchText),
	}
	f := findRule(Findings([]har.Entry{doc}, console), "csp-violation")
	if f == nil || len(f.Console) != 2 || len(f.Evidence) != 1 || !strings.Contains(f.Evidence[0], "connect-src") {
		t.Errorf("a refused connection logged twice: %+v", f)
	}
}

// The old page runs on for a moment after the next one is requested: its
// CSP report, logged then, is not the new page's, and the exception a click
// on the new page throws is not that report's consequence.
func TestAFastNextPageKeepsItsOwnException(t *testing.T) {
	csp := page("https://app.example.com/chat", 0)
	next := page("https://app.example.com/settings", 200)
	console := []ConsoleMessage{
		securityAt(230, "error", cspConnectText, csp.Request.URL),
		exceptionAt(450, "Uncaught TypeError: Cannot read properties of null (reading 'value')", next.Request.URL),
	}
	fs := Findings([]har.Entry{csp, next}, console, stepAt(440, "click", "Save"))
	if f := findRule(fs, "csp-violation"); f == nil || len(f.Console) != 1 {
		t.Errorf("csp-violation: %+v", f)
	}
	if f := findRule(fs, "uncaught-exception"); f == nil {
		t.Errorf("the click's exception on the next page: %v", rules(fs))
	}
}
