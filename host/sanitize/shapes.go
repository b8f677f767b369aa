package sanitize

import "strings"

// Value shapes that decide whether a rule applies to the value it found:
// some names ("code", "key", "serial") are too common to make every value
// under them a secret, so the value must look like one too.

// ruleApplies says whether rule applies to the value v it found: always,
// except for the modes that look at the value itself (a plain word under
// a noword rule, a phone number, an authorization code, a secret shape, a
// serial number), and the personal-data modes in reporter fields or when
// their detector is disabled.
func (r *Redactor) ruleApplies(rule *Rule, v string, ctx textCtx) bool {
	if ctx.code && rule.Mode != ModePhone && !valueLike(v) {
		// in a literal of code a name's value must look like one:
		// '/x?token=abc' in a regular expression's self-test, "?state=q"
		return false
	}
	switch rule.Mode {
	case ModeNoWord:
		return !plainWord(v)
	case ModePhone:
		return !ctx.noPersonal && !r.pol.disabled["phone"] && phoneShaped(v)
	case ModeOAuthCode:
		if rule.In == InParam {
			// a redirect's query or fragment, a token request's form:
			// OAuth places, where only word codes and short numbers stay
			return !wordCode(v) && !(allDigits(v) && len(v) <= 4)
		}
		return oauthCodeShaped(v)
	case ModeShaped:
		return r.secretShaped(v)
	case ModeSerial:
		return !ctx.noPersonal && !r.pol.disabled["serial"] && serialShaped(v)
	}
	return true
}

// numberApplies says whether rule redacts a JSON number found under an
// exactly listed name ("pin": 1234). Numbers of the HAR's own structure
// (sizes, timings, statuses) never are, nor are error codes ("code": 500)
// or numbers under names that need a shaped value.
func (r *Redactor) numberApplies(rule *Rule, exact bool, v string, ctx textCtx) bool {
	if ctx.structure || !exact {
		return false
	}
	switch rule.Mode {
	case ModeOAuthCode, ModeShaped, ModeSerial, ModeNoWord, ModeConnString, ModeURL:
		return false
	}
	return r.ruleApplies(rule, v, ctx)
}

// oauthCodeShaped: an authorization code is one token of 16 characters or
// more, in URL-safe characters, that looks generated: letters and digits
// mixed, or letters in no word pattern. Error codes ("rate_limit_exceeded",
// "E_TIMEOUT"), status numbers, short codes and source code
// ("print(1)\nx = 2") are not.
func oauthCodeShaped(v string) bool {
	if len(v) < 16 || len(v) > 4096 {
		return false
	}
	var digit, letter bool
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case strings.IndexByte("-._~+/=%*!", c) >= 0:
		default:
			return false
		}
	}
	return letter && (digit || !wordCode(v))
}

// wordCode says whether v is made of words joined by '_', '-', '.' or
// spaces, each a plain word shape (lowercase, UPPERCASE, Capitalized or
// camelCase humps of two letters or more): "rate_limit_exceeded",
// "invalidGrant", "E_TIMEOUT". A random string of letters has case
// changes no word has.
func wordCode(v string) bool {
	if v == "" {
		return false
	}
	start := 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) {
			c := v[i]
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				continue
			}
			if c != '_' && c != '-' && c != '.' && c != ' ' {
				return false
			}
		}
		if !wordShaped(v[start:i]) {
			return false
		}
		start = i + 1
	}
	return true
}

// wordShaped: letters in the case pattern of a word or identifier:
// "word", "WORD", "Word", "camelCase", "HTTPServer", "iPhone". A single
// lowercase letter between capitals ("aBcDeF", "kQzW") is not.
func wordShaped(w string) bool {
	for i := 0; i < len(w); {
		if w[i] < 'a' || w[i] > 'z' {
			i++
			continue
		}
		j := i
		for j < len(w) && w[j] >= 'a' && w[j] <= 'z' {
			j++
		}
		if i > 0 && j < len(w) && j-i < 2 {
			return false
		}
		i = j
	}
	return true
}

// secretShaped: a value that is a secret by its shape alone: a vendor key
// or JWT, or one generated-looking token of 16 characters or more.
func (r *Redactor) secretShaped(v string) bool {
	if strings.HasPrefix(v, "eyJ") {
		if end, kind := jwtAt(v, 0); end == len(v) && (kind == "jwt" || kind == "jwe") {
			return true
		}
	}
	if v != "" {
		if kind, end := r.vendorAt(v, 0); kind != "" && end == len(v) {
			return true
		}
	}
	return highEntropy(v, 16, 3.3) || lettersToken(v)
}

