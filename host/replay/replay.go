// Package replay serves a recorded session to a real browser: it launches a
// fresh Chromium with the live network blocked, answers every request of
// every frame, worker and service worker from the recording through CDP
// Fetch interception at the browser level, plays the recorded websockets
// from a loopback server, emulates the recorded environment, optionally runs
// the recorded steps, and measures how faithful the replay was ([Report]).
//
// The parts are separate: [Archive] indexes a HAR, [Matcher] chooses the
// entry for a request and says why, the Fetch server answers the browser, the
// websocket player plays sockets. [Run] joins them for `reprokit replay`.
package replay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/browser"
	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/har"
)

// Options configure [Run].
type Options struct {
	// Browser is the Chromium executable; empty means REPROKIT_BROWSER,
	// then /usr/bin/chromium and the usual names on PATH.
	Browser string
	// Visible opens a browser window instead of running headless.
	Visible bool
	// Open keeps the visible browser on the replay after the report, so an
	// engineer can explore; Run returns when the browser is closed or ctx
	// ends. It implies Visible.
	Open bool
	// Steps runs the recorded steps.json after the first page loaded.
	Steps bool
	// ScreenshotsDir, when set, receives the replay's screenshots.
	ScreenshotsDir string
	// Timeout bounds the whole replay; 0 means 60 s.
	Timeout time.Duration
	// Quiet is how long no request may be pending for the replay to end;
	// 0 means 2 s.
	Quiet time.Duration
	// Clock starts the page's clock (Date) at the recorded time.
	Clock bool
	// Pace is how recorded websocket frames are paced; empty means
	// [PaceRecorded].
	Pace Pacing
	// Match tunes the matcher.
	Match MatchOptions
	// Progress receives progress and the per-request log; nil means none.
	Progress io.Writer
	// OnPage, when set, runs in the replayed tab after each recorded page
	// opened without --steps has loaded and gone quiet.
	OnPage func(tab context.Context, url string)
	// After, when set, runs in the replayed tab once the replay ended and
	// before the browser closes: tools and tests read the page with it.
	After func(tab context.Context)
	// Ready, when set, is called with the report as soon as it is measured,
	// before an Open replay waits for the browser to close.
	Ready func(*Report)

	// testPausedDelay, when set, is how long a test holds a paused request
	// back from the server, as a browser that reads a large body on a busy
	// machine does; testStartedLimit replaces startedLimit.
	testPausedDelay  func(url string) time.Duration
	testStartedLimit time.Duration
}

var errNoPages = errors.New("the recording has no page to open: no document request and no pages")

