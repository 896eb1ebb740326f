package e2e

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stickyuploads/sticky/internal/s3test"
)

// cable is a TCP relay in front of the S3 server, which a test can cut:
// the browser then loses its connections to the bucket mid-upload (and
// the demo its own, which it makes again when it next needs them).
type cable struct {
	t      *testing.T
	addr   string // 127.0.0.1:PORT, the same across cuts
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newCable(t *testing.T, target string) *cable {
	t.Helper()
	c := &cable{t: t, target: target, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	c.connect()
	c.addr = c.ln.Addr().String()
	t.Cleanup(c.cut)
	return c
}

// URL is the relay's, which the demo's presigned URLs name.
func (c *cable) URL() string { return "http://" + c.addr }

// connect listens (again) and relays every connection to the target.
func (c *cable) connect() {
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		c.t.Fatalf("relay: %v", err)
	}
	c.mu.Lock()
	c.ln = ln
	c.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", c.target)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns[in], c.conns[out] = true, true
			c.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
}

// cut closes the relay and every connection through it: new ones are
// refused until connect.
func (c *cable) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ln != nil {
		c.ln.Close()
		c.ln = nil
	}
	for conn := range c.conns {
		conn.Close()
		delete(c.conns, conn)
	}
}

// directDemo is a demo started with -s3-* -direct against versitygw, its
// bucket reached by browsers through a cable that the test may cut; the
// demo sets the bucket's CORS (-s3-cors).
func directDemo(t *testing.T) (*demo, *cable, string) {
	t.Helper()
	srv := s3test.Start(t)
	srv.SetEnv(t) // the demo inherits the keys
	bucket := srv.NewBucket(t)
	c := newCable(t, strings.TrimPrefix(srv.Endpoint, "http://"))
	d := startDemoWith(t, "-s3-bucket", bucket, "-s3-endpoint", c.URL(), "-direct", "-s3-cors", "-max-size", "32MiB")
	return d, c, bucket
}

// wantNoBytesThroughApp checks that the browser sent no file to the app:
// no one-shot POST to the upload endpoint, no tus request, only the small
// requests of the signing routes.
func (b *browser) wantNoBytesThroughApp(t *testing.T) {
	t.Helper()
	b.net.mu.Lock()
	defer b.net.mu.Unlock()
	for _, r := range b.net.requests {
		p := urlPath(r.URL)
		if strings.HasPrefix(p, uploadPath) && r.Method != http.MethodGet && !strings.HasPrefix(p, uploadPath+"s3/") {
			t.Errorf("a request with a body to the app's uploader: %s %s", r.Method, r.URL)
		}
	}
}

// bucketRequests are the requests with method the page sent to the bucket.
func (b *browser) bucketRequests(method, bucket string) []request {
	return b.net.requestsTo(method, "/"+bucket+"/")
}

// A file chosen in the demo's form goes straight to the bucket, the app
// only signing; the form posts the reference, and the document saved is
// the file chosen.
func TestDirectUpload(t *testing.T) {
	d, _, bucket := directDemo(t)
	b := newBrowser(t, 60*time.Second)
	b.login(t, d)
	b.open(t, d, "/documents/new")
	path := writeText(t, t.TempDir(), "minutes.txt", 40_000)
	b.chooseFile(t, path)
	s := b.waitState(t, "the upload", `s.ref !== '' || s.error !== ''`, 20*time.Second)
	if s.Error != "" {
		t.Fatalf("the upload failed: %s\n%s", s, b.net.report())
	}
	b.recordFormData(t)
	b.setTitle(t, "Straight to the bucket")
	if status := b.submit(t); status != http.StatusOK {
		t.Fatalf("submitting: status %d", status)
	}
	if fd := b.formData(t); fd.FileBytes != 0 || fd.Ref == "" {
		t.Errorf("the form posted %d bytes of the file, reference %q", fd.FileBytes, fd.Ref)
	}
	b.checkDocument(t, d, "Straight to the bucket", path)
	if n := len(b.bucketRequests(http.MethodPost, bucket)); n != 1 {
		t.Errorf("%d POSTs to the bucket, want 1:\n%s", n, b.net.report())
	}
	b.wantNoBytesThroughApp(t)
}

// A file of 24 MiB goes up in five parts of 5 MiB; the connection to the
// bucket is cut while the parts flow and the upload goes on once it is
// back; then the page is reloaded mid-way, the same file chosen again,
// and only the parts the bucket lacks are sent. The saved document is the
// file chosen, byte for byte.
func TestDirectUploadResumes(t *testing.T) {
	const size, parts = 24 << 20, 5
	d, cable, bucket := directDemo(t)
	b := newBrowser(t, 120*time.Second)
	b.login(t, d)
	b.open(t, d, "/documents/new")
	// Slow enough to act mid-way: 4 MiB/s to the bucket.
	if _, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{URLPattern: cable.URL() + "/*", DownloadThroughput: -1, UploadThroughput: 4 << 20}},
	}); err != nil {
		t.Fatalf("throttling: %v", err)
	}
	path := writeText(t, t.TempDir(), "survey.txt", size)
	b.chooseFile(t, path)
	b.recordWidget(t)
	b.waitState(t, "some progress", `s.progress >= 10`, 20*time.Second)

	cable.cut()
	b.waitState(t, "the retry", `/retrying/.test(s.status)`, 20*time.Second)
	time.Sleep(1500 * time.Millisecond)
	cable.connect()

	// Once three parts are in the bucket, reload.
	deadline := time.Now().Add(40 * time.Second)
	for finished(b.bucketRequests(http.MethodPut, bucket)) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("three parts did not reach the bucket after the cut:\n%s", b.net.report())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s := b.recording(t); !strings.Contains(strings.Join(s.Statuses, "|"), "retrying") {
		t.Errorf("the cut was not told: %q", s.Statuses)
	}
	before := len(b.bucketRequests(http.MethodPut, bucket))
	b.open(t, d, "/documents/new")
	b.waitState(t, "the interruption told", `/interrupted/.test(s.status)`, 5*time.Second)
	b.chooseFile(t, path)
	s := b.waitState(t, "the upload", `s.ref !== '' || s.error !== ''`, 60*time.Second)
	if s.Error != "" {
		t.Fatalf("the upload failed: %s\n%s", s, b.net.report())
	}
	after := b.bucketRequests(http.MethodPut, bucket)[before:]
	if finished(after) > parts-3 || len(after) == 0 {
		t.Errorf("after the reload %d parts were sent, want at most %d:\n%s", finished(after), parts-3, b.net.report())
	}
	listed := 0
	for _, r := range b.net.requestsTo(http.MethodGet, uploadPath+"s3/multipart/") {
		if strings.Count(strings.TrimPrefix(urlPath(r.URL), uploadPath+"s3/multipart/"), "/") == 0 {
			listed++
		}
	}
	if listed != 1 {
		t.Errorf("the parts were listed %d times, want once", listed)
	}

	b.setTitle(t, "Survey")
	if status := b.submit(t); status != http.StatusOK {
		t.Fatalf("submitting: status %d", status)
	}
	b.checkDocument(t, d, "Survey", path)
	b.wantNoBytesThroughApp(t)
	t.Logf("%d PUTs to the bucket in all, %d after the reload", len(b.bucketRequests(http.MethodPut, bucket)), len(after))
}

// finished counts the requests that got a 2xx.
func finished(rs []request) int {
	n := 0
	for _, r := range rs {
		if r.Finished && r.Status >= 200 && r.Status < 300 {
			n++
		}
	}
	return n
}
