package report

import "encoding/json"

// Data is everything report.html shows. host/bundle builds it from a bundle
// or a bare HAR ([bundle.Bundle.ReportData]); this package only renders it,
// so that it does not depend on the bundle reader. The JSON names are short
// because a 10,000-entry HAR makes a large page.
type Data struct {
	// Title is the page title ("Reprokit report: app.example.com").
	Title string `json:"title"`
	// Source names the file the report was made from.
	Source string `json:"source"`
	// Kind is "bundle" or "har".
	Kind string `json:"kind"`
	// Manifest is bundle.json (or one synthesized for a bare HAR): the
	// report reads its fields by their documented names (docs/BUNDLE.md).
	Manifest json.RawMessage `json:"manifest"`
	// Support is SUPPORT_REQUEST.md, shown as text with a copy button.
	Support string `json:"support,omitempty"`
	// Entries are the requests in log order; indexes match session.har.
	Entries []Entry `json:"entries"`
	// Pages are the HAR pages.
	Pages       []Page    `json:"pages,omitempty"`
	Console     []Console `json:"console,omitempty"`
	Steps       []Step    `json:"steps,omitempty"`
	Screenshots []Image   `json:"screenshots,omitempty"`
	Screencast  []Image   `json:"screencast,omitempty"`
	// Warnings are problems met while reading the input (an entry that did
	// not decode, a missing file).
	Warnings []string `json:"warnings,omitempty"`
}

// Entry is one request row with its details.
type Entry struct {
	Method     string `json:"m"`
	URL        string `json:"u"`
	Status     int    `json:"s"`
	StatusText string `json:"st,omitempty"`
	// Type is the normalized resource type (document, script, xhr, fetch, …).
	Type string `json:"t"`
	Mime string `json:"mt,omitempty"`
	// Start is the start time in milliseconds since the epoch; Time the
	// total duration in milliseconds.
	Start float64 `json:"b"`
	Time  float64 `json:"d"`
	// Timings: blocked, dns, connect, ssl, send, wait, receive (ms, -1 n/a).
	Timings [7]float64 `json:"tm"`
	// Size is the response body size, Transfer the bytes on the wire.
	Size     int64  `json:"sz"`
	Transfer int64  `json:"tx"`
	Error    string `json:"e,omitempty"`
	Failed   bool   `json:"f,omitempty"`
	// Incomplete: still in flight when the recording stopped.
	Incomplete bool        `json:"inc,omitempty"`
	Protocol   string      `json:"p,omitempty"`
	ServerIP   string      `json:"ip,omitempty"`
	Initiator  string      `json:"in,omitempty"`
	Target     string      `json:"tg,omitempty"`
	FromCache  string      `json:"fc,omitempty"`
	ReqHeaders [][2]string `json:"rqh,omitempty"`
	ResHeaders [][2]string `json:"rsh,omitempty"`
	Query      [][2]string `json:"q,omitempty"`
	ReqCookies int         `json:"rqc,omitempty"`
	ResCookies int         `json:"rsc,omitempty"`
	// ReqBody and ResBody are previews of the bodies (text; binary bodies
	// are described in the note); the Cut fields say how much was left out.
	ReqMime  string `json:"rqm,omitempty"`
	ReqBody  string `json:"rqb,omitempty"`
	ReqCut   int64  `json:"rqx,omitempty"`
	ResBody  string `json:"rsb,omitempty"`
	ResCut   int64  `json:"rsx,omitempty"`
	BodyNote string `json:"bn,omitempty"`
	// Image is a data: URL preview of a small PNG, JPEG, GIF or WebP body.
	Image string `json:"img,omitempty"`
	// WS are websocket frames or server-sent events (capped).
	WS      []Frame `json:"ws,omitempty"`
	WSTotal int     `json:"wsn,omitempty"`
	WSClose string  `json:"wsc,omitempty"`
	// Findings are the rule IDs that point at this entry; IDs the request IDs.
	Findings []string `json:"fi,omitempty"`
	IDs      []string `json:"ids,omitempty"`
	Page     string   `json:"pg,omitempty"`
	Redirect string   `json:"rd,omitempty"`
	CorsErr  string   `json:"ce,omitempty"`
	Blocked  string   `json:"bl,omitempty"`
}

// Frame is one websocket message or server-sent event.
type Frame struct {
	Dir  string  `json:"d"` // "send", "receive" or "event"
	Time float64 `json:"t"` // ms since the epoch
	Op   int     `json:"o,omitempty"`
	Data string  `json:"x"`
	Cut  int     `json:"c,omitempty"`
}

// Page is one HAR page.
type Page struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Start float64 `json:"b"`
}

// Console is one console message.
type Console struct {
	Time   float64 `json:"t"`
	Level  string  `json:"l"`
	Source string  `json:"s,omitempty"`
	Text   string  `json:"x"`
	URL    string  `json:"u,omitempty"`
	Line   int     `json:"ln,omitempty"`
	Stack  string  `json:"st,omitempty"`
}

// Step is one user step, in plain words.
type Step struct {
	Time float64 `json:"t,omitempty"`
	Type string  `json:"ty"`
	Text string  `json:"x"`
	URL  string  `json:"u,omitempty"`
}

// Image is a screenshot or screencast frame, embedded as a data: URL.
type Image struct {
	File   string  `json:"file"`
	Time   float64 `json:"t"`
	URL    string  `json:"u,omitempty"`
	Reason string  `json:"r,omitempty"`
	Width  int     `json:"w,omitempty"`
	Height int     `json:"h,omitempty"`
	Src    string  `json:"src"`
}
