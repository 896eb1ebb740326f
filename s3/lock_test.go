package s3_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/tusclient"
	"github.com/stickyuploads/sticky/s3"
	"github.com/stickyuploads/sticky/storetest"
	"github.com/tus/tusd/v2/pkg/handler"
)

// quick makes a locker poll often, with the given lease.
func quick(l *s3.Locker, lease time.Duration) *s3.Locker {
	l.Lease, l.Poll = lease, 50*time.Millisecond
	return l
}

func mustLock(t *testing.T, l *s3.Locker, id string, released chan struct{}) handler.Lock {
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

// One server's lock keeps another's request waiting, asks its holder to
// let go, and passes to the waiting one when let go; other uploads' locks
// are free meanwhile, and nothing is left in the bucket.
func TestLockerKeepsServersApart(t *testing.T) {
	stores, srv, bucket := s3Stores(t, 2)
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
	wantEmpty(t, srv, bucket)
}

// A request that cannot get the lock in time gives up with tusd's timeout
// error, which tusd answers with 500 and a retry, and leaves the lock held.
func TestLockerTimesOut(t *testing.T) {
	stores, _, _ := s3Stores(t, 2)
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
func TestLockerTakesOverFromDeadHolder(t *testing.T) {
	stores, _, _ := s3Stores(t, 3)
	const lease = 600 * time.Millisecond
	la, lb, lc := quick(stores[0].Locker(), lease), quick(stores[1].Locker(), lease), quick(stores[2].Locker(), lease)

	a := mustLock(t, la, "upload", make(chan struct{}))
	wakeA := s3.Die(a) // A's server dies: its renewals stop, the lock object stays

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

	wakeA()
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
func TestLockerTusAcrossServers(t *testing.T) {
	stores, srv, bucket := s3Stores(t, 2)
	sites := make([]*storetest.Site, 2)
	clients := make([]*tusclient.Client, 2)
	for i, s := range stores {
		sites[i] = storetest.NewSite(t, sticky.Config{Store: s, MaxSize: 64 << 20, Locker: quick(s.Locker(), 5*time.Second)})
		clients[i] = tusClient(sites[i])
	}
	ca, cb := clients[0], clients[1]
	ctx := t.Context()
	data := make([]byte, 7<<20)
	rand.Read(data)
	loc, res, err := ca.Create(ctx, int64(len(data)), map[string]string{"field": "doc", "filename": "big.bin"}, nil)
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create on A: %v %v", res, err)
	}
	onB := strings.Replace(loc, ca.Endpoint, cb.Endpoint, 1)

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
	ref := res.Header.Get(sticky.RefHeader)
	if !bytes.Equal(readKept(t, sites[0], "doc", ref), data) {
		t.Fatal("the file from B's reference, read on A, differs from the bytes sent")
	}
	f, err := sites[0].Kept(ctx, "doc", ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Discard(ctx); err != nil {
		t.Fatal(err)
	}
	wantEmpty(t, srv, bucket)
}

// The sweep removes what dead servers left of their locks (a lock whose
// lease ran out, a release request) and leaves a held lock alone.
func TestLockerTidy(t *testing.T) {
	stores, srv, bucket := s3Stores(t, 2)
	dead := quick(stores[0].Locker(), 200*time.Millisecond)
	live := quick(stores[1].Locker(), 5*time.Second)

	s3.Die(mustLock(t, dead, "dead-upload", make(chan struct{})))
	b := mustLock(t, live, "live-upload", make(chan struct{}))
	defer b.Unlock()
	// A waiter of the live lock that died, leaving its release request.
	w, _ := dead.NewLock("live-upload")
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	w.Lock(ctx, func() {})
	time.Sleep(300 * time.Millisecond) // the dead lock's lease runs out

	if before := srv.Objects(t, bucket, ""); len(before) != 3 {
		t.Fatalf("before tidying: %q, want two locks and a release request", before)
	}
	removed, err := stores[0].Tidy(t.Context(), time.Now().Add(time.Minute))
	if err != nil || removed != 2 {
		t.Fatalf("Tidy: removed %d, %v; want 2", removed, err)
	}
	left := srv.Objects(t, bucket, "")
	if want := []string{s3.DefaultPrefix + "locks/live-upload"}; strings.Join(left, " ") != strings.Join(want, " ") {
		t.Errorf("after tidying: %q, want %q", left, want)
	}
}
