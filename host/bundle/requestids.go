package bundle

import (
	"encoding/base64"
	"encoding/json"
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

const maxIDBody = 256 << 10 // JSON bodies larger than this are not searched

// RequestIDs collects the request IDs of entries: from the response headers
// in [RequestIDHeaders] and from JSON bodies of responses (request_id,
// requestId at any depth). Each ID appears once per entry; failed requests
// come first, then the order of the log.
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
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Failed && !out[b].Failed })
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
	if !strings.Contains(text, "equest") && !strings.Contains(text, "race") && !strings.Contains(text, "orrelation") && !strings.Contains(text, "EQUEST") {
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
			if requestIDBodyKeys[k] {
				if s, ok := x[k].(string); ok {
					out = append(out, idHit{p, s})
					continue
				}
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
