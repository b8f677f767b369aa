package sanitize

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
	"github.com/tdewolff/parse/v2/html"
	"github.com/tdewolff/parse/v2/js"
)

// The code corpus: units of HTML, JavaScript, CSS, JSON, XML and source
// maps that carry secrets the way real apps do (config objects, URL
// builders, template literals, JSON in scripts, CSS url(), handlers) next
// to harmless look-alikes that must stay (a literal that only names a
// secret, labels, hashes, ids, selectors). It is generated with fresh
// randomness on every run (REPROKIT_CORPUS_SEED replays one), sanitized
// through Redactor.HAR and verified, and must show: no secret in any
// form, every unit that parsed still parses, every look-alike kept.

type codeUnit struct {
	name    string
	mime    string
	text    string
	secrets []string
	keep    []string
}

// codeGen builds units from one random source.
type codeGen struct {
	r *rand.Rand
}

func (g *codeGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// secret is a value shaped like what apps carry: generated tokens of
// several lengths and alphabets, vendor keys, passwords.
func (g *codeGen) secret() string {
	gg := &gen{r: g.r}
	switch g.r.IntN(9) {
	case 0:
		return gg.tok("", 20+g.r.IntN(24))
	case 1:
		return gg.tok("sk-proj-", 40)
	case 2:
		return gg.tok("ghp_", 36)
	case 3:
		return "AKIA" + gg.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
	case 4:
		return gg.chars(alnum+"-_", 32+g.r.IntN(16))
	case 5:
		return gg.tok("xoxb-", 24)
	case 6:
		return gg.chars(alnum, 12) + "!" + gg.chars(alnum, 4) // a password
	case 7:
		return gg.hex(40)
	default:
		return gg.tok("", 32)
	}
}

// longSecret is an unnamed token: generated and long enough to tell.
func (g *codeGen) longSecret() string {
	gg := &gen{r: g.r}
	for {
		s := gg.tok("", 28+g.r.IntN(20))
		if codeToken(s) {
			return s
		}
	}
}

func (g *codeGen) ident() string {
	return g.pick("a", "e", "t", "n", "r", "cfg", "opts", "ctx")
}

// jsSecret returns one statement that holds s, and whether s must be
// long and generated to be caught (it has no name).
func (g *codeGen) jsSecret(s string) string {
	v := g.ident()
	switch g.r.IntN(26) {
	case 20:
		return fmt.Sprintf(`axios.defaults.headers.common['Authorization'] = 'Bearer %s';`, s)
	case 21:
		return fmt.Sprintf(`var p = new URLSearchParams({api_key: "%s", q: "shoes"});`, s)
	case 22:
		return fmt.Sprintf(`fetch('/invite/accept/' + '%s', {method: 'POST'});`, s)
	case 23:
		return fmt.Sprintf(`var h = new Headers([["X-Api-Key", "%s"]]);`, s)
	case 24:
		return fmt.Sprintf(`const config = {auth: {clientSecret: "%s", redirectUri: "/cb"}};`, s)
	case 25:
		return fmt.Sprintf(`fetch("/v1/me?access_token=%s&fields=id");`, s)
	case 0:
		return fmt.Sprintf(`window.__CFG = {apiKey: "%s", env: "prod", retries: 3};`, s)
	case 1:
		return fmt.Sprintf(`var %s = {"client_secret": "%s", "client_id": "web"};`, v, s)
	case 2:
		return fmt.Sprintf(`fetch('/api/search?api_key=' + '%s' + '&q=' + q);`, s)
	case 3:
		return fmt.Sprintf(`var body = 'grant_type=client_credentials&client_secret=' + encodeURIComponent('%s');`, s)
	case 4:
		return fmt.Sprintf("var u = `/v1/items?token=${\"%s\"}&v=2`;", s)
	case 5:
		return fmt.Sprintf(`fetch(u, {headers: {Authorization: "Bearer %s", "Content-Type": "application/json"}});`, s)
	case 6:
		return fmt.Sprintf(`xhr.setRequestHeader("X-Api-Key", "%s");`, s)
	case 7:
		return fmt.Sprintf(`const key = process.env.API_TOKEN || "%s";`, s)
	case 8:
		return fmt.Sprintf(`localStorage.setItem("access_token", "%s");`, s)
	case 9:
		return fmt.Sprintf(`var j = JSON.parse("{\"refresh_token\":\"%s\",\"n\":1}");`, s)
	case 10:
		return fmt.Sprintf(`var j = "{\u0022token\u0022:\u0022%s\u0022}";`, s)
	case 11:
		return fmt.Sprintf(`var s = '{\'refresh_token\': \'%s\'}';`, s)
	case 12:
		return fmt.Sprintf(`const SECRET_KEY = "%s";`, s)
	case 13:
		return fmt.Sprintf(`this.password = '%s';`, s)
	case 14:
		return fmt.Sprintf(`%s["api_key"] = "%s";`, v, s)
	case 15:
		return fmt.Sprintf(`document.cookie = "session=%s; path=/";`, s)
	case 16:
		return fmt.Sprintf(`%s.apiKey="%s",%s.x=1;`, v, s, v)
	case 17:
		return fmt.Sprintf("var auth = `Bearer ${'%s'}`;", s)
	case 18:
		return fmt.Sprintf(`var creds = {user: "deploy", password: "%s"};`, s)
	default:
		return fmt.Sprintf(`ws.send(JSON.stringify({type: "auth", token: "%s"}));`, s)
	}
}

// jsHarmless returns a statement that holds look-alikes and the strings
// that must survive it.
func (g *codeGen) jsHarmless() (string, []string) {
	gg := &gen{r: g.r}
	switch g.r.IntN(22) {
	case 18:
		return `fetch('/api/tokens/' + id, {method: "DELETE"}); var tokenUrl = "/oauth/token";`, []string{`'/api/tokens/'`, `"/oauth/token"`}
	case 19:
		sri := "sha384-" + gg.chars(alnum, 64)
		return fmt.Sprintf(`s.integrity = "%s"; s.crossOrigin = "anonymous";`, sri), []string{sri}
	case 20:
		h := gg.hex(20)
		return fmt.Sprintf(`var chunks = {179: "%s", 42: "main"};`, h), []string{h}
	case 21:
		return `var opts = {key: "value", token: null, password: "", secret: undefined};`, []string{`{key: "value", token: null, password: "", secret: undefined}`}
	case 0:
		return `var u = '/api/me?token=' + t;`, []string{`'/api/me?token='`}
	case 1:
		return `h.Authorization = 'Bearer ' + t;`, []string{`'Bearer '`}
	case 2:
		return `lastToken = tokens[tokens.length - 1];`, []string{`tokens[tokens.length - 1]`}
	case 3:
		return `var Pass = {toString: function(){return "Pass"}}, KEY = {RETURN: 13, ESC: 27};`, []string{`{toString: function(){return "Pass"}}`, `{RETURN: 13, ESC: 27}`}
	case 4:
		return `var re = /[?&]token=([^&#]+)/, n = a / b / 2;`, []string{`/[?&]token=([^&#]+)/`, `a / b / 2`}
	case 5:
		return `var i18n = {password: "Password", forgotPassword: "Forgot your password?", token: "variable-2"};`, []string{`"Password"`, `"Forgot your password?"`, `"variable-2"`}
	case 6:
		return `if (e.key === "Enter" || e.code === "KeyA") submit();`, []string{`"Enter"`, `"KeyA"`}
	case 7:
		id := "req_" + gg.tok("", 24)
		return fmt.Sprintf(`console.log("request id", "%s");`, id), []string{id}
	case 8:
		u := fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", g.r.Uint32(), g.r.IntN(65536), g.r.IntN(4096), g.r.IntN(4096), g.r.Int64N(1<<48))
		return fmt.Sprintf(`el.id = "%s";`, u), []string{u}
	case 9:
		h := gg.hex(24)
		return fmt.Sprintf(`var objectId = "%s";`, h), []string{h}
	case 10:
		h := gg.hex(8)
		return fmt.Sprintf(`import("/static/js/chunk.%s.js");`, h), []string{"chunk." + h + ".js"}
	case 11:
		return `var alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";`, []string{"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}
	case 12:
		return `var code = arguments[0], tokenize = Sizzle.tokenize = function(s){ return s; };`, []string{`arguments[0]`, `Sizzle.tokenize`}
	case 13:
		return `var err = {"error": {"code": 500, "type": "rate_limit_exceeded", "code2": "invalid_grant"}};`, []string{`"code": 500`, `"rate_limit_exceeded"`}
	case 14:
		return `var t = sessionStorage.getItem("access_token"), k = localStorage.getItem("apiKey");`, []string{`"access_token"`, `"apiKey"`}
	case 15:
		return `cachedModule!==undefined&&(r=cachedModule.exports);`, []string{`cachedModule!==undefined`}
	case 16:
		return `var cfg = {tokenType: "Bearer", authMode: "popup", sessionTimeout: "30m"};`, []string{`"Bearer"`, `"popup"`, `"30m"`}
	default:
		return `// token = "the session token"; see docs` + "\n" + `var color = "#a1b2c3";`, []string{`"#a1b2c3"`, `token = "the session token"`}
	}
}

func (g *codeGen) script(n int) (string, []string, []string) {
	var stmts, secrets, keep []string
	for i := 0; i < n; i++ {
		if g.r.IntN(2) == 0 {
			s := g.secret()
			stmts = append(stmts, g.jsSecret(s))
			secrets = append(secrets, s)
		} else {
			st, k := g.jsHarmless()
			stmts = append(stmts, st)
			keep = append(keep, k...)
		}
	}
	if g.r.IntN(3) == 0 {
		s := g.longSecret()
		stmts = append(stmts, fmt.Sprintf(`resume('%s');`, s))
		secrets = append(secrets, s)
	}
	sep := "\n"
	if g.r.IntN(3) == 0 {
		sep = "" // minified
	}
	return "(function(){" + sep + strings.Join(stmts, sep) + sep + "})();", secrets, keep
}

func (g *codeGen) units(n int) []codeUnit {
	var us []codeUnit
	for i := 0; i < n; i++ {
		switch i % 6 {
		case 0, 1:
			js, s, k := g.script(3 + g.r.IntN(4))
			us = append(us, codeUnit{name: "script", mime: g.pick("application/javascript", "text/javascript"), text: js, secrets: s, keep: k})
		case 2:
			js, s, k := g.script(2 + g.r.IntN(3))
			csrf, tok, hdl := g.secret(), g.secret(), g.longSecret()
			sri := "sha384-" + (&gen{r: g.r}).tok("", 64)
			page := fmt.Sprintf(`<!doctype html><html><head><meta charset="utf-8"><meta name="csrf-token" content="%s">
<link rel="stylesheet" href="/static/css/main.8f3a2b1c.css" integrity="%s" crossorigin="anonymous">
<script type="application/json" id="cfg">{"token":"%s","features":["a","b"]}</script>
<script>%s</script>
<script>var t = 'token=' + window.t;</script>
</head><body class="app" onclick="resume('%s')"><div id="root" data-theme="dark"></div>
<form><input type="hidden" name="csrf_token" value="%s"><input type="password" name="password" autocomplete="current-password"></form>
<a href="/reset-password?token=%s">Reset</a><p>Signed in &amp; ready.</p></body></html>`, csrf, sri, tok, js, hdl, csrf, tok)
			us = append(us, codeUnit{name: "page", mime: "text/html; charset=utf-8", text: page, secrets: append(s, csrf, tok, hdl),
				keep: append(k, sri, `"/static/css/main.8f3a2b1c.css"`, `'token='`, `autocomplete="current-password"`, `<p>Signed in &amp; ready.</p>`)})
		case 3:
			s1, s2 := g.secret(), g.secret()
			sheet := fmt.Sprintf(`.fa-key:before { content: "\f084"; } .glyphicon-asterisk:before{content:"\2a"}
.hero{background:url(/img/hero.png?token=%s) no-repeat;color:#a1b2c3}
.cdn{background-image:url("https://cdn.example.com/x.png?X-Amz-Signature=%s&X-Amz-Expires=300")}
:root{--brand: #ff0066; --radius: 4px}`, s1, s2)
			us = append(us, codeUnit{name: "stylesheet", mime: "text/css", text: sheet, secrets: []string{s1, s2},
				keep: []string{`.fa-key:before { content: "\f084"; }`, `.glyphicon-asterisk:before{content:"\2a"}`, "#a1b2c3", "X-Amz-Expires=300", "--brand: #ff0066"}})
		case 4:
			js, s, k := g.script(2)
			var sb strings.Builder
			enc := json.NewEncoder(&sb)
			enc.SetEscapeHTML(false)
			enc.Encode([]string{js})
			src := strings.TrimSuffix(sb.String(), "\n")
			m := fmt.Sprintf(`{"version":3,"file":"app.js","sources":["src/app.js"],"sourcesContent":%s,"names":[],"mappings":"AAAA,SAAS;AACT"}`, src)
			for i, x := range k { // the look-alikes as the map's JSON string holds them
				var b strings.Builder
				enc := json.NewEncoder(&b)
				enc.SetEscapeHTML(false)
				enc.Encode(x)
				k[i] = strings.TrimSuffix(b.String(), "\n")
				k[i] = k[i][1 : len(k[i])-1]
			}
			us = append(us, codeUnit{name: "source map", mime: "application/json", text: m, secrets: s, keep: append(k, `"mappings":"AAAA,SAAS;AACT"`)})
		default:
			s1, s2 := g.secret(), g.secret()
			x := fmt.Sprintf(`<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><wsse:Security><wsse:Username>deploy</wsse:Username><wsse:Password>%s</wsse:Password></wsse:Security></s:Header>
<s:Body><appSettings><add key="ApiKey" value="%s"/><add key="Region" value="eu-west-1"/></appSettings></s:Body></s:Envelope>`, s1, s2)
			us = append(us, codeUnit{name: "soap", mime: "application/soap+xml", text: x, secrets: []string{s1, s2},
				keep: []string{`key="ApiKey"`, `value="eu-west-1"`, "<wsse:Username>deploy</wsse:Username>"}})
		}
	}
	return us
}

func TestCodeCorpusLeaksNothingBreaksNothingKeepsLookAlikes(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REPROKIT_CORPUS_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	g := &codeGen{r: rand.New(rand.NewPCG(seed, 7))}
	units := g.units(120)
	var entries []any
	for _, u := range units {
		e := newEntry("https://app.example.com/" + strings.ReplaceAll(u.name, " ", "-"))
		e.body(u.mime, u.text)
		entries = append(entries, e.m)
	}
	doc, _ := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "entries": entries}})
	r := New(nil)
	var out strings.Builder
	if err := r.HAR(&out, strings.NewReader(string(doc))); err != nil {
		t.Fatal(err)
	}
	fs, err := r.Verify("session.har", strings.NewReader(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Errorf("seed %d: verify refuses its own output: %+v", seed, f)
	}
	var har struct {
		Log struct {
			Entries []struct {
				Response struct{ Content struct{ Text string } }
			}
		}
	}
	if err := json.Unmarshal([]byte(out.String()), &har); err != nil {
		t.Fatal(err)
	}
	kept, looks := 0, 0
	for i, u := range units {
		got := har.Log.Entries[i].Response.Content.Text
		for _, s := range u.secrets {
			for _, f := range leakForms(s) {
				if strings.Contains(got, f) {
					t.Errorf("seed %d: unit %d (%s): secret %q survived:\n%s", seed, i, u.name, s, got)
				}
			}
		}
		for _, k := range u.keep {
			looks++
			if strings.Contains(got, k) {
				kept++
			} else {
				t.Errorf("seed %d: unit %d (%s): look-alike %q was changed:\n%s", seed, i, u.name, k, got)
			}
		}
		if err := stillParses(u.mime, u.text, got); err != nil {
			t.Errorf("seed %d: unit %d (%s): %v\nin:  %s\nout: %s", seed, i, u.name, err, u.text, got)
		}
	}
	t.Logf("seed %d: %d units, %d of %d look-alikes kept", seed, len(units), kept, looks)
}

