package sanitize

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// streamHAR is the shape of the demo recording that failed verification:
// a chat call whose JSON answer holds an ID and a stream URL with it in
// the query, and the websocket opened on that URL whose frames hold the ID
// again. Entropy catches the ID in the URL parameter (20 characters and
// up) but not in a JSON string (32 and up). urlFirst puts the websocket
// entry (the URL) before the chat call.
func streamHAR(v string, urlFirst bool) []byte {
	chat := map[string]any{
		"startedDateTime": "2026-11-26T10:00:00.000Z", "time": 5,
		"request": map[string]any{"method": "POST", "url": "http://127.0.0.1:4000/api/chat", "httpVersion": "HTTP/1.1", "headers": []any{},
			"postData": map[string]any{"mimeType": "application/json", "text": `{"prompt":"why do uploads fail?"}`}},
		"response": map[string]any{"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": []any{},
			"content": map[string]any{"size": 100, "mimeType": "application/json",
				"text": `{"conversation_id":"conv_q3_uploads","id":"` + v + `","stream":"/api/stream?completion=` + v + `"}`}},
	}
	ws := map[string]any{
		"startedDateTime": "2026-11-26T10:00:01.000Z", "time": 5, "_resourceType": "websocket",
		"request": map[string]any{"method": "GET", "url": "ws://127.0.0.1:4000/api/stream?completion=" + v, "httpVersion": "HTTP/1.1", "headers": []any{},
			"queryString": []any{map[string]any{"name": "completion", "value": v}}},
		"response": map[string]any{"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1", "headers": []any{},
			"content": map[string]any{"size": 0, "mimeType": "x-unknown"}},
		"_webSocketMessages": []any{
			map[string]any{"type": "receive", "time": 1.5, "opcode": 1, "data": `{"completion":"` + v + `","type":"start"}`},
			map[string]any{"type": "receive", "time": 1.6, "opcode": 1, "data": `{"text":"Uploads","type":"delta"}`},
			map[string]any{"type": "receive", "time": 1.7, "opcode": 1, "data": `{"completion":"` + v + `","type":"done"}`},
		},
	}
	entries := []any{chat, ws}
	if urlFirst {
		entries = []any{ws, chat}
	}
	data, _ := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "Chrome", "version": "156"}, "entries": entries}})
	return data
}

func TestSameValueIsTaggedEverywhereInBothStreamOrders(t *testing.T) {
	const v = "Qm7Xv2Lp9Rk4Tz8Wn3Bc6Hy1Jd" // 26 characters: entropy in a URL parameter, not in a JSON string
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	defer func(n int) { spillLimit = n }(spillLimit)
	for _, c := range []struct {
		urlFirst bool
		spill    int
	}{{false, 16 << 20}, {true, 16 << 20}, {false, 100}, {true, 100}} {
		urlFirst := c.urlFirst
		spillLimit = c.spill // 100: the first pass goes to a temporary file
		r := New(nil)
		var out bytes.Buffer
		if err := r.HAR(&out, bytes.NewReader(streamHAR(v, urlFirst))); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		if strings.Contains(s, v) {
			t.Errorf("urlFirst=%v: the value survives in the output: %s", urlFirst, s)
		}
		if fs, err := r.Verify("session.har", strings.NewReader(s)); err != nil || len(fs) != 0 {
			t.Errorf("urlFirst=%v: Verify: %v %v", urlFirst, fs, err)
		}
		if !json.Valid(out.Bytes()) {
			t.Errorf("urlFirst=%v: output is not valid JSON", urlFirst)
		}
		// one tag, in the URL, the query string, the JSON body (twice) and both frames
		tag := firstTag(s)
		if !strings.HasPrefix(tag, "[REDACTED:entropy:") || strings.Count(s, tag) != 6 {
			t.Errorf("urlFirst=%v: tag %q appears %d times, want 6: %s", urlFirst, tag, strings.Count(s, tag), s)
		}
		rep := r.Report()
		same := 0
		for _, c := range rep.Counts {
			if c.Rule == sameValueRule {
				same += c.Count
			}
		}
		if same == 0 {
			t.Errorf("urlFirst=%v: the report counts no same-value replacement: %+v", urlFirst, rep.Counts)
		}
		for _, l := range rep.Locations {
			if strings.Contains(l.Location+l.Tag, v) {
				t.Errorf("the report shows the value: %+v", l)
			}
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("spill %d: temporary files left behind: %v", c.spill, left)
		}
	}
}

