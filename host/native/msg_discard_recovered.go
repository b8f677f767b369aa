package native

import (
	"errors"
	"os"
	"strings"
)

// discardRecovered deletes a recovered bundle the reporter does not want
// (and the report.html that "open" extracted from it). Only a bundle whose
// bundle.json says it was recovered, in the output folder or recovered by
// this host, can be deleted this way; the port's own recording is
// discarded with "discard".
func init() {
	register("discardRecovered", handler{run: func(h *Host, req Request) (any, error) {
		var d struct {
			Path string `json:"path"`
		}
		if err := decode(req, &d); err != nil {
			return nil, err
		}
		p, err := h.recoveredBundle(d.Path)
		if err != nil {
			return nil, err
		}
		if err := os.Remove(p); err != nil {
			return nil, Errorf(CodeInternal, "Delete the file yourself: "+p, "delete the recovered bundle: %v", err)
		}
		if err := removeReportOf(p); err != nil {
			h.log.Printf("delete the report of %s: %v", p, err)
		}
		// reports extracted next to the bundle by earlier versions
		if err := os.Remove(strings.TrimSuffix(p, ".zip") + ".report.html"); err != nil && !errors.Is(err, os.ErrNotExist) {
			h.log.Printf("delete the report of %s: %v", p, err)
		}
		h.mu.Lock()
		kept := h.recovered[:0]
		for _, r := range h.recovered {
			if r.Path != p {
				kept = append(kept, r)
			}
		}
		h.recovered = kept
		h.mu.Unlock()
		h.log.Printf("discarded the recovered bundle %s", p)
		auditEvent("discarded", h.log)
		return nil, nil
	}})
}
