package bundle

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

func httpDetect(b []byte) string { return http.DetectContentType(b) }

func sortStrings(s []string) { sort.Strings(s) }

// cell makes text safe for one Markdown table cell ("" when it is empty).
func cell(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("\r\n", "<br>", "\n", "<br>", "\r", " ", "|", "\\|").Replace(s)
	return s
}

// code makes an inline code span (backticks inside are dropped).
func code(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

// envLine is the environment in one line: "Chrome 156.0 on Linux 6.8 (x86 64-bit), desktop; network: ethernet, 4g".
func envLine(raw json.RawMessage) string {
	var env struct {
		Browser envBrowser
		OS      struct{ Name, Version, Arch, Bitness string }
		Device  struct{ Type, Model string }
		Network struct {
			Online                                  bool
			Type, EffectiveType, Proxy, ProxyServer string
			RTTMillis                               int
		}
		Locale, TimeZone string
	}
	if len(raw) == 0 || json.Unmarshal(raw, &env) != nil {
		return ""
	}
	var parts []string
	b := env.Browser.label()
	if b != "" {
		parts = append(parts, b)
	}
	if env.OS.Name != "" {
		os := "on " + strings.TrimSpace(env.OS.Name+" "+env.OS.Version)
		if env.OS.Arch != "" {
			os += " (" + strings.TrimSpace(env.OS.Arch+" "+bitness(env.OS.Bitness)) + ")"
		}
		parts = append(parts, os)
	}
	line := strings.Join(parts, " ")
	if env.Device.Type != "" {
		line += ", " + strings.TrimSpace(env.Device.Type+" "+env.Device.Model)
	}
	var net []string
	if env.Network.Type != "" {
		net = append(net, env.Network.Type)
	}
	if env.Network.EffectiveType != "" {
		net = append(net, "effective "+env.Network.EffectiveType)
	}
	if env.Network.RTTMillis > 0 {
		net = append(net, fmt.Sprintf("%d ms RTT", env.Network.RTTMillis))
	}
	if env.Network.Proxy != "" && env.Network.Proxy != "direct" {
		net = append(net, "proxy "+strings.TrimSpace(env.Network.Proxy+" "+env.Network.ProxyServer))
	}
	if len(net) > 0 {
		line += "; network: " + strings.Join(net, ", ")
	}
	if env.Locale != "" {
		line += "; locale " + env.Locale
	}
	return line
}

// envBrowser is the browser of an environment.json.
type envBrowser struct {
	Name, Product, Version, UserAgent string
	Brands                            []string
}

// label is [browserLabel] of b.
func (b envBrowser) label() string {
	return browserLabel(b.Name, b.Product, b.Version, b.UserAgent, b.Brands)
}

// browserLabel names a browser once, with its version once: "Chromium
// 156.0.8078.108", "Google Chrome 156.0.7500.0", "Microsoft Edge 156.0…".
// The name is the product's own brand (environment.json's name, else its
// brands); Browser.getVersion's product says "Chrome/…" for every
// Chromium-family browser, so it and the user agent are the last resort.
func browserLabel(name, product, version, ua string, brands []string) string {
	prodName, prodVersion, _ := strings.Cut(product, "/")
	if version == "" {
		version = prodVersion
	}
	if name == "" {
		var generic string
		for _, b := range brands {
			n := strings.TrimSpace(b)
			if i := strings.LastIndexByte(n, ' '); i > 0 && strings.IndexFunc(n[i+1:], func(r rune) bool { return (r < '0' || r > '9') && r != '.' }) < 0 {
				n = n[:i]
			}
			l := strings.ToLower(n)
			if strings.Contains(l, "brand") && strings.Contains(l, "not") || n == "" {
				continue // GREASE: "Not:A-Brand 8"
			}
			if l == "chromium" {
				generic = n
				continue
			}
			name = n
			break
		}
		name = firstNonEmpty(name, generic)
	}
	// Without the brand, "Chrome" in the product or user agent is any
	// Chromium-family browser: say so rather than guess.
	headless := strings.HasPrefix(product, "HeadlessChrome") || strings.Contains(ua, "HeadlessChrome/")
	if name == "" && ua != "" {
		for _, k := range []struct{ token, name string }{{"Edg/", "Microsoft Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome/Chromium"}, {"Safari/", "Safari"}} {
			if i := strings.Index(ua, k.token); i >= 0 {
				name = k.name
				if version == "" {
					version, _, _ = strings.Cut(ua[i+len(k.token):], " ")
				}
				break
			}
		}
	}
	if name == "" {
		name = prodName
		if name == "Chrome" || name == "HeadlessChrome" {
			name = "Chrome/Chromium"
		}
	}
	if name == "" {
		return ua
	}
	label := name
	if version != "" && !strings.Contains(name, version) {
		label += " " + version
	}
	if headless && name == "Chrome/Chromium" {
		label += " (headless)"
	}
	return label
}

func bitness(b string) string {
	if b == "" {
		return ""
	}
	return b + "-bit"
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// supportRequest writes SUPPORT_REQUEST.md: the support checklist of
// PRODUCT.md filled in from the recording and the reporter's fields.
// supportInput is what SUPPORT_REQUEST.md is made of.
type supportInput struct {
	m       *Manifest
	steps   []Step
	shots   []shotFile
	frames  int
	loc     *time.Location
	zipSize int64 // the size of the bundle file
	actions int   // size-budget actions
}

func supportRequest(in supportInput) string {
	m, steps, shots, frames := in.m, in.steps, in.shots, in.frames
	var b strings.Builder
	r := m.Reporter
	// in the reporter's language (the popup's, or --lang), with the
	// popup's words (words.go)
	w := WordsFor(m.Recording.Language)
	zone := firstNonEmpty(m.Recording.TimeZone, m.TimeZone)
	when := func(t string) string { return HumanTime(t, in.loc) }
	b.WriteString("# " + w.T("supportTitle") + "\n\n")
	created := when(m.Created)
	if zone != "" {
		created += ", " + zone
	}
	b.WriteString(w.T("supportPrepared", m.Tool.Version, created, code(m.ID)) + "\n\n")
	fmt.Fprintf(&b, "| %s | %s |\n|---|---|\n", w.T("supportWhat"), w.T("supportDetail"))
	notGiven := "_" + w.T("supportNotGiven") + "_"
	row := func(what, detail string) {
		if detail == "" {
			detail = notGiven
		}
		fmt.Fprintf(&b, "| %s | %s |\n", what, detail)
	}
	row(w.Label("fieldDescription"), cell(r.Description))

	plain := PlainSteps(steps)
	if len(plain) > 0 {
		var sb strings.Builder
		for i, s := range plain {
			if i == 12 {
				fmt.Fprintf(&sb, "… %d more (see below)", len(plain)-12)
				break
			}
			fmt.Fprintf(&sb, "%d. %s<br>", i+1, strings.ReplaceAll(s, "|", "\\|"))
		}
		row(w.T("supportSteps"), strings.TrimSuffix(sb.String(), "<br>"))
	} else {
		row(w.T("supportSteps"), "_"+w.T("supportNoSteps")+"_")
	}

	ts := w.T("supportRecorded", when(firstNonEmpty(m.Recording.Start, "?")), when(firstNonEmpty(m.Recording.End, "?")))
	if zone != "" {
		ts += " (" + zone + ")"
	}
	for _, rid := range m.RequestIDs {
		if rid.Failed {
			ts += "; " + w.T("supportFirstFailure", when(rid.Time))
			break
		}
	}
	row(w.T("supportTimestamps"), cell(ts))
	acct := r.Email
	if r.Plan != "" {
		acct = strings.TrimSpace(acct + " (plan: " + r.Plan + ")")
	}
	if r.BillingEmail != "" {
		acct += "; billing email " + r.BillingEmail
	}
	row(w.T("supportAccount"), cell(acct))
	if len(m.RequestIDs) > 0 {
		var ids []string
		for i, rid := range m.RequestIDs {
			if i == 10 {
				ids = append(ids, fmt.Sprintf("… %d more in bundle.json", len(m.RequestIDs)-10))
				break
			}
			status := "failed"
			if rid.Status > 0 {
				status = fmt.Sprint(rid.Status)
			}
			ids = append(ids, code(rid.Value)+" ("+strings.ReplaceAll(rid.Method+" "+shortURL(rid.URL, 80), "|", "\\|")+" → "+status+")")
		}
		row(w.T("supportRequestIDs"), strings.Join(ids, "<br>"))
	} else {
		row(w.T("supportRequestIDs"), "_"+w.T("supportNoRequestIDs")+"_")
	}
	vis := fmt.Sprintf("%d screenshot(s) in screenshots/", len(shots))
	masked := 0
	for _, s := range shots {
		if s.info.Masked != nil {
			masked++
		}
	}
	if masked > 0 {
		vis += fmt.Sprintf(" (%d with sensitive inputs masked)", masked)
	}
	if frames > 0 {
		vis += fmt.Sprintf("; a screencast of %d frames", frames)
	}
	vis += "; report.html shows them on a timeline"
	row(w.T("supportVisuals"), cell(vis))
	envText := envLine(m.Environment)
	if r.Network != "" {
		envText = strings.TrimSpace(envText + "; network (reporter): " + r.Network)
	}
	row(w.T("supportEnvironment"), cell(envText))
	row(w.Label("fieldWorkspace"), cell(r.Workspace))
	row(w.Label("fieldCustomApp"), cell(r.CustomApp))
	safety := r.SafetyMessage
	if safety != "" {
		safety = "“" + safety + "”"
		if r.SafetyRequestID != "" {
			safety += " (request ID " + r.SafetyRequestID + ")"
		}
	}
	row(w.Label("fieldSafety"), cell(safety))
	for _, k := range sortedKeys(r.Extra) {
		row(cell(k), cell(r.Extra[k]))
	}

	b.WriteString("\n## " + w.T("supportWhatWentWrong") + "\n\n")
	if len(m.Findings) == 0 {
		b.WriteString(w.T("supportNoFindings") + "\n")
	}
	for _, f := range m.Findings {
		fmt.Fprintf(&b, "- **%s** (%s, %s): %s\n", f.Title, f.Severity, code(f.Rule), f.Advice)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "  - %s\n", code(e))
		}
	}
	b.WriteString("\n## " + w.T("reviewRedactions") + "\n\n")
	if lines := w.RedactedInWords(m.Redaction); len(lines) > 0 {
		for _, l := range lines {
			b.WriteString("- " + l + "\n")
		}
	} else {
		b.WriteString(w.T("supportNothingRemoved") + "\n")
	}
	if len(plain) > 0 {
		b.WriteString("\n## " + w.T("supportSteps") + "\n\n")
		for i, s := range plain {
			t := ""
			if w := steps[stepIndex(steps, i)].when(); w != 0 {
				t = " (" + w.Time().In(in.loc).Format("15:04:05") + ")"
			}
			fmt.Fprintf(&b, "%d. %s%s\n", i+1, s, t)
		}
	}
	b.WriteString("\n## " + w.T("supportAttached") + "\n\n")
	fmt.Fprintf(&b, "One bundle file (a .zip) of %s", HumanSize(in.zipSize))
	if m.Budget.Limit > 0 {
		fmt.Fprintf(&b, ", size budget %s", HumanSize(m.Budget.Limit))
	}
	b.WriteString(". It holds these files (sizes before compression):\n\n| File | Size |\n|---|---|\n")
	var shotBytes int64
	nshots := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Name, "screenshots/") || strings.HasPrefix(f.Name, "screencast/") {
			shotBytes += f.Size
			nshots++
			continue
		}
		fmt.Fprintf(&b, "| %s | %s |\n", f.Name, HumanSize(f.Size))
	}
	if nshots > 0 {
		fmt.Fprintf(&b, "| screenshots/, screencast/ (%d images) | %s |\n", nshots, HumanSize(shotBytes))
	}
	b.WriteString("| SUPPORT_REQUEST.md (this file) | a few KB |\n")
	b.WriteString("| report.html (open it in a browser) | — |\n")
	b.WriteString("| bundle.json (metadata, findings, request IDs, checksums) | — |\n")
	if in.actions > 0 {
		fmt.Fprintf(&b, "\nTo fit the budget, %d item(s) were removed or shrunk; bundle.json lists each one.", in.actions)
	}
	if m.Budget.OverBudget {
		b.WriteString("\n\n**" + m.Budget.Message + "**")
	}
	b.WriteString("\nEvery file was sanitized on this computer before it was written; secrets and personal data are replaced by tags such as `[REDACTED:token:…]`.\n")
	return b.String()
}

// stepIndex maps the i-th plain step (setViewport skipped) to its index.
func stepIndex(steps []Step, i int) int {
	n := -1
	for k, s := range steps {
		if s.Type == "setViewport" {
			continue
		}
		n++
		if n == i {
			return k
		}
	}
	return 0
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
