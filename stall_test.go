package sticky

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// stallServer serves an Uploader with a short BodyTimeout, and at /form an
// application handler that reads a form with ReadForm.
func stallServer(t *testing.T, timeout time.Duration) (*Uploader, *httptest.Server) {
	up, _ := newTestUploader(t, Config{BodyTimeout: timeout, MaxConcurrent: -1})
	mux := http.NewServeMux()
	mux.Handle(up.path, up)
	mux.HandleFunc("/form", func(w http.ResponseWriter, r *http.Request) {
		if _, err := up.ReadForm(w, r); err != nil {
			writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return up, srv
}

// stalledRequest opens a connection and sends the headers and the first
// bytes of a multipart upload that says it is 1 MiB long, then nothing.
func stalledRequest(t *testing.T, addr, path string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	start := "--b\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\ndoc\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\n\r\nthe first bytes"
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nX-User: alice\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n%s", path, 1<<20, start)
	return conn
}

// Hundreds of requests that stop sending their bodies are cut once the
// timeout has passed without a byte, on the endpoint, on Fine Uploader's
// and in ReadForm, while a normal request is answered meanwhile.
func TestStalledBodiesAreCut(t *testing.T) {
	const timeout = 700 * time.Millisecond
	_, srv := stallServer(t, timeout)
	addr := strings.TrimPrefix(srv.URL, "http://")
	paths := []string{"/uploads/", "/uploads/fine/", "/form"}
	var conns []net.Conn
	for i := range 300 {
		conns = append(conns, stalledRequest(t, addr, paths[i%len(paths)]))
	}
	// A normal upload goes through meanwhile.
	body, ct := mpBody(t, mpField("field", "doc"), mpFile("upload", "ok.txt", []byte("fine\n")))
	if res := httpDo(t, srv, http.MethodPost, "/uploads/", ct, "alice", body); res.status != http.StatusOK {
		t.Fatalf("a normal upload among stalled ones: %d %s", res.status, res.body)
	}
	begun := time.Now()
	var wg sync.WaitGroup
	statuses := make([]string, len(conns))
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(time.Now().Add(timeout + 10*time.Second))
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				statuses[i] = "error: " + err.Error()
				return
			}
			io.Copy(io.Discard, res.Body)
			statuses[i] = res.Status
		}()
	}
	wg.Wait()
	cut := time.Since(begun)
	counts := map[string]int{}
	for _, s := range statuses {
		counts[s]++
	}
	if counts["408 Request Timeout"] != len(conns) {
		t.Errorf("answers to stalled requests: %v; want every one 408", counts)
	}
	t.Logf("%d stalled bodies cut within %v of a %v timeout", len(conns), cut.Round(time.Millisecond), timeout)
}

// A slow upload that keeps sending is never cut, however long it takes.
func TestSlowMovingBodyIsNotCut(t *testing.T) {
	const timeout = 500 * time.Millisecond
	_, srv := stallServer(t, timeout)
	data := bytes.Repeat([]byte("slow but steady\n"), 16)
	body, ct := mpBody(t, mpField("field", "doc"), mpFile("upload", "slow.txt", data))
	pr, pw := io.Pipe()
	go func() {
		b := body.Bytes()
		for len(b) > 0 { // 16 pieces, 200 ms apart: 3 s in all
			n := min(len(b), len(body.Bytes())/16+1)
			pw.Write(b[:n])
			b = b[n:]
			time.Sleep(200 * time.Millisecond)
		}
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/uploads/", pr)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-User", "alice")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("a slow upload that keeps moving: %d %s", res.StatusCode, b)
	}
}
