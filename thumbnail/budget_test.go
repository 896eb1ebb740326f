package thumbnail

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pngHeader returns the signature and IHDR chunk of a w×h PNG of the given
// bit depth and color type, and no pixels: enough for the header checks.
func pngHeader(w, h int, depth, colorType byte) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, depth, colorType, 0, 0, 0)
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b = append(b, chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

// gifScreen returns a GIF that claims a w×h screen and holds one 1×1 frame.
func gifScreen(w, h int) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, uint16(w))
	b = binary.LittleEndian.AppendUint16(b, uint16(h))
	b = append(b, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff) // a global palette of 2 colors
	b = append(b, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0)       // a 1×1 frame at 0,0
	b = append(b, 2, 2, 0x4c, 0x01, 0, 0x3b)
	return b
}

// The cap counts the bytes an image takes to decode, not only its pixels:
// a 16-bit PNG and a GIF whose screen is huge are refused from their
// headers, while an 8-bit image of the same size is not.
func TestMemoryCapCountsDecodedBytes(t *testing.T) {
	for _, tt := range []struct {
		name      string
		src       []byte
		maxMemory int64
		want      error
	}{
		{"16-bit RGBA PNG near the pixel cap", pngHeader(6324, 6324, 16, 6), 0, ErrTooManyPixels},
		{"8-bit RGBA PNG of the same size", pngHeader(6324, 6324, 8, 6), 0, ErrCorrupt}, // let through; no pixels to decode
		// 36 megapixels of screen, drawn in RGBA: 216 MB for 35 bytes.
		{"GIF with a 6000x6000 screen, a 200 MiB cap", gifScreen(6000, 6000), 200 << 20, ErrTooManyPixels},
		{"GIF with a 3000x3000 screen, a 200 MiB cap", gifScreen(3000, 3000), 200 << 20, nil},
	} {
		spec := Spec{Width: 100, Height: 100, MaxMemory: tt.maxMemory}
		_, err := Make(io.Discard, bytes.NewReader(tt.src), spec)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if len(gifScreen(6000, 6000)) > 40 {
		t.Errorf("the GIF is %d bytes", len(gifScreen(6000, 6000)))
	}
}

func TestMemoryNeed(t *testing.T) {
	pngF, jpegF, gifF := sniff([]byte("\x89PNG\r\n\x1a\n")), sniff([]byte("\xff\xd8\xff")), sniff([]byte("GIF89a"))
	const px = 1000 * 1000
	for _, tt := range []struct {
		name     string
		f        *format
		model    color.Model
		head     []byte
		perPixel int64
	}{
		{"png 8-bit RGBA", pngF, color.NRGBAModel, nil, 4},
		{"png 16-bit RGBA", pngF, color.NRGBA64Model, nil, 8},
		{"png gray", pngF, color.GrayModel, nil, 1},
		{"png paletted", pngF, color.Palette{color.Black, color.White}, nil, 1},
		{"jpeg baseline", jpegF, color.YCbCrModel, []byte{0xff, 0xc0}, 3},
		{"jpeg progressive", jpegF, color.YCbCrModel, []byte{0xff, 0xc2}, 15},
		{"jpeg cmyk", jpegF, color.CMYKModel, nil, 4},
		{"gif", gifF, nil, nil, 5},
	} {
		got := memoryNeed(tt.f, image.Config{ColorModel: tt.model, Width: 1000, Height: 1000}, tt.head, 0)
		if want := px*tt.perPixel + px; got != want {
			t.Errorf("%s: %d, want %d", tt.name, got, want)
		}
	}
}

// blockingReader gives its first n bytes, then waits for release.
type blockingReader struct {
	r       io.Reader
	n       int
	reached chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		b.once.Do(func() { close(b.reached) })
		<-b.release
		return b.r.Read(p)
	}
	p = p[:min(len(p), b.n)]
	n, err := b.r.Read(p)
	b.n -= n
	return n, err
}

// Images that share a budget take their turns: while one holds most of
// it, the next waits, and goes on once the first is done.
func TestBudgetMakesImagesWait(t *testing.T) {
	src := encodePNG(t, quadrants(1000, 1000, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{0, 0, 0, 255}))
	spec := Spec{Width: 50, Height: 50}
	need := memoryNeed(&formats[1], image.Config{ColorModel: color.RGBAModel, Width: 1000, Height: 1000}, nil, 2500)
	spec.Budget = NewBudget(need + need/2) // room for one at a time

	first := &blockingReader{r: bytes.NewReader(src), n: 200, reached: make(chan struct{}), release: make(chan struct{})}
	firstDone := make(chan error, 1)
	go func() {
		_, err := Make(io.Discard, first, spec)
		firstDone <- err
	}()
	<-first.reached // the first has its reservation and is decoding
	secondDone := make(chan error, 1)
	go func() {
		_, err := Make(io.Discard, bytes.NewReader(src), spec)
		secondDone <- err
	}()
	select {
	case err := <-secondDone:
		t.Fatalf("the second image went ahead while the budget was spent: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(first.release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if err := <-secondDone; err != nil {
		t.Fatal(err)
	}

	// An image needing more than the whole budget is refused, not stuck.
	small := spec
	small.Budget = NewBudget(need / 2)
	if _, err := Make(io.Discard, bytes.NewReader(src), small); !errors.Is(err, ErrTooManyPixels) {
		t.Errorf("an image larger than the budget: %v", err)
	}
	// A wait ends with the context.
	spec.Budget.sem.Acquire(context.Background(), need+need/2)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := spec.make(ctx, io.Discard, bytes.NewReader(src)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting past the context: %v", err)
	}
}

// peakRSS is the process's peak resident memory, from /proc, in bytes.
func peakRSS(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	b.Skip("no VmHWM")
	return 0
}

// 16 near-cap images at once, sharing the process's budget: the peak
// resident memory of the whole process is reported (peak-RSS-MiB). Run it
// alone: go test -run '^$' -bench NearCapAtOnce ./thumbnail
func BenchmarkNearCapAtOnce(b *testing.B) {
	// 6000×6000 8-bit RGBA PNG, 36 megapixels: under both caps.
	m := image.NewNRGBA(image.Rect(0, 0, 6000, 6000))
	for i := range m.Pix {
		m.Pix[i] = byte(i * 7)
	}
	src := encodePNG(b, m)
	m = nil
	runtime.GC()
	spec := Spec{Width: 200, Height: 200}
	for b.Loop() {
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				if _, err := Make(io.Discard, bytes.NewReader(src), spec); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(peakRSS(b))/(1<<20), "peak-RSS-MiB")
}
