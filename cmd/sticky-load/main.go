// Command sticky-load is sticky's load test: many concurrent clients doing
// thousands of mixed uploads (one-shot and tus, some aborted at random)
// against a server under test run in a process of its own. It checks that
// every completed upload's SHA-256 matches, that aborted uploads never yield
// a reference, that a sweep leaves no temporary file behind and that the
// server's peak memory stays under a ceiling; it prints throughput, p50/p99
// latency and the server's peak memory. See docs/load.md.
//
//	go run ./cmd/sticky-load            # the full run (make loadtest)
//	go run ./cmd/sticky-load -short     # a quick one (make test)
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stickyuploads/sticky"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serveMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "sticky-load serve:", err)
			os.Exit(1)
		}
		return
	}
	rep, err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		if rep == nil { // a usage or setup error; a failed run has printed its report
			fmt.Fprintln(os.Stderr, "sticky-load:", err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "sticky-load: FAILED:", err)
		os.Exit(1)
	}
}

type config struct {
	clients  int
	uploads  int
	abort    float64
	sizes    []int64
	weights  []int
	tusShare float64
	chunk    int64
	seed     uint64
	maxRSS   int64
	asJSON   bool
	verbose  bool
	progress bool
}

// parseSizes reads "4KiB,256KiB,2MiB,12MiB", each optionally ":weight".
func parseSizes(s string) (sizes []int64, weights []int, err error) {
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		w := 1
		if sz, wt, ok := strings.Cut(item, ":"); ok {
			item = sz
			if w, err = strconv.Atoi(wt); err != nil || w < 1 {
				return nil, nil, fmt.Errorf("-sizes: bad weight in %q", item+":"+wt)
			}
		}
		n, err := sticky.ParseSize(item)
		if err != nil || n < 1 {
			return nil, nil, fmt.Errorf("-sizes: bad size %q", item)
		}
		sizes, weights = append(sizes, n), append(weights, w)
	}
	if len(sizes) == 0 {
		return nil, nil, errors.New("-sizes: no sizes")
	}
	return sizes, weights, nil
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fl := flag.NewFlagSet("sticky-load", flag.ContinueOnError)
	fl.SetOutput(stderr)
	clients := fl.Int("clients", 64, "concurrent clients")
	uploads := fl.Int("uploads", 3000, "uploads in all")
	abort := fl.Float64("abort", 0.10, "share of uploads aborted at a random point")
	sizes := fl.String("sizes", "4KiB,256KiB,2MiB,12MiB", "size classes, each picked equally often (or size:weight); a file is 75-100% of its class")
	tusShare := fl.Float64("tus-share", 0.3, "share of uploads made with tus (the others one-shot)")
	chunk := fl.String("chunk", "1MiB", "tus PATCH size")
	seed := fl.Uint64("seed", 1, "seed of the plan and of the bytes")
	maxRSS := fl.String("max-rss", "256MiB", "ceiling of the server's peak resident memory (VmHWM); 0: none")
	short := fl.Bool("short", false, "a quick run: 16 clients, 300 uploads, sizes 4KiB,64KiB,512KiB,2MiB, chunk 256KiB (explicit flags win)")
	asJSON := fl.Bool("json", false, "print the report as JSON")
	verbose := fl.Bool("v", false, "show the server's warnings")
	progress := fl.Bool("progress", true, "print progress to stderr every 5 s")
	if err := fl.Parse(args); err != nil {
		return nil, err
	}
	if fl.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fl.Args())
	}
	if *short {
		set := map[string]bool{}
		fl.Visit(func(f *flag.Flag) { set[f.Name] = true })
		short := map[string]string{"clients": "16", "uploads": "300", "sizes": "4KiB,64KiB,512KiB,2MiB", "chunk": "256KiB", "progress": "false"}
		for name, v := range short {
			if !set[name] {
				fl.Set(name, v)
			}
		}
	}
	c := &config{clients: *clients, uploads: *uploads, abort: *abort, tusShare: *tusShare, seed: *seed,
		asJSON: *asJSON, verbose: *verbose, progress: *progress}
	var err error
	if c.sizes, c.weights, err = parseSizes(*sizes); err != nil {
		return nil, err
	}
	if c.chunk, err = sticky.ParseSize(*chunk); err != nil || c.chunk < 1 {
		return nil, fmt.Errorf("-chunk: bad size %q", *chunk)
	}
	if c.maxRSS, err = sticky.ParseSize(*maxRSS); err != nil {
		return nil, fmt.Errorf("-max-rss: bad size %q", *maxRSS)
	}
	switch {
	case c.clients < 1 || c.uploads < 1:
		return nil, errors.New("-clients and -uploads must be at least 1")
	case c.abort < 0 || c.abort > 1 || c.tusShare < 0 || c.tusShare > 1:
		return nil, errors.New("-abort and -tus-share must be between 0 and 1")
	}
	return c, nil
}

