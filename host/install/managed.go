package install

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ManagedConfig is the fleet configuration an admin sets for the extension
// through the browser's "3rdparty" extension policy; its shape is
// extension/managed_schema.json. The extension reads it from
// chrome.storage.managed; the host reads the same policy from the machine
// with [LoadManagedConfig], so a user cannot loosen it. Nil fields are unset.
//
// How the host applies it (docs/DEPLOY.md):
//   - SanitizerPolicy: decode into sanitize.Policy and Merge it into the
//     policy of every bundle (after any --policy file).
//   - OutputFolder: where bundles go (before ~/Downloads/Reprokit).
//   - SizeBudgetMB: bundle.Options.Budget = [ManagedConfig.BudgetBytes].
//   - RetentionDays: after writing a bundle, [ApplyRetention] deletes the
//     bundles in the output folder older than this (0 keeps them).
//   - AllowKeepFinding=false: ignore bundle.Options.Allow from the reporter
//     (fail closed always).
//   - AuditLog: the path audit.Append writes to.
//   - AutoSave=true: the host skips the review after Stop and saves the
//     bundle at once (as REPROKIT_AUTO_SAVE=1 does).
type ManagedConfig struct {
	SanitizerPolicy  json.RawMessage `json:"sanitizerPolicy,omitempty"`
	OutputFolder     string          `json:"outputFolder,omitempty"`
	SizeBudgetMB     *int            `json:"sizeBudgetMB,omitempty"`
	RetentionDays    *int            `json:"retentionDays,omitempty"`
	AllowKeepFinding *bool           `json:"allowKeepFinding,omitempty"`
	AuditLog         string          `json:"auditLog,omitempty"`
	// SealTo names the support team and its public keys: every bundle is
	// sealed to them (host/seal). RequireSeal: no bundle is written
	// unsealed, and the reporter cannot turn sealing off.
	SealTo      *SealTo `json:"sealTo,omitempty"`
	RequireSeal *bool   `json:"requireSeal,omitempty"`
	AutoSave    *bool   `json:"autoSave,omitempty"`
	// DOMReplay false turns the DOM session replay off; DOMBlockSelectors
	// are CSS selectors of elements it leaves out (added to password inputs
	// and [data-private]); DOMMaskAllText masks every text of the page.
	DOMReplay         *bool    `json:"domReplay,omitempty"`
	DOMBlockSelectors []string `json:"domBlockSelectors,omitempty"`
	DOMMaskAllText    *bool    `json:"domMaskAllText,omitempty"`
	// Sources lists where each set value came from (files or registry keys).
	Sources []string `json:"sources,omitempty"`
}

// SealTo is the managed key sealTo: who bundles are sealed for.
type SealTo struct {
	Label      string   `json:"label,omitempty"`
	Recipients []string `json:"recipients"`
}

// Empty reports whether no field is set.
func (c *ManagedConfig) Empty() bool {
	return c == nil || len(c.SanitizerPolicy) == 0 && c.OutputFolder == "" && c.SizeBudgetMB == nil &&
		c.RetentionDays == nil && c.AllowKeepFinding == nil && c.AuditLog == "" && c.SealTo == nil && c.RequireSeal == nil && c.AutoSave == nil &&
		c.DOMReplay == nil && c.DOMBlockSelectors == nil && c.DOMMaskAllText == nil
}

