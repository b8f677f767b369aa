package sanitize

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the committed leak corpus in testdata")

// The leak corpus: one HAR entry per case, each planting one secret in one
// place, with the kind of tag the sanitizer must put there. The generator is
// deterministic; testdata/leak-corpus.har and leak-corpus.expected.json are
// its committed output (go test -run LeakCorpus -update rewrites them).

type leakCase struct {
	name   string
	kind   string // the tag kind expected in the entry
	secret string // must not survive in any form
	plant  func(e *entryBuilder, s string)
}

// gen makes deterministic secret-shaped strings.
type gen struct{ r *rand.Rand }

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (g *gen) chars(set string, n int) string {
	mixed := strings.ContainsAny(set, "0123456789") && strings.ContainsAny(set, "abcdefABCDEF")
	for {
		b := make([]byte, n)
		for i := range b {
			b[i] = set[g.r.IntN(len(set))]
		}
		if !mixed || randomish(string(b)) {
			return string(b)
		}
	}
}
func (g *gen) tok(prefix string, n int) string { return prefix + g.chars(alnum, n) }
func (g *gen) hex(n int) string                { return g.chars("0123456789abcdef", n) }
func (g *gen) upper(n int) string              { return g.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", n) }

func jwtFor(g *gen, claims string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"RS256","kid":"k1","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(claims)) + "." + g.tok("", 43)
}

func jweFor(g *gen) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"dir","enc":"A256GCM"}`)) + ".." + g.tok("", 16) + "." + g.tok("", 60) + "." + g.tok("", 22)
}

// entryBuilder builds one HAR entry as ordered JSON maps.
type entryBuilder struct {
	m map[string]any
}

func newEntry(u string) *entryBuilder {
	return &entryBuilder{m: map[string]any{
		"startedDateTime": "2026-11-26T10:00:00.000Z", "time": 12.5, "_resourceType": "fetch", "_priority": "High",
		"request": map[string]any{"method": "GET", "url": u, "httpVersion": "HTTP/2", "headers": []any{}, "cookies": []any{}, "queryString": []any{}, "headersSize": -1, "bodySize": 0},
		"response": map[string]any{"status": 200, "statusText": "", "httpVersion": "HTTP/2", "headers": []any{}, "cookies": []any{},
			"content": map[string]any{"size": 0, "mimeType": "text/plain"}, "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 300},
		"cache": map[string]any{}, "timings": map[string]any{"blocked": 1, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 10, "receive": 1.4},
		"serverIPAddress": "93.184.216.34", "_initiator": map[string]any{"type": "other"},
	}}
}

func (e *entryBuilder) req() map[string]any  { return e.m["request"].(map[string]any) }
func (e *entryBuilder) resp() map[string]any { return e.m["response"].(map[string]any) }
func nv(n, v string) map[string]any          { return map[string]any{"name": n, "value": v} }
func (e *entryBuilder) reqHeader(n, v string) {
	e.req()["headers"] = append(e.req()["headers"].([]any), nv(n, v))
}
func (e *entryBuilder) respHeader(n, v string) {
	e.resp()["headers"] = append(e.resp()["headers"].([]any), nv(n, v))
}
func (e *entryBuilder) url(u string) { e.req()["url"] = u }
func (e *entryBuilder) query(n, v string) {
	e.req()["queryString"] = append(e.req()["queryString"].([]any), nv(n, v))
}
func (e *entryBuilder) post(mime, text string, params ...map[string]any) {
	pd := map[string]any{"mimeType": mime, "text": text}
	if len(params) > 0 {
		ps := []any{}
		for _, p := range params {
			ps = append(ps, p)
		}
		pd["params"] = ps
	}
	e.req()["method"] = "POST"
	e.req()["postData"] = pd
}
func (e *entryBuilder) body(mime, text string) {
	e.resp()["content"] = map[string]any{"size": len(text), "mimeType": mime, "text": text}
}
func (e *entryBuilder) body64(mime, text string) {
	e.resp()["content"] = map[string]any{"size": len(text), "mimeType": mime, "text": base64.StdEncoding.EncodeToString([]byte(text)), "encoding": "base64"}
}
func (e *entryBuilder) ws(op int, data string) {
	msgs, _ := e.m["_webSocketMessages"].([]any)
	e.m["_webSocketMessages"] = append(msgs, map[string]any{"type": "receive", "time": 1764150000.5, "opcode": op, "data": data})
	e.m["_resourceType"] = "websocket"
}

func leakCases() []leakCase {
	g := &gen{rand.New(rand.NewPCG(3, 65))}
	rnd := func(n int) string { return g.tok("", n) }
	cs := []leakCase{
		{"authorization bearer", "authorization", rnd(40), func(e *entryBuilder, s string) { e.reqHeader("Authorization", "Bearer "+s) }},
		{"authorization basic", "authorization", base64.StdEncoding.EncodeToString([]byte("ada:" + rnd(12))), func(e *entryBuilder, s string) { e.reqHeader("authorization", "Basic "+s) }},
		{"proxy-authorization", "authorization", rnd(32), func(e *entryBuilder, s string) { e.reqHeader("Proxy-Authorization", "Bearer "+s) }},
		{"http2 authorization with JWT", "jwt", jwtFor(g, `{"sub":"u1","email":"ada@example.com","iss":"https://id.example.com","exp":1893456000}`), func(e *entryBuilder, s string) { e.reqHeader("authorization", "Bearer "+s) }},
		{"cookie header, several cookies", "cookie", rnd(32), func(e *entryBuilder, s string) { e.reqHeader("cookie", "lang=en; sid="+s+"; theme=dark") }},
		{"set-cookie with attributes", "cookie", rnd(32), func(e *entryBuilder, s string) {
			e.respHeader("set-cookie", "session="+s+"; Path=/; Secure; HttpOnly; SameSite=Lax")
		}},
		{"set-cookie, second of newline-joined", "cookie", rnd(28), func(e *entryBuilder, s string) {
			e.respHeader("Set-Cookie", "a=1; Path=/\nremember_me="+s+"; Max-Age=3600")
		}},
		{"x-api-key", "token-header", rnd(36), func(e *entryBuilder, s string) { e.reqHeader("x-api-key", s) }},
		{"x-auth-token", "token-header", rnd(30), func(e *entryBuilder, s string) { e.reqHeader("X-Auth-Token", s) }},
		{"x-csrf-token", "token-header", rnd(24), func(e *entryBuilder, s string) { e.reqHeader("x-csrf-token", s) }},
		{"x-amz-security-token", "token-header", rnd(120), func(e *entryBuilder, s string) { e.reqHeader("X-Amz-Security-Token", s) }},
		{"dpop proof (JWT)", "jwt", jwtFor(g, `{"htm":"POST","htu":"https://api.example.com/token","jti":"`+rnd(12)+`","iat":1764150000}`), func(e *entryBuilder, s string) { e.reqHeader("dpop", s) }},
		{"apikey header", "token-header", rnd(32), func(e *entryBuilder, s string) { e.reqHeader("apikey", s) }},
		{"custom session header", "token-header", rnd(26), func(e *entryBuilder, s string) { e.reqHeader("x-acme-session", s) }},
		{"x-forwarded-for", "ip", "198.51.100." + fmt.Sprint(10+g.r.IntN(200)), func(e *entryBuilder, s string) { e.reqHeader("x-forwarded-for", s+", 10.1.2.3") }},
		{"x-real-ip", "ip", "203.0.113." + fmt.Sprint(10+g.r.IntN(200)), func(e *entryBuilder, s string) { e.reqHeader("X-Real-IP", s) }},
		{"forwarded", "ip", "2001:db8:cafe::" + g.hex(2), func(e *entryBuilder, s string) { e.reqHeader("Forwarded", `for="[`+s+`]:4711";proto=https`) }},
		{"referer with token", "secret-param", rnd(30), func(e *entryBuilder, s string) {
			e.reqHeader("referer", "https://app.example.com/welcome?token="+s+"&lang=en")
		}},
		{"location with code", "secret-param", "4/0A" + rnd(40), func(e *entryBuilder, s string) {
			e.resp()["status"] = 302
			e.respHeader("location", "https://app.example.com/callback?code="+url.QueryEscape(s)+"&scope=email")
		}},
		{"unknown header, high entropy", "entropy", rnd(40), func(e *entryBuilder, s string) { e.reqHeader("x-acme-blob", s) }},
		{"request cookies array", "cookie", rnd(32), func(e *entryBuilder, s string) {
			e.reqHeader("cookie", "sid="+s)
			e.req()["cookies"] = []any{nv("sid", s)}
		}},
		{"response cookies array with JWE", "jwe", jweFor(g), func(e *entryBuilder, s string) {
			e.respHeader("set-cookie", "__Host-sess="+s+"; Path=/; Secure")
			e.resp()["cookies"] = []any{map[string]any{"name": "__Host-sess", "value": s, "path": "/", "secure": true, "httpOnly": true}}
		}},
		{"query access_token", "secret-param", rnd(40), func(e *entryBuilder, s string) {
			e.url("https://api.example.com/v1/me?access_token=" + s + "&fields=name")
			e.query("access_token", s)
			e.query("fields", "name")
		}},
		{"query code and state", "secret-param", rnd(20), func(e *entryBuilder, s string) {
			e.url("https://app.example.com/oauth/callback?code=" + s + "&state=" + rnd(16))
		}},
		{"fragment access_token", "secret-param", rnd(44), func(e *entryBuilder, s string) {
			e.url("https://app.example.com/implicit#access_token=" + s + "&token_type=Bearer&expires_in=3600")
		}},
		{"fragment route with token", "secret-param", rnd(30), func(e *entryBuilder, s string) {
			e.url("https://app.example.com/#/reset-password?token=" + s)
		}},
		{"userinfo password", "userinfo", rnd(14), func(e *entryBuilder, s string) {
			e.url("https://deploy:" + s + "@git.example.com/repo.git/info/refs")
		}},
		{"path reset token", "path-token", rnd(32), func(e *entryBuilder, s string) { e.url("https://app.example.com/reset/" + s) }},
		{"path invite token", "path-token", rnd(24), func(e *entryBuilder, s string) {
			e.url("https://app.example.com/invite/" + s + "/accept")
		}},
		{"magic link", "path-token", rnd(40), func(e *entryBuilder, s string) { e.url("https://app.example.com/auth/magic/" + s) }},
		{"presigned S3 X-Amz-Signature", "secret-param", g.hex(64), func(e *entryBuilder, s string) {
			e.url("https://bucket.s3.amazonaws.com/file.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261126T000000Z&X-Amz-Expires=900&X-Amz-Signature=" + s)
		}},
		{"SAMLResponse", "secret-param", base64.StdEncoding.EncodeToString([]byte("<samlp:Response ID=\"" + rnd(20) + "\"><Assertion>" + rnd(60) + "</Assertion></samlp:Response>")), func(e *entryBuilder, s string) {
			e.post("application/x-www-form-urlencoded", "SAMLResponse="+url.QueryEscape(s)+"&RelayState=%2Fhome")
		}},
		{"nested redirect_uri with code", "secret-param", rnd(22), func(e *entryBuilder, s string) {
			inner := "https://app.example.com/cb?code=" + s + "&x=1"
			e.url("https://id.example.com/continue?redirect_uri=" + url.QueryEscape(inner))
		}},
		{"RelayState nested URL with token", "secret-param", rnd(26), func(e *entryBuilder, s string) {
			e.url("https://sso.example.com/saml?RelayState=" + url.QueryEscape("https://app.example.com/landing?token="+s))
		}},
		{"queryString array only", "secret-param", rnd(30), func(e *entryBuilder, s string) { e.query("refresh_token", s) }},
		{"redirectURL with token", "secret-param", rnd(34), func(e *entryBuilder, s string) {
			e.resp()["status"] = 302
			e.resp()["redirectURL"] = "https://app.example.com/done?id_token=" + s
		}},
		{"initiator stack frame URL", "secret-param", rnd(30), func(e *entryBuilder, s string) {
			e.m["_initiator"] = map[string]any{"type": "script", "stack": map[string]any{"callFrames": []any{
				map[string]any{"functionName": "load", "scriptId": "12", "url": "https://app.example.com/app.js?session=" + s, "lineNumber": 10, "columnNumber": 4}}}}
		}},
		{"websocket URL with token", "secret-param", rnd(30), func(e *entryBuilder, s string) {
			e.url("wss://rt.example.com/socket?auth_token=" + s)
			e.ws(1, "ping")
		}},
		{":path pseudo header", "secret-param", rnd(30), func(e *entryBuilder, s string) {
			e.reqHeader(":path", "/api/export?signature="+s)
		}},
		{"Google API key in key param", "google-api-key", "AIza" + rnd(35), func(e *entryBuilder, s string) {
			e.url("https://maps.googleapis.com/maps/api/js?key=" + s + "&libraries=places")
		}},
		{"email in login_hint", "email", "ada.lovelace" + g.hex(4) + "@example.com", func(e *entryBuilder, s string) {
			e.url("https://id.example.com/authorize?login_hint=" + url.QueryEscape(s) + "&prompt=login")
		}},
		{"urlencoded body text and params", "secret-param", "Pw-" + rnd(14), func(e *entryBuilder, s string) {
			e.post("application/x-www-form-urlencoded", "username=ada&password="+url.QueryEscape(s), nv("username", "ada"), nv("password", s))
		}},
		{"urlencoded params array encoded", "secret-param", rnd(20) + "+/=", func(e *entryBuilder, s string) {
			e.post("application/x-www-form-urlencoded; charset=UTF-8", "client_secret="+url.QueryEscape(s), nv("client_secret", url.QueryEscape(s)))
		}},
		{"JSON body password", "secret-key", "Hunter2-" + rnd(10), func(e *entryBuilder, s string) {
			e.post("application/json", `{"email_verified":true,"password":"`+s+`","remember":true}`)
		}},
		{"JSON refresh_token response", "secret-key", rnd(48), func(e *entryBuilder, s string) {
			e.body("application/json", `{"token_type":"Bearer","expires_in":3600,"refresh_token":"`+s+`"}`)
		}},
		{"JSON client_secret", "secret-key", rnd(30), func(e *entryBuilder, s string) {
			e.post("application/json;charset=UTF-8", `{"client_id":"web","client_secret":"`+s+`"}`)
		}},
		{"JSON inside a JSON string", "secret-key", rnd(32), func(e *entryBuilder, s string) {
			inner, _ := json.Marshal(map[string]string{"accessToken": s})
			outer, _ := json.Marshal(map[string]string{"state": "ok", "payload": string(inner)})
			e.body("application/json", string(outer))
		}},
		{"GraphQL variables", "secret-key", rnd(18), func(e *entryBuilder, s string) {
			e.post("application/json", `{"operationName":"Login","query":"mutation Login($u: String!, $p: String!) { login(user: $u, password: $p) { id } }","variables":{"u":"ada","password":"`+s+`"}}`)
		}},
		{"GraphQL inline argument", "secret-key", rnd(28), func(e *entryBuilder, s string) {
			e.post("application/graphql", `mutation { verify(token: "`+s+`") { ok } }`)
		}},
		{"JSON card number as number", "secret-key", "4242424242424242", func(e *entryBuilder, s string) {
			e.post("application/json", `{"card_number":`+s+`,"exp":"12/29"}`)
		}},
		{"JSON cvc", "secret-key", fmt.Sprint(100 + g.r.IntN(899)), func(e *entryBuilder, s string) {
			e.post("application/json", `{"cvc":"`+s+`","zip":"94107"}`)
		}},
		{"JSON iban", "secret-key", "DE89370400440532013" + fmt.Sprint(100+g.r.IntN(899)), func(e *entryBuilder, s string) {
			e.post("application/json", `{"holder":"Ada","iban":"`+s+`"}`)
		}},
		{"multipart text field", "secret-param", "Mp-" + rnd(16), func(e *entryBuilder, s string) {
			b := "----WebKitFormBoundaryX3bY"
			e.post("multipart/form-data; boundary="+b, "--"+b+"\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nada\r\n--"+b+"\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n"+s+"\r\n--"+b+"--\r\n")
		}},
		{"multipart file part", "file", "-----BEGIN OPENSSH PRIVATE KEY-----\n" + rnd(64) + "\n-----END OPENSSH PRIVATE KEY-----", func(e *entryBuilder, s string) {
			b := "----WebKitFormBoundaryQ9"
			e.post("multipart/form-data; boundary="+b, "--"+b+"\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"id_ed25519\"\r\nContent-Type: application/octet-stream\r\n\r\n"+s+"\r\n--"+b+"--\r\n")
		}},
		{"HTML hidden input", "secret-param", rnd(40), func(e *entryBuilder, s string) {
			e.body("text/html", `<form><input type="hidden" name="authenticity_token" value="`+s+`"><input name="q" value="shoes"></form>`)
		}},
		{"HTML hidden input, plain name", "hidden-input", rnd(24), func(e *entryBuilder, s string) {
			e.body("text/html", `<input type=hidden name=nonce_field value=`+s+`>`)
		}},
		{"HTML meta csrf-token", "secret-param", rnd(44), func(e *entryBuilder, s string) {
			e.body("text/html; charset=utf-8", `<head><meta name="csrf-token" content="`+s+`"><meta name="viewport" content="width=device-width"></head>`)
		}},
		{"inline script API key", "openai", "sk-" + rnd(48), func(e *entryBuilder, s string) {
			e.body("text/html", `<script>window.__CONFIG__ = {"model":"x","openaiKey":"`+s+`"};</script>`)
		}},
		{"SSE data line JSON", "secret-key", rnd(36), func(e *entryBuilder, s string) {
			e.body("text/event-stream", "event: session\ndata: {\"session_token\":\""+s+"\"}\n\ndata: [DONE]\n\n")
		}},
		{"_eventSourceMessages data", "secret-key", rnd(36), func(e *entryBuilder, s string) {
			e.m["_eventSourceMessages"] = []any{map[string]any{"time": 1764150000.1, "eventName": "auth", "eventId": "1", "data": `{"access_token":"` + s + `"}`}}
		}},
		{"websocket text JSON frame", "secret-key", rnd(30), func(e *entryBuilder, s string) {
			e.ws(1, `{"type":"connection_init","payload":{"authToken":"`+s+`"}}`)
		}},
		{"websocket text plain frame", "keyword", rnd(30), func(e *entryBuilder, s string) { e.ws(1, "AUTH token "+s) }},
		{"websocket binary frame", "ws-binary", base64.StdEncoding.EncodeToString([]byte("\x00\x01bin:" + rnd(24))), func(e *entryBuilder, s string) { e.ws(2, s) }},
		{"base64 JSON response body", "secret-key", rnd(40), func(e *entryBuilder, s string) {
			e.body64("application/json", `{"api_key":"`+s+`"}`)
		}},
		{"OAuth token response", "secret-key", rnd(50), func(e *entryBuilder, s string) {
			e.body("application/json", `{"access_token":"`+s+`","scope":"openid email"}`)
		}},
		{"JWS in text body", "jwt", jwtFor(g, `{"sub":"42","name":"Ada"}`), func(e *entryBuilder, s string) { e.body("text/plain", "your token: "+s+"\n") }},
		{"JWE in unknown field", "jwe", jweFor(g), func(e *entryBuilder, s string) { e.m["_reprokitNote"] = "stored " + s }},
		{"OpenAI legacy key", "openai", "sk-" + rnd(20) + "T3BlbkFJ" + rnd(20), func(e *entryBuilder, s string) { e.body("text/plain", "OPENAI="+s) }},
		{"OpenAI project key", "openai", "sk-proj-" + rnd(60), func(e *entryBuilder, s string) { e.body("application/javascript", "const k = '"+s+"';") }},
		{"Anthropic key", "anthropic", "sk-ant-api03-" + rnd(80) + "-" + rnd(6) + "AA", func(e *entryBuilder, s string) { e.body("text/plain", s) }},
		{"AWS access key id", "aws-access-key", "AKIA" + g.upper(16), func(e *entryBuilder, s string) { e.body("text/plain", "id "+s+" ok") }},
		{"AWS secret access key", "secret-param", g.chars(alnum+"+/", 40), func(e *entryBuilder, s string) {
			e.body("text/plain", "aws_secret_access_key = "+s+"\n")
		}},
		{"Google OAuth ya29", "google-oauth-token", "ya29.a0" + rnd(60), func(e *entryBuilder, s string) { e.body("text/plain", "tok="+s) }},
		{"Google client secret", "google-client-secret", "GOCSPX-" + rnd(28), func(e *entryBuilder, s string) { e.body("application/javascript", `cfg.gsecret="`+s+`"`) }},
		{"GitHub ghp_", "github-token", "ghp_" + rnd(36), func(e *entryBuilder, s string) { e.body("text/plain", "git "+s) }},
		{"GitHub fine-grained PAT", "github-token", "github_pat_" + rnd(22) + "_" + rnd(59), func(e *entryBuilder, s string) { e.body("text/plain", s) }},
		{"GitLab glpat-", "gitlab-token", "glpat-" + rnd(20), func(e *entryBuilder, s string) { e.body("text/plain", "(glpat) "+s) }},
		{"Slack bot token", "slack-token", "xoxb-" + fmt.Sprint(1000000000+g.r.IntN(1000000)) + "-" + fmt.Sprint(1000000000+g.r.IntN(1000000)) + "-" + rnd(24), func(e *entryBuilder, s string) { e.body("text/plain", s) }},
		{"Slack webhook URL", "slack-webhook", "T0" + g.upper(8) + "/B0" + g.upper(8) + "/" + rnd(24), func(e *entryBuilder, s string) {
			e.post("application/json", `{"hook":"https://hooks.slack.com/services/`+s+`"}`)
		}},
		{"Stripe live key", "stripe-key", "sk_live_" + rnd(24), func(e *entryBuilder, s string) { e.body("text/plain", s) }},
		{"Stripe webhook secret", "stripe-key", "whsec_" + rnd(32), func(e *entryBuilder, s string) { e.body("text/plain", "secret "+s) }},
		{"Azure storage AccountKey", "azure-storage-key", g.chars(alnum+"+/", 86) + "==", func(e *entryBuilder, s string) {
			e.body("text/plain", "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey="+s+";EndpointSuffix=core.windows.net")
		}},
		{"Azure SAS sig", "secret-param", url.QueryEscape(g.chars(alnum+"+/", 43) + "="), func(e *entryBuilder, s string) {
			e.url("https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&sp=r&se=2026-12-01T00:00:00Z&sig=" + s)
		}},
		{"Twilio API key SID", "twilio-key", "SK" + g.hex(32), func(e *entryBuilder, s string) { e.body("text/plain", "twilio "+s) }},
		{"SendGrid key", "sendgrid-key", "SG." + rnd(22) + "." + rnd(43), func(e *entryBuilder, s string) { e.body("text/plain", s) }},
		{"Hugging Face token", "huggingface-token", "hf_" + g.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 34), func(e *entryBuilder, s string) { e.body("text/plain", s) }},
		{"npm token", "npm-token", "npm_" + rnd(36), func(e *entryBuilder, s string) { e.body("text/plain", "//registry.npmjs.org/:_authToken="+s) }},
		{"PEM private key in JSON", "private-key", "-----BEGIN RSA PRIVATE KEY-----\n" + rnd(64) + "\n" + rnd(64) + "\n-----END RSA PRIVATE KEY-----\n", func(e *entryBuilder, s string) {
			b, _ := json.Marshal(map[string]string{"pem": s})
			e.body("application/json", string(b))
		}},
		{"keyword plus entropy", "keyword", rnd(32), func(e *entryBuilder, s string) { e.body("text/plain", "the signing key is "+s+" keep it safe") }},
		{"unknown field with password key", "secret-key", "Pass-" + rnd(12), func(e *entryBuilder, s string) {
			e.m["_custom"] = map[string]any{"debug": map[string]any{"password": s}}
		}},
		{"email in text body", "email", "grace.hopper" + g.hex(4) + "@navy.example.mil", func(e *entryBuilder, s string) { e.body("text/plain", "contact: "+s+".") }},
		{"card number in text", "card", "4000 0566 5566 5556", func(e *entryBuilder, s string) { e.body("text/plain", "card "+s+" exp 12/29") }},
		{"IP in JSON body", "ip", "192.0.2." + fmt.Sprint(10+g.r.IntN(200)), func(e *entryBuilder, s string) { e.body("application/json", `{"client_ip":"`+s+`"}`) }},
		{"email in a header", "email", "linus" + g.hex(4) + "@example.org", func(e *entryBuilder, s string) { e.reqHeader("x-user", s) }},
		{"JWT in pages title", "jwt", jwtFor(g, `{"sub":"7","iss":"me"}`), func(e *entryBuilder, s string) { e.m["pageref"] = "page_1" }},
	}
	return cs
}

// buildCorpus returns the corpus HAR (one entry per case; the last case
// plants into the page title) and the expectations.
func buildCorpus() ([]byte, []leakCase) {
	cs := leakCases()
	entries := []any{}
	title := "Example"
	for _, c := range cs {
		e := newEntry("https://app.example.com/api/case")
		e.m["_case"] = c.name
		c.plant(e, c.secret)
		if c.name == "JWT in pages title" {
			title = "https://app.example.com/sso#id_token=" + c.secret
		}
		entries = append(entries, e.m)
	}
	har := map[string]any{"log": map[string]any{
		"version": "1.2", "creator": map[string]any{"name": "WebInspector", "version": "537.36"},
		"pages":   []any{map[string]any{"startedDateTime": "2026-11-26T10:00:00.000Z", "id": "page_1", "title": title, "pageTimings": map[string]any{"onContentLoad": 100, "onLoad": 200}}},
		"entries": entries,
	}}
	data, err := json.MarshalIndent(har, "", "  ")
	if err != nil {
		panic(err)
	}
	return data, cs
}

// leakForms lists where a secret could hide: forms() plus the decoded
// form of URL-encoded values.
func leakForms(s string) []string {
	out := forms(s)
	if d, err := url.QueryUnescape(s); err == nil && d != s {
		out = append(out, forms(d)...)
	}
	return out
}

func TestLeakCorpus(t *testing.T) {
	data, cs := buildCorpus()
	if len(cs) < 60 {
		t.Fatalf("the leak corpus has %d cases, want at least 60", len(cs))
	}
	type expect struct {
		Case string `json:"case"`
		Kind string `json:"kind"`
	}
	var exp []expect
	for _, c := range cs {
		exp = append(exp, expect{c.name, c.kind})
	}
	expJSON, _ := json.MarshalIndent(exp, "", "  ")
	harPath := filepath.Join("testdata", "leak-corpus.har")
	expPath := filepath.Join("testdata", "leak-corpus.expected.json")
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(harPath, append(data, '\n'), 0o644)
		os.WriteFile(expPath, append(expJSON, '\n'), 0o644)
	}
	committed, err := os.ReadFile(harPath)
	if err != nil || !bytes.Equal(bytes.TrimSpace(committed), data) {
		t.Fatalf("testdata/leak-corpus.har is not the generator's output: run go test ./host/sanitize -run TestLeakCorpus -update")
	}
	if c, _ := os.ReadFile(expPath); !bytes.Equal(bytes.TrimSpace(c), expJSON) {
		t.Fatalf("testdata/leak-corpus.expected.json is stale: run with -update")
	}

	r := New(nil)
	var out bytes.Buffer
	if err := r.HAR(&out, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Pages   []map[string]any  `json:"pages"`
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("output is not valid JSON: %v", err)
	}
	if len(doc.Log.Entries) != len(cs) {
		t.Fatalf("output has %d entries, want %d", len(doc.Log.Entries), len(cs))
	}
	leaks := 0
	// tags are random per run: take them out before searching, so a short
	// secret (a CVC) cannot match inside an h8
	untagged := regexp.MustCompile(`\[REDACTED:[a-z0-9-]+:[0-9a-f]{8}\]`).ReplaceAllString(out.String(), "[]")
	for i, c := range cs {
		entry := string(doc.Log.Entries[i])
		var e struct {
			Response struct {
				Content struct{ Text, Encoding string }
			}
		}
		if json.Unmarshal(doc.Log.Entries[i], &e) == nil && e.Response.Content.Encoding == "base64" {
			dec, _ := base64.StdEncoding.DecodeString(e.Response.Content.Text)
			entry += string(dec)
		}
		if c.name == "JWT in pages title" {
			entry = fmt.Sprint(doc.Log.Pages[0]["title"])
		}
		for _, f := range leakForms(c.secret) {
			if len(f) >= 3 && strings.Contains(untagged, f) {
				t.Errorf("LEAK %q: the secret survives (form %q)", c.name, f)
				leaks++
				break
			}
		}
		if !strings.Contains(entry, "[REDACTED:"+c.kind+":") {
			t.Errorf("case %q: no [REDACTED:%s:…] tag in its entry:\n%s", c.name, c.kind, entry)
		}
	}
	if leaks > 0 {
		t.Errorf("%d of %d planted secrets leaked", leaks, len(cs))
	}
	if fs, err := r.Verify("session.har", bytes.NewReader(out.Bytes())); err != nil || len(fs) > 0 {
		t.Errorf("Verify of the sanitized corpus: %v %+v", err, fs)
	}
	// Sanitizing twice changes nothing.
	var again bytes.Buffer
	if err := New(nil).HAR(&again, bytes.NewReader(out.Bytes())); err != nil {
		t.Fatal(err)
	}
	if again.String() != out.String() {
		t.Errorf("sanitizing the output again changed it")
	}
}
