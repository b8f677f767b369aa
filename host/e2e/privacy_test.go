package e2e

import (
	"bytes"
	"image"
	_ "image/jpeg" // screenshots the size budget turned into JPEG
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/bundle"
)

// plant is a value the test app's /screen/secrets page shows, with its box
// in the viewport (window.planted()).
type plant struct {
	Kind       string
	X, Y, W, H float64
}

// Issue 11 items 1 and 3, through the extension: a page shows a card
// number, emails, a vendor key, a JWT, a keyword token, an IP address and
// labelled phone numbers, as text, input values and in a cross-site frame,
// and logged an error before Record. The bundle's screenshot is black
// where each value is (an unmasked capture of the same page shows it
// there) and lists a box over each; console.json has nothing from before
// Record.
func TestScreenshotsHideFlaggedTextAndTheRecordingHoldsOnlyItsOwnTime(t *testing.T) {
	needBrowser(t)
	app := newTab(t)
	run(t, app, "open the page with secrets on screen", chromedp.Navigate(env.app.URL+"/screen/secrets"))
	waitDone(t, app, "the cross-site frame reports its box")
	run(t, app, "log an error before Record", chromedp.Evaluate[chromedp.Void](`console.error('stale-before-record: upload too large (413)'); undefined`))
	plants := eval[[]plant](t, app, `window.planted()`)
	for _, p := range plants {
		if p.W < 1 || p.H < 1 {
			t.Fatalf("the test page gave %s an empty box (%+v): the test would prove nothing", p.Kind, p)
		}
	}
	raw, err := chromedp.Run(app, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	clear, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	popup, _ := openPopup(t, app)
	resetPopup(t, popup)
	time.Sleep(1100 * time.Millisecond) // the stale message is clearly older than Record
	click(t, popup, "record")
	waitStatus(t, popup, "recording", 15*time.Second)
	badge := func() string {
		return eval[string](t, serviceWorker(t), `chrome.action.getBadgeText({})`)
	}
	if b := badge(); b != "REC" {
		t.Errorf("while recording the toolbar badge is %q, want REC", b)
	}
	shots := func() int {
		return eval[int](t, popup, `Number(document.querySelector('[data-testid=screenshots]').textContent)`)
	}
	before := shots()
	click(t, popup, "screenshot")
	for deadline := time.Now().Add(15 * time.Second); shots() <= before && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	click(t, popup, "stop")
	waitStatus(t, popup, "done", 60*time.Second)
	if b := badge(); b != "" {
		t.Errorf("after the save the toolbar badge is %q, want none", b)
	}
	path := eval[string](t, popup, `document.querySelector('[data-testid=result-path]').textContent.replace(/ \([^)]*\)$/, '')`)
	b, err := bundle.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range b.Console {
		if strings.Contains(m.Text, "stale-before-record") {
			t.Errorf("console.json holds a message logged before Record: %+v", m)
		}
	}
	if len(b.Screenshots) == 0 {
		t.Fatal("the bundle has no screenshot")
	}
	checked := 0
	for _, s := range b.Screenshots {
		if !strings.HasSuffix(s.URL, "/screen/secrets") {
			continue
		}
		checked++
		img, _, err := image.Decode(bytes.NewReader(s.Data))
		if err != nil {
			t.Fatalf("%s: %v", s.File, err)
		}
		for _, p := range plants {
			if strings.HasPrefix(p.Kind, "keep:") {
				continue
			}
			if share := blackShare(clear, p); share > 0.3 {
				t.Fatalf("%s: the unmasked capture is %.0f%% black already; the test proves nothing", p.Kind, share*100)
			}
			if share := blackShare(img, p); share < 0.75 {
				t.Errorf("%s: %s %+v is only %.0f%% black over the value (boxes %+v)", s.File, p.Kind, p, share*100, s.Masked)
				if dir := os.Getenv("REPROKIT_TEST_KEEP"); dir != "" {
					os.WriteFile(filepath.Join(dir, strings.ReplaceAll(s.File, "/", "-")), s.Data, 0o644)
				}
			}
			if !boxesCover(s.Masked, p) {
				t.Errorf("%s: no box in screenshots.json covers %s (%+v): %+v", s.File, p.Kind, p, s.Masked)
			}
		}
	}
	if checked < 2 {
		t.Errorf("%d screenshots of the page in the bundle, want the Screenshot button's and Stop's", checked)
	}
}

// blackShare is the share of mask pixels in p's box, 1 px inside its edge
// (device pixel ratio 1): nearly black, or the grey of the kind's label.
func blackShare(img image.Image, p plant) float64 {
	var dark, all int
	for y := int(p.Y) + 1; y < int(p.Y+p.H)-1; y++ {
		for x := int(p.X) + 1; x < int(p.X+p.W)-1; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			all++
			grey := max(r, g, b)-min(r, g, b) < 0x0800 && r > 0x5800 && r < 0x8800
			if r < 0x2000 && g < 0x2000 && b < 0x2000 || grey {
				dark++
			}
		}
	}
	if all == 0 {
		return 0
	}
	return float64(dark) / float64(all)
}

// boxesCover says whether the union of the boxes covers p's box, 1 px
// inside its edge.
func boxesCover(boxes bundle.MaskList, p plant) bool {
	for y := p.Y + 1; y <= p.Y+p.H-1; y++ {
		for x := p.X + 1; x <= p.X+p.W-1; x++ {
			in := false
			for _, m := range boxes {
				in = in || x >= m.X && x <= m.X+m.Width && y >= m.Y && y <= m.Y+m.Height
			}
			if !in {
				return false
			}
		}
	}
	return true
}
