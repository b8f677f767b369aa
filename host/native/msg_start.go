package native

// start begins recording the tab the extension attached chrome.debugger to.
// The reply only says the recording is starting: state messages follow
// (recording, or error with the cause).
func init() {
	register("start", handler{run: func(h *Host, req Request) (any, error) {
		var d startRequest
		if err := decode(req, &d); err != nil {
			return nil, err
		}
		if d.Tab.TabID == 0 || d.Tab.TargetID == "" {
			return nil, Errorf(CodeBadData, "", "start needs tab.tabId and tab.targetId")
		}
		if d.Limits.MaxSeconds < 0 || d.Limits.MaxBytes < 0 {
			return nil, Errorf(CodeBadData, "", "limits cannot be negative")
		}
		s, err := h.begin(d)
		if err != nil {
			return nil, err
		}
		return map[string]any{"autoSave": h.auto, "outDir": h.outDir, "state": s.snapshot().withError()}, nil
	}})
}
