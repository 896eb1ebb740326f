package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/tmpcheck"
)

// TestMain lets the test binary be the server under test too: run
// re-executes os.Executable with the serve subcommand.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serveMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "sticky-load serve:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(tmpcheck.Run(m.Run))
}

// TestShort is the short load test of make test: sticky-load -short.
func TestShort(t *testing.T) {
	var out, errs bytes.Buffer
	start := time.Now()
	// The race detector multiplies the server's memory: the ceiling here
	// only guards against runaway growth; make loadtest asserts the real one.
	rep, err := run([]string{"-short", "-json", "-max-rss", "1GiB"}, &out, &errs)
	if err != nil {
		t.Fatalf("sticky-load -short: %v\n%s\n%s", err, out.String(), errs.String())
	}
	t.Logf("sticky-load -short in %v: %d done, %d aborted, %.1f MiB/s, one-shot p50/p99 %.0f/%.0f ms, tus p50/p99 %.0f/%.0f ms, server peak %d MiB",
		time.Since(start).Round(time.Millisecond), rep.Done, rep.Aborted, rep.MiBPerSecond,
		rep.OneShot.P50ms, rep.OneShot.P99ms, rep.Tus.P50ms, rep.Tus.P99ms, rep.PeakRSS>>20)

	var printed Report
	if err := json.Unmarshal(out.Bytes(), &printed); err != nil {
		t.Fatalf("-json output: %v\n%s", err, out.String())
	}
	if !printed.OK || printed.Done != rep.Done {
		t.Errorf("-json printed ok=%v done=%d, want ok and %d", printed.OK, printed.Done, rep.Done)
	}
	switch {
	case rep.Uploads != 300 || rep.Clients != 16:
		t.Errorf("-short ran %d uploads with %d clients, want 300 with 16", rep.Uploads, rep.Clients)
	case rep.Done+rep.Aborted+rep.Failed != rep.Uploads:
		t.Errorf("done %d + aborted %d + failed %d != %d uploads", rep.Done, rep.Aborted, rep.Failed, rep.Uploads)
	case rep.Failed != 0 || rep.Mismatches != 0:
		t.Errorf("%d failed, %d mismatches: %v", rep.Failed, rep.Mismatches, rep.Errors)
	// 10% of 300 aborted: well inside 10..60 for any seed.
	case rep.Aborted < 10 || rep.Aborted > 60:
		t.Errorf("%d aborted, want about 30", rep.Aborted)
	case rep.OneShot.Done == 0 || rep.Tus.Done == 0 || rep.OneShot.Aborted == 0 || rep.Tus.Aborted == 0:
		t.Errorf("want both kinds done and aborted: one-shot %+v, tus %+v", rep.OneShot, rep.Tus)
	case rep.OneShot.P50ms <= 0 || rep.OneShot.P99ms < rep.OneShot.P50ms || rep.Tus.P50ms <= 0 || rep.Tus.P99ms < rep.Tus.P50ms:
		t.Errorf("latencies not sane: one-shot %+v, tus %+v", rep.OneShot, rep.Tus)
	case rep.BytesCompleted <= 0 || rep.BytesSent < rep.BytesCompleted || rep.MiBPerSecond <= 0:
		t.Errorf("bytes not sane: completed %d, sent %d, %.1f MiB/s", rep.BytesCompleted, rep.BytesSent, rep.MiBPerSecond)
	case rep.PeakRSS < 1<<20:
		t.Errorf("server peak memory %d bytes: not measured", rep.PeakRSS)
	case rep.FilesBeforeSweep == 0 || rep.Swept == 0:
		// Aborted tus uploads stay until the sweep: it must have found them.
		t.Errorf("%d files before the sweep, %d swept: the sweep found nothing", rep.FilesBeforeSweep, rep.Swept)
	case rep.FilesAfterSweep != 0:
		t.Errorf("%d temporary files left after the sweep", rep.FilesAfterSweep)
	}
}

// TestCeiling checks that the run fails, with its report, when the server
// goes over the memory ceiling.
func TestCeiling(t *testing.T) {
	var out, errs bytes.Buffer
	rep, err := run([]string{"-short", "-uploads", "20", "-max-rss", "1KiB"}, &out, &errs)
	if err == nil || rep == nil || rep.OK || !strings.Contains(err.Error(), "over the ceiling") {
		t.Fatalf("run with a 1 KiB ceiling: err %v, report %+v", err, rep)
	}
	if !strings.Contains(out.String(), "FAILED") {
		t.Errorf("the report does not say FAILED:\n%s", out.String())
	}
}

func TestPlanRepeatable(t *testing.T) {
	c, err := parseFlags([]string{"-sizes", "4KiB,1MiB:3", "-abort", "0.5"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.sizes) != 2 || c.weights[1] != 3 {
		t.Fatalf("sizes %v weights %v", c.sizes, c.weights)
	}
	aborted := 0
	for i := range 200 {
		p, q := makePlan(c, i), makePlan(c, i)
		if p != q {
			t.Fatalf("plan %d differs between calls: %+v, %+v", i, p, q)
		}
		if p.size < 3<<10 || p.size > 1<<20 || (p.abort && (p.cut < 0 || p.cut >= p.size)) {
			t.Fatalf("plan %d out of bounds: %+v", i, p)
		}
		if p.abort {
			aborted++
		}
	}
	if aborted < 60 || aborted > 140 {
		t.Errorf("%d of 200 aborted with -abort 0.5", aborted)
	}
	for _, bad := range [][]string{{"-sizes", "x"}, {"-sizes", "1KiB:0"}, {"-abort", "2"}, {"-clients", "0"}, {"extra"}} {
		if _, err := parseFlags(bad, &bytes.Buffer{}); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}
