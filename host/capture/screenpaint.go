package capture

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
)

// viewport is where the image of a capture lies in the page: the visual
// viewport's offset in the layout viewport and its size, in CSS pixels.
type viewport struct {
	OffsetX     float64 `json:"offsetX"`
	OffsetY     float64 `json:"offsetY"`
	ClientWidth float64 `json:"clientWidth"`
}

// placeBoxes turns boxes in layout-viewport CSS pixels into boxes in CSS
// pixels of an image w device pixels wide and h high that shows vp,
// clipped to the image and grown to whole pixels; boxes off the image
// are left out.
func placeBoxes(boxes []MaskBox, vp viewport, w, h int) Masks {
	out := Masks{}
	if w <= 0 || h <= 0 {
		return out
	}
	scale := 1.0
	if vp.ClientWidth > 0 {
		scale = float64(w) / vp.ClientWidth
	}
	cw, ch := float64(w)/scale, float64(h)/scale
	for _, b := range boxes {
		x0, y0 := math.Max(0, math.Floor(b.X-vp.OffsetX)), math.Max(0, math.Floor(b.Y-vp.OffsetY))
		x1, y1 := math.Min(cw, math.Ceil(b.X-vp.OffsetX+b.Width)), math.Min(ch, math.Ceil(b.Y-vp.OffsetY+b.Height))
		if x1 <= x0 || y1 <= y0 {
			continue
		}
		out = append(out, MaskBox{X: x0, Y: y0, Width: x1 - x0, Height: y1 - y0, Kind: b.Kind})
	}
	return out
}

// paintMasks paints each box (CSS pixels of the image) black with its
// kind written small in grey, and encodes the image again in its format.
// quality is the JPEG quality.
func paintMasks(data []byte, format string, quality int, boxes Masks, vp viewport) ([]byte, error) {
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	img, ok := src.(draw.Image)
	if !ok {
		rgba := image.NewRGBA(b)
		draw.Draw(rgba, b, src, b.Min, draw.Src)
		img = rgba
	}
	scale := 1.0
	if vp.ClientWidth > 0 {
		scale = float64(b.Dx()) / vp.ClientWidth
	}
	black := image.NewUniform(color.Black)
	for _, m := range boxes {
		r := image.Rect(int(math.Floor(m.X*scale)), int(math.Floor(m.Y*scale)), int(math.Ceil((m.X+m.Width)*scale)), int(math.Ceil((m.Y+m.Height)*scale))).Add(b.Min).Intersect(b)
		draw.Draw(img, r, black, image.Point{}, draw.Src)
		drawLabel(img, r, m.Kind)
	}
	var out bytes.Buffer
	if format == "jpeg" {
		if quality <= 0 {
			quality = 80
		}
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: quality})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, img)
	}
	return out.Bytes(), err
}

// labelFont is a 3×5 pixel font for the kinds: each glyph is five rows
// of three bits, most significant bit on the left.
var labelFont = map[rune][5]uint8{
	'a': {2, 5, 7, 5, 5}, 'b': {6, 5, 6, 5, 6}, 'c': {3, 4, 4, 4, 3}, 'd': {6, 5, 5, 5, 6},
	'e': {7, 4, 6, 4, 7}, 'f': {7, 4, 6, 4, 4}, 'g': {3, 4, 5, 5, 3}, 'h': {5, 5, 7, 5, 5},
	'i': {7, 2, 2, 2, 7}, 'j': {1, 1, 1, 5, 2}, 'k': {5, 5, 6, 5, 5}, 'l': {4, 4, 4, 4, 7},
	'm': {5, 7, 7, 5, 5}, 'n': {6, 5, 5, 5, 5}, 'o': {2, 5, 5, 5, 2}, 'p': {6, 5, 6, 4, 4},
	'q': {2, 5, 5, 6, 3}, 'r': {6, 5, 6, 5, 5}, 's': {3, 4, 2, 1, 6}, 't': {7, 2, 2, 2, 2},
	'u': {5, 5, 5, 5, 7}, 'v': {5, 5, 5, 5, 2}, 'w': {5, 5, 7, 7, 5}, 'x': {5, 5, 2, 5, 5},
	'y': {5, 5, 2, 2, 2}, 'z': {7, 1, 2, 4, 7}, '-': {0, 0, 7, 0, 0}, '0': {7, 5, 5, 5, 7},
	'1': {2, 6, 2, 2, 7}, '2': {6, 1, 2, 4, 7}, '3': {6, 1, 2, 1, 6}, '4': {5, 5, 7, 1, 1},
	'5': {7, 4, 6, 1, 6}, '6': {3, 4, 7, 5, 7}, '7': {7, 1, 2, 2, 2}, '8': {7, 5, 7, 5, 7},
	'9': {7, 5, 7, 1, 6},
}

// labelColor is dark enough that a masked box stays a dark box, light
// enough to read.
var labelColor = color.RGBA{0x70, 0x70, 0x70, 0xff}

// drawLabel writes kind in the top left corner of r when it fits, at the
// largest whole-pixel size up to 3 that fits the box's height.
func drawLabel(img draw.Image, r image.Rectangle, kind string) {
	kind = strings.ToLower(kind)
	px := min(3, (r.Dy()-2)/5)
	if px < 1 {
		return
	}
	x, y := r.Min.X+px, r.Min.Y+(r.Dy()-5*px)/2
	for _, c := range kind {
		g, ok := labelFont[c]
		if !ok {
			g = labelFont['-']
		}
		if x+3*px > r.Max.X-px {
			return
		}
		for row := 0; row < 5; row++ {
			for col := 0; col < 3; col++ {
				if g[row]&(4>>col) == 0 {
					continue
				}
				for dy := 0; dy < px; dy++ {
					for dx := 0; dx < px; dx++ {
						img.Set(x+col*px+dx, y+row*px+dy, labelColor)
					}
				}
			}
		}
		x += 4 * px
	}
}
