// Package nginxtest runs a real nginx for tests: a single process on a free
// port of 127.0.0.1, with its configuration, logs and temporary files in
// the test's own directory, stopped when the test ends.
//
// nginx is found on PATH (Debian installs it in /usr/sbin, which `make
// test` adds to PATH); `make test` installs it when missing. A test that
// needs it and cannot find it is skipped, or fails under
// STICKY_TEST_STRICT=1 (see internal/needs).
package nginxtest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/needs"
	"github.com/stickyuploads/sticky/internal/testproc"
)

// Server is a running nginx.
type Server struct {
	// URL is the server's address, http://127.0.0.1:PORT.
	URL string
	// Dir holds nginx.conf, error.log, access.log and the temporary files.
	Dir string
}

// Start starts nginx on a free port of 127.0.0.1 with the server block
// that server returns for the address it is to listen on (such as
// "127.0.0.1:41234"), inside an http block that sets the logs and
// temporary paths. It stops nginx when the test ends.
func Start(t testing.TB, server func(listen string) string) *Server {
	t.Helper()
	bin := needs.Tool(t, "nginx")
	s := &Server{Dir: t.TempDir()}
	if err := os.Mkdir(filepath.Join(s.Dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	// Another process may take the free port before nginx does: try a
	// few times.
	for attempt := 1; ; attempt++ {
		err := s.start(t, bin, server)
		if err == nil {
			return s
		}
		if attempt == 3 {
			t.Fatalf("nginxtest: starting nginx: %v", err)
		}
	}
}

func (s *Server) start(t testing.TB, bin string, server func(string) string) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	conf := filepath.Join(s.Dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(s.config(bin, server(addr))), 0o644); err != nil {
		return err
	}
	errLog := filepath.Join(s.Dir, "error.log")
	os.Remove(errLog)
	// Errors before the configuration is read go to the error log nginx
	// was built with (stderr on Debian), the rest to errLog.
	cmd := exec.Command(bin, "-p", s.Dir+"/", "-c", conf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	exited, stop, err := testproc.Start(cmd, syscall.SIGTERM)
	if err != nil {
		return err
	}
	s.URL = "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("nginx exited: %s %s", out.String(), readFile(errLog))
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Cleanup(stop)
			return nil
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("nginx did not listen on %s within 10s: %s", addr, readFile(errLog))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// config is the whole configuration around the server block.
func (s *Server) config(bin, server string) string {
	d := s.Dir
	// nginx creates the temporary directories of every module it has,
	// by default in system paths: point them here. The *_temp_path
	// directives exist only for the modules built in.
	built, _ := exec.Command(bin, "-V").CombinedOutput()
	var temp strings.Builder
	for _, m := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		if m == "client_body" || !bytes.Contains(built, []byte("--without-http_"+m+"_module")) {
			fmt.Fprintf(&temp, "    %s_temp_path %s;\n", m, filepath.Join(d, "tmp", m))
		}
	}
	return fmt.Sprintf(`# Written by nginxtest for one test.
daemon off;
master_process off;
pid %[1]s/nginx.pid;
lock_file %[1]s/nginx.lock;
error_log %[1]s/error.log info;
events {
    # A proxied request takes two (client, upstream): room for load tests.
    worker_connections 1024;
}
http {
    log_format nginxtest '$status $request_method "$request_uri" "$uri" $body_bytes_sent';
    access_log %[1]s/access.log nginxtest;
    default_type application/octet-stream;
%[2]s
%[3]s
}
`, d, temp.String(), server)
}

// Entry is one line of the access log: one request as nginx finished it.
type Entry struct {
	Status int
	Method string
	// Request is the URI the client asked for.
	Request string
	// URI is the URI nginx served in the end, after internal redirects
	// such as X-Accel-Redirect, decoded.
	URI string
	// Bytes is the length of the body sent to the client.
	Bytes int64
}

var entryLine = regexp.MustCompile(`^(\d+) (\S+) "([^"]*)" "([^"]*)" (\d+)$`)

// Log returns the access log's entries, waiting up to five seconds for
// there to be at least n: nginx writes a line once the response is sent,
// which may be after the client has read it.
func (s *Server) Log(t testing.TB, n int) []Entry {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		entries := s.entries(t)
		if len(entries) >= n || time.Now().After(deadline) {
			return entries
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *Server) entries(t testing.TB) []Entry {
	t.Helper()
	f, err := os.Open(filepath.Join(s.Dir, "access.log"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var entries []Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := entryLine.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("nginxtest: access log line %q", sc.Text())
		}
		status, _ := strconv.Atoi(m[1])
		size, _ := strconv.ParseInt(m[5], 10, 64)
		entries = append(entries, Entry{Status: status, Method: m[2], Request: unescape(m[3]), URI: unescape(m[4]), Bytes: size})
	}
	return entries
}

// unescape undoes nginx's escaping in logs: a byte outside printable
// ASCII, a quote or a backslash is written \xHH.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if n, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ErrorLog returns what nginx wrote to its error log.
func (s *Server) ErrorLog() string { return readFile(filepath.Join(s.Dir, "error.log")) }

// Get sends a GET to the server with the given header pairs, for tests
// that do not need a client of their own. It does not follow redirects.
func (s *Server) Get(t testing.TB, path string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return strings.TrimSpace(string(b))
}
