package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/needs"
	"github.com/stickyuploads/sticky/internal/tmpcheck"
)

// TestMain lets the test binary be the servers too: the harness starts
// os.Executable() with a serve-* subcommand, which here is this binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		if serve, ok := servers[os.Args[1]]; ok {
			os.Exit(serveMain(os.Args[1], serve, os.Args[2:]))
		}
	}
	os.Exit(tmpcheck.Run(m.Run))
}

// logWriter sends the harness's progress to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestQuickRun runs the whole harness in -quick mode into a temporary
// directory and checks what it wrote: the doc with every section, each row
// measured or skipped for a stated reason (none failed), and well-formed
// SVG plots, every one the doc links to. No server may outlive the run.
func TestQuickRun(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	// Without nginx its rows say "not available", except under
	// STICKY_TEST_STRICT=1, where they must be measured.
	nginx := "nginx"
	if p, err := needs.Find("nginx"); err == nil {
		nginx = p
	} else if needs.Strict() {
		needs.Tool(t, "nginx")
	} else {
		t.Log(err)
	}
	// Without versitygw the direct-upload rows say "not available", except
	// under STICKY_TEST_STRICT=1.
	versitygw := ""
	if p, err := needs.Find("versitygw"); err == nil {
		versitygw = p
	} else if needs.Strict() {
		needs.Tool(t, "versitygw")
	} else {
		t.Log(err)
	}
	o := options{quick: true, out: out, tmp: t.TempDir(), nginx: nginx, versitygw: versitygw, log: logWriter{t}}
	start := time.Now()
	if err := run(ctx, o); err != nil {
		t.Fatal(err)
	}
	t.Logf("quick run took %s", time.Since(start).Round(time.Millisecond))

	if kids := childrenOf(os.Getpid()); len(kids) > 0 {
		t.Errorf("servers left running after the run: %v", kids)
	}

	b, err := os.ReadFile(filepath.Join(out, "benchmarks.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{
		"# Benchmarks", "| cores | ", "| memory | ", "| CPU | ", "| Go | go1.", "| date | ",
		"## Targets", "## One-shot uploads", "## Resumable uploads (tus)", "## Private downloads",
		"## Many clients at once", "## References", "Quick run", "## Direct uploads to a bucket",
		"| 256 KiB | sticky | ", "| 4 MiB | bare streaming handler | ", "| 4 MiB | ParseMultipartForm + FormFile | ",
		"| 1 | sticky | ", "| 4 | bare streaming handler | ",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the doc has no %q", want)
		}
	}
	for _, line := range strings.Split(doc, "\n") {
		if strings.Contains(line, "failed: ") {
			t.Errorf("a case failed: %s", line)
		}
	}
	// The one-shot rows of sticky and the baselines always run: they must
	// have figures and ratios.
	row := regexp.MustCompile(`(?m)^\| 4 MiB \| sticky \| ([0-9]+)[^|]* \| \*\*([0-9.]+)\*\* \| ([0-9.]+) MiB \|$`)
	if m := row.FindStringSubmatch(doc); m == nil {
		t.Errorf("no measured 4 MiB sticky row with its ratio and memory in:\n%s", doc)
	}

	// With versitygw, the three ways of uploading to a bucket are measured,
	// and the app's CPU per GiB of the two that have an app.
	if versitygw != "" {
		for _, way := range []string{"sticky direct", "sticky proxied"} {
			row := regexp.MustCompile(`(?m)^\| 6 MiB \| ` + way + ` [^|]*\| ([0-9]+)[^|]* \| \*\*([0-9.]+)\*\* \| [0-9.]+`)
			if row.FindStringSubmatch(doc) == nil {
				t.Errorf("no measured 6 MiB %s row with its ratio and app CPU in:\n%s", way, doc)
			}
		}
	}

	links := regexp.MustCompile(`!\[[^\]]+\]\(images/(bench-[a-z]+\.svg)\)`).FindAllStringSubmatch(doc, -1)
	if len(links) < 6 {
		t.Errorf("the doc links %d plots, want 6", len(links))
	}
	linked := map[string]bool{}
	for _, l := range links {
		linked[l[1]] = true
	}
	svgs, _ := filepath.Glob(filepath.Join(out, "images", "bench-*.svg"))
	if len(svgs) != 6 {
		t.Errorf("%d plots written, want 6: %v", len(svgs), svgs)
	}
	for _, name := range svgs {
		if !linked[filepath.Base(name)] {
			t.Errorf("%s is not shown in the doc", filepath.Base(name))
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkSVG(b); err != nil {
			t.Errorf("%s: %v", filepath.Base(name), err)
		}
	}
	for l := range linked {
		if _, err := os.Stat(filepath.Join(out, "images", l)); err != nil {
			t.Errorf("the doc links %s, which is not there", l)
		}
	}
}

// checkSVG parses an SVG as XML: an <svg> root with a <title>, and at least
// one drawn mark.
func checkSVG(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	var root string
	elements := map[string]int{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
				if se.Name.Space != "http://www.w3.org/2000/svg" {
					return errors.New("the root is not in the SVG namespace")
				}
			}
			elements[se.Name.Local]++
		}
	}
	switch {
	case root != "svg":
		return errors.New("the root element is <" + root + ">, not <svg>")
	case elements["title"] == 0:
		return errors.New("no <title>")
	case elements["circle"]+elements["rect"] < 2:
		return errors.New("nothing is drawn")
	}
	return nil
}

