package sticky

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/tus/tusd/v2/pkg/handler"
)

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// kept reads f back from its reference, as a form post does.
func kept(t testing.TB, u *Uploader, owner string, f *File) *File {
	t.Helper()
	got, err := u.fromRef(t.Context(), f.Ref, owner, f.Field)
	if err != nil {
		t.Fatalf("reading %s back from its reference: %v", f.Name, err)
	}
	return got
}

// corruptingStore flips one byte of every upload it reads while corrupt
// is set: the temporary store going bad under a kept file.
type corruptingStore struct {
	handler.DataStore
	corrupt *atomic.Bool
}

func (s corruptingStore) AsTerminatableUpload(up handler.Upload) handler.TerminatableUpload {
	return s.DataStore.(handler.TerminaterDataStore).AsTerminatableUpload(up.(corruptingUpload).Upload)
}

func (s corruptingStore) AsLengthDeclarableUpload(up handler.Upload) handler.LengthDeclarableUpload {
	return s.DataStore.(handler.LengthDeferrerDataStore).AsLengthDeclarableUpload(up.(corruptingUpload).Upload)
}

func (s corruptingStore) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	up, err := s.DataStore.NewUpload(ctx, info)
	return corruptingUpload{up, s.corrupt}, err
}

func (s corruptingStore) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	up, err := s.DataStore.GetUpload(ctx, id)
	return corruptingUpload{up, s.corrupt}, err
}

type corruptingUpload struct {
	handler.Upload
	corrupt *atomic.Bool
}

func (u corruptingUpload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	rc, err := u.Upload.GetReader(ctx)
	if err != nil || !u.corrupt.Load() {
		return rc, err
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if len(b) > 100 {
		b[100] ^= 0x20
	}
	return io.NopCloser(bytes.NewReader(b)), err
}

// A save checks the bytes it copies against the checksum they had when
// they came in: when the temporary store gives back other bytes, of the
// file or of a derived file, nothing is saved and the file stays kept.
// So on both of put's paths: the checksum kept in the .info (disk), or in
// the receipt (any other store).
func TestSaveChecksFiles(t *testing.T) {
	for _, lean := range []bool{true, false} {
		t.Run(map[bool]string{true: "in the metadata", false: "in the receipt"}[lean], func(t *testing.T) {
			ctx := t.Context()
			var corrupt atomic.Bool
			disk := diskAt(t, t.TempDir())
			var store handler.DataStore = disk
			if !lean {
				store = corruptingStore{disk, &corrupt}
			}
			up, dir := newTestUploader(t, Config{Store: store, Processors: []Processor{upperCopy}})
			data := bytes.Repeat([]byte("check me "), 1000)
			rep := mustUpload(t, up, "alice", "file", "a.txt", data)
			if rep.SHA256 != sha256Hex(data) {
				t.Errorf("the reply's sha256 is %q, want %q", rep.SHA256, sha256Hex(data))
			}
			f, err := up.fromRef(ctx, rep.Stored, "alice", "file")
			if err != nil {
				t.Fatal(err)
			}
			derived, err := f.Derived(ctx)
			if err != nil || len(derived) != 1 || derived[0].SHA256 != sha256Hex(bytes.ToUpper(data)) {
				t.Fatalf("derived %+v, %v: want upper.txt with its checksum", derived, err)
			}
			if lean {
				// Corrupt the bytes on disk, as a failing disk would.
				p := filepath.Join(dir, f.id)
				b, _ := os.ReadFile(p)
				b[100] ^= 0x20
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
			} else {
				corrupt.Store(true)
			}
			v, vdir := newVault(t)
			_, err = (&Permanent{Vault: v}).Save(ctx, f, nil)
			if !errors.Is(err, ErrCorrupted) {
				t.Fatalf("Save of corrupted bytes: %v, want ErrCorrupted", err)
			}
			if left := vaultFiles(t, vdir); len(left) != 0 {
				t.Errorf("a corrupted save left %q in the vault", left)
			}
			corrupt.Store(false) // the receipt reads right again
			if _, err := up.fromRef(ctx, rep.Stored, "alice", "file"); err != nil {
				t.Errorf("after a corrupted save the file is not kept: %v", err)
			}
			if lean {
				return
			}
			key, err := (&Permanent{Vault: v}).Save(ctx, f, nil)
			if err != nil {
				t.Fatalf("Save once the store reads right: %v", err)
			}
			if got, _ := os.ReadFile(filepath.Join(vdir, key)); !bytes.Equal(got, data) {
				t.Errorf("saved %d bytes, want the %d uploaded", len(got), len(data))
			}
		})
	}
}
