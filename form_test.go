package sticky

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// readMultipart reads a multipart form post of parts sent by user ("" for
// nobody) to /submit?q=query.
func readMultipart(t *testing.T, up *Uploader, user string, parts ...mpPart) (*Form, *http.Request, error) {
	t.Helper()
	body, ct := mpBody(t, parts...)
	return readFormBody(t, up, user, ct, body)
}

func readFormBody(t *testing.T, up *Uploader, user, ct string, body io.Reader) (*Form, *http.Request, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/submit?q=query", body)
	r.Header.Set("Content-Type", ct)
	if user != "" {
		r.Header.Set("X-User", user)
	}
	form, err := up.ReadForm(httptest.NewRecorder(), r)
	if err == nil && form == nil {
		t.Fatal("ReadForm returned neither a form nor an error")
	}
	return form, r, err
}

// readURLEncoded reads a URL-encoded form post.
func readURLEncoded(t *testing.T, up *Uploader, user string, v url.Values) (*Form, *http.Request, error) {
	t.Helper()
	return readFormBody(t, up, user, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

func mustReadForm(t *testing.T, up *Uploader, user string, parts ...mpPart) (*Form, *http.Request) {
	t.Helper()
	form, r, err := readMultipart(t, up, user, parts...)
	if err != nil {
		t.Fatalf("ReadForm: %v", err)
	}
	return form, r
}

func fileBytes(t *testing.T, f *File) []byte {
	t.Helper()
	rc, err := f.Open(context.Background())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantFileErr checks that err is kind, with a sentence for a person.
func wantFileErr(t *testing.T, f *File, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("File: got %v, want %v", err, kind)
	}
	if f != nil {
		t.Errorf("File returned %+v with its error", f)
	}
	if !isSentence(err.Error()) {
		t.Errorf("error %q is not a sentence for a person", err.Error())
	}
}

func TestFormRef(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	rep := mustUpload(t, up, "alice", "file", "report.pdf", pdfBytes)
	tests := []struct {
		name  string
		parts []mpPart
	}{
		{"ref only", []mpPart{mpField("title", "T"), mpField("_file", rep.Stored)}},
		{"ref and an empty file input", []mpPart{mpField("title", "T"), mpFile("file", "", nil), mpField("_file", rep.Stored)}},
		{"ref before the other fields", []mpPart{mpField("_file", rep.Stored), mpField("title", "T")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, r := mustReadForm(t, up, "alice", tt.parts...)
			f, err := form.File("file")
			if err != nil {
				t.Fatalf("File: %v", err)
			}
			if f.Name != "report.pdf" || f.Size != int64(len(pdfBytes)) || f.Type != "application/pdf" || f.Ref != rep.Stored {
				t.Errorf("File = %+v", f)
			}
			if !bytes.Equal(fileBytes(t, f), pdfBytes) {
				t.Error("Open returned other bytes")
			}
			if form.Value("title") != "T" || r.FormValue("title") != "T" {
				t.Errorf("title = %q / %q", form.Value("title"), r.FormValue("title"))
			}
			if r.FormValue("q") != "query" {
				t.Errorf("query value lost: %q", r.FormValue("q"))
			}
			assertUploads(t, dir, 1)
		})
	}
}

func TestFormBytes(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	data := []byte("the contents of a plain text file\n")
	form, r := mustReadForm(t, up, "alice",
		mpField("title", "Hello"),
		mpFile("file", "../notes.txt", data),
		mpField("after", "a value after the file"),
		mpField("multi", "1"), mpField("multi", "2"))
	f, err := form.File("file")
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	if f.Name != "notes.txt" || f.Size != int64(len(data)) || f.Type != "text/plain" {
		t.Errorf("File = %+v", f)
	}
	if _, err := up.sign.verify(f.Ref, "alice", scopeOf(up.path, "file")); err != nil {
		t.Errorf("Ref does not verify for field file: %v", err)
	}
	if _, err := up.sign.verify(f.Ref, "alice", scopeOf(up.path, "other")); !errors.Is(err, ErrWrongField) {
		t.Errorf("Ref verifies for another field: %v", err)
	}
	if !bytes.Equal(fileBytes(t, f), data) {
		t.Error("Open returned other bytes")
	}
	for name, want := range map[string]string{"title": "Hello", "after": "a value after the file", "q": "query", "_file": f.Ref} {
		if got := r.FormValue(name); got != want {
			t.Errorf("r.FormValue(%q) = %q, want %q", name, got, want)
		}
	}
	if got := r.PostForm["multi"]; len(got) != 2 || got[0] != "1" || got[1] != "2" {
		t.Errorf("PostForm[multi] = %q", got)
	}
	if form.Value("title") != "Hello" || form.Value("missing") != "" {
		t.Errorf("Value: %q, %q", form.Value("title"), form.Value("missing"))
	}
	if _, _, err := r.FormFile("file"); err == nil {
		t.Error("r.FormFile found the file again")
	}
	if r.PostFormValue("q") != "" {
		t.Error("query value in PostForm")
	}
	assertUploads(t, dir, 1)

	// The form re-rendered with f.Ref posts it back: the same file.
	form2, _ := mustReadForm(t, up, "alice", mpField("title", "again"), mpField("_file", f.Ref))
	f2, err := form2.File("file")
	if err != nil {
		t.Fatalf("second post: %v", err)
	}
	if f2.Name != f.Name || f2.Size != f.Size || f2.Type != f.Type || f2.Ref != f.Ref {
		t.Errorf("second post: %+v, first %+v", f2, f)
	}
	if !bytes.Equal(fileBytes(t, f2), data) {
		t.Error("second post: other bytes")
	}
	assertUploads(t, dir, 1)
}

func TestFormBytesReplaceKept(t *testing.T) {
	for _, refFirst := range []bool{true, false} {
		t.Run(map[bool]string{true: "ref first", false: "bytes first"}[refFirst], func(t *testing.T) {
			up, dir := newTestUploader(t, Config{})
			old := mustUpload(t, up, "alice", "file", "old.txt", []byte("old contents"))
			parts := []mpPart{mpField("_file", old.Stored), mpFile("file", "new.txt", []byte("new contents"))}
			if !refFirst {
				parts[0], parts[1] = parts[1], parts[0]
			}
			form, r := mustReadForm(t, up, "alice", parts...)
			f, err := form.File("file")
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != "new.txt" || f.Ref == old.Stored || string(fileBytes(t, f)) != "new contents" {
				t.Errorf("File = %+v", f)
			}
			if got := r.PostForm["_file"]; len(got) != 1 || got[0] != f.Ref {
				t.Errorf("PostForm[_file] = %q, want only the new ref", got)
			}
			if _, err := up.fromRef(context.Background(), old.Stored, "alice", "file", 0); !errors.Is(err, ErrGone) {
				t.Errorf("old upload: %v, want ErrGone", err)
			}
			assertUploads(t, dir, 1)
		})
	}

	t.Run("someone else's ref is not discarded", func(t *testing.T) {
		up, dir := newTestUploader(t, Config{})
		bobs := mustUpload(t, up, "bob", "file", "bob.txt", []byte("bob's"))
		form, _ := mustReadForm(t, up, "alice", mpField("_file", bobs.Stored), mpFile("file", "a.txt", []byte("alice's")))
		if f, err := form.File("file"); err != nil || f.Name != "a.txt" {
			t.Fatalf("File = %+v, %v", f, err)
		}
		if _, err := up.fromRef(context.Background(), bobs.Stored, "bob", "file", 0); err != nil {
			t.Errorf("bob's upload: %v", err)
		}
		assertUploads(t, dir, 2)
	})
}

func TestFormRemove(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	rep := mustUpload(t, up, "alice", "file", "a.txt", []byte("to be removed"))

	// Someone else asking to remove it only loses their own field.
	form, _ := mustReadForm(t, up, "bob", mpField("_file", rep.Stored), mpField("_file_remove", "1"))
	f, err := form.File("file")
	wantFileErr(t, f, err, ErrNoFile)
	assertUploads(t, dir, 1)

	form, _ = mustReadForm(t, up, "alice", mpField("_file", rep.Stored), mpField("_file_remove", "1"), mpField("title", "T"))
	f, err = form.File("file")
	wantFileErr(t, f, err, ErrNoFile)
	assertStoreEmpty(t, dir)
	// Asking again gives the same answer.
	f, err = form.File("file")
	wantFileErr(t, f, err, ErrNoFile)
	if form.Value("title") != "T" {
		t.Error("title lost")
	}

	// Remove with a new file chosen: the new file wins.
	rep = mustUpload(t, up, "alice", "file", "b.txt", []byte("kept"))
	form, _ = mustReadForm(t, up, "alice", mpField("_file", rep.Stored), mpField("_file_remove", "1"), mpFile("file", "c.txt", []byte("chosen")))
	f, err = form.File("file")
	if err != nil || f.Name != "c.txt" {
		t.Fatalf("File = %+v, %v", f, err)
	}
	assertUploads(t, dir, 1)
}

func TestFormFileErrors(t *testing.T) {
	const maxSize = 10 << 10
	up, dir := newTestUploader(t, Config{MaxSize: maxSize, Accept: []string{"image/*", ".txt"}})
	png := pngBytes(t)
	tests := []struct {
		name  string
		user  string
		parts []mpPart
		kind  error
		says  string
	}{
		{"too large", "alice", []mpPart{mpField("title", "T"), mpFile("file", "big.txt", bytes.Repeat([]byte("x"), 2*maxSize)), mpField("after", "A")}, ErrTooLarge, "10 KiB"},
		{"one byte over", "alice", []mpPart{mpField("title", "T"), mpFile("file", "big.txt", bytes.Repeat([]byte("x"), maxSize+1)), mpField("after", "A")}, ErrTooLarge, "10 KiB"},
		{"wrong type", "alice", []mpPart{mpField("title", "T"), mpFile("file", "page.txt", []byte(htmlText)), mpField("after", "A")}, ErrType, ""},
		{"executable", "alice", []mpPart{mpField("title", "T"), mpFile("file", "photo.jpg", elfBytes), mpField("after", "A")}, ErrType, ""},
		{"no file chosen", "alice", []mpPart{mpField("title", "T"), mpFile("file", "", nil), mpField("after", "A")}, ErrNoFile, ""},
		{"no file part", "alice", []mpPart{mpField("title", "T"), mpField("after", "A")}, ErrNoFile, ""},
		{"empty ref", "alice", []mpPart{mpField("title", "T"), mpField("_file", ""), mpField("after", "A")}, ErrNoFile, ""},
		{"empty file", "alice", []mpPart{mpField("title", "T"), mpFile("file", "empty.txt", nil), mpField("after", "A")}, ErrEmpty, ""},
		{"nobody", "", []mpPart{mpField("title", "T"), mpFile("file", "p.png", png), mpField("after", "A")}, ErrNotAllowed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, r := mustReadForm(t, up, tt.user, tt.parts...)
			f, err := form.File("file")
			wantFileErr(t, f, err, tt.kind)
			if tt.says != "" && !strings.Contains(err.Error(), tt.says) {
				t.Errorf("message %q does not say %q", err, tt.says)
			}
			if form.Value("title") != "T" || form.Value("after") != "A" || r.FormValue("after") != "A" {
				t.Errorf("values lost: title %q after %q", form.Value("title"), form.Value("after"))
			}
			assertStoreEmpty(t, dir)
		})
	}
}

func TestFormRefErrors(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	rep := mustUpload(t, up, "alice", "file", "a.txt", []byte("alice's file"))
	other := mustUpload(t, up, "alice", "avatar", "b.txt", []byte("for another field"))
	c, err := up.sign.verify(rep.Stored, "alice", scopeOf(up.path, "file"))
	if err != nil {
		t.Fatal(err)
	}

	past := up.sign
	past.now = func() time.Time { return time.Now().Add(-2 * up.ttl) }
	expired := past.sign(c.ID, "alice", scopeOf(up.path, "file"), up.ttl)

	raw := []byte(rep.Stored)
	raw[len(raw)/2] ^= 1
	tampered := string(raw)

	// Another Uploader, same keys and store, mounted elsewhere.
	up2, _ := newTestUploader(t, Config{Path: "/other/", Store: up.store})
	elsewhere := mustUpload(t, up2, "alice", "file", "c.txt", []byte("other endpoint"))

	rotated := signer{keys: [][]byte{[]byte("a-key-nobody-here-knows-0123456789abcdef")}, now: time.Now}
	foreignKey := rotated.sign(c.ID, "alice", scopeOf(up.path, "file"), time.Hour)

	tests := []struct {
		name string
		user string
		ref  string
		kind error
	}{
		{"expired", "alice", expired, ErrExpired},
		{"tampered", "alice", tampered, ErrInvalidRef},
		{"garbage", "alice", "<script>alert(1)</script>", ErrInvalidRef},
		{"unknown key", "alice", foreignKey, ErrInvalidRef},
		{"foreign owner", "bob", rep.Stored, ErrNotOwner},
		{"wrong field", "alice", other.Stored, ErrWrongField},
		{"other endpoint", "alice", elsewhere.Stored, ErrWrongField},
		{"nobody", "", rep.Stored, ErrNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, enc := range []string{"multipart", "urlencoded"} {
				var form *Form
				var err error
				if enc == "multipart" {
					form, _, err = readMultipart(t, up, tt.user, mpField("title", "T"), mpField("_file", tt.ref))
				} else {
					form, _, err = readURLEncoded(t, up, tt.user, url.Values{"title": {"T"}, "_file": {tt.ref}})
				}
				if err != nil {
					t.Fatalf("%s: ReadForm: %v", enc, err)
				}
				f, err := form.File("file")
				wantFileErr(t, f, err, tt.kind)
				for _, k := range []error{ErrExpired, ErrInvalidRef, ErrNotOwner, ErrWrongField, ErrNotAllowed} {
					if k != tt.kind && errors.Is(err, k) {
						t.Errorf("%s: %v also matches %v", enc, err, k)
					}
				}
				if form.Value("title") != "T" {
					t.Errorf("%s: title lost", enc)
				}
			}
			// A bad reference never removes the file it points to.
			assertUploads(t, dir, 3)
		})
	}
}