// Report is what a run found; -json prints it as it is.
type Report struct {
	Clients  int     `json:"clients"`
	Uploads  int     `json:"uploads"`
	Abort    float64 `json:"abort"`
	Sizes    string  `json:"sizes"`
	TusShare float64 `json:"tus_share"`
	Chunk    int64   `json:"chunk"`
	Seed     uint64  `json:"seed"`
	CPUs     int     `json:"cpus"`

	Done       int  `json:"done"`    // completed and verified
	Aborted    int  `json:"aborted"` // aborted on purpose, no reference
	Failed     int  `json:"failed"`  // anything unexpected, mismatches included
	Mismatches int  `json:"mismatches"`
	OneShot    Kind `json:"one_shot"`
	Tus        Kind `json:"tus"`

	BytesCompleted int64   `json:"bytes_completed"` // of the verified uploads
	BytesSent      int64   `json:"bytes_sent"`      // aborted uploads' partial bytes too
	Seconds        float64 `json:"seconds"`
	MiBPerSecond   float64 `json:"mib_per_s"` // bytes sent per second of the run

	PeakRSS int64 `json:"peak_rss"` // the server's VmHWM, bytes
	MaxRSS  int64 `json:"max_rss"`  // the ceiling, 0: none

	FilesBeforeSweep int `json:"files_before_sweep"` // in the temporary directory, after the clients
	Swept            int `json:"swept"`              // uploads the sweep removed
	FilesAfterSweep  int `json:"files_after_sweep"`  // must be 0

	Errors []string `json:"errors,omitempty"` // the first few
	OK     bool     `json:"ok"`
}

// Kind holds the figures of one kind of upload.
type Kind struct {
	Done    int     `json:"done"`
	Aborted int     `json:"aborted"`
	Failed  int     `json:"failed"`
	P50ms   float64 `json:"p50_ms"` // latency of the completed uploads, first byte to reference
	P99ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
}

// run runs the load test. It returns a nil report for a usage or setup
// error, and the report with an error for a failed run.
func run(args []string, stdout, stderr io.Writer) (*Report, error) {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "sticky-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "uploads")
	srv, err := startServer(dir, slices.Max(c.sizes), c.verbose, stderr)
	if err != nil {
		return nil, err
	}
	defer srv.stop()

	sizes := make([]string, len(c.sizes))
	for i, s := range c.sizes {
		sizes[i] = sticky.SizeString(s)
		if c.weights[i] != 1 {
			sizes[i] += ":" + strconv.Itoa(c.weights[i])
		}
	}
	rep := &Report{Clients: c.clients, Uploads: c.uploads, Abort: c.abort, Sizes: strings.Join(sizes, ","),
		TusShare: c.tusShare, Chunk: c.chunk, Seed: c.seed, MaxRSS: c.maxRSS, CPUs: runtimeCPUs()}

	cl := &client{base: srv.base, chunk: c.chunk, http: &http.Client{
		Timeout: 10 * time.Minute,
		Transport: &http.Transport{
			MaxIdleConns: 2 * c.clients, MaxIdleConnsPerHost: 2 * c.clients,
			DisableCompression: true, WriteBufferSize: 64 << 10, ReadBufferSize: 64 << 10,
		},
	}}
	defer cl.http.CloseIdleConnections()

	jobs := make(chan int)
	results := make([]result, c.uploads)
	var finished atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c.clients {
		wg.Go(func() {
			for i := range jobs {
				results[i] = cl.do(makePlan(c, i))
				finished.Add(1)
			}
		})
	}
	stopProgress := make(chan struct{})
	if c.progress {
		go func() {
			t := time.NewTicker(5 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-t.C:
					rss, _ := vmHWM(srv.cmd.Process.Pid)
					fmt.Fprintf(stderr, "sticky-load: %d/%d uploads, %.0f s, server peak %s\n",
						finished.Load(), c.uploads, time.Since(start).Seconds(), sticky.SizeString(rss))
				}
			}
		}()
	}
	for i := range c.uploads {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(stopProgress)
	rep.Seconds = time.Since(start).Seconds()

	var lat = map[string][]time.Duration{}
	for _, r := range results {
		k := &rep.OneShot
		if r.kind == tus {
			k = &rep.Tus
		}
		rep.BytesSent += r.sent
		switch {
		case r.err != nil:
			rep.Failed++
			k.Failed++
			if errors.Is(r.err, errMismatch) {
				rep.Mismatches++
			}
			if len(rep.Errors) < 10 {
				rep.Errors = append(rep.Errors, r.err.Error())
			}
		case r.abort:
			rep.Aborted++
			k.Aborted++
		default:
			rep.Done++
			k.Done++
			rep.BytesCompleted += r.size
			lat[r.kind] = append(lat[r.kind], r.latency)
		}
	}
	rep.MiBPerSecond = float64(rep.BytesSent) / (1 << 20) / rep.Seconds
	for kind, k := range map[string]*Kind{oneShot: &rep.OneShot, tus: &rep.Tus} {
		d := lat[kind]
		slices.Sort(d)
		k.P50ms, k.P99ms = ms(percentile(d, 0.50)), ms(percentile(d, 0.99))
		if len(d) > 0 {
			k.MaxMs = ms(d[len(d)-1])
		}
	}

	var problems []string
	if rep.FilesBeforeSweep, err = countFiles(dir); err != nil {
		problems = append(problems, err.Error())
	}
	var sw sweepReply
	if err := postJSON(cl.http, srv.base.JoinPath("/sweep").String(), &sw); err != nil {
		problems = append(problems, "sweep: "+err.Error())
	} else if sw.Error != "" {
		problems = append(problems, "sweep: "+sw.Error)
	}
	rep.Swept = sw.Removed
	if rep.FilesAfterSweep, err = countFiles(dir); err != nil {
		problems = append(problems, err.Error())
	}
	if rep.PeakRSS, err = vmHWM(srv.cmd.Process.Pid); err != nil {
		problems = append(problems, "server memory: "+err.Error())
	}

	if rep.Failed > 0 {
		problems = append(problems, fmt.Sprintf("%d uploads failed (%d SHA-256 mismatches)", rep.Failed, rep.Mismatches))
	}
	if rep.FilesAfterSweep > 0 {
		problems = append(problems, fmt.Sprintf("temporary file leak: %d files left after the sweep", rep.FilesAfterSweep))
	}
	if c.maxRSS > 0 && rep.PeakRSS > c.maxRSS {
		problems = append(problems, fmt.Sprintf("server peak memory %s over the ceiling %s", sticky.SizeString(rep.PeakRSS), sticky.SizeString(c.maxRSS)))
	}
	rep.OK = len(problems) == 0
	if c.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		printReport(stdout, rep)
	}
	if len(problems) > 0 {
		return rep, errors.New(strings.Join(problems, "; "))
	}
	return rep, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// percentile of sorted d, nearest rank.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(float64(len(d))*p+0.999999) - 1
	return d[min(max(i, 0), len(d)-1)]
}

