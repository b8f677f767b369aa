package native

import (
	"encoding/json"

	"github.com/reprokit/reprokit/host/bridge"
)

// cdp.result and cdp.event carry chrome.debugger's replies and events to the
// bridge. They get no reply (an error reply only when malformed), and a
// message for a recording that ended is dropped.
func init() {
	register("cdp.result", handler{notify: true, run: func(h *Host, req Request) (any, error) {
		var d struct {
			ID     int64            `json:"id"`
			Result json.RawMessage  `json:"result"`
			Error  *bridge.CDPError `json:"error"`
		}
		if err := decode(req, &d); err != nil {
			return nil, err
		}
		if br := h.bridge(); br != nil {
			br.Result(d.ID, d.Result, d.Error)
		}
		return nil, nil
	}})
	register("cdp.event", handler{notify: true, run: func(h *Host, req Request) (any, error) {
		var d struct {
			TabID     int             `json:"tabId"`
			SessionID string          `json:"sessionId"`
			Method    string          `json:"method"`
			Params    json.RawMessage `json:"params"`
		}
		if err := decode(req, &d); err != nil {
			return nil, err
		}
		if d.Method == "" {
			return nil, Errorf(CodeBadData, "", "cdp.event without a method")
		}
		if br := h.bridge(); br != nil {
			br.Event(d.TabID, d.SessionID, d.Method, d.Params)
		}
		return nil, nil
	}})
}

// bridge returns the bridge of the running recording, or nil.
func (h *Host) bridge() *bridge.Transport {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rec == nil {
		return nil
	}
	return h.rec.br
}
