package thumbnail

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"testing"
)

// Test images have four quadrants of distinct colours, so that a test can
// tell where each corner went.
var (
	red         = color.RGBA{255, 0, 0, 255}
	green       = color.RGBA{0, 255, 0, 255}
	blue        = color.RGBA{0, 0, 255, 255}
	yellow      = color.RGBA{255, 255, 0, 255}
	transparent = color.RGBA{0, 0, 0, 0}
)

// quadrants returns a w×h image: tl top left, tr top right, bl bottom left,
// br bottom right.
func quadrants(w, h int, tl, tr, bl, br color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := tl
			switch {
			case x >= w/2 && y < h/2:
				c = tr
			case x < w/2 && y >= h/2:
				c = bl
			case x >= w/2 && y >= h/2:
				c = br
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// corners returns the colours at the middle of each quadrant of m, in the
// order top left, top right, bottom left, bottom right.
func corners(m image.Image) [4]color.RGBA {
	b := m.Bounds()
	at := func(fx, fy int) color.RGBA {
		return color.RGBAModel.Convert(m.At(b.Min.X+b.Dx()*fx/4, b.Min.Y+b.Dy()*fy/4)).(color.RGBA)
	}
	return [4]color.RGBA{at(1, 1), at(3, 1), at(1, 3), at(3, 3)}
}

// near reports whether colours a and b differ by at most 48 in every
// channel: lossy formats shift colours a little.
func near(a, b color.RGBA) bool {
	d := func(x, y uint8) bool { return x-y <= 48 || y-x <= 48 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

func checkCorners(t *testing.T, m image.Image, want [4]color.RGBA) {
	t.Helper()
	got := corners(m)
	for i := range want {
		if !near(got[i], want[i]) {
			t.Errorf("corners = %v, want %v", got, want)
			return
		}
	}
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	// A palette of the test colours keeps them exact.
	p := color.Palette{transparent, red, green, blue, yellow}
	if err := gif.Encode(&b, m, &gif.Options{NumColors: len(p), Quantizer: fixedPalette(p)}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type fixedPalette color.Palette

func (p fixedPalette) Quantize(color.Palette, image.Image) color.Palette { return color.Palette(p) }

// withEXIF inserts after the SOI of jpg an APP1 Exif segment whose IFD0
// holds a Make tag and then the Orientation tag o, in the given byte order.
func withEXIF(jpg []byte, o uint16, order binary.AppendByteOrder) []byte {
	tiff := []byte("II\x2a\x00\x08\x00\x00\x00")
	if order == binary.BigEndian {
		tiff = []byte("MM\x00\x2a\x00\x00\x00\x08")
	}
	const makeAt = 8 + 2 + 2*12 + 4 // after IFD0
	tiff = order.AppendUint16(tiff, 2)
	tiff = order.AppendUint16(tiff, 0x010F) // Make: ASCII, 6 bytes, at makeAt
	tiff = order.AppendUint16(tiff, 2)
	tiff = order.AppendUint32(tiff, 6)
	tiff = order.AppendUint32(tiff, makeAt)
	tiff = order.AppendUint16(tiff, 0x0112) // Orientation: SHORT, 1 value
	tiff = order.AppendUint16(tiff, 3)
	tiff = order.AppendUint32(tiff, 1)
	tiff = order.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0)
	tiff = append(tiff, 0, 0, 0, 0) // no IFD1
	tiff = append(tiff, "Tests\x00"...)

	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xFF, 0xE1)
	out = binary.BigEndian.AppendUint16(out, uint16(2+len(seg)))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// encodeWebP writes m as a lossless WebP. m may use only the colours
// 0 and 255 in each channel, which lets every channel be coded with one bit
// a pixel and no transforms: a whole encoder in a few lines.
func encodeWebP(t testing.TB, m image.Image) []byte {
	t.Helper()
	b := m.Bounds()
	var bw bitWriter
	bw.write(0x2f, 8)
	bw.write(uint32(b.Dx()-1), 14)
	bw.write(uint32(b.Dy()-1), 14)
	bw.write(1, 1) // alpha is used
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for range 4 {  // green, red, blue, alpha: symbols 0 and 255, one bit each
		bw.write(1, 1) // simple code
		bw.write(1, 1) // two symbols
		bw.write(1, 1) // first symbol in 8 bits
		bw.write(0, 8)
		bw.write(255, 8)
	}
	bw.write(1, 1) // distance: simple code, one symbol, zero bits a use
	bw.write(0, 1)
	bw.write(0, 1)
	bw.write(0, 1)
	bit := func(v uint8) uint32 {
		switch v {
		case 0:
			return 0
		case 255:
			return 1
		}
		t.Fatalf("encodeWebP: channel value %d is not 0 or 255", v)
		return 0
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(m.At(x, y)).(color.NRGBA)
			bw.write(bit(c.G), 1)
			bw.write(bit(c.R), 1)
			bw.write(bit(c.B), 1)
			bw.write(bit(c.A), 1)
		}
	}
	return riffWebP("VP8L", bw.bytes())
}

// riffWebP wraps one chunk in a WebP file.
func riffWebP(fourCC string, data []byte) []byte {
	chunk := append([]byte(fourCC), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	chunk = append(chunk, data...)
	if len(data)%2 == 1 {
		chunk = append(chunk, 0)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(chunk)))...)
	out = append(out, "WEBP"...)
	return append(out, chunk...)
}

type bitWriter struct {
	buf  []byte
	acc  uint64
	nacc uint
}

// write appends the n low bits of v, least significant first.
func (w *bitWriter) write(v uint32, n uint) {
	w.acc |= uint64(v&(1<<n-1)) << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.nacc > 0 {
		return append(w.buf, byte(w.acc))
	}
	return w.buf
}

// crc32IEEE is the checksum of PNG chunks.
func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// gifAll writes a GIF of one frame that may cover part of the canvas.
type gifAll struct {
	w, h  int
	frame *image.Paletted
}

func (g *gifAll) encode(w io.Writer) error {
	return gif.EncodeAll(w, &gif.GIF{
		Image:  []*image.Paletted{g.frame},
		Delay:  []int{0},
		Config: image.Config{ColorModel: g.frame.Palette, Width: g.w, Height: g.h},
	})
}
