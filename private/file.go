package private

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// File describes a stored file that a request asks for. Handler fills it
// in before asking Authorize, and hands it to the Sender after.
type File struct {
	// Key names the file in the Handler's Root or Bucket.
	Key string
	// Name is the name the browser saves the file as: Handler.Name's
	// answer, by default the last element of Key.
	Name string
	// Size is the file's length in bytes.
	Size int64
	// ModTime is when the file was last written.
	ModTime time.Time
	// ContentType is the type the file is served as, from Name's extension
	// confirmed by the file's first bytes (see Handler).
	ContentType string
	// ETag is the file's strong entity tag, quotes included: the bucket's,
	// or else one made from Size and ModTime.
	ETag string
	// Parent is the object the file belongs to, as the app knows it: the
	// one given to Handler.Serve, or else Handler.Parent's answer. It is
	// nil when the app gives none.
	Parent any

	// Set by open: exactly one of local and bucket.
	local  *os.File
	bucket *blob.Bucket
	head   []byte // the first bytes, up to sniffLen
	dir    string // the Root's directory, for XSendfile
}

// errMissing marks a file that is not there to serve: the answer is 404.
var errMissing = errors.New("private: no such file")

// openLocal opens key in root and describes it.
func openLocal(root *os.Root, key string) (*File, error) {
	osf, err := root.Open(key)
	if err != nil {
		return nil, localError(err)
	}
	f := &File{Key: key, local: osf, dir: root.Name()}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		osf.Close()
		return nil, fmt.Errorf("%w: %s is not a regular file", errMissing, key)
	}
	f.Size, f.ModTime = st.Size(), st.ModTime()
	f.head = make([]byte, min(f.Size, sniffLen))
	if _, err := osf.ReadAt(f.head, 0); err != nil && !errors.Is(err, io.EOF) {
		osf.Close()
		return nil, err
	}
	f.ETag = sizeTimeETag(f.Size, f.ModTime)
	return f, nil
}

// localError tells a missing file (or a path that os.Root refuses: it
// leaves the root, loops, or crosses a file) from the server's own trouble.
func localError(err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrInvalid),
		errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENAMETOOLONG),
		errors.As(err, &pe) && pe.Err.Error() == "path escapes from parent":
		return fmt.Errorf("%w: %w", errMissing, err)
	}
	return err
}

// openBucket describes key in b, reading its first bytes.
func openBucket(ctx context.Context, b *blob.Bucket, key string) (*File, error) {
	attrs, err := b.Attributes(ctx, key)
	if err != nil {
		return nil, bucketError(err)
	}
	f := &File{Key: key, bucket: b, Size: attrs.Size, ModTime: attrs.ModTime, ETag: bucketETag(attrs)}
	if f.Size > 0 {
		// An empty range of an empty object is an error in S3: read only
		// what is there.
		r, err := b.NewRangeReader(ctx, key, 0, min(f.Size, sniffLen), nil)
		if err != nil {
			return nil, bucketError(err)
		}
		defer r.Close()
		f.head, err = io.ReadAll(r)
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

func bucketError(err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("%w: %w", errMissing, err)
	}
	return err
}

// close releases what open took.
func (f *File) close() {
	if f.local != nil {
		f.local.Close()
	}
}

// sizeTimeETag is a strong tag for a file that changes only by being
// rewritten: the size and the modification time, in nanoseconds.
func sizeTimeETag(size int64, mod time.Time) string {
	return `"` + strconv.FormatInt(size, 36) + "-" + strconv.FormatInt(mod.UnixNano(), 36) + `"`
}

// bucketETag is the bucket's own strong tag when it gives one, else the
// MD5 of the content, else one from size and time.
func bucketETag(a *blob.Attributes) string {
	if t := a.ETag; len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' && etagChars(t[1:len(t)-1]) {
		return t
	}
	if t := a.ETag; t != "" && !strings.HasPrefix(t, "W/") && etagChars(t) {
		return `"` + t + `"`
	}
	if len(a.MD5) > 0 {
		return `"` + hex.EncodeToString(a.MD5) + `"`
	}
	return sizeTimeETag(a.Size, a.ModTime)
}

// etagChars says whether s holds only the characters an entity tag may.
func etagChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != 0x21 && (c < 0x23 || c > 0x7e) {
			return false
		}
	}
	return true
}
