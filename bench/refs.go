package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/testproc"
)

// refFixture measures references through sticky's public API, in process:
// sign is a 1 KiB upload through the endpoint (store write and signing),
// verify is a form post carrying a reference read by ReadForm and
// Form.File (verifying and finding the upload in the store). The pure
// HMAC costs are the root package's BenchmarkRefSign and BenchmarkRefVerify.
type refFixture struct {
	up   *sticky.Uploader
	body []byte // a multipart upload of 1 KiB
	ref  string // a reference to an upload, for verify
}

// newRefFixture makes an Uploader whose store is in dir and uploads one
// file to have a reference.
func newRefFixture(dir string) (*refFixture, error) {
	store, err := sticky.NewDiskStore(dir)
	if err != nil {
		return nil, err
	}
	up, err := sticky.New(sticky.Config{
		Path:     stickyMount,
		Keys:     [][]byte{benchKey},
		Identity: func(*http.Request) string { return benchOwner },
		Store:    store,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, err
	}
	r, _ := multipartBody(1 << 10)
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	f := &refFixture{up: up, body: body}
	rec := f.post()
	var reply struct {
		Stored string `json:"stored"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil || rec.Code != http.StatusOK || reply.Stored == "" {
		return nil, fmt.Errorf("upload for a reference: %d %s", rec.Code, rec.Body)
	}
	f.ref = reply.Stored
	if err := f.verify(); err != nil {
		return nil, err
	}
	return f, nil
}

// post sends the 1 KiB upload to the endpoint, in process.
func (f *refFixture) post() *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, stickyMount, bytes.NewReader(f.body))
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	rec := httptest.NewRecorder()
	f.up.ServeHTTP(rec, req)
	return rec
}

// sign uploads 1 KiB through the endpoint, which signs a reference to it.
func (f *refFixture) sign() error {
	if rec := f.post(); rec.Code != http.StatusOK {
		return fmt.Errorf("upload: %d %s", rec.Code, rec.Body)
	}
	return nil
}

// verify posts a form carrying the reference and reads its file.
func (f *refFixture) verify() error {
	req := httptest.NewRequest(http.MethodPost, "/submit", strings.NewReader("_"+benchField+"="+f.ref))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	form, err := f.up.ReadForm(httptest.NewRecorder(), req)
	if err != nil {
		return err
	}
	file, err := form.File(benchField)
	if err != nil {
		return err
	}
	if file == nil || file.Size != 1<<10 {
		return errors.New("verify: the reference did not give the file back")
	}
	return nil
}

// opsPerSec runs op over and over for at least d and returns how many ran
// per second.
func opsPerSec(ctx context.Context, op func() error, d time.Duration) (float64, error) {
	if err := op(); err != nil { // warm-up
		return 0, err
	}
	start := time.Now()
	for n := 1; ; n++ {
		if err := op(); err != nil {
			return 0, err
		}
		if el := time.Since(start); el >= d || ctx.Err() != nil {
			return float64(n) / el.Seconds(), ctx.Err()
		}
	}
}

// refs measures signing and verifying references: the root package's
// go test benchmarks (pure HMAC) when it has them, and the public-API
// round trips in process.
func (h *harness) refs(ctx context.Context) []*result {
	rows := []*result{
		{Server: "sign", Label: "sign (HMAC-SHA256 only: root BenchmarkRefSign)"},
		{Server: "verify", Label: "verify (HMAC-SHA256 only: root BenchmarkRefVerify)"},
		{Server: "upload-sign", Label: "1 KiB upload through the endpoint, in process: store write + sign"},
		{Server: "form-verify", Label: "form post carrying a reference: ReadForm + Form.File (verify + store lookup)"},
	}
	for _, r := range rows {
		r.Section = "refs"
		if !h.selected(caseName("refs", r.Server, 0, 0)) {
			r.Skip = "not run (-only)"
		}
	}
	if ctx.Err() != nil {
		return rows
	}

	// The root package's benchmarks, with go test.
	switch {
	case rows[0].Skip != "" && rows[1].Skip != "":
	case !h.p.goTestRefs:
		for _, r := range rows[:2] {
			r.Skip = "not run with -quick (go test -bench compiles the root package's tests)"
		}
	default:
		h.logf("reference benchmarks of the root package (go test -bench)")
		got, err := goTestRefs(ctx, h.p.runs, h.p.refTime)
		for i, name := range []string{"BenchmarkRefSign", "BenchmarkRefVerify"} {
			r := rows[i]
			switch {
			case r.Skip != "":
			case err != nil:
				r.Err = err.Error()
			case len(got[name]) == 0:
				r.Skip = "not available: the root package has no " + name
			default:
				r.Runs = got[name]
			}
		}
	}

	// The public API, in process.
	if rows[2].Skip != "" && rows[3].Skip != "" {
		return rows
	}
	h.logf("reference round trips through the public API")
	dir := filepath.Join(h.scratch, "refs")
	defer os.RemoveAll(dir)
	f, err := newRefFixture(dir)
	for i, op := range []func() error{nil, nil, f.signOp(), f.verifyOp()} {
		r := rows[i]
		if op == nil || r.Skip != "" {
			continue
		}
		if err != nil {
			r.Err = err.Error()
			continue
		}
		for range h.p.runs {
			v, err := opsPerSec(ctx, op, h.p.refTime)
			if err != nil {
				r.Err = err.Error()
				break
			}
			r.Runs = append(r.Runs, v)
		}
	}
	return rows
}

// signOp and verifyOp are f's operations, nil-safe for a fixture that
// failed to be made.
func (f *refFixture) signOp() func() error {
	if f == nil {
		return func() error { return errors.New("no fixture") }
	}
	return f.sign
}

// verifyOp: see signOp.
func (f *refFixture) verifyOp() func() error {
	if f == nil {
		return func() error { return errors.New("no fixture") }
	}
	return f.verify
}

// benchLine is a result line of go test -bench for BenchmarkRef*.
var benchLine = regexp.MustCompile(`(?m)^(BenchmarkRef(?:Sign|Verify))(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op`)

// goTestRefs runs the root package's BenchmarkRefSign and BenchmarkRefVerify
// runs times each and returns their operations per second by name; an empty
// map when the package has none of them.
func goTestRefs(ctx context.Context, runs int, benchtime time.Duration) (map[string][]float64, error) {
	root, err := testproc.ModuleRoot()
	if err != nil {
		return nil, fmt.Errorf("%w (run the harness from the repository)", err)
	}
	has, err := hasRootBenchmarks(root)
	if err != nil || !has {
		return map[string][]float64{}, err
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkRef(Sign|Verify)$",
		"-benchtime", benchtime.String(), "-count", strconv.Itoa(runs), ".")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench: %w: %s", err, lastLines(string(out), 10))
	}
	return parseBench(string(out)), nil
}

// parseBench reads go test -bench output: operations per second of each
// BenchmarkRef*, one figure per line (per -count).
func parseBench(out string) map[string][]float64 {
	got := map[string][]float64{}
	for _, m := range benchLine.FindAllStringSubmatch(out, -1) {
		ns, err := strconv.ParseFloat(m[2], 64)
		if err == nil && ns > 0 {
			got[m[1]] = append(got[m[1]], 1e9/ns)
		}
	}
	return got
}

// hasRootBenchmarks says whether the root package's tests define
// BenchmarkRefSign or BenchmarkRefVerify.
func hasRootBenchmarks(root string) (bool, error) {
	files, err := filepath.Glob(filepath.Join(root, "*_test.go"))
	if err != nil {
		return false, err
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			return false, err
		}
		if bytes.Contains(b, []byte("func BenchmarkRefSign(")) || bytes.Contains(b, []byte("func BenchmarkRefVerify(")) {
			return true, nil
		}
	}
	return false, nil
}
