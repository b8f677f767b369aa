package capture

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/reprokit/reprokit/host/har"
)

// entry converts one hop into a HAR entry, the way DevTools' HAR export
// (front_end/models/har/Log.ts) derives each field from a NetworkRequest.
// It returns the text blobs to write as base64.
func (b *harBuilder) entry(h *hop, page *harPage) (har.Entry, map[int]bool, error) {
	b64 := map[int]bool{}
	e := har.Entry{
		StartedDateTime: isoTime(h.startWall),
		Initiator:       h.initiator,
		Priority:        h.priority,
		ResourceType:    resourceTypeName(h.resType),
		RequestID:       h.requestID,
		Target:          b.hopTarget(h),
		FrameID:         h.frameID,
		Cache:           har.Cache{},
	}
	if page != nil {
		e.Pageref = page.id
	}
	if len(e.Initiator) == 0 || string(e.Initiator) == "null" {
		e.Initiator = nil
	}
	resp := h.resp
	if resp == nil {
		resp = &cdpResponse{}
	}

	// Request.
	reqHeaders := h.req.Headers
	if h.reqExtra != nil && len(h.reqExtra.Headers) > 0 {
		reqHeaders = h.reqExtra.Headers
	} else if len(resp.RequestHeaders) > 0 {
		reqHeaders = resp.RequestHeaders
	}
	method := h.req.Method
	if method == "" {
		method = "GET"
	}
	u := h.url
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u = u[:i]
	}
	e.Request = har.Request{
		Method:      method,
		URL:         u,
		HTTPVersion: requestHTTPVersion(resp),
		Headers:     nonNil(reqHeaders),
		QueryString: queryOf(u),
		Cookies:     requestCookies(reqHeaders, h.reqExtra),
		HeadersSize: -1,
	}
	if resp.RequestHeadersTxt != "" {
		e.Request.HeadersSize = int64(len(resp.RequestHeadersTxt))
	}
	if p := h.post; p != nil {
		e.Request.BodySize = p.size
		e.Request.PostData = &har.PostData{MimeType: p.mimeType, Params: p.params, Text: b.blobs.marker(p.blob)}
		if p.base64 {
			e.Request.PostData.Encoding = "base64"
		}
	} else if h.hasPostData {
		e.Request.Comment = "the request had a body that the log does not hold"
	}

	// Response.
	respHeaders := resp.Headers
	headersText := resp.HeadersText
	status, statusText := resp.Status, resp.StatusText
	if x := h.respExtra; x != nil {
		if len(x.Headers) > 0 {
			respHeaders = x.Headers
		}
		if x.HeadersText != "" {
			headersText = x.HeadersText
		}
		// ExtraInfo has the status on the wire: 304 for a revalidated
		// cache entry that responseReceived reports as 200.
		if x.StatusCode > 0 && x.StatusCode != status && (h.resp != nil || !h.failed) {
			status = x.StatusCode
			statusText = statusTextOf(headersText, status)
		}
	}
	if h.failed && h.resp == nil {
		status, statusText = 0, ""
		if h.respExtra != nil && h.respExtra.StatusCode > 0 {
			e.Response.Comment = "the server answered " + strconv.Itoa(h.respExtra.StatusCode) + " but the browser did not deliver the response"
		}
	}
	mimeType := resp.MimeType
	if mimeType == "" {
		mimeType = "x-unknown"
	}
	fromCache := ""
	if h.fromMemory {
		fromCache = "memory"
	} else if resp.FromDiskCache || resp.FromPrefetchCache {
		fromCache = "disk"
	}
	loc, _ := cdpHeaders(respHeaders).get("Location")
	e.Response = har.Response{
		Status:       status,
		StatusText:   statusText,
		HTTPVersion:  responseHTTPVersion(headersText, resp),
		Headers:      nonNil(respHeaders),
		Cookies:      responseCookies(respHeaders),
		Content:      har.Content{MimeType: mimeType},
		RedirectURL:  loc,
		HeadersSize:  -1,
		BodySize:     -1,
		TransferSize: b.transferSize(h),
		Error:        h.errorText,
		Comment:      e.Response.Comment,
	}
	if headersText != "" {
		e.Response.HeadersSize = int64(len(headersText))
	}
	// HAR 1.2 allows a size or -1: the body's share of the transfer is
	// known only when the whole transfer is, and covers the headers.
	switch {
	case fromCache != "" || status == 304:
		e.Response.BodySize = 0
	case h.ws != nil || h.failed || !h.done:
	case headersText != "" && h.transferSize >= float64(len(headersText)):
		e.Response.BodySize = int64(h.transferSize) - int64(len(headersText))
	}
	size := h.dataLength
	if rb := h.body; rb != nil {
		bs := rb.size
		if bs < 0 {
			if st, err := os.Stat(b.blobs.blobs[rb.blob].path); err == nil {
				bs = st.Size()
			} else {
				b.warn("response body of %s: %v; body left out", h.url, err)
				h.body = nil
			}
		}
		if size == 0 {
			size = bs
		}
	}
	if rb := h.body; rb != nil {
		e.Response.Content.Text = b.blobs.marker(rb.blob)
		if rb.base64 {
			e.Response.Content.Encoding = "base64"
		} else if ok, err := b.blobs.textOK(rb.blob); err != nil {
			return e, nil, err
		} else if !ok {
			e.Response.Content.Encoding = "base64"
			b64[rb.blob] = true
		}
	}
	e.Response.Content.Size = size
	if fromCache == "" && status != 304 && status != 206 && e.Response.BodySize >= 0 && headersText != "" && size > 0 {
		e.Response.Content.Compression = size - e.Response.BodySize
	}
	e.TransferSize = e.Response.TransferSize
	e.FromCache = fromCache
	e.FromServiceWorker = resp.FromServiceWorker
	e.Error = h.errorText
	e.BlockedReason = h.blockedReason
	e.CorsError = h.corsError
	if resp.RemoteIPAddress != "" {
		e.ServerIPAddress = strings.Trim(resp.RemoteIPAddress, "[]")
	}
	// DevTools: "connection" is the remote port, "_connectionId" the
	// browser's connection id.
	if resp.RemotePort > 0 {
		e.Connection = strconv.Itoa(resp.RemotePort)
	}
	if c := string(resp.ConnectionID); c != "" && c != "0" {
		e.ConnectionID = c
	}
	if resp.FromServiceWorker {
		e.Response.FetchedViaServiceWorker = true
		e.Response.ServiceWorkerResponseSource = resp.ServiceWorkerResponseSource
		e.Response.ResponseCacheStorageCacheName = resp.CacheStorageCacheName
	}

	// Websocket and SSE.
	if ws := h.ws; ws != nil {
		e.WebSocketMessages = make([]har.WebSocketMessage, 0, len(ws.frames))
		for _, f := range ws.frames {
			e.WebSocketMessages = append(e.WebSocketMessages, har.WebSocketMessage{Type: f.typ, Time: b.wallOf(h, f.mono), Opcode: f.opcode, Data: f.data})
		}
		if ws.closed || ws.errMsg != "" || ws.code != 0 {
			c := &har.WebSocketClose{Closed: ws.closed, Error: ws.errMsg, Code: ws.code, Reason: ws.reason}
			if ws.code == 1006 && c.Error == "" {
				c.Error = "abnormal closure (1006): the connection was lost without a close frame"
			}
			t := ws.closedMono
			if t == 0 {
				t = ws.errMono
			}
			c.Time = b.wallOf(h, t)
			e.WebSocketClose = c
		}
		if e.Response.Status == 0 && h.resp == nil && !h.failed && len(ws.frames) > 0 {
			e.Response.Status, e.Response.StatusText = 101, "Switching Protocols"
		}
	}
	if len(h.sse) > 0 {
		e.EventSourceMessages = h.sse
	}

	// The response ends when its last byte arrived. loadingFinished says
	// so, unless the page never read the body: then Chrome reports it only
	// when the response is garbage-collected, seconds later, or never. The
	// dataReceived that completed the announced Content-Length is the end
	// then (see docs/decisions/2026-11-26-unread-responses.md).
	endTime := h.endTime
	byLength := !h.failed && h.bodyDone > 0 && h.ws == nil && len(h.sse) == 0
	unreadDone := !h.done && byLength
	if h.done && byLength && h.bodyDone < endTime {
		endTime = h.bodyDone
	}
	switch {
	case unreadDone:
		endTime = h.bodyDone
		if h.bodyEncoded > 0 && e.Response.BodySize < 0 && fromCache == "" {
			e.Response.BodySize = h.bodyEncoded
		}
		if e.Comment == "" {
			e.Comment = "the response had fully arrived, but the page never read its body"
			if h.body != nil {
				e.Comment += "; the body was fetched from the browser"
			}
		}
	case !h.done:
		e.Incomplete = true
		endTime = b.lastMono
		if h.lastSeen > endTime {
			endTime = h.lastSeen
		}
		if e.Comment == "" {
			e.Comment = "still in flight when the recording stopped"
			if h.resp != nil {
				e.Comment = "the response had arrived, but its body was still being read (or never read by the page) when the recording stopped"
			}
			if h.resp != nil && h.body != nil {
				e.Comment = "the page never finished reading the response; its body was fetched when the recording stopped"
			}
		}
	}
	e.Timings = b.timings(h, endTime)
	t := e.Timings
	for _, v := range []float64{t.Blocked, t.DNS, t.Connect, t.Send, t.Wait, t.Receive} {
		e.Time += math.Max(v, 0)
	}
	e.Time = roundMs(e.Time)
	return e, b64, nil
}

