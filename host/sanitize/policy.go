package sanitize

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Where a name rule looks for the name it matches.
const (
	InHeader = "header" // HTTP header names (case-insensitive)
	InParam  = "param"  // query, fragment and form parameter names
	InKey    = "key"    // JSON keys, multipart field names, HTML input and meta names
	InPath   = "path"   // a URL path segment; the segment after it is the secret
)

// How a name rule treats the value it matched.
const (
	ModeValue  = ""       // the whole value is a secret
	ModeScheme = "scheme" // keep the first word (the auth scheme), redact the rest
	ModeCookie = "cookie" // cookie syntax: keep names and attributes, redact values
	ModeURL    = "url"    // the value is a URL: sanitize it, do not redact it whole
	ModeIP     = "ip"     // redact the IP addresses in the value (personal data)
	ModeNoWord = "noword" // a secret unless it is a plain word such as an error code
	ModePhone  = "phone"  // personal data when the value is shaped like a phone number
	// ModeOAuthCode: a secret only when shaped like an authorization code:
	// in a JSON key or text "code: …", 16+ characters, one token,
	// generated-looking; as a parameter (query, fragment, form: the OAuth
	// places) anything but a word code or a number of up to 4 digits.
	// Error codes, status numbers and source code stay; a JSON number is
	// never redacted
	ModeOAuthCode = "oauth-code"
	// ModeShaped: a secret only when the value itself looks like one (a
	// vendor key, a JWT, a generated token of 16+ characters): for names
	// as common as "key"
	ModeShaped = "shaped"
	// ModeSerial: a device serial number when shaped like one (5 to 64
	// letters, digits and '-', with a digit; no spaces)
	ModeSerial = "serial"
	// ModeConnString: "Name=value;…" pairs (an Azure or ADO.NET connection
	// string): the secret pairs go (AccountKey, SharedAccessSignature,
	// Password, …), the rest stays
	ModeConnString = "connection-string"
)

// Rule is one named line of the policy table: values found under one of
// Names, or under a name containing one of Contains, are redacted and tagged
// with the rule's Name. Names are compared after [NormalizeName], so
// "X-Api-Key", "x_api_key" and "xApiKey" are the same name.
type Rule struct {
	Name     string   `json:"name"`
	In       string   `json:"in"`
	Mode     string   `json:"mode,omitempty"`
	Names    []string `json:"names,omitempty"`
	Contains []string `json:"contains,omitempty"`
}

// Pattern is a user-supplied secret shape: a Go regular expression matched
// against each string value (never against serialized JSON). Matches are
// tagged with Name.
type Pattern struct {
	Name   string `json:"name"`
	Regexp string `json:"regexp"`
	re     *regexp.Regexp
}

// Policy is the whole sanitizing policy: the name rules, the extra
// patterns, the names whose values are kept on purpose, the rules whose
// verification findings are allowed, the request-ID headers that the entropy
// rule skips, and the detectors that are turned off. [DefaultPolicy] is the
// built-in one; a policy file is merged into it with [Policy.Merge].
type Policy struct {
	Version          int       `json:"version"`
	Rules            []Rule    `json:"rules"`
	Detectors        []string  `json:"detectors"`
	Patterns         []Pattern `json:"patterns,omitempty"`
	Keep             []string  `json:"keep,omitempty"`
	Allow            []string  `json:"allow,omitempty"`
	Disable          []string  `json:"disable,omitempty"`
	RequestIDHeaders []string  `json:"requestIdHeaders"`

	compiled *compiledPolicy
}

