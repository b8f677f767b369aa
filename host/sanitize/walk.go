package sanitize

import (
	"encoding/base64"
	"strings"
)

// walk sanitizes a JSON tree in place: each object member by its key (the
// key rules), each string by its shape (nested JSON, URL, text detectors,
// entropy). Nodes marked done are left alone. It reports whether it
// changed anything.
func (r *Redactor) walk(loc *locator, n *node, ctx textCtx) bool {
	if n == nil || n.done {
		return false
	}
	changed := false
	switch n.kind {
	case '{':
		pair, pairName := r.pairOf(n)
		for i, k := range n.keys {
			v := n.vals[i]
			if v.done {
				continue
			}
			loc.push(k)
			if i == pair {
				if r.namedValue(loc, pairName, v, ctx) || r.walk(loc, v, ctx) {
					changed = true
				}
				loc.pop()
				continue
			}
			if nk := r.jsonKey(loc, k, ctx); nk != k {
				n.keys[i] = nk
				changed = true
			}
			if mime, ok := bodyMime(n, k); ok && v.kind == '"' {
				// a body beside its media type (a HAR content object, the
				// report's previews): read in its language, as in the HAR
				if nb := r.body(loc, v.str, mime, ctx); nb != v.str {
					v.str = nb
					changed = true
				}
				loc.pop()
				continue
			}
			if m := r.keyRule(k); m.rule != nil && !(v.kind == '"' && labelPair(k, v.str)) {
				if r.secretNode(loc, m.rule, m.exact, v, ctx) {
					changed = true
				}
			} else if r.walk(loc, v, keyCtx(m.kinds, ctx)) {
				changed = true
			}
			loc.pop()
		}
	case '[':
		for i, v := range n.vals {
			loc.push(itoa(i))
			if r.walk(loc, v, ctx) {
				changed = true
			}
			loc.pop()
		}
	case '"':
		if ns := r.jsonString(loc, n.str, ctx); ns != n.str {
			n.str = ns
			changed = true
		}
	}
	return changed
}

// labelPair says whether a member under a secret's name reads as a label
// and its text rather than a field and its value: the text repeats the
// name ("Token": "Token"), or the name is words with spaces and the text
// is prose of three words or more, no secret's shape (a translation
// file's "GUI Authentication Password": "GUI Authentication Password",
// "Incorrect user name or password.": "…"). A field's name has no
// spaces; a value under a label with spaces that is one word or shaped
// like a secret ("Admin Password": "hunter2") is still redacted.
func labelPair(k, v string) bool {
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	if v == "" {
		return false
	}
	if strings.EqualFold(k, v) {
		return true
	}
	return strings.ContainsAny(k, " \t") && strings.Count(v, " ") >= 2 && !valueLike(v)
}

// bodyTypes pairs each member that can hold a body with the member of
// the same object that names its media type: HAR content ("text" beside
// "mimeType") and the report's previews ("rsb" beside "mt", "rqb" beside
// "rqm").
var bodyTypes = [...]struct{ body, mime string }{{"text", "mimeType"}, {"rsb", "mt"}, {"rqb", "rqm"}}

// codeType says whether a media type names a language read as code.
func codeType(mime string) bool {
	mt := strings.ToLower(mime)
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	return mime != "" && codeLanguage(mt, "") != nil
}

// bodyMime returns the media type of a body held in member k of object n
// (bodyTypes), when that type is a language read as code.
func bodyMime(n *node, k string) (string, bool) {
	for _, bt := range bodyTypes {
		if k != bt.body {
			continue
		}
		if m := n.get(bt.mime); m != nil && m.kind == '"' && codeType(m.str) {
			return m.str, true
		}
	}
	return "", false
}

