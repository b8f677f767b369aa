package sanitize

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// Issue 10's detectors, rules and look-alikes: each case is one HAR entry;
// the secrets must be gone from every decoded string of the output, the
// kept texts must be there byte for byte, and Verify must find nothing.

// decodedStrings is every string (keys too) of a JSON document, decoded,
// one per line: what a reader of the HAR sees.
func decodedStrings(t *testing.T, doc string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("the output is not JSON: %v", err)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
			b.WriteByte('\n')
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				b.WriteString(k)
				b.WriteByte('\n')
				walk(x[k])
			}
		}
	}
	walk(v)
	return b.String()
}

type detectorCase struct {
	name  string
	plant func(e *entryBuilder)
	gone  []string // must not survive
	kept  []string // must survive as they are (decoded)
}

func checkDetectorCases(t *testing.T, cases []detectorCase) {
	t.Helper()
	for _, c := range cases {
		e := newEntry("https://app.example.com/api/case")
		c.plant(e)
		_, out, fs := verifyOne(t, e)
		text := decodedStrings(t, out)
		for _, g := range c.gone {
			if strings.Contains(text, g) {
				t.Errorf("%s: %q survives:\n%s", c.name, g, text)
			}
		}
		for _, k := range c.kept {
			if !strings.Contains(text, k) {
				t.Errorf("%s: %q was changed:\n%s", c.name, k, text)
			}
		}
		if len(fs) > 0 {
			t.Errorf("%s: Verify refuses the output: %+v", c.name, fs)
		}
	}
}

const (
	tok20 = "Zq8LmN3pRt7VwX2yB5cD"
	hex48 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c"
	hex64 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	hex40 = "3b18e512dba79e4c8300dd08aeb37f8e728b8dad"
)

