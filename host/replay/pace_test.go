package replay

import (
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/har"
)

// A step waits for the requests that followed it in the recording, up to
// the next step: not the browser's favicon, not a poll still open at stop,
// not a request that failed in the browser, not one the cache answered; its
// deadline is the recording's time for them.
func TestPaceWaitsForWhatFollowedAStepInTheRecording(t *testing.T) {
	at := func(e *har.Entry, ms int, took float64) {
		e.StartedDateTime = time.Unix(1000, 0).Add(time.Duration(ms) * time.Millisecond).UTC().Format(time.RFC3339Nano)
		e.Time = took
	}
	mk := func(method, u string, status int, ms int, took float64) har.Entry {
		var e har.Entry
		e.Request.Method, e.Request.URL, e.Response.Status = method, u, status
		e.Response.Content.Text = "x"
		at(&e, ms, took)
		return e
	}
	h := &har.HAR{}
	h.Log.Entries = []har.Entry{
		mk("GET", "http://a.test/", 302, 0, 5),
		mk("GET", "http://a.test/login", 200, 10, 20),
		mk("GET", "http://a.test/favicon.ico", 200, 40, 5),
		mk("POST", "http://a.test/api/files", 413, 1000, 500),
		mk("GET", "http://a.test/app.css", 200, 1100, 10),
		mk("GET", "http://a.test/events?since=1", 200, 1200, 0),
		mk("GET", "http://a.test/gone", 0, 1300, 0),
		mk("GET", "http://a.test/usage", 500, 2000, 13),
	}
	h.Log.Entries[4].FromCache = "memory"
	h.Log.Entries[5].Incomplete, h.Log.Entries[5].Response.Content.Text = true, ""
	h.Log.Entries[6].Response.Error = "net::ERR_ABORTED"
	p := newPace(NewArchive(h))
	urls := func(rs []*Recorded) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Entry.Request.URL)
		}
		return strings.Join(out, " ")
	}
	// The navigate step to /login: the redirect that led there is not
	// asked for again, nor is the favicon.
	reqs, took := p.between(1000, 1001)
	if got := urls(startingAt(reqs, "http://a.test/login")); got != "http://a.test/login" {
		t.Errorf("after the navigate step: %s", got)
	}
	if took.Round(time.Millisecond) != 30*time.Millisecond {
		t.Errorf("the navigate step's requests took %s in the recording, want 30ms", took)
	}
	// The upload step: the upload alone (the cached stylesheet, the
	// open poll and the aborted request are not waited for), 0.5 s.
	reqs, took = p.between(1001, 1002)
	if got := urls(reqs); got != "http://a.test/api/files" || took.Round(time.Millisecond) != 500*time.Millisecond {
		t.Errorf("after the upload step: %s, %s", got, took)
	}
	if got := stepWait(1001, 1002); got != time.Second+stepGrace {
		t.Errorf("a step taken 1 s after the one before looks for its element %s", got)
	}
	if got := stepWait(0, 1002); got != stepTimeout {
		t.Errorf("a step without times looks for its element %s, want %s", got, stepTimeout)
	}
	if got := stepWait(1000, 1060); got != stepTimeout {
		t.Errorf("a step a minute after the one before looks for its element %s, want at most %s", got, stepTimeout)
	}
}
