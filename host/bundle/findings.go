package bundle

import (
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/reprokit/reprokit/host/har"
)

// Severity orders findings: errors first.
type Severity string

// The severities of a finding.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

// Finding is one automatic diagnosis: a rule that matched, the entries (and
// console messages) that show it, and one line of advice.
type Finding struct {
	// Rule is the stable ID of the rule (see [Rules]).
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Advice   string   `json:"advice"`
	// Entries are indexes into session.har's log.entries.
	Entries []int `json:"entries,omitempty"`
	// Console are indexes into console.json's messages.
	Console []int `json:"console,omitempty"`
	// Evidence is one line per entry or message shown (at most 5).
	Evidence []string `json:"evidence,omitempty"`
}

// Rule is one finding rule: a stable ID, its severity, a title and the one
// line of advice shown with it.
type Rule struct {
	ID       string
	Severity Severity
	Title    string
	Advice   string
}

// Rules is the whole table of finding rules. IDs are stable: bundles, the
// report and support tooling refer to them, and `--allow` does not use them
// (that is the sanitizer's rules).
var Rules = []Rule{
	{"upload-too-large", SeverityError, "Upload too large",
		"The upload was refused for its size (limit is often 20 MB): compress or split the file, or share it as a cloud link."},
	{"blocked-by-client", SeverityWarning, "Request blocked by an extension or content blocker",
		"An ad blocker, privacy extension or security software blocked the request: allow the site in it or try a private window without extensions."},
	{"proxy-or-firewall", SeverityWarning, "Proxy, VPN or firewall in the way",
		"A proxy, VPN or firewall failed or refused the connection: try another network or ask IT to allow the site."},
	{"tls-interception", SeverityWarning, "TLS interception (untrusted certificate authority)",
		"The certificate was issued by an untrusted authority, which suggests a proxy or antivirus inspecting HTTPS: ask IT to exempt the site."},
	{"dns-failure", SeverityError, "DNS failure",
		"The host name could not be resolved: check the network, VPN or DNS settings, and the spelling of the address."},
	{"connection-failure", SeverityError, "Connection failed",
		"The server could not be reached (refused, reset or timed out): check the service status, then the network, VPN or firewall."},
	{"offline", SeverityError, "Browser offline",
		"The browser reported no internet connection: reconnect and try again."},
	{"page-load-failed", SeverityError, "Page could not load",
		"The browser could not load the page at all; the error says why (an unsafe port, a bad address, a refused connection): check the address and that the service is up."},
	{"cors-error", SeverityError, "CORS error",
		"The browser blocked a cross-origin response: the server's CORS headers do not allow this origin (a server or proxy configuration issue)."},
	{"http-5xx", SeverityError, "Server error (HTTP 5xx)",
		"The server failed: share the request IDs with the service's support; retrying later may work."},
	{"rate-limited", SeverityWarning, "Rate limited (HTTP 429)",
		"Too many requests: wait for the time in Retry-After before retrying, or reduce the request rate."},
	{"auth-failed", SeverityWarning, "Not authenticated or not allowed (HTTP 401/403)",
		"The session expired or the account lacks access: sign out and in again, and check the account, plan and workspace."},
	{"sso-redirect-loop", SeverityError, "Sign-in redirect loop",
		"The browser bounced between the app and the identity provider: clear the site's cookies, and check that the right account and domain are used."},
	{"sso-error", SeverityError, "Single sign-on error",
		"The identity provider returned an error (for example access_denied or “No accounts found”): sign in with the right Microsoft/Google account, or ask the admin whether the domain changed."},
	{"websocket-abnormal-close", SeverityWarning, "WebSocket closed abnormally",
		"A live connection dropped without a clean close: a proxy, VPN or firewall may cut long-lived connections."},
	{"slow-request", SeverityWarning, "Slow request (over 10 s)",
		"A request took more than 10 seconds: check the network and the service status; share the request IDs."},
	{"mixed-content", SeverityWarning, "Mixed content",
		"A secure page loaded or tried to load plain-HTTP content, which browsers block: the site must use HTTPS for every resource."},
	{"exception-near-failure", SeverityError, "Uncaught exception near a failed request",
		"The page threw an error around the time a request failed: the app may not handle that failure; share the console and the request IDs."},
	{"csp-violation", SeverityError, "Blocked by the page's Content-Security-Policy",
		"The page's Content-Security-Policy blocked a script or a connection, so the feature that needs it does nothing: the site must allow it in its policy; if an extension or proxy rewrites the page, try without it."},
	{"uncaught-exception", SeverityError, "Uncaught exception broke the page",
		"The page's own code threw an error right after the user's action or while the page loaded, with no failed request to explain it: an application bug; share the console (with its stack) and the steps."},
	{"request-timeout", SeverityError, "Request timed out (aborted by the page)",
		"The page gave up on a request after its own time limit: the server or the network was too slow; check the service status and share the request IDs and times."},
}

