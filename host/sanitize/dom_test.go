package sanitize_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/reprokit/reprokit/host/sanitize"
)

// domDoc wraps rrweb events into a dom.json document of one tab.
func domDoc(events ...string) string {
	return `{"format":"rrweb","version":"2.1.6","tabs":[{"target":"8F1C2D3E4A5B6C7D8E9F0A1B2C3D4E5F","events":[` + strings.Join(events, ",") + `]}]}`
}

// snapshot is a full snapshot event of a page whose body holds the nodes
// given (JSON of serialized nodes, ids from 10).
func snapshot(body ...string) string {
	return `{"type":2,"data":{"node":{"type":0,"childNodes":[{"type":1,"name":"html","publicId":"","systemId":"","id":2},` +
		`{"type":2,"tagName":"html","attributes":{},"childNodes":[{"type":2,"tagName":"head","attributes":{},"childNodes":[],"id":4},` +
		`{"type":2,"tagName":"body","attributes":{},"childNodes":[` + strings.Join(body, ",") + `],"id":5}],"id":3}],"compatMode":"CSS1Compat","id":1},` +
		`"initialOffset":{"left":0,"top":0}},"timestamp":1765085023001}`
}

// Planted values of the DOM tests.
const (
	domEmail  = "ada.lovelace@example.org"
	domCard   = "4111 1111 1111 1111"
	domToken  = "Zq8pL2vX9mK4nR7tWc3bY6hJ"
	domGitHub = "ghp_Ab3De5Fg7Hj9Kl1Mn3Pq5Rs7Tu9Vw1Xy3Z12"
	domJWT    = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)

