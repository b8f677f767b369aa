package replay

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // recorded screenshots may be JPEG
	_ "image/png"
	"io"
	"math"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/reprokit/reprokit/host/bundle"
)

// Report is the fidelity of one replay. Counts are numbers of requests;
// Coverage, ArchiveUsed and ScreenshotDiff are fractions from 0 to 1.
type Report struct {
	// Verdict is faithful, partial or diverged ([Faithful], [Partial],
	// [Diverged]); Reasons say why, diverging ones first.
	Verdict string   `json:"verdict"`
	Reasons []string `json:"verdict_reasons,omitempty"`
	// diverging is how many of Reasons (the first) made it diverge.
	diverging int
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
	// InFlight were sent by the page but never reached interception
	// before the replay ended (Chrome reads a large upload's whole body
	// first); they count in Requests, not in Coverage's numerator.
	InFlight int `json:"in_flight,omitempty"`
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
	// WebSocketFrames counts the frames the player sent (Sent) and the
	// page's messages (Received): Matched to a recorded message and
	// answered with its recorded replies, or Unmatched (listed in
	// UnmatchedMessages); IDsRewritten counts the client-made ids carried
	// into replies, Zeroed the binary frames the bundle no longer held
	// (sent as that many zero bytes).
	WebSocketFrames struct {
		Sent         int `json:"sent"`
		Received     int `json:"received"`
		Matched      int `json:"matched"`
		Unmatched    int `json:"unmatched"`
		IDsRewritten int `json:"ids_rewritten"`
		Zeroed       int `json:"zeroed_binary,omitempty"`
	} `json:"websocket_frames"`
	UnmatchedMessages []string `json:"unmatched_messages,omitempty"`
	// Pages is how many pages the recording holds; PagesReached how many
	// of them the replay reached (the document each recorded page landed
	// on, after its redirects, was served). PagesNotReached lists the
	// others by the URL they landed on.
	Pages           int      `json:"pages"`
	PagesReached    int      `json:"pages_reached"`
	PagesNotReached []string `json:"pages_not_reached,omitempty"`
	// Warnings say in words where the replay fell short of the recording
	// (pages not reached, little of the recording served, screenshots that
	// differ), which the ratios alone may hide: coverage counts only the
	// requests the replay made.
	Warnings []string `json:"warnings,omitempty"`
	// Tabs is how each tab of the replay ended (popups first);
	// NewExceptions and NewConsoleErrors are what the replay logged that
	// the recording's console does not have.
	Tabs             []TabEnd `json:"tabs,omitempty"`
	NewExceptions    []string `json:"new_exceptions,omitempty"`
	NewConsoleErrors []string `json:"new_console_errors,omitempty"`
	// Ended says how the replay ended: quiet (nothing pending for the
	// quiet period), timeline (the recording's timeline was over and
	// only what waits on the recording pended: PendingAtEnd), loop (the
	// page repeated a request far more than recorded: Loop) or timeout.
	Ended        string   `json:"ended"`
	PendingAtEnd []string `json:"pending_at_end,omitempty"`
	Loop         string   `json:"loop,omitempty"`
	// HeldOpen are the requests that were in flight when the recording
	// stopped (a long poll, a stream): the replay holds them open too.
	HeldOpen []string `json:"held_open,omitempty"`
	// RecordingSpan is the recording from its first to its last event,
	// ReplaySpan the replay from its first page to its end, in seconds.
	RecordingSpan float64      `json:"recording_span_s"`
	ReplaySpan    float64      `json:"replay_span_s"`
	TimedOut      bool         `json:"timed_out,omitempty"`
	Duration      string       `json:"duration"`
	Log           []RequestLog `json:"log"`
}

// ScreenshotPair is one recorded screenshot and the replay screenshot it was
// compared with.
type ScreenshotPair struct {
	Recorded string `json:"recorded"`
	Replay   string `json:"replay,omitempty"`
	URL      string `json:"url,omitempty"`
	// Target is the recorded screenshot's tab ("page", "popup"); the
	// replay screenshot is of the same one.
	Target string  `json:"target,omitempty"`
	Diff   float64 `json:"diff"`
	// Masked counts the recorder's masked boxes painted onto both
	// images before comparing.
	Masked int    `json:"masked,omitempty"`
	Note   string `json:"note,omitempty"`
}

