package sticky_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/blobvault"
	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/storetest"
	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"
)

func ExamplePermanent_Save() {
	dir, _ := os.MkdirTemp("", "documents")
	defer os.RemoveAll(dir)
	root, err := os.OpenRoot(dir) // or blobvault.New(bucket): any gocloud.dev/blob bucket
	if err != nil {
		log.Fatal(err)
	}
	docs := &sticky.Permanent{Vault: sticky.DirVault(root), Pattern: "{owner}/{yyyy}/{key}{ext}"}
	up, err := sticky.New(sticky.Config{
		Keys:     [][]byte{[]byte("an example key, 32 bytes or more.")},
		Identity: func(r *http.Request) string { return r.Header.Get("X-User") },
		Store:    mustDisk(filepath.Join(dir, ".uploads")),
	})
	if err != nil {
		log.Fatal(err)
	}

	newDocument := func(w http.ResponseWriter, r *http.Request) {
		form, err := up.ReadForm(w, r)
		if err != nil {
			http.Error(w, err.Error(), sticky.Status(err))
			return
		}
		doc, err := form.File("file")
		if err != nil { // re-render the form with err.Error() beside the field
			http.Error(w, err.Error(), sticky.Status(err))
			return
		}
		key, err := docs.Save(r.Context(), doc, map[string]string{"owner": r.Header.Get("X-User")})
		if err != nil { // the file stays kept: re-render the form
			http.Error(w, "The document could not be saved. Please try again.", http.StatusInternalServerError)
			return
		}
		// Record key and doc.Name with the document; docs.Open(ctx, key) reads it.
		fmt.Fprintln(w, key)
	}

	// A browser posts the form.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("title", "Minutes")
	fw, _ := mw.CreateFormFile("file", "minutes.pdf")
	io.WriteString(fw, "%PDF-1.7\n...")
	mw.Close()
	r := httptest.NewRequest("POST", "/documents/new", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("X-User", "alice")
	w := httptest.NewRecorder()
	newDocument(w, r)

	key := strings.TrimSpace(w.Body.String())
	fmt.Println(regexp.MustCompile(`^alice/\d{4}/[0-9a-f]{32}\.pdf$`).MatchString(key))
	saved, _ := root.ReadFile(key)
	fmt.Printf("%s\n", saved)
	// Output:
	// true
	// %PDF-1.7
	// ...
}

// permFile keeps data in a new site's temporary store and returns it.
func permFile(t *testing.T, site *storetest.Site, name string, data []byte) *sticky.File {
	t.Helper()
	f, err := site.PostFile(t.Context(), "doc", name, data)
	if err != nil {
		t.Fatalf("keeping %s: %v", name, err)
	}
	return f
}

func permDiskSite(t *testing.T) *storetest.Site {
	return storetest.NewSite(t, sticky.Config{MaxSize: 40 << 20})
}

// permCheckSaved checks that key holds data and that the temporary upload
// is gone.
func permCheckSaved(t *testing.T, site *storetest.Site, p *sticky.Permanent, f *sticky.File, key string, data []byte) {
	t.Helper()
	rc, err := p.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("%q holds %d bytes (%v), want the %d saved", key, len(got), err, len(data))
	}
	if _, err := site.Kept(t.Context(), "doc", f.Ref); !errors.Is(err, sticky.ErrGone) {
		t.Errorf("the temporary upload after saving: %v, want ErrGone", err)
	}
}

