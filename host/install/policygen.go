package install

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// UpdateURLPlaceholder stands for the extension's update URL in generated
// policies until the admin fills it in: the Chrome Web Store's
// https://clients2.google.com/service/update2/crx, Edge Add-ons'
// https://edge.microsoft.com/extensionwebstorebase/v1/crx, or the URL of a
// self-hosted update manifest.
const UpdateURLPlaceholder = "https://REPLACE-WITH-UPDATE-URL/updates.xml"

// PolicyFormats lists the formats of [GeneratePolicy].
var PolicyFormats = []string{"json", "reg", "plist", "mobileconfig"}

// PolicyOptions says what [GeneratePolicy] emits.
type PolicyOptions struct {
	// Format is json (Linux managed policy file), reg (Windows .reg file for
	// Group Policy Preferences or Intune), plist (macOS preferences for
	// `defaults` or Jamf custom settings) or mobileconfig (macOS
	// configuration profile).
	Format string
	// Browser picks the policy key or domain: chrome (default), chromium,
	// edge or brave.
	Browser Browser
	// ExtensionID defaults to [DefaultExtensionID].
	ExtensionID string
	// UpdateURL defaults to [UpdateURLPlaceholder].
	UpdateURL string
	// InstallMode is the ExtensionSettings installation_mode:
	// force_installed (default), normal_installed or allowed.
	InstallMode string
	// Config is the managed configuration of the extension ("3rdparty").
	Config *ManagedConfig
	// ExtensionPart, for the plist format, prints the extension's managed
	// configuration domain (com.google.Chrome.extensions.<id>) instead of
	// the browser's.
	ExtensionPart bool
}

type policyTarget struct {
	regKey, domain string
}

var policyTargets = map[Browser]policyTarget{
	Chrome:   {`SOFTWARE\Policies\Google\Chrome`, "com.google.Chrome"},
	Chromium: {`SOFTWARE\Policies\Chromium`, "org.chromium.Chromium"},
	Edge:     {`SOFTWARE\Policies\Microsoft\Edge`, "com.microsoft.Edge"},
	Brave:    {`SOFTWARE\Policies\BraveSoftware\Brave`, "com.brave.Browser"},
}

// BrowserPolicies returns the browser policies that install the extension
// and allow the host: ExtensionInstallForcelist (force_installed only),
// ExtensionSettings and NativeMessagingAllowlist.
func BrowserPolicies(o PolicyOptions) map[string]any {
	o = o.withDefaults()
	p := map[string]any{
		"ExtensionSettings": map[string]any{
			o.ExtensionID: map[string]any{
				"installation_mode": o.InstallMode,
				"update_url":        o.UpdateURL,
				"toolbar_pin":       "force_pinned",
			},
		},
		"NativeMessagingAllowlist": []any{HostName},
	}
	if o.InstallMode == "force_installed" {
		p["ExtensionInstallForcelist"] = []any{o.ExtensionID + ";" + o.UpdateURL}
	}
	return p
}

func (o PolicyOptions) withDefaults() PolicyOptions {
	if o.Browser == "" {
		o.Browser = Chrome
	}
	if o.ExtensionID == "" {
		o.ExtensionID = DefaultExtensionID
	}
	if o.UpdateURL == "" {
		o.UpdateURL = UpdateURLPlaceholder
	}
	if o.InstallMode == "" {
		o.InstallMode = "force_installed"
	}
	return o
}

