package sticky

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"

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
	// Ref is the signed reference that keeps the file across a re-render.
	Ref string
	// Field is the sticky field the file was uploaded for, so a processor
	// can treat fields differently.
	Field string

	u    *Uploader
	id   string
	made *made // what processors made of it; see process.go
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

// Save copies the file to w and, when every byte arrived, discards the
// temporary upload. After a failed save the file stays kept.
func (f *File) Save(ctx context.Context, w io.Writer) error {
	if err := f.copyTo(ctx, w); err != nil {
		return err
	}
	f.discardAfterSave(ctx)
	return nil
}

// SaveAs writes the file to name inside root, creating the directories it
// needs, and then discards the temporary upload. The bytes go to a hidden
// file beside name that is renamed into place once complete, so name never
// holds a partial file; an existing name is replaced. After a failed save the
// file stays kept and nothing is left under root.
//
// Choose name yourself (a generated key, see NewKey), never from
// File.Name: os.Root keeps it inside root, but not away from other files.
func (f *File) SaveAs(ctx context.Context, root *os.Root, name string) (err error) {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("sticky: save %s: %w", name, err)
		}
	}
	tmp := path.Join(path.Dir(name), "."+path.Base(name)+"."+NewKey()[:8]+".part")
	out, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("sticky: save %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			out.Close()
			root.Remove(tmp)
		}
	}()
	if err = f.copyTo(ctx, out); err != nil {
		return err
	}
	if err = out.Sync(); err != nil {
		return fmt.Errorf("sticky: save %s: %w", name, err)
	}
	if err = out.Close(); err != nil {
		return fmt.Errorf("sticky: save %s: %w", name, err)
	}
	if err = root.Rename(tmp, name); err != nil {
		return fmt.Errorf("sticky: save %s: %w", name, err)
	}
	f.discardAfterSave(ctx)
	return nil
}

func (f *File) copyTo(ctx context.Context, w io.Writer) error {
	rc, err := f.Open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	n, err := io.Copy(w, rc)
	if err == nil && n != f.Size {
		err = fmt.Errorf("read %d bytes of %d", n, f.Size)
	}
	if err != nil {
		return fmt.Errorf("sticky: save %s: %w", f.Name, err)
	}
	return nil
}

// discardAfterSave removes the temporary upload; the save has succeeded, so
// a failure here only leaves work for the expiry sweep.
func (f *File) discardAfterSave(ctx context.Context) {
	if f.made != nil && f.made.child {
		return // a derived file goes with the file it was derived from
	}
	if err := f.Discard(ctx); err != nil {
		f.u.log.Warn("sticky: discarding a saved upload", "err", err)
	}
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
		return failWith(ErrGone, "The file you chose earlier is no longer available. Please choose it again.", err)
	}
	return u.storeFailure(err)
}
