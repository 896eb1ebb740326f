package bucket_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/private"
	"github.com/stickyuploads/sticky/private/bucket"
	"gocloud.dev/blob/s3blob"
)

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

// A small range of a large object costs the bucket a small read: the
// handler never fetches the whole object to send a slice.
func TestBucketRangeReadsLittle(t *testing.T) {
	srv := s3test.Start(t)
	var (
		mu        sync.Mutex
		requested []string
		received  atomic.Int64
	)
	target, _ := url.Parse(srv.Endpoint)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(res *http.Response) error {
		mu.Lock()
		requested = append(requested, res.Request.Method+" "+res.Request.Header.Get("Range"))
		mu.Unlock()
		res.Body = countingBody{res.Body, &received}
		return nil
	}
	front := httptest.NewServer(proxy)
	defer front.Close()
	client := s3.New(s3.Options{
		Region: srv.Region, BaseEndpoint: aws.String(front.URL), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(srv.Access, srv.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	b, err := s3blob.OpenBucket(t.Context(), client, srv.NewBucket(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const size = 8 << 20
	data := bytes.Repeat([]byte("abcdefgh"), size/8)
	if err := b.WriteAll(t.Context(), "big.bin", data, nil); err != nil {
		t.Fatal(err)
	}
	h := &private.Handler{Files: bucket.Files{Bucket: b}, Authorize: allow}
	for _, rng := range []string{"bytes=4000000-4000099", "bytes=100-199,6000000-6000099"} {
		mu.Lock()
		requested = nil
		mu.Unlock()
		received.Store(0)
		w := get(h, "GET", "/big.bin", "Range", rng)
		if w.Code != 206 {
			t.Fatalf("%s: %d", rng, w.Code)
		}
		mu.Lock()
		t.Logf("%s: bucket requests %q, %d bytes", rng, requested, received.Load())
		mu.Unlock()
		if n := received.Load(); n > 4096 {
			t.Errorf("%s: read %d bytes from the bucket", rng, n)
		}
	}
	received.Store(0)
	if w := get(h, "HEAD", "/big.bin"); w.Code != 200 || received.Load() > 512 {
		t.Errorf("HEAD: %d, read %d bytes from the bucket", w.Code, received.Load())
	}
	if w := get(h, "GET", "/big.bin"); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), data) {
		t.Errorf("GET: %d, %d bytes", w.Code, w.Body.Len())
	}
	if !strings.Contains(strings.Join(requested, ","), "GET") {
		t.Error("no request went through the counting proxy")
	}
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}
