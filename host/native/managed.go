package native

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reprokit/reprokit/host/audit"
	"github.com/reprokit/reprokit/host/bundle"
	"github.com/reprokit/reprokit/host/capture"
	"github.com/reprokit/reprokit/host/install"
	"github.com/reprokit/reprokit/host/sanitize"
	"github.com/reprokit/reprokit/host/seal"
	"github.com/reprokit/reprokit/host/spool"
	"github.com/reprokit/reprokit/host/version"
)

// machinePolicy is what the administrator's managed configuration
// (install.LoadManagedConfig, docs/DEPLOY.md) sets for this host. The
// extension's requests never loosen it.
type machinePolicy struct {
	outDir        string           // the managed output folder; "" when not set
	policy        *sanitize.Policy // the default policy merged with the managed one; nil when not set
	policyErr     error            // a managed policy that does not parse: saving is refused (fail closed)
	budget        int64            // bytes; 0 when not set, bundle.NoBudget for "no limit"
	retentionDays int              // delete older bundles in the output folder; 0 when not set
	noAllow       bool             // the reporter may not keep findings (allowKeepFinding false)
	sealTo        []string         // public keys every bundle is sealed to (sealTo.recipients)
	sealLabel     string           // who they belong to (sealTo.label)
	requireSeal   bool             // no bundle is written unsealed
	autoSave      bool             // skip the review (autoSave true)
	noDOM         bool             // no DOM session replay (domReplay false)
	dom           capture.DOMOptions
}

// loadMachinePolicy reads the managed configuration once per port (or takes
// cfg when a test gives one) and applies its audit log path.
func loadMachinePolicy(cfg *install.ManagedConfig, logger *log.Logger) machinePolicy {
	if cfg == nil {
		var err error
		cfg, err = install.LoadManagedConfig(install.DefaultEnv(), ExtensionID)
		if err != nil {
			logger.Printf("managed configuration: %v (saving is refused until it is fixed)", err)
			return machinePolicy{policyErr: err}
		}
	}
	var mp machinePolicy
	if cfg.Empty() {
		return mp
	}
	home, _ := os.UserHomeDir()
	mp.outDir = cfg.OutputDir(home)
	if len(cfg.SanitizerPolicy) > 0 {
		var file sanitize.Policy
		dec := json.NewDecoder(strings.NewReader(string(cfg.SanitizerPolicy)))
		dec.DisallowUnknownFields()
		p := sanitize.DefaultPolicy()
		if err := dec.Decode(&file); err != nil {
			mp.policyErr = fmt.Errorf("the managed sanitizerPolicy is not valid: %w", err)
		} else if err := p.Merge(&file); err != nil {
			mp.policyErr = fmt.Errorf("the managed sanitizerPolicy: %w", err)
		} else {
			mp.policy = p
		}
	}
	if b, ok := cfg.BudgetBytes(); ok {
		mp.budget = b
		if b <= 0 { // sizeBudgetMB 0: no limit
			mp.budget = bundle.NoBudget
		}
	}
	if cfg.RetentionDays != nil && *cfg.RetentionDays > 0 {
		mp.retentionDays = *cfg.RetentionDays
	}
	mp.noAllow = cfg.AllowKeepFinding != nil && !*cfg.AllowKeepFinding
	if cfg.SealTo != nil {
		mp.sealTo, mp.sealLabel = cfg.SealTo.Recipients, cfg.SealTo.Label
	}
	mp.requireSeal = cfg.RequireSeal != nil && *cfg.RequireSeal
	mp.autoSave = cfg.AutoSave != nil && *cfg.AutoSave
	mp.noDOM = cfg.DOMReplay != nil && !*cfg.DOMReplay
	mp.dom = capture.DOMOptions{BlockSelectors: cfg.DOMBlockSelectors, MaskAllText: cfg.DOMMaskAllText != nil && *cfg.DOMMaskAllText}
	if cfg.AuditLog != "" {
		audit.SetPath(cfg.AuditLog)
	}
	logger.Printf("managed configuration from %s", strings.Join(cfg.Sources, ", "))
	return mp
}

