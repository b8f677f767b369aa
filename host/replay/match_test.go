package replay

import (
	"fmt"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/har"
)

// rec is a compact recorded entry for the matcher tables.
type rec struct {
	method, url, ctype, body string
	status                   int
	headers                  map[string]string
	params                   []har.Param // postData.params when the text is absent
}

func archiveOf(recs ...rec) *Archive {
	h := &har.HAR{}
	for _, r := range recs {
		e := har.Entry{}
		e.Request.Method = r.method
		e.Request.URL = r.url
		if r.ctype != "" {
			e.Request.Headers = append(e.Request.Headers, har.NameValue{Name: "Content-Type", Value: r.ctype})
		}
		for n, v := range r.headers {
			e.Request.Headers = append(e.Request.Headers, har.NameValue{Name: n, Value: v})
		}
		if r.body != "" || r.params != nil {
			e.Request.PostData = &har.PostData{MimeType: r.ctype, Text: r.body, Params: r.params}
		}
		e.Response.Status = r.status
		if e.Response.Status == 0 {
			e.Response.Status = 200
		}
		h.Log.Entries = append(h.Log.Entries, e)
	}
	return NewArchive(h)
}

func req(method, url string) Request { return Request{Method: method, URL: url} }

func reqBody(method, url, ctype, body string) Request {
	return Request{Method: method, URL: url, Header: map[string]string{"content-type": ctype}, Body: []byte(body)}
}

const mp1 = "--AaB03x\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--AaB03x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n--AaB03x--\r\n"

