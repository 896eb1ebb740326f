// Package thumbnail makes small images from uploaded ones, safely.
//
// Make writes the thumbnail of an image to an io.Writer; Spec.Derive does
// the same as a step run when an upload completes, storing the thumbnail
// beside the upload and describing it for the upload's JSON reply.
//
// Uploaded images are untrusted. Make reads the image's header first and
// refuses, before a single pixel is decoded, any image whose width × height
// exceeds a pixel cap, so a few bytes claiming to be a 100000×100000
// picture cannot make the server allocate 40 GB. It reads JPEG, PNG, GIF
// (the first frame) and still WebP, recognised by their first bytes
// whatever the file is called, and fixed by this package rather than by the
// decoders a program happens to register with the image package. It
// honours the EXIF orientation of JPEGs, as browsers do, and it writes a
// fresh JPEG or PNG that carries no metadata, so a photo's GPS position and
// camera serial number never reach the thumbnail.
package thumbnail

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
)

// Defaults used when a Spec leaves the field zero.
const (
	// DefaultMaxPixels is the pixel cap: 40 megapixels covers the photos
	// of nearly every phone and camera (12 to 24 MP usually); raise it for
	// 48 MP and larger sensors used at full resolution.
	DefaultMaxPixels = 40_000_000
	// DefaultQuality is the JPEG quality: small files, no visible blocking
	// at thumbnail sizes.
	DefaultQuality = 85
	// DefaultName names the thumbnail in Process: its reply field and
	// the stem of its file name.
	DefaultName = "thumbnail"
)

// Errors reported by Make and Process, wrapped with details; check them
// with errors.Is.
var (
	// ErrSpec reports a Spec, or a size string, that cannot be used.
	ErrSpec = errors.New("thumbnail: invalid spec")
	// ErrFormat reports input that is not a JPEG, PNG, GIF or still WebP
	// image.
	ErrFormat = errors.New("thumbnail: not a supported image format")
	// ErrTooManyPixels reports an image whose width × height exceeds the
	// pixel cap. It is detected from the header, before decoding.
	ErrTooManyPixels = errors.New("thumbnail: image has too many pixels")
	// ErrCorrupt reports an image of a supported format whose data is
	// damaged or cut short.
	ErrCorrupt = errors.New("thumbnail: image data is corrupt")
)

// Spec describes a thumbnail. Width and Height are required; the zero value
// of every other field is the usual choice.
type Spec struct {
	// Width and Height bound the thumbnail, from 1 to MaxSide each, and
	// width × height within the pixel cap. ParseBox reads them from
	// strings like "100x100".
	Width, Height int

	// Crop fills the whole box, cutting what overflows the box's shape
	// equally from both edges, so the middle of the picture stays. Without
	// it the thumbnail keeps the whole picture and its shape, and fits
	// inside the box.
	Crop bool

	// Upscale lets a source smaller than the box grow to fill it. Without
	// it a small source keeps its own size (and Crop only trims it to the
	// box's shape), because enlarging adds bytes and no detail.
	Upscale bool

	// Format is the output: "jpeg" or "png". Empty picks PNG when the
	// thumbnail has any transparent pixel and JPEG otherwise. A JPEG
	// made from a transparent source is flattened onto white.
	Format string

	// Quality is the JPEG quality, 1 to 100; zero means DefaultQuality.
	Quality int

	// MaxPixels caps the source's width × height; zero means
	// DefaultMaxPixels. Decoding needs memory in proportion to the pixels
	// (1.5 to 3 bytes each for a JPEG, 4 for a PNG, 8 for a 16-bit PNG,
	// 7.5 to 15 for a progressive JPEG), which MaxMemory caps too.
	MaxPixels int64

	// MaxMemory caps the memory one image may take to decode and scale,
	// estimated from its header (bytes per pixel by format and depth, a
	// progressive JPEG's coefficients, a GIF's whole screen): an image over
	// it fails with ErrTooManyPixels before any pixel is decoded. Zero
	// means DefaultMaxMemory.
	MaxMemory int64

	// Budget is the memory that this Spec's work shares with others at
	// once; nil means the process's shared budget of DefaultBudget.
	Budget *Budget

	// Name is used by Process only: the key of the thumbnail's details in
	// the reply, and the stem of its file name (".jpg" or ".png" is added).
	// Letters, digits, '-' and '_'; empty means DefaultName.
	Name string
}

