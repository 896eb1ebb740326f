package crash_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/tmpcheck"
	"github.com/stickyuploads/sticky/internal/tusclient"
)

var (
	buildOnce  sync.Once
	buildFlags []string
	binary     string
	buildErr   error
)

// serverBinary builds ./testserver once for the package's tests.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sticky-crash")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "testserver")
		args := append(append([]string{"build"}, buildFlags...), "-o", binary, "./testserver")
		out, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			buildErr = errors.New("go build ./testserver: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

func TestMain(m *testing.M) {
	os.Exit(tmpcheck.Run(func() int {
		defer func() {
			if binary != "" {
				os.RemoveAll(filepath.Dir(binary))
			}
		}()
		return m.Run()
	}))
}

// server is a running testserver.
type server struct {
	cmd    *exec.Cmd
	exited chan struct{}
	out    *bytes.Buffer
}

// startServer starts the test server on addr over the store directory,
// and waits until it answers.
func startServer(t *testing.T, addr, store, hold string) *server {
	t.Helper()
	args := []string{"-addr", addr, "-store", store}
	if hold != "" {
		args = append(args, "-hold", hold)
	}
	s := &server{cmd: exec.Command(serverBinary(t), args...), exited: make(chan struct{}), out: &bytes.Buffer{}}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.kill)
	deadline := time.Now().Add(15 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodOptions, "http://"+addr+"/uploads/tus/", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("the test server exited: %s", s.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the test server did not answer on %s: %s", addr, s.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL: no deferred function, no shutdown, no flush.
func (s *server) kill() {
	s.cmd.Process.Kill()
	<-s.exited
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type checked struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Error  string `json:"error"`
	status int
}

// check posts ref in the sticky field "file" to the server's /check, which
// reads it with ReadForm and Form.File.
func check(t *testing.T, addr, ref string) checked {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_file", ref)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/check", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-User", "alice")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var c checked
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	c.status = res.StatusCode
	return c
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// The server dies in the middle of a PATCH. Started again on the same
// store, it reports the bytes it kept, which are the client's; the client
// sends the rest, and the file is whole.
func TestKilledMidUpload(t *testing.T) {
	store, addr := t.TempDir(), freeAddr(t)
	srv := startServer(t, addr, store, "")
	c := &tusclient.Client{Endpoint: "http://" + addr + "/uploads/tus/", Header: http.Header{"X-User": {"alice"}}}
	ctx := t.Context()
	data := make([]byte, 8<<20)
	rand.Read(data)
	u, res, err := c.Create(ctx, int64(len(data)), map[string]string{"field": "file", "filename": "crash.bin"}, nil)
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create: %v %v", res, err)
	}
	stored := filepath.Join(store, path.Base(u))

	// A PATCH that sends 3 MiB, then stalls: the server is killed while it
	// reads.
	body, w := io.Pipe()
	release := make(chan struct{})
	go func() {
		w.Write(data[:3<<20])
		<-release
		w.CloseWithError(errors.New("the client gave up"))
	}()
	type result struct {
		res *tusclient.Response
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := c.Patch(ctx, u, 0, body)
		done <- result{res, err}
	}()
	waitFor(t, "the server to store 1 MiB", func() bool {
		st, err := os.Stat(stored)
		return err == nil && st.Size() >= 1<<20
	})
	srv.kill()
	// The client's transport waits for the body to end before it reports
	// the dead connection.
	close(release)
	r := <-done
	if r.err == nil {
		t.Fatalf("the PATCH to a killed server succeeded: %v", r.res)
	}

	kept, err := os.ReadFile(stored)
	if err != nil || len(kept) == 0 || len(kept) > 3<<20 || !bytes.Equal(kept, data[:len(kept)]) {
		t.Fatalf("after the kill the store holds %d bytes, not a prefix of the client's (%v)", len(kept), err)
	}

	startServer(t, addr, store, "")
	offset, res, err := c.Offset(ctx, u)
	if err != nil || res.Status != http.StatusOK || offset != int64(len(kept)) || res.Header.Get(sticky.RefHeader) != "" {
		t.Fatalf("HEAD after the restart: offset %d of %d kept: %v %v", offset, len(kept), res, err)
	}
	res, err = c.Send(ctx, u, data, 2<<20)
	ref := res.Header.Get(sticky.RefHeader)
	if err != nil || res.Status != http.StatusNoContent || ref == "" {
		t.Fatalf("resuming: %v %v", res, err)
	}
	if got := check(t, addr, ref); got.status != http.StatusOK || got.Name != "crash.bin" || got.Size != int64(len(data)) || got.SHA256 != sha(data) {
		t.Fatalf("the file behind the reference: %+v", got)
	}
	t.Logf("killed after %d bytes were stored; resumed from there", len(kept))
}

// The server dies while it processes a complete upload, before it
// answered. Started again, it does not take a PATCH to that upload, but
// the client's HEAD accepts it: the processors run again, and the client
// gets its reference without sending the file again.
func TestKilledWhileProcessing(t *testing.T) {
	store, addr := t.TempDir(), freeAddr(t)
	hold := filepath.Join(t.TempDir(), "processing")
	srv := startServer(t, addr, store, hold)
	c := &tusclient.Client{Endpoint: "http://" + addr + "/uploads/tus/", Header: http.Header{"X-User": {"alice"}}}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	data := make([]byte, 1<<20)
	rand.Read(data)
	u, res, err := c.Create(ctx, int64(len(data)), map[string]string{"field": "file", "filename": "hold.bin"}, nil)
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create: %v %v", res, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Patch(ctx, u, 0, bytes.NewReader(data))
		done <- err
	}()
	waitFor(t, "the processor to start", func() bool { _, err := os.Stat(hold); return err == nil })
	srv.kill()
	if err := <-done; err == nil {
		t.Fatal("the PATCH to a killed server succeeded")
	}
	if st, err := os.Stat(filepath.Join(store, path.Base(u))); err != nil || st.Size() != int64(len(data)) {
		t.Fatalf("the upload's bytes: %v %v", st, err)
	}

	startServer(t, addr, store, "") // its processors pass this time
	if res, err := c.Patch(ctx, u, int64(len(data)), nil); err != nil || res.Status != http.StatusGone || res.Header.Get(sticky.RefHeader) != "" || !strings.Contains(res.Body, "never completed") {
		t.Fatalf("PATCH of the upload never accepted: %v %v", res, err)
	}
	offset, res, err := c.Offset(ctx, u)
	ref := res.Header.Get(sticky.RefHeader)
	if err != nil || res.Status != http.StatusOK || offset != int64(len(data)) || ref == "" {
		t.Fatalf("HEAD of the upload never accepted: %v %v", res, err)
	}
	if got := check(t, addr, ref); got.status != http.StatusOK || got.Name != "hold.bin" || got.SHA256 != sha(data) {
		t.Fatalf("the file the HEAD accepted: %+v", got)
	}
}
