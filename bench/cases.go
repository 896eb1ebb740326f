package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// plan is how much each section measures: the full run's sizes, or the
// quick run's tiny ones.
type plan struct {
	runs           int
	oneshotSizes   []int64
	tusSizes       []int64
	tusChunk       int64
	directSizes    []int64
	directWhole    int64 // direct and raw: files up to this size go in one request
	directPart     int64 // and bigger ones in parts of this size,
	directParallel int   // this many at once
	directFiles    int   // and files this many at once (sticky's client script's queue)
	directMaxReps  int   // files of one size in a run at most; 0: repsFor's
	downloadSize   int64
	downloadReps   int // downloads of the file in one run
	clients        []int
	concSize       int64
	concDuration   time.Duration
	refTime        time.Duration // per run of each reference benchmark
	goTestRefs     bool          // also run the root package's go test benchmarks
	buildTusd      bool          // build tusd when it is not cached
}

// planFor is the plan of a full run, or of a quick one, with -runs applied.
func planFor(o options) plan {
	p := plan{
		runs:           5,
		oneshotSizes:   []int64{1 << 20, 64 << 20, 1 << 30},
		tusSizes:       []int64{64 << 20, 1 << 30},
		tusChunk:       8 << 20,
		directSizes:    []int64{4 << 20, 16 << 20, 256 << 20},
		directWhole:    8 << 20,
		directPart:     5 << 20,
		directParallel: 3,
		directFiles:    3,
		downloadSize:   1 << 30,
		downloadReps:   4,
		clients:        []int{1, 4, 16, 64},
		concSize:       4 << 20,
		concDuration:   2 * time.Second,
		refTime:        time.Second,
		goTestRefs:     true,
		buildTusd:      true,
	}
	if o.quick {
		p = plan{
			runs:           1,
			oneshotSizes:   []int64{256 << 10, 4 << 20},
			tusSizes:       []int64{2 << 20},
			tusChunk:       512 << 10,
			directSizes:    []int64{256 << 10, 6 << 20},
			directWhole:    4 << 20,
			directMaxReps:  4,
			directPart:     5 << 20,
			directParallel: 3,
			directFiles:    3,
			downloadSize:   8 << 20,
			downloadReps:   1,
			clients:        []int{1, 4},
			concSize:       256 << 10,
			concDuration:   200 * time.Millisecond,
			refTime:        50 * time.Millisecond,
		}
	}
	if o.runs > 0 {
		p.runs = o.runs
	}
	if o.directPart > 0 {
		p.directPart = o.directPart
	}
	return p
}

// repsFor is how many files of size one run uploads, so that a run of
// small files lasts long enough to measure: up to 256 files, 256 MiB in all.
func repsFor(size int64) int {
	return int(max(1, min(256, (256<<20)/size)))
}

// harness runs the sections.
type harness struct {
	o       options
	p       plan
	ps      *procs
	self    string // this program, run again as the Go servers
	scratch string // all data goes below; removed at the end
	tmpDir  string // TMPDIR of the servers (ParseMultipartForm spills there)
	// directLoad is the load average as the direct-upload section began
	// and ended.
	directLoad [2]string
}

// selected says whether -only lets the case run.
func (h *harness) selected(name string) bool { return h.o.only == nil || h.o.only.MatchString(name) }

// logf reports progress.
func (h *harness) logf(format string, args ...any) {
	fmt.Fprintf(h.o.log, "bench: "+format+"\n", args...)
}

// startGo starts one of our own servers (sub is its subcommand) on a free
// port, with its data in dir.
func (h *harness) startGo(ctx context.Context, sub, dir string, extra ...string) (*child, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	args := append([]string{sub, "-addr", "127.0.0.1:0", "-dir", dir}, extra...)
	cmd := exec.Command(h.self, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+h.tmpDir)
	return h.ps.start(ctx, sub, cmd, firstLineURL, "")
}

// contender is one row being measured: its processes and one run.
type contender struct {
	res    *result
	client *http.Client                               // its connections close at the end
	procs  []*child                                   // whose peak memory the row reports, summed
	warm   func(ctx context.Context) error            // before the runs, not measured
	run    func(ctx context.Context) (float64, error) // one run: its figure
	after  func()                                     // after each run, not measured
}

