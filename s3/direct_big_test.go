package s3_test

import (
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/storetest"
)

// countedBody counts the bytes the app reads of request bodies.
type countedBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countedBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// vmHWM is this process's peak resident memory, from /proc.
func vmHWM(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// A 200 MiB file goes straight to the bucket in 40 parts: the app reads a
// few kilobytes of requests for it, its memory stays flat, and the file
// kept is the file sent.
func TestDirectBigFileBypassesTheApp(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 200 MiB")
	}
	stores, _, _ := s3Stores(t, 1)
	up, err := sticky.New(sticky.Config{Keys: [][]byte{storetest.Key}, Identity: userHeader, Store: stores[0], Direct: true, MaxSize: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var read atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = countedBody{r.Body, &read}
		up.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	alice := &direct{t: t, base: srv.URL + sticky.DefaultPath + "s3", user: "alice"}

	const partSize, parts = 5 << 20, 40
	before := vmHWM(t)
	began := time.Now()
	var created struct{ Key, UploadID string }
	body := map[string]any{"filename": "big.bin", "type": "application/octet-stream", "metadata": map[string]string{"field": "doc", "size": strconv.Itoa(partSize * parts)}}
	if status := alice.call(http.MethodPost, "/multipart", body, &created); status != http.StatusOK {
		t.Fatalf("create: %d", status)
	}
	route := "/multipart/" + url.PathEscape(created.UploadID)
	key := "?key=" + url.QueryEscape(created.Key)
	sum := sha256.New()
	rng := rand.NewChaCha8([32]byte{1})
	piece := make([]byte, partSize)
	var done []map[string]any
	for i := 1; i <= parts; i++ {
		rng.Read(piece)
		sum.Write(piece)
		var s struct {
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
		}
		if status := alice.call(http.MethodGet, route+"/"+strconv.Itoa(i)+key+"&size="+strconv.Itoa(partSize), nil, &s); status != http.StatusOK {
			t.Fatalf("sign part %d: %d", i, status)
		}
		status, etag := put(t, s.URL, s.Headers, piece)
		if status != http.StatusOK {
			t.Fatalf("PUT part %d: %d", i, status)
		}
		done = append(done, map[string]any{"PartNumber": i, "ETag": etag})
	}
	var got directReply
	if status := alice.call(http.MethodPost, route+"/complete"+key, map[string]any{"parts": done}, &got); status != http.StatusOK || got.Size != partSize*parts {
		t.Fatalf("complete: %d %+v", status, got)
	}
	took := time.Since(began)
	appRead, peak := read.Load(), vmHWM(t)-before

	// The kept file is the file sent.
	body2 := strings.NewReader(url.Values{"_doc": {got.Stored}}.Encode())
	r := httptest.NewRequest(http.MethodPost, "/", body2)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-User", "alice")
	form, err := up.ReadForm(httptest.NewRecorder(), r)
	if err != nil {
		t.Fatal(err)
	}
	f, err := form.File("doc")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := f.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	back := sha256.New()
	if _, err := io.Copy(back, rc); err != nil {
		t.Fatal(err)
	}
	if string(back.Sum(nil)) != string(sum.Sum(nil)) {
		t.Fatal("the kept file differs from the file sent")
	}
	t.Logf("200 MiB in %d parts straight to the bucket in %v: the app read %d bytes of requests; this process's peak RSS (client and app together) grew %d MiB",
		parts, took.Round(time.Millisecond), appRead, peak>>20)
	if appRead > 64<<10 {
		t.Errorf("the app read %d bytes for a direct upload, want a few kilobytes", appRead)
	}
	if peak > 64<<20 {
		t.Errorf("peak RSS grew %d MiB during a direct upload", peak>>20)
	}
}
