package sanitize

import (
	"net"
	"strings"
	"sync"

	"github.com/tdewolff/parse/v2"
)

// Code (HTML, JavaScript, CSS, XML) is read as a language, not as text: a
// lexer per language (tdewolff/parse) hands out tokens, and only the
// contents of literals (strings, template text, comments, attribute
// values, CSS strings and url(), XML text) are looked at. A redaction
// replaces bytes inside one literal, escaped for that literal, and never
// adds or removes a quote, operator, bracket, tag or line, so a sanitized
// page still parses and replays. The name of a literal comes from the
// syntax around it (a property key, a variable, `name=` at the end of the
// literal before it); a literal that only names a secret ('token=',
// 'Bearer ') holds nothing to redact: the value is in the request itself.
//
// Each language has its file: js.go, css.go, markup.go (HTML), xml.go.

// codeLit sanitizes the decoded value v of one literal in code whose name,
// when the syntax gives one, is name. Under a secret name the value goes
// when it looks like a value (valueLike), not when it is a word, a
// sentence, a path or a name-only prefix; anything else is searched like
// a JSON string (JSON inside, URLs, the text detectors) and a lone
// generated-looking token goes too (codeToken). It returns v itself when
// nothing changed.
func (r *Redactor) codeLit(loc *locator, name, v string, ctx textCtx) string {
	if v == "" || isTag(v) {
		return v
	}
	if name != "" {
		if nv, ok := r.namedLit(loc, name, v, ctx); ok {
			return nv
		}
	}
	return r.litText(loc, v, ctx)
}

// namedLit applies the rule of a literal's name; ok is false when no rule
// took the value.
func (r *Redactor) namedLit(loc *locator, name, v string, ctx textCtx) (string, bool) {
	rule := r.codeNameRule(name)
	if rule == nil {
		return "", false
	}
	switch rule.Mode {
	case ModeURL, ModeIP:
		return "", false // URLs and addresses are found by litText
	case ModeScheme:
		// "Bearer V": the scheme stays; "Bearer " alone names a secret
		if i := strings.IndexByte(v, ' '); i > 0 && plainWord(v[:i]) {
			rest := strings.TrimLeft(v[i:], " ")
			if !valueLike(rest) {
				return "", false
			}
			pre := v[:len(v)-len(rest)]
			return pre + r.secret(loc, rule.Name, rest), true
		}
	case ModeCookie:
		// document.cookie = "sid=V; path=/": the first pair's value
		if eq := strings.IndexByte(v, '='); eq > 0 {
			end := strings.IndexByte(v, ';')
			if end < 0 {
				end = len(v)
			}
			if eq < end && valueLike(v[eq+1:end]) {
				return v[:eq+1] + r.secret(loc, "cookie", v[eq+1:end]) + v[end:], true
			}
		}
		return "", false
	case ModePhone:
		if !r.phoneApplies(rule, v, ctx) {
			return "", false
		}
		return r.secret(loc, rule.Name, v), true
	case ModeNoWord:
		if plainWord(v) {
			return "", false
		}
	}
	if !valueLike(v) {
		return "", false
	}
	return r.secret(loc, rule.Name, v), true
}

// codeNameRule is the rule of a name given by code: the parameter rules,
// a header name listed exactly (Authorization, X-Api-Key, Cookie), the
// JSON key rules.
func (r *Redactor) codeNameRule(name string) *Rule {
	if len(name) > 64 {
		return nil
	}
	if m, ok := r.pol.code.get(name); ok {
		return m
	}
	m := r.codeNameRuleUncached(name)
	r.pol.code.put(name, m)
	return m
}

