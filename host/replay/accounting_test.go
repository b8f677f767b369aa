package replay

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"

	"github.com/reprokit/reprokit/host/har"
)

// uploadArchive is a recording of a page that uploads a file (answered
// 413) and then asks for its usage (answered 500).
func uploadArchive() *Archive {
	up := entry("POST", "http://app.test/api/files", 413, "application/json", `{"error":"too large"}`)
	up.Request.PostData = &har.PostData{MimeType: "application/octet-stream", Text: "BODY"}
	return NewArchive(&har.HAR{Log: har.Log{Entries: []har.Entry{
		entry("GET", "http://app.test/app", 200, "text/html", "<p>app</p>"),
		up,
		entry("GET", "http://app.test/api/workspace/usage", 500, "application/json", `{}`),
	}}})
}

func pausedRequest(id, method, url, body string) *fetch.EventRequestPaused {
	ev := &fetch.EventRequestPaused{RequestID: fetch.RequestID("job-" + id), NetworkID: network.RequestID(id),
		Request: &network.Request{Method: method, URL: url, Headers: network.Headers{}}, ResourceType: network.ResourceTypeFetch}
	if body != "" {
		ev.Request.HasPostData = true
		ev.Request.PostDataEntries = []*network.PostDataEntry{{Bytes: []byte(body)}}
	}
	return ev
}

// QA's replay logged "exact POST …/api/files" and then reported it as not
// served: the report was made while the request was still being matched.
// A report made after settle holds every request interception showed,
// with its status, even when matching it is slow.
func TestReportHoldsEveryInterceptedRequest(t *testing.T) {
	srv := newServer(NewMatcher(uploadArchive(), MatchOptions{}), t.Logf)
	var holding sync.WaitGroup
	holding.Add(1)
	release := make(chan struct{})
	srv.testHookDecide = func(url string) {
		if strings.HasSuffix(url, "/api/files") {
			holding.Done()
			<-release // matching a 21 MB body on a busy machine
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan struct{})
	go func() { srv.serve(ctx); close(served) }()
	srv.paused(pausedRequest("1", "POST", "http://app.test/api/files", "BODY"))
	srv.paused(pausedRequest("2", "GET", "http://app.test/api/workspace/usage", ""))
	holding.Wait()

	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancelShort()
	if srv.settle(short) {
		t.Fatal("settle returned while a request was still being matched")
	}
	close(release)
	if !srv.settle(ctx) {
		t.Fatal("settle did not return once matching ended")
	}
	rep := &Report{}
	rep.fill(srv, srv.m.Archive(), nil)
	got := map[string]int{}
	for _, l := range rep.Log {
		got[l.Method+" "+l.URL] = l.Status
	}
	if got["POST http://app.test/api/files"] != 413 || got["GET http://app.test/api/workspace/usage"] != 500 {
		t.Fatalf("report log %v, want the upload with 413 and the usage call with 500", got)
	}
	if rep.ServedExact != 2 || rep.Requests != 2 {
		t.Fatalf("served_exact %d of %d requests, want 2 of 2", rep.ServedExact, rep.Requests)
	}
	cancel()
	<-served
}

// Chrome reads a request's whole body before interception sees it. An
// upload the page started keeps the replay from going quiet for longer
// than startedLimit; a request without a body does not.
func TestStartedUploadKeepsReplayFromQuiet(t *testing.T) {
	srv := newServer(NewMatcher(uploadArchive(), MatchOptions{}), t.Logf)
	srv.pageRequest("1", "GET", "http://app.test/lost", false)
	srv.started["1"] = startedRequest{at: time.Now().Add(-startedLimit - time.Second), method: "GET", url: "http://app.test/lost"}
	if srv.idleSince().IsZero() {
		t.Fatal("a request without a body older than startedLimit still keeps the replay busy")
	}
	srv.pageRequest("2", "POST", "http://app.test/api/files", true)
	srv.started["2"] = startedRequest{at: time.Now().Add(-time.Minute), method: "POST", url: "http://app.test/api/files", body: true}
	if !srv.idleSince().IsZero() {
		t.Fatal("an upload interception has not seen yet let the replay go quiet")
	}

	// The replay ends before the upload arrives (--timeout): the report
	// lists it as in flight, counts it and warns.
	rep := &Report{TimedOut: true}
	rep.fill(srv, srv.m.Archive(), nil)
	rep.warn()
	if rep.InFlight != 1 || rep.Requests != 1 || rep.Coverage != 0 {
		t.Fatalf("in_flight %d requests %d coverage %.2f, want 1, 1, 0", rep.InFlight, rep.Requests, rep.Coverage)
	}
	if l := rep.Log[0]; l.Outcome != InFlight || l.URL != "http://app.test/api/files" {
		t.Fatalf("log %+v, want the upload in flight", l)
	}
	warned := strings.Join(rep.Warnings, "\n")
	if !strings.Contains(warned, "never reached the replay") || !strings.Contains(warned, "--timeout") {
		t.Fatalf("warnings %q do not say the upload was never answered and the timeout was hit", warned)
	}

	// Interception shows it at last: it is no longer in flight.
	srv.paused(pausedRequest("2", "POST", "http://app.test/api/files", "BODY"))
	if len(srv.inFlight()) != 0 {
		t.Fatalf("in flight after interception showed it: %v", srv.inFlight())
	}
}

// The steps a --timeout cut off are reported as not run, and the replay
// says it timed out: the steps once ended silently with steps_ok 12/12.
func TestStepsCutByTimeoutAreReported(t *testing.T) {
	flow := &Flow{Steps: []Step{{Type: "click", Selectors: [][]string{{"#a"}}}, {Type: "click", Selectors: [][]string{{"#b"}}}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv := newServer(NewMatcher(uploadArchive(), MatchOptions{}), t.Logf)
	rep := &Report{}
	end := drive(ctx, []string{"http://app.test/app"}, timeline{}, flow, srv, Options{Quiet: time.Second, Timeout: time.Second}, &shotTaker{logf: t.Logf}, rep, t.Logf)
	if end != EndTimeout {
		t.Fatal("drive did not report the timeout")
	}
	rep.fill(srv, srv.m.Archive(), nil)
	if rep.StepsTotal != 2 || rep.StepsOK != 0 {
		t.Fatalf("steps %d/%d ok, want 0/2", rep.StepsOK, rep.StepsTotal)
	}
	for _, s := range rep.Steps {
		if !strings.Contains(s.Error, "not run") {
			t.Errorf("step %d: error %q, want not run", s.Index+1, s.Error)
		}
	}
}

// Chrome may send a request's Network.requestWillBeSent after Fetch paused
// it, or show the page's request to interception under another ID (a
// service worker fetched it): neither keeps the replay waiting. The test
// app's replay once waited for --timeout on its /post/json.
func TestInterceptedRequestsAreNotWaitedFor(t *testing.T) {
	srv := newServer(NewMatcher(uploadArchive(), MatchOptions{}), t.Logf)
	srv.paused(pausedRequest("7", "POST", "http://app.test/api/files", "BODY"))
	srv.pageRequest("7", "POST", "http://app.test/api/files", true) // arrives late
	srv.pageRequest("8", "POST", "http://app.test/api/files", true)
	srv.paused(pausedRequest("sw-9", "POST", "http://app.test/api/files", "BODY"))
	if in := srv.inFlight(); len(in) != 0 {
		t.Fatalf("still waiting for %+v", in)
	}
}
