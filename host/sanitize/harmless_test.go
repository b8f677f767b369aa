package sanitize

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// harmlessHeaders are real-world header values with nothing secret in them:
// the sanitizer must leave (at least 95% of) them alone, or the HAR stops
// being useful for debugging.
var harmlessHeaders = [][2]string{
	{":authority", "app.example.com"}, {":method", "GET"}, {":path", "/api/v1/projects?page=2&per_page=50"}, {":scheme", "https"}, {":status", "200"},
	{"accept", "application/json, text/plain, */*"}, {"accept-encoding", "gzip, deflate, br, zstd"}, {"accept-language", "en-US,en;q=0.9,fr;q=0.8"},
	{"cache-control", "no-cache"}, {"pragma", "no-cache"}, {"content-type", "application/json; charset=utf-8"}, {"content-length", "1834"},
	{"origin", "https://app.example.com"}, {"referer", "https://app.example.com/projects/42/settings"}, {"priority", "u=1, i"},
	{"sec-ch-ua", `"Chromium";v="131", "Not_A Brand";v="24"`}, {"sec-ch-ua-mobile", "?0"}, {"sec-ch-ua-platform", `"Linux"`},
	{"sec-fetch-dest", "empty"}, {"sec-fetch-mode", "cors"}, {"sec-fetch-site", "same-origin"}, {"upgrade-insecure-requests", "1"},
	{"user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
	{"x-requested-with", "XMLHttpRequest"}, {"dnt", "1"}, {"if-modified-since", "Wed, 21 Oct 2026 07:28:00 GMT"},
	{"if-none-match", `W/"5e15153d-120f"`}, {"etag", `"33a64df551425fcc55e4d42a148795d9f25f89d4"`}, {"last-modified", "Wed, 21 Oct 2026 07:28:00 GMT"},
	{"date", "Thu, 26 Nov 2026 10:00:00 GMT"}, {"server", "nginx/1.25.3"}, {"vary", "Accept-Encoding, Origin"}, {"age", "120"},
	{"access-control-allow-origin", "https://app.example.com"}, {"access-control-allow-credentials", "true"},
	{"access-control-allow-headers", "Authorization, Content-Type, X-CSRF-Token"}, {"access-control-allow-methods", "GET, POST, PUT, DELETE"},
	{"access-control-expose-headers", "X-Request-Id, X-RateLimit-Remaining"}, {"access-control-max-age", "86400"},
	{"strict-transport-security", "max-age=63072000; includeSubDomains; preload"}, {"x-content-type-options", "nosniff"},
	{"x-frame-options", "SAMEORIGIN"}, {"x-xss-protection", "0"}, {"referrer-policy", "strict-origin-when-cross-origin"},
	{"content-security-policy", "default-src 'self'; script-src 'self' https://cdn.example.com; object-src 'none'"},
	{"permissions-policy", "camera=(), microphone=(), geolocation=()"}, {"cross-origin-opener-policy", "same-origin"},
	{"x-request-id", "f3a9c2e1-b7d8-4e0a-9c6b-5d4e3f2a1b0c"}, {"x-request-id", "req_8HqLm2Pz9XkW4vTn7Rb3Yc"}, {"request-id", "req_011CUz8RkQ6pVwXo4dBn2mYt"},
	{"cf-ray", "8f1c2d3e4a5b6c7d-FRA"}, {"cf-cache-status", "DYNAMIC"}, {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
	{"x-amzn-trace-id", "Root=1-67891233-abcdef012345678912345678"}, {"x-amz-cf-id", "Ab3dEfGh1JkLmN0pQrStUvWxYz2AbCdEfGhIjKlMn4OpQrStUvWx=="},
	{"x-cache", "Hit from cloudfront"}, {"via", "1.1 9a8b7c6d5e4f3a2b1c0d.cloudfront.net (CloudFront)"}, {"alt-svc", `h3=":443"; ma=86400`},
	{"x-ratelimit-limit", "5000"}, {"x-ratelimit-remaining", "4987"}, {"x-ratelimit-reset", "1764151200"}, {"retry-after", "30"},
	{"content-encoding", "br"}, {"transfer-encoding", "chunked"}, {"connection", "keep-alive"}, {"keep-alive", "timeout=5"},
	{"content-disposition", `attachment; filename="report-2026-11.pdf"`}, {"link", `</static/app.css>; rel=preload; as=style`},
	{"x-powered-by", "Express"}, {"x-runtime", "0.043218"}, {"server-timing", "db;dur=53, app;dur=47.2"}, {"nel", `{"success_fraction":0,"report_to":"cf-nel","max_age":604800}`},
	{"openai-processing-ms", "412"}, {"x-envoy-upstream-service-time", "37"}, {"accept-ranges", "bytes"}, {"expires", "0"},
	{"content-language", "en"}, {"x-github-request-id", "C2A4:3B1F:1A2B3C:1D2E3F:67890ABC"}, {"sec-websocket-version", "13"},
	{"upgrade", "websocket"}, {"x-served-by", "cache-fra-eddf8230045-FRA"}, {"x-timer", "S1764150000.123456,VS0,VE1"},
	{"www-authenticate", `Bearer realm="api", error="invalid_token"`}, {"location", "/projects/42"},
}

func TestHarmlessHeaderValuesStay(t *testing.T) {
	e := newEntry("https://app.example.com/api/v1/projects?page=2&per_page=50")
	for _, h := range harmlessHeaders {
		e.reqHeader(h[0], h[1])
	}
	har := map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "t", "version": "1"}, "entries": []any{e.m}}}
	data, _ := json.Marshal(har)
	var out bytes.Buffer
	if err := New(nil).HAR(&out, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Entries []struct {
				Request struct {
					URL     string
					Headers []struct{ Name, Value string }
				}
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Log.Entries[0].Request.Headers
	same := 0
	for i, h := range harmlessHeaders {
		if got[i].Value == h[1] {
			same++
		} else {
			t.Logf("changed: %s: %q -> %q", h[0], h[1], got[i].Value)
		}
	}
	ratio := float64(same) / float64(len(harmlessHeaders))
	t.Logf("%d of %d harmless header values unchanged (%.1f%%)", same, len(harmlessHeaders), 100*ratio)
	if ratio < 0.95 {
		t.Errorf("only %.1f%% of harmless header values unchanged, want at least 95%%", 100*ratio)
	}
	if u := doc.Log.Entries[0].Request.URL; u != "https://app.example.com/api/v1/projects?page=2&per_page=50" {
		t.Errorf("a harmless URL changed: %s", u)
	}
}

func TestSameSecretSameTagEverywhere(t *testing.T) {
	secret := "tok_Zq8LmN3pRt7VwX2yB5cD9fG4"
	e := newEntry("https://app.example.com/api?access_token=" + secret)
	e.query("access_token", secret)
	e.reqHeader("authorization", "Bearer "+secret)
	e.reqHeader("cookie", "sid="+secret)
	e.req()["cookies"] = []any{nv("sid", secret)}
	e.post("application/json", `{"token":"`+secret+`"}`)
	e.body("text/html", `<meta name="csrf-token" content="`+secret+`">`)
	har := map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "t", "version": "1"}, "entries": []any{e.m}}}
	data, _ := json.Marshal(har)
	var out bytes.Buffer
	r := New(nil)
	if err := r.HAR(&out, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), secret) {
		t.Fatal("the secret survived")
	}
	tags := map[string]int{}
	for _, l := range r.Report().Locations {
		tags[l.Tag]++
	}
	if len(tags) != 1 {
		t.Errorf("one secret got %d different tags: %v", len(tags), tags)
	}
	for tag, n := range tags {
		if n != 7 || strings.Count(out.String(), tag) != 7 {
			t.Errorf("tag %s recorded %d times and found %d times, want 7 (header, cookie header, cookie array, URL, query string, JSON body, HTML)", tag, n, strings.Count(out.String(), tag))
		}
	}
}

func TestOneRedactorServesSeveralGoroutines(t *testing.T) {
	data, _ := buildCorpus()
	r := New(nil)
	outs := make([]string, 4)
	done := make(chan int)
	for i := range outs {
		go func() {
			var b bytes.Buffer
			if err := r.HAR(&b, bytes.NewReader(data)); err != nil {
				t.Error(err)
			}
			outs[i] = b.String()
			done <- i
		}()
	}
	for range outs {
		<-done
	}
	for i := 1; i < len(outs); i++ {
		if outs[i] != outs[0] {
			t.Fatalf("run %d differs from run 0: one Redactor must tag the same way in every goroutine", i)
		}
	}
}