// stillParses checks that a sanitized unit parses as its input did:
// JavaScript and JSON by a full parse, HTML and CSS by the same sequence
// of token types.
func stillParses(mime, in, out string) error {
	mt := strings.TrimSpace(strings.SplitN(mime, ";", 2)[0])
	switch {
	case strings.Contains(mt, "javascript"):
		if _, err := js.Parse(parse.NewInputString(in), js.Options{}); err != nil {
			return nil // did not parse before
		}
		if _, err := js.Parse(parse.NewInputString(out), js.Options{}); err != nil {
			return fmt.Errorf("no longer parses as JavaScript: %v", err)
		}
	case strings.Contains(mt, "json"):
		if json.Valid([]byte(in)) && !json.Valid([]byte(out)) {
			return fmt.Errorf("no longer valid JSON")
		}
	case mt == "text/html":
		a, b := htmlTypes(in), htmlTypes(out)
		if a != b {
			return fmt.Errorf("HTML token types changed:\n%s\n%s", a, b)
		}
	case mt == "text/css":
		a, b := cssTypes(in), cssTypes(out)
		if a != b {
			return fmt.Errorf("CSS token types changed:\n%s\n%s", a, b)
		}
	}
	return nil
}

func htmlTypes(s string) string {
	l := html.NewLexer(parse.NewInputString(s))
	var b strings.Builder
	for {
		tt, data := l.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		b.WriteString(tt.String())
		if tt == html.StartTagToken || tt == html.EndTagToken || tt == html.AttributeToken {
			b.WriteString(":" + strings.ToLower(string(l.Text())))
		}
		if tt == html.TextToken && strings.Contains(b.String(), "script") {
			// an inline script still parses
			if _, err := js.Parse(parse.NewInputBytes(data), js.Options{}); err == nil {
				b.WriteString("(js)")
			}
		}
		b.WriteByte(' ')
	}
}

func cssTypes(s string) string {
	l := css.NewLexer(parse.NewInputString(s))
	var b strings.Builder
	for {
		tt, _ := l.Next()
		if tt == css.ErrorToken {
			return b.String()
		}
		b.WriteString(tt.String())
		b.WriteByte(' ')
	}
}