var ruleByID = func() map[string]Rule {
	m := make(map[string]Rule, len(Rules))
	for _, r := range Rules {
		m[r.ID] = r
	}
	return m
}()

// Thresholds of the rules.
const (
	uploadLimit    = 20 << 20 // bytes; "uploads fail above 20 MB"
	slowMillis     = 10_000
	nearMillis     = 5_000 // an exception this long after a failure is "near"
	afterMillis    = 1_000 // … or a failure that starts this soon after it
	maxEvidence    = 5
	ssoLoopVisits  = 3      // the same sign-in URL this many times in one chain
	ssoLoopGap     = 10_000 // ms; visits this close belong to one sign-in attempt
	maxLoopEntries = 20
)

var (
	tooLargeText = regexp.MustCompile(`(?i)(file|upload|attachment|payload|request entity|body)[^.\n]{0,40}(too large|too big|exceeds|over the (size )?limit)|maximum (file|upload) size|413`)
	corsText     = regexp.MustCompile(`(?i)blocked by CORS policy|Cross-Origin Request Blocked|CORS (header|request)`)
	wsFailText   = regexp.MustCompile(`(?i)WebSocket connection to '([^']+)' failed`)
	mixedText    = regexp.MustCompile(`(?i)Mixed Content`)
	quotedURL    = regexp.MustCompile(`'((?:https?|wss?)://[^']+)'`)
)

// identityHosts are hosts and paths of identity providers; a redirect loop
// through one of them is a sign-in problem.
var identityHosts = []string{
	"login.microsoftonline.com", "login.live.com", "login.windows.net", "accounts.google.com",
	"okta.com", "oktapreview.com", "auth0.com", "onelogin.com", "pingidentity.com", "duosecurity.com",
	"appleid.apple.com", "github.com/login", "cognito", "keycloak", "/adfs/", "/saml", "/oauth", "/oidc",
	"/authorize", "/sso", "/login", "/signin", "/auth/",
}

// callbackPath matches the paths of OAuth, OIDC and SAML callbacks.
var callbackPath = regexp.MustCompile(`(?i)callback|/oauth|/oidc|/saml|/sso|/auth|/login|/signin|/acs|redirect`)

// Findings runs every rule over the entries, console messages and the
// user's steps (any may be empty) and returns the findings, most severe
// first. Entry indexes are positions in entries. Without steps,
// uncaught-exception judges exceptions by page loads only.
func Findings(entries []har.Entry, console []ConsoleMessage, steps ...Step) []Finding {
	infos := make([]entryInfo, len(entries))
	for i := range entries {
		infos[i] = newEntryInfo(&entries[i])
	}
	return findings(infos, console, steps)
}

type findingSet struct {
	byRule map[string]*Finding
	order  []string
}

func (fs *findingSet) add(rule string, entry int, consoleIdx int, line string) {
	if fs.byRule == nil {
		fs.byRule = map[string]*Finding{}
	}
	f := fs.byRule[rule]
	if f == nil {
		r := ruleByID[rule]
		f = &Finding{Rule: r.ID, Severity: r.Severity, Title: r.Title, Advice: r.Advice}
		fs.byRule[rule] = f
		fs.order = append(fs.order, rule)
	}
	if entry >= 0 {
		for _, x := range f.Entries {
			if x == entry {
				return
			}
		}
		f.Entries = append(f.Entries, entry)
	}
	if consoleIdx >= 0 {
		for _, x := range f.Console {
			if x == consoleIdx {
				return
			}
		}
		f.Console = append(f.Console, consoleIdx)
	}
	if len(f.Evidence) < maxEvidence && line != "" {
		f.Evidence = append(f.Evidence, line)
	}
}

