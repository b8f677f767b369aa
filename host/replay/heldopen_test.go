package replay

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"

	"github.com/reprokit/reprokit/host/har"
)

// A long poll still open when the recording stopped (headers came, no
// body) is held open, as is a request with no response; an event stream
// with its events and a body cut short are served with what they have.
func TestRequestsInFlightAtStopAreHeldOpen(t *testing.T) {
	poll := entry("GET", "https://admin.test/rest/events?since=10", 200, "application/json", "")
	poll.Incomplete = true
	noResponse := entry("GET", "https://admin.test/rest/slow", 0, "", "")
	sse := entry("GET", "https://admin.test/feed", 200, "text/event-stream", "")
	sse.Incomplete = true
	sse.EventSourceMessages = []har.EventSourceMessage{{Data: "x"}}
	cut := entry("GET", "https://admin.test/big", 200, "text/plain", "first half")
	cut.Incomplete = true
	done := entry("GET", "https://admin.test/rest/events?since=0", 200, "application/json", "[]")
	for _, c := range []struct {
		e    har.Entry
		held bool
	}{{poll, true}, {noResponse, true}, {sse, false}, {cut, false}, {done, false}} {
		if _, held := heldOpen(&c.e); held != c.held {
			t.Errorf("%s (incomplete %v, status %d): held open %v, want %v", c.e.Request.URL, c.e.Incomplete, c.e.Response.Status, held, c.held)
		}
	}
	h := &har.HAR{}
	h.Log.Entries = []har.Entry{poll}
	srv := newServer(NewMatcher(NewArchive(h), MatchOptions{}), t.Logf)
	srv.decide(fetch.EventRequestPaused{RequestID: "1", Request: &network.Request{Method: "GET", URL: poll.Request.URL}})
	if len(srv.log) != 1 || !srv.log[0].HeldOpen || !strings.Contains(srv.log[0].Reason, "held open") {
		t.Fatalf("log %+v, want the poll held open", srv.log)
	}
}

// A page that asks for one recorded request far more often than the
// recording shows is in a loop: the server names it once and signals the
// replay to end.
func TestRepeatedRequestIsALoop(t *testing.T) {
	h := &har.HAR{}
	h.Log.Entries = []har.Entry{entry("GET", "https://admin.test/rest/events?since=0", 200, "application/json", "[]")}
	srv := newServer(NewMatcher(NewArchive(h), MatchOptions{}), t.Logf)
	for i := range loopFactor + loopSlack + 1 {
		srv.decide(fetch.EventRequestPaused{RequestID: fetch.RequestID(fmt.Sprint(i)), Request: &network.Request{Method: "GET", URL: "https://admin.test/rest/events?since=0"}})
	}
	select {
	case <-srv.looping:
	default:
		t.Fatal("no loop after", loopFactor+loopSlack+1, "requests of a once-recorded URL")
	}
	if !strings.Contains(srv.loop, "asked 14 times, the recording has it 1 time(s)") {
		t.Errorf("loop %q", srv.loop)
	}
}