// pairOf finds a name/value pair in an object: the index of its value
// member and the name it is under, or -1 when the object is no pair or
// its name names no secret.
func (r *Redactor) pairOf(n *node) (int, string) {
	if len(n.keys) < 2 || len(n.keys) > 8 {
		return -1, ""
	}
	val, name := -1, ""
	for i, k := range n.keys {
		switch {
		case pairValueKey(k):
			val = i
		case name == "" && pairNameKey(k) && n.vals[i].kind == '"':
			name = n.vals[i].str
		}
	}
	if val < 0 || n.vals[val].done || !r.pairNamed(name) {
		return -1, ""
	}
	return val, name
}

// keyRule matches a JSON key: its rule, whether the name was listed
// exactly (not only contained, which also redacts numbers: "pin": 1234),
// and what the name says about its value (keyCtx).
func (r *Redactor) keyRule(k string) matchResult {
	return r.pol.lookup(inKeyIndex, k)
}

// secretNode redacts the value of a sensitive key: strings (and numbers
// for listed names) whole, the strings inside objects and arrays.
func (r *Redactor) secretNode(loc *locator, rule *Rule, exact bool, v *node, ctx textCtx) bool {
	switch v.kind {
	case '"':
		if v.str == "" || isTag(v.str) {
			return false
		}
		var ns string
		switch {
		case rule.Mode == ModeConnString:
			ns = r.connString(loc, v.str, ctx)
		case !r.ruleApplies(rule, v.str, ctx):
			ns = r.jsonString(loc, v.str, ctx)
		case rule.Mode == ModeURL:
			ns = r.url(loc, v.str, ctx)
		default:
			ns = r.secret(loc, rule.Name, v.str)
		}
		changed := ns != v.str
		v.str = ns
		return changed
	case '0':
		if !r.numberApplies(rule, exact, v.str, ctx) {
			return false
		}
		v.kind, v.str = '"', r.secret(loc, rule.Name, v.str)
		return true
	case '{', '[':
		changed := false
		for i, c := range v.vals {
			if v.kind == '{' {
				loc.push(v.keys[i])
			} else {
				loc.push(itoa(i))
			}
			if r.secretNode(loc, rule, exact, c, ctx) {
				changed = true
			}
			loc.pop()
		}
		return changed
	}
	return false
}

// jsonString sanitizes a string value of a JSON document: JSON inside the
// string, a URL, or text; a lone high-entropy token goes too.
func (r *Redactor) jsonString(loc *locator, s string, ctx textCtx) string {
	if len(s) < 6 || isTag(s) {
		return s
	}
	if (s[0] == '{' || s[0] == '[') && ctx.depth < 4 {
		c := ctx
		c.depth++
		c.structure = false // JSON inside a string is recorded content
		if ns, ok := r.jsonDoc(loc, s, c); ok {
			return ns
		}
	}
	if looksURL(s) {
		return r.url(loc, s, ctx)
	}
	if ns := r.text(loc, s, ctx); ns != s {
		return ns
	}
	if !ctx.noEntropy && !r.pol.disabled["entropy"] && highEntropy(s, 32, 4.05) && !pathLike(s) {
		return r.secret(loc, "entropy", s)
	}
	return s
}

