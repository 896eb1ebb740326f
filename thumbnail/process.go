package thumbnail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// Process makes the thumbnail of a completed upload and stores it beside
// the upload: the shape of an upload completion step, without depending on
// the uploader. open reads the upload; create stores a new file next to it
// under name, which is s.Name plus ".jpg" or ".png" and safe as one path
// element (the caller adds what ties it to the upload, such as the upload's
// ID), with the given content type.
//
// The thumbnail is made in memory and handed to create only once it is
// complete, so an image that fails leaves nothing behind. The returned fields are for
// the upload's JSON reply: one Result under s.Name ("thumbnail" by default),
// which encodes as
//
//	{"thumbnail": {"name": "thumbnail.jpg", "width": 100, "height": 75, "type": "image/jpeg", "size": 3144}}
//
// An upload that is not a supported image (ErrFormat: a PDF, a text file,
// an animated WebP) gets no thumbnail and no fields, and is no error, so
// one uploader can take documents and images alike. Every other failure is
// an error: the pixel cap (ErrTooManyPixels), a corrupt image (ErrCorrupt),
// an invalid Spec (ErrSpec), or the error of open, create, the upload's
// reader, the writer's Write or Close, or ctx, which is checked at every
// read of the upload.
func (s Spec) Derive(ctx context.Context, open func() (io.ReadCloser, error), create func(name, contentType string) (io.WriteCloser, error)) (map[string]any, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	src, err := open()
	if err != nil {
		return nil, fmt.Errorf("thumbnail: opening the upload: %w", err)
	}
	var buf bytes.Buffer
	res, err := s.make(ctx, &buf, src)
	src.Close() // read-only: its error tells nothing more
	if errors.Is(err, ErrFormat) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}

	res.Name = s.name() + ".jpg"
	if res.ContentType == "image/png" {
		res.Name = s.name() + ".png"
	}
	w, err := create(res.Name, res.ContentType)
	if err != nil {
		return nil, fmt.Errorf("thumbnail: creating %s: %w", res.Name, err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		w.Close()
		return nil, fmt.Errorf("thumbnail: writing %s: %w", res.Name, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("thumbnail: writing %s: %w", res.Name, err)
	}
	return map[string]any{s.name(): res}, nil
}
