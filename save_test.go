package sticky

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// vaultFiles lists the regular files under dir, as paths relative to it.
func vaultFiles(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	})
	return found
}

// newVault returns a DirVault in a new directory, and the directory.
func newVault(t *testing.T) (Vault, string) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return DirVault(root), dir
}

// failingVault is a Vault whose writes fail after a number of bytes.
type failingVault struct {
	Vault
	after int
}

func (v failingVault) Create(ctx context.Context, key, name, contentType string) (VaultWriter, error) {
	w, err := v.Vault.Create(ctx, key, name, contentType)
	return &failingWriter{w, v.after}, err
}

type failingWriter struct {
	VaultWriter
	left int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		return 0, errors.New("disk full")
	}
	w.left -= len(p)
	return w.VaultWriter.Write(p)
}

// upperCopy derives "upper.txt" from a file: its bytes in upper case.
var upperCopy = ProcessorFunc(func(ctx context.Context, f *File) (map[string]any, error) {
	return Derive(deriverFunc(func(open func() (io.ReadCloser, error), create func(name, contentType string) (io.WriteCloser, error)) error {
		rc, err := open()
		if err != nil {
			return err
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		w, err := create("upper.txt", "text/plain")
		if err != nil {
			return err
		}
		w.Write(bytes.ToUpper(b))
		return w.Close()
	})).Process(ctx, f)
})

type deriverFunc func(open func() (io.ReadCloser, error), create func(name, contentType string) (io.WriteCloser, error)) error

func (d deriverFunc) Derive(ctx context.Context, open func() (io.ReadCloser, error), create func(name, contentType string) (io.WriteCloser, error)) (map[string]any, error) {
	return nil, d(open, create)
}

func TestSave(t *testing.T) {
	ctx := t.Context()
	up, dir := newTestUploader(t, Config{Processors: []Processor{upperCopy}})
	v, vdir := newVault(t)
	data := bytes.Repeat([]byte("save me "), 10_000)
	f := keptFile(t, up, "a.txt", data)

	// A failed save keeps the upload, and leaves nothing in the vault.
	if _, err := (&Permanent{Vault: failingVault{v, 1000}}).Save(ctx, f, nil); err == nil {
		t.Fatal("Save to a failing vault succeeded")
	}
	assertUploads(t, dir, 3) // the file, its derived file, its receipt
	if left := vaultFiles(t, vdir); len(left) != 0 {
		t.Errorf("a failed save left %q", left)
	}

	p := &Permanent{Vault: v, Pattern: "docs/{key}{ext}"}
	key, err := p.Save(ctx, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	derivedKey := DerivedKey(key, "upper.txt")
	for k, want := range map[string][]byte{key: data, derivedKey: bytes.ToUpper(data)} {
		got, err := os.ReadFile(filepath.Join(vdir, k))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v", k, len(got), err)
		}
		if st, _ := os.Stat(filepath.Join(vdir, k)); st == nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", k, st.Mode())
		}
	}
	if got := vaultFiles(t, vdir); len(got) != 2 {
		t.Errorf("the vault holds %q, want the file and its derived file", got)
	}
	assertStoreEmpty(t, dir) // the upload, its derived file, receipt and claim
	if _, err := up.fromRef(ctx, f.Ref, "alice", "file", 0); !errors.Is(err, ErrGone) {
		t.Errorf("after Save the reference gives %v, want ErrGone", err)
	}
	if _, err := f.Open(ctx); !errors.Is(err, ErrGone) {
		t.Errorf("Open after Save: %v, want ErrGone", err)
	}

	// Saving again: the upload is gone, and the words say so.
	_, err = p.Save(ctx, f, nil)
	if !errors.Is(err, ErrGone) || !strings.Contains(err.Error(), "no longer available") {
		t.Errorf("second Save: %v, want ErrGone", err)
	}
	if got := vaultFiles(t, vdir); len(got) != 2 {
		t.Errorf("a second save left %q", got)
	}

	// Deleting removes the file; its derived file goes by its own key.
	if err := p.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Open(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open after Delete: %v", err)
	}
	if err := p.Delete(ctx, key); err != nil {
		t.Errorf("second Delete: %v", err)
	}
}

func TestSaveRefusals(t *testing.T) {
	ctx := t.Context()
	up, _ := newTestUploader(t, Config{Processors: []Processor{upperCopy}})
	v, vdir := newVault(t)
	p := &Permanent{Vault: v}

	gone := keptFile(t, up, "gone.txt", []byte("x"))
	gone.Discard(ctx)
	if _, err := p.Save(ctx, gone, nil); !errors.Is(err, ErrGone) {
		t.Errorf("Save of a discarded upload: %v, want ErrGone", err)
	}
	f := keptFile(t, up, "a.txt", []byte("abc"))
	derived, err := f.Derived(ctx)
	if err != nil || len(derived) != 1 {
		t.Fatal(derived, err)
	}
	if _, err := p.Save(ctx, derived[0], nil); err == nil {
		t.Error("a derived file was saved alone")
	}
	if _, err := (&Permanent{}).Save(ctx, f, nil); err == nil {
		t.Error("Save with no Vault succeeded")
	}
	if _, err := (&Permanent{Vault: v, Pattern: "{name}"}).Save(ctx, f, nil); err == nil {
		t.Error("Save with a pattern without {key} succeeded")
	}
	if left := vaultFiles(t, vdir); len(left) != 0 {
		t.Errorf("left in the vault: %q", left)
	}
	if _, err := p.Save(ctx, f, nil); err != nil {
		t.Errorf("the file after refusals: %v", err)
	}
}

