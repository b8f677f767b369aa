package replay

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
)

// FuzzMatch feeds arbitrary requests to a matcher over a small archive with
// every kind of body: it must never panic, and its answer must be coherent.
func FuzzMatch(f *testing.F) {
	f.Add("GET", "https://a.test/p?b=2&a=1#x", "", "")
	f.Add("POST", "https://a.test/graphql", "application/json", `{"operationName":"A","query":"q","variables":{"id":[1,2,{"k":null}]}}`)
	f.Add("POST", "https://a.test/f", "application/x-www-form-urlencoded", "a=1&b=%ZZ&&=")
	f.Add("POST", "https://a.test/up", "multipart/form-data; boundary=q", "--q\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--q--\r\n")
	f.Add("GET", "wss://a.test/live", "", "")
	f.Add("GET", "https://a.test/users/x@y/profile?token=abc", "", "")
	a := archiveOf(
		rec{method: "GET", url: "https://a.test/p?a=1&b=2"},
		rec{method: "GET", url: "https://a.test/p?a=1&b=3&_=1732640000123"},
		rec{method: "POST", url: "https://a.test/graphql", ctype: "application/json", body: `{"operationName":"A","query":"q","variables":{}}`},
		rec{method: "POST", url: "https://a.test/f", ctype: "application/x-www-form-urlencoded", body: "a=1&b=2"},
		rec{method: "POST", url: "https://a.test/up", ctype: "multipart/form-data; boundary=z", body: "--z\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--z--\r\n"},
		rec{method: "GET", url: "wss://a.test/live"},
		rec{method: "GET", url: "https://a.test/users/%5BREDACTED%3Aemail%5D/profile?token=%5BREDACTED%3At%5D"},
	)
	m := NewMatcher(a, MatchOptions{})
	f.Fuzz(func(t *testing.T, method, url, ctype, body string) {
		res := m.Match(Request{Method: method, URL: url, Header: map[string]string{"content-type": ctype}, Body: []byte(body)})
		if (res.Entry == nil) != (res.Kind == Unmatched) {
			t.Fatalf("entry %v with kind %v", res.Entry, res.Kind)
		}
		if res.Score < 0 || res.Score > 1 {
			t.Fatalf("score %v out of 0..1", res.Score)
		}
		if res.Reason == "" {
			t.Fatal("no reason")
		}
	})
}

// FuzzRedactedEqual checks the placeholder rule: a recorded value with its
// placeholders filled by any text matches, and a value without placeholders
// matches only itself.
func FuzzRedactedEqual(f *testing.F) {
	f.Add("Bearer [REDACTED:jwt:1]", "eyJhbGciOi")
	f.Add("a=[REDACTED:x];b=[REDACTED:y]", "zz")
	f.Add("plain", "")
	f.Add("[REDACTED", "]")
	f.Fuzz(func(t *testing.T, recorded, fill string) {
		if _, sized := sizedRedaction(recorded); sized || wholeSizedTag.MatchString(recorded) {
			return // a sized placeholder has rules of its own (TestRedactedEqual)
		}
		if !strings.Contains(recorded, redactionMark) {
			if !redactedEqual(recorded, recorded) || (fill != recorded && redactedEqual(recorded, fill)) {
				t.Fatalf("plain value %q", recorded)
			}
			return
		}
		// Fill every complete placeholder with fill.
		var b strings.Builder
		rest := recorded
		for {
			i := strings.Index(rest, redactionMark)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			j := strings.IndexByte(rest[i:], ']')
			if j < 0 {
				b.WriteString(rest[:i]) // an unterminated placeholder runs to the end
				b.WriteString(fill)
				break
			}
			b.WriteString(rest[:i] + fill)
			rest = rest[i+j+1:]
		}
		if !redactedEqual(recorded, b.String()) {
			t.Fatalf("redactedEqual(%q, %q) = false", recorded, b.String())
		}
	})
}

// FuzzParseBody parses arbitrary bodies under arbitrary content types.
func FuzzParseBody(f *testing.F) {
	f.Add([]byte(`{"a":[1,2,{"b":"c"}]}`), "application/json")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n"), "multipart/form-data; boundary=b")
	f.Add([]byte("--b\r\n\r\n"), "multipart/form-data")
	f.Add([]byte("a=1&a=2&%zz"), "application/x-www-form-urlencoded")
	f.Fuzz(func(t *testing.T, raw []byte, ctype string) {
		b := parseBody(raw, ctype)
		if b.present != (len(raw) > 0) {
			t.Fatalf("present = %v for %d bytes", b.present, len(raw))
		}
		r := compareBody(b, b, false, nil, false)
		if !r.exact || r.score != 1 {
			t.Fatalf("a body does not match itself: %+v", r)
		}
	})
}

// FuzzBodyFilter feeds Fetch.requestPaused messages with arbitrary bodies,
// header values and postData strings (escapes included) through the body
// filter: the rewritten message must decode as chromedp decodes it, carry
// no large string, and trade its markers back for the very bodies.
func FuzzBodyFilter(f *testing.F) {
	f.Add([]byte("x"), []byte("purpose=assistants"), "a\"b\\c\u0000", "text/plain")
	f.Add([]byte{0x1a, 0x45, 0xdf, 0xa3}, []byte{}, `\"bytes\":\"`, `"bytes":"x`)
	f.Add([]byte(`"postData":"`), []byte(`]}`), `"postDataEntries":[`, "")
	f.Fuzz(func(t *testing.T, unit, small []byte, postData, header string) {
		if len(unit) == 0 {
			return
		}
		const min = 512 // the filter's threshold here, to fuzz fast
		big := bytes.Repeat(unit, min/len(unit)+1)
		pd, err1 := jsonv2.Marshal(strings.Repeat(postData, min/(len(postData)+1)+1))
		hv, err2 := jsonv2.Marshal(header)
		if err1 != nil || err2 != nil {
			return // not UTF-8: Chrome sends valid JSON
		}
		msg := []byte(`{"method":"Fetch.requestPaused","params":{"requestId":"j","request":{"url":"http://a.test/u","method":"POST","headers":{"X":` + string(hv) +
			`},"postData":` + string(pd) + `,"hasPostData":true,"postDataEntries":[{"bytes":"` + base64.StdEncoding.EncodeToString(big) +
			`"},{"bytes":"` + base64.StdEncoding.EncodeToString(small) + `"}]},"frameId":"F","resourceType":"Fetch","networkId":"1"}}` + "\x00")
		fl := newBodyFilter()
		fl.min = min
		if len(hv) >= min || len(small)*4/3+4 >= min {
			return // a header or small body this large is cut too, by design
		}
		out := fl.rewrite(msg)
		if len(out) > 2048+len(hv)+len(small)*2 {
			t.Fatalf("rewritten message still %d bytes", len(out))
		}
		ev := decodePaused(t, out)
		got, ok, err := fl.take(ev.Request.PostDataEntries[0].Bytes)
		if !ok || err != nil || !bytes.Equal(got, big) {
			t.Fatalf("large body: ok %v err %v equal %v", ok, err, bytes.Equal(got, big))
		}
		if !bytes.Equal(ev.Request.PostDataEntries[1].Bytes, small) {
			t.Fatalf("small body %q, want %q", ev.Request.PostDataEntries[1].Bytes, small)
		}
		if h := ev.Request.Headers["X"]; h != header {
			t.Fatalf("header %q, want %q", h, header)
		}
	})
}