// entry sanitizes one HAR entry: request and response headers, cookies,
// URL, query string, bodies, websocket and SSE messages, then every other
// field through the generic walk.
func (r *Redactor) entry(loc *locator, n *node) {
	if req := n.get("request"); req != nil && req.kind == '{' {
		loc.push("request")
		r.message(loc, req, docEntry(n))
		loc.pop()
	}
	if resp := n.get("response"); resp != nil && resp.kind == '{' {
		loc.push("response")
		r.message(loc, resp, docEntry(n))
		loc.pop()
	}
	if ws := n.get("_webSocketMessages"); ws != nil && ws.kind == '[' {
		loc.push("_webSocketMessages")
		for i, m := range ws.vals {
			data := m.get("data")
			if data == nil || data.kind != '"' {
				continue
			}
			loc.push(itoa(i))
			loc.push("data")
			op := m.get("opcode")
			if op != nil && op.str == "2" && data.str != "" && !isTag(data.str) {
				v := data.str
				data.str = r.replace(loc, "ws-binary", "ws-binary", v)
			} else {
				data.str = r.body(loc, data.str, "", textCtx{ip: true})
			}
			data.done = true
			loc.pop()
			loc.pop()
		}
		loc.pop()
	}
	if es := n.get("_eventSourceMessages"); es != nil && es.kind == '[' {
		loc.push("_eventSourceMessages")
		for i, m := range es.vals {
			if data := m.get("data"); data != nil && data.kind == '"' {
				loc.push(itoa(i))
				loc.push("data")
				data.str = r.body(loc, data.str, "", textCtx{ip: true})
				data.done = true
				loc.pop()
				loc.pop()
			}
		}
		loc.pop()
	}
	r.walk(loc, n, textCtx{structure: true})
}

// message sanitizes a request or a response; doc says the entry is a
// document, an XHR or fetch (docEntry).
func (r *Redactor) message(loc *locator, m *node, doc bool) {
	if hs := m.get("headers"); hs != nil && hs.kind == '[' {
		loc.push("headers")
		for i, h := range hs.vals {
			v := h.get("value")
			if v == nil || v.kind != '"' {
				continue
			}
			loc.push(itoa(i))
			r.nameNode(loc, h)
			loc.push("value")
			v.str = r.headerIn(loc, h.getString("name"), v.str, doc)
			v.done = true
			loc.pop()
			loc.pop()
		}
		loc.pop()
	}
	if cs := m.get("cookies"); cs != nil && cs.kind == '[' {
		loc.push("cookies")
		for i, c := range cs.vals {
			v := c.get("value")
			if v == nil || v.kind != '"' {
				continue
			}
			loc.push(itoa(i))
			r.nameNode(loc, c)
			loc.push("value")
			if !r.pol.keep[NormalizeName(c.getString("name"))] {
				v.str = r.secret(loc, "cookie", v.str)
			}
			v.done = true
			loc.pop()
			loc.pop()
		}
		loc.pop()
	}
	for _, key := range []string{"url", "redirectURL"} {
		if u := m.get(key); u != nil && u.kind == '"' {
			loc.push(key)
			u.str = r.url(loc, u.str, textCtx{docURL: doc || key == "redirectURL"})
			u.done = true
			loc.pop()
		}
	}
	if qs := m.get("queryString"); qs != nil && qs.kind == '[' {
		loc.push("queryString")
		r.params(loc, qs, false)
		loc.pop()
	}
	if pd := m.get("postData"); pd != nil && pd.kind == '{' {
		loc.push("postData")
		r.content(loc, pd, "_encoding")
		loc.pop()
	}
	if c := m.get("content"); c != nil && c.kind == '{' {
		loc.push("content")
		r.content(loc, c, "encoding")
		loc.pop()
	}
}

// params sanitizes a queryString or postData.params array of {name, value}.
func (r *Redactor) params(loc *locator, ps *node, form bool) {
	for i, p := range ps.vals {
		v := p.get("value")
		if v == nil || v.kind != '"' {
			continue
		}
		loc.push(itoa(i))
		r.nameNode(loc, p)
		loc.push("value")
		name := p.getString("name")
		switch {
		case p.getString("fileName") != "" && v.str != "":
			v.str = r.file(loc, v.str)
		default:
			val := v.str
			if strings.IndexByte(val, '%') >= 0 {
				val = unescapeQuery(val)
			}
			if nv := r.formParam(loc, name, val, textCtx{ip: form}); nv != val {
				v.str = nv
			}
		}
		v.done = true
		loc.pop()
		loc.pop()
	}
}