// setAdvice replaces the advice of rule's finding, if there is one, with
// advice that names what this recording shows.
func (fs *findingSet) setAdvice(rule, advice string) {
	if f := fs.byRule[rule]; f != nil {
		f.Advice = advice
	}
}

func (fs *findingSet) list() []Finding {
	out := make([]Finding, 0, len(fs.order))
	for _, id := range fs.order {
		out = append(out, *fs.byRule[id])
	}
	ruleIndex := map[string]int{}
	for i, r := range Rules {
		ruleIndex[r.ID] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := out[i].Severity.rank(), out[j].Severity.rank(); a != b {
			return a < b
		}
		return ruleIndex[out[i].Rule] < ruleIndex[out[j].Rule]
	})
	return out
}

func findings(infos []entryInfo, console []ConsoleMessage, steps []Step) []Finding {
	var fs findingSet
	byURL := map[string][]int{}
	for i := range infos {
		byURL[infos[i].e.Request.URL] = append(byURL[infos[i].e.Request.URL], i)
	}
	securePage := securePages(infos)

	for i := range infos {
		in := &infos[i]
		e := in.e
		line := entryLine(e, in.errText)
		status := e.Response.Status
		errU := strings.ToUpper(in.errText)

		if status == 413 || requestBodySize(e) > uploadLimit {
			fs.add("upload-too-large", i, -1, line)
		}
		if blockedByClient(e, errU) {
			fs.add("blocked-by-client", i, -1, line)
		}
		if strings.Contains(errU, "ERR_PROXY_") || strings.Contains(errU, "ERR_TUNNEL_") ||
			strings.Contains(errU, "ERR_MANDATORY_PROXY") || strings.Contains(errU, "ERR_HTTPS_PROXY") ||
			strings.Contains(errU, "ERR_SOCKS_") || status == 407 {
			fs.add("proxy-or-firewall", i, -1, line)
		}
		if strings.Contains(errU, "ERR_CERT_AUTHORITY_INVALID") || strings.Contains(errU, "SEC_ERROR_UNKNOWN_ISSUER") {
			fs.add("tls-interception", i, -1, line)
		}
		if strings.Contains(errU, "ERR_NAME_NOT_RESOLVED") || strings.Contains(errU, "ERR_NAME_RESOLUTION_FAILED") ||
			strings.Contains(errU, "ERR_DNS_") || strings.Contains(errU, "NS_ERROR_UNKNOWN_HOST") {
			fs.add("dns-failure", i, -1, line)
		}
		if strings.Contains(errU, "ERR_CONNECTION_") || strings.Contains(errU, "ERR_ADDRESS_UNREACHABLE") ||
			strings.Contains(errU, "ERR_EMPTY_RESPONSE") || strings.Contains(errU, "ERR_TIMED_OUT") ||
			strings.Contains(errU, "ERR_SOCKET_NOT_CONNECTED") || strings.Contains(errU, "NS_ERROR_CONNECTION_REFUSED") ||
			strings.Contains(errU, "NS_ERROR_NET_RESET") || strings.Contains(errU, "NS_ERROR_NET_TIMEOUT") {
			fs.add("connection-failure", i, -1, line)
		}
		if strings.Contains(errU, "ERR_INTERNET_DISCONNECTED") || strings.Contains(errU, "NS_ERROR_OFFLINE") {
			fs.add("offline", i, -1, line)
		}
		// a document that failed with a network error (not one the user
		// or the page cancelled, not a blocked one named above)
		if in.kind == "document" && errU != "" && status <= 0 && !strings.Contains(errU, "ERR_ABORTED") && !blockedByClient(e, errU) {
			fs.add("page-load-failed", i, -1, line)
		}
		if e.CorsError != "" || strings.Contains(strings.ToLower(e.BlockedReason), "cors") {
			fs.add("cors-error", i, -1, line)
		}
		if status >= 500 && status <= 599 {
			fs.add("http-5xx", i, -1, line)
		}
		if status == 429 {
			l := line
			if ra := headerValue(e.Response.Headers, "retry-after"); ra != "" {
				l += " (Retry-After: " + ra + ")"
			}
			fs.add("rate-limited", i, -1, l)
		}
		if status == 401 || status == 403 {
			fs.add("auth-failed", i, -1, line)
		}
		if ssoError(e.Request.URL) || ssoError(e.Response.RedirectURL) {
			fs.add("sso-error", i, -1, line)
		}
		if in.kind == "websocket" && wsAbnormal(e, in.errText) {
			l := line
			if c := e.WebSocketClose; c != nil && c.Error != "" {
				l = "WebSocket " + shortURL(e.Request.URL, 120) + " → " + c.Error
			}
			fs.add("websocket-abnormal-close", i, -1, l)
		}
		if in.kind != "websocket" && in.kind != "eventsource" && e.Time > slowMillis {
			fs.add("slow-request", i, -1, line+" in "+secs(e.Time))
		}
		// A plain-HTTP document is a navigation (the first hop of an
		// upgrade to HTTPS, say), not content of a secure page; a frame
		// that a secure page loads over HTTP is blocked and named so.
		if strings.EqualFold(e.BlockedReason, "mixed-content") ||
			(in.kind != "document" && securePage(in) && strings.HasPrefix(e.Request.URL, "http:") && !isLoopback(in.host)) {
			fs.add("mixed-content", i, -1, line)
		}
	}
	ssoLoops(infos, &fs)
	timedOut := requestTimeouts(infos, console, &fs)
	pages := newTopPages(infos)
	// explained: exceptions that a failed request or a CSP block explains
	// (uncaught-exception is for the others).
	explained := map[int]bool{}

	// Console evidence: messages name URLs; link them to entries.
	// blockedByBrowser: a console line about a request that the browser
	// itself blocked (its entry names another reason).
	blockedByBrowser := func(u string) bool {
		for _, i := range byURL[u] {
			if r := infos[i].e.BlockedReason; r != "" && !clientBlockReason(r) {
				return true
			}
		}
		return false
	}
	for ci := range console {
		c := &console[ci]
		text := c.Text
		line := shortURL(strings.TrimSpace(firstLine(text)), 160)
		linked := func() []int {
			var out []int
			for _, m := range quotedURL.FindAllStringSubmatch(text, 4) {
				out = append(out, byURL[m[1]]...)
			}
			return out
		}
		if c.isError() && tooLargeText.MatchString(text) {
			fs.add("upload-too-large", -1, ci, line)
		}
		if strings.Contains(text, "ERR_BLOCKED_BY_CLIENT") && !blockedByBrowser(c.URL) {
			fs.add("blocked-by-client", -1, ci, line)
		}
		if corsText.MatchString(text) {
			fs.add("cors-error", -1, ci, line)
			for _, i := range linked() {
				fs.add("cors-error", i, -1, "")
			}
		}
		if wsFailText.MatchString(text) {
			ents := linked()
			if m := wsFailText.FindStringSubmatch(text); m != nil {
				ents = append(ents, byURL[m[1]]...)
			}
			fs.add("websocket-abnormal-close", -1, ci, line)
			for _, i := range ents {
				fs.add("websocket-abnormal-close", i, -1, "")
			}
		}
		if mixedText.MatchString(text) {
			fs.add("mixed-content", -1, ci, line)
		}
		if strings.Contains(text, "ERR_INTERNET_DISCONNECTED") {
			fs.add("offline", -1, ci, line)
		}
		if c.isException() && c.Time != 0 {
			var near []int
			for i := range infos {
				in := &infos[i]
				if !in.failed || in.startMs == 0 {
					continue
				}
				// The page (or the browser) cancelled it: not a failure,
				// unless the page's timeout ran out. A CSP block is
				// csp-violation's, with the exceptions it causes.
				if isAbort(in.errText) && !timedOut[i] || strings.EqualFold(in.e.BlockedReason, "csp") {
					continue
				}
				// The failure ends up to 5 s before the exception (its
				// handler threw) or up to 1 s after it (the exception
				// interrupted the request), on the same page: a request
				// of the previous page is not this page's to handle.
				end := in.startMs + max(in.e.Time, 0)
				t := float64(c.Time)
				if end >= t-nearMillis && in.startMs <= t+afterMillis && pages.of(c) == pages.at(in.startMs) {
					near = append(near, i)
				}
			}
			if len(near) > 0 {
				explained[ci] = true
				fs.add("exception-near-failure", -1, ci, line)
				for _, i := range near {
					fs.add("exception-near-failure", i, -1, "")
				}
			}
		}
	}
	// An exception shortly after a CSP block is its consequence (the
	// blocked script defined what the page then misses).
	blocks := cspViolations(infos, console, byURL, &fs)
	for ci := range console {
		c := &console[ci]
		if explained[ci] || !c.isException() || c.Time == 0 {
			continue
		}
		for _, b := range blocks {
			if d := float64(c.Time - console[b].Time); d >= 0 && d <= cspCauseWindow && pages.of(c) == pages.of(&console[b]) {
				explained[ci] = true
				fs.add("csp-violation", -1, ci, "then: "+shortURL(strings.TrimSpace(firstLine(c.Text)), 140))
				break
			}
		}
	}
	uncaughtExceptions(infos, console, steps, explained, &fs)
	return fs.list()
}

