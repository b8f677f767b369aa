package sanitize

import (
	"net/url"
	"strings"
)

// url sanitizes one URL, absolute or relative ("/path?x=1", "?x=1"),
// without re-encoding the parts it leaves alone: the user-info password,
// path segments that carry a token (after reset, invite, magic, … or shaped
// like a secret), query and fragment parameters (by name or by value), and
// URLs nested in parameters (redirect_uri, next, RelayState), recursively.
func (r *Redactor) url(loc *locator, u string, ctx textCtx) string {
	if u == "" || ctx.depth > 4 {
		return u
	}
	ctx.depth++
	if strings.ContainsAny(u, " \t\r\n\"'<>") {
		return r.text(loc, u, ctx) // not one URL: text finds the URLs in it
	}
	if i := strings.Index(u, "://"); i >= 0 && !validScheme(u[:i]) {
		return r.text(loc, u, ctx)
	}
	rest := u
	var b strings.Builder
	b.Grow(len(u))
	// fragment
	frag, hasFrag := "", false
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		frag, hasFrag = rest[i+1:], true
		rest = rest[:i]
	}
	query, hasQuery := "", false
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		query, hasQuery = rest[i+1:], true
		rest = rest[:i]
	}
	host := ""
	if i := strings.Index(rest, "://"); i >= 0 {
		b.WriteString(rest[:i+3])
		rest = rest[i+3:]
		auth := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			auth = rest[:j]
		}
		rest = rest[len(auth):]
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			ui := auth[:at]
			if c := colonOutsideTags(ui); c >= 0 && c+1 < len(ui) && !r.pol.disabled["userinfo"] {
				pw := ui[c+1:]
				if dp, err := url.PathUnescape(pw); err == nil {
					pw = dp
				}
				ui = r.text(loc, ui[:c], ctx) + ":" + r.secret(loc, "userinfo", pw)
			} else {
				ui = r.text(loc, ui, ctx)
			}
			b.WriteString(ui)
			b.WriteByte('@')
			auth = auth[at+1:]
		}
		host = strings.ToLower(auth)
		if len(auth) > 24 { // a host name carrying a secret shape
			auth = r.text(loc, auth, textCtx{noPersonal: true, noEntropy: true, depth: ctx.depth})
		}
		b.WriteString(auth)
	}
	b.WriteString(r.urlPath(loc, host, rest, ctx))
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(r.query(loc, query, ctx))
	}
	if hasFrag {
		b.WriteByte('#')
		b.WriteString(r.fragment(loc, frag, ctx))
	}
	out := b.String()
	if out == u {
		return u
	}
	return out
}

// urlPath sanitizes the segments of a path.
func (r *Redactor) urlPath(loc *locator, host, p string, ctx textCtx) string {
	if p == "" || p == "/" {
		return p
	}
	segs := strings.Split(p, "/")
	changed := false
	webhook := host == "hooks.slack.com" || strings.HasSuffix(host, "discord.com") || strings.HasSuffix(host, "discordapp.com")
	for i, seg := range segs {
		if seg == "" || isTag(seg) {
			continue
		}
		dec := seg
		if strings.IndexByte(seg, '%') >= 0 {
			if d, err := url.PathUnescape(seg); err == nil {
				dec = d
			}
		}
		var ns string
		switch {
		case webhook && i >= 3 && (segs[1] == "services" || segs[2] == "webhooks"):
			ns = r.secret(loc, "slack-webhook", dec)
		case i > 0 && len(dec) >= 8 && r.pol.match(InPath, segs[i-1]) != nil && !plainWord(dec):
			ns = r.secret(loc, r.pol.match(InPath, segs[i-1]).Name, dec)
		case i > 0 && len(dec) >= 16 && r.pol.match(InPath, segs[i-1]) != nil:
			ns = r.secret(loc, r.pol.match(InPath, segs[i-1]).Name, dec)
		case len(dec) >= 32 && !isHex(dec) && highEntropy(dec, 32, 4.2) && !ctx.noEntropy && !r.pol.disabled["entropy"]:
			ns = r.secret(loc, "entropy", dec)
		case ctx.docURL && len(dec) >= 32 && isHex(dec) && !r.pol.disabled["hex-path"] && !gitObject(segs, i) && !staticAsset(segs[len(segs)-1]):
			ns = r.secret(loc, "hex-path", dec)
		default:
			ns = r.text(loc, dec, ctx)
			if ns == dec {
				continue
			}
			if dec != seg { // keep the original encoding where nothing changed
				ns = escapeKeepTags(ns, url.PathEscape)
			}
		}
		segs[i] = ns
		changed = true
	}
	if !changed {
		return p
	}
	return strings.Join(segs, "/")
}

// colonOutsideTags is the index of the first ':' of s that is not inside
// a tag ("[REDACTED:x:1a2b3c4d]:[REDACTED:y:…]" is a user and a password
// that are both sanitized), or -1.
func colonOutsideTags(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			return i
		case '[':
			if end := tagEnd(s[i:]); end > 0 && strings.HasPrefix(s[i:], "[REDACTED:") {
				i += end - 1
			}
		}
	}
	return -1
}

