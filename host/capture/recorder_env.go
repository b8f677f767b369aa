package capture

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// envScript gathers what the page can tell about the browser, screen,
// locale and network; it resolves to a JSON string.
const envScript = `(async () => {
  const n = navigator, o = {};
  o.userAgent = n.userAgent; o.language = n.language; o.languages = Array.from(n.languages || []);
  o.online = n.onLine; o.maxTouchPoints = n.maxTouchPoints || 0; o.platform = n.platform;
  o.screen = {width: screen.width, height: screen.height, availWidth: screen.availWidth, availHeight: screen.availHeight,
    colorDepth: screen.colorDepth, orientation: screen.orientation ? screen.orientation.type : ''};
  o.dpr = window.devicePixelRatio; o.innerWidth = window.innerWidth; o.innerHeight = window.innerHeight;
  try { o.timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) {}
  o.offsetMinutes = -new Date().getTimezoneOffset();
  const c = n.connection;
  if (c) o.connection = {type: c.type || '', effectiveType: c.effectiveType || '', downlink: c.downlink || 0, rtt: c.rtt || 0, saveData: !!c.saveData};
  const d = n.userAgentData;
  if (d) {
    o.uaData = {brands: (d.brands || []).map(b => b.brand + ' ' + b.version), mobile: d.mobile, platform: d.platform};
    try { o.uaData.high = await d.getHighEntropyValues(['platformVersion', 'architecture', 'bitness', 'model']); } catch (e) {}
  }
  return JSON.stringify(o);
})()`

type envFromPage struct {
	UserAgent      string   `json:"userAgent"`
	Language       string   `json:"language"`
	Languages      []string `json:"languages"`
	Online         bool     `json:"online"`
	MaxTouchPoints int      `json:"maxTouchPoints"`
	Platform       string   `json:"platform"`
	Screen         struct {
		Width, Height, AvailWidth, AvailHeight, ColorDepth int
		Orientation                                        string
	} `json:"screen"`
	DPR           float64 `json:"dpr"`
	InnerWidth    int     `json:"innerWidth"`
	InnerHeight   int     `json:"innerHeight"`
	TimeZone      string  `json:"timeZone"`
	OffsetMinutes int     `json:"offsetMinutes"`
	Connection    *struct {
		Type          string  `json:"type"`
		EffectiveType string  `json:"effectiveType"`
		Downlink      float64 `json:"downlink"`
		RTT           int     `json:"rtt"`
		SaveData      bool    `json:"saveData"`
	} `json:"connection"`
	UAData *struct {
		Brands   []string `json:"brands"`
		Mobile   bool     `json:"mobile"`
		Platform string   `json:"platform"`
		High     struct {
			PlatformVersion string `json:"platformVersion"`
			Architecture    string `json:"architecture"`
			Bitness         string `json:"bitness"`
			Model           string `json:"model"`
		} `json:"high"`
	} `json:"uaData"`
}

