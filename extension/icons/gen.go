//go:build ignore

// gen draws the extension's toolbar and store icons: a red record dot on a
// blue rounded square. Run `go run gen.go` in this folder after a change;
// the PNGs are committed.
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

func main() {
	for _, n := range []int{16, 32, 48, 128} {
		if err := write(fmt.Sprintf("icon%d.png", n), draw(n)); err != nil {
			log.Fatal(err)
		}
	}
}

func draw(n int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	bg := color.NRGBA{0x1f, 0x6f, 0xeb, 0xff}
	dot := color.NRGBA{0xff, 0x4d, 0x4f, 0xff}
	ring := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	f := float64(n)
	radius := f * 0.22 // corner radius
	c := f / 2
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			// rounded square
			dx := math.Max(math.Max(radius-px, px-(f-radius)), 0)
			dy := math.Max(math.Max(radius-py, py-(f-radius)), 0)
			if math.Hypot(dx, dy) > radius {
				continue
			}
			d := math.Hypot(px-c, py-c)
			switch {
			case d <= f*0.24:
				img.SetNRGBA(x, y, dot)
			case d <= f*0.32:
				img.SetNRGBA(x, y, ring)
			default:
				img.SetNRGBA(x, y, bg)
			}
		}
	}
	return img
}

func write(name string, img image.Image) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
