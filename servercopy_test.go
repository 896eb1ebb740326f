package sticky_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/storetest"
)

// copyTarget is what the fake Vault's BucketObject.As gives the fake
// store: where in "the service" the object goes.
type copyTarget struct {
	vault sticky.Vault
	key   string
}

// bucketVault is a DirVault that says where it would write each key, as
// a Vault in a bucket does.
type bucketVault struct {
	sticky.Vault
}

func (v bucketVault) BucketObject(ctx context.Context, key, name, contentType string) sticky.BucketObject {
	return sticky.BucketObject{ContentType: contentType, ContentDisposition: "attachment; filename=" + name, As: func(target any) bool {
		p, ok := target.(*copyTarget)
		if ok {
			*p = copyTarget{v.Vault, key}
		}
		return ok
	}}
}

// copyingStore is a DiskStore that copies uploads into a bucketVault
// itself, as a store in the same service would, or declines, or fails.
type copyingStore struct {
	*sticky.DiskStore
	mode   string // "copy", "decline" or "fail"
	copies []copyCall
}

type copyCall struct {
	id, sum, contentType string
	size                 int64
}

func (s *copyingStore) CopyUpload(ctx context.Context, id string, size int64, sum string, dst sticky.BucketObject) (bool, error) {
	s.copies = append(s.copies, copyCall{id, sum, dst.ContentType, size})
	var to copyTarget
	switch {
	case s.mode == "decline" || !dst.As(&to):
		return false, nil
	case s.mode == "fail":
		return false, errors.New("the service refused the copy")
	}
	up, err := s.GetUpload(ctx, id)
	if err != nil {
		return false, err
	}
	r, err := up.GetReader(ctx)
	if err != nil {
		return false, err
	}
	defer r.Close()
	w, err := to.vault.Create(ctx, to.key, "", dst.ContentType)
	if err != nil {
		return false, err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Abort()
		return false, err
	}
	return true, w.Commit()
}

// Save asks a ServerCopier to copy into a BucketVault, with the file's
// size, checksum and type, and streams only when it declines; a copy that
// fails fails the save, leaving nothing and keeping the file.
func TestSaveServerCopy(t *testing.T) {
	for _, mode := range []string{"copy", "decline", "fail"} {
		t.Run(mode, func(t *testing.T) {
			disk, err := sticky.NewDiskStore(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			store := &copyingStore{DiskStore: disk, mode: mode}
			site := storetest.NewSite(t, sticky.Config{Store: store, MaxSize: 1 << 20})
			dir := t.TempDir()
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			p := &sticky.Permanent{Vault: bucketVault{sticky.DirVault(root)}}
			data := bytes.Repeat([]byte("copied inside the service\n"), 100)
			f := permFile(t, site, "notes.txt", data)
			key, err := p.Save(t.Context(), f, nil)
			if len(store.copies) != 1 {
				t.Fatalf("CopyUpload called %d times, want once", len(store.copies))
			}
			if c := store.copies[0]; c.size != f.Size || c.sum != f.SHA256 || c.sum == "" || c.contentType != f.Type {
				t.Errorf("CopyUpload got size %d, sum %q, type %q; want %d, %q, %q", c.size, c.sum, c.contentType, f.Size, f.SHA256, f.Type)
			}
			if mode == "fail" {
				if err == nil {
					t.Fatal("a failed copy: the save succeeded")
				}
				permCheckKept(t, site, f, data)
				for k, err := range p.Vault.List(t.Context(), "") {
					t.Errorf("left in the Vault: %q %v", k, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			permCheckSaved(t, site, p, f, key, data)
		})
	}
}
