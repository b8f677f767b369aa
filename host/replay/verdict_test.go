package replay

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/host/har"
)

// A replay that shows a blank page the recording shows with content, or
// raises an exception the recording lacks, diverged whatever its coverage;
// the exceptions the user's page raised too are not new; without a console
// to compare with, new ones only make it partial.
func TestVerdictIsNotFooledByCoverage(t *testing.T) {
	h := &har.HAR{}
	doc := entry("GET", "https://app.test/work", 200, "text/html", "<html><head><title>t</title><script>x()</script></head><body><h1>Notebook</h1></body></html>")
	h.Log.Entries = []har.Entry{doc}
	recorded := &RecordedConsole{Messages: []RecordedMessage{{Level: "error", Source: "exception", Text: "Uncaught TypeError: a is not a function"}}}
	cases := []struct {
		name    string
		console *RecordedConsole
		tabs    []TabEnd
		lines   []consoleLine
		want    string
		reasons []string
	}{
		{"faithful", recorded, []TabEnd{{URL: "https://app.test/work", TextChars: 8}},
			[]consoleLine{{exception: true, text: "Uncaught TypeError: a is not a function"}}, Faithful, nil},
		{"blank page", recorded, []TabEnd{{URL: "https://app.test/work", Blank: true}}, nil, Diverged,
			[]string{"blank page: https://app.test/work", `its document has text ("Notebook")`}},
		{"new exception", recorded, []TabEnd{{URL: "https://app.test/work", TextChars: 8}},
			[]consoleLine{{exception: true, text: "Uncaught ReferenceError: angular is not defined"}}, Diverged,
			[]string{"new exception", "angular is not defined"}},
		{"bare HAR", nil, []TabEnd{{URL: "https://app.test/work", TextChars: 8}},
			[]consoleLine{{exception: true, text: "Uncaught ReferenceError: angular is not defined"}}, Partial,
			[]string{"no console.json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &Report{Coverage: 1, ArchiveUsed: 1, Tabs: c.tabs}
			r.judge(&Source{HAR: h, Console: c.console}, c.lines)
			why := strings.Join(r.Reasons, "\n")
			if r.Verdict != c.want {
				t.Errorf("verdict %s, want %s: %s", r.Verdict, c.want, why)
			}
			for _, w := range c.reasons {
				if !strings.Contains(why, w) {
					t.Errorf("reasons lack %q:\n%s", w, why)
				}
			}
		})
	}
}

// nearBlank tells a page that rendered nothing from one with a little text.
func TestNearBlank(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 400, 300))
	for y := range 300 {
		for x := range 400 {
			img.Set(x, y, color.White)
		}
	}
	if !nearBlank(img) {
		t.Error("a white image is not blank")
	}
	for y := 10; y < 30; y++ {
		for x := 10; x < 200; x++ {
			img.Set(x, y, color.Black)
		}
	}
	if nearBlank(img) {
		t.Error("an image with a line of text is blank")
	}
}
