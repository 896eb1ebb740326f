package sticky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
)

// ---- helpers shared by the package's tests ----

var testKeys = [][]byte{[]byte("test-key-0123456789abcdef0123456789abcdef")}

// userHeader is the Identity of the tests: the X-User header.
func userHeader(r *http.Request) string { return r.Header.Get("X-User") }

// newTestUploader returns an Uploader with a DiskStore in a fresh temporary
// directory, and that directory. Zero fields of c get test defaults.
func newTestUploader(t testing.TB, c Config) (*Uploader, string) {
	t.Helper()
	if c.Keys == nil {
		c.Keys = testKeys
	}
	if c.Identity == nil {
		c.Identity = userHeader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Store == nil {
		c.Store = diskAt(t, filepath.Join(t.TempDir(), "store"))
	}
	var dir string
	switch s := c.Store.(type) {
	case *DiskStore:
		dir = s.Path
	case filestore.FileStore:
		dir = s.Path
	}
	up, err := New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return up, dir
}

// diskAt returns a disk store in dir.
func diskAt(t testing.TB, dir string) *DiskStore {
	t.Helper()
	s, err := NewDiskStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// storeFiles lists the files (not directories) under dir.
func storeFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("listing %s: %v", dir, err)
	}
	return files
}

func assertStoreEmpty(t testing.TB, dir string) {
	t.Helper()
	if files := storeFiles(t, dir); len(files) != 0 {
		t.Errorf("temporary store holds %d files, want none: %q", len(files), files)
	}
}

// assertUploads checks that the store holds exactly n uploads (a binary
// file and its .info each).
func assertUploads(t testing.TB, dir string, n int) {
	t.Helper()
	if files := storeFiles(t, dir); len(files) != 2*n {
		t.Errorf("temporary store holds %d files, want %d uploads: %q", len(files), n, files)
	}
}

// pollUntil polls cond every 10ms for up to 5s.
func pollUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mpPart is one part of a multipart body. It is a file part when file is
// set; its filename may then be "".
type mpPart struct {
	name     string
	file     bool
	filename string
	data     []byte
}

func mpField(name, value string) mpPart { return mpPart{name: name, data: []byte(value)} }

func mpFile(name, filename string, data []byte) mpPart {
	return mpPart{name: name, file: true, filename: filename, data: data}
}

