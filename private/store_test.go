package private

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stickyuploads/sticky/internal/s3test"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
)

// store is one place files are served from, for running the same test
// against each.
type store struct {
	name string
	// handler returns a Handler reading from the store.
	handler func() *Handler
	// put writes a file under key.
	put func(t *testing.T, key string, data []byte)
}

// stores returns a new store of each kind: a local directory, and
// buckets in memory, on disk (fileblob) and in a real S3 server.
func stores(t *testing.T) []store {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	fileDir := t.TempDir()
	fb, err := fileblob.OpenBucket(fileDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := s3test.Start(t)
	sb, err := s3blob.OpenBucket(t.Context(), srv.Client(), srv.NewBucket(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := []store{{
		name:    "root",
		handler: func() *Handler { return &Handler{Root: root} },
		put: func(t *testing.T, key string, data []byte) {
			t.Helper()
			p := filepath.Join(dir, filepath.FromSlash(key))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		},
	}}
	for name, b := range map[string]*blob.Bucket{"memblob": memblob.OpenBucket(nil), "fileblob": fb, "s3": sb} {
		t.Cleanup(func() { b.Close() })
		out = append(out, store{
			name:    name,
			handler: func() *Handler { return &Handler{Bucket: b} },
			put: func(t *testing.T, key string, data []byte) {
				t.Helper()
				if err := b.WriteAll(t.Context(), key, data, nil); err != nil {
					t.Fatal(err)
				}
			},
		})
	}
	return out
}