func TestIssue10DetectorsRedact(t *testing.T) {
	checkDetectorCases(t, []detectorCase{
		{"Bearer in a text/plain body", func(e *entryBuilder) {
			e.body("text/plain", "upstream said 401 for Bearer aaaabbbb11112222 at 10:00")
		}, []string{"aaaabbbb11112222"}, []string{"upstream said 401 for Bearer [REDACTED:bearer:"}},
		{"Bearer in a log line of a JSON string", func(e *entryBuilder) {
			e.body("application/json", `{"log":"curl -H 'authorization: bearer abc123abc123abc1' https://x"}`)
		}, []string{"abc123abc123abc1"}, nil},
		{"MAC address in JSON and text", func(e *entryBuilder) {
			e.body("application/json", `{"device":{"mac":"00:1A:2B:3C:4D:5E","wifi":"3c-22-fb-12-34-56"}}`)
			e.post("text/plain", "wlan0 HWaddr 3c:22:fb:9a:bc:de up")
		}, []string{"3C:4D:5E", "12-34-56", "9a:bc:de"}, []string{"00:1A:2B:[REDACTED:mac:", "3c-22-fb-[REDACTED:mac:", "wlan0 HWaddr 3c:22:fb:[REDACTED:mac:"}},
		{"serial numbers under serial-named keys and parameters", func(e *entryBuilder) {
			e.url("https://app.example.com/api/device?serialNumber=C02XK1ZJJG5H&x=1")
			e.query("serialNumber", "C02XK1ZJJG5H")
			e.body("application/json", `{"serial":"5CD1234XYZ","hw":{"serial_no":"PF2AB3CD","device_serial":"R58M12ABCDE","serialNumber":"SN-0042-7781"}}`)
		}, []string{"C02XK1ZJJG5H", "5CD1234XYZ", "PF2AB3CD", "R58M12ABCDE", "SN-0042-7781"}, []string{"serialNumber=[REDACTED:serial:", "&x=1"}},
		{"serial number in a page title and text", func(e *entryBuilder) {
			e.body("text/html", "<title>MacBook Pro - Serial Number: C02XK1ZJJG5H</title><p>S/N: PF2AB3CD9</p>")
		}, []string{"C02XK1ZJJG5H", "PF2AB3CD9"}, []string{"Serial Number: [REDACTED:serial:"}},
		{`JSON key "key" naming a credential`, func(e *entryBuilder) {
			e.body("application/json", `{"settings":[{"key":"api_key","value":"`+tok20+`"},{"key":"theme","value":"dark"},{"value":"hunter2hunter","name":"client_secret"}]}`)
		}, []string{tok20, "hunter2hunter"}, []string{"dark", "api_key", "client_secret"}},
		{"name/value header list in a JSON body", func(e *entryBuilder) {
			e.post("application/json", `{"headers":[{"name":"Authorization","value":"Bearer tkn_9f8e7d6c5b4a3210"},{"name":"Accept","value":"text/html"}]}`)
		}, []string{"tkn_9f8e7d6c5b4a3210"}, []string{"Bearer [REDACTED:authorization:", "text/html"}},
		{`"key": a secret-shaped value`, func(e *entryBuilder) {
			e.body("application/json", `{"key":"`+tok20+`k9"}`)
		}, []string{tok20 + "k9"}, nil},
		{"Azure connection string", func(e *entryBuilder) {
			e.body("application/json", `{"connectionstring":"DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=`+tok20+`abc+/==;EndpointSuffix=core.windows.net",`+
				`"ConnectionString":"BlobEndpoint=https://acct1.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=co&sp=rl&se=2027-01-01&sig=`+tok20+`%3D"}`)
		}, []string{tok20, "sv=2022-11-02&ss=b"}, []string{"AccountName=acct1", "EndpointSuffix=core.windows.net", "BlobEndpoint=https://acct1.blob.core.windows.net/"}},
		{"userPass and authentication keys", func(e *entryBuilder) {
			e.post("application/json", `{"userPass":"hunter2hunter","authentication":"Zq8Lm-N3pRt7"}`)
		}, []string{"hunter2hunter", "Zq8Lm-N3pRt7"}, nil},
		{"passphrase and psk in text", func(e *entryBuilder) {
			e.body("text/plain", "ssid=home\npassphrase: correct horse battery staple\nwpa_psk=9f8e7d6c5b4a\npsk=Pa55w0rdX\n")
		}, []string{"correct horse battery staple", "9f8e7d6c5b4a", "Pa55w0rdX"}, []string{"ssid=home"}},
		{"long hex in the path of a document", func(e *entryBuilder) {
			e.m["_resourceType"] = "document"
			e.url("https://app.example.com/invite/accept/" + hex48)
		}, []string{hex48}, []string{"https://app.example.com/invite/accept/[REDACTED:"}},
		{"long hex in the path of an XHR", func(e *entryBuilder) {
			e.m["_resourceType"] = "xhr"
			e.url("https://api.example.com/v1/downloads/" + hex64 + "/file?inline=1")
		}, []string{hex64}, []string{"/v1/downloads/[REDACTED:hex-path:", "/file?inline=1"}},
		{"long hex in a redirect", func(e *entryBuilder) {
			e.resp()["status"] = 302
			e.respHeader("location", "/account/confirm/"+hex64)
			e.resp()["redirectURL"] = "https://app.example.com/dl/" + hex48 + "?x=1"
		}, []string{hex64, hex48}, []string{"/account/confirm/[REDACTED:", "/dl/[REDACTED:hex-path:"}},
		{"code in OAuth places", func(e *entryBuilder) {
			e.resp()["status"] = 302
			e.respHeader("location", "https://app.example.com/cb#code=4/0AX4Xf-ab12&state=xyz")
			e.post("application/x-www-form-urlencoded", "grant_type=authorization_code&code=Sp1a7Bx9&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb",
				nv("grant_type", "authorization_code"), nv("code", "Sp1a7Bx9"))
			e.body("application/json", `{"code":"`+tok20+`Qx7"}`)
		}, []string{"4/0AX4Xf-ab12", "Sp1a7Bx9", tok20}, []string{"grant_type=authorization_code"}},
	})
}

