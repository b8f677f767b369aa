package native

// discard deletes the stopped recording without saving it.
func init() {
	register("discard", handler{run: func(h *Host, req Request) (any, error) {
		h.mu.Lock()
		s := h.rec
		h.mu.Unlock()
		if s == nil || s.snapshot().Phase != PhaseReview {
			return nil, Errorf(CodeNothingToReview, "", "there is no stopped recording to discard")
		}
		s.discard()
		return nil, nil
	}})
}
