package capture

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"

	"github.com/reprokit/reprokit/host/har"
)

// webSocket handles the Network.webSocket* events: one entry per socket,
// with its frames in `_webSocketMessages` and its end in `_webSocketClose`.
func (b *harBuilder) webSocket(m *logMessage) error {
	var id string
	switch m.Method {
	case "Network.webSocketCreated":
		var ev evWebSocketCreated
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		id = string(ev.RequestID)
		h := b.wsHop(m, id)
		h.url = ev.URL
		h.req.URL = ev.URL
		if len(ev.Initiator) > 0 {
			h.initiator = ev.Initiator
		}
	case "Network.webSocketWillSendHandshakeRequest":
		var ev evWebSocketHandshakeRequest
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		b.noteClock(ev.Timestamp, ev.WallTime)
		b.mono(ev.Timestamp)
		h := b.wsHop(m, string(ev.RequestID))
		h.issueTime, h.wallTime = ev.Timestamp, ev.WallTime
		h.req.Headers = ev.Request.Headers
	case "Network.webSocketHandshakeResponseReceived":
		var ev evWebSocketHandshakeResponse
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		b.mono(ev.Timestamp)
		h := b.wsHop(m, string(ev.RequestID))
		h.respTime = ev.Timestamp
		h.resp = &cdpResponse{
			URL: h.url, Status: ev.Response.Status, StatusText: ev.Response.StatusText,
			Headers: ev.Response.Headers, HeadersText: ev.Response.HeadersText,
			RequestHeaders: ev.Response.RequestHeaders, RequestHeadersTxt: ev.Response.RequestHeadersText,
		}
	case "Network.webSocketFrameSent", "Network.webSocketFrameReceived", "Network.webSocketFrameError":
		var ev evWebSocketFrame
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		b.mono(ev.Timestamp)
		h := b.wsHop(m, string(ev.RequestID))
		h.lastSeen = ev.Timestamp
		f := wsFrame{mono: ev.Timestamp, opcode: ev.Response.Opcode}
		switch m.Method {
		case "Network.webSocketFrameSent":
			f.typ = "send"
		case "Network.webSocketFrameReceived":
			f.typ = "receive"
		default:
			// DevTools lists errors among the frames, with opcode -1.
			f.typ, f.opcode = "error", -1
			h.ws.errMsg, h.ws.errMono = ev.ErrorMessage, ev.Timestamp
			ev.Response.PayloadData = ev.ErrorMessage
		}
		data, err := b.bigString(ev.Response.PayloadData)
		if err != nil {
			return err
		}
		f.data = data
		h.ws.frames = append(h.ws.frames, f)
	case "Network.webSocketClosed":
		var ev evWebSocketFrame
		if err := unmarshalParams(m, &ev); err != nil {
			return err
		}
		b.mono(ev.Timestamp)
		h := b.wsHop(m, string(ev.RequestID))
		h.ws.closed, h.ws.closedMono = true, ev.Timestamp
		h.done, h.endTime = true, ev.Timestamp
	}
	return nil
}

// webSocketCloseCode gives the close code the page saw (a
// Reprokit.webSocketClose record of the step script) to the oldest socket
// of that URL without one, in the page's session first.
func (b *harBuilder) webSocketCloseCode(session, url string, code int, reason string) {
	var fallback *hop
	for _, r := range b.all {
		for _, h := range r.hops {
			if h.ws == nil || h.ws.code != 0 || h.url != url {
				continue
			}
			if h.session == session {
				h.ws.code, h.ws.reason = code, reason
				return
			}
			if fallback == nil {
				fallback = h
			}
		}
	}
	if fallback != nil {
		fallback.ws.code, fallback.ws.reason = code, reason
	}
}

// wsHop finds or creates the single hop of a websocket.
func (b *harBuilder) wsHop(m *logMessage, id string) *hop {
	r := b.find(m.SessionID, id)
	if r == nil {
		r = b.newRequest(m.SessionID, id, m.Time)
	}
	if len(r.hops) == 0 {
		b.seq++
		r.hops = append(r.hops, &hop{
			chain: r, seq: b.seq, session: m.SessionID, requestID: id,
			resType: "WebSocket", msgTime: m.Time, req: cdpRequest{Method: "GET"},
		})
	}
	h := r.hops[len(r.hops)-1]
	if h.ws == nil {
		h.ws = &wsState{}
		h.resType = "WebSocket"
	}
	return h
}

