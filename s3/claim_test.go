package s3_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/s3"
	"github.com/stickyuploads/sticky/storetest"
)

var _ sticky.Claimer = (*s3.Store)(nil)

// One reference posted to several servers sharing the bucket at once is
// saved once: the others are told the file is gone. The claim goes with
// the upload.
func TestClaimAcrossServers(t *testing.T) {
	stores, srv, bucket := s3Stores(t, 3)
	var sites []*storetest.Site
	for _, s := range stores {
		sites = append(sites, storetest.NewSite(t, sticky.Config{Store: s, Locker: s.Locker()}))
	}
	dir := filepath.Join(t.TempDir(), "saved")
	os.Mkdir(dir, 0o700)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	perm := &sticky.Permanent{Vault: sticky.DirVault(root)}

	for round := range 5 {
		rep := sites[0].MustUpload(t, "doc", "a.txt", []byte("saved once\n"))
		var wg sync.WaitGroup
		results := make([]error, 6)
		for i := range results {
			wg.Go(func() {
				f, err := sites[i%len(sites)].Kept(t.Context(), "doc", rep.Stored)
				if err == nil {
					_, err = perm.Save(t.Context(), f, nil)
				}
				results[i] = err
			})
		}
		wg.Wait()
		saved := 0
		for _, err := range results {
			switch {
			case err == nil:
				saved++
			case !errors.Is(err, sticky.ErrGone):
				t.Errorf("round %d: a losing save: %v, want ErrGone", round, err)
			}
		}
		if saved != 1 {
			t.Errorf("round %d: %d saves succeeded, want 1", round, saved)
		}
	}
	entries, _ := os.ReadDir(dir)
	files := 0
	for _, e := range entries {
		if !e.IsDir() {
			files++
		}
	}
	if files != 5 {
		t.Errorf("%d files saved in 5 rounds, want 5", files)
	}
	wantEmpty(t, srv, bucket)
}

// A claim whose server died stays until the sweep finds it older than the
// TTL, and is then removed.
func TestClaimLeftByDeadServerIsTidied(t *testing.T) {
	stores, srv, bucket := s3Stores(t, 1)
	store := stores[0]
	if _, err := store.Claim(t.Context(), "0123456789abcdef0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Claim(t.Context(), "0123456789abcdef0123456789abcdef"); !errors.Is(err, sticky.ErrClaimed) {
		t.Fatalf("a second claim: %v, want ErrClaimed", err)
	}
	if n, err := store.Tidy(t.Context(), time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("Tidy before the claim is old: removed %d, %v", n, err)
	}
	if n, err := store.Tidy(t.Context(), time.Now().Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("Tidy after the TTL: removed %d, %v; want 1", n, err)
	}
	wantEmpty(t, srv, bucket)
}

// Part files a killed process left are removed by Tidy once old, others
// stay.
func TestTidyRemovesStaleParts(t *testing.T) {
	stores, _, bucket := s3Stores(t, 1)
	dir := t.TempDir()
	store, err := s3.NewStore(t.Context(), s3.Config{Bucket: bucket, Client: stores[0].Client(), PartDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tusd-s3-tmp-123", "tusd-s3-concat-tmp-456", "other-file"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("part"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := store.Tidy(t.Context(), time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("Tidy of fresh parts: %d, %v", n, err)
	}
	if n, err := store.Tidy(t.Context(), time.Now().Add(time.Minute)); err != nil || n != 2 {
		t.Fatalf("Tidy of stale parts: removed %d, %v; want 2", n, err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 || left[0].Name() != "other-file" {
		t.Errorf("left %v", left)
	}
}
