// Package recording is the whole job of `reprokit record` and `reprokit
// demo`: a private spool, a launched or attached browser tapped by the
// capture recorder, the stop conditions, live progress, and at the end
// capture.Finalize and the bundle. Leftover spools of killed processes are
// turned into bundles first, so nothing recorded is ever thrown away.
package recording

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/browser"
	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/sanitize"
	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/version"
)

// EnvOutDir is the environment variable naming the directory where bundles
// go when --out is not given.
const EnvOutDir = "REPROKIT_OUT_DIR"

// Options describe one recording.
type Options struct {
	// URL is opened in the launched browser; empty leaves about:blank.
	URL string
	// Attach, when set, attaches to a running browser (ws://… or
	// http://host:port) instead of launching one; Target picks its tab.
	Attach, Target string
	// Reload, with Attach, reloads the recorded tab once recording is set
	// up, so that the page's own requests are recorded.
	Reload bool
	// Browser is the executable to launch; empty finds one.
	Browser string
	// Headless launches without a window.
	Headless bool
	// Duration, when positive, stops the recording after that long.
	Duration time.Duration
	// MaxSize, when positive, stops the recording once the spool holds that
	// many bytes.
	MaxSize int64
	// UntilSelector stops the recording once the CSS selector matches in the
	// recorded tab (checked twice a second, following navigations).
	UntilSelector string
	// Out is the bundle path; empty means reprokit-YYYYMMDD-HHMMSS.zip in
	// $REPROKIT_OUT_DIR or the current directory.
	Out string
	// Language is the reporter's language (BCP 47, "ko"): the words of
	// SUPPORT_REQUEST.md and the report.
	Language string
	// Events, when set, also writes the raw (unsanitized) protocol log there.
	Events string
	// Screencast records a low-rate masked frame stream.
	Screencast bool
	// NoDOM turns the DOM session replay off (it is on by default).
	NoDOM bool
	// JPEGQuality makes screenshots JPEG (1-100); 0 means PNG.
	JPEGQuality int
	// Budget is the bundle size budget in bytes (nil: the default).
	Budget *int64
	// Policy is a sanitizer policy file; Allow lists allowed findings.
	Policy string
	Allow  []string
	// SealTo lists the public keys the bundle is sealed to (host/seal);
	// they go into the spool's options, so a recovery seals alike.
	SealTo []string
	// Drive, when set, runs the scripted session (the demo) in the recorded
	// tab; tab is its chromedp context. The recording stops when it returns.
	// [Screenshot] with Drive's ctx takes an on-demand screenshot.
	Drive func(ctx context.Context, tab context.Context) error
	// EnterStops stops the recording on Enter when stdin is a terminal, where
	// "s", "p" and "n TEXT" also take a screenshot, pause and add a note.
	EnterStops bool
	// Signals stops the recording normally on SIGINT/SIGTERM.
	Signals bool
	// SpoolBase is the parent of the spool; empty means spool.DefaultBase.
	SpoolBase string
	// Stderr receives progress and messages; nil means os.Stderr.
	Stderr io.Writer
	// ProgressEvery is the period of the progress lines when Stderr is not a
	// terminal; 0 means 5 seconds.
	ProgressEvery time.Duration
}

// Result is what a recording produced.
type Result struct {
	// Path is the absolute path of the bundle.
	Path string
	// StopReason says why the recording stopped.
	StopReason string
	// Stats are the final figures.
	Stats capture.Stats
	// Recovered lists the bundles made from leftover spools at the start.
	Recovered []string
}

// ErrInterrupted wraps the error of a recording that ended abnormally (tab
// closed, browser crashed, disk full): the bundle holds everything recorded
// up to then, and the command must still exit non-zero.
var ErrInterrupted = errors.New("the recording was interrupted")

