package sticky

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/tusclient"
)

// tusServer serves an Uploader made from c over HTTP, and returns it, its
// store's directory and a tus client for alice.
func tusServer(t *testing.T, c Config) (*Uploader, string, *tusclient.Client) {
	t.Helper()
	up, dir := newTestUploader(t, c)
	mux := http.NewServeMux()
	mux.Handle(up.path, up)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return up, dir, tusUser(srv.URL+up.TusURL(), "alice")
}

func tusUser(endpoint, user string) *tusclient.Client {
	c := &tusclient.Client{Endpoint: endpoint, Header: http.Header{}}
	if user != "" {
		c.Header.Set("X-User", user)
	}
	return c
}

// textBytes returns n bytes of plain text.
func textBytes(n int) []byte {
	return bytes.Repeat([]byte("sticky resumable text\n"), n/22+1)[:n]
}

// stickyReply decodes the Sticky-Reply header, which must be ASCII.
func stickyReply(t testing.TB, res *tusclient.Response) map[string]any {
	t.Helper()
	h := res.Header.Get(ReplyHeader)
	for _, c := range []byte(h) {
		if c < 0x20 || c > 0x7e {
			t.Fatalf("Sticky-Reply %q has a byte %#x out of printable ASCII", h, c)
		}
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(h), &m); err != nil {
		t.Fatalf("Sticky-Reply %q: %v", h, err)
	}
	return m
}

// formFile reads the sticky field field of a form that posts ref, as user.
func formFile(t *testing.T, up *Uploader, user, field, ref string) (*File, error) {
	t.Helper()
	form, _, err := readMultipart(t, up, user, mpField(keptName(field), ref))
	if err != nil {
		t.Fatal(err)
	}
	return form.File(field)
}

func TestTusRoundTrip(t *testing.T) {
	up, dir, c := tusServer(t, Config{TTL: time.Hour})
	ctx := t.Context()

	res, err := c.Options(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusOK || res.Header.Get("Tus-Version") != "1.0.0" ||
		res.Header.Get("Tus-Extension") != "creation,creation-with-upload,termination,checksum,expiration" ||
		res.Header.Get("Tus-Checksum-Algorithm") != "sha1,sha256" ||
		res.Header.Get("Tus-Max-Size") != strconv.Itoa(DefaultMaxSize) {
		t.Fatalf("OPTIONS: %v %v", res, res.Header)
	}

	data := textBytes(300 << 10)
	start := time.Now()
	u, res, err := c.Create(ctx, int64(len(data)), map[string]string{
		"field": "doc", "filename": "../notes\u202e.txt", "filetype": "image/png", "extra": "dropped",
	}, nil)
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create: %v %v", res, err)
	}
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, up.TusURL()) {
		t.Errorf("Location %q: want a path under %s", loc, up.TusURL())
	}
	checkExpires(t, res, start, time.Hour)
	if res.Header.Get(RefHeader) != "" {
		t.Fatal("a reference before any byte")
	}

	offset, res, err := c.Offset(ctx, u)
	if err != nil || offset != 0 {
		t.Fatalf("HEAD: %d %v %v", offset, res, err)
	}
	checkExpires(t, res, start, time.Hour)
	if meta := res.Header.Get("Upload-Metadata"); strings.Contains(meta, "extra") || strings.Contains(meta, "filetype") {
		t.Errorf("Upload-Metadata %q keeps the client's own keys", meta)
	}

	// Chunk by chunk: no reference until the last.
	for off := 0; off < len(data); off += 100 << 10 {
		res, err = c.Patch(ctx, u, int64(off), bytes.NewReader(data[off:off+100<<10]))
		if err != nil || res.Status != http.StatusNoContent {
			t.Fatalf("PATCH at %d: %v %v", off, res, err)
		}
		checkExpires(t, res, start, time.Hour)
		if last := off+100<<10 == len(data); (res.Header.Get(RefHeader) != "") != last {
			t.Fatalf("PATCH at %d: Sticky-Ref %q", off, res.Header.Get(RefHeader))
		}
	}
	ref := res.Header.Get(RefHeader)
	rep := stickyReply(t, res)
	if rep["is_valid"] != true || rep["filename"] != "notes.txt" || rep["type"] != "text/plain" ||
		rep["size"] != float64(len(data)) || rep["stored"] != ref {
		t.Errorf("Sticky-Reply %v", rep)
	}

	f, err := formFile(t, up, "alice", "doc", ref)
	if err != nil {
		t.Fatalf("Form.File with the Sticky-Ref: %v", err)
	}
	if f.Name != "notes.txt" || f.Type != "text/plain" || f.Size != int64(len(data)) || !bytes.Equal(fileBytes(t, f), data) {
		t.Errorf("File %q %q %d", f.Name, f.Type, f.Size)
	}
	if _, err := formFile(t, up, "alice", "other", ref); !errors.Is(err, ErrWrongField) {
		t.Errorf("the reference in another field: %v", err)
	}
	if _, err := formFile(t, up, "bob", "doc", ref); !errors.Is(err, ErrNotOwner) {
		t.Errorf("the reference posted by bob: %v", err)
	}

	// A client that lost the last response learns the reference again.
	for _, again := range []func() (*tusclient.Response, error){
		func() (*tusclient.Response, error) { _, res, err := c.Offset(ctx, u); return res, err },
		func() (*tusclient.Response, error) { return c.Patch(ctx, u, int64(len(data)), nil) },
	} {
		res, err := again()
		if err != nil || res.Status >= 300 {
			t.Fatalf("asking again: %v %v", res, err)
		}
		ref2 := res.Header.Get(RefHeader)
		if f, err := formFile(t, up, "alice", "doc", ref2); err != nil || f.Size != int64(len(data)) {
			t.Errorf("the reference given again: %v", err)
		}
		if rep := stickyReply(t, res); rep["filename"] != "notes.txt" || rep["stored"] != ref2 {
			t.Errorf("the reply given again: %v", rep)
		}
	}

	// Termination removes the upload and its receipt.
	if res, err := c.Delete(ctx, u); err != nil || res.Status != http.StatusNoContent {
		t.Fatalf("DELETE: %v %v", res, err)
	}
	assertStoreEmpty(t, dir)
	if _, err := formFile(t, up, "alice", "doc", ref); !errors.Is(err, ErrGone) {
		t.Errorf("after DELETE: %v", err)
	}
}

