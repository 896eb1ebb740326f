package private

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stickyuploads/sticky/internal/s3test"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
)

func TestParseRanges(t *testing.T) {
	for _, tt := range []struct {
		h    string
		want []byteRange
	}{
		{"", nil},
		{"items=0-1", nil},
		{"bytes=0-9", []byteRange{{0, 10}}},
		{"bytes=5-", []byteRange{{5, 95}}},
		{"bytes=-10", []byteRange{{90, 10}}},
		{"bytes=-1000", []byteRange{{0, 100}}},
		{"bytes=90-1000", []byteRange{{90, 10}}},
		{"bytes=0-0, 50-59 ,-1", []byteRange{{0, 1}, {50, 10}, {99, 1}}},
		{"bytes=200-300", nil},
		{"bytes=9-1", nil},
		{"bytes=x-1", nil},
		{"bytes=-0", nil},
		{"bytes=1", nil},
	} {
		if got := parseRanges(tt.h, 100); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseRanges(%q) = %v, want %v", tt.h, got, tt.want)
		}
	}
}

// A read that goes past the range the request asked for (ServeContent
// decides, not the hint) goes on with another range read.
func TestBucketContentReadsPastHint(t *testing.T) {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	data := bytes.Repeat([]byte("0123456789"), 200)
	if err := b.WriteAll(t.Context(), "k", data, nil); err != nil {
		t.Fatal(err)
	}
	f := &File{Key: "k", bucket: b, Size: int64(len(data)), head: data[:sniffLen]}
	c := newBucketContent(t.Context(), f, "bytes=600-609,1990-")
	defer c.Close()
	for _, start := range []int64{600, 0, 1990, 1500, 600} {
		if _, err := c.Seek(start, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(io.LimitReader(c, 700))
		if want := data[start:min(start+700, int64(len(data)))]; err != nil || !bytes.Equal(got, want) {
			t.Errorf("from %d: %v, %d bytes, want %d", start, err, len(got), len(want))
		}
	}
	if n, _ := c.Seek(0, io.SeekEnd); n != int64(len(data)) {
		t.Errorf("size %d", n)
	}
	c.Close()
	if _, err := c.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("Read after Close succeeded")
	}
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
	bucket, err := s3blob.OpenBucket(t.Context(), client, srv.NewBucket(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	const size = 8 << 20
	data := bytes.Repeat([]byte("abcdefgh"), size/8)
	if err := bucket.WriteAll(t.Context(), "big.bin", data, nil); err != nil {
		t.Fatal(err)
	}
	h := &Handler{Bucket: bucket, Authorize: allow}
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
	if w := get(h, "HEAD", "/big.bin"); w.Code != 200 || received.Load() > sniffLen {
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

// A client that goes away in the middle of a multiple-range answer leaves
// ServeContent's writing goroutine reading while the handler closes the
// content: that must be safe (run with -race).
func TestBucketContentClientGoesAway(t *testing.T) {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	if err := b.WriteAll(t.Context(), "big", data, nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&Handler{Bucket: b, Authorize: allow})
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
