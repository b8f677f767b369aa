package native

// stop ends the recording: the capture stops, the spool is finalized, then
// the review is prepared, or the bundle saved at once in auto-save mode.
// The reply comes at once; state messages report the progress.
func init() {
	register("stop", handler{run: func(h *Host, req Request) (any, error) {
		s, err := h.recording(PhaseRecording, PhasePaused, PhaseStarting)
		if err != nil {
			return nil, err
		}
		s.stop(StopUser, stopText(StopUser))
		return nil, nil
	}})
}

// recording returns the port's recording if it is in one of phases.
func (h *Host) recording(phases ...Phase) (*session, error) {
	h.mu.Lock()
	s := h.rec
	h.mu.Unlock()
	if s == nil {
		return nil, Errorf(CodeNotRecording, "Press Record first.", "no recording is running")
	}
	ph := s.snapshot().Phase
	for _, p := range phases {
		if ph == p {
			return s, nil
		}
	}
	return nil, Errorf(CodeNotRecording, "", "the recording is %s", ph)
}