// OutputDir returns OutputFolder with a leading ~ expanded to home.
func (c *ManagedConfig) OutputDir(home string) string {
	if c == nil || c.OutputFolder == "" {
		return ""
	}
	if c.OutputFolder == "~" || strings.HasPrefix(c.OutputFolder, "~/") || strings.HasPrefix(c.OutputFolder, `~\`) {
		return filepath.Join(home, c.OutputFolder[1:])
	}
	return c.OutputFolder
}

// LoadManagedConfig reads the managed configuration of extensionID from
// every browser's policy on this machine: on Linux the "3rdparty" section of
// the managed policy JSON files (/etc/opt/chrome/policies/managed/*.json,
// /etc/chromium/policies/managed/*.json, ...); on macOS the
// com.google.Chrome.extensions.<id> managed preferences; on Windows
// HKLM\Software\Policies\Google\Chrome\3rdparty\extensions\<id>\policy (and
// the other browsers' keys). The first browser that sets a field wins, in
// the order of [AllBrowsers]. No policy gives an empty config and no error;
// a value of the wrong type is an error that names the source.
func LoadManagedConfig(e *Env, extensionID string) (*ManagedConfig, error) {
	if extensionID == "" {
		extensionID = DefaultExtensionID
	}
	c := &ManagedConfig{}
	switch e.GOOS {
	case "windows":
		if e.Registry == nil {
			return c, nil
		}
		for _, p := range windowsPolicyKeys {
			for _, hive := range []string{"HKLM", "HKCU"} {
				key := hive + `\` + p.key + `\3rdparty\extensions\` + extensionID + `\policy`
				vals, err := e.Registry.Values(key)
				if err != nil || len(vals) == 0 {
					continue
				}
				m := map[string]any{}
				for n, v := range vals {
					if n == "" {
						continue
					}
					m[n] = regValue(n, v)
					if s, ok := m[n].(string); ok && n == "sanitizerPolicy" {
						var obj any
						if json.Unmarshal([]byte(s), &obj) == nil {
							m[n] = obj
						}
					}
				}
				if err := c.merge(m, key); err != nil {
					return c, err
				}
			}
		}
	case "darwin":
		user := filepath.Base(e.Home)
		for _, d := range darwinPolicyDomains {
			dom := d.domain + ".extensions." + extensionID
			for _, f := range []string{
				e.sys("/Library/Managed Preferences/" + user + "/" + dom + ".plist"),
				e.sys("/Library/Managed Preferences/" + dom + ".plist"),
			} {
				if _, err := os.Stat(f); err != nil {
					continue
				}
				data, err := PlistToJSON(f)
				if err != nil {
					return c, fmt.Errorf("managed configuration %s could not be read: %v", f, err)
				}
				var m map[string]any
				if err := json.Unmarshal(data, &m); err != nil {
					return c, fmt.Errorf("managed configuration %s: %v", f, err)
				}
				if err := c.merge(m, f); err != nil {
					return c, err
				}
			}
		}
	default:
		srcs, _ := ReadPolicies(e)
		for _, s := range srcs {
			third, _ := s.Values["3rdparty"].(map[string]any)
			exts, _ := third["extensions"].(map[string]any)
			m, _ := exts[extensionID].(map[string]any)
			if m == nil {
				continue
			}
			if err := c.merge(m, strings.Join(s.Where, ", ")); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

// merge sets the fields of c that m sets and c does not yet.
func (c *ManagedConfig) merge(m map[string]any, source string) error {
	used := false
	bad := func(name, want string) error {
		return fmt.Errorf("managed configuration in %s: %s must be %s (see extension/managed_schema.json)", source, name, want)
	}
	for name, v := range m {
		switch name {
		case "sanitizerPolicy":
			if len(c.SanitizerPolicy) > 0 {
				continue
			}
			if s, ok := v.(string); ok { // a JSON string (registry, plist)
				var obj any
				if json.Unmarshal([]byte(s), &obj) != nil {
					return bad(name, "an object")
				}
				v = obj
			}
			if _, ok := v.(map[string]any); !ok {
				return bad(name, "an object")
			}
			c.SanitizerPolicy, _ = json.Marshal(v)
		case "outputFolder", "auditLog":
			s, ok := v.(string)
			if !ok {
				return bad(name, "a string")
			}
			if name == "outputFolder" && c.OutputFolder == "" {
				c.OutputFolder = s
			} else if name == "auditLog" && c.AuditLog == "" {
				c.AuditLog = s
			} else {
				continue
			}
		case "sizeBudgetMB", "retentionDays":
			n, ok := toInt(v)
			if !ok || n < 0 || name == "sizeBudgetMB" && n < 1 {
				return bad(name, "a positive whole number")
			}
			if name == "sizeBudgetMB" && c.SizeBudgetMB == nil {
				c.SizeBudgetMB = &n
			} else if name == "retentionDays" && c.RetentionDays == nil {
				c.RetentionDays = &n
			} else {
				continue
			}
		case "sealTo":
			if c.SealTo != nil {
				continue
			}
			if s, ok := v.(string); ok { // a JSON string (registry, plist)
				var obj any
				if json.Unmarshal([]byte(s), &obj) != nil {
					return bad(name, `an object {"label", "recipients": ["age1…"]}`)
				}
				v = obj
			}
			raw, _ := json.Marshal(v)
			var st SealTo
			if json.Unmarshal(raw, &st) != nil || len(st.Recipients) == 0 {
				return bad(name, `an object {"label", "recipients": ["age1…"]} with at least one recipient`)
			}
			c.SealTo = &st
		case "requireSeal", "allowKeepFinding", "autoSave", "domReplay", "domMaskAllText":
			b, ok := v.(bool)
			if !ok {
				if n, isNum := toInt(v); isNum {
					b, ok = n != 0, true
				}
			}
			if !ok {
				return bad(name, "true or false")
			}
			field := map[string]**bool{"requireSeal": &c.RequireSeal, "allowKeepFinding": &c.AllowKeepFinding, "autoSave": &c.AutoSave,
				"domReplay": &c.DOMReplay, "domMaskAllText": &c.DOMMaskAllText}[name]
			if *field != nil {
				continue
			}
			*field = &b
		case "domBlockSelectors":
			if c.DOMBlockSelectors != nil {
				continue
			}
			if s, ok := v.(string); ok { // a JSON string (registry, plist)
				var list any
				if json.Unmarshal([]byte(s), &list) != nil {
					return bad(name, `a list of CSS selectors (["#account", ".pii"])`)
				}
				v = list
			}
			list, ok := v.([]any)
			if !ok {
				return bad(name, `a list of CSS selectors (["#account", ".pii"])`)
			}
			sels := []string{}
			for _, x := range list {
				s, ok := x.(string)
				if !ok {
					return bad(name, `a list of CSS selectors (["#account", ".pii"])`)
				}
				if s = strings.TrimSpace(s); s != "" {
					sels = append(sels, s)
				}
			}
			c.DOMBlockSelectors = sels
		default:
			continue // unknown names are ignored, as Chrome's schema check does
		}
		used = true
	}
	if used {
		c.Sources = append(c.Sources, source)
	}
	return nil
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		if n == float64(int(n)) {
			return int(n), true
		}
	case int:
		return n, true
	case bool:
		return 0, false
	case string:
		if i, err := strconv.Atoi(n); err == nil {
			return i, true
		}
	}
	return 0, false
}