func (r *Redactor) codeNameRuleUncached(name string) *Rule {
	if p, ok := strings.CutPrefix(name, "/"); ok {
		// the last segments of a path (trailingName): /invite/accept/V
		for _, seg := range strings.Split(p, "/") {
			if m := r.pol.match(InPath, seg); m != nil {
				return m
			}
		}
		return nil
	}
	if m := r.pol.match(InParam, name); m != nil {
		return m
	}
	if m := r.pol.lookup(inIndex(InHeader), name); m.rule != nil && m.exact {
		return m.rule
	}
	return r.pol.match(InKey, name)
}

// litText sanitizes a literal's value that no name took: like a JSON
// string (JSON inside, a URL, the text detectors), then a lone token that
// looks generated.
//
// IP addresses go only as a whole literal ("203.0.113.5"): inside a
// longer literal a dotted quad is a version ("Case 1.1.0.0") or a number
// list (an SVG path's "10.1.9.34").
func (r *Redactor) litText(loc *locator, v string, ctx textCtx) string {
	if len(v) < 6 {
		return v
	}
	if ctx.ip && !wholeIP(v) {
		ctx.ip = false
	}
	ctx.code = true
	if (v[0] == '{' || v[0] == '[') && ctx.depth < 4 {
		c := ctx
		c.depth++
		c.structure = false
		if ns, ok := r.jsonDoc(loc, v, c); ok {
			return ns
		}
	}
	if looksURL(v) {
		return r.url(loc, v, ctx)
	}
	if ns := r.text(loc, v, ctx); ns != v {
		return ns
	}
	if !ctx.noEntropy && !r.pol.disabled["entropy"] && codeToken(v) {
		return r.secret(loc, "entropy", v)
	}
	return v
}

// wholeIP says whether v is one IP address (white space around it).
func wholeIP(v string) bool {
	t := strings.TrimSpace(v)
	if len(t) < 7 || len(t) > 45 || strings.IndexByte(t, '.') < 0 && strings.IndexByte(t, ':') < 0 {
		return false
	}
	return net.ParseIP(t) != nil
}

// valueLike says whether a literal under a secret name holds a value
// rather than a word, a label, a path or a prefix that only names the
// secret: at least 4 characters, no white space, not a plain word
// ("Password", "access_token", "auth.token.expired"), not a path or
// selector, no code or template punctuation, not "name=" or "name:".
func valueLike(v string) bool {
	if len(v) < 4 || len(v) > maxSearchValue {
		return false
	}
	if plainWord(v) || wordish(v) {
		return false
	}
	switch v[0] {
	case '/', '.', '#', '$', '{', '<', '%', '@':
		return false
	}
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ' ', '\t', '\n', '\r', '{', '}', '(', ')', '<', '>', ';', ',', '\'', '"', '`':
			return false
		}
	}
	if c := v[len(v)-1]; c == ':' || (c == '=' && nameOnly(v[:len(v)-1])) {
		return false
	}
	return true
}

// wordish says whether v reads as words with small numbers rather than a
// generated value: its pieces between '-', '_', '.', ':' and '/' are each
// letters, a number of at most 3 digits, or letters followed by at most 2
// digits ("variable-2", "string-2", "pop3_capabilities", "h1.title",
// "utf8"). A password or token mixes digits into its letters.
func wordish(v string) bool {
	start := 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && !strings.ContainsRune("-_.:/", rune(v[i])) {
			continue
		}
		p := v[start:i]
		start = i + 1
		if p == "" {
			continue
		}
		l := 0
		for l < len(p) && (p[l]|0x20 >= 'a' && p[l]|0x20 <= 'z') {
			l++
		}
		d := len(p) - l
		if !allDigits(p[l:]) || d > 3 || l > 0 && d > 2 {
			return false
		}
	}
	return true
}

// nameOnly: a parameter name and nothing else ("token", "a=1&api_key").
func nameOnly(s string) bool {
	if i := strings.LastIndexAny(s, "&?;,"); i >= 0 {
		s = s[i+1:]
	}
	if s == "" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if class[s[i]]&cName == 0 {
			return false
		}
	}
	return !randomish(s)
}

