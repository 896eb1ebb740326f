package storetest

import (
	"context"
	"fmt"
	"io"
	"iter"
	"sync"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/tus/tusd/v2/pkg/handler"
)

// Faulty is a temporary store whose writes and reads can be made to fail
// part way, the way a full disk or a lost connection fails them. It wraps a
// store that sticky.New accepts, and lists uploads when that store does.
type Faulty struct {
	store handler.DataStore

	mu                    sync.Mutex
	writeAfter, readAfter int64
	writeErr, readErr     error
}

// NewFaulty wraps store. It works as store does until told to fail.
func NewFaulty(store handler.DataStore) *Faulty { return &Faulty{store: store} }

// FailWrites makes every later write to a new upload store its first after
// bytes and then fail with err; a nil err makes writes succeed again.
func (f *Faulty) FailWrites(after int64, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writeAfter, f.writeErr = after, err
}

// FailReads makes every later reader of an upload return its first after
// bytes and then fail with err; a nil err makes reads succeed again.
func (f *Faulty) FailReads(after int64, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.readAfter, f.readErr = after, err
}

func (f *Faulty) wrap(up handler.Upload) handler.Upload {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.writeErr == nil && f.readErr == nil {
		return up
	}
	return &faultyUpload{Upload: up, writeAfter: f.writeAfter, writeErr: f.writeErr, readAfter: f.readAfter, readErr: f.readErr}
}

// NewUpload implements handler.DataStore.
func (f *Faulty) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	up, err := f.store.NewUpload(ctx, info)
	if err != nil {
		return nil, err
	}
	return f.wrap(up), nil
}

// GetUpload implements handler.DataStore.
func (f *Faulty) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	up, err := f.store.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	return f.wrap(up), nil
}

// AsTerminatableUpload implements handler.TerminaterDataStore.
func (f *Faulty) AsTerminatableUpload(up handler.Upload) handler.TerminatableUpload {
	return f.store.(handler.TerminaterDataStore).AsTerminatableUpload(unwrap(up))
}

// AsLengthDeclarableUpload implements handler.LengthDeferrerDataStore.
func (f *Faulty) AsLengthDeclarableUpload(up handler.Upload) handler.LengthDeclarableUpload {
	return f.store.(handler.LengthDeferrerDataStore).AsLengthDeclarableUpload(unwrap(up))
}

// UploadsBefore implements sticky.Lister when the wrapped store does.
func (f *Faulty) UploadsBefore(ctx context.Context, t time.Time) iter.Seq2[sticky.StoredUpload, error] {
	if l, ok := f.store.(sticky.Lister); ok {
		return l.UploadsBefore(ctx, t)
	}
	return func(yield func(sticky.StoredUpload, error) bool) {
		yield(sticky.StoredUpload{}, fmt.Errorf("storetest: %T cannot list", f.store))
	}
}

// UploadName forwards to the store when it is a sticky.Namer.
func (f *Faulty) UploadName(id string) string {
	if n, ok := f.store.(sticky.Namer); ok {
		return n.UploadName(id)
	}
	return id
}

// GetUploadByName forwards to the store when it is a sticky.Namer.
func (f *Faulty) GetUploadByName(ctx context.Context, name string) (handler.Upload, error) {
	if n, ok := f.store.(sticky.Namer); ok {
		up, err := n.GetUploadByName(ctx, name)
		if err != nil {
			return nil, err
		}
		return f.wrap(up), nil
	}
	return f.GetUpload(ctx, name)
}

type faultyUpload struct {
	handler.Upload
	writeAfter, readAfter int64
	writeErr, readErr     error
}

func unwrap(up handler.Upload) handler.Upload {
	if f, ok := up.(*faultyUpload); ok {
		return f.Upload
	}
	return up
}

func (u *faultyUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	if u.writeErr == nil {
		return u.Upload.WriteChunk(ctx, offset, src)
	}
	n, err := u.Upload.WriteChunk(ctx, offset, io.LimitReader(src, u.writeAfter))
	if err != nil {
		return n, err
	}
	return n, fmt.Errorf("storetest: write after %d bytes: %w", n, u.writeErr)
}

func (u *faultyUpload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	rc, err := u.Upload.GetReader(ctx)
	if err != nil || u.readErr == nil {
		return rc, err
	}
	return &faultyReader{rc: rc, left: u.readAfter, err: u.readErr}, nil
}

type faultyReader struct {
	rc   io.ReadCloser
	left int64
	err  error
}

func (r *faultyReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, fmt.Errorf("storetest: read: %w", r.err)
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.rc.Read(p)
	r.left -= int64(n)
	return n, err
}

func (r *faultyReader) Close() error { return r.rc.Close() }
