package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stickyuploads/sticky/examples/internal/apptest"
	"github.com/stickyuploads/sticky/internal/needs"
)

func TestApp(t *testing.T) {
	up, docs, files := apptest.New(t)
	app, err := newApp(up, docs)
	if err != nil {
		t.Fatal(err)
	}
	apptest.Run(t, app, files)
}

// TestGenerated fails when page_templ.go is not what templ generates from
// page.templ now: run go generate ./templ.
func TestGenerated(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("page.templ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "page.templ"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	// The generator is the tool of this module, at its version in go.mod;
	// never fetched here.
	tool := exec.Command("go", "build", "-o", filepath.Join(dir, "templ"), "github.com/a-h/templ/cmd/templ")
	tool.Env = append(os.Environ(), "GOPROXY=off")
	if out, err := tool.CombinedOutput(); err != nil {
		msg := "the templ generator cannot be built from the module cache (go -C examples mod download fills it): " + err.Error() + "\n" + string(out)
		if needs.Strict() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	gen := exec.Command(filepath.Join(dir, "templ"), "generate", "-f", "page.templ")
	gen.Dir = dir // the file names in the generated code are relative to it
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("templ generate: %v\n%s", err, out)
	}
	want, err := os.ReadFile(filepath.Join(dir, "page_templ.go"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("page_templ.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("page_templ.go is out of date with page.templ: run go generate ./templ in examples")
	}
}