// The look-alikes issue 10 keeps: support needs them, and none is a
// secret.
func TestIssue10LookAlikesStay(t *testing.T) {
	uuid := "f3a9c2e1-b7d8-4e0a-9c6b-5d4e3f2a1b0c"
	oid := "507f1f77bcf86cd799439011"
	checkDetectorCases(t, []detectorCase{
		{"error codes, word codes and source code under code", func(e *entryBuilder) {
			e.body("application/json", `{"error":{"code":500,"type":"server_error"},"code":"rate_limit_exceeded","cells":[{"code":"print(1)\nx = 2","id":"c1"}],"status":{"code":"E_TIMEOUT"}}`)
			e.url("https://app.example.com/api/country?code=US&lang=en-GB&status=404&code2=ok")
		}, nil, []string{`"code":500`, "rate_limit_exceeded", `print(1)\nx = 2`, "E_TIMEOUT", "code=US&"}},
		{"keys that are not credentials", func(e *entryBuilder) {
			e.body("application/json", `{"key":"Enter","shortcut":{"key":"ctrl+k"},"items":[{"key":"user-settings","value":"dark"}],"serial":42,"serialized":"abc123def","serialNumber":"unknown"}`)
		}, nil, []string{`"key":"Enter"`, "ctrl+k", "user-settings", "dark", `"serial":42`, "abc123def", "unknown"}},
		{"identifiers in paths", func(e *entryBuilder) {
			e.m["_resourceType"] = "document"
			e.url("https://app.example.com/projects/" + uuid + "/items/" + oid + "/req_8HqLm2Pz9XkW4vTn7Rb3Yc/chatcmpl-Ab12Cd34Ef56Gh78/resp_0a1b2c3d4e5f")
		}, nil, []string{uuid, oid, "req_8HqLm2Pz9XkW4vTn7Rb3Yc", "chatcmpl-Ab12Cd34Ef56Gh78", "resp_0a1b2c3d4e5f"}},
		{"commit hashes on a code host", func(e *entryBuilder) {
			e.m["_resourceType"] = "document"
			e.url("https://git.example.com/acme/app/commit/" + hex40)
			e.respHeader("location", "https://git.example.com/acme/app/tree/"+hex40+"/src")
			e.reqHeader("referer", "https://git.example.com/acme/app/blob/"+hex64+"/README.md")
		}, nil, []string{"/commit/" + hex40, "/tree/" + hex40 + "/src", "/blob/" + hex64 + "/README.md"}},
		{"content hashes of static assets", func(e *entryBuilder) {
			e.m["_resourceType"] = "script"
			e.url("https://cdn.example.com/_next/static/" + hex40 + "/chunks/main." + hex64[:20] + ".js")
			e.body("text/html", `<link rel="stylesheet" href="/assets/`+hex64+`.css"><img src="https://www.gravatar.com/avatar/`+hex48[:32]+`?s=80">`)
		}, nil, []string{"/_next/static/" + hex40 + "/chunks/main.", "/assets/" + hex64 + ".css", "/avatar/" + hex48[:32]}},
		{"hashes in the URL of an image", func(e *entryBuilder) {
			e.m["_resourceType"] = "image"
			e.url("https://www.gravatar.com/avatar/" + hex48[:32] + "?s=80")
		}, nil, []string{"/avatar/" + hex48[:32] + "?s=80"}},
		{"Bearer that names no token", func(e *entryBuilder) {
			e.respHeader("www-authenticate", `Bearer realm="api", error="invalid_token"`)
			e.body("text/plain", "send Authorization: Bearer YOUR_API_KEY, or 'Bearer ' + token, or `Bearer ${token}`; Bearer tokens expire")
		}, nil, []string{`Bearer realm="api"`, "Bearer YOUR_API_KEY", "'Bearer ' + token", "Bearer ${token}", "Bearer tokens expire"}},
		{"MAC look-alikes", func(e *entryBuilder) {
			e.body("text/plain", "fp aa:bb:cc:dd:ee:ff:00:11:22 at 12:34:56, bcast ff:ff:ff:ff:ff:ff, ipv6 fe80::1a2b:3c4d:5e6f:7a8b")
		}, nil, []string{"aa:bb:cc:dd:ee:ff:00:11:22", "12:34:56", "ff:ff:ff:ff:ff:ff"}},
		{"serial look-alikes", func(e *entryBuilder) {
			e.body("text/plain", "serial port 8250 ready; serialize(); Serial: unknown; serials: none")
		}, nil, []string{"serial port 8250 ready; serialize(); Serial: unknown; serials: none"}},
		{"names are never redacted", func(e *entryBuilder) {
			e.reqHeader("X-CSRF-Token-ABCDE", "Qx7pL2mN9vR4tZ8wK3bC")
			e.reqHeader("cookie", "CSRF-Token-ABCDE=Qx7pL2mN9vR4tZ8wK3bC; theme=dark")
			e.req()["cookies"] = []any{nv("CSRF-Token-ABCDE", "Qx7pL2mN9vR4tZ8wK3bC")}
			e.url("https://app.example.com/api?session_token_name=x&csrfTokenHeader=y")
			e.query("session_token_name", "x")
			e.body("application/json", `{"X-CSRF-Token-ABCDE":"Qx7pL2mN9vR4tZ8wK3bC","secretQuestionId":3}`)
		}, []string{"Qx7pL2mN9vR4tZ8wK3bC"}, []string{"X-CSRF-Token-ABCDE", "CSRF-Token-ABCDE=[REDACTED:", "session_token_name=", "csrfTokenHeader=", "secretQuestionId"}},
	})
}