func TestMatcherTable(t *testing.T) {
	cases := []struct {
		name  string
		recs  []rec
		reqs  []Request
		want  []string // "exact#i", "fuzzy#i" or "unmatched" per request
		extra func(t *testing.T, m []Match)
	}{
		{
			name: "exact URL, fragment dropped, query order ignored",
			recs: []rec{{method: "GET", url: "https://a.test/p?b=2&a=1"}},
			reqs: []Request{req("GET", "https://a.test/p?a=1&b=2#frag")},
			want: []string{"exact#0"},
		},
		{
			name: "scheme and host case and default port do not matter",
			recs: []rec{{method: "GET", url: "HTTPS://A.test:443/p"}},
			reqs: []Request{req("get", "https://a.test/p")},
			want: []string{"exact#0"},
		},
		{
			name: "method must agree",
			recs: []rec{{method: "POST", url: "https://a.test/p"}},
			reqs: []Request{req("GET", "https://a.test/p")},
			want: []string{"unmatched"},
		},
		{
			name: "path must agree",
			recs: []rec{{method: "GET", url: "https://a.test/p"}},
			reqs: []Request{req("GET", "https://a.test/q")},
			want: []string{"unmatched"},
		},
		{
			name: "cache busters by name are ignored (fuzzy)",
			recs: []rec{{method: "GET", url: "https://a.test/d?id=7&_=1111"}, {method: "GET", url: "https://a.test/d?id=8&cb=x1"}},
			reqs: []Request{req("GET", "https://a.test/d?_=2222&id=7"), req("GET", "https://a.test/d?id=8&cb=zz")},
			want: []string{"fuzzy#0", "fuzzy#1"},
		},
		{
			name: "timestamp and UUID values that differ are ignored",
			recs: []rec{{method: "GET", url: "https://a.test/e?since=1732640000123&rid=1b4e28ba-2fa1-11d2-883f-0016d3cca427&q=x"}},
			reqs: []Request{req("GET", "https://a.test/e?q=x&since=1764160000999&rid=6fa459ea-ee8a-3ca4-894e-db77e160355e")},
			want: []string{"fuzzy#0"},
		},
		{
			name: "a different real parameter value picks the right entry",
			recs: []rec{{method: "GET", url: "https://a.test/items?page=1"}, {method: "GET", url: "https://a.test/items?page=2"}},
			reqs: []Request{req("GET", "https://a.test/items?page=2"), req("GET", "https://a.test/items?page=1")},
			want: []string{"exact#1", "exact#0"},
		},
		{
			name: "scored fuzzy query above the threshold",
			recs: []rec{{method: "GET", url: "https://a.test/s?a=1&b=2&c=3&d=4"}},
			reqs: []Request{req("GET", "https://a.test/s?a=1&b=2&c=3&d=5")},
			want: []string{"fuzzy#0"},
		},
		{
			name: "scored fuzzy query below the threshold",
			recs: []rec{{method: "GET", url: "https://a.test/s?a=1&b=2&c=3&d=4"}},
			reqs: []Request{req("GET", "https://a.test/s?a=9&b=9&c=9&d=4")},
			want: []string{"unmatched"},
		},
		{
			name: "the best scored candidate wins",
			recs: []rec{{method: "GET", url: "https://a.test/s?a=1&b=2&c=3"}, {method: "GET", url: "https://a.test/s?a=1&b=2&c=4"}},
			reqs: []Request{req("GET", "https://a.test/s?a=1&b=7&c=4")},
			want: []string{"fuzzy#1"},
		},
		{
			name: "polled request gets its recorded answers in order, then the last again",
			recs: []rec{{method: "GET", url: "https://a.test/job/1"}, {method: "GET", url: "https://a.test/job/1"}},
			reqs: []Request{req("GET", "https://a.test/job/1"), req("GET", "https://a.test/job/1"), req("GET", "https://a.test/job/1")},
			want: []string{"exact#0", "exact#1", "exact#1"},
		},
		{
			name: "GraphQL POSTs that differ only in operation",
			recs: []rec{
				{method: "POST", url: "https://a.test/graphql", ctype: "application/json", body: `{"operationName":"Viewer","query":"query Viewer { me { id } }","variables":{}}`},
				{method: "POST", url: "https://a.test/graphql", ctype: "application/json", body: `{"operationName":"Orders","query":"query Orders { orders { id } }","variables":{}}`},
			},
			reqs: []Request{
				reqBody("POST", "https://a.test/graphql", "application/json", `{"variables":{},"query":"query Orders { orders { id } }","operationName":"Orders"}`),
				reqBody("POST", "https://a.test/graphql", "application/json", `{"operationName":"Viewer","query":"query Viewer { me { id } }","variables":{}}`),
				reqBody("POST", "https://a.test/graphql", "application/json", `{"operationName":"Other","query":"query Orders { orders { id } }","variables":{}}`),
			},
			want: []string{"exact#1", "exact#0", "unmatched"},
		},
		{
			name: "JSON posts with volatile fields",
			recs: []rec{{method: "POST", url: "https://a.test/track", ctype: "application/json", body: `{"event":"open","ts":1732640000123,"id":"1b4e28ba-2fa1-11d2-883f-0016d3cca427","meta":{"sentAt":"2026-11-26T19:00:00Z","n":3}}`}},
			reqs: []Request{reqBody("POST", "https://a.test/track", "application/json", `{"meta":{"n":3,"sentAt":"2026-11-26T21:00:01.5Z"},"id":"6fa459ea-ee8a-3ca4-894e-db77e160355e","ts":1764160000999,"event":"open"}`)},
			want: []string{"fuzzy#0"},
		},
		{
			name: "canonical JSON: key order and spacing do not matter",
			recs: []rec{{method: "POST", url: "https://a.test/j", ctype: "application/json", body: `{"a":1,"b":[1,2]}`}},
			reqs: []Request{reqBody("POST", "https://a.test/j", "application/json", "{ \"b\": [1, 2],\n \"a\": 1 }")},
			want: []string{"exact#0"},
		},
		{
			name: "form fields in another order",
			recs: []rec{{method: "POST", url: "https://a.test/f", ctype: "application/x-www-form-urlencoded", body: "a=1&b=two"}},
			reqs: []Request{reqBody("POST", "https://a.test/f", "application/x-www-form-urlencoded", "b=two&a=1")},
			want: []string{"exact#0"},
		},
		{
			name: "multipart with a new boundary",
			recs: []rec{{method: "POST", url: "https://a.test/up", ctype: "multipart/form-data; boundary=AaB03x", body: mp1}},
			reqs: []Request{reqBody("POST", "https://a.test/up", "multipart/form-data; boundary=----WebKitFormBoundaryZ9", strings.ReplaceAll(mp1, "AaB03x", "----WebKitFormBoundaryZ9"))},
			want: []string{"exact#0"},
		},
		{
			name: "multipart whose boundary the sanitizer redacted",
			recs: []rec{{method: "POST", url: "https://a.test/up", ctype: "multipart/form-data; boundary=[REDACTED:secret:1]",
				body: strings.ReplaceAll(strings.ReplaceAll(mp1, "AaB03x", "[REDACTED:secret:1]"), "file body", "[REDACTED:file:2] 9 bytes")}},
			reqs: []Request{reqBody("POST", "https://a.test/up", "multipart/form-data; boundary=----WebKitFormBoundaryZ9", strings.ReplaceAll(mp1, "AaB03x", "----WebKitFormBoundaryZ9"))},
			want: []string{"exact#0"},
		},
		{
			// QA: the sanitized /secrets/page upload. The file part is a
			// sized tag and the replayed page (its own source sanitized)
			// uploads other bytes of another size; the token field is
			// redacted too.
			name: "a sanitized multipart matches any file in the redacted file part",
			recs: []rec{{method: "POST", url: "https://a.test/up3", ctype: "multipart/form-data; boundary=----WebKitFormBoundaryTn7b",
				body: "------WebKitFormBoundaryTn7b\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n[REDACTED:secret-param:97a9]\r\n" +
					"------WebKitFormBoundaryTn7b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"headers.txt\"\r\nContent-Type: text/plain\r\n\r\n[REDACTED:file:fdba] 64 bytes\r\n------WebKitFormBoundaryTn7b--\r\n"}},
			reqs: []Request{reqBody("POST", "https://a.test/up3", "multipart/form-data; boundary=----WebKitFormBoundaryQQ",
				"------WebKitFormBoundaryQQ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n[REDACTED:secret-param:97a9]\r\n"+
					"------WebKitFormBoundaryQQ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"headers.txt\"\r\nContent-Type: text/plain\r\n\r\nAuthorization: Bearer [REDACTED:bearer:1]\n\r\n------WebKitFormBoundaryQQ--\r\n")},
			want: []string{"exact#0"},
		},
		{
			name: "multipart files redacted as one tag match any number of files of that name",
			recs: []rec{{method: "POST", url: "https://a.test/up4", ctype: "multipart/form-data; boundary=b1",
				body: "--b1\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\n[REDACTED:file:1] 9 bytes\r\n" +
					"--b1\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--b1--\r\n"}},
			reqs: []Request{reqBody("POST", "https://a.test/up4", "multipart/form-data; boundary=b2",
				"--b2\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n"+
					"--b2\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\none\r\n"+
					"--b2\r\nContent-Disposition: form-data; name=\"files\"; filename=\"b.txt\"\r\n\r\ntwo\r\n--b2--\r\n")},
			want: []string{"exact#0"},
		},
		{
			name: "repeated form values redacted as one tag match any values",
			recs: []rec{{method: "POST", url: "https://a.test/rep", ctype: "application/x-www-form-urlencoded", body: "scope=read&key=[REDACTED:secret:1]"}},
			reqs: []Request{reqBody("POST", "https://a.test/rep", "application/x-www-form-urlencoded", "key=k1&scope=read&key=k2")},
			want: []string{"exact#0"},
		},
		{
			name: "a multipart recorded as fields only (no text)",
			recs: []rec{{method: "POST", url: "https://a.test/up2", ctype: "multipart/form-data; boundary=AaB03x", params: []har.Param{{Name: "title", Value: "hello"}, {Name: "file", FileName: "a.txt", ContentType: "text/plain"}}}},
			reqs: []Request{reqBody("POST", "https://a.test/up2", "multipart/form-data; boundary=zz", strings.ReplaceAll(mp1, "AaB03x", "zz"))},
			want: []string{"exact#0"},
		},
		{
			name: "an opaque body that differs is still usable at the threshold",
			recs: []rec{{method: "POST", url: "https://a.test/bin", ctype: "application/octet-stream", body: "\x01\x02recorded"}},
			reqs: []Request{{Method: "POST", URL: "https://a.test/bin", Header: map[string]string{"content-type": "application/octet-stream", "accept": "x"}, Body: []byte("\x01\x02replayed")}},
			want: []string{"fuzzy#0"},
		},
		{
			name: "bodies choose between posts to the same URL",
			recs: []rec{
				{method: "POST", url: "https://a.test/f", ctype: "application/x-www-form-urlencoded", body: "q=apples"},
				{method: "POST", url: "https://a.test/f", ctype: "application/x-www-form-urlencoded", body: "q=pears"},
			},
			reqs: []Request{reqBody("POST", "https://a.test/f", "application/x-www-form-urlencoded", "q=pears")},
			want: []string{"exact#1"},
		},
		{
			name: "redacted query, body and path values match anything",
			recs: []rec{
				{method: "GET", url: "https://a.test/api?token=%5BREDACTED%3Atoken%3Aab12%5D&x=1"},
				{method: "POST", url: "https://a.test/login", ctype: "application/json", body: `{"user":"[REDACTED:email:1]","password":"[REDACTED:password:2]"}`},
				{method: "GET", url: "https://a.test/users/%5BREDACTED%3Aemail%3A9%5D/profile"},
			},
			reqs: []Request{
				req("GET", "https://a.test/api?x=1&token=s3cr3t-value"),
				reqBody("POST", "https://a.test/login", "application/json", `{"user":"ann@example.com","password":"hunter2"}`),
				req("GET", "https://a.test/users/ann@example.com/profile"),
			},
			want: []string{"exact#0", "exact#1", "exact#2"},
		},
		{
			name: "headers break a tie",
			recs: []rec{
				{method: "GET", url: "https://a.test/r", headers: map[string]string{"Accept": "text/html"}},
				{method: "GET", url: "https://a.test/r", headers: map[string]string{"Accept": "application/json"}},
			},
			reqs: []Request{{Method: "GET", URL: "https://a.test/r", Header: map[string]string{"accept": "application/json"}}},
			want: []string{"exact#1"},
		},
		{
			name: "a HEAD the recording lacks is answered from the GET",
			recs: []rec{{method: "GET", url: "https://a.test/file.zip"}, {method: "HEAD", url: "https://a.test/has-head"}},
			reqs: []Request{req("HEAD", "https://a.test/file.zip"), req("HEAD", "https://a.test/has-head"), req("HEAD", "https://a.test/none")},
			want: []string{"fuzzy#0", "exact#1", "unmatched"},
		},
		{
			name: "a websocket entry answers only websocket requests",
			recs: []rec{{method: "GET", url: "wss://a.test/live"}},
			reqs: []Request{req("GET", "https://a.test/live"), req("GET", "wss://a.test/live")},
			want: []string{"unmatched", "exact#0"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMatcher(archiveOf(tc.recs...), MatchOptions{})
			var got []Match
			for i, r := range tc.reqs {
				res := m.Match(r)
				got = append(got, res)
				s := "unmatched"
				if res.Entry != nil {
					s = fmt.Sprintf("%s#%d", res.Kind, res.Entry.Index)
				}
				if s != tc.want[i] {
					t.Errorf("request %d (%s %s): got %s, want %s; reason: %s", i, r.Method, r.URL, s, tc.want[i], res.Reason)
				}
				if res.Reason == "" {
					t.Errorf("request %d: no reason given", i)
				}
			}
			if tc.extra != nil {
				tc.extra(t, got)
			}
		})
	}
}