// Run replays src in a fresh browser and returns the fidelity report.
func Run(ctx context.Context, src *Source, opts Options) (*Report, error) {
	if src == nil || src.HAR == nil {
		return nil, errors.New("no recording to replay")
	}
	if opts.Open {
		opts.Visible = true
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.Quiet <= 0 {
		opts.Quiet = 2 * time.Second
	}
	if opts.Pace == "" {
		opts.Pace = PaceRecorded
	}
	logf := func(format string, a ...any) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, format+"\n", a...)
		}
	}
	navs := pageURLs(src.HAR)
	if len(navs) == 0 {
		return nil, errNoPages
	}
	exe, err := FindBrowser(opts.Browser)
	if err != nil {
		return nil, err
	}
	var steps *Flow
	if opts.Steps {
		if len(src.Steps) == 0 {
			return nil, errors.New("--steps: the recording has no steps.json; replay without --steps")
		}
		if steps, err = ParseSteps(src.Steps); err != nil {
			return nil, err
		}
	}

	start := time.Now()
	archive := NewArchive(src.HAR)
	matcher := NewMatcher(archive, opts.Match)
	srv := newServer(matcher, logf)
	if opts.testStartedLimit > 0 {
		srv.limit = opts.testStartedLimit
	}
	if len(src.streamed) > 0 {
		srv.stream = newBodyStream(src)
	}
	player, err := startPlayer(matcher, srv, opts.Pace)
	if err != nil {
		return nil, err
	}
	defer player.Close()

	profile, err := os.MkdirTemp("", "reprokit-replay-")
	if err != nil {
		return nil, fmt.Errorf("make a browser profile directory: %w", err)
	}
	defer os.RemoveAll(profile)

	env := effectiveEnv(src)
	allocOpts := browserFlags(exe, profile, player.ln.Addr().String(), env, opts.Visible)
	// Large request bodies bypass chromedp's reader (see bodyFilter).
	srv.bodies = newBodyFilter()
	filterOpt, browserStarted := bodyFilterOption(srv.bodies, logf)
	allocOpts = append(allocOpts, filterOpt)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocOpts...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	err = chromedp.Do(tab)
	browserStarted()
	if err != nil {
		if errors.Is(err, chromedp.ErrNoDisplay) {
			return nil, fmt.Errorf("--open and --headless=false need a display (DISPLAY or WAYLAND_DISPLAY is not set); replay headless without them: %w", err)
		}
		return nil, fmt.Errorf("start Chromium %s: %w", exe, err)
	}
	logf("replay: %d recorded entries, %d page(s), browser %s", len(archive.Entries), len(navs), exe)

	// Intercept every request of the browser, all targets included.
	serveCtx, stopServe := context.WithCancel(tab)
	defer stopServe()
	// A listener, not an iterator: chromedp decodes each browser event
	// once for its listeners anyway, and a paused 21 MB upload is costly
	// to decode twice.
	if err := chromedp.ListenBrowser(serveCtx, func(ev any) {
		if ev, ok := ev.(*fetch.EventRequestPaused); ok {
			if delay := opts.testPausedDelay; delay != nil {
				if d := delay(ev.Request.URL); d > 0 {
					// A test plays a browser slow to show the request.
					time.AfterFunc(d, func() { srv.paused(ev) })
					return
				}
			}
			srv.paused(ev)
		}
	}); err != nil {
		return nil, fmt.Errorf("watch intercepted requests: %w", err)
	}
	if _, err := chromedp.CallBrowser(tab, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "*", RequestStage: fetch.RequestStageRequest}},
	}); err != nil {
		return nil, fmt.Errorf("enable request interception: %w", err)
	}
	var serveWG sync.WaitGroup
	serveWG.Go(func() { srv.serve(serveCtx) })
	defer func() { stopServe(); serveWG.Wait() }()

	warnEmulation := emulationWarning(logf)
	prepare := func(metrics bool) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(emulate(env, opts.Clock, metrics, warnEmulation), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			// RunImmediately covers a popup or frame whose document
			// loaded before the preparation landed.
			_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
				Source: socketScript(player.URL()), RunImmediately: new(true)})
			if err == nil && opts.Visible {
				_, err = cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
					Source: replayTitleScript, RunImmediately: new(true)})
			}
			return err
		}))
	}
	if err := chromedp.Do(tab, prepare(true)); err != nil {
		return nil, fmt.Errorf("prepare the tab: %w", err)
	}
	// The tab's requests as the page starts them: one still on its way
	// to interception keeps the replay from ending (see server.started).
	if err := chromedp.Listen(serveCtx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if ev.Type != network.ResourceTypeWebSocket && strings.HasPrefix(ev.Request.URL, "http") {
				srv.pageRequest(string(ev.RequestID), ev.Request.Method, ev.Request.URL+ev.Request.URLFragment, ev.Request.HasPostData)
			}
		case *network.EventLoadingFinished:
			srv.pageRequestEnded(string(ev.RequestID))
		case *network.EventLoadingFailed:
			srv.pageRequestEnded(string(ev.RequestID))
		}
	}); err != nil {
		return nil, fmt.Errorf("watch the tab's requests: %w", err)
	}
	if _, err := chromedp.Call(tab, network.Enable, network.EnableParams{MaxPostDataSize: new(int64(1))}); err != nil {
		return nil, fmt.Errorf("watch the tab's requests: %w", err)
	}
	// Popups, frames of other sites and workers run in targets of their
	// own: they get the same emulation and websocket redirect as they appear.
	console := &consoleCollector{logf: logf}
	children := &childTargets{console: console}
	defer children.close()
	created := chromedp.BrowserEvents(serveCtx, target.TargetCreated)
	if _, err := chromedp.CallBrowser(tab, target.SetDiscoverTargets, target.SetDiscoverTargetsParams{Discover: true}); err != nil {
		return nil, fmt.Errorf("watch for popups and frames: %w", err)
	}
	serveWG.Go(func() { children.watch(tab, created, prepare, socketScript(player.URL()), logf) })

	// Console errors of the replayed page explain most replay problems,
	// and an exception the recording lacks is a divergence.
	serveWG.Go(func() { console.watch(serveCtx) })

	// --timeout counts from the start of Run, the browser's start included
	deadline, cancelDeadline := context.WithDeadline(tab, start.Add(opts.Timeout))
	defer cancelDeadline()
	shots := &shotTaker{dir: opts.ScreenshotsDir, logf: logf, popups: children.pages}
	rep := &Report{}
	tl := recordedTimeline(src.HAR, navs)
	began := time.Now()
	rep.Ended = drive(deadline, navs, tl, steps, srv, opts, shots, rep, logf)
	rep.ReplaySpan = time.Since(began).Seconds()
	rep.RecordingSpan = tl.span().Seconds()
	rep.TimedOut = rep.Ended == EndTimeout
	rep.Tabs = shots.shootTabs(tab, children)

	if opts.After != nil {
		opts.After(tab)
	}
	// Every request interception showed is matched and logged before the
	// report is made: one matched a moment after the report was once
	// missing from it, although the log said it was served.
	if !srv.settle(tab) {
		logf("replay: the browser closed before every intercepted request was matched")
	}
	rep.fill(srv, archive, player)
	rep.ScreenshotDiff, rep.ScreenshotPairs = compareScreenshots(src.Screenshots, shots.list(), env.dpr)
	rep.Duration = time.Since(start).Round(time.Millisecond).String()
	rep.reachedPages(landings(src.HAR), archive)
	if rep.Pages == 0 {
		rep.Pages, rep.PagesReached = len(navs), len(navs)
	}
	rep.warn()
	rep.judge(src, console.list())
	if opts.Ready != nil {
		opts.Ready(rep)
	}
	if opts.Open {
		logf("replay: the browser stays open on the replay; close its window (or press Ctrl-C) to end")
		// The tab's context: WaitClosed needs the browser's (it returned
		// at once on the caller's plain context). Ctrl-C cancels ctx, and
		// with it the tab.
		_ = chromedp.WaitClosed(tab)
	}
	return rep, nil
}

