package clamav_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
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

	"github.com/stickyuploads/sticky/clamav"
	"github.com/stickyuploads/sticky/internal/needs"
)

// eicar is the EICAR test file, which every scanner flags and which does
// no harm; it is put together at run time so that this source file is not
// flagged itself.
var eicar = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-" + `ANTIVIRUS-TEST-FILE!$H+H*`)

// eicarSignature is the name under which the test database knows eicar;
// clamd adds ".UNOFFICIAL" to the names of signatures it did not get from
// ClamAV's own databases.
const eicarSignature = "Sticky-Eicar.UNOFFICIAL"

// bodyMark is a byte string the test database flags wherever it is in a
// file (a body signature), so that a virus can hide in a large file.
var bodyMark = []byte("STICKY-TEST-VIRUS-" + "BODY-7d3f1a")

const bodySignature = "Sticky-Body.UNOFFICIAL"

// clamd is a clamd started by a test, with a database the test wrote.
type clamd struct {
	Addr   string // its socket, or host:port
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{} // closed when it has exited
}

type clamdOptions struct {
	tcp             bool   // listen on 127.0.0.1 rather than a Unix socket
	streamMaxLength string // clamd's StreamMaxLength; "" is its default
}

// startClamd starts a clamd of the test's own, and stops it when the test
// ends. It skips the test when clamd is not installed (fails it with
// STICKY_TEST_STRICT=1).
func startClamd(t testing.TB, o clamdOptions) *clamd {
	t.Helper()
	bin := needs.Tool(t, "clamd", "/usr/sbin")
	// A directory of its own, with a short path: a Unix socket's path is
	// at most 107 bytes, which t.TempDir's can exceed.
	dir, err := os.MkdirTemp("", "clamd-")
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(eicar)
	write(t, filepath.Join(db, "sticky.hdb"), fmt.Sprintf("%x:%d:Sticky-Eicar\n", sum, len(eicar)))
	write(t, filepath.Join(db, "sticky.ndb"), "Sticky-Body:0:*:"+hex.EncodeToString(bodyMark)+"\n")

	c := &clamd{out: &lockedBuffer{}}
	conf := []string{
		"Foreground yes",
		"DatabaseDirectory " + db,
		"TemporaryDirectory " + dir,
		"LogTime no",
		"LogVerbose no",
		"SelfCheck 0",
		"Bytecode no",
	}
	if o.tcp {
		port := freePort(t)
		conf = append(conf, "TCPSocket "+port, "TCPAddr 127.0.0.1")
		c.Addr = "127.0.0.1:" + port
	} else {
		c.Addr = filepath.Join(dir, "clamd.sock")
		conf = append(conf, "LocalSocket "+c.Addr)
	}
	if o.streamMaxLength != "" {
		conf = append(conf, "StreamMaxLength "+o.streamMaxLength)
	}
	if os.Geteuid() == 0 {
		conf = append(conf, "User root") // or clamd switches to its own user, who cannot read dir
	}
	confPath := filepath.Join(dir, "clamd.conf")
	write(t, confPath, strings.Join(conf, "\n")+"\n")

	c.cmd = exec.Command(bin, "--config-file="+confPath)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	c.cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	if err := c.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	c.exited = make(chan struct{})
	go func() { c.cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() {
		c.Stop()
		os.RemoveAll(dir)
	})

	// clamd loads its database before it listens: wait for PING.
	s := &clamav.Scanner{Addr: c.Addr, DialTimeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := s.Ping(context.Background())
		if err == nil {
			return c
		}
		select {
		case <-c.exited:
			t.Fatalf("clamd exited: %s", c.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("clamd does not answer PING after a minute: %v\n%s", err, c.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops clamd, and waits until it is gone.
func (c *clamd) Stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
	}
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
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

// lockedBuffer is a bytes.Buffer that a process or a logger may write to
// while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
