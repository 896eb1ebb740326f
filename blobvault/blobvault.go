// Package blobvault keeps sticky's saved files in a gocloud.dev/blob
// bucket: S3 and S3-compatible servers, Google Cloud Storage, Azure Blob
// Storage, a local directory or memory, their drivers imported by the
// program.
//
//	bucket, err := blob.OpenBucket(ctx, "s3://myapp?prefix=documents/")
//	docs := &sticky.Permanent{Vault: blobvault.New(bucket)}
package blobvault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"mime"
	"strings"

	"github.com/stickyuploads/sticky"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// New returns a Vault in bucket. A file is stored with its content type
// and, when it has a name, "Content-Disposition: attachment" with the
// name, so that one served straight from the bucket downloads instead of
// displaying under the bucket's origin.
//
// A write is aborted by cancelling its context, so nothing half-written
// appears under a key. On S3 a process killed in the middle of a large
// write leaves an incomplete multipart upload, invisible and not listed:
// expire those with a lifecycle rule (AbortIncompleteMultipartUpload). The
// file driver keeps its half-written files in os.TempDir().
//
// Over an S3 bucket (gocloud.dev/blob/s3blob) the Vault is a
// sticky.BucketVault: when the temporary uploads are in the same S3
// service (package sticky/s3), Permanent.Save has the service copy them,
// and their bytes do not pass through the app.
func New(bucket *blob.Bucket) sticky.Vault { return vault{bucket} }

type vault struct{ b *blob.Bucket }

// disposition is the Content-Disposition of a file named name: an
// attachment, with its name; none for a file without one.
func disposition(name string) string {
	if name == "" {
		return ""
	}
	return mime.FormatMediaType("attachment", map[string]string{"filename": name})
}

func (v vault) Create(ctx context.Context, key, name, contentType string) (sticky.VaultWriter, error) {
	// The writer is aborted when its context ends before Close.
	wctx, abort := context.WithCancel(ctx)
	opts := &blob.WriterOptions{ContentType: contentType, ContentDisposition: disposition(name)}
	w, err := v.b.NewWriter(wctx, key, opts)
	if err != nil {
		abort()
		return nil, fmt.Errorf("blobvault: create %s: %w", key, err)
	}
	return &writer{w: w, abort: abort}, nil
}

type writer struct {
	w     *blob.Writer
	abort context.CancelFunc
	done  bool
}

func (w *writer) Write(p []byte) (int, error) { return w.w.Write(p) }

func (w *writer) Commit() error {
	if w.done {
		return fmt.Errorf("blobvault: writer already finished")
	}
	w.done = true
	defer w.abort()
	return w.w.Close()
}

func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.abort()
	w.w.Close() // reports the cancellation
	return nil
}

func (v vault) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := v.b.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, &fs.PathError{Op: "open", Path: key, Err: fs.ErrNotExist}
	}
	return r, err
}

func (v vault) Delete(ctx context.Context, key string) error {
	if err := v.b.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return err
	}
	return nil
}

func (v vault) List(ctx context.Context, dir string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		prefix := strings.TrimSuffix(dir, "/")
		if prefix != "" {
			prefix += "/"
		}
		it := v.b.List(&blob.ListOptions{Prefix: prefix, Delimiter: "/"})
		for {
			obj, err := it.Next(ctx)
			if err == io.EOF {
				return
			}
			if err != nil {
				yield("", err)
				return
			}
			if obj.IsDir {
				continue
			}
			if !yield(obj.Key, nil) {
				return
			}
		}
	}
}

// errAsked stops the copy that BucketObject's As starts only to read the
// request the driver would send.
var errAsked = errors.New("blobvault: the copy's request was only looked at")

// BucketObject describes the object that key is written to, for a copy
// inside the service. Its As gives the bucket's client (blob.Bucket.As)
// and, for the driver's type of a copy request (for S3, a
// **s3.CopyObjectInput), the request the driver would send to write key:
// its bucket, and the key with any prefix of blob.PrefixedBucket or of the
// URL. That request is only read, never sent. It implements
// sticky.BucketVault.
func (v vault) BucketObject(ctx context.Context, key, name, contentType string) sticky.BucketObject {
	return sticky.BucketObject{
		ContentType:        contentType,
		ContentDisposition: disposition(name),
		As: func(target any) bool {
			if v.b.As(target) {
				return true
			}
			found := false
			// BeforeCopy stops the copy before any request; a driver that
			// would read the source first finds nothing there.
			src := ".sticky-saves/no-such-object-" + sticky.NewKey()
			err := v.b.Copy(ctx, key, src, &blob.CopyOptions{BeforeCopy: func(as func(any) bool) error {
				found = as(target)
				return errAsked
			}})
			return found && errors.Is(err, errAsked)
		},
	}
}

var _ sticky.BucketVault = vault{}
