package main

import (
	"bufio"
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestServerTimeouts(t *testing.T) {
	srv := newServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler), headerTimeout)
	if srv.ReadHeaderTimeout != 10*time.Second {
		t.Errorf("ReadHeaderTimeout = %v, want 10s", srv.ReadHeaderTimeout)
	}
	if srv.IdleTimeout != 2*time.Minute {
		t.Errorf("IdleTimeout = %v, want 2m", srv.IdleTimeout)
	}
}

// A client that trickles a header it never finishes is cut off once the
// header timeout has passed (shortened here to keep the test fast).
func TestTricklingHeaderCutOff(t *testing.T) {
	const timeout = 700 * time.Millisecond
	srv := newServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler), timeout)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	closed := make(chan time.Duration, 1)
	go func() {
		io.Copy(io.Discard, conn) // returns when the server closes
		closed <- time.Since(start)
	}()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case d := <-closed:
			if d < timeout-200*time.Millisecond || d > timeout+2*time.Second { // the server starts its clock at accept, before ours
				t.Fatalf("cut off after %v, want just after %v", d, timeout)
			}
			return
		case <-tick.C:
			// One more header byte, never the blank line that ends it.
			conn.Write([]byte("X-Slow-" + strconv.Itoa(i) + ": y\r\n"))
		case <-time.After(5 * time.Second):
			t.Fatal("the trickling client was not cut off")
		}
	}
}

func TestRateLimit(t *testing.T) {
	_, srv := newTestServer(t, func(c *config) { c.Rate = 2 })
	c := login(t, srv, "alice", "wonderland")
	for i := range 3 {
		resp, body := postForm(t, c, srv.URL+"/uploads/", map[string]string{"field": "file"}, map[string][2]string{"upload": {"a.txt", "hello"}})
		if i < 2 {
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("upload %d: %s %s", i+1, resp.Status, body)
			}
			continue
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("upload %d: %s %s, want 429", i+1, resp.Status, body)
		}
		ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || ra < 1 || ra > 60 {
			t.Errorf("Retry-After = %q, want 1 to 60 seconds", resp.Header.Get("Retry-After"))
		}
	}
	// Another user has a count of their own.
	bob := login(t, srv, "bob", "builder")
	resp, body := postForm(t, bob, srv.URL+"/uploads/", map[string]string{"field": "file"}, map[string][2]string{"upload": {"a.txt", "hello"}})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("bob's upload: %s %s", resp.Status, body)
	}
}

func TestParseConfigRate(t *testing.T) {
	c, err := parseConfig(nil, noEnv, io.Discard)
	if err != nil || c.Rate != 120 {
		t.Fatalf("default rate %d (%v), want 120", c.Rate, err)
	}
	c, err = parseConfig([]string{"-rate", "5"}, noEnv, io.Discard)
	if err != nil || c.Rate != 5 {
		t.Fatalf("-rate 5: %d (%v)", c.Rate, err)
	}
	if _, err := parseConfig([]string{"-rate", "-1"}, noEnv, io.Discard); err == nil {
		t.Error("-rate -1 accepted")
	}
}

// testPNG is a small PNG image of w×h pixels.
func testPNG(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// One address that opens more connections than its share has the extra
// ones closed on arrival; a place freed is taken again.
func TestConnectionCapPerAddress(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := capConns(inner, 64, 4)
	srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), slog.New(slog.DiscardHandler), headerTimeout)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	var held []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	// The fifth from the same address is closed at once.
	extra, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("the connection over the address's share: %v, want closed (EOF)", err)
	}
	// One held connection closes: its place is free again.
	held[0].Close()
	time.Sleep(100 * time.Millisecond)
	c, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if res, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("after a place was freed: %v %v", res, err)
	}
}

// The demo's quota counts what a user keeps; an upload that does not fit
// is refused with the room left, and the documents page shows the usage.
func TestQuota(t *testing.T) {
	_, srv := newTestServer(t, func(c *config) { c.Quota = 1000 })
	c := login(t, srv, "alice", "wonderland")
	resp, body := postForm(t, c, srv.URL+"/uploads/", map[string]string{"field": "file"}, map[string][2]string{"upload": {"big.txt", strings.Repeat("x", 2000)}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "only 1000 bytes of room left") {
		t.Errorf("over the quota: %s %s", resp.Status, body)
	}
	if _, page := get(t, c, srv.URL+"/"); !strings.Contains(page, "You keep 0 bytes of 1000 bytes.") {
		t.Errorf("the documents page does not show the usage:\n%s", page)
	}
}
