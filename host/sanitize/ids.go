package sanitize

import "strings"

// Request and completion IDs are evidence a support team asks for (the
// checklist of PRODUCT.md): they are exempt from the entropy rule, never
// from the vendor-key detectors (an `sk-…` key stays redacted whatever its
// name).

// idPrefixes start well-known identifiers (OpenAI, Anthropic and the like):
// request, completion, message, run, thread, assistant, file, batch,
// response and tool-call IDs.
var idPrefixes = []string{"req_", "chatcmpl-", "cmpl-", "msg_", "run_", "thread_", "asst_", "file-", "batch_", "resp_", "call_"}

// idNames are normalized names (parameters, JSON keys, headers) whose
// values are identifiers; a name ending with one of them counts too
// (x-openai-request-id, parentMessageId).
var idNames = words("requestid completionid traceid correlationid messageid")

// wellKnownID reports whether v is one identifier with a well-known ID
// prefix followed by ID characters only, or a UUID.
func wellKnownID(v string) bool {
	if isUUID(v) {
		return true
	}
	if len(v) < 5 {
		return false
	}
	switch v[0] {
	case 'r', 'c', 'm', 't', 'a', 'f', 'b':
	default:
		return false
	}
	for _, p := range idPrefixes {
		if len(v) > len(p) && strings.HasPrefix(v, p) {
			for i := len(p); i < len(v); i++ {
				if class[v[i]]&cWord == 0 {
					return false
				}
			}
			return true
		}
	}
	return false
}

// idName reports whether a parameter, key or header name says its value
// is an identifier (request_id, requestId, completion_id, trace_id,
// correlation_id, message_id, and names ending with them).
func idName(name string) bool {
	n := NormalizeName(name)
	if len(n) < 6 || len(n) > 64 {
		return false
	}
	for _, w := range idNames {
		if strings.HasSuffix(n, w) {
			return true
		}
	}
	return false
}

// keyCtx is the context of the value of a JSON key whose keyKinds are
// kinds: no entropy rule when the key names an identifier, no IP rule
// when it names a user agent.
func keyCtx(kinds uint8, ctx textCtx) textCtx {
	if !ctx.noEntropy && kinds&keyID != 0 {
		ctx.noEntropy = true
	}
	if ctx.ip && kinds&keyUserAgent != 0 {
		ctx.ip = false // "Chrome/156.0.0.0" is a version, not an address
	}
	return ctx
}

// What a JSON key says about its value, for keyCtx.
const (
	keyID        = 1 << iota // idName
	keyUserAgent             // userAgentName
)

// keyKinds says what a JSON key says about its value (cached with the
// key's rule, see compiledPolicy.lookup).
func keyKinds(k string) uint8 {
	var v uint8
	if idName(k) {
		v |= keyID
	}
	if userAgentName(k) {
		v |= keyUserAgent
	}
	return v
}

// userAgentName reports whether a key names a user agent or a client hint
// (userAgent, user_agent, ua, sec-ch-ua-full-version-list, …).
func userAgentName(k string) bool {
	n := NormalizeName(k)
	return n == "ua" || strings.HasSuffix(n, "useragent") || strings.HasPrefix(n, "secchua") || n == "brands" || n == "fullversionlist"
}