// query sanitizes "a=1&b=2" (a URL query, a fragment, a form body).
func (r *Redactor) query(loc *locator, q string, ctx textCtx) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	changed := false
	for i, part := range parts {
		eq := strings.IndexByte(part, '=')
		if eq < 0 {
			// a bare value: only secret shapes
			if np := r.text(loc, part, ctx); np != part {
				parts[i] = np
				changed = true
			}
			continue
		}
		rawName, rawVal := part[:eq], part[eq+1:]
		name := unescapeQuery(rawName)
		if len(rawName) >= 6 {
			if nn := r.name(loc, rawName); nn != rawName {
				rawName = nn
				changed = true
				parts[i] = rawName + "=" + rawVal
			}
		}
		val := unescapeQuery(rawVal)
		nv := r.formParam(loc, name, val, ctx)
		if nv == val {
			continue
		}
		parts[i] = rawName + "=" + escapeKeepTags(nv, url.QueryEscape)
		changed = true
	}
	if !changed {
		return q
	}
	return strings.Join(parts, "&")
}

// fragment sanitizes a URL fragment: parameters ("#access_token=…"), a
// client-side route ("#/reset?token=…") or plain text.
func (r *Redactor) fragment(loc *locator, f string, ctx textCtx) string {
	switch {
	case f == "":
		return f
	case strings.HasPrefix(f, "/") || strings.HasPrefix(f, "!/") || strings.IndexByte(f, '?') >= 0:
		return r.url(loc, f, ctx)
	case strings.IndexByte(f, '=') >= 0:
		return r.query(loc, f, ctx)
	}
	return r.text(loc, f, ctx)
}

// param sanitizes the decoded value of a parameter by name, then by shape.
func (r *Redactor) param(loc *locator, name, v string, ctx textCtx) string {
	if v == "" || isTag(v) {
		return v
	}
	if rule := r.pol.match(InParam, name); rule != nil {
		switch rule.Mode {
		case ModeURL:
			if looksURL(v) {
				return r.url(loc, v, ctx)
			}
			return r.text(loc, v, ctx)
		case ModeConnString:
			return r.connString(loc, v, ctx)
		}
		if r.ruleApplies(rule, v, ctx) {
			return r.secret(loc, rule.Name, v)
		}
		if rule.Mode == ModeNoWord {
			return v
		}
		// a value the rule does not take ("code=500"): shapes only
		if nv := r.text(loc, v, ctx); nv != v {
			return nv
		}
		if !ctx.noEntropy && !r.pol.disabled["entropy"] && highEntropy(v, 20, 3.5) {
			return r.secret(loc, "entropy", v)
		}
		return v
	}
	if r.pol.keep[NormalizeName(name)] {
		return r.text(loc, v, textCtx{noPersonal: true, noEntropy: true, depth: ctx.depth})
	}
	if idName(name) { // request_id=…: evidence, not a secret (vendor shapes still go)
		ctx.noEntropy = true
	}
	if looksURL(v) {
		return r.url(loc, v, ctx)
	}
	if nv := r.text(loc, v, ctx); nv != v {
		return nv
	}
	if !ctx.noEntropy && !r.pol.disabled["entropy"] && highEntropy(v, 20, 3.5) && !cacheBuster(name, v) {
		return r.secret(loc, "entropy", v)
	}
	return v
}

// cacheBuster says whether a parameter is a content hash that versions a
// resource: hex under a version name (main.css?v=<sha512 hex>, ?hash=…).
// A token is not hex under such a name.
func cacheBuster(name, v string) bool {
	switch strings.ToLower(name) {
	case "v", "ver", "version", "hash", "h", "rev", "build", "cb", "_", "cachebust", "cache_bust", "bust", "t":
		return isHex(v)
	}
	return false
}

// looksURL: an absolute URL or a path with a query.
func looksURL(v string) bool {
	if i := strings.Index(v, "://"); i > 0 && i < 12 && strings.IndexByte(v[:i], ' ') < 0 {
		return true
	}
	return strings.HasPrefix(v, "/") && strings.IndexByte(v, '?') > 0 && strings.IndexByte(v, ' ') < 0
}

func unescapeQuery(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// escapeKeepTags escapes a sanitized value but leaves the tags readable.
func escapeKeepTags(s string, esc func(string) string) string {
	e := esc(s)
	if strings.Contains(e, "%5BREDACTED%3A") {
		e = strings.ReplaceAll(e, "%5BREDACTED%3A", "[REDACTED:")
		var b strings.Builder
		for {
			i := strings.Index(e, "[REDACTED:")
			if i < 0 {
				b.WriteString(e)
				break
			}
			j := strings.Index(e[i:], "%5D")
			if j < 0 {
				b.WriteString(e)
				break
			}
			b.WriteString(e[:i])
			b.WriteString(strings.ReplaceAll(e[i:i+j], "%3A", ":"))
			b.WriteString("]")
			e = e[i+j+3:]
		}
		return b.String()
	}
	return e
}

func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}
