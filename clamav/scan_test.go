package clamav_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/clamav"
	"github.com/stickyuploads/sticky/internal/clamdtest"
)

func TestScan(t *testing.T) {
	big := make([]byte, 10<<20)
	for i := range big {
		big[i] = byte(i*7 + i>>9)
	}
	bigInfected := bytes.Clone(big)
	copy(bigInfected[len(big)-len(clamdtest.BodyMark)-100:], clamdtest.BodyMark)

	for _, o := range []struct {
		name string
		opts clamdtest.Options
	}{{"unix socket", clamdtest.Options{}}, {"tcp", clamdtest.Options{TCP: true}}} {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			d := clamdtest.Start(t, o.opts)
			s := &clamav.Scanner{Addr: d.Addr}
			for _, tt := range []struct {
				name string
				data []byte
				want string
			}{
				{"clean text", []byte("Dear Sir or Madam,\nplease find my report attached.\n"), ""},
				{"clamdtest.EICAR", clamdtest.EICAR, clamdtest.EICARSignature},
				{"clamdtest.EICAR with a byte more", append(bytes.Clone(clamdtest.EICAR), '\n'), ""}, // a hash signature matches exact files only
				{"one byte", []byte{0}, ""},
				{"clean 10 MiB", big, ""},
				{"10 MiB with a virus near its end", bigInfected, clamdtest.BodySignature},
			} {
				start := time.Now()
				sig, err := s.Scan(t.Context(), bytes.NewReader(tt.data))
				if err != nil || sig != tt.want {
					t.Errorf("%s: Scan = %q, %v; want %q", tt.name, sig, err, tt.want)
				}
				if len(tt.data) >= 10<<20 {
					t.Logf("%s: %d bytes scanned in %v", tt.name, len(tt.data), time.Since(start).Round(time.Millisecond))
				}
			}
		})
	}
}

func TestPingVersion(t *testing.T) {
	d := clamdtest.Start(t, clamdtest.Options{})
	s := &clamav.Scanner{Addr: d.Addr}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	v, err := s.Version(t.Context())
	if err != nil || len(v) < len("ClamAV 1") || v[:7] != "ClamAV " {
		t.Errorf("Version = %q, %v", v, err)
	}
	t.Logf("clamd: %s", v)

	d.Stop()
	if err := s.Ping(t.Context()); !errors.Is(err, clamav.ErrUnavailable) {
		t.Errorf("Ping of a stopped clamd: %v, want ErrUnavailable", err)
	}
	if _, err := s.Version(t.Context()); !errors.Is(err, clamav.ErrUnavailable) {
		t.Errorf("Version of a stopped clamd: %v, want ErrUnavailable", err)
	}
}

func TestScanStreamMaxLength(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		d := clamdtest.Start(t, clamdtest.Options{StreamMaxLength: "1M", TCP: tcp})
		s := &clamav.Scanner{Addr: d.Addr}
		for _, tt := range []struct {
			size    int
			tooLong bool
		}{{1<<20 - 1, false}, {1 << 20, false}, {1<<20 + 1, true}, {3 << 20, true}} {
			sig, err := s.Scan(t.Context(), bytes.NewReader(make([]byte, tt.size)))
			if tt.tooLong && (!errors.Is(err, clamav.ErrTooLarge) || sig != "") || !tt.tooLong && (err != nil || sig != "") {
				t.Errorf("tcp %v: %d bytes to a clamd taking 1 MiB: %q, %v; want too long: %v", tcp, tt.size, sig, err, tt.tooLong)
			}
		}
	}
}

func TestScanUnavailable(t *testing.T) {
	dir, err := os.MkdirTemp("", "clamd-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// A server that takes the connection and never answers.
	silent, err := net.Listen("unix", filepath.Join(dir, "silent.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	// A server that answers nonsense.
	babbler, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer babbler.Close()
	go func() {
		for {
			c, err := babbler.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HELLO THERE\x00"))
			c.Close()
		}
	}()

	for _, tt := range []struct{ name, addr string }{
		{"no socket", filepath.Join(dir, "none.sock")},
		{"nobody listening on the port", "127.0.0.1:" + freePort(t)},
		{"no answer", silent.Addr().String()},
		{"nonsense", babbler.Addr().String()},
		{"no address", ""},
	} {
		s := &clamav.Scanner{Addr: tt.addr, Timeout: 300 * time.Millisecond, DialTimeout: 300 * time.Millisecond}
		start := time.Now()
		sig, err := s.Scan(t.Context(), bytes.NewReader(clamdtest.EICAR))
		if !errors.Is(err, clamav.ErrUnavailable) || sig != "" {
			t.Errorf("%s: Scan = %q, %v; want ErrUnavailable", tt.name, sig, err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s: Scan took %v, over its Timeout", tt.name, took)
		}
		if err := s.Ping(t.Context()); !errors.Is(err, clamav.ErrUnavailable) {
			t.Errorf("%s: Ping = %v; want ErrUnavailable", tt.name, err)
		}
	}

	// A cancelled request is the request's error, not clamd's.
	s := &clamav.Scanner{Addr: silent.Addr().String()}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := s.Scan(ctx, bytes.NewReader(clamdtest.EICAR)); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, clamav.ErrUnavailable) {
		t.Errorf("Scan with a request that ends: %v; want the request's error", err)
	}
}

// failingReader fails after giving some bytes.
type failingReader struct{ n int }

var errDisk = errors.New("disk on fire")

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errDisk
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestScanReadError(t *testing.T) {
	d := clamdtest.Start(t, clamdtest.Options{})
	s := &clamav.Scanner{Addr: d.Addr}
	if _, err := s.Scan(t.Context(), &failingReader{n: 100 << 10}); !errors.Is(err, errDisk) || errors.Is(err, clamav.ErrUnavailable) {
		t.Errorf("Scan of a failing reader: %v; want its error", err)
	}
}

// freePort returns a TCP port free on 127.0.0.1 a moment ago.
func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// BenchmarkScan10MiB scans a clean 10 MiB file with the tests' clamd,
// whose database is two signatures: the cost of the protocol and of
// clamd's reading, not of ClamAV's full databases.
func BenchmarkScan10MiB(b *testing.B) {
	d := clamdtest.Start(b, clamdtest.Options{})
	s := &clamav.Scanner{Addr: d.Addr}
	data := make([]byte, 10<<20)
	for i := range data {
		data[i] = byte(i*7 + i>>9)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if sig, err := s.Scan(b.Context(), bytes.NewReader(data)); err != nil || sig != "" {
			b.Fatal(sig, err)
		}
	}
}