// childrenOf lists the live processes whose parent is pid.
func childrenOf(pid int) []string {
	var kids []string
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		rest := string(b[bytes.LastIndexByte(b, ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); ppid == pid {
			kids = append(kids, strings.TrimSpace(string(b[:bytes.IndexByte(b, ')')+1])))
		}
	}
	return kids
}

func TestChartHandlesGapsAndEmptiness(t *testing.T) {
	for name, c := range map[string]chart{
		"gaps": {Title: `a "quoted" <title> & more`, XLabel: "x", YLabel: "y", X: []string{"a", "b", "c"}, Series: []series{
			{Name: "s", Y: []float64{1, math.NaN(), 3}, Lo: []float64{0.5, math.NaN(), 2}, Hi: []float64{1.5, math.NaN(), 4}},
			{Name: "t", Y: []float64{math.NaN(), 2, math.Inf(1)}, Dashed: true},
		}},
		"bars":  {Title: "bars", X: []string{"a", "b"}, Bars: true, Series: []series{{Name: "s", Y: []float64{5, math.NaN()}}, {Name: "t", Y: []float64{3, 4}}}},
		"empty": {Title: "nothing", X: []string{"a"}, Series: []series{{Name: "s", Y: []float64{math.NaN()}}, {Name: "t", Y: []float64{0}}}},
	} {
		b := c.SVG()
		if err := checkSVG(b); err != nil && !(name == "empty" && strings.Contains(err.Error(), "nothing is drawn")) {
			t.Errorf("%s: %v\n%s", name, err, b)
		}
		if bytes.Contains(b, []byte("NaN")) || bytes.Contains(b, []byte("Inf")) {
			t.Errorf("%s: a missing figure was drawn:\n%s", name, b)
		}
	}
}

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct{ max, step, top float64 }{
		{0, 1, 5}, {1, 0.2, 1}, {7, 2, 8}, {1234, 250, 1250}, {99, 20, 100},
	} {
		step, top := niceScale(tc.max)
		if math.Abs(step-tc.step) > 1e-9 || math.Abs(top-tc.top) > 1e-9 {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tc.max, step, top, tc.step, tc.top)
		}
	}
}

func TestSpreadAndQuantiles(t *testing.T) {
	s := spreadOf([]float64{3, 1, 2})
	if s != (spread{Med: 2, Min: 1, Max: 3}) {
		t.Errorf("spreadOf = %+v", s)
	}
	if s := spreadOf([]float64{4, 1}); s.Med != 2.5 {
		t.Errorf("median of two = %v, want 2.5", s.Med)
	}
	if s := spreadOf(nil); !math.IsNaN(s.Med) {
		t.Errorf("median of none = %v, want NaN", s.Med)
	}
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	p50, p99 := latencyQuantiles(ds)
	if math.Abs(p50-50.5) > 1e-9 || math.Abs(p99-99.01) > 1e-9 {
		t.Errorf("p50, p99 = %v, %v", p50, p99)
	}
}

func TestSizeNames(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 64 << 20: "64 MiB", 1 << 30: "1 GiB", 256 << 10: "256 KiB", 1000: "1000 B"} {
		if got := sizeWords(n); got != want {
			t.Errorf("sizeWords(%d) = %q, want %q", n, got, want)
		}
	}
	if got := caseName("oneshot", "sticky", 1<<30, 0); got != "oneshot/sticky/1GiB" {
		t.Errorf("caseName = %q", got)
	}
	if got := caseName("concurrency", "bare", 4<<20, 16); got != "concurrency/bare/16" {
		t.Errorf("caseName = %q", got)
	}
}

