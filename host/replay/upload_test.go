package replay

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/har"
)

// pausedMessage is a Fetch.requestPaused message as Chrome writes it on
// the pipe, with the given bodies as postDataEntries.
func pausedMessage(bodies ...[]byte) []byte {
	var entries []string
	for _, b := range bodies {
		entries = append(entries, `{"bytes":"`+base64.StdEncoding.EncodeToString(b)+`"}`)
	}
	// Chrome also sends the deprecated postData: the body as a JSON
	// string, a binary body's bytes escaped.
	postData := strings.Repeat(`\u0000\"\\x`, len(bytes.Join(bodies, nil))/4+1)
	return []byte(`{"method":"Fetch.requestPaused","params":{"requestId":"interception-job-7.0","request":{"url":"http://app.test/api/files","method":"POST","headers":{"Content-Type":"application/octet-stream","postData":"small"},"postData":"` + postData + `","hasPostData":true,"postDataEntries":[` +
		strings.Join(entries, ",") + `],"initialPriority":"High","referrerPolicy":"strict-origin-when-cross-origin"},"frameId":"F","resourceType":"Fetch","networkId":"7.1"}}` + "\x00")
}

// decodePaused decodes a message as chromedp does.
func decodePaused(t *testing.T, msg []byte) *fetch.EventRequestPaused {
	t.Helper()
	var m cdproto.Message
	if err := jsonv2.Unmarshal(bytes.TrimSuffix(msg, []byte{0}), &m); err != nil {
		t.Fatalf("the rewritten message does not decode: %v", err)
	}
	ev, err := cdproto.UnmarshalMessage(&m)
	if err != nil {
		t.Fatalf("the rewritten event does not decode: %v", err)
	}
	return ev.(*fetch.EventRequestPaused)
}

// A large upload's body leaves the message for a marker that the server
// trades back for the same bytes; small bodies and other messages pass
// as they are.
func TestBodyFilterTakesLargeBodiesOutOfPausedRequests(t *testing.T) {
	f := newBodyFilter()
	big := bytes.Repeat([]byte{0x1a, 0x45, 0xdf, 0xa3, 0}, stashMin/2)
	small := []byte("purpose=assistants")
	msg := pausedMessage(small, big)
	out := f.rewrite(msg)
	if len(out) > 4096 {
		t.Fatalf("rewritten message is %d bytes, want the large body out of it", len(out))
	}
	ev := decodePaused(t, out)
	if got := ev.Request.PostDataEntries[0].Bytes; !bytes.Equal(got, small) {
		t.Fatalf("small entry %q, want it left in place", got)
	}
	body, ok, err := f.take(ev.Request.PostDataEntries[1].Bytes)
	if !ok || err != nil || !bytes.Equal(body, big) {
		t.Fatalf("take: ok %v err %v, %d bytes equal %v; want the %d bytes back", ok, err, len(body), bytes.Equal(body, big), len(big))
	}
	if _, ok, _ := f.take(ev.Request.PostDataEntries[1].Bytes); ok {
		t.Fatal("a marker was taken twice")
	}
	// Another replay's marker, or a page that sends one, is a plain body.
	if _, ok, _ := newBodyFilter().take(ev.Request.PostDataEntries[1].Bytes); ok {
		t.Fatal("a filter took another filter's marker")
	}
	if !bytes.Contains(out, []byte(`"postData":""`)) || !bytes.Contains(out, []byte(`"postData":"small"`)) {
		t.Fatalf("the body's postData copy was not emptied, or a header was touched: %.400q", out)
	}
	for _, m := range [][]byte{
		pausedMessage(small),
		[]byte(`{"method":"Network.dataReceived","params":{"x":"` + strings.Repeat("A", stashMin+1) + `"}}` + "\x00"),
		[]byte(`{"id":3,"result":{"body":"` + strings.Repeat("A", stashMin+1) + `"}}` + "\x00"),
	} {
		if got := f.rewrite(m); !bytes.Equal(got, m) {
			t.Errorf("message %.60q… was changed", m)
		}
	}
}

