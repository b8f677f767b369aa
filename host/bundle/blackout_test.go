package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"testing"
)

// A region the reporter blacks out in the review is black in the bundle's
// screenshot and listed in its masked boxes; the other screenshot is
// untouched (issue 11 item 4).
func TestARegionBlackedOutInTheReviewIsBlackInTheBundle(t *testing.T) {
	f := sampleSession(t)
	f.screenshots = [][]byte{pngImage(t, 200, 100, 1), pngImage(t, 64, 48, 2)}
	dir := makeSpool(t, f)
	res, err := Write(context.Background(), dir, t.TempDir(), Options{
		Blackout: []Blackout{{Screenshot: "screenshots/0001.png", X: 10, Y: 20, Width: 50, Height: 30}},
	})
	if err != nil {
		t.Fatal(err)
	}
	files := readZip(t, res.Path)
	img, err := png.Decode(bytes.NewReader(files["screenshots/0001.png"]))
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range []image.Point{{10, 20}, {59, 49}, {35, 35}} {
		if r, g, b, _ := img.At(pt.X, pt.Y).RGBA(); r|g|b != 0 {
			t.Errorf("pixel %v is not black", pt)
		}
	}
	if r, g, b, _ := img.At(5, 5).RGBA(); r|g|b == 0 {
		t.Error("a pixel outside the region is black")
	}
	var index []Screenshot
	if err := json.Unmarshal(files["screenshots.json"], &index); err != nil {
		t.Fatal(err)
	}
	if len(index) != 2 || len(index[0].Masked) != 1 || index[0].Masked[0].Kind != "reporter" || index[0].Masked[0].Width != 50 || len(index[1].Masked) != 0 {
		t.Errorf("screenshots.json: %+v", index)
	}
	if !bytes.Equal(files["screenshots/0002.png"], f.screenshots[1]) {
		t.Error("the other screenshot changed")
	}
}

// Issue 12: each screenshot keeps the tab it shows (target) through the
// bundle, in screenshots.json and for the readers (report, replay).
func TestScreenshotsKeepTheirTabThroughTheBundle(t *testing.T) {
	f := sampleSession(t)
	f.screenshots = [][]byte{pngImage(t, 64, 48, 1), pngImage(t, 64, 48, 2)}
	f.shotTargets = []string{"page", "popup"}
	dir := makeSpool(t, f)
	res, err := Write(context.Background(), dir, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var index []Screenshot
	if err := json.Unmarshal(readZip(t, res.Path)["screenshots.json"], &index); err != nil {
		t.Fatal(err)
	}
	if len(index) != 2 || index[0].Target != "page" || index[1].Target != "popup" {
		t.Errorf("screenshots.json: %+v", index)
	}
	b, err := Open(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Screenshots) != 2 || b.Screenshots[0].Target != "page" || b.Screenshots[1].Target != "popup" {
		t.Errorf("the bundle reader lost the tabs: %+v", b.Screenshots)
	}
}
