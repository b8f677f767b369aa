// Package har holds the HTTP Archive 1.2 types that Reprokit writes and reads,
// with the custom fields that Chrome DevTools adds to its own export
// (`_initiator`, `_resourceType`, `_transferSize`, `_webSocketMessages`, …).
//
// Capture writes these types, the bundle, report and replay read them. The
// sanitizer does not use them: it walks the JSON so that it keeps fields that
// these types do not know. Unknown fields of a decoded HAR are lost by these
// types, so code that rewrites a HAR must not round-trip it through them.
package har

import "encoding/json"

// HAR is the root object of a HAR file.
type HAR struct {
	Log Log `json:"log"`
}

// Log is the `log` object: the creator, the browser, the pages and the entries.
type Log struct {
	Version string   `json:"version"`
	Creator Creator  `json:"creator"`
	Browser *Creator `json:"browser,omitempty"`
	Pages   []Page   `json:"pages"`
	Entries []Entry  `json:"entries"`
	Comment string   `json:"comment,omitempty"`
}

// Creator names the program that wrote the log, or the browser it recorded.
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Comment string `json:"comment,omitempty"`
}

// Page is one top-level page load.
type Page struct {
	StartedDateTime string      `json:"startedDateTime"`
	ID              string      `json:"id"`
	Title           string      `json:"title"`
	PageTimings     PageTimings `json:"pageTimings"`
	Comment         string      `json:"comment,omitempty"`
	// TargetID is the CDP target of the tab or popup the page loaded in
	// (Reprokit's; dom.json names its tabs by the same id).
	TargetID string `json:"_targetId,omitempty"`
}

// PageTimings are milliseconds from StartedDateTime; -1 when unknown.
type PageTimings struct {
	OnContentLoad float64 `json:"onContentLoad"`
	OnLoad        float64 `json:"onLoad"`
}

// Entry is one HTTP exchange (one redirect hop), a websocket or an SSE stream.
type Entry struct {
	Pageref         string   `json:"pageref,omitempty"`
	StartedDateTime string   `json:"startedDateTime"`
	Time            float64  `json:"time"`
	Request         Request  `json:"request"`
	Response        Response `json:"response"`
	Cache           Cache    `json:"cache"`
	Timings         Timings  `json:"timings"`
	ServerIPAddress string   `json:"serverIPAddress,omitempty"`
	Connection      string   `json:"connection,omitempty"`
	Comment         string   `json:"comment,omitempty"`

	// DevTools custom fields.
	Initiator           json.RawMessage      `json:"_initiator,omitempty"`
	Priority            string               `json:"_priority,omitempty"`
	ResourceType        string               `json:"_resourceType,omitempty"`
	TransferSize        int64                `json:"_transferSize"`
	FromCache           string               `json:"_fromCache,omitempty"` // "memory" or "disk"
	FromServiceWorker   bool                 `json:"_fromServiceWorker,omitempty"`
	Error               string               `json:"_error,omitempty"`
	ConnectionID        string               `json:"_connectionId,omitempty"`
	WebSocketMessages   []WebSocketMessage   `json:"_webSocketMessages,omitempty"`
	EventSourceMessages []EventSourceMessage `json:"_eventSourceMessages,omitempty"`

	// Reprokit custom fields (documented in docs/BUNDLE.md).
	RequestID      string          `json:"_requestId,omitempty"`  // CDP Network.RequestId
	Target         string          `json:"_target,omitempty"`     // target type: page, iframe, worker, service_worker, popup, …
	FrameID        string          `json:"_frameId,omitempty"`    // CDP frame id
	Incomplete     bool            `json:"_incomplete,omitempty"` // still in flight when recording stopped
	BlockedReason  string          `json:"_blockedReason,omitempty"`
	CorsError      string          `json:"_corsError,omitempty"`
	WebSocketClose *WebSocketClose `json:"_webSocketClose,omitempty"`
}

// Request is the request of an entry.
type Request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []Cookie    `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	QueryString []NameValue `json:"queryString"`
	PostData    *PostData   `json:"postData,omitempty"`
	HeadersSize int64       `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
	Comment     string      `json:"comment,omitempty"`
}

