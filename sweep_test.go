package sticky

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// sweepUploader returns an Uploader over store, with the given TTL.
func sweepUploader(t *testing.T, store handler.DataStore, ttl time.Duration) *Uploader {
	t.Helper()
	up, err := New(Config{
		Keys:   [][]byte{bytes.Repeat([]byte("k"), 32)},
		Store:  store,
		TTL:    ttl,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return up
}

// sweepKeep stores data as the upload endpoint does and returns the file.
func sweepKeep(t *testing.T, u *Uploader, name, data string) *File {
	t.Helper()
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, u.path, nil)
	f, err := u.receive(r, "alice", Incoming{Field: "doc", Name: name, Size: -1}, strings.NewReader(data))
	if err != nil {
		t.Fatalf("storing %s: %v", name, err)
	}
	f.Ref = u.sign.sign(f.id, "alice", scopeOf(u.path, "doc"), u.ttl)
	return f
}

// age makes an upload on disk look last written d ago.
func age(t *testing.T, dir string, f *File, d time.Duration) {
	t.Helper()
	old := time.Now().Add(-d)
	for _, p := range []string{filepath.Join(dir, f.id), filepath.Join(dir, f.id+".info")} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
}

func sweepIDs(t *testing.T, l Lister, before time.Time) []string {
	t.Helper()
	var ids []string
	for s, err := range l.UploadsBefore(t.Context(), before) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestSweepDisk(t *testing.T) {
	dir := t.TempDir()
	store, err := NewDiskStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	u := sweepUploader(t, store, time.Hour)
	old := sweepKeep(t, u, "old.txt", "abandoned yesterday")
	edge := sweepKeep(t, u, "edge.txt", "a minute younger than the TTL")
	young := sweepKeep(t, u, "young.txt", "chosen a moment ago")
	age(t, dir, old, 25*time.Hour)
	age(t, dir, edge, 59*time.Minute)
	// Files that are not uploads are left alone, even named .info.
	for name, content := range map[string]string{"notes.info": "not JSON", "other.info": `{"ID":"else"}`, "stray": "x"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		os.Chtimes(p, time.Now().Add(-48*time.Hour), time.Now().Add(-48*time.Hour))
	}

	removed, err := u.Sweep(t.Context())
	if err != nil || removed != 1 {
		t.Fatalf("Sweep: removed %d, %v; want 1", removed, err)
	}
	if _, err := old.Open(t.Context()); !errors.Is(err, ErrGone) {
		t.Errorf("the old upload after the sweep: %v, want ErrGone", err)
	}
	for _, f := range []*File{edge, young} {
		if _, err := f.Open(t.Context()); err != nil {
			t.Errorf("%s after the sweep: %v", f.Name, err)
		}
	}
	for _, name := range []string{"notes.info", "other.info", "stray"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("the sweep touched %s: %v", name, err)
		}
	}
}

func TestSweepDiskActiveUpload(t *testing.T) {
	// An upload whose data is still being written is not abandoned, however
	// old its info file.
	dir := t.TempDir()
	store, _ := NewDiskStore(dir)
	u := sweepUploader(t, store, time.Hour)
	f := sweepKeep(t, u, "slow.bin", "first bytes")
	age(t, dir, f, 2*time.Hour)
	now := time.Now()
	os.Chtimes(filepath.Join(dir, f.id), now, now)
	if removed, err := u.Sweep(t.Context()); removed != 0 || err != nil {
		t.Errorf("Sweep removed %d, %v; want nothing", removed, err)
	}
}

func TestSweepEvery(t *testing.T) {
	dir := t.TempDir()
	store, _ := NewDiskStore(dir)
	u := sweepUploader(t, store, time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		u.SweepEvery(ctx, 10*time.Millisecond)
		close(done)
	}()
	for i := range 3 {
		f := sweepKeep(t, u, "a.txt", "abandoned")
		age(t, dir, f, 2*time.Hour)
		deadline := time.Now().Add(5 * time.Second)
		for len(sweepIDs(t, store, time.Now().Add(time.Hour))) > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the loop did not sweep within 5s", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("SweepEvery did not return when its context ended")
	}
}

type sweepCoreStore struct {
	handler.DataStore
	handler.TerminaterDataStore
	handler.LengthDeferrerDataStore
}

func TestSweepNeedsLister(t *testing.T) {
	fs, _ := NewDiskStore(t.TempDir())
	u := sweepUploader(t, sweepCoreStore{fs, fs, fs}, time.Hour)
	if _, err := u.Sweep(t.Context()); err == nil || !strings.Contains(err.Error(), "cannot list") {
		t.Errorf("Sweep of a store that cannot list: %v", err)
	}
	done := make(chan struct{})
	go func() { u.SweepEvery(t.Context(), time.Millisecond); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("SweepEvery kept going with a store that cannot list")
	}
}

// A data file whose .info is gone (an upload cut at the wrong moment) is
// removed once it is older than the TTL, and never before.
func TestSweepRemovesOrphanedData(t *testing.T) {
	dir := t.TempDir()
	u, _ := newTestUploader(t, Config{Store: diskAt(t, dir), TTL: time.Hour})
	old := filepath.Join(dir, "0123456789abcdef0123456789abcdef")
	young := filepath.Join(dir, "fedcba9876543210fedcba9876543210")
	other := filepath.Join(dir, "notes.txt") // not an upload's name: left alone
	// Data whose .info was cut off as it was written: removed with it.
	cut := filepath.Join(dir, "00112233445566778899aabbccddeeff")
	// The same, young: left alone, as an upload being finished would be.
	cutYoung := filepath.Join(dir, "ffeeddccbbaa99887766554433221100")
	for _, p := range []string{old, young, other, cut, cutYoung} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{cut, cutYoung} {
		if err := os.WriteFile(p+".info", []byte(`{"ID":"`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * time.Hour)
	for _, p := range []string{old, other, cut, cut + ".info"} {
		os.Chtimes(p, past, past)
	}
	kept := sweepKeep(t, u, "kept.txt", "still wanted")
	removed, err := u.Sweep(t.Context())
	if err != nil || removed != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 orphans removed", removed, err)
	}
	for p, want := range map[string]bool{
		old: false, young: true, other: true,
		cut: false, cut + ".info": false, cutYoung: true, cutYoung + ".info": true,
	} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
	if _, err := u.fromRef(t.Context(), kept.Ref, "alice", "file", 0); err != nil && !errors.Is(err, ErrWrongField) {
		t.Errorf("a kept upload was touched: %v", err)
	}
}