// Run records a session and writes its bundle. When the recording ended
// abnormally, Run still writes the bundle and returns its Result with an
// error wrapping [ErrInterrupted].
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	res := &Result{}
	// Check what the user asked for before anything else runs: a bad
	// argument must not trigger the (slow) recovery of old recordings.
	out, err := OutputPath(opts.Out, time.Now())
	if err != nil {
		return res, err
	}
	if opts.Attach == "" {
		if _, err := browser.Find(opts.Browser); err != nil {
			return res, err
		}
	}
	res.Recovered = recoverLeftovers(ctx, opts.SpoolBase, opts.Allow, opts.Stderr)

	mode := spool.ModeLaunch
	if opts.Attach != "" {
		mode = spool.ModeAttach
	}
	dir, err := spool.Create(opts.SpoolBase)
	if err != nil {
		return res, err
	}
	if err := dir.Update(func(m *spool.Meta) error {
		m.Mode = mode
		m.ToolVersion = version.Version
		m.StartURL = opts.URL
		m.Language = opts.Language
		m.Options = spool.Options{Budget: opts.Budget, Out: out, Policy: opts.Policy, Allow: opts.Allow, SealTo: opts.SealTo}
		return nil
	}); err != nil {
		dir.Remove()
		return res, err
	}

	var tee *bufio.Writer
	var teeFile *os.File
	if opts.Events != "" {
		teeFile, err = os.OpenFile(opts.Events, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			dir.Remove()
			return res, fmt.Errorf("--events %s: %w", opts.Events, err)
		}
		os.Chmod(opts.Events, 0o600)
		defer teeFile.Close()
		tee = bufio.NewWriterSize(teeFile, 256<<10)
		defer tee.Flush()
		fmt.Fprintf(opts.Stderr, "WARNING: --events writes the raw, UNSANITIZED protocol log (cookies, tokens, bodies) to %s.\n"+
			"WARNING: never share that file; delete it when you are done.\n", opts.Events)
	}

	var conn *capture.Conn
	wrap := func(tr chromedp.Transport) (chromedp.Transport, error) {
		var w io.Writer
		if tee != nil {
			w = tee
		}
		c, err := capture.NewConn(tr, dir, capture.ConnOptions{Events: w})
		if err != nil {
			return nil, err
		}
		conn = c
		return c, nil
	}
	bopts := browser.Options{Path: opts.Browser, Headless: opts.Headless, Wrap: wrap, Target: opts.Target}
	var sess *browser.Session
	if opts.Attach != "" {
		fmt.Fprintf(opts.Stderr, "attaching to %s…\n", opts.Attach)
		sess, err = browser.Attach(ctx, opts.Attach, bopts)
	} else {
		sess, err = browser.Launch(ctx, bopts)
	}
	if err != nil {
		dir.Remove()
		return res, err
	}
	defer sess.Close()

	logf := func(format string, args ...any) { fmt.Fprintf(opts.Stderr, "warning: "+format+"\n", args...) }
	rec, err := capture.Start(ctx, conn, sess.TabSession, dir, capture.Options{
		JPEGQuality:    opts.JPEGQuality,
		Screencast:     opts.Screencast,
		NoDOM:          opts.NoDOM,
		Mode:           string(mode),
		TabTarget:      sess.TabTarget,
		BrowserTargets: true,
		SharedWorkers:  mode == spool.ModeLaunch,
		Logf:           logf,
		MaxSize:        opts.MaxSize,
		Policy:         screenPolicy(opts.Policy, logf),
	})
	if err != nil {
		sess.Close()
		dir.Remove()
		return res, err
	}
	fmt.Fprintf(opts.Stderr, "recording (spool %s); %s\n", dir.Path(), stopHint(opts))

	reason, abnormal := waitForStop(ctx, opts, sess, conn, rec)
	res.StopReason = reason

	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	stopErr := rec.StopBecause(sctx, reason)
	cancel()
	res.Stats = rec.Stats()
	clearProgress(opts.Stderr)
	fmt.Fprintf(opts.Stderr, "stopped: %s (%s; the recording holds %s)\n", reason, formatStats(res.Stats), humanBytes(res.Stats.SpoolBytes))
	if stopErr != nil && abnormal == nil {
		abnormal = stopErr
	}
	if err := dir.SetStatus(spool.StatusStopped, reason); err != nil {
		logf("%v", err)
	}
	sess.Close()
	if tee != nil {
		tee.Flush()
	}

	path, err := finishSpool(context.WithoutCancel(ctx), dir, out, false, nil, opts.Stderr)
	if err != nil {
		dir.MarkBundleError(err)
		return res, fmt.Errorf("%w\n%s", err, spool.ResolveHint(dir))
	}
	res.Path = path
	if abnormal != nil {
		return res, fmt.Errorf("%w: %v; everything recorded until then is in %s", ErrInterrupted, abnormal, path)
	}
	return res, nil
}