func TestPermanentRoot(t *testing.T) {
	site := permDiskSite(t)
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := &sticky.Permanent{Vault: sticky.DirVault(root), Pattern: "{yyyy}/{mm}/{dd}/{owner}/{name}-{key}{ext}"}
	data := []byte("%PDF-1.7\nminutes of the meeting\n")
	f := permFile(t, site, "Compte rendu (final).pdf", data)
	key, err := p.Save(t.Context(), f, map[string]string{"owner": "../../bob"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	want := fmt.Sprintf(`^%d/%02d/\d\d/bob/Compte-rendu-final-[0-9a-f]{32}\.pdf$`, now.Year(), now.Month())
	if !regexp.MustCompile(want).MatchString(key) {
		t.Errorf("key %q does not match %s", key, want)
	}
	permCheckSaved(t, site, p, f, key, data)
	st, err := os.Stat(filepath.Join(dir, key))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("saved file: %v, mode %v; want 0600", err, st.Mode())
	}
	if err := p.Delete(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Open(t.Context(), key); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Delete: %v", err)
	}
}

func TestPermanentBuckets(t *testing.T) {
	srv := s3test.Start(t)
	s3bucket, err := s3blob.OpenBucket(t.Context(), srv.Client(), srv.NewBucket(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	fileBucket, err := fileblob.OpenBucket(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The URL form docs/storage.md gives for S3-compatible servers.
	srv.SetEnv(t)
	urlBucket, err := blob.OpenBucket(t.Context(), "s3://"+srv.NewBucket(t)+"?endpoint="+srv.Endpoint+
		"&use_path_style=true&disable_https=true&request_checksum_calculation=when_required&response_checksum_validation=when_required&prefix=documents/")
	if err != nil {
		t.Fatal(err)
	}
	for name, bucket := range map[string]*blob.Bucket{
		"mem":   memblob.OpenBucket(nil),
		"file":  fileBucket,
		"s3":    s3bucket,
		"s3url": urlBucket,
	} {
		t.Run(name, func(t *testing.T) {
			defer bucket.Close()
			site := permDiskSite(t)
			p := &sticky.Permanent{Vault: blobvault.New(bucket), Pattern: "documents/{owner}/{key}{ext}"}
			data := bytes.Repeat([]byte("a line of text\n"), 1000)
			f := permFile(t, site, "Überblick.txt", data)
			key, err := p.Save(t.Context(), f, map[string]string{"owner": "alice@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^documents/alice-example.com/[0-9a-f]{32}\.txt$`).MatchString(key) {
				t.Errorf("key %q", key)
			}
			permCheckSaved(t, site, p, f, key, data)
			attrs, err := bucket.Attributes(t.Context(), key)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(attrs.ContentType, "text/plain") || !strings.HasPrefix(attrs.ContentDisposition, "attachment") {
				t.Errorf("content type %q, disposition %q", attrs.ContentType, attrs.ContentDisposition)
			}
		})
	}
}

// failingBucket is a blob driver whose writes fail after a number of bytes,
// noting whether the failed write was aborted.
type failingBucket struct {
	driver.Bucket // nil: only the methods below are called
	after         int
	aborted       atomic.Bool
	closed        atomic.Bool
}

func (b *failingBucket) NewTypedWriter(ctx context.Context, key, contentType string, opts *driver.WriterOptions) (driver.Writer, error) {
	return &failingWriter{b: b, ctx: ctx}, nil
}
func (b *failingBucket) ErrorCode(error) gcerrors.ErrorCode                          { return gcerrors.Unknown }
func (b *failingBucket) Close() error                                                { return nil }
func (b *failingBucket) Delete(context.Context, string, *driver.DeleteOptions) error { return nil }

type failingWriter struct {
	b   *failingBucket
	ctx context.Context
	n   int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.b.after {
		return 0, errors.New("disk quota exceeded")
	}
	w.n += len(p)
	return len(p), nil
}

func (w *failingWriter) Close() error {
	w.b.closed.Store(true)
	w.b.aborted.Store(w.ctx.Err() != nil) // a real driver drops the blob
	return nil
}

func TestPermanentFailingBucket(t *testing.T) {
	site := permDiskSite(t)
	drv := &failingBucket{after: 64 << 10}
	p := &sticky.Permanent{Vault: blobvault.New(blob.NewBucket(drv))}
	data := bytes.Repeat([]byte("some text\n"), 100<<10)
	f := permFile(t, site, "big.txt", data)
	if key, err := p.Save(t.Context(), f, nil); err == nil {
		t.Fatalf("Save into a failing bucket returned %q and no error", key)
	}
	if !drv.closed.Load() || !drv.aborted.Load() {
		t.Errorf("the failed write was closed %v, aborted %v; want both", drv.closed.Load(), drv.aborted.Load())
	}
	permCheckKept(t, site, f, data)
}

// permCheckKept checks that the file is still kept, whole.
func permCheckKept(t *testing.T, site *storetest.Site, f *sticky.File, data []byte) {
	t.Helper()
	kept, err := site.Kept(t.Context(), "doc", f.Ref)
	if err != nil {
		t.Fatalf("the file after a failed save: %v", err)
	}
	rc, err := kept.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Error("the kept file changed")
	}
}

func TestPermanentFailingSource(t *testing.T) {
	// The temporary store fails half way through the copy: nothing appears
	// under the key, in a directory or a bucket, and the file stays kept
	// for another try.
	diskStore, err := sticky.NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	faulty := storetest.NewFaulty(diskStore)
	site := storetest.NewSite(t, sticky.Config{Store: faulty, MaxSize: 16 << 20})
	srv := s3test.Start(t)
	bucketName := srv.NewBucket(t)
	s3bucket, err := s3blob.OpenBucket(t.Context(), srv.Client(), bucketName, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	root, _ := os.OpenRoot(dir)
	fileDir := t.TempDir()
	fileBucket, _ := fileblob.OpenBucket(fileDir, nil)
	mem := memblob.OpenBucket(nil)
	// Past S3's first 5 MiB part, so that a multipart upload has begun.
	data := bytes.Repeat([]byte("0123456789\n"), 1<<20)
	for name, p := range map[string]*sticky.Permanent{
		"root": {Vault: sticky.DirVault(root), Pattern: "docs/{key}{ext}"},
		"file": {Vault: blobvault.New(fileBucket)},
		"mem":  {Vault: blobvault.New(mem)},
		"s3":   {Vault: blobvault.New(s3bucket)},
	} {
		t.Run(name, func(t *testing.T) {
			f := permFile(t, site, "a.txt", data)
			faulty.FailReads(8<<20, errors.New("connection reset by peer"))
			_, err := p.Save(t.Context(), f, nil)
			faulty.FailReads(0, nil)
			if err == nil {
				t.Fatal("Save from a failing store: no error")
			}
			permCheckKept(t, site, f, data)
		})
	}
	for _, d := range []string{dir, fileDir} {
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				t.Errorf("left behind: %s", p)
			}
			return nil
		})
	}
	if obj, err := mem.List(nil).Next(t.Context()); err != io.EOF {
		t.Errorf("left in the memory bucket: %v, %v", obj, err)
	}
	if left := srv.Objects(t, bucketName, ""); len(left) != 0 {
		t.Errorf("left in the S3 bucket: %v", left)
	}
	if left := srv.MultipartUploads(t, bucketName, ""); len(left) != 0 {
		t.Errorf("multipart uploads left in the S3 bucket: %v", left)
	}
}

func TestPermanentStreams(t *testing.T) {
	// Saving never holds the file in memory: what the process allocates
	// stays far below the file's size.
	const size = 32 << 20
	site := permDiskSite(t)
	fileBucket, _ := fileblob.OpenBucket(t.TempDir(), nil)
	root, _ := os.OpenRoot(t.TempDir())
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{9}).Read(data)
	for name, p := range map[string]*sticky.Permanent{
		"root": {Vault: sticky.DirVault(root)},
		"file": {Vault: blobvault.New(fileBucket)},
	} {
		t.Run(name, func(t *testing.T) {
			f := permFile(t, site, "large.bin", data)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			key, err := p.Save(t.Context(), f, nil)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("saved %d MiB in %v, allocating %.1f MiB", size>>20, elapsed.Round(time.Millisecond), float64(alloc)/(1<<20))
			if alloc > 4<<20 {
				t.Errorf("allocated %d MiB to save %d MiB", alloc>>20, size>>20)
			}
			permCheckSaved(t, site, p, f, key, data)
		})
	}
}

func TestPermanentKey(t *testing.T) {
	year := fmt.Sprint(time.Now().UTC().Year())
	for _, tt := range []struct {
		pattern, name, typ string
		values             map[string]string
		want               string // a regular expression, "" for an error
	}{
		{"", "report.pdf", "application/pdf", nil, `^K\.pdf$`},
		{"{key}", "report.pdf", "application/pdf", nil, `^K$`},
		{"{yyyy}/{mm}/{dd}/{key}{ext}", "a.PNG", "image/png", nil, `^` + year + `/\d\d/\d\d/K\.png$`},
		{"{owner}/{key}", "a", "text/plain", map[string]string{"owner": "../.."}, `^_/K$`},
		{"{owner}/{key}", "a", "text/plain", map[string]string{"owner": "a/b\\c d"}, `^a-b-c-d/K$`},
		{"{owner}/{key}", "a", "text/plain", map[string]string{"owner": "Zoë 🦊"}, `^Zo/K$`},
		{"{owner}/{key}", "a", "text/plain", map[string]string{"owner": strings.Repeat("x", 200)}, `^x{64}/K$`},
		{"{name}_{key}{ext}", "..\\..\\évil page.html", "text/plain; charset=utf-8", nil, `^vil-page_K$`},
		{"{key}{ext}", "page.html", "text/plain; charset=utf-8", nil, `^K$`}, // the name lies
		{"{key}{ext}", "run.php", "text/plain; charset=utf-8", nil, `^K$`},   // unknown meaning
		{"{key}{ext}", "x.tar.gz", "application/gzip", nil, `^K(\.gz)?$`},    // as the system's types say
		{"{key}{ext}", "noext", "application/octet-stream", nil, `^K$`},
		{"uploads/{key}", "a", "text/plain", nil, `^uploads/K$`},
		{"{name}", "a", "text/plain", nil, ""},                                  // no {key}
		{"{key}/{owner}", "a", "text/plain", nil, ""},                           // no value
		{"{key", "a", "text/plain", nil, ""},                                    // unbalanced
		{"{key}}", "a", "text/plain", nil, ""},                                  // unbalanced
		{"{{key}}", "a", "text/plain", nil, ""},                                 // unbalanced
		{"/{key}", "a", "text/plain", nil, ""},                                  // absolute
		{"../{key}", "a", "text/plain", nil, ""},                                // climbs out
		{"a//{key}", "a", "text/plain", nil, ""},                                // empty folder
		{".hidden/{key}", "a", "text/plain", nil, ""},                           // hidden
		{"{key}/{ext}", "a.txt", "text/plain", nil, ""},                         // hidden file ".txt"
		{"a b/{key}", "a", "text/plain", nil, ""},                               // space
		{"{key}", "a", "text/plain", map[string]string{"key": "mine"}, ""},      // sticky's own
		{"{key}/{}", "a", "text/plain", map[string]string{"": "x"}, ""},         // empty name
		{"{key}" + strings.Repeat("/abcdefgh", 60), "a", "text/plain", nil, ""}, // too long
	} {
		p := &sticky.Permanent{Pattern: tt.pattern}
		key, err := p.Key(&sticky.File{Name: tt.name, Type: tt.typ}, tt.values)
		if tt.want == "" {
			if err == nil {
				t.Errorf("pattern %q: key %q, want an error", tt.pattern, key)
			}
			continue
		}
		if err != nil {
			t.Errorf("pattern %q, name %q: %v", tt.pattern, tt.name, err)
			continue
		}
		re := regexp.MustCompile(strings.ReplaceAll(tt.want, "K", "[0-9a-f]{32}"))
		if !re.MatchString(key) {
			t.Errorf("pattern %q, name %q, values %q: key %q does not match %s", tt.pattern, tt.name, tt.values, key, tt.want)
		}
	}
}

func TestPermanentNeedsAPlace(t *testing.T) {
	p := &sticky.Permanent{}
	if _, err := p.Save(t.Context(), &sticky.File{Name: "a"}, nil); err == nil {
		t.Error("Save with no Vault: no error")
	}
	if _, err := p.Recover(t.Context()); err == nil {
		t.Error("Recover with no Vault: no error")
	}
}

var hexKey = regexp.MustCompile(`[0-9a-f]{32}`)

// FuzzPermanentKey checks that no pattern, file name or value makes a key
// that leaves its folder, hides or climbs: the values and names come from
// strangers.
func FuzzPermanentKey(f *testing.F) {
	f.Add("{owner}/{yyyy}/{mm}/{name}-{key}{ext}", "report.pdf", "alice")
	f.Add("{key}{ext}", "../../etc/passwd", "..")
	f.Add("{a}/{key}", "a.txt", "/")
	f.Add("x/{name}/{key}", ".htaccess", "\x00")
	f.Fuzz(func(t *testing.T, pattern, name, value string) {
		p := &sticky.Permanent{Pattern: pattern}
		key, err := p.Key(&sticky.File{Name: name, Type: "application/pdf"}, map[string]string{"owner": value, "a": value})
		if err != nil {
			return
		}
		if !fs.ValidPath(key) || !utf8.ValidString(key) || len(key) > 512 {
			t.Fatalf("pattern %q, name %q, value %q: invalid key %q", pattern, name, value, key)
		}
		if !hexKey.MatchString(key) {
			t.Fatalf("key %q has no random part", key)
		}
		for _, seg := range strings.Split(key, "/") {
			if seg == "" || strings.HasPrefix(seg, ".") || strings.ContainsAny(seg, "\\\x00 ") {
				t.Fatalf("pattern %q, name %q, value %q: key %q has the element %q", pattern, name, value, key, seg)
			}
		}
	})
}
