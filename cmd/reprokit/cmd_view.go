package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/reprokit/reprokit/host/report"
)

func init() {
	register(&command{name: "view", summary: "open the report of a bundle or a HAR in the browser (local server)", run: runView})
}

func runView(args []string) error {
	fs := newFlags("view", "BUNDLE|HAR [--no-open] [--port N]", `
Serves the report of a bundle or HAR on 127.0.0.1 (a random port unless
--port) and opens it in the default browser. The address is printed on
stderr. Serves until Ctrl-C. Nothing leaves the machine. The report's
"Save HAR" saves the bundle's session.har from the same server.`)
	noOpen := fs.Bool("no-open", false, "do not open a browser; only print the address")
	port := fs.Int("port", 0, "the port on 127.0.0.1 (0: a free one)")
	ids := addIdentityFlag(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *port < 0 || *port > 65535 {
		return usageErr("--port %d is not a port number", *port)
	}
	b, cleanup, err := openBundleArg(fs, pos, ids)
	if err != nil {
		return err
	}
	defer cleanup()
	var page bytes.Buffer
	d := b.ReportData()
	d.HAR = "served" // "Save HAR" saves the bundle's whole session.har
	if err := report.Render(&page, d); err != nil {
		return err
	}
	// Catch Ctrl-C before the address is printed: a user (or a script) may
	// stop the server as soon as it is known.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := report.Listen(page.Bytes(), *port, report.Download{Name: "session.har", Type: "application/json", Write: b.WriteHAR})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "reprokit view: serving the report of %s at %s (Ctrl-C to stop)\n", pos[0], srv.URL)
	if !*noOpen {
		if err := report.OpenBrowser(srv.URL); err != nil {
			fmt.Fprintf(os.Stderr, "reprokit view: %v\n", err)
		}
	}
	return srv.Serve(ctx)
}
