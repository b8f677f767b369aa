package native

import "github.com/reprokit/reprokit/host/bundle"

// Phase is where the recording of a port is. The popup's status text starts
// with the phase (idle, recording, paused, review, saving, done, error); the
// short-lived starting and stopping show as recording.
type Phase string

// The phases, in the order a recording goes through them.
const (
	PhaseIdle      Phase = "idle"
	PhaseStarting  Phase = "starting"
	PhaseRecording Phase = "recording"
	PhasePaused    Phase = "paused"
	PhaseStopping  Phase = "stopping"
	PhaseReview    Phase = "review"
	PhaseSaving    Phase = "saving"
	PhaseDone      Phase = "done"
	PhaseError     Phase = "error"
)

// attached reports whether the extension must keep chrome.debugger attached
// in this phase: the capture engine still talks to the tab until it stopped.
func (p Phase) attached() bool {
	return p == PhaseStarting || p == PhaseRecording || p == PhasePaused || p == PhaseStopping
}

// State is the data of the "state" message and of the status reply: all the
// popup needs to draw itself, so a reopened popup shows a running recording.
type State struct {
	Phase Phase `json:"phase"`
	// Attached tells the extension to keep its debugger on the recorded tabs;
	// when false it detaches them.
	Attached   bool     `json:"attached"`
	TabID      int      `json:"tabId,omitempty"`
	URL        string   `json:"url,omitempty"`
	Started    string   `json:"started,omitempty"` // RFC 3339 with offset
	ElapsedMs  int64    `json:"elapsedMs"`
	Stats      Stats    `json:"stats"`
	Limits     Limits   `json:"limits"`
	StopReason string   `json:"stopReason,omitempty"` // English, for support and the bundle
	StopCode   StopCode `json:"stopCode,omitempty"`   // what the popup shows, localized
	// Recording names the recording (its spool folder) so the extension can
	// ignore a state of a recording the user already dismissed.
	Recording string `json:"recording,omitempty"`
	AutoSave  bool   `json:"autoSave"`
	// Seal says who the bundle will be sealed for (the review shows it);
	// nil when bundles are not sealed.
	Seal      *SealInfo      `json:"seal,omitempty"`
	Review    *bundle.Review `json:"review,omitempty"`
	Result    *Result        `json:"result,omitempty"`
	Error     *Error         `json:"-"`
	ErrorInfo any            `json:"error,omitempty"`
}

// Stats are the live counters of a recording.
type Stats struct {
	Requests    int   `json:"requests"`
	Failed      int   `json:"failed"`
	Bytes       int64 `json:"bytes"`
	Screenshots int   `json:"screenshots"`
}

// Limits stop a recording cleanly when reached; 0 is no limit.
type Limits struct {
	MaxSeconds int   `json:"maxSeconds,omitempty"`
	MaxBytes   int64 `json:"maxBytes,omitempty"`
}

// Result is a saved bundle.
type Result struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// SupportRequest is the bundle's SUPPORT_REQUEST.md (sanitized), to
	// paste into the support ticket; also for a sealed bundle.
	SupportRequest string `json:"supportRequest,omitempty"`
	// SealedFor says who alone can open a sealed bundle.
	SealedFor *SealInfo `json:"sealedFor,omitempty"`
}

// SealInfo is who bundles are sealed for (the managed sealTo): the label
// and the recipients by fingerprint (never a key in full).
type SealInfo struct {
	Label      string   `json:"label,omitempty"`
	Recipients []string `json:"recipients"`
	Required   bool     `json:"required,omitempty"`
}

// withError fills ErrorInfo from Error for the wire.
func (s State) withError() State {
	if s.Error != nil {
		info := map[string]any{"code": s.Error.Code}
		for k, v := range s.Error.Params {
			info[k] = v
		}
		s.ErrorInfo = info
	}
	s.Attached = s.Phase.attached()
	return s
}

// StopCode says why a recording stopped, as a stable word the popup maps to
// its localized text (docs/PROTOCOL.md, "Stop codes"). The English
// StopReason beside it goes into the bundle for support.
type StopCode string

// The stop codes. Codes are never renamed; new ones are added.
const (
	StopUser        StopCode = "user"         // the Stop button
	StopTabClosed   StopCode = "tab-closed"   // the recorded tab was closed
	StopCancelled   StopCode = "cancelled"    // Cancel on Chrome's debugging bar
	StopMaxDuration StopCode = "max-duration" // the maximum duration was reached
	StopMaxSize     StopCode = "max-size"     // the maximum size was reached
	StopCrashed     StopCode = "crashed"      // the tab's renderer crashed
	StopDetached    StopCode = "detached"     // chrome.debugger detached for another reason
	StopEnded       StopCode = "ended"        // the capture ended by itself (the reason says why)
)

// stopText is the English stop reason of code written into the recording.
func stopText(code StopCode) string {
	switch code {
	case StopUser:
		return "stopped by the user"
	case StopTabClosed:
		return "tab closed"
	case StopCancelled:
		return "cancelled from the debugging bar"
	case StopMaxDuration:
		return "maximum duration reached"
	case StopMaxSize:
		return "maximum size reached"
	case StopCrashed:
		return "tab crashed"
	}
	return "the recording ended"
}
