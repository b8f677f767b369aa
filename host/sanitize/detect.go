package sanitize

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"math/bits"
	"net"
	"sort"
	"strings"
)

// textCtx says which detectors apply to a string.
type textCtx struct {
	noPersonal bool // reporter fields: no email, card, IP
	ip         bool // bodies and forwarding headers: IP addresses are personal data
	noEntropy  bool // request-ID headers: no entropy or keyword-entropy rule
	depth      int  // nesting of URLs and JSON inside strings
	// structure: the HAR's own fields and Reprokit's documents, not a
	// recorded body. Their numbers are sizes, timings, statuses and close
	// codes that readers decode as numbers, never secrets; a number under
	// a secret name ("pin": 1234) is redacted in bodies only.
	structure bool
	// shapes: text inside code that could not be read as its language
	// (a literal with an unknown escape, a script that does not lex):
	// only the detectors that replace a run of word characters apply,
	// not the passes that take a value up to a delimiter (assignments,
	// HTML attributes), which could swallow a quote.
	shapes bool
	// code: the contents of a literal in code (a JavaScript string, an
	// attribute value, a CSS url()): a value under a secret name goes
	// only when it looks like a value (valueLike), in URLs and
	// assignments inside the literal too
	code bool
	// docURL: the URL is that of a document, an XHR or fetch, or a
	// redirect (not of a script, stylesheet, image or font): a long hex
	// path segment in it is a token (hex-path)
	docURL bool
}

// byte classes for the scanners.
const (
	cWord  = 1 << iota // A-Z a-z 0-9 _ -
	cB64               // word plus + / = (base64 and base64url)
	cName              // parameter-name characters
	cDigit             // 0-9
	cAlnum             // A-Z a-z 0-9
	cEmail             // email local-part characters
	cHost              // host name characters
)

var class [256]uint8

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		alnum := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
		var k uint8
		if alnum || b == '_' || b == '-' {
			k |= cWord | cB64
		}
		if b == '+' || b == '/' || b == '=' {
			k |= cB64
		}
		if alnum || b == '_' || b == '-' || b == '.' || b == '[' || b == ']' || b == '$' {
			k |= cName
		}
		if b >= '0' && b <= '9' {
			k |= cDigit
		}
		if alnum {
			k |= cAlnum
		}
		if alnum || strings.IndexByte("._%+-'", b) >= 0 {
			k |= cEmail
		}
		if alnum || b == '-' || b == '.' {
			k |= cHost
		}
		class[c] = k
	}
}

// text sanitizes free text: private keys, URLs, HTML inputs and meta tags,
// "name=value" and "name: value" assignments, secret shapes, user patterns
// and personal data, in that order. Each pass skips existing tags.
func (r *Redactor) text(loc *locator, s string, ctx textCtx) string {
	if len(s) < 6 || len(s) <= maxShortProse && len(r.pol.patterns) == 0 && !shortProseOff && shortProse(s) {
		return s
	}
	if strings.Contains(s, "-----BEGIN") {
		s = r.pemPass(loc, s)
	}
	if strings.Contains(s, "://") {
		s = r.urlPass(loc, s, ctx)
	}
	if !ctx.shapes && strings.IndexByte(s, '<') >= 0 {
		s = r.htmlPass(loc, s, ctx)
	}
	if !ctx.shapes && (strings.IndexByte(s, '=') >= 0 || strings.IndexByte(s, ':') >= 0) {
		s = r.assignPass(loc, s, ctx)
	}
	s, labels := r.wordScan(loc, s, ctx)
	if labels&labelBearer != 0 && !r.pol.disabled["bearer"] {
		s = r.bearerPass(loc, s)
	}
	for _, p := range r.pol.patterns {
		s = r.patternPass(loc, s, p)
	}
	if !ctx.noPersonal && !r.pol.disabled["email"] {
		s = r.emailPass(loc, s)
	}
	if !ctx.noPersonal && !r.pol.disabled["card"] && len(s) >= 13 && countDigits(s) >= 13 {
		s = r.cardPass(loc, s)
	}
	if !ctx.noPersonal && ctx.ip && !r.pol.disabled["ip"] {
		s = r.ipPass(loc, s)
	}
	if labels&labelMAC != 0 && !ctx.noPersonal && !r.pol.disabled["mac"] {
		s = r.macPass(loc, s)
	}
	if labels&labelSerial != 0 && !ctx.noPersonal && !r.pol.disabled["serial"] {
		s = r.serialPass(loc, s)
	}
	return s
}

// shortProseOff turns the shortcut off (a test compares the two).
var shortProseOff bool

// maxShortProse is the longest text shortProse looks at: past it the
// passes' own searches (memchr-fast) cost less than its byte loop.
const maxShortProse = 160

// shortProse says whether s is only words of letters (under 12, no
// "bearer" or "serial") with spaces and ",!?" between them: text in which
// no pass of text can find anything (a vendor key made of letters alone
// is 12 or more, a keyword's secret 16 or more, a JWT has dots; other
// secrets follow a label or a character not allowed here; personal data
// needs digits or '@'). Most of a script's string literals read so: their text
// is skipped in one loop instead of one per pass.
func shortProse(s string) bool {
	word := 0
	for i := 0; i < len(s); i++ {
		switch proseClass[s[i]] {
		case proseLetter:
			if word++; word >= 12 {
				return false
			}
		case proseSpace:
			if word == 6 && labelWord(s[i-6:i]) {
				return false
			}
			word = 0
		default:
			return false
		}
	}
	return word != 6 || !labelWord(s[len(s)-6:])
}

// labelWord says whether a word of six letters is a label a secret
// follows ("bearer", "serial").
func labelWord(w string) bool {
	return strings.EqualFold(w, "bearer") || strings.EqualFold(w, "serial")
}

const (
	proseOther = iota
	proseLetter
	proseSpace
)

