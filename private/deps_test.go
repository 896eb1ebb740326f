package private

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxDeps bounds the packages outside the standard library that private
// compiles: serving a directory must not cost an app a cloud SDK.
const maxDeps = 12

func TestFewDependencies(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	goroot, err := exec.Command(goCmd, "env", "GOROOT").Output()
	if err != nil {
		t.Skip("no go command:", err)
	}
	goCmd = filepath.Join(strings.TrimSpace(string(goroot)), "bin", "go")
	out, err := exec.Command(goCmd, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) > maxDeps {
		t.Errorf("private compiles %d packages outside the standard library, more than %d:\n%s", len(deps), maxDeps, strings.Join(deps, "\n"))
	}
}
