package private_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stickyuploads/sticky/private"
	"github.com/stickyuploads/sticky/private/internal/filestest"
)

func TestDir(t *testing.T) {
	filestest.Run(t, func(t *testing.T) filestest.Store {
		dir := t.TempDir()
		root, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { root.Close() })
		return filestest.Store{
			Files: private.Dir{Root: root},
			Put: func(t *testing.T, key string, data []byte) {
				t.Helper()
				p := filepath.Join(dir, filepath.FromSlash(key))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, data, 0o644); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

// Files of the app's own, read in ranges, are served as a Dir's are.
func TestFilesInRanges(t *testing.T) {
	filestest.Run(t, func(t *testing.T) filestest.Store {
		m := private.NewMemFiles()
		return filestest.Store{Files: m, Put: func(t *testing.T, key string, data []byte) { m.Put(key, data) }}
	})
}
