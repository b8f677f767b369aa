package bundle

import (
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/har"
)

func ok200(url string) har.Entry { return withType(entry("GET", url, 200, 0, 50), "fetch") }

func withStatus(e har.Entry, s int) har.Entry { e.Response.Status = s; return e }

func withBlocked(e har.Entry, reason string) har.Entry {
	e.Response.Status = 0
	e.BlockedReason = reason
	return e
}

func withRedirect(e har.Entry, to string) har.Entry {
	e.Response.RedirectURL = to
	e.Response.Headers = append(e.Response.Headers, har.NameValue{Name: "Location", Value: to})
	return e
}

func consoleAt(offsetMs int, level, source, text string) ConsoleMessage {
	return ConsoleMessage{Time: Millis(t0.Add(time.Duration(offsetMs) * time.Millisecond).UnixMilli()), Level: level, Source: source, Text: text}
}

// Each rule: a scenario that triggers it and a close one that must not.
func TestEveryFindingRuleHasAPositiveAndANegativeCase(t *testing.T) {
	bigUpload := entry("POST", "https://app.example.com/upload", 200, 0, 900)
	bigUpload.Request.BodySize = 21 << 20
	smallUpload := entry("POST", "https://app.example.com/upload", 200, 0, 900)
	smallUpload.Request.BodySize = 19 << 20
	ws := func(close *har.WebSocketClose, errText string) har.Entry {
		e := withType(entry("GET", "wss://app.example.com/live", 101, 0, 20000), "websocket")
		e.WebSocketClose = close
		e.Error = errText
		return e
	}
	cors := ok200("https://api.other.com/data")
	cors.Response.Status = 0
	cors.CorsError = "MissingAllowOriginHeader"
	slow := ok200("https://app.example.com/slow")
	slow.Time = 12500
	fast := ok200("https://app.example.com/slow")
	fast.Time = 9500
	longWS := ws(&har.WebSocketClose{Closed: true}, "")
	doc := withType(entry("GET", "https://app.example.com/", 200, 0, 100), "document")

	cases := []struct {
		rule     string
		positive []har.Entry
		console  []ConsoleMessage
		negative []har.Entry
		negCons  []ConsoleMessage
		steps    []Step // for both cases
	}{
		{rule: "upload-too-large",
			positive: []har.Entry{withStatus(entry("POST", "https://app.example.com/upload", 413, 0, 50), 413)},
			negative: []har.Entry{smallUpload, withStatus(entry("POST", "https://app.example.com/upload", 400, 0, 50), 400)}},
		{rule: "upload-too-large", positive: []har.Entry{bigUpload}, negative: []har.Entry{smallUpload}},
		{rule: "upload-too-large",
			console: []ConsoleMessage{consoleAt(0, "error", "console-api", "Upload failed: file is too large (max 20 MB)")},
			negCons: []ConsoleMessage{consoleAt(0, "error", "console-api", "Upload failed: network error")}},
		{rule: "blocked-by-client",
			positive: []har.Entry{withError(ok200("https://ads.example.net/pixel.gif"), "net::ERR_BLOCKED_BY_CLIENT")},
			negative: []har.Entry{withError(ok200("https://ads.example.net/pixel.gif"), "net::ERR_ABORTED")}},
		{rule: "blocked-by-client", positive: []har.Entry{withBlocked(ok200("https://ads.example.net/p.gif"), "inspector")}, negative: []har.Entry{withBlocked(ok200("https://ads.example.net/p.gif"), "csp")}},
		{rule: "proxy-or-firewall",
			positive: []har.Entry{withError(ok200("https://app.example.com/x"), "net::ERR_PROXY_CONNECTION_FAILED"), withError(ok200("https://app.example.com/y"), "net::ERR_TUNNEL_CONNECTION_FAILED")},
			negative: []har.Entry{withError(ok200("https://app.example.com/x"), "net::ERR_ABORTED")}},
		{rule: "proxy-or-firewall", positive: []har.Entry{withStatus(ok200("https://app.example.com/x"), 407)}, negative: []har.Entry{withStatus(ok200("https://app.example.com/x"), 401)}},
		{rule: "tls-interception",
			positive: []har.Entry{withError(ok200("https://app.example.com/x"), "net::ERR_CERT_AUTHORITY_INVALID")},
			negative: []har.Entry{withError(ok200("https://app.example.com/x"), "net::ERR_CERT_DATE_INVALID")}},
		{rule: "dns-failure",
			positive: []har.Entry{withError(ok200("https://nope.invalid/"), "net::ERR_NAME_NOT_RESOLVED")},
			negative: []har.Entry{withError(ok200("http://127.0.0.1:1/"), "net::ERR_CONNECTION_REFUSED")}},
		{rule: "connection-failure",
			positive: []har.Entry{withError(ok200("http://127.0.0.1:1/"), "net::ERR_CONNECTION_REFUSED"), withError(ok200("https://a/"), "net::ERR_CONNECTION_RESET")},
			negative: []har.Entry{withError(ok200("https://nope.invalid/"), "net::ERR_NAME_NOT_RESOLVED")}},
		{rule: "offline",
			positive: []har.Entry{withError(ok200("https://app.example.com/"), "net::ERR_INTERNET_DISCONNECTED")},
			negative: []har.Entry{withError(ok200("https://app.example.com/"), "net::ERR_CONNECTION_CLOSED")}},
		{rule: "page-load-failed",
			positive: []har.Entry{withError(withType(entry("GET", "https://127.0.0.1:1/", 200, 0, 50), "document"), "net::ERR_UNSAFE_PORT")},
			negative: []har.Entry{withError(withType(entry("GET", "https://app.example.com/", 200, 0, 50), "document"), "net::ERR_ABORTED"),
				withError(ok200("https://app.example.com/api"), "net::ERR_UNSAFE_PORT")}},
		{rule: "cors-error", positive: []har.Entry{cors}, negative: []har.Entry{ok200("https://api.other.com/data")}},
		{rule: "cors-error",
			console: []ConsoleMessage{consoleAt(0, "error", "javascript", "Access to fetch at 'https://api.other.com/data' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header")},
			negCons: []ConsoleMessage{consoleAt(0, "error", "javascript", "Failed to fetch")}},
		{rule: "http-5xx",
			positive: []har.Entry{withStatus(ok200("https://api.example.com/a"), 500), withStatus(ok200("https://api.example.com/b"), 503)},
			negative: []har.Entry{withStatus(ok200("https://api.example.com/a"), 404), withStatus(ok200("https://api.example.com/a"), 499)}},
		{rule: "rate-limited",
			positive: []har.Entry{withHeader(withStatus(ok200("https://api.example.com/a"), 429), "Retry-After", "30")},
			negative: []har.Entry{withStatus(ok200("https://api.example.com/a"), 428)}},
		{rule: "auth-failed",
			positive: []har.Entry{withStatus(ok200("https://api.example.com/a"), 401), withStatus(ok200("https://api.example.com/b"), 403)},
			negative: []har.Entry{withStatus(ok200("https://api.example.com/a"), 404)}},
		{rule: "sso-redirect-loop",
			positive: []har.Entry{
				withRedirect(withStatus(ok200("https://app.example.com/login"), 302), "https://login.microsoftonline.com/common/oauth2/authorize?x=1"),
				withRedirect(withStatus(ok200("https://login.microsoftonline.com/common/oauth2/authorize?x=1"), 302), "https://app.example.com/login"),
				withRedirect(withStatus(ok200("https://app.example.com/login"), 302), "https://login.microsoftonline.com/common/oauth2/authorize?x=2"),
				withRedirect(withStatus(ok200("https://login.microsoftonline.com/common/oauth2/authorize?x=2"), 302), "https://app.example.com/login"),
				withRedirect(withStatus(ok200("https://app.example.com/login"), 302), "https://login.microsoftonline.com/common/oauth2/authorize?x=3"),
				withRedirect(withStatus(ok200("https://login.microsoftonline.com/common/oauth2/authorize?x=3"), 302), "https://app.example.com/login"),
			},
			negative: []har.Entry{
				withRedirect(withStatus(ok200("https://app.example.com/login"), 302), "https://login.microsoftonline.com/common/oauth2/authorize"),
				withRedirect(withStatus(ok200("https://login.microsoftonline.com/common/oauth2/authorize"), 302), "https://app.example.com/callback?code=abc&state=s"),
				withType(ok200("https://app.example.com/callback?code=abc&state=s"), "document"),
			}},
		{rule: "sso-error",
			positive: []har.Entry{withType(ok200("https://app.example.com/auth/callback?error=access_denied&error_description=No+accounts+found&state=xyz"), "document")},
			negative: []har.Entry{withType(ok200("https://app.example.com/auth/callback?code=abc&state=xyz"), "document"), ok200("https://app.example.com/search?q=error")}},
		{rule: "sso-error",
			positive: []har.Entry{withRedirect(withStatus(ok200("https://idp.example.com/saml/sso"), 302), "https://app.example.com/saml/acs#error=login_required")},
			negative: []har.Entry{withRedirect(withStatus(ok200("https://idp.example.com/saml/sso"), 302), "https://app.example.com/saml/acs#token=x")}},
		{rule: "websocket-abnormal-close",
			positive: []har.Entry{ws(&har.WebSocketClose{Error: "Connection closed abnormally (1006)"}, "")},
			negative: []har.Entry{longWS}},
		{rule: "websocket-abnormal-close",
			console: []ConsoleMessage{consoleAt(0, "error", "network", "WebSocket connection to 'wss://app.example.com/live' failed: Connection closed before receiving a handshake response")},
			negCons: []ConsoleMessage{consoleAt(0, "log", "console-api", "WebSocket connected")}},
		{rule: "slow-request", positive: []har.Entry{slow}, negative: []har.Entry{fast, longWS}},
		{rule: "mixed-content",
			positive: []har.Entry{doc, ok200("http://cdn.example.com/lib.js")},
			negative: []har.Entry{doc, ok200("https://cdn.example.com/lib.js"), ok200("http://localhost:8080/dev.js")}},
		{rule: "exception-near-failure",
			positive: []har.Entry{withStatus(entry("GET", "https://api.example.com/a", 500, 1000, 100), 500)},
			console:  []ConsoleMessage{consoleAt(2000, "error", "exception", "Uncaught TypeError: x is undefined")},
			negative: []har.Entry{withStatus(entry("GET", "https://api.example.com/a", 500, 1000, 100), 500)},
			negCons:  []ConsoleMessage{consoleAt(60000, "error", "exception", "Uncaught TypeError: x is undefined")}},
		{rule: "csp-violation",
			console: []ConsoleMessage{securityAt(0, "error", cspConnectText, "https://app.example.com/")},
			negCons: []ConsoleMessage{securityAt(0, "info", cspReportOnlyText, "https://app.example.com/")}},
		{rule: "uncaught-exception",
			steps:   []Step{stepAt(1000, "click", "Save")},
			console: []ConsoleMessage{exceptionAt(1010, "Uncaught TypeError: Cannot read properties of null (reading 'value')", "https://app.example.com/settings")},
			negCons: []ConsoleMessage{consoleAt(1010, "error", "console-api", "TypeError: Cannot read properties of null (reading 'value')")}},
		{rule: "request-timeout",
			positive: []har.Entry{aborted("fetch", "https://app.example.com/api/a", 0, 8001), aborted("fetch", "https://app.example.com/api/a", 9000, 8004)},
			negative: []har.Entry{aborted("image", "https://app.example.com/a.png", 0, 8001), aborted("image", "https://app.example.com/a.png", 9000, 8004)}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.rule] = true
		pos := Findings(c.positive, c.console, c.steps...)
		f := findRule(pos, c.rule)
		if f == nil {
			t.Errorf("%s: not found in its positive case; got %v", c.rule, rules(pos))
			continue
		}
		if len(c.positive) > 0 && len(f.Entries) == 0 {
			t.Errorf("%s: no entries point at the evidence", c.rule)
		}
		if f.Advice == "" || f.Title == "" || f.Severity == "" || strings.Contains(f.Advice, "\n") {
			t.Errorf("%s: needs a title, a severity and one line of advice: %+v", c.rule, f)
		}
		if neg := Findings(c.negative, c.negCons, c.steps...); findRule(neg, c.rule) != nil {
			t.Errorf("%s: found in its negative case: %+v", c.rule, *findRule(neg, c.rule))
		}
	}
	for _, r := range Rules {
		if !seen[r.ID] {
			t.Errorf("rule %s has no test case", r.ID)
		}
	}
}

