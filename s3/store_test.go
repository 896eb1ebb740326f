package s3_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/s3"
	"github.com/stickyuploads/sticky/storetest"
)

func ExampleNewStore() {
	ctx := context.Background()
	// Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the
	// shared AWS files or an IAM role.
	store, err := s3.NewStore(ctx, s3.Config{
		Bucket:    "uploads",
		Endpoint:  "http://127.0.0.1:7070", // versitygw, MinIO...; "" for AWS
		PathStyle: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	up, err := sticky.New(sticky.Config{
		Keys:     [][]byte{[]byte(os.Getenv("STICKY_SECRET"))}, // the same on every server
		Identity: func(r *http.Request) string { return r.Header.Get("X-User") },
		Store:    store,
	})
	if err != nil {
		log.Fatal(err)
	}
	// Abandoned uploads go after Config.TTL.
	go up.SweepEvery(ctx, 10*time.Minute)
	http.Handle("/uploads/", up)
}

func ExampleStore_Locker() {
	ctx := context.Background()
	store, err := s3.NewStore(ctx, s3.Config{Bucket: "uploads", Endpoint: "http://127.0.0.1:7070", PathStyle: true})
	if err != nil {
		log.Fatal(err)
	}
	// Every server behind the load balancer has the same three lines: a
	// resumable upload begun on one may go on on any other.
	up, err := sticky.New(sticky.Config{
		Keys:     [][]byte{[]byte(os.Getenv("STICKY_SECRET"))},
		Identity: func(r *http.Request) string { return r.Header.Get("X-User") },
		Store:    store,
		Locker:   store.Locker(),
	})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/uploads/", up)
}

// recorder is a reverse proxy to the S3 server that notes the payload hash
// header of every request.
type recorder struct {
	mu      sync.Mutex
	hashes  []string
	methods []string
}

func (rec *recorder) proxy(t *testing.T, target string) string {
	u, _ := url.Parse(target)
	p := httputil.NewSingleHostReverseProxy(u)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.hashes = append(rec.hashes, r.Header.Get("X-Amz-Content-Sha256"))
		rec.methods = append(rec.methods, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		rec.mu.Unlock()
		p.ServeHTTP(w, r)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func TestS3StoreSignsPayload(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	srv.SetEnv(t) // credentials through the AWS chain, as in production
	rec := &recorder{}
	store, err := s3.NewStore(t.Context(), s3.Config{Bucket: bucket, Endpoint: rec.proxy(t, srv.Endpoint), PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	site := storetest.NewSite(t, sticky.Config{Store: store, MaxSize: 8 << 20})
	data := bytes.Repeat([]byte("0123456789abcdef"), 6<<20/16) // two parts
	rep := site.MustUpload(t, "doc", "two-parts.txt", data)
	f, err := site.Kept(t.Context(), "doc", rep.Stored)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := os.OpenRoot(t.TempDir())
	key, err := (&sticky.Permanent{Vault: sticky.DirVault(root)}).Save(t.Context(), f, nil)
	if out, _ := root.ReadFile(key); err != nil || !bytes.Equal(out, data) {
		t.Fatalf("Save: %v, %d bytes", err, len(out))
	}
	if _, err := site.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}

	sha := regexp.MustCompile(`^[0-9a-f]{64}$`)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.hashes) < 8 {
		t.Fatalf("only %d requests reached S3", len(rec.hashes))
	}
	for i, h := range rec.hashes {
		if !sha.MatchString(h) {
			t.Errorf("%s: x-amz-content-sha256 %q, want the body's SHA-256", rec.methods[i], h)
		}
	}
	t.Logf("%d requests to S3, each with the body's SHA-256", len(rec.hashes))
}

func TestS3StoreUnreachable(t *testing.T) {
	s3test.Start(t).SetEnv(t) // credentials, so that the SDK looks nowhere else
	store, err := s3.NewStore(t.Context(), s3.Config{Bucket: "b", Endpoint: s3test.ClosedEndpoint(t), PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	site := storetest.NewSite(t, sticky.Config{Store: store})
	start := time.Now()
	status, rep, err := site.Upload(t.Context(), "doc", "a.txt", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusServiceUnavailable || rep.IsValid || !strings.Contains(rep.Message(), "try again") {
		t.Errorf("upload with S3 down: %d %+v; want 503 asking to try again", status, rep)
	}
	t.Logf("answered %d in %v: %q", status, time.Since(start).Round(time.Millisecond), rep.Message())
}

// switchable is a TCP proxy that can stop passing connections, the way an
// S3 server that goes down stops answering.
type switchable struct {
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func (s *switchable) start(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(); s.setDown(true) })
	s.conns = map[net.Conn]bool{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			if s.down {
				s.mu.Unlock()
				c.Close()
				continue
			}
			s.conns[c] = true
			s.mu.Unlock()
			go func() {
				defer c.Close()
				d, err := net.Dial("tcp", s.target)
				if err != nil {
					return
				}
				defer d.Close()
				go io.Copy(d, c)
				io.Copy(c, d)
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// setDown cuts the connections open now and refuses new ones, or lets them
// through again.
func (s *switchable) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
	if down {
		for c := range s.conns {
			c.Close()
		}
		clear(s.conns)
	}
}

func TestS3StoreDownKeepsKeptUploads(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	srv.SetEnv(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "1") // fail at once rather than retry
	proxy := &switchable{target: strings.TrimPrefix(srv.Endpoint, "http://")}
	store, err := s3.NewStore(t.Context(), s3.Config{Bucket: bucket, Endpoint: proxy.start(t), PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	site := storetest.NewSite(t, sticky.Config{Store: store})
	kept := site.MustUpload(t, "doc", "kept.txt", []byte("kept before S3 went down"))

	proxy.setDown(true)
	status, rep, err := site.Upload(t.Context(), "doc", "b.txt", strings.NewReader("sent while S3 is down"))
	if err != nil || status != http.StatusServiceUnavailable {
		t.Errorf("upload while S3 is down: %d %+v %v; want 503", status, rep, err)
	}
	// The kept file is out of reach, not gone: the form says to try again.
	if _, err := site.Kept(t.Context(), "doc", kept.Stored); !errors.Is(err, sticky.ErrStoreUnavailable) {
		t.Errorf("kept file while S3 is down: %v, want ErrStoreUnavailable", err)
	}

	proxy.setDown(false)
	f, err := site.Kept(t.Context(), "doc", kept.Stored)
	if err != nil {
		t.Fatalf("kept file once S3 is back: %v", err)
	}
	rc, err := f.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "kept before S3 went down" {
		t.Errorf("read %q", b)
	}
	if n := len(srv.Objects(t, bucket, "")); n != 4 {
		t.Errorf("%d objects in the bucket, want the kept upload and its receipt (its checksum), with their infos", n)
	}
	if n := len(srv.MultipartUploads(t, bucket, "")); n != 0 {
		t.Errorf("%d multipart uploads left", n)
	}
}

func TestS3StoreNeedsBucket(t *testing.T) {
	if _, err := s3.NewStore(t.Context(), s3.Config{}); err == nil {
		t.Error("NewStore without a bucket: no error")
	}
}

func TestFaultS3GoesAwayMidUpload(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	srv.SetEnv(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	proxy := &switchable{target: strings.TrimPrefix(srv.Endpoint, "http://")}
	store, err := s3.NewStore(t.Context(), s3.Config{Bucket: bucket, Endpoint: proxy.start(t), PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	const ttl = 10 * time.Second // room for a loaded machine to read the kept file back within it
	site := storetest.NewSite(t, sticky.Config{Store: store, MaxSize: 16 << 20, TTL: ttl})
	keptData := []byte("kept before S3 went away\n")
	kept := site.MustUpload(t, "doc", "kept.txt", keptData)
	begun := time.Now()

	// S3 goes away after the first 5 MiB part has gone up.
	data := bytes.Repeat([]byte("s3 mid-upload..\n"), 12<<20/16)
	body := &cutReader{r: bytes.NewReader(data), n: 7 << 20, at: func() {
		time.Sleep(300 * time.Millisecond) // let the first part reach S3
		proxy.setDown(true)
	}}
	status, rep, err := site.Upload(t.Context(), "doc", "big.txt", body)
	if err != nil || status != http.StatusServiceUnavailable || rep.IsValid {
		t.Errorf("upload while S3 went away: %d %+v %v; want 503", status, rep, err)
	}
	partial := len(srv.MultipartUploads(t, bucket, ""))
	proxy.setDown(false)

	// Back: the kept upload reads whole; the cut one was never handed out.
	if got := readKept(t, site, "doc", kept.Stored); !bytes.Equal(got, keptData) {
		t.Fatalf("kept upload reads %q, want %q", got, keptData)
	}
	// Past the TTL the sweep removes everything, unfinished multipart
	// uploads included.
	time.Sleep(time.Until(begun.Add(ttl + 1500*time.Millisecond)))
	if _, err := site.Sweep(t.Context()); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if objs := srv.Objects(t, bucket, ""); len(objs) != 0 {
		t.Errorf("after the sweep: objects %q", objs)
	}
	if mps := srv.MultipartUploads(t, bucket, ""); len(mps) != 0 {
		t.Errorf("after the sweep: %d multipart uploads", len(mps))
	}
	t.Logf("S3 went away mid-upload: 503; %d unfinished multipart uploads left until the sweep removed them", partial)
}

// cutReader reads r and calls at once when n bytes have been read.
type cutReader struct {
	r  io.Reader
	n  int
	at func()
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.at != nil && c.n <= 0 {
		c.at()
		c.at = nil
	}
	if c.at != nil && len(p) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

// readKept returns the bytes of the file that a form posting ref in the
// sticky field field gets from site. It opens the file rather than saving
// it, which would discard it.
func readKept(t *testing.T, site *storetest.Site, field, ref string) []byte {
	t.Helper()
	f, err := site.Kept(t.Context(), field, ref)
	if err != nil {
		t.Fatalf("the kept file of %s: %v", field, err)
	}
	rc, err := f.Open(t.Context())
	if err != nil {
		t.Fatalf("opening the kept file: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading the kept file: %v", err)
	}
	return b
}

// s3Stores starts versitygw with a new bucket and returns n stores of it,
// as n servers sharing the bucket each make theirs, the server and the
// bucket's name.
func s3Stores(t *testing.T, n int) ([]*s3.Store, *s3test.Server, string) {
	t.Helper()
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	stores := make([]*s3.Store, n)
	for i := range stores {
		s, err := s3.NewStore(t.Context(), s3.Config{Bucket: bucket, Client: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	return stores, srv, bucket
}

// wantEmpty fails the test unless bucket holds no objects and no
// multipart uploads.
func wantEmpty(t *testing.T, srv *s3test.Server, bucket string) {
	t.Helper()
	if left := srv.Objects(t, bucket, ""); len(left) != 0 {
		t.Errorf("left in the bucket: %q", left)
	}
	if left := srv.MultipartUploads(t, bucket, ""); len(left) != 0 {
		t.Errorf("multipart uploads left: %q", left)
	}
}
