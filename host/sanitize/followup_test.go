package sanitize

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// verifyOne sanitizes a one-entry HAR and returns the Redactor, the output
// and what Verify finds in it.
func verifyOne(t *testing.T, e *entryBuilder) (*Redactor, string, []Finding) {
	t.Helper()
	r, out := sanitizeOne(t, e)
	fs, err := r.Verify("session.har", strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return r, out, fs
}

// Chrome's own error page (chrome-error://chromewebdata, 250 KB of HTML
// with inline base64 images and scripts) was refused with 200 entropy
// findings when a recording stored it as the body of a failed load.
func TestChromeErrorPageIsNotASecret(t *testing.T) {
	f, err := os.Open("testdata/chrome-neterror.html.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("base64,")) {
		t.Fatal("the test page has no inline base64 resources")
	}
	for _, b64 := range []bool{false, true} {
		e := newEntry("http://127.0.0.1:39999/")
		if b64 {
			e.body64("text/html", string(page))
		} else {
			e.body("text/html", string(page))
		}
		r, _, fs := verifyOne(t, e)
		if rep := r.Report(); rep.Total > 0 || len(fs) > 0 {
			t.Errorf("base64=%v: the error page gives %d redactions (%+v) and %d findings (%+v)", b64, rep.Total, rep.Counts, len(fs), fs)
		}
	}
	if fs, err := Scan("error.html", bytes.NewReader(page), nil); err != nil || len(fs) > 0 {
		t.Errorf("scan of the error page: %v %+v", err, fs)
	}
}

// Inline images and fonts (data: URIs), also under names that look
// sensitive, stay as they are in HTML, CSS, JS and JSON; a real secret
// next to them still goes.
func TestDataURIsAreNotSecrets(t *testing.T) {
	g := rand.New(rand.NewPCG(1, 2))
	blob := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(g.IntN(256))
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	for seed := 0; seed < 10; seed++ {
		icon, font, svg := "data:image/png;base64,"+blob(3000), "data:font/woff2;base64,"+blob(9000), "data:image/svg+xml;base64,"+blob(700)
		secret := "Zq8" + blob(30)
		html := `<!doctype html><style>.i{background-image:-webkit-image-set(url(` + icon + `) 1x)}@font-face{src:url(` + font + `) format("woff2")}</style>
<script>var auth_icon="` + svg + `";loadTimeData.data={"token_img":"` + icon + `","secret":"` + secret + `"};</script><img src="` + icon + `" alt=key>`
		for _, mime := range []string{"text/html", "text/javascript"} {
			e := newEntry("http://127.0.0.1:39999/")
			e.body(mime, html)
			_, out, fs := verifyOne(t, e)
			var har struct {
				Log struct {
					Entries []struct {
						Response struct{ Content struct{ Text string } }
					}
				}
			}
			if err := json.Unmarshal([]byte(out), &har); err != nil {
				t.Fatal(err)
			}
			text := har.Log.Entries[0].Response.Content.Text
			if len(fs) > 0 {
				t.Errorf("%s: findings %+v", mime, fs)
			}
			for _, uri := range []string{icon, font, svg} {
				if strings.Count(text, uri) != strings.Count(html, uri) {
					t.Errorf("%s: a data: URI was changed", mime)
				}
			}
			if strings.Contains(text, secret) {
				t.Errorf("%s: the secret next to the images leaked", mime)
			}
		}
	}
}

// A multipart upload's file content is dropped (tagged with size and
// hash), and its text, and each of its lines of 16 characters or more, is
// redacted where the page shows it again (an inline script holding the
// same text, a JSON echo, a console line); Verify does not refuse the
// bundle (host/testapp /scenario/all). Lines of code in a file are not
// searched for: "} else {" is everybody's.
func TestUploadedFileContentIsRedactedEverywhere(t *testing.T) {
	const line = "customer ref 7731-ab, renewal due 2027"
	const content = "file contents\n" + line + "\n"
	const code = "} else { y() }\n"
	part := func(name, text string) string {
		return "--XyZ\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + name + ".txt\"\r\nContent-Type: text/plain\r\n\r\n" + text + "\r\n"
	}
	up := newEntry("http://127.0.0.1:4000/upload")
	up.post("multipart/form-data; boundary=XyZ", part("a", content)+part("b", code)+"--XyZ--\r\n")
	page := newEntry("http://127.0.0.1:4000/scenario/all")
	var hexLine strings.Builder
	for i := 0; i < len(line); i++ {
		fmt.Fprintf(&hexLine, "\\x%02x", line[i])
	}
	page.body("text/html", "<script>const blob = new Blob([`"+content+"`]);\nif (a) { x() } else { y() }\nvar s = '"+hexLine.String()+"';</script><p>"+line+"</p>")
	echo := newEntry("http://127.0.0.1:4000/echo")
	echo.body("application/json", `{"note":"`+line+`"}`)
	har := map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "t", "version": "1"}, "entries": []any{page.m, up.m, echo.m}}}
	data, _ := json.Marshal(har)
	r := New(nil)
	var out bytes.Buffer
	if err := r.HAR(&out, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `[REDACTED:file:`) || !strings.Contains(out.String(), fmt.Sprintf(" %d bytes", len(content))) {
		t.Errorf("the file part is not tagged with its size: %s", out.String())
	}
	for _, gone := range []string{"file contents", line, hexLine.String()[:40]} {
		if strings.Contains(out.String(), gone) {
			t.Errorf("the file's text %q survives elsewhere:\n%s", gone, out.String())
		}
	}
	if !strings.Contains(out.String(), "if (a) { x() } else { y() }") {
		t.Errorf("code that is also an uploaded file was changed")
	}
	fs, err := r.Verify("session.har", bytes.NewReader(out.Bytes()))
	if err != nil || len(fs) > 0 {
		t.Errorf("Verify refuses the upload: %v %+v", err, fs)
	}
}

