package replay

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/reprokit/reprokit/host/har"
)

// A replay with steps keeps the recording's pace instead of waiting fixed
// times: before the next step it waits for what the step caused in the
// recording (the requests that started between it and the next step, each
// answered here), and for no longer than the recording took for them plus
// timelineGrace. A step's element is looked for as long as the user took
// to reach it after the step before, plus stepGrace, at most stepTimeout.
// A replay is slower than its recording only by what the browser needs to
// do the same work.

// stepGrace is how much longer than the user a step looks for its element.
const stepGrace = 2 * time.Second

// pacedRequest is a recorded HTTP request on the recording's timeline.
type pacedRequest struct {
	rec        *Recorded
	start, end float64 // Unix seconds; end 0 for one still in flight at stop
}

// pace is the recording's requests in start order, for the steps.
type pace struct {
	reqs []pacedRequest
}

// newPace reads the timeline of the archive's HTTP requests that a replay
// answers: not websockets, not those held open (never answered), not those
// the user's browser took from its cache (no request reaches the replay).
func newPace(a *Archive) *pace {
	p := &pace{}
	for _, r := range a.Entries {
		e := r.Entry
		if r.Socket || e.FromCache != "" || !strings.HasPrefix(e.Request.URL, "http") {
			continue
		}
		if _, open := heldOpen(e); open {
			continue
		}
		if isRecordedFavicon(e) {
			continue // the browser's own: a replay may not ask again
		}
		if _, failed := recordedFailure(e); failed {
			continue // a failure may have come from the browser, with no request
		}
		st := startSeconds(e)
		if st <= 0 {
			continue
		}
		end := 0.0
		if e.Time > 0 && !e.Incomplete {
			end = st + e.Time/1000
		}
		p.reqs = append(p.reqs, pacedRequest{rec: r, start: st, end: end})
	}
	sort.SliceStable(p.reqs, func(i, j int) bool { return p.reqs[i].start < p.reqs[j].start })
	return p
}

// between returns the recorded requests that started in [from, to), and
// how long after from the last of them ended.
func (p *pace) between(from, to float64) ([]*Recorded, time.Duration) {
	var out []*Recorded
	last := from
	for _, r := range p.reqs {
		if r.start < from || r.start >= to {
			continue
		}
		out = append(out, r.rec)
		last = max(last, r.start, r.end)
	}
	return out, seconds(last - from)
}

// startingAt drops the requests before the first one for url (a navigate step
// opens its URL directly: the redirects that led the user there are not
// asked for again).
func startingAt(reqs []*Recorded, url string) []*Recorded {
	for i, r := range reqs {
		if r.Entry.Request.URL == url {
			return reqs[i:]
		}
	}
	return reqs
}

// isRecordedFavicon reports whether the entry is the browser's own favicon
// request, which a replay may or may not repeat.
func isRecordedFavicon(e *har.Entry) bool {
	u, err := url.Parse(e.Request.URL)
	return err == nil && u.Path == "/favicon.ico" && (e.ResourceType == "" || strings.EqualFold(e.ResourceType, "other"))
}

// awaitRecorded waits until each of reqs was served and nothing the
// replay was answering is pending, or until deadline; it returns the
// requests not served by then.
func awaitRecorded(ctx context.Context, srv *server, reqs []*Recorded, deadline time.Time) []*Recorded {
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for {
		var missing []*Recorded
		for _, r := range reqs {
			if r.Served() == 0 {
				missing = append(missing, r)
			}
		}
		if len(missing) == 0 && srv.answering() == 0 {
			return nil
		}
		if !time.Now().Before(deadline) {
			return missing
		}
		select {
		case <-ctx.Done():
			return missing
		case <-t.C:
		}
	}
}

// stepWait is how long a step taken at recorded time at looks for its
// element, the step before it taken at prev: the user's gap plus
// stepGrace, at most stepTimeout; stepTimeout when the times are unknown.
func stepWait(prev, at float64) time.Duration {
	if prev <= 0 || at <= 0 || at < prev {
		return stepTimeout
	}
	return min(seconds(at-prev)+stepGrace, stepTimeout)
}