// saveRace saves the files concurrently, one goroutine each, and returns
// the keys saved and the errors.
func saveRace(p *Permanent, files []*File) (keys []string, errs []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, f := range files {
		wg.Go(func() {
			<-start
			key, err := p.Save(context.Background(), f, nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else {
				keys = append(keys, key)
			}
		})
	}
	close(start)
	wg.Wait()
	return keys, errs
}

// The same file posted several times at once is saved once, whether the
// posts share a File, each read the reference, or went to servers sharing
// the temporary store; and whether or not the store can claim.
func TestSaveRace(t *testing.T) {
	const rounds, racers = 20, 8
	disk := func(t *testing.T) Config { return Config{Store: diskAt(t, filepath.Join(t.TempDir(), "store"))} }
	for _, tt := range []struct {
		name    string
		config  func(t *testing.T) Config
		servers int // Uploaders over one store, as processes would be
		sameRef bool
	}{
		{"one File", disk, 1, false},
		{"one reference", disk, 1, true},
		{"several servers", disk, 4, true},
		{"store without claims", func(t *testing.T) Config {
			s, err := NewDiskStore(filepath.Join(t.TempDir(), "store"))
			if err != nil {
				t.Fatal(err)
			}
			return Config{Store: noClaims{s}}
		}, 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.config(t)
			c.Processors = []Processor{upperCopy}
			var ups []*Uploader
			for range tt.servers {
				up, _ := newTestUploader(t, c)
				ups = append(ups, up)
			}
			v, vdir := newVault(t)
			p := &Permanent{Vault: v}
			saved := 0
			for round := range rounds {
				data := fmt.Appendf(nil, "round %d\n", round)
				f := keptFile(t, ups[0], "a.txt", data)
				files := make([]*File, racers)
				for i := range files {
					files[i] = f
					if tt.sameRef {
						g, err := ups[i%len(ups)].fromRef(t.Context(), f.Ref, "alice", "file", 0)
						if err != nil {
							t.Fatal(err)
						}
						files[i] = g
					}
				}
				keys, errs := saveRace(p, files)
				if len(keys) != 1 {
					t.Fatalf("round %d: %d saves succeeded (%v), want 1", round, len(keys), errs)
				}
				for _, err := range errs {
					if !errors.Is(err, ErrGone) {
						t.Errorf("round %d: a losing save: %v, want ErrGone", round, err)
					}
				}
				saved++
				if got := vaultFiles(t, vdir); len(got) != 2*saved {
					t.Fatalf("round %d: the vault holds %d files, want %d", round, len(got), 2*saved)
				}
			}
			t.Logf("%d rounds of %d racers: %d saved, one a round", rounds, racers, saved)
		})
	}
}

// noClaims hides the disk store's Claim.
type noClaims struct{ *DiskStore }

func (s noClaims) AsTerminatableUpload(up handler.Upload) handler.TerminatableUpload {
	return s.DiskStore.AsTerminatableUpload(up)
}