// A form body's text and params go through the same rule table, so the
// HAR can be sanitized (Verify used to find ssn and cc_number in text);
// csrf/xsrf names, pin and phone numbers are redacted.
func TestFormTextAndParamsAgree(t *testing.T) {
	vals := map[string]string{
		"ssn": "123-45-6789", "cc_number": "4111111111111111", "csrf": "QACSRF77aa88bb99cc", "_csrf": "QAcsrf11aa22bb33", "xsrf": "QAXSRF99zz88yy77",
		"pin": "1234", "phone": "+14155550123", "authenticity_token": "QAat55aa66bb77",
	}
	names := []string{"user", "ssn", "cc_number", "csrf", "_csrf", "xsrf", "pin", "phone", "authenticity_token"}
	var text []string
	var params []map[string]any
	for _, n := range names {
		v := vals[n]
		if v == "" {
			v = "ada"
		}
		text = append(text, n+"="+strings.ReplaceAll(v, "+", "%2B"))
		params = append(params, nv(n, v))
	}
	e := newEntry("https://app.example.com/account?pin=1234&phone=%2B14155550123&_csrf=QAcsrf11aa22bb33")
	e.query("pin", "1234")
	e.query("phone", "+14155550123")
	e.query("_csrf", "QAcsrf11aa22bb33")
	e.post("application/x-www-form-urlencoded", strings.Join(text, "&"), params...)
	e.body("application/json", `{"user":{"name":"ada","phone":"+44 20 7946 0958","mobile":14155550199,"phone_verified":true,"telemetry":"on"},"csrf_token":"QAcsrf11aa22bb33"}`)
	r, out, fs := verifyOne(t, e)
	if len(fs) > 0 {
		t.Fatalf("Verify refuses the sanitized form: %+v", fs)
	}
	for n, v := range vals {
		for _, form := range []string{v, strings.ReplaceAll(v, "+", "%2B"), strings.ReplaceAll(v, "+", "\\u002b")} {
			if strings.Contains(out, n+"="+form) || strings.Contains(out, `"`+form+`"`) {
				t.Errorf("%s leaked", n)
			}
		}
	}
	for _, v := range []string{"+44 20 7946 0958", "14155550199"} {
		if strings.Contains(out, v) {
			t.Errorf("the phone number %q leaked", v)
		}
	}
	for _, keep := range []string{`\"phone_verified\":true`, `\"telemetry\":\"on\"`, `user=ada`} {
		if !strings.Contains(out, keep) {
			t.Errorf("%s was changed", keep)
		}
	}
	counts := map[string]int{}
	for _, c := range r.Report().Counts {
		counts[c.Kind] += c.Count
	}
	if counts["phone"] < 5 {
		t.Errorf("phone numbers are not tagged as phone: %v", counts)
	}
	// a phone number the reporter typed on purpose stays
	r2 := New(nil)
	if got := r2.ReporterField("phone", "+14155550123"); got != "+14155550123" {
		t.Errorf("the reporter's phone number was redacted: %s", got)
	}
}

