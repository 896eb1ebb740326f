package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
	spoilt atomic.Int64 // > 0: the offset at which to flip a byte, once (see spoil)
	bps    atomic.Int64 // > 0: bytes per second each connection may send
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
			go func() { c.relay(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
}

// spoil has the cable flip one byte of what a client sends, once: the byte
// at offset at of the first connection that sends that much. Past the
// first megabyte of a browser's connection to the bucket, that is a byte
// of a part, or of a file sent whole.
func (c *cable) spoil(at int64) { c.spoilt.Store(at) }

// relay copies what in sends to out, spoiling a byte and slowing down
// when asked.
func (c *cable) relay(out io.Writer, in io.Reader) {
	buf := make([]byte, 32<<10)
	var offset int64
	for {
		n, err := in.Read(buf)
		if bps := c.bps.Load(); bps > 0 {
			time.Sleep(time.Duration(int64(n) * int64(time.Second) / bps))
		}
		if at := c.spoilt.Load(); at > 0 && offset <= at && at < offset+int64(n) && c.spoilt.CompareAndSwap(at, 0) {
			buf[at-offset] ^= 0x20
		}
		offset += int64(n)
		if _, werr := out.Write(buf[:n]); werr != nil || err != nil {
			return
		}
	}
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
func directDemo(t *testing.T, maxSize string) (*demo, *cable, string) {
	t.Helper()
	srv := s3test.Start(t)
	srv.SetEnv(t) // the demo inherits the keys
	bucket := srv.NewBucket(t)
	c := newCable(t, strings.TrimPrefix(srv.Endpoint, "http://"))
	d := startDemoWith(t, "-s3-bucket", bucket, "-s3-endpoint", c.URL(), "-direct", "-s3-cors", "-max-size", maxSize)
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
	d, _, bucket := directDemo(t, "32MiB")
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
	if puts, posts := len(b.bucketRequests(http.MethodPut, bucket)), len(b.bucketRequests(http.MethodPost, bucket)); puts != 1 || posts != 0 {
		t.Errorf("%d PUTs and %d POSTs to the bucket, want one PUT:\n%s", puts, posts, b.net.report())
	}
	b.wantNoBytesThroughApp(t)
}

// procFigures are what /proc tells of a process.
type procFigures struct {
	Read int64 // bytes it has read (rchar: sockets and files)
	RSS  int64 // its resident memory now (bytes)
	Peak int64 // and at its peak
}

// readProc reads /proc/PID/io and /proc/PID/status.
func readProc(pid int) (procFigures, error) {
	ioText, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return procFigures{}, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procFigures{}, err
	}
	field := func(text, name string) int64 {
		for line := range strings.Lines(text) {
			if v, ok := strings.CutPrefix(line, name+":"); ok {
				v = strings.TrimSpace(v)
				n, _ := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64)
				if strings.HasSuffix(v, " kB") {
					n <<= 10
				}
				return n
			}
		}
		return -1
	}
	return procFigures{Read: field(string(ioText), "rchar"), RSS: field(string(status), "VmRSS"), Peak: field(string(status), "VmHWM")}, nil
}
