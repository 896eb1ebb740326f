// Package vaulttest is the conformance suite of sticky.Vault: what
// Permanent needs of every place it saves files to.
//
//	func TestMyVault(t *testing.T) {
//		vaulttest.Run(t, func(t *testing.T) sticky.Vault {
//			return newEmptyVault(t) // a fresh, empty vault for each test
//		})
//	}
package vaulttest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stickyuploads/sticky"
)

// Run runs every test of the suite, each on a vault newVault makes.
func Run(t *testing.T, newVault func(t *testing.T) sticky.Vault) {
	big := make([]byte, 6<<20+123)
	rand.NewChaCha8([32]byte{1}).Read(big)
	tests := []struct {
		name string
		run  func(t *testing.T, ctx context.Context, v sticky.Vault)
	}{
		{"commit then read", func(t *testing.T, ctx context.Context, v sticky.Vault) {
			put(t, v, "a.txt", []byte("hello"))
			wantFile(t, v, "a.txt", []byte("hello"))
			wantList(t, v, "", "a.txt")
		}},
		{"empty file", func(t *testing.T, ctx context.Context, v sticky.Vault) {
			put(t, v, "empty", nil)
			wantFile(t, v, "empty", []byte{})
		}},
		{"large file", func(t *testing.T, ctx context.Context, v sticky.Vault) {
			put(t, v, "big.bin", big)
			wantFile(t, v, "big.bin", big)
		}},
		{"nested keys", func(t *testing.T, ctx context.Context, v sticky.Vault) {
			put(t, v, "a/b/c.pdf", []byte("c"))
			put(t, v, "a/d", []byte("d"))
			wantFile(t, v, "a/b/c.pdf", []byte("c"))
			wantList(t, v, "a", "a/d")
			wantList(t, v, "a/b", "a/b/c.pdf")
			wantList(t, v, "", ".")
		}},
		{"invisible until committed", func(t *testing.T, ctx context.Context, v sticky.Vault) {
			w, err := v.Create(ctx, "doc/x.bin", "x.bin", "application/octet-stream")
			if err != nil {
				t.Fatal(err)
			}
			w.Write(big[:1<<20])
			wantMissing(t, v, "doc/x.bin")
			w.Write(big[1<<20:])
			wantMissing(t, v, "doc/x.bin")
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			wantFile(t, v, "doc/x.bin", big)
			if err := w.Abort(); err != nil {
				t.Errorf("Abort after Commit: %v", err)
			}
			wantFile(t, v, "doc/x.bin", big)
		}},
		{"abort leaves nothing", func(t *testing.T, ctx context.Context, v sticky.Vault) {
			w, err := v.Create(ctx, "doc/x.bin", "", "")
			if err != nil {
				t.Fatal(err)
			}
			w.Write(big)
			if err := w.Abort(); err != nil {
				t.Fatal(err)
			}
			wantMissing(t, v, "doc/x.bin")
			wantList(t, v, "doc")
		}},
		{"replaces a key", func(t *testing.T, ctx context.Context, v sticky.Vault) {
			put(t, v, "k", []byte("old"))
			put(t, v, "k", []byte("new contents"))
			wantFile(t, v, "k", []byte("new contents"))
			wantList(t, v, "", "k")
		}},
		{"delete", func(t *testing.T, ctx context.Context, v sticky.Vault) {
			put(t, v, "d/k", []byte("x"))
			put(t, v, "d/other", []byte("y"))
			if err := v.Delete(ctx, "d/k"); err != nil {
				t.Fatal(err)
			}
			wantMissing(t, v, "d/k")
			wantFile(t, v, "d/other", []byte("y"))
			if err := v.Delete(ctx, "d/k"); err != nil {
				t.Errorf("deleting a deleted key: %v", err)
			}
			if err := v.Delete(ctx, "never/was"); err != nil {
				t.Errorf("deleting a key never written: %v", err)
			}
		}},
		{"delete what a cut write left", func(t *testing.T, ctx context.Context, v sticky.Vault) {
			// A writer neither committed nor aborted stands for a process
			// killed while writing.
			w, err := v.Create(ctx, "cut/k", "k", "text/plain")
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte("half"))
			if err := v.Delete(ctx, "cut/k"); err != nil {
				t.Fatal(err)
			}
			wantList(t, v, "cut")
			wantMissing(t, v, "cut/k")
			w.Abort()
		}},
		{"list of a missing folder", func(t *testing.T, ctx context.Context, v sticky.Vault) {
			wantList(t, v, "nothing/here")
		}},
		{"hidden folder", func(t *testing.T, ctx context.Context, v sticky.Vault) {
			put(t, v, ".sticky-saves/0001", []byte("{}"))
			put(t, v, "seen", []byte("x"))
			wantList(t, v, ".sticky-saves", ".sticky-saves/0001")
			wantFile(t, v, ".sticky-saves/0001", []byte("{}"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, t.Context(), newVault(t))
		})
	}
}

func put(t *testing.T, v sticky.Vault, key string, data []byte) {
	t.Helper()
	w, err := v.Create(t.Context(), key, "name.txt", "text/plain")
	if err != nil {
		t.Fatalf("Create(%q): %v", key, err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatalf("writing %q: %v", key, err)
	}
	if err := w.Commit(); err != nil {
		t.Fatalf("Commit(%q): %v", key, err)
	}
}

func wantFile(t *testing.T, v sticky.Vault, key string, data []byte) {
	t.Helper()
	rc, err := v.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("%q holds %d bytes (%v), want %d", key, len(got), err, len(data))
	}
}

func wantMissing(t *testing.T, v sticky.Vault, key string) {
	t.Helper()
	rc, err := v.Open(t.Context(), key)
	if err == nil {
		rc.Close()
		t.Errorf("Open(%q) succeeded, want it missing", key)
	} else if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(%q): %v, want fs.ErrNotExist", key, err)
	}
}

// wantList checks that List(dir) yields keys; "." stands for any key,
// which must then be the only one.
func wantList(t *testing.T, v sticky.Vault, dir string, keys ...string) {
	t.Helper()
	var got []string
	for k, err := range v.List(t.Context(), dir) {
		if err != nil {
			t.Fatalf("List(%q): %v", dir, err)
		}
		got = append(got, k)
	}
	if slices.Equal(keys, []string{"."}) {
		if len(got) != 0 {
			t.Errorf("List(%q) = %q, want nothing but folders", dir, got)
		}
		return
	}
	slices.Sort(got)
	slices.Sort(keys)
	if !slices.Equal(got, keys) {
		t.Errorf("List(%q) = %q, want %q", dir, got, keys)
	}
}
