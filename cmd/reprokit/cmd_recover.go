package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/reprokit/reprokit/host/recording"
	"github.com/reprokit/reprokit/host/seal"
)

func init() {
	register(&command{name: "recover", summary: "list, bundle or discard interrupted recordings", run: runRecover})
}

func runRecover(args []string) error {
	fs := newFlags("recover", "[ID…] [--list] [--discard ID] [--allow KIND]", `
Finishes recordings that did not become a bundle: the recorder was killed,
or the bundle was refused because it still held a detected secret (fail
closed). Those recordings stay in the private spool until you act; nothing
is thrown away silently.

With no ID, bundles every such recording; with IDs (or unique prefixes),
only those. Each bundle goes where its recording was meant to go (its --out
when that folder exists, else $`+recording.EnvOutDir+` or the current folder), and
its absolute path is printed on stdout. A recording refused for a finding
is bundled once you allow that finding with --allow KIND (the kind the
error names). --list shows the recordings; --discard ID deletes one.

Exit 1 when a recording could not be bundled (it is kept).`)
	list := fs.Bool("list", false, "list the interrupted recordings and exit")
	asJSON := fs.Bool("json", false, "with --list: print JSON on stdout")
	var discard, allow stringList
	fs.Var(&discard, "discard", "delete this recording for good (repeatable)")
	fs.Var(&allow, "allow", "allow this finding kind or rule in the bundle (repeatable)")
	sealing := addSealFlags(fs)
	ids, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	rs, err := sealing.recipients()
	if err != nil {
		return err
	}
	if *list && (len(discard) > 0 || len(ids) > 0) {
		return usageErr("--list goes alone")
	}
	if *asJSON && !*list {
		return usageErr("--json goes with --list")
	}
	if len(discard) > 0 && len(ids) > 0 {
		return usageErr("give IDs to bundle or --discard IDs, not both")
	}
	base := ""
	if *list {
		ls, err := recording.Leftovers(base)
		if err != nil {
			return err
		}
		return printLeftovers(ls, *asJSON)
	}
	if len(discard) > 0 {
		// Resolve every ID first: a typo must not discard half of them.
		var targets []*recording.Leftover
		for _, id := range discard {
			l, err := recording.FindLeftover(base, id)
			if err != nil {
				return usageErr("--discard: %v", err)
			}
			targets = append(targets, l)
		}
		for _, l := range targets {
			if err := recording.Discard(l); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "discarded the recording %s\n", l.ID())
		}
		return nil
	}
	var targets []*recording.Leftover
	if len(ids) == 0 {
		if targets, err = recording.Leftovers(base); err != nil {
			return err
		}
		if len(targets) == 0 {
			fmt.Fprintln(os.Stderr, "no interrupted recordings")
			return nil
		}
	}
	for _, id := range ids {
		l, err := recording.FindLeftover(base, id)
		if err != nil {
			return usageErr("%v", err)
		}
		targets = append(targets, l)
	}
	failed := 0
	for _, l := range targets {
		fmt.Fprintf(os.Stderr, "recovering the recording %s (%s)…\n", l.ID(), l.Dir.Path())
		path, err := recording.Recover(context.Background(), l, recording.RecoverOptions{Allow: allow, Stderr: os.Stderr, SealTo: seal.Texts(rs)})
		if err != nil {
			failed++
			fmt.Fprintf(os.Stderr, "could not bundle %s: %v\n  allow a finding with `reprokit recover --allow KIND %s`, or delete the recording with `reprokit recover --discard %s`\n", l.ID(), err, l.ID(), l.ID())
			continue
		}
		printPath(path)
	}
	if failed > 0 {
		return negative("%d of %d recording(s) could not be bundled and are kept", failed, len(targets))
	}
	return nil
}

// leftoverRow is one line of `reprokit recover --list --json`.
type leftoverRow struct {
	ID          string `json:"id"`
	Path        string `json:"path"`
	Status      string `json:"status,omitempty"`
	Mode        string `json:"mode,omitempty"`
	Started     string `json:"started,omitempty"`
	StartURL    string `json:"startUrl,omitempty"`
	Out         string `json:"out,omitempty"`
	Size        int64  `json:"size"`
	BundleError string `json:"bundleError,omitempty"`
	ReadError   string `json:"readError,omitempty"`
}

func printLeftovers(ls []*recording.Leftover, asJSON bool) error {
	rows := make([]leftoverRow, 0, len(ls))
	for _, l := range ls {
		r := leftoverRow{ID: l.ID(), Path: l.Dir.Path(), Size: l.Size()}
		if m := l.Meta; m != nil {
			r.Status, r.Mode, r.Started, r.StartURL, r.Out, r.BundleError = string(m.Status), string(m.Mode), m.Started, m.StartURL, m.Options.Out, m.BundleError
		} else if l.Err != nil {
			r.ReadError = l.Err.Error()
		}
		rows = append(rows, r)
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(os.Stderr, "no interrupted recordings")
		return nil
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tSTATUS\tMODE\tSIZE\tWHY IT WAITS")
	for _, r := range rows {
		why := "interrupted"
		switch {
		case r.BundleError != "":
			why, _, _ = strings.Cut(r.BundleError, "\n")
		case r.ReadError != "":
			why = "unreadable: " + r.ReadError
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Started, r.Status, r.Mode, sizeText(r.Size), why)
	}
	return tw.Flush()
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
