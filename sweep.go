package sticky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/s3store"
)

// Lister is a temporary store that can find its uploads, which tusd's
// DataStore cannot: what Uploader.Sweep needs to expire the abandoned ones.
// DiskUploads and S3Uploads implement it. A store that does not must be
// expired by the storage itself (an S3 lifecycle rule, for instance).
type Lister interface {
	// UploadsBefore yields the uploads last written before t, in no
	// particular order. It stops at the first error it yields, or goes on
	// past it when the error concerns a single upload.
	UploadsBefore(ctx context.Context, t time.Time) iter.Seq2[StoredUpload, error]
}

// StoredUpload is an upload found by a Lister.
type StoredUpload struct {
	// ID is the upload's id, as the store's GetUpload takes it.
	ID string
	// Modified is when the upload was last written.
	Modified time.Time
}

// DiskUploads is a temporary store in a local directory: tusd's filestore,
// made able to list its uploads. DiskStore makes one; New also turns a
// filestore.FileStore given as Config.Store into one.
type DiskUploads struct {
	filestore.FileStore
}

// UploadsBefore yields the uploads in the directory last written before t.
// It implements Lister.
func (d *DiskUploads) UploadsBefore(ctx context.Context, t time.Time) iter.Seq2[StoredUpload, error] {
	return func(yield func(StoredUpload, error) bool) {
		entries, err := os.ReadDir(d.Path)
		if err != nil {
			yield(StoredUpload{}, fmt.Errorf("sticky: listing %s: %w", d.Path, err))
			return
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				yield(StoredUpload{}, err)
				return
			}
			id, ok := strings.CutSuffix(e.Name(), ".info")
			if !ok || !e.Type().IsRegular() {
				continue
			}
			modified, err := d.modified(id)
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed meanwhile
			}
			if err != nil {
				if !yield(StoredUpload{}, err) {
					return
				}
				continue
			}
			if modified.Before(t) && !yield(StoredUpload{ID: id, Modified: modified}, nil) {
				return
			}
		}
	}
}

