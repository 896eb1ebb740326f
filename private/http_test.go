package private

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestHTTP runs the HTTP semantics against every store: the same answers
// whether the bytes come from a directory or a bucket.
func TestHTTP(t *testing.T) {
	// Big enough that ranges land past the first 512 bytes, read for
	// sniffing, and past the first range read.
	data := make([]byte, 300_000)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			s.put(t, "docs/alphabet.txt", data)
			h := s.handler()
			h.Authorize = allow
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
		})
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