// formParam sanitizes the decoded value of a query, fragment or form
// parameter: the parameter rules, then the key rules (ssn, cc_number, pin,
// phone, …). postData.text and postData.params, and a URL and its
// queryString, go through this same table, so they agree.
func (r *Redactor) formParam(loc *locator, name, val string, ctx textCtx) string {
	nv := r.param(loc, name, val, ctx)
	if nv != val || val == "" || isTag(val) {
		return nv
	}
	if rule := r.pol.match(InKey, name); rule != nil && rule.Mode != ModeURL && r.ruleApplies(rule, val, ctx) {
		if rule.Mode == ModeConnString {
			return r.connString(loc, val, ctx)
		}
		return r.secret(loc, rule.Name, val)
	}
	return nv
}

// phoneApplies is [Redactor.ruleApplies] (its old name, from when the
// phone rule was the only one that looked at the value).
func (r *Redactor) phoneApplies(rule *Rule, v string, ctx textCtx) bool {
	return r.ruleApplies(rule, v, ctx)
}

// phoneShaped: an optional '+', then 7 to 15 digits with spaces, '-', '.'
// or parentheses between them ("+14155550123", "(415) 555-0123").
func phoneShaped(v string) bool {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "+")
	digits := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// file replaces an uploaded file with a tag and its size.
func (r *Redactor) file(loc *locator, v string) string {
	if isTag(v) {
		return v
	}
	return r.replace(loc, "file", "file", v)
}

// header sanitizes one header value by name: the header rules, URL
// headers, request-ID headers (no entropy rule), then shapes and entropy.
func (r *Redactor) header(loc *locator, name, v string) string {
	return r.headerIn(loc, name, v, true)
}

// headerIn is header for a header of an entry; doc says the entry is a
// document, an XHR or fetch, which decides the hex-path rule for its
// :path (Location and Referer are documents' URLs whatever the entry).
func (r *Redactor) headerIn(loc *locator, name, v string, doc bool) string {
	if v == "" {
		return v
	}
	lname := NormalizeName(name)
	if r.pol.keep[lname] {
		return r.text(loc, v, textCtx{noPersonal: true, noEntropy: true})
	}
	if lname == ":path" {
		return r.url(loc, v, textCtx{docURL: doc})
	}
	if rule := r.pol.match(InHeader, name); rule != nil {
		switch rule.Mode {
		case ModeScheme:
			if i := strings.IndexByte(v, ' '); i > 0 && plainWord(v[:i]) {
				rest := strings.TrimLeft(v[i:], " ")
				if strings.EqualFold(v[:i], "basic") {
					if dec, err := base64.StdEncoding.DecodeString(rest); err == nil {
						if _, pw, ok := strings.Cut(string(dec), ":"); ok && pw != "" {
							r.alsoSecret(rule.Name, pw) // Verify searches for the password too
						}
					}
				}
				return v[:i+1] + r.secret(loc, rule.Name, rest)
			}
			return r.secret(loc, rule.Name, v)
		case ModeCookie:
			return r.cookieHeader(loc, lname == "setcookie", v)
		case ModeURL:
			return r.url(loc, v, textCtx{docURL: true})
		case ModeIP:
			if r.pol.disabled["ip"] {
				return r.text(loc, v, textCtx{noEntropy: true})
			}
			return r.forwarded(loc, v)
		case ModeNoWord:
			if plainWord(v) {
				return v
			}
		}
		return r.secret(loc, rule.Name, v)
	}
	reqID := r.pol.requestID[lname] || idName(lname)
	ctx := textCtx{noEntropy: reqID}
	if looksURL(v) {
		return r.url(loc, v, ctx)
	}
	if nv := r.text(loc, v, ctx); nv != v {
		return nv
	}
	if !reqID && !r.pol.disabled["entropy"] && highEntropy(v, 20, 3.5) {
		return r.secret(loc, "entropy", v)
	}
	return v
}

