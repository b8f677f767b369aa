package recording

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/reprokit/reprokit/host/capture"
)

// progress prints the live figures: one updating line on a terminal,
// a line every few seconds otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	every time.Duration
	last  time.Time
}

func newProgress(w io.Writer, every time.Duration) *progress {
	if every <= 0 {
		every = 5 * time.Second
	}
	f, ok := w.(*os.File)
	return &progress{w: w, tty: ok && isTerminal(f), every: every, last: time.Now()}
}

func (p *progress) update(st capture.Stats) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[Krecording %s", formatStats(st))
		return
	}
	if time.Since(p.last) >= p.every {
		p.last = time.Now()
		fmt.Fprintf(p.w, "recording %s\n", formatStats(st))
	}
}

// clearProgress ends the updating line on a terminal.
func clearProgress(w io.Writer) {
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		fmt.Fprint(w, "\r\033[K")
	}
}

func formatStats(st capture.Stats) string {
	e := st.Elapsed.Round(time.Second)
	s := fmt.Sprintf("%02d:%02d  requests %d  failed %d  %s  screenshots %d",
		int(e.Minutes()), int(e.Seconds())%60, st.Requests, st.Failed, humanBytes(st.Bytes), st.Screenshots)
	if st.Paused {
		s += "  (paused)"
	}
	return s
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// isTerminal reports whether f is a terminal (not merely a character
// device such as /dev/null).
func isTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	info, err := f.Stat()
	if err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	return isTTY(f.Fd())
}

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}