// blockedByClient reports a request that an extension, a content blocker
// or DevTools request blocking stopped. Chromium fails its own blocks
// (mixed content, CSP, CORP, COEP) with the same net::ERR_BLOCKED_BY_CLIENT
// and names the cause in blockedReason: those are not the client's.
func blockedByClient(e *har.Entry, errU string) bool {
	if e.BlockedReason != "" {
		return clientBlockReason(e.BlockedReason) &&
			(strings.Contains(errU, "ERR_BLOCKED_BY_CLIENT") || !strings.EqualFold(e.BlockedReason, "other"))
	}
	return strings.Contains(errU, "ERR_BLOCKED_BY_CLIENT")
}

// clientBlockReason reports a CDP blockedReason that a client-side blocker
// gives: "other" (an extension), "inspector" (DevTools request blocking),
// "subresource-filter" (Chrome's ad filter).
func clientBlockReason(r string) bool {
	switch strings.ToLower(r) {
	case "other", "inspector", "subresource-filter":
		return true
	}
	return false
}

// securePages returns whether an entry belongs to an HTTPS page: its page
// (pageref) was loaded over HTTPS, judged by the page's first document
// that is not a redirect. An entry with no page counts as secure when any
// document of the recording was.
func securePages(infos []entryInfo) func(*entryInfo) bool {
	byPage := map[string]bool{}
	any := false
	for i := range infos {
		in := &infos[i]
		if in.kind != "document" || isRedirect(in.e) {
			continue
		}
		https := strings.HasPrefix(in.e.Request.URL, "https:")
		any = any || https
		if _, seen := byPage[in.e.Pageref]; !seen && in.e.Pageref != "" {
			byPage[in.e.Pageref] = https
		}
	}
	return func(in *entryInfo) bool {
		if secure, ok := byPage[in.e.Pageref]; ok {
			return secure
		}
		return in.e.Pageref == "" && any
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func secs(ms float64) string {
	return strconv.FormatFloat(ms/1000, 'f', 1, 64) + " s"
}

func isLoopback(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasPrefix(host, "127.") || host == "::1" || host == "[::1]"
}

func wsAbnormal(e *har.Entry, errText string) bool {
	if errText != "" {
		return true
	}
	if c := e.WebSocketClose; c != nil && c.Error != "" {
		return true
	}
	s := e.Response.Status
	return s != 0 && s != 101 && !e.Incomplete
}

// ssoError reports an OAuth, OIDC or SAML callback URL that carries an
// error, in its query or its fragment.
func ssoError(raw string) bool {
	if raw == "" {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	check := func(v url.Values) bool {
		if v.Get("error") == "" && v.Get("error_description") == "" && v.Get("error_code") == "" {
			return false
		}
		desc := strings.ToLower(v.Get("error_description") + " " + v.Get("error"))
		return callbackPath.MatchString(u.Path) || v.Get("state") != "" || strings.Contains(desc, "no accounts found") ||
			strings.Contains(desc, "access_denied") || strings.Contains(desc, "consent") || strings.Contains(desc, "login_required")
	}
	if check(u.Query()) {
		return true
	}
	if u.Fragment != "" {
		if v, err := url.ParseQuery(u.Fragment); err == nil && check(v) {
			return true
		}
	}
	return false
}

// ssoLoops finds sign-in attempts that visit the same sign-in URL (host and
// path) three times or more: a redirect loop through an identity provider.
// An attempt is a redirect chain, joined with the visits of the same URL
// that follow each other within 10 s: a loop through a SAML form post or a
// script is a new navigation each time round, and it bounces that fast. A
// user who signs in normally several times in one recording makes several
// attempts, none of them a loop.
func ssoLoops(infos []entryInfo, fs *findingSet) {
	group := redirectChains(infos)
	byKey := map[string][]int{}
	var keys []string
	for i := range infos {
		e := infos[i].e
		if !isRedirect(e) {
			continue
		}
		u, err := url.Parse(e.Request.URL)
		if err != nil {
			continue
		}
		key := strings.ToLower(u.Host + u.Path)
		if !isIdentityURL(key) {
			if t, err := url.Parse(e.Response.RedirectURL); err != nil || !isIdentityURL(strings.ToLower(t.Host+t.Path)) {
				continue
			}
		}
		if _, ok := byKey[key]; !ok {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], i)
	}
	for _, k := range keys {
		v := byKey[k]
		sort.SliceStable(v, func(a, b int) bool { return infos[v[a]].startMs < infos[v[b]].startMs })
		for n := 1; n < len(v); n++ {
			prev, cur := &infos[v[n-1]], &infos[v[n]]
			if cur.startMs-(prev.startMs+max(prev.e.Time, 0)) <= ssoLoopGap {
				group.union(v[n-1], v[n])
			}
		}
	}
	type visit struct {
		group int
		key   string
	}
	visits := map[visit][]int{}
	var order []visit
	for _, k := range keys {
		for _, i := range byKey[k] {
			vk := visit{group.root(i), k}
			if _, ok := visits[vk]; !ok {
				order = append(order, vk)
			}
			visits[vk] = append(visits[vk], i)
		}
	}
	for _, vk := range order {
		v := visits[vk]
		if len(v) < ssoLoopVisits {
			continue
		}
		for n, i := range v {
			if n >= maxLoopEntries {
				break
			}
			line := ""
			if n == 0 {
				line = entryLine(infos[i].e, "") + " (visited " + strconv.Itoa(len(v)) + " times)"
			}
			fs.add("sso-redirect-loop", i, -1, line)
		}
	}
}

// entryGroups is a union-find over entry indexes.
type entryGroups []int

func newEntryGroups(n int) entryGroups {
	g := make(entryGroups, n)
	for i := range g {
		g[i] = i
	}
	return g
}

func (g entryGroups) root(i int) int {
	for g[i] != i {
		g[i] = g[g[i]]
		i = g[i]
	}
	return i
}

func (g entryGroups) union(a, b int) { g[g.root(b)] = g.root(a) }

// redirectChains groups the hops of each redirect chain. Hops are linked by the request ID that the
// browser keeps across a chain (`_requestId`, written by Reprokit), or,
// in HARs without it, from a redirect to the next entry that requests the
// URL it redirected to.
func redirectChains(infos []entryInfo) entryGroups {
	g := newEntryGroups(len(infos))
	union := g.union

	byID := map[string]int{}
	waiting := map[string][]int{}       // redirect target URL -> hops that sent the browser there
	claimed := make([]bool, len(infos)) // linked to its chain by request ID
	for i := range infos {
		e := infos[i].e
		if id := e.RequestID; id != "" {
			if j, ok := byID[id]; ok && isRedirect(infos[j].e) {
				union(j, i)
				claimed[i] = true
				if from := waiting[e.Request.URL]; len(from) > 0 {
					waiting[e.Request.URL] = slices.DeleteFunc(from, func(x int) bool { return x == j })
				}
			}
			byID[id] = i
		}
		if from := waiting[e.Request.URL]; !claimed[i] && len(from) > 0 {
			union(from[0], i)
			waiting[e.Request.URL] = from[1:]
		}
		if isRedirect(e) && e.Response.RedirectURL != "" {
			to := e.Response.RedirectURL
			if base, err := url.Parse(e.Request.URL); err == nil {
				if ref, err := base.Parse(to); err == nil {
					to = ref.String()
				}
			}
			waiting[to] = append(waiting[to], i)
		}
	}
	return g
}

func isRedirect(e *har.Entry) bool {
	return e.Response.Status >= 300 && e.Response.Status <= 399
}

func isIdentityURL(hostPath string) bool {
	for _, h := range identityHosts {
		if strings.Contains(hostPath, h) {
			return true
		}
	}
	return false
}
