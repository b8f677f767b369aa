package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/reprokit/reprokit/host/browser"
	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/demo"
	"github.com/reprokit/reprokit/host/recording"
	"github.com/reprokit/reprokit/host/seal"
)

func init() {
	register(&command{name: "demo", summary: "record the built-in demo app through a scripted session (try this first)", run: runDemo})
}

func runDemo(args []string) error {
	fs := newFlags("demo", "[flags]", `
Starts the demo web app built into reprokit (a chat workspace on 127.0.0.1
with single sign-on through a second local site), records it in a fresh
browser while a scripted session uses it like a person would (signs in,
sends a chat message and reads the streamed reply, uploads a 21 MB file that
is rejected with 413, opens a page whose API call fails with 500), and
writes the support bundle where record would.

Headless by default; --headed shows the window. Only the bundle path is
printed on stdout; progress goes to stderr. Open the bundle with
reprokit view, or unzip it and open report.html.`)
	headed := fs.Bool("headed", false, "show the browser window while the session plays")
	headless := fs.Bool("headless", false, "run the browser without a window (the default)")
	browserPath := fs.String("browser", "", "browser executable (default: $"+browser.EnvBrowser+", else Chrome, Chromium, Edge or Brave)")
	out := fs.String("out", "", "bundle path (default ./reprokit-YYYYMMDD-HHMMSS.zip, or in $"+recording.EnvOutDir+")")
	budget := fs.String("budget", "", "bundle size budget (default 25MB; 0 for none)")
	screencast := fs.Bool("screencast", false, "also record a low-rate, masked screencast")
	noDOM := fs.Bool("no-dom", false, "do not record the DOM session replay")
	events := fs.String("events", "", "also write the raw, UNSANITIZED protocol log to this file (for developers)")
	sealing := addSealFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("demo takes no arguments, got %q (the demo app has its own URL)", fs.Args())
	}
	if *headed && *headless {
		return usageErr("--headed and --headless contradict each other: give one")
	}
	if *headed && runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return usageErr("--headed needs a display, but DISPLAY and WAYLAND_DISPLAY are not set: run `reprokit demo` without --headed to record headless")
	}
	if err := checkOutputArgs(*out, *events); err != nil {
		return err
	}
	rs, err := sealing.recipients()
	if err != nil {
		return err
	}
	if err := checkSealedOut(*out, rs); err != nil {
		return err
	}
	opts := recording.Options{
		Browser: *browserPath, Headless: !*headed, Out: *out, Screencast: *screencast, NoDOM: *noDOM, Events: *events,
		Signals: true, SealTo: seal.Texts(rs), Language: bundle.SystemLanguage(),
	}
	if *budget != "" {
		n, err := bundle.ParseSize(*budget)
		if err != nil {
			return usageErr("--budget: %v", err)
		}
		opts.Budget = &n
	}
	// As record does: everything the user gave is checked before the demo
	// app starts, and a browser that cannot be found stops here.
	if err := checkBrowserArg(*browserPath); err != nil {
		return err
	}

	app, err := demo.Start()
	if err != nil {
		return fmt.Errorf("start the demo app: %w", err)
	}
	defer app.Close()
	fmt.Fprintf(os.Stderr, "demo app: %s (sign-in provider %s)\n", app.URL, app.IdPURL)
	opts.URL = app.URL + "/"
	opts.Drive = func(ctx, tab context.Context) error {
		return demo.DriveWith(ctx, tab, app, demo.DriveOptions{
			Progress: func(step string) { fmt.Fprintf(os.Stderr, "demo: %s\n", step) },
		})
	}
	res, err := recording.Run(context.Background(), opts)
	if res != nil && res.Path != "" {
		printPath(res.Path)
	}
	if err != nil {
		if errors.Is(err, recording.ErrInterrupted) || errors.Is(err, browser.ErrNotFound) {
			return negative("%v", err)
		}
		return err
	}
	return nil
}
