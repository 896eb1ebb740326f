package sticky

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tus/tusd/v2/pkg/handler"
)

// File is a file kept in the temporary store: uploaded in the background
// or posted with the form. Its Name, Size and Type are safe to show (Name
// still needs the escaping html/template gives it).
type File struct {
	// Name is the cleaned display name the client gave (see CleanName).
	Name string
	// Size is the length in bytes.
	Size int64
	// Type is the content type, judged from the bytes.
	Type string
	// SHA256 is the SHA-256 of the bytes (hexadecimal, lower case), taken
	// as they came in and kept with the upload. Permanent.Save checks the
	// bytes it copies against it. A file uploaded straight to the bucket
	// (Config.Direct), whose bytes never pass through the app, has the
	// bucket's, when the bucket checked one for the whole file (sent in
	// one request with its checksum); else "".
	SHA256 string
	// Ref is the signed reference that keeps the file across a re-render.
	Ref string
	// Field is the sticky field the file was uploaded for, so a processor
	// can treat fields differently.
	Field string

	u    *Uploader
	id   string
	made *made // what processors made of it; see process.go
	// processing: its processors were still running when last asked
	// (see background.go)
	processing bool
}

// Open returns a reader of the file's bytes. The caller closes it.
func (f *File) Open(ctx context.Context) (io.ReadCloser, error) {
	up, err := f.u.store.GetUpload(ctx, f.id)
	if err != nil {
		return nil, f.u.lookupFailure(err)
	}
	rc, err := up.GetReader(ctx)
	if err != nil {
		return nil, f.u.lookupFailure(err)
	}
	return rc, nil
}

// copyTo copies the file's bytes to w, checking them against f.Size and
// f.SHA256: bytes that changed in the temporary store fail the copy, with
// an error wrapping ErrCorrupted.
func (f *File) copyTo(ctx context.Context, w io.Writer) error {
	rc, err := f.Open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, sum), rc)
	switch {
	case err != nil:
	case n != f.Size:
		err = fmt.Errorf("read %d bytes of %d: %w", n, f.Size, ErrCorrupted)
	case f.SHA256 != "" && hex.EncodeToString(sum.Sum(nil)) != f.SHA256:
		err = fmt.Errorf("the bytes read have SHA-256 %x, not %s as they had when they came in: %w", sum.Sum(nil), f.SHA256, ErrCorrupted)
	}
	if err != nil {
		return fmt.Errorf("sticky: save %s: %w", f.Name, err)
	}
	return nil
}

// discardAfterSave removes the temporary upload and the files derived from
// it, and reports whether they are gone. The save has succeeded, so a
// failure here only leaves work for the expiry sweep; the upload stays
// claimed meanwhile, so that it is not saved twice.
func (f *File) discardAfterSave(ctx context.Context) bool {
	if err := f.Discard(ctx); err != nil {
		f.u.log.Warn("sticky: discarding a saved upload", "err", err)
		return false
	}
	return true
}

// Discard removes the file from the temporary store, with the files
// derived from it. Its reference stops working. Discarding a file that is
// already gone is not an error.
func (f *File) Discard(ctx context.Context) error {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	up, err := f.u.store.GetUpload(ctx, f.id)
	if errors.Is(err, handler.ErrNotFound) {
		return f.discardMade(ctx)
	}
	if err != nil {
		return fmt.Errorf("sticky: discard: %w", err)
	}
	if err := f.u.term.AsTerminatableUpload(up).Terminate(ctx); err != nil {
		return fmt.Errorf("sticky: discard: %w", err)
	}
	if err := f.discardMade(ctx); err != nil {
		return fmt.Errorf("sticky: discard: %w", err)
	}
	return nil
}

// NewKey returns 32 random hexadecimal characters, a safe name under which
// to store a file.
func NewKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// lookupFailure explains an error met while finding a kept upload.
func (u *Uploader) lookupFailure(err error) error {
	if errors.Is(err, handler.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		return failWith(ErrGone, "file.gone", err)
	}
	return u.storeFailure(err)
}
