package capture

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"time"
)

// environmentBuilder completes the recorder's Reprokit.environment record
// from the rest of the log.
type environmentBuilder struct {
	env        Environment
	haveRecord bool
	version    struct {
		Product, ProtocolVersion, Revision, UserAgent, JsVersion string
	}
	haveVersion bool
	first, last float64
	stop        float64
}

func (e *environmentBuilder) handle(m *logMessage) error {
	if m.Time > 0 {
		if e.first == 0 || m.Time < e.first {
			e.first = m.Time
		}
		if m.Time > e.last {
			e.last = m.Time
		}
	}
	switch m.Method {
	case "Reprokit.environment":
		var env Environment
		if err := unmarshalParams(m, &env); err != nil {
			return err
		}
		e.env, e.haveRecord = env, true
	case "Reprokit.stop":
		if m.Time > 0 {
			e.stop = m.Time
		}
	case "Browser.getVersion":
		if m.Result != nil && json.Unmarshal(m.Result, &e.version) == nil {
			e.haveVersion = true
		}
	}
	return nil
}

// result fills what the record left empty: the browser from
// Browser.getVersion, the OS from the user agent, start and end from the
// log's times (with the recording's UTC offset).
func (e *environmentBuilder) result() Environment {
	env := e.env
	if n := env.Network.Online; n != nil && !*n && env.Screen.Width == 0 && env.TimeZone == "" {
		// A recorder before 2026-11 wrote online:false when the page did
		// not answer at all (no screen, no zone): that is unknown.
		env.Network.Online = nil
	}
	b := &env.Browser
	if e.haveVersion {
		v := e.version
		if b.Product == "" {
			b.Product = v.Product
		}
		if b.UserAgent == "" {
			b.UserAgent = v.UserAgent
		}
		if b.ProtocolVersion == "" {
			b.ProtocolVersion = v.ProtocolVersion
		}
		if b.Revision == "" {
			b.Revision = v.Revision
		}
		if b.JSVersion == "" {
			b.JSVersion = v.JsVersion
		}
	}
	if b.Product != "" {
		name, ver, _ := strings.Cut(b.Product, "/")
		if b.Version == "" {
			b.Version = ver
		}
		if strings.HasPrefix(name, "Headless") {
			b.Headless = true
		}
	}
	if env.OS.Name == "" && b.UserAgent != "" {
		env.OS.Name, env.OS.Version, env.OS.Arch = osFromUserAgent(b.UserAgent)
	}
	if env.UTCOffset == "" && env.UTCOffsetMinutes != 0 {
		env.UTCOffset = formatOffset(env.UTCOffsetMinutes)
	}
	zone := time.FixedZone("", env.UTCOffsetMinutes*60)
	if env.Start == "" && e.first > 0 {
		env.Start = wallRFC3339(e.first, zone)
	}
	end := e.stop
	if end == 0 {
		end = e.last
	}
	if env.End == "" && end > 0 {
		env.End = wallRFC3339(end, zone)
	}
	return env
}

func wallRFC3339(wall float64, zone *time.Location) string {
	return time.UnixMilli(int64(math.Round(wall * 1000))).In(zone).Format("2006-01-02T15:04:05.000Z07:00")
}

func formatOffset(min int) string {
	sign := "+"
	if min < 0 {
		sign, min = "-", -min
	}
	return sign + twoDigits(min/60) + ":" + twoDigits(min%60)
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

var (
	uaWindows = regexp.MustCompile(`Windows NT ([\d.]+)`)
	uaMac     = regexp.MustCompile(`Mac OS X ([\d_.]+)`)
	uaAndroid = regexp.MustCompile(`Android ([\d.]+)`)
	uaCrOS    = regexp.MustCompile(`CrOS \S+ ([\d.]+)`)
)

// osFromUserAgent reads the OS from a Chromium user agent. Chromium freezes
// parts of it (macOS 10_15_7, Windows NT 10.0), so the recorder's
// userAgentData values are preferred when present.
func osFromUserAgent(ua string) (name, version, arch string) {
	switch {
	case uaWindows.MatchString(ua):
		name, version = "Windows", uaWindows.FindStringSubmatch(ua)[1]
	case uaAndroid.MatchString(ua):
		name, version = "Android", uaAndroid.FindStringSubmatch(ua)[1]
	case uaCrOS.MatchString(ua):
		name, version = "Chrome OS", uaCrOS.FindStringSubmatch(ua)[1]
	case uaMac.MatchString(ua):
		name, version = "macOS", strings.ReplaceAll(uaMac.FindStringSubmatch(ua)[1], "_", ".")
	case strings.Contains(ua, "Linux"):
		name = "Linux"
	}
	switch {
	case strings.Contains(ua, "x86_64"), strings.Contains(ua, "Win64"), strings.Contains(ua, "x64"), strings.Contains(ua, "Intel"):
		arch = "x86"
	case strings.Contains(ua, "aarch64"), strings.Contains(ua, "arm"):
		arch = "arm"
	}
	return name, version, arch
}
