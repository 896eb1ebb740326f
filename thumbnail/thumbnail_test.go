package thumbnail

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"runtime"
	"testing"
	"testing/iotest"
)

// decodeOutput decodes a thumbnail and checks that it is what res says.
func decodeOutput(t *testing.T, out []byte, res Result) image.Image {
	t.Helper()
	var (
		m   image.Image
		err error
	)
	switch res.ContentType {
	case "image/jpeg":
		m, err = jpeg.Decode(bytes.NewReader(out))
	case "image/png":
		m, err = png.Decode(bytes.NewReader(out))
	default:
		t.Fatalf("ContentType = %q", res.ContentType)
	}
	if err != nil {
		t.Fatalf("decoding the thumbnail: %v", err)
	}
	if b := m.Bounds(); b.Dx() != res.Width || b.Dy() != res.Height {
		t.Errorf("thumbnail is %v, Result says %dx%d", b, res.Width, res.Height)
	}
	if res.Size != int64(len(out)) {
		t.Errorf("Result.Size = %d, wrote %d bytes", res.Size, len(out))
	}
	return m
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMakeFormats(t *testing.T) {
	opaque := quadrants(256, 192, red, green, blue, yellow) // large enough to take the box filter
	seeThrough := quadrants(256, 192, red, transparent, blue, yellow)
	tests := []struct {
		name     string
		in       []byte
		wantType string
		want     [4]color.RGBA
	}{
		{"jpeg", encodeJPEG(t, opaque), "image/jpeg", [4]color.RGBA{red, green, blue, yellow}},
		{"png", encodePNG(t, opaque), "image/jpeg", [4]color.RGBA{red, green, blue, yellow}},
		{"png with alpha", encodePNG(t, seeThrough), "image/png", [4]color.RGBA{red, transparent, blue, yellow}},
		{"gif", encodeGIF(t, opaque), "image/jpeg", [4]color.RGBA{red, green, blue, yellow}},
		{"gif with transparency", encodeGIF(t, seeThrough), "image/png", [4]color.RGBA{red, transparent, blue, yellow}},
		{"webp lossless", encodeWebP(t, opaque), "image/jpeg", [4]color.RGBA{red, green, blue, yellow}},
		{"webp lossless with alpha", encodeWebP(t, seeThrough), "image/png", [4]color.RGBA{red, transparent, blue, yellow}},
		{"jpeg progressive", readTestdata(t, "quadrants-progressive.jpg"), "image/jpeg", [4]color.RGBA{red, green, blue, yellow}},
		{"webp lossy", readTestdata(t, "quadrants.webp"), "image/jpeg", [4]color.RGBA{red, green, blue, yellow}},
		{"webp lossy with alpha", readTestdata(t, "quadrants-alpha.webp"), "image/png", [4]color.RGBA{red, transparent, blue, yellow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			res, err := Make(&out, bytes.NewReader(tt.in), Spec{Width: 32, Height: 32})
			if err != nil {
				t.Fatal(err)
			}
			if res.ContentType != tt.wantType {
				t.Errorf("ContentType = %q, want %q", res.ContentType, tt.wantType)
			}
			if res.Width != 32 || res.Height != 24 {
				t.Errorf("size = %dx%d, want 32x24", res.Width, res.Height)
			}
			checkCorners(t, decodeOutput(t, out.Bytes(), res), tt.want)
		})
	}
}

func TestMakeSizes(t *testing.T) {
	tests := []struct {
		name         string
		srcW, srcH   int
		spec         Spec
		wantW, wantH int
	}{
		{"fit landscape", 400, 300, Spec{Width: 100, Height: 100}, 100, 75},
		{"fit portrait", 300, 400, Spec{Width: 100, Height: 100}, 75, 100},
		{"fit wide box", 400, 300, Spec{Width: 200, Height: 50}, 67, 50},
		{"fit exact", 200, 100, Spec{Width: 100, Height: 50}, 100, 50},
		{"fit thin sliver", 3000, 2, Spec{Width: 100, Height: 100}, 100, 1},
		{"fit small source kept", 40, 30, Spec{Width: 100, Height: 100}, 40, 30},
		{"fit small source upscaled", 40, 30, Spec{Width: 100, Height: 100, Upscale: true}, 100, 75},
		{"fit height would grow", 2, 10, Spec{Width: 100, Height: 11}, 2, 10},
		{"crop landscape", 400, 300, Spec{Width: 100, Height: 100, Crop: true}, 100, 100},
		{"crop portrait to wide", 300, 400, Spec{Width: 160, Height: 90, Crop: true}, 160, 90},
		{"crop small source trimmed", 50, 200, Spec{Width: 100, Height: 100, Crop: true}, 50, 100},
		{"crop small source upscaled", 50, 200, Spec{Width: 100, Height: 100, Crop: true, Upscale: true}, 100, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := encodePNG(t, quadrants(tt.srcW, tt.srcH, red, green, blue, yellow))
			var out bytes.Buffer
			res, err := Make(&out, bytes.NewReader(src), tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if res.Width != tt.wantW || res.Height != tt.wantH {
				t.Errorf("size = %dx%d, want %dx%d", res.Width, res.Height, tt.wantW, tt.wantH)
			}
			decodeOutput(t, out.Bytes(), res)
		})
	}
}

func TestPlan(t *testing.T) {
	tests := []struct {
		sw, sh, bw, bh int
		crop, upscale  bool
		keep           image.Rectangle
		dw, dh         int
	}{
		{4000, 3000, 100, 100, false, false, image.Rect(0, 0, 4000, 3000), 100, 75},
		{4000, 3000, 100, 100, true, false, image.Rect(500, 0, 3500, 3000), 100, 100},
		{3000, 4000, 100, 100, true, false, image.Rect(0, 500, 3000, 3500), 100, 100},
		{300, 400, 160, 90, true, false, image.Rect(0, 115, 300, 284), 160, 90},
		{50, 200, 100, 100, true, false, image.Rect(0, 50, 50, 150), 50, 100},
		{50, 200, 100, 100, true, true, image.Rect(0, 75, 50, 125), 100, 100},
		{1, 1, 8192, 8192, true, true, image.Rect(0, 0, 1, 1), 8192, 8192},
		{65535, 1, 1, 1, false, false, image.Rect(0, 0, 65535, 1), 1, 1},
	}
	for _, tt := range tests {
		keep, dw, dh := plan(tt.sw, tt.sh, tt.bw, tt.bh, tt.crop, tt.upscale)
		if keep != tt.keep || dw != tt.dw || dh != tt.dh {
			t.Errorf("plan(%d, %d, %d, %d, crop %v, upscale %v) = %v, %d, %d; want %v, %d, %d",
				tt.sw, tt.sh, tt.bw, tt.bh, tt.crop, tt.upscale, keep, dw, dh, tt.keep, tt.dw, tt.dh)
		}
	}
}

func TestCropKeepsTheCentre(t *testing.T) {
	// A wide picture: blue, red, blue in three columns. Cropping to a
	// square keeps the red middle only.
	m := image.NewRGBA(image.Rect(0, 0, 300, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 300; x++ {
			c := blue
			if x >= 100 && x < 200 {
				c = red
			}
			m.SetRGBA(x, y, c)
		}
	}
	var out bytes.Buffer
	res, err := Make(&out, bytes.NewReader(encodePNG(t, m)), Spec{Width: 50, Height: 50, Crop: true, Format: "png"})
	if err != nil {
		t.Fatal(err)
	}
	got := decodeOutput(t, out.Bytes(), res)
	for _, p := range []image.Point{{1, 1}, {48, 1}, {25, 25}, {1, 48}, {48, 48}} {
		if c := color.RGBAModel.Convert(got.At(p.X, p.Y)).(color.RGBA); !near(c, red) {
			t.Errorf("pixel %v = %v, want red", p, c)
		}
	}
}

func TestOrientation(t *testing.T) {
	// The picture as it should look: wider than tall, four coloured
	// quadrants. Each case stores it the way a camera would for that EXIF
	// orientation (by undoing the turns and flips that the standard
	// prescribes for display), and the thumbnail must look like it again.
	upright := quadrants(256, 128, red, green, blue, yellow)
	tests := []struct {
		o       uint16
		display string // what a viewer does, in order: "r" turns a quarter clockwise, "h" and "v" flip
	}{
		{1, ""},
		{2, "h"},
		{3, "rr"},
		{4, "v"},
		{5, "rh"}, // transpose
		{6, "r"},
		{7, "rv"}, // transverse
		{8, "rrr"},
	}
	for _, tt := range tests {
		for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
			t.Run(fmt.Sprintf("%d/%v", tt.o, order), func(t *testing.T) {
				stored := upright
				for i := len(tt.display) - 1; i >= 0; i-- { // undo, last first
					switch tt.display[i] {
					case 'r':
						stored = rotateCW(rotateCW(rotateCW(stored)))
					case 'h':
						stored = flipH(stored)
					case 'v':
						stored = flipV(stored)
					}
				}
				in := withEXIF(encodeJPEG(t, stored), tt.o, order)
				if got := jpegOrientation(in); got != int(tt.o) {
					t.Fatalf("jpegOrientation = %d, want %d", got, tt.o)
				}
				var out bytes.Buffer
				res, err := Make(&out, bytes.NewReader(in), Spec{Width: 32, Height: 32, Format: "png"})
				if err != nil {
					t.Fatal(err)
				}
				if res.Width != 32 || res.Height != 16 {
					t.Errorf("size = %dx%d, want 32x16", res.Width, res.Height)
				}
				checkCorners(t, decodeOutput(t, out.Bytes(), res), [4]color.RGBA{red, green, blue, yellow})
			})
		}
	}
}

func TestTestTransforms(t *testing.T) {
	// The test's own turns and flips, checked against what the words mean.
	m := quadrants(4, 2, red, green, blue, yellow)
	for _, tt := range []struct {
		name string
		f    func(*image.RGBA) *image.RGBA
		want [4]color.RGBA
	}{
		{"rotateCW", rotateCW, [4]color.RGBA{blue, red, yellow, green}},
		{"flipH", flipH, [4]color.RGBA{green, red, yellow, blue}},
		{"flipV", flipV, [4]color.RGBA{blue, yellow, red, green}},
	} {
		if got := corners(tt.f(m)); got != tt.want {
			t.Errorf("%s: corners = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func rotateCW(m *image.RGBA) *image.RGBA {
	h := m.Rect.Dy()
	return remap(m, true, func(x, y int) (int, int) { return h - 1 - y, x })
}

func flipH(m *image.RGBA) *image.RGBA {
	w := m.Rect.Dx()
	return remap(m, false, func(x, y int) (int, int) { return w - 1 - x, y })
}

func flipV(m *image.RGBA) *image.RGBA {
	h := m.Rect.Dy()
	return remap(m, false, func(x, y int) (int, int) { return x, h - 1 - y })
}

// remap moves each pixel of m to where to says, in an image of the same
// size or, with swap, of width and height swapped. m starts at (0, 0).
func remap(m *image.RGBA, swap bool, to func(x, y int) (int, int)) *image.RGBA {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	out := image.NewRGBA(m.Rect)
	if swap {
		out = image.NewRGBA(image.Rect(0, 0, h, w))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := to(x, y)
			out.SetRGBA(dx, dy, m.RGBAAt(x, y))
		}
	}
	return out
}

func TestOutputFormat(t *testing.T) {
	seeThrough := encodePNG(t, quadrants(40, 40, red, transparent, blue, yellow))
	opaque := encodePNG(t, quadrants(40, 40, red, green, blue, yellow))
	tests := []struct {
		name     string
		in       []byte
		spec     Spec
		wantType string
		want     [4]color.RGBA
	}{
		{"auto opaque", opaque, Spec{Width: 20, Height: 20}, "image/jpeg", [4]color.RGBA{red, green, blue, yellow}},
		{"auto alpha", seeThrough, Spec{Width: 20, Height: 20}, "image/png", [4]color.RGBA{red, transparent, blue, yellow}},
		{"png asked", opaque, Spec{Width: 20, Height: 20, Format: "png"}, "image/png", [4]color.RGBA{red, green, blue, yellow}},
		{"jpeg over white", seeThrough, Spec{Width: 20, Height: 20, Format: "jpeg"}, "image/jpeg",
			[4]color.RGBA{red, {255, 255, 255, 255}, blue, yellow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			res, err := Make(&out, bytes.NewReader(tt.in), tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if res.ContentType != tt.wantType {
				t.Errorf("ContentType = %q, want %q", res.ContentType, tt.wantType)
			}
			checkCorners(t, decodeOutput(t, out.Bytes(), res), tt.want)
		})
	}
}

func TestQuality(t *testing.T) {
	// Noise makes the quality show in the size.
	m := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for i := range m.Pix {
		m.Pix[i] = byte(i * 7919 >> 3)
	}
	in := encodePNG(t, m)
	size := func(q int) int64 {
		res, err := Make(io.Discard, bytes.NewReader(in), Spec{Width: 200, Height: 200, Format: "jpeg", Quality: q})
		if err != nil {
			t.Fatal(err)
		}
		return res.Size
	}
	low, def, high := size(20), size(0), size(100)
	if !(low < def && def < high) {
		t.Errorf("sizes at quality 20, default, 100 = %d, %d, %d; want increasing", low, def, high)
	}
	if def != size(DefaultQuality) {
		t.Errorf("quality 0 does not mean %d", DefaultQuality)
	}
}

// Decompression bombs: tiny files whose headers claim huge images.

func pngBomb() []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, 100000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 100000)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	out := []byte("\x89PNG\r\n\x1a\n")
	out = appendPNGChunk(out, "IHDR", ihdr)
	return appendPNGChunk(out, "IEND", nil)
}

func appendPNGChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32IEEE(b[start:]))
}

