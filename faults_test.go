package sticky_test

// Fault scenarios: after each fault, no partial upload is handed out as
// complete, uploads kept before stay readable, and the next sweep leaves
// nothing behind. The server killed mid-upload (SIGKILL) is covered by
// internal/crash (TestKilledMidUpload, TestKilledWhileProcessing).

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/storetest"
	"github.com/tus/tusd/v2/pkg/handler"
)

// faultSite is a Site on a disk store in dir, wrapped in a Faulty.
func faultSite(t *testing.T, c sticky.Config) (*storetest.Site, *storetest.Faulty, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	disk, err := sticky.NewDiskStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	faulty := storetest.NewFaulty(disk)
	if c.Store == nil {
		c.Store = faulty
	}
	if c.MaxSize == 0 {
		c.MaxSize = 1 << 20
	}
	return storetest.NewSite(t, c), faulty, dir
}

func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}

// settle waits until the store in dir holds exactly n files.
func settle(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	// Cut requests may still be on their way in: the count must hold.
	for stable := 0; stable < 3; {
		if len(filesIn(t, dir)) == n {
			stable++
		} else {
			stable = 0
		}
		if time.Now().After(deadline) {
			t.Fatalf("store holds %q, want %d files", filesIn(t, dir), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wantReadable checks that a kept upload reads back whole.
func wantReadable(t *testing.T, site *storetest.Site, ref string, data []byte) {
	t.Helper()
	f, err := site.Kept(t.Context(), "doc", ref)
	if err != nil {
		t.Fatalf("kept upload: %v", err)
	}
	rc, err := f.Open(t.Context()) // Open, not Save: a save discards it
	if err != nil {
		t.Fatalf("opening the kept upload: %v", err)
	}
	out, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(out, data) {
		t.Fatalf("kept upload reads %d bytes (%v), want %d", len(out), err, len(data))
	}
}

// sweepAll ages every file of the store past the TTL and sweeps: nothing
// may be left.
func sweepAll(t *testing.T, site *storetest.Site, dir string) {
	t.Helper()
	old := time.Now().Add(-48 * time.Hour)
	for _, f := range filesIn(t, dir) {
		os.Chtimes(f, old, old)
	}
	if _, err := site.Sweep(t.Context()); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if files := filesIn(t, dir); len(files) != 0 {
		t.Fatalf("after the sweep the store holds %q", files)
	}
}

func oneShotBody(t *testing.T, name string, data []byte) ([]byte, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("field", "doc")
	w, _ := mw.CreateFormFile("upload", name)
	w.Write(data)
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// cutRequest sends head and the first cut bytes of body on a connection
// of its own, then drops it.
func cutRequest(t *testing.T, addr, head string, body []byte, cut int) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, head)
	c.Write(body[:cut])
	if tc, ok := c.(*net.TCPConn); ok && cut%2 == 0 {
		tc.SetLinger(0) // a reset rather than a clean close, half the time
	}
	c.Close()
}

func hostOf(site *storetest.Site) string {
	return strings.TrimPrefix(strings.TrimSuffix(site.URL, sticky.DefaultPath), "http://")
}

func TestFaultClientDisconnectsOneShot(t *testing.T) {
	site, _, dir := faultSite(t, sticky.Config{})
	keptData := []byte("kept before the cuts\n")
	kept := site.MustUpload(t, "doc", "kept.txt", keptData)
	data := bytes.Repeat([]byte("cut me anywhere\n"), 64<<10/16)
	body, ct := oneShotBody(t, "cut.txt", data)
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", sticky.DefaultPath, ct, len(body))
	rng := rand.New(rand.NewPCG(6, 6))
	const n = 25
	for range n {
		cutRequest(t, hostOf(site), head, body, rng.IntN(len(body)))
	}
	settle(t, dir, 4) // the kept upload and its receipt (which keeps its checksum: the store is no DiskStore), .info each; nothing half-written
	wantReadable(t, site, kept.Stored, keptData)
	sweepAll(t, site, dir)
	t.Logf("%d one-shot uploads cut at random points: nothing left", n)
}

func tusReq(t *testing.T, method, url string, body []byte, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Tus-Resumable", "1.0.0")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func TestFaultClientDisconnectsTusPatch(t *testing.T) {
	site, _, dir := faultSite(t, sticky.Config{})
	tusURL := strings.TrimSuffix(site.URL, sticky.DefaultPath) + site.TusURL()
	data := bytes.Repeat([]byte("resume me later\n"), 256<<10/16)
	meta := "field " + base64.StdEncoding.EncodeToString([]byte("doc")) + ",filename " + base64.StdEncoding.EncodeToString([]byte("r.txt"))
	res := tusReq(t, "POST", tusURL, nil, "Upload-Length", strconv.Itoa(len(data)), "Upload-Metadata", meta)
	if res.StatusCode != 201 {
		t.Fatalf("create: %d", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	path := loc[strings.Index(loc, sticky.DefaultPath):]
	rng := rand.New(rand.NewPCG(7, 7))
	const n = 20
	offset := 0
	for range n {
		res := tusReq(t, "HEAD", tusURL+path[len(site.TusURL()):], nil)
		got, _ := strconv.Atoi(res.Header.Get("Upload-Offset"))
		if res.StatusCode != 200 || got < offset || got >= len(data) || res.Header.Get(sticky.RefHeader) != "" {
			t.Fatalf("HEAD after a cut: %d offset %d (was %d) ref %q: an incomplete upload handed out", res.StatusCode, got, offset, res.Header.Get(sticky.RefHeader))
		}
		offset = got
		rest := data[offset:]
		head := fmt.Sprintf("PATCH %s HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: %d\r\nContent-Length: %d\r\n\r\n", path, offset, len(rest))
		cutRequest(t, hostOf(site), head, rest, rng.IntN(len(rest)))
		time.Sleep(5 * time.Millisecond)
	}
	// Resume: the bytes are the client's, the reference comes only now.
	var res2 *http.Response
	deadline := time.Now().Add(5 * time.Second)
	for {
		res2 = tusReq(t, "HEAD", tusURL+path[len(site.TusURL()):], nil)
		offset, _ = strconv.Atoi(res2.Header.Get("Upload-Offset"))
		res2 = tusReq(t, "PATCH", tusURL+path[len(site.TusURL()):], data[offset:], "Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.Itoa(offset))
		if res2.StatusCode == 204 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // the lock of a cut request may linger
	}
	ref := res2.Header.Get(sticky.RefHeader)
	if res2.StatusCode != 204 || ref == "" {
		t.Fatalf("resuming after %d cuts: %d, ref %q", n, res2.StatusCode, ref)
	}
	wantReadable(t, site, ref, data)
	sweepAll(t, site, dir)
	t.Logf("%d tus PATCH requests cut at random points, then resumed whole", n)
}

// finishFailing is a store whose uploads fail when they are finished (the
// close of the temporary file), beyond what Faulty fails.
type finishFailing struct {
	*storetest.Faulty
	on atomic.Bool
}

type finishFail struct{ handler.Upload }

func (finishFail) FinishUpload(context.Context) error {
	return errors.New("closing the temporary file: input/output error")
}

func (s *finishFailing) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	up, err := s.Faulty.NewUpload(ctx, info)
	if err != nil || !s.on.Load() {
		return up, err
	}
	return finishFail{up}, nil
}

func plain(up handler.Upload) handler.Upload {
	if f, ok := up.(finishFail); ok {
		return f.Upload
	}
	return up
}

func (s *finishFailing) AsTerminatableUpload(up handler.Upload) handler.TerminatableUpload {
	return s.Faulty.AsTerminatableUpload(plain(up))
}

func (s *finishFailing) AsLengthDeclarableUpload(up handler.Upload) handler.LengthDeclarableUpload {
	return s.Faulty.AsLengthDeclarableUpload(plain(up))
}

func TestFaultStoreFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	disk, err := sticky.NewDiskStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	store := &finishFailing{Faulty: storetest.NewFaulty(disk)}
	site := storetest.NewSite(t, sticky.Config{Store: store, MaxSize: 1 << 20})
	keptData := []byte("kept before the store failed\n")
	kept := site.MustUpload(t, "doc", "kept.txt", keptData)
	data := bytes.Repeat([]byte("x"), 100<<10)
	for _, fault := range []struct {
		name   string
		set    func()
		status int
	}{
		{"write fails", func() { store.FailWrites(10<<10, errors.New("write: input/output error")) }, 503},
		{"write fails at once", func() { store.FailWrites(0, errors.New("write: connection reset")) }, 503},
		{"close fails", func() { store.on.Store(true) }, 503},
		{"disk full", func() { store.FailWrites(50<<10, syscall.ENOSPC) }, 507},
		{"quota exceeded", func() { store.FailWrites(1, syscall.EDQUOT) }, 507},
	} {
		fault.set()
		status, rep, err := site.Upload(t.Context(), "doc", "a.txt", bytes.NewReader(data))
		store.FailWrites(0, nil)
		store.on.Store(false)
		if err != nil || status != fault.status || rep.IsValid || !strings.Contains(rep.Message(), "try again") {
			t.Errorf("%s: %d %+v %v; want %d asking to try again", fault.name, status, rep, err, fault.status)
		}
		settle(t, dir, 4)
		wantReadable(t, site, kept.Stored, keptData)
	}
	// tus: a full disk on a PATCH.
	store.FailWrites(1000, syscall.ENOSPC)
	tusURL := strings.TrimSuffix(site.URL, sticky.DefaultPath) + site.TusURL()
	meta := "field " + base64.StdEncoding.EncodeToString([]byte("doc"))
	res := tusReq(t, "POST", tusURL, data, "Upload-Length", strconv.Itoa(len(data)), "Upload-Metadata", meta, "Content-Type", "application/offset+octet-stream")
	store.FailWrites(0, nil)
	if res.StatusCode != 507 && res.StatusCode != 201 {
		t.Errorf("tus on a full disk: %d, want 507 (or 201 with the bytes short)", res.StatusCode)
	}
	if loc := res.Header.Get("Location"); loc != "" {
		h := tusReq(t, "HEAD", tusURL+loc[strings.LastIndex(loc, "/")+1:], nil)
		if got, _ := strconv.Atoi(h.Header.Get("Upload-Offset")); got >= len(data) || h.Header.Get(sticky.RefHeader) != "" {
			t.Errorf("tus upload cut by a full disk handed out: offset %d ref %q", got, h.Header.Get(sticky.RefHeader))
		}
	}
	// The store works again.
	again := site.MustUpload(t, "doc", "again.txt", data)
	wantReadable(t, site, again.Stored, data)
	wantReadable(t, site, kept.Stored, keptData)
	sweepAll(t, site, dir)
	t.Log("5 store faults on the one-shot endpoint and a full disk under tus survived")
}

func TestFaultFullTmpfs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("cannot mount a small tmpfs (%v); the Faulty ENOSPC variant in TestFaultStoreFails stands", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	site := storetest.NewSite(t, sticky.Config{Store: mustDisk(dir), MaxSize: 4 << 20})
	keptData := []byte("kept on a small disk\n")
	kept := site.MustUpload(t, "doc", "kept.txt", keptData)
	status, rep, err := site.Upload(t.Context(), "doc", "big.txt", bytes.NewReader(bytes.Repeat([]byte("y"), 1<<20)))
	if err != nil || status != http.StatusInsufficientStorage {
		t.Errorf("upload onto a full tmpfs: %d %+v %v; want 507", status, rep, err)
	}
	settle(t, dir, 2)
	wantReadable(t, site, kept.Stored, keptData)
	sweepAll(t, site, dir)
}