// interleave measures the contenders run by run in turn, each run starting
// with the next one (A B C, B C A, C A B, ...), so that a change in the
// machine's load, or what one run leaves behind for the disk to flush,
// touches all of them alike. It records each one's runs and, at the end,
// its processes' peak memory, then stops them.
func (h *harness) interleave(ctx context.Context, cs []*contender) {
	defer func() {
		for _, c := range cs {
			if c.client != nil {
				closeClient(c.client)
			}
			for _, p := range c.procs {
				p.stop()
			}
		}
	}()
	for _, c := range cs {
		if c.warm != nil && c.res.Err == "" {
			if err := c.warm(ctx); err != nil {
				c.res.Err = "warm-up: " + err.Error()
			}
			if c.after != nil {
				c.after()
			}
		}
	}
	for i := 0; i < h.p.runs && ctx.Err() == nil; i++ {
		for j := range cs {
			c := cs[(i+j)%len(cs)]
			if c.res.Err != "" || ctx.Err() != nil {
				continue
			}
			v, err := c.run(ctx)
			if c.after != nil {
				c.after()
			}
			// Start the next run with nothing left for the disk to write
			// back, whoever wrote it.
			syscall.Sync()
			if err != nil {
				c.res.Err = err.Error()
				continue
			}
			c.res.Runs = append(c.res.Runs, v)
		}
	}
	for _, c := range cs {
		if c.res.Err != "" {
			continue
		}
		var parts []string
		for _, p := range c.procs {
			rss, err := p.peakRSS()
			if err != nil {
				c.res.Err = err.Error()
				break
			}
			c.res.PeakRSS += rss
			parts = append(parts, p.name+" "+mib(rss))
		}
		if len(c.procs) > 1 {
			c.res.MemNote = strings.Join(parts, " + ")
		}
	}
}

// emptyDir removes everything inside dir, keeping dir.
func emptyDir(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// server describes one upload server under test.
type server struct {
	name, sub, path, label string
}

// The upload servers: sticky and its two baselines.
var (
	stickyUpload = server{"sticky", "serve-sticky", stickyMount, "sticky"}
	bareUpload   = server{"bare", "serve-bare", uploadPath, "bare streaming handler"}
	formUpload   = server{"parseform", "serve-parseform", uploadPath, "ParseMultipartForm + FormFile"}
)

// oneshot measures one-shot multipart uploads, size by size.
func (h *harness) oneshot(ctx context.Context) []*result {
	var all []*result
	for _, size := range h.p.oneshotSizes {
		var cs []*contender
		for _, s := range []server{stickyUpload, bareUpload, formUpload} {
			res := &result{Section: "oneshot", Server: s.name, Label: s.label, Size: size}
			all = append(all, res)
			if !h.selected(caseName("oneshot", s.name, size, 0)) {
				res.Skip = "not run (-only)"
				continue
			}
			if ctx.Err() != nil {
				return all
			}
			dir := filepath.Join(h.scratch, "oneshot-"+s.name)
			p, err := h.startGo(ctx, s.sub, dir)
			if err != nil {
				res.Err = err.Error()
				continue
			}
			client := newClient(1)
			target := p.url + s.path
			reps := repsFor(size)
			cs = append(cs, &contender{
				res:    res,
				client: client,
				procs:  []*child{p},
				warm:   func(ctx context.Context) error { return upload(ctx, client, target, min(size, 1<<20)) },
				run: func(ctx context.Context) (float64, error) {
					start := time.Now()
					for range reps {
						if err := upload(ctx, client, target, size); err != nil {
							return 0, err
						}
					}
					return mibps(size*int64(reps), time.Since(start)), nil
				},
				after: func() { emptyDir(dir); emptyDir(h.tmpDir) },
			})
		}
		if len(cs) > 0 {
			h.logf("one-shot uploads of %s", sizeWords(size))
			h.interleave(ctx, cs)
		}
	}
	return all
}

// tus measures resumable uploads: sticky's tus endpoint against tusd.
func (h *harness) tus(ctx context.Context) []*result {
	var all []*result
	// Is sticky's tus endpoint there? Ask a server of its own.
	stickySkip := ""
	if anySelected(h, "tus", "sticky", h.p.tusSizes) {
		stickySkip = h.probeStickyTus(ctx)
	}
	tusdSkip := ""
	var tusdBin string
	if anySelected(h, "tus", "tusd", h.p.tusSizes) {
		var err error
		if tusdBin, err = h.tusdBinary(ctx); err != nil {
			tusdSkip = "not available: " + err.Error()
		}
	}
	for _, size := range h.p.tusSizes {
		var cs []*contender
		for _, name := range []string{"sticky", "tusd"} {
			res := &result{Section: "tus", Server: name, Size: size}
			all = append(all, res)
			switch name {
			case "sticky":
				res.Label, res.Skip = "sticky (tus endpoint)", stickySkip
			case "tusd":
				res.Label, res.Skip = "tusd "+tusdVersion+" (standalone)", tusdSkip
			}
			if !h.selected(caseName("tus", name, size, 0)) {
				res.Skip = "not run (-only)"
			}
			if res.Skip != "" || ctx.Err() != nil {
				continue
			}
			dir := filepath.Join(h.scratch, "tus-"+name)
			var (
				p        *child
				endpoint string
				err      error
			)
			if name == "sticky" {
				p, err = h.startGo(ctx, stickyUpload.sub, dir)
				if err == nil {
					endpoint = p.url + stickyTus
				}
			} else {
				p, err = h.startTusd(ctx, tusdBin, dir)
				if err == nil {
					endpoint = p.url + tusdBasePath
				}
			}
			if err != nil {
				res.Err = err.Error()
				continue
			}
			client := newClient(1)
			chunk, wantRef := h.p.tusChunk, name == "sticky"
			cs = append(cs, &contender{
				res:    res,
				client: client,
				procs:  []*child{p},
				warm: func(ctx context.Context) error {
					return tusUpload(ctx, client, endpoint, min(size, 1<<20), chunk, wantRef)
				},
				run: func(ctx context.Context) (float64, error) {
					start := time.Now()
					reps := repsFor(size)
					for range reps {
						if err := tusUpload(ctx, client, endpoint, size, chunk, wantRef); err != nil {
							return 0, err
						}
					}
					return mibps(size*int64(reps), time.Since(start)), nil
				},
				after: func() { emptyDir(dir) },
			})
		}
		if len(cs) > 0 {
			h.logf("resumable uploads of %s, %s chunks", sizeWords(size), sizeWords(h.p.tusChunk))
			h.interleave(ctx, cs)
		}
	}
	return all
}

// anySelected says whether -only lets any size of section/server run.
func anySelected(h *harness, section, server string, sizes []int64) bool {
	for _, s := range sizes {
		if h.selected(caseName(section, server, s, 0)) {
			return true
		}
	}
	return false
}

// probeStickyTus starts a sticky server and asks its tus endpoint to create
// an upload: "" when it does (201), else why the rows are not available.
func (h *harness) probeStickyTus(ctx context.Context) string {
	dir := filepath.Join(h.scratch, "tus-probe")
	p, err := h.startGo(ctx, stickyUpload.sub, dir)
	if err != nil {
		return "could not start: " + err.Error()
	}
	defer func() { p.stop(); os.RemoveAll(dir) }()
	client := newClient(1)
	defer closeClient(client)
	_, status, err := tusCreate(ctx, client, p.url+stickyTus, 1)
	switch {
	case err == nil:
		return ""
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		return fmt.Sprintf("not available: POST %s answers %d (sticky has no tus endpoint in this build)", stickyTus, status)
	}
	return "not available: " + err.Error()
}

// tusdBasePath is where the standalone tusd takes uploads.
const tusdBasePath = "/files/"

// tusdListening is the line where tusd tells its address.
var tusdListening = regexp.MustCompile(`You can now upload files to: (http://[^/\s]+)`)

// startTusd runs the standalone tusd with its filestore in dir.
func (h *harness) startTusd(ctx context.Context, bin, dir string) (*child, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-host", "127.0.0.1", "-port", "0", "-upload-dir", dir,
		"-base-path", tusdBasePath, "-verbose=false", "-expose-metrics=false", "-show-greeting=false")
	return h.ps.start(ctx, "tusd", cmd, func(line string) (string, bool) {
		m := tusdListening.FindStringSubmatch(line)
		if m == nil {
			return "", false
		}
		return m[1], true
	}, "")
}