// proseClass is the class of a byte in shortProse: a letter, a space or
// ",!?", or anything else.
var proseClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = proseLetter, proseLetter
	}
	for _, c := range " ,!?" {
		t[c] = proseSpace
	}
	return t
}()

// secret replaces the whole value v found by rule: a JWT keeps its harmless
// claims, a known key shape is tagged with its detector's kind, anything
// else with the rule's name. Tags are kept as they are.
func (r *Redactor) secret(loc *locator, rule, v string) string {
	if v == "" || isTag(v) {
		return v
	}
	if mediaDataURI(v) {
		// an inline image, font or sound under a name that looks
		// sensitive ("token_icon"): not a secret; its base64 is only
		// searched for key shapes
		return r.wordPass(loc, v, textCtx{noEntropy: true})
	}
	if strings.HasPrefix(v, "eyJ") {
		if end, kind := jwtAt(v, 0); end == len(v) && (kind == "jwt" || kind == "jwe") {
			return r.replace(loc, rule, kind, v)
		}
	}
	if kind, end := r.vendorAt(v, 0); kind != "" && end == len(v) {
		return r.replace(loc, rule, kind, v)
	}
	r.nestedSecrets(v)
	return r.replace(loc, rule, rule, v)
}

// nestedSecrets marks the secrets inside a composite value that a rule
// redacts whole ("x token=V y" under an Authorization header): V may
// appear alone elsewhere, so Verify and the consistency pass search for
// it too (found by FuzzSameValue). Values of one piece are skipped.
func (r *Redactor) nestedSecrets(v string) {
	if r.dryRun || !composite(v) {
		return
	}
	probe := r.dryChild()
	probe.text(&locator{}, v, textCtx{noPersonal: true})
	vals := make([]string, 0, len(probe.seen))
	for s := range probe.seen {
		if s != v {
			vals = append(vals, s)
		}
	}
	sort.Strings(vals)
	for _, s := range vals {
		r.alsoSecret(probe.seen[s], s)
	}
}

// composite says whether v has parts: a separator, or an '=' that is not
// base64 padding.
func composite(v string) bool {
	if strings.ContainsAny(v, " \t\n:;,&\"'") {
		return true
	}
	k := strings.IndexByte(v, '=')
	return k >= 0 && strings.TrimRight(v[k:], "=") != ""
}

