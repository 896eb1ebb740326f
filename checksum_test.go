package sticky

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stickyuploads/sticky/internal/tusclient"
	"github.com/tus/tusd/v2/pkg/handler"
)

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// kept reads f back from its reference, as a form post does.
func kept(t testing.TB, u *Uploader, owner string, f *File) *File {
	t.Helper()
	got, err := u.fromRef(t.Context(), f.Ref, owner, f.Field, 0)
	if err != nil {
		t.Fatalf("reading %s back from its reference: %v", f.Name, err)
	}
	return got
}

// corruptingStore flips one byte of every upload it reads while corrupt
// is set: the temporary store going bad under a kept file.
type corruptingStore struct {
	handler.DataStore
	corrupt *atomic.Bool
}

func (s corruptingStore) AsTerminatableUpload(up handler.Upload) handler.TerminatableUpload {
	return s.DataStore.(handler.TerminaterDataStore).AsTerminatableUpload(up.(corruptingUpload).Upload)
}

func (s corruptingStore) AsLengthDeclarableUpload(up handler.Upload) handler.LengthDeclarableUpload {
	return s.DataStore.(handler.LengthDeferrerDataStore).AsLengthDeclarableUpload(up.(corruptingUpload).Upload)
}

func (s corruptingStore) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	up, err := s.DataStore.NewUpload(ctx, info)
	return corruptingUpload{up, s.corrupt}, err
}

func (s corruptingStore) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	up, err := s.DataStore.GetUpload(ctx, id)
	return corruptingUpload{up, s.corrupt}, err
}

type corruptingUpload struct {
	handler.Upload
	corrupt *atomic.Bool
}