// The minified code that made the sanitizer refuse its own output, run
// through the text rules (plain text, console messages, and the contents
// of literals still go through them): nothing changes.
func TestIssue10CodeIsNoValue(t *testing.T) {
	r := New(nil)
	for _, s := range []string{
		"lastToken = tokens[tokens.length - 1];",
		"lastToken=tokens[tokens.length-1];",
		"if(cachedModule!==undefined){return cachedModule.exports}",
		"var token=cachedModule!==undefined?cachedModule:null;",
		`var Pass = {toString: function(){return "Pass"}};`,
		"KEY:{RETURN:13,ESC:27,SPACE:32}",
		".fa-key:before {\n  content: \"\\f084\";\n}",
		".glyphicon-asterisk:before {\n  content: \"*\";\n}",
		"tokenize = Sizzle.tokenize = function( selector, parseOnly ) {",
		"var code = arguments[0],\n  b = 2;",
		"secret = getSecret(name); password = this.password;",
		"auth: window.auth, token: undefined, key: null",
	} {
		if got := r.Text(s); got != s {
			t.Errorf("code was changed:\n%s\n->\n%s", s, got)
		}
	}
	if rep := r.Report(); rep.Total > 0 {
		t.Errorf("redactions in code: %+v", rep.Counts)
	}
	// a literal value next to code still goes
	for in, gone := range map[string]string{
		"password = 'Tr0ub4dor-3x9';":   "Tr0ub4dor-3x9",
		"token: Zq8LmN3pRt7VwX2yB5cD9f": "Zq8LmN3pRt7VwX2yB5cD9f",
		"api_key=Qx7pL2mN9vR4t&x=1":     "Qx7pL2mN9vR4t",
	} {
		if got := r.Text(in); strings.Contains(got, gone) {
			t.Errorf("%q: the value survives: %s", in, got)
		}
	}
}

