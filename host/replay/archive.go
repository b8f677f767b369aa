package replay

import (
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/reprokit/reprokit/host/har"
)

// Archive is a recording indexed for serving: every HAR entry with its
// request pre-parsed (URL key, sorted query, normalized body, the headers the
// tie-break looks at) so that matching one browser request costs a map look-up
// and a few small comparisons. An Archive also remembers which entries it has
// served, which makes matching sequence-aware; use one Archive per replay.
//
// Archive is not safe for concurrent use; [Matcher] serializes access.
type Archive struct {
	// Entries are the recorded exchanges in recorded order. Websocket
	// entries are kept too (their Socket flag is set); HTTP matching skips
	// them and the websocket player uses them.
	Entries []*Recorded

	byKey      map[string][]int // "METHOD scheme://host/path" -> entry indexes
	redacted   map[string][]int // "METHOD scheme://host" -> entries whose path holds a redaction
	volatileBy map[string]map[string]bool
	paths      map[string]bool // origin+path of every entry
}

// Recorded is one recorded exchange with its request pre-parsed for matching.
type Recorded struct {
	// Index is the position of the entry in the HAR's entries.
	Index int
	// Entry is the HAR entry as read.
	Entry *har.Entry
	// Socket is true for a websocket entry.
	Socket bool

	method  string
	key     string
	origin  string
	path    string
	query   []param
	body    body
	tieHdrs map[string]string
	// served is written by the matcher and read by the report while
	// an open replay still serves: atomic.
	served   atomic.Int64
	hasRedac bool
}

// Served reports how many times the entry has been served in this replay.
func (r *Recorded) Served() int { return int(r.served.Load()) }

// param is one decoded name=value of a query string or a urlencoded form.
type param struct{ name, value string }

// NewArchive indexes the entries of a HAR for replay. Entries without a
// usable URL are kept (so indexes stay those of the HAR) but never match.
func NewArchive(h *har.HAR) *Archive {
	a := &Archive{
		byKey:      map[string][]int{},
		redacted:   map[string][]int{},
		volatileBy: map[string]map[string]bool{},
		paths:      map[string]bool{},
	}
	for i := range h.Log.Entries {
		e := &h.Log.Entries[i]
		r := &Recorded{Index: i, Entry: e}
		a.Entries = append(a.Entries, r)
		u, err := url.Parse(e.Request.URL)
		if err != nil || u.Host == "" {
			continue
		}
		r.Socket = isSocketEntry(e, u)
		r.method = strings.ToUpper(e.Request.Method)
		if r.method == "" {
			r.method = "GET"
		}
		r.origin, r.path = originPath(u)
		r.key = r.method + " " + r.origin + r.path
		a.paths[r.origin+r.path] = true
		r.query = parseQuery(u.RawQuery)
		r.body = recordedBody(e.Request.PostData, headerValue(e.Request.Headers, "content-type"))
		r.tieHdrs = tieHeaders(e.Request.Headers)
		r.hasRedac = strings.Contains(r.path, redactionMark)
		if r.hasRedac {
			k := r.method + " " + r.origin
			a.redacted[k] = append(a.redacted[k], i)
		} else {
			a.byKey[r.key] = append(a.byKey[r.key], i)
		}
	}
	a.learnVolatile()
	return a
}

// learnVolatile marks, per URL key, the query parameters whose recorded
// values differ between entries of that key and look generated (timestamps,
// UUIDs, random numbers): a later request will carry yet another value.
func (a *Archive) learnVolatile() {
	for key, idx := range a.byKey {
		if len(idx) < 2 {
			continue
		}
		values := map[string]map[string]bool{}
		for _, i := range idx {
			for _, p := range a.Entries[i].query {
				if values[p.name] == nil {
					values[p.name] = map[string]bool{}
				}
				values[p.name][p.value] = true
			}
		}
		for name, vs := range values {
			if len(vs) < 2 {
				continue
			}
			all := true
			for v := range vs {
				if !looksGenerated(v) {
					all = false
					break
				}
			}
			if all {
				if a.volatileBy[key] == nil {
					a.volatileBy[key] = map[string]bool{}
				}
				a.volatileBy[key][name] = true
			}
		}
	}
}

