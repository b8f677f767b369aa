package native

// reset forgets the outcome of the last recording (done or error) so the
// popup shows idle again.
func init() {
	register("reset", handler{run: func(h *Host, req Request) (any, error) {
		h.mu.Lock()
		h.last = nil
		h.mu.Unlock()
		return h.current().withError(), nil
	}})
}
