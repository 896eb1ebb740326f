package thumbnail

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"os"
	"testing"
)

// FuzzMake feeds untrusted bytes through the whole pipeline: whatever they
// are, Make must not panic, must fail only with its own errors, and must
// write a thumbnail that fits the box when it succeeds.
func FuzzMake(f *testing.F) {
	small := quadrants(24, 16, red, transparent, blue, yellow)
	opaque := quadrants(24, 16, red, green, blue, yellow)
	for _, seed := range [][]byte{
		encodePNG(f, small), encodeGIF(f, small), encodeWebP(f, small),
		withEXIF(encodeJPEG(f, opaque), 6, binary.BigEndian), withEXIF(encodeJPEG(f, opaque), 3, binary.LittleEndian),
		pngBomb(), gifBomb(), jpegBomb(f), webpBomb(), webpLosslessBomb(),
	} {
		f.Add(seed)
	}
	for _, name := range []string{"quadrants.webp", "quadrants-alpha.webp", "quadrants-progressive.jpg"} {
		seed, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		// A small cap keeps each run fast and within memory.
		res, err := Make(&out, bytes.NewReader(in), Spec{Width: 16, Height: 16, MaxPixels: 1 << 16})
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooManyPixels) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if res.Width < 1 || res.Width > 16 || res.Height < 1 || res.Height > 16 {
			t.Fatalf("thumbnail is %dx%d", res.Width, res.Height)
		}
		cfg, _, err := image.DecodeConfig(&out)
		if err != nil || cfg.Width != res.Width || cfg.Height != res.Height {
			t.Fatalf("output: %+v, %v; Result %+v", cfg, err, res)
		}
	})
}
