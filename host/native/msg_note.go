package native

import (
	"time"
	"unicode/utf8"

	"github.com/reprokit/reprokit/host/spool"
)

// maxNote caps a note: a marker with a sentence, not a document.
const maxNote = 4000

// note adds a timestamped marker with the reporter's text to the recording.
func init() {
	register("note", handler{run: func(h *Host, req Request) (any, error) {
		var d struct {
			Text string `json:"text"`
		}
		if err := decode(req, &d); err != nil {
			return nil, err
		}
		if d.Text == "" || utf8.RuneCountInString(d.Text) > maxNote {
			return nil, Errorf(CodeBadData, "", "a note has 1 to %d characters", maxNote)
		}
		s, err := h.recording(PhaseRecording, PhasePaused)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		eng := s.eng
		s.mu.Unlock()
		if err := eng.Note(d.Text); err != nil {
			return nil, Errorf(CodeInternal, "", "add the note: %v", err)
		}
		// recording.json keeps the notes too, with their time.
		stamp := time.Now().Format(time.RFC3339)
		s.dir.Update(func(m *spool.Meta) error { m.Notes = append(m.Notes, stamp+" "+d.Text); return nil })
		return nil, nil
	}})
}