// defaultRules is the policy on one screen. Names are normalized (lowercase,
// no '-', '_', '.' or spaces) when the policy is compiled.
var defaultRules = []Rule{
	{Name: "authorization", In: InHeader, Mode: ModeScheme, Names: words("authorization proxy-authorization")},
	{Name: "cookie", In: InHeader, Mode: ModeCookie, Names: words("cookie set-cookie")},
	{Name: "ip", In: InHeader, Mode: ModeIP, Names: words("x-forwarded-for x-real-ip forwarded true-client-ip cf-connecting-ip x-client-ip x-cluster-client-ip fastly-client-ip x-original-forwarded-for")},
	{Name: "url", In: InHeader, Mode: ModeURL, Names: words("referer location content-location origin refresh x-original-url x-rewrite-url")},
	{Name: "token-header", In: InHeader, Names: words("x-api-key x-auth-token x-csrf-token x-xsrf-token x-amz-security-token dpop apikey x-goog-api-key ocp-apim-subscription-key private-token x-access-token x-refresh-token"),
		Contains: words("auth token secret session key password passwd signature credential csrf xsrf jwt")},
	{Name: "url", In: InParam, Mode: ModeURL, Names: words("redirect_uri redirect_url redirect return_to returnto return_url next continue relaystate callback goto url dest destination target_url")},
	{Name: "azure-storage-key", In: InParam, Names: words("accountkey sharedaccesskey sharedaccesssignature")},
	{Name: "secret-param", In: InParam, Names: words("state token access_token id_token refresh_token password passwd pwd pass key api_key sig signature x-amz-signature x-amz-credential x-amz-security-token x-goog-signature x-goog-credential samlresponse samlrequest client_secret secret session sessionid sid otp ticket assertion code_verifier jwt auth authtoken passphrase psk wpa_psk userpass"),
		Contains: words("token secret passw signature credential session apikey privatekey jwt csrf xsrf passphrase userpass")},
	{Name: "secret-param", In: InParam, Mode: ModeOAuthCode, Names: words("code")},
	{Name: "code", In: InKey, Mode: ModeOAuthCode, Names: words("code")},
	{Name: "secret-key", In: InKey, Names: words("password passwd pwd pass secret client_secret token access_token refresh_token id_token code_verifier otp pin cvc cvv cvv2 card_number cardnumber cc_number ccnumber pan iban api_key apikey private_key privatekey assertion samlresponse session sessionid ssn secret_key access_key accountkey authorization cookie set-cookie passphrase psk wpa_psk userpass authentication"),
		Contains: words("password passwd secret token apikey privatekey accesskey signingkey credential session cvv cvc iban cardnumber jwt signature authorization csrf xsrf passphrase userpass")},
	{Name: "secret-key", In: InKey, Mode: ModeShaped, Names: words("key auth auth_token authtoken")},
	{Name: "connection-string", In: InKey, Mode: ModeConnString, Names: words("connectionstring connstr"), Contains: words("connectionstring")},
	{Name: "serial", In: InKey, Mode: ModeSerial, Names: words("serial serialno serialnum serialnumber deviceserial hwserial hardwareserial"), Contains: words("serialnumber serialno serialnum deviceserial")},
	{Name: "serial", In: InParam, Mode: ModeSerial, Names: words("serial serialno serialnum serialnumber deviceserial hwserial hardwareserial"), Contains: words("serialnumber serialno serialnum deviceserial")},
	{Name: "phone", In: InKey, Mode: ModePhone, Names: words("phone phone_number phonenumber mobile mobile_number mobilephone tel telephone msisdn cell cellphone"), Contains: words("phone")},
	{Name: "path-token", In: InPath, Names: words("reset reset-password password-reset invite invitation invitations magic magic-link magiclink verify verify-email confirm confirm-email activate activation unsubscribe token tokens login-token sso")},
}

// defaultDetectors names the secret shapes and personal data found anywhere
// in a string that survives the name rules; detect.go implements them.
var defaultDetectors = words("private-key jwt jwe openai anthropic aws-access-key google-api-key google-oauth-token google-client-secret github-token gitlab-token slack-token slack-webhook stripe-key twilio-key sendgrid-key huggingface-token npm-token vendor-key userinfo keyword bearer entropy hex-path email card ip mac serial")

// defaultRequestIDHeaders are exempt from the entropy rule: their values are
// random by design and are what support engineers search logs for.
var defaultRequestIDHeaders = words("x-request-id request-id x-correlation-id correlation-id x-trace-id traceparent tracestate cf-ray x-amzn-requestid x-amzn-trace-id x-amz-request-id x-amz-id-2 x-amz-cf-id x-cloud-trace-context x-b3-traceid x-b3-spanid x-b3-parentspanid sentry-trace x-github-request-id x-ms-request-id x-ms-client-request-id apim-request-id x-vercel-id fly-request-id x-served-by etag if-none-match if-match content-md5 digest content-digest repr-digest openai-organization x-client-trace-id")

// defaultKeep are names whose values are harmless although their name looks
// sensitive (":authority" says "auth", www-authenticate describes a challenge).
var defaultKeep = words(":authority www-authenticate access-control-allow-credentials access-control-allow-headers access-control-expose-headers access-control-request-headers sec-websocket-extensions sec-websocket-protocol sec-websocket-version sec-websocket-key sec-websocket-accept keep-alive token_type tokentype")