func stopHint(opts Options) string {
	var hints []string
	if opts.Signals {
		hints = append(hints, "Ctrl-C")
	}
	if opts.EnterStops && isTerminal(os.Stdin) {
		hints = append(hints, "Enter")
	}
	if opts.Attach == "" && !opts.Headless {
		hints = append(hints, "closing the window")
	}
	if opts.Duration > 0 {
		hints = append(hints, "after "+opts.Duration.String())
	}
	if opts.UntilSelector != "" {
		hints = append(hints, "when "+opts.UntilSelector+" appears")
	}
	if opts.Drive != nil {
		hints = append(hints, "when the scripted session ends")
	}
	if len(hints) == 0 {
		return "it stops when the tab closes"
	}
	return "stop with " + strings.Join(hints, ", ")
}

// waitForStop waits for the first stop condition. abnormal is non-nil when
// the recording ended by itself in a way the user must hear about.
func waitForStop(ctx context.Context, opts Options, sess *browser.Session, conn *capture.Conn, rec *capture.Recorder) (reason string, abnormal error) {
	var sig chan os.Signal
	if opts.Signals {
		sig = make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(sig)
	}
	var enter chan struct{}
	if opts.EnterStops && isTerminal(os.Stdin) {
		enter = make(chan struct{})
		fmt.Fprintln(opts.Stderr, "keys: Enter stops; s+Enter takes a screenshot; p+Enter pauses or resumes; n TEXT+Enter adds a note")
		go readCommands(ctx, os.Stdin, rec, opts.Stderr, enter)
	}
	var deadline <-chan time.Time
	if opts.Duration > 0 {
		t := time.NewTimer(opts.Duration)
		defer t.Stop()
		deadline = t.C
	}
	driveDone := make(chan error, 1)
	driveCtx := context.WithValue(ctx, recorderKey{}, rec)
	// The first page failing to load at all (an unsafe port, a bad
	// address) leaves nothing to reproduce: the recording ends with what
	// it holds, instead of recording Chrome's error page until killed.
	loadFailed := make(chan error, 1)
	if opts.URL != "" && opts.Attach == "" {
		go func() {
			if err := chromedp.Do(sess.Tab, chromedp.Navigate(opts.URL)); err != nil && ctx.Err() == nil && rec.Err() == nil {
				loadFailed <- err
				return
			}
			if opts.Drive != nil {
				driveDone <- opts.Drive(driveCtx, sess.Tab)
			}
		}()
	} else {
		if opts.Attach != "" && opts.Reload {
			go func() {
				rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if _, err := conn.Call(rctx, sess.TabSession, "Page.reload", map[string]any{}, false); err != nil {
					fmt.Fprintf(opts.Stderr, "warning: --reload: %v (still recording)\n", err)
				}
			}()
		} else if opts.Attach != "" {
			fmt.Fprintln(opts.Stderr, attachNote(ctx, conn, sess.TabSession))
			go rec.Screenshot(ctx, "start")
		}
		if opts.Drive != nil {
			go func() { driveDone <- opts.Drive(driveCtx, sess.Tab) }()
		}
	}
	progress := newProgress(opts.Stderr, opts.ProgressEvery)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return "canceled", nil
		case s := <-sig:
			return "interrupted by " + signalName(s), nil
		case <-enter:
			return "Enter pressed", nil
		case <-deadline:
			return "duration " + opts.Duration.String() + " reached", nil
		case err := <-loadFailed:
			return "the page could not load", fmt.Errorf("%s could not load (%v): nothing to record", opts.URL, err)
		case <-rec.LimitReached():
			return fmt.Sprintf("max size %s reached", humanBytes(opts.MaxSize)), nil
		case err := <-driveDone:
			if err != nil {
				return "the scripted session failed", fmt.Errorf("scripted session: %w", err)
			}
			return "the scripted session finished", nil
		case <-rec.Done():
			err := rec.Err()
			switch {
			case errors.Is(err, capture.ErrTabCrashed):
				return "the tab crashed", err
			case opts.Attach == "" && !opts.Headless && (errors.Is(err, capture.ErrTabClosed) || errors.Is(err, capture.ErrBrowserGone)):
				// Closing the window is how a user stops a headed recording.
				return "the browser window was closed", nil
			case errors.Is(err, capture.ErrBrowserGone):
				return "the browser closed or crashed", err
			case errors.Is(err, capture.ErrTabClosed):
				return "the recorded tab was closed", err
			case err != nil:
				return "recording failed", err
			}
			return "the tab went away", nil
		case <-tick.C:
			st := rec.Stats()
			progress.update(st)
			if opts.MaxSize > 0 && st.SpoolBytes >= opts.MaxSize {
				return fmt.Sprintf("max size %s reached", humanBytes(opts.MaxSize)), nil
			}
			if opts.UntilSelector != "" && selectorPresent(ctx, conn, sess, opts.UntilSelector) {
				return "selector " + opts.UntilSelector + " appeared", nil
			}
		}
	}
}