// writeEnvironment gathers the environment and writes the
// Reprokit.environment record. Missing parts stay empty.
func (r *Recorder) writeEnvironment() {
	defer close(r.envDone)
	ctx, cancel := context.WithTimeout(r.envCtx, 10*time.Second)
	defer cancel()
	var env Environment
	env.Mode = r.opts.Mode
	env.Start = r.start.Format(time.RFC3339Nano)

	if res, err := r.conn.Call(ctx, "", "Browser.getVersion", nil, true); err == nil {
		var v struct {
			ProtocolVersion, Product, Revision, UserAgent, JsVersion string
		}
		if json.Unmarshal(res, &v) == nil {
			env.Browser.Product = v.Product
			env.Browser.ProtocolVersion = v.ProtocolVersion
			env.Browser.Revision = v.Revision
			env.Browser.UserAgent = v.UserAgent
			env.Browser.JSVersion = v.JsVersion
			if _, ver, ok := strings.Cut(v.Product, "/"); ok {
				env.Browser.Version = ver
			}
			env.Browser.Headless = strings.HasPrefix(v.Product, "Headless") || strings.Contains(v.UserAgent, "HeadlessChrome/")
		}
	}

	p, asked := r.askPage(ctx)
	if env.Browser.UserAgent == "" {
		env.Browser.UserAgent = p.UserAgent
	}
	env.Locale = p.Language
	env.Languages = p.Languages
	env.TimeZone = p.TimeZone
	env.UTCOffsetMinutes = p.OffsetMinutes
	env.UTCOffset = envOffset(p.OffsetMinutes)
	if p.TimeZone == "" {
		// The browser runs on this machine in launch mode, and almost
		// always in the others: the host's zone and locale stand in.
		_, off := time.Now().Zone()
		env.UTCOffsetMinutes = off / 60
		env.UTCOffset = envOffset(off / 60)
		env.TimeZone = hostTimeZone()
	}
	if env.Locale == "" {
		env.Locale = hostLocale()
	}
	if p.Screen.Width == 0 {
		r.screenFromBrowser(ctx, &p)
	}
	env.Screen = EnvironmentScreen{
		Width: p.Screen.Width, Height: p.Screen.Height, AvailWidth: p.Screen.AvailWidth, AvailHeight: p.Screen.AvailHeight,
		ColorDepth: p.Screen.ColorDepth, DevicePixelRatio: p.DPR, Orientation: p.Screen.Orientation,
	}
	env.Viewport = EnvironmentViewport{
		Width: p.InnerWidth, Height: p.InnerHeight, DeviceScaleFactor: p.DPR,
		HasTouch: p.MaxTouchPoints > 0, IsLandscape: p.InnerWidth >= p.InnerHeight,
	}
	env.Device = EnvironmentDevice{Type: "desktop", Touch: p.MaxTouchPoints > 0, MaxTouchPoints: p.MaxTouchPoints}
	if asked {
		online := p.Online
		env.Network.Online = &online
	}
	if c := p.Connection; c != nil {
		env.Network.Type = c.Type
		env.Network.EffectiveType = c.EffectiveType
		env.Network.DownlinkMbps = c.Downlink
		env.Network.RTTMillis = c.RTT
		env.Network.SaveData = c.SaveData
	}
	if d := p.UAData; d != nil {
		env.Browser.Brands = d.Brands
		env.Browser.Name = envBrandName(d.Brands)
		if d.Mobile {
			env.Device.Type = "mobile"
			env.Viewport.IsMobile = true
		}
		env.Device.Model = d.High.Model
		env.OS.Name = d.Platform
		env.OS.Version = d.High.PlatformVersion
		env.OS.Arch = d.High.Architecture
		env.OS.Bitness = d.High.Bitness
	}
	host := envHostOS()
	// The host's own view fills what the page did not tell, and is more
	// precise for the OS version when browser and host are the same machine.
	if env.OS.Name == "" || env.OS.Name == host.Name {
		env.OS.Name = host.Name
		if host.Version != "" {
			env.OS.Version = host.Version
		}
		if env.OS.Arch == "" {
			env.OS.Arch = host.Arch
		}
		if env.OS.Bitness == "" {
			env.OS.Bitness = host.Bitness
		}
	}
	env.Network.Proxy, env.Network.ProxyServer, env.Network.ProxyBypass = envProxy(r.opts.ProxyServer, r.opts.ProxyBypass)
	r.conn.Record("Reprokit.environment", r.tab, env)
}

// askPage runs envScript in the recorded tab's main frame. The first try
// may meet a document being replaced (the start URL loading): it retries
// until the page answers with a screen size, or ctx ends (the recording
// stops). asked reports whether any answer came.
func (r *Recorder) askPage(ctx context.Context) (p envFromPage, asked bool) {
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		res, err := r.conn.Call(actx, r.tab, "Runtime.evaluate", map[string]any{
			"expression": envScript, "awaitPromise": true, "returnByValue": true,
		}, false)
		cancel()
		if err == nil {
			var v struct {
				Result struct {
					Value string `json:"value"`
				} `json:"result"`
			}
			var got envFromPage
			if json.Unmarshal(res, &v) == nil && v.Result.Value != "" && json.Unmarshal([]byte(v.Result.Value), &got) == nil {
				p, asked = got, true
				if got.Screen.Width > 0 && got.TimeZone != "" {
					return p, true
				}
			}
		}
		select {
		case <-ctx.Done():
			return p, asked
		case <-r.done:
			return p, asked
		case <-time.After(time.Duration(min(attempt+1, 5)) * 200 * time.Millisecond):
		}
	}
}

