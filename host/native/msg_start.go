package native

import "strings"

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
		if !recordable(d.Tab.URL) {
			return nil, Errorf(CodeCannotRecordPage, "Open the website you want to record in this tab, then press Record.",
				"Chrome does not let extensions record %s", d.Tab.URL)
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

// recordable reports whether Chrome lets chrome.debugger attach to a page:
// not its own pages (chrome://, extensions, devtools) nor the Web Store.
// The extension checks first; the host checks again for a clear error.
func recordable(url string) bool {
	u := strings.ToLower(url)
	for _, p := range []string{"chrome://", "chrome-extension://", "chrome-search://", "chrome-untrusted://", "devtools://", "edge://", "brave://", "view-source:",
		"https://chromewebstore.google.com", "https://chrome.google.com/webstore"} {
		if strings.HasPrefix(u, p) {
			return false
		}
	}
	return true
}