// trailingName returns the name a literal ends with, the name of the value
// that code appends to it: "…&client_secret=" -> "client_secret",
// "?api_key=" -> "api_key", "token: " -> "token", "Bearer " ->
// "authorization", "/invite/accept/" -> "/invite/accept" (its last two path
// segments, whose rules are the path-token rules). "" when the literal does not end with
// a name.
func trailingName(v string) string {
	t := strings.TrimRight(v, " ")
	if t == "" {
		return ""
	}
	if len(t) < len(v) {
		w := t
		if i := strings.LastIndexAny(t, " :"); i >= 0 {
			w = t[i+1:]
		}
		if strings.EqualFold(w, "bearer") || strings.EqualFold(w, "basic") {
			return "authorization"
		}
	}
	last := t[len(t)-1]
	if last == '/' && len(t) > 1 {
		// '/invite/accept/' + 'V': the segment names a path token
		segs := strings.Split(t[:len(t)-1], "/")
		if len(segs) > 2 {
			segs = segs[len(segs)-2:]
		}
		return "/" + strings.Join(segs, "/")
	}
	if last != '=' && last != ':' {
		return ""
	}
	e := len(t) - 1
	for e > 0 && (t[e-1] == '"' || t[e-1] == '\'') { // '"token":' inside a literal
		e--
	}
	s := e
	for s > 0 && e-s < 64 && class[t[s-1]]&cName != 0 {
		s--
	}
	if s == e {
		return ""
	}
	return t[s:e]
}

// codeToken says whether a literal's whole value is one generated-looking
// token (an unnamed secret: resume('V')): 24 to 256 characters of
// [A-Za-z0-9_-] (and base64 padding), upper and lower case letters and
// digits mixed, high entropy; not hex, not an alphabet ("ABC…xyz0123…"),
// not a UUID or a well-known ID.
func codeToken(v string) bool {
	n := len(strings.TrimRight(v, "="))
	if n < 24 || len(v) > 256 || len(v)-n > 2 {
		return false
	}
	var upper, lower, digit bool
	seq := 0
	for i := 0; i < n; i++ {
		c := v[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		case c == '_' || c == '-':
		default:
			return false
		}
		if i > 0 && c == v[i-1]+1 {
			seq++
		}
	}
	if hasWordPiece(v) {
		return false // "ff-684208-preventDefault": words joined by '-' or '_'
	}
	if n >= 32 && allDistinct(v) {
		return false // an alphabet ("useandom-26T198340PX75px…"): a random token repeats a character
	}
	if !digit && upper && lower && seq*4 <= n {
		return lettersToken(v)
	}
	if !upper || !lower || !digit || seq*4 > n || isHex(v) || hasPrefixFold(v, "sha256-") || hasPrefixFold(v, "sha384-") || hasPrefixFold(v, "sha512-") {
		return false
	}
	return highEntropy(v, 24, 3.9)
}

// hasWordPiece says whether v joins, with '-' or '_', a piece that reads
// as a word: 6 letters or more with at most 2 capitals ("preventDefault").
// The pieces of a generated base64url token mix in digits.
func hasWordPiece(v string) bool {
	if !strings.ContainsAny(v, "-_") {
		return false
	}
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == '_' }) {
		if len(p) < 6 || !allLetters(p) {
			continue
		}
		caps := 0
		for i := 0; i < len(p); i++ {
			if p[i] >= 'A' && p[i] <= 'Z' {
				caps++
			}
		}
		if caps <= 2 {
			return true
		}
	}
	return false
}

// allDistinct says whether no byte of v repeats.
func allDistinct(v string) bool {
	var seen [256]bool
	for i := 0; i < len(v); i++ {
		if seen[v[i]] {
			return false
		}
		seen[v[i]] = true
	}
	return true
}

