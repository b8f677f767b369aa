package capture

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/reprokit/reprokit/host/har"
)

// netRequest is one CDP request id: a chain of redirect hops, and the
// ExtraInfo events that belong to them in order.
type netRequest struct {
	id         string
	session    string
	hops       []*hop
	reqExtras  []*evRequestExtraInfo
	respExtras []*evResponseExtraInfo
	failure    *evLoadingFailed // for ExtraInfo-only requests
	seq        int
	msgTime    float64
}

// hop is one HTTP exchange: a HAR entry.
type hop struct {
	chain     *netRequest
	seq       int
	session   string
	requestID string
	loaderID  string
	frameID   string
	resType   string
	url       string
	req       cdpRequest
	initiator json.RawMessage
	priority  string

	issueTime float64 // monotonic seconds (requestWillBeSent.timestamp)
	wallTime  float64 // wall seconds at issueTime
	msgTime   float64 // the log line's "time", when there is one
	startWall float64 // computed for sorting

	resp         *cdpResponse
	respTime     float64 // monotonic; 0 = none
	endTime      float64 // monotonic; 0 = none
	lastSeen     float64
	done, failed bool
	transferSize float64
	encodedSeen  int64 // encoded bytes seen before loadingFinished (headers and data)
	dataLength   int64
	// bodyLength is the body's length on the wire that the response
	// announced (Content-Length; 0 for a response that has no body), -1
	// when unknown; bodyEncoded counts the body's bytes on the wire that
	// dataReceived reported, bodyDone is when they reached bodyLength.
	bodyLength  int64
	bodyEncoded int64
	bodyDone    float64
	errorText   string
	canceled    bool
	corsError   string
	fromMemory  bool
	expectExtra *bool // does a responseReceivedExtraInfo belong to this hop?

	blockedReason string

	reqExtra  *evRequestExtraInfo
	respExtra *evResponseExtraInfo

	hasPostData bool
	post        *postBody
	body        *responseBody

	ws  *wsState
	sse []har.EventSourceMessage
}

// postBody is a request body.
type postBody struct {
	blob     int
	size     int64
	base64   bool // not valid UTF-8: written as base64 with _encoding
	mimeType string
	params   []har.Param
}

// responseBody is a response body: a blob and its decoded size.
type responseBody struct {
	blob   int
	size   int64
	base64 bool
}

type wsFrame struct {
	typ    string
	mono   float64
	opcode int
	data   string // or a blob marker
}

type wsState struct {
	frames     []wsFrame
	closedMono float64
	closed     bool
	errMsg     string
	errMono    float64
	code       int // close code the page saw; 0 unknown
	reason     string
}

func reqKey(session, id string) string { return session + "\x00" + id }

// find returns the request with this id, preferring the same session: a
// navigation request of an out-of-process iframe starts in the parent's
// session and ends in the child's.
func (b *harBuilder) find(session, id string) *netRequest {
	if r := b.requests[reqKey(session, id)]; r != nil {
		return r
	}
	return b.latestByID[id]
}

func (b *harBuilder) lastHop(session, id string) *hop {
	r := b.find(session, id)
	if r == nil || len(r.hops) == 0 {
		return nil
	}
	return r.hops[len(r.hops)-1]
}

// requestFor finds or creates the request for an event that may come first
// (ExtraInfo events can arrive before requestWillBeSent).
func (b *harBuilder) requestFor(session, id string, msgTime float64) *netRequest {
	if r := b.find(session, id); r != nil {
		return r
	}
	return b.newRequest(session, id, msgTime)
}

func (b *harBuilder) newRequest(session, id string, msgTime float64) *netRequest {
	b.seq++
	r := &netRequest{id: id, session: session, seq: b.seq, msgTime: msgTime}
	b.requests[reqKey(session, id)] = r
	b.latestByID[id] = r
	b.all = append(b.all, r)
	return r
}

