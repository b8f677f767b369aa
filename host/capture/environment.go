package capture

// Environment describes the machine, browser and network a recording was made
// on: what a support team asks the reporter for ("browser name and version,
// operating system, device type, network").
//
// The recorder fills it (from Browser.getVersion, a Runtime.evaluate of
// navigator/screen/Intl values in the recorded tab, and the Go runtime for
// the host side) and writes it as the params of a `Reprokit.environment`
// record in the protocol log. [Finalize] reads that record back, completes
// missing fields from the log (the Browser.getVersion result, the first and
// last event times, a `Reprokit.stop` record) and writes environment.json.
// Every field is optional: an unknown value is left empty, never guessed.
type Environment struct {
	Browser  EnvironmentBrowser  `json:"browser"`
	OS       EnvironmentOS       `json:"os"`
	Device   EnvironmentDevice   `json:"device"`
	Screen   EnvironmentScreen   `json:"screen"`
	Viewport EnvironmentViewport `json:"viewport"`

	// Locale is the browser's UI locale (navigator.language), e.g. "en-GB";
	// Languages is navigator.languages.
	Locale    string   `json:"locale,omitempty"`
	Languages []string `json:"languages,omitempty"`
	// TimeZone is the IANA zone of the browser
	// (Intl.DateTimeFormat().resolvedOptions().timeZone), e.g. "Europe/Paris".
	TimeZone string `json:"timeZone,omitempty"`
	// UTCOffset is the zone's offset at the start of the recording as
	// "+02:00"; UTCOffsetMinutes the same in minutes east of UTC.
	UTCOffset        string `json:"utcOffset,omitempty"`
	UTCOffsetMinutes int    `json:"utcOffsetMinutes"`

	Network EnvironmentNetwork `json:"network"`

	// Start and End are the wall times of the recording, RFC 3339 with the
	// local offset ("2026-11-26T20:03:00.123+01:00").
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	// Mode is how the browser was reached: "launch", "attach" or "extension".
	Mode string `json:"mode,omitempty"`
}

// EnvironmentBrowser is the browser product. Product, Version, UserAgent,
// ProtocolVersion, JSVersion and Revision come from Browser.getVersion;
// Name and Brands from navigator.userAgentData (the product's own brand,
// e.g. "Google Chrome", "Microsoft Edge", "Brave", "Chromium").
type EnvironmentBrowser struct {
	Name            string   `json:"name,omitempty"`
	Product         string   `json:"product,omitempty"` // "Chrome/156.0.7500.0" or "HeadlessChrome/…"
	Version         string   `json:"version,omitempty"` // "156.0.7500.0"
	UserAgent       string   `json:"userAgent,omitempty"`
	Brands          []string `json:"brands,omitempty"` // "Chromium 156", …
	ProtocolVersion string   `json:"protocolVersion,omitempty"`
	JSVersion       string   `json:"jsVersion,omitempty"`
	Revision        string   `json:"revision,omitempty"`
	Headless        bool     `json:"headless,omitempty"`
}

// EnvironmentOS is the operating system, from
// navigator.userAgentData.getHighEntropyValues (platform, platformVersion,
// architecture, bitness) or, in launch mode, the host's own runtime.
type EnvironmentOS struct {
	Name    string `json:"name,omitempty"`    // "Linux", "macOS", "Windows", "Chrome OS", "Android"
	Version string `json:"version,omitempty"` // platformVersion, e.g. "15.0.0" or "6.8.0"
	Arch    string `json:"arch,omitempty"`    // "x86", "arm"
	Bitness string `json:"bitness,omitempty"` // "64"
}

// EnvironmentDevice is the kind of device: Type is "desktop", "mobile" or
// "tablet"; Touch and MaxTouchPoints come from navigator.maxTouchPoints.
type EnvironmentDevice struct {
	Type           string `json:"type,omitempty"`
	Model          string `json:"model,omitempty"`
	Touch          bool   `json:"touch"`
	MaxTouchPoints int    `json:"maxTouchPoints"`
}

// EnvironmentScreen is the screen in CSS pixels and its device pixel ratio.
type EnvironmentScreen struct {
	Width            int     `json:"width,omitempty"`
	Height           int     `json:"height,omitempty"`
	AvailWidth       int     `json:"availWidth,omitempty"`
	AvailHeight      int     `json:"availHeight,omitempty"`
	ColorDepth       int     `json:"colorDepth,omitempty"`
	DevicePixelRatio float64 `json:"devicePixelRatio,omitempty"`
	Orientation      string  `json:"orientation,omitempty"` // screen.orientation.type
}

// EnvironmentViewport is the recorded tab's layout viewport at the start
// (innerWidth/innerHeight). Its fields match the DevTools Recorder's
// setViewport step, which [Finalize] writes first in steps.json.
type EnvironmentViewport struct {
	Width             int     `json:"width,omitempty"`
	Height            int     `json:"height,omitempty"`
	DeviceScaleFactor float64 `json:"deviceScaleFactor,omitempty"`
	IsMobile          bool    `json:"isMobile"`
	HasTouch          bool    `json:"hasTouch"`
	IsLandscape       bool    `json:"isLandscape"`
}

// EnvironmentNetwork holds the network hints the browser and host expose:
// navigator.onLine, navigator.connection (type, effectiveType, downlink in
// Mbit/s, rtt in ms, saveData) and the proxy configuration.
type EnvironmentNetwork struct {
	// Online is navigator.onLine; absent when the page could not be asked
	// (never claimed offline when unknown).
	Online        *bool   `json:"online,omitempty"`
	Type          string  `json:"type,omitempty"`          // "wifi", "ethernet", "cellular", … when exposed
	EffectiveType string  `json:"effectiveType,omitempty"` // "4g", "3g", …
	DownlinkMbps  float64 `json:"downlinkMbps,omitempty"`
	RTTMillis     int     `json:"rttMillis,omitempty"`
	SaveData      bool    `json:"saveData,omitempty"`
	// Proxy is "direct", "system", "pac", "fixed" or empty when unknown;
	// ProxyServer and ProxyBypass come from --proxy-server/--proxy-bypass-list
	// or the host's HTTPS_PROXY/NO_PROXY (the sanitizer redacts credentials).
	Proxy       string `json:"proxy,omitempty"`
	ProxyServer string `json:"proxyServer,omitempty"`
	ProxyBypass string `json:"proxyBypass,omitempty"`
}
