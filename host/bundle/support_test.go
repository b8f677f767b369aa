package bundle

import "testing"

// QA: the report showed "Chrome/156… 156…" for a Chromium.
func TestBrowserIsNamedOnceWithItsOwnBrand(t *testing.T) {
	ua := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
	for _, c := range []struct {
		name, product, version, ua string
		brands                     []string
		want                       string
	}{
		{"Chromium", "Chrome/156.0.8078.108", "156.0.8078.108", ua, nil, "Chromium 156.0.8078.108"},
		{"", "Chrome/156.0.8078.108", "156.0.8078.108", ua, []string{"Not:A-Brand 8", "Chromium 156"}, "Chromium 156.0.8078.108"},
		{"", "Chrome/156.0.7500.0", "156.0.7500.0", ua, []string{"Chromium 156", "Google Chrome 156", "Not_A Brand 24"}, "Google Chrome 156.0.7500.0"},
		{"", "Chrome/156.0.7500.0", "", "", nil, "Chrome/Chromium 156.0.7500.0"},
		// No brand recorded: a Chromium-family browser, not "Chrome".
		{"", "Chrome/156.0.8078.108", "156.0.8078.108", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36", nil, "Chrome/Chromium 156.0.8078.108 (headless)"},
		{"", "", "", "Mozilla/5.0 (Windows NT 10.0) Chrome/156.0.0.0 Safari/537.36 Edg/156.0.100.1", nil, "Microsoft Edge 156.0.100.1"},
		{"Firefox 133.0", "", "133.0", "", nil, "Firefox 133.0"},
	} {
		if got := browserLabel(c.name, c.product, c.version, c.ua, c.brands); got != c.want {
			t.Errorf("browserLabel(%q, %q, %q, …, %q) = %q, want %q", c.name, c.product, c.version, c.brands, got, c.want)
		}
	}
}
