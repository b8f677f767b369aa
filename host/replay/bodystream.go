package replay

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/reprokit/reprokit/host/har"
)

// A response body too large for one protocol message goes to the page as
// it is read from the recording: Fetch.fulfillRequest carries the whole
// body base64 in one message (a 50 MB body cost 1 GB and 25 s). Instead
// the request continues, invisibly to the page, to the loopback player,
// which answers with the recorded status and headers and streams the body
// from the bundle's file (see Source.Body).
type bodyStream struct {
	src  *Source
	path string // "/reprokit-body-<random>/": a page cannot guess it
	base string // "http://127.0.0.1:PORT" + path, once the player listens

	mu      sync.Mutex
	next    int
	answers map[string]streamAnswer
}

type streamAnswer struct {
	index int
	entry *har.Entry
}

func newBodyStream(src *Source) *bodyStream {
	return &bodyStream{src: src, path: "/reprokit-body-" + uuid.NewString() + "/", answers: map[string]streamAnswer{}}
}

// streams reports whether the body of entry i is served by streaming.
func (b *bodyStream) streams(i int) bool {
	return b != nil && b.src.streamed[i]
}

// owns reports whether url is one of this stream's own addresses (a
// continued request that interception shows again).
func (b *bodyStream) owns(url string) bool {
	return b != nil && b.base != "" && strings.HasPrefix(url, b.base)
}

// answer continues the paused request id to the player, which serves entry
// i's recorded response e.
func (b *bodyStream) answer(id fetch.RequestID, i int, e *har.Entry) func(context.Context) error {
	b.mu.Lock()
	b.next++
	tok := strconv.Itoa(b.next)
	b.answers[tok] = streamAnswer{index: i, entry: e}
	b.mu.Unlock()
	return func(ctx context.Context) error {
		_, err := chromedp.CallBrowser(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id, URL: b.base + tok})
		return err
	}
}

// ServeHTTP answers a continued request with the recorded response.
func (b *bodyStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.URL.Path, b.path)
	b.mu.Lock()
	a, ok := b.answers[tok]
	delete(b.answers, tok)
	b.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, ok := b.src.Body(a.index)
	if !ok {
		http.Error(w, "no recorded body", http.StatusInternalServerError)
		return
	}
	for _, h := range responseHeaders(a.entry.Response.Headers) {
		w.Header().Add(h.Name, h.Value)
	}
	status := a.entry.Response.Status
	if status < 200 || status > 999 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	// An error here (the page went away, the file failed) leaves the page
	// a cut body, as a broken connection would.
	io.Copy(w, body)
}
