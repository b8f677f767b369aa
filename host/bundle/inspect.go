package bundle

import (
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Summary is what `reprokit inspect` prints: the counts, findings, request
// IDs and size of a bundle or HAR. Its JSON form is `inspect --json`.
type Summary struct {
	Path       string      `json:"path"`
	Kind       string      `json:"kind"` // "bundle" or "har"
	Size       int64       `json:"size"`
	ID         string      `json:"id,omitempty"`
	Format     int         `json:"format"`
	Created    string      `json:"created,omitempty"`
	Tool       Tool        `json:"tool"`
	Recording  Recording   `json:"recording"`
	Counts     Counts      `json:"counts"`
	Findings   []Finding   `json:"findings"`
	RequestIDs []RequestID `json:"requestIds"`
	Budget     Budget      `json:"budget"`
	Files      []File      `json:"files"`
	// Integrity lists where the zip disagrees with bundle.json's file list
	// (see [Bundle.Integrity]); empty when they agree.
	Integrity []string `json:"integrity"`
	Warnings  []string `json:"warnings,omitempty"`
}

// Summary summarizes the bundle.
func (b *Bundle) Summary() Summary {
	m := b.Manifest
	abs, err := filepath.Abs(b.Path)
	if err != nil {
		abs = b.Path
	}
	s := Summary{
		Path: abs, Kind: b.Kind, Size: b.Size, ID: m.ID, Format: m.Format, Created: m.Created, Tool: m.Tool,
		Recording: m.Recording, Counts: m.Counts, Findings: nonNil(m.Findings), RequestIDs: nonNil(m.RequestIDs),
		Budget: m.Budget, Files: nonNil(m.Files), Integrity: nonNil(b.Integrity), Warnings: b.Warnings,
	}
	if s.Budget.Actions == nil {
		s.Budget.Actions = []BudgetAction{}
	}
	return s
}

// WriteText prints the summary for a person.
func (s *Summary) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	// every string printed comes from the bundle or HAR (URLs, titles,
	// member names, request IDs) or is plain ASCII of ours: escape them all,
	// so that a URL cannot clear the screen or fake a line of this summary
	p := func(format string, a ...any) {
		for i, v := range a {
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
				a[i] = TerminalSafe(rv.String())
			}
		}
		ew.str(fmt.Sprintf(format, a...))
	}
	kind := "bundle"
	if s.Kind == "har" {
		kind = "HAR (not a Reprokit bundle: not sanitized by Reprokit)"
	}
	p("%s  %s, %s\n", filepath.Base(s.Path), kind, HumanSize(s.Size))
	if s.ID != "" {
		p("id        %s (format %d, %s %s, created %s)\n", s.ID, s.Format, s.Tool.Name, s.Tool.Version, s.Created)
	} else if s.Tool.Name != "" {
		p("creator   %s %s\n", s.Tool.Name, s.Tool.Version)
	}
	r := s.Recording
	if r.Start != "" {
		zone := ""
		if r.TimeZone != "" {
			zone = " (" + r.TimeZone + ")"
		}
		p("recorded  %s → %s%s, %s\n", r.Start, r.End, zone, secs(float64(r.DurationMillis)))
	}
	c := s.Counts
	p("requests  %d (%d failed), %d page%s, %d domain%s, %d websocket%s, %s of bodies\n", c.Entries, c.Failed, c.Pages, plural(c.Pages), c.Domains, plural(c.Domains), c.WebSockets, plural(c.WebSockets), HumanSize(c.BodyBytes))
	p("also      %d console message%s (%d error%s), %d step%s, %d screenshot%s", c.ConsoleMessages, plural(c.ConsoleMessages), c.ConsoleErrors, plural(c.ConsoleErrors), c.Steps, plural(c.Steps), c.Screenshots, plural(c.Screenshots))
	if c.ScreencastFrames > 0 {
		p(", %d screencast frames", c.ScreencastFrames)
	}
	p("\n")
	if len(s.Findings) == 0 {
		p("findings  none\n")
	} else {
		p("findings  %d\n", len(s.Findings))
		for _, f := range s.Findings {
			what := ""
			if n := len(f.Entries); n > 0 {
				what = fmt.Sprintf(" (%d request%s)", n, plural(n))
			}
			p("  %-8s %-26s %s%s\n", f.Severity, f.Rule, f.Title, what)
			for i, e := range f.Evidence {
				if i == 3 {
					break
				}
				p("           %s\n", e)
			}
			p("           → %s\n", f.Advice)
		}
	}
	if len(s.RequestIDs) == 0 {
		p("request IDs  none\n")
	} else {
		p("request IDs  %d\n", len(s.RequestIDs))
		for i, id := range s.RequestIDs {
			if i == 20 {
				p("  … %d more (inspect --json lists them all)\n", len(s.RequestIDs)-20)
				break
			}
			status := "failed"
			if id.Status > 0 {
				status = fmt.Sprint(id.Status)
			}
			p("  %-40s %-24s %s %s → %s\n", id.Value, id.Source, id.Method, shortURL(id.URL, 80), status)
		}
	}
	if b := s.Budget; b.Limit > 0 || len(b.Actions) > 0 {
		p("budget    %s: %d reduction%s", HumanSize(b.Limit), len(b.Actions), plural(len(b.Actions)))
		if b.OverBudget {
			p("; STILL OVER BUDGET")
		}
		p("\n")
		if b.Message != "" {
			p("          %s\n", b.Message)
		}
	}
	if s.Kind == "bundle" && s.Format >= 1 {
		if len(s.Integrity) == 0 {
			p("files     %d, sizes and SHA-256 match bundle.json\n", len(s.Files))
		} else {
			p("INTEGRITY %d problem%s: the zip does not match bundle.json (changed or damaged after it was written)\n", len(s.Integrity), plural(len(s.Integrity)))
			for _, w := range s.Integrity {
				p("  %s\n", w)
			}
		}
	}
	for _, w := range s.Warnings {
		p("warning   %s\n", strings.TrimSpace(w))
	}
	return ew.err
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// TerminalSafe returns s with what a terminal would act on instead of show
// escaped, for printing text that comes from a bundle, a HAR or any other
// input: C0 controls (ESC, CR, LF, BEL, …), DEL and C1 controls become \xNN
// or \u00NN, tabs \t, bytes that are not UTF-8 \xNN, and the bidirectional
// overrides \u202a–\u202e and \u2066–\u2069 (which reorder what follows).
// A string without any of them is returned as it is. To keep the lines of a
// multi-line text, escape each line (see the CLI's error printing).
func TerminalSafe(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r == '\t':
			b.WriteString("\\t")
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		case r >= 0x80 && r <= 0x9f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