func (r *Report) fill(s *server, a *Archive, p *wsPlayer) {
	s.mu.Lock()
	r.Log = append([]RequestLog(nil), s.log...)
	s.mu.Unlock()
	r.Log = append(r.Log, s.inFlight()...)
	s.mu.Lock()
	r.Loop = s.loop
	s.mu.Unlock()
	for _, l := range r.Log {
		if l.HeldOpen {
			r.HeldOpen = append(r.HeldOpen, l.Method+" "+shortURL(l.URL))
		}
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
		case InFlight:
			r.InFlight++
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
		p.conversations(r)
	}
	for _, st := range r.Steps {
		r.StepsTotal++
		if st.OK {
			r.StepsOK++
		}
	}
}

// The report flags an archive_used below lowArchiveUsed and a
// screenshot_diff above highScreenshotDiff: either means the replay did not
// show what the user saw, whatever the coverage.
const (
	lowArchiveUsed     = 0.9
	highScreenshotDiff = 0.05
)

// warn fills Warnings from the measured figures.
func (r *Report) warn() {
	r.Warnings = nil
	if r.PagesReached < r.Pages {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the replay reached %d of the %d recorded pages (not reached: %s); coverage counts only the requests the replay made",
			r.PagesReached, r.Pages, strings.Join(r.PagesNotReached, ", ")))
	}
	if r.InFlight > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d request(s) the page sent never reached the replay before it ended (listed in the log as in-flight): a large upload takes long to pass interception on a busy machine; raise --timeout", r.InFlight))
	}
	if r.TimedOut {
		r.Warnings = append(r.Warnings, "the replay hit --timeout: what came after was not replayed; raise --timeout")
	}
	if r.ArchiveUsed < lowArchiveUsed {
		r.Warnings = append(r.Warnings, fmt.Sprintf("only %.0f%% of the recorded entries were served (archive_used %.2f): the replay did less than the user did; try --steps, or look at the failed steps and unmatched requests",
			100*r.ArchiveUsed, r.ArchiveUsed))
	}
	if r.ScreenshotDiff > highScreenshotDiff {
		r.Warnings = append(r.Warnings, fmt.Sprintf("screenshots differ by up to %.0f%% of their pixels (screenshot_diff %.2f); compare them with --screenshots DIR", 100*r.ScreenshotDiff, r.ScreenshotDiff))
	}
	unpaired := 0
	for _, p := range r.ScreenshotPairs {
		if p.Replay == "" {
			unpaired++
		}
	}
	if unpaired > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d of %d recorded screenshots have no replay screenshot of the same page (each counts as 100%% different)", unpaired, len(r.ScreenshotPairs)))
	}
	if r.StepsOK < r.StepsTotal {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d of %d steps failed", r.StepsTotal-r.StepsOK, r.StepsTotal))
	}
	if n := r.WebSocketFrames.Zeroed; n > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d binary websocket frame(s) the bundle no longer holds (redacted) were sent as that many zero bytes", n))
	}
	if len(r.PendingAtEnd) > 0 {
		r.Warnings = append(r.Warnings, "the recording's timeline was over with these still pending: "+strings.Join(r.PendingAtEnd, "; "))
	}
	if r.Loop != "" {
		r.Warnings = append(r.Warnings, "ended early: "+r.Loop)
	}
}

