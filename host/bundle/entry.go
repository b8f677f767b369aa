package bundle

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/reprokit/reprokit/host/har"
)

// entryInfo is what the findings, request IDs, budget and report need to know
// about one HAR entry, computed once.
type entryInfo struct {
	e       *har.Entry
	start   time.Time // zero when startedDateTime does not parse
	startMs float64   // milliseconds since the epoch, 0 when unknown
	errText string    // net::ERR_… or a Firefox/Playwright error text
	host    string
	kind    string // normalized resource type: document, script, stylesheet, image, font, media, xhr, fetch, websocket, eventsource, other
	failed  bool
}

func newEntryInfo(e *har.Entry) entryInfo {
	in := entryInfo{e: e}
	if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
		in.start = t
		in.startMs = float64(t.UnixNano()) / 1e6
	}
	in.errText = e.Error
	if in.errText == "" {
		in.errText = e.Response.Error
	}
	if u, err := url.Parse(e.Request.URL); err == nil {
		in.host = strings.ToLower(u.Hostname())
	}
	in.kind = resourceKind(e)
	in.failed = entryFailed(e, in.errText)
	return in
}

// entryFailed reports whether an entry is a failed request: an HTTP error, a
// network error, a CORS or client block, or no response at all.
func entryFailed(e *har.Entry, errText string) bool {
	if errText != "" || e.CorsError != "" || e.BlockedReason != "" {
		return true
	}
	if e.WebSocketClose != nil && e.WebSocketClose.Error != "" {
		return true
	}
	s := e.Response.Status
	if s >= 400 {
		return true
	}
	return s <= 0 && !e.Incomplete
}

// resourceKind normalizes the DevTools resource type, falling back on the
// MIME type and the URL scheme for HARs without `_resourceType` (Firefox,
// Playwright).
func resourceKind(e *har.Entry) string {
	rt := strings.ToLower(e.ResourceType)
	switch rt {
	case "document", "script", "stylesheet", "image", "font", "media", "xhr", "fetch", "websocket", "eventsource", "manifest", "ping", "preflight", "texttrack", "other":
		return rt
	case "":
	default:
		return "other"
	}
	u := strings.ToLower(e.Request.URL)
	if strings.HasPrefix(u, "ws:") || strings.HasPrefix(u, "wss:") || len(e.WebSocketMessages) > 0 {
		return "websocket"
	}
	mt := strings.ToLower(e.Response.Content.MimeType)
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	mt = strings.TrimSpace(mt)
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		return "document"
	case strings.Contains(mt, "javascript") || mt == "text/ecmascript":
		return "script"
	case mt == "text/css":
		return "stylesheet"
	case strings.HasPrefix(mt, "image/"):
		return "image"
	case strings.HasPrefix(mt, "font/") || strings.Contains(mt, "font"):
		return "font"
	case strings.HasPrefix(mt, "audio/") || strings.HasPrefix(mt, "video/"):
		return "media"
	case mt == "text/event-stream":
		return "eventsource"
	case strings.Contains(mt, "json") || strings.Contains(mt, "xml"):
		return "fetch"
	}
	return "other"
}

// headerValue returns the first header with the name (case-insensitive).
func headerValue(h []har.NameValue, name string) string {
	for _, nv := range h {
		if strings.EqualFold(nv.Name, name) {
			return nv.Value
		}
	}
	return ""
}

// requestBodySize is the size of the request body in bytes as recorded.
func requestBodySize(e *har.Entry) int64 {
	n := e.Request.BodySize
	if pd := e.Request.PostData; pd != nil {
		l := int64(len(pd.Text))
		if pd.Encoding == "base64" {
			l = l * 3 / 4
		}
		n = max(n, l)
	}
	return n
}

// shortURL cuts a URL for one line of text (see [safeCut]).
func shortURL(u string, n int) string {
	if len(u) <= n {
		return u
	}
	cut := safeCut(u, n-1)
	// In the query or fragment, keep whole name=value pairs: a name left
	// with a cut value ("state=…") reads as a secret left in place.
	if q := strings.IndexAny(u, "?#"); q >= 0 && q < cut {
		if i := strings.LastIndexAny(u[:cut], "?#&;"); i >= q {
			cut = i + 1
		}
	}
	return u[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// safeCut returns where to cut s to keep at most n bytes: at a rune
// boundary, and never inside a sanitizer tag ("[REDACTED:kind:1a2b3c4d]"):
// half a tag is no longer a tag, and the verifier would see the text around
// it as a secret left in place.
func safeCut(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	if n < 0 {
		return 0
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	const tag = "[REDACTED:"
	// A tag is short: look back a little for one that the cut would split.
	from := max(0, cut-96)
	if i := strings.LastIndex(s[from:cut], tag[:1]); i >= 0 {
		start := from + i
		rest := s[start:min(len(s), start+128)]
		if strings.HasPrefix(tag, rest[:min(len(rest), len(tag))]) || strings.HasPrefix(rest, tag) {
			if end := strings.IndexByte(rest, ']'); end < 0 || start+end >= cut {
				cut = start
			}
		}
	}
	// Never cut inside a JWT: the sanitizer keeps a JWT's harmless header
	// and payload before its tag ("eyJ….eyJ….[REDACTED:jwt:…]"), and a
	// shortened "eyJ…" reads as a token left in place. Keep it whole or not
	// at all.
	if cut > 0 && cut < len(s) && tokenByte(s[cut]) || cut > 0 && cut < len(s) && s[cut] == '[' && tokenByte(s[cut-1]) {
		start := cut
		for start > 0 && cut-start < 8<<10 && tokenByte(s[start-1]) {
			start--
		}
		// The JWT starts at an "eyJ" that follows no token character but
		// a separator such as '=' or a space.
		region := s[start:min(len(s), cut+2)]
		for j := strings.LastIndex(region, "eyJ"); j >= 0; j = strings.LastIndex(region[:j], "eyJ") {
			at := start + j
			if at < cut && (at == 0 || !b64urlByte(s[at-1]) && s[at-1] != '.') {
				cut = at
				break
			}
		}
	}
	// Do not end on "name=": the value would look cut off, not redacted.
	if cut > 0 && s[cut-1] == '=' {
		if i := strings.LastIndexAny(s[max(0, cut-256):cut-1], "&?;# \n\t,{\"'"); i >= 0 {
			cut = max(0, cut-256) + i + 1
		}
	}
	return cut
}

// tokenByte reports a byte of a base64url token or of a JWT's dotted parts.
func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '=' || c == '+' || c == '/'
}

func b64urlByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// entryLine is a one-line description of an entry for findings and text.
func entryLine(e *har.Entry, errText string) string {
	var b strings.Builder
	b.WriteString(e.Request.Method)
	b.WriteByte(' ')
	b.WriteString(shortURL(e.Request.URL, 120))
	b.WriteString(" → ")
	switch {
	case e.Response.Status > 0:
		b.WriteString(strconv.Itoa(e.Response.Status))
		if e.Response.StatusText != "" {
			b.WriteByte(' ')
			b.WriteString(e.Response.StatusText)
		}
		if errText != "" {
			b.WriteString(" (" + errText + ")")
		}
	case errText != "":
		b.WriteString(errText)
	case e.CorsError != "":
		b.WriteString("CORS " + e.CorsError)
	case e.Incomplete:
		b.WriteString("no response (still in flight at stop)")
	default:
		b.WriteString("no response")
	}
	return b.String()
}
