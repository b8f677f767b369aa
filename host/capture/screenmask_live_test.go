package capture_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reprokit/reprokit/host/capture"
)

// planted is a value the test page shows, and its box in the viewport.
type planted struct {
	Kind       string
	X, Y, W, H float64
}

// TestScreenshotsPaintOverTextTheDetectorsFlag shows a card number, an
// email, a vendor key, a JWT, a keyword token, an IP address and labelled
// phone numbers as text, as input values and in a cross-origin frame, and
// checks that the recorder's screenshot paints over each of them (the
// pixels in the value's box are all mask pixels, where an unmasked capture
// of the same page shows the text; same-site and cross-site frames
// included), lists them in screenshots.json, and
// leaves the rest of the page as it was.
func TestScreenshotsPaintOverTextTheDetectorsFlag(t *testing.T) {
	l := startLive(t, capture.Options{})
	l.do(chromedp.Navigate(app.URL + "/screen/secrets"))
	l.waitFor(`document.body.dataset.done === '1'`)
	ctx, cancel := context.WithTimeout(l.tab, 20*time.Second)
	defer cancel()
	plants, err := chromedp.Run(ctx, chromedp.Evaluate[[]planted](`window.planted()`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	clear, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer scancel()
	if err := l.rec.Screenshot(sctx, "demand"); err != nil {
		t.Fatal(err)
	}
	r := l.stop()
	var index []capture.ScreenshotInfo
	b, _ := os.ReadFile(r.dir.Join("screenshots.json"))
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	var shot *capture.ScreenshotInfo
	for i := range index {
		if index[i].Reason == "demand" {
			shot = &index[i]
		}
	}
	if shot == nil {
		t.Fatalf("no demand screenshot in %s", b)
	}
	masked := decodeImage(t, r.dir.Join(shot.File))
	if len(plants) < 16 {
		t.Fatalf("the page planted %d values, want 16 (frame loaded?)", len(plants))
	}
	for _, p := range plants {
		if strings.HasPrefix(p.Kind, "keep:") {
			if d := diffShare(clear, masked, int(p.X), int(p.Y), int(p.W), int(p.H)); d > 0.01 {
				t.Errorf("%s: %.1f%% of its pixels changed; it holds nothing to mask", p.Kind, d*100)
			}
			continue
		}
		if share := maskShare(masked, p.X, p.Y, p.W, p.H); share < 0.98 {
			t.Errorf("%s: only %.0f%% of its box is masked in the screenshot", p.Kind, share*100)
		}
		if share := maskShare(clear, p.X, p.Y, p.W, p.H); share > 0.5 {
			t.Errorf("%s: the unmasked capture is already %.0f%% mask-coloured; the test proves nothing", p.Kind, share*100)
		}
		if !coveredBy(shot.Masked, p) {
			t.Errorf("%s (%.0f,%.0f %.0fx%.0f): the boxes in screenshots.json do not cover it: %+v", p.Kind, p.X, p.Y, p.W, p.H, shot.Masked)
		}
	}
	kinds := map[string]bool{}
	for _, m := range shot.Masked {
		kinds[m.Kind] = true
	}
	for _, k := range []string{"card", "email", "jwt", "ip", "phone"} {
		if !kinds[k] {
			t.Errorf("no %s box in screenshots.json: %+v", k, shot.Masked)
		}
	}
}

// coveredBy says whether every point of p's box, 1 px inside its edge,
// lies in one of the boxes.
func coveredBy(boxes capture.Masks, p planted) bool {
	for y := p.Y + 1; y <= p.Y+p.H-1; y++ {
		for x := p.X + 1; x <= p.X+p.W-1; x++ {
			in := false
			for _, m := range boxes {
				if x >= m.X && x <= m.X+m.Width && y >= m.Y && y <= m.Y+m.Height {
					in = true
					break
				}
			}
			if !in {
				return false
			}
		}
	}
	return true
}

// maskShare is the share of pixels of a box (CSS pixels at a device pixel
// ratio of 1, 1 px inside its edge) that are mask pixels: black, or the
// grey of the kind's label.
func maskShare(img image.Image, x, y, w, h float64) float64 {
	var mask, all int
	for py := int(y) + 1; py < int(y+h)-1; py++ {
		for px := int(x) + 1; px < int(x+w)-1; px++ {
			r, g, b, _ := img.At(px, py).RGBA()
			all++
			if r == g && g == b && (r < 0x0800 || r>>8 == 0x70) {
				mask++
			}
		}
	}
	if all == 0 {
		return 0
	}
	return float64(mask) / float64(all)
}

// diffShare is the share of pixels of a box that differ between a and b.
func diffShare(a, b image.Image, x, y, w, h int) float64 {
	var diff, all int
	for py := y; py < y+h; py++ {
		for px := x; px < x+w; px++ {
			all++
			if a.At(px, py) != b.At(px, py) {
				diff++
			}
		}
	}
	return float64(diff) / float64(all)
}
