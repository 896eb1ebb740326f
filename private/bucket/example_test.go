package bucket_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/stickyuploads/sticky/private"
	"github.com/stickyuploads/sticky/private/bucket"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
)

// A Handler serving a bucket's files: here a bucket in memory; in
// production s3blob.OpenBucket or blob.OpenBucket(ctx, "s3://...") with
// the driver imported. Go streams each object, reading only the ranges a
// request asks for.
func ExampleFiles() {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	if err := b.WriteAll(context.Background(), "alice/notes.txt", []byte("buy milk"), nil); err != nil {
		log.Fatal(err)
	}
	files := &private.Handler{
		Files:  bucket.Files{Bucket: b},
		Prefix: "/files/",
		Authorize: func(r *http.Request, f *private.File) bool {
			return strings.HasPrefix(f.Key, r.Header.Get("X-User")+"/")
		},
	}

	for _, user := range []string{"alice", "bob"} {
		r := httptest.NewRequest("GET", "/files/alice/notes.txt", nil)
		r.Header.Set("X-User", user)
		r.Header.Set("Range", "bytes=4-")
		w := httptest.NewRecorder()
		files.ServeHTTP(w, r)
		fmt.Printf("%s %d %q\n", user, w.Code, w.Body)
	}
	// Output:
	// alice 206 "milk"
	// bob 403 "Forbidden\n"
}

// With SignedRedirect the bucket sends the bytes: an allowed GET is
// redirected to a signed URL of the object. fileblob's URLs, signed here,
// point to a handler of the app's own; S3's point to S3.
func ExampleSignedRedirect() {
	dir, err := os.MkdirTemp("", "bucket-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	base, _ := url.Parse("https://files.example.com/signed")
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{
		URLSigner: fileblob.NewURLSignerHMAC(base, []byte("a secret of the app")),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if err := b.WriteAll(context.Background(), "alice/report.pdf", []byte(pdfBytes), nil); err != nil {
		log.Fatal(err)
	}
	files := &private.Handler{
		Files:     bucket.Files{Bucket: b},
		Authorize: func(r *http.Request, f *private.File) bool { return true },
		Sender:    bucket.SignedRedirect{Expiry: 30 * time.Second},
	}

	w := httptest.NewRecorder()
	files.Serve(w, httptest.NewRequest("GET", "/documents/7/file", nil), "alice/report.pdf", nil)
	loc, _ := url.Parse(w.Header().Get("Location"))
	fmt.Println(w.Code, w.Header().Get("Cache-Control"), loc.Host+loc.Path)
	// Output:
	// 302 no-store files.example.com/signed
}