// A redaction tag is never itself a secret: output made only of tags, in
// every place a value can stand, verifies clean and scans clean.
func TestOutputOfTagsVerifiesClean(t *testing.T) {
	tag := func(kind string) string { return "[REDACTED:" + kind + ":1a2b3c4d]" }
	var places []string
	for _, k := range []string{"userinfo", "secret-param", "cookie", "authorization", "jwt", "email", "mac", "serial", "bearer", "hex-path", "entropy", "keyword", "file", "code", "x"} {
		t1, t2 := tag(k), tag("y")
		places = append(places,
			"https://"+t1+":"+t2+"@host.example.com/",
			"https://user:"+t1+"@host.example.com/a/"+t2+"/b?token="+t1+"&code="+t2+"#access_token="+t1,
			"Authorization: Bearer "+t1,
			"Cookie: sid="+t1+"; csrf="+t2,
			"password: "+t1+"\npassphrase: "+t1+" "+t2,
			`{"token":"`+t1+`","key":"`+t2+`","code":"`+t1+`","serialNumber":"`+t2+`"}`,
			"secret "+t1+" key "+t2+" Bearer "+t1,
			"00:1A:2B:"+t1+" Serial Number: "+t2+" S/N: "+t1,
			t1+"@example.com "+t1+" 42 bytes",
			"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0."+tag("jwt"),
			"AccountKey="+t1+";SharedAccessSignature="+t2+";psk="+t1,
		)
	}
	text := strings.Join(places, "\n")
	if fs, err := Scan("tags.txt", strings.NewReader(text), nil); err != nil || len(fs) > 0 {
		t.Errorf("scan of tags: %v %+v", err, fs)
	}
	e := newEntry("https://" + tag("userinfo") + ":" + tag("userinfo") + "@app.example.com/" + tag("hex-path") + "?code=" + tag("secret-param"))
	e.reqHeader("authorization", "Bearer "+tag("authorization"))
	e.reqHeader("referer", "https://"+tag("a")+":"+tag("b")+"@app.example.com/")
	e.body("text/plain", text)
	e.post("application/json", `{"places":`+mustJSON(places)+`}`)
	r, out, fs := verifyOne(t, e)
	if len(fs) > 0 {
		t.Errorf("Verify refuses output made only of tags: %+v", fs)
	}
	if rep := r.Report(); rep.Total > 0 {
		t.Errorf("tags were redacted again: %+v", rep.Locations)
	}
	if !strings.Contains(out, tag("userinfo")+":"+tag("userinfo")+"@app.example.com") {
		t.Errorf("the URL of tags changed: %s", out)
	}
}

// The values that the HAR sanitizers' own test suites (DevTools' sanitized
// export, har-sanitizer and the like) expect removed, placed as their
// fixtures place them.
func TestSanitizerFixtureValuesAreRemoved(t *testing.T) {
	g := &gen{rand.New(rand.NewPCG(10, 10))}
	vals := map[string]string{}
	v := func(name string, n int) string {
		s := g.tok("", n)
		vals[name] = s
		return s
	}
	e := newEntry("https://portal.example.com/api/save")
	e.post("application/json", `{"settings":[{"key":"api_key","value":"`+v("key pair", 24)+`"},{"key":"password","value":"`+v("key pair password", 12)+`"}],`+
		`"key":"`+v("key", 32)+`","connectionstring":"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=`+v("account key", 40)+`==;EndpointSuffix=core.windows.net",`+
		`"userPass":"`+v("userPass", 14)+`","authentication":"`+v("authentication", 18)+`"}`)
	e.body("text/plain", "network=corp\npassphrase: "+v("passphrase", 12)+" "+v("passphrase 2", 9)+"\npsk="+v("psk", 16)+"\nAuthorization header was Bearer "+v("bearer", 30)+"\nmac 00:1A:2B:3C:4D:5E serial number: C02XK1ZJJG5H\n")
	vals["mac"], vals["serial"] = "3C:4D:5E", "C02XK1ZJJG5H"
	page := `{"log":{"version":"1.2","pages":[{"id":"p1","title":"Device C02XK1ZJJG5H, serial number: C02XK1ZJJG5H","startedDateTime":"2026-11-26T10:00:00.000Z"}],"entries":[` + mustJSON(e.m) + `]}}`
	r := New(nil)
	var out bytes.Buffer
	if err := r.HAR(&out, strings.NewReader(page)); err != nil {
		t.Fatal(err)
	}
	text := decodedStrings(t, out.String())
	for name, s := range vals {
		if strings.Contains(text, s) || strings.Contains(text, url.QueryEscape(s)) {
			t.Errorf("%s survives", name)
		}
	}
	if fs, err := r.Verify("session.har", bytes.NewReader(out.Bytes())); err != nil || len(fs) > 0 {
		t.Errorf("Verify: %v %+v", err, fs)
	}
}