// mediaDataURI says whether v is a data: URI of an image, a font, audio or
// video (Chrome's error pages and most CSS inline them by the kilobyte).
func mediaDataURI(v string) bool {
	if len(v) < 11 || !hasPrefixFold(v, "data:") {
		return false
	}
	m := v[5:]
	comma := strings.IndexByte(m, ',')
	if comma < 0 || comma > 128 {
		return false
	}
	m = strings.ToLower(m[:comma])
	for _, p := range []string{"image/", "font/", "audio/", "video/", "application/font", "application/x-font", "application/vnd.ms-fontobject"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
}

// --- private keys

func (r *Redactor) pemPass(loc *locator, s string) string {
	if r.pol.disabled["private-key"] {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; ; {
		j := strings.Index(s[i:], "-----BEGIN")
		if j < 0 {
			break
		}
		start := i + j
		hdrEnd := strings.Index(s[start+10:], "-----")
		if hdrEnd < 0 || hdrEnd > 80 || !strings.Contains(s[start:start+10+hdrEnd], "PRIVATE KEY") {
			i = start + 10
			continue
		}
		end := len(s)
		if k := strings.Index(s[start+10:], "-----END"); k >= 0 {
			end = start + 10 + k + 8
			if m := strings.Index(s[end:], "-----"); m >= 0 && m < 80 {
				end += m + 5
			}
		}
		b.WriteString(s[last:start])
		b.WriteString(r.replace(loc.at(start), "private-key", "private-key", s[start:end]))
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// --- URLs in text

func (r *Redactor) urlPass(loc *locator, s string, ctx textCtx) string {
	if ctx.depth > 4 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; ; {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		k := i + j
		start := k
		for start > last && (s[start-1] >= 'a' && s[start-1] <= 'z' || s[start-1] >= 'A' && s[start-1] <= 'Z' || s[start-1] >= '0' && s[start-1] <= '9' || s[start-1] == '+' || s[start-1] == '.' || s[start-1] == '-') {
			start--
		}
		for start < k && !(s[start] >= 'a' && s[start] <= 'z' || s[start] >= 'A' && s[start] <= 'Z') {
			start++ // a scheme starts with a letter
		}
		end := k + 3
		for end < len(s) && !urlStop(s[end]) {
			end++
		}
		if start == k {
			i = k + 3
			continue
		}
		u := s[start:end]
		nu := r.url(loc.at(start), u, ctx)
		if nu != u {
			b.WriteString(s[last:start])
			b.WriteString(nu)
			last = end
		}
		i = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func urlStop(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`', '\\', '{', '}', '|', '^':
		return true
	}
	return c < 0x20
}

// --- HTML hidden inputs and meta tags

func (r *Redactor) htmlPass(loc *locator, s string, ctx textCtx) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			break
		}
		start := i + j
		i = start + 1
		var isInput bool
		switch {
		case hasPrefixFold(s[start+1:], "input"):
			isInput = true
		case hasPrefixFold(s[start+1:], "meta"):
		default:
			continue
		}
		end := strings.IndexByte(s[start:], '>')
		if end < 0 || end > 8192 {
			continue
		}
		tag := s[start : start+end]
		attrs := parseAttrs(tag)
		valAttr := "content"
		name := attrs.get("name") + attrs.get("property") + attrs.get("http-equiv") + attrs.get("itemprop")
		if isInput {
			valAttr = "value"
			name = attrs.get("name") + attrs.get("id")
		}
		vs, ve, ok := attrs.span(valAttr)
		if !ok || ve == vs {
			continue
		}
		v := tag[vs:ve]
		if isTag(v) {
			continue
		}
		rule := ""
		if m := r.matchAny(name); m != nil {
			if !r.phoneApplies(m, v, ctx) {
				continue
			}
			rule = m.Name
		} else if isInput && strings.EqualFold(attrs.get("type"), "hidden") && len(v) >= 8 {
			rule = "hidden-input"
		} else if !isInput && highEntropy(v, 16, 3.0) {
			rule = "meta-token"
		}
		if rule == "" {
			continue
		}
		b.WriteString(s[last : start+vs])
		b.WriteString(r.secret(loc.at(start+vs), rule, v))
		last = start + ve
		i = start + end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// attrList holds the attributes of one HTML tag: name and value offsets.
type attrList []struct {
	name       string
	start, end int
	tag        string
}

func (a attrList) get(name string) string {
	for _, x := range a {
		if strings.EqualFold(x.name, name) {
			return x.tag[x.start:x.end]
		}
	}
	return ""
}

func (a attrList) span(name string) (int, int, bool) {
	for _, x := range a {
		if strings.EqualFold(x.name, name) {
			return x.start, x.end, true
		}
	}
	return 0, 0, false
}

func parseAttrs(tag string) attrList {
	var out attrList
	i := 1
	for i < len(tag) && tag[i] != ' ' && tag[i] != '\t' && tag[i] != '\n' {
		i++
	}
	for i < len(tag) {
		for i < len(tag) && (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\n' || tag[i] == '\r' || tag[i] == '/') {
			i++
		}
		ns := i
		for i < len(tag) && tag[i] != '=' && tag[i] != ' ' && tag[i] != '\t' && tag[i] != '\n' && tag[i] != '/' {
			i++
		}
		name := tag[ns:i]
		if name == "" {
			i++
			continue
		}
		if i >= len(tag) || tag[i] != '=' {
			continue
		}
		i++
		var vs, ve int
		if i < len(tag) && (tag[i] == '"' || tag[i] == '\'') {
			q := tag[i]
			vs = i + 1
			k := strings.IndexByte(tag[vs:], q)
			if k < 0 {
				ve = len(tag)
			} else {
				ve = vs + k
			}
			i = ve + 1
		} else {
			vs = i
			for i < len(tag) && tag[i] != ' ' && tag[i] != '\t' && tag[i] != '\n' {
				i++
			}
			ve = i
		}
		out = append(out, struct {
			name       string
			start, end int
			tag        string
		}{name, vs, ve, tag})
	}
	return out
}

// --- assignments: name=value, name: value, "name":"value"

// matchAny matches a name against the parameter, then the key rules.
func (r *Redactor) matchAny(name string) *Rule {
	if name == "" {
		return nil
	}
	if m := r.pol.match(InParam, name); m != nil {
		return m
	}
	return r.pol.match(InKey, name)
}

func (r *Redactor) assignPass(loc *locator, s string, ctx textCtx) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '[' && strings.HasPrefix(s[i+1:], "REDACTED:") {
			if k := strings.IndexByte(s[i:], ']'); k > 0 {
				i += k
			}
			continue
		}
		if c != '=' && c != ':' {
			continue
		}
		// the name before the operator
		ne := i
		for ne > last && (s[ne-1] == ' ' || s[ne-1] == '\t') {
			ne--
		}
		quoted := false
		for ne > last && (s[ne-1] == '"' || s[ne-1] == '\'' || s[ne-1] == '\\') {
			ne--
			quoted = true
		}
		ns := ne
		for ns > last && ne-ns < 64 && class[s[ns-1]]&cName != 0 {
			ns--
		}
		if ns == ne {
			continue
		}
		name := s[ns:ne]
		// a CSS attribute selector ("aria/Password[role=\"textbox\"]"):
		// the name is the attribute's, not the text before '['; a
		// bracketed parameter name ("user[password]=…") stays whole
		if k := strings.LastIndexByte(name, '['); k >= 0 && name[len(name)-1] != ']' {
			ns += k + 1
			if ns == ne {
				continue
			}
			name = s[ns:ne]
		}
		before := byte(0)
		if ns > 0 {
			before = s[ns-1]
		}
		lineStart := before == 0 || before == '\n'
		// a parameter has no spaces around its '=' ("lastToken = x" is code)
		urlCtx := c == '=' && ne == i && (i+1 >= len(s) || s[i+1] != ' ') && (before == '?' || before == '&' || before == '#' || before == ';' || before == 0)
		// header lines in raw HTTP text: "Authorization: Bearer x"
		if c == ':' && lineStart && !quoted && headerLine(s, name, i) {
			if hr, exact := r.pol.matchExact(InHeader, name); hr != nil && (exact || strings.IndexByte(name, '-') > 0) {
				vs := i + 1
				for vs < len(s) && s[vs] == ' ' {
					vs++
				}
				ve := vs
				for ve < len(s) && s[ve] != '\n' && s[ve] != '\r' {
					ve++
				}
				if ve > vs {
					nv := r.header(loc.at(vs), name, s[vs:ve])
					if nv != s[vs:ve] {
						b.WriteString(s[last:vs])
						b.WriteString(nv)
						last = ve
					}
				}
				i = ve - 1
				continue
			}
		}
		// "name": value is JSON or code: key rules first (they keep error
		// codes); name=value is a parameter
		var rule *Rule
		if c == ':' {
			if rule = r.pol.match(InKey, name); rule == nil {
				rule = r.pol.match(InParam, name)
			}
		} else {
			rule = r.matchAny(name)
		}
		if rule == nil || rule.Mode == ModeURL || rule.Mode == ModeIP {
			continue
		}
		// the value after the operator
		vs := i + 1
		for vs < len(s) && (s[vs] == ' ' || s[vs] == '\t') {
			vs++
		}
		var q byte
		esc := false
		if vs < len(s) && (s[vs] == '"' || s[vs] == '\'' || s[vs] == '`') {
			q = s[vs]
			vs++
		} else if vs+1 < len(s) && s[vs] == '\\' && s[vs+1] == '"' {
			q, esc = '"', true
			vs += 2
		}
		ve := vs
		if q != 0 {
			for ve < len(s) && ve-vs < 8192 {
				if esc && s[ve] == '\\' && ve+1 < len(s) && s[ve+1] == '"' {
					break
				}
				if !esc && s[ve] == '\\' {
					ve += 2
					continue
				}
				if s[ve] == q && !esc {
					break
				}
				ve++
			}
			if ve > len(s) {
				ve = len(s)
			}
		} else {
			switch {
			case !urlCtx && strings.Contains(NormalizeName(name), "passphrase"):
				// a passphrase is words: the rest of the line
				for ve < len(s) && s[ve] != '\n' && s[ve] != '\r' {
					ve++
				}
				for ve > vs && (s[ve-1] == ' ' || s[ve-1] == '\t') {
					ve--
				}
			case rule.Name == "azure-storage-key":
				// a shared access signature holds '&' and '=': up to ';'
				for ve < len(s) && s[ve] != ';' && !valueStop(s[ve], ' ') || ve < len(s) && (s[ve] == '&' || s[ve] == '#') {
					ve++
				}
			default:
				for ve < len(s) && !valueStop(s[ve], c) {
					ve++
				}
			}
			if codeValue(s, vs, !urlCtx) || cssSelector(s, name, ve) {
				// an expression, not a literal: "tokens[tokens.length - 1]",
				// "Sizzle.tokenize", "arguments[0]", "{toString: function"
				i = ve - 1
				continue
			}
		}
		v := s[vs:ve]
		if v == "" || isTag(v) || strings.HasPrefix(v, "[REDACTED:") {
			continue
		}
		if q == 0 && c == '=' && vs > i+1 && nextAssignment(v) {
			continue // "session= token=…": session is empty, token is next
		}
		if strings.HasPrefix(v, "eyJ") {
			if end, kind := jwtAt(s, vs); kind == "sanitized" {
				i = end - 1
				continue
			}
		}
		if (q == 0 && !urlCtx && !lineStart || before == '[') && !secretish(v) {
			// a variable or a selector's attribute value, not a secret:
			// do not look for names inside it
			i = ve - 1
			continue
		}
		if rule.Mode == ModeCookie || rule.Mode == ModeConnString || !r.ruleApplies(rule, v, ctx) {
			continue // a connection string's secret pairs are assignments of their own
		}
		if nextAssignment(v) {
			// `"token": token=V` redacts "token=V" whole; V alone is the
			// secret too wherever else it appears (found by FuzzSameValue)
			r.alsoSecret(rule.Name, v[strings.IndexByte(v, '=')+1:])
		}
		b.WriteString(s[last:vs])
		b.WriteString(r.secret(loc.at(vs), rule.Name, v))
		last = ve
		i = ve - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// nextAssignment says whether an unquoted value is itself "name=value"
// (not base64 padding): the value of the assignment before it is empty.
func nextAssignment(v string) bool {
	k := strings.IndexByte(v, '=')
	if k <= 0 || strings.TrimRight(v[k:], "=") == "" {
		return false
	}
	for i := 0; i < k; i++ {
		if class[v[i]]&cName == 0 {
			return false
		}
	}
	return true
}

func valueStop(c, op byte) bool {
	switch c {
	case '&', '#', ';', ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`', ')', '}', ']', '\\':
		return true
	case ',':
		return op == ':'
	}
	return false
}

// secretish says whether an unquoted value in code looks like a literal
// secret rather than a variable: it has a digit, or is long and mixed.
func secretish(v string) bool {
	if len(v) < 4 {
		return false
	}
	switch v {
	case "null", "true", "false", "undefined", "function", "this", "void", "new", "return", "typeof":
		return false
	}
	var digit, upper, lower, other bool
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c == '.' || c == '_' || c == '$' || c == '(' || c == '[':
		default:
			other = true
		}
	}
	if strings.ContainsAny(v, "(.[") && !digit {
		return false // a member expression or a call
	}
	return digit || other || (upper && lower && len(v) >= 12)
}

// plainWord: letters and _ - . only, as in an error code ("invalid_grant").
func plainWord(v string) bool {
	if v == "" {
		return true
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-' || c == '.' || c == ' ') {
			return false
		}
	}
	return true
}

// --- secret shapes: JWT, JWE, vendor keys, keyword plus entropy

type vendorRule struct {
	prefix string
	kind   string
	min    int    // minimum length after the prefix
	max    int    // maximum length after the prefix (0: none)
	chars  string // "" word chars; "upper" A-Z0-9; "hex" lowercase hex; "alpha" letters
}

var vendorRules = []vendorRule{
	{"sk-ant-", "anthropic", 20, 0, ""},
	{"sk-proj-", "openai", 20, 0, ""}, {"sk-svcacct-", "openai", 20, 0, ""}, {"sk-admin-", "openai", 20, 0, ""}, {"sk-", "openai", 20, 0, ""},
	{"AKIA", "aws-access-key", 16, 16, "upper"}, {"ASIA", "aws-access-key", 16, 16, "upper"}, {"ABIA", "aws-access-key", 16, 16, "upper"}, {"ACCA", "aws-access-key", 16, 16, "upper"},
	{"AIza", "google-api-key", 30, 40, ""}, {"ya29.", "google-oauth-token", 20, 0, ""}, {"GOCSPX-", "google-client-secret", 20, 0, ""}, {"1//0", "google-oauth-token", 30, 0, ""},
	{"ghp_", "github-token", 30, 0, ""}, {"gho_", "github-token", 30, 0, ""}, {"ghu_", "github-token", 30, 0, ""}, {"ghs_", "github-token", 30, 0, ""}, {"ghr_", "github-token", 30, 0, ""}, {"github_pat_", "github-token", 40, 0, ""},
	{"glpat-", "gitlab-token", 20, 0, ""}, {"gldt-", "gitlab-token", 20, 0, ""}, {"glrt-", "gitlab-token", 20, 0, ""}, {"glptt-", "gitlab-token", 20, 0, ""},
	{"xoxb-", "slack-token", 10, 0, ""}, {"xoxp-", "slack-token", 10, 0, ""}, {"xoxa-", "slack-token", 10, 0, ""}, {"xoxr-", "slack-token", 10, 0, ""}, {"xoxs-", "slack-token", 10, 0, ""}, {"xoxe-", "slack-token", 10, 0, ""}, {"xapp-", "slack-token", 10, 0, ""},
	{"sk_live_", "stripe-key", 16, 0, ""}, {"sk_test_", "stripe-key", 16, 0, ""}, {"rk_live_", "stripe-key", 16, 0, ""}, {"rk_test_", "stripe-key", 16, 0, ""}, {"whsec_", "stripe-key", 16, 0, ""},
	{"SK", "twilio-key", 32, 32, "hex"}, {"SG.", "sendgrid-key", 60, 0, ""}, {"hf_", "huggingface-token", 30, 0, "alpha"}, {"npm_", "npm-token", 36, 0, ""},
	{"shpat_", "vendor-key", 32, 0, ""}, {"shpss_", "vendor-key", 32, 0, ""}, {"dop_v1_", "vendor-key", 40, 0, ""}, {"lin_api_", "vendor-key", 30, 0, ""}, {"PMAK-", "vendor-key", 30, 0, ""},
	{"pypi-", "vendor-key", 50, 0, ""}, {"hvs.", "vendor-key", 24, 0, ""}, {"sbp_", "vendor-key", 30, 0, ""}, {"gsk_", "vendor-key", 30, 0, ""}, {"r8_", "vendor-key", 30, 0, ""},
	{"pplx-", "vendor-key", 30, 0, ""}, {"xai-", "vendor-key", 30, 0, ""}, {"sq0atp-", "vendor-key", 20, 0, ""}, {"sq0csp-", "vendor-key", 20, 0, ""}, {"ATATT", "vendor-key", 30, 0, ""},
	{"glc_", "vendor-key", 30, 0, ""}, {"dapi", "vendor-key", 32, 32, "hex"}, {"key-", "vendor-key", 32, 32, "hex"}, {"AGE-SECRET-KEY-", "vendor-key", 30, 0, ""}, {"ntn_", "vendor-key", 30, 0, ""},
}

var vendorByFirst [256][]*vendorRule

func init() {
	for i := range vendorRules {
		v := &vendorRules[i]
		vendorByFirst[v.prefix[0]] = append(vendorByFirst[v.prefix[0]], v)
	}
}

// vendorAt checks for a vendor key starting at s[i] (a word start).
func (r *Redactor) vendorAt(s string, i int) (kind string, end int) {
	for _, v := range vendorByFirst[s[i]] {
		if !strings.HasPrefix(s[i:], v.prefix) || r.pol.disabled[v.kind] {
			continue
		}
		j := i + len(v.prefix)
		for j < len(s) && vendorChar(s[j], v.chars) {
			j++
		}
		// Google OAuth and SendGrid tokens have dots inside
		if v.kind == "sendgrid-key" || v.kind == "google-oauth-token" {
			for j < len(s) && (vendorChar(s[j], v.chars) || s[j] == '.') {
				j++
			}
		}
		if v.kind == "google-oauth-token" && strings.HasPrefix(v.prefix, "1//") {
			for j < len(s) && vendorChar(s[j], v.chars) {
				j++
			}
		}
		n := j - i - len(v.prefix)
		if n < v.min || (v.max > 0 && n > v.max) {
			continue
		}
		if j < len(s) && class[s[j]]&cAlnum != 0 {
			continue // longer alphanumeric run: not this shape
		}
		body := s[i+len(v.prefix) : j]
		if v.chars == "" && !randomish(body) {
			continue
		}
		return v.kind, j
	}
	return "", 0
}

func vendorChar(c byte, chars string) bool {
	switch chars {
	case "upper":
		return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	case "hex":
		return c >= 'a' && c <= 'f' || c >= '0' && c <= '9'
	case "alpha":
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	return class[c]&cWord != 0
}

// randomish: a generated token mixes digits and letters.
func randomish(s string) bool {
	var digit, letter bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			digit = true
		} else if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			letter = true
		}
		if digit && letter {
			return true
		}
	}
	return false
}

// jwtAt checks for a JWS (3 parts) or JWE (5 parts) at s[i:], which starts
// with "eyJ". It returns the end and the kind ("jwt" or "jwe"), or "".
func jwtAt(s string, i int) (end int, kind string) {
	var dots [4]int
	nd := 0
	j := i
	for j < len(s) {
		c := s[j]
		if class[c]&cWord != 0 {
			j++
			continue
		}
		if c == '.' && nd < 4 {
			dots[nd] = j
			nd++
			j++
			continue
		}
		break
	}
	if j < len(s) && s[j] == '=' { // padded base64 is not a JWT, but tolerate one signature pad
		for j < len(s) && s[j] == '=' {
			j++
		}
	}
	switch nd {
	case 2:
		if dots[0]-i < 10 || dots[1]-dots[0] < 3 {
			return 0, ""
		}
		if j == dots[1]+1 && strings.HasPrefix(s[j:], "[REDACTED:") {
			if k := strings.IndexByte(s[j:], ']'); k > 0 {
				return j + k + 1, "sanitized" // a sanitized JWT: leave it
			}
			return 0, ""
		}
		hdr, ok := b64json(s[i:dots[0]])
		if !ok || hdr["alg"] == nil {
			return 0, ""
		}
		return j, "jwt"
	case 4:
		hdr, ok := b64json(s[i:dots[0]])
		if !ok || hdr["enc"] == nil {
			return 0, ""
		}
		return j, "jwe"
	}
	return 0, ""
}

func b64json(part string) (map[string]any, bool) {
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(part, "="))
	if err != nil {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return nil, false
	}
	return m, true
}

// jwtClaims are the claims a sanitized JWT keeps (header and payload).
var jwtClaims = map[string]bool{"alg": true, "kid": true, "iss": true, "aud": true, "exp": true, "iat": true, "scope": true}

// jwtReplacement re-encodes a JWS with only harmless claims and replaces its
// signature with a tag: "<header>.<payload>.[REDACTED:jwt:<h8>]". A JWE
// becomes a plain tag. Callers hold r.mu.
func (r *Redactor) jwtReplacement(kind, tok string) string {
	tag := r.tagLocked(kind, tok)
	if kind != "jwt" {
		return tag
	}
	parts := strings.SplitN(tok, ".", 3)
	hdr, ok1 := b64json(parts[0])
	pay, ok2 := b64json(parts[1])
	if !ok1 || !ok2 {
		return tag
	}
	enc := func(m map[string]any) string {
		keep := map[string]any{}
		for k, v := range m {
			if jwtClaims[k] {
				if s, ok := v.(string); ok && len(s) > 200 {
					continue
				}
				keep[k] = v
			}
		}
		data, _ := json.Marshal(keep) // sorted keys
		return base64.RawURLEncoding.EncodeToString(data)
	}
	return enc(hdr) + "." + enc(pay) + "." + tag
}

// keywords that make the next high-entropy word a secret in free text.
var secretKeywords = []string{"secret", "token", "passw", "pwd", "apikey", "api_key", "api-key", "bearer", "credential", "auth", "private", "key", "sig"}

func (r *Redactor) wordPass(loc *locator, s string, ctx textCtx) string {
	out, _ := r.wordScan(loc, s, ctx)
	return out
}

// Labels that wordScan notices on its way through the words of a string,
// so that the detectors they start run only where they can match.
const (
	labelBearer = 1 << iota // the word "Bearer"
	labelSerial             // the word "Serial", or "S/"
	labelMAC                // two hex digits before ':', or a 17-character word with '-' at 2
)

// wordScan is wordPass that also says which labels it saw.
func (r *Redactor) wordScan(loc *locator, s string, ctx textCtx) (string, uint8) {
	var labels uint8
	var b strings.Builder
	last := 0
	prevStart, prevEnd := -10, -10   // the previous word, for keyword plus entropy
	prev2Start, prev2End := -20, -20 // and the one before ("key is <secret>")
	for i := 0; i < len(s); {
		c := s[i]
		if class[c]&cWord == 0 {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && class[s[j]]&cWord != 0 {
			j++
		}
		switch j - i {
		case 1:
			if c == 'S' && j < len(s) && s[j] == '/' {
				labels |= labelSerial
			}
		case 2:
			if j < len(s) && s[j] == ':' && isHexByte(c) && isHexByte(s[i+1]) {
				labels |= labelMAC
			}
		case 6:
			if c|0x20 == 'b' && strings.EqualFold(s[i:j], "bearer") {
				labels |= labelBearer
			} else if c|0x20 == 's' && strings.EqualFold(s[i:j], "serial") {
				labels |= labelSerial
			}
		case 17:
			if s[i+2] == '-' {
				labels |= labelMAC
			}
		}
		if j-i < 8 && (j == len(s) || s[j] != '.' && s[j] != '/') {
			// a short word is no JWT (10+ before its first dot), vendor key
			// (12+, or a prefix before '.' or '/'), tag ("REDACTED") or
			// keyword-entropy secret (16+): only remember it as a keyword
			if (i == 0 || s[i-1] != '+' && s[i-1] != '/' && s[i-1] != '=') && (j == len(s) || s[j] != '+') {
				prev2Start, prev2End = prevStart, prevEnd
				prevStart, prevEnd = i, j
			} else {
				prev2Start, prev2End, prevStart, prevEnd = -20, -20, -10, -10
			}
			i = j
			continue
		}
		// a tag: skip it whole
		if i > 0 && s[i-1] == '[' && strings.HasPrefix(s[i:], "REDACTED:") {
			if k := strings.IndexByte(s[i:], ']'); k > 0 {
				i += k + 1
				continue
			}
		}
		end, kind := 0, ""
		if j-i >= 3 && s[i] == 'e' && s[i+1] == 'y' && s[i+2] == 'J' && !r.pol.disabled["jwt"] {
			end, kind = jwtAt(s, i)
		}
		if kind == "sanitized" {
			i = end
			continue
		}
		// vendor keys are 12+ characters, or a short word before a '.' or
		// '/' ("ya29.", "SG.", "hvs.", "1//")
		if kind == "" && len(vendorByFirst[c]) > 0 && (j-i >= 12 || j < len(s) && (s[j] == '.' || s[j] == '/')) {
			kind, end = r.vendorAt(s, i)
		}
		near1 := prevEnd >= 0 && i-prevEnd <= 4
		near2 := prev2End >= 0 && i-prev2End <= 8
		if kind == "" && !ctx.noEntropy && j-i >= 8 && (near1 || near2) && !r.pol.disabled["keyword"] {
			k := j
			for k < len(s) && class[s[k]]&cB64 != 0 {
				k++
			}
			if k-i >= 16 && (near1 && r.keyword(s[prevStart:prevEnd]) || near2 && r.keyword(s[prev2Start:prev2End])) && highEntropy(s[i:k], 16, 3.2) && !wordish(s[i:k]) {
				kind, end = "keyword", k
			}
		}
		if kind != "" {
			v := s[i:end]
			nv := r.replace(loc.at(i), kind, kind, v)
			b.WriteString(s[last:i])
			b.WriteString(nv)
			last = end
			i = end
			continue
		}
		// a keyword counts only as a word of its own, not as letters
		// inside base64 ("…+KeYx/…" in an image)
		if (i == 0 || s[i-1] != '+' && s[i-1] != '/' && s[i-1] != '=') && (j == len(s) || s[j] != '+' && s[j] != '/') {
			prev2Start, prev2End = prevStart, prevEnd
			prevStart, prevEnd = i, j
		} else {
			prev2Start, prev2End, prevStart, prevEnd = -20, -20, -10, -10
		}
		i = j
	}
	if last == 0 {
		return s, labels
	}
	b.WriteString(s[last:])
	return b.String(), labels
}

// keyword says whether the word w makes the next high-entropy word a
// secret: it holds a keyword and is not a name kept on purpose
// ("Sec-WebSocket-Key" in a report's header table).
func (r *Redactor) keyword(w string) bool {
	return hasKeyword(w) && !r.pol.keep[NormalizeName(w)]
}

func hasKeyword(w string) bool {
	if len(w) < 3 || len(w) > 40 {
		return false
	}
	var buf [40]byte
	n := copy(buf[:], w)
	for i := 0; i < n; i++ {
		if buf[i] >= 'A' && buf[i] <= 'Z' {
			buf[i] += 'a' - 'A'
		}
	}
	lw := string(buf[:n])
	for _, k := range secretKeywords {
		if strings.Contains(lw, k) {
			return true
		}
	}
	return false
}

// highEntropy says whether v is one token that looks generated: at least
// minLen characters of [A-Za-z0-9_+/=.~-], digits and letters mixed, not a
// UUID or an ID with a well-known prefix (request and completion IDs are
// evidence), and a Shannon entropy of at least bits per character.
func highEntropy(v string, minLen int, bits float64) bool {
	if len(v) < minLen {
		return false
	}
	var counts [256]uint16
	var digit, letter bool
	for i := 0; i < len(v); i++ {
		c := v[i]
		if class[c]&cB64 == 0 && c != '.' && c != '~' {
			return false
		}
		if c >= '0' && c <= '9' {
			digit = true
		} else if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			letter = true
		}
		if counts[c] < math.MaxUint16 {
			counts[c]++
		}
	}
	if !digit || !letter || isUUID(v) {
		return false
	}
	return entropy(counts[:], len(v)) >= bits && !wellKnownID(v)
}

func entropy(counts []uint16, n int) float64 {
	var h float64
	fn := float64(n)
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / fn
			h -= p * math.Log2(p)
		}
	}
	return h
}

func isUUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := v[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isHex(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func (r *Redactor) patternPass(loc *locator, s string, p Pattern) string {
	ms := p.re.FindAllStringIndex(s, -1)
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if m[0] < last || m[1] == m[0] {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(r.replace(loc.at(m[0]), p.Name, p.Name, s[m[0]:m[1]]))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// --- personal data

// emailPass replaces the local part of email addresses and keeps the
// domain: "[REDACTED:email:<h8>]@example.com". "%40" counts as '@' in URLs.
func (r *Redactor) emailPass(loc *locator, s string) string {
	var b strings.Builder
	last := 0
	hasPct := strings.IndexByte(s, '%') >= 0
	for i := 0; i < len(s); i++ {
		if !hasPct {
			k := strings.IndexByte(s[i:], '@')
			if k < 0 {
				break
			}
			i += k
		}
		at := 0
		switch {
		case s[i] == '@':
			at = 1
		case s[i] == '%' && i+2 < len(s) && s[i+1] == '4' && s[i+2] == '0':
			at = 3
		default:
			continue
		}
		ls := i
		for ls > last && i-ls < 64 && class[s[ls-1]]&cEmail != 0 { // a local part is at most 64 bytes
			ls--
		}
		for ls < i && (s[ls] == '.' || s[ls] == '\'') {
			ls++
		}
		if ls == i || ls > 0 && s[ls-1] == ']' {
			continue
		}
		de := i + at
		dots := 0
		for de < len(s) && de-i < 256 && class[s[de]]&cHost != 0 {
			if s[de] == '.' {
				dots++
			}
			de++
		}
		for de > i+at && (s[de-1] == '.' || s[de-1] == '-') {
			if s[de-1] == '.' {
				dots--
			}
			de--
		}
		domain := s[i+at : de]
		if dots == 0 || len(domain) < 4 {
			continue
		}
		tld := domain[strings.LastIndexByte(domain, '.')+1:]
		if len(tld) < 2 || !plainWord(tld) {
			continue
		}
		local := s[ls:i]
		addr := local + "@" + strings.ToLower(domain)
		rep := r.replace(loc.at(ls), "email", "email", addr)
		tag := rep
		if k := strings.IndexByte(rep, ']'); k >= 0 {
			tag = rep[:k+1]
		}
		b.WriteString(s[last:ls])
		b.WriteString(tag)
		last = i
		i += at - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// cardPass replaces payment card numbers (13 to 19 digits, optionally in
// groups separated by spaces or dashes, with a card prefix and a valid Luhn
// checksum).
func (r *Redactor) cardPass(loc *locator, s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '2' || c > '6' || (i > 0 && (class[s[i-1]]&cAlnum != 0 || s[i-1] == '.' || s[i-1] == '-')) {
			continue
		}
		var digits [19]byte
		var groups [8]int // digits per group, when separated
		ng := 0
		n := 0
		j := i
		for j < len(s) && n < 20 {
			if s[j] >= '0' && s[j] <= '9' {
				if n == 19 {
					n++
					break
				}
				digits[n] = s[j]
				n++
				j++
				if ng < len(groups) {
					groups[ng]++
				}
			} else if (s[j] == ' ' || s[j] == '-') && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9' && j > i {
				j++
				ng++
			} else {
				break
			}
		}
		if n < 13 || n > 19 || (j < len(s) && (class[s[j]]&cAlnum != 0 || s[j] == '.')) || !cardGroups(groups[:min(ng+1, len(groups))]) {
			i = j
			continue
		}
		if !cardPrefix(digits[:n]) || !luhn(digits[:n]) {
			i = j
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(r.replace(loc.at(i), "card", "card", string(digits[:n])))
		last = j
		i = j - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// cardGroups says whether the digit groups of a separated number are
// those printed on cards: 4-4-4-4 (and 4-4-4-4-3 for 19 digits), Amex's
// 4-6-5, Diners' 4-6-4; one group is an unseparated number. Numbers in
// lists ("24 0 1 0 48 0 24 24 0 1 0" in an SVG path) are not cards.
func cardGroups(g []int) bool {
	if len(g) <= 1 {
		return true
	}
	if len(g) == 3 && g[0] == 4 && g[1] == 6 && (g[2] == 5 || g[2] == 4) {
		return true
	}
	for k, n := range g {
		if n != 4 && !(k == len(g)-1 && n >= 1 && n < 4) {
			return false
		}
	}
	return true
}

func countDigits(s string) int {
	n, i := 0, 0
	// 8 bytes at a time: a byte is a digit when its low 7 bits are in
	// 0x30…0x39 and its high bit is clear (exact: no carry crosses bytes)
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		x := w &^ highs
		ge30 := x + (0x80-0x30)*ones
		ge3a := x + (0x80-0x3a)*ones
		n += bits.OnesCount64(ge30 &^ ge3a &^ w & highs)
	}
	for ; i < len(s); i++ {
		if s[i]-'0' < 10 {
			n++
		}
	}
	return n
}

func cardPrefix(d []byte) bool {
	switch d[0] {
	case '4':
		return true
	case '5':
		return d[1] >= '1' && d[1] <= '5'
	case '2':
		return d[1] >= '2' && d[1] <= '7'
	case '3':
		return d[1] == '4' || d[1] == '7' || d[1] == '6' || d[1] == '8' || d[1] == '5'
	case '6':
		return d[1] == '0' || d[1] == '4' || d[1] == '5' || d[1] == '2'
	}
	return false
}

func luhn(d []byte) bool {
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if (len(d)-1-i)%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// ipPass replaces IPv4 and IPv6 addresses, except loopback and unspecified.
// It only looks around '.' and ':' characters, which keeps it fast on text
// without addresses.
func (r *Redactor) ipPass(loc *locator, s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		k := indexDotColon(s[i:])
		if k < 0 {
			break
		}
		p := i + k
		// the run of address characters around p
		start := p
		for start > last && isIPChar(s[start-1]) {
			start--
		}
		end := p + 1
		for end < len(s) && isIPChar(s[end]) {
			end++
		}
		for end > p && (s[end-1] == '.' || s[end-1] == ':') {
			end--
		}
		i = max(end, p+1)
		if end-start < 7 || (start > 0 && (class[s[start-1]]&cAlnum != 0 || s[start-1] == '.')) || (end < len(s) && class[s[end]]&cAlnum != 0) {
			continue
		}
		v := s[start:end]
		dots := strings.Count(v, ".")
		colons := strings.Count(v, ":")
		if dots != 3 && colons < 2 {
			continue
		}
		ip := net.ParseIP(v)
		if ip == nil && dots == 3 && colons == 1 { // "1.2.3.4:8080"
			v = v[:strings.IndexByte(v, ':')]
			ip = net.ParseIP(v)
		}
		if ip == nil || ip.IsLoopback() || ip.IsUnspecified() || versionAt(s, start, v) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(r.replace(loc.at(start), "ip", "ip", v))
		last = start + len(v)
		i = max(i, last)
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// versionAt says whether the dotted quad v at s[start:] is a version
// number rather than an address: after a product token ("Chrome/156.0.0.0",
// "Version/17.0.0.0", "Edg/…") or a client hint's v="…", or a Chrome
// reduced version ("156.0.0.0": no host has such an address).
func versionAt(s string, start int, v string) bool {
	if strings.HasSuffix(v, ".0.0.0") {
		return true
	}
	if start >= 3 && s[start-1] == '"' && s[start-2] == '=' && s[start-3] == 'v' {
		return true // sec-ch-ua: "Chromium";v="156.0.7000.10"
	}
	if start < 2 || s[start-1] != '/' {
		return false
	}
	// the product token before the '/': a word starting with a capital
	// letter (URL paths are lower case by convention)
	i := start - 1
	for i > 0 && class[s[i-1]]&cAlnum != 0 {
		i--
	}
	return i < start-1 && s[i] >= 'A' && s[i] <= 'Z' && (i == 0 || s[i-1] == ' ' || s[i-1] == '(' || s[i-1] == '"' || s[i-1] == ';' || s[i-1] == '\'' || s[i-1] == '\\' || s[i-1] == '\n')
}

func isIPChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':'
}

// indexDotColon is the index of the first '.' or ':' in s, or -1.
func indexDotColon(s string) int {
	d := strings.IndexByte(s, '.')
	var c int
	if d >= 0 {
		c = strings.IndexByte(s[:d], ':')
	} else {
		c = strings.IndexByte(s, ':')
	}
	if c >= 0 {
		return c
	}
	return d
}

// personalValues lists the emails, cards and IPs in s (for the kept set of
// reporter fields).
func personalValues(s string) []string {
	var out []string
	probe := New(DefaultPolicy())
	probe.dryRun = true
	loc := &locator{}
	probe.text(loc, s, textCtx{ip: true})
	for v := range probe.seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