// sanitize refuses valid JSON that is not a HAR.
func TestNotAHARIsAnInputError(t *testing.T) {
	for _, doc := range []string{`{}`, `[]`, `{"log":"x"}`, `{"entries":[]}`} {
		err := New(nil).StrictHAR(io.Discard, strings.NewReader(doc))
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not a HAR: no log object") {
			t.Errorf("%s: %v", doc, err)
		}
	}
	if err := New(nil).StrictHAR(io.Discard, strings.NewReader(`{"log":{"version":"1.2","entries":[]}}`)); err != nil {
		t.Errorf("an empty HAR is refused: %v", err)
	}
}

// Version numbers in user agents and client hints are not IP addresses
// (Chrome's reduced version 156.0.0.0 made saves fail closed); a real
// address next to them still goes.
func TestUserAgentVersionsAreNotIPs(t *testing.T) {
	ua := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
	safari := "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1.2 Safari/605.1.15"
	hints := `"Chromium";v="156.0.7000.10", "Google Chrome";v="156.0.7000.10"`
	e := newEntry("https://app.example.com/api/telemetry")
	e.reqHeader("User-Agent", ua)
	e.reqHeader("sec-ch-ua-full-version-list", hints)
	e.post("application/json", `{"userAgent":"`+ua+`","ua":"`+safari+`","brands":"`+strings.ReplaceAll(hints, `"`, `\"`)+`","client_ip":"203.0.113.9"}`)
	e.body("text/plain", "agent: "+ua+"\nother: "+safari+"\npeer 198.51.100.7 connected")
	_, out, fs := verifyOne(t, e)
	if len(fs) > 0 {
		t.Errorf("findings: %+v", fs)
	}
	for _, v := range []string{"Chrome/156.0.0.0", "Version/17.4.1.2", `v=\"156.0.7000.10\"`} {
		if !strings.Contains(out, v) {
			t.Errorf("%s was redacted", v)
		}
	}
	for _, ip := range []string{"203.0.113.9", "198.51.100.7"} {
		if strings.Contains(out, ip) {
			t.Errorf("the address %s leaked", ip)
		}
	}
	for _, s := range []string{"report.html", "console.txt"} {
		if fs, _ := Scan(s, strings.NewReader("<td>"+ua+"</td>\n"+safari+"\n"), nil); len(fs) > 0 {
			t.Errorf("scan of %s: %+v", s, fs)
		}
	}
}