func TestMatcherArchiveUsed(t *testing.T) {
	a := archiveOf(rec{method: "GET", url: "https://a.test/1"}, rec{method: "GET", url: "https://a.test/2"}, rec{method: "GET", url: "https://a.test/3"})
	m := NewMatcher(a, MatchOptions{})
	m.Match(req("GET", "https://a.test/1"))
	m.Match(req("GET", "https://a.test/1"))
	m.Match(req("GET", "https://a.test/3"))
	if used, total := a.Used(); used != 2 || total != 3 {
		t.Fatalf("Used() = %d/%d, want 2/3", used, total)
	}
}

func TestMatcherLearnsVolatileParams(t *testing.T) {
	// Two recordings of the same path whose "k" differs and looks like a
	// hex token: a third value is ignored, a non-generated change is not.
	a := archiveOf(rec{method: "GET", url: "https://a.test/x?k=0123456789abcdef01&q=1"}, rec{method: "GET", url: "https://a.test/x?k=fedcba98765432100f&q=1"})
	m := NewMatcher(a, MatchOptions{Volatile: []string{}})
	if res := m.Match(req("GET", "https://a.test/x?k=zz&q=1")); res.Kind != Fuzzy {
		t.Fatalf("learned volatile param: got %v (%s)", res.Kind, res.Reason)
	}
}

