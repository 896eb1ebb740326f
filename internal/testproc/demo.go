package testproc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ModuleRoot returns the directory of sticky's go.mod, found from the
// working directory up (a test's is its package's directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/stickyuploads/sticky\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the sticky module")
		}
		dir = parent
	}
}

// BuildDemo builds cmd/sticky-demo into dir and returns the binary's path.
// It is built without -race even when the tests run with it: the race
// detector makes bcrypt, which every start and sign-in runs, twenty times
// slower, and the demo's own tests run its code under -race.
func BuildDemo(dir string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sticky-demo")
	build := exec.Command("go", "build", "-o", bin, "./cmd/sticky-demo")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the demo (go build ./cmd/sticky-demo in %s): %v\n%s", root, err, out)
	}
	return bin, nil
}

// Buffer collects a process's output, written from several goroutines. It
// keeps the first MiB.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() < 1<<20 {
		s.b.Write(p)
	}
	return len(p), nil
}

// String returns what was written, without trailing space.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.TrimRight(s.b.String(), " \t\r\n")
}

// DemoConfig is how to run one sticky-demo.
type DemoConfig struct {
	Name string   // in messages, such as "demo A"; default "the demo"
	Args []string // its flags
	Env  []string // added to the test's environment
	// MustStop fails the test when the demo takes more than 5 s to stop
	// after SIGTERM; otherwise it is killed then, quietly.
	MustStop bool
}

// Demo is a running sticky-demo.
type Demo struct {
	URL string  // http://127.0.0.1:PORT, once Listen has returned
	Out *Buffer // its standard output and error

	c      DemoConfig
	cmd    *exec.Cmd
	seen   chan string
	exited chan struct{}
}

var listening = regexp.MustCompile(`listening on (http://127\.0\.0\.1:[0-9]+)`)

// StartDemo starts the demo binary bin as c says, made to die with the
// test process. It is stopped when the test ends (SIGTERM, then SIGKILL
// after 5 s), and its output is logged if the test failed. Listen waits
// until it serves.
func StartDemo(t testing.TB, bin string, c DemoConfig) *Demo {
	t.Helper()
	if c.Name == "" {
		c.Name = "the demo"
	}
	cmd := exec.Command(bin, c.Args...)
	d := &Demo{Out: &Buffer{}, c: c, cmd: cmd, seen: make(chan string, 1), exited: make(chan struct{})}
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Stderr = d.Out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	DieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", c.Name, err)
	}
	go func() {
		// Read stdout to the end, so the demo never blocks on a full pipe.
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(d.Out, line)
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case d.seen <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(5 * time.Second):
			if c.MustStop {
				t.Errorf("%s did not stop within 5s of SIGTERM", c.Name)
			}
			cmd.Process.Kill()
			<-d.exited
		}
		if t.Failed() {
			t.Logf("%s (%s):\n%s", c.Name, strings.Join(c.Args, " "), d.Out)
		}
	})
	return d
}

// Listen waits until the demo prints the URL it serves, and sets URL.
func (d *Demo) Listen(t testing.TB) {
	t.Helper()
	select {
	case d.URL = <-d.seen:
	case <-d.exited:
		t.Fatalf("%s exited before it printed \"listening on http://127.0.0.1:PORT\":\n%s", d.c.Name, d.Out)
	case <-time.After(20 * time.Second):
		t.Fatalf("%s printed no \"listening on http://127.0.0.1:PORT\" line within 20s:\n%s", d.c.Name, d.Out)
	}
}

// PID is the demo's process id, to read what /proc says of it.
func (d *Demo) PID() int { return d.cmd.Process.Pid }

// Kill ends the demo with SIGKILL, as a crash or the OOM killer would:
// nothing of it runs after that, no deferred call, no shutdown. It returns
// once the process has exited.
func (d *Demo) Kill() {
	d.cmd.Process.Kill()
	<-d.exited
}
