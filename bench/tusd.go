package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The standalone tusd compared with: the version sticky embeds.
const (
	tusdModule  = "github.com/tus/tusd/v2"
	tusdVersion = "v2.10.0"
)

// tusdCache is where the built tusd is kept between runs.
func tusdCache() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "sticky-bench", "tusd-"+tusdVersion), nil
}

// tusdBinary returns the tusd to compare with: -tusd, or the cached build,
// which a full run makes when it is missing. A quick run never builds (it
// takes minutes): it says the rows are not available instead.
func (h *harness) tusdBinary(ctx context.Context) (string, error) {
	if h.o.tusd != "" {
		if _, err := os.Stat(h.o.tusd); err != nil {
			return "", err
		}
		return h.o.tusd, nil
	}
	cache, err := tusdCache()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(cache, "tusd")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if !h.p.buildTusd {
		return "", fmt.Errorf("tusd is not built yet (a full run builds it into %s)", cache)
	}
	h.logf("building tusd %s from the module proxy into %s (once; a few minutes)", tusdVersion, cache)
	start := time.Now()
	if err := buildTusd(ctx, cache, bin); err != nil {
		return "", err
	}
	h.logf("built tusd in %s", time.Since(start).Round(time.Second))
	return bin, nil
}

// buildTusd builds tusd's command into bin. `go install module@version`
// would ask the proxy for the module's list of versions, which it may not
// give; a throwaway module that requires the exact version needs only that
// version, and -mod=mod fills in its go.sum.
func buildTusd(ctx context.Context, cache, bin string) error {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	mod, err := os.MkdirTemp(cache, "build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(mod)
	gomod := "module tusdbuild\n\ngo 1.24\n\nrequire " + tusdModule + " " + tusdVersion + "\n"
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644); err != nil {
		return err
	}
	tmp := bin + ".tmp"
	cmd := exec.CommandContext(ctx, "go", "build", "-mod=mod", "-buildvcs=false", "-o", tmp, tusdModule+"/cmd/tusd")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("building tusd %s: %w: %s", tusdVersion, err, lastLines(string(out), 10))
	}
	return os.Rename(tmp, bin)
}

// lastLines is the end of a command's output, for an error message.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
