package cluster

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/blobvault"
	"github.com/stickyuploads/sticky/internal/needs"
	"github.com/stickyuploads/sticky/internal/nginxtest"
	"github.com/stickyuploads/sticky/s3"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"
	_ "modernc.org/sqlite" // the demos' database
)

var full = flag.Bool("full", false, "TestFaults: the full run (make loadtest-cluster) rather than the short one")

// Sizes of the two runs of TestFaults.
var (
	shortLoad = loadConfig{clients: 12, users: 4, uploads: 150, sizes: []int64{4 << 10, 256 << 10, 2 << 20},
		tusShare: 0.6, chunk: 256 << 10, seed: 1}
	fullLoad = loadConfig{clients: 48, users: 8, uploads: 1500, sizes: []int64{4 << 10, 256 << 10, 2 << 20, 12 << 20},
		tusShare: 0.4, chunk: 1 << 20, seed: 1}
)

// When the faults come, in uploads finished.
const (
	killAt      = 0.25 // demo B is killed (SIGKILL)...
	killedFor   = 2 * time.Second
	restartS3At = 0.55 // versitygw is restarted
)

// TestFaults runs three demos behind nginx (round robin, no sticky
// sessions) on one versitygw bucket and one SQLite database, and people
// uploading through nginx, each signed in once, while demo B is killed
// with SIGKILL and started again, and versitygw is restarted. The people
// retry as the client script does. Then: every file a person believes
// kept is listed once and downloads with the bytes sent; no upload failed;
// tus uploads cut by the kill resumed on another server (the S3 locker's
// lease runs out, about 30 s); and after a sweep nothing is left under the
// temporary prefix.
//
// -full runs the load of make loadtest-cluster; see docs/load.md.
func TestFaults(t *testing.T) {
	needs.Tool(t, "nginx")
	cfg := shortLoad
	if *full {
		cfg = fullLoad
	}
	begin := time.Now()
	c := newCluster(t)

	// Fixed ports: nginx's upstream, and demo B comes back on its own.
	var users []string
	extra := []string{"-rate", "0", "-temp-ttl", "10m", "-sweep-every", "2s"}
	for i := range cfg.users {
		users = append(users, fmt.Sprintf("load-%d", i))
		extra = append(extra, "-user", users[i]+":"+testPassword)
	}
	var demos []*demo
	var upstream strings.Builder
	var victimUpstream string
	for _, name := range []string{"A", "B", "C"} {
		addr := freeAddr(t)
		demos = append(demos, c.spawn(t, name, addr, extra))
		fmt.Fprintf(&upstream, "    server %s max_fails=1 fail_timeout=3s;\n", addr)
		if name == "B" {
			victimUpstream = addr
		}
	}
	for _, d := range demos {
		d.Listen(t)
	}
	proxy := nginxtest.Start(t, func(listen string) string {
		// A PATCH with X-Pin goes to demo B alone, so that the kill
		// surely cuts some; every other request, retries included, is
		// spread round robin.
		return `upstream demos {
` + upstream.String() + `}
upstream victim {
    server ` + victimUpstream + `;
}
map $http_x_pin $to {
    default demos;
    victim  victim;
}
server {
    listen ` + listen + `;
    client_max_body_size 0;
    proxy_http_version 1.1;
    proxy_request_buffering off;
    proxy_buffering off;
    proxy_set_header Host $http_host;
    proxy_read_timeout 120s;
    proxy_send_timeout 120s;
    add_header X-Upstream $upstream_addr always;
    location / { proxy_pass http://$to; }
}`
	})
	base, _ := url.Parse(proxy.URL)
	l := &loader{base: base, cfg: cfg, transport: &http.Transport{
		MaxIdleConnsPerHost: 2 * cfg.clients, DisableCompression: true,
		WriteBufferSize: 64 << 10, ReadBufferSize: 64 << 10,
	}}
	defer l.transport.CloseIdleConnections()

	// Each person signs in once.
	sessions := make([]*session, cfg.clients)
	byUser := map[string]*session{}
	for i := range sessions {
		s, err := l.signIn(users[i%cfg.users], testPassword)
		if err != nil {
			t.Fatal(err)
		}
		sessions[i] = s
		if byUser[s.user] == nil {
			byUser[s.user] = s
		}
	}
	t.Logf("versitygw, 3 demos and nginx up, %d people signed in, in %v (demo built in %v)",
		cfg.clients, time.Since(begin).Round(time.Millisecond), buildTime.Round(time.Millisecond))

	// The load, in the background; the faults, here.
	outcomes := make([]outcome, cfg.uploads)
	jobs := make(chan int)
	loadDone := make(chan struct{})
	loadStart := time.Now()
	var wg sync.WaitGroup
	for i := range cfg.clients {
		wg.Go(func() {
			for j := range jobs {
				outcomes[j] = sessions[i].do(cfg.plan(j))
				l.finished.Add(1)
			}
		})
	}
	go func() {
		for j := range cfg.uploads {
			jobs <- j
		}
		close(jobs)
		wg.Wait()
		close(loadDone)
	}()
	waitFor := func(share float64, what string) {
		for l.finished.Load() < int64(share*float64(cfg.uploads)) {
			select {
			case <-loadDone:
				t.Fatalf("the load ended before %s", what)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	waitFor(killAt, "the kill")
	// Kill when tus PATCHes past byte 0 are in flight on demo B: for a
	// moment they all go there (X-Pin), so that the kill surely cuts some.
	l.pin.Store(true)
	for deadline := time.Now().Add(10 * time.Second); l.pinned.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Microsecond)
	}
	inFlight := l.pinned.Load()
	victim := demos[1]
	victimAddr := strings.TrimPrefix(victim.URL, "http://")
	killedAt := time.Since(loadStart)
	l.killed.Store(&kill{addr: victimAddr, at: time.Now()})
	victim.Kill()
	l.pin.Store(false)
	time.Sleep(killedFor)
	victim.restart(t)
	backAt := time.Since(loadStart)
	t.Logf("demo B (%s) killed at %v (%d tus PATCHes past byte 0 in flight there), listening again at %v",
		victimAddr, killedAt.Round(time.Millisecond), inFlight, backAt.Round(time.Millisecond))
	waitFor(restartS3At, "the restart of versitygw")
	time.Sleep(time.Until(loadStart.Add(backAt + time.Second))) // apart from the kill
	s3At := time.Since(loadStart)
	s3Down := c.s3.Restart(t)
	t.Logf("versitygw restarted at %v, down for %v", s3At.Round(time.Millisecond), s3Down.Round(time.Millisecond))
	<-loadDone
	elapsed := time.Since(loadStart)

	// What the people saw.
	var (
		failed, resumed, resumedPast0, elsewhere, restarted int
		latencies                                           []time.Duration
		bytes                                               int64
	)
	for _, o := range outcomes {
		if o.err != nil {
			failed++
			if failed <= 10 {
				t.Errorf("upload %d (tus %v, %d bytes) failed: %v", o.index, o.tus, o.size, o.err)
			}
			continue
		}
		if !o.kept {
			failed++
			t.Errorf("upload %d ended neither kept nor failed", o.index)
		}
		latencies = append(latencies, o.latency)
		bytes += o.size
		restarted += o.restarted
		if o.resumed {
			resumed++
			if o.resumedAt > 0 {
				resumedPast0++
			}
		}
		if o.elsewhere {
			elsewhere++
		}
	}
	slices.Sort(latencies)

	// What the servers kept.
	chk, err := verify(byUser, outcomes, cfg.clients)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range chk.problems {
		t.Error(p)
	}
	// Saves cut by the kill left files among the documents, and every
	// save its journal (the demos set Recorded), which Recover ends once
	// the save is older than twice SaveTimeout (2 h in the demos),
	// removing the files nobody recorded: recover now, as if that time
	// had passed, asking the demos' database.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bucket, err := s3blob.OpenBucket(ctx, c.s3.Client(), c.bucket, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	db, err := sql.Open("sqlite", c.db+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	docs := &sticky.Permanent{
		Vault:       blobvault.New(blob.PrefixedBucket(bucket, "documents/")),
		SaveTimeout: time.Nanosecond,
		Recorded: func(ctx context.Context, key string) (bool, error) {
			var n int
			err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents WHERE file_key = ?`, key).Scan(&n)
			return n > 0, err
		},
	}
	beforeRecover := len(c.s3.Objects(t, c.bucket, "documents/"))
	recovered, err := docs.Recover(ctx)
	if err != nil {
		t.Errorf("recover: %v", err)
	}
	docObjects := len(c.s3.Objects(t, c.bucket, "documents/"))

	// The sweep, with every upload's time up (the demos sweep every 2 s,
	// but keep uploads 10 minutes): what is left of uploads whose
	// answer was lost, or given up, goes.
	beforeSweep := len(c.s3.Objects(t, c.bucket, s3.DefaultPrefix))
	store, err := s3.NewStore(ctx, s3.Config{Bucket: c.bucket, Client: c.s3.Client()})
	if err != nil {
		t.Fatal(err)
	}
	sweeper, err := sticky.New(sticky.Config{Keys: [][]byte{[]byte(testSecret)}, Store: store, TTL: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	swept, err := sweeper.Sweep(ctx)
	if err != nil {
		t.Errorf("sweep: %v", err)
	}
	left := c.s3.Objects(t, c.bucket, s3.DefaultPrefix)
	leftMultipart := c.s3.MultipartUploads(t, c.bucket, "")
	localFiles := map[string]int{}
	for _, d := range demos {
		localFiles[d.Name] = countFiles(t, d.Data)
	}

	retries := l.retryCounts()
	var causes []string
	for k, n := range retries {
		causes = append(causes, fmt.Sprintf("%s %d", k, n))
	}
	slices.Sort(causes)
	kind := "short"
	if *full {
		kind = "full"
	}
	t.Logf(`TestFaults (%s): %d people (%d accounts), %d uploads (%.0f%% tus), sizes %v, tus chunk %s, seed %d
  uploads       %d kept, %d failed; %s sent, in %v (load), %v (all)
  faults        demo B killed at %v, back at %v; versitygw restarted at %v, down %v
  retries       %s
  tus           %d resumed after an interruption (%d past byte 0), %d of them cut by the kill and resumed on another server; %d files sent again from the start
  check         %d kept: %d lost, %d mismatches, %d listed twice; %d documents listed, %d saved after their person gave up
  documents     %d objects under documents/; %d cut saves recovered; %d objects after
  latency       to the reference: p50 %v, p99 %v, max %v
  leftovers     %d objects under %s before the sweep, %d swept; after it %d objects and %d multipart uploads
  local files   left in each demo's -data: %v`,
		kind, cfg.clients, cfg.users, cfg.uploads, cfg.tusShare*100, sizeList(cfg.sizes), sticky.SizeString(cfg.chunk), cfg.seed,
		len(latencies), failed, sticky.SizeString(bytes), elapsed.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond),
		killedAt.Round(time.Millisecond), backAt.Round(time.Millisecond), s3At.Round(time.Millisecond), s3Down.Round(time.Millisecond),
		strings.Join(causes, ", "),
		resumed, resumedPast0, elsewhere, restarted,
		chk.kept, chk.lost, chk.mismatched, chk.duplicated, chk.listed, chk.unclaimed,
		beforeRecover, recovered, docObjects,
		percentile(latencies, 0.50), percentile(latencies, 0.99), percentile(latencies, 1),
		beforeSweep, s3.DefaultPrefix, swept, len(left), len(leftMultipart),
		localFiles)

	switch {
	case failed > 0:
		t.Errorf("%d uploads failed", failed)
	case chk.lost+chk.mismatched+chk.duplicated > 0:
		t.Errorf("%d lost, %d mismatches, %d listed twice", chk.lost, chk.mismatched, chk.duplicated)
	}
	if docObjects != chk.listed {
		var odd []string
		for _, k := range c.s3.Objects(t, c.bucket, "documents/") {
			if !documentKey.MatchString(k) {
				odd = append(odd, k)
			}
		}
		t.Errorf("%d objects under documents/ for %d documents listed; keys not of a document: %q", docObjects, chk.listed, odd)
	}
	if len(left) > 0 || len(leftMultipart) > 0 {
		t.Errorf("left after the sweep: objects %q, multipart uploads %q", left, leftMultipart)
	}
	if elsewhere == 0 {
		t.Errorf("no tus upload cut by the kill resumed on another server (%d resumed in all)", resumed)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// percentile of sorted d, nearest rank.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(float64(len(d))*p+0.999999) - 1
	return d[min(max(i, 0), len(d)-1)].Round(time.Millisecond)
}

func sizeList(sizes []int64) string {
	s := make([]string, len(sizes))
	for i, n := range sizes {
		s[i] = sticky.SizeString(n)
	}
	return strings.Join(s, ",")
}

// countFiles counts the files under dir.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			n++
		}
		return nil
	})
	return n
}
