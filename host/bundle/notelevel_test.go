package bundle

import "testing"

// shows the reporter's notes as notes, not as plain log lines.
func TestKeepsReporterNotesApartFromLogLines(t *testing.T) {
	for in, want := range map[string]string{"note": "note", "NOTE": "note", "log": "log", "warn": "warning", "": "log"} {
		if got := normLevel(in); got != want {
			t.Errorf("normLevel(%q) = %q, want %q", in, got, want)
		}
	}
}