func words(s string) []string { return strings.Fields(s) }

// DefaultPolicy returns the built-in policy: safe to share support bundles
// with, while keeping names and harmless values for debugging.
func DefaultPolicy() *Policy {
	p := &Policy{
		Version:          1,
		Rules:            cloneRules(defaultRules),
		Detectors:        slices.Clone(defaultDetectors),
		Keep:             slices.Clone(defaultKeep),
		RequestIDHeaders: slices.Clone(defaultRequestIDHeaders),
	}
	return p
}

func cloneRules(rs []Rule) []Rule {
	out := make([]Rule, len(rs))
	for i, r := range rs {
		r.Names = slices.Clone(r.Names)
		r.Contains = slices.Clone(r.Contains)
		out[i] = r
	}
	return out
}

// LoadPolicy reads a policy file (JSON, the shape [Policy.JSON] prints) and
// returns the default policy merged with it. A file only needs the parts it
// changes, for example {"keep":["x-workspace-id"],"allow":["entropy"]}.
func LoadPolicy(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy file: %w", err)
	}
	var file Policy
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("policy file %s is not valid: %w (print the default with `reprokit sanitize --print-policy`)", path, err)
	}
	p := DefaultPolicy()
	if err := p.Merge(&file); err != nil {
		return nil, fmt.Errorf("policy file %s: %w", path, err)
	}
	return p, nil
}

// Merge adds other to p: rules with a new name are appended, rules with an
// existing name (and the same In) gain other's names; patterns, keep, allow,
// disable and request-ID lists are added. Merge never removes a default
// rule: to keep a value, name it in Keep; to accept a finding, name its rule
// in Allow; to turn a detector off, name it in Disable.
func (p *Policy) Merge(other *Policy) error {
	if other == nil {
		return nil
	}
	for _, r := range other.Rules {
		if r.Name == "" {
			return fmt.Errorf("a rule has no name: give each rule a \"name\"")
		}
		switch r.In {
		case InHeader, InParam, InKey, InPath:
		default:
			return fmt.Errorf("rule %q: \"in\" must be header, param, key or path, not %q", r.Name, r.In)
		}
		switch r.Mode {
		case ModeValue, ModeScheme, ModeCookie, ModeURL, ModeIP, ModeNoWord, ModePhone, ModeOAuthCode, ModeShaped, ModeSerial, ModeConnString:
		default:
			return fmt.Errorf("rule %q: unknown mode %q", r.Name, r.Mode)
		}
		merged := false
		for i := range p.Rules {
			if p.Rules[i].Name == r.Name && p.Rules[i].In == r.In && p.Rules[i].Mode == r.Mode {
				p.Rules[i].Names = appendNew(p.Rules[i].Names, r.Names...)
				p.Rules[i].Contains = appendNew(p.Rules[i].Contains, r.Contains...)
				merged = true
				break
			}
		}
		if !merged {
			p.Rules = append(p.Rules, cloneRules([]Rule{r})...)
		}
	}
	for _, pat := range other.Patterns {
		if pat.Name == "" {
			return fmt.Errorf("a pattern has no name: give each pattern a \"name\"")
		}
		if _, err := regexp.Compile(pat.Regexp); err != nil {
			return fmt.Errorf("pattern %q: %w", pat.Name, err)
		}
		p.Patterns = append(p.Patterns, Pattern{Name: pat.Name, Regexp: pat.Regexp})
	}
	for _, d := range other.Detectors {
		if !slices.Contains(defaultDetectors, d) {
			return fmt.Errorf("unknown detector %q: the detectors are %s", d, strings.Join(defaultDetectors, ", "))
		}
	}
	p.Keep = appendNew(p.Keep, other.Keep...)
	p.Allow = appendNew(p.Allow, other.Allow...)
	p.Disable = appendNew(p.Disable, other.Disable...)
	p.RequestIDHeaders = appendNew(p.RequestIDHeaders, other.RequestIDHeaders...)
	p.compiled = nil
	return nil
}

func appendNew(dst []string, add ...string) []string {
	for _, a := range add {
		if !slices.Contains(dst, a) {
			dst = append(dst, a)
		}
	}
	return dst
}

// JSON returns the policy as indented JSON, the format of a policy file.
func (p *Policy) JSON() []byte {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic("sanitize: policy does not marshal: " + err.Error()) // only strings and slices
	}
	return append(data, '\n')
}

