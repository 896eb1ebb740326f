package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// startTimeout bounds how long a server may take to say where it listens.
const startTimeout = 20 * time.Second

// child is a server under test running in a process of its own.
type child struct {
	name  string
	url   string // base URL, no trailing slash: http://127.0.0.1:PORT
	cmd   *exec.Cmd
	stdin io.WriteCloser // closing it tells our own servers to exit
	out   *tailBuffer    // the last of what it wrote to stderr (and stdout)
	done  chan struct{}  // closed once the process has been waited for
	once  sync.Once
}

// procs keeps every child started, to stop them all whatever happens.
type procs struct {
	mu   sync.Mutex
	list []*child
}

// stopAll stops every child still running.
func (p *procs) stopAll() {
	p.mu.Lock()
	list := p.list
	p.list = nil
	p.mu.Unlock()
	for _, c := range list {
		c.stop()
	}
}

// add records a started child.
func (p *procs) add(c *child) {
	p.mu.Lock()
	p.list = append(p.list, c)
	p.mu.Unlock()
}

// urlFrom reads a child's output and finds the URL it listens on.
type urlFrom func(line string) (string, bool)

// firstLineURL is the convention of our own servers: the first line on
// stdout is the URL.
func firstLineURL(line string) (string, bool) {
	line = strings.TrimSpace(line)
	return line, strings.HasPrefix(line, "http://")
}

// start runs cmd as a child named name and waits until it tells its URL in
// a line of its output (stdout or stderr) that find recognises. With find
// nil the child is ready when addr accepts connections.
func (p *procs) start(ctx context.Context, name string, cmd *exec.Cmd, find urlFrom, addr string) (*child, error) {
	c := &child{name: name, cmd: cmd, out: &tailBuffer{max: 8 << 10}, done: make(chan struct{})}
	// A process group of its own, so that stopping it stops whatever it
	// started; killed by the kernel should the harness die first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	c.stdin = stdin
	lines := make(chan string, 16)
	var scanned io.Writer = c.out
	if find != nil {
		pr, pw := io.Pipe()
		scanned = io.MultiWriter(c.out, pw)
		go func() {
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				select {
				case lines <- sc.Text():
				default:
				}
			}
			io.Copy(io.Discard, pr)
		}()
		defer func() {
			if c.url == "" {
				pw.Close()
			}
		}()
		go func() { <-c.done; pw.Close() }()
	}
	cmd.Stdout, cmd.Stderr = scanned, scanned
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p.add(c)
	go func() { cmd.Wait(); close(c.done) }()

	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	if find == nil {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				conn.Close()
				c.url = "http://" + addr
				return c, nil
			}
			select {
			case <-tick.C:
			case <-c.done:
				return nil, fmt.Errorf("%s exited before listening: %s", name, c.out.String())
			case <-deadline.C:
				c.stop()
				return nil, fmt.Errorf("%s did not listen on %s within %s: %s", name, addr, startTimeout, c.out.String())
			case <-ctx.Done():
				c.stop()
				return nil, ctx.Err()
			}
		}
	}
	for {
		select {
		case line := <-lines:
			if u, ok := find(line); ok {
				c.url = strings.TrimSuffix(u, "/")
				return c, nil
			}
		case <-c.done:
			// The last lines may still be on their way.
			time.Sleep(50 * time.Millisecond)
			return nil, fmt.Errorf("%s exited before telling its address: %s", name, c.out.String())
		case <-deadline.C:
			c.stop()
			return nil, fmt.Errorf("%s did not tell its address within %s: %s", name, startTimeout, c.out.String())
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		}
	}
}

// stop ends the child: its standard input closes (our servers exit on
// that), then SIGTERM to its process group, then SIGKILL if it lingers.
func (c *child) stop() {
	c.once.Do(func() {
		c.stdin.Close()
		pgid := c.cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(3 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-c.done
		}
		// Whatever else is left in its group.
		syscall.Kill(-pgid, syscall.SIGKILL)
	})
}

// peakRSS is the child's peak resident memory so far, VmHWM, in bytes.
func (c *child) peakRSS() (int64, error) {
	select {
	case <-c.done:
		return 0, fmt.Errorf("%s has exited: %s", c.name, c.out.String())
	default:
	}
	return vmHWM(c.cmd.Process.Pid)
}

// vmHWMLine is the peak resident set size line of /proc/<pid>/status.
var vmHWMLine = regexp.MustCompile(`(?m)^VmHWM:\s+(\d+) kB$`)

// vmHWM reads the peak resident set size of process pid from /proc.
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	m := vmHWMLine.FindSubmatch(b)
	if m == nil {
		return 0, errors.New("no VmHWM in /proc/" + strconv.Itoa(pid) + "/status")
	}
	kb, err := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10, err
}

// freePort finds a TCP port on 127.0.0.1 that nobody listens on now, for
// servers that cannot be told to take any port and say which (nginx).
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

// Write implements io.Writer, keeping only the end.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// String is what was kept, trimmed.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(bytes.TrimSpace(t.b))
	if s == "" {
		return "(no output)"
	}
	return s
}
