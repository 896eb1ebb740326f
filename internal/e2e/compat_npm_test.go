package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// npmFiles are the installed files the tests load, below node_modules.
var npmFiles = []string{
	"fine-uploader/fine-uploader/fine-uploader.core.min.js",
	"uppy/dist/uppy.min.js",
	"uppy/dist/uppy.min.css",
}

var npmInstall struct {
	sync.Mutex
	dir string
}

// npmPackages returns a node_modules directory holding fine-uploader and
// uppy at the versions above. They are installed with npm, once, into
// internal/e2e/testdata/npm/ (ignored by git) and reused by later runs. When
// npm fails the test fails with npm's output: the tests never run against
// stand-ins.
func npmPackages(t *testing.T) string {
	t.Helper()
	needs.Tool(t, "chromium") // the packages run in it
	npmInstall.Lock()
	defer npmInstall.Unlock()
	if npmInstall.dir != "" {
		return npmInstall.dir
	}
	cache := filepath.Join(moduleRoot, "internal", "e2e", "testdata", "npm")
	dir := filepath.Join(cache, "fine-uploader-"+fineUploaderVersion+"_uppy-"+uppyVersion)
	modules := filepath.Join(dir, "node_modules")
	if npmComplete(modules) == nil {
		npmInstall.dir = modules
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
	args := []string{"install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", tmp,
		"fine-uploader@" + fineUploaderVersion, "uppy@" + uppyVersion}
	start := time.Now()
	out, err := exec.CommandContext(ctx, npm, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("could not install the npm packages these tests drive (fine-uploader@%s, uppy@%s): npm %v failed (%v) after %v:\n%s",
			fineUploaderVersion, uppyVersion, args, err, time.Since(start).Round(time.Second), out)
	}
	if err := npmComplete(filepath.Join(tmp, "node_modules")); err != nil {
		t.Fatalf("npm %v succeeded, but %v:\n%s", args, err, out)
	}
	t.Logf("installed fine-uploader@%s and uppy@%s with npm in %v", fineUploaderVersion, uppyVersion, time.Since(start).Round(time.Second))
	if err := os.Rename(tmp, dir); err != nil {
		// Another test process may have installed them meanwhile.
		if npmComplete(modules) != nil {
			t.Fatalf("keeping the npm packages in %s: %v", dir, err)
		}
	}
	npmInstall.dir = modules
	return modules
}

// npmComplete checks that modules holds the files the tests load, from the
// versions they expect.
func npmComplete(modules string) error {
	for _, f := range npmFiles {
		if _, err := os.Stat(filepath.Join(modules, f)); err != nil {
			return err
		}
	}
	for pkg, want := range map[string]string{"fine-uploader": fineUploaderVersion, "uppy": uppyVersion, "@uppy/aws-s3": uppyAwsS3Version} {
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
