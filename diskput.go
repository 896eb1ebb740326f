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
// steps opens five (the .info written empty-sized, rewritten, read back),
// which is most of the cost of a small upload on a disk where creating a
// file is slow.
//
// Until its .info exists the data is not an upload: GetUpload does not find
// it, and Sweep removes it as an orphan once it is older than the TTL.
// Whatever fails, nothing is left behind. The error of a failed step is
// given to check, which explains it.
func (d *DiskUploads) putWhole(info handler.FileInfo, src io.Reader, check func(int64, error) error) (string, int64, error) {
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	binPath := filepath.Join(d.Path, id)
	infoPath := binPath + ".info"

	f, err := d.create(binPath)
	if err != nil {
		return "", 0, check(0, err)
	}
	size, err := io.Copy(f, src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err = check(size, err); err != nil {
		os.Remove(binPath)
		return "", 0, err
	}

	info.ID = id
	info.Size, info.Offset, info.SizeIsDeferred = size, size, false
	info.Storage = map[string]string{
		"Type":                       "filestore",
		filestore.StorageKeyPath:     binPath,
		filestore.StorageKeyInfoPath: infoPath,
	}
	data, err := json.Marshal(info)
	if err == nil {
		err = d.writeNew(infoPath, data)
	}
	if err != nil {
		os.Remove(binPath)
		return "", 0, check(size, err)
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

// writeNew writes data to a new file at path; on failure it leaves none.
func (d *DiskUploads) writeNew(path string, data []byte) error {
	f, err := d.create(path)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