// configMap is the managed configuration as the policy value Chrome stores.
func configMap(c *ManagedConfig) map[string]any {
	m := map[string]any{}
	if c == nil {
		return m
	}
	if len(c.SanitizerPolicy) > 0 {
		var v any
		if json.Unmarshal(c.SanitizerPolicy, &v) == nil {
			m["sanitizerPolicy"] = v
		}
	}
	if c.OutputFolder != "" {
		m["outputFolder"] = c.OutputFolder
	}
	if c.SizeBudgetMB != nil {
		m["sizeBudgetMB"] = *c.SizeBudgetMB
	}
	if c.RetentionDays != nil {
		m["retentionDays"] = *c.RetentionDays
	}
	if c.AllowKeepFinding != nil {
		m["allowKeepFinding"] = *c.AllowKeepFinding
	}
	if c.AuditLog != "" {
		m["auditLog"] = c.AuditLog
	}
	if c.SealTo != nil {
		rs := make([]any, len(c.SealTo.Recipients))
		for i, r := range c.SealTo.Recipients {
			rs[i] = r
		}
		st := map[string]any{"recipients": rs}
		if c.SealTo.Label != "" {
			st["label"] = c.SealTo.Label
		}
		m["sealTo"] = st
	}
	if c.RequireSeal != nil {
		m["requireSeal"] = *c.RequireSeal
	}
	if c.AutoSave != nil {
		m["autoSave"] = *c.AutoSave
	}
	if c.DOMReplay != nil {
		m["domReplay"] = *c.DOMReplay
	}
	if c.DOMBlockSelectors != nil {
		sels := make([]any, len(c.DOMBlockSelectors))
		for i, s := range c.DOMBlockSelectors {
			sels[i] = s
		}
		m["domBlockSelectors"] = sels
	}
	if c.DOMMaskAllText != nil {
		m["domMaskAllText"] = *c.DOMMaskAllText
	}
	return m
}