// The ways a replay ends (Report.Ended).
const (
	EndQuiet    = "quiet"    // nothing pending for the quiet period
	EndTimeline = "timeline" // the recording's timeline was over, plus timelineGrace
	EndLoop     = "loop"     // the page repeated a request far more than recorded
	EndTimeout  = "timeout"  // --timeout
)

// timelineGrace is how long past the recording's timeline (of a page, or
// the last event) a replay still waits on recorded frames or requests.
const timelineGrace = time.Second

// idleAfterTimeline is how long nothing must pend, past the recording's
// timeline, for the replay to end before the quiet period.
const idleAfterTimeline = 500 * time.Millisecond

// drive opens the recorded pages one after the other, or runs the steps,
// then waits until nothing has been pending for the quiet period, or the
// recording's timeline of that page is over. It returns how it ended.
func drive(ctx context.Context, navs []string, tl timeline, steps *Flow, srv *server, opts Options, shots *shotTaker, rep *Report, logf func(string, ...any)) string {
	began := time.Now()
	var stepsEnd time.Time
	if steps != nil {
		if !steps.navigates() {
			navigate(ctx, navs[0], logf)
			shots.take(ctx, "load")
		}
		rep.Steps, stepsEnd = runSteps(ctx, steps, srv, opts.Quiet, tl, shots, logf)
		if ctx.Err() != nil {
			logf("replay: stopped after --timeout %s before every step ran", opts.Timeout)
			return EndTimeout
		}
	} else {
		for i, u := range navs {
			logf("replay: page %d/%d %s", i+1, len(navs), shortURL(u))
			at := time.Now()
			navigate(ctx, u, logf)
			shots.take(ctx, "load")
			end := waitQuiet(ctx, srv, opts.Quiet, at.Add(tl.pageSpan(i)+timelineGrace), i == len(navs)-1 && tl.paced(), rep, logf)
			if end == EndTimeout {
				logf("replay: stopped after --timeout %s at page %d/%d with requests still pending", opts.Timeout, i+1, len(navs))
				return end
			}
			if end == EndLoop {
				return end
			}
			shots.take(ctx, "quiet")
			if opts.OnPage != nil {
				opts.OnPage(ctx, u)
			}
		}
	}
	// Steps with recorded times end on the recording's timeline after the
	// last step, which pace keeps; steps without times wait for quiet, as
	// the page settles (a websocket still streaming its recorded reply
	// included).
	until := began.Add(tl.span() + timelineGrace)
	if steps != nil {
		until = stepsEnd
	}
	end := waitQuiet(ctx, srv, opts.Quiet, until, tl.paced() && !until.IsZero(), rep, logf)
	if end == EndTimeout {
		logf("replay: stopped after --timeout %s with requests still pending", opts.Timeout)
	}
	return end
}

