package native

// screenshot takes a screenshot of the recorded tab now (sensitive inputs
// masked by the capture engine). The reply comes once it is in the spool.
func init() {
	register("screenshot", handler{run: func(h *Host, req Request) (any, error) {
		var d struct {
			Reason string `json:"reason"`
		}
		if err := decode(req, &d); err != nil {
			return nil, err
		}
		if d.Reason == "" {
			d.Reason = "user"
		}
		s, err := h.recording(PhaseRecording)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		eng := s.eng
		s.mu.Unlock()
		// The capture waits for the tab's reply, which comes through this
		// port: never wait for it in the dispatcher.
		go func() {
			if err := eng.Screenshot(d.Reason); err != nil {
				h.log.Printf("screenshot: %v", err)
			}
			s.pushLive() // the counter shows whether it was taken
		}()
		return nil, nil
	}})
}