// lettersToken says whether v is a generated token made of letters only
// (no digit, which highEntropy requires): 24 to 256 letters, upper and
// lower case each at least 30% of them (words in camelCase have a capital
// every word, "January_February" and "STIXMathJax_Alphabets-bold" have
// separators), and 4.2 bits of entropy a character.
func lettersToken(v string) bool {
	if len(v) < 24 || len(v) > 256 {
		return false
	}
	var counts [256]uint16
	up, low := 0, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'A' && c <= 'Z':
			up++
		case c >= 'a' && c <= 'z':
			low++
		default:
			return false
		}
		counts[c]++
	}
	return up*10 >= len(v)*3 && low*10 >= len(v)*3 && entropy(counts[:], len(v)) >= 4.2
}

// jsUnquote decodes the contents of a JavaScript string literal or
// template text (without its delimiters). ok is false for an escape it
// does not know, which leaves the literal as it is.
func jsUnquote(s string) (string, bool) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		switch c := s[i]; c {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '0':
			if i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				return "", false // legacy octal
			}
			b.WriteByte(0)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case '\n':
		case 'x':
			if i+2 >= len(s) || !isHex(s[i+1:i+3]) {
				return "", false
			}
			b.WriteRune(rune(hexVal(s[i+1 : i+3])))
			i += 2
		case 'u':
			var cp int
			switch {
			case i+1 < len(s) && s[i+1] == '{':
				k := strings.IndexByte(s[i:], '}')
				if k < 3 || k > 8 || !isHex(s[i+2:i+k]) {
					return "", false
				}
				cp = hexVal(s[i+2 : i+k])
				i += k
			case i+4 < len(s) && isHex(s[i+1:i+5]):
				cp = hexVal(s[i+1 : i+5])
				i += 4
				// a surrogate pair
				if cp >= 0xD800 && cp < 0xDC00 && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' && isHex(s[i+3:i+7]) {
					if lo := hexVal(s[i+3 : i+7]); lo >= 0xDC00 && lo < 0xE000 {
						cp = 0x10000 + (cp-0xD800)<<10 + (lo - 0xDC00)
						i += 6
					}
				}
			default:
				return "", false
			}
			if cp >= 0xD800 && cp < 0xE000 || cp > 0x10FFFF {
				return "", false // a lone surrogate has no UTF-8 form
			}
			b.WriteRune(rune(cp))
		default:
			if c >= '1' && c <= '9' {
				return "", false // legacy octal
			}
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

func hexVal(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c >= 'a' {
			n = n*16 + int(c-'a'+10)
		} else {
			n = n*16 + int(c-'0')
		}
	}
	return n
}

