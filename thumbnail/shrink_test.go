package thumbnail

import (
	"image"
	"image/color"
	"testing"

	"golang.org/x/image/draw"
)

// texture returns a w×h photo-like YCbCr image with the given subsampling:
// smooth gradients under fine stripes.
func texture(w, h int, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Y[m.YOffset(x, y)] = uint8(x*200/w + 40*((x/3+y/5)%2))
			ci := m.COffset(x, y)
			m.Cb[ci] = uint8(y * 255 / h)
			m.Cr[ci] = uint8(255 - x*255/w)
		}
	}
	return m
}

// meanDiff returns the mean absolute difference of the colour channels of
// two RGBA images of the same size.
func meanDiff(a, b *image.RGBA) float64 {
	var sum int
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		sum += max(d, -d)
	}
	return float64(sum) / float64(len(a.Pix))
}

func TestShrinkMatchesTheFineFilter(t *testing.T) {
	// Box then Catmull-Rom must look like Catmull-Rom alone, for every
	// kind of source, including crops that start at odd places.
	ycbcr := func(r image.YCbCrSubsampleRatio) image.Image { return texture(401, 283, r) }
	tests := []struct {
		name string
		src  image.Image
	}{
		{"444", ycbcr(image.YCbCrSubsampleRatio444)},
		{"422", ycbcr(image.YCbCrSubsampleRatio422)},
		{"420", ycbcr(image.YCbCrSubsampleRatio420)},
		{"440", ycbcr(image.YCbCrSubsampleRatio440)},
		{"411", ycbcr(image.YCbCrSubsampleRatio411)},
		{"410", ycbcr(image.YCbCrSubsampleRatio410)},
		{"420 off origin", texture(401, 283, image.YCbCrSubsampleRatio420).SubImage(image.Rect(3, 5, 401, 283))},
		{"rgba", toRGBA(ycbcr(image.YCbCrSubsampleRatio444))},
		{"nrgba with alpha", halfTransparent(ycbcr(image.YCbCrSubsampleRatio444))},
		{"gray", toGray(ycbcr(image.YCbCrSubsampleRatio444))},
	}
	for _, tt := range tests {
		for _, spec := range []Spec{{Width: 20, Height: 20}, {Width: 17, Height: 25, Crop: true}, {Width: 103, Height: 103}} {
			b := tt.src.Bounds()
			sr, dw, dh := plan(b.Dx(), b.Dy(), spec.Width, spec.Height, spec.Crop, false)
			sr = sr.Add(b.Min)
			want := image.NewRGBA(image.Rect(0, 0, dw, dh))
			draw.CatmullRom.Scale(want, want.Rect, tt.src, sr, draw.Src, nil)
			got := scale(tt.src, spec, 1)
			if got.Rect != want.Rect {
				t.Fatalf("%s: size %v, want %v", tt.name, got.Rect, want.Rect)
			}

			if d := meanDiff(got, want); d > 2.5 {
				t.Errorf("%s, %+v: differs from Catmull-Rom alone by %.2f a channel on average", tt.name, spec, d)
			}
		}
	}
}

func TestShrinkAverages(t *testing.T) {
	// Each 3×3 block of a checkerboard of black and white averages to grey;
	// with transparency, only the opaque pixels lend their colour.
	m := image.NewNRGBA(image.Rect(0, 0, 9, 6))
	for y := 0; y < 6; y++ {
		for x := 0; x < 9; x++ {
			if (x+y)%2 == 0 {
				m.SetNRGBA(x, y, color.NRGBA{255, 255, 255, 255})
			} else {
				m.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 0}) // red, but invisible
			}
		}
	}
	got, r := shrink(m, m.Bounds(), 3)
	if r != image.Rect(0, 0, 3, 2) {
		t.Fatalf("rect %v", r)
	}
	// 5 of 9 pixels white in blocks whose top-left is white, 4 of 9 otherwise.
	for _, p := range []struct {
		x, y int
		a    uint8
	}{{0, 0, 142}, {1, 0, 113}, {0, 1, 113}, {1, 1, 142}} {
		c := got.At(p.x, p.y).(color.RGBA)
		if c.A != p.a || c.R != c.A || c.G != c.A || c.B != c.A {
			t.Errorf("pixel %d,%d = %v, want white at alpha %d", p.x, p.y, c, p.a)
		}
	}

	// Left-over columns and rows are split between the edges.
	_, r = shrink(image.NewGray(image.Rect(0, 0, 11, 10)), image.Rect(0, 0, 11, 10), 4)
	if r != image.Rect(0, 0, 2, 2) {
		t.Errorf("rect %v", r)
	}
}

func toRGBA(m image.Image) *image.RGBA {
	out := image.NewRGBA(m.Bounds())
	draw.Draw(out, out.Rect, m, m.Bounds().Min, draw.Src)
	return out
}

func toGray(m image.Image) *image.Gray {
	out := image.NewGray(m.Bounds())
	draw.Draw(out, out.Rect, m, m.Bounds().Min, draw.Src)
	return out
}

func halfTransparent(m image.Image) *image.NRGBA {
	out := image.NewNRGBA(m.Bounds())
	draw.Draw(out, out.Rect, m, m.Bounds().Min, draw.Src)
	b := out.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Pix[out.PixOffset(x, y)+3] = uint8((x - b.Min.X) * 255 / b.Dx())
		}
	}
	return out
}
