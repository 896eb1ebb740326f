package private

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// Files is where a Handler finds the files it serves: Dir for a local
// directory, bucket.Files (package private/bucket) for a gocloud.dev/blob
// bucket, or the app's own.
type Files interface {
	// Open opens the file stored under key, a key the Handler has
	// checked (a slash-separated path with no empty, "." or ".." element,
	// no backslash and no control character). A file that is not there is
	// an error wrapping fs.ErrNotExist, answered 404.
	Open(ctx context.Context, key string) (Content, error)
}

// Content is a file that Files opened: what a Handler needs to describe
// it and send it. The Handler closes it when the request is done.
type Content interface {
	// Size is the file's length in bytes.
	Size() int64
	// ModTime is when the file was last written.
	ModTime() time.Time
	// ETag is the file's strong entity tag, quotes included, or "" to
	// have the Handler make one from Size and ModTime.
	ETag() string
	// ReadRange reads length bytes of the file from offset, or the rest
	// of it when length is negative. The Handler reads only what the
	// request needs: the first bytes to confirm the type, then the ranges
	// asked for.
	ReadRange(ctx context.Context, offset, length int64) (io.ReadCloser, error)
	// Close releases the file, after the Handler has closed every
	// reader ReadRange returned.
	Close() error
}

// Dir is Files in a local directory. Keys are paths below Root; os.Root
// keeps every access inside, symbolic links too. Its files go out with
// sendfile(2) where the system has it, and nginx or Apache can send them
// (XAccelRedirect, XSendfile).
type Dir struct {
	Root *os.Root
}

// Open implements Files.
func (d Dir) Open(ctx context.Context, key string) (Content, error) {
	if d.Root == nil {
		return nil, errors.New("private: Dir has no Root")
	}
	osf, err := d.Root.Open(key)
	if err != nil {
		return nil, localError(err)
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		osf.Close()
		return nil, fmt.Errorf("%w: %s is not a regular file", fs.ErrNotExist, key)
	}
	return &dirFile{File: osf, info: st, dir: d.Root.Name()}, nil
}

// dirFile is a file of a Dir.
type dirFile struct {
	*os.File
	info fs.FileInfo
	dir  string // the Root's directory, for XSendfile
}

func (f *dirFile) Size() int64        { return f.info.Size() }
func (f *dirFile) ModTime() time.Time { return f.info.ModTime() }
func (f *dirFile) ETag() string       { return "" }

func (f *dirFile) ReadRange(ctx context.Context, offset, length int64) (io.ReadCloser, error) {
	if length < 0 {
		length = max(f.Size()-offset, 0)
	}
	return io.NopCloser(io.NewSectionReader(f.File, offset, length)), nil
}

// localError tells a missing file (or a path that os.Root refuses: it
// leaves the root, loops, or crosses a file) from the server's own trouble.
func localError(err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return err
	case errors.Is(err, fs.ErrInvalid),
		errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENAMETOOLONG),
		errors.As(err, &pe) && pe.Err.Error() == "path escapes from parent":
		return fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	return err
}