// timeline is when the recording's pages started and its last event came,
// in seconds since the epoch (0: unknown).
type timeline struct {
	pages []float64 // the start of each page opened (as pageURLs)
	first float64
	last  float64
}

// recordedTimeline reads the timeline of the pages in navs from the HAR:
// request starts, ends, websocket frames, server-sent events.
func recordedTimeline(h *har.HAR, navs []string) timeline {
	var tl timeline
	note := func(t float64) {
		if t <= 0 {
			return
		}
		if tl.first == 0 || t < tl.first {
			tl.first = t
		}
		tl.last = max(tl.last, t)
	}
	starts := map[string]float64{}
	for i := range h.Log.Entries {
		e := &h.Log.Entries[i]
		st := startSeconds(e)
		note(st)
		if st > 0 && e.Time > 0 && !e.Incomplete {
			note(st + e.Time/1000)
		}
		for _, m := range e.WebSocketMessages {
			note(m.Time)
		}
		for _, m := range e.EventSourceMessages {
			note(m.Time)
		}
		if _, ok := starts[e.Request.URL]; !ok && st > 0 {
			starts[e.Request.URL] = st
		}
	}
	for _, u := range navs {
		tl.pages = append(tl.pages, starts[u])
	}
	return tl
}

// paced says whether the timeline is worth following: a HAR whose events
// all carry one time (made by hand, or by a tool that does not keep
// times) says nothing about when the replay is over.
func (tl timeline) paced() bool { return tl.span() >= time.Second }

// span is the recording from its first to its last event; 0 when unknown.
func (tl timeline) span() time.Duration {
	if tl.first <= 0 || tl.last < tl.first {
		return 0
	}
	return seconds(tl.last - tl.first)
}

