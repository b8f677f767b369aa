package spool

import (
	"encoding/json"
	"strings"
)

// MaskBox is one region of a screenshot painted over because the text or
// input value under it holds what the detectors flag: in CSS pixels of
// the image (its top left corner is 0,0), with the kind of what it hides
// ("card", "email", "reporter" for a region the reporter blacked out).
type MaskBox struct {
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Kind   string  `json:"kind"`
}

// Masks is the `masked` field of a screenshots.json entry, in the spool
// and in the bundle: the boxes painted over flagged text, empty when
// there was none. Earlier versions wrote a boolean there (true: the mask
// style was on); it reads as an empty list, and false as nil. A nil Masks
// means the capture was not masked.
type Masks []MaskBox

// MarshalJSON writes the boxes, `[]` when there are none.
func (m Masks) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]MaskBox(m))
}

// UnmarshalJSON reads a list of boxes or an earlier version's boolean.
func (m *Masks) UnmarshalJSON(b []byte) error {
	switch strings.TrimSpace(string(b)) {
	case "true":
		*m = Masks{}
		return nil
	case "false", "null":
		*m = nil
		return nil
	}
	var boxes []MaskBox
	if err := json.Unmarshal(b, &boxes); err != nil {
		return err
	}
	if boxes == nil {
		boxes = []MaskBox{}
	}
	*m = boxes
	return nil
}
