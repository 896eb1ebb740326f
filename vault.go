package sticky

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"strings"
)

// A Vault is where Permanent keeps files for good. DirVault keeps them in a
// local directory; the blobvault package in any gocloud.dev/blob bucket.
// Another backend needs only these four methods, and passes the
// conformance suite in vaulttest.
//
// Keys are slash-separated relative paths without empty, "." or ".."
// elements. A Vault is safe for concurrent use.
type Vault interface {
	// Create starts writing key. Nothing is visible under key (to Open,
	// or to List as committed) until the writer's Commit returns nil, and
	// then the whole file is; a key written before is replaced. name is
	// the file's display name and contentType its type, for a backend
	// that serves files itself (a download's Content-Disposition); either
	// may be "".
	Create(ctx context.Context, key, name, contentType string) (VaultWriter, error)

	// Open returns a reader of the file committed under key. A key that
	// holds no file gives an error wrapping fs.ErrNotExist.
	Open(ctx context.Context, key string) (io.ReadCloser, error)

	// Delete removes key, and whatever a write of key that was never
	// committed (aborted, or cut by a crash) left behind. Deleting a key
	// that holds nothing is not an error.
	Delete(ctx context.Context, key string) error

	// List yields the keys directly in the folder dir ("" for the top),
	// not in its sub-folders, in no particular order: the committed ones,
	// and those whose write was cut by a crash and left something that
	// Delete removes. It stops at the first error it yields.
	List(ctx context.Context, dir string) iter.Seq2[string, error]
}

// A VaultWriter writes one key of a Vault.
type VaultWriter interface {
	io.Writer
	// Commit makes the bytes written visible under the key, all at once
	// and durably: once it returns nil they survive a crash.
	Commit() error
	// Abort drops what was written: nothing appears under the key. After
	// Commit it does nothing.
	Abort() error
}

// DirVault returns a Vault in the directory root. A key is a file under
// root (os.Root keeps every key inside it), written 0600 in folders made
// 0700. A file being written is a hidden ".<name>.part" beside its name,
// synced and renamed into place on Commit, so a key never holds part of
// a file, even after a crash or a power cut; the part file a crash leaves
// is removed by Delete of its key, and listed under it.
func DirVault(root *os.Root) Vault { return dirVault{root} }

type dirVault struct{ root *os.Root }

// partSuffix ends the hidden name of a file being written.
const partSuffix = ".part"

// partName is the hidden file that holds key while it is written. Keys
// never begin a name with a dot (see expandKey), so no key is a part name.
func partName(key string) string {
	return path.Join(path.Dir(key), "."+path.Base(key)+partSuffix)
}

func (v dirVault) Create(ctx context.Context, key, name, contentType string) (VaultWriter, error) {
	if !fs.ValidPath(key) || key == "." {
		return nil, fmt.Errorf("sticky: vault key %q: not a relative path", key)
	}
	if dir := path.Dir(key); dir != "." {
		if err := v.root.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sticky: save %s: %w", key, err)
		}
	}
	part := partName(key)
	f, err := v.root.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sticky: save %s: %w", key, err)
	}
	return &dirWriter{v: v, f: f, key: key, part: part}, nil
}

type dirWriter struct {
	v         dirVault
	f         *os.File
	key, part string
	done      bool
}

func (w *dirWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *dirWriter) Commit() error {
	if w.done {
		return errors.New("sticky: vault writer already finished")
	}
	w.done = true
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = w.v.root.Rename(w.part, w.key)
	}
	if err == nil {
		err = w.v.syncDir(path.Dir(w.key)) // the rename itself survives a power cut
	}
	if err != nil {
		w.v.root.Remove(w.part)
		return fmt.Errorf("sticky: save %s: %w", w.key, err)
	}
	return nil
}

func (w *dirWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	if err := w.v.root.Remove(w.part); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (v dirVault) syncDir(dir string) error {
	d, err := v.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (v dirVault) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	f, err := v.root.Open(key)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: key, Err: fs.ErrNotExist}
	}
	return f, nil
}

func (v dirVault) Delete(ctx context.Context, key string) error {
	var errs []error
	for _, name := range []string{key, partName(key)} {
		if err := v.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (v dirVault) List(ctx context.Context, dir string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if dir == "" {
			dir = "."
		}
		d, err := v.root.Open(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			yield("", err)
			return
		}
		entries, err := d.ReadDir(-1)
		d.Close()
		if err != nil {
			yield("", err)
			return
		}
		seen := map[string]bool{}
		for _, e := range entries {
			name := e.Name()
			if !e.Type().IsRegular() {
				continue
			}
			if strings.HasPrefix(name, ".") {
				var ok bool
				if name, ok = strings.CutSuffix(name[1:], partSuffix); !ok || name == "" {
					continue // not ours
				}
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			if !yield(path.Join(dir, name), nil) {
				return
			}
		}
	}
}
