// Package needs finds the programs that some tests run (Chromium, Firefox
// ESR, nginx, versitygw, node, npm, clamd), so that `go test ./...` with Go
// alone passes: a test whose program is missing is skipped, with a line that
// says `make test` installs it.
//
// `make test` and CI set STICKY_TEST_STRICT=1: then a missing program
// fails the test instead, so that nothing is skipped there unnoticed.
//
// A program is looked up on PATH, then in the directories `go install`
// writes to ($GOBIN, $GOPATH/bin), then in the directories a caller adds.
// Nothing else is searched, so a PATH without a program hides it.
package needs

import (
	"errors"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// StrictEnv is the environment variable that turns a missing program from
// a skip into a failure when it is "1".
const StrictEnv = "STICKY_TEST_STRICT"

// Strict reports whether a missing program fails the tests.
func Strict() bool { return os.Getenv(StrictEnv) == "1" }

// install says how to install each program by hand, for the messages.
var install = map[string]string{
	"chromium":    "apt-get install chromium",
	"firefox-esr": "apt-get install firefox-esr",
	"nginx":       "apt-get install nginx",
	"node":        "apt-get install nodejs",
	"npm":         "apt-get install npm",
	"clamd":       "apt-get install clamav-daemon",
	"versitygw":   "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0",
}

// Find returns the path of the program name, or an error that names it,
// where it was looked for, and that `make test` installs it.
func Find(name string, dirs ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	var searched []string
	for _, d := range append(goBins(), dirs...) {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
		searched = append(searched, d)
	}
	where := "PATH"
	if len(searched) > 0 {
		where += " nor in " + strings.Join(searched, ", ")
	}
	msg := fmt.Sprintf("needs %s (not on %s); make test installs it", name, where)
	if how := install[name]; how != "" {
		msg += ", or run: " + how
	}
	return "", errors.New(msg)
}

// Tool returns the path of the program name. When it is missing, it skips
// t, or fails it when STICKY_TEST_STRICT=1.
func Tool(t testing.TB, name string, dirs ...string) string {
	t.Helper()
	p, err := Find(name, dirs...)
	if err != nil {
		if Strict() {
			t.Fatalf("%v (%s=1: a missing program fails the run)", err, StrictEnv)
		}
		t.Skip(err)
	}
	return p
}

// Main is Find for a TestMain that sets up something with the program
// before m.Run, such as a build that only its tests use. It returns the
// program's path, or "" when it is missing: the TestMain then skips its
// set-up and runs the tests anyway, each of which calls Tool and so skips,
// or fails when STICKY_TEST_STRICT=1.
func Main(name string, dirs ...string) string {
	p, err := Find(name, dirs...)
	if err != nil {
		return ""
	}
	return p
}

// goBins are the directories `go install` writes to.
func goBins() []string {
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		return []string{gobin}
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		gopath = build.Default.GOPATH
	}
	var dirs []string
	for _, p := range filepath.SplitList(gopath) {
		if p != "" {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	return dirs
}
