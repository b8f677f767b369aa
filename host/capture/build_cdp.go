package capture

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/reprokit/reprokit/host/har"
)

// The CDP shapes the builder reads. They are deliberately small and lenient
// (missing fields are zero) so that logs written by other tools, with fewer
// fields, convert too.

// cdpHeaders is a CDP Headers object read in wire order. CDP joins repeated
// headers with "\n"; each value becomes its own header, as in DevTools.
type cdpHeaders []har.NameValue

func (h *cdpHeaders) UnmarshalJSON(b []byte) error {
	*h = nil
	dec := jsontext.NewDecoder(bytes.NewBuffer(b), jsontext.AllowDuplicateNames(true))
	tok, err := dec.ReadToken()
	if err != nil || tok.Kind() != '{' {
		return nil // not an object: ignore rather than fail the whole log
	}
	for dec.PeekKind() != '}' {
		k, err := dec.ReadToken()
		if err != nil {
			return err
		}
		name := k.String()
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		var val string
		switch v.Kind() {
		case '"':
			u, err := jsontext.AppendUnquote(nil, v)
			if err != nil {
				return err
			}
			val = string(u)
		case '0', 't', 'f':
			val = string(v)
		default:
			continue
		}
		for _, part := range strings.Split(val, "\n") {
			*h = append(*h, har.NameValue{Name: name, Value: part})
		}
	}
	return nil
}

// get returns the first value of the named header, case-insensitively.
func (h cdpHeaders) get(name string) (string, bool) {
	for _, nv := range h {
		if strings.EqualFold(nv.Name, name) {
			return nv.Value, true
		}
	}
	return "", false
}

// flexString accepts a JSON string or number (CDP ids are strings, but some
// tools write numbers).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	if _, err := strconv.ParseFloat(string(b), 64); err != nil {
		return err
	}
	*f = flexString(b)
	return nil
}

type cdpPostDataEntry struct {
	Bytes *string `json:"bytes"`
}

type cdpRequest struct {
	URL             string             `json:"url"`
	URLFragment     string             `json:"urlFragment"`
	Method          string             `json:"method"`
	Headers         cdpHeaders         `json:"headers"`
	PostData        *string            `json:"postData"`
	HasPostData     bool               `json:"hasPostData"`
	PostDataEntries []cdpPostDataEntry `json:"postDataEntries"`
	InitialPriority string             `json:"initialPriority"`
}

type cdpTiming struct {
	RequestTime              float64 `json:"requestTime"`
	ProxyStart               float64 `json:"proxyStart"`
	ProxyEnd                 float64 `json:"proxyEnd"`
	DNSStart                 float64 `json:"dnsStart"`
	DNSEnd                   float64 `json:"dnsEnd"`
	ConnectStart             float64 `json:"connectStart"`
	ConnectEnd               float64 `json:"connectEnd"`
	SSLStart                 float64 `json:"sslStart"`
	SSLEnd                   float64 `json:"sslEnd"`
	WorkerStart              float64 `json:"workerStart"`
	WorkerReady              float64 `json:"workerReady"`
	WorkerFetchStart         float64 `json:"workerFetchStart"`
	WorkerRespondWithSettled float64 `json:"workerRespondWithSettled"`
	SendStart                float64 `json:"sendStart"`
	SendEnd                  float64 `json:"sendEnd"`
	ReceiveHeadersEnd        float64 `json:"receiveHeadersEnd"`
}

type cdpResponse struct {
	URL               string     `json:"url"`
	Status            int        `json:"status"`
	StatusText        string     `json:"statusText"`
	Headers           cdpHeaders `json:"headers"`
	HeadersText       string     `json:"headersText"`
	MimeType          string     `json:"mimeType"`
	RequestHeaders    cdpHeaders `json:"requestHeaders"`
	RequestHeadersTxt string     `json:"requestHeadersText"`
	ConnectionID      flexString `json:"connectionId"`
	RemoteIPAddress   string     `json:"remoteIPAddress"`
	RemotePort        int        `json:"remotePort"`
	FromDiskCache     bool       `json:"fromDiskCache"`
	FromServiceWorker bool       `json:"fromServiceWorker"`
	FromPrefetchCache bool       `json:"fromPrefetchCache"`
	EncodedDataLength float64    `json:"encodedDataLength"`
	Timing            *cdpTiming `json:"timing"`
	Protocol          string     `json:"protocol"`
	HasExtraInfo      *bool      `json:"hasExtraInfo"` // nil when the log's browser does not say

	ServiceWorkerResponseSource string `json:"serviceWorkerResponseSource"`
	CacheStorageCacheName       string `json:"cacheStorageCacheName"`
}

type evRequestWillBeSent struct {
	RequestID            flexString      `json:"requestId"`
	LoaderID             string          `json:"loaderId"`
	DocumentURL          string          `json:"documentURL"`
	Request              cdpRequest      `json:"request"`
	Timestamp            float64         `json:"timestamp"`
	WallTime             float64         `json:"wallTime"`
	Initiator            json.RawMessage `json:"initiator"`
	RedirectHasExtraInfo *bool           `json:"redirectHasExtraInfo"`
	RedirectResponse     *cdpResponse    `json:"redirectResponse"`
	Type                 string          `json:"type"`
	FrameID              string          `json:"frameId"`
}

type evResponseReceived struct {
	RequestID    flexString  `json:"requestId"`
	LoaderID     string      `json:"loaderId"`
	Timestamp    float64     `json:"timestamp"`
	Type         string      `json:"type"`
	Response     cdpResponse `json:"response"`
	HasExtraInfo *bool       `json:"hasExtraInfo"`
	FrameID      string      `json:"frameId"`
}

