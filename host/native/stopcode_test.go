package native

import (
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/bridge"
	"github.com/reprokit/reprokit/host/capture"
)

// The popup shows why a recording stopped from the stop code alone, so the
// code must not depend on how an error is worded or wrapped (QA: a closed
// tab showed "done: saved" without the reason).
func TestAStopCodeComesFromTheDetachOrTheCaptureErrorNotItsWording(t *testing.T) {
	cases := []struct {
		name   string
		detach bridge.DetachReason
		err    error
		code   StopCode
		text   string
	}{
		{"tab closed, bridge knows", bridge.ReasonTargetClosed, nil, StopTabClosed, "tab closed"},
		{"cancelled from the bar", bridge.ReasonCanceledByUser, capture.ErrTabClosed, StopCancelled, "cancelled from the debugging bar"},
		{"tab closed, capture noticed first", "", capture.ErrTabClosed, StopTabClosed, "tab closed"},
		{"tab closed, wrapped", "", fmt.Errorf("read the tab: %w", capture.ErrTabClosed), StopTabClosed, "tab closed"},
		{"renderer crashed", "", capture.ErrTabCrashed, StopCrashed, "tab crashed"},
		{"other detach", "replaced_with_devtools", nil, StopDetached, "debugger detached: replaced_with_devtools"},
		{"unknown end", "", errors.New("disk full"), StopEnded, "the recording ended: disk full"},
	}
	for _, c := range cases {
		code, text := endedStop(c.detach, c.err)
		if code != c.code || text != c.text {
			t.Errorf("%s: got (%q, %q), want (%q, %q)", c.name, code, text, c.code, c.text)
		}
	}
	if code, _ := detachStop(bridge.ReasonPortClosed); code != "" {
		t.Errorf("a closed port gave stop code %q; the finisher handles it", code)
	}
}

// A screenshot answered after Stop used to send the session's state again
// once it was done, and the popup went back to done after New recording:
// once a session ended it sends nothing more, and a reset finds it forgotten.
func TestAFinishedRecordingSendsNoLateState(t *testing.T) {
	var out lockedBuffer
	h := &Host{out: NewWriter(&out), log: log.New(io.Discard, "", 0)}
	s := &session{h: h, state: State{Phase: PhaseRecording, Recording: "rec-1"}}
	h.rec = s
	s.pushLive()
	if n := strings.Count(string(out.Bytes()), `"type":"state"`); n != 1 {
		t.Fatalf("a running recording sent %d live states, want 1", n)
	}
	s.end(PhaseDone, func(st *State) { st.Result = &Result{Path: "/x.zip"} })
	if h.rec != nil || h.last == nil || h.last.Phase != PhaseDone {
		t.Fatalf("after end the host still holds the session (rec %v, last %v)", h.rec, h.last)
	}
	before := string(out.Bytes())
	s.pushLive() // the late screenshot
	if string(out.Bytes()) != before {
		t.Errorf("a finished recording sent a state after its end: %s", strings.TrimPrefix(string(out.Bytes()), before))
	}
	if !strings.Contains(before, `"recording":"rec-1"`) {
		t.Errorf("the state names no recording, so the extension cannot ignore a late one: %s", before)
	}
}
