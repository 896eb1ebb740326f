package needs

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recorder stands in for a test: it records what Tool did to it.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// tool runs Tool as a test would, in a goroutine of its own, since a skip
// or a failure ends it.
func tool(name string, dirs ...string) (path string, r *recorder) {
	r = &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		path = Tool(r, name, dirs...)
	}()
	<-done
	return path, r
}

// hideAll leaves no program reachable but those in the returned directory.
func hideAll(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	t.Setenv("GOBIN", "")
	t.Setenv("GOPATH", t.TempDir())
	return dir
}

func program(t *testing.T, dir, name string) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestToolMissingSkips(t *testing.T) {
	hideAll(t)
	t.Setenv(StrictEnv, "")
	_, r := tool("versitygw")
	if r.failed != "" {
		t.Errorf("failed: %s", r.failed)
	}
	for _, want := range []string{"needs versitygw", "make test", install["versitygw"]} {
		if !strings.Contains(r.skipped, want) {
			t.Errorf("skip line %q does not say %q", r.skipped, want)
		}
	}
}

func TestToolMissingFailsWhenStrict(t *testing.T) {
	hideAll(t)
	t.Setenv(StrictEnv, "1")
	_, r := tool("chromium")
	if r.skipped != "" {
		t.Errorf("skipped: %s", r.skipped)
	}
	if !strings.Contains(r.failed, "needs chromium") || !strings.Contains(r.failed, StrictEnv) {
		t.Errorf("failure %q does not say what is missing and why it fails", r.failed)
	}
}

func TestToolFound(t *testing.T) {
	t.Setenv(StrictEnv, "1")
	for _, tt := range []struct {
		name  string
		place func(t *testing.T, onPath string) (dir string, extra []string)
	}{
		{"on PATH", func(t *testing.T, onPath string) (string, []string) { return onPath, nil }},
		{"in GOBIN", func(t *testing.T, _ string) (string, []string) {
			d := t.TempDir()
			t.Setenv("GOBIN", d)
			return d, nil
		}},
		{"in GOPATH/bin", func(t *testing.T, _ string) (string, []string) {
			gopath := t.TempDir()
			t.Setenv("GOPATH", gopath)
			d := filepath.Join(gopath, "bin")
			os.Mkdir(d, 0o755)
			return d, nil
		}},
		{"in a directory given", func(t *testing.T, _ string) (string, []string) {
			d := t.TempDir()
			return d, []string{d}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			onPath := hideAll(t)
			dir, extra := tt.place(t, onPath)
			want := program(t, dir, "fake-tool")
			got, r := tool("fake-tool", extra...)
			if got != want || r.skipped != "" || r.failed != "" {
				t.Errorf("Tool = %q (skipped %q, failed %q), want %q", got, r.skipped, r.failed, want)
			}
		})
	}
}

func TestToolNotExecutable(t *testing.T) {
	hideAll(t)
	t.Setenv(StrictEnv, "")
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "fake-tool"), nil, 0o644)
	if _, r := tool("fake-tool", d); r.skipped == "" {
		t.Error("a file that is not executable was taken for the program")
	}
}
