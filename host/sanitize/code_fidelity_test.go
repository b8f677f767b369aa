package sanitize

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	stdhtml "html"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
	"github.com/tdewolff/parse/v2/html"
	"github.com/tdewolff/parse/v2/js"

	"github.com/reprokit/reprokit/host/testapp"
)

// Fidelity of code (issue 10, item 4): every HTML, JavaScript, CSS and JSON
// unit that parses before sanitizing still parses after. "Still parses"
// means: for JavaScript and JSON a full parse (tdewolff js.Parse,
// encoding/json Valid); for HTML and CSS, whose tokenizers never report an
// error, the same sequence of token types before and after, where a token
// that changed is a literal (a string, url(), comment, attribute value or
// text) holding a redaction tag. Inside HTML the same holds for every
// inline script, event-handler attribute, JSON script block and style.
// The units go through the package's public API as users get it: one HAR
// whose entries carry them as response bodies, through New(nil).HAR.

// marshalNoEscape is json.Marshal without the HTML escapes.
func marshalNoEscape(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n"), err
}

// codeHAR builds a HAR with one entry per unit, the unit as its response
// body.
func codeHAR(units []fidelityUnit) []byte {
	var entries []any
	for _, u := range units {
		e := newEntry(u.url)
		switch u.lang {
		case "html":
			e.m["_resourceType"] = "document"
		case "js":
			e.m["_resourceType"] = "script"
		case "css":
			e.m["_resourceType"] = "stylesheet"
		}
		e.body(u.mime, u.body)
		entries = append(entries, e.m)
	}
	// as DevTools writes a HAR: no \u003c-style escapes
	data, err := marshalNoEscape(map[string]any{"log": map[string]any{
		"version": "1.2", "creator": map[string]any{"name": "WebInspector", "version": "537.36"},
		"pages": []any{}, "entries": entries}})
	if err != nil {
		panic(err)
	}
	return []byte(data)
}

// sanitizeUnits sanitizes the units through Redactor.HAR and returns each
// unit's body as written, and the whole output.
func sanitizeUnits(t testing.TB, units []fidelityUnit) ([]string, []byte) {
	t.Helper()
	var out bytes.Buffer
	if err := New(nil).HAR(&out, bytes.NewReader(codeHAR(units))); err != nil {
		t.Fatalf("Redactor.HAR: %v", err)
	}
	return unitBodies(t, out.Bytes(), units), out.Bytes()
}