func gifBomb() []byte {
	// The largest a GIF can say: 65535×65535, 4.3 gigapixels.
	out := []byte("GIF89a\xff\xff\xff\xff\x80\x00\x00")
	out = append(out, 0, 0, 0, 255, 255, 255) // two-colour palette
	out = append(out, 0x2c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0)
	return append(out, 2, 2, 0x4c, 0x01, 0, 0x3b)
}

func jpegBomb(t testing.TB) []byte {
	b := encodeJPEG(t, image.NewGray(image.Rect(0, 0, 8, 8)))
	i := bytes.Index(b, []byte{0xFF, 0xC0}) // SOF0: length, precision, height, width
	if i < 0 {
		t.Fatal("no SOF0 in the encoder's JPEG")
	}
	copy(b[i+5:], []byte{0xff, 0xff, 0xff, 0xff})
	return b
}

func webpBomb() []byte {
	// VP8X says 46000×46000, 2.1 gigapixels (the decoder refuses 2³¹ and
	// more); no image data follows.
	const side = 46000 - 1 // stored minus one, in 24 bits
	data := []byte{0, 0, 0, 0, side & 0xff, side >> 8 & 0xff, side >> 16, side & 0xff, side >> 8 & 0xff, side >> 16}
	return riffWebP("VP8X", data)
}

