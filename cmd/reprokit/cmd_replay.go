package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/reprokit/reprokit/host/replay"
)

func init() {
	register(&command{
		name:    "replay",
		summary: "replay a bundle or HAR in a browser served from the recording, and measure fidelity",
		run:     runReplay,
	})
}

const replayDescription = `
Opens a fresh Chromium with the live network blocked and answers every
request (frames, workers and service workers included) from the recording:
exact method and URL first, then volatile parameters ignored, then a scored
fuzzy match; each request is logged with the reason for its answer. The
recorded websockets play from a loopback server, and the recorded viewport,
device pixel ratio, user agent, time zone and locale are emulated.

A websocket is held as a conversation: each message the page sends is
matched to a recorded one (exact, then by JSON shape) and answered with the
replies that followed it, the ids the page made up (msg_id, id, ref, acks)
carried into them; server messages that answered nothing keep their
recorded timing. A request still in flight when the recording stopped (a
long poll) is held open, never answered.

With --steps the replay keeps the recording's pace: each step looks for its
element about as long as the user took to reach it, then waits for the
requests that followed it in the recording, at most the recording's time
for them plus 1 s; a step the user took in another tab runs in that tab.

The replay ends when the recorded pages have loaded and no request has been
pending for 2 s, or when the recording's timeline is over (plus 1 s) with
only recorded frames and requests pending (listed), or when the page repeats
a request far more often than recorded (a loop), or at --timeout. It then
prints the verdict, faithful, partial or diverged, with its reasons (a
blank page the recording shows with content, an uncaught exception the
recording lacks, requests the recording lacks, …), and the fidelity report: a table,
or with --json an object with requests, served_exact, served_fuzzy,
synthesized, failed_as_recorded, unmatched, coverage, archive_used,
steps_ok, steps_total and screenshot_diff (ratios are fractions 0..1).
Coverage counts only the requests the replay made, so the report also says
how many recorded pages the replay reached (pages, pages_reached) and warns
in words (warnings; marked in the table) when little of the recording was
served, a page was not reached, steps failed or screenshots differ.

Exit status: 0 when the replay ran and its verdict is faithful or partial;
1 when it diverged or could not run; 2 for bad arguments or an unreadable
recording.`