func TestDOMSanitizes(t *testing.T) {
	cases := []struct {
		name   string
		events []string
		gone   []string // planted values that must not survive
		kept   []string // content that must stay as it was
	}{
		{"text node email and card", []string{snapshot(
			`{"type":2,"tagName":"p","attributes":{"class":"who"},"childNodes":[{"type":3,"textContent":"Signed in as ` + domEmail + `, card ` + domCard + `","id":11}],"id":10}`)},
			[]string{domEmail, domCard}, []string{"Signed in as ", "@example.org", `"class":"who"`}},
		{"link query token", []string{snapshot(
			`{"type":2,"tagName":"a","attributes":{"href":"https://app.example.com/reset?token=` + domToken + `&lang=en"},"childNodes":[{"type":3,"textContent":"Reset","id":11}],"id":10}`)},
			[]string{domToken}, []string{"https://app.example.com/reset?token=", "&lang=en"}},
		{"style attribute url", []string{snapshot(
			`{"type":2,"tagName":"div","attributes":{"style":"background: url(\"https://cdn.example.com/bg.png?access_token=` + domToken + `\") no-repeat; color: red"},"childNodes":[],"id":10}`)},
			[]string{domToken}, []string{"background: url(", "no-repeat; color: red"}},
		{"data attribute secret by name", []string{snapshot(
			`{"type":2,"tagName":"div","attributes":{"data-api-key":"` + domToken + `","data-theme":"dark mode"},"childNodes":[],"id":10}`)},
			[]string{domToken}, []string{`"data-api-key":"[REDACTED:`, `"data-theme":"dark mode"`}},
		{"input value by name and type", []string{snapshot(
			`{"type":2,"tagName":"input","attributes":{"type":"text","name":"api_key","value":"`+domToken+`"},"childNodes":[],"id":10}`,
			`{"type":2,"tagName":"input","attributes":{"type":"password","value":"Tr0ub4dor-3x9"},"childNodes":[],"id":12}`,
			`{"type":2,"tagName":"input","attributes":{"type":"email","placeholder":"you@example.com","value":"`+domEmail+`"},"childNodes":[],"id":13}`)},
			[]string{domToken, "Tr0ub4dor-3x9", domEmail}, []string{`"name":"api_key"`, `"type":"password"`}},
		{"stylesheet text and _cssText", []string{snapshot(
			`{"type":2,"tagName":"style","attributes":{"_cssText":".hero { background-image: url(\"https://cdn.example.com/a.png?sig=`+domToken+`\"); }"},"childNodes":[{"type":3,"textContent":"","id":11}],"id":10}`,
			`{"type":2,"tagName":"style","attributes":{},"childNodes":[{"type":3,"textContent":".x { background: url(/img.png?api_key=`+domToken+`) }","id":13}],"id":12}`)},
			[]string{domToken}, []string{".hero { background-image: url(", ".x { background: url(/img.png?api_key="}},
		{"script text", []string{snapshot(
			`{"type":2,"tagName":"script","attributes":{},"childNodes":[{"type":3,"textContent":"SCRIPT_PLACEHOLDER","id":11}],"id":10}`,
			`{"type":2,"tagName":"script","attributes":{},"childNodes":[{"type":3,"textContent":"var gh = \"`+domGitHub+`\";","id":13}],"id":12}`)},
			[]string{domGitHub}, []string{"SCRIPT_PLACEHOLDER", "var gh = "}},
		{"event handler and comment", []string{snapshot(
			`{"type":2,"tagName":"button","attributes":{"onclick":"login('`+domJWT+`')"},"childNodes":[],"id":10}`,
			`{"type":5,"textContent":" owner `+domEmail+` ","id":11}`)},
			[]string{strings.Split(domJWT, ".")[2], domEmail}, []string{"login('"}},
		{"srcset", []string{snapshot(
			`{"type":2,"tagName":"img","attributes":{"src":"https://cdn.example.com/a.png","srcset":"https://cdn.example.com/a.png?token=` + domToken + ` 1x, /b.png 2x","alt":"Photo of ` + domEmail + `"},"childNodes":[],"id":10}`)},
			[]string{domToken, domEmail}, []string{`"src":"https://cdn.example.com/a.png"`, " 1x, /b.png 2x", "Photo of "}},
		{"meta href", []string{`{"type":4,"data":{"href":"https://app.example.com/welcome?code=` + domToken + `","width":1280,"height":720},"timestamp":1765085023000}`},
			[]string{domToken}, []string{"https://app.example.com/welcome?code=", `"width":1280`}},
		{"mutations", []string{snapshot(
			`{"type":2,"tagName":"style","attributes":{},"childNodes":[{"type":3,"textContent":".a{}","id":11}],"id":10}`,
			`{"type":2,"tagName":"input","attributes":{"name":"otp_secret"},"childNodes":[],"id":12}`),
			`{"type":3,"data":{"source":0,"texts":[{"id":11,"value":".a { background: url(/x.png?token=` + domToken + `) }"},{"id":99,"value":"Mail ` + domEmail + `"}],` +
				`"attributes":[{"id":12,"attributes":{"value":"` + domToken + `x"}},{"id":50,"attributes":{"style":{"background-image":"url(https://cdn.example.com/b.png?token=` + domToken + `y)","color":["red","important"],"margin":false},"title":"` + domCard + `","data-old":null}}],` +
				`"removes":[{"parentId":5,"id":30}],` +
				`"adds":[{"parentId":10,"nextId":null,"node":{"type":3,"textContent":".b { background: url(/y.png?token=` + domToken + `z) }","id":60}},` +
				`{"parentId":5,"nextId":null,"node":{"type":2,"tagName":"span","attributes":{"data-user":"` + domEmail + `"},"childNodes":[{"type":3,"textContent":"Card ` + domCard + `","id":62}],"id":61}}]},"timestamp":1765085023100}`},
			[]string{domToken, domEmail, domCard}, []string{".a { background: url(/x.png?token=", `"color":["red","important"]`, `"margin":false`, `"data-old":null`, `"removes":[{"parentId":5,"id":30}]`}},
		{"typed input", []string{snapshot(
			`{"type":2,"tagName":"input","attributes":{"name":"client_secret","type":"text"},"childNodes":[],"id":10}`),
			`{"type":3,"data":{"source":5,"text":"` + domToken + `","isChecked":false,"id":10},"timestamp":1765085023200}`,
			`{"type":3,"data":{"source":5,"text":"` + domEmail + `","isChecked":false,"id":77},"timestamp":1765085023300}`,
			`{"type":3,"data":{"source":5,"text":"**********","isChecked":false,"id":78},"timestamp":1765085023400}`},
			[]string{domToken, domEmail}, []string{`"text":"**********"`}},
		{"style rules", []string{
			`{"type":3,"data":{"source":8,"id":10,"adds":[{"rule":".c { background: url(https://cdn.example.com/c.png?token=` + domToken + `) }","index":0}],"removes":[{"index":1}]},"timestamp":1}`,
			`{"type":3,"data":{"source":8,"styleId":2,"replaceSync":".d { background: url(https://cdn.example.com/d.png?token=` + domToken + `d) }"},"timestamp":2}`,
			`{"type":3,"data":{"source":13,"id":10,"index":[0],"set":{"property":"background","value":"url(https://cdn.example.com/e.png?token=` + domToken + `e)","priority":""}},"timestamp":3}`,
			`{"type":3,"data":{"source":15,"id":1,"styleIds":[2],"styles":[{"styleId":2,"rules":[{"rule":".f { background: url(https://cdn.example.com/f.png?token=` + domToken + `f) }","index":0}]}]},"timestamp":4}`},
			[]string{domToken}, []string{".c { background: url(https://cdn.example.com/c.png?token=", `"property":"background"`}},
		{"custom, plugin and unknown events", []string{
			`{"type":5,"data":{"tag":"checkout","payload":{"password":"hunter2-Secret!","user":"` + domEmail + `"}},"timestamp":5}`,
			`{"type":6,"data":{"plugin":"rrweb/console@1","payload":{"level":"log","payload":["\"token ` + domGitHub + `\""],"trace":[]}},"timestamp":6}`,
			`{"type":42,"data":{"future":"` + domJWT + `"},"extra":"` + domEmail + `","timestamp":7}`},
			[]string{"hunter2-Secret!", domEmail, domGitHub, strings.Split(domJWT, ".")[2]}, []string{`"tag":"checkout"`, `"plugin":"rrweb/console@1"`, `"type":42`}},
		{"form and head values by their names", []string{snapshot(
			`{"type":2,"tagName":"a","attributes":{"href":"mailto:`+domEmail+`?subject=Hi"},"childNodes":[],"id":10}`,
			`{"type":2,"tagName":"input","attributes":{"type":"hidden","name":"authenticity_token","value":"`+domToken+`=="},"childNodes":[],"id":11}`,
			`{"type":2,"tagName":"meta","attributes":{"name":"csrf-token","content":"`+domToken+`"},"childNodes":[],"id":12}`,
			`{"type":2,"tagName":"textarea","attributes":{"name":"notes","value":"my key is `+domGitHub+`"},"childNodes":[],"id":14}`,
			`{"type":2,"tagName":"img","attributes":{"src":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==","alt":"avatar"},"childNodes":[],"id":13}`)},
			[]string{domEmail, domToken, domGitHub}, []string{"?subject=Hi", "my key is [REDACTED:github-token:", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="}},
		{"harmless page", []string{snapshot(
			`{"type":2,"tagName":"a","attributes":{"href":"https://docs.example.com/guide/getting-started","class":"btn btn-primary","title":"Open the guide","aria-label":"Open the getting started guide"},"childNodes":[{"type":3,"textContent":"Read the getting started guide before you begin.","id":11}],"id":10}`,
			`{"type":2,"tagName":"svg","attributes":{"viewBox":"0 0 24 24"},"childNodes":[{"type":2,"tagName":"path","attributes":{"d":"M12 2L2 7l10 5 10-5-10-5z"},"childNodes":[],"isSVG":true,"id":13}],"isSVG":true,"id":12}`)},
			nil, []string{"https://docs.example.com/guide/getting-started", "btn btn-primary", "Open the guide", "Read the getting started guide before you begin.", "M12 2L2 7l10 5 10-5-10-5z"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := domDoc(c.events...)
			if !json.Valid([]byte(in)) {
				t.Fatalf("bad test input: %s", in)
			}
			r := sanitize.New(nil)
			var out bytes.Buffer
			if err := r.DOM(&out, strings.NewReader(in)); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			for _, g := range c.gone {
				if strings.Contains(got, g) {
					t.Errorf("%q survives:\n%s", g, got)
				}
			}
			for _, k := range c.kept {
				if !strings.Contains(got, k) {
					t.Errorf("%q was changed:\n%s", k, got)
				}
			}
			if c.gone == nil && got != in+"\n" {
				t.Errorf("a harmless page changed:\n%s\n%s", in, got)
			}
			sameShape(t, in, got)
			fs, err := r.Verify(sanitize.DOMFile, strings.NewReader(got))
			if err != nil || len(fs) > 0 {
				t.Errorf("the rescan of the sanitized events finds %v (err %v)", fs, err)
			}
			if c.gone != nil {
				fs, err := sanitize.New(nil).Verify(sanitize.DOMFile, strings.NewReader(in))
				if err != nil || len(fs) == 0 {
					t.Errorf("the rescan of the raw events finds nothing (err %v)", err)
				}
			}
		})
	}
}

// sameShape fails unless a and b are the same JSON with only string
// values changed: the same keys in the same order, the same numbers,
// literals and array lengths.
func sameShape(t *testing.T, a, b string) {
	t.Helper()
	opts := []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}
	da := jsontext.NewDecoder(strings.NewReader(a), opts...)
	db := jsontext.NewDecoder(strings.NewReader(b), opts...)
	for i := 0; ; i++ {
		ta, ea := da.ReadToken()
		tb, eb := db.ReadToken()
		if ea != nil || eb != nil {
			if (ea == nil) != (eb == nil) || ea != io.EOF && fmt.Sprint(ea) != fmt.Sprint(eb) {
				t.Fatalf("token %d: %v / %v", i, ea, eb)
			}
			return
		}
		if ta.Kind() != tb.Kind() {
			t.Fatalf("token %d at %s: %v became %v", i, da.StackPointer(), ta, tb)
		}
		// a string just read as an object's key leaves an odd count
		kind, n := da.StackIndex(da.StackDepth())
		isKey := ta.Kind() == '"' && kind == '{' && n%2 == 1
		if (ta.Kind() != '"' || isKey) && ta.String() != tb.String() {
			t.Fatalf("token %d at %s: %v became %v", i, da.StackPointer(), ta, tb)
		}
	}
}

// TestDOMSameTagAsHAR: one Redactor sanitizes a HAR and the DOM events
// of the same session; an email in the HAR's response and on the page
// gets one tag, and a cookie value that only the HAR's cookie rule
// redacts, shown in the page's text, is replaced by the cookie's tag.
func TestDOMSameTagAsHAR(t *testing.T) {
	const cookie = "s3ss10n-Vq7Lr2Kx9Pm4Tn8W"
	har := `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[{"startedDateTime":"2026-12-07T05:00:00Z","time":1,` +
		`"request":{"method":"GET","url":"https://app.example.com/account","httpVersion":"HTTP/1.1","headers":[],"queryString":[],"cookies":[{"name":"sid","value":"` + cookie + `"}],"headersSize":-1,"bodySize":0},` +
		`"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"content":{"size":60,"mimeType":"application/json","text":"{\"email\":\"` + domEmail + `\"}"},"redirectURL":"","headersSize":-1,"bodySize":60},` +
		`"cache":{},"timings":{"send":0,"wait":1,"receive":0}}]}}`
	dom := domDoc(snapshot(
		`{"type":2,"tagName":"p","attributes":{},"childNodes":[{"type":3,"textContent":"Signed in as `+domEmail+`","id":11}],"id":10}`,
		`{"type":2,"tagName":"pre","attributes":{},"childNodes":[{"type":3,"textContent":"debug: session `+cookie+`","id":13}],"id":12}`))
	r := sanitize.New(nil)
	var h, d bytes.Buffer
	if err := r.HAR(&h, strings.NewReader(har)); err != nil {
		t.Fatal(err)
	}
	if err := r.DOM(&d, strings.NewReader(dom)); err != nil {
		t.Fatal(err)
	}
	emailTag := regexp.MustCompile(`\[REDACTED:email:[0-9a-f]{8}\]`)
	ht, dt := emailTag.FindString(h.String()), emailTag.FindString(d.String())
	if ht == "" || ht != dt {
		t.Fatalf("the email's tag in the HAR is %q, on the page %q", ht, dt)
	}
	cookieTag := regexp.MustCompile(`\[REDACTED:cookie:[0-9a-f]{8}\]`)
	if ct := cookieTag.FindString(h.String()); ct == "" || !strings.Contains(d.String(), "session "+ct) {
		t.Fatalf("the cookie's tag %q is not on the page: %s", ct, d.String())
	}
	for _, v := range []string{domEmail, cookie} {
		if strings.Contains(h.String()+d.String(), v) {
			t.Errorf("%q survives", v)
		}
	}
}

// TestDOMVerifyFailsClosed: DOM events sanitized before the HAR redacted
// a value they hold are refused by the rescan of dom.json, by the name
// the bundle gives them (also as a member of a bundle .zip), and pass
// once scrubbed.
func TestDOMVerifyFailsClosed(t *testing.T) {
	const cookie = "s3ss10n-Vq7Lr2Kx9Pm4Tn8W"
	dom := domDoc(snapshot(`{"type":2,"tagName":"pre","attributes":{},"childNodes":[{"type":3,"textContent":"debug: session ` + cookie + `","id":13}],"id":12}`))
	har := `{"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"https://app.example.com/","cookies":[{"name":"sid","value":"` + cookie + `"}]},"response":{"status":200}}]}}`
	r := sanitize.New(nil)
	var d, h bytes.Buffer
	if err := r.DOM(&d, strings.NewReader(dom)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.String(), cookie) {
		t.Fatal("test premise: no rule redacts the value in page text")
	}
	if err := r.HAR(&h, strings.NewReader(har)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{sanitize.DOMFile, "bundle.zip!dom.json"} {
		fs, err := r.Verify(name, bytes.NewReader(d.Bytes()))
		if err != nil || len(fs) != 1 || fs[0].Kind != "cookie" || !strings.HasPrefix(fs[0].Location, "/tabs/0/events/0/") {
			t.Fatalf("Verify(%s) = %+v, %v; want the cookie at its JSON pointer", name, fs, err)
		}
		if fs, err := r.VerifyBytes(name, d.Bytes()); err != nil || len(fs) != 1 {
			t.Fatalf("VerifyBytes(%s) = %+v, %v", name, fs, err)
		}
	}
	var s bytes.Buffer
	if n, err := r.Scrub(&s, bytes.NewReader(d.Bytes()), sanitize.DOMFile); err != nil || n != 1 {
		t.Fatalf("Scrub = %d, %v", n, err)
	}
	sameShape(t, d.String(), s.String())
	if fs, err := r.Verify(sanitize.DOMFile, bytes.NewReader(s.Bytes())); err != nil || len(fs) > 0 {
		t.Fatalf("Verify after Scrub = %+v, %v", fs, err)
	}
}

// TestDOMOddShapes: documents that are not what rrweb writes are walked
// generically, never refused while they are JSON, and keep their shape.
func TestDOMOddShapes(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, `"x"`, `null`,
		`{"format":"rrweb","tabs":{"a":{"events":[1,2]}}}`,
		`{"format":"rrweb","tabs":[{"events":{"x":"` + domEmail + `"}}]}`,
		`{"format":"rrweb","tabs":[{"events":[null,"` + domEmail + `",[1],{"type":"2","data":[]},{"type":2,"data":{"node":[]}},{"type":3,"data":{"source":0,"adds":{},"texts":[1,null],"attributes":[{"id":"x","attributes":[]}]}}]}]}`,
		`{"format":"rrweb","tabs":[{"events":[{"type":2,"data":{"node":{"type":2,"tagName":7,"attributes":{"href":7,"style":["` + domEmail + `"]},"childNodes":{}}}}]}],"note":"` + domEmail + `"}`,
		`{"format":"rrweb","version":"2.1.6","tabs":[{"target":"t","events":[{"type":3,"data":{"source":5,"text":null,"id":1e3}},{"type":3.5,"data":{"source":-1}}]}]}`,
	} {
		r := sanitize.New(nil)
		var out bytes.Buffer
		if err := r.DOM(&out, strings.NewReader(in)); err != nil {
			t.Errorf("DOM(%s): %v", in, err)
			continue
		}
		if strings.Contains(out.String(), domEmail) {
			t.Errorf("DOM(%s) leaks: %s", in, out.String())
		}
		if !json.Valid(out.Bytes()) {
			t.Errorf("DOM(%s) = invalid JSON %s", in, out.String())
		}
		sameShape(t, in, out.String())
	}
	for _, in := range []string{``, `{"tabs":[`, `{"tabs":[]} x`} {
		var ie *sanitize.InputError
		if err := sanitize.New(nil).DOM(io.Discard, strings.NewReader(in)); !errors.As(err, &ie) {
			t.Errorf("DOM(%q) = %v, want an InputError", in, err)
		}
	}
}

// domSeeds are the events of the table tests and the recorded page.
func domSeeds() []string {
	seeds := []string{
		domDoc(snapshot(`{"type":2,"tagName":"p","attributes":{"class":"who","data-api-key":"`+domToken+`"},"childNodes":[{"type":3,"textContent":"Signed in as `+domEmail+`","id":11}],"id":10}`,
			`{"type":2,"tagName":"style","attributes":{"_cssText":".a { background: url(/x?token=`+domToken+`) }"},"childNodes":[{"type":3,"textContent":"","id":13}],"id":12}`,
			`{"type":2,"tagName":"input","attributes":{"name":"api_key","type":"text","value":"`+domToken+`"},"childNodes":[],"id":14}`)),
		domDoc(`{"type":4,"data":{"href":"https://app.example.com/?code=`+domToken+`","width":1,"height":2},"timestamp":1}`,
			`{"type":3,"data":{"source":0,"texts":[{"id":13,"value":".b{}"}],"attributes":[{"id":14,"attributes":{"style":{"color":["red","important"]}}}],"removes":[],"adds":[{"parentId":12,"nextId":null,"node":{"type":3,"textContent":"x","id":20}}]},"timestamp":2}`,
			`{"type":3,"data":{"source":5,"text":"`+domEmail+`","isChecked":false,"id":14},"timestamp":3}`,
			`{"type":3,"data":{"source":8,"id":12,"adds":[{"rule":".c{}","index":0}]},"timestamp":4}`,
			`{"type":5,"data":{"tag":"t","payload":{"password":"hunter2-Secret!"}},"timestamp":5}`),
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "dom", "recorded.json")); err == nil {
		seeds = append(seeds, string(data))
	}
	return seeds
}