// transferSize is the hop's `_transferSize`: the encoded bytes of
// loadingFinished, else (a response still being read when the recording
// stopped) the encoded bytes seen so far. Never negative.
func (b *harBuilder) transferSize(h *hop) int64 {
	n := int64(h.transferSize)
	if !h.done && h.encodedSeen > n {
		n = h.encodedSeen
	}
	return max(n, 0)
}

// hopTarget labels the target a request belongs to. The document request
// of an out-of-process iframe is reported by its parent's session, but it
// belongs to the iframe target, whose target id is the frame id.
func (b *harBuilder) hopTarget(h *hop) string {
	if sid, ok := b.targets[h.frameID]; ok && h.frameID != "" && sid != h.session {
		if s := b.sessions[sid]; s != nil && s.target.Type == "iframe" {
			return "iframe"
		}
	}
	return b.targetLabel(h.session)
}

// timings follows DevTools' Entry.buildTimings: blocked includes queueing
// (issue to start) and stalls before DNS/connect/send; ssl overlaps connect.
func (b *harBuilder) timings(h *hop, endTime float64) har.Timings {
	r := har.Timings{Blocked: -1, DNS: -1, SSL: -1, Connect: -1, Send: 0, Wait: 0, Receive: 0, BlockedQueueing: -1}
	var timing *cdpTiming
	if h.resp != nil {
		timing = h.resp.Timing
	}
	issue := h.issueTime
	if issue == 0 {
		return r
	}
	start := issue
	if timing != nil && timing.RequestTime > 0 {
		start = timing.RequestTime
	}
	queued := -1.0
	if issue < start {
		queued = start - issue
	}
	r.Blocked = toMs(queued)
	r.BlockedQueueing = toMs(queued)
	highest := 0.0
	if timing != nil {
		blockedStart := leastNonNegative(timing.DNSStart, timing.ConnectStart, timing.SendStart)
		if !math.IsInf(blockedStart, 1) {
			r.Blocked += blockedStart
		}
		if timing.ProxyEnd != -1 && timing.ProxyEnd != 0 {
			r.BlockedProxy = timing.ProxyEnd - timing.ProxyStart
			if r.BlockedProxy > r.Blocked {
				r.Blocked = r.BlockedProxy
			}
		}
		if math.IsInf(blockedStart, 1) {
			blockedStart = 0
		}
		dnsStart, dnsEnd := 0.0, -1.0
		if timing.DNSEnd >= 0 {
			dnsStart, dnsEnd = blockedStart, timing.DNSEnd
		}
		r.DNS = dnsEnd - dnsStart
		sslStart, sslEnd := 0.0, -1.0
		if timing.SSLEnd > 0 {
			sslStart, sslEnd = timing.SSLStart, timing.SSLEnd
		}
		r.SSL = sslEnd - sslStart
		connectStart, connectEnd := 0.0, -1.0
		if timing.ConnectEnd >= 0 {
			connectStart = leastNonNegative(dnsEnd, blockedStart)
			if math.IsInf(connectStart, 1) {
				connectStart = 0
			}
			connectEnd = timing.ConnectEnd
		}
		r.Connect = connectEnd - connectStart
		sendStart, sendEnd := 0.0, 0.0
		if timing.SendEnd >= 0 {
			sendStart = math.Max(math.Max(connectEnd, dnsEnd), blockedStart)
			sendEnd = timing.SendEnd
		}
		r.Send = math.Max(sendEnd-sendStart, 0)
		r.WorkerStart = timing.WorkerStart
		r.WorkerReady = timing.WorkerReady
		r.WorkerFetchStart = timing.WorkerFetchStart
		r.WorkerRespondWithSettled = timing.WorkerRespondWithSettled
		highest = math.Max(math.Max(math.Max(sendEnd, connectEnd), math.Max(sslEnd, dnsEnd)), math.Max(blockedStart, 0))
	} else if h.respTime == 0 {
		// Nothing is known after blocked: it is all blocked.
		if endTime > 0 {
			r.Blocked = toMs(math.Max(endTime-issue, 0))
		}
		return roundTimings(r)
	}
	reqTime := start
	waitEnd := toMs(h.respTime - reqTime)
	if h.respTime == 0 {
		waitEnd = highest
	}
	r.Wait = waitEnd - highest
	if endTime > 0 {
		r.Receive = math.Max(toMs(endTime-reqTime)-waitEnd, 0)
	}
	return roundTimings(r)
}