// removeOrphans removes data files last written before t whose .info file
// is gone or was cut off: what an upload leaves when it is cut at the wrong
// moment (the info removed, the data still being written; a whole file's
// data written, its info not). They are not uploads, so UploadsBefore does
// not list them.
func (d *DiskUploads) removeOrphans(ctx context.Context, t time.Time) (removed int, err error) {
	entries, err := os.ReadDir(d.Path)
	if err != nil {
		return 0, fmt.Errorf("sticky: listing %s: %w", d.Path, err)
	}
	var errs []error
	for _, e := range entries {
		if ctx.Err() != nil {
			return removed, ctx.Err()
		}
		name := e.Name()
		if !uploadID(name) || !e.Type().IsRegular() {
			continue // not an upload's data file
		}
		infoPath := filepath.Join(d.Path, name+".info")
		ist, err := os.Lstat(infoPath)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil || !ist.Mode().IsRegular() || !ist.ModTime().Before(t):
			continue
		default:
			// An .info that does not name its upload was cut off while it
			// was written: the upload was never whole.
			if _, err := d.modified(name); !errors.Is(err, fs.ErrNotExist) {
				continue
			}
		}
		st, err := e.Info()
		if err != nil || !st.ModTime().Before(t) {
			continue
		}
		if err := os.Remove(filepath.Join(d.Path, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		if ist != nil {
			if err := os.Remove(infoPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// uploadID reports whether name is shaped like the id of an upload in the
// disk store: 16 or more letters, digits, '-' or '_' (tusd makes 32 hex
// digits), nothing else.
func uploadID(name string) bool {
	if len(name) < 16 || len(name) > 128 {
		return false
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// modified returns when upload id was last written: its info file or its
// data, whichever changed last. The info must name the upload, so that a
// stray .info file of something else in the directory is never taken for
// one.
func (d *DiskUploads) modified(id string) (time.Time, error) {
	infoPath := filepath.Join(d.Path, id+".info")
	data, err := os.ReadFile(infoPath)
	if err != nil {
		return time.Time{}, err
	}
	var info handler.FileInfo
	if json.Unmarshal(data, &info) != nil || info.ID != id {
		return time.Time{}, fs.ErrNotExist
	}
	var latest time.Time
	for _, p := range []string{infoPath, filepath.Join(d.Path, id)} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) && p != infoPath {
			continue
		}
		if err != nil {
			return time.Time{}, err
		}
		if st.ModTime().After(latest) {
			latest = st.ModTime()
		}
	}
	return latest, nil
}

// Sweep removes the temporary uploads last written longer than Config.TTL
// ago: files chosen but never submitted. Their references have expired, so
// nothing is lost. It needs a store that implements Lister, as the disk and
// S3 stores do, and returns how many uploads it removed.
//
// Several servers may sweep the same store at once: an upload another
// removed first is no error. Sweep goes on past the uploads it cannot
// remove and reports them in err.
func (u *Uploader) Sweep(ctx context.Context) (removed int, err error) {
	return u.sweepBefore(ctx, u.sign.now().Add(-u.ttl))
}

func (u *Uploader) sweepBefore(ctx context.Context, t time.Time) (removed int, err error) {
	lister, ok := u.store.(Lister)
	if !ok {
		return 0, fmt.Errorf("sticky: the temporary store (%T) cannot list its uploads, so Sweep cannot expire them; let the storage expire them instead", u.store)
	}
	var errs []error
	for s, err := range lister.UploadsBefore(ctx, t) {
		if err == nil {
			err = u.remove(ctx, s.ID)
		}
		switch {
		case errors.Is(err, handler.ErrNotFound):
		case err != nil:
			errs = append(errs, err)
			if ctx.Err() != nil || len(errs) == 10 {
				return removed, errors.Join(errs...)
			}
		default:
			removed++
		}
	}
	if d, ok := u.store.(*DiskUploads); ok {
		n, err := d.removeOrphans(ctx, t)
		removed += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	if s, ok := u.store.(*S3Uploads); ok {
		if err := s.removeStaleLocks(ctx, t); err != nil {
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

func (u *Uploader) remove(ctx context.Context, id string) error {
	up, err := u.store.GetUpload(ctx, id)
	if err != nil {
		return err
	}
	if err := u.term.AsTerminatableUpload(up).Terminate(ctx); err != nil {
		return fmt.Errorf("sticky: removing upload %s: %w", id, err)
	}
	return nil
}

// SweepEvery calls Sweep now and then every d until ctx is done, logging
// what it removed and what failed. Run it in its own goroutine:
//
//	go up.SweepEvery(ctx, 10*time.Minute)
//
// It returns at once, after logging why, when the store cannot list its
// uploads or d is not positive.
func (u *Uploader) SweepEvery(ctx context.Context, d time.Duration) {
	if _, ok := u.store.(Lister); !ok {
		_, err := u.Sweep(ctx)
		u.log.Error("sticky: no sweeping", "err", err)
		return
	}
	if d <= 0 {
		u.log.Error("sticky: no sweeping: the interval must be positive", "every", d)
		return
	}
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		removed, err := u.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			u.log.Error("sticky: sweeping the temporary store", "removed", removed, "err", err)
		} else if removed > 0 {
			u.log.Info("sticky: swept abandoned uploads", "removed", removed)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// adopt gives tusd's own stores, when New is handed them as they are, what
// sticky needs of them besides: listing, and for s3store the last part of a
// one-shot upload (see s3Upload).
func adopt(store handler.DataStore) handler.DataStore {
	switch s := store.(type) {
	case filestore.FileStore:
		return &DiskUploads{s}
	case *filestore.FileStore:
		return &DiskUploads{*s}
	case s3store.S3Store:
		return &S3Uploads{s}
	case *s3store.S3Store:
		return &S3Uploads{*s}
	}
	return store
}
