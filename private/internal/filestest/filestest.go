// Package filestest is the suite of HTTP semantics that private.Handler
// keeps whatever its Files: the same answers from a directory, a bucket in
// memory or a real S3 server.
package filestest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/private"
)

// Store is one place files are served from.
type Store struct {
	Files private.Files
	// Put writes a file under key.
	Put func(t *testing.T, key string, data []byte)
}

// Run runs the suite, each test with a store from newStore.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	for _, tt := range []struct {
		name string
		test func(*testing.T, Store)
	}{
		{"HTTP", testHTTP},
		{"AuthorizeSeesFile", testAuthorizeSeesFile},
		{"ClientGoesAway", testClientGoesAway},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newStore(t)) })
	}
}

// maxRanges is how many ranges a Handler honours in one request.
const maxRanges = 32

func allow(*http.Request, *private.File) bool { return true }

func handler(s Store) *private.Handler {
	return &private.Handler{Files: s.Files, Authorize: allow, Logger: slog.New(slog.DiscardHandler)}
}

// get sends a request to h and returns the recorded response.
func get(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// testHTTP: ranges, conditional requests and HEAD.
func testHTTP(t *testing.T, s Store) {
	// Big enough that ranges land past the first 512 bytes, read for
	// sniffing, and past the first range read.
	data := make([]byte, 300_000)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	s.Put(t, "docs/alphabet.txt", data)
	h := handler(s)
	full := get(h, "GET", "/docs/alphabet.txt")
	etag, lastMod := full.Header().Get("ETag"), full.Header().Get("Last-Modified")
	if full.Code != 200 || !bytes.Equal(full.Body.Bytes(), data) {
		t.Fatalf("GET: %d, %d bytes", full.Code, full.Body.Len())
	}
	wantHeaders(t, "GET", full.Header(), map[string]string{
		"Content-Length":         strconv.Itoa(len(data)),
		"Content-Type":           "text/plain; charset=utf-8",
		"Cache-Control":          "private, no-cache",
		"X-Content-Type-Options": "nosniff",
		"Accept-Ranges":          "bytes",
		"Content-Disposition":    `attachment; filename="alphabet.txt"`,
	})
	if !strings.HasPrefix(etag, `"`) || lastMod == "" {
		t.Errorf("ETag %q, Last-Modified %q", etag, lastMod)
	}

	head := get(h, "HEAD", "/docs/alphabet.txt")
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Length") != strconv.Itoa(len(data)) || head.Header().Get("ETag") != etag {
		t.Errorf("HEAD: %d %v, %d bytes", head.Code, head.Header(), head.Body.Len())
	}

	for _, tt := range []struct {
		rng        string
		start, end int // inclusive
	}{
		{"bytes=0-9", 0, 9},
		{"bytes=100000-100099", 100000, 100099},
		{"bytes=299990-", 299990, 299999},
		{"bytes=-5", 299995, 299999},
		{"bytes=250000-999999", 250000, 299999},
		{"bytes=500-5000", 500, 5000}, // crosses the sniffed head
	} {
		w := get(h, "GET", "/docs/alphabet.txt", "Range", tt.rng)
		wantCR := fmt.Sprintf("bytes %d-%d/%d", tt.start, tt.end, len(data))
		if w.Code != 206 || w.Header().Get("Content-Range") != wantCR || !bytes.Equal(w.Body.Bytes(), data[tt.start:tt.end+1]) ||
			w.Header().Get("Content-Length") != strconv.Itoa(tt.end-tt.start+1) {
			t.Errorf("Range %s: %d %q, %d bytes", tt.rng, w.Code, w.Header().Get("Content-Range"), w.Body.Len())
		}
	}

	multi := get(h, "GET", "/docs/alphabet.txt", "Range", "bytes=0-4,200000-200009,-3")
	checkMultipart(t, multi, data, [][2]int{{0, 4}, {200000, 200009}, {299997, 299999}})

	if w := get(h, "GET", "/docs/alphabet.txt", "Range", "bytes=400000-"); w.Code != 416 {
		t.Errorf("unsatisfiable range: %d", w.Code)
	}
	many := "bytes=" + strings.Repeat("0-0,", maxRanges) + "1-1"
	if w := get(h, "GET", "/docs/alphabet.txt", "Range", many); w.Code != 200 || w.Body.Len() != len(data) {
		t.Errorf("%d ranges: %d, %d bytes; want the whole file", maxRanges+1, w.Code, w.Body.Len())
	}

	for _, c := range []struct {
		name   string
		header []string
		status int
	}{
		{"If-None-Match same", []string{"If-None-Match", etag}, 304},
		{"If-None-Match other", []string{"If-None-Match", `"other"`}, 200},
		{"If-None-Match weak same", []string{"If-None-Match", "W/" + etag}, 304},
		{"If-Modified-Since same", []string{"If-Modified-Since", lastMod}, 304},
		{"If-Modified-Since long ago", []string{"If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"}, 200},
		{"If-Match other", []string{"If-Match", `"other"`}, 412},
		{"If-Match same", []string{"If-Match", etag}, 200},
		{"If-Range same", []string{"If-Range", etag, "Range", "bytes=0-0"}, 206},
		{"If-Range other", []string{"If-Range", `"other"`, "Range", "bytes=0-0"}, 200},
		{"HEAD If-None-Match", []string{"If-None-Match", etag}, 304},
	} {
		method := "GET"
		if strings.HasPrefix(c.name, "HEAD") {
			method = "HEAD"
		}
		w := get(h, method, "/docs/alphabet.txt", c.header...)
		if w.Code != c.status {
			t.Errorf("%s: %d, want %d", c.name, w.Code, c.status)
		}
		if w.Code == 304 && (w.Body.Len() != 0 || w.Header().Get("ETag") != etag) {
			t.Errorf("%s: 304 with ETag %q and %d bytes", c.name, w.Header().Get("ETag"), w.Body.Len())
		}
	}
}

