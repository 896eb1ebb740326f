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
func New(bucket *blob.Bucket) sticky.Vault { return vault{bucket} }

type vault struct{ b *blob.Bucket }

func (v vault) Create(ctx context.Context, key, name, contentType string) (sticky.VaultWriter, error) {
	// The writer is aborted when its context ends before Close.
	wctx, abort := context.WithCancel(ctx)
	opts := &blob.WriterOptions{ContentType: contentType}
	if name != "" {
		opts.ContentDisposition = mime.FormatMediaType("attachment", map[string]string{"filename": name})
	}
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