// Result describes a thumbnail that was written. Its JSON form is what
// Process puts in the reply.
type Result struct {
	// Name is the file name given to create; Process only.
	Name string `json:"name,omitempty"`
	// Width and Height are the thumbnail's size in pixels.
	Width  int `json:"width"`
	Height int `json:"height"`
	// ContentType is "image/jpeg" or "image/png".
	ContentType string `json:"type"`
	// Size is the number of bytes written.
	Size int64 `json:"size"`
}

// Make reads an image from src and writes its thumbnail to dst.
//
// It reads and checks the header before anything else: input that is not a
// supported image fails with ErrFormat, an image over the pixel cap with
// ErrTooManyPixels, and both before any pixel is decoded. Damaged image data
// fails with ErrCorrupt; an error from src itself is returned as it is.
// Nothing is written to dst unless the image was decoded and scaled, though
// an error from dst can leave part of the thumbnail written.
func Make(dst io.Writer, src io.Reader, s Spec) (Result, error) {
	return s.make(context.Background(), dst, src)
}

func (s Spec) make(ctx context.Context, dst io.Writer, src io.Reader) (Result, error) {
	if err := s.check(); err != nil {
		return Result{}, err
	}
	img, orientation, release, err := decode(ctx, src, s)
	if err != nil {
		return Result{}, err
	}
	defer release()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	thumb := orient(scale(img, s, orientation), orientation)

	format := s.Format
	if format == "" {
		format = "jpeg"
		if !thumb.Opaque() {
			format = "png"
		}
	}
	out := &countingWriter{w: dst}
	res := Result{Width: thumb.Rect.Dx(), Height: thumb.Rect.Dy()}
	switch format {
	case "jpeg":
		res.ContentType = "image/jpeg"
		err = jpeg.Encode(out, flatten(thumb), &jpeg.Options{Quality: s.quality()})
	case "png":
		res.ContentType = "image/png"
		err = png.Encode(out, thumb)
	}
	res.Size = out.n
	if err != nil {
		return Result{}, fmt.Errorf("thumbnail: writing: %w", err)
	}
	return res, nil
}

// check reports what is wrong with s, if anything.
func (s Spec) check() error {
	if s.Width < 1 || s.Width > MaxSide || s.Height < 1 || s.Height > MaxSide {
		return fmt.Errorf("%w: box %dx%d: each side must be 1 to %d", ErrSpec, s.Width, s.Height, MaxSide)
	}
	if s.MaxPixels < 0 {
		return fmt.Errorf("%w: MaxPixels %d is negative", ErrSpec, s.MaxPixels)
	}
	if int64(s.Width)*int64(s.Height) > s.maxPixels() {
		return fmt.Errorf("%w: box %dx%d is over the pixel cap %d", ErrSpec, s.Width, s.Height, s.maxPixels())
	}
	if s.Format != "" && s.Format != "jpeg" && s.Format != "png" {
		return fmt.Errorf("%w: format %q: want \"jpeg\", \"png\" or empty", ErrSpec, s.Format)
	}
	if s.Quality < 0 || s.Quality > 100 {
		return fmt.Errorf("%w: quality %d: want 1 to 100, or 0 for %d", ErrSpec, s.Quality, DefaultQuality)
	}
	for _, c := range []byte(s.Name) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%w: name %q: use letters, digits, '-' and '_'", ErrSpec, s.Name)
		}
	}
	return nil
}

func (s Spec) maxPixels() int64 {
	if s.MaxPixels == 0 {
		return DefaultMaxPixels
	}
	return s.MaxPixels
}

func (s Spec) maxMemory() int64 {
	if s.MaxMemory <= 0 {
		return DefaultMaxMemory
	}
	return s.MaxMemory
}

func (s Spec) budget() *Budget {
	if s.Budget == nil {
		return processBudget
	}
	return s.Budget
}

func (s Spec) quality() int {
	if s.Quality == 0 {
		return DefaultQuality
	}
	return s.Quality
}

func (s Spec) name() string {
	if s.Name == "" {
		return DefaultName
	}
	return s.Name
}

// flatten returns m drawn over white when it has transparent pixels: JPEG has
// no alpha, and its encoder would otherwise show them as black.
func flatten(m *image.RGBA) image.Image {
	if m.Opaque() {
		return m
	}
	white := image.NewRGBA(m.Rect)
	draw.Draw(white, white.Rect, image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(white, white.Rect, m, m.Rect.Min, draw.Over)
	return white
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