func TestCompletionAndRequestIDsAreKeptAsEvidence(t *testing.T) {
	const id = "chatcmpl-52b67a19af85c2211675d185"
	for _, urlFirst := range []bool{false, true} {
		r := New(nil)
		var out bytes.Buffer
		if err := r.HAR(&out, bytes.NewReader(streamHAR(id, urlFirst))); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(out.String(), id); n != 6 || strings.Contains(out.String(), "[REDACTED") {
			t.Errorf("urlFirst=%v: the completion ID appears %d times (want 6, nothing redacted): %s", urlFirst, n, out.String())
		}
	}
	kept := []string{
		"req_734e075f94062941e396b463", "chatcmpl-9xQ2LmZ8vR4pW7nB3kY6cT1a", "cmpl-7Hq2LmZ8vR4pW7nB3kY6cT1aZ9",
		"msg_01XFDUDYJgAACzvnptvVoYEL", "run_aB3dE5fG7hJ9kL1mN3pQ5rS7", "thread_aB3dE5fG7hJ9kL1mN3pQ5rS7",
		"asst_aB3dE5fG7hJ9kL1mN3pQ5rS7", "file-aB3dE5fG7hJ9kL1mN3pQ5rS7", "batch_aB3dE5fG7hJ9kL1mN3pQ5rS7",
		"resp_aB3dE5fG7hJ9kL1mN3pQ5rS7xY", "call_aB3dE5fG7hJ9kL1mN3pQ5rS7", "3f2b8c4e-9a1d-4e7f-b6c5-0d9e8f7a6b5c",
	}
	for _, v := range kept {
		e := newEntry("https://api.example.com/v1/x?id=" + url.QueryEscape(v) + "&q=" + v)
		e.body("application/json", `{"id":"`+v+`","nested":{"ref":"`+v+`"}}`)
		e.reqHeader("x-last-id", v)
		_, out := sanitizeOne(t, e)
		if strings.Contains(out, "[REDACTED") {
			t.Errorf("%s: an ID was redacted: %s", v, out)
		}
	}
	// named as an ID: any generated value stays, in a parameter, a key or a header
	const gen = "Zp4Qw8Lm2Xv6Rt1Yb9Nc3Kd7Hs5Jf0Ga"
	e := newEntry("https://api.example.com/v1/x?request_id=" + gen + "&traceId=" + gen)
	e.body("application/json", `{"request_id":"`+gen+`x","correlationId":"`+gen+`y","meta":{"message_id":"`+gen+`z"}}`)
	e.reqHeader("x-completion-id", gen)
	_, out := sanitizeOne(t, e)
	if strings.Contains(out, "[REDACTED") {
		t.Errorf("values named as IDs were redacted: %s", out)
	}
	// vendor keys and generated values elsewhere are not IDs
	const key = "sk-proj-Ab3De5Fg7Hj9Kl1Mn3Pq5Rs7Tu9Vw1Xy3Z"
	e = newEntry("https://api.example.com/v1/x?request_id=" + key + "&q=" + gen)
	e.body("application/json", `{"request_id":"`+key+`","id":"req_`+key+`","other":"`+gen+`"}`)
	e.reqHeader("x-request-id", key)
	r, out := sanitizeOne(t, e)
	if strings.Contains(out, key) || strings.Contains(out, gen) {
		t.Errorf("a vendor key under an ID name, or a generated value, survived: %s", out)
	}
	if fs, err := r.Verify("session.har", strings.NewReader(out)); err != nil || len(fs) != 0 {
		t.Errorf("Verify: %v %v", fs, err)
	}
}

func TestScrubFixesAFileSanitizedBeforeTheValueWasRedacted(t *testing.T) {
	const v = "Qm7Xv2Lp9Rk4Tz8Wn3Bc6Hy1Jd"
	r := New(nil)
	// console.json first: the value is a plain word in a message there
	console := `{"messages":[{"level":"info","text":"stream ` + v + ` opened","url":"http://127.0.0.1:4000/app.js"}]}`
	var cons bytes.Buffer
	if err := r.JSON(&cons, strings.NewReader(console), "console.json"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cons.String(), v) {
		t.Fatalf("test premise: console.json alone keeps the value: %s", cons.String())
	}
	// then the HAR redacts it in a URL parameter
	var har bytes.Buffer
	if err := r.HAR(&har, bytes.NewReader(streamHAR(v, true))); err != nil {
		t.Fatal(err)
	}
	fs, err := r.Verify("console.json", bytes.NewReader(cons.Bytes()))
	if err != nil || len(fs) != 1 || fs[0].Location != "/messages/0/text" {
		t.Fatalf("Verify of the earlier file: %+v %v: want one finding at /messages/0/text", fs, err)
	}
	var fixed bytes.Buffer
	n, err := r.Scrub(&fixed, bytes.NewReader(cons.Bytes()), "console.json")
	if err != nil || n != 1 {
		t.Fatalf("Scrub: %d replacements, %v", n, err)
	}
	if fs, err := r.Verify("console.json", bytes.NewReader(fixed.Bytes())); err != nil || len(fs) != 0 {
		t.Errorf("Verify after Scrub: %+v %v", fs, err)
	}
	tag := firstTag(har.String())
	if !strings.Contains(fixed.String(), "stream "+tag+" opened") {
		t.Errorf("scrubbed console.json %s: want the HAR's tag %s in place", fixed.String(), tag)
	}
}

