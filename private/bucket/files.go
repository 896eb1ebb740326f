// Package bucket serves private files from a gocloud.dev/blob bucket (S3,
// Google Cloud Storage, Azure, or any other with a driver the app
// imports): Files for private.Handler's Files, and SignedRedirect, the
// Sender that has the bucket send the bytes.
//
//	files := &private.Handler{
//		Files:     bucket.Files{Bucket: b},
//		Authorize: mayRead,
//		Sender:    bucket.SignedRedirect{}, // or nil: Go streams the object
//	}
package bucket

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/stickyuploads/sticky/private"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// Files is private.Files in a bucket: keys are the objects' keys. Use
// blob.PrefixedBucket to confine a Handler to one part of a bucket.
//
// A file is read in ranges, as each request needs it: a small range of a
// large object costs the bucket a small read.
type Files struct {
	Bucket *blob.Bucket
}

// Open implements private.Files.
func (files Files) Open(ctx context.Context, key string) (private.Content, error) {
	if files.Bucket == nil {
		return nil, errors.New("bucket: Files has no Bucket")
	}
	attrs, err := files.Bucket.Attributes(ctx, key)
	if err != nil {
		return nil, notFound(err)
	}
	return &object{bucket: files.Bucket, key: key, attrs: attrs}, nil
}

// object is a file of Files.
type object struct {
	bucket *blob.Bucket
	key    string
	attrs  *blob.Attributes
}

func (o *object) Size() int64        { return o.attrs.Size }
func (o *object) ModTime() time.Time { return o.attrs.ModTime }
func (o *object) Close() error       { return nil }

// ETag is the bucket's own strong tag when it gives one, else the MD5 of
// the content when the bucket keeps it.
func (o *object) ETag() string {
	t := o.attrs.ETag
	switch {
	case strings.HasPrefix(t, `"`):
		return t
	case t != "" && !strings.HasPrefix(t, "W/"):
		return `"` + t + `"`
	case len(o.attrs.MD5) > 0:
		return `"` + hex.EncodeToString(o.attrs.MD5) + `"`
	}
	return ""
}

func (o *object) ReadRange(ctx context.Context, offset, length int64) (io.ReadCloser, error) {
	r, err := o.bucket.NewRangeReader(ctx, o.key, offset, length, nil)
	if err != nil {
		return nil, notFound(err)
	}
	return r, nil
}

// notFound marks the bucket's "no such object" as fs.ErrNotExist, which
// the Handler answers 404.
func notFound(err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	return err
}