func toMs(s float64) float64 {
	if s == -1 {
		return -1
	}
	return s * 1000
}

func leastNonNegative(vs ...float64) float64 {
	best := math.Inf(1)
	for _, v := range vs {
		if v >= 0 && v < best {
			best = v
		}
	}
	return best
}

// roundMs keeps three decimals (microseconds), enough for timings and
// stable output.
func roundMs(v float64) float64 {
	return math.Round(v*1000) / 1000
}

func roundTimings(t har.Timings) har.Timings {
	for _, p := range []*float64{&t.Blocked, &t.DNS, &t.SSL, &t.Connect, &t.Send, &t.Wait, &t.Receive, &t.BlockedQueueing, &t.BlockedProxy} {
		*p = roundMs(*p)
	}
	return t
}

// resourceTypeName maps a CDP ResourceType to DevTools' resource type name.
func resourceTypeName(t string) string {
	switch t {
	case "":
		return "other"
	case "XHR":
		return "xhr"
	case "TextTrack":
		return "texttrack"
	case "SignedExchange":
		return "signed-exchange"
	case "CSPViolationReport":
		return "csp-violation-report"
	case "FedCM":
		return "fedcm"
	}
	return strings.ToLower(t)
}

// protocolName is DevTools' filteredProtocolName: h2 is "http/2.0".
func protocolName(p string) string {
	p = strings.ToLower(p)
	if p == "h2" {
		return "http/2.0"
	}
	return p
}

