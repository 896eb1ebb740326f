package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// report is everything one run measured.
type report struct {
	quick   bool
	only    string
	plan    plan
	machine machine
	took    time.Duration
	oneshot []*result
	tus     []*result
	direct  []*result
	// directLoad is the load average as the direct section began and ended.
	directLoad [2]string
	download   []*result
	conc       []*result
	refs       []*result
}

// The plots, in docs/images. The first is the headline, for the README.
const (
	plotThroughput = "bench-throughput.svg"
	plotMemory     = "bench-memory.svg"
	plotLatency    = "bench-latency.svg"
	plotDownloads  = "bench-downloads.svg"
	plotResumable  = "bench-resumable.svg"
	plotDirect     = "bench-direct.svg"
)

// docPath is where the doc goes in out.
func docPath(out string) string { return filepath.Join(out, "benchmarks.md") }

// write writes the doc and its plots into out.
func (r *report) write(out string) error {
	images := filepath.Join(out, "images")
	if err := os.MkdirAll(images, 0o755); err != nil {
		return err
	}
	for name, c := range r.charts() {
		if err := os.WriteFile(filepath.Join(images, name), c.SVG(), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(docPath(out), []byte(r.markdown()), 0o644)
}

// find returns the row of section for server at size (and clients).
func find(rows []*result, server string, size int64, clients int) *result {
	for _, r := range rows {
		if r.Server == server && r.Size == size && r.Clients == clients {
			return r
		}
	}
	return nil
}

// baselineOf names the row a row is compared with; "" for a baseline.
func baselineOf(r *result) string {
	switch r.Section {
	case "oneshot":
		if r.Server != "bare" {
			return "bare"
		}
	case "concurrency":
		if r.Server != "bare" {
			return "bare"
		}
	case "tus":
		if r.Server != "tusd" {
			return "tusd"
		}
	case "direct":
		if r.Server != wayRaw {
			return wayRaw
		}
	case "download":
		switch r.Server {
		case "private":
			return "servefile"
		case "nginx-xaccel":
			return "nginx-direct"
		}
	}
	return ""
}

// ratio is a row's median over its baseline's; NaN when either is missing.
func ratio(rows []*result, r *result) float64 {
	b := find(rows, baselineOf(r), r.Size, r.Clients)
	if !r.ok() || !b.ok() {
		return math.NaN()
	}
	return spreadOf(r.Runs).Med / spreadOf(b.Runs).Med
}

// ratioCell writes the ratio column of a row.
func ratioCell(rows []*result, r *result) string {
	if baselineOf(r) == "" {
		return "baseline"
	}
	v := ratio(rows, r)
	if !finite(v) {
		return "—"
	}
	return fmt.Sprintf("**%.2f**", v)
}

// figure writes a row's median with its minimum and maximum.
func figure(r *result, digits int) string {
	switch {
	case r.Skip != "":
		return r.Skip
	case r.Err != "":
		return "failed: " + oneLine(r.Err)
	case len(r.Runs) == 0:
		return "no runs"
	}
	return spreadCell(spreadOf(r.Runs), digits)
}

// spreadCell writes a median and, when the runs differ, their span.
func spreadCell(s spread, digits int) string {
	if s.Min == s.Max {
		return fmt.Sprintf("%.*f", digits, s.Med)
	}
	return fmt.Sprintf("%.*f (%.*f–%.*f)", digits, s.Med, digits, s.Min, digits, s.Max)
}

// memCell writes a row's peak memory.
func memCell(r *result) string {
	if !r.ok() || r.PeakRSS == 0 {
		return "—"
	}
	if r.MemNote != "" {
		return mib(r.PeakRSS) + " (" + r.MemNote + ")"
	}
	return mib(r.PeakRSS)
}

// oneLine makes an error fit in a table cell.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// target is one of the goals and how the run did.
type target struct {
	goal, measured, verdict string
}

// targets measures the run against the goals.
func (r *report) targets() []target {
	var ts []target

	// One-shot at least 0.9 of the bare handler at every size.
	t := target{goal: "one-shot upload ≥ 0.9 × the bare streaming handler, at every size"}
	t.measured, t.verdict = everySize(r.plan.oneshotSizes, func(size int64) float64 {
		return ratio(r.oneshot, find(r.oneshot, "sticky", size, 0))
	}, "%.2f", 0.9, true)
	ts = append(ts, t)

	// Peak memory at most 64 MiB for the largest upload (1 GiB in a full run).
	largest := r.plan.oneshotSizes[len(r.plan.oneshotSizes)-1]
	t = target{goal: "sticky's peak server memory ≤ 64 MiB for a " + sizeWords(largest) + " upload"}
	mem := math.NaN()
	var parts []string
	if one := find(r.oneshot, "sticky", largest, 0); one.ok() && one.PeakRSS > 0 {
		mem = float64(one.PeakRSS) / (1 << 20)
		parts = append(parts, "one-shot "+mib(one.PeakRSS))
	}
	if tl := r.plan.tusSizes[len(r.plan.tusSizes)-1]; tl == largest {
		if tr := find(r.tus, "sticky", tl, 0); tr.ok() && tr.PeakRSS > 0 {
			mem = math.Max(mem, float64(tr.PeakRSS)/(1<<20))
			parts = append(parts, "tus "+mib(tr.PeakRSS))
		}
	}
	if len(parts) == 0 {
		parts = []string{"—"}
	}
	t.measured = strings.Join(parts, ", ")
	t.verdict = verdict(mem, 64, false)
	ts = append(ts, t)

	// tus at least 0.95 of standalone tusd.
	t = target{goal: "resumable (tus) upload ≥ 0.95 × standalone tusd " + tusdVersion}
	parts, worst := nil, math.Inf(1)
	for _, size := range r.plan.tusSizes {
		s := find(r.tus, "sticky", size, 0)
		v := ratio(r.tus, s)
		switch {
		case finite(v):
			worst = math.Min(worst, v)
			parts = append(parts, fmt.Sprintf("%s %.2f", sizeWords(size), v))
		case s != nil && s.Skip != "":
			worst = math.NaN()
			parts = append(parts, sizeWords(size)+" "+s.Skip)
		default:
			worst = math.NaN()
			parts = append(parts, sizeWords(size)+" —")
		}
	}
	t.measured = strings.Join(parts, "; ")
	t.verdict = verdict(worst, 0.95, true)
	ts = append(ts, t)

	// Direct uploads at least 0.95 of the raw presigned PUT, and the app's
	// CPU per GiB at most 1 % of the proxied path's.
	t = target{goal: "direct upload ≥ 0.95 × a raw presigned PUT made with the AWS SDK, at every size"}
	t.measured, t.verdict = everySize(r.plan.directSizes, func(size int64) float64 {
		return ratio(r.direct, find(r.direct, wayDirect, size, 0))
	}, "%.2f", 0.95, true)
	ts = append(ts, t)
	t = target{goal: "direct: the app server's CPU time per GiB ≤ 1 % of the proxied path's, at every size"}
	t.measured, t.verdict = everySize(r.plan.directSizes, func(size int64) float64 {
		return 100 * cpuShare(r.direct, size)
	}, "%.2f %%", 1, false)
	ts = append(ts, t)

	// Private downloads at least 0.95 of http.ServeFile.
	t = target{goal: "private download ≥ 0.95 × http.ServeFile (" + sizeWords(r.plan.downloadSize) + ")"}
	v := ratio(r.download, find(r.download, "private", r.plan.downloadSize, 0))
	t.measured = "—"
	if finite(v) {
		t.measured = fmt.Sprintf("%.2f", v)
	}
	t.verdict = verdict(v, 0.95, true)
	if x := ratio(r.download, find(r.download, "nginx-xaccel", r.plan.downloadSize, 0)); finite(x) {
		t.measured += fmt.Sprintf(" (through nginx X-Accel-Redirect: %.2f × nginx alone)", x)
	}
	ts = append(ts, t)
	return ts
}

// cpuShare is the direct row's median app CPU per GiB over the proxied
// row's, at size; NaN when either is missing.
func cpuShare(rows []*result, size int64) float64 {
	d, p := find(rows, wayDirect, size, 0), find(rows, wayProxied, size, 0)
	if !d.ok() || !p.ok() || len(d.CPU) == 0 || len(p.CPU) == 0 {
		return math.NaN()
	}
	return spreadOf(d.CPU).Med / spreadOf(p.CPU).Med
}

// cpuCell writes a row's app CPU per GiB, with its share of the proxied
// path's for the direct row.
func cpuCell(rows []*result, r *result) string {
	if !r.ok() || len(r.CPU) == 0 {
		if r.ok() && r.Server == wayRaw {
			return "— (no app)"
		}
		return "—"
	}
	cell := spreadCell(spreadOf(r.CPU), 1)
	if r.Server == wayDirect {
		if v := cpuShare(rows, r.Size); finite(v) {
			cell += fmt.Sprintf(" (**%.2f %%** of proxied)", 100*v)
		}
	}
	return cell
}

// verdict says whether v meets limit: at least it (atLeast) or at most it.
// everySize measures a target at each size with v, and says "SIZE
// FIGURE" for each (— where v is not finite) and whether the worst of them
// (the lowest when atLeast, else the highest) meets limit.
func everySize(sizes []int64, v func(size int64) float64, figure string, limit float64, atLeast bool) (measured, verdicts string) {
	var parts []string
	worst := math.Inf(1)
	if !atLeast {
		worst = math.Inf(-1)
	}
	for _, size := range sizes {
		x := v(size)
		switch {
		case !finite(x):
			worst = math.NaN()
			parts = append(parts, sizeWords(size)+" —")
			continue
		case atLeast:
			worst = math.Min(worst, x)
		default:
			worst = math.Max(worst, x)
		}
		parts = append(parts, sizeWords(size)+" "+fmt.Sprintf(figure, x))
	}
	return strings.Join(parts, ", "), verdict(worst, limit, atLeast)
}

func verdict(v, limit float64, atLeast bool) string {
	switch {
	case !finite(v):
		return "not measured"
	case atLeast && v >= limit, !atLeast && v <= limit:
		return "met"
	}
	return "**not met**"
}

// markdown is the doc.
func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	m := r.machine

	p("# Benchmarks\n\n")
	p("<!-- Written by `go run ./bench` (`make bench`); a new run overwrites it. -->\n\n")
	p("sticky against what a Go developer would use otherwise, measured side by side in one run on one machine: ")
	p("the upload endpoint against a bare handler that streams the file to disk (the most this machine can do) and against the usual `ParseMultipartForm` handler; ")
	p("the tus endpoint against a standalone tusd; direct uploads to a bucket against the same file proxied through the app and against a raw presigned PUT; private downloads against `http.ServeFile` and against nginx. ")
	p("Every figure is the median of %d run%s with the minimum and maximum in brackets, and every row states its ratio to its baseline ", r.plan.runs, plural(r.plan.runs))
	p("(above 1 is faster than the baseline).\n\n")
	if r.quick {
		p("> **Quick run** (`go run ./bench -quick`): tiny sizes and one run, to check that the harness works. ")
		p("These figures say nothing about performance; `make bench` measures the real sizes.\n\n")
	}
	if r.only != "" {
		p("> Only the cases matching `-only %s` ran.\n\n", r.only)
	}
	p("| machine | |\n| --- | --- |\n")
	p("| CPU | %s |\n", m.CPU)
	p("| cores | %d |\n", m.Cores)
	p("| memory | %.1f GiB |\n", float64(m.MemTotal)/(1<<30))
	p("| system | %s |\n", m.Kernel)
	p("| Go | %s |\n", m.Go)
	p("| date | %s |\n", m.Date.Format("2006-01-02 15:04 MST"))
	if m.LoadStart != "" {
		p("| load average (1, 5, 15 min) | %s at the start, %s at the end |\n", m.LoadStart, m.LoadEnd)
	}
	p("| whole run | %s |\n\n", r.took.Round(time.Second))
	p("![One-shot upload throughput against file size: sticky, the bare streaming handler, ParseMultipartForm](images/%s)\n\n", plotThroughput)

	p("## Targets\n\n")
	p("| target | measured | |\n| --- | --- | --- |\n")
	for _, t := range r.targets() {
		p("| %s | %s | %s |\n", t.goal, oneLine(t.measured), t.verdict)
	}
	p("\nReading a ratio: when it lies within the min–max spread of the two rows it compares, it is noise, ")
	p("and a busy machine (see the load average above) widens the spread. ")
	p("The contenders of a case take turns run by run (A B C, B C A, C A B, ...), and the disk is synced after every run, ")
	p("so that a change in the machine's load, or what one run leaves for the disk to write back, falls on none of them in particular. ")
	p("A known cost: sticky's disk store keeps an `.info` file (name, type, size, expiry) beside each upload's data, ")
	p("so a one-shot upload creates two files where the bare handler creates one; the `.info` is created while the data streams, ")
	p("which hides most of that cost, and what is left shows only on small files.\n\n")

	p("## One-shot uploads\n\n")
	p("One file per request, `multipart/form-data` with a `field` part and the file in `upload`, as the client script sends it, ")
	p("streamed by the client from a generator (nothing is held in memory) over loopback, with a Content-Length. ")
	p("Each server writes to a temporary directory on the same disk and is a fresh process for each size, so its peak memory (VmHWM) is that case's alone. ")
	p("Small files go several to a run, one after the other (up to 256, and 256 MiB in all), so that a run lasts long enough to measure.\n\n")
	p("- **sticky**: `sticky.New` with a `DiskStore`, mounted at `%s`, every request from the same user; it checks the type on the first bytes, the size as it streams, and signs a reference.\n", stickyMount)
	p("- **bare streaming handler** (the baseline): `r.MultipartReader()`, then `io.Copy` of the file part into an `os.File`. No limits, no checks: as fast as Go stores a multipart upload here.\n")
	p("- **ParseMultipartForm + FormFile**: the handler most tutorials show, `r.ParseMultipartForm(32 << 20)`, `r.FormFile`, `io.Copy` to the destination; beyond 32 MiB the file is written twice (a temporary file, then the copy).\n\n")
	p("| size | server | MiB/s | vs bare | server peak memory |\n| --- | --- | --- | --- | --- |\n")
	for _, row := range r.oneshot {
		p("| %s | %s | %s | %s | %s |\n", sizeWords(row.Size), row.Label, figure(row, 0), ratioCell(r.oneshot, row), memCell(row))
	}
	p("\n![Peak server memory against file size](images/%s)\n\n", plotMemory)

	p("## Resumable uploads (tus)\n\n")
	p("The tus 1.0 protocol: a POST creates the upload, then PATCHes of %s each send it, the same chunk size for both servers, ", sizeWords(r.plan.tusChunk))
	p("through the same client. sticky's tus endpoint is at `%s`; the baseline is tusd %s built from the module proxy ", stickyTus, tusdVersion)
	p("(the version sticky embeds), run standalone with its filestore in a directory on the same disk. ")
	p("As with one-shot uploads, smaller files go several to a run (up to 256 MiB in all).\n\n")
	p("| size | server | MiB/s | vs tusd | server peak memory |\n| --- | --- | --- | --- | --- |\n")
	for _, row := range r.tus {
		p("| %s | %s | %s | %s | %s |\n", sizeWords(row.Size), row.Label, figure(row, 0), ratioCell(r.tus, row), memCell(row))
	}
	p("\n![Resumable upload throughput](images/%s)\n\n", plotResumable)

	p("## Direct uploads to a bucket\n\n")
	p("The same file sent three ways to one versitygw (`versitygw posix`, on the same disk), over loopback, by the same client process:\n\n")
	p("- **sticky direct**: sticky's direct route, as its client script uses it. The client asks the mount for permission, sends the bytes to the bucket with the presigned requests it gets, ")
	p("then asks the mount to complete, which claims the object (one ranged GET of its first bytes for its size, metadata and type, then the adoption, a small conditional PUT) and signs the reference.\n")
	p("- **sticky proxied**: the one-shot endpoint, whose S3 store (package `sticky/s3`, tusd's s3store) carries every byte through the app into the same bucket.\n")
	p("- **raw presigned PUT** (the baseline, the floor): the AWS SDK for Go presigns, the client PUTs; no app at all.\n\n")
	p("Files up to %s go in one presigned PUT both ways (sticky's with the size, metadata and, were there one, checksum signed); ", sizeWords(r.plan.directWhole))
	p("bigger ones as S3 multipart uploads, both ways with the same %s parts, %d in flight (the defaults of sticky's client script); ", sizeWords(r.plan.directPart), r.plan.directParallel)
	p("sticky's client has its parts presigned %d in a request to the mount, as the script does, the raw one presigns each with the SDK in its own process. ", 2*r.plan.directParallel)
	p("Multipart on both sides is the fair comparison: what one request can carry is the same for both, and a browser sends a big file in parts either way. ")
	p("Files go several to a run (up to 256, and %s in all), %d at once every way, as the script's queue sends the files chosen; versitygw keeps connections alive (`--keep-alive`), as S3 does; the buckets are emptied after every run.\n\n", sizeWords(directRunBytes), r.plan.directFiles)
	p("**App CPU** is the sticky server's own user + system time (getrusage in its process, which tells it before and after each run), ")
	p("per GiB uploaded, median of the runs: versitygw and the client run in processes of their own and are not counted. The raw row has no app. ")
	p("What a direct upload costs the app is fixed per file (the permission and its presigning; the claim: the ranged GET and the adoption) ")
	p("and per part (its share of a presigning request), so it falls per GiB as files and parts grow; the proxied path's grows with the bytes.")
	if l := r.directLoad; l[0] != "" {
		p(" Load average (1, 5, 15 min) as the section began: %s; as it ended: %s.", l[0], l[1])
	}
	p("\n\n| size | way | MiB/s | vs raw PUT | app CPU, ms per GiB | app peak memory |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, row := range r.direct {
		p("| %s | %s | %s | %s | %s | %s |\n", sizeWords(row.Size), row.Label, figure(row, 0), ratioCell(r.direct, row), cpuCell(r.direct, row), memCell(row))
	}
	p("\n![Upload throughput to a bucket: sticky direct, proxied, raw presigned PUT](images/%s)\n\n", plotDirect)

	p("## Private downloads\n\n")
	p("One file of %s, read whole by one client, %s a run. `private.Handler` checks the request (a stand-in for a session lookup) before sending; ", sizeWords(r.plan.downloadSize), times(r.plan.downloadReps))
	p("`http.ServeFile` does the same check. Behind nginx, `private.Handler` answers with `X-Accel-Redirect` and nginx sends the file, ")
	p("against nginx serving the same file from a plain location. nginx runs as a single process (`master_process off`) with `sendfile on`; ")
	p("its row's memory adds nginx's peak to the app's.\n\n")
	p("| server | MiB/s | vs baseline | peak memory |\n| --- | --- | --- | --- |\n")
	for _, row := range r.download {
		cell := ratioCell(r.download, row)
		if b := baselineOf(row); b != "" && cell != "—" {
			cell += " × " + find(r.download, b, row.Size, 0).Label
		}
		p("| %s | %s | %s | %s |\n", row.Label, figure(row, 0), cell, memCell(row))
	}
	p("\n![Private download throughput](images/%s)\n\n", plotDownloads)

	p("## Many clients at once\n\n")
	p("Clients uploading %s files to the same server, each starting a new upload as soon as its last one is answered, for %s per run. ", sizeWords(r.plan.concSize), r.plan.concDuration)
	p("Throughput is all the bytes stored over the time taken; latency is one upload's, from the request to the answer.\n\n")
	p("| clients | server | MiB/s, all clients | vs bare | p50 latency, ms | p99 latency, ms | server peak memory |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, row := range r.conc {
		p50, p99 := "—", "—"
		if row.ok() {
			p50, p99 = spreadCell(spreadOf(row.P50), 1), spreadCell(spreadOf(row.P99), 1)
		}
		p("| %d | %s | %s | %s | %s | %s | %s |\n", row.Clients, row.Label, figure(row, 0), ratioCell(r.conc, row), p50, p99, memCell(row))
	}
	p("\n![Upload latency against the number of clients](images/%s)\n\n", plotLatency)

	p("## References\n\n")
	p("Signing and verifying the references a sticky field posts instead of the file. The first two are the root package's ")
	p("`BenchmarkRefSign` and `BenchmarkRefVerify` (`go test -run '^$' -bench '^BenchmarkRef' .`), the HMAC-SHA256 alone; ")
	p("the last two go through the public API in process (they are also `go test -bench . ./bench`), the store included.\n\n")
	p("| operation | per second | µs each |\n| --- | --- | --- |\n")
	for _, row := range r.refs {
		each := "—"
		if row.ok() {
			each = fmt.Sprintf("%.2f", 1e6/spreadOf(row.Runs).Med)
		}
		p("| %s | %s | %s |\n", row.Label, figure(row, 0), each)
	}
	p("\n")

	p("## Running it\n\n")
	p("```sh\nmake bench                      # the full run: rewrites this page and docs/images/bench-*.svg\n")
	p("go run ./bench -quick            # seconds: checks the harness, figures meaningless\n")
	p("go run ./bench -only 'oneshot/.*/1GiB' -runs 5 -out /tmp/docs   # some cases, elsewhere\n```\n\n")
	p("Case names, for `-only`: `oneshot/{sticky,bare,parseform}/SIZE`, `tus/{sticky,tusd}/SIZE`, `direct/{direct,proxied,raw}/SIZE`, ")
	p("`download/{private,servefile,nginx-xaccel,nginx-direct}/SIZE`, `concurrency/{sticky,bare}/CLIENTS`, ")
	p("`refs/{sign,verify,upload-sign,form-verify}`. Sizes are written `1MiB`, `64MiB`, `1GiB`.\n\n")
	p("The servers run as separate processes (the harness itself, run again with a hidden subcommand; tusd; nginx; versitygw), ")
	p("a fresh one for each case, and the rows of a case take turns run by run, so that a change in the machine's load touches them alike. ")
	p("Figures from a busy machine are noisy: compare the ratios, which are measured side by side, rather than the absolute throughput.\n")
	return b.String()
}

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// charts are the plots, by file name.
func (r *report) charts() map[string]chart {
	sizesX := func(sizes []int64) []string {
		x := make([]string, len(sizes))
		for i, s := range sizes {
			x[i] = sizeWords(s)
		}
		return x
	}
	bySize := func(rows []*result, sizes []int64, server, name string, value func(*result) (float64, float64, float64)) series {
		s := series{Name: name, Y: nans(len(sizes)), Lo: nans(len(sizes)), Hi: nans(len(sizes))}
		for i, size := range sizes {
			if row := find(rows, server, size, 0); row.ok() {
				s.Y[i], s.Lo[i], s.Hi[i] = value(row)
			}
		}
		return s
	}
	tput := func(row *result) (float64, float64, float64) {
		sp := spreadOf(row.Runs)
		return sp.Med, sp.Min, sp.Max
	}
	mem := func(row *result) (float64, float64, float64) {
		v := float64(row.PeakRSS) / (1 << 20)
		if row.PeakRSS == 0 {
			v = math.NaN()
		}
		return v, math.NaN(), math.NaN()
	}
	sizes := r.plan.oneshotSizes
	oneshotSeries := func(value func(*result) (float64, float64, float64)) []series {
		return []series{
			bySize(r.oneshot, sizes, "sticky", "sticky", value),
			bySize(r.oneshot, sizes, "bare", "bare streaming handler", value),
			bySize(r.oneshot, sizes, "parseform", "ParseMultipartForm + FormFile", value),
		}
	}
	quick := ""
	if r.quick {
		quick = " (quick run: not meaningful)"
	}

	clientsX := make([]string, len(r.plan.clients))
	for i, n := range r.plan.clients {
		clientsX[i] = fmt.Sprint(n)
	}
	lat := func(server, name string, p99 bool) series {
		s := series{Name: name, Y: nans(len(clientsX)), Dashed: p99}
		for i, n := range r.plan.clients {
			if row := find(r.conc, server, r.plan.concSize, n); row.ok() {
				if p99 {
					s.Y[i] = spreadOf(row.P99).Med
				} else {
					s.Y[i] = spreadOf(row.P50).Med
				}
			}
		}
		return s
	}

	med := func(rows []*result, server string, size int64) (float64, float64, float64) {
		if row := find(rows, server, size, 0); row.ok() {
			return tput(row)
		}
		return math.NaN(), math.NaN(), math.NaN()
	}
	ds := r.plan.downloadSize
	pm, pl, ph := med(r.download, "private", ds)
	xm, xl, xh := med(r.download, "nginx-xaccel", ds)
	fm, fl, fh := med(r.download, "servefile", ds)
	nm, nl, nh := med(r.download, "nginx-direct", ds)

	return map[string]chart{
		plotThroughput: {
			Title: "One-shot upload throughput" + quick, XLabel: "file size", YLabel: "MiB/s (higher is better)",
			X: sizesX(sizes), Series: oneshotSeries(tput),
		},
		plotMemory: {
			Title: "Server peak memory during one-shot uploads" + quick, XLabel: "file size", YLabel: "peak RSS, MiB (lower is better)",
			X: sizesX(sizes), Series: oneshotSeries(mem),
		},
		plotResumable: {
			Title: "Resumable (tus) upload throughput" + quick, XLabel: "file size", YLabel: "MiB/s (higher is better)", Bars: true,
			X: sizesX(r.plan.tusSizes), Series: []series{
				bySize(r.tus, r.plan.tusSizes, "sticky", "sticky tus endpoint", tput),
				bySize(r.tus, r.plan.tusSizes, "tusd", "tusd "+tusdVersion+" standalone", tput),
			},
		},
		plotDirect: {
			Title: "Upload throughput to an S3 bucket (versitygw)" + quick, XLabel: "file size", YLabel: "MiB/s (higher is better)", Bars: true,
			X: sizesX(r.plan.directSizes), Series: []series{
				bySize(r.direct, r.plan.directSizes, wayDirect, "sticky direct", tput),
				bySize(r.direct, r.plan.directSizes, wayProxied, "sticky proxied (one-shot → S3 store)", tput),
				bySize(r.direct, r.plan.directSizes, wayRaw, "raw presigned PUT (AWS SDK)", tput),
			},
		},
		plotDownloads: {
			Title: "Private download throughput, " + sizeWords(ds) + quick, XLabel: "who sends the bytes", YLabel: "MiB/s (higher is better)", Bars: true,
			X: []string{"Go", "nginx"}, Series: []series{
				{Name: "private.Handler (Go, or X-Accel-Redirect)", Y: []float64{pm, xm}, Lo: []float64{pl, xl}, Hi: []float64{ph, xh}},
				{Name: "baseline: http.ServeFile, or nginx alone", Y: []float64{fm, nm}, Lo: []float64{fl, nl}, Hi: []float64{fh, nh}},
			},
		},
		plotLatency: {
			Title: "Upload latency with many clients, " + sizeWords(r.plan.concSize) + " files" + quick, XLabel: "clients at once", YLabel: "latency, ms (lower is better)",
			X: clientsX, Series: []series{
				func() series { s := lat("sticky", "sticky p50", false); s.Color = palette[0]; return s }(),
				func() series { s := lat("sticky", "sticky p99", true); s.Color = palette[0]; return s }(),
				func() series { s := lat("bare", "bare p50", false); s.Color = palette[1]; return s }(),
				func() series { s := lat("bare", "bare p99", true); s.Color = palette[1]; return s }(),
			},
		},
	}
}

// nans is n missing figures.
func nans(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// times says how many times in a row something is done.
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}
