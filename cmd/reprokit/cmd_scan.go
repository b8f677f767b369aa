package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/reprokit/reprokit/host/bundle"
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
value. A file that looks like JSON but is not (truncated, broken) is scanned
as text, and says so. Exit 0: clean; 1: something found; 2: a file could not
be read, or was read only as text and nothing was found.`)
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
	var notes []string // what a file read as text instead of its type says
	for _, p := range paths {
		fs, fellBack, err := scanPath(p, pol, ids)
		if err != nil {
			msg := errorText(err)
			if !strings.Contains(msg, p) {
				msg = terminalLines(p) + ": " + msg
			}
			fmt.Fprintf(os.Stderr, "reprokit scan: %s\n", msg)
			failed = append(failed, p)
			continue
		}
		n := len(all)
		for _, f := range fs {
			if !allowed[f.Kind] && !allowed[f.Rule] {
				all = append(all, f)
			}
		}
		switch {
		case fellBack == "":
		case len(all) > n:
			// the findings stand (exit 1), but say how they were found
			fmt.Fprintf(os.Stderr, "reprokit scan: %s: could not read as a HAR (%s); scanned as text\n", terminalLines(p), fellBack)
		default:
			// never "clean" for a file that was not read as what it is
			notes = append(notes, fmt.Sprintf("%s: could not read as a HAR (%s); scanned as text, nothing found", terminalLines(p), fellBack))
			failed = append(failed, p)
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
			// file and member names and JSON pointers come from the input
			fmt.Fprintf(os.Stdout, "%s\t%s\t%s\t%s\n", bundle.TerminalSafe(f.File), bundle.TerminalSafe(f.Location), bundle.TerminalSafe(f.Kind), bundle.TerminalSafe(f.Tag))
		}
	}
	switch {
	case len(notes) == 1 && len(failed) == 1:
		return usageErr("%s", notes[0])
	case len(failed) > 0:
		for _, n := range notes {
			fmt.Fprintf(os.Stderr, "reprokit scan: %s\n", n)
		}
		return usageErr("%d file(s) could not be scanned", len(failed))
	case len(all) > 0:
		return negative("%d finding(s) in %d file(s)", len(all), len(paths))
	}
	fmt.Fprintf(os.Stderr, "reprokit scan: clean (%d file(s))\n", len(paths))
	return nil
}

// scanPath scans one file; a sealed one is opened with the identities and
// its findings name the sealed file. fellBack is not empty when the file
// looked like JSON but could not be read as JSON, so that sanitize.ScanFile
// scanned it as text (docs/SANITIZE.md), or was empty: it says why.
func scanPath(p string, pol *sanitize.Policy, ids *identityFlags) (fs []sanitize.Finding, fellBack string, err error) {
	plain, cleanup, err := ids.open(p)
	if err != nil {
		return nil, "", err
	}
	defer cleanup()
	fs, err = sanitize.ScanFile(plain, pol)
	if plain != p {
		for i := range fs {
			if rest, ok := strings.CutPrefix(fs[i].File, plain); ok {
				fs[i].File = p + rest
			}
		}
	}
	if err != nil {
		return fs, "", err
	}
	return fs, notJSON(plain), nil
}

// notJSON says why a file that is not a zip could not be read as JSON
// when it looks like JSON (its first byte after spaces and a BOM is '{' or
// '['): sanitize.ScanFile then scans it as text. An empty file says so
// too: there was nothing to scan. It returns "" for anything else. It
// streams tokens (a string is held whole, as the scan held it).
func notJSON(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	if b, err := br.Peek(3); err == nil && string(b) == "\xEF\xBB\xBF" {
		br.Discard(3)
	}
	for {
		c, err := br.ReadByte()
		if err != nil {
			return "the file is empty"
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			br.UnreadByte()
		default:
			return ""
		}
		break
	}
	dec := json.NewDecoder(br)
	depth := 0
	for {
		t, err := dec.Token()
		if err == io.EOF {
			if depth > 0 {
				return "the JSON ends early: truncated"
			}
			return ""
		}
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				return "the JSON ends early: truncated"
			}
			return fmt.Sprintf("invalid JSON near byte %d: %v", dec.InputOffset(), err)
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			if depth++; depth > maxScanDepth {
				return fmt.Sprintf("JSON nested more than %d levels deep", maxScanDepth)
			}
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			if _, err := dec.Token(); err != io.EOF {
				return fmt.Sprintf("invalid JSON near byte %d: more after the document", dec.InputOffset())
			}
			return ""
		}
	}
}

// maxScanDepth is the nesting sanitize reads (its maxDepth); deeper JSON
// is scanned as text.
const maxScanDepth = 10000