// Response is the response of an entry. Status is 0 for a failed request.
type Response struct {
	Status       int         `json:"status"`
	StatusText   string      `json:"statusText"`
	HTTPVersion  string      `json:"httpVersion"`
	Cookies      []Cookie    `json:"cookies"`
	Headers      []NameValue `json:"headers"`
	Content      Content     `json:"content"`
	RedirectURL  string      `json:"redirectURL"`
	HeadersSize  int64       `json:"headersSize"`
	BodySize     int64       `json:"bodySize"`
	TransferSize int64       `json:"_transferSize"`
	Error        string      `json:"_error,omitempty"`
	Comment      string      `json:"comment,omitempty"`

	// DevTools service-worker fields: the response came through a service
	// worker, from which source ("network", "cache-storage", "http-cache",
	// "fallback-code") and, for Cache Storage, which cache.
	FetchedViaServiceWorker       bool   `json:"_fetchedViaServiceWorker,omitempty"`
	ServiceWorkerResponseSource   string `json:"_serviceWorkerResponseSource,omitempty"`
	ResponseCacheStorageCacheName string `json:"_responseCacheStorageCacheName,omitempty"`
}

// NameValue is a header or a query parameter.
type NameValue struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Comment string `json:"comment,omitempty"`
}

// Cookie is a request or response cookie.
type Cookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Path     string `json:"path,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Expires  string `json:"expires,omitempty"`
	HTTPOnly bool   `json:"httpOnly,omitempty"`
	Secure   bool   `json:"secure,omitempty"`
	SameSite string `json:"sameSite,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// PostData is the body of a request.
type PostData struct {
	MimeType string  `json:"mimeType"`
	Params   []Param `json:"params,omitempty"`
	Text     string  `json:"text"`
	Encoding string  `json:"_encoding,omitempty"` // "base64" for a binary body
	Comment  string  `json:"comment,omitempty"`
}

// Param is one field of a urlencoded or multipart body.
type Param struct {
	Name        string `json:"name"`
	Value       string `json:"value,omitempty"`
	FileName    string `json:"fileName,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

// Content is the body of a response. Encoding is "base64" for binary text.
type Content struct {
	Size        int64  `json:"size"`
	Compression int64  `json:"compression,omitempty"`
	MimeType    string `json:"mimeType"`
	Text        string `json:"text,omitempty"`
	Encoding    string `json:"encoding,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

// Cache is the HAR cache object; DevTools writes it empty.
type Cache struct {
	BeforeRequest *CacheState `json:"beforeRequest,omitempty"`
	AfterRequest  *CacheState `json:"afterRequest,omitempty"`
}

// CacheState describes a cache entry.
type CacheState struct {
	Expires    string `json:"expires,omitempty"`
	LastAccess string `json:"lastAccess"`
	ETag       string `json:"eTag"`
	HitCount   int    `json:"hitCount"`
}

// Timings are milliseconds; -1 when a phase does not apply.
type Timings struct {
	Blocked                  float64 `json:"blocked"`
	DNS                      float64 `json:"dns"`
	SSL                      float64 `json:"ssl"`
	Connect                  float64 `json:"connect"`
	Send                     float64 `json:"send"`
	Wait                     float64 `json:"wait"`
	Receive                  float64 `json:"receive"`
	BlockedQueueing          float64 `json:"_blocked_queueing,omitempty"`
	BlockedProxy             float64 `json:"_blocked_proxy,omitempty"`
	WorkerStart              float64 `json:"_workerStart,omitempty"`
	WorkerReady              float64 `json:"_workerReady,omitempty"`
	WorkerFetchStart         float64 `json:"_workerFetchStart,omitempty"`
	WorkerRespondWithSettled float64 `json:"_workerRespondWithSettled,omitempty"`
	Comment                  string  `json:"comment,omitempty"`
}

// WebSocketMessage is one websocket frame as DevTools exports it.
// Type is "send" or "receive"; Opcode is 1 for text and 2 for binary
// (Data is then base64).
type WebSocketMessage struct {
	Type   string  `json:"type"`
	Time   float64 `json:"time"` // seconds since the epoch
	Opcode int     `json:"opcode"`
	Data   string  `json:"data"`
}

// WebSocketClose records how a websocket ended (Reprokit field).
type WebSocketClose struct {
	Time   float64 `json:"time"`
	Error  string  `json:"error,omitempty"`
	Closed bool    `json:"closed"`
	// Code and Reason are the close event's as the page saw them (1000
	// normal, 1006 abnormal: no close frame); 0 when unknown.
	Code   int    `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// EventSourceMessage is one server-sent event as DevTools exports it.
type EventSourceMessage struct {
	Time      float64 `json:"time"` // seconds since the epoch
	EventName string  `json:"eventName"`
	EventID   string  `json:"eventId"`
	Data      string  `json:"data"`
}
