package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/stickyuploads/sticky/internal/testproc"
	"github.com/stickyuploads/sticky/internal/tmpcheck"
)

func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost // fast tests
	os.Exit(tmpcheck.Run(m.Run))
}

func noEnv(string) string { return "" }

func TestParseConfigDefaults(t *testing.T) {
	c, err := parseConfig(nil, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.Data != "sticky-demo-data" || c.MaxSize != 20<<20 || c.Users != nil || c.Secret != nil {
		t.Errorf("defaults = %+v", c)
	}
}

func TestParseConfigUsers(t *testing.T) {
	c, err := parseConfig([]string{"-user", "alice:secret", "-user", "bob:pa:ss:word", "-max-size", "1GiB"}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []userSpec{{"alice", "secret"}, {"bob", "pa:ss:word"}}
	if !reflect.DeepEqual(c.Users, want) {
		t.Errorf("users = %+v, want %+v", c.Users, want)
	}
	if c.MaxSize != 1<<30 {
		t.Errorf("max size = %d", c.MaxSize)
	}
}

func TestParseConfigBadUsers(t *testing.T) {
	for _, v := range []string{
		"alice",         // no colon
		":secret",       // no name
		"alice:",        // no password
		"al ice:secret", // space in name
		"alice:" + strings.Repeat("x", 73),
	} {
		if _, err := parseConfig([]string{"-user", v}, noEnv, io.Discard); err == nil {
			t.Errorf("-user %q: no error", v)
		}
	}
	if _, err := parseConfig([]string{"-user", "a:1", "-user", "A:2"}, noEnv, io.Discard); err == nil {
		t.Error("the same user twice: no error")
	}
}

func TestParseConfigBadSize(t *testing.T) {
	for _, v := range []string{"", "lots", "-1MiB", "0"} {
		if _, err := parseConfig([]string{"-max-size", v}, noEnv, io.Discard); err == nil {
			t.Errorf("-max-size %q: no error", v)
		}
	}
}

func TestParseConfigSecret(t *testing.T) {
	long := strings.Repeat("k", 32)
	c, err := parseConfig(nil, func(k string) string {
		if k == "STICKY_SECRET" {
			return long
		}
		return ""
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Secret) != long {
		t.Errorf("secret = %q", c.Secret)
	}
	_, err = parseConfig(nil, func(string) string { return "short" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "at least 32 bytes") {
		t.Errorf("short secret: err = %v", err)
	}
}

func TestParseConfigHelp(t *testing.T) {
	var out strings.Builder
	_, err := parseConfig([]string{"-h"}, noEnv, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("err = %v", err)
	}
	for _, f := range []string{"-addr", "-data", "-user", "-max-size", "STICKY_SECRET"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("usage does not mention %s:\n%s", f, out.String())
		}
	}
}

func TestKeyFileKeptAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	k1, created, err := loadOrCreateKey(dir)
	if err != nil || !created || len(k1) != 32 {
		t.Fatalf("first: %x %v %v", k1, created, err)
	}
	st, err := os.Stat(filepath.Join(dir, secretFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v", st.Mode())
	}
	k2, created, err := loadOrCreateKey(dir)
	if err != nil || created || string(k1) != string(k2) {
		t.Fatalf("second: %x %v %v", k2, created, err)
	}
}

// TestRun starts the real command on a random port, as outside tests do,
// and stops it the way a SIGINT would.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	d := startRun(t, noEnv, "-addr", "127.0.0.1:0", "-data", dir, "-user", "alice:wonderland", "-user", "bob:builder")
	if !strings.HasPrefix(d.URL, "http://127.0.0.1:") || strings.HasSuffix(d.URL, ":0") {
		t.Errorf("url = %q", d.URL)
	}
	for _, want := range []string{`created user "alice"`, `created user "bob"`} {
		if !contains(d.Stdout, want) {
			t.Errorf("stdout %q lacks %q", d.Stdout, want)
		}
	}
	if contains(d.Stdout, `"demo"`) {
		t.Errorf("demo created although -user was given: %q", d.Stdout)
	}

	resp, err := http.Get(d.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login: %s", resp.Status)
	}

	if err := d.Stop(); err != nil {
		t.Errorf("run: %v", err)
	}
}

// running is the command started by startRun.
type running struct {
	URL    string           // http://127.0.0.1:PORT
	Stdout []string         // the lines up to "listening on ..."
	Stderr *testproc.Buffer // the log
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// startRun runs the command with args in the test's process, as main
// does, and waits for its "listening on" line. It is stopped when the test
// ends, if Stop was not called before.
func startRun(t *testing.T, getenv func(string) string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	d := &running{Stderr: &testproc.Buffer{}, cancel: cancel, done: make(chan error, 1)}
	pr, pw := io.Pipe()
	go func() {
		d.done <- run(ctx, args, getenv, pw, d.Stderr)
		pw.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	t.Cleanup(func() { d.Stop() })
	timeout := time.After(10 * time.Second)
	for d.URL == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stdout closed; run: %v; saw %q", d.Stop(), d.Stdout)
			}
			d.Stdout = append(d.Stdout, l)
			if u, ok := strings.CutPrefix(l, "listening on "); ok {
				d.URL = u
			}
		case <-timeout:
			t.Fatalf("no listening line; saw %q", d.Stdout)
		}
	}
	go func() {
		for range lines {
		}
	}()
	return d
}

// Stop cancels the command's context, as SIGINT does, and returns what run
// returned.
func (d *running) Stop() error {
	d.once.Do(func() {
		d.cancel()
		select {
		case d.err = <-d.done:
		case <-time.After(10 * time.Second):
			d.err = errors.New("run did not return within 10s of the cancel")
		}
	})
	return d.err
}

func contains(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}