type recorderKey struct{}

// Screenshot takes an on-demand screenshot (masked, with the reason) in the
// recording whose Drive hook got ctx. It is how a scripted session marks
// the moment that matters.
func Screenshot(ctx context.Context, reason string) error {
	rec, _ := ctx.Value(recorderKey{}).(*capture.Recorder)
	if rec == nil {
		return errors.New("recording.Screenshot: ctx is not the context of a Drive hook")
	}
	return rec.Screenshot(ctx, reason)
}

// readCommands reads the user's keys from a terminal: a bare Enter closes
// stop; "s" takes a screenshot, "p" pauses or resumes, "n TEXT" adds a note.
// An EOF (stdin closed) stops nothing.
func readCommands(ctx context.Context, in io.Reader, rec *capture.Recorder, stderr io.Writer, stop chan struct{}) {
	sc := bufio.NewScanner(in)
	paused := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			close(stop)
			return
		case line == "s":
			if err := rec.Screenshot(ctx, "demand"); err != nil {
				fmt.Fprintf(stderr, "\nscreenshot: %v\n", err)
			} else {
				fmt.Fprintln(stderr, "\nscreenshot taken")
			}
		case line == "p":
			if paused {
				rec.Resume()
				fmt.Fprintln(stderr, "\nresumed")
			} else {
				rec.Pause()
				fmt.Fprintln(stderr, "\npaused: nothing is recorded until you type p again")
			}
			paused = !paused
		case strings.HasPrefix(line, "n "):
			rec.Note(strings.TrimSpace(line[2:]))
			fmt.Fprintln(stderr, "\nnote added")
		default:
			fmt.Fprintln(stderr, "\nkeys: Enter stops; s screenshot; p pause/resume; n TEXT note")
		}
	}
}

