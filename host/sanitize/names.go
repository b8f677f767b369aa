package sanitize

import "strings"

// Names (header, cookie, parameter and JSON key names) are never redacted:
// a name says what a value is, and support reads it. The text rules do not
// run over them: "X-CSRF-Token-ABCDE" holds the word "token" but no
// secret. A name is searched only for what cannot be a name: a secret of
// a known shape (vendor key, JWT, private key), which a map keyed by
// tokens carries as its keys, and, in JSON keys, an email address (a map
// keyed by user).

// name sanitizes a header, cookie or parameter name: secret shapes only.
func (r *Redactor) name(loc *locator, s string) string {
	return r.nameShapes(loc, s, false)
}

// jsonKey sanitizes a JSON object key: secret shapes and email addresses.
func (r *Redactor) jsonKey(loc *locator, s string, ctx textCtx) string {
	return r.nameShapes(loc, s, !ctx.noPersonal)
}

func (r *Redactor) nameShapes(loc *locator, s string, email bool) string {
	if len(s) < 6 || isTag(s) {
		return s
	}
	if strings.Contains(s, "-----BEGIN") {
		s = r.pemPass(loc, s)
	}
	s = r.wordPass(loc, s, textCtx{noEntropy: true})
	if email && strings.IndexByte(s, '@') >= 0 && !r.pol.disabled["email"] {
		s = r.emailPass(loc, s)
	}
	return s
}

// nameNode sanitizes the "name" of a HAR {name, value} pair (a header, a
// cookie, a parameter) as a name, and marks it done so that the generic
// walk does not run the text rules over it.
func (r *Redactor) nameNode(loc *locator, pair *node) {
	n := pair.get("name")
	if n == nil || n.kind != '"' || n.done {
		return
	}
	loc.push("name")
	n.str = r.name(loc, n.str)
	n.done = true
	loc.pop()
}
