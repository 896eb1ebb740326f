package thumbnail

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"math"
	"sync"
	"testing"

	"golang.org/x/image/draw"
)

// photo12MP is a 4000×3000 JPEG, a phone photo's size, with gradients and
// fine texture so that it compresses like a photo rather than a flat image.
var photo12MP = sync.OnceValue(func() []byte {
	const w, h = 4000, 3000
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 128 + 60*math.Sin(float64(x)/97) + 40*math.Cos(float64(y)/53) + 20*math.Sin(float64(x*y)/900)
			m.Y[y*m.YStride+x] = uint8(max(0, min(255, v)))
		}
	}
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			m.Cb[y*m.CStride+x] = uint8(x * 255 / (w / 2))
			m.Cr[y*m.CStride+x] = uint8(y * 255 / (h / 2))
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return b.Bytes()
})

// BenchmarkMake makes thumbnails of a 12-megapixel JPEG, from the bytes to
// the encoded thumbnail.
func BenchmarkMake(b *testing.B) {
	for _, bm := range []struct {
		name string
		spec Spec
	}{
		{"12MP-jpeg/fit-256x256", Spec{Width: 256, Height: 256}},
		{"12MP-jpeg/crop-100x100", Spec{Width: 100, Height: 100, Crop: true}},
		{"12MP-jpeg/fit-1024x1024", Spec{Width: 1024, Height: 1024}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			in := photo12MP()
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Make(io.Discard, bytes.NewReader(in), bm.spec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStages splits the work: decoding the JPEG, then scaling it to
// 256×192 as scale does (box, then Catmull-Rom) and with each filter alone.
func BenchmarkStages(b *testing.B) {
	in := photo12MP()
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(in)); err != nil {
				b.Fatal(err)
			}
		}
	})
	src, err := jpeg.Decode(bytes.NewReader(in))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("scale", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			scale(src, Spec{Width: 256, Height: 256}, 1)
		}
	})
	for _, f := range []struct {
		name   string
		scaler draw.Scaler
	}{
		{"scale-CatmullRom", draw.CatmullRom},
		{"scale-ApproxBiLinear", draw.ApproxBiLinear},
	} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				dst := image.NewRGBA(image.Rect(0, 0, 256, 192))
				f.scaler.Scale(dst, dst.Rect, src, src.Bounds(), draw.Src, nil)
			}
		})
	}
}
