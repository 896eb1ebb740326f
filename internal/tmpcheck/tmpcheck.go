// Package tmpcheck makes a package's tests prove that they clean up: they
// run with a temporary directory of their own, which must be empty again
// when they end.
//
// Its own directory, rather than a look at the shared one before and
// after, so that other test processes running at the same time (go test
// runs packages in parallel) are never blamed, and so that the programs
// the tests start, which inherit TMPDIR, are checked too.
package tmpcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Run runs tests, a TestMain's m.Run or a function around it, with TMPDIR
// set to a new directory, and returns its exit code, or 1 when the tests
// and Examples left anything in that directory: it then names what was
// left on stderr. The directory is removed either way. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(tmpcheck.Run(m.Run)) }
func Run(tests func() int) int {
	dir, err := os.MkdirTemp("", "sticky-tmpcheck-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "tmpcheck:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	saved, had := os.LookupEnv("TMPDIR")
	os.Setenv("TMPDIR", dir)
	code := tests()
	if had {
		os.Setenv("TMPDIR", saved)
	} else {
		os.Unsetenv("TMPDIR")
	}
	if left := entries(dir); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "tmpcheck: %s left in the temporary directory: %s\n",
			filepath.Base(os.Args[0]), strings.Join(left, ", "))
		return 1
	}
	return code
}

// entries returns the names of what is in dir, directories with a slash.
func entries(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		names = append(names, name)
	}
	return names
}