func TestFormGone(t *testing.T) {
	up, dir := newTestUploader(t, Config{})

	t.Run("removed from the store", func(t *testing.T) {
		rep := mustUpload(t, up, "alice", "file", "a.txt", []byte("soon gone"))
		for _, f := range storeFiles(t, dir) {
			os.Remove(f)
		}
		form, _ := mustReadForm(t, up, "alice", mpField("_file", rep.Stored))
		f, err := form.File("file")
		wantFileErr(t, f, err, ErrGone)
	})

	t.Run("discarded", func(t *testing.T) {
		rep := mustUpload(t, up, "alice", "file", "a.txt", []byte("soon gone"))
		f, err := up.fromRef(context.Background(), rep.Stored, "alice", "file", 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Discard(context.Background()); err != nil {
			t.Fatal(err)
		}
		form, _, err := readURLEncoded(t, up, "alice", url.Values{"_file": {rep.Stored}})
		if err != nil {
			t.Fatal(err)
		}
		f, err = form.File("file")
		wantFileErr(t, f, err, ErrGone)
		if Status(err) != http.StatusGone {
			t.Errorf("Status = %d, want 410", Status(err))
		}
	})

	t.Run("only the binary removed", func(t *testing.T) {
		rep := mustUpload(t, up, "alice", "file", "a.txt", []byte("soon gone"))
		for _, f := range storeFiles(t, dir) {
			if !strings.HasSuffix(f, ".info") {
				os.Remove(f)
			}
		}
		form, _ := mustReadForm(t, up, "alice", mpField("_file", rep.Stored))
		f, err := form.File("file")
		wantFileErr(t, f, err, ErrGone)
		for _, f := range storeFiles(t, dir) {
			os.Remove(f)
		}
	})

	t.Run("never finished", func(t *testing.T) {
		ctx := context.Background()
		u, err := up.store.NewUpload(ctx, handler.FileInfo{SizeIsDeferred: true, MetaData: handler.MetaData{"filename": "half.txt"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := u.WriteChunk(ctx, 0, strings.NewReader("half of it")); err != nil {
			t.Fatal(err)
		}
		info, _ := u.GetInfo(ctx)
		ref := up.sign.sign(info.ID, "alice", scopeOf(up.path, "file"), time.Hour)
		form, _ := mustReadForm(t, up, "alice", mpField("_file", ref))
		f, err := form.File("file")
		wantFileErr(t, f, err, ErrGone)
	})
}

func TestFormURLEncoded(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	rep := mustUpload(t, up, "alice", "file", "a.txt", []byte("kept across posts"))

	form, r, err := readURLEncoded(t, up, "alice", url.Values{"title": {"T"}, "_file": {rep.Stored}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := form.File("file")
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "a.txt" || f.Ref != rep.Stored || string(fileBytes(t, f)) != "kept across posts" {
		t.Errorf("File = %+v", f)
	}
	if r.FormValue("title") != "T" || form.Value("title") != "T" || r.FormValue("q") != "query" {
		t.Errorf("values: %q %q %q", r.FormValue("title"), form.Value("title"), r.FormValue("q"))
	}

	form, _, err = readURLEncoded(t, up, "alice", url.Values{"_file": {rep.Stored}, "_file_remove": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	f, err = form.File("file")
	wantFileErr(t, f, err, ErrNoFile)
	assertStoreEmpty(t, dir)

	// A URL-encoded post over the values limit.
	big := url.Values{"title": {strings.Repeat("x", maxFormValues+1)}}
	if _, _, err := readURLEncoded(t, up, "alice", big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("URL-encoded post over %d bytes: %v, want ErrTooLarge", maxFormValues, err)
	}
}

func TestFormTooLarge(t *testing.T) {
	t.Run("files over MaxFormSize", func(t *testing.T) {
		up, dir := newTestUploader(t, Config{MaxSize: 64 << 10, MaxFormSize: 100 << 10})
		first := bytes.Repeat([]byte("a"), 60<<10)
		second := bytes.Repeat([]byte("b"), 60<<10)
		_, _, err := readMultipart(t, up, "alice", mpField("title", "T"), mpFile("one", "a.txt", first), mpFile("two", "b.txt", second))
		if !errors.Is(err, ErrTooLarge) || Status(err) != http.StatusRequestEntityTooLarge {
			t.Fatalf("ReadForm: %v, want ErrTooLarge", err)
		}
		if !isSentence(err.Error()) {
			t.Errorf("error %q is not a sentence", err)
		}
		assertStoreEmpty(t, dir)
	})
	t.Run("file alone over MaxFormSize", func(t *testing.T) {
		up, dir := newTestUploader(t, Config{MaxSize: 64 << 10, MaxFormSize: 32 << 10})
		_, _, err := readMultipart(t, up, "alice", mpFile("file", "a.txt", bytes.Repeat([]byte("a"), 40<<10)))
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("ReadForm: %v, want ErrTooLarge", err)
		}
		assertStoreEmpty(t, dir)
	})
	t.Run("the message names the form's limit", func(t *testing.T) {
		up, _ := newTestUploader(t, Config{MaxSize: 64 << 10, MaxFormSize: 100 << 10})
		_, _, err := readMultipart(t, up, "alice", mpFile("file", "a.txt", []byte("small")), mpField("essay", strings.Repeat("e", 120<<10)))
		if want := "The form is too large: the limit is 100 KiB."; err == nil || err.Error() != want {
			t.Fatalf("ReadForm: %v, want %q", err, want)
		}
	})
	t.Run("values over MaxFormSize", func(t *testing.T) {
		up, dir := newTestUploader(t, Config{MaxSize: 1 << 10, MaxFormSize: 8 << 10})
		_, _, err := readMultipart(t, up, "alice", mpFile("file", "a.txt", []byte("small")), mpField("essay", strings.Repeat("e", 10<<10)))
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("ReadForm: %v, want ErrTooLarge", err)
		}
		assertStoreEmpty(t, dir)
	})
	t.Run("values over their own limit", func(t *testing.T) {
		up, dir := newTestUploader(t, Config{MaxSize: 1 << 10, MaxFormSize: 2 * maxFormValues})
		_, _, err := readMultipart(t, up, "alice", mpFile("file", "a.txt", []byte("small")),
			mpField("a", strings.Repeat("a", maxFormValues/2)), mpField("b", strings.Repeat("b", maxFormValues/2+1)))
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("ReadForm: %v, want ErrTooLarge", err)
		}
		assertStoreEmpty(t, dir)
	})
}

func TestFormMalformed(t *testing.T) {
	up, dir := newTestUploader(t, Config{})

	t.Run("no boundary", func(t *testing.T) {
		_, _, err := readFormBody(t, up, "alice", "multipart/form-data", strings.NewReader("x"))
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("ReadForm: %v, want ErrMalformed", err)
		}
	})
	t.Run("garbage body", func(t *testing.T) {
		_, _, err := readFormBody(t, up, "alice", "multipart/form-data; boundary=xyz", strings.NewReader("--xyz\r\nbroken"))
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("ReadForm: %v, want ErrMalformed", err)
		}
	})
	t.Run("cut short in a file, after another file", func(t *testing.T) {
		body, ct := mpBody(t,
			mpFile("one", "a.txt", []byte("complete")),
			mpFile("two", "b.txt", bytes.Repeat([]byte("b"), 20_000)))
		cut := body.Bytes()[:body.Len()-5_000]
		_, _, err := readFormBody(t, up, "alice", ct, bytes.NewReader(cut))
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("ReadForm: %v, want ErrMalformed", err)
		}
		assertStoreEmpty(t, dir)
	})
	t.Run("too many parts", func(t *testing.T) {
		parts := []mpPart{mpFile("file", "a.txt", []byte("x"))}
		for range maxFormParts {
			parts = append(parts, mpField("f", "v"))
		}
		_, _, err := readMultipart(t, up, "alice", parts...)
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("ReadForm: %v, want ErrMalformed", err)
		}
		assertStoreEmpty(t, dir)
	})
}

func TestFormOneFilePerField(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	form, _ := mustReadForm(t, up, "alice",
		mpFile("file", "first.txt", []byte("first")),
		mpFile("file", "second.txt", []byte("second")),
		mpFile("photo", "third.txt", []byte("third")))
	f, err := form.File("file")
	if err != nil || f.Name != "first.txt" || string(fileBytes(t, f)) != "first" {
		t.Fatalf("File(file) = %+v, %v", f, err)
	}
	p, err := form.File("photo")
	if err != nil || p.Name != "third.txt" {
		t.Fatalf("File(photo) = %+v, %v", p, err)
	}
	if _, err := up.sign.verify(p.Ref, "alice", scopeOf(up.path, "photo")); err != nil {
		t.Errorf("photo ref: %v", err)
	}
	assertUploads(t, dir, 2)
}

// The form's bytes go through ReadForm in a handler behind a real server too.
func TestFormThroughServer(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	mux := http.NewServeMux()
	mux.Handle(up.path, up)
	got := make(chan string, 1)
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		form, err := up.ReadForm(w, r)
		if err != nil {
			http.Error(w, err.Error(), Status(err))
			return
		}
		f, err := form.File("file")
		if err != nil {
			http.Error(w, err.Error(), Status(err))
			return
		}
		key, err := (&Permanent{Vault: DirVault(root)}).Save(r.Context(), f, nil)
		if err != nil {
			http.Error(w, err.Error(), Status(err))
			return
		}
		b, _ := root.ReadFile(key)
		got <- f.Name + "|" + string(b) + "|" + r.FormValue("title")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("title", "Hi")
	fw, _ := mw.CreateFormFile("file", "x.txt")
	fw.Write([]byte("server side"))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/submit", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-User", "alice")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if s := <-got; s != "x.txt|server side|Hi" {
		t.Errorf("handler saw %q", s)
	}
	assertStoreEmpty(t, dir)
}

