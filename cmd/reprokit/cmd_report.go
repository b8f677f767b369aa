package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/report"
)

func init() {
	register(&command{name: "report", summary: "write the report.html of a bundle or a HAR", run: runReport})
}

func runReport(args []string) error {
	fs := newFlags("report", "BUNDLE|HAR [-o report.html]", `
Writes one self-contained report.html (no network, opens offline) for a
Reprokit bundle, or for a HAR written by Chrome, Firefox or Playwright:
summary and findings first, the request table with filters and waterfall,
request details, screenshots on a timeline, console, steps, environment and
request IDs. Prints the path of the report on stdout.`)
	out := fs.String("o", "", "the report to write (default: INPUT-report.html in the current directory)")
	ids := addIdentityFlag(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *out != "" {
		// before the work, and naming the folder rather than the
		// temporary file the report is first written to
		if err := checkOutDir(*out); err != nil {
			return err
		}
	}
	b, cleanup, err := openBundleArg(fs, pos, ids)
	if err != nil {
		return err
	}
	defer cleanup()
	if *out == "" {
		*out = inputBase(pos[0]) + "-report.html"
	}
	if err := writeReport(b, *out); err != nil {
		return err
	}
	printPath(*out)
	return nil
}

// checkOutDir returns a usage error naming out's folder when it does not
// exist or is not a folder.
func checkOutDir(out string) error {
	dir := filepath.Dir(out)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usageErr("-o %s: the folder %s does not exist; create it or choose another", out, dir)
	case err != nil:
		return usageErr("-o %s: %v", out, errorText(err))
	case !st.IsDir():
		return usageErr("-o %s: %s is not a folder", out, dir)
	}
	return nil
}

// writeReport renders the report to a temporary file next to out and renames
// it, so that a reader never sees half a report.
func writeReport(b *bundle.Bundle, out string) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".report-*.html.tmp")
	if err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	err = report.Render(w, b.ReportData())
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), out)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write the report %s: %w", out, err)
	}
	return nil
}