// bundleOptions are the options of a Preview or Write under the machine
// policy: the reporter's Allow only when the policy lets them keep findings.
func (mp machinePolicy) bundleOptions(req SaveRequest) (bundle.Options, error) {
	if mp.policyErr != nil {
		return bundle.Options{}, Errorf(CodeSaveFailed, "Ask your administrator to fix the Reprokit managed configuration (reprokit doctor shows it).", "%v", mp.policyErr)
	}
	opts := bundle.Options{
		Budget: mp.budget, Policy: mp.policy,
		Exclude: req.ExcludeDomains, DropScreenshots: req.DropScreenshots, Allow: req.Allow, Recovered: req.recovered,
		Blackout: req.Blackout, DropDOMReplay: req.DropDOMReplay,
	}
	if mp.noAllow {
		opts.Allow = nil
	}
	return opts, nil
}

// auditBundle appends the "bundle" record of a written bundle. Errors are
// logged and ignored: the bundle is never lost over its audit line.
func auditBundle(res *bundle.Result, opts bundle.Options, logger *log.Logger) {
	rec := audit.Record{Event: "bundle", File: filepath.Base(res.Path), Size: res.Size, Mode: string(spool.ModeExtension),
		Version: version.Version, KeptFindings: opts.Allow, SealedTo: res.SealedTo}
	if res.Manifest != nil {
		rec.BundleID = res.Manifest.ID
		var rep sanitize.Report
		if json.Unmarshal(res.Manifest.Redaction, &rep) == nil && len(rep.Counts) > 0 {
			rec.Redactions = map[string]int{}
			for _, c := range rep.Counts {
				rec.Redactions[c.Rule] += c.Count
			}
		}
	}
	if f, err := os.Open(res.Path); err == nil {
		h := sha256.New()
		if _, err := io.Copy(h, f); err == nil {
			rec.SHA256 = hex.EncodeToString(h.Sum(nil))
		}
		f.Close()
	}
	if err := audit.Append(rec); err != nil {
		logger.Printf("audit log: %v", err)
	}
}

// auditEvent appends a record without a bundle ("refused", "discarded").
func auditEvent(event string, logger *log.Logger) {
	if err := audit.Append(audit.Record{Event: event, Mode: string(spool.ModeExtension), Version: version.Version}); err != nil {
		logger.Printf("audit log: %v", err)
	}
}

// applyRetention deletes the bundles in dir older than the managed
// retention (install.ApplyRetention: only zips that hold a bundle.json,
// each with a "retention" audit record; other files are never touched).
func (mp machinePolicy) applyRetention(dir string, logger *log.Logger) {
	if mp.retentionDays > 0 {
		removed, err := install.ApplyRetention(dir, mp.retentionDays, time.Now())
		for _, p := range removed {
			logger.Printf("retention: removed %s (older than %d days)", p, mp.retentionDays)
		}
		if err != nil {
			logger.Printf("%v", err)
		}
	}
	// the reports "Open report" extracted go with their bundles
	gone, err := sweepReports()
	for _, d := range gone {
		logger.Printf("retention: removed the report %s (its bundle is gone)", d)
	}
	if err != nil {
		logger.Printf("reports: %v", err)
	}
}

// sealInfo is who bundles are sealed for, for the popup; nil when the
// managed configuration seals nothing.
func (mp machinePolicy) sealInfo() *SealInfo {
	if len(mp.sealTo) == 0 {
		return nil
	}
	info := &SealInfo{Label: mp.sealLabel, Required: mp.requireSeal}
	for _, t := range mp.sealTo {
		if r, err := seal.ParseRecipient(t); err == nil {
			info.Recipients = append(info.Recipients, r.Fingerprint())
		}
	}
	return info
}
