package sticky

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
)

// DiskStore is a temporary store in a local directory: tusd's filestore,
// made able to list its uploads (Lister), remove what a crash left (Tidier)
// and store a whole file in two writes. It is the default Config.Store;
// NewDiskStore makes one in a directory of your choice.
type DiskStore struct {
	filestore.FileStore
}

// NewDiskStore returns a temporary store in dir, for Config.Store,
// creating dir with mode 0700; files are written with mode 0600. Nothing
// in it is ever served.
func NewDiskStore(dir string) (*DiskStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sticky: temporary directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sticky: temporary directory: %w", err)
	}
	s := filestore.New(dir)
	s.DirModePerm, s.FileModePerm = 0o700, 0o600
	return &DiskStore{s}, nil
}

// UploadsBefore yields the uploads in the directory last written before t.
// It implements Lister.
func (d *DiskStore) UploadsBefore(ctx context.Context, t time.Time) iter.Seq2[StoredUpload, error] {
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

// Tidy removes data files last written before t whose .info file is gone
// or was cut off: what an upload leaves when it is cut at the wrong moment
// (the info removed, the data still being written; a whole file's data
// written, its info not). They are not uploads, so UploadsBefore does not
// list them. It implements Tidier.
func (d *DiskStore) Tidy(ctx context.Context, t time.Time) (removed int, err error) {
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
func (d *DiskStore) modified(id string) (time.Time, error) {
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

// wholeWriter is a store that writes a whole file of unknown length in
// fewer steps than tusd's upload steps take; the disk store is one. It
// writes the upload's metadata after its bytes, so the metadata seal
// returns once they are all in (the checksum) is recorded with info's.
type wholeWriter interface {
	putWhole(info handler.FileInfo, src io.Reader, check func(int64, error) error, seal func() handler.MetaData) (string, int64, error)
}

// putWhole stores a whole file of unknown length from src as a new upload:
// it writes the data, asks check about the copy (its length and error),
// then writes the upload's .info once, complete, in the filestore's own
// format, with the metadata of info and of seal. That is two files created, where going through tusd's upload
// steps opens five (the .info written, rewritten once the length is known,
// read back), and creating a file is most of the cost of a small upload on
// a slow disk.
//
// Until its .info is written the data is not an upload: its id is known to
// no one, an empty .info names no upload, and Sweep removes both as orphans
// once they are older than the TTL. Whatever fails, nothing is left behind.
// The error of a failed step is given to check, which explains it.
func (d *DiskStore) putWhole(info handler.FileInfo, src io.Reader, check func(int64, error) error, seal func() handler.MetaData) (string, int64, error) {
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	binPath := filepath.Join(d.Path, id)
	infoPath := binPath + ".info"

	// The .info is created while the data streams: creating a file costs
	// about as much as writing a megabyte here, and the two overlap. Until
	// it is written it is empty, which no reader takes for an upload.
	type created struct {
		f   *os.File
		err error
	}
	infoFile := make(chan created, 1)
	go func() {
		f, err := d.create(infoPath)
		infoFile <- created{f, err}
	}()
	// fail removes what was written and returns err.
	infoOpen := true
	fail := func(err error) (string, int64, error) {
		if infoOpen {
			if c := <-infoFile; c.err == nil {
				c.f.Close()
				os.Remove(infoPath)
			}
		} else {
			os.Remove(infoPath)
		}
		os.Remove(binPath)
		return "", 0, err
	}

	f, err := d.create(binPath)
	if err != nil {
		return fail(check(0, err))
	}
	size, err := io.Copy(f, src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err := check(size, err); err != nil {
		return fail(err)
	}

	info.ID = id
	info.Size, info.Offset, info.SizeIsDeferred = size, size, false
	info.MetaData = maps.Clone(info.MetaData)
	if info.MetaData == nil {
		info.MetaData = handler.MetaData{}
	}
	maps.Copy(info.MetaData, seal())
	info.Storage = map[string]string{
		"Type":                       "filestore",
		filestore.StorageKeyPath:     binPath,
		filestore.StorageKeyInfoPath: infoPath,
	}
	data, err := json.Marshal(info)
	if err != nil {
		return fail(check(size, err))
	}
	c := <-infoFile
	infoOpen = false
	if c.err != nil {
		return fail(check(size, c.err))
	}
	_, err = c.f.Write(data)
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(check(size, err))
	}
	return id, size, nil
}

// create makes a new file in the store, with the store's modes, making the
// directory again if it was removed.
func (d *DiskStore) create(path string) (*os.File, error) {
	const flags = os.O_CREATE | os.O_EXCL | os.O_WRONLY
	f, err := os.OpenFile(path, flags, d.FileModePerm)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), d.DirModePerm); err != nil {
			return nil, err
		}
		f, err = os.OpenFile(path, flags, d.FileModePerm)
	}
	return f, err
}