// Sockets returns the websocket entries in recorded order.
func (a *Archive) Sockets() []*Recorded {
	var out []*Recorded
	for _, r := range a.Entries {
		if r.Socket {
			out = append(out, r)
		}
	}
	return out
}

// Used returns how many entries have been served at least once, and how many
// entries could have been (HTTP entries with a URL and websocket entries).
func (a *Archive) Used() (used, total int) {
	for _, r := range a.Entries {
		if r.key == "" {
			continue
		}
		total++
		if r.served.Load() > 0 {
			used++
		}
	}
	return used, total
}

func isSocketEntry(e *har.Entry, u *url.URL) bool {
	if u.Scheme == "ws" || u.Scheme == "wss" {
		return true
	}
	return strings.EqualFold(e.ResourceType, "websocket") || len(e.WebSocketMessages) > 0
}

// originPath returns the lower-case scheme://host[:port] and the path of u,
// with ws/wss folded onto http/https (a websocket handshake is an HTTP GET)
// and an empty path as "/".
func originPath(u *url.URL) (origin, path string) {
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "ws":
		scheme = "http"
	case "wss":
		scheme = "https"
	}
	host := strings.ToLower(u.Host)
	if p := u.Port(); (scheme == "http" && p == "80") || (scheme == "https" && p == "443") {
		host = strings.TrimSuffix(host, ":"+p)
	}
	path = u.EscapedPath()
	if dec, err := url.PathUnescape(path); err == nil {
		path = dec
	}
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host, path
}

// parseQuery decodes a raw query into parameters sorted by name, then value,
// so that the order in which a page wrote them does not matter.
func parseQuery(raw string) []param {
	if raw == "" {
		return nil
	}
	var out []param
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		out = append(out, param{name, value})
	}
	sortParams(out)
	return out
}

func sortParams(ps []param) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].name != ps[j].name {
			return ps[i].name < ps[j].name
		}
		return ps[i].value < ps[j].value
	})
}

// recordedBody normalizes the recorded request body.
func recordedBody(pd *har.PostData, contentType string) body {
	if pd == nil {
		return body{}
	}
	raw := []byte(pd.Text)
	if pd.Encoding == "base64" {
		if b, err := base64.StdEncoding.DecodeString(pd.Text); err == nil {
			raw = b
		}
	}
	ct := pd.MimeType
	if ct == "" {
		ct = contentType
	}
	b := parseBody(raw, ct)
	if len(raw) == 0 && len(pd.Params) > 0 {
		// Some exporters keep only the parsed fields of a form.
		b.present = true
		if strings.HasPrefix(ct, "multipart/") {
			for _, p := range pd.Params {
				v := p.Value
				if v == "" && p.FileName != "" {
					v = redactionMark + ":not recorded]" // a file's bytes: unknown, match any
				}
				b.parts = append(b.parts, part{name: p.Name, fileName: p.FileName, contentType: p.ContentType, data: v})
			}
			b.kind = bodyMultipart
			return b
		}
		for _, p := range pd.Params {
			b.form = append(b.form, param{p.Name, p.Value})
		}
		sortParams(b.form)
		b.kind = bodyForm
	}
	return b
}

func headerValue(hs []har.NameValue, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// tieBreakHeaders are the request headers that separate otherwise equal
// candidates: what a page asks for, not what the browser adds anyway.
var tieBreakHeaders = map[string]bool{
	"accept":           true,
	"content-type":     true,
	"x-requested-with": true,
	"authorization":    true,
	"range":            true,
	"purpose":          true,
	"sec-fetch-dest":   true,
	"sec-fetch-mode":   true,
}

func tieHeaders(hs []har.NameValue) map[string]string {
	var m map[string]string
	for _, h := range hs {
		n := strings.ToLower(h.Name)
		if tieBreakHeaders[n] || (strings.HasPrefix(n, "x-") && !strings.HasPrefix(n, "x-client-data")) {
			if m == nil {
				m = map[string]string{}
			}
			m[n] = h.Value
		}
	}
	return m
}