var mpQuote = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// mpBody encodes parts; it returns the body and its Content-Type.
func mpBody(t testing.TB, parts ...mpPart) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name="%s"`, mpQuote.Replace(p.name))
		if p.file {
			cd += fmt.Sprintf(`; filename="%s"`, mpQuote.Replace(p.filename))
			h.Set("Content-Type", "application/octet-stream")
		}
		h.Set("Content-Disposition", cd)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, mw.FormDataContentType()
}

// mustUpload posts one file to the endpoint in process and returns the
// successful reply.
func mustUpload(t testing.TB, up *Uploader, user, fieldName, filename string, data []byte) reply {
	t.Helper()
	body, ct := mpBody(t, mpField("field", fieldName), mpFile("upload", filename, data))
	r := httptest.NewRequest(http.MethodPost, up.path, body)
	r.Header.Set("Content-Type", ct)
	r.Header.Set("X-User", user)
	w := httptest.NewRecorder()
	up.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("upload: status %d: %s", w.Code, w.Body)
	}
	var rep reply
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
		t.Fatalf("upload reply %q: %v", w.Body, err)
	}
	if !rep.Valid || rep.Stored == "" {
		t.Fatalf("upload reply %+v", rep)
	}
	return rep
}

// isSentence is a loose check that msg is meant for a person.
func isSentence(msg string) bool {
	if msg == "" || strings.Contains(msg, "sticky:") {
		return false
	}
	first := []rune(msg)[0]
	return unicode.IsUpper(first) && strings.HasSuffix(msg, ".")
}

// checkFailureJSON asserts that body is exactly
// {"is_valid":false,"errors":{"upload":["<sentence>"]}} and returns the sentence.
func checkFailureJSON(t testing.TB, body []byte) string {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatalf("failure body %q is not a JSON object: %v", body, err)
	}
	if len(top) != 2 || string(top["is_valid"]) != "false" || top["errors"] == nil {
		t.Fatalf("failure body %s: want exactly is_valid:false and errors", body)
	}
	var errs map[string][]string
	if err := json.Unmarshal(top["errors"], &errs); err != nil {
		t.Fatalf("errors in %s: %v", body, err)
	}
	if len(errs) != 1 || len(errs["upload"]) != 1 {
		t.Fatalf("errors in %s: want one message under upload", body)
	}
	msg := errs["upload"][0]
	if !isSentence(msg) {
		t.Fatalf("error message %q is not a sentence for a person", msg)
	}
	return msg
}

// ---- configuration ----

func TestNewConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		c    Config
		ok   bool
	}{
		{"no keys", Config{Store: diskAt(t, dir)}, false},
		{"empty key list", Config{Store: diskAt(t, dir), Keys: [][]byte{}}, false},
		{"short key", Config{Store: diskAt(t, dir), Keys: [][]byte{make([]byte, 31)}}, false},
		{"short second key", Config{Store: diskAt(t, dir), Keys: [][]byte{make([]byte, 32), []byte("short")}}, false},
		{"path without leading slash", Config{Store: diskAt(t, dir), Keys: testKeys, Path: "uploads/"}, false},
		{"path without trailing slash", Config{Store: diskAt(t, dir), Keys: testKeys, Path: "/uploads"}, false},
		{"bad trusted origin", Config{Store: diskAt(t, dir), Keys: testKeys, TrustedOrigins: []string{"not an origin"}}, false},
		{"minimal", Config{Store: diskAt(t, dir), Keys: [][]byte{make([]byte, 32)}}, true},
		{"custom path", Config{Store: diskAt(t, dir), Keys: testKeys, Path: "/a/b/"}, true},
		{"trusted origin", Config{Store: diskAt(t, dir), Keys: testKeys, TrustedOrigins: []string{"https://admin.example.com"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, err := New(tt.c)
			if (err == nil) != tt.ok {
				t.Fatalf("New: %v, want ok=%v", err, tt.ok)
			}
			if err != nil && up != nil {
				t.Error("New returned an Uploader with its error")
			}
		})
	}

	up, err := New(Config{Store: diskAt(t, dir), Keys: testKeys})
	if err != nil {
		t.Fatal(err)
	}
	if up.path != DefaultPath || up.def.MaxSize != DefaultMaxSize || up.maxForm != DefaultMaxSize+formOverhead || up.ttl != DefaultTTL {
		t.Errorf("defaults: path %q maxSize %d maxForm %d ttl %v", up.path, up.def.MaxSize, up.maxForm, up.ttl)
	}
	up, err = New(Config{Store: diskAt(t, dir), Keys: testKeys, MaxSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if up.maxForm != 1000+formOverhead {
		t.Errorf("default MaxFormSize = %d, want MaxSize + 10 MiB", up.maxForm)
	}
}

// A store that cannot terminate or defer lengths is refused.
type coreOnlyStore struct{ handler.DataStore }

func TestNewRefusesLimitedStore(t *testing.T) {
	s, err := NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Keys: testKeys, Store: coreOnlyStore{s}}); err == nil {
		t.Error("New accepted a store without termination")
	}
}

func TestDiskStoreModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "existing")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	up, _ := newTestUploader(t, Config{Store: diskAt(t, dir)})
	mustUpload(t, up, "alice", "file", "a.txt", []byte("secret contents"))
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("temporary directory mode %v, want 0700", fi.Mode().Perm())
	}
	files := storeFiles(t, dir)
	if len(files) != 2 {
		t.Fatalf("store holds %q, want a file and its .info", files)
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, fi.Mode().Perm())
		}
	}

	// A fresh directory, nested, is created 0700 too.
	nested := filepath.Join(t.TempDir(), "a", "b")
	if _, err := NewDiskStore(nested); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(nested); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("new directory: %v, %v", fi.Mode().Perm(), err)
	}
}

// ---- the endpoint over HTTP ----

type httpEndpoint struct {
	up  *Uploader
	dir string
	srv *httptest.Server
}

func newEndpoint(t *testing.T, c Config) *httpEndpoint {
	t.Helper()
	up, dir := newTestUploader(t, c)
	mux := http.NewServeMux()
	mux.Handle(up.path, up)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &httpEndpoint{up, dir, srv}
}

// post sends body to the endpoint and returns the status, headers and body.
func (e *httpEndpoint) post(t *testing.T, user, ct string, body io.Reader, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+e.up.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if user != "" {
		req.Header.Set("X-User", user)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the reply: %v", err)
	}
	return resp.StatusCode, resp.Header, b
}

func TestEndpointSuccess(t *testing.T) {
	e := newEndpoint(t, Config{Accept: []string{"image/*", ".pdf"}})
	png := pngBytes(t)
	tests := []struct {
		name     string
		parts    []mpPart
		field    string
		wantName string
		data     []byte
		wantType string
	}{
		{"png", []mpPart{mpField("field", "photo"), mpFile("upload", "photo.png", png)}, "photo", "photo.png", png, "image/png"},
		{"upload before field", []mpPart{mpFile("upload", "doc.pdf", pdfBytes), mpField("field", "file")}, "file", "doc.pdf", pdfBytes, "application/pdf"},
		{"hostile name", []mpPart{mpField("field", "file"), mpFile("upload", "../../etc/\u202Egnp.exe", png)}, "file", "gnp.exe", png, "image/png"},
		{"windows path", []mpPart{mpField("field", "file"), mpFile("upload", `C:\Users\me\scan.pdf`, pdfBytes)}, "file", "scan.pdf", pdfBytes, "application/pdf"},
		{"extra parts ignored", []mpPart{mpField("other", "x"), mpField("field", "file"), mpFile("upload", "p.png", png)}, "file", "p.png", png, "image/png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := mpBody(t, tt.parts...)
			status, hdr, b := e.post(t, "alice", ct, body, nil)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, b)
			}
			if got := hdr.Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got := hdr.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q", got)
			}
			var top map[string]any
			if err := json.Unmarshal(b, &top); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"is_valid", "filename", "size", "type", "stored"} {
				if _, ok := top[k]; !ok {
					t.Errorf("reply %s lacks %q", b, k)
				}
			}
			if _, ok := top["errors"]; ok {
				t.Errorf("success reply %s has errors", b)
			}
			if top["is_valid"] != true || top["filename"] != tt.wantName || top["size"] != float64(len(tt.data)) || top["type"] != tt.wantType {
				t.Errorf("reply %s, want %s, %d bytes, %s", b, tt.wantName, len(tt.data), tt.wantType)
			}
			ref, _ := top["stored"].(string)
			f, err := e.up.fromRef(context.Background(), ref, "alice", tt.field, 0)
			if err != nil {
				t.Fatalf("stored reference does not verify for %q: %v", tt.field, err)
			}
			if f.Name != tt.wantName || f.Size != int64(len(tt.data)) || f.Type != tt.wantType {
				t.Errorf("kept file %+v", f)
			}
			rc, err := f.Open(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, tt.data) {
				t.Error("stored bytes differ from the uploaded ones")
			}
			if err := f.Discard(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
	assertStoreEmpty(t, e.dir)
}

func TestEndpointFailures(t *testing.T) {
	const maxSize = 10 << 10
	e := newEndpoint(t, Config{MaxSize: maxSize, Accept: []string{"image/*", ".pdf"}})
	png := pngBytes(t)
	pad := func(b []byte, n int) []byte { return append(bytes.Clone(b), make([]byte, n-len(b))...) }
	valid, validCT := func() ([]byte, string) {
		b, ct := mpBody(t, mpField("field", "file"), mpFile("upload", "p.png", png))
		return b.Bytes(), ct
	}()
	// bigValid has the same boundary as valid, with a file well over the
	// sniffed head.
	bigValid := bytes.Replace(valid, png, pad(png, 5000), 1)

	type request struct {
		user string
		ct   string
		body []byte
		hdr  map[string]string
	}
	mp := func(parts ...mpPart) request {
		b, ct := mpBody(t, parts...)
		return request{user: "alice", ct: ct, body: b.Bytes()}
	}
	tests := []struct {
		name   string
		req    request
		status int
		kind   error
		says   string // a word the message must contain
	}{
		{"not multipart", request{user: "alice", ct: "application/x-www-form-urlencoded", body: []byte("field=file&upload=x")}, 400, ErrMalformed, ""},
		{"no content type", request{user: "alice", body: []byte("hello")}, 400, ErrMalformed, ""},
		{"multipart without boundary", request{user: "alice", ct: "multipart/form-data", body: valid}, 400, ErrMalformed, ""},
		{"wrong boundary", request{user: "alice", ct: "multipart/form-data; boundary=nope", body: valid}, 400, ErrMalformed, ""},
		{"broken multipart", request{user: "alice", ct: validCT, body: []byte("--garbage\r\nnot a header\r\n\r\n")}, 400, ErrMalformed, ""},
		{"cut short in the file", request{user: "alice", ct: validCT, body: bigValid[:len(bigValid)-2000]}, 400, ErrMalformed, ""},
		{"cut short in the head", request{user: "alice", ct: validCT, body: valid[:len(valid)-len(png)/2]}, 400, ErrMalformed, ""},
		{"missing field part", mp(mpFile("upload", "p.png", png)), 400, ErrMalformed, ""},
		{"empty field name", mp(mpField("field", ""), mpFile("upload", "p.png", png)), 400, ErrMalformed, ""},
		{"control character in field", mp(mpField("field", "a\x00b"), mpFile("upload", "p.png", png)), 400, ErrMalformed, ""},
		{"over-long field name", mp(mpField("field", strings.Repeat("f", maxFieldName+1)), mpFile("upload", "p.png", png)), 400, ErrMalformed, ""},
		{"no upload part", mp(mpField("field", "file")), 400, ErrNoFile, ""},
		{"upload not a file", mp(mpField("field", "file"), mpField("upload", "just text")), 400, ErrNoFile, ""},
		{"no file chosen", mp(mpField("field", "file"), mpFile("upload", "", nil)), 400, ErrNoFile, ""},
		{"empty file", mp(mpField("field", "file"), mpFile("upload", "e.png", nil)), 400, ErrEmpty, "empty"},
		{"two files", mp(mpField("field", "file"), mpFile("upload", "a.png", png), mpFile("upload", "b.png", png)), 400, ErrMalformed, ""},
		{"too many parts", mp(mpField("a", "1"), mpField("b", "2"), mpField("c", "3"), mpField("d", "4"), mpField("e", "5"), mpField("f", "6"), mpField("g", "7"), mpField("field", "file"), mpFile("upload", "p.png", png)), 400, ErrMalformed, ""},
		{"no identity", request{ct: validCT, body: valid}, 403, ErrNotAllowed, "sign in"},
		{"cross-site fetch", request{user: "alice", ct: validCT, body: valid, hdr: map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403, ErrNotAllowed, "another site"},
		{"same-site fetch", request{user: "alice", ct: validCT, body: valid, hdr: map[string]string{"Sec-Fetch-Site": "same-site"}}, 403, ErrNotAllowed, "another site"},
		{"foreign origin", request{user: "alice", ct: validCT, body: valid, hdr: map[string]string{"Origin": "https://evil.example"}}, 403, ErrNotAllowed, "another site"},
		{"cross-origin without identity", request{ct: validCT, body: valid, hdr: map[string]string{"Origin": "https://evil.example"}}, 403, ErrNotAllowed, ""},
		{"one byte over", mp(mpField("field", "file"), mpFile("upload", "big.png", pad(png, maxSize+1))), 413, ErrTooLarge, "10 KiB"},
		{"far over", mp(mpField("field", "file"), mpFile("upload", "big.png", pad(png, maxSize+200_000))), 413, ErrTooLarge, "10 KiB"},
		{"far over, type unknown", mp(mpField("field", "file"), mpFile("upload", "big.pdf", pad(pdfBytes, 3*maxSize))), 413, ErrTooLarge, "10 KiB"},
		{"huge part besides the file", mp(mpField("junk", strings.Repeat("j", 100_000)), mpField("field", "file"), mpFile("upload", "p.png", png)), 413, ErrTooLarge, "10 KiB"},
		{"huge part after the file", mp(mpField("field", "file"), mpFile("upload", "p.png", png), mpField("junk", strings.Repeat("j", 100_000))), 413, ErrTooLarge, "10 KiB"},
		{"wrong type", mp(mpField("field", "file"), mpFile("upload", "notes.txt", []byte("plain text"))), 415, ErrType, "an image"},
		{"executable named jpg", mp(mpField("field", "file"), mpFile("upload", "photo.jpg", elfBytes)), 415, ErrType, ""},
		{"html named png", mp(mpField("field", "file"), mpFile("upload", "x.png", []byte(htmlText))), 415, ErrType, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, b := e.post(t, tt.req.user, tt.req.ct, bytes.NewReader(tt.req.body), tt.req.hdr)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, b)
			}
			if Status(tt.kind) != tt.status {
				t.Fatalf("test table: Status(%v) = %d", tt.kind, Status(tt.kind))
			}
			if got := hdr.Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			msg := checkFailureJSON(t, b)
			if tt.says != "" && !strings.Contains(msg, tt.says) {
				t.Errorf("message %q does not say %q", msg, tt.says)
			}
			assertStoreEmpty(t, e.dir)
		})
	}
}

func TestEndpointMethodNotAllowed(t *testing.T) {
	e := newEndpoint(t, Config{})
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		t.Run(method, func(t *testing.T) {
			req, _ := http.NewRequest(method, e.srv.URL+e.up.path, nil)
			req.Header.Set("X-User", "alice")
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Fatalf("status %d, want 405", resp.StatusCode)
			}
			if got := resp.Header.Get("Allow"); got != http.MethodPost {
				t.Errorf("Allow %q, want POST", got)
			}
			if method != http.MethodHead {
				msg := checkFailureJSON(t, b)
				if !strings.Contains(msg, "POST") {
					t.Errorf("message %q does not name POST", msg)
				}
			}
		})
	}
	assertStoreEmpty(t, e.dir)
}

func TestEndpointOrigins(t *testing.T) {
	e := newEndpoint(t, Config{TrustedOrigins: []string{"https://admin.example.com"}})
	host := strings.TrimPrefix(e.srv.URL, "http://")
	tests := []struct {
		name   string
		hdr    map[string]string
		status int
	}{
		{"no origin headers", nil, 200},
		{"same-origin fetch", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"user-initiated", map[string]string{"Sec-Fetch-Site": "none"}, 200},
		{"own origin", map[string]string{"Origin": "http://" + host}, 200},
		{"trusted origin", map[string]string{"Origin": "https://admin.example.com", "Sec-Fetch-Site": "cross-site"}, 200},
		{"other port", map[string]string{"Origin": "http://" + strings.Split(host, ":")[0] + ":1"}, 403},
		{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"cross-site with own origin", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://" + host}, 403},
		{"null origin", map[string]string{"Origin": "null"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := mpBody(t, mpField("field", "file"), mpFile("upload", "a.txt", []byte("text")))
			status, _, b := e.post(t, "alice", ct, body, tt.hdr)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, b)
			}
			if status != 200 {
				checkFailureJSON(t, b)
			}
		})
	}
	// The successful ones are kept until discarded; the refused left nothing.
	assertUploads(t, e.dir, 5)
}

// failingNewStore fails every new upload with err, whole files included.
type failingNewStore struct {
	*DiskStore
	err error
}

func (s failingNewStore) putWhole(_ handler.FileInfo, _ io.Reader, check func(int64, error) error, _ func() handler.MetaData) (string, int64, error) {
	return "", 0, check(0, s.err)
}

func (s failingNewStore) NewUpload(context.Context, handler.FileInfo) (handler.Upload, error) {
	return nil, s.err
}

func TestEndpointStoreFailures(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		retry  bool
	}{
		{"unavailable", errors.New("connection refused"), 503, true},
		{"full", &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, 507, false},
		{"quota", fmt.Errorf("wrapped: %w", syscall.EDQUOT), 507, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fsStore, err := NewDiskStore(dir)
			if err != nil {
				t.Fatal(err)
			}
			e := newEndpoint(t, Config{Store: failingNewStore{fsStore, tt.err}})
			body, ct := mpBody(t, mpField("field", "file"), mpFile("upload", "a.txt", []byte("text")))
			status, hdr, b := e.post(t, "alice", ct, body, nil)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, b)
			}
			msg := checkFailureJSON(t, b)
			if strings.Contains(msg, tt.err.Error()) {
				t.Errorf("message %q shows the store's error", msg)
			}
			if (hdr.Get("Retry-After") != "") != tt.retry {
				t.Errorf("Retry-After %q", hdr.Get("Retry-After"))
			}
			assertStoreEmpty(t, dir)
		})
	}
}

func TestEndpointAtExactlyMaxSize(t *testing.T) {
	const maxSize = 10_000
	e := newEndpoint(t, Config{MaxSize: maxSize})
	data := bytes.Repeat([]byte("0123456789"), maxSize/10)
	body, ct := mpBody(t, mpField("field", "file"), mpFile("upload", "full.txt", data))
	status, _, b := e.post(t, "alice", ct, body, nil)
	if status != 200 {
		t.Fatalf("file of exactly MaxSize: status %d: %s", status, b)
	}
	var rep reply
	json.Unmarshal(b, &rep)
	if rep.Size != maxSize {
		t.Errorf("size %d", rep.Size)
	}
}

// ---- clients that go away ----

// uploadPrefix returns the start of an upload request body, the field part
// and the file part's headers, to which the file's bytes are appended.
func uploadPrefix(t *testing.T) (prefix []byte, ct string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("field", "file")
	if _, err := mw.CreateFormFile("upload", "big.bin"); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), mw.FormDataContentType()
}

func TestEndpointClientDisconnects(t *testing.T) {
	t.Run("raw connection closed", func(t *testing.T) {
		e := newEndpoint(t, Config{MaxSize: 8 << 20})
		prefix, ct := uploadPrefix(t)
		conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nX-User: alice\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
			e.up.path, e.srv.Listener.Addr(), ct, len(prefix)+4<<20)
		conn.Write(prefix)
		half := bytes.Repeat([]byte{0xAB}, 2<<20)
		if _, err := conn.Write(half); err != nil {
			t.Fatal(err)
		}
		pollUntil(t, "the upload to reach the store", func() bool { return len(storeFiles(t, e.dir)) > 0 })
		conn.Close()
		pollUntil(t, "the half upload to be removed", func() bool { return len(storeFiles(t, e.dir)) == 0 })
	})

	t.Run("request cancelled", func(t *testing.T) {
		e := newEndpoint(t, Config{MaxSize: 8 << 20})
		prefix, ct := uploadPrefix(t)
		pr, pw := io.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+e.up.path, pr)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-User", "alice")
		req.ContentLength = int64(len(prefix) + 4<<20)
		done := make(chan error, 1)
		go func() {
			resp, err := e.srv.Client().Do(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		go func() {
			pw.Write(prefix)
			chunk := bytes.Repeat([]byte{0xCD}, 64<<10)
			for range 32 { // half of the announced length
				if _, err := pw.Write(chunk); err != nil {
					return
				}
			}
		}()
		pollUntil(t, "the upload to reach the store", func() bool { return len(storeFiles(t, e.dir)) > 0 })
		cancel()
		pw.CloseWithError(context.Canceled)
		if err := <-done; err == nil {
			t.Error("cancelled request succeeded")
		}
		pollUntil(t, "the half upload to be removed", func() bool { return len(storeFiles(t, e.dir)) == 0 })
	})
}

// ---- streaming ----

// patternReader yields an endless, cheap, deterministic byte pattern.
type patternReader struct{ n byte }

func (p *patternReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = p.n
		p.n = p.n*31 + 7
	}
	return len(b), nil
}

func TestEndpointStreamsLargeUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 64 MiB")
	}
	const size = 64 << 20
	e := newEndpoint(t, Config{MaxSize: size})

	run := func() (int, []byte) {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			mw.WriteField("field", "file")
			w, err := mw.CreateFormFile("upload", "big.bin")
			if err == nil {
				_, err = io.Copy(w, io.LimitReader(&patternReader{n: 1}, size))
			}
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		status, _, b := e.post(t, "alice", mw.FormDataContentType(), pr, nil)
		return status, b
	}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	status, b := run()
	runtime.ReadMemStats(&after)
	if status != 200 {
		t.Fatalf("status %d: %s", status, b)
	}
	var rep reply
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Size != size {
		t.Fatalf("size %d, want %d", rep.Size, size)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("64 MiB upload allocated %d KiB in all", alloc>>10)
	if alloc > 16<<20 {
		t.Errorf("uploading 64 MiB allocated %d MiB: the upload is not streamed", alloc>>20)
	}
	if after.HeapInuse > before.HeapInuse+16<<20 {
		t.Errorf("heap in use grew from %d MiB to %d MiB", before.HeapInuse>>20, after.HeapInuse>>20)
	}

	// The stored bytes are the sent ones.
	f, err := e.up.fromRef(context.Background(), rep.Stored, "alice", "file", 0)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := f.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if !sameStream(rc, io.LimitReader(&patternReader{n: 1}, size)) {
		t.Error("stored bytes differ from the sent ones")
	}
	f.Discard(context.Background())
	assertStoreEmpty(t, e.dir)
}

// sameStream compares two readers chunk by chunk.
func sameStream(a, b io.Reader) bool {
	ba, bb := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, ea := io.ReadFull(a, ba)
		nb, eb := io.ReadFull(b, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		if ea != nil || eb != nil {
			return (ea == io.EOF || ea == io.ErrUnexpectedEOF) && (eb == io.EOF || eb == io.ErrUnexpectedEOF)
		}
	}
}

// ---- assets ----

func TestAssetsServed(t *testing.T) {
	e := newEndpoint(t, Config{})
	get := func(t *testing.T, method, path string, hdr map[string]string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, e.srv.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	tests := []struct {
		url, typ string
		body     []byte
	}{
		{e.up.ScriptURL(), "text/javascript; charset=utf-8", script},
		{e.up.StyleURL(), "text/css; charset=utf-8", style},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			// Cross-site GETs of assets are fine: they are public.
			resp, b := get(t, http.MethodGet, tt.url, map[string]string{"Sec-Fetch-Site": "cross-site"})
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.typ {
				t.Errorf("Content-Type %q, want %q", got, tt.typ)
			}
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=") {
				t.Errorf("Cache-Control %q", cc)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if len(b) == 0 || !bytes.Equal(b, tt.body) {
				t.Errorf("body is %d bytes, want the embedded %d", len(b), len(tt.body))
			}
			resp, b = get(t, http.MethodHead, tt.url, nil)
			if resp.StatusCode != 200 || len(b) != 0 {
				t.Errorf("HEAD: status %d, %d bytes", resp.StatusCode, len(b))
			}
			resp, _ = get(t, http.MethodPost, tt.url, nil)
			if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), "GET") {
				t.Errorf("POST: status %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
			}
		})
	}
	// The URL changes with the content: a stale or guessed hash is unknown.
	js := e.up.ScriptURL()
	for _, p := range []string{
		e.up.path + "sticky.000000000000.js",
		e.up.path + "sticky.js",
		e.up.path + "sticky.css",
		strings.Replace(js, ".js", ".css", 1),
		js + "x",
		e.up.path + "../go.mod",
		e.up.path + "unknown",
	} {
		resp, _ := get(t, http.MethodGet, p, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestServeHTTPOutsidePath(t *testing.T) {
	up, _ := newTestUploader(t, Config{Path: "/uploads/"})
	w := httptest.NewRecorder()
	up.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/elsewhere/x", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404", w.Code)
	}
}
