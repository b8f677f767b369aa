package replay

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // recorded screenshots may be JPEG
	_ "image/png"
	"io"
	"net/url"
	"text/tabwriter"
)

// Report is the fidelity of one replay. Counts are numbers of requests;
// Coverage, ArchiveUsed and ScreenshotDiff are fractions from 0 to 1.
type Report struct {
	// Requests is how many requests the browser made (websockets
	// included, the browser's own favicon request not).
	Requests int `json:"requests"`
	// ServedExact and ServedFuzzy answered from a recorded response.
	ServedExact int `json:"served_exact"`
	ServedFuzzy int `json:"served_fuzzy"`
	// Synthesized are CORS preflights the recording did not hold, allowed
	// so that the recorded answer of the real request decides.
	Synthesized int `json:"synthesized"`
	// FailedAsRecorded failed for the user and failed again.
	FailedAsRecorded int `json:"failed_as_recorded"`
	// Unmatched fit no recorded entry and failed as blocked.
	Unmatched int `json:"unmatched"`
	// Coverage is the share of the browser's requests answered from the
	// recording: (exact + fuzzy + failed as recorded) / requests. A
	// synthesized preflight is not from the recording, so it does not count.
	Coverage float64 `json:"coverage"`
	// ArchiveUsed is the share of recorded entries served at least once.
	ArchiveUsed float64 `json:"archive_used"`
	// StepsOK and StepsTotal count the steps run with --steps (0 without).
	StepsOK    int `json:"steps_ok"`
	StepsTotal int `json:"steps_total"`
	// ScreenshotDiff is the largest share of differing pixels over the
	// recorded screenshots paired with replay screenshots of the same page.
	ScreenshotDiff float64 `json:"screenshot_diff"`

	// Details.
	// Ignored counts the browser's own favicon requests that the
	// recording does not hold (DevTools exports leave them out); they are
	// answered 204 and not counted in Requests.
	Ignored         int              `json:"ignored,omitempty"`
	ScreenshotPairs []ScreenshotPair `json:"screenshot_pairs,omitempty"`
	UnmatchedList   []RequestLog     `json:"unmatched_requests,omitempty"`
	Steps           []StepResult     `json:"steps,omitempty"`
	WebSocketFrames struct {
		Sent     int `json:"sent"`
		Received int `json:"received"`
	} `json:"websocket_frames"`
	Pages    int          `json:"pages"`
	TimedOut bool         `json:"timed_out,omitempty"`
	Duration string       `json:"duration"`
	Log      []RequestLog `json:"log"`
}

// ScreenshotPair is one recorded screenshot and the replay screenshot it was
// compared with.
type ScreenshotPair struct {
	Recorded string  `json:"recorded"`
	Replay   string  `json:"replay,omitempty"`
	URL      string  `json:"url,omitempty"`
	Diff     float64 `json:"diff"`
	Note     string  `json:"note,omitempty"`
}

func (r *Report) fill(s *server, a *Archive, p *wsPlayer) {
	s.mu.Lock()
	r.Log = append([]RequestLog(nil), s.log...)
	s.mu.Unlock()
	for _, l := range r.Log {
		switch l.Outcome {
		case Ignored:
			r.Ignored++
			continue
		case ServedExact:
			r.ServedExact++
		case ServedFuzzy:
			r.ServedFuzzy++
		case Synthesized:
			r.Synthesized++
		case FailedAsRecorded:
			r.FailedAsRecorded++
		case Blocked:
			r.Unmatched++
			r.UnmatchedList = append(r.UnmatchedList, l)
		}
		r.Requests++
	}
	if r.Requests > 0 {
		r.Coverage = float64(r.ServedExact+r.ServedFuzzy+r.FailedAsRecorded) / float64(r.Requests)
	}
	if used, total := a.Used(); total > 0 {
		r.ArchiveUsed = float64(used) / float64(total)
	}
	if p != nil {
		r.WebSocketFrames.Sent, r.WebSocketFrames.Received = p.Frames()
	}
	for _, st := range r.Steps {
		r.StepsTotal++
		if st.OK {
			r.StepsOK++
		}
	}
}

