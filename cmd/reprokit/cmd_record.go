package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reprokit/reprokit/host/browser"
	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/recording"
	"github.com/reprokit/reprokit/host/sanitize"
	"github.com/reprokit/reprokit/host/seal"
)

func init() {
	register(&command{name: "record", summary: "record a browser session into a support bundle", run: runRecord})
}

func runRecord(args []string) error {
	fs := newFlags("record", "[URL] [flags]", `
Launches a browser with a fresh profile (or attaches to a running one with
--attach), records everything the tab does (HAR with bodies, websocket and SSE
messages, screenshots, console, your steps, the environment) until you stop
it, and writes a support bundle. Stop with Ctrl-C, Enter, by closing the
window, or with --duration, --max-size, --until-selector. In a terminal,
type s then Enter for a screenshot, p to pause or resume, n TEXT to add a
note. Password fields and [data-private] elements are masked in screenshots.

The DOM of the recorded pages is recorded too (rrweb, replayed in the
report): every input is masked, password fields and [data-private]
elements are left out. --no-dom turns it off.

Interrupted recordings (a killed process) are turned into bundles at the
start of the next run, into the folder they were meant for; a message says
where. A recording whose bundle was refused (a detected secret) waits for
`+"`reprokit recover`"+` (--list, --allow KIND, --discard ID).

With --attach, requests the tab made before attaching are not recorded:
pass --reload to reload it once recording is set up.

Only the bundle path is printed on stdout. Exit 1 when the recording was
interrupted (tab closed, browser crashed, disk full): the bundle then holds
everything recorded until that moment.`)
	headless := fs.Bool("headless", false, "run the launched browser without a window")
	browserPath := fs.String("browser", "", "browser executable (default: $"+browser.EnvBrowser+", else Chrome, Chromium, Edge or Brave)")
	attach := fs.String("attach", "", "attach to a running browser: ws://host:port/devtools/browser/… or http://host:port")
	targetText := fs.String("target", "", "with --attach: record the first tab whose URL contains this text")
	reload := fs.Bool("reload", false, "with --attach: reload the tab once recording is set up (requests made before attaching are not recorded)")
	duration := fs.Duration("duration", 0, "stop after this long (e.g. 30s, 5m)")
	maxSize := fs.String("max-size", "", "stop once the recording holds this much (e.g. 200MB)")
	until := fs.String("until-selector", "", "stop once this CSS selector matches in the recorded tab")
	out := fs.String("out", "", "bundle path (default ./reprokit-YYYYMMDD-HHMMSS.zip, or in $"+recording.EnvOutDir+")")
	events := fs.String("events", "", "also write the raw, UNSANITIZED protocol log to this file (for developers)")
	screencast := fs.Bool("screencast", false, "also record a low-rate, masked screencast")
	noDOM := fs.Bool("no-dom", false, "do not record the DOM session replay (rrweb; on by default, inputs masked)")
	jpeg := fs.Int("jpeg-quality", 0, "take JPEG screenshots of this quality (1-100); default PNG")
	budget := fs.String("budget", "", "bundle size budget (default 25MB; 0 for none)")
	policy := fs.String("policy", "", "sanitizer policy file")
	lang := fs.String("lang", bundle.SystemLanguage(), "language of SUPPORT_REQUEST.md and the report: ko (Korean) or en (default: the system locale, $LANG)")
	var allow stringList
	fs.Var(&allow, "allow", "allow this finding rule in the bundle (repeatable)")
	sealing := addSealFlags(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	rs, err := sealing.recipients()
	if err != nil {
		return err
	}
	if err := checkSealedOut(*out, rs); err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErr("record takes at most one URL, got %q", pos)
	}
	opts := recording.Options{
		Attach: *attach, Target: *targetText, Reload: *reload, Browser: *browserPath, Headless: *headless,
		Duration: *duration, UntilSelector: *until, Out: *out, Events: *events,
		Screencast: *screencast, NoDOM: *noDOM, JPEGQuality: *jpeg, Policy: *policy, Allow: allow,
		EnterStops: true, Signals: true, SealTo: seal.Texts(rs), Language: *lang,
	}
	if len(pos) == 1 {
		opts.URL = pos[0]
		if *attach != "" {
			return usageErr("a URL and --attach do not go together: navigate the attached tab yourself, or pick it with --target")
		}
		u, err := recordURL(opts.URL)
		if err != nil {
			return usageErr("%v", err)
		}
		opts.URL = u
	}
	if *attach == "" {
		// A browser that cannot start is a usage error when the user named
		// it; checked before the recovery of old recordings runs.
		if err := checkBrowserArg(*browserPath); err != nil {
			return err
		}
	} else if !strings.HasPrefix(*attach, "ws://") && !strings.HasPrefix(*attach, "wss://") && !strings.HasPrefix(*attach, "http://") && !strings.HasPrefix(*attach, "https://") {
		return usageErr("--attach %s: give ws://host:port/devtools/browser/… or http://host:port", *attach)
	}
	if *targetText != "" && *attach == "" {
		return usageErr("--target needs --attach")
	}
	if *reload && *attach == "" {
		return usageErr("--reload needs --attach: a launched browser records from the first request")
	}
	if *jpeg < 0 || *jpeg > 100 {
		return usageErr("--jpeg-quality %d: give 1 to 100, or 0 for PNG", *jpeg)
	}
	if *duration < 0 {
		return usageErr("--duration must be positive")
	}
	if *maxSize != "" {
		n, err := bundle.ParseSize(*maxSize)
		if err != nil {
			return usageErr("--max-size: %v", err)
		}
		opts.MaxSize = n
	}
	if *budget != "" {
		n, err := bundle.ParseSize(*budget)
		if err != nil {
			return usageErr("--budget: %v", err)
		}
		opts.Budget = &n
	}
	if *policy != "" {
		// Check the policy before recording: a bad one found at the end
		// would leave a recording that cannot become a bundle.
		if _, err := sanitize.LoadPolicy(*policy); err != nil {
			return usageErr("--policy: %v", err)
		}
		abs, err := filepath.Abs(*policy)
		if err != nil {
			return usageErr("--policy: %v", err)
		}
		opts.Policy = abs
	}
	if err := checkOutputArgs(*out, *events); err != nil {
		return err
	}
	res, err := recording.Run(context.Background(), opts)
	if res != nil && res.Path != "" {
		printPath(res.Path)
	}
	if err != nil {
		if errors.Is(err, recording.ErrInterrupted) {
			return negative("%v", err)
		}
		if errors.Is(err, browser.ErrNotFound) {
			return negative("%v", err)
		}
		return err
	}
	return nil
}

