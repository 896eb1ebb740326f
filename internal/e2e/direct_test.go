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
	spoilt atomic.Int64 // > 0: the offset at which to flip a byte, once (see spoil)
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

// relay copies what in sends to out, spoiling a byte when asked.
func (c *cable) relay(out io.Writer, in io.Reader) {
	buf := make([]byte, 32<<10)
	var offset int64
	for {
		n, err := in.Read(buf)
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
	if n := len(b.bucketRequests(http.MethodPost, bucket)); n != 1 {
		t.Errorf("%d POSTs to the bucket, want 1:\n%s", n, b.net.report())
	}
	b.wantNoBytesThroughApp(t)
}

// A file of 200 MiB goes up in 40 parts of 5 MiB, each with its SHA-256;
// a byte of one part is spoilt on the way, and the bucket refuses it (400)
// until it is sent again whole; the connection to the bucket is cut while
// the parts flow and the upload goes on once it is back; then the page is
// reloaded mid-way, the same file chosen again, and only the parts the
// bucket lacks are sent. The app reads a few kilobytes and its memory
// stays flat; the saved document is the file chosen, byte for byte.
func TestDirectUploadResumes(t *testing.T) {
	const size, parts, reloadAt = 200 << 20, 40, 20
	d, cable, bucket := directDemo(t, "256MiB")
	b := newBrowser(t, 150*time.Second)
	b.login(t, d)
	b.open(t, d, "/documents/new")
	// Slow enough to act mid-way: 16 MiB/s to the bucket.
	if _, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{URLPattern: cable.URL() + "/*", DownloadThroughput: -1, UploadThroughput: 16 << 20}},
	}); err != nil {
		t.Fatalf("throttling: %v", err)
	}
	path := writeText(t, t.TempDir(), "survey.txt", size)
	app := readProc(t, d.PID)
	began := time.Now()
	cable.spoil(1<<20 + 12345)
	b.chooseFile(t, path)
	b.recordWidget(t)
	b.waitState(t, "some progress", `s.progress >= 10`, 30*time.Second)
	if cable.spoilt.Load() != 0 {
		t.Fatalf("no byte was spoilt in the first 20 MiB:\n%s", b.net.report())
	}

	cable.cut()
	cutAt := len(b.recording(t).Statuses)
	b.waitState(t, "the retry", `/retrying/.test(s.status)`, 20*time.Second)
	time.Sleep(1500 * time.Millisecond)
	cable.connect()

	// Once half the parts are in the bucket, reload.
	deadline := time.Now().Add(60 * time.Second)
	for finished(b.bucketRequests(http.MethodPut, bucket)) < reloadAt {
		if time.Now().After(deadline) {
			t.Fatalf("%d parts did not reach the bucket after the cut:\n%s", reloadAt, b.net.report())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s := b.recording(t); !strings.Contains(strings.Join(s.Statuses[cutAt:], "|"), "retrying") {
		t.Errorf("the cut was not told: %q", s.Statuses)
	}
	puts := b.bucketRequests(http.MethodPut, bucket)
	refused := 0
	for _, r := range puts {
		if r.Status == http.StatusBadRequest {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d parts were refused by the bucket, want the one spoilt:\n%s", refused, b.net.report())
	}
	before, done := len(puts), finished(puts)
	b.open(t, d, "/documents/new")
	b.waitState(t, "the interruption told", `/interrupted/.test(s.status)`, 5*time.Second)
	b.chooseFile(t, path)
	s := b.waitState(t, "the upload", `s.ref !== '' || s.error !== ''`, 60*time.Second)
	if s.Error != "" {
		t.Fatalf("the upload failed: %s\n%s", s, b.net.report())
	}
	took := time.Since(began)
	used := readProc(t, d.PID)
	after := b.bucketRequests(http.MethodPut, bucket)[before:]
	if finished(after) > parts-done || len(after) == 0 {
		t.Errorf("after the reload %d parts were sent, want at most the %d missing:\n%s", finished(after), parts-done, b.net.report())
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
	read, grew := used.read-app.read, used.peak-app.rss
	t.Logf("200 MiB in %d parts straight to the bucket in %v (a part spoilt, a cut, a reload): the app read %d bytes in all (sockets and files), its resident memory was %d MiB before and peaked at %d MiB (+%d MiB); %d PUTs to the bucket, %d after the reload",
		parts, took.Round(100*time.Millisecond), read, app.rss>>20, used.peak>>20, grew>>20, len(b.bucketRequests(http.MethodPut, bucket)), len(after))
	if read > 1<<20 {
		t.Errorf("the app read %d bytes during a direct upload of %d", read, size)
	}
	if grew > 48<<20 {
		t.Errorf("the app's peak resident memory grew %d MiB during a direct upload", grew>>20)
	}

	b.setTitle(t, "Survey")
	if status := b.submit(t); status != http.StatusOK {
		t.Fatalf("submitting: status %d", status)
	}
	b.checkDocument(t, d, "Survey", path)
	b.wantNoBytesThroughApp(t)
}

// procFigures are what /proc tells of a process.
type procFigures struct {
	read      int64 // bytes it has read (rchar: sockets and files)
	rss, peak int64 // its resident memory now, and at its peak (bytes)
}

// readProc reads /proc/PID/io and /proc/PID/status.
func readProc(t *testing.T, pid int) procFigures {
	t.Helper()
	ioText, err1 := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	status, err2 := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if pid == 0 || err1 != nil || err2 != nil {
		t.Skipf("no /proc figures of the demo (pid %d): %v %v", pid, err1, err2)
	}
	field := func(text, name string) int64 {
		for line := range strings.Lines(text) {
			if v, ok := strings.CutPrefix(line, name+":"); ok {
				n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				if strings.HasSuffix(strings.TrimSpace(v), "kB") {
					n <<= 10
				}
				return n
			}
		}
		t.Fatalf("no %s in /proc/%d", name, pid)
		return 0
	}
	return procFigures{read: field(string(ioText), "rchar"), rss: field(string(status), "VmRSS"), peak: field(string(status), "VmHWM")}
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