// Sec-WebSocket-Key and Sec-WebSocket-Accept are per-handshake nonces.
func TestWebSocketHandshakeHeadersStay(t *testing.T) {
	e := newEntry("wss://app.example.com/socket")
	e.reqHeader("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	e.respHeader("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
	e.reqHeader("x-api-key", "Qx7pL2mN9vR4tZ8wK3bC")
	_, out, _ := verifyOne(t, e)
	for _, v := range []string{"dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="} {
		if !strings.Contains(out, v) {
			t.Errorf("the handshake nonce %s was redacted", v)
		}
	}
	if strings.Contains(out, "Qx7pL2mN9vR4tZ8wK3bC") {
		t.Error("x-api-key leaked")
	}
	// and in text: a report's header table, raw HTTP
	text := `[["Sec-WebSocket-Key","dGhlIHNhbXBsZSBub25jZQ=="],["Sec-WebSocket-Accept","s3pPLMBiTxaQ9kYGzzhZRbK+xOo="]]` + "\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
	if fs, _ := Scan("report.html", strings.NewReader(text), nil); len(fs) > 0 {
		t.Errorf("scan of a header table: %+v", fs)
	}
}

// A HAR cut short (also renamed .txt) is scanned again as text, never
// called clean; in a zip, where it cannot be re-read, scanning fails.
func TestScanOfATruncatedHARFindsItsSecrets(t *testing.T) {
	e := newEntry("https://api.example.com/v1/me?access_token=Zx9Qm7Xv2Lp9Rk4Tz8Wn3Bc6Hy")
	e.reqHeader("authorization", "Bearer Rk4Tz8Wn3Bc6Hy1JdQm7Xv2Lp9Tz8")
	e.reqHeader("x-id-token", jwtFor(&gen{rand.New(rand.NewPCG(4, 4))}, `{"sub":"u1","exp":1893456000}`))
	e.body("text/plain", strings.Repeat("x", 2000))
	full, _ := json.MarshalIndent(map[string]any{"log": map[string]any{"version": "1.2", "entries": []any{e.m}}}, "", "  ")
	cut := full[:bytes.Index(full, []byte(`"x-id-token"`))+600]
	dir := t.TempDir()
	for _, name := range []string{"cut.har", "cut.txt"} {
		p := dir + "/" + name
		if err := os.WriteFile(p, cut, 0o600); err != nil {
			t.Fatal(err)
		}
		fs, err := ScanFile(p, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		kinds := map[string]bool{}
		for _, f := range fs {
			kinds[f.Kind] = true
			if !strings.Contains(f.Location, ":") || strings.HasPrefix(f.Location, "/") {
				t.Errorf("%s: location %q is not line:column", name, f.Location)
			}
		}
		for _, k := range []string{"secret-param", "jwt"} {
			if !kinds[k] {
				t.Errorf("%s: no %s finding in %+v", name, k, fs)
			}
		}
		if len(fs) < 3 {
			t.Errorf("%s: %d findings, want the URL parameter, the bearer token and the JWT: %+v", name, len(fs), fs)
		}
	}
	if _, err := Scan("cut.har", bytes.NewBuffer(cut), nil); err == nil {
		t.Error("a truncated HAR that cannot be re-read is not an error")
	}
}

// Selectors in steps.json keep their attribute values: the "textbox" of
// aria/Password[role="textbox"] is not a secret parameter; a secret-shaped
// value in a selector, and a bracketed form name, still go.
func TestSelectorsAreNotSecretParams(t *testing.T) {
	steps := `{"steps":[{"type":"change","selectors":[["aria/Password[role=\"textbox\"]"],["#password"],["input[name=\"password\"]"],["[data-token=\"Zx9Qm7Xv2Lp9Rk4Tz8Wn\"]"]],"target":"main"},` +
		`{"type":"navigate","url":"https://app.example.com/login","title":"Sign in"},{"note":"posted user[password]=Correct-Horse-42 to /login"}]}`
	r := New(nil)
	var out bytes.Buffer
	if err := r.JSON(&out, strings.NewReader(steps), "steps.json"); err != nil {
		t.Fatal(err)
	}
	for _, keep := range []string{`aria/Password[role=\"textbox\"]`, `input[name=\"password\"]`, `#password`} {
		if !strings.Contains(out.String(), keep) {
			t.Errorf("%s was changed:\n%s", keep, out.String())
		}
	}
	for _, secret := range []string{"Zx9Qm7Xv2Lp9Rk4Tz8Wn", "Correct-Horse-42"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("%s leaked:\n%s", secret, out.String())
		}
	}
	if got := r.Text(`aria/Password[role="textbox"]`); got != `aria/Password[role="textbox"]` {
		t.Errorf("Text: %s", got)
	}
}

// The intermittent entropy finding on a websocket entry: a random value
// that one context's rule redacts and another's does not (a URL parameter
// and a JSON frame) must verify clean whatever its shape and the order of
// the entries. Many random values, as recordings bring.
func TestWebSocketValuesVerifyCleanWhateverTheValue(t *testing.T) {
	g := &gen{rand.New(rand.NewPCG(8, 8))}
	for i := 0; i < 300; i++ {
		v := g.tok("", 16+i%30)
		har := streamHAR(v, i%2 == 0)
		r := New(nil)
		var out bytes.Buffer
		if err := r.HAR(&out, bytes.NewReader(har)); err != nil {
			t.Fatal(err)
		}
		fs, err := r.Verify("session.har", bytes.NewReader(out.Bytes()))
		if err != nil || len(fs) > 0 {
			t.Fatalf("value %d (%d chars): %v %+v", i, len(v), err, fs)
		}
	}
}