func (b *harBuilder) requestWillBeSent(m *logMessage, ev *evRequestWillBeSent) {
	id := string(ev.RequestID)
	b.noteClock(ev.Timestamp, ev.WallTime)
	b.mono(ev.Timestamp)
	var r *netRequest
	if ev.RedirectResponse != nil {
		r = b.find(m.SessionID, id)
		if r != nil && len(r.hops) > 0 {
			prev := r.hops[len(r.hops)-1]
			resp := *ev.RedirectResponse
			prev.resp = &resp
			prev.respTime, prev.endTime = ev.Timestamp, ev.Timestamp
			prev.done = true
			prev.transferSize = resp.EncodedDataLength
			if ev.RedirectHasExtraInfo != nil {
				prev.expectExtra = ev.RedirectHasExtraInfo
			} else if resp.HasExtraInfo != nil {
				prev.expectExtra = resp.HasExtraInfo
			}
		}
	} else {
		r = b.requests[reqKey(m.SessionID, id)]
		if r != nil && len(r.hops) > 0 {
			r = nil // a new request reusing an id in the same session
		}
		if r == nil {
			if other := b.latestByID[id]; other != nil && other.session != m.SessionID {
				if len(other.hops) == 0 {
					// Its ExtraInfo came first, through another session (a
					// worker's request reported in its page's session).
					r = other
					r.session = m.SessionID
					b.requests[reqKey(m.SessionID, id)] = r
				} else if last := other.hops[len(other.hops)-1]; !last.done && last.url == ev.Request.URL {
					// The same request reported by a second session.
					b.requests[reqKey(m.SessionID, id)] = other
					return
				}
			}
		}
	}
	if strings.HasPrefix(ev.DocumentURL, "chrome-error:") && r == nil {
		// The images of Chrome's own error page, not the recorded site's.
		return
	}
	if r == nil {
		r = b.requests[reqKey(m.SessionID, id)]
		if r == nil || len(r.hops) > 0 {
			r = b.newRequest(m.SessionID, id, m.Time)
		}
	}
	b.seq++
	h := &hop{
		chain: r, seq: b.seq, session: m.SessionID, requestID: id,
		loaderID: ev.LoaderID, frameID: ev.FrameID, resType: ev.Type,
		url: ev.Request.URL, req: ev.Request, initiator: ev.Initiator,
		priority: ev.Request.InitialPriority, issueTime: ev.Timestamp,
		wallTime: ev.WallTime, msgTime: m.Time, hasPostData: ev.Request.HasPostData,
	}
	h.req.PostData, h.req.PostDataEntries = nil, nil
	if data, ok := inlinePostData(&ev.Request); ok {
		pb, err := b.postBody(h, data)
		if err != nil {
			b.warn("line %d: %v", m.Line, err)
		} else {
			h.post = pb
		}
	}
	r.hops = append(r.hops, h)
	if ev.Type == "Document" && ev.LoaderID == id && ev.FrameID != "" {
		b.docs = append(b.docs, h)
	}
}

// inlinePostData returns the body carried by requestWillBeSent itself:
// postDataEntries (exact bytes) first, then postData (text).
func inlinePostData(req *cdpRequest) ([]byte, bool) {
	if len(req.PostDataEntries) > 0 {
		var buf []byte
		complete := true
		for _, e := range req.PostDataEntries {
			if e.Bytes == nil {
				complete = false // a file or blob element: bytes not reported
				continue
			}
			d, err := decodeBase64(*e.Bytes)
			if err != nil {
				complete = false
				continue
			}
			buf = append(buf, d...)
		}
		if complete || req.PostData == nil {
			return buf, len(buf) > 0 || complete
		}
	}
	if req.PostData != nil {
		return []byte(*req.PostData), true
	}
	return nil, false
}

func decodeBase64(s string) ([]byte, error) {
	d, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		d, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	return d, err
}

// postBody stores a request body and parses its form fields.
func (b *harBuilder) postBody(h *hop, data []byte) (*postBody, error) {
	ct, _ := h.req.Headers.get("Content-Type")
	pb := &postBody{size: int64(len(data)), mimeType: ct}
	kind := blobText
	if !utf8.Valid(data) {
		kind, pb.base64 = blobBase64, true
	}
	id, err := b.blobs.fromBytes(data, kind)
	if err != nil {
		return nil, err
	}
	pb.blob = id
	pb.params = formParams(ct, data)
	return pb, nil
}

