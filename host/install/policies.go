package install

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// PolicySource is the managed (mandatory) Chrome policy one browser reads
// on this machine, merged from every file or key of that browser.
type PolicySource struct {
	Browser Browser `json:"browser"`
	// Where lists the files or registry keys read.
	Where []string `json:"where"`
	// Values maps a policy name to its value as Chrome would see it:
	// booleans, numbers, strings, []any lists and map[string]any
	// dictionaries (ExtensionSettings), plus "3rdparty" for extensions'
	// managed configuration.
	Values map[string]any `json:"values"`
}

// linuxPolicyDirs are the managed policy folders of Linux browsers: every
// *.json file in them is read and merged.
var linuxPolicyDirs = []struct {
	browser Browser
	dir     string
}{
	{Chrome, "/etc/opt/chrome/policies/managed"},
	{Chromium, "/etc/chromium/policies/managed"},
	{Edge, "/etc/opt/edge/policies/managed"},
	{Brave, "/etc/brave/policies/managed"},
	{Vivaldi, "/etc/opt/vivaldi/policies/managed"},
}

// LinuxPolicyDir is the managed policy folder of a Linux browser ("" when
// unknown); admins drop reprokit.json there.
func LinuxPolicyDir(b Browser) string {
	for _, d := range linuxPolicyDirs {
		if d.browser == b {
			return d.dir
		}
	}
	return ""
}

// darwinPolicyDomains are the preference domains of macOS browsers' policies.
var darwinPolicyDomains = []struct {
	browser Browser
	domain  string
}{
	{Chrome, "com.google.Chrome"},
	{Chromium, "org.chromium.Chromium"},
	{Edge, "com.microsoft.Edge"},
	{Brave, "com.brave.Browser"},
}

// windowsPolicyKeys are the policy keys of Windows browsers (under HKLM and HKCU).
var windowsPolicyKeys = []struct {
	browser Browser
	key     string
}{
	{Chrome, `Software\Policies\Google\Chrome`},
	{Chromium, `Software\Policies\Chromium`},
	{Edge, `Software\Policies\Microsoft\Edge`},
	{Brave, `Software\Policies\BraveSoftware\Brave`},
}

// listPolicies are the list policies Doctor reads from the Windows registry,
// where each is a subkey with values "1", "2", ...
var listPolicies = []string{"NativeMessagingBlocklist", "NativeMessagingAllowlist", "ExtensionInstallBlocklist", "ExtensionInstallAllowlist", "ExtensionInstallForcelist"}

// ReadPolicies reads the managed policies of every browser that has some on
// this machine. Unreadable or invalid policy files are reported as errors
// in the returned list (Chrome ignores such a file; the admin should know).
func ReadPolicies(e *Env) ([]PolicySource, []error) {
	switch e.GOOS {
	case "windows":
		return readWindowsPolicies(e)
	case "darwin":
		return readDarwinPolicies(e)
	}
	var out []PolicySource
	var errs []error
	for _, d := range linuxPolicyDirs {
		dir := e.sys(d.dir)
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		sort.Strings(files)
		src := PolicySource{Browser: d.browser, Values: map[string]any{}}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				errs = append(errs, fmt.Errorf("policy file %s: %w", f, err))
				continue
			}
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				errs = append(errs, fmt.Errorf("policy file %s is not valid JSON, so %s ignores it: %v", f, d.browser, err))
				continue
			}
			src.Where = append(src.Where, f)
			mergePolicy(src.Values, v)
		}
		if len(src.Where) > 0 {
			out = append(out, src)
		}
	}
	return out, errs
}

// mergePolicy merges one policy file into dst. Chrome reports a conflict when
// two files set one policy; the last file wins here, which is close enough
// for a check, except 3rdparty, which is merged per extension.
func mergePolicy(dst, src map[string]any) {
	for k, v := range src {
		if k == "3rdparty" {
			if d, ok := dst[k].(map[string]any); ok {
				if s, ok := v.(map[string]any); ok {
					deepMerge(d, s)
					continue
				}
			}
		}
		dst[k] = v
	}
}

