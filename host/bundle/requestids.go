package bundle

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/host/har"
)

// RequestIDHeaders are the response headers that carry a request or trace
// ID, lowercase, in the order they are preferred.
var RequestIDHeaders = []string{
	"x-request-id", "request-id", "x-amzn-requestid", "x-amz-request-id", "x-amz-cf-id", "x-amz-id-2",
	"x-ms-request-id", "x-ms-client-request-id", "x-ms-correlation-request-id", "apim-request-id",
	"cf-ray", "x-cloud-trace-context", "traceparent", "x-correlation-id", "correlation-id",
	"x-trace-id", "trace-id", "x-b3-traceid", "x-datadog-trace-id", "x-github-request-id",
	"x-openai-request-id", "openai-request-id", "x-reqid", "x-req-id", "x-vercel-id", "fly-request-id",
	"x-served-by-request-id", "x-envoy-request-id",
}

// requestIDBodyKeys are the JSON keys of an error body that hold a request
// ID, searched at any depth.
var requestIDBodyKeys = map[string]bool{
	"request_id": true, "requestid": true, "requestId": true, "x-request-id": true,
	"trace_id": true, "traceId": true, "correlation_id": true, "correlationId": true,
}

// idPrefixes are the prefixes of well-known request and completion IDs
// (OpenAI-style chatcmpl-, cmpl-, resp_, run_, msg_; Anthropic-style msg_,
// req_). A value with one of them, followed by at least 8 ID characters, is
// an ID wherever it appears under an ID-like key, in a query parameter or in
// a frame.
var idPrefixes = []string{"chatcmpl-", "cmpl-", "msg_", "run_", "resp_", "req_"}

// idKeys are the JSON keys (lowercase, without '_' and '-') under which a
// value with a known prefix is taken as an ID; [requestIDBodyKeys] take
// any value.
var idKeys = map[string]bool{
	"id": true, "completion": true, "completionid": true, "requestid": true, "responseid": true,
	"messageid": true, "runid": true, "xrequestid": true, "previousresponseid": true,
}

const (
	maxIDBody   = 256 << 10 // JSON bodies larger than this are not searched
	maxIDFrames = 2000      // websocket messages and events searched per entry
	maxIDFrame  = 64 << 10  // larger frames are not searched
)

// knownID reports whether s is a well-known request or completion ID: a
// prefix of [idPrefixes] followed by 8 or more letters, digits, '-' or '_'.
func knownID(s string) bool {
	for _, p := range idPrefixes {
		if len(s) >= len(p)+8 && len(s) <= 200 && strings.HasPrefix(s, p) {
			for _, c := range s[len(p):] {
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
					return false
				}
			}
			return true
		}
	}
	return false
}