func webpLosslessBomb() []byte {
	// A bare VP8L header at its largest: 16384×16384, 268 megapixels.
	var bw bitWriter
	bw.write(0x2f, 8)
	bw.write(16383, 14)
	bw.write(16383, 14)
	bw.write(0, 4)
	return riffWebP("VP8L", bw.bytes())
}

func TestBombs(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"png", pngBomb()},
		{"gif", gifBomb()},
		{"jpeg", jpegBomb(t)},
		{"webp", webpBomb()},
		{"webp lossless", webpLosslessBomb()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Make(io.Discard, bytes.NewReader(tt.in), Spec{Width: 100, Height: 100})
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooManyPixels) {
				t.Fatalf("err = %v, want ErrTooManyPixels", err)
			}
			// Decoding would need gigabytes; the header needs kilobytes.
			if n := after.TotalAlloc - before.TotalAlloc; n > 256<<10 {
				t.Errorf("allocated %d bytes to refuse a bomb", n)
			}
		})
	}
}

func TestPixelCap(t *testing.T) {
	in := encodePNG(t, quadrants(20, 20, red, green, blue, yellow))
	if _, err := Make(io.Discard, bytes.NewReader(in), Spec{Width: 10, Height: 10, MaxPixels: 399}); !errors.Is(err, ErrTooManyPixels) {
		t.Errorf("20x20 under a cap of 399: err = %v, want ErrTooManyPixels", err)
	}
	if _, err := Make(io.Discard, bytes.NewReader(in), Spec{Width: 10, Height: 10, MaxPixels: 400}); err != nil {
		t.Errorf("20x20 under a cap of 400: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	good := map[string][]byte{
		"jpeg": encodeJPEG(t, quadrants(64, 64, red, green, blue, yellow)),
		"png":  encodePNG(t, quadrants(64, 64, red, green, blue, yellow)),
		"gif":  encodeGIF(t, quadrants(64, 64, red, green, blue, yellow)),
		"webp": readTestdata(t, "quadrants.webp"),
	}
	badCRC := bytes.Clone(good["png"])
	badCRC[20] ^= 1 // inside IHDR
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"text", []byte("hello, this is not an image at all"), ErrFormat},
		{"bmp", []byte("BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00"), ErrFormat},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), ErrFormat},
		{"riff but not webp", []byte("RIFF\x10\x00\x00\x00WAVEfmt "), ErrFormat},
		{"animated webp", animatedWebP(), ErrFormat},
		{"png magic only", good["png"][:8], ErrCorrupt},
		{"png bad header checksum", badCRC, ErrCorrupt},
		{"jpeg truncated", good["jpeg"][:len(good["jpeg"])*2/3], ErrCorrupt},
		{"png truncated", good["png"][:len(good["png"])*2/3], ErrCorrupt},
		{"gif truncated", good["gif"][:len(good["gif"])*2/3], ErrCorrupt},
		{"webp truncated", good["webp"][:len(good["webp"])*2/3], ErrCorrupt},
		{"jpeg without end marker", good["jpeg"][:len(good["jpeg"])-2], ErrCorrupt},
		{"jpeg with zero size", zeroSizeJPEG(t, good["jpeg"]), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Make(&out, bytes.NewReader(tt.in), Spec{Width: 32, Height: 32})
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("wrote %d bytes after an error", out.Len())
			}
		})
	}
}