// pageSpan is how long page i lasted in the recording: until the next
// page opened, or until the last event.
func (tl timeline) pageSpan(i int) time.Duration {
	if i >= len(tl.pages) || tl.pages[i] <= 0 {
		return tl.span()
	}
	end := tl.last
	if i+1 < len(tl.pages) && tl.pages[i+1] > tl.pages[i] {
		end = tl.pages[i+1]
	}
	return seconds(max(end-tl.pages[i], 0))
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// pageURLs returns the URL to open for each recorded page, in order: the
// first GET document request of the page (a redirect chain starts at its
// first hop; a page reached by a POST opens at the GET that followed it).
// Pages of popups are left to the page that opens them.
func pageURLs(h *har.HAR) []string {
	isDoc := func(e *har.Entry) bool {
		if !strings.EqualFold(e.Request.Method, "GET") {
			return false
		}
		if e.ResourceType != "" {
			return strings.EqualFold(e.ResourceType, "document")
		}
		// HARs without DevTools fields (Firefox, Playwright): an HTML
		// response or a redirect.
		s := e.Response.Status
		return strings.HasPrefix(e.Response.Content.MimeType, "text/html") || (s >= 300 && s < 400)
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range h.Log.Pages {
		for i := range h.Log.Entries {
			e := &h.Log.Entries[i]
			if e.Pageref == p.ID && isDoc(e) && !isRedirectTarget(h, i) {
				// A popup's page is opened by the replayed page
				// that opened it, in a tab of its own, as the
				// user's was.
				if e.Target != "popup" {
					out = append(out, e.Request.URL)
				}
				seen[p.ID] = true
				break
			}
		}
	}
	if len(out) == 0 {
		for i := range h.Log.Entries {
			if isDoc(&h.Log.Entries[i]) {
				return []string{h.Log.Entries[i].Request.URL}
			}
		}
		for i := range h.Log.Entries {
			if u := h.Log.Entries[i].Request.URL; strings.HasPrefix(u, "http") {
				return []string{u}
			}
		}
	}
	return out
}

// landing is the document a recorded page landed on: its first document
// request, followed through its recorded redirects (a POST→303 and an SSO
// chain across origins included).
type landing struct {
	url   string
	entry int
}

// landings returns the landing document of each recorded page with one, in
// page order; a HAR without pages has one page, its first document.
func landings(h *har.HAR) []landing {
	isDoc := func(e *har.Entry) bool {
		if e.ResourceType != "" {
			return strings.EqualFold(e.ResourceType, "document")
		}
		s := e.Response.Status
		return strings.HasPrefix(e.Response.Content.MimeType, "text/html") || (s >= 300 && s < 400)
	}
	follow := func(page string, i int) int {
		for hops := 0; hops < 20; hops++ {
			e := &h.Log.Entries[i]
			if e.Response.Status < 300 || e.Response.Status > 399 {
				break
			}
			loc := e.Response.RedirectURL
			if loc == "" {
				loc = headerValue(e.Response.Headers, "Location")
			}
			base, err := url.Parse(e.Request.URL)
			if err != nil {
				break
			}
			ref, err := base.Parse(loc)
			if err != nil {
				break
			}
			next := -1
			for j := i + 1; j < len(h.Log.Entries); j++ {
				if n := &h.Log.Entries[j]; n.Pageref == page && isDoc(n) && n.Request.URL == ref.String() {
					next = j
					break
				}
			}
			if next < 0 {
				break
			}
			i = next
		}
		return i
	}
	var out []landing
	add := func(page string) {
		for i := range h.Log.Entries {
			if e := &h.Log.Entries[i]; e.Pageref == page && isDoc(e) {
				j := follow(page, i)
				out = append(out, landing{url: h.Log.Entries[j].Request.URL, entry: j})
				return
			}
		}
	}
	for _, p := range h.Log.Pages {
		add(p.ID)
	}
	if len(h.Log.Pages) == 0 {
		add("")
	}
	return out
}

// reachedPages counts the recorded pages whose landing document the
// replay served.
func (r *Report) reachedPages(ls []landing, a *Archive) {
	served := map[int]bool{}
	for _, e := range a.Entries {
		if e.Served() > 0 {
			served[e.Index] = true
		}
	}
	r.Pages, r.PagesReached, r.PagesNotReached = len(ls), 0, nil
	for _, l := range ls {
		if served[l.entry] {
			r.PagesReached++
		} else {
			r.PagesNotReached = append(r.PagesNotReached, shortURL(l.url))
		}
	}
}

// isRedirectTarget reports whether entry i is the target of an earlier
// redirect of the same page: the browser reaches it by following the chain.
func isRedirectTarget(h *har.HAR, i int) bool {
	e := &h.Log.Entries[i]
	for j := range i {
		p := &h.Log.Entries[j]
		// Only a GET hop can be opened instead; after a POST the
		// target is where the page starts.
		if p.Pageref != e.Pageref || p.Response.Status < 300 || p.Response.Status > 399 || !strings.EqualFold(p.Request.Method, "GET") {
			continue
		}
		loc := p.Response.RedirectURL
		if loc == "" {
			loc = headerValue(p.Response.Headers, "Location")
		}
		if base, err := url.Parse(p.Request.URL); err == nil {
			if ref, err := base.Parse(loc); err == nil && ref.String() == e.Request.URL {
				return true
			}
		}
	}
	return false
}

func navigate(ctx context.Context, u string, logf func(string, ...any)) {
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil && ctx.Err() == nil {
		logf("replay: open %s: %v", shortURL(u), err)
	}
}

// waitQuiet waits until no request has been pending for quiet, or, once
// the recording's timeline is over (until), until nothing pends but what
// waits on the recording; it names what it left pending then. With
// idleEnds (the last page of a paced recording), nothing pending for
// idleAfterTimeline past until ends it too: the recording shows nothing
// more to come. It ends early when the page loops (EndLoop) or ctx ends
// (EndTimeout).
func waitQuiet(ctx context.Context, srv *server, quiet time.Duration, until time.Time, idleEnds bool, rep *Report, logf func(string, ...any)) string {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if since := srv.idleSince(); !since.IsZero() && time.Since(since) >= quiet {
			return EndQuiet
		}
		if !until.IsZero() && time.Now().After(until) {
			if since := srv.idleSince(); idleEnds && !since.IsZero() && time.Since(since) >= min(quiet, idleAfterTimeline) {
				return EndTimeline
			}
			// Only what waits on the recording is cut short; a replay
			// merely slower than the recording waits for quiet.
			if ok, what := srv.waitingOnRecording(); ok && len(what) > 0 {
				logf("replay: the recording's timeline is over; left pending: %s", strings.Join(what, "; "))
				if rep != nil {
					rep.PendingAtEnd = what
				}
				return EndTimeline
			}
		}
		srv.noteWaits()
		select {
		case <-ctx.Done():
			return EndTimeout
		case <-srv.looping:
			return EndLoop
		case <-t.C:
		}
	}
}

// FindBrowser returns the Chromium to run: path when given, else
// REPROKIT_BROWSER, else the first Chromium-family browser installed
// ([browser.Find]).
func FindBrowser(path string) (string, error) { return browser.Find(path) }

// shotTaker takes the replay's screenshots and optionally writes them.
type shotTaker struct {
	dir  string
	logf func(string, ...any)
	// popups lists the popups of the replay (nil: none are followed):
	// steps recorded in a popup run, and are shot, there.
	popups func() []context.Context

	mu  sync.Mutex
	all []Screenshot
}

// take takes a screenshot of the first tab (target "page").
func (s *shotTaker) take(ctx context.Context, reason string) *Screenshot {
	return s.shoot(ctx, reason, "page")
}

// shoot takes a screenshot of the tab of ctx, which shows target ("page"
// or "popup", as the recorder names its tabs).
func (s *shotTaker) shoot(ctx context.Context, reason, target string) *Screenshot {
	if ctx.Err() != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, shotTimeout)
	defer cancel()
	// One call reads the tab's URL and visibility and masks it as the
	// recorder does, so that recorded and replayed images compare like
	// with like: each call is a round trip, long on a loaded machine. A
	// tab behind another (the opener of a popup) paints no frames, and a
	// screenshot of it waits for ever; the stop shots bring each tab to
	// the front first (see shootTabs).
	var st struct {
		URL    string `json:"url"`
		Hidden bool   `json:"hidden"`
	}
	js := fmt.Sprintf(`(() => { if (%t && document.visibilityState === "hidden") return {url: location.href, hidden: true}; %s; return {url: location.href, hidden: false}; })()`,
		reason != "stop", capture.MaskExpression(true))
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](js)); err == nil {
		_ = json.Unmarshal(got, &st)
	}
	if st.Hidden {
		return nil
	}
	loc := st.URL
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](capture.MaskExpression(false)))
	if err != nil {
		s.logf("replay: screenshot: %v", err)
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	shot := Screenshot{File: fmt.Sprintf("replay-%03d-%s.png", len(s.all)+1, reason), URL: loc, Reason: reason, Target: target, Data: buf}
	s.all = append(s.all, shot)
	if s.dir != "" {
		if err := os.MkdirAll(s.dir, 0o755); err == nil {
			if err := os.WriteFile(filepath.Join(s.dir, shot.File), buf, 0o644); err != nil {
				s.logf("replay: write screenshot: %v", err)
			}
		}
	}
	return &shot
}

