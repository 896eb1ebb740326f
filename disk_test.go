package sticky

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
)

// plainStore hides that a store is a DiskStore, so that put goes through
// tusd's upload steps.
type plainStore struct{ handler.DataStore }

func (s plainStore) AsTerminatableUpload(up handler.Upload) handler.TerminatableUpload {
	return s.DataStore.(handler.TerminaterDataStore).AsTerminatableUpload(up)
}

func (s plainStore) AsLengthDeclarableUpload(up handler.Upload) handler.LengthDeclarableUpload {
	return s.DataStore.(handler.LengthDeferrerDataStore).AsLengthDeclarableUpload(up)
}

// A whole file stored on disk is two files, data and .info, and its .info
// says what tusd's own steps would have written: tusd, the sweep and the
// rest of sticky read it the same. Only the checksum differs: the lean
// path records it in the .info, written after the bytes; tusd's steps
// write the .info first, so the checksum goes in a receipt.
func TestDiskPutWholeMatchesTusd(t *testing.T) {
	data := bytes.Repeat([]byte("%PDF-1.7 sticky "), 4096)
	infos := make([]handler.FileInfo, 2)
	for i, lean := range []bool{true, false} {
		dir := t.TempDir()
		disk, err := NewDiskStore(dir)
		if err != nil {
			t.Fatal(err)
		}
		var store handler.DataStore = disk
		if !lean {
			store = plainStore{disk}
		}
		u, _ := newTestUploader(t, Config{Store: store})
		r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, u.path, nil)
		f, err := u.receive(r, "alice", Incoming{Field: "doc", Name: "report.pdf", Size: -1}, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		names := storeFiles(t, dir)
		want := []string{filepath.Join(dir, f.id), filepath.Join(dir, f.id+".info")}
		if !lean {
			want = append(want, filepath.Join(dir, f.id+".receipt"), filepath.Join(dir, f.id+".receipt.info"))
		}
		if !slices.Equal(names, want) {
			t.Errorf("lean %v: the store holds %q, want %q", lean, names, want)
		}
		up, err := disk.GetUpload(t.Context(), f.id)
		if err != nil {
			t.Fatal(err)
		}
		if infos[i], err = up.GetInfo(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := fileBytes(t, f); !bytes.Equal(got, data) {
			t.Errorf("lean %v: read back %d bytes, want %d", lean, len(got), len(data))
		}
		if got, want := kept(t, u, "alice", f).SHA256, sha256Hex(data); f.SHA256 != want || got != want {
			t.Errorf("lean %v: SHA256 %q, read back from the reference %q, want %q", lean, f.SHA256, got, want)
		}
		wantIDs := []string{f.id}
		if !lean {
			wantIDs = append(wantIDs, f.id+".receipt")
		}
		if ids := sweepIDs(t, disk, time.Now().Add(time.Hour)); !slices.Equal(ids, wantIDs) {
			t.Errorf("lean %v: the sweep lists %q", lean, ids)
		}
		for _, p := range []*handler.FileInfo{&infos[i]} {
			if p.Storage[filestore.StorageKeyPath] != filepath.Join(dir, f.id) || p.Storage[filestore.StorageKeyInfoPath] != filepath.Join(dir, f.id+".info") {
				t.Errorf("lean %v: storage %v", lean, p.Storage)
			}
			p.ID, p.Storage = "", nil
			delete(p.MetaData, "expires")
			delete(p.MetaData, "sha256")
		}
	}
	lean, _ := json.Marshal(infos[0])
	tusd, _ := json.Marshal(infos[1])
	if !bytes.Equal(lean, tusd) {
		t.Errorf("the lean path records\n%s\ntusd's steps record\n%s", lean, tusd)
	}
}

// A whole file refused while it streams (too large, or the client gone)
// leaves nothing on disk, and a directory removed under the store is made
// again.
func TestDiskPutWholeFailures(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "uploads")
	u, _ := newTestUploader(t, Config{Store: diskAt(t, dir), MaxSize: 1000})
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, u.path, nil)
	if _, err := u.receive(r, "alice", Incoming{Field: "doc", Name: "big.txt", Size: -1}, strings.NewReader(strings.Repeat("x", 1001))); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a file over the limit: %v", err)
	}
	cut := io.MultiReader(strings.NewReader("hello"), errReader{io.ErrUnexpectedEOF})
	if _, err := u.receive(r, "alice", Incoming{Field: "doc", Name: "cut.txt", Size: -1}, cut); err == nil {
		t.Error("a file cut short was kept")
	}
	assertStoreEmpty(t, dir)

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	f, err := u.receive(r, "alice", Incoming{Field: "doc", Name: "again.txt", Size: -1}, strings.NewReader("hello"))
	if err != nil {
		t.Fatalf("after the directory was removed: %v", err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("the directory made again: %v, %v", st.Mode(), err)
	}
	assertUploads(t, dir, 1)
	f.Discard(t.Context())
	assertStoreEmpty(t, dir)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
