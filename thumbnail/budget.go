package thumbnail

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"

	"golang.org/x/sync/semaphore"
)

// Memory limits, used when a Spec leaves them zero.
const (
	// DefaultMaxMemory bounds what one image may take to decode and
	// scale: 256 MiB takes a 40-megapixel baseline JPEG or 8-bit PNG,
	// and a 12-megapixel progressive JPEG; it refuses a 40-megapixel
	// 16-bit PNG (320 MB decoded) or progressive JPEG (600 MB).
	DefaultMaxMemory = 256 << 20
	// DefaultBudget is the memory all image work of a process may take at
	// once when Spec.Budget is nil: images beyond it wait their turn.
	DefaultBudget = 384 << 20
)

// A Budget bounds the memory that image work takes at once: each image
// reserves what it needs to decode and scale before it starts, and waits
// while the budget is spent, so that many uploads completing together wait
// their turn instead of multiplying the memory. Specs that share a Budget
// share its bytes; a nil Spec.Budget means one budget of DefaultBudget
// shared by the whole process. A Budget is safe for concurrent use.
type Budget struct {
	size int64
	sem  *semaphore.Weighted
}

// NewBudget returns a budget of size bytes.
func NewBudget(size int64) *Budget {
	return &Budget{size: size, sem: semaphore.NewWeighted(size)}
}

var processBudget = NewBudget(DefaultBudget)

// reserve waits until n bytes of b are free and takes them, until ctx ends.
func (b *Budget) reserve(ctx context.Context, n int64) (release func(), err error) {
	if n > b.size {
		return nil, fmt.Errorf("%w: needs %d MiB, more than the whole budget of %d MiB", ErrTooManyPixels, n>>20, b.size>>20)
	}
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { b.sem.Release(n) }, nil
}

// memoryNeed estimates the bytes an image takes from its header to its
// thumbnail: the decoder's pixels (bytes per pixel by format and color
// model, a progressive JPEG's coefficients, a GIF's screen and frame), the
// box filter's copy (at most a pixel's 4 bytes for every 4 source pixels),
// and the thumbnail, flattened.
func memoryNeed(f *format, cfg image.Config, head []byte, box int64) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	var perPixel int64
	switch f.name {
	case "jpeg":
		comps := int64(3)
		switch cfg.ColorModel {
		case color.GrayModel:
			comps = 1
		case color.CMYKModel:
			comps = 4
		}
		perPixel = comps
		if progressiveJPEG(head) {
			perPixel += comps * 4 // a block of int32 coefficients for every 8×8 pixels of a component
		}
	case "png":
		switch cfg.ColorModel {
		case color.GrayModel:
			perPixel = 1
		case color.Gray16Model:
			perPixel = 2
		case color.RGBA64Model, color.NRGBA64Model:
			perPixel = 8
		default:
			if _, ok := cfg.ColorModel.(color.Palette); ok {
				perPixel = 1
			} else {
				perPixel = 4
			}
		}
	case "gif":
		perPixel = 1 + 4 // the frame, paletted, drawn onto an RGBA screen
	default: // webp: 8-bit, at most RGBA
		perPixel = 4
	}
	return px*perPixel + px + 8*box
}

// progressiveJPEG reports whether a JPEG header has a progressive frame
// (SOF2) marker.
func progressiveJPEG(head []byte) bool {
	return bytes.Contains(head, []byte{0xff, 0xc2})
}
