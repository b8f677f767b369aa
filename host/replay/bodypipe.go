package replay

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/google/uuid"
)

// Chrome reads an intercepted request's whole body and sends it, base64,
// inside Fetch.requestPaused: a 21 MB upload is a 28 MB message. chromedp
// reads each message on one goroutine, decodes it twice (the message, then
// the event for listeners) and answers nothing else meanwhile; on a loaded
// machine, and more so under the race detector, that held every command of
// the replay for tens of seconds.
//
// bodyFilter sits on the pipe from Chrome to chromedp (see
// bodyFilterOption): it cuts the large bodies out of Fetch.requestPaused
// messages and leaves a short marker in their place, which the server
// trades back for the body (bodyFilter.take). chromedp then reads small
// messages, and the body is decoded once, when it is matched.

// stashMin is the size of a body (base64 text) from which bodyFilter takes
// it out of its message.
const stashMin = 256 << 10

// bodyFilter holds the bodies taken out of messages until the server takes
// them, by marker.
type bodyFilter struct {
	prefix string // "reprokit-body-<random>:", so that a page cannot forge a marker
	min    int    // stashMin; the fuzz target lowers it

	mu     sync.Mutex
	next   int
	bodies map[string][]byte // marker -> base64 text
}

func newBodyFilter() *bodyFilter {
	return &bodyFilter{prefix: "reprokit-body-" + uuid.NewString() + ":", min: stashMin, bodies: map[string][]byte{}}
}

// take returns the body that marker stands for and forgets it; ok is false
// when b is not one of this filter's markers.
func (f *bodyFilter) take(b []byte) (body []byte, ok bool, err error) {
	if f == nil || !bytes.HasPrefix(b, []byte(f.prefix)) {
		return nil, false, nil
	}
	f.mu.Lock()
	text, found := f.bodies[string(b)]
	delete(f.bodies, string(b))
	f.mu.Unlock()
	if !found {
		return nil, false, nil
	}
	body = make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(body, text)
	return body[:n], true, err
}

// stash keeps text and returns the marker, base64-encoded as the message
// needs it.
func (f *bodyFilter) stash(text []byte) []byte {
	f.mu.Lock()
	f.next++
	marker := f.prefix + strconv.Itoa(f.next)
	// A copy: text is part of a message of up to hundreds of MB (the
	// postData copy), which can go once it is forwarded.
	f.bodies[marker] = bytes.Clone(text)
	f.mu.Unlock()
	return []byte(base64.StdEncoding.EncodeToString([]byte(marker)))
}

var (
	pausedMethod  = []byte(`"method":"Fetch.requestPaused"`)
	postDataField = []byte(`"postData":"`)
	bytesField    = []byte(`"bytes":"`)
)

// rewrite returns msg with each large postDataEntries body of a
// Fetch.requestPaused event replaced by a marker, and the deprecated
// postData copy of the body emptied (Chrome still sends it, as a JSON
// string in which a binary upload's bytes are escaped: the 21 MB upload
// of QA's demo made a 161 MB message); any other message is returned as
// it is. It looks for fixed byte sequences only, no JSON decoding.
func (f *bodyFilter) rewrite(msg []byte) []byte {
	if len(msg) < f.min {
		return msg
	}
	head := msg[:min(len(msg), 256)]
	if !bytes.Contains(head, pausedMethod) {
		return msg
	}
	var out []byte
	done := 0
	// Strings are visited in order; each large one is cut.
	for i := 0; ; {
		pd, pde := bytes.Index(msg[i:], postDataField), bytes.Index(msg[i:], bytesField)
		var start int
		var keep func(text []byte) []byte
		switch {
		case pd >= 0 && (pde < 0 || pd < pde):
			start = i + pd + len(postDataField)
			keep = func([]byte) []byte { return nil } // nothing reads it
		case pde >= 0:
			start = i + pde + len(bytesField)
			keep = f.stash
		default:
			if out == nil {
				return msg
			}
			return append(out, msg[done:]...)
		}
		end := stringEnd(msg, start)
		if end < 0 {
			return msg // not the shape we know: leave it to chromedp
		}
		i = end + 1
		// Only a body is this large: a header of that size, the one
		// other place these keys could be, is refused by Chrome.
		if end-start < f.min {
			continue
		}
		out = append(out, msg[done:start]...)
		out = append(out, keep(msg[start:end])...)
		done = end
	}
}

// stringEnd returns the index of the quote that ends the JSON string whose
// text starts at start, or -1.
func stringEnd(msg []byte, start int) int {
	for i := start; ; {
		k := bytes.IndexByte(msg[i:], '"')
		if k < 0 {
			return -1
		}
		q := i + k
		n := 0
		for j := q - 1; j >= start && msg[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return q
		}
		i = q + 1
	}
}

// pump copies Chrome's messages (each ends with a zero byte) from r to w,
// rewritten. It closes w when r ends, so that chromedp sees the browser go.
func (f *bodyFilter) pump(r io.ReadCloser, w io.WriteCloser, logf func(string, ...any)) {
	defer r.Close()
	defer w.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		msg, err := br.ReadBytes(0)
		if len(msg) > 0 {
			if _, werr := w.Write(f.rewrite(msg)); werr != nil {
				// chromedp closed its end: drain, so that Chrome
				// never blocks on a full pipe while it exits.
				_, _ = io.Copy(io.Discard, br)
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) {
				logf("replay: reading the browser's messages: %v", err)
			}
			return
		}
	}
}
