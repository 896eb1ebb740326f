package bucket_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/private"
	"github.com/stickyuploads/sticky/private/bucket"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
)

// quiet is a logger for tests that provoke errors on purpose.
var quiet = slog.New(slog.DiscardHandler)

// Offloading to nginx or Apache needs files on disk, and signing needs a
// bucket that signs.
func TestSenderNeedsItsFiles(t *testing.T) {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	if err := b.WriteAll(t.Context(), "f.txt", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if err := root.WriteFile("f.txt", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*private.Handler{
		{Files: bucket.Files{Bucket: b}, Sender: private.XAccelRedirect{}},
		{Files: bucket.Files{Bucket: b}, Sender: private.XSendfile{}},
		{Files: private.Dir{Root: root}, Sender: bucket.SignedRedirect{}},
		{Files: bucket.Files{Bucket: b}, Sender: bucket.SignedRedirect{}}, // memblob signs no URLs
	} {
		h.Authorize, h.Logger = allow, quiet
		if w := serve(h, "GET", "f.txt"); w.Code != 500 || w.Header().Get("Content-Disposition") != "" {
			t.Errorf("%T: %d %v", h.Sender, w.Code, w.Header())
		}
	}
}

func TestSignedRedirectFileblob(t *testing.T) {
	base, _ := url.Parse("https://files.example.com/signed")
	signer := fileblob.NewURLSignerHMAC(base, []byte("a secret of the app"))
	b, err := fileblob.OpenBucket(t.TempDir(), &fileblob.Options{URLSigner: signer})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.WriteAll(t.Context(), "u1/report.pdf", []byte(pdfBytes), nil); err != nil {
		t.Fatal(err)
	}
	h := &private.Handler{Files: bucket.Files{Bucket: b}, Authorize: allow, Sender: bucket.SignedRedirect{Expiry: 30 * time.Second}}
	w := serve(h, "GET", "u1/report.pdf")
	if w.Code != 302 || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Content-Disposition") != "" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := signer.KeyFromURL(t.Context(), loc)
	if err != nil || key != "u1/report.pdf" {
		t.Errorf("Location %s: key %q, %v", loc, key, err)
	}
	exp, _ := strconv.ParseInt(loc.Query().Get("expiry"), 10, 64)
	if d := time.Until(time.Unix(exp, 0)); d > 31*time.Second || d < 25*time.Second {
		t.Errorf("expires in %v", d)
	}
	// HEAD is answered by Go: a signed URL is good for GET only.
	w = serve(h, "HEAD", "u1/report.pdf")
	if w.Code != 200 || w.Header().Get("Content-Length") != strconv.Itoa(len(pdfBytes)) || w.Header().Get("Location") != "" {
		t.Errorf("HEAD: %d %v", w.Code, w.Header())
	}
	h.Authorize = deny
	if w := serve(h, "GET", "u1/report.pdf"); w.Code != 403 || w.Header().Get("Location") != "" {
		t.Errorf("refused: %d %v", w.Code, w.Header())
	}
}

// With S3 the signed URL carries the name and the type: the bucket
// answers as the handler would have.
func TestSignedRedirectS3(t *testing.T) {
	srv := s3test.Start(t)
	b, err := s3blob.OpenBucket(t.Context(), srv.Client(), srv.NewBucket(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Stored without a type or a name: only the URL can tell S3 them.
	if err := b.WriteAll(t.Context(), "u1/3f9a0c", []byte(pdfBytes), nil); err != nil {
		t.Fatal(err)
	}
	h := &private.Handler{
		Files:     bucket.Files{Bucket: b},
		Authorize: allow,
		Name:      func(*private.File) string { return "Jahresbericht Ü.pdf" },
		Inline:    func(*http.Request, *private.File) bool { return true },
		Sender:    bucket.SignedRedirect{},
	}
	w := serve(h, "GET", "u1/3f9a0c")
	if w.Code != 302 {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	res, err := http.Get(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != pdfBytes {
		t.Fatalf("signed URL: %d %q", res.StatusCode, body)
	}
	wantHeaders(t, "signed URL", res.Header, map[string]string{
		"Content-Type":        "application/pdf",
		"Content-Disposition": `inline; filename="Jahresbericht _.pdf"; filename*=UTF-8''Jahresbericht%20%C3%9C.pdf`,
		"Cache-Control":       private.DefaultCacheControl,
	})
}

func wantHeaders(t *testing.T, what string, h http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s %q, want %q", what, k, got, v)
		}
	}
}
