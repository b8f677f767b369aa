package sanitize

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/har"
)

// keeps a websocket's close code a number, so the HAR still decodes, while a
// secret in the close reason is redacted.
func TestKeepsTheWebSocketCloseCodeANumber(t *testing.T) {
	const secret = "sk-proj-Zq8w3RtY6uI9oP2aS5dF7gH1jK4lX0cV"
	in := `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"pages":[],"entries":[{
	 "startedDateTime":"2026-11-26T10:00:00Z","time":1,
	 "request":{"method":"GET","url":"ws://127.0.0.1/s","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"queryString":[],"headersSize":-1,"bodySize":0},
	 "response":{"status":101,"statusText":"","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"content":{"size":0,"mimeType":""},"redirectURL":"","headersSize":-1,"bodySize":0},
	 "cache":{},"timings":{"send":0,"wait":0,"receive":0},
	 "_webSocketClose":{"time":1.5,"closed":true,"code":1006,"reason":"key ` + secret + `","error":"abnormal closure"}}]}}`
	var out bytes.Buffer
	if err := New(DefaultPolicy()).HAR(&out, strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	var h har.HAR
	if err := json.Unmarshal(out.Bytes(), &h); err != nil {
		t.Fatalf("sanitized HAR no longer decodes: %v\n%s", err, out.String())
	}
	wc := h.Log.Entries[0].WebSocketClose
	if wc == nil || wc.Code != 1006 {
		t.Fatalf("close code = %+v, want 1006", wc)
	}
	if strings.Contains(out.String(), secret) {
		t.Fatalf("the close reason's secret survived:\n%s", out.String())
	}
}
