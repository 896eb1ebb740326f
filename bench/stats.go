package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// result is one row of the report: one server, one case, several runs.
type result struct {
	Section string // oneshot, tus, direct, download, concurrency, refs
	Server  string // sticky, bare, parseform, tusd, direct, proxied, raw, private, servefile, ...
	Label   string // how the row names the server in the doc
	Size    int64  // file size, bytes (0 for refs)
	Clients int    // concurrency: clients at once

	Runs    []float64 // throughput per run, MiB/s (refs: operations/s)
	P50     []float64 // concurrency: median latency per run, ms
	P99     []float64 // concurrency: 99th percentile latency per run, ms
	CPU     []float64 // direct: the app server's CPU time per run, ms per GiB uploaded
	PeakRSS int64     // the server's VmHWM, bytes; 0 when not measured
	MemNote string    // how PeakRSS is made up, when it is a sum

	Skip string // why the case did not run ("not available: ...")
	Err  string // why the case failed
}

// caseName is a case's name, which -only matches: section/server/size or
// section/server/clients.
func caseName(section, server string, size int64, clients int) string {
	switch {
	case clients > 0:
		return fmt.Sprintf("%s/%s/%d", section, server, clients)
	case size > 0:
		return fmt.Sprintf("%s/%s/%s", section, server, sizeName(size))
	}
	return section + "/" + server
}

// ok says whether the row has figures.
func (r *result) ok() bool { return r != nil && r.Skip == "" && r.Err == "" && len(r.Runs) > 0 }

// spread is the median, minimum and maximum of some runs.
type spread struct{ Med, Min, Max float64 }

// spreadOf is the median, minimum and maximum of xs; NaN for none.
func spreadOf(xs []float64) spread {
	if len(xs) == 0 {
		return spread{math.NaN(), math.NaN(), math.NaN()}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return spread{Med: quantile(s, 0.5), Min: s[0], Max: s[len(s)-1]}
}

// quantile of sorted xs at q in [0,1], interpolating between neighbours.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	if lo == hi {
		return sorted[lo]
	}
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}

// latencyQuantiles returns the 50th and 99th percentiles of ds, in ms.
func latencyQuantiles(ds []time.Duration) (p50, p99 float64) {
	ms := make([]float64, len(ds))
	for i, d := range ds {
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	slices.Sort(ms)
	return quantile(ms, 0.5), quantile(ms, 0.99)
}

// mibps is a throughput in MiB/s.
func mibps(bytes int64, d time.Duration) float64 {
	if d <= 0 {
		return math.NaN()
	}
	return float64(bytes) / (1 << 20) / d.Seconds()
}

// sizeName writes a size the way the doc does: 1 MiB, 64 MiB, 1 GiB, 256 KiB.
func sizeName(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// sizeWords is sizeName with a space, for prose and tables.
func sizeWords(n int64) string {
	s := sizeName(n)
	i := len(s) - 3
	if s[len(s)-1] == 'B' && s[len(s)-2] != 'i' {
		i = len(s) - 1
	}
	return s[:i] + " " + s[i:]
}

// mib writes bytes as MiB with one decimal.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
