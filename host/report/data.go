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
	// Browser names the recording's browser and its version once
	// ("Chromium 156.0.8078.108"), worked out from the environment.
	Browser string `json:"browser,omitzero"`
	// Support is SUPPORT_REQUEST.md, shown as text with a copy button.
	Support string `json:"support,omitzero"`
	// Entries are the requests in log order; indexes match session.har.
	Entries []Entry `json:"entries"`
	// Pages are the HAR pages.
	Pages       []Page    `json:"pages,omitzero"`
	Console     []Console `json:"console,omitzero"`
	Steps       []Step    `json:"steps,omitzero"`
	Screenshots []Image   `json:"screenshots,omitzero"`
	Screencast  []Image   `json:"screencast,omitzero"`
	// Warnings are problems met while reading the input (an entry that did
	// not decode, a missing file).
	Warnings []string `json:"warnings,omitzero"`
	// Integrity lists where the bundle's members disagree with bundle.json
	// (changed, missing or extra files), as `reprokit inspect` says them;
	// the report shows them in a banner above everything else.
	Integrity []string `json:"integrity,omitzero"`
	// Replay summarizes the session replay for the timeline; [Render] sets
	// it from DOM.
	Replay *ReplaySummary `json:"replay,omitzero"`
	// DOM is the session replay (dom.json), nil when there is none. It is
	// not in the data block: see [Replay].
	DOM *Replay `json:"-"`
	// HAR says what "Save HAR" saves: "served" when `reprokit view` serves
	// the bundle's session.har at ./session.har, else "" (the page builds
	// a HAR of what it holds, the body previews).
	HAR string `json:"har,omitzero"`
	// Lang is the reporter's language ("en", "ko"); Words are the page's
	// labels in it by the extension's message keys (the popup's words),
	// and Redacted the removed secrets in plain words ("2 email
	// addresses"). The page says its English words when Words lacks one.
	Lang     string            `json:"lang,omitzero"`
	Words    map[string]string `json:"words,omitzero"`
	Redacted []string          `json:"redacted,omitzero"`
}

// Entry is one request row with its details.
type Entry struct {
	Method     string `json:"m"`
	URL        string `json:"u"`
	Status     int    `json:"s"`
	StatusText string `json:"st,omitzero"`
	// Type is the normalized resource type (document, script, xhr, fetch, …).
	Type string `json:"t"`
	Mime string `json:"mt,omitzero"`
	// Start is the start time in milliseconds since the epoch; Time the
	// total duration in milliseconds.
	Start float64 `json:"b"`
	Time  float64 `json:"d"`
	// Timings: blocked, dns, connect, ssl, send, wait, receive (ms, -1 n/a).
	Timings [7]float64 `json:"tm"`
	// Size is the response body size, Transfer the bytes on the wire.
	Size     int64  `json:"sz"`
	Transfer int64  `json:"tx"`
	Error    string `json:"e,omitzero"`
	Failed   bool   `json:"f,omitzero"`
	// Incomplete: still in flight when the recording stopped.
	Incomplete bool        `json:"inc,omitzero"`
	Protocol   string      `json:"p,omitzero"`
	ServerIP   string      `json:"ip,omitzero"`
	Initiator  string      `json:"in,omitzero"`
	Target     string      `json:"tg,omitzero"`
	FromCache  string      `json:"fc,omitzero"`
	ReqHeaders [][2]string `json:"rqh,omitzero"`
	ResHeaders [][2]string `json:"rsh,omitzero"`
	Query      [][2]string `json:"q,omitzero"`
	ReqCookies int         `json:"rqc,omitzero"`
	ResCookies int         `json:"rsc,omitzero"`
	// ReqSize is the request body size in bytes (what was sent, even when
	// the bundle kept less of it).
	ReqSize int64 `json:"rqs,omitzero"`
	// ReqBody and ResBody are previews of the bodies (text; binary bodies
	// are described in the notes); the Cut fields say how much was left out.
	// ReqNote says what became of a request body that is not previewed.
	ReqNote  string `json:"rqn,omitzero"`
	ReqMime  string `json:"rqm,omitzero"`
	ReqBody  string `json:"rqb,omitzero"`
	ReqCut   int64  `json:"rqx,omitzero"`
	ResBody  string `json:"rsb,omitzero"`
	ResCut   int64  `json:"rsx,omitzero"`
	BodyNote string `json:"bn,omitzero"`
	// Image is a data: URL preview of a small PNG, JPEG, GIF or WebP body.
	Image string `json:"img,omitzero"`
	// WS are websocket frames or server-sent events (capped).
	WS      []Frame `json:"ws,omitzero"`
	WSTotal int     `json:"wsn,omitzero"`
	WSClose string  `json:"wsc,omitzero"`
	// Findings are the rule IDs that point at this entry; IDs the request IDs.
	Findings []string `json:"fi,omitzero"`
	IDs      []string `json:"ids,omitzero"`
	Page     string   `json:"pg,omitzero"`
	Redirect string   `json:"rd,omitzero"`
	CorsErr  string   `json:"ce,omitzero"`
	Blocked  string   `json:"bl,omitzero"`
}

// Frame is one websocket message or server-sent event.
type Frame struct {
	Dir  string  `json:"d"` // "send", "receive" or "event"
	Time float64 `json:"t"` // ms since the epoch
	Op   int     `json:"o,omitzero"`
	Data string  `json:"x"`
	Cut  int     `json:"c,omitzero"`
}

// Page is one HAR page.
type Page struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Start float64 `json:"b"`
	// Target is the tab's CDP target id (har.Page.TargetID): the session
	// replay's tab of the page's requests.
	Target string `json:"tg,omitzero"`
}

// Console is one console message.
type Console struct {
	Time   float64 `json:"t"`
	Level  string  `json:"l"`
	Source string  `json:"s,omitzero"`
	Text   string  `json:"x"`
	URL    string  `json:"u,omitzero"`
	Line   int     `json:"ln,omitzero"`
	Stack  string  `json:"st,omitzero"`
}

// Step is one user step, in plain words.
type Step struct {
	Time float64 `json:"t,omitzero"`
	Type string  `json:"ty"`
	Text string  `json:"x"`
	URL  string  `json:"u,omitzero"`
}

// Image is a screenshot or screencast frame, embedded as a data: URL.
type Image struct {
	File   string  `json:"file"`
	Time   float64 `json:"t"`
	URL    string  `json:"u,omitzero"`
	Reason string  `json:"r,omitzero"`
	Width  int     `json:"w,omitzero"`
	Height int     `json:"h,omitzero"`
	Src    string  `json:"src"`
}