func responseHTTPVersion(headersText string, resp *cdpResponse) string {
	if headersText != "" {
		line, _, _ := strings.Cut(headersText, "\r\n")
		if v, _, ok := strings.Cut(line, " "); ok && strings.HasPrefix(v, "HTTP/") {
			return v
		}
	}
	return protocolName(resp.Protocol)
}

func requestHTTPVersion(resp *cdpResponse) string {
	if resp.RequestHeadersTxt != "" {
		line, _, _ := strings.Cut(resp.RequestHeadersTxt, "\r\n")
		if f := strings.Fields(line); len(f) == 3 {
			return f[2]
		}
	}
	return protocolName(resp.Protocol)
}

// statusTextOf takes the reason phrase from the raw status line, else the
// standard one.
func statusTextOf(headersText string, status int) string {
	if headersText != "" {
		line, _, _ := strings.Cut(headersText, "\r\n")
		f := strings.SplitN(line, " ", 3)
		if len(f) == 3 && f[1] == strconv.Itoa(status) {
			return f[2]
		}
	}
	return http.StatusText(status)
}

func nonNil(h cdpHeaders) []har.NameValue {
	if h == nil {
		return []har.NameValue{}
	}
	return []har.NameValue(h)
}

func queryOf(rawURL string) []har.NameValue {
	_, q, ok := strings.Cut(rawURL, "?")
	if !ok {
		return []har.NameValue{}
	}
	return queryNameValues(q)
}

