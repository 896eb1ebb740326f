package footprint

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Limits of a disk-only app (testdata/diskapp: sticky.New, ReadForm,
// Form.File), against a tusd handler+filestore app (testdata/tusapp).
const (
	maxPackages = 30  // non-standard packages compiled
	maxRatio    = 1.3 // stripped binary size, against the tusd app's
)

func goCmd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("go"); err != nil {
			t.Skip("the go command is not at hand")
		}
	}
	return bin
}

// nonStandard lists the non-standard packages pkg compiles, itself aside.
func nonStandard(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command(goCmd(t), "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	var deps []string
	for _, p := range strings.Fields(string(out)) {
		if p != pkg {
			deps = append(deps, p)
		}
	}
	return deps
}

func TestDiskOnlyAppPackages(t *testing.T) {
	deps := nonStandard(t, "github.com/stickyuploads/sticky/internal/footprint/testdata/diskapp")
	t.Logf("a disk-only app compiles %d non-standard packages", len(deps))
	if len(deps) > maxPackages {
		t.Errorf("a disk-only app compiles %d non-standard packages, more than %d:\n%s", len(deps), maxPackages, strings.Join(deps, "\n"))
	}
	for _, p := range deps {
		for _, heavy := range []string{"aws", "gocloud.dev", "google.golang.org/grpc", "opentelemetry", "prometheus"} {
			if strings.Contains(p, heavy) {
				t.Errorf("a disk-only app compiles %s", p)
			}
		}
	}
}

func TestDiskOnlyAppSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs")
	}
	dir := t.TempDir()
	size := func(app string) int64 {
		bin := filepath.Join(dir, app)
		cmd := exec.Command(goCmd(t), "build", "-ldflags=-s -w", "-o", bin, "./testdata/"+app)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", app, err, out)
		}
		st, err := os.Stat(bin)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	disk, tus := size("diskapp"), size("tusapp")
	ratio := float64(disk) / float64(tus)
	t.Logf("stripped binaries: disk-only sticky app %d bytes, tusd handler+filestore app %d bytes, ratio %.2f", disk, tus, ratio)
	if ratio > maxRatio {
		t.Errorf("the disk-only app's binary is %.2f times the tusd app's, more than %.1f", ratio, maxRatio)
	}
}
