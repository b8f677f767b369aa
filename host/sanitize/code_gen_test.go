package sanitize

import (
	"math/rand/v2"
	"strings"
)

// The generator of code units with secrets placed the way real apps carry
// them (issue 10): config objects in inline scripts, concatenated URL
// builders, template literals, JSON script blocks, JSON escaped inside a JS
// string, CSS url(), a regular expression literal, an onclick attribute,
// request headers, a process.env fallback, source maps; plus the harmless
// look-alikes of minified code that a text-based sanitizer mistook for
// secrets. TestCodeUnitsStillParse draws units from it with fresh
// randomness, FuzzCodeCanary with the fuzzer's choices.

// fidelityUnit is one body in one language.
type fidelityUnit struct {
	name string // where it came from, for messages
	lang string // "html", "js", "css", "json", "map" (a source map), "xml"
	mime string
	url  string
	body string
	// secrets are planted values that must not survive in any part.
	secrets []string
	// secretNames names them, where the source has names (the test app).
	secretNames map[string]string
}

// fidelityGen draws the choices of a generated unit: from the fuzzer's bytes
// while they last, then from a PRNG.
type fidelityGen struct {
	choices []byte
	r       *rand.Rand
}

func newFidelityGen(choices []byte, seed uint64) *fidelityGen {
	return &fidelityGen{choices: choices, r: rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))}
}

// pick returns a number in [0, n).
func (g *fidelityGen) pick(n int) int {
	if len(g.choices) > 0 {
		c := g.choices[0]
		g.choices = g.choices[1:]
		return int(c) % n
	}
	return g.r.IntN(n)
}

func (g *fidelityGen) of(list ...string) string { return list[g.pick(len(list))] }

// secret returns a fresh generated-looking token of 32 letters and digits
// (at least one digit, one upper and one lower case letter), drawn from
// the PRNG only, so the fuzzer's bytes choose places, not values.
func (g *fidelityGen) secret() string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for {
		b := make([]byte, 32)
		for i := range b {
			b[i] = set[g.r.IntN(len(set))]
		}
		s := string(b)
		if strings.ContainsAny(s, "0123456789") && strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") {
			return s
		}
	}
}

// Secret names as code spells them.
var (
	camelSecretNames = []string{"apiKey", "accessToken", "clientSecret", "authToken", "sessionToken", "password", "secret", "token", "refreshToken", "privateKey"}
	paramSecretNames = []string{"api_key", "access_token", "token", "client_secret", "session", "refresh_token", "auth", "key"}
)

// jsPattern is one statement (or a few) of JavaScript; V is the secret it
// plants, "" when it only names one or is a harmless look-alike.
type jsPattern func(g *fidelityGen, v string) (code string, plants bool)

var jsPatterns = []jsPattern{
	// config object in an inline script
	func(g *fidelityGen, v string) (string, bool) {
		return `window.__CFG = {` + g.of(camelSecretNames...) + `: "` + v + `", api: "/api/v1", retries: 3};`, true
	},
	// form body builder
	func(g *fidelityGen, v string) (string, bool) {
		return `var client_secret = "` + v + `";` + "\n" +
			`var body = 'grant_type=client_credentials&client_secret=' + encodeURIComponent(client_secret);`, true
	},
	// '?api_key=' + 'V'
	func(g *fidelityGen, v string) (string, bool) {
		return `var u = '/api/search' + '?` + g.of(paramSecretNames...) + `=' + '` + v + `';`, true
	},
	// a literal that only names a secret: the value comes at run time
	func(g *fidelityGen, v string) (string, bool) {
		return `document.cookie = 'session=' + window.t + '; path=/';`, false
	},
	// template literal
	func(g *fidelityGen, v string) (string, bool) {
		return "var q = `?" + g.of(paramSecretNames...) + `=${"` + v + `"}&v=2` + "`;", true
	},
	// JSON escaped inside a JS string
	func(g *fidelityGen, v string) (string, bool) {
		return `var j = JSON.parse("{\u0022` + g.of(paramSecretNames...) + `\u0022:\u0022` + v + `\u0022}");`, true
	},
	// a regular expression literal that names a parameter
	func(g *fidelityGen, v string) (string, bool) {
		return `var re = /[?&]token=([^&#]+)/; var m = re.exec(location.search);`, false
	},
	// single-quoted JSON-ish text in a string
	func(g *fidelityGen, v string) (string, bool) {
		return `var rt = '{\'refresh_token\': \'` + v + `\'}';`, true
	},
	// headers built in a script
	func(g *fidelityGen, v string) (string, bool) {
		return `fetch("/api/me", {headers: {Authorization: "Bearer ` + v + `"}});`, true
	},
	// process.env fallback
	func(g *fidelityGen, v string) (string, bool) {
		return `var apiToken = process.env.API_TOKEN || "` + v + `";`, true
	},
	// concatenation across lines
	func(g *fidelityGen, v string) (string, bool) {
		// in a block: a unit may hold this pattern twice
		return `{const AUTH = "` + v + `";` + "\n" + `fetch("/v1/me?access_token=" + AUTH);` + "\n" + `const a = "b";}`, true
	},
	// a harmless literal that names a scheme
	func(g *fidelityGen, v string) (string, bool) { return `var prefix = 'Bearer ';`, false },
	// a quoted JSON-like object
	func(g *fidelityGen, v string) (string, bool) {
		return `var config = {"` + g.of(camelSecretNames...) + `": "` + v + `", "env": "prod"};`, true
	},
	// look-alikes from real minified code
	func(g *fidelityGen, v string) (string, bool) { return `lastToken = tokens[tokens.length - 1];`, false },
	func(g *fidelityGen, v string) (string, bool) {
		return `if (cachedModule!==undefined) { cachedModule = null; }`, false
	},
	func(g *fidelityGen, v string) (string, bool) {
		return `var Pass = {toString: function () { return "Pass"; }};`, false
	},
	func(g *fidelityGen, v string) (string, bool) { return `var KEY = {RETURN: 13, ESC: 27};`, false },
	func(g *fidelityGen, v string) (string, bool) {
		return `tokenize = Sizzle.tokenize = function (s) { return s; };`, false
	},
	func(g *fidelityGen, v string) (string, bool) { return `var code = arguments[0], n = 1;`, false },
	func(g *fidelityGen, v string) (string, bool) {
		return `var e = {"code": 500, "message": "rate_limit_exceeded"};`, false
	},
}

