package native

// preview recomputes the review with the reporter's current choices
// (domains excluded, screenshots deleted), so that what the review counts
// (size, removed secrets, what is left out) is what Save writes. The
// reply comes at once; a state message in review with the new review
// follows. A newer preview or a save makes an older one's result stale:
// it is not sent.
func init() {
	register("preview", handler{run: func(h *Host, req Request) (any, error) {
		s, d, err := h.reviewRequest(req, "review")
		if err != nil {
			return nil, err
		}
		gen := s.previewGen.Add(1)
		s.work.Add(1)
		go func() {
			defer s.work.Done()
			s.repreview(d, gen)
		}()
		return nil, nil
	}})
}