// A new file that breaks a rule leaves the file kept before in place: the
// person sees the error and still has their earlier file.
func TestFormRefusedReplacementKeepsKept(t *testing.T) {
	up, dir := newTestUploader(t, Config{MaxSize: 1 << 10})
	old := mustUpload(t, up, "alice", "file", "old.txt", []byte("old contents"))
	form, r := mustReadForm(t, up, "alice", mpField("_file", old.Stored), mpFile("file", "big.txt", bytes.Repeat([]byte("b"), 2<<10)))
	f, err := form.File("file")
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("File error = %v, want ErrTooLarge", err)
	}
	if f == nil || f.Name != "old.txt" || f.Ref != old.Stored || string(fileBytes(t, f)) != "old contents" {
		t.Fatalf("File = %+v, want the kept old.txt", f)
	}
	if got := r.PostFormValue("_file"); got != old.Stored {
		t.Errorf("PostForm[_file] = %q, want the kept ref", got)
	}
	assertUploads(t, dir, 1)
}

// unreachableStore is a disk store whose uploads cannot be looked up.
type unreachableStore struct{ *DiskStore }

func (unreachableStore) GetUpload(context.Context, string) (handler.Upload, error) {
	return nil, errors.New("connection refused")
}

// A kept file whose store is down stays chosen: its reference goes back
// into the re-rendered field, and the error says the store is unavailable.
func TestKeptFileSurvivesStoreOutage(t *testing.T) {
	disk := diskAt(t, filepath.Join(t.TempDir(), "store"))
	up, _ := newTestUploader(t, Config{Store: disk})
	form, _ := mustReadForm(t, up, "alice", mpFile("doc", "a.txt", []byte("kept across an outage\n")))
	kept, err := form.File("doc")
	if err != nil {
		t.Fatal(err)
	}
	down, _ := newTestUploader(t, Config{Store: unreachableStore{disk}})
	form, _, err = readMultipart(t, down, "alice", mpField(keptName("doc"), kept.Ref))
	if err != nil {
		t.Fatal(err)
	}
	f, err := form.File("doc")
	if !errors.Is(err, ErrStoreUnavailable) || f == nil || f.Ref != kept.Ref {
		t.Fatalf("File with the store down: %+v, %v", f, err)
	}
	if html := string(down.Widget(Widget{Name: "doc", Kept: f})); !strings.Contains(html, kept.Ref) {
		t.Errorf("the re-rendered field lost the reference:\n%s", html)
	}
	files, err := form.Files("doc")
	if !errors.Is(err, ErrStoreUnavailable) || len(files) != 1 || files[0].Ref != kept.Ref {
		t.Errorf("Files with the store down: %v, %v", files, err)
	}
}