// pairExtraInfo gives each hop of a redirect chain its ExtraInfo events.
// They share the request id and come in hop order, but may arrive before or
// after the hop's own events; hops served from the memory cache, and
// redirects the browser says had no ExtraInfo, get none.
func pairExtraInfo(r *netRequest) {
	reqs, resps := r.reqExtras, r.respExtras
	for _, h := range r.hops {
		if h.fromMemory {
			continue // served from the memory cache: nothing went on the wire
		}
		if len(reqs) > 0 {
			h.reqExtra, reqs = reqs[0], reqs[1:]
		}
	}
	for _, h := range r.hops {
		if h.fromMemory || (h.expectExtra != nil && !*h.expectExtra) {
			continue
		}
		if h.resp == nil && !h.failed && h.done {
			continue
		}
		if len(resps) > 0 {
			h.respExtra, resps = resps[0], resps[1:]
		}
	}
}

// extraOnlyHop makes an entry of a request the log knows only from
// ExtraInfo events: a CORS preflight, which Chrome reports that way when
// it does not send requestWillBeSent for it.
func (b *harBuilder) extraOnlyHop(r *netRequest) *hop {
	if len(r.reqExtras) == 0 && len(r.respExtras) == 0 {
		return nil
	}
	h := &hop{chain: r, seq: r.seq, session: r.session, requestID: r.id, msgTime: r.msgTime, resType: "Preflight"}
	h.req.Method = "OPTIONS"
	if len(r.reqExtras) > 0 {
		h.reqExtra = r.reqExtras[0]
	}
	if len(r.respExtras) > 0 {
		h.respExtra = r.respExtras[0]
	}
	var headers cdpHeaders
	if h.reqExtra != nil {
		headers = h.reqExtra.Headers
	}
	if m, ok := headers.get(":method"); ok {
		h.req.Method = m
	}
	if _, ok := headers.get("Access-Control-Request-Method"); !ok && h.req.Method == "OPTIONS" {
		if _, isH2 := headers.get(":method"); !isH2 {
			h.resType = "Other"
		}
	}
	scheme, _ := headers.get(":scheme")
	host, _ := headers.get(":authority")
	path, _ := headers.get(":path")
	if host == "" {
		host, _ = headers.get("Host")
	}
	// The URL is not in ExtraInfo: take it from pseudo-headers, else from
	// the request it was made for (the latest one to that host before it).
	if scheme != "" && host != "" && path != "" {
		h.url = scheme + "://" + host + path
	} else if main := b.preflightTarget(r, host); main != nil {
		h.url = main.url
		h.initiator = []byte(`{"type":"preflight","url":` + jsonString(main.url) + `,"requestId":` + jsonString(main.requestID) + `}`)
		if h.msgTime == 0 {
			h.msgTime = b.wallOf(main, main.issueTime)
		}
	} else if host != "" {
		h.url = "http://" + host + "/"
	}
	h.req.URL = h.url
	if r.failure != nil {
		h.done, h.failed = true, true
		h.errorText, h.canceled, h.blockedReason = r.failure.ErrorText, r.failure.Canceled, r.failure.BlockedReason
		if h.errorText == "" {
			h.errorText = blockedErrorText(h.blockedReason)
		}
		if r.failure.CorsErrorStatus != nil {
			h.corsError = r.failure.CorsErrorStatus.CorsError
		}
	} else if h.respExtra != nil {
		h.done = true
	}
	return h
}

// preflightTarget is the request a preflight was made for: the latest request
// created before it, in the same session, to the same host.
func (b *harBuilder) preflightTarget(r *netRequest, host string) *hop {
	var best *hop
	for _, o := range b.all {
		if o.seq > r.seq {
			break
		}
		for _, h := range o.hops {
			if h.session != r.session || h.ws != nil {
				continue
			}
			if u := hostOf(h.url); host == "" || u == host {
				best = h
			}
		}
	}
	return best
}

// multipartParams lists the fields of a multipart/form-data body: text
// fields with their values, files with name, file name and type.
func multipartParams(contentType string, data []byte) []har.Param {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return nil
	}
	mr := multipart.NewReader(bytes.NewReader(data), params["boundary"])
	var out []har.Param
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			return out
		}
		prm := har.Param{Name: p.FormName(), FileName: p.FileName(), ContentType: p.Header.Get("Content-Type")}
		if prm.FileName == "" {
			v, _ := io.ReadAll(io.LimitReader(p, inlineLimit))
			prm.Value = string(bytes.ToValidUTF8(v, []byte("\uFFFD")))
		}
		out = append(out, prm)
	}
}
