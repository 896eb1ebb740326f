package private

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stickyuploads/sticky/internal/nginxtest"
)

// BenchmarkServe1GiB downloads one 1 GiB file over loopback HTTP, served
// by private.Handler (Go, from a Dir; nginx through X-Accel-Redirect) and
// by http.ServeFile, to io.Discard. Package private/bucket has the same
// for a fileblob bucket.
//
//	go test -run='^$' -bench=Serve1GiB -benchtime=5x ./private/
func BenchmarkServe1GiB(b *testing.B) {
	const size = 1 << 30
	dir := b.TempDir()
	name := "big.bin"
	writeBigFile(b, filepath.Join(dir, name), size)
	root, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()

	run := func(b *testing.B, url string) {
		client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
		defer client.CloseIdleConnections()
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			res, err := client.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if err != nil || n != size || res.StatusCode != 200 {
				b.Fatalf("%d, %d bytes, %v", res.StatusCode, n, err)
			}
		}
	}
	serve := func(b *testing.B, h http.Handler) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		run(b, srv.URL+"/"+name)
	}
	b.Run("http.ServeFile", func(b *testing.B) {
		serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.ServeFile(w, r, filepath.Join(dir, name))
		}))
	})
	b.Run("private.Handler", func(b *testing.B) {
		serve(b, &Handler{Files: Dir{Root: root}, Authorize: allow})
	})
	b.Run("private.Handler/nginx", func(b *testing.B) {
		app := httptest.NewServer(&Handler{Files: Dir{Root: root}, Prefix: "/files/", Authorize: allow, Sender: XAccelRedirect{}})
		defer app.Close()
		ngx := nginxtest.Start(b, func(listen string) string {
			return strings.NewReplacer("listen 80;", "listen "+listen+";", "http://127.0.0.1:8080", app.URL,
				"/var/lib/myapp/files/", dir+"/").Replace(nginxSite)
		})
		run(b, ngx.URL+"/files/"+name)
	})
}

// writeBigFile writes size bytes of incompressible data to path: one
// random mebibyte, over and over.
func writeBigFile(b *testing.B, path string, size int64) {
	chunk := make([]byte, 1<<20)
	rand.Read(chunk)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	for written := int64(0); written < size; written += int64(len(chunk)) {
		if _, err := f.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
