package replay

import (
	"testing"

	"github.com/chromedp/cdproto/network"

	"github.com/reprokit/reprokit/host/har"
)

func TestResponseHeadersAreFaithful(t *testing.T) {
	got := responseHeaders([]har.NameValue{
		{Name: ":status", Value: "200"},
		{Name: "content-encoding", Value: "br"},
		{Name: "Content-Length", Value: "12"},
		{Name: "Transfer-Encoding", Value: "chunked"},
		{Name: "set-cookie", Value: "a=1; Path=/"},
		{Name: "Set-Cookie", Value: "b=2; HttpOnly\nc=3"},
		{Name: "Cache-Control", Value: "no-store"},
	})
	var s []string
	for _, h := range got {
		s = append(s, h.Name+": "+h.Value)
	}
	want := []string{"set-cookie: a=1; Path=/", "Set-Cookie: b=2; HttpOnly", "Set-Cookie: c=3", "Cache-Control: no-store"}
	if len(s) != len(want) {
		t.Fatalf("headers %q, want %q", s, want)
	}
	for i := range want {
		if s[i] != want[i] {
			t.Fatalf("headers %q, want %q", s, want)
		}
	}
}

func TestRecordedFailuresMapToNearestReason(t *testing.T) {
	cases := []struct {
		e    har.Entry
		want network.ErrorReason
		fail bool
	}{
		{har.Entry{Response: har.Response{Error: "net::ERR_CONNECTION_REFUSED"}}, network.ErrorReasonConnectionRefused, true},
		{har.Entry{Error: "net::ERR_NAME_NOT_RESOLVED"}, network.ErrorReasonNameNotResolved, true},
		{har.Entry{Error: "net::ERR_CONNECTION_TIMED_OUT"}, network.ErrorReasonTimedOut, true},
		{har.Entry{Error: "net::ERR_ABORTED"}, network.ErrorReasonAborted, true},
		{har.Entry{Error: "net::ERR_EMPTY_RESPONSE"}, network.ErrorReasonConnectionClosed, true},
		{har.Entry{Error: "net::ERR_SOMETHING_NEW"}, network.ErrorReasonFailed, true},
		{har.Entry{BlockedReason: "mixed-content"}, network.ErrorReasonBlockedByClient, true},
		{har.Entry{BlockedReason: "corp-not-same-origin"}, network.ErrorReasonBlockedByResponse, true},
		{har.Entry{CorsError: "MissingAllowOriginHeader"}, network.ErrorReasonFailed, true},
		{har.Entry{Response: har.Response{Status: 500}}, "", false},
		{har.Entry{}, "", false}, // in flight when the recording stopped
	}
	for i, c := range cases {
		got, fail := recordedFailure(&c.e)
		if got != c.want || fail != c.fail {
			t.Errorf("case %d: recordedFailure = %q, %v; want %q, %v", i, got, fail, c.want, c.fail)
		}
	}
}

func TestEventStreamBodyFromMessages(t *testing.T) {
	e := har.Entry{EventSourceMessages: []har.EventSourceMessage{
		{EventName: "tick", EventID: "1", Data: "a"},
		{EventName: "message", Data: "line1\nline2"},
	}}
	want := "id: 1\nevent: tick\ndata: a\n\ndata: line1\ndata: line2\n\n"
	if got := string(entryBody(&e)); got != want {
		t.Fatalf("body %q, want %q", got, want)
	}
}