// NormalizeName is how rule names are compared: lowercase, without '-',
// '_', '.', spaces and a leading ':' (HTTP/2 pseudo headers keep theirs).
func NormalizeName(s string) string {
	need := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.' || c == ' ' {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c == '-' || c == '_' || c == '.' || c == ' ':
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// compiledPolicy is the policy in the form the walk consults per value.
type compiledPolicy struct {
	exact     [4]map[string]*Rule // by In: header, param, key, path
	contains  [4][]containsRule
	keep      map[string]bool
	allow     map[string]bool
	disabled  map[string]bool
	requestID map[string]bool
	patterns  []Pattern

	cache [4]nameCache[matchResult] // raw name -> its match, per place
	code  nameCache[*Rule]          // a name given by code -> its rule (codeNameRule)
}

// matchResult is a cached answer of match.
type matchResult struct {
	rule  *Rule
	exact bool
	kinds uint8 // JSON keys only: what the name says about its value (keyKinds)
}

type containsRule struct {
	sub  string
	rule *Rule
}

// inKeyIndex is inIndex(InKey).
const inKeyIndex = 2

func inIndex(in string) int {
	switch in {
	case InHeader:
		return 0
	case InParam:
		return 1
	case InKey:
		return 2
	default:
		return 3
	}
}

func (p *Policy) compile() *compiledPolicy {
	if p.compiled != nil {
		return p.compiled
	}
	c := &compiledPolicy{keep: map[string]bool{}, allow: map[string]bool{}, disabled: map[string]bool{}, requestID: map[string]bool{}}
	for i := range c.exact {
		c.exact[i] = map[string]*Rule{}
		c.cache[i].max = maxMatchCache / 2
		c.code.max = maxMatchCache / 2
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		in := inIndex(r.In)
		for _, n := range r.Names {
			n = NormalizeName(n)
			if _, dup := c.exact[in][n]; !dup {
				c.exact[in][n] = r
			}
		}
		for _, n := range r.Contains {
			c.contains[in] = append(c.contains[in], containsRule{NormalizeName(n), r})
		}
	}
	for _, k := range p.Keep {
		c.keep[NormalizeName(k)] = true
	}
	for _, a := range p.Allow {
		c.allow[a] = true
	}
	for _, d := range p.Disable {
		c.disabled[d] = true
	}
	for _, h := range p.RequestIDHeaders {
		c.requestID[NormalizeName(h)] = true
	}
	for _, pat := range p.Patterns {
		pat.re = regexp.MustCompile(pat.Regexp) // checked by Merge
		c.patterns = append(c.patterns, pat)
	}
	p.compiled = c
	return c
}

// match returns the rule for a name found in the given place, or nil.
// Names on the keep list never match.
func (c *compiledPolicy) match(in string, name string) *Rule {
	r, _ := c.matchExact(in, name)
	return r
}

// maxMatchCache bounds the cache of name matches (names repeat a lot:
// header names, JSON keys).
const maxMatchCache = 20000

// matchExact is match that also says whether the name was listed exactly
// (not only contained).
func (c *compiledPolicy) matchExact(in string, name string) (*Rule, bool) {
	m := c.lookup(inIndex(in), name)
	return m.rule, m.exact
}

// matchUncached says whether a name is listed exactly by a header rule or
// matches a parameter or key rule, without the cache (for names that are
// data: see pairNamed).
func (c *compiledPolicy) matchUncached(name string) bool {
	n := NormalizeName(name)
	if c.keep[n] {
		return false
	}
	if c.exact[0][n] != nil || c.exact[1][n] != nil || c.exact[inKeyIndex][n] != nil {
		return true
	}
	for _, i := range []int{1, inKeyIndex} {
		for _, cr := range c.contains[i] {
			if strings.Contains(n, cr.sub) {
				return true
			}
		}
	}
	return false
}

// lookup is the cached match of name in place i (an inIndex).
func (c *compiledPolicy) lookup(i int, name string) matchResult {
	if m, ok := c.cache[i].get(name); ok {
		return m
	}
	var m matchResult
	n := NormalizeName(name)
	switch {
	case c.keep[n]:
	case c.exact[i][n] != nil:
		m = matchResult{rule: c.exact[i][n], exact: true}
	default:
		for _, cr := range c.contains[i] {
			if strings.Contains(n, cr.sub) {
				m.rule = cr.rule
				break
			}
		}
	}
	if i == inKeyIndex {
		m.kinds = keyKinds(name)
	}
	c.cache[i].put(name, m)
	return m
}
