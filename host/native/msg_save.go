package native

// save writes the bundle with the reporter's review choices (domains to
// exclude, screenshots to drop, fields). The reply comes at once; state
// messages report saving, then done with the path (or the review again with
// the error, for example secrets found).
func init() {
	register("save", handler{run: func(h *Host, req Request) (any, error) {
		s, d, err := h.reviewRequest(req, "save")
		if err != nil {
			return nil, err
		}
		s.work.Add(1)
		go func() {
			defer s.work.Done()
			s.save(d)
		}()
		return nil, nil
	}})
}

// reviewRequest decodes a save or preview request and returns the
// session in review it is for; what names the action in the error.
func (h *Host) reviewRequest(req Request, what string) (*session, SaveRequest, error) {
	var d SaveRequest
	if err := decode(req, &d); err != nil {
		return nil, d, err
	}
	h.mu.Lock()
	s := h.rec
	h.mu.Unlock()
	if s == nil || s.snapshot().Phase != PhaseReview {
		return nil, d, Errorf(CodeNothingToReview, "Stop a recording first.", "there is no recording to %s", what)
	}
	return s, d, nil
}
