package private

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"
)

// File describes a stored file that a request asks for. Handler fills it
// in before asking Authorize, and hands it to the Sender after.
type File struct {
	// Key names the file in the Handler's Files.
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
	// ETag is the file's strong entity tag, quotes included: the one
	// Files gives (a bucket's own), or else one made from Size and
	// ModTime.
	ETag string
	// Parent is the object the file belongs to, as the app knows it: the
	// one given to Handler.Serve, or else Handler.Parent's answer. It is
	// nil when the app gives none.
	Parent any

	content Content
	head    []byte // the first bytes, up to sniffLen
}

// Content is the open file, as the Handler's Files gave it: for a Sender
// that needs more of it than File says, such as a bucket's signed URL.
func (f *File) Content() Content { return f.content }

// openFile opens key in files and describes it, reading its first bytes.
func openFile(ctx context.Context, files Files, key string) (*File, error) {
	c, err := files.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	f := &File{Key: key, Size: c.Size(), ModTime: c.ModTime(), ETag: c.ETag(), content: c}
	if !validETag(f.ETag) {
		f.ETag = sizeTimeETag(f.Size, f.ModTime)
	}
	if f.Size > 0 {
		// An empty range of an empty object is an error in S3: read only
		// what is there.
		r, err := c.ReadRange(ctx, 0, min(f.Size, sniffLen))
		if err != nil {
			c.Close()
			return nil, err
		}
		f.head, err = io.ReadAll(r)
		r.Close()
		if err != nil {
			c.Close()
			return nil, err
		}
	}
	return f, nil
}

// close releases what openFile took.
func (f *File) close() {
	f.content.Close()
}

// errMissing marks a file that is not there to serve: the answer is 404.
var errMissing = errors.New("private: no such file")

// sizeTimeETag is a strong tag for a file that changes only by being
// rewritten: the size and the modification time, in nanoseconds.
func sizeTimeETag(size int64, mod time.Time) string {
	return `"` + strconv.FormatInt(size, 36) + "-" + strconv.FormatInt(mod.UnixNano(), 36) + `"`
}

// validETag says whether t is a strong entity tag: quoted, and holding
// only the characters a tag may.
func validETag(t string) bool {
	if len(t) < 2 || t[0] != '"' || t[len(t)-1] != '"' {
		return false
	}
	for i := 1; i < len(t)-1; i++ {
		if c := t[i]; c != 0x21 && (c < 0x23 || c > 0x7e) {
			return false
		}
	}
	return true
}
