package native

import "time"

// pause and resume stop and restart the recording of events; the gap is
// marked in the recording.
func init() {
	register("pause", handler{run: func(h *Host, req Request) (any, error) {
		s, err := h.recording(PhaseRecording)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		eng := s.eng
		s.pausedAt = time.Now()
		s.mu.Unlock()
		eng.Pause()
		s.setPhase(PhasePaused, nil)
		return nil, nil
	}})
	register("resume", handler{run: func(h *Host, req Request) (any, error) {
		s, err := h.recording(PhasePaused)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		eng := s.eng
		if !s.pausedAt.IsZero() {
			s.paused += time.Since(s.pausedAt)
			s.pausedAt = time.Time{}
		}
		s.mu.Unlock()
		eng.Resume()
		s.setPhase(PhaseRecording, nil)
		return nil, nil
	}})
}