// WriteTable writes the report as a table for a person.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	pct := func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }
	rows := [][2]string{
		{"requests", fmt.Sprint(r.Requests)},
		{"served exact", fmt.Sprint(r.ServedExact)},
		{"served fuzzy", fmt.Sprint(r.ServedFuzzy)},
		{"synthesized (CORS preflights)", fmt.Sprint(r.Synthesized)},
		{"failed as recorded", fmt.Sprint(r.FailedAsRecorded)},
		{"unmatched (blocked)", fmt.Sprint(r.Unmatched)},
		{"coverage", pct(r.Coverage)},
		{"archive used", pct(r.ArchiveUsed)},
		{"websocket frames played", fmt.Sprint(r.WebSocketFrames.Sent)},
		{"steps ok", fmt.Sprintf("%d/%d", r.StepsOK, r.StepsTotal)},
		{"screenshot diff (max)", pct(r.ScreenshotDiff)},
		{"pages", fmt.Sprint(r.Pages)},
		{"duration", r.Duration},
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.TimedOut {
		fmt.Fprintln(w, "\nthe replay hit --timeout with requests still pending")
	}
	if len(r.UnmatchedList) > 0 {
		fmt.Fprintln(w, "\nunmatched requests (failed as blocked):")
		for _, l := range r.UnmatchedList {
			fmt.Fprintf(w, "  %s %s\n    %s\n", l.Method, shortURL(l.URL), l.Reason)
		}
	}
	for _, s := range r.Steps {
		if !s.OK {
			fmt.Fprintf(w, "step %d %s failed: %s\n", s.Index+1, s.Type, s.Error)
		}
	}
	return nil
}

// compareScreenshots pairs each recorded screenshot, in order, with the
// replay screenshots of the same page (same URL without fragment) and keeps
// the closest one; it returns the largest difference over the pairs.
func compareScreenshots(recorded, replayed []Screenshot) (float64, []ScreenshotPair) {
	var worst float64
	var pairs []ScreenshotPair
	for _, rs := range recorded {
		ri, err := decodeImage(rs.Data)
		pair := ScreenshotPair{Recorded: rs.File, URL: rs.URL, Diff: 1}
		if err != nil {
			pair.Note = "recorded screenshot unreadable: " + err.Error()
			pairs = append(pairs, pair)
			continue
		}
		cands := sameURL(replayed, rs.URL)
		if len(cands) == 0 {
			pair.Note = "no replay screenshot of this page"
			pairs = append(pairs, pair)
			worst = 1
			continue
		}
		for _, c := range cands {
			ci, err := decodeImage(c.Data)
			if err != nil {
				continue
			}
			if d := pixelDiff(ri, ci); d < pair.Diff || pair.Replay == "" {
				pair.Diff, pair.Replay = d, c.File
			}
		}
		worst = max(worst, pair.Diff)
		pairs = append(pairs, pair)
	}
	return worst, pairs
}

func sameURL(shots []Screenshot, u string) []Screenshot {
	if u == "" {
		return shots
	}
	want := stripFragment(u)
	var out []Screenshot
	for _, s := range shots {
		if stripFragment(s.URL) == want {
			out = append(out, s)
		}
	}
	return out
}

func stripFragment(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	p.Fragment, p.RawFragment = "", ""
	return p.String()
}

func decodeImage(b []byte) (image.Image, error) {
	img, _, err := image.Decode(bytes.NewReader(b))
	return img, err
}

// pixelTolerance is the largest per-channel difference (of 255) that still
// counts as the same pixel: JPEG recompression moves values a little.
const pixelTolerance = 24

// pixelDiff is the share of pixels that differ between a and b; the part of
// the larger image that the smaller does not cover counts as different.
func pixelDiff(a, b image.Image) float64 {
	ab, bb := a.Bounds(), b.Bounds()
	w, h := max(ab.Dx(), bb.Dx()), max(ab.Dy(), bb.Dy())
	if w == 0 || h == 0 {
		return 0
	}
	ow, oh := min(ab.Dx(), bb.Dx()), min(ab.Dy(), bb.Dy())
	differ := w*h - ow*oh
	for y := range oh {
		for x := range ow {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			if far(r1, r2) || far(g1, g2) || far(b1, b2) {
				differ++
			}
		}
	}
	return float64(differ) / float64(w*h)
}

func far(a, b uint32) bool {
	d := int(a>>8) - int(b>>8)
	return d > pixelTolerance || d < -pixelTolerance
}