// downloadName is the file the download section serves.
const downloadName = "bench.bin"

// downloads measures private downloads: private.Handler against
// http.ServeFile, and nginx X-Accel-Redirect against nginx alone.
func (h *harness) downloads(ctx context.Context) []*result {
	size := h.p.downloadSize
	rows := []*result{
		{Server: "private", Label: "private.Handler (Go sends)"},
		{Server: "servefile", Label: "http.ServeFile"},
		{Server: "nginx-xaccel", Label: "private.Handler + nginx X-Accel-Redirect"},
		{Server: "nginx-direct", Label: "nginx alone (root)"},
	}
	some := false
	for _, r := range rows {
		r.Section, r.Size = "download", size
		if !h.selected(caseName("download", r.Server, size, 0)) {
			r.Skip = "not run (-only)"
		} else {
			some = true
		}
	}
	if !some || ctx.Err() != nil {
		return rows
	}
	files := filepath.Join(h.scratch, "files")
	if err := writeFile(filepath.Join(files, downloadName), size); err != nil {
		for _, r := range rows {
			r.Err = err.Error()
		}
		return rows
	}
	defer os.RemoveAll(files)
	nginxMissing := ""
	if _, err := exec.LookPath(h.o.nginx); err != nil {
		nginxMissing = "not available: nginx is not installed (" + h.o.nginx + "; make bench installs it)"
	}

	var cs []*contender
	for _, r := range rows {
		if r.Skip != "" {
			continue
		}
		var (
			procs  []*child
			target string
			err    error
		)
		switch r.Server {
		case "private", "servefile":
			sub := map[string]string{"private": "serve-private", "servefile": "serve-servefile"}[r.Server]
			var p *child
			if p, err = h.startGo(ctx, sub, files); err == nil {
				procs, target = []*child{p}, p.url+filesPrefix+downloadName
			}
		case "nginx-xaccel", "nginx-direct":
			if nginxMissing != "" {
				r.Skip = nginxMissing
				continue
			}
			var app *child
			backend := ""
			if r.Server == "nginx-xaccel" {
				if app, err = h.startGo(ctx, "serve-private", files, "-sender", "xaccel"); err != nil {
					break
				}
				backend = strings.TrimPrefix(app.url, "http://")
			}
			var ng *child
			if ng, err = h.startNginx(ctx, r.Server, files, backend); err != nil {
				if app != nil {
					app.stop()
				}
				break
			}
			procs = []*child{ng}
			if app != nil {
				procs = append(procs, app)
			}
			target = ng.url + directPrefix + downloadName
			if r.Server == "nginx-xaccel" {
				target = ng.url + filesPrefix + downloadName
			}
		}
		if err != nil {
			r.Err = err.Error()
			continue
		}
		client := newClient(1)
		cs = append(cs, &contender{
			res:    r,
			client: client,
			procs:  procs,
			warm:   func(ctx context.Context) error { return warmGet(ctx, client, target) },
			run: func(ctx context.Context) (float64, error) {
				start := time.Now()
				for range h.p.downloadReps {
					if err := download(ctx, client, target, size); err != nil {
						return 0, err
					}
				}
				return mibps(size*int64(h.p.downloadReps), time.Since(start)), nil
			},
		})
	}
	if len(cs) > 0 {
		h.logf("private downloads of %s", sizeWords(size))
		h.interleave(ctx, cs)
	}
	return rows
}

