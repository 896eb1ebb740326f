// Package clamdtest runs a real clamd for tests, with a signature database
// the test writes itself, so that it starts in a fraction of a second and
// needs no download: ClamAV's own databases are never fetched (freshclam
// is never run). The database flags EICAR, the antivirus test file, and
// any file that holds BodyMark.
//
// clamd is found on PATH or in /usr/sbin, where Debian's clamav-daemon
// puts it; `make test` installs it when missing. A test that needs it and
// cannot find it is skipped, or fails under STICKY_TEST_STRICT=1 (see
// internal/needs).
package clamdtest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/needs"
)

// EICAR is the EICAR test file, which every scanner flags and which does
// no harm. It is put together at run time so that this source file is not
// flagged itself.
var EICAR = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-" + `ANTIVIRUS-TEST-FILE!$H+H*`)

// BodyMark is flagged wherever it is in a file (a body signature), so
// that a virus can hide in a large file or behind a picture.
var BodyMark = []byte("STICKY-TEST-VIRUS-" + "BODY-7d3f1a")

// The names clamd reports for EICAR and for BodyMark. clamd adds
// ".UNOFFICIAL" to the names of signatures not from ClamAV's databases.
const (
	EICARSignature = "Sticky-Eicar.UNOFFICIAL"
	BodySignature  = "Sticky-Body.UNOFFICIAL"
)

// Options change how clamd is started.
type Options struct {
	// TCP makes clamd listen on a free port of 127.0.0.1 rather than on a
	// Unix socket.
	TCP bool
	// StreamMaxLength is clamd's setting, such as "1M"; "" is clamd's
	// default, 100M.
	StreamMaxLength string
}

// Clamd is a running clamd.
type Clamd struct {
	// Addr is its socket's path, or 127.0.0.1:PORT.
	Addr string

	cmd    *exec.Cmd
	out    *Buffer
	exited chan struct{} // closed once it has exited
}

// Start starts clamd, waits until it answers PING, and stops it when the
// test ends.
func Start(t testing.TB, o Options) *Clamd {
	t.Helper()
	bin := needs.Tool(t, "clamd", "/usr/sbin")
	// A directory of its own with a short path: a Unix socket's path is at
	// most 107 bytes, which t.TempDir's can exceed.
	dir, err := os.MkdirTemp("", "clamd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // runs last, after clamd stops
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(db, "sticky.hdb"), fmt.Sprintf("%x:%d:Sticky-Eicar\n", md5.Sum(EICAR), len(EICAR)))
	write(t, filepath.Join(db, "sticky.ndb"), "Sticky-Body:0:*:"+hex.EncodeToString(BodyMark)+"\n")

	c := &Clamd{out: &Buffer{}, exited: make(chan struct{})}
	conf := []string{
		"Foreground yes", // no log file, no syslog: what it says goes to c.out
		"DatabaseDirectory " + db,
		"TemporaryDirectory " + dir,
		"LogTime no",
		"SelfCheck 0",
		"Bytecode no",
	}
	if o.TCP {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		c.Addr = "127.0.0.1:" + port
		conf = append(conf, "TCPSocket "+port, "TCPAddr 127.0.0.1")
	} else {
		c.Addr = filepath.Join(dir, "clamd.sock")
		conf = append(conf, "LocalSocket "+c.Addr)
	}
	if o.StreamMaxLength != "" {
		conf = append(conf, "StreamMaxLength "+o.StreamMaxLength)
	}
	if os.Geteuid() == 0 {
		// Or clamd, started by root, becomes the clamav user, who may not
		// read the test's directory.
		conf = append(conf, "User root")
	}
	confPath := filepath.Join(dir, "clamd.conf")
	write(t, confPath, strings.Join(conf, "\n")+"\n")

	c.cmd = exec.Command(bin, "--config-file="+confPath)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	c.cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.cmd.Wait(); close(c.exited) }()
	t.Cleanup(c.Stop)

	// clamd loads its database before it listens.
	deadline := time.Now().Add(time.Minute)
	for {
		err := ping(c.Addr)
		if err == nil {
			return c
		}
		select {
		case <-c.exited:
			t.Fatalf("clamdtest: clamd exited: %s", c.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("clamdtest: clamd does not answer PING after a minute: %v\n%s", err, c.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops clamd and waits until it has exited. Stopping it again does
// nothing.
func (c *Clamd) Stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
	}
}

// Output is what clamd has written.
func (c *Clamd) Output() string { return c.out.String() }

// ping is clamd's PING, spoken here rather than with package clamav, so
// that a mistake there cannot hide behind the tests' clamd.
func ping(addr string) error {
	network := "tcp"
	if strings.Contains(addr, "/") {
		network = "unix"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("zPING\x00")); err != nil {
		return err
	}
	b := make([]byte, 5)
	if _, err := conn.Read(b); err != nil {
		return err
	}
	if string(b) != "PONG\x00" {
		return errors.New("clamd answered PING with " + fmt.Sprintf("%q", b))
	}
	return nil
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port), nil
}

// Buffer is a bytes.Buffer that a process or a logger may write to while
// a test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
