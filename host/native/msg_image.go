package native

import (
	"encoding/base64"
	"os"
	"path"
	"strings"
)

// image returns one screenshot of the recording in review at full size
// (as a data: URL), for the review's viewer: the image as it was captured,
// masked, before any blackout the reporter adds. Only a screenshot the
// review lists can be asked for.
func init() {
	register("image", handler{run: func(h *Host, req Request) (any, error) {
		var d struct {
			File string `json:"file"`
		}
		if err := decode(req, &d); err != nil {
			return nil, err
		}
		h.mu.Lock()
		s := h.rec
		h.mu.Unlock()
		if s == nil {
			return nil, Errorf(CodeNothingToReview, "Stop a recording first.", "there is no recording in review")
		}
		st := s.snapshot()
		if st.Phase != PhaseReview || st.Review == nil {
			return nil, Errorf(CodeNothingToReview, "Stop a recording first.", "there is no recording in review")
		}
		listed := false
		for _, sh := range st.Review.Screenshots {
			listed = listed || sh.File == d.File
		}
		clean := path.Clean(d.File)
		if !listed || clean != d.File || !strings.HasPrefix(clean, "screenshots/") || strings.Contains(clean, "..") {
			return nil, Errorf(CodeBadData, "", "image needs a screenshot the review lists")
		}
		b, err := os.ReadFile(s.dir.Join(clean))
		if err != nil {
			return nil, Errorf(CodeNothingToReview, "", "read the screenshot: %v", err)
		}
		mime := "image/png"
		if strings.HasSuffix(clean, ".jpg") || strings.HasSuffix(clean, ".jpeg") {
			mime = "image/jpeg"
		}
		return map[string]string{"file": clean, "src": "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b)}, nil
	}})
}