func TestParseBench(t *testing.T) {
	out := `goos: linux
BenchmarkRefSign-2     	 1000000	      1000 ns/op	     512 B/op	       6 allocs/op
BenchmarkRefVerify-2   	  500000	      2000.5 ns/op
BenchmarkRefSign-2     	 1000000	      500 ns/op
BenchmarkOther-2   	  500000	      2 ns/op
PASS`
	got := parseBench(out)
	if len(got["BenchmarkRefSign"]) != 2 || got["BenchmarkRefSign"][0] != 1e6 || got["BenchmarkRefSign"][1] != 2e6 {
		t.Errorf("sign: %v", got["BenchmarkRefSign"])
	}
	if v := got["BenchmarkRefVerify"]; len(v) != 1 || math.Abs(v[0]-1e9/2000.5) > 1e-6 {
		t.Errorf("verify: %v", v)
	}
	if len(got) != 2 {
		t.Errorf("parsed %v", got)
	}
}

// The generator gives the same bytes however it is read, from any offset.
func TestGenerator(t *testing.T) {
	const size = 3<<20 + 12345
	var whole bytes.Buffer
	if _, err := newGenerator(0, size).WriteTo(&whole); err != nil {
		t.Fatal(err)
	}
	if whole.Len() != size {
		t.Fatalf("WriteTo gave %d bytes, want %d", whole.Len(), size)
	}
	small, err := io.ReadAll(io.LimitReader(onlyReader{newGenerator(0, size)}, size+10))
	if err != nil || !bytes.Equal(small, whole.Bytes()) {
		t.Fatalf("Read and WriteTo differ (err %v)", err)
	}
	part, _ := io.ReadAll(onlyReader{newGenerator(1<<20+7, 100)})
	if !bytes.Equal(part, whole.Bytes()[1<<20+7:1<<20+107]) {
		t.Errorf("a generator from an offset gives other bytes")
	}
}

// onlyReader hides WriteTo.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// The upload body is a well-formed multipart form of the stated length.
func TestMultipartBody(t *testing.T) {
	body, n := multipartBody(100 << 10)
	b, err := io.ReadAll(body)
	if err != nil || int64(len(b)) != n {
		t.Fatalf("%d bytes read, %d announced (err %v)", len(b), n, err)
	}
	_, params, _ := mime.ParseMediaType("multipart/form-data; boundary=" + boundary)
	mr := multipart.NewReader(bytes.NewReader(b), params["boundary"])
	got := map[string]int{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c, _ := io.ReadAll(p)
		got[p.FormName()] = len(c)
	}
	if got["field"] != len(benchField) || got["upload"] != 100<<10 || len(got) != 2 {
		t.Errorf("parts: %v", got)
	}
}

// A target over sizes: each size's figure, and the worst against the limit.
func TestEverySize(t *testing.T) {
	sizes := []int64{1 << 20, 64 << 20}
	for _, c := range []struct {
		values          []float64
		figure          string
		limit           float64
		atLeast         bool
		measured, verdc string
	}{
		{[]float64{0.96, 0.93}, "%.2f", 0.95, true, "1 MiB 0.96, 64 MiB 0.93", "**not met**"},
		{[]float64{0.96, 1.02}, "%.2f", 0.95, true, "1 MiB 0.96, 64 MiB 1.02", "met"},
		{[]float64{0.5, 0.9}, "%.2f %%", 1, false, "1 MiB 0.50 %, 64 MiB 0.90 %", "met"},
		{[]float64{0.5, 4.2}, "%.2f %%", 1, false, "1 MiB 0.50 %, 64 MiB 4.20 %", "**not met**"},
		{[]float64{0.99, math.NaN()}, "%.2f", 0.95, true, "1 MiB 0.99, 64 MiB —", "not measured"},
	} {
		i := 0
		measured, v := everySize(sizes, func(int64) float64 { i++; return c.values[i-1] }, c.figure, c.limit, c.atLeast)
		if measured != c.measured || v != c.verdc {
			t.Errorf("%v: %q %q, want %q %q", c.values, measured, v, c.measured, c.verdc)
		}
	}
}