// responseBody locates the body of a Network.getResponseBody result: the
// "body" string in the log, or a "bodyFile" in the spool.
func (b *harBuilder) responseBody(m *logMessage) (*responseBody, error) {
	lit, litOff, bodyFile, b64 := m.body, m.bodyOffset, m.bodyFile, m.bodyBase64
	if !m.bodyParsed {
		// A result the log reader did not take apart (a wrapped message).
		var pm logMessage
		pm.Method = m.Method
		wrapped := append(append([]byte(`{"method":"Network.getResponseBody","result":`), m.Result...), '}')
		if err := parseLogMessage(wrapped, -1, &pm); err != nil {
			return nil, &LogSyntaxError{Line: m.Line, Column: 1, Err: err}
		}
		lit, litOff, bodyFile, b64 = pm.body, -1, pm.bodyFile, pm.bodyBase64
	}
	rb := &responseBody{base64: b64}
	switch {
	case bodyFile != "":
		path, err := localBodyPath(b.opts.Dir, bodyFile)
		if err != nil {
			b.warn("line %d: %v; body left out", m.Line, err)
			return nil, nil
		}
		// The file holds the body's bytes; base64Encoded says it is binary.
		kind := blobText
		if b64 {
			kind = blobBase64
		}
		rb.blob = b.blobs.fromFile(path, kind)
		rb.size = -1 // stat at write time
	case lit != nil:
		id, err := b.blobs.fromSource(litOff, lit, blobLiteral)
		if err != nil {
			return nil, err
		}
		rb.blob = id
		rb.size = literalDecodedSize(lit, b64)
	default:
		return nil, nil
	}
	return rb, nil
}

// literalDecodedSize is the byte size of the body a JSON string literal
// holds: its UTF-8 length, or the decoded length of its base64. It counts
// without unquoting (bodies are large).
func literalDecodedSize(lit []byte, b64 bool) int64 {
	var n, pad int64
	s := lit[1 : len(lit)-1]
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			if c == '=' {
				pad++
			}
			n++
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == 'u' && i+6 <= len(s) {
			r, err := strconv.ParseUint(string(s[i+2:i+6]), 16, 32)
			i += 6
			switch {
			case err != nil:
				n++
			case r >= 0xD800 && r < 0xDC00 && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u':
				n += 4 // a surrogate pair: one 4-byte rune
				i += 6
			default:
				n += int64(utf8.RuneLen(rune(r)))
				if r >= 0xD800 && r < 0xE000 {
					n += 3 - int64(utf8.RuneLen(rune(r))) // a lone surrogate becomes U+FFFD
				}
			}
			continue
		}
		n++
		i += 2
	}
	if !b64 {
		return n
	}
	return n*3/4 - pad
}

// formParams parses urlencoded and multipart bodies into HAR params.
func formParams(contentType string, data []byte) []har.Param {
	ct := strings.ToLower(contentType)
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		var out []har.Param
		for _, nv := range queryNameValues(string(data)) {
			out = append(out, har.Param{Name: nv.Name, Value: nv.Value})
		}
		return out
	case strings.HasPrefix(ct, "multipart/form-data"):
		return multipartParams(contentType, data)
	}
	return nil
}

// queryNameValues splits a query or urlencoded body in order, decoding
// names and values (undecodable ones are kept as they are).
func queryNameValues(q string) []har.NameValue {
	out := []har.NameValue{}
	for part := range strings.SplitSeq(q, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, har.NameValue{Name: unescapeQuery(k), Value: unescapeQuery(v)})
	}
	return out
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// announcedBodyLength is the length of the response's body on the wire as
// the response announces it: 0 when it can have none (HEAD, 1xx, 204,
// 304), its Content-Length otherwise, -1 when unknown (chunked).
func announcedBodyLength(method string, resp *cdpResponse) int64 {
	if method == "HEAD" || resp.Status == 204 || resp.Status == 304 || (resp.Status >= 100 && resp.Status < 200) {
		return 0
	}
	n, _ := resp.Headers.framing()
	return n
}

// framing reads a response's Content-Length (-1: none or not a length)
// and whether its body is plain (not content-encoded): then its decoded
// bytes are its bytes on the wire.
func (h cdpHeaders) framing() (length int64, plain bool) {
	length = -1
	if v, ok := h.get("Content-Length"); ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n >= 0 {
			length = n
		}
	}
	enc, _ := h.get("Content-Encoding")
	return length, enc == "" || strings.EqualFold(enc, "identity")
}

// noteBodyData counts the body bytes of one dataReceived and marks the
// moment the body announced by the response had fully arrived. Bytes on
// the wire are what Content-Length counts; for a body that is not
// content-encoded its decoded bytes are those exactly (what dataReceived
// reports on the wire may count framing, or be 0 for a cache hit).
func (h *hop) noteBodyData(ev *evDataReceived) {
	h.bodyEncoded += ev.EncodedDataLength
	if h.bodyDone > 0 || h.bodyLength < 0 || h.resp == nil {
		return
	}
	got := h.bodyEncoded
	if enc, _ := h.resp.Headers.get("Content-Encoding"); h.dataLength > 0 && (enc == "" || strings.EqualFold(enc, "identity")) {
		got = h.dataLength // the exact body bytes: the wire may count framing
	}
	if got >= h.bodyLength {
		h.bodyDone = ev.Timestamp
	}
}
