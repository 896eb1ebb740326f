package sticky

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// keptFile uploads data for alice's field "file" and returns it as kept.
func keptFile(t *testing.T, up *Uploader, name string, data []byte) *File {
	t.Helper()
	rep := mustUpload(t, up, "alice", "file", name, data)
	f, err := up.fromRef(context.Background(), rep.Stored, "alice", "file")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// partFiles lists what a save may have left half-written under dir.
func partFiles(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(p, ".part") || strings.HasPrefix(d.Name(), ".")) {
			found = append(found, p)
		}
		return nil
	})
	return found
}

// failAfterWriter fails after accepting n bytes.
type failAfterWriter struct{ n int }

func (w *failAfterWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestFileSave(t *testing.T) {
	ctx := context.Background()
	up, dir := newTestUploader(t, Config{})
	data := bytes.Repeat([]byte("save me "), 10_000)
	f := keptFile(t, up, "a.txt", data)

	// A failed save keeps the upload.
	if err := f.Save(ctx, &failAfterWriter{n: 1000}); err == nil {
		t.Fatal("Save to a failing writer succeeded")
	}
	assertUploads(t, dir, 1)

	var b bytes.Buffer
	if err := f.Save(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), data) {
		t.Errorf("Save wrote %d bytes, want the %d uploaded", b.Len(), len(data))
	}
	assertStoreEmpty(t, dir)
	if _, err := up.fromRef(ctx, f.Ref, "alice", "file"); !errors.Is(err, ErrGone) {
		t.Errorf("after Save the reference gives %v, want ErrGone", err)
	}
	// Saving again: the upload is gone.
	if err := f.Save(ctx, &b); !errors.Is(err, ErrGone) {
		t.Errorf("second Save: %v, want ErrGone", err)
	}
	if _, err := f.Open(ctx); !errors.Is(err, ErrGone) {
		t.Errorf("Open after Save: %v, want ErrGone", err)
	}
}

func TestFileSaveAs(t *testing.T) {
	ctx := context.Background()
	up, dir := newTestUploader(t, Config{})
	rootDir := t.TempDir()
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	data := bytes.Repeat([]byte{0, 1, 2, 3, 0xff}, 20_000)

	t.Run("nested name", func(t *testing.T) {
		f := keptFile(t, up, "a.bin", data)
		if err := f.SaveAs(ctx, root, "sub/deeper/name.bin"); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(rootDir, "sub", "deeper", "name.bin")
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("saved file: %d bytes, %v", len(got), err)
		}
		fi, _ := os.Stat(p)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("saved file mode %v, want 0600", fi.Mode().Perm())
		}
		if left := partFiles(t, rootDir); len(left) != 0 {
			t.Errorf("left behind: %q", left)
		}
		assertStoreEmpty(t, dir)
	})

	t.Run("flat name replaces an existing file", func(t *testing.T) {
		os.WriteFile(filepath.Join(rootDir, "existing"), []byte("old"), 0o644)
		f := keptFile(t, up, "b.bin", []byte("new contents"))
		if err := f.SaveAs(ctx, root, "existing"); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(filepath.Join(rootDir, "existing")); string(got) != "new contents" {
			t.Errorf("existing file holds %q", got)
		}
		if left := partFiles(t, rootDir); len(left) != 0 {
			t.Errorf("left behind: %q", left)
		}
		assertStoreEmpty(t, dir)
	})

	t.Run("generated key", func(t *testing.T) {
		f := keptFile(t, up, "c.bin", data)
		key := NewKey()
		if err := f.SaveAs(ctx, root, "docs/"+key); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(filepath.Join(rootDir, "docs", key)); !bytes.Equal(got, data) {
			t.Error("saved bytes differ")
		}
		assertStoreEmpty(t, dir)
	})

	failures := []struct {
		name  string
		setup func(t *testing.T)
		dest  string
	}{
		{"name is a directory", func(t *testing.T) {
			os.MkdirAll(filepath.Join(rootDir, "taken", "inside"), 0o700)
		}, "taken"},
		{"name is an empty directory", func(t *testing.T) {
			os.MkdirAll(filepath.Join(rootDir, "empty-dir"), 0o700)
		}, "empty-dir"},
		{"parent is a file", func(t *testing.T) {
			os.WriteFile(filepath.Join(rootDir, "plainfile"), []byte("x"), 0o600)
		}, "plainfile/child"},
		{"outside the root", func(t *testing.T) {}, "../escape"},
		{"absolute", func(t *testing.T) {}, "/etc/escape"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup(t)
			f := keptFile(t, up, "kept.bin", data)
			if err := f.SaveAs(ctx, root, tt.dest); err == nil {
				t.Fatalf("SaveAs(%q) succeeded", tt.dest)
			}
			if left := partFiles(t, rootDir); len(left) != 0 {
				t.Errorf("left behind: %q", left)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(rootDir), "escape")); err == nil {
				t.Error("SaveAs wrote outside the root")
			}
			// The upload is kept, whole, and can still be saved.
			assertUploads(t, dir, 1)
			if got := fileBytes(t, f); !bytes.Equal(got, data) {
				t.Error("kept upload changed")
			}
			if err := f.SaveAs(ctx, root, "retry/"+NewKey()); err != nil {
				t.Errorf("retry: %v", err)
			}
			assertStoreEmpty(t, dir)
		})
	}

	t.Run("upload gone", func(t *testing.T) {
		f := keptFile(t, up, "d.bin", data)
		f.Discard(ctx)
		err := f.SaveAs(ctx, root, "gone")
		if !errors.Is(err, ErrGone) {
			t.Errorf("SaveAs of a discarded upload: %v, want ErrGone", err)
		}
		if _, err := os.Stat(filepath.Join(rootDir, "gone")); err == nil {
			t.Error("SaveAs created the file anyway")
		}
		if left := partFiles(t, rootDir); len(left) != 0 {
			t.Errorf("left behind: %q", left)
		}
	})
}

func TestFileDiscard(t *testing.T) {
	ctx := context.Background()
	up, dir := newTestUploader(t, Config{})
	f := keptFile(t, up, "a.txt", []byte("short-lived"))
	g := keptFile(t, up, "b.txt", []byte("stays"))
	if err := f.Discard(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.Discard(ctx); err != nil {
		t.Errorf("second Discard: %v", err)
	}
	if _, err := f.Open(ctx); !errors.Is(err, ErrGone) {
		t.Errorf("Open after Discard: %v, want ErrGone", err)
	}
	assertUploads(t, dir, 1)
	if string(fileBytes(t, g)) != "stays" {
		t.Error("Discard touched another upload")
	}

	// Discard works even when the request's context is already done.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := g.Discard(cctx); err != nil {
		t.Errorf("Discard with a cancelled context: %v", err)
	}
	assertStoreEmpty(t, dir)
}

func TestNewKey(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k := NewKey()
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(k) {
			t.Fatalf("NewKey() = %q", k)
		}
		if seen[k] {
			t.Fatalf("NewKey repeated %q", k)
		}
		seen[k] = true
	}
}
