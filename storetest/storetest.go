// Package storetest is the conformance suite of sticky's temporary stores.
// Every store used as sticky.Config.Store should pass Run: the disk store
// (sticky.DiskStore), the S3 store of package sticky/s3, or another.
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) handler.DataStore {
//			return newEmptyStore(t)
//		})
//	}
//
// The suite drives the store both directly, the way sticky calls it, and
// through sticky: its upload endpoint over HTTP, Uploader.ReadForm,
// Form.File and File.Open, Uploader.Sweep. It logs figures (uploads,
// bytes, time, memory) with t.Logf; run it with -v to see them.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/tus/tusd/v2/pkg/handler"
)

// LargeSize is the size of the suite's large upload.
const LargeSize = 64 << 20

// maxLargeAlloc bounds what the whole process may allocate while the large
// upload streams through it: far less than the file, so nothing holds it.
const maxLargeAlloc = 16 << 20

// Run runs the suite against the stores newStore makes: a fresh, empty one
// for each test, which must implement tusd's TerminaterDataStore and
// LengthDeferrerDataStore, as sticky.New requires. The expiry tests need a
// sticky.Lister and are skipped for a store that is not one.
func Run(t *testing.T, newStore func(t *testing.T) handler.DataStore) {
	figures := &Figures{}
	s := &suite{newStore: newStore, figures: figures}
	// The large upload runs first and alone, so that its memory figures
	// are its own.
	t.Run("LargeUpload", s.largeUpload)
	t.Run("Direct", func(t *testing.T) {
		t.Run("WriteReadDelete", s.writeReadDelete)
		t.Run("Listing", s.listing)
	})
	t.Run("ThroughSticky", func(t *testing.T) {
		t.Run("UploadAndKeep", s.uploadAndKeep)
		t.Run("PostedBytes", s.postedBytes)
		t.Run("NonASCIINames", s.nonASCIINames)
		t.Run("Concurrent", s.concurrent)
		t.Run("ClientDisconnects", s.clientDisconnects)
		t.Run("WriteFails", s.writeFails)
		t.Run("Sweep", s.sweep)
	})
	t.Logf("storetest figures: %s", figures)
}

// Figures are what the suite measured.
type Figures struct {
	mu       sync.Mutex
	Uploads  int           // uploads stored
	Bytes    int64         // bytes stored
	Elapsed  time.Duration // time spent storing and reading back
	Large    time.Duration // time of the large upload, through the endpoint
	Readback time.Duration // time reading the large upload back
	// LargeAlloc is what the process allocated during the large upload.
	LargeAlloc uint64
	// LargePeak is how far the live heap rose above its level before the
	// large upload, at most, sampled every few milliseconds.
	LargePeak uint64
}

func (f *Figures) add(uploads int, n int64, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Uploads += uploads
	f.Bytes += n
	f.Elapsed += d
}

// String gives the figures in one line, for the test log.
func (f *Figures) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	mib := func(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
	return fmt.Sprintf("%d uploads, %s stored in %v; %s upload in %v (%.0f MiB/s), read back in %v, allocated %s, heap peak +%s",
		f.Uploads, mib(uint64(f.Bytes)), f.Elapsed.Round(time.Millisecond),
		mib(LargeSize), f.Large.Round(time.Millisecond), float64(LargeSize)/(1<<20)/f.Large.Seconds(),
		f.Readback.Round(time.Millisecond), mib(f.LargeAlloc), mib(f.LargePeak))
}

type suite struct {
	newStore func(t *testing.T) handler.DataStore
	figures  *Figures
}

func (s *suite) site(t *testing.T, c sticky.Config) (*Site, handler.DataStore) {
	if c.Store == nil {
		c.Store = s.newStore(t)
	}
	return NewSite(t, c), c.Store
}

// ---- directly, through tusd's interfaces ----

