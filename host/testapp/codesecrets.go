package testapp

import (
	"crypto/rand"
	"math/big"
	"reflect"
	"strings"
)

// CodeSecrets are the values that the /code/ pages carry inside code, the
// way real web apps carry them: in config objects of inline scripts, URL
// builders, template literals, JSON script blocks, JSON escaped inside a JS
// string, an event-handler attribute, request headers built in a script,
// a `process.env` fallback, CSS url(), an external script, a source map's
// sourcesContent and a SOAP envelope. Unlike [SecretSet] they are random,
// made anew by every [StartWith], so that no sanitizer can pass a test by
// knowing them. Each is 32 letters and digits with no prefix, as a real
// app's token has. Use [CodeSecrets.All] to iterate.
type CodeSecrets struct {
	// ConfigKey: window.__CFG = {apiKey: "…"} (inline script), sent in an
	// X-Api-Key header.
	ConfigKey string
	// ClientSecret: var s = "…"; then 'grant_type=client_credentials&client_secret=' + encodeURIComponent(s).
	ClientSecret string
	// QueryKey: '?api_key=' + '…'.
	QueryKey string
	// SessionToken: in the JSON script block ("session"), then only at run
	// time: 'session=' + window.t + '; path=/' and
	// var t = 'token=' + window.t;</script>.
	SessionToken string
	// JSONToken: <script type="application/json">{"token":"…"}.
	JSONToken string
	// TemplateToken: `?token=${"…"}&v=2`.
	TemplateToken string
	// EscapedToken: JSON.parse("{\u0022token\u0022:\u0022…\u0022}").
	EscapedToken string
	// RefreshToken: '{\'refresh_token\': \'…\'}' next to the regular
	// expression literal /[?&]token=([^&#]+)/.
	RefreshToken string
	// ResumeToken: onclick="resume('…')".
	ResumeToken string
	// BearerToken: headers: {Authorization: "Bearer …"}.
	BearerToken string
	// EnvToken: process.env.API_TOKEN || "…".
	EnvToken string
	// AccessToken: const AUTH = "…"; fetch("…?access_token=" + AUTH);
	AccessToken string
	// StyleToken: url(…?token=…) in the inline style and in /code/app.css.
	StyleToken string
	// ScriptKey: {secret:"…"} in the external /code/app.js and in the
	// minified /code/bundle.min.js.
	ScriptKey string
	// MapSecret: in the sourcesContent of /code/app.js.map.
	MapSecret string
	// SoapPassword: <wsse:Password> in /code/soap.xml.
	SoapPassword string
}

// NewCodeSecrets returns a set of fresh random values.
func NewCodeSecrets() CodeSecrets {
	var c CodeSecrets
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		v.Field(i).SetString(randomToken(32))
	}
	return c
}

// All lists every value with its field name, for "none of these appears
// in the bundle" assertions.
func (c CodeSecrets) All() []Secret {
	v := reflect.ValueOf(c)
	var out []Secret
	for i := range v.NumField() {
		out = append(out, Secret{v.Type().Field(i).Name, v.Field(i).String()})
	}
	return out
}

// randomToken returns n random letters and digits holding at least one
// digit, one upper- and one lowercase letter: a generated-looking token.
func randomToken(n int) string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for {
		b := make([]byte, n)
		for i := range b {
			k, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
			if err != nil {
				panic(err)
			}
			b[i] = set[k.Int64()]
		}
		s := string(b)
		if strings.ContainsAny(s, "0123456789") && strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") {
			return s
		}
	}
}
