package native

// status returns the state of the port's recording (the same data as the
// state messages), for a popup that opens while a recording runs.
func init() {
	register("status", handler{run: func(h *Host, req Request) (any, error) {
		return h.current().withError(), nil
	}})
}
