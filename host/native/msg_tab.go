package native

import "github.com/reprokit/reprokit/host/bridge"

// tab.attached reports a popup or new tab the recorded tab opened, which the
// extension attached its debugger to; tab.detached reports
// chrome.debugger.onDetach (target_closed, canceled_by_user). Neither gets a
// reply.
func init() {
	register("tab.attached", handler{notify: true, run: func(h *Host, req Request) (any, error) {
		var d bridge.Tab
		if err := decode(req, &d); err != nil {
			return nil, err
		}
		if d.TabID == 0 || d.TargetID == "" {
			return nil, Errorf(CodeBadData, "", "tab.attached needs tabId and targetId")
		}
		if br := h.bridge(); br != nil {
			br.AttachTab(d)
		}
		return nil, nil
	}})
	register("tab.detached", handler{notify: true, run: func(h *Host, req Request) (any, error) {
		var d struct {
			TabID  int    `json:"tabId"`
			Reason string `json:"reason"`
		}
		if err := decode(req, &d); err != nil {
			return nil, err
		}
		if br := h.bridge(); br != nil {
			br.DetachTab(d.TabID, bridge.DetachReason(d.Reason))
		}
		return nil, nil
	}})
}
