package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/reprokit/reprokit/host/capture"
)

func init() {
	register(&command{
		name:    "har-from-events",
		summary: "convert a CDP protocol log (events.jsonl or a JSON array) into a HAR 1.2 file",
		run:     runHARFromEvents,
	})
}

const harFromEventsDescription = `
Converts a Chrome DevTools Protocol log into a HAR 1.2 file with the fields of
DevTools' own export (_initiator, _resourceType, _transferSize, _fromCache,
_webSocketMessages, _eventSourceMessages, …): one entry per redirect hop,
raw headers from the ExtraInfo events, failed requests, preflights,
websockets, server-sent events, and requests still in flight at the end
marked _incomplete.

LOG is a JSON array of CDP messages or one JSON object per line, as written
by 'reprokit record --events FILE' or found in a spool's events.jsonl.
Response bodies come from Network.getResponseBody results in the log, or
from bodies/<n> files next to it. Logs of other tools that hold only events
convert too, without bodies. Use - to read the log from stdin.

The HAR is NOT sanitized: it holds whatever the log holds (cookies, tokens,
form data). It is written to a temporary name and renamed, so a failed
conversion leaves nothing behind.

Exit status: 0 when the HAR was written (its absolute path is printed on
stdout); 2 for bad arguments or a malformed log (with its line and column).`

func runHARFromEvents(args []string) error {
	fs := newFlags("har-from-events", "LOG [-o OUT.har]", harFromEventsDescription)
	out := fs.String("o", "", "write the HAR to `FILE` (default: LOG with the extension .har, in the current directory)")
	quiet := fs.Bool("quiet", false, "do not print warnings and progress on stderr")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("har-from-events takes one LOG file; run `reprokit har-from-events -h`")
	}
	logPath := pos[0]
	var in io.Reader
	dir := ""
	if logPath == "-" {
		in = os.Stdin
		if *out == "" {
			return usageErr("reading the log from stdin needs -o OUT.har")
		}
	} else {
		f, err := os.Open(logPath)
		if err != nil {
			return usageErr("cannot read the log: %v", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return usageErr("%s is a directory; pass the log file (e.g. %s)", logPath, filepath.Join(logPath, "events.jsonl"))
		}
		in = f
		dir = filepath.Dir(logPath)
	}
	if *out == "" {
		base := filepath.Base(logPath)
		*out = strings.TrimSuffix(base, filepath.Ext(base)) + ".har"
	}
	outDir := filepath.Dir(*out)
	tmp, err := os.CreateTemp(outDir, "."+filepath.Base(*out)+".tmp-*")
	if err != nil {
		return usageErr("cannot write the HAR in %s (does the directory exist and is it writable?): %v", outDir, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // a no-op after the rename
	opts := capture.BuildOptions{Dir: dir, TempDir: outDir}
	progressShown := false
	if !*quiet {
		opts.Warn = func(msg string) {
			if progressShown {
				fmt.Fprintln(os.Stderr)
				progressShown = false
			}
			fmt.Fprintln(os.Stderr, "reprokit har-from-events: warning:", msg)
		}
		opts.Progress = func(n int) {
			if n >= 20000 {
				fmt.Fprintf(os.Stderr, "\rreprokit har-from-events: %d messages read", n)
				progressShown = true
			}
		}
	}
	err = capture.BuildHAR(in, tmp, opts)
	if progressShown {
		fmt.Fprintln(os.Stderr)
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write %s: %w", tmpName, cerr)
	}
	if err != nil {
		var se *capture.LogSyntaxError
		if errors.As(err, &se) {
			return usageErr("%s: %v", logPath, se)
		}
		return fmt.Errorf("convert %s: %w", logPath, err)
	}
	if err := os.Rename(tmpName, *out); err != nil {
		return fmt.Errorf("move the HAR into place: %w", err)
	}
	printPath(*out)
	return nil
}
