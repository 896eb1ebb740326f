package sticky_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/vaulttest"
)

func TestDirVault(t *testing.T) {
	vaulttest.Run(t, func(t *testing.T) sticky.Vault {
		root, err := os.OpenRoot(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { root.Close() })
		return sticky.DirVault(root)
	})
}

func TestDirVaultRefuses(t *testing.T) {
	dir := t.TempDir()
	root, _ := os.OpenRoot(dir)
	defer root.Close()
	v := sticky.DirVault(root)
	os.MkdirAll(filepath.Join(dir, "taken", "inside"), 0o700)
	os.MkdirAll(filepath.Join(dir, "empty-dir"), 0o700)
	os.WriteFile(filepath.Join(dir, "plainfile"), []byte("x"), 0o600)
	for _, key := range []string{"taken", "empty-dir", "plainfile/child", "../escape", "/etc/escape", "a//b", ""} {
		w, err := v.Create(t.Context(), key, "", "")
		if err == nil {
			w.Write([]byte("data"))
			err = w.Commit()
		}
		if err == nil {
			t.Errorf("saving %q succeeded", key)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape")); !errors.Is(err, os.ErrNotExist) {
		t.Error("wrote outside the root")
	}
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && filepath.Ext(p) == ".part" {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
	w, err := v.Create(t.Context(), "mode/k", "", "")
	if err != nil {
		t.Fatal(err)
	}
	w.Commit()
	for p, want := range map[string]os.FileMode{"mode": 0o700, "mode/k": 0o600} {
		if st, err := os.Stat(filepath.Join(dir, p)); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: %v, mode %v, want %v", p, err, st.Mode().Perm(), want)
		}
	}
}
