package bucket_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/private"
	"github.com/stickyuploads/sticky/private/bucket"
	"github.com/stickyuploads/sticky/private/internal/filestest"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
)

const pdfBytes = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"

func allow(*http.Request, *private.File) bool { return true }
func deny(*http.Request, *private.File) bool  { return false }

// serve sends a request to h.Serve for key.
func serve(h *private.Handler, method, key string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.Serve(w, httptest.NewRequest(method, "/", nil), key, nil)
	return w
}

// The same answers from a bucket in memory, on disk and in a real S3
// server as from a directory.
func TestFiles(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *blob.Bucket{
		"memblob": func(t *testing.T) *blob.Bucket { return memblob.OpenBucket(nil) },
		"fileblob": func(t *testing.T) *blob.Bucket {
			b, err := fileblob.OpenBucket(t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		"s3": func(t *testing.T) *blob.Bucket {
			srv := s3test.Start(t)
			b, err := s3blob.OpenBucket(t.Context(), srv.Client(), srv.NewBucket(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	} {
		t.Run(name, func(t *testing.T) {
			filestest.Run(t, func(t *testing.T) filestest.Store {
				b := open(t)
				t.Cleanup(func() { b.Close() })
				return filestest.Store{
					Files: bucket.Files{Bucket: b},
					Put: func(t *testing.T, key string, data []byte) {
						t.Helper()
						if err := b.WriteAll(t.Context(), key, data, nil); err != nil {
							t.Fatal(err)
						}
					},
				}
			})
		})
	}
}

func TestNoBucket(t *testing.T) {
	h := &private.Handler{Files: bucket.Files{}, Authorize: allow, Logger: quiet}
	if w := serve(h, "GET", "f.txt"); w.Code != 500 {
		t.Errorf("%d", w.Code)
	}
}