// shotTimeout bounds one screenshot.
const shotTimeout = 10 * time.Second

// shootTabs takes the stop screenshot of every tab of the replay, the
// popups first and the first tab last, each brought to the front, and
// says how each ended.
func (s *shotTaker) shootTabs(tab context.Context, children *childTargets) []TabEnd {
	var out []TabEnd
	popups := children.pages()
	for i, c := range append(popups, tab) {
		if c.Err() != nil {
			continue
		}
		target := "popup"
		if i == len(popups) {
			target = "page"
		}
		_, _ = chromedp.Call(c, page.BringToFront, cdp.Empty{})
		u, n, errs := tabText(c)
		if u == "" {
			continue // closed
		}
		if children.console != nil {
			children.console.addErrors(errs)
		}
		end := TabEnd{URL: u, TextChars: n}
		if shot := s.shoot(c, "stop", target); shot != nil {
			end.Screenshot = shot.File
			if img, err := decodeImage(shot.Data); err == nil {
				end.Blank = n == 0 && nearBlank(img)
			}
		} else {
			end.Blank = n == 0
		}
		out = append(out, end)
	}
	return out
}

func (s *shotTaker) list() []Screenshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Screenshot(nil), s.all...)
}

// envSettings is the environment a replay emulates.
type envSettings struct {
	width, height int
	dpr           float64
	mobile, touch bool
	userAgent     string
	acceptLang    string
	timeZone      string
	locale        string
	start         time.Time
}