func signalName(s os.Signal) string {
	if s == os.Interrupt {
		return "Ctrl-C"
	}
	return s.String()
}

// selectorPresent checks the current document of the tab, so that it
// follows navigations.
func selectorPresent(ctx context.Context, conn *capture.Conn, sess *browser.Session, sel string) bool {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	q, _ := jsonString(sel)
	res, err := conn.Call(cctx, sess.TabSession, "Runtime.evaluate", map[string]any{
		"expression": "!!document.querySelector(" + q + ")", "returnByValue": true,
	}, false)
	if err != nil {
		return false
	}
	return strings.Contains(string(res), `"value":true`)
}

// OutputPath returns the absolute bundle path: out when given, else
// reprokit-YYYYMMDD-HHMMSS.zip in $REPROKIT_OUT_DIR or the current directory.
func OutputPath(out string, now time.Time) (string, error) {
	if out == "" {
		dir := os.Getenv(EnvOutDir)
		if dir == "" {
			dir = "."
		}
		out = filepath.Join(dir, "reprokit-"+now.Format("20060102-150405")+".zip")
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", fmt.Errorf("output path %s: %w", out, err)
	}
	if info, err := os.Stat(filepath.Dir(abs)); err != nil || !info.IsDir() {
		return "", fmt.Errorf("output directory %s does not exist: create it or pass another --out", filepath.Dir(abs))
	}
	return abs, nil
}

// finishSpool finalizes a stopped spool, writes its bundle to out and
// removes the spool once the bundle is written. It holds the spool's claim
// meanwhile, so that a native host recovering leftovers never finishes the
// same spool at the same time; when another process holds it, the error is
// [spool.ErrBeingFinished] and the spool is left to that process.
func finishSpool(ctx context.Context, dir *spool.Dir, out string, recovered bool, allow []string, stderr io.Writer) (string, error) {
	release, err := dir.Claim()
	if err != nil {
		return "", err
	}
	defer release()
	m, err := dir.Meta()
	if err != nil {
		return "", err
	}
	if m.Status == spool.StatusBundled {
		return "", fmt.Errorf("the recording in %s was bundled by another process meanwhile", dir.Path())
	}
	if recovered && m.Status == spool.StatusRecording {
		dir.SetStatus(spool.StatusStopped, "recovered after the recorder died")
	}
	if m.Status == spool.StatusRecording || m.Status == spool.StatusStopped {
		fmt.Fprintln(stderr, "building the HAR, console and steps…")
		if err := capture.FinalizeWith(dir, capture.FinalizeOptions{Warn: func(msg string) { fmt.Fprintln(stderr, "warning:", msg) }}); err != nil {
			return "", fmt.Errorf("finalize the recording: %w", err)
		}
		if err := dir.SetStatus(spool.StatusFinalized, "recovered after the recorder died"); err != nil {
			return "", err
		}
	}
	fmt.Fprintln(stderr, "sanitizing and writing the bundle…")
	res, err := bundle.Write(ctx, dir, out, bundle.Options{Progress: stderr, Recovered: recovered, Allow: allow})
	if err != nil {
		return "", fmt.Errorf("write the bundle: %w", err)
	}
	path := res.Path
	if err := dir.SetStatus(spool.StatusBundled, ""); err != nil {
		return path, err
	}
	// The claim goes first: Windows cannot remove a folder with an open
	// file.
	release()
	if err := dir.Remove(); err != nil {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	return path, nil
}

// screenPolicy loads the --policy file for the screenshot mask (nil: the
// default policy). A file that does not load is reported when the bundle
// is made; the mask then uses the default policy.
func screenPolicy(path string, logf func(string, ...any)) *sanitize.Policy {
	if path == "" {
		return nil
	}
	p, err := sanitize.LoadPolicy(path)
	if err != nil {
		if logf != nil {
			logf("screenshots are masked with the default policy: %v", err)
		}
		return nil
	}
	return p
}
