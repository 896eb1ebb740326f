package sticky

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
)

// putWhole stores a whole file of unknown length from src as a new upload:
// it writes the data, asks check about the copy (its length and error),
// then writes the upload's .info once, complete, in the filestore's own
// format. That is two files created, where going through tusd's upload
// steps opens five (the .info written, rewritten once the length is known,
// read back), and creating a file is most of the cost of a small upload on
// a slow disk.
//
// Until its .info is written the data is not an upload: its id is known to
// no one, an empty .info names no upload, and Sweep removes both as orphans
// once they are older than the TTL. Whatever fails, nothing is left behind.
// The error of a failed step is given to check, which explains it.
func (d *DiskUploads) putWhole(info handler.FileInfo, src io.Reader, check func(int64, error) error) (string, int64, error) {
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
func (d *DiskUploads) create(path string) (*os.File, error) {
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
