package install

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

func intp(n int) *int    { return &n }
func boolp(b bool) *bool { return &b }

var fleetConfig = &ManagedConfig{
	SanitizerPolicy:   json.RawMessage(`{"rules":[{"name":"corp","in":"header","names":["x-corp-token"]}],"keep":["x-workspace-id"]}`),
	OutputFolder:      "~/Reprokit",
	SizeBudgetMB:      intp(20),
	RetentionDays:     intp(30),
	AllowKeepFinding:  boolp(false),
	AuditLog:          "/var/log/reprokit/audit.jsonl",
	SealTo:            &SealTo{Label: "Acme Support", Recipients: []string{"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"}},
	RequireSeal:       boolp(true),
	AutoSave:          boolp(true),
	DOMReplay:         boolp(false),
	DOMBlockSelectors: []string{"#account", ".pii"},
	DOMMaskAllText:    boolp(true),
}

func TestJSONPolicyRoundTripsThroughTheLinuxPolicyReader(t *testing.T) {
	data, err := GeneratePolicy(PolicyOptions{Format: "json", ExtensionID: testID, Config: fleetConfig})
	if err != nil {
		t.Fatal(err)
	}
	e, _, _ := installedEnv(t)
	writePolicy(t, e, "/etc/chromium/policies/managed/reprokit.json", string(data))

	// The policy installs the extension and allows the host...
	srcs, errs := ReadPolicies(e)
	if len(errs) > 0 || len(srcs) != 1 {
		t.Fatalf("policies %v %v", srcs, errs)
	}
	v := srcs[0].Values
	if !inList(v["NativeMessagingAllowlist"], HostName) || !inList(v["ExtensionInstallForcelist"], testID+";"+UpdateURLPlaceholder) {
		t.Errorf("policy values %v", v)
	}
	// ...passes the doctor even with a deny-all blocklist from another file...
	writePolicy(t, e, "/etc/chromium/policies/managed/corp.json", `{"NativeMessagingBlocklist":["*"]}`)
	if r := doctor(e); !r.OK {
		t.Errorf("doctor: %q", failed(r))
	}
	// ...and the host reads back the managed configuration.
	c, err := LoadManagedConfig(e, testID)
	if err != nil {
		t.Fatal(err)
	}
	if *c.SizeBudgetMB != 20 || *c.RetentionDays != 30 || *c.AllowKeepFinding || c.OutputFolder != "~/Reprokit" || c.AuditLog != fleetConfig.AuditLog {
		t.Errorf("config %+v", c)
	}
	if c.SealTo == nil || c.SealTo.Label != "Acme Support" || len(c.SealTo.Recipients) != 1 || c.RequireSeal == nil || !*c.RequireSeal {
		t.Errorf("sealTo and requireSeal did not round-trip: %+v %v", c.SealTo, c.RequireSeal)
	}
	if c.DOMReplay == nil || *c.DOMReplay || c.DOMMaskAllText == nil || !*c.DOMMaskAllText || !slices.Equal(c.DOMBlockSelectors, fleetConfig.DOMBlockSelectors) {
		t.Errorf("the DOM replay keys did not round-trip: %v %v %q", c.DOMReplay, c.DOMMaskAllText, c.DOMBlockSelectors)
	}
	if got := c.OutputDir("/home/u"); got != "/home/u/Reprokit" {
		t.Errorf("output dir %s", got)
	}
	var a, b any
	json.Unmarshal(c.SanitizerPolicy, &a)
	json.Unmarshal(fleetConfig.SanitizerPolicy, &b)
	if !jsonEqual(a, b) {
		t.Errorf("sanitizer policy %s", c.SanitizerPolicy)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestManagedConfigWithAWrongTypeNamesTheFile(t *testing.T) {
	e := linuxEnv(t)
	writePolicy(t, e, "/etc/opt/chrome/policies/managed/r.json", `{"3rdparty":{"extensions":{"`+testID+`":{"sizeBudgetMB":"big"}}}}`)
	_, err := LoadManagedConfig(e, testID)
	if err == nil || !strings.Contains(err.Error(), "r.json") || !strings.Contains(err.Error(), "sizeBudgetMB") {
		t.Errorf("err %v", err)
	}
	// No policy at all: an empty config, no error.
	c, err := LoadManagedConfig(linuxEnv(t), testID)
	if err != nil || !c.Empty() {
		t.Errorf("no policy: %+v %v", c, err)
	}
}

func TestRegPolicyImportsIntoTheRegistryAsChromeReadsIt(t *testing.T) {
	data, err := GeneratePolicy(PolicyOptions{Format: "reg", ExtensionID: testID, Config: fleetConfig})
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if !strings.HasPrefix(s, "Windows Registry Editor Version 5.00\r\n") {
		t.Errorf("header: %q", s[:40])
	}
	reg := importReg(t, s)
	local := t.TempDir()
	e := &Env{GOOS: "windows", Home: t.TempDir(), Registry: reg, LookPath: noPath, Getenv: func(k string) string {
		if k == "LOCALAPPDATA" {
			return local
		}
		return ""
	}}
	srcs, errs := ReadPolicies(e)
	if len(errs) > 0 || len(srcs) != 1 {
		t.Fatalf("%v %v", srcs, errs)
	}
	if probs := CheckPolicy(srcs[0], []string{testID}, true); len(probs) != 0 {
		t.Errorf("generated policy blocks itself: %+v", probs)
	}
	if !inList(srcs[0].Values["NativeMessagingAllowlist"], HostName) {
		t.Errorf("values %v", srcs[0].Values)
	}
	c, err := LoadManagedConfig(e, testID)
	if err != nil {
		t.Fatal(err)
	}
	if c.SizeBudgetMB == nil || *c.SizeBudgetMB != 20 || c.AllowKeepFinding == nil || *c.AllowKeepFinding || !strings.Contains(string(c.SanitizerPolicy), "x-corp-token") {
		t.Errorf("config from registry %+v (%s)", c, c.SanitizerPolicy)
	}
}

// importReg applies a .reg file to a fake registry, as reg.exe import does.
func importReg(t *testing.T, s string) *fakeRegistry {
	t.Helper()
	reg := newFakeRegistry()
	key := ""
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "[-"):
			reg.DeleteKey(strings.TrimSuffix(strings.TrimPrefix(line, "[-"), "]"))
			key = ""
		case strings.HasPrefix(line, "["):
			key = strings.TrimSuffix(strings.TrimPrefix(line, "["), "]")
			key = strings.Replace(key, "HKEY_LOCAL_MACHINE", "HKLM", 1)
		case strings.HasPrefix(line, `"`) && key != "":
			name, val, ok := strings.Cut(line, `"=`)
			if !ok {
				t.Fatalf("bad line %q", line)
			}
			name = strings.TrimPrefix(name, `"`)
			if strings.HasPrefix(val, "dword:") {
				val = "0x" + strings.TrimLeft(strings.TrimPrefix(val, "dword:"), "0")
				if val == "0x" {
					val = "0x0"
				}
			} else {
				val = strings.NewReplacer(`\\`, `\`, `\"`, `"`).Replace(strings.TrimSuffix(strings.TrimPrefix(val, `"`), `"`))
			}
			reg.Set(key, name, val)
		}
	}
	return reg
}

func TestPlistAndMobileconfigAreWellFormed(t *testing.T) {
	for _, o := range []PolicyOptions{
		{Format: "plist"},
		{Format: "plist", ExtensionPart: true, Config: fleetConfig},
		{Format: "mobileconfig", Config: fleetConfig},
		{Format: "mobileconfig", Browser: Edge},
	} {
		data, err := GeneratePolicy(o)
		if err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(strings.NewReader(string(data)))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%+v: not XML: %v\n%s", o, err, data)
			}
		}
		s := string(data)
		switch {
		case o.Format == "mobileconfig":
			for _, want := range []string{"<key>PayloadContent</key>", "<string>Configuration</string>", "<key>NativeMessagingAllowlist</key>"} {
				if !strings.Contains(s, want) {
					t.Errorf("mobileconfig lacks %s", want)
				}
			}
			if o.Config != nil && !strings.Contains(s, "com.google.Chrome.extensions."+DefaultExtensionID) {
				t.Errorf("no managed configuration payload")
			}
			if o.Browser == Edge && !strings.Contains(s, "<string>com.microsoft.Edge</string>") {
				t.Errorf("edge domain missing")
			}
			again, _ := GeneratePolicy(o)
			if string(again) != s {
				t.Errorf("mobileconfig is not stable: MDMs would see a new profile each time")
			}
		case o.ExtensionPart:
			if !strings.Contains(s, "<key>sizeBudgetMB</key>\n\t<integer>20</integer>") || !strings.Contains(s, "<false/>") {
				t.Errorf("extension plist:\n%s", s)
			}
		}
	}
}

func TestGeneratePolicyRejectsBadInput(t *testing.T) {
	for _, o := range []PolicyOptions{
		{Format: "yaml"},
		{Format: "json", ExtensionID: "nope"},
		{Format: "json", InstallMode: "blocked"},
		{Format: "reg", Browser: Arc},
	} {
		if _, err := GeneratePolicy(o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// The managed configuration the host reads and the schema the extension
// declares must name the same fields.
func TestManagedSchemaMatchesManagedConfig(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "extension", "managed_schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Type       string                    `json:"type"`
		Properties map[string]map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	var inSchema []string
	for k := range schema.Properties {
		inSchema = append(inSchema, k)
	}
	sort.Strings(inSchema)
	var inConfig []string
	for k := range configMap(fleetConfig) {
		inConfig = append(inConfig, k)
	}
	sort.Strings(inConfig)
	if schema.Type != "object" || !slices.Equal(inSchema, inConfig) {
		t.Errorf("schema %v, config %v", inSchema, inConfig)
	}
}

// Every policy format carries the seal recipients and the requirement.
func TestEveryPolicyFormatCarriesTheSealRecipients(t *testing.T) {
	for _, f := range PolicyFormats {
		for _, part := range []bool{false, true} {
			if part && f != "plist" {
				continue
			}
			data, err := GeneratePolicy(PolicyOptions{Format: f, ExtensionID: testID, Config: fleetConfig, ExtensionPart: part})
			if err != nil {
				t.Fatal(err)
			}
			if f == "plist" && !part {
				continue // the browser's domain; the configuration is in the extension part
			}
			for _, want := range []string{fleetConfig.SealTo.Recipients[0], "Acme Support", "requireSeal"} {
				if !strings.Contains(string(data), want) {
					t.Errorf("%s: no %q in:\n%s", f, want, data)
				}
			}
		}
	}
}
