package testapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// SecretSet is the set of secret values the test app plants in its
// responses, cookies, headers and pages, so that sanitizer and bundle tests
// can assert that none of them leaks into an output. Every value is fixed,
// so a test can search any file for it. Use [SecretSet.All] to iterate.
type SecretSet struct {
	// SessionCookie is the value of the `rk_session` cookie set by
	// /secrets/cookie and by a successful /login.
	SessionCookie string
	// BearerToken is sent by the pages in `Authorization: Bearer …` to
	// /secrets/echo-auth, which echoes it in its JSON body.
	BearerToken string
	// AccessToken and RefreshToken are in the JSON body of /secrets/token.json.
	AccessToken  string
	RefreshToken string
	// JWT is an HS256 JSON Web Token, in /secrets/token.json (`id_token`),
	// in the `rk_jwt` cookie and in the /secrets/jwt response header.
	JWT string
	// Email is the account email in /secrets/token.json, the login form and
	// the `data-private` element.
	Email string
	// APIKey is an `sk-proj-…` key in the text body of /secrets/key.txt.
	APIKey string
	// CSRFToken is the value of a hidden `csrf_token` input on /login and
	// /secrets/page.
	CSRFToken string
	// Password is what the login scenario types into the password field.
	Password string
	// FragmentToken is carried in a URL fragment (#access_token=…) by the
	// /fragment page.
	FragmentToken string
}

// Secret is one planted value with the name of its [SecretSet] field.
type Secret struct {
	Name  string
	Value string
}

// All lists every non-empty planted value with its field name, for "none of
// these appears in the bundle" assertions.
func (s SecretSet) All() []Secret {
	all := []Secret{
		{"SessionCookie", s.SessionCookie},
		{"BearerToken", s.BearerToken},
		{"AccessToken", s.AccessToken},
		{"RefreshToken", s.RefreshToken},
		{"JWT", s.JWT},
		{"Email", s.Email},
		{"APIKey", s.APIKey},
		{"CSRFToken", s.CSRFToken},
		{"Password", s.Password},
		{"FragmentToken", s.FragmentToken},
	}
	out := all[:0]
	for _, v := range all {
		if v.Value != "" {
			out = append(out, v)
		}
	}
	return out
}

// Secrets is the default set planted by [Start]. [StartWith] accepts
// another set through [Options].
var Secrets = SecretSet{
	SessionCookie: "rksess_8f14e45fceea167a5a36dedd4bea2543",
	BearerToken:   "rkbearer_c9f0f895fb98ab9159f51fd0297e236d",
	AccessToken:   "rkat_45c48cce2e2d7fbdea1afc51c7c6ad26a1",
	RefreshToken:  "rkrt_d3d9446802a44259755d38e6d163e820b2",
	JWT:           makeJWT(`{"alg":"HS256","typ":"JWT"}`, `{"sub":"user_4242","email":"ada.lovelace@example.com","iat":1767225600,"exp":1767229200}`, "reprokit-testapp-signing-key"),
	Email:         "ada.lovelace@example.com",
	APIKey:        "sk-proj-Rk7xQ2mV9pL4sT8wZ1cN5bH3jF6gD0aE_testapp",
	CSRFToken:     "csrf_6512bd43d9caa6e02c990b0a82652dca",
	Password:      "Tr0ub4dor&3-correct-horse",
	FragmentToken: "rkfrag_c20ad4d76fe97759aa27a0c99bff6710",
}

// makeJWT returns a compact HS256 JWT of header and payload signed with key.
func makeJWT(header, payload, key string) string {
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}
