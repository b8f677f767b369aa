package install

import (
	"slices"
	"strings"
	"testing"
)

// where lists "browser/channel: dir-or-key" for every location of a scope.
func where(e *Env, scope Scope) []string {
	var out []string
	for _, l := range e.Locations(scope) {
		t := l.Dir
		if l.RegistryKey != "" {
			t = l.RegistryKey
		}
		out = append(out, string(l.Browser)+"/"+l.Channel+": "+t)
	}
	return out
}

func TestLocationTables(t *testing.T) {
	env := func(goos string) *Env {
		return &Env{GOOS: goos, Home: "/home/u", Getenv: func(k string) string {
			switch k {
			case "LOCALAPPDATA":
				return `C:\Users\u\AppData\Local`
			case "ProgramFiles":
				return `C:\Program Files`
			}
			return ""
		}}
	}
	for _, tc := range []struct {
		goos  string
		scope Scope
		want  []string
	}{
		{"linux", ScopeUser, []string{
			"chrome/stable: /home/u/.config/google-chrome/NativeMessagingHosts",
			"chrome/flatpak: /home/u/.var/app/com.google.Chrome/config/google-chrome/NativeMessagingHosts",
			"chrome/beta: /home/u/.config/google-chrome-beta/NativeMessagingHosts",
			"chrome/dev: /home/u/.config/google-chrome-unstable/NativeMessagingHosts",
			"chromium/stable: /home/u/.config/chromium/NativeMessagingHosts",
			"chromium/flatpak: /home/u/.var/app/org.chromium.Chromium/config/chromium/NativeMessagingHosts",
			"edge/stable: /home/u/.config/microsoft-edge/NativeMessagingHosts",
			"edge/flatpak: /home/u/.var/app/com.microsoft.Edge/config/microsoft-edge/NativeMessagingHosts",
			"edge/beta: /home/u/.config/microsoft-edge-beta/NativeMessagingHosts",
			"edge/dev: /home/u/.config/microsoft-edge-dev/NativeMessagingHosts",
			"brave/stable: /home/u/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts",
			"brave/flatpak: /home/u/.var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser/NativeMessagingHosts",
			"vivaldi/stable: /home/u/.config/vivaldi/NativeMessagingHosts",
			"vivaldi/flatpak: /home/u/.var/app/com.vivaldi.Vivaldi/config/vivaldi/NativeMessagingHosts",
			"opera/stable: /home/u/.config/opera/NativeMessagingHosts",
			"opera/chrome-key: /home/u/.config/google-chrome/NativeMessagingHosts",
			"opera/flatpak: /home/u/.var/app/com.opera.Opera/config/opera/NativeMessagingHosts",
			"chromium/snap: /home/u/snap/chromium/common/chromium/NativeMessagingHosts",
		}},
		{"linux", ScopeSystem, []string{
			"chrome/stable: /etc/opt/chrome/native-messaging-hosts",
			"chrome/beta: /etc/opt/chrome/native-messaging-hosts",
			"chrome/dev: /etc/opt/chrome/native-messaging-hosts",
			"chromium/stable: /etc/chromium/native-messaging-hosts",
			"edge/stable: /etc/opt/edge/native-messaging-hosts",
			"edge/beta: /etc/opt/edge/native-messaging-hosts",
			"edge/dev: /etc/opt/edge/native-messaging-hosts",
			"brave/stable: /etc/opt/brave/native-messaging-hosts",
			"vivaldi/stable: /etc/opt/vivaldi/native-messaging-hosts",
			"opera/stable: /etc/opt/chrome/native-messaging-hosts",
		}},
		{"darwin", ScopeUser, []string{
			"chrome/stable: /home/u/Library/Application Support/Google/Chrome/NativeMessagingHosts",
			"chrome/beta: /home/u/Library/Application Support/Google/Chrome Beta/NativeMessagingHosts",
			"chrome/dev: /home/u/Library/Application Support/Google/Chrome Dev/NativeMessagingHosts",
			"chrome/canary: /home/u/Library/Application Support/Google/Chrome Canary/NativeMessagingHosts",
			"chromium/stable: /home/u/Library/Application Support/Chromium/NativeMessagingHosts",
			"edge/stable: /home/u/Library/Application Support/Microsoft Edge/NativeMessagingHosts",
			"edge/beta: /home/u/Library/Application Support/Microsoft Edge Beta/NativeMessagingHosts",
			"edge/dev: /home/u/Library/Application Support/Microsoft Edge Dev/NativeMessagingHosts",
			"brave/stable: /home/u/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts",
			"vivaldi/stable: /home/u/Library/Application Support/Vivaldi/NativeMessagingHosts",
			"opera/stable: /home/u/Library/Application Support/com.operasoftware.Opera/NativeMessagingHosts",
			"arc/stable: /home/u/Library/Application Support/Arc/User Data/NativeMessagingHosts",
		}},
		{"darwin", ScopeSystem, []string{
			"chrome/stable: /Library/Google/Chrome/NativeMessagingHosts",
			"chrome/beta: /Library/Google/Chrome/NativeMessagingHosts",
			"chrome/dev: /Library/Google/Chrome/NativeMessagingHosts",
			"chrome/canary: /Library/Google/Chrome/NativeMessagingHosts",
			"chromium/stable: /Library/Application Support/Chromium/NativeMessagingHosts",
			"edge/stable: /Library/Microsoft/Edge/NativeMessagingHosts",
			"edge/beta: /Library/Microsoft/Edge/NativeMessagingHosts",
			"edge/dev: /Library/Microsoft/Edge/NativeMessagingHosts",
			"brave/stable: /Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts",
			"vivaldi/stable: /Library/Application Support/Vivaldi/NativeMessagingHosts",
			"opera/stable: /Library/Google/Chrome/NativeMessagingHosts",
		}},
		{"windows", ScopeUser, []string{
			`chrome/stable: HKCU\Software\Google\Chrome\NativeMessagingHosts\io.reprokit.host`,
			`chromium/stable: HKCU\Software\Chromium\NativeMessagingHosts\io.reprokit.host`,
			`edge/stable: HKCU\Software\Microsoft\Edge\NativeMessagingHosts\io.reprokit.host`,
			`brave/stable: HKCU\Software\BraveSoftware\Brave-Browser\NativeMessagingHosts\io.reprokit.host`,
			`brave/chrome-key: HKCU\Software\Google\Chrome\NativeMessagingHosts\io.reprokit.host`,
			`vivaldi/stable: HKCU\Software\Vivaldi\NativeMessagingHosts\io.reprokit.host`,
			`vivaldi/chrome-key: HKCU\Software\Google\Chrome\NativeMessagingHosts\io.reprokit.host`,
			`opera/chrome-key: HKCU\Software\Google\Chrome\NativeMessagingHosts\io.reprokit.host`,
			`arc/chrome-key: HKCU\Software\Google\Chrome\NativeMessagingHosts\io.reprokit.host`,
		}},
	} {
		got := where(env(tc.goos), tc.scope)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %s:\ngot:\n%s\nwant:\n%s", tc.goos, tc.scope, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
	// Windows system scope: the same keys under HKLM, the manifest in Program Files.
	for _, l := range env("windows").Locations(ScopeSystem) {
		if !strings.HasPrefix(l.RegistryKey, `HKLM\Software\`) || l.Dir != `C:\Program Files\Reprokit` {
			t.Errorf("windows system location %+v", l)
		}
	}
	for _, l := range env("windows").Locations(ScopeUser) {
		if l.Dir != `C:\Users\u\AppData\Local\Reprokit` {
			t.Errorf("windows user manifest dir %q", l.Dir)
		}
	}
}

func TestXDGConfigHomeMovesLinuxUserFolders(t *testing.T) {
	e := &Env{GOOS: "linux", Home: "/home/u", Getenv: func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return "/cfg"
		}
		return ""
	}}
	if got := e.Locations(ScopeUser)[0].Dir; got != "/cfg/google-chrome/NativeMessagingHosts" {
		t.Errorf("got %s", got)
	}
	if got := e.ReceiptPath(ScopeUser); got != "/cfg/reprokit/receipt.json" {
		t.Errorf("receipt %s", got)
	}
}

func TestParseBrowsers(t *testing.T) {
	if b, err := ParseBrowsers("chrome, edge,chrome"); err != nil || !slices.Equal(b, []Browser{Chrome, Edge}) {
		t.Errorf("got %v %v", b, err)
	}
	if _, err := ParseBrowsers("firefox"); err == nil || !strings.Contains(err.Error(), "chrome,chromium,edge") {
		t.Errorf("firefox: %v", err)
	}
}

func TestParseRegQueryReadsRegExeOutput(t *testing.T) {
	out := "\r\nHKEY_LOCAL_MACHINE\\Software\\Policies\\Google\\Chrome\r\n" +
		"    (Default)    REG_SZ    C:\\Program Files\\Reprokit\\io.reprokit.host.json\r\n" +
		"    NativeMessagingUserLevelHosts    REG_DWORD    0x0\r\n" +
		"    ExtensionSettings    REG_SZ    {\"*\": {\"installation_mode\": \"blocked\"}}\r\n\r\n" +
		"HKEY_LOCAL_MACHINE\\Software\\Policies\\Google\\Chrome\\NativeMessagingBlocklist\r\n" +
		"    1    REG_SZ    *\r\n"
	v := parseRegQuery([]byte(out))
	if v[""] != `C:\Program Files\Reprokit\io.reprokit.host.json` || v["NativeMessagingUserLevelHosts"] != "0x0" || len(v) != 3 {
		t.Errorf("values %q", v)
	}
	if b, ok := regValue("NativeMessagingUserLevelHosts", v["NativeMessagingUserLevelHosts"]).(bool); !ok || b {
		t.Errorf("DWORD 0 is not false")
	}
	if m, ok := regValue("ExtensionSettings", v["ExtensionSettings"]).(map[string]any); !ok || m["*"] == nil {
		t.Errorf("ExtensionSettings JSON not decoded")
	}
}