func (u corruptingUpload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	rc, err := u.Upload.GetReader(ctx)
	if err != nil || !u.corrupt.Load() {
		return rc, err
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if len(b) > 100 {
		b[100] ^= 0x20
	}
	return io.NopCloser(bytes.NewReader(b)), err
}

// A save checks the bytes it copies against the checksum they had when
// they came in: when the temporary store gives back other bytes, of the
// file or of a derived file, nothing is saved and the file stays kept.
// So on both of put's paths: the checksum kept in the .info (disk), or in
// the receipt (any other store).
func TestSaveChecksFiles(t *testing.T) {
	for _, lean := range []bool{true, false} {
		t.Run(map[bool]string{true: "in the metadata", false: "in the receipt"}[lean], func(t *testing.T) {
			ctx := t.Context()
			var corrupt atomic.Bool
			disk := diskAt(t, t.TempDir())
			var store handler.DataStore = disk
			if !lean {
				store = corruptingStore{disk, &corrupt}
			}
			up, dir := newTestUploader(t, Config{Store: store, Processors: []Processor{upperCopy}})
			data := bytes.Repeat([]byte("check me "), 1000)
			rep := mustUpload(t, up, "alice", "file", "a.txt", data)
			if rep.SHA256 != sha256Hex(data) {
				t.Errorf("the reply's sha256 is %q, want %q", rep.SHA256, sha256Hex(data))
			}
			f, err := up.fromRef(ctx, rep.Stored, "alice", "file", 0)
			if err != nil {
				t.Fatal(err)
			}
			derived, err := f.Derived(ctx)
			if err != nil || len(derived) != 1 || derived[0].SHA256 != sha256Hex(bytes.ToUpper(data)) {
				t.Fatalf("derived %+v, %v: want upper.txt with its checksum", derived, err)
			}
			if lean {
				// Corrupt the bytes on disk, as a failing disk would.
				p := filepath.Join(dir, f.id)
				b, _ := os.ReadFile(p)
				b[100] ^= 0x20
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
			} else {
				corrupt.Store(true)
			}
			v, vdir := newVault(t)
			_, err = (&Permanent{Vault: v}).Save(ctx, f, nil)
			if !errors.Is(err, ErrCorrupted) {
				t.Fatalf("Save of corrupted bytes: %v, want ErrCorrupted", err)
			}
			if left := vaultFiles(t, vdir); len(left) != 0 {
				t.Errorf("a corrupted save left %q in the vault", left)
			}
			corrupt.Store(false) // the receipt reads right again
			if _, err := up.fromRef(ctx, rep.Stored, "alice", "file", 0); err != nil {
				t.Errorf("after a corrupted save the file is not kept: %v", err)
			}
			if lean {
				return
			}
			key, err := (&Permanent{Vault: v}).Save(ctx, f, nil)
			if err != nil {
				t.Fatalf("Save once the store reads right: %v", err)
			}
			if got, _ := os.ReadFile(filepath.Join(vdir, key)); !bytes.Equal(got, data) {
				t.Errorf("saved %d bytes, want the %d uploaded", len(got), len(data))
			}
		})
	}
}

// tusPatch sends data at offset to the upload at u with the Upload-Checksum
// header checksum ("" for none).
func tusPatch(t *testing.T, c *tusclient.Client, u string, offset int, data []byte, checksum string) *tusclient.Response {
	t.Helper()
	h := http.Header{}
	if checksum != "" {
		h.Set("Upload-Checksum", checksum)
	}
	saved := c.Header
	c.Header = saved.Clone()
	for k, v := range h {
		c.Header[k] = v
	}
	defer func() { c.Header = saved }()
	res, err := c.Patch(t.Context(), u, int64(offset), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// hashStates lists the running checksums kept in dir.
func hashStates(t *testing.T, dir string) []string {
	var found []string
	for _, f := range storeFiles(t, dir) {
		if name := filepath.Base(f); strings.Contains(name, ".sha256-") && !strings.HasSuffix(name, ".info") {
			found = append(found, name[strings.Index(name, ".sha256-")+1:])
		}
	}
	return found
}

// spools lists the chunks being checked in dir.
func spools(t *testing.T, dir string) []string {
	var found []string
	for _, f := range storeFiles(t, dir) {
		if strings.HasPrefix(filepath.Base(f), "spool_") {
			found = append(found, f)
		}
	}
	return found
}

// tus's checksum extension: a chunk that does not match its checksum is
// refused with 460 and nothing of it is stored; an unknown algorithm or a
// malformed digest is refused with 400; sha1 and sha256 are taken. The
// file's own SHA-256 runs across the chunks, whichever were checked.
func TestTusChecksum(t *testing.T) {
	up, dir, c := tusServer(t, Config{})
	ctx := t.Context()
	data := textBytes(120 << 10)
	u, res, err := c.Create(ctx, int64(len(data)), map[string]string{"field": "doc", "filename": "a.txt"}, nil)
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create: %v %v", res, err)
	}
	first, second, last := data[:40<<10], data[40<<10:80<<10], data[80<<10:]
	damaged := bytes.Clone(first)
	damaged[7] ^= 1
	for _, tt := range []struct {
		name     string
		checksum string
		status   int
	}{
		{"unknown algorithm", "md5 " + base64.StdEncoding.EncodeToString(make([]byte, 16)), 400},
		{"not base64", "sha256 !!!", 400},
		{"a digest of the wrong length", "sha256 " + base64.StdEncoding.EncodeToString(make([]byte, 20)), 400},
		{"no digest", "sha256", 400},
		{"damaged on the way", tusclient.UploadChecksum("sha256", first), 460},
		{"damaged, sha1", tusclient.UploadChecksum("sha1", first), 460},
	} {
		res := tusPatch(t, c, u, 0, damaged, tt.checksum)
		if res.Status != tt.status || res.Header.Get("Tus-Resumable") != "1.0.0" {
			t.Errorf("%s: %v, want %d", tt.name, res, tt.status)
			continue
		}
		checkFailureJSON(t, []byte(res.Body))
		if n, _, _ := c.Offset(ctx, u); n != 0 {
			t.Errorf("%s: the offset is %d after a refused chunk, want 0", tt.name, n)
		}
	}
	if left := spools(t, dir); len(left) != 0 {
		t.Errorf("refused chunks left %q", left)
	}
	if res := tusPatch(t, c, u, 0, first, tusclient.UploadChecksum("sha1", first)); res.Status != http.StatusNoContent {
		t.Fatalf("the first chunk, sha1: %v", res)
	}
	if got, want := hashStates(t, dir), []string{"sha256-40960"}; !slices.Equal(got, want) {
		t.Errorf("running checksums kept: %q, want %q", got, want)
	}
	if res := tusPatch(t, c, u, 40<<10, second, tusclient.UploadChecksum("sha256", second)); res.Status != http.StatusNoContent {
		t.Fatalf("the second chunk, sha256: %v", res)
	}
	if got, want := hashStates(t, dir), []string{"sha256-81920"}; !slices.Equal(got, want) {
		t.Errorf("running checksums kept: %q, want %q", got, want)
	}
	res = tusPatch(t, c, u, 80<<10, last, "") // the extension is the client's choice
	if res.Status != http.StatusNoContent {
		t.Fatalf("the last chunk: %v", res)
	}
	if got := stickyReply(t, res)["sha256"]; got != sha256Hex(data) {
		t.Errorf("Sticky-Reply's sha256 is %v, want %s", got, sha256Hex(data))
	}
	if left := hashStates(t, dir); len(left) != 0 {
		t.Errorf("a complete upload left its running checksums %q", left)
	}
	if left := spools(t, dir); len(left) != 0 {
		t.Errorf("checked chunks left %q", left)
	}
	f, err := up.fromRef(ctx, res.Header.Get(RefHeader), "alice", "doc", 0)
	if err != nil || f.SHA256 != sha256Hex(data) {
		t.Errorf("the file read back from its reference: %+v %v, want its SHA256", f, err)
	}
	if _, head, _ := c.Offset(ctx, u); head == nil || !strings.Contains(head.Header.Get(ReplyHeader), sha256Hex(data)) {
		t.Errorf("HEAD of the complete upload repeats no sha256: %v", head)
	}
}

// A creation whose first bytes do not match their checksum stores nothing:
// its client never learns the upload's URL.
func TestTusChecksumOnCreation(t *testing.T) {
	_, dir, c := tusServer(t, Config{})
	data := textBytes(10 << 10)
	damaged := bytes.Clone(data)
	damaged[0] ^= 1
	c.Header.Set("Upload-Checksum", tusclient.UploadChecksum("sha256", data))
	u, res, err := c.Create(t.Context(), int64(len(data)), map[string]string{"field": "doc", "filename": "a.txt"}, bytes.NewReader(damaged))
	if err != nil || res.Status != StatusChecksumMismatch || u != "" {
		t.Fatalf("creation with damaged bytes: %v %v %q, want 460 and no upload", res, err, u)
	}
	checkFailureJSON(t, []byte(res.Body))
	assertStoreEmpty(t, dir)

	c.Header.Del("Upload-Checksum")
	c.Checksum = "sha256"
	u, res, err = c.Create(t.Context(), int64(len(data)), map[string]string{"field": "doc", "filename": "a.txt"}, bytes.NewReader(data))
	if err != nil || res.Status != http.StatusCreated || stickyReply(t, res)["sha256"] != sha256Hex(data) {
		t.Fatalf("creation with its checksum: %v %v %q", res, err, u)
	}
}

// The running checksum survives a lost state: the stored bytes are read
// back when the upload completes.
func TestTusChecksumStateLost(t *testing.T) {
	_, dir, c := tusServer(t, Config{})
	ctx := t.Context()
	data := textBytes(90 << 10)
	u, res, err := c.Create(ctx, int64(len(data)), map[string]string{"field": "doc", "filename": "a.txt"}, nil)
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create: %v %v", res, err)
	}
	if res := tusPatch(t, c, u, 0, data[:30<<10], ""); res.Status != http.StatusNoContent {
		t.Fatalf("first chunk: %v", res)
	}
	for _, f := range storeFiles(t, dir) {
		if strings.Contains(f, ".sha256-") {
			os.Remove(f)
		}
	}
	res, err = c.Send(ctx, u, data, 30<<10)
	if err != nil || res.Status != http.StatusNoContent {
		t.Fatalf("the rest: %v %v", res, err)
	}
	if got := stickyReply(t, res)["sha256"]; got != sha256Hex(data) {
		t.Errorf("sha256 %v, want %s", got, sha256Hex(data))
	}
	if left := hashStates(t, dir); len(left) != 0 {
		t.Errorf("running checksums left %q", left)
	}
}

// Fine Uploader's chunks run the same checksum, which its success repeats.
func TestFineChecksum(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	data := fineBytes(5_000)
	var res fineResult
	for part := range 3 {
		params, chunk := chunkOf(fineUUID, "file", "c.bin", data, 2_000, part)
		res = finePost(t, up, "alice", params, "blob", chunk)
	}
	if res.status != 200 || res.reply.SHA256 != sha256Hex(data) {
		t.Fatalf("the last chunk: %d %s, want sha256 %s", res.status, res.raw, sha256Hex(data))
	}
	if left := hashStates(t, dir); len(left) != 0 {
		t.Errorf("running checksums left %q", left)
	}
	f, err := fineKept(t, up, "alice", "file", res.reply.Stored)
	if err != nil || f.SHA256 != sha256Hex(data) {
		t.Errorf("kept: %+v %v", f, err)
	}
}

// flipRelay is a reverse proxy to target that flips one byte of the body
// of the first PATCH it relays, as a bad link would, and notes the status
// of every PATCH it relays back.
func flipRelay(t *testing.T, target string) (url string, statuses func() []int) {
	t.Helper()
	to, err := neturl.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []int
	flipped := false
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(to)
			r.Out.Host = r.In.Host
			mu.Lock()
			defer mu.Unlock()
			if r.In.Method == http.MethodPatch && !flipped {
				flipped = true
				r.Out.Body = &flipReader{r: r.Out.Body, at: 1000}
			}
		},
		ModifyResponse: func(res *http.Response) error {
			if res.Request.Method == http.MethodPatch {
				mu.Lock()
				seen = append(seen, res.StatusCode)
				mu.Unlock()
			}
			return nil
		},
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL, func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// flipReader flips the byte at offset at of what it reads.
type flipReader struct {
	r    io.ReadCloser
	at   int64
	read int64
}

func (f *flipReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if i := f.at - f.read; i >= 0 && i < int64(n) {
		p[i] ^= 0x01
	}
	f.read += int64(n)
	return n, err
}

func (f *flipReader) Close() error { return f.r.Close() }

// Through a relay that damages the first chunk: the server refuses it
// with 460, the client sends it again, and the file saved is the file sent.
func TestTusChecksumRelay(t *testing.T) {
	up, _ := newTestUploader(t, Config{})
	mux := http.NewServeMux()
	mux.Handle(up.path, up)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	relay, statuses := flipRelay(t, srv.URL)
	c := tusUser(relay+up.TusURL(), "alice")
	c.Checksum = "sha256"
	ctx := t.Context()
	data := textBytes(200 << 10)
	u, res, err := c.Create(ctx, int64(len(data)), map[string]string{"field": "doc", "filename": "a.txt"}, nil)
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create: %v %v", res, err)
	}
	res, err = c.Send(ctx, u, data, 64<<10)
	if err != nil || res.Status != http.StatusNoContent {
		t.Fatalf("send: %v %v", res, err)
	}
	if got, want := statuses(), []int{460, 204, 204, 204, 204}; !slices.Equal(got, want) {
		t.Errorf("the PATCHes were answered %v, want %v", got, want)
	}
	if got := stickyReply(t, res)["sha256"]; got != sha256Hex(data) {
		t.Errorf("sha256 %v, want %s", got, sha256Hex(data))
	}
	f, err := up.fromRef(ctx, res.Header.Get(RefHeader), "alice", "doc", 0)
	if err != nil {
		t.Fatal(err)
	}
	v, vdir := newVault(t)
	key, err := (&Permanent{Vault: v}).Save(ctx, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(vdir, key)); !bytes.Equal(got, data) {
		t.Errorf("saved %d bytes that differ from the %d sent", len(got), len(data))
	}
}