func TestLooksGenerated(t *testing.T) {
	yes := []string{"1732640000", "1732640000123", "1732640000.123", "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "2026-11-26T19:00:00Z", "0.8412761203", "deadbeefdeadbeef00"}
	no := []string{"12345678", "page", "hello-world", "2", "9999999999999", "abcdefgh", "0.5"}
	for _, s := range yes {
		if !looksGenerated(s) {
			t.Errorf("looksGenerated(%q) = false", s)
		}
	}
	for _, s := range no {
		if looksGenerated(s) {
			t.Errorf("looksGenerated(%q) = true", s)
		}
	}
}

func TestRedactedEqual(t *testing.T) {
	cases := []struct {
		rec, got string
		want     bool
	}{
		{"[REDACTED:token]", "anything", true},
		{"Bearer [REDACTED:jwt:1a]", "Bearer eyJ.x.y", true},
		{"Bearer [REDACTED:jwt:1a]", "Basic abc", false},
		{"a=[REDACTED:x];b=[REDACTED:y];c=3", "a=1;b=2;c=3", true},
		{"a=[REDACTED:x];c=3", "a=1;c=4", false},
		{"plain", "plain", true},
		{"[REDACTED:file:9a] 14 bytes", "file contents\n", true},
		// A redacted file part matches any file in its place (the
		// replayed page may upload other bytes); a redacted binary frame
		// keeps its size.
		{"[REDACTED:file:9a] 14 bytes", "other", true},
		{"[REDACTED:file:9a] 14 bytes", "", true},
		{"[REDACTED:upload] 3 bytes", "a longer value", true},
		{"[REDACTED:ws-binary:2] 4 bytes", "\x00\x01\x02\x03", true},
		{"[REDACTED:ws-binary:2] 4 bytes", "12345", false},
		{"[REDACTED:email:1]@example.com", "ann@example.com", true},
		{"Bearer eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.[REDACTED:jwt:77]", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwiaXNzIjoieCJ9.c2ln", true},
		{"Bearer eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.[REDACTED:jwt:77]", "Basic abc", false},
		{"plain", "other", false},
	}
	for _, c := range cases {
		if got := redactedEqual(c.rec, c.got); got != c.want {
			t.Errorf("redactedEqual(%q, %q) = %v, want %v", c.rec, c.got, got, c.want)
		}
	}
}

func TestPageURLs(t *testing.T) {
	h := &har.HAR{}
	h.Log.Pages = []har.Page{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	mk := func(page, method, url string, status int, rt, mime, loc string) har.Entry {
		e := har.Entry{Pageref: page, ResourceType: rt}
		e.Request.Method, e.Request.URL = method, url
		e.Response.Status, e.Response.Content.MimeType = status, mime
		if loc != "" {
			e.Response.Headers = []har.NameValue{{Name: "Location", Value: loc}}
		}
		return e
	}
	h.Log.Entries = []har.Entry{
		mk("a", "GET", "https://x.test/start", 302, "document", "", "/home"),
		mk("a", "GET", "https://x.test/home", 200, "document", "text/html", ""),
		mk("a", "GET", "https://x.test/app.js", 200, "script", "text/javascript", ""),
		mk("b", "POST", "https://x.test/form", 303, "document", "", "/done"),
		mk("b", "GET", "https://x.test/done", 200, "document", "text/html", ""),
		mk("c", "GET", "https://x.test/firefox", 200, "", "text/html; charset=utf-8", ""),
	}
	got := pageURLs(h)
	want := []string{"https://x.test/start", "https://x.test/done", "https://x.test/firefox"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("pageURLs = %v, want %v (a redirect chain opens at its first hop, a POST page at the GET after it)", got, want)
	}
}
