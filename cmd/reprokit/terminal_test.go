package main

import (
	"bytes"
	"fmt"
	"testing"
)

// replay's log and table go through terminalWriter: a URL from a hostile
// HAR cannot clear the screen or set the title, and the lines stay lines.
func TestTerminalWriterEscapesControlsAndKeepsLines(t *testing.T) {
	var b bytes.Buffer
	fmt.Fprintf(terminalWriter{&b}, "replay: exact GET http://x/\x1b[2J\x1b]0;PWNED\x07 …\nnext line\n")
	want := "replay: exact GET http://x/\\x1b[2J\\x1b]0;PWNED\\x07 …\nnext line\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
