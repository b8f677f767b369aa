package replay

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/fetch"

	"github.com/reprokit/reprokit/host/har"
)

// bigArchive is a 10,000-entry recording shaped like a long session: many
// paths, repeated polls, cache-busted and JSON-posting API calls.
func bigArchive(n int) *har.HAR {
	h := &har.HAR{}
	for i := range n {
		e := har.Entry{}
		switch i % 5 {
		case 0:
			e.Request.Method, e.Request.URL = "GET", fmt.Sprintf("https://app.test/static/%d/chunk-%d.js", i%97, i)
		case 1:
			e.Request.Method, e.Request.URL = "GET", fmt.Sprintf("https://api.test/v1/items?page=%d&sort=name&_=%d", i%50, 1732640000000+i)
		case 2:
			e.Request.Method, e.Request.URL = "GET", "https://api.test/v1/poll"
		case 3:
			e.Request.Method, e.Request.URL = "POST", "https://api.test/graphql"
			e.Request.PostData = &har.PostData{MimeType: "application/json", Text: fmt.Sprintf(`{"operationName":"Op%d","query":"query Op%d { x }","variables":{"id":%d}}`, i%40, i%40, i)}
		case 4:
			e.Request.Method, e.Request.URL = "GET", fmt.Sprintf("https://cdn.test/img/%d.png?w=%d", i, 100+i%3)
		}
		e.Request.Headers = []har.NameValue{{Name: "Accept", Value: "*/*"}}
		e.Response.Status = 200
		h.Log.Entries = append(h.Log.Entries, e)
	}
	return h
}

// BenchmarkMatch10k measures one match on a 10,000-entry archive, over a
// mix of exact, cache-busted, polled and GraphQL requests.
func BenchmarkMatch10k(b *testing.B) {
	m := NewMatcher(NewArchive(bigArchive(10_000)), MatchOptions{})
	reqs := []Request{
		{Method: "GET", URL: "https://app.test/static/5/chunk-5.js"},
		{Method: "GET", URL: "https://api.test/v1/items?sort=name&page=11&_=1764160000000"},
		{Method: "GET", URL: "https://api.test/v1/poll"},
		{Method: "POST", URL: "https://api.test/graphql", Header: map[string]string{"content-type": "application/json"}, Body: []byte(`{"operationName":"Op3","query":"query Op3 { x }","variables":{"id":3}}`)},
		{Method: "GET", URL: "https://cdn.test/img/9999.png?w=100"},
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if r := m.Match(reqs[i%len(reqs)]); r.Entry == nil {
			b.Fatalf("no match for %s", reqs[i%len(reqs)].URL)
		}
	}
}

// BenchmarkMatchBaselineMapLookup is the floor a matcher cannot beat: a
// strict method+URL map lookup (what strict HAR routers do).
func BenchmarkMatchBaselineMapLookup(b *testing.B) {
	h := bigArchive(10_000)
	idx := map[string][]int{}
	for i, e := range h.Log.Entries {
		k := e.Request.Method + " " + e.Request.URL
		idx[k] = append(idx[k], i)
	}
	keys := []string{"GET https://app.test/static/5/chunk-5.js", "GET https://api.test/v1/poll", "GET https://cdn.test/img/9999.png?w=100"}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if len(idx[keys[i%len(keys)]]) == 0 {
			b.Fatal("miss")
		}
	}
}

// BenchmarkMatch10kScored is the slow path: a request that fits no recorded
// signature (a real parameter changed), scored against every distinct
// recorded variant of its URL.
func BenchmarkMatch10kScored(b *testing.B) {
	m := NewMatcher(NewArchive(bigArchive(10_000)), MatchOptions{})
	req := Request{Method: "GET", URL: "https://api.test/v1/items?sort=name&page=11&_=1764160000000&extra=1"}
	b.ReportAllocs()
	for b.Loop() {
		if r := m.Match(req); r.Entry == nil {
			b.Fatalf("no match: %s", r.Reason)
		}
	}
}

// uploadMessage is the Fetch.requestPaused message Chrome wrote for QA's
// 21 MB demo upload: the body base64 in postDataEntries and again, escaped,
// in postData (161 MB in all).
func uploadMessage(b *testing.B) []byte {
	b.Helper()
	body := make([]byte, 21<<20)
	for i := 4096; i < len(body); i += 4096 {
		body[i] = byte(i >> 12)
	}
	// Chrome's postData is text: high bytes kept out so that it is UTF-8.
	pd, err := jsonv2.Marshal(string(bytes.Map(func(r rune) rune { return r & 0x7f }, body)))
	if err != nil {
		b.Fatal(err)
	}
	return []byte(`{"method":"Fetch.requestPaused","params":{"requestId":"interception-job-2.0","request":{"url":"http://app.test/api/files","method":"POST","headers":{"Content-Type":"multipart/form-data; boundary=x"},"postData":` +
		string(pd) + `,"hasPostData":true,"postDataEntries":[{"bytes":"` + base64.StdEncoding.EncodeToString(body) +
		`"}],"initialPriority":"High","referrerPolicy":"strict-origin-when-cross-origin"},"frameId":"F","resourceType":"Fetch","networkId":"2.1"}}` + "\x00")
}

// BenchmarkPausedUploadDecodedByChromedp is the baseline: the work the
// replay's CDP connection did for a paused 21 MB upload before the body
// filter (the message, the event for listeners, the event again for an
// iterator), all on the path of every other reply.
func BenchmarkPausedUploadDecodedByChromedp(b *testing.B) {
	msg := uploadMessage(b)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		for range 2 {
			var m cdproto.Message
			if err := jsonv2.Unmarshal(bytes.TrimSuffix(msg, []byte{0}), &m); err != nil {
				b.Fatal(err)
			}
			if _, err := cdproto.UnmarshalMessage(&m); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPausedUploadThroughBodyFilter is the same upload with the body
// filter: the byte search and cut, chromedp's decode of what is left, and
// the one decode of the body when it is matched.
func BenchmarkPausedUploadThroughBodyFilter(b *testing.B) {
	msg := uploadMessage(b)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		f := newBodyFilter()
		out := f.rewrite(msg)
		var m cdproto.Message
		if err := jsonv2.Unmarshal(bytes.TrimSuffix(out, []byte{0}), &m); err != nil {
			b.Fatal(err)
		}
		ev, err := cdproto.UnmarshalMessage(&m)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok, err := f.take(ev.(*fetch.EventRequestPaused).Request.PostDataEntries[0].Bytes); !ok || err != nil {
			b.Fatalf("body not taken back: %v %v", ok, err)
		}
	}
}