// oneShot writes data as sticky's endpoint does: length unknown while the
// bytes stream, declared at the end, then the upload is finished.
func oneShot(ctx context.Context, store handler.DataStore, meta handler.MetaData, data io.Reader) (handler.Upload, int64, error) {
	up, err := store.NewUpload(ctx, handler.FileInfo{SizeIsDeferred: true, MetaData: meta})
	if err != nil {
		return nil, 0, err
	}
	n, err := up.WriteChunk(ctx, 0, data)
	if err != nil {
		return up, n, err
	}
	if err := store.(handler.LengthDeferrerDataStore).AsLengthDeclarableUpload(up).DeclareLength(ctx, n); err != nil {
		return up, n, err
	}
	return up, n, up.FinishUpload(ctx)
}

func (s *suite) writeReadDelete(t *testing.T) {
	store := s.newStore(t)
	ctx := t.Context()
	// Sizes around S3's 5 MiB minimum part and sticky's 16 MiB S3 parts.
	for _, size := range []int{1, 1000, 5<<20 - 1, 5 << 20, 5<<20 + 7, 16<<20 + 1} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			data := randomBytes(uint64(size), size)
			meta := handler.MetaData{"filename": "données – 資料.bin", "filetype": "application/octet-stream"}
			start := time.Now()
			up, n, err := oneShot(ctx, store, meta, bytes.NewReader(data))
			if err != nil {
				t.Fatalf("writing %d bytes: %v", size, err)
			}
			if n != int64(size) {
				t.Fatalf("wrote %d bytes of %d", n, size)
			}
			info, err := up.GetInfo(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// A fresh look, as another request or server has.
			up2, err := store.GetUpload(ctx, info.ID)
			if err != nil {
				t.Fatalf("GetUpload(%q): %v", info.ID, err)
			}
			info2, err := up2.GetInfo(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if info2.ID != info.ID || info2.Size != int64(size) || info2.Offset != int64(size) || info2.SizeIsDeferred {
				t.Errorf("info: id %q size %d offset %d deferred %v; want id %q, size and offset %d",
					info2.ID, info2.Size, info2.Offset, info2.SizeIsDeferred, info.ID, size)
			}
			for k, v := range meta {
				if info2.MetaData[k] != v {
					t.Errorf("metadata %s = %q, want %q", k, info2.MetaData[k], v)
				}
			}
			got := readAll(t, up2)
			if !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes, differing from the %d written", len(got), size)
			}
			s.figures.add(1, int64(size), time.Since(start))

			if err := store.(handler.TerminaterDataStore).AsTerminatableUpload(up2).Terminate(ctx); err != nil {
				t.Fatalf("Terminate: %v", err)
			}
			assertGone(t, store, info.ID)
		})
	}
}

