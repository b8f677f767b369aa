package replay

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/har"
)

// pngOf draws a w×h image, white with a blue block in its top left
// quarter, at scale s (a device pixel ratio).
func pngOf(t *testing.T, w, h, s int) []byte { return pngIn(t, w, h, s, color.RGBA{20, 40, 200, 255}) }

func pngIn(t *testing.T, w, h, s int, block color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w*s, h*s))
	for y := range h * s {
		for x := range w * s {
			c := color.RGBA{255, 255, 255, 255}
			if x < w*s/2 && y < h*s/2 {
				c = block
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// QA: a replay at another device pixel ratio was compared pixel by pixel
// and reported 100% different. It is compared at the recorded size.
func TestScreenshotsOfAnotherPixelRatioCompareAtTheRecordedSize(t *testing.T) {
	rec := []Screenshot{{File: "001-load.png", URL: "http://a.test/app", Data: pngOf(t, 80, 40, 1)}}
	rep := []Screenshot{{File: "replay-001-load.png", URL: "http://a.test/app#x", Data: pngOf(t, 80, 40, 2)}}
	diff, pairs := compareScreenshots(rec, rep, 1)
	if diff > 0.01 || len(pairs) != 1 || pairs[0].Replay != "replay-001-load.png" || !strings.Contains(pairs[0].Note, "scaled") {
		t.Fatalf("diff %.3f, pairs %+v: want the 2x replay scaled to the recorded 1x and equal", diff, pairs)
	}
}

// QA: a recorder labelled a screenshot with the URL the page was leaving
// (the login page's shot carried the sign-in provider's URL): the shot taken
// at the same position in the replay is a candidate too.
func TestScreenshotsPairInOrderWhenTheRecordedURLIsOff(t *testing.T) {
	login, idp := pngOf(t, 60, 30, 1), pngIn(t, 60, 30, 1, color.RGBA{200, 30, 30, 255})
	rec := []Screenshot{
		{File: "001-load.png", URL: "http://idp.test/authorize?state=[REDACTED:secret:1]", Data: login},
		{File: "002-load.png", URL: "http://idp.test/authorize?state=[REDACTED:secret:1]", Data: idp},
	}
	rep := []Screenshot{
		{File: "replay-001-load.png", URL: "http://a.test/login", Data: login},
		{File: "replay-002-load.png", URL: "http://idp.test/authorize?state=abc", Data: idp},
	}
	diff, pairs := compareScreenshots(rec, rep, 1)
	if diff > 0.01 {
		t.Fatalf("diff %.3f, pairs %+v", diff, pairs)
	}
	if pairs[0].Replay != "replay-001-load.png" || !strings.Contains(pairs[0].Note, "order") || pairs[1].Replay != "replay-002-load.png" {
		t.Fatalf("pairs %+v", pairs)
	}
}

// QA: coverage 1 next to archive_used 0.35 and screenshot_diff 1 read as
// a good replay. The report says which recorded pages were not reached, and
// the table flags the low and high figures in words.
func TestReportFlagsAReplayThatDidNotReachTheRecordedPages(t *testing.T) {
	h := &har.HAR{}
	h.Log.Pages = []har.Page{{ID: "p1"}, {ID: "p2"}}
	mk := func(page, method, u string, status int, loc string) har.Entry {
		e := har.Entry{Pageref: page, ResourceType: "document"}
		e.Request.Method, e.Request.URL, e.Response.Status = method, u, status
		if loc != "" {
			e.Response.Headers = []har.NameValue{{Name: "Location", Value: loc}}
		}
		return e
	}
	h.Log.Entries = []har.Entry{
		mk("p1", "GET", "http://a.test/login", 200, ""),
		mk("p2", "POST", "http://idp.test/sso/authorize", 302, "http://a.test/callback?code=[REDACTED:secret:2]"),
		mk("p2", "GET", "http://a.test/callback?code=[REDACTED:secret:2]", 302, "/app"),
		mk("p2", "GET", "http://a.test/app", 200, ""),
	}
	ls := landings(h)
	if len(ls) != 2 || ls[0].entry != 0 || ls[1].entry != 3 {
		t.Fatalf("landings %+v: want /login, and /app at the end of the SSO chain", ls)
	}
	a := NewArchive(h)
	m := NewMatcher(a, MatchOptions{})
	m.Match(Request{Method: "GET", URL: "http://a.test/login"})
	for _, e := range a.Entries {
		if e.Index == 0 && e.Served() != 1 {
			t.Fatalf("the login page was not marked served")
		}
	}
	r := &Report{Requests: 1, ServedExact: 1, Coverage: 1, ArchiveUsed: 0.25, ScreenshotDiff: 1,
		ScreenshotPairs: []ScreenshotPair{{Recorded: "003-load.png", Diff: 1, Note: "no replay screenshot of this page"}}}
	r.reachedPages(ls, a)
	r.warn()
	if r.Pages != 2 || r.PagesReached != 1 || len(r.PagesNotReached) != 1 || !strings.Contains(r.PagesNotReached[0], "/app") {
		t.Fatalf("pages %d reached %d not reached %v", r.Pages, r.PagesReached, r.PagesNotReached)
	}
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"1/2", "NOT ALL", "LOW", "HIGH", "WARNING: the replay reached 1 of the 2 recorded pages", "WARNING: only 25%", "no replay screenshot of the same page"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table does not say %q:\n%s", want, out)
		}
	}
}

// The verdict leads the table; each reason says whether it made the
// replay diverge or only partial.
func TestTableMarksEachVerdictReason(t *testing.T) {
	r := &Report{Verdict: Diverged, Reasons: []string{"blank page: x", "1 console error(s)"}, diverging: 1}
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"verdict", "DIVERGED: blank page: x", "PARTIAL: 1 console error(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// Issue 12: a recorded screenshot is compared with the replay's screenshot
// of the same tab and moment. The popup's stop screenshot is not compared
// with the first tab's, even when that one looks the same, and a page
// loaded twice is compared load by load.
func TestScreenshotsPairByTabAndMoment(t *testing.T) {
	list, work := pngOf(t, 60, 30, 1), pngIn(t, 60, 30, 1, color.RGBA{200, 30, 30, 255})
	blank := pngIn(t, 60, 30, 1, color.RGBA{255, 255, 255, 255})
	rec := []Screenshot{
		{File: "001-load.png", URL: "http://a.test/list", Reason: "load", Target: "page", Data: list},
		{File: "002-load.png", URL: "http://a.test/work", Reason: "load", Target: "popup", Data: work},
		{File: "003-load.png", URL: "http://a.test/list", Reason: "load", Target: "page", Data: work},
		{File: "004-stop.png", URL: "http://a.test/work", Reason: "stop", Target: "popup", Data: work},
		{File: "005-stop.png", URL: "http://a.test/list", Reason: "stop", Target: "page", Data: work},
	}
	rep := []Screenshot{
		{File: "replay-001-load.png", URL: "http://a.test/list", Reason: "load", Target: "page", Data: list},
		{File: "replay-002-load.png", URL: "http://a.test/list", Reason: "load", Target: "page", Data: work},
		{File: "replay-003-stop.png", URL: "http://a.test/work", Reason: "stop", Target: "popup", Data: blank},
		{File: "replay-004-stop.png", URL: "http://a.test/list", Reason: "stop", Target: "page", Data: work},
	}
	diff, pairs := compareScreenshots(rec, rep, 1)
	want := map[string]string{
		"001-load.png": "replay-001-load.png",
		"002-load.png": "replay-003-stop.png", // no load of the popup: its other screenshot
		"003-load.png": "replay-002-load.png", // the second load of /list
		"004-stop.png": "replay-003-stop.png", // the popup's, blank, not the first tab's
		"005-stop.png": "replay-004-stop.png",
	}
	for _, p := range pairs {
		if want[p.Recorded] != p.Replay {
			t.Errorf("%s paired with %s, want %s (%s)", p.Recorded, p.Replay, want[p.Recorded], p.Note)
		}
		if p.Recorded == "004-stop.png" && p.Diff < 0.2 {
			t.Errorf("the blank popup compared as %.2f different", p.Diff)
		}
		if p.Target == "" {
			t.Errorf("%s: the pair does not say its tab", p.Recorded)
		}
	}
	if diff < 0.2 {
		t.Errorf("worst diff %.2f: the blank popup must show", diff)
	}
}

// Issue 12: the boxes the recorder painted over flagged text are painted
// onto the replay's screenshot before comparing: a replay that shows the
// text the recording masked does not differ for it. Boxes are in CSS
// pixels (scaled by the device pixel ratio), a reporter's in image pixels.
func TestMaskedBoxesDoNotCountAsDifferences(t *testing.T) {
	const w, h = 40, 20
	page := pngOf(t, w, h, 2) // at device pixel ratio 2: 80x40
	masked := func(boxes ...image.Rectangle) []byte {
		img, _ := png.Decode(bytes.NewReader(page))
		out := image.NewRGBA(img.Bounds())
		draw.Draw(out, out.Bounds(), img, image.Point{}, draw.Src)
		for _, r := range boxes {
			draw.Draw(out, r, image.Black, image.Point{}, draw.Src)
		}
		var b bytes.Buffer
		_ = png.Encode(&b, out)
		return b.Bytes()
	}
	// The recorder blacked out an email at CSS (20,10) 16x6 and the
	// reporter a region of image pixels (0,0) 10x10.
	recImg := masked(image.Rect(40, 20, 72, 32), image.Rect(0, 0, 10, 10))
	rec := []Screenshot{{File: "001-stop.png", URL: "http://a.test/", Reason: "stop", Target: "page", Data: recImg,
		Masked: []bundle.MaskBox{{X: 20, Y: 10, Width: 16, Height: 6, Kind: "email"}, {X: 0, Y: 0, Width: 10, Height: 10, Kind: "reporter"}}}}
	rep := []Screenshot{{File: "replay-001-stop.png", URL: "http://a.test/", Reason: "stop", Target: "page", Data: page}}
	diff, pairs := compareScreenshots(rec, rep, 2)
	if diff > 0.001 || pairs[0].Masked != 2 {
		t.Fatalf("diff %.4f, pairs %+v: the masked boxes counted as differences", diff, pairs)
	}
	// Without the boxes listed, the same images differ.
	rec[0].Masked = nil
	if diff, _ := compareScreenshots(rec, rep, 2); diff < 0.05 {
		t.Fatalf("diff %.4f without the boxes: the test images do not differ", diff)
	}
}