type evRequestExtraInfo struct {
	RequestID         flexString            `json:"requestId"`
	Headers           cdpHeaders            `json:"headers"`
	AssociatedCookies []cdpAssociatedCookie `json:"associatedCookies"`
}

// cdpAssociatedCookie is a cookie the browser considered for a request;
// it was sent when BlockedReasons is empty.
type cdpAssociatedCookie struct {
	BlockedReasons []string `json:"blockedReasons"`
	Cookie         struct {
		Name     string  `json:"name"`
		Value    string  `json:"value"`
		Domain   string  `json:"domain"`
		Path     string  `json:"path"`
		Expires  float64 `json:"expires"` // seconds since the epoch; -1 for a session cookie
		HTTPOnly bool    `json:"httpOnly"`
		Secure   bool    `json:"secure"`
		Session  bool    `json:"session"`
		SameSite string  `json:"sameSite"`
	} `json:"cookie"`
}

type evResponseExtraInfo struct {
	RequestID   flexString `json:"requestId"`
	Headers     cdpHeaders `json:"headers"`
	StatusCode  int        `json:"statusCode"`
	HeadersText string     `json:"headersText"`
}

type cdpCorsErrorStatus struct {
	CorsError       string `json:"corsError"`
	FailedParameter string `json:"failedParameter"`
}

type evLoadingFailed struct {
	RequestID       flexString          `json:"requestId"`
	Timestamp       float64             `json:"timestamp"`
	Type            string              `json:"type"`
	ErrorText       string              `json:"errorText"`
	Canceled        bool                `json:"canceled"`
	BlockedReason   string              `json:"blockedReason"`
	CorsErrorStatus *cdpCorsErrorStatus `json:"corsErrorStatus"`
}

type evLoadingFinished struct {
	RequestID         flexString `json:"requestId"`
	Timestamp         float64    `json:"timestamp"`
	EncodedDataLength float64    `json:"encodedDataLength"`
}

type evDataReceived struct {
	RequestID         flexString `json:"requestId"`
	Timestamp         float64    `json:"timestamp"`
	DataLength        int64      `json:"dataLength"`
	EncodedDataLength int64      `json:"encodedDataLength"`
}

type evRequestID struct {
	RequestID   flexString `json:"requestId"`
	Timestamp   float64    `json:"timestamp"`
	NewPriority string     `json:"newPriority"`
}

type evWebSocketCreated struct {
	RequestID flexString      `json:"requestId"`
	URL       string          `json:"url"`
	Initiator json.RawMessage `json:"initiator"`
}

type evWebSocketHandshakeRequest struct {
	RequestID flexString `json:"requestId"`
	Timestamp float64    `json:"timestamp"`
	WallTime  float64    `json:"wallTime"`
	Request   struct {
		Headers cdpHeaders `json:"headers"`
	} `json:"request"`
}

type evWebSocketHandshakeResponse struct {
	RequestID flexString `json:"requestId"`
	Timestamp float64    `json:"timestamp"`
	Response  struct {
		Status             int        `json:"status"`
		StatusText         string     `json:"statusText"`
		Headers            cdpHeaders `json:"headers"`
		HeadersText        string     `json:"headersText"`
		RequestHeaders     cdpHeaders `json:"requestHeaders"`
		RequestHeadersText string     `json:"requestHeadersText"`
	} `json:"response"`
}

type evWebSocketFrame struct {
	RequestID    flexString `json:"requestId"`
	Timestamp    float64    `json:"timestamp"`
	ErrorMessage string     `json:"errorMessage"`
	Response     struct {
		Opcode      int    `json:"opcode"`
		Mask        bool   `json:"mask"`
		PayloadData string `json:"payloadData"`
	} `json:"response"`
}

type evEventSourceMessage struct {
	RequestID flexString `json:"requestId"`
	Timestamp float64    `json:"timestamp"`
	EventName string     `json:"eventName"`
	EventID   string     `json:"eventId"`
	Data      string     `json:"data"`
}

type cdpTargetInfo struct {
	TargetID         string `json:"targetId"`
	Type             string `json:"type"`
	Title            string `json:"title"`
	URL              string `json:"url"`
	OpenerID         string `json:"openerId"`
	ParentFrameID    string `json:"parentFrameId"`
	BrowserContextID string `json:"browserContextId"`
}

type evAttachedToTarget struct {
	SessionID  string        `json:"sessionId"`
	TargetInfo cdpTargetInfo `json:"targetInfo"`
}

type evTargetInfo struct {
	TargetInfo cdpTargetInfo `json:"targetInfo"`
}

type cdpFrame struct {
	ID       string `json:"id"`
	ParentID string `json:"parentId"`
	LoaderID string `json:"loaderId"`
	URL      string `json:"url"`
	URLFrag  string `json:"urlFragment"`
}

type evFrameNavigated struct {
	Frame cdpFrame `json:"frame"`
	Type  string   `json:"type"`
}

type evFrameStartedNavigating struct {
	FrameID  string `json:"frameId"`
	URL      string `json:"url"`
	LoaderID string `json:"loaderId"`
}

type evTimestamp struct {
	Timestamp float64 `json:"timestamp"`
}

// reprokitPageTitle is the params of a Reprokit.pageTitle record.
type reprokitPageTitle struct {
	Title    string `json:"title"`
	URL      string `json:"url"`
	TargetID string `json:"targetId"`
}
