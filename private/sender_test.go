package private

import (
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/s3test"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
)

func TestXAccelRedirect(t *testing.T) {
	root := newRoot(t, map[string]string{
		"a/report.pdf":       pdfBytes,
		"a/Über uns?#1.pdf":  pdfBytes,
		"a/100%.pdf":         pdfBytes,
		"a/page.html":        htmlBytes,
		"semi;colon&plus+.x": "x",
	})
	for _, tt := range []struct {
		sender Sender
		key    string
		status int
		header string
	}{
		{XAccelRedirect{}, "a/report.pdf", 200, "/private-internal/a/report.pdf"},
		{XAccelRedirect{Prefix: "/protected"}, "a/report.pdf", 200, "/protected/a/report.pdf"},
		{XAccelRedirect{Prefix: "/protected/"}, "a/Über uns?#1.pdf", 200, "/protected/a/%C3%9Cber%20uns%3F%231.pdf"},
		{XAccelRedirect{}, "semi;colon&plus+.x", 200, "/private-internal/semi%3Bcolon&plus+.x"},
		{XAccelRedirect{}, "a/100%.pdf", 200, "/private-internal/a/100%25.pdf"},
		{XAccelRedirect{}, "a/page.html", 200, "/private-internal/a/page.html"},
	} {
		h := &Handler{Root: root, Authorize: allow, Sender: tt.sender, Log: quiet}
		w := serve(h, "GET", tt.key, "Range", "bytes=0-3")
		if w.Code != tt.status || w.Header().Get("X-Accel-Redirect") != tt.header {
			t.Errorf("%q: %d %q, want %d %q", tt.key, w.Code, w.Header().Get("X-Accel-Redirect"), tt.status, tt.header)
		}
		if tt.status != 200 {
			continue
		}
		// The headers nginx passes on are set; the bytes and the
		// validators are nginx's to send.
		if w.Body.Len() != 0 || w.Header().Get("ETag") != "" || w.Header().Get("Content-Range") != "" {
			t.Errorf("%q: body %q, headers %v", tt.key, w.Body, w.Header())
		}
		if w.Header().Get("Content-Type") == "" || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment;") {
			t.Errorf("%q: headers %v", tt.key, w.Header())
		}
	}
	// Refused: nothing for nginx to follow.
	h := &Handler{Root: root, Authorize: deny, Sender: XAccelRedirect{}}
	if w := serve(h, "GET", "a/report.pdf"); w.Code != 403 || w.Header().Get("X-Accel-Redirect") != "" {
		t.Errorf("refused: %d %v", w.Code, w.Header())
	}
}

func TestXSendfile(t *testing.T) {
	root := newRoot(t, map[string]string{"a/report.pdf": pdfBytes})
	abs, err := filepath.Abs(root.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		sender       XSendfile
		header, want string
	}{
		{XSendfile{}, "X-Sendfile", filepath.Join(abs, "a", "report.pdf")},
		{XSendfile{Dir: "/srv/files"}, "X-Sendfile", filepath.FromSlash("/srv/files/a/report.pdf")},
		{XSendfile{Header: "X-LIGHTTPD-send-file"}, "X-LIGHTTPD-send-file", filepath.Join(abs, "a", "report.pdf")},
	} {
		h := &Handler{Root: root, Authorize: allow, Sender: tt.sender}
		w := serve(h, "GET", "a/report.pdf")
		if w.Code != 200 || w.Header().Get(tt.header) != tt.want || w.Body.Len() != 0 {
			t.Errorf("%+v: %d %v", tt.sender, w.Code, w.Header())
		}
	}
}

// Offloading needs files on disk; a bucket's are refused, and a Root's
// cannot be signed.
func TestSenderNeedsItsStore(t *testing.T) {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	if err := b.WriteAll(t.Context(), "f.txt", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	root := newRoot(t, map[string]string{"f.txt": "x"})
	for _, h := range []*Handler{
		{Bucket: b, Sender: XAccelRedirect{}},
		{Bucket: b, Sender: XSendfile{}},
		{Root: root, Sender: SignedRedirect{}},
		{Bucket: b, Sender: SignedRedirect{}}, // memblob signs no URLs
	} {
		h.Authorize, h.Log = allow, quiet
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
	h := &Handler{Bucket: b, Authorize: allow, Sender: SignedRedirect{Expiry: 30 * time.Second}}
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
	h := &Handler{
		Bucket:    b,
		Authorize: allow,
		Name:      func(*File) string { return "Jahresbericht Ü.pdf" },
		Inline:    func(*http.Request, *File) bool { return true },
		Sender:    SignedRedirect{},
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
		"Cache-Control":       DefaultCacheControl,
	})
}