// FuzzDOM: DOM never panics; valid JSON gives valid JSON of the same
// shape (only string values change), anything else an InputError; a key
// shape planted in any string value never survives.
func FuzzDOM(f *testing.F) {
	for i, s := range domSeeds() {
		f.Add([]byte(s), uint16(i*7), uint16(i*13))
	}
	f.Fuzz(func(t *testing.T, in []byte, slot, pos uint16) {
		var out bytes.Buffer
		err := sanitize.New(nil).DOM(&out, bytes.NewReader(in))
		valid := json.Valid(in) && len(bytes.TrimSpace(in)) > 0
		if err != nil {
			var ie *sanitize.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error is not an InputError: %v", err)
			}
			if valid {
				t.Fatalf("valid JSON rejected: %v", err)
			}
			return
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("output is not valid JSON:\n%s", out.Bytes())
		}
		if !valid {
			return
		}
		sameShape(t, string(in), out.String())
		// plant a canary in one string value, as a word of its own
		var doc any
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.UseNumber()
		if dec.Decode(&doc) != nil {
			return
		}
		var slots []func(string)
		var collect func(v any, set func(any))
		collect = func(v any, set func(any)) {
			switch x := v.(type) {
			case string:
				slots = append(slots, func(c string) {
					p := min(int(pos), len(x))
					set(x[:p] + c + x[p:])
				})
			case []any:
				for i := range x {
					collect(x[i], func(nv any) { x[i] = nv })
				}
			case map[string]any:
				keys := make([]string, 0, len(x))
				for k := range x {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					collect(x[k], func(nv any) { x[k] = nv })
				}
			}
		}
		collect(doc, func(nv any) { doc = nv })
		if len(slots) == 0 {
			return
		}
		slots[int(slot)%len(slots)](" " + domGitHub + " ")
		planted, err := json.Marshal(doc)
		if err != nil {
			return
		}
		out.Reset()
		if err := sanitize.New(nil).DOM(&out, bytes.NewReader(planted)); err != nil {
			t.Fatalf("valid JSON rejected: %v", err)
		}
		if strings.Contains(out.String(), domGitHub) {
			t.Fatalf("a planted key survives:\n%s\n%s", planted, out.String())
		}
	})
}

