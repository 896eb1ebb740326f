// Command bench measures sticky against the baselines a Go developer would
// otherwise pick, side by side in one run, and rewrites docs/benchmarks.md
// and its plots (docs/images/bench-*.svg).
//
//	go run ./bench            # the full run (make bench), a few minutes
//	go run ./bench -quick     # tiny sizes, seconds: checks the harness works
//	go run ./bench -only 'oneshot|download' -runs 5
//
// Every server under test runs in a process of its own, started fresh for
// each case, so that its peak memory (VmHWM in /proc/<pid>/status) belongs to
// that case alone. The Go servers are this program itself, run again with a
// hidden subcommand (bench serve-sticky -addr 127.0.0.1:0 -dir DIR); they
// print their URL on stdout and exit when their standard input closes, so a
// harness that dies leaves no server behind. tusd is built from the module
// proxy (the version sticky embeds) into the user's cache directory; nginx is
// /usr/sbin/nginx, started with a generated configuration.
//
// The sections:
//
//   - one-shot uploads (1 MiB, 64 MiB, 1 GiB) to sticky's endpoint, to a bare
//     handler that streams the multipart file to disk (the limit of the
//     machine) and to the usual ParseMultipartForm + FormFile handler;
//   - resumable uploads (tus) to sticky's tus endpoint and to a standalone
//     tusd, with the same chunk size;
//   - uploads to an S3 bucket (a versitygw of the harness's): sticky's
//     direct route, against the same file proxied through sticky's one-shot
//     endpoint to its S3 store, against a raw presigned PUT made with the
//     AWS SDK; with the app server's CPU time per GiB (see direct.go);
//   - private downloads of 1 GiB: private.Handler against http.ServeFile, and
//     nginx X-Accel-Redirect against nginx serving the file itself;
//   - 1 to 64 clients uploading 4 MiB files at once;
//   - signing and verifying references.
//
// Each figure is the median of -runs runs, with the minimum and maximum,
// and the ratio to its baseline. The data goes to a temporary directory on
// the disk of os.TempDir (-tmp to choose), removed at the end.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"
)

// options are the harness's command-line settings.
type options struct {
	quick bool           // tiny sizes and one run: seconds, not minutes
	out   string         // the docs directory: benchmarks.md and images/
	runs  int            // runs per case; 0 means the mode's default
	only  *regexp.Regexp // run only the cases whose names match; nil: all
	tmp   string         // parent of the scratch directory; "": os.TempDir()
	tusd  string         // the tusd binary; "": the cached build, made when missing
	nginx string         // the nginx binary
	// versitygw is the S3 server of the direct-upload section; "": found
	// on PATH or in the Go bin directories, the section skipped without.
	versitygw string
	// directPart is the part size of the direct-upload cases; 0: the
	// client script's.
	directPart int64
	log        io.Writer // progress; the doc and plots are written to out
}

// main runs a server subcommand, or else the harness.
func main() {
	if len(os.Args) > 1 {
		if serve, ok := servers[os.Args[1]]; ok {
			os.Exit(serveMain(os.Args[1], serve, os.Args[2:]))
		}
	}
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	fmt.Fprintf(opts.log, "bench: done in %s; wrote %s\n", time.Since(start).Round(time.Second), docPath(opts.out))
}

// parseFlags reads the harness's flags.
func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./bench [flags]\n\nMeasures sticky against its baselines and rewrites OUT/benchmarks.md and OUT/images/bench-*.svg.\n\n")
		fs.PrintDefaults()
	}
	var o options
	var only string
	fs.BoolVar(&o.quick, "quick", false, "tiny sizes and one run, for a smoke test (figures are not meaningful)")
	fs.StringVar(&o.out, "out", "docs", "the docs directory to write benchmarks.md and images/ into")
	fs.IntVar(&o.runs, "runs", 0, "runs per case (default 5, or 1 with -quick)")
	fs.StringVar(&only, "only", "", "run only the cases whose names match this regular expression (e.g. 'oneshot/.*/1GiB|refs')")
	fs.StringVar(&o.tmp, "tmp", "", "directory for the scratch data (default: the system's temporary directory)")
	fs.StringVar(&o.tusd, "tusd", "", "tusd binary to compare with (default: a build of "+tusdModule+"@"+tusdVersion+" in the user's cache directory, made when missing)")
	fs.StringVar(&o.nginx, "nginx", "/usr/sbin/nginx", "nginx binary")
	fs.Int64Var(&o.directPart, "direct-part", 0, "part size in bytes of the direct and raw multipart uploads (default 5 MiB, sticky's client script's)")
	fs.StringVar(&o.versitygw, "versitygw", "", "versitygw binary, the S3 server of the direct-upload cases (default: on PATH or in $GOPATH/bin)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.directPart != 0 && o.directPart < 5<<20 {
		return o, errors.New("-direct-part must be at least 5 MiB (S3's smallest part)")
	}
	if o.runs < 0 {
		return o, errors.New("-runs must be positive")
	}
	if only != "" {
		re, err := regexp.Compile(only)
		if err != nil {
			return o, fmt.Errorf("-only: %w", err)
		}
		o.only = re
	}
	o.log = os.Stderr
	return o, nil
}

// run measures every section the options select and writes the doc and
// plots into o.out. Interrupted, it stops its servers and writes nothing.
func run(ctx context.Context, o options) error {
	start := time.Now()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	removeAbandoned(o.tmp)
	scratch, err := os.MkdirTemp(o.tmp, scratchPattern)
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	if err := os.WriteFile(filepath.Join(scratch, "pid"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return err
	}
	ps := &procs{}
	defer ps.stopAll()
	h := &harness{o: o, p: planFor(o), ps: ps, self: self, scratch: scratch, tmpDir: filepath.Join(scratch, "tmp")}
	if err := os.MkdirAll(h.tmpDir, 0o700); err != nil {
		return err
	}
	rep := &report{quick: o.quick, plan: h.p, machine: describeMachine()}
	if o.only != nil {
		rep.only = o.only.String()
	}
	rep.oneshot = h.oneshot(ctx)
	rep.tus = h.tus(ctx)
	rep.direct = h.directs(ctx)
	rep.directLoad = h.directLoad
	rep.download = h.downloads(ctx)
	rep.conc = h.concurrency(ctx)
	rep.refs = h.refs(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	rep.machine.LoadEnd = loadAvg()
	rep.took = time.Since(start)
	return rep.write(o.out)
}

// scratchPattern names the scratch directories, in o.tmp.
const scratchPattern = "sticky-bench-"

// removeAbandoned removes the scratch directories of runs that were killed
// before they could (their gigabyte files would stay otherwise): those
// whose pid file names a process that is gone.
func removeAbandoned(tmp string) {
	if tmp == "" {
		tmp = os.TempDir()
	}
	dirs, _ := filepath.Glob(filepath.Join(tmp, scratchPattern+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(string(b))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(dir)
		}
	}
}