// checkBrowserArg checks, before anything runs, that a browser can be found:
// a --browser that is not an executable is a usage error, no browser at all
// is a negative answer naming how to install one. record and demo share it.
func checkBrowserArg(path string) error {
	if _, err := browser.Find(path); err != nil {
		var pe *browser.PathError
		if errors.As(err, &pe) {
			return usageErr("%v", err)
		}
		return negative("%v", err)
	}
	return nil
}

// checkOutputArgs checks --out (a .zip in a directory that exists; without
// it, $REPROKIT_OUT_DIR or the current directory must exist) and the
// directory of --events before anything runs, so that a typo is a usage
// error at once rather than a failure after the recording. record and demo
// share it.
func checkOutputArgs(out, events string) error {
	if out != "" && !strings.HasSuffix(strings.ToLower(out), ".zip") && !strings.HasSuffix(strings.ToLower(out), ".zip"+seal.Ext) {
		return usageErr("--out %s: the bundle is a .zip; give a name ending in .zip (.zip.age when sealed)", out)
	}
	if _, err := recording.OutputPath(out, time.Now()); err != nil {
		return usageErr("%v", err)
	}
	if events != "" {
		dir := filepath.Dir(events)
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return usageErr("--events %s: the directory %s does not exist: create it or give another path", events, dir)
		}
	}
	return nil
}

// recordURL checks the URL to record and completes a bare host name
// ("example.com/path", "localhost:8080") with https://. A word that is not
// a host ("notaurl") is a usage error rather than a recording of an error
// page.
func recordURL(s string) (string, error) {
	orig := s
	bad := func(why string) error {
		return fmt.Errorf("%q is not a URL to record (%s): give an address such as https://example.com/ or localhost:8080", orig, why)
	}
	if strings.HasPrefix(s, "about:") || strings.HasPrefix(s, "data:") {
		return s, nil
	}
	bare := !strings.Contains(s, "://")
	if bare {
		if strings.HasPrefix(s, "-") {
			return "", bad("it looks like a flag")
		}
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", bad(err.Error())
	}
	switch u.Scheme {
	case "http", "https":
		h := u.Hostname()
		if h == "" {
			return "", bad("no host")
		}
		// Without a scheme, a single word is a typo more likely than an
		// intranet host; with one (http://intranet/), it is what it says.
		if bare && !strings.Contains(h, ".") && !strings.Contains(h, ":") && h != "localhost" && u.Port() == "" {
			return "", bad("no host name with a dot, no port")
		}
	case "file", "chrome", "chrome-extension":
	default:
		return "", bad("scheme " + u.Scheme + " is not http, https or file")
	}
	return s, nil
}
