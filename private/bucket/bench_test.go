package bucket_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stickyuploads/sticky/private"
	"github.com/stickyuploads/sticky/private/bucket"
	"gocloud.dev/blob/fileblob"
)

// BenchmarkServe1GiB downloads one 1 GiB file over loopback HTTP, served
// by private.Handler from a fileblob bucket, to io.Discard: the figures to
// compare with package private's, from a directory.
//
//	go test -run='^$' -bench=Serve1GiB -benchtime=5x ./private/...
func BenchmarkServe1GiB(b *testing.B) {
	const size = 1 << 30
	bk, err := fileblob.OpenBucket(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer bk.Close()
	w, err := bk.NewWriter(b.Context(), "big.bin", nil)
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 1<<20) // incompressible, over and over
	rand.Read(chunk)
	for range size / len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}

	b.Run("private.Handler/fileblob", func(b *testing.B) {
		srv := httptest.NewServer(&private.Handler{Files: bucket.Files{Bucket: bk}, Authorize: allow})
		defer srv.Close()
		client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
		defer client.CloseIdleConnections()
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			res, err := client.Get(srv.URL + "/big.bin")
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if err != nil || n != size || res.StatusCode != 200 {
				b.Fatalf("%d, %d bytes, %v", res.StatusCode, n, err)
			}
		}
	})
}