// effectiveEnv takes the recorded environment, filling gaps from the HAR's
// first request (User-Agent, Accept-Language) and first entry time.
func effectiveEnv(src *Source) envSettings {
	e := src.Env
	s := envSettings{
		width: e.Viewport.Width, height: e.Viewport.Height,
		dpr: e.Viewport.DeviceScaleFactor, mobile: e.Viewport.IsMobile, touch: e.Viewport.HasTouch,
		userAgent: e.Browser.UserAgent, timeZone: e.TimeZone, locale: e.Locale,
	}
	if s.dpr == 0 {
		s.dpr = e.Screen.DevicePixelRatio
	}
	if len(e.Languages) > 0 {
		s.acceptLang = strings.Join(e.Languages, ",")
	}
	if t, err := time.Parse(time.RFC3339Nano, e.Start); err == nil {
		s.start = t
	}
	for _, en := range src.HAR.Log.Entries {
		if s.userAgent == "" {
			s.userAgent = headerValue(en.Request.Headers, "User-Agent")
		}
		if s.acceptLang == "" {
			s.acceptLang = headerValue(en.Request.Headers, "Accept-Language")
		}
		if s.start.IsZero() {
			if t, err := time.Parse(time.RFC3339Nano, en.StartedDateTime); err == nil {
				s.start = t
			}
		}
		if s.userAgent != "" && s.acceptLang != "" && !s.start.IsZero() {
			break
		}
	}
	// A headless recording's user agent says HeadlessChrome; the page saw
	// it, so the replay presents it too.
	return s
}

// browserFlags are the allocator options of a replay browser: a fresh
// profile, and the network closed except for interception and the
// websocket player at playerAddr.
func browserFlags(exe, profile, playerAddr string, env envSettings, visible bool) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-networking", true),
		// The page's websockets go to the loopback player: a recorded
		// public site must be allowed to reach it.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults"),
		// Only loopback resolves; everything else the page asks for is
		// answered by interception or fails.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"),
		// A visible replay showed "You are using an unsupported
		// command-line flag: --host-resolver-rules" (and --no-sandbox):
		// Chromium shows that bar unless it runs as a test browser.
		chromedp.Flag("test-type", true),
		// What interception cannot see (a websocket a worker opened before
		// the redirect landed, say) goes to a proxy that is not there,
		// loopback included: only the websocket player is reached directly.
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>;"+playerAddr),
	)
	if env.width > 0 && env.height > 0 {
		opts = append(opts, chromedp.WindowSize(env.width, env.height))
	}
	if visible {
		opts = append(opts, chromedp.VisibleWindow)
	}
	return opts
}

// childTargets are the popups, out-of-process frames and workers the
// replay prepared.
type childTargets struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	cancels []context.CancelFunc
	tabs    []context.Context // of the popups
	console *consoleCollector // watches the popups' consoles too
	closed  bool
}

// pages returns the contexts of the popups, in the order they opened.
func (c *childTargets) pages() []context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]context.Context(nil), c.tabs...)
}

