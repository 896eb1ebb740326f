package savecrash_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/savecrash/shared"
)

// saverBinary builds ./saver into a temporary directory, without the race
// detector even when the tests have it: the saves it is killed in are the
// same, ten times faster, and the save's code runs under -race in the
// root package's own tests.
func saverBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "saver")
	if out, err := exec.Command("go", "build", "-o", bin, "./saver").CombinedOutput(); err != nil {
		t.Fatalf("go build ./saver: %v\n%s", err, out)
	}
	return bin
}

// keep uploads data into the store in dir and returns its reference.
func keep(t *testing.T, dir string, data []byte) string {
	t.Helper()
	up, err := sticky.New(shared.Config(dir))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("field", "file")
	fw, _ := mw.CreateFormFile("upload", "big.bin")
	fw.Write(data)
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/uploads/", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("X-User", shared.User)
	w := httptest.NewRecorder()
	up.ServeHTTP(w, r)
	var rep struct{ Stored string }
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil || rep.Stored == "" {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	return rep.Stored
}

// save runs the saver, killing it delay after it says it is saving (never
// when delay is negative), and returns the key it reported, if any.
func save(t *testing.T, bin, store, vault, ref string, delay time.Duration) (key string, took time.Duration) {
	t.Helper()
	cmd := exec.Command(bin, "-store", store, "-vault", vault, "-ref", ref)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "saving" {
		cmd.Wait()
		t.Fatalf("the saver did not start saving: %s", stderr.String())
	}
	start := time.Now()
	if delay >= 0 {
		time.AfterFunc(delay, func() { cmd.Process.Kill() })
	}
	for lines.Scan() {
		if k, ok := strings.CutPrefix(lines.Text(), "saved "); ok {
			key, took = k, time.Since(start)
		}
	}
	err := cmd.Wait()
	if delay < 0 && err != nil {
		t.Fatalf("the saver: %v: %s", err, stderr.String())
	}
	return key, took
}

// vaultFiles lists the regular files under dir, relative to it.
func vaultFiles(dir string) map[string][]byte {
	files := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			files[filepath.ToSlash(rel)], _ = os.ReadFile(p)
		}
		return nil
	})
	return files
}

// A saver killed at any moment leaves, once Recover has run, either
// nothing in the vault or the whole set it saved, and no part file.
func TestKilledWhileSaving(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a process 20 times")
	}
	const rounds = 20
	bin := saverBinary(t)
	data := make([]byte, 12<<20)
	rand.NewChaCha8([32]byte{7}).Read(data)
	want := func(files map[string][]byte) (key string, ok bool) {
		for k, b := range files {
			if bytes.Equal(b, data) {
				key = k
			}
		}
		if key == "" || len(files) != 2 || !bytes.Equal(files[sticky.DerivedKey(key, shared.DerivedName)], data[:len(data)/2]) {
			return "", false
		}
		return key, true
	}

	// An uncut save, to learn how long one takes here.
	store, vault := t.TempDir(), t.TempDir()
	key, took := save(t, bin, store, vault, keep(t, store, data), -1)
	if got, ok := want(vaultFiles(vault)); !ok || got != key {
		t.Fatalf("an uncut save: key %q, vault %v", key, len(vaultFiles(vault)))
	}
	t.Logf("an uncut save of %d MiB and its derived file took %v", len(data)>>20, took)

	outcomes := map[string]int{}
	for round := range rounds {
		store, vault := t.TempDir(), t.TempDir()
		ref := keep(t, store, data)
		delay := time.Duration(rand.Int64N(int64(took*3/2) + 1))
		key, _ := save(t, bin, store, vault, ref, delay)
		before := len(vaultFiles(vault))

		root, err := os.OpenRoot(vault)
		if err != nil {
			t.Fatal(err)
		}
		p := &sticky.Permanent{Vault: sticky.DirVault(root), SaveTimeout: time.Nanosecond} // the saver is dead
		undone, err := p.Recover(t.Context())
		root.Close()
		if err != nil {
			t.Fatalf("round %d: Recover: %v", round, err)
		}
		files := vaultFiles(vault)
		got, complete := want(files)
		switch {
		case len(files) == 0 && key == "":
			if before > 0 {
				outcomes["cut, undone by Recover"]++
			} else {
				outcomes["cut before writing"]++
			}
		case complete && got == key:
			outcomes["saved, key reported"]++
		case complete && key == "":
			outcomes["saved, killed before reporting"]++
		default:
			names := []string{}
			for k := range files {
				names = append(names, k)
			}
			t.Errorf("round %d (killed after %v): key %q, Recover undid %d, vault holds %q", round, delay, key, undone, names)
		}
		if undone > 0 && len(files) != 0 {
			t.Errorf("round %d: Recover undid %d saves but left %d files", round, undone, len(files))
		}
	}
	t.Logf("%d rounds killed at random within 1.5× an uncut save: %v", rounds, outcomes)
}