func checkExpires(t *testing.T, res *tusclient.Response, start time.Time, ttl time.Duration) {
	t.Helper()
	exp, err := http.ParseTime(res.Header.Get("Upload-Expires"))
	if err != nil {
		t.Fatalf("Upload-Expires %q: %v", res.Header.Get("Upload-Expires"), err)
	}
	if exp.Before(start.Add(ttl).Add(-time.Second)) || exp.After(time.Now().Add(ttl)) {
		t.Errorf("Upload-Expires %v, want about %v", exp, start.Add(ttl))
	}
}

// The whole file in the creation request: created and completed at once.
func TestTusCreationWithUpload(t *testing.T) {
	up, _, c := tusServer(t, Config{})
	data := pngBytes(t)
	_, res, err := c.Create(t.Context(), int64(len(data)), map[string]string{"field": "photo", "filename": "me.png"}, bytes.NewReader(data))
	if err != nil || res.Status != http.StatusCreated || res.Header.Get("Upload-Offset") != strconv.Itoa(len(data)) {
		t.Fatalf("create: %v %v %v", res, res.Header, err)
	}
	f, err := formFile(t, up, "alice", "photo", res.Header.Get(RefHeader))
	if err != nil || f.Type != "image/png" || !bytes.Equal(fileBytes(t, f), data) {
		t.Fatalf("File: %v %v", f, err)
	}
}