// cookieHeader redacts cookie values and keeps names and attributes.
// Set-Cookie values may hold several cookies joined by newlines.
func (r *Redactor) cookieHeader(loc *locator, set bool, v string) string {
	lines := strings.Split(v, "\n")
	for li, line := range lines {
		pairs := strings.Split(line, ";")
		for pi, p := range pairs {
			eq := strings.IndexByte(p, '=')
			if (set && pi > 0) || eq < 0 {
				// attributes (Path, Domain, Expires, HttpOnly, …) stay,
				// unless they hold a secret shape
				pairs[pi] = r.text(loc, p, textCtx{noPersonal: true, noEntropy: true})
				continue
			}
			name := r.name(loc, p[:eq])
			val := p[eq+1:]
			if val == "" || r.pol.keep[NormalizeName(strings.TrimSpace(name))] {
				pairs[pi] = name + "=" + r.text(loc, val, textCtx{noPersonal: true, noEntropy: true})
				continue
			}
			pairs[pi] = name + "=" + r.secret(loc, "cookie", val)
		}
		lines[li] = strings.Join(pairs, ";")
	}
	return strings.Join(lines, "\n")
}

// forwarded redacts the IP addresses in X-Forwarded-For, Forwarded, …
// (and any secret shape).
func (r *Redactor) forwarded(loc *locator, v string) string {
	return r.text(loc, r.ipPass(loc, v), textCtx{noEntropy: true})
}

// content sanitizes postData or response content: text (after decoding
// base64 text), params, by MIME type.
func (r *Redactor) content(loc *locator, c *node, encKey string) {
	mime := c.getString("mimeType")
	if ps := c.get("params"); ps != nil && ps.kind == '[' {
		loc.push("params")
		r.params(loc, ps, true)
		loc.pop()
	}
	t := c.get("text")
	if t == nil || t.kind != '"' || t.str == "" {
		return
	}
	loc.push("text")
	defer loc.pop()
	t.done = true
	if strings.EqualFold(c.getString(encKey), "base64") {
		t.str = r.base64Body(loc, t.str, mime)
		return
	}
	t.str = r.body(loc, t.str, mime, textCtx{ip: true})
}

// body sanitizes a body by MIME type; an empty type is guessed from the
// first byte (JSON) or treated as text.
func (r *Redactor) body(loc *locator, s, mime string, ctx textCtx) string {
	if s == "" || isTag(s) {
		return s
	}
	mt := strings.ToLower(mime)
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	switch {
	case strings.Contains(mt, "x-www-form-urlencoded"):
		return r.query(loc, s, ctx)
	case strings.HasPrefix(mt, "multipart/"):
		return r.multipart(loc, s, mime, ctx)
	case strings.Contains(mt, "event-stream"):
		return r.sse(loc, s, ctx)
	case strings.Contains(mt, "ndjson") || strings.Contains(mt, "jsonl") || strings.Contains(mt, "json-seq"):
		return r.lines(loc, s, ctx)
	}
	if lang := codeLanguage(mt, s); lang != nil {
		return lang(r, loc, s, ctx)
	}
	trim := strings.TrimLeft(s, " \t\r\n")
	if trim != "" && (trim[0] == '{' || trim[0] == '[') {
		if ns, ok := r.jsonDoc(loc, s, ctx); ok {
			return ns
		}
		if strings.Contains(mt, "json") && strings.IndexByte(s, '\n') > 0 {
			return r.lines(loc, s, ctx)
		}
	}
	return r.text(loc, s, ctx)
}

// lines sanitizes newline-delimited JSON (or text) line by line.
func (r *Redactor) lines(loc *locator, s string, ctx textCtx) string {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		if strings.TrimSpace(l) != "" {
			ls[i] = r.body(loc, l, "", ctx)
		}
	}
	return strings.Join(ls, "\n")
}

