package main

import (
	"encoding/json"
	"os"
)

func init() {
	register(&command{name: "inspect", summary: "print the summary of a bundle or a HAR: counts, findings, request IDs, size", run: runInspect})
}

func runInspect(args []string) error {
	fs := newFlags("inspect", "BUNDLE|HAR [--json]", `
Prints what a support engineer checks first: the counts, the findings with
their advice, the request IDs (failed requests first), the size and the
size-budget actions. Accepts Reprokit bundles and HARs written by Chrome,
Firefox and Playwright (findings and request IDs are computed for those).`)
	asJSON := fs.Bool("json", false, "print the summary as JSON on stdout")
	supportRequest := fs.Bool("support-request", false, "print the bundle's SUPPORT_REQUEST.md (sanitized, ready to paste into a ticket) instead")
	ids := addIdentityFlag(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	b, cleanup, err := openBundleArg(fs, pos, ids)
	if err != nil {
		return err
	}
	defer cleanup()
	if *supportRequest {
		if b.Support == "" {
			return negative("%s has no SUPPORT_REQUEST.md", pos[0])
		}
		_, err := os.Stdout.WriteString(b.Support)
		return err
	}
	s := b.Summary()
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	return s.WriteText(os.Stdout)
}