// serialShaped: a device serial number is 5 to 64 letters, digits, '-',
// '_', '.' and '/', with at least one digit and no spaces ("C02XK1ZJJG5H",
// "SN-1234-5678", "5CD1234XYZ"); "unknown", "N/A" and "To Be Filled By
// O.E.M." are not.
func serialShaped(v string) bool {
	if len(v) < 5 || len(v) > 64 {
		return false
	}
	digit := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.' || c == '/':
		default:
			return false
		}
	}
	return digit && !wordish(v) // "serial4" in a list of SQL types is a word
}

// connString sanitizes a connection string, "Name=value;Name=value"
// (Azure storage and Service Bus, ADO.NET, ODBC): the value of each pair
// whose name a rule lists (AccountKey, SharedAccessKey,
// SharedAccessSignature, Password, Pwd, …) goes whole, up to its ';' (a
// SAS holds '&' and '='); the other pairs stay, and go through the text
// rules (an Endpoint URL with a password in it). A value with no pairs is
// text ("postgres://user:pw@host/db").
func (r *Redactor) connString(loc *locator, v string, ctx textCtx) string {
	if v == "" || isTag(v) || strings.IndexByte(v, '=') < 0 {
		return r.text(loc, v, ctx)
	}
	parts := strings.Split(v, ";")
	changed := false
	for i, p := range parts {
		eq := strings.IndexByte(p, '=')
		if eq <= 0 {
			continue
		}
		name, val := strings.TrimSpace(p[:eq]), p[eq+1:]
		if val == "" || isTag(val) {
			continue
		}
		var nv string
		if rule := r.matchAny(name); rule != nil && rule.Mode != ModeURL && rule.Mode != ModeIP && rule.Mode != ModeConnString && r.ruleApplies(rule, val, ctx) {
			nv = r.secret(loc, rule.Name, val)
		} else {
			nv = r.text(loc, val, ctx)
		}
		if nv != val {
			parts[i] = p[:eq+1] + nv
			changed = true
		}
	}
	if !changed {
		return v
	}
	return strings.Join(parts, ";")
}

// Name/value pairs: {"key":"api_key","value":"V"}, {"name":"Authorization",
// "value":"Bearer V"} (settings stores, Kubernetes env lists, Postman and
// HAR-like header lists) carry a secret's name in one member and the
// secret in the sibling "value": the value is redacted by the rule of the
// name, as if it were {"api_key":"V"}.

// pairNameKey says whether a member names its sibling "value".
func pairNameKey(k string) bool {
	if len(k) < 3 || len(k) > 9 {
		return false
	}
	switch NormalizeName(k) {
	case "key", "name", "keyname", "field", "param", "parameter", "header", "variable", "setting":
		return true
	}
	return false
}

// pairValueKey says whether a member is the value of a name/value pair.
func pairValueKey(k string) bool {
	if len(k) != 3 && len(k) != 5 {
		return false
	}
	switch NormalizeName(k) {
	case "value", "val":
		return true
	}
	return false
}

// pairNamed reports whether name (the string of a pair's name member)
// names a secret. The strings under "name" are mostly data (people,
// products): only a name shaped like one (letters, digits, '-', '_', '.',
// no spaces, at most 64) is matched, without the cache of names, which
// such data would flush.
func (r *Redactor) pairNamed(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; class[c]&cAlnum == 0 && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return r.pol.matchUncached(name)
}

// namedValue sanitizes the value n of a name/value pair whose name member
// holds name: a header listed by name goes through the header rules (the
// scheme of an Authorization stays), any other name through the
// parameter, then the key rules. It reports whether n changed.
func (r *Redactor) namedValue(loc *locator, name string, n *node, ctx textCtx) bool {
	if hr, exact := r.pol.matchExact(InHeader, name); exact && hr != nil && n.kind == '"' {
		ns := r.header(loc, name, n.str)
		changed := ns != n.str
		n.str = ns
		return changed
	}
	rule, exact := r.pol.matchExact(InParam, name)
	if rule == nil {
		rule, exact = r.pol.matchExact(InKey, name)
	}
	if rule == nil {
		return false
	}
	return r.secretNode(loc, rule, exact, n, ctx)
}

// headerLine says whether "name:" at s[i] starts a raw HTTP header line
// ("Authorization: Bearer x"): a header name (letters, digits and '-',
// starting with a letter) followed by a space. A CSS rule (".fa-key:before
// {") is no header; nor is a one-word name that a header rule matches only
// by a word it contains ("auth: window.auth"): such a line is an
// assignment.
func headerLine(s, name string, i int) bool {
	if name == "" || !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		return false
	}
	for k := 0; k < len(name); k++ {
		if c := name[k]; class[c]&cAlnum == 0 && c != '-' {
			return false
		}
	}
	return i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '\t')
}