// sse sanitizes a text/event-stream: the payload of each data: line as a
// body (JSON or text), the other lines as text.
func (r *Redactor) sse(loc *locator, s string, ctx textCtx) string {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		if rest, ok := strings.CutPrefix(l, "data:"); ok {
			lead := ""
			if strings.HasPrefix(rest, " ") {
				lead, rest = " ", rest[1:]
			}
			cr := ""
			if strings.HasSuffix(rest, "\r") {
				cr, rest = "\r", rest[:len(rest)-1]
			}
			ls[i] = "data:" + lead + r.body(loc, rest, "", ctx) + cr
		} else if l != "" {
			ls[i] = r.text(loc, l, ctx)
		}
	}
	return strings.Join(ls, "\n")
}

// multipart sanitizes a multipart/form-data body: text fields by name and
// shape, file parts replaced by a tag with their size.
func (r *Redactor) multipart(loc *locator, s, mime string, ctx textCtx) string {
	boundary := ""
	if i := strings.Index(strings.ToLower(mime), "boundary="); i >= 0 {
		boundary = strings.Trim(strings.SplitN(mime[i+9:], ";", 2)[0], "\" ")
	}
	if boundary == "" && strings.HasPrefix(s, "--") {
		if i := strings.IndexAny(s, "\r\n"); i > 2 {
			boundary = s[2:i]
		}
	}
	if boundary == "" {
		return r.text(loc, s, ctx)
	}
	delim := "--" + boundary
	parts := strings.Split(s, delim)
	for i := 1; i < len(parts); i++ {
		p := parts[i]
		if strings.HasPrefix(p, "--") {
			continue // closing delimiter
		}
		sep, hdrEnd := "\r\n\r\n", strings.Index(p, "\r\n\r\n")
		if hdrEnd < 0 {
			sep, hdrEnd = "\n\n", strings.Index(p, "\n\n")
		}
		if hdrEnd < 0 {
			parts[i] = r.text(loc, p, ctx)
			continue
		}
		hdr := p[:hdrEnd]
		body := p[hdrEnd+len(sep):]
		tail := ""
		if strings.HasSuffix(body, "\r\n") {
			body, tail = body[:len(body)-2], "\r\n"
		} else if strings.HasSuffix(body, "\n") {
			body, tail = body[:len(body)-1], "\n"
		}
		name, filename, ctype := dispositionParams(hdr)
		var nb string
		switch {
		case filename != "" && body != "":
			nb = r.file(loc, body)
		default:
			if rule := r.matchAny(name); rule != nil && rule.Mode == ModeConnString {
				nb = r.connString(loc, body, ctx)
			} else if rule != nil && rule.Mode != ModeURL && rule.Mode != ModeIP && r.ruleApplies(rule, body, ctx) {
				nb = r.secret(loc, rule.Name, body)
			} else {
				nb = r.body(loc, body, ctype, ctx)
				if nb == body && !r.pol.disabled["entropy"] && highEntropy(body, 20, 3.5) {
					nb = r.secret(loc, "entropy", body)
				}
			}
		}
		parts[i] = r.text(loc, hdr, ctx) + sep + nb + tail
	}
	return strings.Join(parts, delim)
}

// dispositionParams reads name, filename and Content-Type from the headers
// of a multipart part.
func dispositionParams(hdr string) (name, filename, ctype string) {
	for _, line := range strings.Split(hdr, "\n") {
		line = strings.TrimSpace(line)
		low := strings.ToLower(line)
		if rest, ok := strings.CutPrefix(low, "content-type:"); ok {
			ctype = strings.TrimSpace(line[len(line)-len(rest):])
			continue
		}
		if !strings.HasPrefix(low, "content-disposition:") {
			continue
		}
		for _, kv := range strings.Split(line, ";") {
			kv = strings.TrimSpace(kv)
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			v = strings.Trim(v, "\"")
			switch strings.ToLower(k) {
			case "name":
				name = v
			case "filename", "filename*":
				filename = v
			}
		}
	}
	return name, filename, ctype
}