func deepMerge(dst, src map[string]any) {
	for k, v := range src {
		if dm, ok := dst[k].(map[string]any); ok {
			if sm, ok := v.(map[string]any); ok {
				deepMerge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// PlistToJSON converts a property list file to JSON; macOS has plutil.
// Tests replace it.
var PlistToJSON = func(path string) ([]byte, error) {
	return exec.Command("plutil", "-convert", "json", "-o", "-", path).Output()
}

func readDarwinPolicies(e *Env) ([]PolicySource, []error) {
	var out []PolicySource
	var errs []error
	user := filepath.Base(e.Home)
	for _, d := range darwinPolicyDomains {
		src := PolicySource{Browser: d.browser, Values: map[string]any{}}
		// Machine-wide first, then the user's: the user's managed
		// preferences win, as in Chrome.
		for _, f := range []string{
			e.sys("/Library/Managed Preferences/" + d.domain + ".plist"),
			e.sys("/Library/Managed Preferences/" + user + "/" + d.domain + ".plist"),
		} {
			if _, err := os.Stat(f); err != nil {
				continue
			}
			data, err := PlistToJSON(f)
			if err != nil {
				errs = append(errs, fmt.Errorf("policy %s could not be read (plutil: %v); check it with `defaults read`", f, err))
				continue
			}
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				errs = append(errs, fmt.Errorf("policy %s: %v", f, err))
				continue
			}
			src.Where = append(src.Where, f)
			mergePolicy(src.Values, v)
		}
		if len(src.Where) > 0 {
			out = append(out, src)
		}
	}
	return out, errs
}

func readWindowsPolicies(e *Env) ([]PolicySource, []error) {
	if e.Registry == nil {
		return nil, []error{errNoRegistry}
	}
	var out []PolicySource
	var errs []error
	for _, p := range windowsPolicyKeys {
		src := PolicySource{Browser: p.browser, Values: map[string]any{}}
		// HKLM wins over HKCU in Chrome: read HKCU first.
		for _, hive := range []string{"HKCU", "HKLM"} {
			key := hive + `\` + p.key
			vals, err := e.Registry.Values(key)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			found := false
			for name, v := range vals {
				if name == "" {
					continue
				}
				found = true
				src.Values[name] = regValue(name, v)
			}
			for _, lp := range listPolicies {
				items, _ := e.Registry.Values(key + `\` + lp)
				if len(items) == 0 {
					continue
				}
				found = true
				var names []string
				for n := range items {
					names = append(names, n)
				}
				sort.Slice(names, func(i, j int) bool { a, _ := strconv.Atoi(names[i]); b, _ := strconv.Atoi(names[j]); return a < b })
				var list []any
				for _, n := range names {
					list = append(list, items[n])
				}
				src.Values[lp] = list
			}
			if found {
				src.Where = append(src.Where, key)
			}
		}
		if len(src.Where) > 0 {
			out = append(out, src)
		}
	}
	return out, errs
}

// regValue turns a registry value into what the policy means: DWORDs into
// booleans or numbers, JSON strings (ExtensionSettings) into dictionaries.
func regValue(name, v string) any {
	if strings.HasPrefix(v, "0x") {
		n, err := strconv.ParseInt(v[2:], 16, 64)
		if err == nil {
			if strings.HasSuffix(name, "Hosts") || strings.HasPrefix(name, "Allow") || strings.HasSuffix(name, "Enabled") {
				return n != 0
			}
			return float64(n)
		}
	}
	if strings.HasPrefix(strings.TrimSpace(v), "{") {
		var m map[string]any
		if json.Unmarshal([]byte(v), &m) == nil {
			return m
		}
	}
	return v
}

// PolicyProblem is a policy that stops the extension or its host.
type PolicyProblem struct {
	Policy string `json:"policy"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
}

// CheckPolicy lists what in src blocks the host io.reprokit.host or the
// extension ids: NativeMessagingBlocklist without an allowlist entry,
// NativeMessagingUserLevelHosts=false when only a user-level host is
// installed, ExtensionSettings or ExtensionInstallBlocklist blocking the
// extension or its nativeMessaging/debugger permissions.
func CheckPolicy(src PolicySource, ids []string, userLevelOnly bool) []PolicyProblem {
	var out []PolicyProblem
	v := src.Values
	if inList(v["NativeMessagingBlocklist"], "*", HostName) && !inList(v["NativeMessagingAllowlist"], HostName) {
		out = append(out, PolicyProblem{"NativeMessagingBlocklist",
			fmt.Sprintf("%s blocks native messaging hosts (%v) and NativeMessagingAllowlist does not list %s", src.Browser, v["NativeMessagingBlocklist"], HostName),
			fmt.Sprintf("add %q to NativeMessagingAllowlist (`reprokit policy` prints it)", HostName)})
	}
	if b, ok := v["NativeMessagingUserLevelHosts"].(bool); ok && !b && userLevelOnly {
		out = append(out, PolicyProblem{"NativeMessagingUserLevelHosts",
			fmt.Sprintf("%s only starts system-level hosts (NativeMessagingUserLevelHosts=false) and the host is installed for this user only", src.Browser),
			"install system-wide: `sudo reprokit install --scope system` (or scripts/install.sh --scope system)"})
	}
	settings, _ := v["ExtensionSettings"].(map[string]any)
	for _, id := range ids {
		forced := inList(v["ExtensionInstallForcelist"], id) || prefixInList(v["ExtensionInstallForcelist"], id+";")
		entry, hasEntry := settings[id].(map[string]any)
		star, _ := settings["*"].(map[string]any)
		mode := ""
		if hasEntry {
			mode, _ = entry["installation_mode"].(string)
		} else if star != nil {
			mode, _ = star["installation_mode"].(string)
		}
		if mode == "blocked" || mode == "removed" {
			out = append(out, PolicyProblem{"ExtensionSettings",
				fmt.Sprintf("%s ExtensionSettings blocks extension %s (installation_mode %q)", src.Browser, id, mode),
				fmt.Sprintf("add an ExtensionSettings entry for %s with installation_mode \"force_installed\" or \"allowed\" (`reprokit policy`)", id)})
		}
		for _, e := range []map[string]any{entry, star} {
			if e == nil || (hasEntry && isSame(e, star)) {
				continue
			}
			if inList(e["blocked_permissions"], "nativeMessaging", "debugger") {
				out = append(out, PolicyProblem{"ExtensionSettings",
					fmt.Sprintf("%s ExtensionSettings blocks the permissions the extension needs (blocked_permissions %v)", src.Browser, e["blocked_permissions"]),
					fmt.Sprintf("remove nativeMessaging and debugger from blocked_permissions for %s", id)})
				break
			}
			if hasEntry {
				break // the extension's own entry replaces "*"
			}
		}
		if !forced && inList(v["ExtensionInstallBlocklist"], "*", id) && !inList(v["ExtensionInstallAllowlist"], id) && mode != "allowed" && mode != "force_installed" && mode != "normal_installed" {
			out = append(out, PolicyProblem{"ExtensionInstallBlocklist",
				fmt.Sprintf("%s ExtensionInstallBlocklist blocks extension %s", src.Browser, id),
				fmt.Sprintf("add %s to ExtensionInstallAllowlist or ExtensionInstallForcelist (`reprokit policy`)", id)})
		}
	}
	return out
}

func isSame(a, b map[string]any) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func inList(v any, want ...string) bool {
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		for _, w := range want {
			if s == w {
				return true
			}
		}
	}
	return false
}

func prefixInList(v any, prefix string) bool {
	list, _ := v.([]any)
	for _, x := range list {
		if s, _ := x.(string); strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
