package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/reprokit/reprokit/host/install"
	"github.com/reprokit/reprokit/host/sanitize"
	"github.com/reprokit/reprokit/host/seal"
)

func init() {
	register(&command{"policy", "print the enterprise policy that deploys the extension, allows the host and configures the fleet", runPolicy})
}

func runPolicy(args []string) error {
	fs := newFlags("policy", "--format json|reg|plist|mobileconfig [flags]", `
Prints the enterprise policy for a fleet: ExtensionInstallForcelist and
ExtensionSettings for the extension (fill in the update URL), the
NativeMessagingAllowlist entry for the host, and the extension's managed
configuration (extension/managed_schema.json), which the extension and the
host both honour. Formats: json (a Linux managed policy file, e.g.
/etc/opt/chrome/policies/managed/reprokit.json), reg (Windows .reg for
HKLM), plist (macOS preferences; --extension-part for the managed
configuration domain), mobileconfig (macOS configuration profile for Jamf or
another MDM). See docs/DEPLOY.md.`)
	format := fs.String("format", "json", "json, reg, plist or mobileconfig")
	browser := fs.String("browser", "chrome", "policy key/domain of: chrome, chromium, edge or brave")
	id := fs.String("extension-id", install.DefaultExtensionID, "extension ID")
	updateURL := fs.String("update-url", install.UpdateURLPlaceholder, "the extension's update URL (Chrome Web Store: https://clients2.google.com/service/update2/crx)")
	mode := fs.String("mode", "force_installed", "installation_mode: force_installed, normal_installed or allowed")
	out := fs.String("o", "", "write to this file and print its path (default: stdout)")
	extPart := fs.Bool("extension-part", false, "plist: print the extension's managed configuration domain instead of the browser's")
	outFolder := fs.String("output-folder", "", "managed: folder where bundles are saved (~ is the user's home)")
	budget := fs.String("size-budget-mb", "", "managed: bundle size budget in MB")
	retention := fs.String("retention-days", "", "managed: delete bundles older than N days (0 keeps them)")
	keep := fs.String("allow-keep-finding", "", "managed: true or false: may reporters keep a detected secret on purpose")
	auditLog := fs.String("audit-log", "", "managed: path of the host's audit log")
	sanPolicy := fs.String("sanitizer-policy", "", "managed: JSON file of sanitizer policy additions (rules, patterns, keep, requestIdHeaders)")
	var sealTo ruleList
	fs.Var(&sealTo, "seal-to", "managed: seal every bundle to the public key `RECIPIENT` (age1…, ssh-…; repeatable)")
	sealLabel := fs.String("seal-label", "", "managed: who the --seal-to keys belong to, shown to reporters (\"Acme Support\")")
	requireSeal := fs.Bool("require-seal", false, "managed: never write an unsealed bundle; reporters cannot turn sealing off")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if (*sealLabel != "" || *requireSeal) && len(sealTo) == 0 {
		return usageErr("--seal-label and --require-seal need --seal-to RECIPIENT")
	}
	if !slices.Contains(install.PolicyFormats, *format) {
		return usageErr("format %q: use %s", *format, strings.Join(install.PolicyFormats, ", "))
	}
	cfg := &install.ManagedConfig{OutputFolder: *outFolder, AuditLog: *auditLog}
	if len(sealTo) > 0 {
		rs, err := seal.Recipients(sealTo, nil)
		if err != nil {
			return usageErr("--seal-to: %v", err)
		}
		cfg.SealTo = &install.SealTo{Label: *sealLabel, Recipients: seal.Texts(rs)}
		if *requireSeal {
			cfg.RequireSeal = requireSeal
		}
	}
	for _, f := range []struct {
		name, val string
		dst       **int
		min       int
	}{{"size-budget-mb", *budget, &cfg.SizeBudgetMB, 1}, {"retention-days", *retention, &cfg.RetentionDays, 0}} {
		if f.val == "" {
			continue
		}
		n, err := strconv.Atoi(f.val)
		if err != nil || n < f.min {
			return usageErr("--%s %q: want a whole number ≥ %d", f.name, f.val, f.min)
		}
		*f.dst = &n
	}
	if *keep != "" {
		b, err := strconv.ParseBool(*keep)
		if err != nil {
			return usageErr("--allow-keep-finding %q: want true or false", *keep)
		}
		cfg.AllowKeepFinding = &b
	}
	if *sanPolicy != "" {
		raw, err := sanitizerAdditions(*sanPolicy)
		if err != nil {
			return usageErr("%v", err)
		}
		cfg.SanitizerPolicy = raw
	}
	data, err := install.GeneratePolicy(install.PolicyOptions{
		Format: *format, Browser: install.Browser(*browser), ExtensionID: *id, UpdateURL: *updateURL,
		InstallMode: *mode, Config: cfg, ExtensionPart: *extPart,
	})
	if err != nil {
		return usageErr("%v", err)
	}
	if *updateURL == install.UpdateURLPlaceholder {
		fmt.Fprintf(os.Stderr, "note: replace %s with the extension's update URL (--update-url)\n", install.UpdateURLPlaceholder)
	}
	if *out == "" {
		_, err := os.Stdout.Write(data)
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return negative("write %s: %v", *out, err)
	}
	printPath(*out)
	return nil
}

// sanitizerAdditions reads a policy-additions file, checks it against the
// sanitizer (a bad rule is caught here, not on every workstation) and keeps
// only what a managed configuration may add.
func sanitizerAdditions(path string) (json.RawMessage, error) {
	if _, err := sanitize.LoadPolicy(path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	for k := range m {
		switch k {
		case "rules", "patterns", "keep", "requestIdHeaders":
		case "version":
			delete(m, k)
		default:
			return nil, fmt.Errorf("%s: %q cannot be set by a managed configuration, only rules, patterns, keep and requestIdHeaders (reporters' choices stay with allowKeepFinding)", path, k)
		}
	}
	return json.Marshal(m)
}