// jsQuote encodes v for the inside of a JavaScript literal delimited by q
// ('\”, '"' or '`' for template text). In an inline script (inHTML),
// "</" and "<!--" are escaped so that the script element does not end.
func jsQuote(v string, q byte, inHTML bool) string {
	var b strings.Builder
	b.Grow(len(v) + 8)
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == q:
			b.WriteByte('\\')
			b.WriteByte(c)
		case q == '`' && c == '$' && i+1 < len(v) && v[i+1] == '{':
			b.WriteString(`\$`)
		case c == '\n' && q != '`':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 && c != '\n' && c != '\t':
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		case inHTML && c == '<' && (strings.HasPrefix(v[i:], "</") || strings.HasPrefix(v[i:], "<!--")):
			b.WriteString(`\x3c`)
		case c == 0xE2 && i+2 < len(v) && v[i+1] == 0x80 && (v[i+2] == 0xA8 || v[i+2] == 0xA9) && q != '`':
			b.WriteString(`\u202`)
			b.WriteByte("89"[v[i+2]-0xA8])
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// redactLitRaw sanitizes the raw contents of a literal (as written in the
// source, between its delimiters) by decoding them with unquote, running
// sanitize on the value and encoding the result with quote. Contents
// without escapes are sanitized as they are; contents that do not decode
// are only searched for secret shapes, which replace runs of word
// characters and cannot break the literal.
func (r *Redactor) redactLitRaw(loc *locator, raw string, sanitize func(string) string, unquote func(string) (string, bool), quote func(string) string) string {
	v, ok := unquote(raw)
	if !ok {
		return r.text(loc, raw, textCtx{shapes: true, noPersonal: true})
	}
	nv := sanitize(v)
	if nv == v {
		return raw
	}
	if v == raw {
		// no escapes: the result is pieces of v and tags, which need none
		return nv
	}
	return quote(nv)
}

// codeLanguage returns the sanitizer of a body written in a language
// (HTML, JavaScript, CSS, XML) by its media type, or by its first bytes
// when the type says nothing (an empty type, text/plain,
// application/octet-stream); nil for any other body.
func codeLanguage(mt, s string) func(*Redactor, *locator, string, textCtx) string {
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		return (*Redactor).html
	case strings.Contains(mt, "javascript") || strings.Contains(mt, "ecmascript") || mt == "text/jsx" || mt == "application/x-typescript":
		return jsBody
	case mt == "text/css":
		return (*Redactor).css
	case mt == "text/xml" || mt == "application/xml" || strings.HasSuffix(mt, "+xml"):
		return (*Redactor).xmlDoc
	case mt == "" || mt == "text/plain" || mt == "application/octet-stream":
		head := strings.TrimLeft(s[:min(len(s), 512)], " \t\r\n\ufeff")
		switch {
		case hasPrefixFold(head, "<?xml"):
			return (*Redactor).xmlDoc
		case hasPrefixFold(head, "<!doctype html") || hasPrefixFold(head, "<html"):
			return (*Redactor).html
		}
	}
	return nil
}

func jsBody(r *Redactor, loc *locator, s string, ctx textCtx) string {
	return r.javascript(loc, s, ctx, false)
}

// lexBufs are the lexers' copies of the code they read (a lexer wants a
// byte slice it may write to, with room for a NUL after the end).
var lexBufs = sync.Pool{New: func() any { return new([]byte) }}

// lexInput returns a lexer input holding a copy of s, and the function
// that gives the copy back once the lexer is done. Tokens must be taken
// from s by offset, not from the copy.
func lexInput(s string) (*parse.Input, func()) {
	bp := lexBufs.Get().(*[]byte)
	b := *bp
	if cap(b) < len(s)+1 {
		b = make([]byte, 0, len(s)+1+len(s)/8)
	}
	b = append(b[:0], s...)
	*bp = b
	return parse.NewInputBytes(b), func() {
		if cap(*bp) <= 8<<20 {
			lexBufs.Put(bp)
		}
	}
}

// rewrite is the output of a code sanitizer: the source copied token by
// token, held back until a token changes (most bodies come out as they
// went in, and then the source itself is returned). Tokens are taken
// from src by their offsets (pos), never from the lexer's copy.
type rewrite struct {
	src     string
	b       strings.Builder
	changed bool
	pos     int // the end of the last token read
}

// next advances over a token of n bytes and returns its start and the
// token; ok is false when the lexer claims more bytes than src has.
func (w *rewrite) next(n int) (start int, tok string, ok bool) {
	start = w.pos
	w.pos += n
	if w.pos > len(w.src) {
		return start, "", false
	}
	return start, w.src[start:w.pos], true
}

// emit writes nt in place of the token tok that starts at start.
func (w *rewrite) emit(start int, tok, nt string) {
	if nt != tok && !w.changed {
		w.b.Grow(len(w.src) + 64)
		w.b.WriteString(w.src[:start])
		w.changed = true
	}
	if w.changed {
		w.b.WriteString(nt)
	}
}

// result is the rewritten source; ok is false when the lexer did not
// account for every byte (the caller then falls back).
func (w *rewrite) result() (string, bool) {
	if w.pos != len(w.src) {
		return w.src, false
	}
	if !w.changed {
		return w.src, true
	}
	return w.b.String(), true
}
