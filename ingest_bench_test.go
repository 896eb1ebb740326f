package sticky

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkOneShot measures the one-shot endpoint's throughput on a large
// file, in process: the multipart body parsed, the type sniffed, the bytes
// streamed to a DiskStore, the reply signed. MB/s is the file's bytes.
func BenchmarkOneShot(b *testing.B) {
	for _, size := range []int{1 << 20, 64 << 20} {
		b.Run(SizeString(int64(size)), func(b *testing.B) {
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
		})
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