func TestTusRefusals(t *testing.T) {
	up, dir, alice := tusServer(t, Config{
		Accept: []string{"text/plain"},
		Fields: map[string]Rules{"small": {MaxSize: 1000}},
	})
	ctx := t.Context()
	text := textBytes(2000)
	u, res, err := alice.Create(ctx, int64(len(text)), map[string]string{"field": "doc", "filename": "a.txt"}, nil)
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create: %v %v", res, err)
	}
	nobody, bob := tusUser(alice.Endpoint, ""), tusUser(alice.Endpoint, "bob")

	tests := []struct {
		name   string
		do     func() (*tusclient.Response, error)
		status int
		msg    string
	}{
		{"no identity creates", func() (*tusclient.Response, error) {
			_, res, err := nobody.Create(ctx, 10, map[string]string{"field": "doc"}, nil)
			return res, err
		}, 403, "sign in"},
		{"no identity appends", func() (*tusclient.Response, error) { return nobody.Patch(ctx, u, 0, strings.NewReader("x")) }, 403, "sign in"},
		{"another user asks", func() (*tusclient.Response, error) { _, res, err := bob.Offset(ctx, u); return res, err }, 410, ""},
		{"another user appends", func() (*tusclient.Response, error) { return bob.Patch(ctx, u, 0, bytes.NewReader(text)) }, 410, "not known here"},
		{"another user deletes", func() (*tusclient.Response, error) { return bob.Delete(ctx, u) }, 410, "not known here"},
		{"made-up id", func() (*tusclient.Response, error) {
			return alice.Patch(ctx, alice.Endpoint+NewKey(), 0, bytes.NewReader(text))
		}, 410, "not known here"},
		{"no field", func() (*tusclient.Response, error) {
			_, res, err := alice.Create(ctx, 10, map[string]string{"filename": "a.txt"}, nil)
			return res, err
		}, 400, "which field"},
		{"too large for the field", func() (*tusclient.Response, error) {
			_, res, err := alice.Create(ctx, 1001, map[string]string{"field": "small"}, nil)
			return res, err
		}, 413, "limit is 1000 bytes"},
		{"too large", func() (*tusclient.Response, error) {
			_, res, err := alice.Create(ctx, DefaultMaxSize+1, map[string]string{"field": "doc"}, nil)
			return res, err
		}, 413, "limit is 20 MiB"},
		{"empty", func() (*tusclient.Response, error) {
			_, res, err := alice.Create(ctx, 0, map[string]string{"field": "doc"}, nil)
			return res, err
		}, 400, "empty"},
		{"deferred length", func() (*tusclient.Response, error) {
			r, _ := http.NewRequest(http.MethodPost, alice.Endpoint, nil)
			r.Header.Set("X-User", "alice")
			r.Header.Set("Tus-Resumable", "1.0.0")
			r.Header.Set("Upload-Defer-Length", "1")
			r.Header.Set("Upload-Metadata", tusclient.Metadata(map[string]string{"field": "doc"}))
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				return nil, err
			}
			res.Body.Close()
			return &tusclient.Response{Status: res.StatusCode}, nil
		}, 501, ""},
		{"download", func() (*tusclient.Response, error) {
			r, _ := http.NewRequest(http.MethodGet, u, nil)
			r.Header.Set("X-User", "alice")
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				return nil, err
			}
			res.Body.Close()
			return &tusclient.Response{Status: res.StatusCode}, nil
		}, 405, ""},
		{"more than declared", func() (*tusclient.Response, error) {
			return alice.Patch(ctx, u, 0, bytes.NewReader(append(text, 'x')))
		}, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.do()
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.status || !strings.Contains(res.Body, tt.msg) {
				t.Fatalf("got %v, want %d %q", res, tt.status, tt.msg)
			}
			if tt.msg != "" && strings.HasPrefix(res.Body, "{") {
				checkFailureJSON(t, []byte(res.Body))
			}
		})
	}
	if off, res, err := alice.Offset(ctx, u); err != nil || off != 0 || res.Status != http.StatusOK {
		t.Fatalf("the upload after the refusals: %d %v %v", off, res, err)
	}

	// Bytes of a refused type, at the first request that brings any: 415,
	// and the upload is gone.
	png := pngBytes(t)
	u2, res, err := alice.Create(ctx, int64(len(png)), map[string]string{"field": "doc", "filename": "a.txt"}, nil)
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create: %v %v", res, err)
	}
	res, err = alice.Patch(ctx, u2, 0, bytes.NewReader(png))
	if err != nil || res.Status != http.StatusUnsupportedMediaType || !strings.Contains(checkFailureJSON(t, []byte(res.Body)), "text file") {
		t.Fatalf("PATCH of a PNG: %v %v", res, err)
	}
	if _, res, _ := alice.Offset(ctx, u2); res.Status != http.StatusNotFound {
		t.Errorf("HEAD after the refusal: %v", res)
	}
	// The same, with the bytes in the creation request.
	_, res, err = alice.Create(ctx, int64(len(png)), map[string]string{"field": "doc"}, bytes.NewReader(png))
	if err != nil || res.Status != http.StatusUnsupportedMediaType {
		t.Fatalf("create with a PNG: %v %v", res, err)
	}

	// Cross-origin requests are refused, as on the one-shot endpoint.
	r := httptest.NewRequest(http.MethodPatch, u, strings.NewReader("x"))
	r.Header.Set("X-User", "alice")
	r.Header.Set("Tus-Resumable", "1.0.0")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	up.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Errorf("cross-site PATCH: %d %s", w.Code, w.Body)
	}

	if res, err := alice.Delete(ctx, u); err != nil || res.Status != http.StatusNoContent {
		t.Fatalf("DELETE: %v %v", res, err)
	}
	assertStoreEmpty(t, dir)
}

