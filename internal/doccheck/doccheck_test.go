// Package doccheck builds the complete programs shown in the docs, so a
// newcomer's copy and paste compiles.
package doccheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

func TestDocProgramsBuild(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	built := 0
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range goBlock.FindAllSubmatch(text, -1) {
			src := string(m[1])
			if !strings.HasPrefix(src, "package main\n") {
				continue // fragments, not programs
			}
			name := filepath.Base(doc) + "#" + string(rune('0'+i))
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				gomod := "module doccheck\n\ngo 1.26\n\nrequire github.com/stickyuploads/sticky v0.0.0\n\nreplace github.com/stickyuploads/sticky => " + root + "\n"
				write(t, filepath.Join(dir, "go.mod"), gomod)
				write(t, filepath.Join(dir, "go.sum"), string(sum))
				write(t, filepath.Join(dir, "main.go"), src)
				tidy := exec.Command("go", "mod", "tidy")
				tidy.Dir = dir
				tidy.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
				if out, err := tidy.CombinedOutput(); err != nil {
					t.Fatalf("go mod tidy: %v\n%s", err, out)
				}
				vet := exec.Command("go", "vet", ".")
				vet.Dir = dir
				if out, err := vet.CombinedOutput(); err != nil {
					t.Fatalf("%s does not build: %v\n%s", name, err, out)
				}
			})
			built++
		}
	}
	if built == 0 {
		t.Fatal("found no complete program in docs/*.md; getting-started.md should have one")
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// exampleBlock is a code block that a comment ties to a file of examples/.
var exampleBlock = regexp.MustCompile("(?s)<!-- (examples/[^ ]+) -->\n```[a-z]*\n(.*?)```")

// TestDocSnippetsMatchExamples fails when a block the docs take from
// examples/ is no longer part of its file, word for word: the examples are
// compiled and tested, so the docs show code that works.
func TestDocSnippetsMatchExamples(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	found := 0
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range exampleBlock.FindAllSubmatch(text, -1) {
			found++
			file := string(m[1])
			src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
			if err != nil {
				t.Errorf("%s shows a part of %s: %v", filepath.Base(doc), file, err)
				continue
			}
			if !strings.Contains(string(src), string(m[2])) {
				t.Errorf("%s shows a block that is no longer in %s:\n%s", filepath.Base(doc), file, m[2])
			}
		}
	}
	if found == 0 {
		t.Fatal("found no block taken from examples/; routers.md should have them")
	}
}