func TestRecover(t *testing.T) {
	ctx := t.Context()
	v, vdir := newVault(t)
	p := &Permanent{Vault: v, SaveTimeout: time.Minute}
	write := func(key string, commit bool) {
		w, err := v.Create(ctx, key, "", "")
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("data"))
		if commit {
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
	old := time.Now().Add(-3 * time.Minute)
	// A save cut while copying: a committed file, a part file.
	cut, err := p.beginSave(ctx, old, []string{"a/1.pdf", "a/1-thumb.jpg"})
	if err != nil {
		t.Fatal(err)
	}
	write("a/1.pdf", true)
	write("a/1-thumb.jpg", false)
	// A save cut while writing its journal.
	write(fmt.Sprintf("%s/%016x-%s", journalDir, old.UnixNano(), "0123456789abcdef"), false)
	// A save still running.
	running, err := p.beginSave(ctx, time.Now(), []string{"b/2.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	write("b/2.pdf", true)
	// A saved file, and something else in the journals' folder.
	write("c/3.pdf", true)
	write(journalDir+"/README", true)

	removed, err := p.Recover(ctx)
	if err != nil || removed != 2 {
		t.Errorf("Recover: %d, %v; want 2 saves undone", removed, err)
	}
	want := []string{journalDir + "/README", running, "b/2.pdf", "c/3.pdf"}
	if got := vaultFiles(t, vdir); !equalSets(got, want) {
		t.Errorf("after Recover the vault holds %q, want %q", got, want)
	}
	if _, err := v.Open(ctx, cut); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the cut save's journal: %v", err)
	}
	if removed, err := p.Recover(ctx); removed != 0 || err != nil {
		t.Errorf("Recover again: %d, %v", removed, err)
	}
}

// With Recorded, a program killed between Save and recording the key
// leaves nothing behind: Recover asks, keeps the files of keys recorded
// and removes the others.
func TestRecorded(t *testing.T) {
	ctx := t.Context()
	up, _ := newTestUploader(t, Config{})
	v, vdir := newVault(t)
	var mu sync.Mutex
	recorded := map[string]bool{}
	ask := func(ctx context.Context, key string) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return recorded[key], nil
	}
	p := &Permanent{Vault: v, Recorded: ask}
	kept, err := p.Save(ctx, keptFile(t, up, "kept.txt", []byte("kept")), nil)
	if err != nil {
		t.Fatal(err)
	}
	recorded[kept] = true
	lost, err := p.Save(ctx, keptFile(t, up, "lost.txt", []byte("lost")), nil) // the program died here
	if err != nil {
		t.Fatal(err)
	}
	if n := len(vaultFiles(t, vdir)); n != 4 {
		t.Fatalf("after two saves with Recorded the vault holds %q, want 2 files and 2 journals", vaultFiles(t, vdir))
	}
	// Within twice SaveTimeout nothing is touched.
	if removed, err := p.Recover(ctx); removed != 0 || err != nil || len(vaultFiles(t, vdir)) != 4 {
		t.Errorf("Recover of recent saves: %d, %v, left %q", removed, err, vaultFiles(t, vdir))
	}
	later := &Permanent{Vault: v, Recorded: ask, SaveTimeout: time.Nanosecond}
	removed, err := later.Recover(ctx)
	if removed != 1 || err != nil {
		t.Errorf("Recover: %d, %v; want 1 save undone", removed, err)
	}
	if got := vaultFiles(t, vdir); !equalSets(got, []string{kept}) {
		t.Errorf("after Recover the vault holds %q, want %q (and not %q)", got, kept, lost)
	}

	// An error from Recorded keeps the journal for the next Recover.
	third, err := p.Save(ctx, keptFile(t, up, "third.txt", []byte("third")), nil)
	if err != nil {
		t.Fatal(err)
	}
	failing := &Permanent{Vault: v, SaveTimeout: time.Nanosecond, Recorded: func(context.Context, string) (bool, error) {
		return false, errors.New("database down")
	}}
	if _, err := failing.Recover(ctx); err == nil || !strings.Contains(err.Error(), "database down") {
		t.Errorf("Recover with Recorded failing: %v", err)
	}
	if n := len(vaultFiles(t, vdir)); n != 3 {
		t.Errorf("after a failed Recover the vault holds %q, want 2 files and a journal", vaultFiles(t, vdir))
	}
	recorded[third] = true
	if removed, err := later.Recover(ctx); removed != 0 || err != nil {
		t.Errorf("Recover again: %d, %v", removed, err)
	}
	if got := vaultFiles(t, vdir); !equalSets(got, []string{kept, third}) {
		t.Errorf("in the end the vault holds %q, want %q and %q", got, kept, third)
	}
}

func equalSets(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		if seen[s]--; seen[s] < 0 {
			return false
		}
	}
	return true
}

// A save slower than SaveTimeout gives up, so that Recover never undoes
// a save that goes on; the file stays kept.
func TestSaveTimeout(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	v, vdir := newVault(t)
	f := keptFile(t, up, "a.txt", []byte("slow"))
	p := &Permanent{Vault: slowVault{v}, SaveTimeout: 10 * time.Millisecond}
	if _, err := p.Save(t.Context(), f, nil); err == nil || !strings.Contains(err.Error(), "SaveTimeout") {
		t.Fatalf("a slow save: %v", err)
	}
	if left := vaultFiles(t, vdir); len(left) != 0 {
		t.Errorf("left in the vault: %q", left)
	}
	assertUploads(t, dir, 1)
	if _, err := (&Permanent{Vault: v}).Save(t.Context(), f, nil); err != nil {
		t.Errorf("saving again: %v", err)
	}
}

type slowVault struct{ Vault }

func (v slowVault) Create(ctx context.Context, key, name, contentType string) (VaultWriter, error) {
	time.Sleep(20 * time.Millisecond)
	return v.Vault.Create(ctx, key, name, contentType)
}

// A claim its process never released goes with the sweep.
func TestClaimSwept(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	f := keptFile(t, up, "a.txt", []byte("claimed"))
	d := up.store.(*DiskStore)
	if _, err := d.Claim(t.Context(), f.id); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Claim(t.Context(), f.id); !errors.Is(err, ErrClaimed) {
		t.Errorf("a second claim: %v, want ErrClaimed", err)
	}
	if _, err := (&Permanent{Vault: slowVault{}}).Save(t.Context(), f, nil); !errors.Is(err, ErrGone) || !strings.Contains(err.Error(), "already been saved") {
		t.Errorf("saving a claimed file: %v", err)
	}
	if _, err := up.sweepBefore(t.Context(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	assertStoreEmpty(t, dir)
}
