package sticky

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// Checksums of resumable uploads, which come in chunks, over several
// requests and perhaps several servers.
//
// The file's SHA-256 (File.SHA256) is a running hash: each chunk is hashed
// as it is written, and the hash's state (sha256's MarshalBinary) is kept
// in the temporary store after every chunk but the last, in a small upload
// beside the file named after the offset it has hashed up to. The next
// chunk, on any server, goes on from it. The state is written after its
// chunk, so a state found for an offset is always right; a chunk without
// one (a server stopped between the two writes, a write cut short) stops
// the running hash, and the stored bytes are read back once, when the
// upload completes. Reading every upload back instead would cost a second
// pass over each file, on the request that completes it; the kept state
// costs a write of about a hundred bytes per chunk.
//
// tus's checksum extension checks each chunk on its way: a PATCH (or a
// creation with its first bytes) may carry Upload-Checksum, "<algorithm>
// <base64 digest>". The chunk is then spooled to a temporary file while it
// is hashed, and stored only when it matches; otherwise it is refused with
// 460 and nothing of it is stored, so the client sends it again from the
// same offset.

// checksumAlgorithms are the algorithms Upload-Checksum may name, as the
// Tus-Checksum-Algorithm header lists them.
var checksumAlgorithms = map[string]func() hash.Hash{"sha1": sha1.New, "sha256": sha256.New}

const checksumAlgorithmList = "sha1,sha256"

// chunkChecksum is what a request's Upload-Checksum asks of its chunk.
type chunkChecksum struct {
	newHash func() hash.Hash
	want    []byte
}

var errChunkChecksum = fail(ErrChecksum, "checksum.damaged")

// parseChecksum reads an Upload-Checksum header.
func parseChecksum(header string) (*chunkChecksum, error) {
	algo, digest, _ := strings.Cut(header, " ")
	newHash, ok := checksumAlgorithms[algo]
	if !ok {
		return nil, fail(ErrMalformed, "checksum.algorithm", "algorithms", checksumAlgorithmList)
	}
	want, err := base64.StdEncoding.DecodeString(digest)
	if err != nil || len(want) != newHash().Size() {
		return nil, fail(ErrMalformed, "checksum.digest")
	}
	return &chunkChecksum{newHash: newHash, want: want}, nil
}

// A spooler is a temporary store that has room of its own for a chunk
// while its checksum is checked, rather than os.TempDir: DiskStore is one.
type spooler interface {
	spoolFile() (*os.File, error)
}

// spoolFile creates a file for a chunk in the store's directory, named
// like an orphaned data file, so that Tidy removes it if a crash leaves it.
func (d *DiskStore) spoolFile() (*os.File, error) {
	return os.OpenFile(filepath.Join(d.Path, "spool_"+NewKey()), os.O_CREATE|os.O_EXCL|os.O_RDWR, d.FileModePerm)
}

// spoolChunk copies the chunk from src to a temporary file, hashing it. It
// returns the file, at its start, when the chunk has the digest cs wants;
// the caller closes and removes it. want is the chunk's length when it is
// known: a chunk cut short returns no file and no error, for tusd to
// report its body's error.
func (u *Uploader) spoolChunk(src io.Reader, cs *chunkChecksum, want int64) (*os.File, error) {
	var f *os.File
	var err error
	if s, ok := u.store.(spooler); ok {
		f, err = s.spoolFile()
	} else {
		f, err = os.CreateTemp("", "sticky-chunk-*")
	}
	if err != nil {
		return nil, u.storeFailure(err)
	}
	drop := func() { f.Close(); os.Remove(f.Name()) }
	sum := cs.newHash()
	n, err := io.Copy(io.MultiWriter(f, sum), src)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	switch {
	case err != nil:
		drop()
		return nil, u.storeFailure(err)
	case want >= 0 && n < want:
		drop()
		return nil, nil
	case !bytes.Equal(sum.Sum(nil), cs.want):
		drop()
		return nil, errChunkChecksum
	}
	return f, nil
}

// hashStateID names the state of upload id's running hash up to offset.
func (u *Uploader) hashStateID(id string, offset int64) string {
	return u.uploadName(id) + ".sha256-" + strconv.FormatInt(offset, 10)
}

// maxHashState bounds a kept hash state, in bytes (sha256's is 108).
const maxHashState = 1 << 10

// resumeHash returns upload id's running hash up to offset: a new one at
// 0, the kept state elsewhere, nil when there is none to go on from.
func (u *Uploader) resumeHash(ctx context.Context, id string, offset int64) hash.Hash {
	h := sha256.New()
	if offset == 0 {
		return h
	}
	up, err := u.findUpload(ctx, u.hashStateID(id, offset))
	if err != nil {
		return nil
	}
	info, err := up.GetInfo(ctx)
	if err != nil || info.SizeIsDeferred || info.Offset != info.Size {
		return nil
	}
	rc, err := up.GetReader(ctx)
	if err != nil {
		return nil
	}
	defer rc.Close()
	state, err := io.ReadAll(io.LimitReader(rc, maxHashState))
	if err != nil || h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state) != nil {
		return nil
	}
	return h
}

// keepHash records upload id's running hash h, which has hashed the
// upload up to end: for the request that completes the upload, the
// file's checksum; otherwise its state, beside the upload. The state it
// goes on from, at offset, is removed.
func (u *Uploader) keepHash(ctx context.Context, req *tusRequest, id string, size, offset, end int64, h hash.Hash) {
	if end == size {
		req.sha256 = hex.EncodeToString(h.Sum(nil))
	} else if state, err := h.(encoding.BinaryMarshaler).MarshalBinary(); err == nil {
		info := handler.FileInfo{ID: u.hashStateID(id, end), MetaData: handler.MetaData{
			"filename": "sha256-state",
			"parent":   id,
			"expires":  strconv.FormatInt(time.Now().Add(u.ttl).Unix(), 10),
		}}
		if _, err := u.putSmall(ctx, info, state, maxHashState); err != nil {
			u.log.Warn("sticky: keeping an upload's running checksum; it will be read back when complete", "err", err)
		}
	}
	if offset > 0 {
		u.removeHashState(ctx, id, offset)
	}
}

// removeHashState removes the state of upload id's running hash up to
// offset, if there is one.
func (u *Uploader) removeHashState(ctx context.Context, id string, offset int64) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	up, err := u.findUpload(ctx, u.hashStateID(id, offset))
	if err == nil {
		err = u.term.AsTerminatableUpload(up).Terminate(ctx)
	}
	if err != nil && !errors.Is(err, handler.ErrNotFound) && !errors.Is(err, os.ErrNotExist) {
		u.log.Warn("sticky: removing an upload's running checksum", "err", err)
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
