package blobvault_test

import (
	"strings"
	"testing"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/blobvault"
	"github.com/stickyuploads/sticky/vaulttest"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
)

func TestVault(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *blob.Bucket{
		"mem": func(t *testing.T) *blob.Bucket { return memblob.OpenBucket(nil) },
		"file": func(t *testing.T) *blob.Bucket {
			b, err := fileblob.OpenBucket(t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		"prefixed": func(t *testing.T) *blob.Bucket { return blob.PrefixedBucket(memblob.OpenBucket(nil), "documents/") },
	} {
		t.Run(name, func(t *testing.T) {
			vaulttest.Run(t, func(t *testing.T) sticky.Vault {
				b := open(t)
				t.Cleanup(func() { b.Close() })
				return blobvault.New(b)
			})
		})
	}
}

func TestAttributes(t *testing.T) {
	b := memblob.OpenBucket(nil)
	v := blobvault.New(b)
	w, err := v.Create(t.Context(), "doc/k.txt", "Überblick.txt", "text/plain; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("some text"))
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	attrs, err := b.Attributes(t.Context(), "doc/k.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(attrs.ContentType, "text/plain") || !strings.HasPrefix(attrs.ContentDisposition, "attachment") ||
		!strings.Contains(attrs.ContentDisposition, "filename*=utf-8''%C3%9Cberblick.txt") {
		t.Errorf("content type %q, disposition %q", attrs.ContentType, attrs.ContentDisposition)
	}
}
