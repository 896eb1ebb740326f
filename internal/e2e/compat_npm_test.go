package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/needs"
)

// The upload clients of other projects that the compatibility tests drive:
// their real packages from the npm registry, these exact versions.
const (
	fineUploaderVersion = "5.16.2" // valum's uploader, the last release
	uppyVersion         = "6.0.1"  // its dist/ bundle holds @uppy/tus and tus-js-client
	uppyAwsS3Version    = "6.1.0"  // in uppy's bundle too: uppy 6.0.1 pins it
)

// npmSet is a set of npm packages at exact versions that some tests need,
// installed once into internal/e2e/testdata/npm/DIR (ignored by git) and
// reused by later runs. When npm fails the test fails with npm's output:
// the tests never run against stand-ins.
type npmSet struct {
	dir      string            // its directory in the cache
	install  []string          // the arguments to npm install: name@version
	versions map[string]string // the version each package must have, dependencies included
	files    []string          // the installed files the tests load, below node_modules

	mu      sync.Mutex
	modules string // its node_modules, once installed
}

var compatPackages = &npmSet{
	dir:      "fine-uploader-" + fineUploaderVersion + "_uppy-" + uppyVersion,
	install:  []string{"fine-uploader@" + fineUploaderVersion, "uppy@" + uppyVersion},
	versions: map[string]string{"fine-uploader": fineUploaderVersion, "uppy": uppyVersion, "@uppy/aws-s3": uppyAwsS3Version},
	files: []string{
		"fine-uploader/fine-uploader/fine-uploader.core.min.js",
		"uppy/dist/uppy.min.js",
		"uppy/dist/uppy.min.css",
	},
}

// npmPackages returns a node_modules directory holding fine-uploader and
// uppy at the versions above.
func npmPackages(t *testing.T) string {
	t.Helper()
	needs.Tool(t, "chromium") // the packages run in it
	return compatPackages.nodeModules(t)
}

// nodeModules returns the set's node_modules directory, installing it first
// when the cache does not hold it.
func (s *npmSet) nodeModules(t *testing.T) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.modules != "" {
		return s.modules
	}
	cache := filepath.Join(moduleRoot, "internal", "e2e", "testdata", "npm")
	dir := filepath.Join(cache, s.dir)
	modules := filepath.Join(dir, "node_modules")
	if s.complete(modules) == nil {
		s.modules = modules
		return modules
	}

	npm := needs.Tool(t, "npm")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	// Install beside the cache entry, then rename it into place: a run cut
	// short never leaves a half-installed entry that looks complete.
	tmp, err := os.MkdirTemp(cache, ".install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// --ignore-scripts: no package runs code at install time (and so
	// none downloads a browser).
	args := append([]string{"install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", tmp}, s.install...)
	what := strings.Join(s.install, ", ")
	start := time.Now()
	out, err := exec.CommandContext(ctx, npm, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("could not install the npm packages these tests need (%s): npm %v failed (%v) after %v:\n%s",
			what, args, err, time.Since(start).Round(time.Second), out)
	}
	if err := s.complete(filepath.Join(tmp, "node_modules")); err != nil {
		t.Fatalf("npm %v succeeded, but %v:\n%s", args, err, out)
	}
	t.Logf("installed %s with npm in %v", what, time.Since(start).Round(time.Second))
	if err := os.Rename(tmp, dir); err != nil {
		// Another test process may have installed them meanwhile.
		if s.complete(modules) != nil {
			t.Fatalf("keeping the npm packages in %s: %v", dir, err)
		}
	}
	s.modules = modules
	return modules
}

// complete checks that modules holds the files the tests load, from the
// versions they expect.
func (s *npmSet) complete(modules string) error {
	for _, f := range s.files {
		if _, err := os.Stat(filepath.Join(modules, f)); err != nil {
			return err
		}
	}
	for pkg, want := range s.versions {
		b, err := os.ReadFile(filepath.Join(modules, pkg, "package.json"))
		if err != nil {
			return err
		}
		var meta struct{ Version string }
		if err := json.Unmarshal(b, &meta); err != nil {
			return fmt.Errorf("%s/package.json: %w", pkg, err)
		}
		if meta.Version != want {
			return errors.New(pkg + " is version " + meta.Version + ", not " + want)
		}
	}
	return nil
}