// WriteTable writes the report as a table for a person. Figures that mean
// the replay fell short are marked, and the warnings follow the table.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	pct := func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }
	flag := func(bad bool, v, why string) string {
		if bad {
			return v + "\t<- " + why
		}
		return v
	}
	rows := [][2]string{
		{"verdict", flag(r.Verdict != Faithful, r.Verdict, strings.ToUpper(r.Verdict)+": reasons below")},
		{"requests", fmt.Sprint(r.Requests)},
		{"served exact", fmt.Sprint(r.ServedExact)},
		{"served fuzzy", fmt.Sprint(r.ServedFuzzy)},
		{"synthesized (CORS preflights)", fmt.Sprint(r.Synthesized)},
		{"failed as recorded", fmt.Sprint(r.FailedAsRecorded)},
		{"unmatched (blocked)", flag(r.Unmatched > 0, fmt.Sprint(r.Unmatched), "BLOCKED, listed below")},
		{"in flight at the end", flag(r.InFlight > 0, fmt.Sprint(r.InFlight), "NEVER ANSWERED: the replay ended first")},
		{"coverage (of the replay's requests)", pct(r.Coverage)},
		{"archive used (of the recording)", flag(r.ArchiveUsed < lowArchiveUsed, pct(r.ArchiveUsed), "LOW: much of the recording was never replayed")},
		{"pages reached", flag(r.PagesReached < r.Pages, fmt.Sprintf("%d/%d", r.PagesReached, r.Pages), "NOT ALL: the replay did not reach the recorded pages")},
		{"websocket frames played", fmt.Sprint(r.WebSocketFrames.Sent)},
		{"steps ok", flag(r.StepsOK < r.StepsTotal, fmt.Sprintf("%d/%d", r.StepsOK, r.StepsTotal), "FAILED steps below")},
		{"screenshot diff (max)", flag(r.ScreenshotDiff > highScreenshotDiff, pct(r.ScreenshotDiff), "HIGH: the pages look different")},
		{"websocket messages matched", flag(r.WebSocketFrames.Unmatched > 0, fmt.Sprintf("%d/%d (ids rewritten %d)", r.WebSocketFrames.Matched, r.WebSocketFrames.Received, r.WebSocketFrames.IDsRewritten), "UNMATCHED: no reply")},
		{"held open (in flight at stop)", fmt.Sprint(len(r.HeldOpen))},
		{"ended", r.Ended},
		{"recording / replay span", fmt.Sprintf("%.1fs / %.1fs", r.RecordingSpan, r.ReplaySpan)},
		{"duration", r.Duration},
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Reasons) > 0 {
		fmt.Fprintln(w)
		for i, s := range r.Reasons {
			fmt.Fprintf(w, "%s: %s\n", r.reasonLabel(i), s)
		}
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintln(w)
		for _, s := range r.Warnings {
			fmt.Fprintln(w, "WARNING:", s)
		}
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

// compareScreenshots pairs each recorded screenshot with the replay's
// screenshot of the same tab (target) and moment, and returns the largest
// difference over the pairs:
//   - at stop, with the replay's stop screenshot of that tab (the one of
//     the same URL when a target has several);
//   - at load, the n-th load of a page (same URL without fragment,
//     redacted values matching any) with the replay's n-th load of it;
//     without one, with any replay screenshot of that page in that tab;
//   - else, and on demand, with the replay screenshots of that page in
//     that tab, keeping the closest.
//
// When no URL fits (a recorder may label a screenshot with the URL the
// page was leaving), the replay screenshot of that tab and moment at the
// same position in order is taken, and the pair says so. Images of other
// sizes are compared at the recorded size. The boxes the recorder painted
// over flagged text (masked) are painted onto both images at the recorded
// device pixel ratio dpr, so masking never counts as a difference.
func compareScreenshots(recorded, replayed []Screenshot, dpr float64) (float64, []ScreenshotPair) {
	var worst float64
	var pairs []ScreenshotPair
	sameTab := func(a, b Screenshot) bool { return a.Target == "" || b.Target == "" || a.Target == b.Target }
	filter := func(shots []Screenshot, keep func(Screenshot) bool) []Screenshot {
		var out []Screenshot
		for _, s := range shots {
			if keep(s) {
				out = append(out, s)
			}
		}
		return out
	}
	for k, rs := range recorded {
		ri, err := decodeImage(rs.Data)
		pair := ScreenshotPair{Recorded: rs.File, URL: rs.URL, Target: rs.Target, Diff: 1}
		if err != nil {
			pair.Note = "recorded screenshot unreadable: " + err.Error()
			pairs = append(pairs, pair)
			continue
		}
		m := rs.Reason // the moment: load, stop, demand, …
		tab := filter(replayed, func(s Screenshot) bool { return sameTab(rs, s) })
		atMoment := filter(tab, func(s Screenshot) bool { return s.Reason == m })
		page := sameURL(tab, rs.URL)
		// The replay screenshot of that tab and moment at the same
		// position in order.
		order := 0
		for _, o := range recorded[:k] {
			if o.Reason == m && sameTab(o, rs) {
				order++
			}
		}
		var cands []Screenshot
		byOrder := ""
		switch m {
		case "stop", "load":
			same := sameURL(atMoment, rs.URL)
			n := 0 // which load of this page in this tab the recorded one is
			for _, o := range recorded[:k] {
				if o.Reason == m && sameTab(o, rs) && len(sameURL([]Screenshot{o}, rs.URL)) == 1 {
					n++
				}
			}
			if len(same) > 0 {
				cands = []Screenshot{same[min(n, len(same)-1)]}
			}
		default:
			cands = page
		}
		if order < len(atMoment) && !slices.ContainsFunc(cands, func(c Screenshot) bool { return c.File == atMoment[order].File }) {
			cands, byOrder = append(cands, atMoment[order]), atMoment[order].File
		}
		note := ""
		if len(cands) == 0 && len(page) > 0 {
			cands, note = page, "the replay has no "+m+" screenshot of this page in this tab; compared with its other screenshots of it"
		}
		if len(cands) == 0 {
			pair.Note = "no replay screenshot of this page"
			if rs.Target != "" {
				pair.Note += " in its tab (" + rs.Target + ")"
			}
			pairs = append(pairs, pair)
			worst = 1
			continue
		}
		ri = paintMasks(ri, rs.Masked, dpr)
		for _, c := range cands {
			ci, err := decodeImage(c.Data)
			if err != nil {
				continue
			}
			// A replay at another device pixel ratio or window size
			// is compared at the recorded size.
			cnote := note
			if c.File == byOrder {
				cnote = "paired by order: its URL is not the recorded one"
			}
			if rb, cb := ri.Bounds(), ci.Bounds(); rb.Dx() != cb.Dx() || rb.Dy() != cb.Dy() {
				cnote = strings.TrimPrefix(cnote+"; ", "; ") + fmt.Sprintf("replay screenshot %dx%d scaled to the recorded %dx%d", cb.Dx(), cb.Dy(), rb.Dx(), rb.Dy())
				ci = scaleTo(ci, rb.Dx(), rb.Dy())
			}
			ci = paintMasks(ci, rs.Masked, dpr)
			if d := pixelDiff(ri, ci); d < pair.Diff || pair.Replay == "" {
				pair.Diff, pair.Replay, pair.Note = d, c.File, cnote
			}
		}
		if len(rs.Masked) > 0 {
			pair.Masked = len(rs.Masked)
		}
		worst = max(worst, pair.Diff)
		pairs = append(pairs, pair)
	}
	return worst, pairs
}

// paintMasks returns img with the recorder's masked boxes painted black:
// boxes in CSS pixels scaled by dpr, a reporter's box in image pixels.
func paintMasks(img image.Image, boxes []bundle.MaskBox, dpr float64) image.Image {
	if len(boxes) == 0 {
		return img
	}
	if dpr <= 0 {
		dpr = 1
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	for _, m := range boxes {
		scale := dpr
		if m.Kind == "reporter" {
			scale = 1
		}
		r := image.Rect(int(math.Floor(m.X*scale)), int(math.Floor(m.Y*scale)),
			int(math.Ceil((m.X+m.Width)*scale)), int(math.Ceil((m.Y+m.Height)*scale)))
		draw.Draw(out, r.Intersect(out.Bounds()), image.Black, image.Point{}, draw.Src)
	}
	return out
}

func sameURL(shots []Screenshot, u string) []Screenshot {
	if u == "" {
		return shots
	}
	want := stripFragment(u)
	var out []Screenshot
	for _, s := range shots {
		// A page whose recorded URL holds a redacted value is the same
		// page with any value in its place.
		if got := stripFragment(s.URL); got == want || (strings.Contains(want, redactionMark) && redactedEqual(want, got)) {
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

// scaleTo resamples img to w×h (nearest pixel): enough to compare a
// screenshot taken at another device pixel ratio with the recorded one.
func scaleTo(img image.Image, w, h int) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		sy := b.Min.Y + y*b.Dy()/h
		for x := range w {
			out.Set(x, y, img.At(b.Min.X+x*b.Dx()/w, sy))
		}
	}
	return out
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
