package sticky

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/tus/tusd/v2/pkg/handler"
)

// s3Servers starts versitygw with a new bucket and returns n stores of it,
// as n servers sharing the bucket would each make, and the server.
func s3Servers(t *testing.T, n int) ([]*S3Uploads, *s3test.Server, string) {
	t.Helper()
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	stores := make([]*S3Uploads, n)
	for i := range stores {
		s, err := S3Store(t.Context(), S3Config{Bucket: bucket, Client: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	return stores, srv, bucket
}

// quick makes a locker poll often, with the given lease.
func quick(l *S3Locker, lease time.Duration) *S3Locker {
	l.Lease, l.Poll = lease, 50*time.Millisecond
	return l
}

func mustLock(t *testing.T, l *S3Locker, id string, released chan struct{}) handler.Lock {
	t.Helper()
	k, err := l.NewLock(id)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := k.Lock(ctx, func() { close(released) }); err != nil {
		t.Fatalf("locking %s: %v", id, err)
	}
	return k
}

// die stops a held lock's renewals without letting it go, as when its
// server dies, and returns it.
func die(l handler.Lock) *s3Lock {
	k := l.(*s3Lock)
	k.mu.Lock()
	close(k.stop)
	done := k.done
	k.mu.Unlock()
	<-done
	return k
}

// One server's lock keeps another's request waiting, asks its holder to
// let go, and passes to the waiting one when let go; other uploads' locks
// are free meanwhile, and nothing is left in the bucket.
func TestS3LockerKeepsServersApart(t *testing.T) {
	stores, srv, bucket := s3Servers(t, 2)
	la, lb := quick(stores[0].Locker(), 5*time.Second), quick(stores[1].Locker(), 5*time.Second)

	askedA := make(chan struct{})
	a := mustLock(t, la, "upload-1", askedA)

	b, _ := lb.NewLock("upload-1")
	got := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		got <- b.Lock(ctx, func() {})
	}()
	select {
	case <-askedA:
	case err := <-got:
		t.Fatalf("B locked while A held the lock: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("A was never asked to let go")
	}
	select {
	case err := <-got:
		t.Fatalf("B locked before A let go: %v", err)
	default:
	}

	other := mustLock(t, la, "upload-2", make(chan struct{}))
	if err := other.Unlock(); err != nil {
		t.Fatal(err)
	}

	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("B, once A let go: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("B did not get the lock A let go")
	}
	if err := b.Unlock(); err != nil {
		t.Fatal(err)
	}
	if left := srv.Objects(t, bucket, ""); len(left) != 0 {
		t.Errorf("left in the bucket: %q", left)
	}
}

// A request that cannot get the lock in time gives up with tusd's timeout
// error, which tusd answers with 500 and a retry, and leaves the lock held.
func TestS3LockerTimesOut(t *testing.T) {
	stores, _, _ := s3Servers(t, 2)
	la, lb := quick(stores[0].Locker(), 5*time.Second), quick(stores[1].Locker(), 5*time.Second)
	a := mustLock(t, la, "upload", make(chan struct{}))
	defer a.Unlock()
	b, _ := lb.NewLock("upload")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := b.Lock(ctx, func() {}); !errors.Is(err, handler.ErrLockTimeout) {
		t.Fatalf("Lock = %v, want ErrLockTimeout", err)
	}
}

// A lock whose holder died (stopped renewing it) is taken over once its
// lease has run out, not before; a live holder keeps renewing its lock past
// the lease; and the dead holder's late Unlock does not remove the new one.
func TestS3LockerTakesOverFromDeadHolder(t *testing.T) {
	stores, _, _ := s3Servers(t, 3)
	const lease = 600 * time.Millisecond
	la, lb, lc := quick(stores[0].Locker(), lease), quick(stores[1].Locker(), lease), quick(stores[2].Locker(), lease)

	a := mustLock(t, la, "upload", make(chan struct{}))
	ka := die(a) // A's server dies: its renewals stop, the lock object stays

	start := time.Now()
	b := mustLock(t, lb, "upload", make(chan struct{}))
	if waited := time.Since(start); waited < lease/2 {
		t.Errorf("B took the lock %v after A died, before its lease could run out", waited)
	}

	time.Sleep(2 * lease) // B renews meanwhile
	c, _ := lc.NewLock("upload")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := c.Lock(ctx, func() {}); !errors.Is(err, handler.ErrLockTimeout) {
		t.Fatalf("C locked while B held a renewed lock: %v", err)
	}

	ka.mu.Lock()
	ka.stop = make(chan struct{}) // as if A woke up and let go
	ka.done = make(chan struct{})
	close(ka.done)
	ka.mu.Unlock()
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := c.Lock(ctx, func() {}); !errors.Is(err, handler.ErrLockTimeout) {
		t.Fatalf("A's late Unlock removed B's lock: C locked (%v)", err)
	}
	if err := b.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// Two servers sharing a bucket and the S3 locker: a client whose PATCH to
// server A is still being read asks server B for the offset (as after a
// timeout). B's request waits while A's is stopped, then answers with what
// A stored; the client finishes on B and the bytes are whole.
func TestS3LockerTusAcrossServers(t *testing.T) {
	stores, srv, bucket := s3Servers(t, 2)
	urls := make([]string, 2)
	var ups [2]*Uploader
	for i, s := range stores {
		up, _ := newTestUploader(t, Config{Store: s, MaxSize: 64 << 20, Locker: quick(s.Locker(), 5*time.Second)})
		mux := http.NewServeMux()
		mux.Handle(up.path, up)
		hs := httptest.NewServer(mux)
		t.Cleanup(hs.Close)
		urls[i], ups[i] = hs.URL, up
	}
	ctx := t.Context()
	data := tusRandom(t, 7<<20)
	ca := tusUser(urls[0]+ups[0].TusURL(), "alice")
	cb := tusUser(urls[1]+ups[1].TusURL(), "alice")
	loc, res, err := ca.Create(ctx, int64(len(data)), map[string]string{"field": "doc", "filename": "big.bin"}, nil)
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create on A: %v %v", res, err)
	}
	onB := strings.Replace(loc, urls[0], urls[1], 1)

	// A PATCH to A that sends 6 MiB, then stalls.
	pr, pw := io.Pipe()
	patched := make(chan error, 1)
	go func() {
		_, err := ca.Patch(ctx, loc, 0, pr)
		patched <- err
	}()
	if _, err := pw.Write(data[:6<<20]); err != nil {
		t.Fatal(err)
	}

	off, res, err := cb.Offset(ctx, onB)
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("HEAD on B: %v %v", res, err)
	}
	pw.CloseWithError(errors.New("the client gave up on A"))
	<-patched
	// B answered once A had stopped and stored what it had read: A says
	// the same, and nothing was written after.
	offA, _, err := ca.Offset(ctx, loc)
	if err != nil || off != offA || off <= 0 || off > 6<<20 {
		t.Fatalf("B says the offset is %d, A says %d (%v)", off, offA, err)
	}
	res, err = cb.Patch(ctx, onB, off, bytes.NewReader(data[off:]))
	if err != nil || res.Status != http.StatusNoContent {
		t.Fatalf("PATCH on B: %v %v", res, err)
	}
	f, err := formFile(t, ups[0], "alice", "doc", res.Header.Get(RefHeader))
	if err != nil || !bytes.Equal(fileBytes(t, f), data) {
		t.Fatalf("the file from B's reference, read on A: %v", err)
	}
	if err := f.Discard(ctx); err != nil {
		t.Fatal(err)
	}
	if left := srv.Objects(t, bucket, ""); len(left) != 0 {
		t.Errorf("left in the bucket: %q", left)
	}
}

// The sweep removes what dead servers left of their locks (a lock whose
// lease ran out, a release request) and leaves a held lock alone.
func TestS3LockerSweep(t *testing.T) {
	stores, srv, bucket := s3Servers(t, 2)
	dead := quick(stores[0].Locker(), 200*time.Millisecond)
	live := quick(stores[1].Locker(), 5*time.Second)

	die(mustLock(t, dead, "dead-upload", make(chan struct{})))
	b := mustLock(t, live, "live-upload", make(chan struct{}))
	defer b.Unlock()
	// A waiter of the live lock that died, leaving its release request.
	w, _ := dead.NewLock("live-upload")
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	w.Lock(ctx, func() {})
	time.Sleep(300 * time.Millisecond) // the dead lock's lease runs out

	if before := srv.Objects(t, bucket, ""); len(before) != 3 {
		t.Fatalf("before the sweep: %q, want two locks and a release request", before)
	}
	u := sweepUploader(t, stores[0], time.Hour)
	if _, err := u.sweepBefore(t.Context(), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	left := srv.Objects(t, bucket, "")
	if want := []string{DefaultS3Prefix + "locks/live-upload"}; strings.Join(left, " ") != strings.Join(want, " ") {
		t.Errorf("after the sweep: %q, want %q", left, want)
	}
}