// animatedWebP returns the start of an animated WebP: a VP8X chunk with
// the animation flag, for a 2×2 canvas.
func animatedWebP() []byte {
	b := riffWebP("VP8X", []byte{1 << 1, 0, 0, 0, 1, 0, 0, 1, 0, 0})
	return append(b, "ANIM\x06\x00\x00\x00\xff\xff\xff\xff\x00\x00"...)
}

func zeroSizeJPEG(t *testing.T, b []byte) []byte {
	b = bytes.Clone(b)
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	copy(b[i+5:], []byte{0, 0})
	return b
}

func TestLongHeader(t *testing.T) {
	// 70 APP segments of 64 KB before the frame: 4.5 MB of metadata.
	jpg := encodeJPEG(t, quadrants(16, 16, red, green, blue, yellow))
	in := append([]byte{}, jpg[:2]...)
	for range 70 {
		in = append(in, 0xFF, 0xE5, 0xFF, 0xFF)
		in = append(in, make([]byte, 0xFFFF-2)...)
	}
	in = append(in, jpg[2:]...)
	_, err := Make(io.Discard, bytes.NewReader(in), Spec{Width: 8, Height: 8})
	if !errors.Is(err, ErrFormat) {
		t.Errorf("err = %v, want ErrFormat", err)
	}
}