// requestCookies lists the cookies sent: from ExtraInfo's associated
// cookies (with their attributes, as DevTools does) when the log has them,
// else from the Cookie header.
func requestCookies(h cdpHeaders, x *evRequestExtraInfo) []har.Cookie {
	out := []har.Cookie{}
	if x != nil && len(x.AssociatedCookies) > 0 {
		for _, ac := range x.AssociatedCookies {
			if len(ac.BlockedReasons) > 0 {
				continue
			}
			c := ac.Cookie
			hc := har.Cookie{Name: c.Name, Value: c.Value, Path: c.Path, Domain: c.Domain, HTTPOnly: c.HTTPOnly, Secure: c.Secure, SameSite: c.SameSite}
			if !c.Session && c.Expires > 0 {
				hc.Expires = isoTime(c.Expires)
			}
			out = append(out, hc)
		}
		return out
	}
	for _, nv := range h {
		if !strings.EqualFold(nv.Name, "cookie") {
			continue
		}
		for part := range strings.SplitSeq(nv.Value, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, v, _ := strings.Cut(part, "=")
			out = append(out, har.Cookie{Name: n, Value: v})
		}
	}
	return out
}

func responseCookies(h cdpHeaders) []har.Cookie {
	out := []har.Cookie{}
	for _, nv := range h {
		if !strings.EqualFold(nv.Name, "set-cookie") {
			continue
		}
		c, err := http.ParseSetCookie(nv.Value)
		if err != nil {
			n, v, _ := strings.Cut(strings.SplitN(nv.Value, ";", 2)[0], "=")
			out = append(out, har.Cookie{Name: strings.TrimSpace(n), Value: strings.TrimSpace(v)})
			continue
		}
		hc := har.Cookie{Name: c.Name, Value: c.Value, Path: c.Path, Domain: c.Domain, HTTPOnly: c.HttpOnly, Secure: c.Secure}
		if !c.Expires.IsZero() {
			hc.Expires = c.Expires.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		switch c.SameSite {
		case http.SameSiteLaxMode:
			hc.SameSite = "Lax"
		case http.SameSiteStrictMode:
			hc.SameSite = "Strict"
		case http.SameSiteNoneMode:
			hc.SameSite = "None"
		}
		out = append(out, hc)
	}
	return out
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func itoa(i int) string { return strconv.Itoa(i) }