func printReport(w io.Writer, r *Report) {
	fmt.Fprintf(w, "sticky-load: %d clients, %d uploads (%.0f%% tus, %.0f%% aborted), sizes %s, tus chunk %s, seed %d, %d CPUs\n",
		r.Clients, r.Uploads, r.TusShare*100, r.Abort*100, r.Sizes, sticky.SizeString(r.Chunk), r.Seed, r.CPUs)
	fmt.Fprintf(w, "  uploads      %d done, %d aborted, %d failed (%d SHA-256 mismatches)\n", r.Done, r.Aborted, r.Failed, r.Mismatches)
	fmt.Fprintf(w, "  bytes        %s completed and verified, %s sent in %.1f s: %.1f MiB/s\n",
		sticky.SizeString(r.BytesCompleted), sticky.SizeString(r.BytesSent), r.Seconds, r.MiBPerSecond)
	for _, k := range []struct {
		name string
		k    Kind
	}{{oneShot, r.OneShot}, {tus, r.Tus}} {
		fmt.Fprintf(w, "  %-12s %d done, %d aborted, %d failed; latency p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
			k.name, k.k.Done, k.k.Aborted, k.k.Failed, k.k.P50ms, k.k.P99ms, k.k.MaxMs)
	}
	ceiling := "no ceiling"
	if r.MaxRSS > 0 {
		ceiling = "ceiling " + sticky.SizeString(r.MaxRSS)
	}
	fmt.Fprintf(w, "  server peak  %s resident (VmHWM; %s)\n", sticky.SizeString(r.PeakRSS), ceiling)
	fmt.Fprintf(w, "  temp files   %d before the sweep, %d uploads swept, %d left after it\n", r.FilesBeforeSweep, r.Swept, r.FilesAfterSweep)
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  error        %s\n", e)
	}
	if r.OK {
		fmt.Fprintln(w, "  OK")
	} else {
		fmt.Fprintln(w, "  FAILED")
	}
}

func postJSON(c *http.Client, u string, v any) error {
	resp, err := c.Post(u, "application/octet-stream", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// countFiles counts the files (not directories) under dir.
func countFiles(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	return n, err
}

// server is the server under test, a child process.
type server struct {
	cmd   *exec.Cmd
	stdin io.Closer
	base  *url.URL
	done  chan struct{}
}

// startServer re-executes this program (or the test binary) with the
// hidden serve subcommand and waits for it to say where it listens.
func startServer(dir string, maxSize int64, verbose bool, stderr io.Writer) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "-dir", dir, "-max-size", strconv.FormatInt(maxSize, 10)}
	if verbose {
		args = append(args, "-v")
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				addr <- a
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { cmd.Wait(); close(s.done) }()
	select {
	case a := <-addr:
		s.base = &url.URL{Scheme: "http", Host: a}
		return s, nil
	case <-s.done:
		return nil, errors.New("the server under test exited before listening")
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, errors.New("the server under test did not start within 30 s")
	}
}

func (s *server) stop() {
	s.stdin.Close()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

var vmHWMLine = regexp.MustCompile(`(?m)^VmHWM:\s+(\d+) kB$`)

// vmHWM reads the peak resident set size of process pid, in bytes.
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	m := vmHWMLine.FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
	}
	kb, err := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10, err
}

func runtimeCPUs() int { return runtime.NumCPU() }