func TestRateLimitedEvidenceShowsRetryAfter(t *testing.T) {
	fs := Findings([]har.Entry{withHeader(withStatus(ok200("https://api.example.com/a"), 429), "Retry-After", "30")}, nil)
	f := findRule(fs, "rate-limited")
	if f == nil || len(f.Evidence) == 0 || !strings.Contains(f.Evidence[0], "Retry-After: 30") {
		t.Fatalf("evidence should name Retry-After: %+v", f)
	}
}

func TestFindingsAreOrderedBySeverity(t *testing.T) {
	fs := Findings([]har.Entry{
		withStatus(ok200("https://api.example.com/a"), 401),
		withStatus(ok200("https://api.example.com/b"), 500),
	}, nil)
	if len(fs) != 2 || fs[0].Rule != "http-5xx" || fs[1].Rule != "auth-failed" {
		t.Fatalf("want errors first: %v", rules(fs))
	}
}

func findRule(fs []Finding, rule string) *Finding {
	for i := range fs {
		if fs[i].Rule == rule {
			return &fs[i]
		}
	}
	return nil
}

func rules(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

func TestCutsNeverSplitASanitizerTag(t *testing.T) {
	s := "https://app.example.com/cb?state=[REDACTED:secret-param:4eeea546]&x=1"
	for n := 0; n <= len(s); n++ {
		got := s[:safeCut(s, n)]
		if i := strings.LastIndex(got, "["); i >= 0 && !strings.Contains(got[i:], "]") {
			t.Fatalf("cut at %d keeps half a tag: %q", n, got)
		}
		if len(got) > n {
			t.Fatalf("cut at %d keeps %d bytes", n, len(got))
		}
	}
	if got := s[:safeCut(s, 33)]; got != "https://app.example.com/cb?" {
		t.Errorf("a cut after state= keeps %q", got)
	}
	if got := shortURL(s, 50); got != "https://app.example.com/cb?…" {
		t.Errorf("shortURL = %q", got)
	}
	if got := shortURL("https://example.com/ünïcode/path", 16); !strings.HasSuffix(got, "…") || len(got) > 16+len("…") {
		t.Errorf("shortURL = %q", got)
	}
}

// QA: a report that shortened a sanitized JWT after "Bearer" was flagged by
// the sanitizer's recheck ("eyJ…" reads as a token left in place).
func TestCutsNeverShortenASanitizedJWT(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSJ9.[REDACTED:jwt:1a2b3c4d]"
	for _, s := range []string{
		"Authorization: Bearer " + jwt + " and then some text",
		"https://app.example.com/cb?x=1&id_token=" + jwt,
		`{"token":"` + jwt + `"}`,
	} {
		for n := 0; n <= len(s); n++ {
			got := s[:safeCut(s, n)]
			if i := strings.Index(got, "eyJ"); i >= 0 && !strings.Contains(got[i:], "[REDACTED:jwt:1a2b3c4d]") {
				t.Fatalf("cut at %d shortens the JWT: %q", n, got)
			}
			if len(got) > n {
				t.Fatalf("cut at %d keeps %d bytes", n, len(got))
			}
		}
		if got := shortURL(s, len(s)-10); strings.Contains(got, "eyJ") && !strings.Contains(got, "[REDACTED:jwt:1a2b3c4d]") {
			t.Errorf("shortURL shortens the JWT: %q", got)
		}
	}
}

func at(e har.Entry, offsetMs int) har.Entry {
	e.StartedDateTime = t0.Add(time.Duration(offsetMs) * time.Millisecond).Format(time.RFC3339Nano)
	return e
}

// A user who signs in normally three times in one recording went through
// the identity provider three times, in three attempts a minute apart:
// that is not a loop. Three bounces in one redirect chain are, whether the
// chain is known by the browser's request ID or only by its redirects; so
// are three bounces through a SAML form post (each a new navigation) a
// second apart.
func TestSignInLoopsAreCountedPerAttempt(t *testing.T) {
	signIn := func(id string, n, startMs int) []har.Entry {
		var out []har.Entry
		for hop := 1; hop <= n; hop++ {
			cb := "https://app.example.com/sso/callback?code=c" + string(rune('0'+hop))
			out = append(out,
				withRedirect(withStatus(ok200("https://idp.example.com/oauth2/authorize?client_id=app"), 302), cb),
				withRedirect(withStatus(ok200(cb), 302), "https://idp.example.com/oauth2/authorize?client_id=app"))
		}
		out[len(out)-1] = withRedirect(out[len(out)-1], "/home")
		out = append(out, withType(ok200("https://app.example.com/home"), "document"))
		for i := range out {
			out[i].RequestID = id
			out[i] = at(out[i], startMs+i*20)
		}
		return out
	}
	var normal []har.Entry
	for n, id := range []string{"A1", "B2", "C3"} {
		normal = append(normal, signIn(id, 1, 60_000*(n+1))...)
	}
	if f := findRule(Findings(normal, nil), "sso-redirect-loop"); f != nil {
		t.Errorf("three normal sign-ins are reported as a loop: %+v", *f)
	}
	loop := append(signIn("L1", 3, 0), normal...)
	f := findRule(Findings(loop, nil), "sso-redirect-loop")
	if f == nil {
		t.Fatal("three bounces in one chain are not a loop")
	}
	for _, i := range f.Entries {
		if i >= 7 {
			t.Errorf("entry %d (%s) of a normal sign-in is in the loop", i, loop[i].Request.URL)
		}
	}
	if len(f.Entries) != 6 {
		t.Errorf("the loop points at %v, want its 6 bounces", f.Entries)
	}
	// Without request IDs (a HAR from another tool), the redirects link
	// the hops; a relative Location resolves against the hop's URL.
	for i := range loop {
		loop[i].RequestID = ""
	}
	if f := findRule(Findings(loop, nil), "sso-redirect-loop"); f == nil || len(f.Entries) != 6 {
		t.Errorf("without request IDs: %+v, want the 6 bounces", f)
	}
	for i := range normal {
		normal[i].RequestID = ""
	}
	if f := findRule(Findings(normal, nil), "sso-redirect-loop"); f != nil {
		t.Errorf("without request IDs, three normal sign-ins are reported as a loop: %+v", *f)
	}

	// SAML POST binding: the IdP answers a page that posts the assertion
	// to the app's ACS, which redirects to /login, which sends the
	// browser to the IdP again. Every round is a new navigation.
	var saml []har.Entry
	for round := range 3 {
		id := string(rune('a' + round))
		ms := 60_000 + round*1500
		login := withRedirect(withStatus(withType(ok200("https://app.example.com/login"), "document"), 302), "https://idp.example.com/saml2/sso?SAMLRequest=r")
		idp := withType(ok200("https://idp.example.com/saml2/sso?SAMLRequest=r"), "document")
		acs := withRedirect(withStatus(withType(entry("POST", "https://app.example.com/saml/acs", 302, 0, 30), "document"), 302), "https://app.example.com/login")
		login.RequestID, idp.RequestID, acs.RequestID = id+"1", id+"1", id+"2"
		saml = append(saml, at(login, ms), at(idp, ms+100), at(acs, ms+900))
	}
	f = findRule(Findings(saml, nil), "sso-redirect-loop")
	if f == nil || len(f.Entries) != 6 {
		t.Errorf("a SAML form-post loop: %+v, want its 3 visits of /login and of the ACS", f)
	}
}

func onPage(e har.Entry, page string) har.Entry { e.Pageref = page; return e }

// Chromium fails a request it blocks as mixed content with
// net::ERR_BLOCKED_BY_CLIENT, the error of an ad blocker, and names the
// real cause in blockedReason (as it does for CSP and CORP blocks).
func TestABrowserBlockIsNotAContentBlocker(t *testing.T) {
	page := onPage(withType(ok200("https://app.example.com/"), "document"), "page_1")
	mixed := onPage(withBlocked(withError(ok200("http://cdn.example.com/lib.js"), "net::ERR_BLOCKED_BY_CLIENT"), "mixed-content"), "page_1")
	csp := onPage(withBlocked(withError(ok200("https://ads.example.net/x.js"), "net::ERR_BLOCKED_BY_CLIENT"), "csp"), "page_1")
	console := []ConsoleMessage{{Level: "error", Source: "network", Text: "Failed to load resource: net::ERR_BLOCKED_BY_CLIENT", URL: "http://cdn.example.com/lib.js"}}
	fs := Findings([]har.Entry{page, mixed, csp}, console)
	if f := findRule(fs, "blocked-by-client"); f != nil {
		t.Errorf("the browser's own blocks are reported as a content blocker: %+v", *f)
	}
	if f := findRule(fs, "mixed-content"); f == nil || len(f.Entries) != 1 || f.Entries[0] != 1 {
		t.Errorf("mixed-content: %+v, want the blocked script", f)
	}
	// An extension's block: blockedReason "other" (or none, in a HAR of
	// another tool) with the same error.
	ext := onPage(withBlocked(withError(ok200("https://ads.example.net/ad.js"), "net::ERR_BLOCKED_BY_CLIENT"), "other"), "page_1")
	bare := onPage(withError(ok200("https://ads.example.net/ad2.js"), "net::ERR_BLOCKED_BY_CLIENT"), "page_1")
	if f := findRule(Findings([]har.Entry{page, ext, bare}, nil), "blocked-by-client"); f == nil || len(f.Entries) != 2 {
		t.Errorf("blocked-by-client: %+v, want the extension's two blocks", f)
	}
}

// A plain-HTTP request of a plain-HTTP page is not mixed content, even in
// a recording that also has an HTTPS page.
func TestMixedContentLooksAtTheRequestsOwnPage(t *testing.T) {
	entries := []har.Entry{
		onPage(withType(ok200("http://intranet.example.com/"), "document"), "page_1"),
		onPage(ok200("http://intranet.example.com/api/list"), "page_1"),
		onPage(withRedirect(withStatus(withType(ok200("http://app.example.com/"), "document"), 301), "https://app.example.com/"), "page_2"),
		onPage(withType(ok200("https://app.example.com/"), "document"), "page_2"),
		onPage(ok200("http://cdn.example.com/pixel.gif"), "page_2"),
	}
	f := findRule(Findings(entries, nil), "mixed-content")
	if f == nil || len(f.Entries) != 1 || f.Entries[0] != 4 {
		t.Errorf("mixed-content: %+v, want only the HTTP image of the HTTPS page (entry 4)", f)
	}
}
