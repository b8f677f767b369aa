package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/reprokit/reprokit/host/sanitize"
)

func init() {
	register(&command{name: "scan", summary: "look for secrets and personal data in HARs, bundles and text files", run: runScan})
}

func runScan(args []string) error {
	fs := newFlags("scan", "PATH… [--json] [--policy FILE] [--allow RULE]…", `
Scan looks for secrets and personal data in HAR files, bundle .zip files (each
member; screenshots are skipped) and any text file, without changing them.
Findings name the file, the location (a JSON pointer in JSON files,
line:column in text files), the kind (rule or detector) and a tag; never the
value. Exit 0: clean; 1: something found; 2: a file could not be read.`)
	asJSON := fs.Bool("json", false, "print the findings as a JSON array on stdout")
	policyPath := fs.String("policy", "", "merge the policy `FILE` (JSON) into the default policy")
	var allow ruleList
	fs.Var(&allow, "allow", "do not report findings of `RULE` (repeatable)")
	ids := addIdentityFlag(fs)
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		fs.Usage()
		return usageErr("name at least one file to scan")
	}
	pol, err := loadPolicy(*policyPath, allow)
	if err != nil {
		return err
	}
	allowed := map[string]bool{}
	for _, a := range pol.Allow {
		allowed[a] = true
	}
	all := []sanitize.Finding{}
	var failed []string
	for _, p := range paths {
		fs, err := scanPath(p, pol, ids)
		if err != nil {
			fmt.Fprintf(os.Stderr, "reprokit scan: %s: %v\n", p, err)
			failed = append(failed, p)
			continue
		}
		for _, f := range fs {
			if !allowed[f.Kind] && !allowed[f.Rule] {
				all = append(all, f)
			}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(all); err != nil {
			return err
		}
	} else {
		for _, f := range all {
			fmt.Fprintf(os.Stdout, "%s\t%s\t%s\t%s\n", f.File, f.Location, f.Kind, f.Tag)
		}
	}
	switch {
	case len(failed) > 0:
		return usageErr("%d file(s) could not be scanned", len(failed))
	case len(all) > 0:
		return negative("%d finding(s) in %d file(s)", len(all), len(paths))
	}
	fmt.Fprintf(os.Stderr, "reprokit scan: clean (%d file(s))\n", len(paths))
	return nil
}

// scanPath scans one file; a sealed one is opened with the identities and
// its findings name the sealed file.
func scanPath(p string, pol *sanitize.Policy, ids *identityFlags) ([]sanitize.Finding, error) {
	plain, cleanup, err := ids.open(p)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	fs, err := sanitize.ScanFile(plain, pol)
	if plain != p {
		for i := range fs {
			if rest, ok := strings.CutPrefix(fs[i].File, plain); ok {
				fs[i].File = p + rest
			}
		}
	}
	return fs, err
}