// tailPattern is the statement that a text-based sanitizer let eat the
// closing </script> after it.
const tailPattern = `var t = 'token=' + window.t;`

// genJS returns n statements, one per line or minified on one line, and
// the secrets they plant.
func (g *fidelityGen) genJS(n int) (string, []string) {
	var parts, secrets []string
	minified := g.pick(3) == 0
	for range n {
		v := g.secret()
		code, plants := jsPatterns[g.pick(len(jsPatterns))](g, v)
		if plants {
			secrets = append(secrets, v)
		}
		parts = append(parts, code)
	}
	if minified {
		return strings.Join(parts, ""), secrets
	}
	return strings.Join(parts, "\n") + "\n", secrets
}

// genCSS returns a stylesheet with a token in url() and icon-font rules.
func (g *fidelityGen) genCSS() (string, []string) {
	var b strings.Builder
	var secrets []string
	for range 1 + g.pick(4) {
		switch g.pick(5) {
		case 0:
			v := g.secret()
			secrets = append(secrets, v)
			b.WriteString(`.banner{background:url("/img/a.png?` + g.of(paramSecretNames...) + `=` + v + `") no-repeat}` + "\n")
		case 1:
			v := g.secret()
			secrets = append(secrets, v)
			b.WriteString(`.hero { background-image: url(/img/b.png?token=` + v + `); }` + "\n")
		case 2:
			b.WriteString(`.fa-key:before { content: "\f084"; }` + "\n")
		case 3:
			b.WriteString(`.glyphicon-asterisk:before {` + "\n  content: \"\\002a\";\n}\n")
		default:
			b.WriteString(`.btn-secret{color:#c0ffee;border:1px solid rgba(0,0,0,.1)}` + "\n")
		}
	}
	return b.String(), secrets
}

// genHTML returns a page with inline scripts, a JSON script block, an
// onclick attribute, an inline style and a hidden input.
func (g *fidelityGen) genHTML() (string, []string) {
	var b strings.Builder
	var secrets []string
	b.WriteString("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>App</title>\n")
	if g.pick(2) == 0 {
		css, s := g.genCSS()
		secrets = append(secrets, s...)
		b.WriteString("<style>" + css + "</style>\n")
	}
	b.WriteString("</head><body>\n")
	for range 1 + g.pick(5) {
		switch g.pick(6) {
		case 0, 1, 2:
			js, s := g.genJS(1 + g.pick(4))
			secrets = append(secrets, s...)
			if g.pick(3) == 0 {
				js += tailPattern // right before the close tag
			}
			b.WriteString("<script>" + js + "</script>\n")
		case 3:
			v := g.secret()
			secrets = append(secrets, v)
			b.WriteString(`<script type="application/json" id="boot">{"` + g.of(paramSecretNames...) + `":"` + v + `","next":"/app"}</script>` + "\n")
		case 4:
			v := g.secret()
			secrets = append(secrets, v)
			b.WriteString(`<button id="resume" onclick="resume('` + v + `')">Resume</button>` + "\n")
		default:
			v := g.secret()
			secrets = append(secrets, v)
			b.WriteString(`<form><input type="hidden" name="csrf_token" value="` + v + `"><input name="q" value="shoes"></form>` + "\n")
		}
	}
	b.WriteString("</body></html>\n")
	return b.String(), secrets
}

// genUnit returns one generated unit in a random language.
func (g *fidelityGen) genUnit(name string) fidelityUnit {
	switch g.pick(5) {
	case 0:
		body, s := g.genHTML()
		return fidelityUnit{name: name, lang: "html", mime: "text/html; charset=utf-8", url: "https://app.example.com/", body: body, secrets: s}
	case 1:
		body, s := g.genCSS()
		return fidelityUnit{name: name, lang: "css", mime: "text/css", url: "https://app.example.com/static/app.css", body: body, secrets: s}
	case 2:
		v := g.secret()
		body := `{"` + g.of(paramSecretNames...) + `":"` + v + `","error":{"code":500,"message":"Internal"},"next":"/x"}`
		return fidelityUnit{name: name, lang: "json", mime: "application/json", url: "https://app.example.com/api/session", body: body, secrets: []string{v}}
	case 3:
		js, s := g.genJS(2 + g.pick(3))
		body, _ := marshalNoEscape(map[string]any{"version": 3, "file": "app.js", "sources": []string{"src/app.ts"},
			"sourcesContent": []string{js}, "names": []string{}, "mappings": "AAAA"})
		return fidelityUnit{name: name, lang: "map", mime: "application/json", url: "https://app.example.com/static/app.js.map", body: body, secrets: s}
	default:
		js, s := g.genJS(1 + g.pick(6))
		return fidelityUnit{name: name, lang: "js", mime: g.of("text/javascript", "application/javascript"), url: "https://app.example.com/static/app.js", body: js, secrets: s}
	}
}