// GeneratePolicy returns the enterprise policy that installs the extension,
// allows the host and sets the managed configuration, in o.Format.
func GeneratePolicy(o PolicyOptions) ([]byte, error) {
	o = o.withDefaults()
	if !ValidExtensionID(o.ExtensionID) {
		return nil, fmt.Errorf("extension ID %q is not valid: 32 letters a-p", o.ExtensionID)
	}
	switch o.InstallMode {
	case "force_installed", "normal_installed", "allowed":
	default:
		return nil, fmt.Errorf("install mode %q: use force_installed, normal_installed or allowed", o.InstallMode)
	}
	t, ok := policyTargets[o.Browser]
	if !ok {
		return nil, fmt.Errorf("no policy template for %s: use chrome, chromium, edge or brave", o.Browser)
	}
	pol := BrowserPolicies(o)
	cfg := configMap(o.Config)
	switch o.Format {
	case "json":
		if len(cfg) > 0 {
			pol["3rdparty"] = map[string]any{"extensions": map[string]any{o.ExtensionID: cfg}}
		}
		b, err := json.MarshalIndent(pol, "", "  ")
		return append(b, '\n'), err
	case "reg":
		return regFile(t.regKey, o.ExtensionID, pol, cfg), nil
	case "plist":
		if o.ExtensionPart {
			return plistDoc(cfg), nil
		}
		return plistDoc(pol), nil
	case "mobileconfig":
		return mobileconfig(t.domain, o.ExtensionID, pol, cfg), nil
	}
	return nil, fmt.Errorf("format %q: use %s", o.Format, strings.Join(PolicyFormats, ", "))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// regString quotes a .reg string value.
func regString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func regFile(base, id string, pol, cfg map[string]any) []byte {
	var b bytes.Buffer
	b.WriteString("Windows Registry Editor Version 5.00\r\n\r\n")
	b.WriteString("; Reprokit: install the extension and allow its native host (HKLM = every user).\r\n")
	b.WriteString("; Fill in the update URL before deploying.\r\n\r\n")
	root := `HKEY_LOCAL_MACHINE\` + base
	var scalars []string
	for _, k := range sortedKeys(pol) {
		switch v := pol[k].(type) {
		case []any:
			// List policies: a subkey with values "1", "2", ...; delete the
			// old list first so a shorter list leaves no stale entries.
			fmt.Fprintf(&b, "[-%s\\%s]\r\n\r\n[%s\\%s]\r\n", root, k, root, k)
			for i, item := range v {
				fmt.Fprintf(&b, "%s=%s\r\n", regString(strconv.Itoa(i+1)), regString(fmt.Sprint(item)))
			}
			b.WriteString("\r\n")
		default:
			scalars = append(scalars, fmt.Sprintf("%s=%s", regString(k), regValueText(v)))
		}
	}
	if len(scalars) > 0 {
		fmt.Fprintf(&b, "[%s]\r\n%s\r\n\r\n", root, strings.Join(scalars, "\r\n"))
	}
	if len(cfg) > 0 {
		fmt.Fprintf(&b, "[%s\\3rdparty\\extensions\\%s\\policy]\r\n", root, id)
		for _, k := range sortedKeys(cfg) {
			fmt.Fprintf(&b, "%s=%s\r\n", regString(k), regValueText(cfg[k]))
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// regValueText writes a policy value as a .reg value: booleans and whole
// numbers as DWORDs, dictionaries as JSON strings (Chrome parses them).
func regValueText(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "dword:00000001"
		}
		return "dword:00000000"
	case int:
		return fmt.Sprintf("dword:%08x", uint32(x))
	case float64:
		if x == math.Trunc(x) && x >= 0 && x < 1<<32 {
			return fmt.Sprintf("dword:%08x", uint32(x))
		}
		return regString(strconv.FormatFloat(x, 'f', -1, 64))
	case string:
		return regString(x)
	default:
		j, _ := json.Marshal(x)
		return regString(string(j))
	}
}

// plistDoc writes v as an XML property list.
func plistDoc(v any) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString(`<plist version="1.0">` + "\n")
	plistValue(&b, v, 0)
	b.WriteString("</plist>\n")
	return b.Bytes()
}

func plistValue(b *bytes.Buffer, v any, depth int) {
	ind := strings.Repeat("\t", depth)
	switch x := v.(type) {
	case map[string]any:
		b.WriteString(ind + "<dict>\n")
		for _, k := range sortedKeys(x) {
			b.WriteString(ind + "\t<key>" + xmlEscape(k) + "</key>\n")
			plistValue(b, x[k], depth+1)
		}
		b.WriteString(ind + "</dict>\n")
	case []any:
		b.WriteString(ind + "<array>\n")
		for _, e := range x {
			plistValue(b, e, depth+1)
		}
		b.WriteString(ind + "</array>\n")
	case bool:
		if x {
			b.WriteString(ind + "<true/>\n")
		} else {
			b.WriteString(ind + "<false/>\n")
		}
	case int:
		fmt.Fprintf(b, "%s<integer>%d</integer>\n", ind, x)
	case float64:
		if x == math.Trunc(x) {
			fmt.Fprintf(b, "%s<integer>%d</integer>\n", ind, int64(x))
		} else {
			fmt.Fprintf(b, "%s<real>%v</real>\n", ind, x)
		}
	case nil:
		b.WriteString(ind + "<string></string>\n")
	default:
		b.WriteString(ind + "<string>" + xmlEscape(fmt.Sprint(x)) + "</string>\n")
	}
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// profileNamespace makes the payload UUIDs stable, so regenerating a
// profile gives the same file and MDMs see an update, not a new profile.
var profileNamespace = uuid.MustParse("5b0f0c55-3e0a-4c57-9d0e-52e3b1d0a7e1")

func payloadUUID(name string) string {
	return strings.ToUpper(uuid.NewSHA1(profileNamespace, []byte(name)).String())
}

// mobileconfig writes a macOS configuration profile with two payloads: the
// browser's policies and the extension's managed configuration.
func mobileconfig(domain, id string, pol, cfg map[string]any) []byte {
	payload := func(typ, name string, content map[string]any) map[string]any {
		p := map[string]any{
			"PayloadType":        typ,
			"PayloadVersion":     1,
			"PayloadIdentifier":  "io.reprokit.policy." + typ,
			"PayloadUUID":        payloadUUID(typ),
			"PayloadDisplayName": name,
			"PayloadEnabled":     true,
		}
		for k, v := range content {
			p[k] = v
		}
		return p
	}
	payloads := []any{payload(domain, "Reprokit browser policy", pol)}
	if len(cfg) > 0 {
		payloads = append(payloads, payload(domain+".extensions."+id, "Reprokit managed configuration", cfg))
	}
	profile := map[string]any{
		"PayloadType":              "Configuration",
		"PayloadVersion":           1,
		"PayloadIdentifier":        "io.reprokit.policy",
		"PayloadUUID":              payloadUUID("profile:" + domain),
		"PayloadDisplayName":       "Reprokit",
		"PayloadDescription":       "Installs the Reprokit extension, allows its native host io.reprokit.host and sets its managed configuration.",
		"PayloadOrganization":      "Reprokit",
		"PayloadScope":             "System",
		"PayloadRemovalDisallowed": false,
		"PayloadContent":           payloads,
	}
	return plistDoc(profile)
}