// A page uploads 21 MB and then asks for its usage, as QA's demo does;
// the browser (played slow here: interception sees the upload seconds
// after the page sent it, longer than the limit for a request without a
// body) shows the upload late. The replay waits for it, answers the
// recorded 413 with the body matched exactly (it came through the body
// filter whole), then the 500, and reports both.
func TestReplayWaitsForALargeUploadTheBrowserIsSlowToShow(t *testing.T) {
	browserOrSkip(t)
	const size = 21 << 20
	page := entry("GET", "http://app.test/app", 200, "text/html", `<!doctype html><body><p id="out">…</p><script>
(async () => {
  const buf = new Uint8Array(`+fmt.Sprint(size)+`); for (let i = 0; i < buf.length; i += 4096) buf[i] = (i >> 12) & 255;
  const fd = new FormData(); fd.append('purpose', 'assistants'); fd.append('file', new Blob([buf], {type: 'video/webm'}), 'rec.webm');
  const up = await fetch('/api/files', {method: 'POST', body: fd});
  const usage = await fetch('/api/usage');
  document.getElementById('out').textContent = up.status + ' ' + usage.status;
})();
</script></body>`)
	up := entry("POST", "http://app.test/api/files", 413, "application/json", `{"error":"File exceeds the 20 MB upload limit"}`)
	up.Request.PostData = &har.PostData{MimeType: "multipart/form-data; boundary=----B",
		Text: "------B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n" +
			"------B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"rec.webm\"\r\nContent-Type: video/webm\r\n\r\n" +
			fmt.Sprintf("[REDACTED:file:5e1f0c2a] %d bytes\r\n------B--\r\n", size)}
	up.Request.Headers = []har.NameValue{{Name: "Content-Type", Value: up.Request.PostData.MimeType}}
	h := &har.HAR{Log: har.Log{Pages: []har.Page{{ID: "page_1"}}, Entries: []har.Entry{
		page, up, entry("GET", "http://app.test/api/usage", 500, "application/json", `{"error":"boom"}`),
	}}}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var text string
	rep, err := Run(ctx, &Source{HAR: h}, Options{Timeout: 90 * time.Second, Quiet: 500 * time.Millisecond, Progress: testWriter{t},
		testStartedLimit: time.Second,
		testPausedDelay: func(url string) time.Duration {
			if strings.HasSuffix(url, "/api/files") {
				return 4 * time.Second
			}
			return 0
		},
		After: func(tab context.Context) { text, _ = chromedp.Run(tab, chromedp.Text(chromedp.ID("out"))) }})
	if err != nil {
		t.Fatal(err)
	}
	logOutcomes(t, rep)
	if text != "413 500" {
		t.Errorf("page shows %q, want the recorded 413 then 500", text)
	}
	got := map[string]RequestLog{}
	for _, l := range rep.Log {
		got[l.Method+" "+l.URL] = l
	}
	if l := got["POST http://app.test/api/files"]; l.Outcome != ServedExact || l.Status != 413 || !strings.Contains(l.Reason, "body multipart 1.00") {
		t.Errorf("upload logged %+v, want served exact with 413 and its multipart body matched", l)
	}
	if l := got["GET http://app.test/api/usage"]; l.Outcome != ServedExact || l.Status != 500 {
		t.Errorf("usage logged %+v, want served exact with 500", l)
	}
	if rep.TimedOut || rep.InFlight != 0 || rep.ArchiveUsed != 1 {
		t.Errorf("timed_out %v in_flight %d archive_used %.2f, want false, 0, 1", rep.TimedOut, rep.InFlight, rep.ArchiveUsed)
	}
}

// The replay page sends a stand-in for a large file part (Chrome would
// put the whole file into the paused request): it matches the recorded
// upload, whose bytes the sanitizer replaced, and a raw recording's file
// of the same name.
func TestUploadStandInMatchesTheRecordedFile(t *testing.T) {
	standIn := uploadStandInMark + " 22020096 bytes"
	if !isUploadStandIn(standIn) || isUploadStandIn(uploadStandInMark+" many bytes") || isUploadStandIn("[REDACTED:file:1] 22020096 bytes") {
		t.Fatal("isUploadStandIn")
	}
	got := []part{{name: "purpose", data: "assistants"}, {name: "file", fileName: "Q3.webm", contentType: "video/webm", data: standIn}}
	for _, recorded := range []string{"[REDACTED:file:5e1f0c2a] 22020096 bytes", "\x1a\x45\xdf\xa3 the real bytes"} {
		rec := []part{{name: "purpose", data: "assistants"}, {name: "file", fileName: "Q3.webm", contentType: "video/webm", data: recorded}}
		if r := compareParts(rec, got, false); !r.exact {
			t.Errorf("recorded file %q: %+v", recorded, r)
		}
	}
	other := []part{{name: "purpose", data: "assistants"}, {name: "file", fileName: "other.webm", data: "bytes"}}
	if r := compareParts(other, got, false); r.exact {
		t.Errorf("a stand-in matched a file of another name: %+v", r)
	}
	if !strings.Contains(socketScript("ws://127.0.0.1:1/"), uploadStandInMark) {
		t.Error("the page script does not install the stand-in")
	}
}