// warmGet asks for the first MiB of target, to open the connection and
// let the server set itself up before the measured runs.
func warmGet(ctx context.Context, c *http.Client, target string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", benchAuth)
	req.Header.Set("Range", "bytes=0-1048575")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	drain(resp.Body)
	if resp.StatusCode != http.StatusPartialContent && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", target, resp.Status)
	}
	return nil
}

// writeFile writes size generated bytes to name, creating its directory.
func writeFile(name string, size int64) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return err
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, newGenerator(0, size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// concurrency measures many clients uploading at once to sticky and to the
// bare handler: total throughput and latency.
func (h *harness) concurrency(ctx context.Context) []*result {
	var all []*result
	for _, n := range h.p.clients {
		var cs []*contender
		for _, s := range []server{stickyUpload, bareUpload} {
			res := &result{Section: "concurrency", Server: s.name, Label: s.label, Size: h.p.concSize, Clients: n}
			all = append(all, res)
			if !h.selected(caseName("concurrency", s.name, 0, n)) {
				res.Skip = "not run (-only)"
				continue
			}
			if ctx.Err() != nil {
				return all
			}
			dir := filepath.Join(h.scratch, "conc-"+s.name)
			p, err := h.startGo(ctx, s.sub, dir)
			if err != nil {
				res.Err = err.Error()
				continue
			}
			client := newClient(n)
			target := p.url + s.path
			size, d := h.p.concSize, h.p.concDuration
			cs = append(cs, &contender{
				res:    res,
				client: client,
				procs:  []*child{p},
				warm: func(ctx context.Context) error {
					_, _, err := uploadAtOnce(ctx, client, target, n, size, 0)
					return err
				},
				run: func(ctx context.Context) (float64, error) {
					tput, lat, err := uploadAtOnce(ctx, client, target, n, size, d)
					if err != nil {
						return 0, err
					}
					p50, p99 := latencyQuantiles(lat)
					res.P50 = append(res.P50, p50)
					res.P99 = append(res.P99, p99)
					return tput, nil
				},
				after: func() { emptyDir(dir) },
			})
		}
		if len(cs) > 0 {
			h.logf("%d client%s at once uploading %s files", n, plural(n), sizeWords(h.p.concSize))
			h.interleave(ctx, cs)
		}
	}
	return all
}

// uploadAtOnce has n clients upload files of size to target, each starting
// a new upload until d has passed (each at least one), and returns the
// total throughput in MiB/s and every upload's latency.
func uploadAtOnce(ctx context.Context, c *http.Client, target string, n int, size int64, d time.Duration) (float64, []time.Duration, error) {
	var (
		mu    sync.Mutex
		lat   []time.Duration
		errs  []error
		wg    sync.WaitGroup
		start = time.Now()
		until = start.Add(d)
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range n {
		wg.Go(func() {
			for first := true; first || time.Now().Before(until); first = false {
				t0 := time.Now()
				err := upload(ctx, c, target, size)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
					mu.Unlock()
					cancel()
					return
				}
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(errs) > 0 {
		return 0, nil, errs[0]
	}
	return mibps(size*int64(len(lat)), elapsed), lat, nil
}