func TestSourceErrors(t *testing.T) {
	in := encodePNG(t, quadrants(64, 64, red, green, blue, yellow))
	failure := errors.New("disk on fire")
	for _, cut := range []int{0, 10, len(in) / 2} {
		src := io.MultiReader(bytes.NewReader(in[:cut]), iotest.ErrReader(failure))
		_, err := Make(io.Discard, src, Spec{Width: 32, Height: 32})
		if !errors.Is(err, failure) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrFormat) {
			t.Errorf("source failing after %d bytes: err = %v, want the source's error alone", cut, err)
		}
	}
	// Readers that return little at a time, or data with io.EOF, are fine.
	for name, src := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(bytes.NewReader(in)),
		"data+EOF": iotest.DataErrReader(bytes.NewReader(in)),
	} {
		if _, err := Make(io.Discard, src, Spec{Width: 32, Height: 32}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestWriteError(t *testing.T) {
	in := encodePNG(t, quadrants(64, 64, red, green, blue, yellow))
	failure := errors.New("no space")
	_, err := Make(failingWriter{failure}, bytes.NewReader(in), Spec{Width: 32, Height: 32})
	if !errors.Is(err, failure) {
		t.Errorf("err = %v, want %v", err, failure)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestContextCancelled(t *testing.T) {
	in := encodePNG(t, quadrants(64, 64, red, green, blue, yellow))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Spec{Width: 32, Height: 32}.make(ctx, io.Discard, bytes.NewReader(in))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestSpecCheck(t *testing.T) {
	bad := []Spec{
		{},
		{Width: 0, Height: 10},
		{Width: 10, Height: -1},
		{Width: MaxSide + 1, Height: 10},
		{Width: 8000, Height: 8000}, // 64 MP, over the default cap
		{Width: 100, Height: 100, MaxPixels: 9999},
		{Width: 10, Height: 10, MaxPixels: -1},
		{Width: 10, Height: 10, Format: "gif"},
		{Width: 10, Height: 10, Format: "JPEG"},
		{Width: 10, Height: 10, Quality: -1},
		{Width: 10, Height: 10, Quality: 101},
		{Width: 10, Height: 10, Name: "../x"},
		{Width: 10, Height: 10, Name: "a b"},
	}
	in := encodePNG(t, quadrants(16, 16, red, green, blue, yellow))
	for _, s := range bad {
		if _, err := Make(io.Discard, bytes.NewReader(in), s); !errors.Is(err, ErrSpec) {
			t.Errorf("Make with %+v: err = %v, want ErrSpec", s, err)
		}
	}
	good := []Spec{
		{Width: 1, Height: 1},
		{Width: MaxSide, Height: 1},
		{Width: 10, Height: 10, Format: "png", Quality: 100, MaxPixels: 256, Name: "small_2-x"},
	}
	for _, s := range good {
		if err := s.check(); err != nil {
			t.Errorf("check(%+v) = %v", s, err)
		}
	}
}

func TestGIFFirstFrameOnCanvas(t *testing.T) {
	// A 40×40 GIF whose only frame covers the bottom right quarter: the
	// rest of the canvas is transparent.
	frame := image.NewPaletted(image.Rect(20, 20, 40, 40), color.Palette{transparent, yellow})
	for i := range frame.Pix {
		frame.Pix[i] = 1
	}
	var b bytes.Buffer
	g := &gifAll{w: 40, h: 40, frame: frame}
	if err := g.encode(&b); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := Make(&out, &b, Spec{Width: 40, Height: 40})
	if err != nil {
		t.Fatal(err)
	}
	if res.Width != 40 || res.Height != 40 || res.ContentType != "image/png" {
		t.Errorf("got %+v, want 40x40 PNG", res)
	}
	checkCorners(t, decodeOutput(t, out.Bytes(), res), [4]color.RGBA{transparent, transparent, transparent, yellow})
}