// TestDOMContextIsPerTabAndPage: node ids start again in each tab and
// after each full snapshot; a text that was a stylesheet's under the same
// id elsewhere is read as text.
func TestDOMContextIsPerTabAndPage(t *testing.T) {
	styled := snapshot(`{"type":2,"tagName":"style","attributes":{},"childNodes":[{"type":3,"textContent":".a{}","id":11}],"id":10}`)
	plain := snapshot(`{"type":2,"tagName":"p","attributes":{},"childNodes":[{"type":3,"textContent":"hello","id":11}],"id":10}`)
	text := `{"type":3,"data":{"source":0,"texts":[{"id":11,"value":"Mail ` + domEmail + ` now"}],"attributes":[],"removes":[],"adds":[]},"timestamp":9}`
	for name, in := range map[string]string{
		"next tab":  `{"format":"rrweb","version":"2.1.6","tabs":[{"target":"A","events":[` + styled + `]},{"target":"B","events":[` + plain + `,` + text + `]}]}`,
		"next page": domDoc(styled, plain, text),
	} {
		var out bytes.Buffer
		if err := sanitize.New(nil).DOM(&out, strings.NewReader(in)); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), domEmail) || !strings.Contains(out.String(), `"value":"Mail [REDACTED:email:`) {
			t.Errorf("%s: the text is not read as text: %s", name, out.String())
		}
	}
}

// TestScanFileReadsDOMInABundle: `reprokit scan` of a bundle reads its
// dom.json as DOM events.
func TestScanFileReadsDOMInABundle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("dom.json")
	io.WriteString(w, domDoc(snapshot(`{"type":2,"tagName":"input","attributes":{"name":"client_secret","value":"`+domToken+`"},"childNodes":[],"id":10}`)))
	zw.Close()
	f.Close()
	fs, err := sanitize.ScanFile(path, nil)
	if err != nil || len(fs) != 1 || fs[0].File != "bundle.zip!dom.json" || !strings.HasSuffix(fs[0].Location, "/attributes/value") {
		t.Fatalf("ScanFile = %+v, %v", fs, err)
	}
}
