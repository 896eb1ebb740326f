package tusclient_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/needs"
	"github.com/stickyuploads/sticky/internal/tmpcheck"
	"github.com/stickyuploads/sticky/internal/tusclient"
	"github.com/stickyuploads/sticky/storetest"
)

// tusJSVersion is the tus-js-client the test runs, pinned in
// testdata/package.json and package-lock.json.
const tusJSVersion = "4.3.1"

func TestMain(m *testing.M) { os.Exit(tmpcheck.Run(m.Run)) }

// installTusJS makes sure testdata/node_modules holds tus-js-client at
// tusJSVersion, installing it with npm when it does not.
func installTusJS(t *testing.T) {
	t.Helper()
	needs.Tool(t, "node")
	var pkg struct{ Version string }
	if b, err := os.ReadFile("testdata/node_modules/tus-js-client/package.json"); err == nil && json.Unmarshal(b, &pkg) == nil && pkg.Version == tusJSVersion {
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, needs.Tool(t, "npm"), "install", "--no-audit", "--no-fund", "--save-exact", "tus-js-client@"+tusJSVersion)
	cmd.Dir = "testdata"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("installing tus-js-client@%s with npm failed (is the npm registry reachable?): %v\n%s", tusJSVersion, err, out)
	}
}

// cutProxy forwards TCP connections to target and, once, cuts the one
// carrying the byte number after from the client: both ends are reset, as
// when a network drops.
type cutProxy struct {
	ln     net.Listener
	target string
	after  int64
	sent   atomic.Int64
	cut    atomic.Bool
}

func startCutProxy(t *testing.T, target string, after int64) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, after: after}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
	return p
}

func (p *cutProxy) pipe(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		io.Copy(client, server)
		client.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 && !p.cut.Load() && p.sent.Add(int64(n)) > p.after && p.cut.CompareAndSwap(false, true) {
			client.(*net.TCPConn).SetLinger(0)
			server.(*net.TCPConn).SetLinger(0)
			return
		}
		if n > 0 {
			if _, err := server.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// peakHeap samples the heap in use until stop is called, which returns the
// highest value seen.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

type nodeResult struct {
	Error     string `json:"error"`
	URL       string `json:"url"`
	Ref       string `json:"ref"`
	Reply     string `json:"reply"`
	ResumedAt int64  `json:"resumedAt"`
	MS        int64  `json:"ms"`
}

func runNode(t *testing.T, args ...string) nodeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, needs.Tool(t, "node"), append([]string{"upload.mjs"}, args...)...)
	cmd.Dir = "testdata"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node upload.mjs %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var res nodeResult
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("node printed %q: %v\n%s", out, err, stderr.String())
	}
	return res
}

// tus-js-client sends 50 MiB in 5 MiB chunks, the connection drops part
// way, a second run finds the upload again by the file's fingerprint and
// resumes it; the stored bytes are the file's and the Sticky-Ref of the last
// response fills a sticky field.
func TestTusJSClientResumes(t *testing.T) {
	installTusJS(t)
	const size = 50 << 20
	dir := t.TempDir()
	up, err := sticky.New(sticky.Config{
		Keys:     [][]byte{bytes.Repeat([]byte("k"), 32)},
		Identity: func(r *http.Request) string { return r.Header.Get("X-User") },
		MaxSize:  64 << 20,
		Store:    storetest.Disk(t, filepath.Join(dir, "store")),
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/uploads/", up)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	proxy := startCutProxy(t, srv.Listener.Addr().String(), 23<<20)
	endpoint := "http://" + proxy.ln.Addr().String() + up.TusURL()

	data := make([]byte, size)
	rand.Read(data)
	sum := sha256.Sum256(data)
	file := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	storage := filepath.Join(dir, "tus-urls.json")

	data = nil // the file is on disk; the heap measured is the server's
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := peakHeap()
	start := time.Now()
	first := runNode(t, endpoint, file, "alice", storage, "first")
	if first.Error == "" || first.URL == "" || !proxy.cut.Load() {
		t.Fatalf("the first run was not cut off: %+v", first)
	}
	c := &tusclient.Client{Endpoint: srv.URL + up.TusURL(), Header: http.Header{"X-User": {"alice"}}}
	kept, res, err := c.Offset(t.Context(), strings.Replace(first.URL, proxy.ln.Addr().String(), srv.Listener.Addr().String(), 1))
	if err != nil || res.Status != http.StatusOK || kept <= 0 || kept >= size {
		t.Fatalf("after the cut the server has %d bytes: %v %v", kept, res, err)
	}
	second := runNode(t, endpoint, file, "alice", storage, "resume")
	elapsed := time.Since(start)
	peak := stop()
	if second.Error != "" || second.Ref == "" {
		t.Fatalf("the resumed run: %+v", second)
	}
	if second.URL != first.URL || second.ResumedAt < kept {
		t.Errorf("the second run did not resume the first upload: %+v, first %+v (server had %d)", second, first, kept)
	}
	var reply map[string]any
	if err := json.Unmarshal([]byte(second.Reply), &reply); err != nil || reply["stored"] != second.Ref || reply["size"] != float64(size) {
		t.Errorf("Sticky-Reply %q: %v", second.Reply, err)
	}

	f := formFile(t, up, "alice", "video", second.Ref)
	rc, err := f.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, err := io.Copy(h, rc)
	rc.Close()
	if err != nil || n != size || !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Fatalf("stored %d bytes, SHA-256 %x, want %d bytes %x (%v)", n, h.Sum(nil), size, sum, err)
	}
	t.Logf("tus-js-client %s, 50 MiB in 5 MiB chunks, cut after %d bytes sent (the server kept %d), resumed: %v in all, two node processes included (uploading %d ms + %d ms); heap in use %.1f MiB before, at most %.1f MiB during",
		tusJSVersion, proxy.after, kept, elapsed.Round(time.Millisecond), first.MS, second.MS, float64(before.HeapInuse)/(1<<20), float64(peak)/(1<<20))
}

// formFile posts ref in the sticky field field, as user, and returns the
// field's file.
func formFile(t *testing.T, up *sticky.Uploader, user, field, ref string) *sticky.File {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_"+field, ref)
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/submit", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("X-User", user)
	form, err := up.ReadForm(httptest.NewRecorder(), r)
	if err != nil {
		t.Fatal(err)
	}
	f, err := form.File(field)
	if err != nil {
		t.Fatalf("Form.File with the Sticky-Ref: %v", err)
	}
	return f
}

func ExampleClient() {
	dir, _ := os.MkdirTemp("", "tusclient-example")
	defer os.RemoveAll(dir)
	store, _ := sticky.NewDiskStore(dir)
	up, _ := sticky.New(sticky.Config{
		Keys:     [][]byte{bytes.Repeat([]byte("k"), 32)},
		Identity: func(r *http.Request) string { return r.Header.Get("X-User") },
		Store:    store,
	})
	srv := httptest.NewServer(up)
	defer srv.Close()
	c := &tusclient.Client{Endpoint: srv.URL + up.TusURL(), Header: http.Header{"X-User": {"alice"}}}
	ctx := context.Background()
	data := []byte("hello, resumable world\n")
	u, res, _ := c.Create(ctx, int64(len(data)), map[string]string{"field": "doc", "filename": "hello.txt"}, nil)
	fmt.Println(res.Status)
	res, _ = c.Send(ctx, u, data, 8)
	fmt.Println(res.Status, res.Header.Get(sticky.RefHeader) != "")
	// Output:
	// 201
	// 204 true
}