// prepare attaches to a new target and runs the preparation in it. The
// target's first script may run before the preparation lands: a frame that
// opens a websocket at once can escape the redirect (and then fails, since
// nothing live is reachable).
func (c *childTargets) prepare(tab context.Context, info *target.Info, prep chromedp.Action[chromedp.Void], logf func(string, ...any)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	ctx, cancel := chromedp.NewContext(tab, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
	c.cancels = append(c.cancels, cancel)
	page := info.Type == "page"
	if page {
		c.tabs = append(c.tabs, ctx)
	}
	c.wg.Go(func() {
		if err := chromedp.Do(ctx, prep); err != nil && ctx.Err() == nil {
			logf("replay: prepare %s %s: %v", info.Type, shortURL(info.URL), err)
		}
		// After the preparation, which attaches: one attach at a time.
		// What the popup threw before this, its page script kept.
		if page && c.console != nil {
			c.console.watch(ctx)
		}
	})
}

// watch prepares each new target until the events end: pages and frames
// with prepare, workers with the websocket script alone (a worker has no
// "new document" hook, so the redirect lands once attached, in time for
// sockets opened after startup).
func (c *childTargets) watch(tab context.Context, created iter.Seq2[target.EventTargetCreated, error], prepare func(metrics bool) chromedp.Action[chromedp.Void], workerScript string, logf func(string, ...any)) {
	mainID := chromedp.FromContext(tab).Target.TargetID
	for ev, err := range created {
		if err != nil {
			return
		}
		info := ev.TargetInfo
		if info == nil || info.TargetID == mainID {
			continue
		}
		switch info.Type {
		case "page", "iframe":
			c.prepare(tab, info, prepare(info.Type == "page"), logf)
		case "worker", "shared_worker":
			c.prepare(tab, info, chromedp.Evaluate[chromedp.Void](workerScript), logf)
		}
	}
}

func (c *childTargets) close() {
	c.mu.Lock()
	c.closed = true
	for _, cancel := range c.cancels {
		cancel()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// emulate applies the recorded viewport and device pixel ratio (metrics,
// for a tab), user agent, time zone and locale, and the recorded clock when
// asked.
//
// A recorded value the browser refuses (an invalid locale or time zone, an
// odd user agent or viewport) only loses that emulation: warn says so, once
// for each setting, and the replay goes on.
func emulate(env envSettings, clock, metrics bool, warn func(setting string, err error)) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if metrics && env.width > 0 && env.height > 0 {
			dpr := env.dpr
			if dpr <= 0 {
				dpr = 1
			}
			if _, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
				Width: int64(env.width), Height: int64(env.height), DeviceScaleFactor: dpr, Mobile: env.mobile,
			}); err != nil {
				warn(fmt.Sprintf("the viewport %dx%d", env.width, env.height), err)
			}
			if env.touch {
				if _, err := cdp.Call(ctx, t, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true}); err != nil {
					warn("touch", err)
				}
			}
		}
		if env.userAgent != "" {
			if _, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
				UserAgent: env.userAgent, AcceptLanguage: env.acceptLang,
			}); err != nil {
				warn("the user agent", err)
			}
		}
		if env.timeZone != "" {
			if _, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: env.timeZone}); err != nil {
				warn(fmt.Sprintf("the time zone %q", env.timeZone), err)
			}
		}
		if env.locale != "" {
			if _, err := cdp.Call(ctx, t, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: strings.ReplaceAll(env.locale, "-", "_")}); err != nil && !strings.Contains(err.Error(), "already in effect") {
				// A popup inherits its opener's override: that one
				// is the recorded locale already.
				warn(fmt.Sprintf("the locale %q", env.locale), err)
			}
		}
		if clock && !env.start.IsZero() {
			if _, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: clockScript(env.start)}); err != nil {
				return fmt.Errorf("install the recorded clock: %w", err)
			}
		}
		return nil
	})
}

// emulationWarning logs, once for each setting, that a recorded value
// could not be emulated.
func emulationWarning(logf func(string, ...any)) func(string, error) {
	var mu sync.Mutex
	warned := map[string]bool{}
	return func(setting string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if warned[setting] {
			return
		}
		warned[setting] = true
		logf("replay: warning: the browser refused %s of the recording (%v); the replay goes on without it", setting, err)
	}
}

// clockScript makes Date start at the recorded time and run at real speed
// from there, so pages that print or compare the time see the user's.
func clockScript(start time.Time) string {
	return fmt.Sprintf(`(() => {
  const RealDate = Date, base = %d, t0 = performance.timeOrigin + performance.now();
  const now = () => base + (performance.timeOrigin + performance.now() - t0);
  class ReplayDate extends RealDate {
    constructor(...a) { if (a.length === 0) super(now()); else super(...a); }
    static now() { return Math.floor(now()); }
  }
  window.Date = ReplayDate;
})();`, start.UnixMilli())
}
