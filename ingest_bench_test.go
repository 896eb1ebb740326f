package sticky

import (
	"bytes"
	"crypto/sha256"
	"hash"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkOneShot measures the one-shot endpoint's throughput on a large
// file, in process: the multipart body parsed, the type sniffed, the bytes
// streamed to a DiskStore, the reply signed. MB/s is the file's bytes.
//
// The "no-sha256" cases replace the hash with one that does nothing:
// the difference is what computing each file's SHA-256 costs.
func BenchmarkOneShot(b *testing.B) {
	for _, c := range []struct {
		name string
		sum  func() hash.Hash
	}{{"", sha256.New}, {"no-sha256/", func() hash.Hash { return noSum{} }}} {
		for _, size := range []int{1 << 20, 64 << 20} {
			b.Run(c.name+SizeString(int64(size)), func(b *testing.B) {
				defer func(old func() hash.Hash) { newSum = old }(newSum)
				newSum = c.sum
				benchmarkOneShot(b, size)
			})
		}
	}
}

// noSum is a hash that does nothing.
type noSum struct{}

func (noSum) Write(p []byte) (int, error) { return len(p), nil }
func (noSum) Sum(b []byte) []byte         { return append(b, make([]byte, sha256.Size)...) }
func (noSum) Reset()                      {}
func (noSum) Size() int                   { return sha256.Size }
func (noSum) BlockSize() int              { return sha256.BlockSize }

func benchmarkOneShot(b *testing.B, size int) {
	up, dir := newTestUploader(b, Config{MaxSize: 1 << 30})
	data := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	body, ct := mpBody(b, mpField("field", "doc"), mpFile("upload", "big.bin", data))
	raw := body.Bytes()
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, up.path, bytes.NewReader(raw))
		r.Header.Set("Content-Type", ct)
		r.Header.Set("X-User", "bench")
		w := httptest.NewRecorder()
		up.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("upload: status %d: %s", w.Code, w.Body)
		}
		b.StopTimer()
		emptyDir(b, dir)
		b.StartTimer()
	}
}

// emptyDir removes the files in dir.
func emptyDir(tb testing.TB, dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			tb.Fatal(err)
		}
	}
}
