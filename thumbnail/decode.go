package thumbnail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// maxHeader bounds the bytes read to learn an image's size. JPEG keeps its
// metadata (EXIF, ICC profile, XMP) before the size, rarely more than a few
// hundred KB; the other formats state their size in the first few bytes.
const maxHeader = 4 << 20

// A format is one image format this package reads.
type format struct {
	name   string
	magic  string // the file's first bytes; '?' matches any byte
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

// formats are the formats Make reads. They are chosen here rather than
// through image.Decode, whose choice depends on which packages the program
// imports.
var formats = [...]format{
	{"jpeg", "\xff\xd8\xff", jpeg.DecodeConfig, jpeg.Decode},
	{"png", "\x89PNG\r\n\x1a\n", png.DecodeConfig, png.Decode},
	{"gif", "GIF8?a", gif.DecodeConfig, gif.Decode}, // gif.Decode stops after the first frame
	{"webp", "RIFF????WEBPVP8", webp.DecodeConfig, webp.Decode},
}

// sniff returns the format whose magic starts head, or nil.
func sniff(head []byte) *format {
next:
	for i := range formats {
		f := &formats[i]
		if len(head) < len(f.magic) {
			continue
		}
		for j := 0; j < len(f.magic); j++ {
			if f.magic[j] != '?' && f.magic[j] != head[j] {
				continue next
			}
		}
		return f
	}
	return nil
}

// decode reads an image from src, refusing it from its header alone when it
// is not a supported format, has more than s's pixel cap or needs more
// memory than its MaxMemory. Before decoding it reserves that memory in s's
// budget; the caller calls release once done with the image. It returns the
// image, its top-left at (0, 0), and its EXIF orientation (1 to 8).
func decode(ctx context.Context, src io.Reader, s Spec) (_ image.Image, orientation int, release func(), err error) {
	img, orientation, release, err := decodeReserved(ctx, src, s)
	if err != nil && release != nil {
		release()
		release = nil
	}
	return img, orientation, release, err
}

func decodeReserved(ctx context.Context, src io.Reader, s Spec) (image.Image, int, func(), error) {
	maxPixels := s.maxPixels()
	in := &sourceReader{ctx: ctx, r: src}
	head := &recorder{r: in}

	var magic [len("RIFF????WEBPVP8")]byte
	n, _ := io.ReadFull(head, magic[:])
	if in.err != nil {
		return nil, 0, nil, in.err
	}
	f := sniff(magic[:n])
	if f == nil {
		return nil, 0, nil, ErrFormat
	}

	cfg, err := f.config(io.MultiReader(bytes.NewReader(magic[:n]), head))
	switch {
	case in.err != nil:
		return nil, 0, nil, in.err
	case err != nil && len(head.buf) >= maxHeader: // whatever the decoder made of it
		return nil, 0, nil, fmt.Errorf("%w: %s header longer than %d bytes", ErrFormat, f.name, maxHeader)
	case err != nil:
		return nil, 0, nil, fmt.Errorf("%w: %s header: %w", ErrCorrupt, f.name, err)
	case cfg.Width <= 0 || cfg.Height <= 0:
		return nil, 0, nil, fmt.Errorf("%w: %s is %dx%d", ErrCorrupt, f.name, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return nil, 0, nil, fmt.Errorf("%w: %s of %dx%d is %d pixels, over the cap of %d",
			ErrTooManyPixels, f.name, cfg.Width, cfg.Height, px, maxPixels)
	}
	if f.name == "webp" && isAnimatedWebP(head.buf) {
		return nil, 0, nil, fmt.Errorf("%w: animated WebP", ErrFormat)
	}
	need := memoryNeed(f, cfg, head.buf, int64(s.Width)*int64(s.Height))
	if need > s.maxMemory() {
		return nil, 0, nil, fmt.Errorf("%w: %s of %dx%d needs %d MiB to decode, over the cap of %d MiB",
			ErrTooManyPixels, f.name, cfg.Width, cfg.Height, need>>20, s.maxMemory()>>20)
	}
	release, err := s.budget().reserve(ctx, need)
	if err != nil {
		return nil, 0, release, err
	}
	orientation := 1
	if f.name == "jpeg" {
		orientation = jpegOrientation(head.buf)
	}

	// The header was consumed from src: replay it, then read on.
	img, err := f.decode(io.MultiReader(bytes.NewReader(head.buf), in))
	switch {
	case in.err != nil:
		return nil, 0, release, in.err
	case err != nil:
		return nil, 0, release, fmt.Errorf("%w: %s: %w", ErrCorrupt, f.name, err)
	}
	// The decoders size the image from the header just checked; make sure.
	// A GIF's first frame may cover only part of its canvas.
	want := image.Rect(0, 0, cfg.Width, cfg.Height)
	if b := img.Bounds(); b != want {
		if f.name != "gif" || !b.In(want) {
			return nil, 0, release, fmt.Errorf("%w: %s decoded as %v, header said %v", ErrCorrupt, f.name, b, want)
		}
		canvas := image.NewRGBA(want)
		draw.Draw(canvas, b, img, b.Min, draw.Src)
		img = canvas
	}
	return img, orientation, release, nil
}

// isAnimatedWebP reports whether a WebP file's header has the animation
// flag, which the decoder does not support.
func isAnimatedWebP(b []byte) bool {
	const animation = 1 << 1 // in the flags byte of the VP8X chunk
	return len(b) > 20 && string(b[12:16]) == "VP8X" && b[20]&animation != 0
}

// sourceReader reads src until ctx is done, and keeps src's first error
// other than io.EOF, so that a failing source is not mistaken for a
// corrupt image.
type sourceReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if err := s.ctx.Err(); err != nil {
		s.err = err
		return 0, err
	}
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// recorder keeps what it reads, up to maxHeader bytes, so that the header
// can be read again by the decoder. Past that it fails.
type recorder struct {
	r   io.Reader
	buf []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	room := maxHeader - len(r.buf)
	if room <= 0 {
		return 0, errors.New("header too long")
	}
	if len(p) > room {
		p = p[:room]
	}
	n, err := r.r.Read(p)
	r.buf = append(r.buf, p[:n]...)
	return n, err
}
