package native

// ping answers at once, before hello too: a liveness check (and the
// cold-start benchmark).
func init() {
	register("ping", handler{beforeHello: true, run: func(h *Host, req Request) (any, error) {
		return map[string]int{"protocol": protocolVersion()}, nil
	}})
}
