package native

import "github.com/reprokit/reprokit/host/version"

// hello: the extension's protocol version against the host's. A mismatch is
// refused with CodeVersionMismatch and the fix; on a match the host says
// where bundles go and whether the review is skipped, and starts recovering
// the recordings a killed host left behind.
func init() {
	register("hello", handler{beforeHello: true, run: func(h *Host, req Request) (any, error) {
		var d struct {
			Protocol  int    `json:"protocol"`
			Extension string `json:"extension"`
			// Locale is chrome.i18n.getUILanguage(), the popup's language
			Locale string `json:"locale"`
		}
		if err := decode(req, &d); err != nil {
			return nil, err
		}
		if d.Protocol != protocolVersion() {
			e := Errorf(CodeVersionMismatch, "Install the same version of the Reprokit extension and host (`reprokit install` updates the host).",
				"the extension speaks protocol %d, the host %d", d.Protocol, protocolVersion())
			e.Params["host"] = protocolVersion()
			e.Params["extension"] = d.Protocol
			return nil, e
		}
		h.mu.Lock()
		first := h.helloV == 0
		h.helloV = d.Protocol
		h.locale = d.Locale
		h.mu.Unlock()
		if first {
			go h.recoverLeftovers()
		}
		return map[string]any{
			"protocol": protocolVersion(),
			"tool":     version.Version,
			"outDir":   h.outDir,
			"autoSave": h.auto,
			"state":    h.current().withError(),
		}, nil
	}})
}
