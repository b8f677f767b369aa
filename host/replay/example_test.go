package replay_test

import (
	"fmt"

	"github.com/reprokit/reprokit/host/har"
	"github.com/reprokit/reprokit/host/replay"
)

// A matcher answers a cache-busted request and a request polled twice from
// a recording, and says why.
func ExampleMatcher() {
	h := &har.HAR{}
	for _, u := range []string{
		"https://shop.test/api/cart?_=1732640000123",
		"https://shop.test/api/job",
		"https://shop.test/api/job",
	} {
		e := har.Entry{}
		e.Request.Method, e.Request.URL = "GET", u
		e.Response.Status = 200
		h.Log.Entries = append(h.Log.Entries, e)
	}
	m := replay.NewMatcher(replay.NewArchive(h), replay.MatchOptions{})
	for _, u := range []string{
		"https://shop.test/api/cart?_=1764160000999",
		"https://shop.test/api/job",
		"https://shop.test/api/job",
		"https://shop.test/api/other",
	} {
		res := m.Match(replay.Request{Method: "GET", URL: u})
		fmt.Println(res.Kind, "|", res.Reason)
	}
	// Output:
	// fuzzy | fuzzy 1.00 entry #0; 1 volatile query value(s) ignored
	// exact | exact 1.00 entry #1; next unserved of 2 equal candidates
	// exact | exact 1.00 entry #2; next unserved of 2 equal candidates
	// unmatched | no recorded GET https://shop.test/api/other
}
