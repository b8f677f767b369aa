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
Firefox and Playwright (findings and request IDs are computed for those).
Text from the input is printed with control characters escaped (\x1b).
Exits 1 when the bundle does not match its bundle.json (integrity problems).`)
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
		// the reporter's text, from the bundle: lines kept, escapes shown
		_, err := os.Stdout.WriteString(terminalLines(b.Support))
		return err
	}
	s := b.Summary()
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return err
		}
	} else if err := s.WriteText(os.Stdout); err != nil {
		return err
	}
	if s.Kind == "bundle" && len(s.Integrity) > 0 {
		return negative("%s does not match its bundle.json (%d integrity problem(s)): it was changed or damaged after it was written", terminalLines(pos[0]), len(s.Integrity))
	}
	return nil
}