// The first bytes may come in a tiny request: the type is judged again on
// the complete upload.
func TestTusTypeJudgedAgainWhenComplete(t *testing.T) {
	_, dir, c := tusServer(t, Config{Accept: []string{"text/plain"}})
	data := append([]byte("hello, "), make([]byte, 1000)...) // text, then zeros
	u, _, err := c.Create(t.Context(), int64(len(data)), map[string]string{"field": "doc"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Patch(t.Context(), u, 0, bytes.NewReader(data[:7])); err != nil || res.Status != http.StatusNoContent {
		t.Fatalf("first PATCH: %v %v", res, err)
	}
	res, err := c.Patch(t.Context(), u, 7, bytes.NewReader(data[7:]))
	if err != nil || res.Status != http.StatusUnsupportedMediaType || res.Header.Get(RefHeader) != "" {
		t.Fatalf("last PATCH: %v %v", res, err)
	}
	assertStoreEmpty(t, dir)
}

// A reference to an upload that is not complete is no use; nor is a
// complete upload whose server stopped before it answered (no receipt).
func TestTusIncompleteNeverHandedOut(t *testing.T) {
	up, dir, c := tusServer(t, Config{})
	ctx := t.Context()
	data := textBytes(10000)
	u, _, err := c.Create(ctx, int64(len(data)), map[string]string{"field": "doc"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Patch(ctx, u, 0, bytes.NewReader(data[:4000])); err != nil || res.Status != http.StatusNoContent || res.Header.Get(RefHeader) != "" {
		t.Fatalf("PATCH: %v %v", res, err)
	}
	id := u[strings.LastIndexByte(u, '/')+1:]
	forged := up.sign.sign(id, "alice", scopeOf(up.path, "doc"), up.ttl)
	f, err := formFile(t, up, "alice", "doc", forged)
	wantFileErr(t, f, err, ErrGone)
	if !strings.Contains(err.Error(), "did not finish uploading") {
		t.Errorf("error %q", err)
	}

	res, err := c.Send(ctx, u, data, 1<<20)
	if err != nil || res.Header.Get(RefHeader) == "" {
		t.Fatalf("finishing: %v %v", res, err)
	}
	// Lose the receipt, as when the server stops while processing.
	receipts, _ := filepath.Glob(filepath.Join(dir, "*.receipt*"))
	if len(receipts) != 2 {
		t.Fatalf("receipt files %q", receipts)
	}
	for _, p := range receipts {
		os.Remove(p)
	}
	if res, _ := c.Patch(ctx, u, int64(len(data)), nil); res.Status != http.StatusGone || res.Header.Get(RefHeader) != "" || !strings.Contains(res.Body, "never completed") {
		t.Errorf("PATCH of a complete upload without its receipt: %v", res)
	}
	// A HEAD, under the upload's lock, completes it instead: the client
	// that lost its server need not send the file again.
	n, res, err := c.Offset(ctx, u)
	ref := res.Header.Get(RefHeader)
	if err != nil || res.Status != http.StatusOK || n != int64(len(data)) || ref == "" {
		t.Fatalf("HEAD of a complete upload without its receipt: %d %v %v %v", n, res, res.Header, err)
	}
	f, err = formFile(t, up, "alice", "doc", ref)
	if err != nil || f.Size != int64(len(data)) || f.SHA256 != sha256Hex(data) {
		t.Fatalf("the file the HEAD completed: %+v %v", f, err)
	}
	if _, again, _ := c.Offset(ctx, u); again.Header.Get(RefHeader) != ref || again.Header.Get(ReplyHeader) != res.Header.Get(ReplyHeader) {
		t.Errorf("a second HEAD: %v, want the same reference and reply", again.Header)
	}
}

// A HEAD that completes an upload whose server stopped runs the
// processors as any completion does: a file they refuse is removed.
func TestTusHeadCompletesRefuses(t *testing.T) {
	var refusing atomic.Bool
	_, dir, c := tusServer(t, Config{Processors: []Processor{ProcessorFunc(func(ctx context.Context, f *File) (map[string]any, error) {
		if refusing.Load() {
			return nil, Refuse(http.StatusUnprocessableEntity, "Not this one.")
		}
		return nil, nil
	})}})
	ctx := t.Context()
	data := textBytes(5000)
	u, _, err := c.Create(ctx, int64(len(data)), map[string]string{"field": "doc"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Send(ctx, u, data, 1<<20); err != nil || res.Header.Get(RefHeader) == "" {
		t.Fatalf("sending: %v %v", res, err)
	}
	receipts, _ := filepath.Glob(filepath.Join(dir, "*.receipt*"))
	for _, p := range receipts {
		os.Remove(p)
	}
	refusing.Store(true)
	if _, res, _ := c.Offset(ctx, u); res.Status != http.StatusUnprocessableEntity || res.Header.Get(RefHeader) != "" {
		t.Errorf("HEAD of a file the processors refuse: %v %v", res, res.Header)
	}
	assertStoreEmpty(t, dir)
}

func TestTusIDsBoundToOwner(t *testing.T) {
	up, _ := newTestUploader(t, Config{})
	id := up.tusID("alice")
	if !up.ownsUpload(id, "alice") {
		t.Fatal("alice does not own her upload")
	}
	for _, bad := range []string{id[:len(id)-1], "x" + id[1:], strings.Replace(id, "-", "", 1), "", "-", NewKey()} {
		if up.ownsUpload(bad, "alice") {
			t.Errorf("alice owns %q", bad)
		}
	}
	if up.ownsUpload(id, "bob") || up.ownsUpload(id, "alice ") {
		t.Error("another owns alice's upload")
	}
	// After a key rotation the id still works.
	rotated, _ := newTestUploader(t, Config{Keys: [][]byte{bytes.Repeat([]byte("n"), 32), testKeys[0]}})
	if !rotated.ownsUpload(id, "alice") {
		t.Error("the id does not survive a key rotation")
	}
}

// FuzzOwnsUpload checks that no id taken from a URL passes for alice's
// unless it was made for her.
func FuzzOwnsUpload(f *testing.F) {
	up, _ := newTestUploader(f, Config{})
	nonce := strings.Repeat("ab", 16) // fixed: fuzzing workers make their own Uploader
	mine := nonce + "-" + hex.EncodeToString(keyed(testKeys[0], tusOwnerLabel, nonce+"\x00alice"))
	f.Add(mine)
	f.Add(mine + "+multipart.id")
	f.Add(up.tusID("bob"))
	f.Add("-")
	f.Add(strings.Repeat("0", 32) + "-" + strings.Repeat("0", 32))
	f.Fuzz(func(t *testing.T, id string) {
		obj := id
		if i := strings.LastIndexByte(id, '+'); i >= 0 {
			obj = id[:i]
		}
		if up.ownsUpload(id, "alice") && obj != mine {
			t.Fatalf("%q passes for alice's upload", id)
		}
	})
}

// FuzzASCIIJSON checks that the Sticky-Reply encoding keeps any text and
// is printable ASCII.
func FuzzASCIIJSON(f *testing.F) {
	f.Add("café 😀 <b>\u2028")
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		b, _ := json.Marshal(map[string]string{"v": s})
		h := asciiJSON(b)
		for _, c := range []byte(h) {
			if c < 0x20 || c > 0x7e {
				t.Fatalf("%q encodes with byte %#x", s, c)
			}
		}
		var want, back map[string]string
		json.Unmarshal(b, &want)
		if err := json.Unmarshal([]byte(h), &back); err != nil || back["v"] != want["v"] {
			t.Fatalf("%q came back as %q, not %q (%v)", s, back["v"], want["v"], err)
		}
	})
}
