package bundle

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"path"
)

// Blackout is a region of a screenshot that the reporter blacked out in
// the review, in pixels of the image (0,0 its top left corner).
type Blackout struct {
	// Screenshot names the image: "screenshots/0003.png" or "0003.png".
	Screenshot string  `json:"screenshot"`
	X          float64 `json:"x"`
	Y          float64 `json:"y"`
	Width      float64 `json:"width"`
	Height     float64 `json:"height"`
}

// blackout paints the reporter's regions of the screenshot name black and
// adds them to its masked boxes (kind "reporter"), in the index entry too.
// An image with no region comes back as it is.
func (p *pack) blackout(name string, data []byte, info *Screenshot, meta *object) ([]byte, error) {
	var regions []Blackout
	for _, b := range p.opts.Blackout {
		if (b.Screenshot == name || path.Base(b.Screenshot) == path.Base(name)) && b.Width > 0 && b.Height > 0 {
			regions = append(regions, b)
		}
	}
	if len(regions) == 0 {
		return data, nil
	}
	src, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	bounds := src.Bounds()
	img := image.NewRGBA(bounds)
	draw.Draw(img, bounds, src, bounds.Min, draw.Src)
	if info.Masked == nil {
		info.Masked = MaskList{}
	}
	for _, b := range regions {
		r := image.Rect(int(math.Floor(b.X)), int(math.Floor(b.Y)), int(math.Ceil(b.X+b.Width)), int(math.Ceil(b.Y+b.Height))).Add(bounds.Min).Intersect(bounds)
		if r.Empty() {
			continue
		}
		draw.Draw(img, r, image.NewUniform(color.Black), image.Point{}, draw.Src)
		// in pixels of the image, as the reporter chose them
		info.Masked = append(info.Masked, MaskBox{X: float64(r.Min.X - bounds.Min.X), Y: float64(r.Min.Y - bounds.Min.Y),
			Width: float64(r.Dx()), Height: float64(r.Dy()), Kind: "reporter"})
	}
	var out bytes.Buffer
	if format == "jpeg" {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 85})
	} else {
		err = png.Encode(&out, img)
	}
	if err != nil {
		return nil, err
	}
	masked, err := json.Marshal(info.Masked)
	if err != nil {
		return nil, err
	}
	meta.set("masked", masked)
	return out.Bytes(), nil
}