func runReplay(args []string) error {
	fs := newFlags("replay", "BUNDLE|HAR [--headless] [--steps] [--screenshots DIR] [--json] [--open]", replayDescription)
	headless := fs.Bool("headless", true, "run the browser without a window (the default; --headless=false shows it)")
	open := fs.Bool("open", false, "show the browser and keep it open on the replay to explore; ends when you close it")
	steps := fs.Bool("steps", false, "run the recorded steps.json (navigate, click, change, keys, scroll, viewport) and report each")
	shots := fs.String("screenshots", "", "write the replay's screenshots to `DIR`")
	asJSON := fs.Bool("json", false, "print the fidelity report as JSON on stdout")
	timeout := fs.Duration("timeout", 60*time.Second, "stop the replay after this long even if requests are pending")
	clock := fs.Bool("clock", false, "start the page clock (Date) at the recorded time")
	pace := fs.String("ws-pace", "recorded", "websocket frames: `recorded` gaps, or none (at once)")
	threshold := fs.Float64("threshold", 0.5, "lowest score (0..1) a fuzzy match may have")
	volatile := fs.String("volatile", "", "more query parameters and JSON fields whose values never decide a match, comma-separated (added to _, t, ts, cb, …)")
	browser := fs.String("browser", "", "Chromium executable (default: $REPROKIT_BROWSER or /usr/bin/chromium)")
	quiet := fs.Bool("quiet", false, "do not log each request on stderr")
	ids := addIdentityFlag(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("replay takes one bundle .zip or .har file; run `reprokit replay -h`")
	}
	if *pace != string(replay.PaceRecorded) && *pace != string(replay.PaceNone) {
		return usageErr("--ws-pace is recorded or none, not %q", *pace)
	}
	if *threshold <= 0 || *threshold > 1 {
		return usageErr("--threshold is a score above 0 and at most 1, not %g", *threshold)
	}
	if *timeout <= 0 {
		return usageErr("--timeout is a duration above 0, not %s", *timeout)
	}
	// --timeout is a hard limit on the whole command: what runs past it
	// (a browser that does not answer, a body that does not go through)
	// is cut short a few seconds later, with a message.
	began := time.Now()
	watchdog := time.AfterFunc(*timeout+hardStopGrace, func() {
		fmt.Fprintf(os.Stderr, "reprokit replay: stopped: --timeout %s is over and the replay did not end within %s after it; no report\n", *timeout, hardStopGrace)
		os.Exit(exitNegative)
	})
	defer watchdog.Stop()
	plain, cleanup, err := ids.open(pos[0])
	if err != nil {
		return err
	}
	defer cleanup()
	src, err := replay.Load(plain)
	if err != nil {
		return usageErr("%v", err)
	}
	if *open && !*steps {
		if len(src.Steps) > 0 {
			fmt.Fprintf(os.Stderr, "reprokit replay: --open shows the app as the recording began; to replay what the user did, add --steps: reprokit replay --open --steps %s\n", terminalLines(pos[0]))
		} else {
			fmt.Fprintln(os.Stderr, "reprokit replay: --open shows the app as the recording began; the recording has no steps.json, so the user's steps cannot be replayed")
		}
	}
	for _, w := range src.Warnings {
		fmt.Fprintln(os.Stderr, "reprokit replay: warning:", terminalLines(w))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// the log names the recording's URLs: escape what a hostile HAR
	// could use to drive the terminal
	progress := terminalWriter{os.Stderr}
	opts := replay.Options{
		Browser: *browser, Visible: !*headless, Open: *open, Steps: *steps,
		ScreenshotsDir: *shots, Timeout: *timeout, Clock: *clock,
		Pace: replay.Pacing(*pace), Match: replay.MatchOptions{Threshold: *threshold, Volatile: volatileNames(*volatile)},
		Progress: progress,
	}
	if *quiet {
		opts.Progress = nil
	}
	printed := false
	opts.Ready = func(r *replay.Report) {
		if *open {
			watchdog.Stop() // the browser stays open until its window is closed
		}
		printed = true
		printReplayReport(r, *asJSON)
	}
	// the time reading the recording took counts: the replay gets the rest
	opts.Timeout = max(*timeout-time.Since(began), time.Second)
	rep, err := replay.Run(ctx, src, opts)
	if err != nil {
		return negative("%v", err)
	}
	if !printed {
		printReplayReport(rep, *asJSON)
	}
	fmt.Fprintf(os.Stderr, "reprokit replay: verdict: %s\n", rep.Verdict)
	for _, r := range rep.Reasons {
		fmt.Fprintf(os.Stderr, "reprokit replay:   %s\n", terminalLines(r))
	}
	if rep.Verdict == replay.Diverged {
		return negative("the replay diverged from the recording: %s", strings.Join(rep.Reasons, "; "))
	}
	return nil
}

// volatileNames is the default volatile list plus the names given.
// hardStopGrace is how long past --timeout a replay may take to print its
// report and close the browser before the command stops it (the issue's
// goal: never longer than the timeout plus 5 s).
const hardStopGrace = 4 * time.Second

func volatileNames(extra string) []string {
	names := append([]string(nil), replay.DefaultVolatileParams...)
	for n := range strings.SplitSeq(extra, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}

func printReplayReport(r *replay.Report, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(os.Stderr, "reprokit replay: write report:", err)
		}
		return
	}
	if err := r.WriteTable(terminalWriter{os.Stdout}); err != nil {
		fmt.Fprintln(os.Stderr, "reprokit replay: write report:", err)
	}
}

// terminalWriter writes text for a person with the control characters of
// the input escaped (bundle.TerminalSafe), line by line.
type terminalWriter struct{ w io.Writer }

func (t terminalWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(t.w, terminalLines(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