// jsLiterals are words that are values in code, never secrets.
var jsLiterals = map[string]bool{"null": true, "true": true, "false": true, "undefined": true, "NaN": true, "Infinity": true,
	"function": true, "this": true, "void": true, "new": true, "return": true, "typeof": true, "window": true, "document": true, "self": true, "arguments": true}

// codeValue says whether the unquoted value at s[vs:] of an assignment in
// text is an expression of code rather than a literal: an object, array
// or group ("{toString: function", "KEY:{RETURN:13"), a negation, a
// literal of the language ("undefined"), or an identifier that is
// followed by a member access, an index or a call ("Sizzle.tokenize",
// "tokens[tokens.length - 1]", "arguments[0]", "getToken()"). An
// identifier reads like one: letters in a word's case pattern, digits
// only at its end; a generated token ("Zq8LmN3p.Rt7V") is none.
// A member access counts only where dots are not part of values (member is
// false in a query string: "token=abc.def").
func codeValue(s string, vs int, member bool) bool {
	if vs >= len(s) {
		return false
	}
	switch s[vs] {
	case '{', '(', '[', '!':
		return true
	}
	k := vs
	for k < len(s) && (class[s[k]]&cAlnum != 0 || s[k] == '_' || s[k] == '$') {
		k++
	}
	if k == vs || !identLike(s[vs:k]) {
		return false
	}
	if jsLiterals[s[vs:k]] {
		return true
	}
	if k >= len(s) {
		return false
	}
	if k+1 < len(s) {
		switch s[k : k+2] {
		case "!=", "==", "&&", "||", "??", "?.", "<=", ">=", "=>":
			return true // "cachedModule!==undefined"
		}
	}
	switch s[k] {
	case '[', '(':
		return true
	case '.':
		if !member {
			return false
		}
		// a member access: the next part is an identifier too
		j := k + 1
		for j < len(s) && (class[s[j]]&cAlnum != 0 || s[j] == '_' || s[j] == '$') {
			j++
		}
		return j > k+1 && identLike(s[k+1:j]) && !(s[k+1] >= '0' && s[k+1] <= '9')
	}
	return false
}

// cssSelector says whether "name:value" ending at s[ve] is a CSS selector
// with a pseudo-class (".x-csrf:before {", "#token:hover, …"): a name
// that starts with '.' or '#', or a value followed by '{'.
func cssSelector(s, name string, ve int) bool {
	if name != "" && (name[0] == '.' || name[0] == '#') {
		return true
	}
	for ve < len(s) && (s[ve] == ' ' || s[ve] == '\t') {
		ve++
	}
	return ve < len(s) && s[ve] == '{'
}

// identLike: an identifier as people write them: a letter, '_' or '$'
// first, letters in a word's case pattern, digits only at the end
// ("item2", "v8"), at most 40 characters.
func identLike(w string) bool {
	if w == "" || len(w) > 40 || w[0] >= '0' && w[0] <= '9' {
		return false
	}
	end := len(w)
	for end > 0 && w[end-1] >= '0' && w[end-1] <= '9' {
		end--
	}
	letters := make([]byte, 0, 40)
	for i := 0; i < end; i++ {
		c := w[i]
		switch {
		case c >= '0' && c <= '9':
			return false
		case c == '_' || c == '$':
			if !wordShaped(string(letters)) {
				return false
			}
			letters = letters[:0]
		default:
			letters = append(letters, c)
		}
	}
	return wordShaped(string(letters))
}

// docEntry says whether a HAR entry is a document, an XHR or fetch (or
// anything else that is not a static asset) by its _resourceType; a URL
// whose file name has an asset's extension is an asset whatever the type
// (staticAsset).
func docEntry(e *node) bool {
	switch strings.ToLower(e.getString("_resourceType")) {
	case "script", "stylesheet", "image", "font", "media", "manifest", "texttrack":
		return false
	}
	return true
}

// gitObject says whether segment i of a path is a commit or object hash
// that a code host shows: after /commit/, /commits/, /tree/ or /blob/.
func gitObject(segs []string, i int) bool {
	if i == 0 {
		return false
	}
	switch segs[i-1] {
	case "commit", "commits", "tree", "blob":
		return true
	}
	return false
}

// staticAsset says whether the last segment of a URL path is the file name
// of a static asset (script, stylesheet, image, font, media, source map):
// a content hash in such a URL is a cache key, not a token.
func staticAsset(last string) bool {
	dot := strings.LastIndexByte(last, '.')
	if dot < 0 {
		return false
	}
	switch strings.ToLower(last[dot+1:]) {
	case "js", "mjs", "cjs", "css", "map", "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp",
		"woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "ogg", "wav", "wasm":
		return true
	}
	return false
}