func readAll(t *testing.T, up handler.Upload) []byte {
	t.Helper()
	rc, err := up.GetReader(t.Context())
	if err != nil {
		t.Fatalf("GetReader: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return b
}

// assertGone checks that upload id is no longer in the store.
func assertGone(t *testing.T, store handler.DataStore, id string) {
	t.Helper()
	up, err := store.GetUpload(t.Context(), id)
	if err == nil {
		_, err = up.GetInfo(t.Context())
	}
	if !errors.Is(err, handler.ErrNotFound) {
		t.Errorf("upload %s after removal: %v, want handler.ErrNotFound", id, err)
	}
}

// listed returns the uploads the store lists before t, by id.
func listed(t *testing.T, l sticky.Lister, before time.Time) map[string]sticky.StoredUpload {
	t.Helper()
	m := map[string]sticky.StoredUpload{}
	for s, err := range l.UploadsBefore(t.Context(), before) {
		if err != nil {
			t.Fatalf("UploadsBefore: %v", err)
		}
		if _, dup := m[s.ID]; dup {
			t.Errorf("upload %s listed twice", s.ID)
		}
		m[s.ID] = s
	}
	return m
}

func lister(t *testing.T, store handler.DataStore) sticky.Lister {
	l, ok := store.(sticky.Lister)
	if !ok {
		t.Skipf("%T is not a sticky.Lister: it cannot expire uploads, the storage must", store)
	}
	return l
}

// timeResolution is the coarsest clock of a store's listing: S3 gives
// whole seconds.
const timeResolution = time.Second

func (s *suite) listing(t *testing.T) {
	store := s.newStore(t)
	l := lister(t, store)
	ctx := t.Context()
	future := time.Now().Add(time.Hour)
	if got := listed(t, l, future); len(got) != 0 {
		t.Fatalf("a new store lists %d uploads", len(got))
	}

	before := time.Now().Add(-timeResolution)
	old, _, err := oneShot(ctx, store, handler.MetaData{"filename": "old.txt"}, strings.NewReader("old"))
	if err != nil {
		t.Fatal(err)
	}
	// An upload cut short, never finished, is listed too.
	broken, err := store.NewUpload(ctx, handler.FileInfo{SizeIsDeferred: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := broken.WriteChunk(ctx, 0, strings.NewReader("half")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(timeResolution + 100*time.Millisecond)
	young, _, err := oneShot(ctx, store, handler.MetaData{"filename": "young.txt"}, strings.NewReader("young"))
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().Add(timeResolution)
	oldID, brokenID, youngID := id(t, old), id(t, broken), id(t, young)

	all := listed(t, l, future)
	for _, id := range []string{oldID, brokenID, youngID} {
		u, ok := all[id]
		if !ok {
			t.Fatalf("upload %s not listed; listed: %v", id, all)
		}
		if u.Modified.Before(before) || u.Modified.After(after) {
			t.Errorf("upload %s modified %v, not within [%v, %v]", id, u.Modified, before, after)
		}
	}
	if len(all) != 3 {
		t.Errorf("listed %d uploads, want 3: %v", len(all), all)
	}
	if !all[oldID].Modified.Before(all[youngID].Modified) {
		t.Fatalf("old upload modified %v, not before the young one's %v", all[oldID].Modified, all[youngID].Modified)
	}

	// Strictly before: the cut between the two keeps the young one out.
	cut := all[oldID].Modified.Add(time.Nanosecond)
	got := listed(t, l, cut)
	if _, ok := got[oldID]; !ok || len(got) > 2 {
		t.Errorf("before %v: listed %v, want the old upload (and maybe the broken one)", cut, got)
	}
	if _, ok := got[youngID]; ok {
		t.Errorf("before %v: the young upload, modified %v, is listed", cut, all[youngID].Modified)
	}
	if _, ok := listed(t, l, all[oldID].Modified)[oldID]; ok {
		t.Errorf("an upload is listed before its own modification time")
	}
	if got := listed(t, l, before); len(got) != 0 {
		t.Errorf("before %v: listed %v, want none", before, got)
	}

	// Removed uploads are no longer listed.
	term := store.(handler.TerminaterDataStore)
	for _, up := range []handler.Upload{old, broken} {
		if err := term.AsTerminatableUpload(up).Terminate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := listed(t, l, future); len(got) != 1 || got[youngID] == (sticky.StoredUpload{}) {
		t.Errorf("after removing two: listed %v, want only %s", got, youngID)
	}
}

func id(t *testing.T, up handler.Upload) string {
	t.Helper()
	info, err := up.GetInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.ID
}

// ---- through sticky ----

func (s *suite) uploadAndKeep(t *testing.T) {
	site, store := s.site(t, sticky.Config{})
	ctx := t.Context()
	data := []byte("%PDF-1.4\n" + strings.Repeat("a report\n", 1000))
	start := time.Now()
	rep := site.MustUpload(t, "doc", "report.pdf", data)
	if rep.Filename != "report.pdf" || rep.Size != int64(len(data)) || rep.Type != "application/pdf" {
		t.Errorf("reply %+v", rep)
	}
	f, err := site.Kept(ctx, "doc", rep.Stored)
	if err != nil {
		t.Fatalf("Form.File: %v", err)
	}
	if f.Name != "report.pdf" || f.Size != int64(len(data)) || f.Type != "application/pdf" || f.Ref != rep.Stored {
		t.Errorf("file %+v", f)
	}
	assertContent(t, f, data)
	s.figures.add(1, int64(len(data)), time.Since(start))

	// Saved: the temporary upload goes away, and its reference with it.
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	key, err := (&sticky.Permanent{Vault: sticky.DirVault(root)}).Save(ctx, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := root.ReadFile(key); err != nil || !bytes.Equal(out, data) {
		t.Errorf("Save wrote other bytes: %v", err)
	}
	if _, err := site.Kept(ctx, "doc", rep.Stored); !errors.Is(err, sticky.ErrGone) {
		t.Errorf("reference after Save: %v, want ErrGone", err)
	}
	assertEmpty(t, store)
}

func (s *suite) postedBytes(t *testing.T) {
	site, store := s.site(t, sticky.Config{})
	ctx := t.Context()
	data := []byte("plain text, posted with the form\n")
	start := time.Now()
	f, err := site.PostFile(ctx, "doc", "notes.txt", data)
	if err != nil {
		t.Fatalf("Form.File: %v", err)
	}
	if f.Name != "notes.txt" || f.Size != int64(len(data)) || !strings.HasPrefix(f.Type, "text/plain") {
		t.Errorf("file %+v", f)
	}
	// Kept for the re-render: its reference finds it again.
	again, err := site.Kept(ctx, "doc", f.Ref)
	if err != nil {
		t.Fatalf("kept file: %v", err)
	}
	assertContent(t, again, data)
	s.figures.add(1, int64(len(data)), time.Since(start))
	if err := again.Discard(ctx); err != nil {
		t.Fatal(err)
	}
	assertEmpty(t, store)
}

func (s *suite) nonASCIINames(t *testing.T) {
	site, _ := s.site(t, sticky.Config{})
	ctx := t.Context()
	for _, name := range []string{
		"Résumé – 履歴書.txt",
		"отчёт 2024 📄.txt",
		"تقرير.txt",
		"a\u202egnp.txt", // a bidirectional override, dropped from the name
	} {
		data := []byte("text of " + name)
		rep := site.MustUpload(t, "doc", name, data)
		want := sticky.CleanName(name)
		if rep.Filename != want {
			t.Errorf("uploaded %q: reply names it %q, want %q", name, rep.Filename, want)
		}
		f, err := site.Kept(ctx, "doc", rep.Stored)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if f.Name != want {
			t.Errorf("uploaded %q: kept as %q, want %q", name, f.Name, want)
		}
		assertContent(t, f, data)
	}
}

func (s *suite) concurrent(t *testing.T) {
	const n = 8
	site, _ := s.site(t, sticky.Config{})
	ctx := t.Context()
	var wg sync.WaitGroup
	var total atomic.Int64
	errs := make(chan error, n)
	refs := make([]string, n)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			data := randomBytes(uint64(i), 256<<10*(i+1))
			status, rep, err := site.Upload(ctx, "doc", fmt.Sprintf("part-%d.bin", i), bytes.NewReader(data))
			if err != nil || status != http.StatusOK {
				errs <- fmt.Errorf("upload %d: status %d, %+v, %v", i, status, rep, err)
				return
			}
			f, err := site.Kept(ctx, "doc", rep.Stored)
			if err != nil {
				errs <- fmt.Errorf("upload %d: %v", i, err)
				return
			}
			if sum, err := checksum(ctx, f); err != nil || sum != sha256.Sum256(data) {
				errs <- fmt.Errorf("upload %d: read back other bytes (%v)", i, err)
				return
			}
			refs[i] = rep.Stored
			total.Add(int64(len(data)))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s.figures.add(n, total.Load(), time.Since(start))
	slices.Sort(refs)
	if len(slices.Compact(refs)) != n {
		t.Error("two uploads got the same reference")
	}
}

func (s *suite) largeUpload(t *testing.T) {
	site, store := s.site(t, sticky.Config{MaxSize: LargeSize})
	ctx := t.Context()
	src := &randomReader{rng: rand.NewChaCha8([32]byte{1}), left: LargeSize, sum: sha256.New()}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := sampleHeap()
	start := time.Now()
	status, rep, err := site.Upload(ctx, "doc", "large.bin", src)
	elapsed := time.Since(start)
	peakHeap := peak()
	runtime.ReadMemStats(&after)
	if err != nil || status != http.StatusOK {
		t.Fatalf("status %d, %+v, %v", status, rep, err)
	}
	if rep.Size != LargeSize {
		t.Fatalf("stored %d bytes, want %d", rep.Size, LargeSize)
	}

	s.figures.mu.Lock()
	s.figures.Large = elapsed
	s.figures.LargeAlloc = after.TotalAlloc - before.TotalAlloc
	if peakHeap > before.HeapAlloc {
		s.figures.LargePeak = peakHeap - before.HeapAlloc
	}
	s.figures.mu.Unlock()
	if a := after.TotalAlloc - before.TotalAlloc; a > maxLargeAlloc {
		t.Errorf("the process allocated %d MiB while a %d MiB upload streamed through it; want under %d MiB",
			a>>20, LargeSize>>20, maxLargeAlloc>>20)
	}

	start = time.Now()
	f, err := site.Kept(ctx, "doc", rep.Stored)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := checksum(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	s.figures.mu.Lock()
	s.figures.Readback = time.Since(start)
	s.figures.mu.Unlock()
	s.figures.add(1, LargeSize, elapsed+time.Since(start))
	if want := src.sum.Sum(nil); !bytes.Equal(sum[:], want) {
		t.Fatal("read back other bytes")
	}
	if err := f.Discard(ctx); err != nil {
		t.Fatal(err)
	}
	assertEmpty(t, store)
}

// sampleHeap samples the live heap until the returned function is called,
// which returns the highest value seen.
func sampleHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		return peak.Load()
	}
}

func (s *suite) clientDisconnects(t *testing.T) {
	site, store := s.site(t, sticky.Config{MaxSize: 32 << 20})
	u, err := url.Parse(site.URL)
	if err != nil {
		t.Fatal(err)
	}
	// A request announcing 24 MiB that stops after 8 MiB, well into the
	// second S3 part. The connection is then closed.
	const boundary = "storetestboundary"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\ndoc\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"cut.bin\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n"
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n%s",
		u.Path, u.Host, boundary, len(head)+24<<20, head)
	if _, err := io.Copy(conn, io.LimitReader(&randomReader{rng: rand.NewChaCha8([32]byte{2}), left: 8 << 20}, 8<<20)); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	// The server notices and cleans up on its own time.
	deadline := time.Now().Add(20 * time.Second)
	for {
		left := leftovers(t, store)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("20s after the client went away, the store still holds %v", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *suite) writeFails(t *testing.T) {
	faulty := NewFaulty(s.newStore(t))
	site, _ := s.site(t, sticky.Config{Store: faulty})
	ctx := t.Context()
	kept := []byte("kept before the store filled up\n")
	rep := site.MustUpload(t, "doc", "kept.txt", kept)

	for _, tt := range []struct {
		name   string
		err    error
		status int
		kind   error
	}{
		{"full", syscall.ENOSPC, http.StatusInsufficientStorage, sticky.ErrStoreFull},
		{"unavailable", errors.New("connection reset by peer"), http.StatusServiceUnavailable, sticky.ErrStoreUnavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			faulty.FailWrites(1<<20, tt.err)
			defer faulty.FailWrites(0, nil)
			data := randomBytes(3, 3<<20)
			status, fail, err := site.Upload(ctx, "doc", "big.bin", bytes.NewReader(data))
			if err != nil || status != tt.status || fail.IsValid || fail.Message() == "" {
				t.Fatalf("upload into a failing store: status %d, %+v, %v; want %d with a message", status, fail, err, tt.status)
			}
			if strings.Contains(fail.Message(), tt.err.Error()) {
				t.Errorf("the message %q shows the store's error", fail.Message())
			}
			// The same through a form posted without scripts.
			if _, err := site.PostFile(ctx, "doc", "big.bin", data); !errors.Is(err, tt.kind) {
				t.Errorf("posted form: %v, want %v", err, tt.kind)
			}
			// Nothing half-written stays; the file kept before is intact.
			if left := files(leftovers(t, faulty)); len(left) != 1 {
				t.Errorf("the store holds %d uploads, want only the kept one: %v", len(left), left)
			}
			f, err := site.Kept(ctx, "doc", rep.Stored)
			if err != nil {
				t.Fatalf("kept file after the failure: %v", err)
			}
			assertContent(t, f, kept)
		})
	}
}

func (s *suite) sweep(t *testing.T) {
	store := s.newStore(t)
	lister(t, store)
	ctx := t.Context()
	// Two servers share the store: one hands out long-lived references,
	// the other, with a short TTL, sweeps.
	keeper, _ := s.site(t, sticky.Config{Store: store, TTL: time.Hour})
	const ttl = 2 * time.Second
	sweeper, _ := s.site(t, sticky.Config{Store: store, TTL: ttl})

	abandoned := keeper.MustUpload(t, "doc", "abandoned.txt", []byte("never submitted"))
	expired := sweeper.MustUpload(t, "doc", "expired.txt", []byte("reference expired"))
	time.Sleep(ttl + 200*time.Millisecond)
	before := leftovers(t, store)
	fresh := keeper.MustUpload(t, "doc", "fresh.txt", []byte("chosen a moment ago"))

	removed, err := sweeper.Sweep(ctx)
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if removed != len(before) || len(files(before)) != 2 {
		t.Errorf("Sweep removed %d uploads, want the 2 files and their receipts, %v", removed, before)
	}
	// Nothing younger than the TTL is touched...
	f, err := keeper.Kept(ctx, "doc", fresh.Stored)
	if err != nil {
		t.Fatalf("the fresh upload after a sweep: %v", err)
	}
	assertContent(t, f, []byte("chosen a moment ago"))
	// ...and nothing older survives. A reference to a swept upload says so
	// in words, whether it expired or not.
	for _, tt := range []struct {
		site *Site
		ref  string
		kind error
	}{
		{keeper, abandoned.Stored, sticky.ErrGone},
		{sweeper, expired.Stored, sticky.ErrExpired},
	} {
		_, err := tt.site.Kept(ctx, "doc", tt.ref)
		if !errors.Is(err, tt.kind) {
			t.Errorf("swept upload: %v, want %v", err, tt.kind)
		} else if !strings.Contains(err.Error(), "choose it again") {
			t.Errorf("swept upload: the message %q does not ask to choose the file again", err)
		}
	}
	if removed, err := sweeper.Sweep(ctx); removed != 0 || err != nil {
		t.Errorf("second sweep: removed %d, %v", removed, err)
	}
	if left := files(leftovers(t, store)); len(left) != 1 {
		t.Errorf("after the sweep the store holds %v, want only the fresh upload", left)
	}
}

// ---- helpers ----

// files drops the receipts from a list of upload ids: a file kept in a
// store that cannot record its checksum with it has one.
func files(ids []string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(id string) bool {
		name, _, _ := strings.Cut(id, "+") // s3store's ids add their multipart upload's
		return strings.HasSuffix(name, ".receipt")
	})
}

// leftovers lists every upload of the store, by id: those it lists and,
// for the disk store, every file in its directory, so that data without
// its .info file shows too.
func leftovers(t *testing.T, store handler.DataStore) []string {
	t.Helper()
	ids := map[string]bool{}
	if l, ok := store.(sticky.Lister); ok {
		for id := range listed(t, l, time.Now().Add(time.Hour)) {
			ids[id] = true
		}
	}
	if f, ok := store.(*Faulty); ok {
		store = f.store
	}
	if d, ok := store.(*sticky.DiskStore); ok {
		entries, err := os.ReadDir(d.Path)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			ids[strings.TrimSuffix(e.Name(), ".info")] = true
		}
	}
	return slices.Sorted(maps.Keys(ids))
}

func assertEmpty(t *testing.T, store handler.DataStore) {
	t.Helper()
	if left := leftovers(t, store); len(left) != 0 {
		t.Errorf("the store still holds %v", left)
	}
}

func assertContent(t *testing.T, f *sticky.File, want []byte) {
	t.Helper()
	rc, err := f.Open(t.Context())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("read %d bytes, differing from the %d stored", len(got), len(want))
	}
}

func checksum(ctx context.Context, f *sticky.File) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	rc, err := f.Open(ctx)
	if err != nil {
		return sum, err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

func randomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 7}).Read(b)
	return b
}

// randomReader streams left pseudo-random bytes, hashing them into sum
// when it is set, without ever holding more than one read's worth.
type randomReader struct {
	rng  *rand.ChaCha8
	left int64
	sum  hash.Hash
}

func (r *randomReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, _ := r.rng.Read(p)
	r.left -= int64(n)
	if r.sum != nil {
		r.sum.Write(p[:n])
	}
	return n, nil
}