// mayHoldID is a cheap test before decoding a body or frame.
func mayHoldID(text string) bool {
	if strings.Contains(text, "equest") || strings.Contains(text, "race") || strings.Contains(text, "orrelation") || strings.Contains(text, "EQUEST") {
		return true
	}
	for _, p := range idPrefixes {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}

// keySeparators are what [normKey] drops; made once, as normKey runs per
// key of every searched body and frame.
var keySeparators = strings.NewReplacer("_", "", "-", "")

func normKey(k string) string {
	return strings.ToLower(keySeparators.Replace(k))
}

// RequestIDs collects the request and completion IDs of entries: from the
// response headers in [RequestIDHeaders]; from JSON response bodies
// (request_id, requestId, trace and correlation IDs at any depth, and
// id/completion_id/response_id/… when the value has a known prefix such as
// chatcmpl-, see [idPrefixes]); from URL query parameters whose value has a
// known prefix (?completion=chatcmpl-…); and from websocket messages and
// server-sent events (JSON frames, the same keys as bodies). Each ID appears
// once per entry; failed requests come first, then the order of the log.
func RequestIDs(entries []har.Entry) []RequestID {
	infos := make([]entryInfo, len(entries))
	for i := range entries {
		infos[i] = newEntryInfo(&entries[i])
	}
	return requestIDs(infos)
}

func requestIDs(infos []entryInfo) []RequestID {
	var out []RequestID
	pref := map[string]int{}
	for i, h := range RequestIDHeaders {
		pref[h] = i
	}
	for i := range infos {
		in := &infos[i]
		e := in.e
		seen := map[string]bool{}
		add := func(value, source string) {
			value = strings.TrimSpace(value)
			if value == "" || len(value) > 256 || seen[value] {
				return
			}
			seen[value] = true
			out = append(out, RequestID{
				Value: value, Source: source, Entry: i,
				Method: e.Request.Method, URL: e.Request.URL, Status: e.Response.Status,
				Time: e.StartedDateTime, Failed: in.failed,
			})
		}
		var hs []har.NameValue
		for _, h := range e.Response.Headers {
			if _, ok := pref[strings.ToLower(h.Name)]; ok {
				hs = append(hs, h)
			}
		}
		sort.SliceStable(hs, func(a, b int) bool { return pref[strings.ToLower(hs[a].Name)] < pref[strings.ToLower(hs[b].Name)] })
		for _, h := range hs {
			add(h.Value, "header:"+strings.ToLower(h.Name))
		}
		if body := jsonBody(&e.Response.Content); body != nil {
			for _, f := range findIDKeys(body, "", 0) {
				add(f.value, "body:"+f.path)
			}
		} else if sse := eventStreamBody(&e.Response.Content); len(sse) > 0 {
			for _, v := range sse {
				for _, f := range findIDKeys(v, "", 0) {
					add(f.value, "event:"+f.path)
				}
			}
		}
		for _, q := range queryIDs(e) {
			add(q.value, "query:"+q.path)
		}
		for k, m := range e.WebSocketMessages {
			if k >= maxIDFrames {
				break
			}
			if m.Opcode == 2 {
				continue
			}
			for _, f := range frameIDs(m.Data) {
				add(f.value, "frame:"+f.path)
			}
		}
		for k, m := range e.EventSourceMessages {
			if k >= maxIDFrames {
				break
			}
			for _, f := range frameIDs(m.Data) {
				add(f.value, "event:"+f.path)
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Failed && !out[b].Failed })
	return out
}

// queryIDs are the URL query parameters of e whose value is a known ID.
func queryIDs(e *har.Entry) []idHit {
	var out []idHit
	if len(e.Request.QueryString) > 0 {
		for _, q := range e.Request.QueryString {
			if knownID(q.Value) {
				out = append(out, idHit{q.Name, q.Value})
			}
		}
		return out
	}
	_, rawQuery, ok := strings.Cut(e.Request.URL, "?")
	if !ok || !mayHoldID(rawQuery) {
		return nil
	}
	rawQuery, _, _ = strings.Cut(rawQuery, "#")
	vals, _ := url.ParseQuery(rawQuery)
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range vals[k] {
			if knownID(v) {
				out = append(out, idHit{k, v})
			}
		}
	}
	return out
}

// frameIDs are the IDs in one websocket message or event: a JSON frame is
// searched like a body; a plain text frame that is an ID is one.
func frameIDs(data string) []idHit {
	if len(data) > maxIDFrame || !mayHoldID(data) {
		return nil
	}
	t := strings.TrimSpace(data)
	if knownID(t) {
		return []idHit{{"", t}}
	}
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return nil
	}
	var v any
	if json.Unmarshal([]byte(t), &v) != nil {
		return nil
	}
	return findIDKeys(v, "", 0)
}

// eventStreamBody decodes the JSON "data:" lines of a small
// text/event-stream response body (a streamed completion).
func eventStreamBody(c *har.Content) []any {
	if c.Text == "" || len(c.Text) > maxIDBody || c.Encoding == "base64" || !strings.Contains(strings.ToLower(c.MimeType), "event-stream") || !mayHoldID(c.Text) {
		return nil
	}
	var out []any
	for _, line := range strings.Split(c.Text, "\n") {
		d, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "data:")
		if !ok || len(out) >= maxIDFrames {
			continue
		}
		d = strings.TrimSpace(d)
		if d == "" || d[0] != '{' || !mayHoldID(d) {
			continue
		}
		var v any
		if json.Unmarshal([]byte(d), &v) == nil {
			out = append(out, v)
		}
	}
	return out
}

// jsonBody returns the decoded response body when it is small JSON.
func jsonBody(c *har.Content) any {
	if c.Text == "" || len(c.Text) > maxIDBody {
		return nil
	}
	text := c.Text
	if c.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return nil
		}
		text = string(b)
	}
	// Most bodies name no ID: skip the decoding for them.
	if !mayHoldID(text) {
		return nil
	}
	t := strings.TrimSpace(text)
	if !strings.Contains(strings.ToLower(c.MimeType), "json") && (t == "" || t[0] != '{') {
		return nil
	}
	var v any
	if json.Unmarshal([]byte(t), &v) != nil {
		return nil
	}
	return v
}

type idHit struct{ path, value string }

func findIDKeys(v any, path string, depth int) []idHit {
	if depth > 6 {
		return nil
	}
	var out []idHit
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if s, ok := x[k].(string); ok && (requestIDBodyKeys[k] || idKeys[normKey(k)] && knownID(s)) {
				out = append(out, idHit{p, s})
				continue
			}
			out = append(out, findIDKeys(x[k], p, depth+1)...)
		}
	case []any:
		for i, y := range x {
			if i >= 10 {
				break
			}
			out = append(out, findIDKeys(y, path+"[]", depth+1)...)
		}
	}
	return out
}