// screenFromBrowser fills the screen and viewport from the browser when the
// page could not tell: the window's bounds and the layout viewport.
func (r *Recorder) screenFromBrowser(ctx context.Context, p *envFromPage) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if res, err := r.conn.Call(cctx, r.tab, "Page.getLayoutMetrics", nil, false); err == nil {
		var m struct {
			CSSLayoutViewport struct {
				ClientWidth  int `json:"clientWidth"`
				ClientHeight int `json:"clientHeight"`
			} `json:"cssLayoutViewport"`
			CSSVisualViewport struct {
				Zoom float64 `json:"zoom"`
			} `json:"cssVisualViewport"`
		}
		if json.Unmarshal(res, &m) == nil && p.InnerWidth == 0 {
			p.InnerWidth, p.InnerHeight = m.CSSLayoutViewport.ClientWidth, m.CSSLayoutViewport.ClientHeight
		}
	}
	if res, err := r.conn.Call(cctx, "", "Browser.getWindowForTarget", map[string]any{"targetId": r.tabID}, false); err == nil {
		var w struct {
			Bounds struct {
				Width  int `json:"width"`
				Height int `json:"height"`
			} `json:"bounds"`
		}
		if json.Unmarshal(res, &w) == nil && p.Screen.Width == 0 {
			// The window, not the screen: the best the browser tells.
			p.Screen.Width, p.Screen.Height = w.Bounds.Width, w.Bounds.Height
		}
	}
}

// hostTimeZone is the IANA name of this machine's zone, or "".
func hostTimeZone() string {
	if tz := os.Getenv("TZ"); tz != "" && !strings.HasPrefix(tz, ":") && strings.Contains(tz, "/") {
		return tz
	}
	if l, err := os.Readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(l, "zoneinfo/"); ok {
			return name
		}
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil {
		return strings.TrimSpace(string(b))
	}
	if n := time.Local.String(); n != "Local" {
		return n
	}
	return ""
}

// hostLocale turns LC_ALL/LANG ("en_US.UTF-8") into a BCP 47 tag ("en-US").
func hostLocale() string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		if v == "" || v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") {
			continue
		}
		v, _, _ = strings.Cut(v, ".")
		v, _, _ = strings.Cut(v, "@")
		return strings.ReplaceAll(v, "_", "-")
	}
	return ""
}

func envOffset(min int) string {
	sign := '+'
	if min < 0 {
		sign, min = '-', -min
	}
	return fmt.Sprintf("%c%02d:%02d", sign, min/60, min%60)
}

// envBrandName picks the product's own brand out of navigator.userAgentData:
// the one that is neither "Chromium" nor a GREASE brand like "Not A;Brand".
func envBrandName(brands []string) string {
	name := ""
	for _, b := range brands {
		n := b
		if i := strings.LastIndexByte(b, ' '); i > 0 {
			n = b[:i]
		}
		if strings.Contains(strings.ToLower(n), "not") && strings.Contains(strings.ToLower(n), "brand") {
			continue
		}
		if n == "Chromium" {
			if name == "" {
				name = n
			}
			continue
		}
		name = n
	}
	return name
}

// envHostOS describes the machine the recorder runs on.
func envHostOS() EnvironmentOS {
	o := EnvironmentOS{Arch: runtime.GOARCH}
	switch runtime.GOARCH {
	case "amd64", "arm64", "ppc64le", "s390x", "riscv64", "loong64", "mips64", "mips64le":
		o.Bitness = "64"
	default:
		o.Bitness = "32"
	}
	switch runtime.GOARCH {
	case "amd64", "386":
		o.Arch = "x86"
	case "arm64", "arm":
		o.Arch = "arm"
	}
	switch runtime.GOOS {
	case "linux":
		o.Name = "Linux"
		if f, err := os.Open("/etc/os-release"); err == nil {
			defer f.Close()
			vals := map[string]string{}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if k, v, ok := strings.Cut(sc.Text(), "="); ok {
					vals[k] = strings.Trim(v, `"'`)
				}
			}
			o.Version = vals["PRETTY_NAME"]
			if o.Version == "" {
				o.Version = strings.TrimSpace(vals["NAME"] + " " + vals["VERSION_ID"])
			}
		}
	case "darwin":
		o.Name = "macOS"
		if out, err := exec.Command("sw_vers", "-productVersion").Output(); err == nil {
			o.Version = strings.TrimSpace(string(out))
		}
	case "windows":
		o.Name = "Windows"
		if out, err := exec.Command("cmd", "/c", "ver").Output(); err == nil {
			o.Version = strings.TrimSpace(string(out))
		}
	default:
		o.Name = runtime.GOOS
	}
	return o
}

// envProxy describes the proxy: the browser's flags when given, else
// the host's proxy environment variables, else unknown.
func envProxy(server, bypass string) (mode, proxy, noProxy string) {
	if server != "" {
		return "fixed", server, bypass
	}
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"} {
		if v := os.Getenv(k); v != "" {
			proxy = v
			break
		}
	}
	for _, k := range []string{"NO_PROXY", "no_proxy"} {
		if v := os.Getenv(k); v != "" {
			noProxy = v
			break
		}
	}
	if proxy != "" {
		return "system", proxy, noProxy
	}
	return "", "", ""
}