// unitBodies returns each unit's body from out, the sanitized codeHAR.
func unitBodies(t testing.TB, out []byte, units []fidelityUnit) []string {
	t.Helper()
	var doc struct {
		Log struct {
			Entries []struct {
				Response struct {
					Content struct {
						Text     string `json:"text"`
						Encoding string `json:"encoding"`
					} `json:"content"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("the sanitized HAR is not JSON: %v", err)
	}
	if len(doc.Log.Entries) != len(units) {
		t.Fatalf("the sanitized HAR has %d entries, want %d", len(doc.Log.Entries), len(units))
	}
	bodies := make([]string, len(units))
	for i, e := range doc.Log.Entries {
		bodies[i] = e.Response.Content.Text
		if e.Response.Content.Encoding == "base64" {
			b, err := base64.StdEncoding.DecodeString(bodies[i])
			if err != nil {
				t.Fatalf("unit %s: the sanitized body is not base64: %v", units[i].name, err)
			}
			bodies[i] = string(b)
		}
	}
	return bodies
}

// hasTag reports whether s holds a redaction tag.
func hasTag(s string) bool { return strings.Contains(s, "[REDACTED:") }

// jsParses returns nil when src parses as a script (or, failing that, as
// an event handler's body, which may `return`).
func jsParses(src string) error {
	_, err := js.Parse(parse.NewInputString(src), js.Options{})
	if err != nil {
		if _, err2 := js.Parse(parse.NewInputString("function h(event){"+src+"\n}"), js.Options{}); err2 == nil {
			return nil
		}
	}
	return err
}

// diffAt shows where before and after first differ.
func diffAt(before, after string) string {
	i := 0
	for i < len(before) && i < len(after) && before[i] == after[i] {
		i++
	}
	lo := max(i-60, 0)
	clip := func(s string, n int) string {
		if len(s) > n {
			s = s[:n]
		}
		return strconv.Quote(s)
	}
	return fmt.Sprintf("at byte %d:\n    before …%s…\n    after  …%s…", i, clip(before[lo:], 160), clip(after[lo:], 200))
}

// compareCode returns what broke in after, a sanitized copy of before in
// lang; nothing when before did not parse in the first place.
func compareCode(lang, before, after string) []string {
	if before == after {
		return nil
	}
	switch lang {
	case "js":
		if jsParses(before) != nil {
			return nil
		}
		if err := jsParses(after); err != nil {
			return []string{"JavaScript no longer parses: " + jsErrorAt(err)}
		}
		return compareJSTokens(before, after)
	case "json":
		if json.Valid([]byte(before)) && !json.Valid([]byte(after)) {
			return []string{"JSON no longer valid\n  " + diffAt(before, after)}
		}
	case "map":
		if !json.Valid([]byte(before)) {
			return nil
		}
		if !json.Valid([]byte(after)) {
			return []string{"source map no longer valid JSON\n  " + diffAt(before, after)}
		}
		var b, a struct {
			SourcesContent []string `json:"sourcesContent"`
		}
		json.Unmarshal([]byte(before), &b)
		json.Unmarshal([]byte(after), &a)
		if len(a.SourcesContent) != len(b.SourcesContent) {
			return []string{fmt.Sprintf("source map: %d sourcesContent, had %d", len(a.SourcesContent), len(b.SourcesContent))}
		}
		var out []string
		for i := range b.SourcesContent {
			for _, p := range compareCode("js", b.SourcesContent[i], a.SourcesContent[i]) {
				out = append(out, fmt.Sprintf("sourcesContent[%d]: %s", i, p))
			}
		}
		return out
	case "css":
		return compareCSS(before, after)
	case "html":
		return compareHTML(before, after)
	case "xml":
		if xmlWellFormed(before) == nil {
			if err := xmlWellFormed(after); err != nil {
				return []string{fmt.Sprintf("XML no longer well-formed: %v\n  %s", err, diffAt(before, after))}
			}
		}
	}
	return nil
}

// jsErrorAt is a parse error with its context (tdewolff clips the line
// around the column and marks it with a caret).
func jsErrorAt(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "\n    ")
}

func xmlWellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

type jsLexTok struct {
	tt   js.TokenType
	text string
}

// jsTokens lexes src, telling a regular expression from a division by the
// token before it (tdewolff's lexer leaves that to the caller); it
// returns nil when src does not lex. Whitespace is left out.
func jsTokens(src string) []jsLexTok {
	l := js.NewLexer(parse.NewInputString(src))
	var out []jsLexTok
	prev := js.ErrorToken
	for {
		tt, data := l.Next()
		if tt == js.ErrorToken {
			if l.Err() != io.EOF {
				return nil
			}
			return out
		}
		if (tt == js.DivToken || tt == js.DivEqToken) && regexpMayStart(prev) {
			tt, data = l.RegExp()
		}
		switch tt {
		case js.WhitespaceToken, js.LineTerminatorToken:
			continue
		case js.CommentToken, js.CommentLineTerminatorToken:
		default:
			prev = tt
		}
		out = append(out, jsLexTok{tt, string(data)})
	}
}

// regexpMayStart reports whether a / after prev starts a regular
// expression (the usual heuristic: not after a value).
func regexpMayStart(prev js.TokenType) bool {
	switch {
	case prev == js.ErrorToken:
		return true
	case js.IsNumeric(prev), js.IsIdentifier(prev):
		return false
	}
	switch prev {
	case js.StringToken, js.TemplateToken, js.TemplateEndToken, js.RegExpToken, js.PrivateIdentifierToken,
		js.CloseParenToken, js.CloseBracketToken, js.CloseBraceToken, js.IncrToken, js.DecrToken,
		js.ThisToken, js.SuperToken, js.NullToken, js.TrueToken, js.FalseToken:
		return false
	}
	return true
}

// compareJSTokens: the same token types; a changed token is a string,
// template or comment literal that holds a tag (a regular expression, an
// operator or a name never changes).
func compareJSTokens(before, after string) []string {
	b, a := jsTokens(before), jsTokens(after)
	if b == nil {
		return nil
	}
	if a == nil {
		return []string{"JavaScript no longer lexes\n  " + diffAt(before, after)}
	}
	for i := 0; i < len(b) && i < len(a); i++ {
		if b[i].tt != a[i].tt {
			return []string{fmt.Sprintf("JavaScript token %d is now %s %q, was %s %q\n  %s", i, a[i].tt, clipStr(a[i].text), b[i].tt, clipStr(b[i].text), diffAt(before, after))}
		}
		if b[i].text != a[i].text {
			switch b[i].tt {
			case js.StringToken, js.TemplateToken, js.TemplateStartToken, js.TemplateMiddleToken, js.TemplateEndToken, js.CommentToken, js.CommentLineTerminatorToken:
				if hasTag(a[i].text) {
					continue
				}
			}
			return []string{fmt.Sprintf("JavaScript %s token %d changed from %q to %q (only a string, template or comment may change, and only to hold a tag)", b[i].tt, i, clipStr(b[i].text), clipStr(a[i].text))}
		}
	}
	if len(a) != len(b) {
		return []string{fmt.Sprintf("JavaScript has %d tokens, had %d\n  %s", len(a), len(b), diffAt(before, after))}
	}
	return nil
}

type cssTok struct {
	tt   css.TokenType
	text string
}

func cssTokens(s string) []cssTok {
	l := css.NewLexer(parse.NewInputString(s))
	var out []cssTok
	for {
		tt, data := l.Next()
		if tt == css.ErrorToken {
			return out
		}
		out = append(out, cssTok{tt, string(data)})
	}
}

// compareCSS: the same token types; a changed token is a literal (string,
// url, comment) that holds a tag.
func compareCSS(before, after string) []string {
	b, a := cssTokens(before), cssTokens(after)
	for i := 0; i < len(b) && i < len(a); i++ {
		if b[i].tt != a[i].tt {
			return []string{fmt.Sprintf("CSS token %d is now %s %q, was %s %q\n  %s", i, a[i].tt, a[i].text, b[i].tt, b[i].text, diffAt(before, after))}
		}
		if b[i].text != a[i].text {
			switch b[i].tt {
			case css.StringToken, css.URLToken, css.CommentToken, css.BadStringToken, css.BadURLToken, css.CustomPropertyValueToken:
				if hasTag(a[i].text) {
					continue
				}
			}
			return []string{fmt.Sprintf("CSS %s token %d changed from %q to %q (only a literal may change, and only to hold a tag)", b[i].tt, i, b[i].text, a[i].text)}
		}
	}
	if len(a) != len(b) {
		return []string{fmt.Sprintf("CSS has %d tokens, had %d\n  %s", len(a), len(b), diffAt(before, after))}
	}
	return nil
}

type htmlTok struct {
	tt         html.TokenType
	text, data string // Text(): tag or attribute name; data: the raw token
	val        string // an attribute's value, unquoted and unescaped
	rawIn      string // for a TextToken: the raw-text element it is in ("script", "style") and its type
}

func htmlTokens(s string) []htmlTok {
	l := html.NewLexer(parse.NewInputString(s))
	var out []htmlTok
	var tag, typ string
	for {
		tt, data := l.Next()
		if tt == html.ErrorToken {
			return out
		}
		t := htmlTok{tt: tt, data: string(data)}
		switch tt {
		case html.StartTagToken, html.EndTagToken, html.AttributeToken:
			t.text = strings.ToLower(string(l.Text()))
		}
		switch tt {
		case html.StartTagToken:
			tag, typ = t.text, ""
		case html.AttributeToken:
			v := string(l.AttrVal())
			if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
				v = v[1 : len(v)-1]
			}
			t.val = stdhtml.UnescapeString(v)
			if t.text == "type" {
				typ = strings.ToLower(strings.TrimSpace(t.val))
			}
		case html.TextToken:
			if tag == "script" || tag == "style" {
				t.rawIn = tag + " " + typ
			}
		case html.EndTagToken:
			tag = ""
		}
		out = append(out, t)
	}
}

// inlineLang is the language of an HTML token's content, "" for none.
func inlineLang(t htmlTok) string {
	switch {
	case t.tt == html.AttributeToken && strings.HasPrefix(t.text, "on"):
		return "js"
	case t.tt == html.AttributeToken && t.text == "style":
		return "css-decls"
	case strings.HasPrefix(t.rawIn, "style"):
		return "css"
	case strings.HasPrefix(t.rawIn, "script"):
		typ := strings.TrimPrefix(t.rawIn, "script ")
		switch {
		case typ == "" || strings.Contains(typ, "javascript") || typ == "module":
			return "js"
		case strings.Contains(typ, "json"):
			return "json"
		}
	}
	return ""
}

// compareHTML: the same token types, tags and attribute names; a changed
// token is an attribute value, text or comment that holds a tag, and the
// code inside it (inline script, handler, JSON block, style) still parses.
// It reports the first problem (what follows it is mostly its echo: a
// swallowed </script> shifts every later token) and how many came after.
func compareHTML(before, after string) []string {
	b, a := htmlTokens(before), htmlTokens(after)
	var out []string
	for i := 0; i < len(b) && i < len(a); i++ {
		if b[i].tt != a[i].tt || b[i].text != a[i].text {
			out = append(out, fmt.Sprintf("HTML token %d is now %s %q, was %s %q\n  %s", i, a[i].tt, clipStr(a[i].data), b[i].tt, clipStr(b[i].data), diffAt(before, after)))
			break
		}
		if b[i].data == a[i].data {
			continue
		}
		switch b[i].tt {
		case html.AttributeToken, html.TextToken, html.CommentToken:
			if !hasTag(a[i].data) {
				out = append(out, fmt.Sprintf("HTML %s token %d changed with no tag: %s", b[i].tt, i, diffAt(b[i].data, a[i].data)))
				continue
			}
		default:
			out = append(out, fmt.Sprintf("HTML %s token %d changed from %q to %q", b[i].tt, i, clipStr(b[i].data), clipStr(a[i].data)))
			continue
		}
		where := fmt.Sprintf("inline %s (HTML token %d)", strings.TrimSpace(b[i].rawIn), i)
		bv, av := b[i].data, a[i].data
		if b[i].tt == html.AttributeToken {
			where = fmt.Sprintf("attribute %s (HTML token %d)", b[i].text, i)
			bv, av = b[i].val, a[i].val
		}
		switch lang := inlineLang(b[i]); lang {
		case "css-decls":
			for _, p := range compareCSS("x{"+bv+"}", "x{"+av+"}") {
				out = append(out, where+": "+p)
			}
		case "":
		default:
			for _, p := range compareCode(lang, bv, av) {
				out = append(out, where+": "+p)
			}
		}
	}
	if len(out) == 0 && len(a) != len(b) {
		out = append(out, fmt.Sprintf("HTML has %d tokens, had %d\n  %s", len(a), len(b), diffAt(before, after)))
	}
	if len(out) > 1 {
		out = []string{out[0], fmt.Sprintf("(and %d more problems after it)", len(out)-1)}
	}
	return out
}

func clipStr(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// survivors lists the planted secrets found in out, whole or in part (a
// 16-character half kept is a leak too).
func survivors(secrets []string, out string) []string {
	var found []string
	for _, s := range secrets {
		for _, f := range []string{s, s[:len(s)/2], s[len(s)/2:]} {
			if len(f) >= 12 && strings.Contains(out, f) {
				found = append(found, s)
				break
			}
		}
	}
	return found
}

// survivorContext shows where a surviving secret (or half of it) stands
// in out.
func survivorContext(secret, out string) string {
	i := strings.Index(out, secret)
	n := len(secret)
	if i < 0 {
		if i = strings.Index(out, secret[:len(secret)/2]); i < 0 {
			i = strings.Index(out, secret[len(secret)/2:])
		}
		n = len(secret) / 2
	}
	if i < 0 {
		return "?"
	}
	lo, hi := max(i-80, 0), min(i+n+40, len(out))
	return strconv.Quote(out[lo:hi])
}

// langOf is the code language of a MIME type, "" for none.
func langOf(mime, url string) string {
	m := strings.ToLower(mime)
	switch {
	case strings.Contains(m, "html"):
		return "html"
	case strings.Contains(m, "javascript") || strings.Contains(m, "ecmascript"):
		return "js"
	case strings.Contains(m, "css"):
		return "css"
	case strings.Contains(m, "json") && strings.HasSuffix(url, ".map"):
		return "map"
	case strings.Contains(m, "json"):
		return "json"
	case strings.Contains(m, "xml"):
		return "xml"
	}
	return ""
}

// corpusCodeUnits are the HTML, JavaScript, CSS and JSON bodies of the
// leak corpus (request bodies too, carried as response bodies here).
func corpusCodeUnits(t testing.TB) []fidelityUnit {
	data, cs := buildCorpus()
	var doc struct {
		Log struct {
			Entries []struct {
				Case    string `json:"_case"`
				Request struct {
					PostData *struct{ MimeType, Text string } `json:"postData"`
				} `json:"request"`
				Response struct {
					Content struct{ MimeType, Text, Encoding string } `json:"content"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var units []fidelityUnit
	for i, e := range doc.Log.Entries {
		add := func(mime, text string) {
			if lang := langOf(mime, ""); lang != "" && text != "" {
				units = append(units, fidelityUnit{name: "leak corpus: " + e.Case, lang: lang, mime: mime,
					url: "https://app.example.com/case/" + strconv.Itoa(i), body: text, secrets: []string{cs[i].secret}})
			}
		}
		c := e.Response.Content
		if c.Encoding == "base64" {
			b, _ := base64.StdEncoding.DecodeString(c.Text)
			c.Text = string(b)
		}
		add(c.MimeType, c.Text)
		if p := e.Request.PostData; p != nil {
			add(p.MimeType, p.Text)
		}
	}
	return units
}

// testAppCodeUnits are the test app's pages, scripts, stylesheets, source
// map, SOAP body and JSON answers, fetched from a running app, with the
// random secrets of its /code/ pages.
func testAppCodeUnits(t testing.TB) []fidelityUnit {
	app, err := testapp.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	var secrets []string
	names := map[string]string{}
	for _, s := range app.Code.All() {
		secrets = append(secrets, s.Value)
		names[s.Value] = s.Name
	}
	paths := []string{"/", "/redirect/final", "/form", "/cache/page", "/websocket", "/streams", "/posts", "/sw/page",
		"/frames", "/worker", "/popup", "/dataurls", "/beacon/page", "/fragment", "/upload/page", "/errors", "/login",
		"/account", "/secrets/page", "/console", "/steps", "/ids", "/scenario/all", "/mixed", "/sso/done",
		"/code/page", "/code/bundle", "/code/app.js", "/code/bundle.min.js", "/code/app.css", "/code/app.js.map", "/code/soap.xml",
		"/sw/sw.js", "/worker/worker.js", "/worker/shared.js", "/cache/static.js", "/cache/static.css",
		"/secrets/token.json", "/etag/data.json", "/api/anything", "/status/500"}
	client := &http.Client{Timeout: 10 * time.Second}
	var units []fidelityUnit
	for _, p := range paths {
		resp, err := client.Get(app.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		mime := resp.Header.Get("Content-Type")
		lang := langOf(mime, p)
		if lang == "" {
			t.Fatalf("test app %s: Content-Type %q is no code language", p, mime)
		}
		u := fidelityUnit{name: "test app " + p, lang: lang, mime: mime, url: app.URL + p, body: string(body)}
		if strings.HasPrefix(p, "/code/") {
			u.secrets, u.secretNames = secrets, names
		}
		units = append(units, u)
	}
	return units
}

// checkUnits sanitizes the units together (as one recording's bodies are)
// and reports each one that no longer parses or keeps a planted secret.
// leaks is false for units whose secrets the leak corpus already checks.
func checkUnits(t *testing.T, units []fidelityUnit) {
	t.Helper()
	bodies, _ := sanitizeUnits(t, units)
	broken := 0
	for i, u := range units {
		if compareCode(u.lang, u.body, u.body) != nil {
			t.Fatalf("%s: the checker finds a difference between a body and itself", u.name)
		}
		if probs := compareCode(u.lang, u.body, bodies[i]); len(probs) > 0 {
			broken++
			t.Errorf("%s (%s, %s): the sanitized body no longer parses:\n  %s", u.name, u.lang, u.url, strings.Join(probs, "\n  "))
		}
		if s := survivors(u.secrets, bodies[i]); len(s) > 0 {
			var where []string
			for _, v := range s {
				if u.secretNames != nil {
					where = append(where, u.secretNames[v])
					continue
				}
				where = append(where, survivorContext(v, bodies[i]))
			}
			t.Errorf("%s (%s): %d planted secret(s) survive: %s", u.name, u.lang, len(s), strings.Join(where, "; "))
		}
	}
	if broken > 0 {
		t.Errorf("%d of %d units no longer parse after sanitizing", broken, len(units))
	}
}

// Every HTML, JavaScript, CSS, JSON and XML body of the leak corpus and of
// the test app still parses after sanitizing, and the secrets the test
// app's /code/ pages carry are gone.
func TestCodeOfCorpusAndTestAppStillParses(t *testing.T) {
	t.Run("leak corpus", func(t *testing.T) {
		units := corpusCodeUnits(t)
		if len(units) < 10 {
			t.Fatalf("only %d code units in the leak corpus", len(units))
		}
		// The leak corpus checks its secrets itself (TestLeakCorpus), in
		// every form and with the expected tag; here only the syntax.
		for i := range units {
			units[i].secrets = nil
		}
		checkUnits(t, units)
	})
	t.Run("test app", func(t *testing.T) {
		units := testAppCodeUnits(t)
		checkUnits(t, units)
	})
}

// Generated units (random combinations of the ways real apps carry
// secrets in code, and of the look-alikes of minified code) still parse
// after sanitizing, and none of their planted secrets survives. The seed
// is fresh for every run and printed; REPROKIT_CODE_SEED replays one.
func TestGeneratedCodeUnitsStillParse(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REPROKIT_CODE_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (REPROKIT_CODE_SEED=%d replays this run)", seed, seed)
	g := newFidelityGen(nil, seed)
	n := 150
	if testing.Short() {
		n = 40
	}
	units := make([]fidelityUnit, n)
	counts := map[string]int{}
	for i := range units {
		units[i] = g.genUnit(fmt.Sprintf("generated unit %d", i))
		counts[units[i].lang]++
		if err := compareCode(units[i].lang, units[i].body, units[i].body); err != nil {
			t.Fatalf("generated unit %d is broken before sanitizing: %v", i, err)
		}
		if units[i].lang == "js" && jsParses(units[i].body) != nil {
			t.Fatalf("generated unit %d does not parse before sanitizing: %v\n%s", i, jsParses(units[i].body), units[i].body)
		}
	}
	t.Logf("units per language: %v", counts)
	checkUnits(t, units)
}

// FuzzCodeCanary plants canary secrets in generated JavaScript, HTML, CSS,
// JSON and source maps (a combination of the patterns above chosen by the
// fuzzer's bytes) and checks that no canary survives and that the syntax
// holds.
func FuzzCodeCanary(f *testing.F) {
	f.Add([]byte{4, 3, 0, 1, 2}, uint64(1))
	f.Add([]byte{0, 0, 1, 0, 3, 0, 4, 5}, uint64(2))
	f.Add([]byte{0, 1, 1, 2, 0, 9, 10, 7}, uint64(3))
	f.Add([]byte{3, 2, 8, 11, 12}, uint64(4))
	f.Add([]byte{1, 4, 0, 1, 2, 3}, uint64(5))
	f.Fuzz(func(t *testing.T, choices []byte, seed uint64) {
		g := newFidelityGen(choices, seed)
		u := g.genUnit("fuzzed unit")
		if compareCode(u.lang, u.body, u.body) != nil || (u.lang == "js" && jsParses(u.body) != nil) {
			t.Fatalf("the generator made a broken unit:\n%s", u.body)
		}
		bodies, _ := sanitizeUnits(t, []fidelityUnit{u})
		if s := survivors(u.secrets, bodies[0]); len(s) > 0 {
			t.Errorf("%d canary secret(s) survive in this %s:\n%s\nsanitized:\n%s", len(s), u.lang, u.body, bodies[0])
		}
		if probs := compareCode(u.lang, u.body, bodies[0]); len(probs) > 0 {
			t.Errorf("the sanitized %s no longer parses:\n  %s\ninput:\n%s", u.lang, strings.Join(probs, "\n  "), u.body)
		}
	})
}

// The checker itself: an ideal redaction (each planted secret replaced by
// a tag inside its literal, nothing else touched) passes every check, and
// the breakages of issue 10 are caught.
func TestCodeCheckerJudgesRedactionsRight(t *testing.T) {
	g := newFidelityGen(nil, 7)
	for i := range 300 {
		u := g.genUnit("unit " + strconv.Itoa(i))
		ideal := u.body
		for _, s := range u.secrets {
			ideal = strings.ReplaceAll(ideal, s, "[REDACTED:secret:0123abcd]")
		}
		if p := compareCode(u.lang, u.body, ideal); len(p) > 0 {
			t.Fatalf("an ideal redaction of this %s is judged broken: %v\n%s", u.lang, p, u.body)
		}
		if s := survivors(u.secrets, ideal); len(s) > 0 {
			t.Fatalf("secrets found after an ideal redaction: %v", s)
		}
	}
	for _, c := range []struct{ lang, before, after string }{
		{"js", `var u = '?api_key=' + 'ZXqp';`, `var u = '?api_key='[TAG]'ZXqp';`},
		{"js", `var re = /[?&]token=([^&#]+)/;`, `var re = /[?&]token=[TAG]&#]+)/;`},
		{"js", "var q = `?token=${\"TOK\"}&v=2`;", "var q = `?token=[TAG]{\"TOK\"}&v=2`;"},
		{"js", `lastToken = tokens[tokens.length - 1];`, `lastToken = tokens[[REDACTED:secret-param:0123abcd] - 1];`},
		{"html", `<script>var t = 'token=' + window.t;</script><p>x</p>`, `<script>var t = 'token='[REDACTED:secret-param:0123abcd]</script><p>x</p>`},
		{"html", `<script>var t = 'token=' + window.t;</script><p>x</p>`, `<script>var t = 'token=[REDACTED:secret-param:0123abcd]<p>x</p>`},
		{"html", `<button onclick="resume('V')">x</button>`, `<button onclick="resume('V'[REDACTED:x:0123abcd])">x</button>`},
		{"css", `.fa-key:before { content: "k"; }`, `.fa-key:[REDACTED:token-header:0123abcd]`},
		{"css", `.fa-key:before { content: "k"; }`, `.fa-key:after { content: "k"; }`},
		{"json", `{"code":500}`, `{"code":[REDACTED:code:0123abcd]}`},
		{"map", `{"version":3,"sourcesContent":["var a = {b: 1};"]}`, `{"version":3,"sourcesContent":["var a = [REDACTED:x:0123abcd] 1};"]}`},
	} {
		if p := compareCode(c.lang, c.before, c.after); len(p) == 0 {
			t.Errorf("%s %q -> %q is not judged broken", c.lang, c.before, c.after)
		}
	}
}
