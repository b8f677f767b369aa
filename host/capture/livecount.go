package capture

import (
	"encoding/json"
	"strings"
)

// liveCount counts requests and failures as the events arrive, by the
// rules the HAR builder makes entries with (build_network.go), so that the
// figures printed while recording are the bundle's: one entry per
// redirect hop; none for the resources of Chrome's own error page; one for
// a request that two sessions report; a request failed once, whether it
// got an HTTP error, a network error or both. (It counted every event:
// "requests 8 failed 9" live for a bundle of 5 requests.)
type liveCount struct {
	requests, failed int
	// counted are the requests (session + id) that are entries, by key;
	// the value says whether the last hop counted as failed already.
	counted map[string]bool
	// byID are the requests by id alone, with their session and URL, to
	// tell a second session's report of the same request.
	byID map[string]liveRequest
}

type liveRequest struct {
	session, url string
	done         bool
}

func newLiveCount() *liveCount {
	return &liveCount{counted: map[string]bool{}, byID: map[string]liveRequest{}}
}

// sent notes a Network.requestWillBeSent of session.
func (c *liveCount) sent(session string, params json.RawMessage) {
	var ev struct {
		RequestID        string          `json:"requestId"`
		DocumentURL      string          `json:"documentURL"`
		RedirectResponse json.RawMessage `json:"redirectResponse"`
		Request          struct {
			URL string `json:"url"`
		} `json:"request"`
	}
	if json.Unmarshal(params, &ev) != nil {
		return
	}
	key := reqKey(session, ev.RequestID)
	redirect := len(ev.RedirectResponse) > 0 && string(ev.RedirectResponse) != "null"
	if _, ok := c.counted[key]; ok && redirect {
		c.requests++ // the next hop, an entry of its own
		c.counted[key] = false
		c.byID[ev.RequestID] = liveRequest{session: session, url: ev.Request.URL}
		return
	}
	if other, ok := c.byID[ev.RequestID]; ok && other.session != session && !other.done && other.url == ev.Request.URL {
		return // the same request, reported by a second session
	}
	if !redirect && strings.HasPrefix(ev.DocumentURL, "chrome-error:") {
		return // an image of Chrome's error page, not the site's
	}
	c.requests++
	c.counted[key] = false
	c.byID[ev.RequestID] = liveRequest{session: session, url: ev.Request.URL}
}

// socket notes a websocket (Network.webSocketCreated): an entry of its
// own, as the builder makes one (wsHop).
func (c *liveCount) socket(session, id string) {
	key := reqKey(session, id)
	if _, ok := c.counted[key]; ok {
		return
	}
	c.requests++
	c.counted[key] = false
}

// fail notes that the request failed (an HTTP error status or a network
// error); a request counts once.
func (c *liveCount) fail(session, id string) {
	key := reqKey(session, id)
	if already, ok := c.counted[key]; ok && !already {
		c.failed++
		c.counted[key] = true
	}
	c.finish(session, id)
}

// finish notes that the request ended.
func (c *liveCount) finish(session, id string) {
	if r, ok := c.byID[id]; ok && r.session == session {
		r.done = true
		c.byID[id] = r
	}
}