// checkMultipart checks a multipart/byteranges answer part by part.
func checkMultipart(t *testing.T, w interface {
	Result() *http.Response
}, data []byte, ranges [][2]int) {
	t.Helper()
	res := w.Result()
	mt, params, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if res.StatusCode != 206 || err != nil || mt != "multipart/byteranges" {
		t.Fatalf("multiple ranges: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(res.Body, params["boundary"])
	for i, r := range ranges {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		got, _ := io.ReadAll(p)
		want := fmt.Sprintf("bytes %d-%d/%d", r[0], r[1], len(data))
		if p.Header.Get("Content-Range") != want || !bytes.Equal(got, data[r[0]:r[1]+1]) {
			t.Errorf("part %d: %q %q", i, p.Header.Get("Content-Range"), got)
		}
		if p.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("part %d: Content-Type %q", i, p.Header.Get("Content-Type"))
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("after the parts: %v", err)
	}
}

func wantHeaders(t *testing.T, what string, h http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s %q, want %q", what, k, got, v)
		}
	}
}

// Authorize sees the whole file, and runs before anything is answered,
// conditional requests included.
func testAuthorizeSeesFile(t *testing.T, s Store) {
	data := "%PDF-1.7\n" + strings.Repeat("x", 1000)
	s.Put(t, "u1/ab12.pdf", []byte(data))
	type doc struct{ owner, name string }
	var seen *private.File
	h := handler(s)
	h.Prefix = "/files/"
	h.Parent = func(ctx context.Context, key string) (any, error) {
		return &doc{owner: "u1", name: "Annual report 2024.pdf"}, nil
	}
	h.Name = func(f *private.File) string { return f.Parent.(*doc).name }
	h.Authorize = func(r *http.Request, f *private.File) bool {
		seen = f
		return r.Header.Get("X-User") == f.Parent.(*doc).owner
	}
	w := get(h, "GET", "/files/u1/ab12.pdf", "X-User", "u1")
	if w.Code != 200 || w.Body.String() != data {
		t.Fatalf("owner: %d %.40q", w.Code, w.Body)
	}
	f := seen
	if f.Key != "u1/ab12.pdf" || f.Name != "Annual report 2024.pdf" || f.Size != int64(len(data)) ||
		f.ContentType != "application/pdf" || f.ModTime.IsZero() || time.Since(f.ModTime) > time.Hour ||
		!strings.HasPrefix(f.ETag, `"`) || f.Parent.(*doc).owner != "u1" {
		t.Errorf("Authorize saw %+v", f)
	}
	if got := w.Header().Get("Content-Disposition"); got != `attachment; filename="Annual report 2024.pdf"` {
		t.Errorf("Content-Disposition %q", got)
	}
	if got := w.Header().Get("ETag"); got != f.ETag {
		t.Errorf("ETag %q, File.ETag %q", got, f.ETag)
	}
	// Another user, even with the right validator, learns nothing.
	for _, hdr := range [][]string{nil, {"If-None-Match", f.ETag}, {"Range", "bytes=0-3"}} {
		w = get(h, "GET", "/files/u1/ab12.pdf", append([]string{"X-User", "u2"}, hdr...)...)
		if w.Code != 403 || w.Header().Get("ETag") != "" || strings.Contains(w.Body.String(), "PDF") {
			t.Errorf("other user, %v: %d %v %q", hdr, w.Code, w.Header(), w.Body)
		}
	}
}

// testClientGoesAway: a client that goes away in the middle of a
// multiple-range answer leaves ServeContent's writing goroutine reading
// while the handler closes the file: that must be safe (run with -race).
func testClientGoesAway(t *testing.T, s Store) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	s.Put(t, "big", data)
	srv := httptest.NewServer(handler(s))
	defer srv.Close()
	for range 5 {
		req, _ := http.NewRequest("GET", srv.URL+"/big", nil)
		req.Header.Set("Range", "bytes=0-1999999,2000000-3999999,4000000-")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 206 {
			t.Fatalf("%d", res.StatusCode)
		}
		io.CopyN(io.Discard, res.Body, 1000)
		res.Body.Close() // before the end: the connection is dropped
	}
	srv.CloseClientConnections()
}