func TestScrubEveryFormVerifySearches(t *testing.T) {
	secret := "s3cr3t/Value+With=Symbols&more"
	e := newEntry("https://app.example.com/")
	e.reqHeader("x-api-key", secret)
	r, _ := sanitizeOne(t, e)
	jsonEsc, _ := json.Marshal(secret)
	for name, planted := range map[string]string{
		"raw":          "x " + secret + " y",
		"url-encoded":  "https://x.example.com/?q=" + url.QueryEscape(secret),
		"json-escaped": `{"a":` + string(jsonEsc) + `}`,
		"base64 text":  base64.StdEncoding.EncodeToString([]byte("prefix " + secret + " suffix")),
		"base64 off 1": base64.StdEncoding.EncodeToString([]byte("p" + secret)),
		"base64url":    base64.RawURLEncoding.EncodeToString([]byte(secret)),
	} {
		docs := []string{"line one\n" + planted + "\n"}
		if !strings.HasPrefix(name, "base64") { // a lone base64 string in JSON is the entropy rule's anyway
			docs = append(docs, `{"m":`+jsonString(planted)+`,"n":[1,`+jsonString(planted)+`]}`)
		}
		for _, doc := range docs {
			var out bytes.Buffer
			n, err := r.Scrub(&out, strings.NewReader(doc), "f")
			if err != nil || n == 0 {
				t.Errorf("%s in %.20q: %d replacements, %v", name, doc, n, err)
				continue
			}
			if fs, _ := r.Verify("f", bytes.NewReader(out.Bytes())); len(fs) != 0 {
				t.Errorf("%s in %.20q: still found after Scrub: %+v in %s", name, doc, fs, out.String())
			}
			if doc[0] == '{' && !json.Valid(out.Bytes()) {
				t.Errorf("%s: scrubbed JSON is not valid: %s", name, out.String())
			}
		}
	}
	// a base64 text body stays valid base64 with the tag inside
	body := base64.StdEncoding.EncodeToString([]byte("token is " + secret + " ok"))
	var out bytes.Buffer
	if _, err := r.Scrub(&out, strings.NewReader(`{"text":"`+body+`"}`), "f"); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Text string }
	json.Unmarshal(out.Bytes(), &doc)
	dec, err := base64.StdEncoding.DecodeString(doc.Text)
	if err != nil || !strings.HasPrefix(string(dec), "token is [REDACTED:token-header:") {
		t.Errorf("base64 body after Scrub: %q %v", dec, err)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestRecordedDemoHARVerifiesClean runs the demo recording that failed
// verification (REPROKIT_DEMO_HAR, a capture.Finalize session.har; skipped
// when unset): sanitizing it must leave nothing for Verify.
func TestRecordedDemoHARVerifiesClean(t *testing.T) {
	path := os.Getenv("REPROKIT_DEMO_HAR")
	if path == "" {
		t.Skip("REPROKIT_DEMO_HAR is not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := New(nil)
	out := filepath.Join(t.TempDir(), "out.har")
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := r.HAR(o, f); err != nil {
		t.Fatal(err)
	}
	o.Seek(0, 0)
	if fs, err := r.Verify("session.har", o); err != nil || len(fs) != 0 {
		t.Errorf("Verify: %+v %v", fs, err)
	}
}

func TestAStringStartingWithATagIsStillSanitized(t *testing.T) {
	const key = "sk-proj-Ab3De5Fg7Hj9Kl1Mn3Pq5Rs7Tu9Vw1Xy3Z"
	const gh = "ghp_Ab3De5Fg7Hj9Kl1Mn3Pq5Rs7Tu9Vw1Xy3Z12"
	e := newEntry("https://a.example.com/")
	e.m["comment"] = "[REDACTED:x:1] " + key
	e.m["_note"] = "[REDACTED:email:0a1b2c3d]@" + key
	e.body("application/json", `{"a":"[REDACTED:secret-key:0a1b2c3d] `+gh+`","b":"[REDACTED:file:0a1b2c3d] `+key+` bytes"}`)
	r, out := sanitizeOne(t, e)
	if strings.Contains(out, key) || strings.Contains(out, gh) {
		t.Errorf("a key after a tag-like prefix survived: %s", out)
	}
	if fs, err := r.Verify("session.har", strings.NewReader(out)); err != nil || len(fs) != 0 {
		t.Errorf("Verify: %v %v", fs, err)
	}
	// real sanitized shapes are left alone on a rescan
	for _, s := range []string{"[REDACTED:email:0a1b2c3d]@example.com", "[REDACTED:file:0a1b2c3d] 123 bytes", "[REDACTED:ws-binary:0a1b2c3d] 9 bytes", "[REDACTED:acme-id:0a1b2c3d]"} {
		if !isTag(s) {
			t.Errorf("isTag(%q) = false", s)
		}
	}
}
