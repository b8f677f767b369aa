package capture

// SetTextMask turns painting over flagged text on or off, for the
// benchmark's same-run baseline. No option does this: a recording always
// masks.
func SetTextMask(r *Recorder, on bool) { r.noTextMask = !on }
