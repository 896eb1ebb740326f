package sticky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stickyuploads/sticky/internal/tusclient"
	"github.com/stickyuploads/sticky/thumbnail"
)

// wayIn sends one file to an Uploader by one of its three ways in, as
// alice, and returns the status, the reply (nil on a form post) and the
// file (nil on a failure).
type wayIn func(t *testing.T, up *Uploader, c *tusclient.Client, field, name string, data []byte) (int, map[string]any, *File)

var waysIn = map[string]wayIn{
	"endpoint": func(t *testing.T, up *Uploader, _ *tusclient.Client, field, name string, data []byte) (int, map[string]any, *File) {
		body, ct := mpBody(t, mpField("field", field), mpFile("upload", name, data))
		r := httptest.NewRequest(http.MethodPost, up.path, body)
		r.Header.Set("Content-Type", ct)
		r.Header.Set("X-User", "alice")
		w := httptest.NewRecorder()
		up.ServeHTTP(w, r)
		var rep map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
			t.Fatalf("reply %q: %v", w.Body, err)
		}
		if w.Code != http.StatusOK {
			checkFailureJSON(t, w.Body.Bytes())
			return w.Code, rep, nil
		}
		f, err := formFile(t, up, "alice", field, rep["stored"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return w.Code, rep, f
	},
	"form": func(t *testing.T, up *Uploader, _ *tusclient.Client, field, name string, data []byte) (int, map[string]any, *File) {
		form, _ := mustReadForm(t, up, "alice", mpFile(field, name, data))
		f, err := form.File(field)
		if err != nil {
			return Status(err), map[string]any{"errors": map[string]any{"upload": []any{err.Error()}}}, nil
		}
		return http.StatusOK, nil, f
	},
	"tus": func(t *testing.T, up *Uploader, c *tusclient.Client, field, name string, data []byte) (int, map[string]any, *File) {
		_, res, err := c.Create(t.Context(), int64(len(data)), map[string]string{"field": field, "filename": name, "filetype": "text/plain"}, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != http.StatusCreated {
			checkFailureJSON(t, []byte(res.Body))
			var rep map[string]any
			json.Unmarshal([]byte(res.Body), &rep)
			return res.Status, rep, nil
		}
		f, err := formFile(t, up, "alice", field, res.Header.Get(RefHeader))
		if err != nil {
			t.Fatal(err)
		}
		return http.StatusOK, stickyReply(t, res), f
	},
}

func errorOf(rep map[string]any) string {
	errs, _ := rep["errors"].(map[string]any)
	msgs, _ := errs["upload"].([]any)
	if len(msgs) != 1 {
		return ""
	}
	s, _ := msgs[0].(string)
	return s
}

func TestBeforeAndRename(t *testing.T) {
	var mu sync.Mutex
	var seen []Incoming
	up, dir, c := tusServer(t, Config{
		Before: func(r *http.Request, in Incoming) error {
			mu.Lock()
			seen = append(seen, in)
			mu.Unlock()
			switch {
			case r.Header.Get("X-User") != "alice":
				return Refuse(http.StatusForbidden, "Only alice.")
			case in.Name == "quota.txt":
				return Refuse(http.StatusTooManyRequests, "You have uploaded enough for today.")
			case in.Name == "broken.txt":
				return errors.New("database down")
			}
			return nil
		},
		Rename: func(r *http.Request, in Incoming) string { return "2025-06-01 " + in.Name },
	})
	for way, send := range waysIn {
		t.Run(way, func(t *testing.T) {
			seen = nil
			status, rep, f := send(t, up, c, "doc", "../notes.txt", []byte("hello"))
			if status != http.StatusOK || f == nil || f.Name != "2025-06-01 notes.txt" {
				t.Fatalf("%d %v %+v", status, rep, f)
			}
			if rep != nil && rep["filename"] != "2025-06-01 notes.txt" {
				t.Errorf("reply %v", rep)
			}
			want := Incoming{Field: "doc", Name: "notes.txt", Size: -1, Type: "application/octet-stream"}
			if way == "tus" {
				want.Size, want.Type = 5, "text/plain"
			}
			if len(seen) != 1 || seen[0] != want {
				t.Errorf("Before saw %+v, want %+v", seen, want)
			}
			f.Discard(t.Context())

			status, rep, _ = send(t, up, c, "doc", "quota.txt", []byte("hello"))
			if status != http.StatusTooManyRequests || errorOf(rep) != "You have uploaded enough for today." {
				t.Errorf("quota: %d %v", status, rep)
			}
			status, rep, _ = send(t, up, c, "doc", "broken.txt", []byte("hello"))
			if status != http.StatusForbidden || errorOf(rep) != "This upload is not allowed." {
				t.Errorf("plain error: %d %v", status, rep)
			}
			assertStoreEmpty(t, dir)
		})
	}
}

func TestRefuse(t *testing.T) {
	err := Refuse(http.StatusTooManyRequests, "Slow down.")
	if Status(err) != 429 || !errors.Is(err, ErrRefused) || err.Error() != "Slow down." {
		t.Errorf("Refuse(429): %d %v %q", Status(err), errors.Is(err, ErrRefused), err)
	}
	if Status(Refuse(200, "Fine.")) != http.StatusForbidden {
		t.Error("Refuse with a success status does not refuse")
	}
	if Status(errors.Join(errors.New("x"), Refuse(402, "Pay."))) != 402 {
		t.Error("a wrapped refusal loses its status")
	}
}

// lineCount is a processor that counts a text file's lines.
var lineCount = ProcessorFunc(func(ctx context.Context, f *File) (map[string]any, error) {
	rc, err := f.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return map[string]any{"lines": bytes.Count(b, []byte("\n")), "filename": "overwritten?"}, nil
})

func TestProcessorsJoinTheReply(t *testing.T) {
	var mu sync.Mutex
	runs := 0
	up, _, c := tusServer(t, Config{Processors: []Processor{
		lineCount,
		ProcessorFunc(func(ctx context.Context, f *File) (map[string]any, error) {
			mu.Lock()
			runs++
			mu.Unlock()
			if f.Ref != "" || f.Name != "a.txt" || f.Type != "text/plain" || f.Size != 6 {
				t.Errorf("processor got %+v", f)
			}
			return map[string]any{"checked": true, "lines": "second wins", "note": "caf\u00e9 \U0001F600"}, nil
		}),
	}})
	for way, send := range waysIn {
		t.Run(way, func(t *testing.T) {
			status, rep, f := send(t, up, c, "doc", "a.txt", []byte("a\nb\nc\n"))
			if status != http.StatusOK || f == nil {
				t.Fatalf("%d %v", status, rep)
			}
			if rep != nil && (rep["lines"] != "second wins" || rep["checked"] != true || rep["filename"] != "a.txt" ||
				rep["note"] != "caf\u00e9 \U0001F600" || rep["is_valid"] != true) {
				t.Errorf("reply %v", rep)
			}
		})
	}
	if runs != len(waysIn) {
		t.Errorf("the processor ran %d times for %d uploads", runs, len(waysIn))
	}
}

// failAfterDeriving derives a file, then fails with err.
type failAfterDeriving struct{ err error }

func (p failAfterDeriving) Derive(ctx context.Context, open func() (io.ReadCloser, error), create func(name, contentType string) (io.WriteCloser, error)) (map[string]any, error) {
	w, err := create("side.txt", "text/plain")
	if err != nil {
		return nil, err
	}
	io.WriteString(w, "made on the side")
	if err := w.Close(); err != nil {
		return nil, err
	}
	return nil, p.err
}

func TestProcessorFailureLeavesNothing(t *testing.T) {
	for _, tt := range []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{"plain error", errors.New("virus scanner unreachable"), 422, "The file could not be processed. Please check it, or choose another one."},
		{"refusal", Refuse(http.StatusRequestEntityTooLarge, "Your storage is full."), 413, "Your storage is full."},
		{"wrapped refusal", errors.Join(errors.New("quota"), Refuse(402, "Please upgrade.")), 402, "Please upgrade."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			up, dir, c := tusServer(t, Config{Processors: []Processor{lineCount, Derive(failAfterDeriving{tt.err})}})
			for way, send := range waysIn {
				status, rep, f := send(t, up, c, "doc", "a.txt", []byte("a\nb\n"))
				if status != tt.status || f != nil || errorOf(rep) != tt.msg {
					t.Errorf("%s: %d %v", way, status, rep)
				}
				assertStoreEmpty(t, dir)
			}
		})
	}
}

// deriver runs a function as a Deriver.
type deriver func(create func(name, contentType string) (io.WriteCloser, error)) error

func (d deriver) Derive(ctx context.Context, open func() (io.ReadCloser, error), create func(name, contentType string) (io.WriteCloser, error)) (map[string]any, error) {
	return nil, d(create)
}

func TestDeriverMistakes(t *testing.T) {
	for _, tt := range []struct {
		name string
		d    deriver
	}{
		{"bad name", func(create func(string, string) (io.WriteCloser, error)) error {
			_, err := create("../x.jpg", "image/jpeg")
			return err
		}},
		{"same name twice", func(create func(string, string) (io.WriteCloser, error)) error {
			w, _ := create("a.txt", "text/plain")
			w.Close()
			_, err := create("a.txt", "text/plain")
			return err
		}},
		{"left open", func(create func(string, string) (io.WriteCloser, error)) error {
			w, err := create("a.txt", "text/plain")
			if err == nil {
				io.WriteString(w, "never closed")
			}
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			up, dir := newTestUploader(t, Config{Processors: []Processor{Derive(tt.d)}})
			form, _ := mustReadForm(t, up, "alice", mpFile("doc", "a.txt", []byte("text")))
			if _, err := form.File("doc"); Status(err) != http.StatusUnprocessableEntity {
				t.Errorf("File: %v", err)
			}
			assertStoreEmpty(t, dir)
		})
	}
	// Outside processing, nothing can be derived.
	up, _ := newTestUploader(t, Config{})
	f := keptFile(t, up, "a.txt", []byte("text"))
	if _, err := f.create(t.Context(), "x.txt", "text/plain"); err == nil {
		t.Error("a file derived after processing")
	}
}

func TestDeriveThumbnail(t *testing.T) {
	spec := thumbnail.Spec{Width: 4, Height: 4, Format: "jpeg"}
	up, dir, c := tusServer(t, Config{Processors: []Processor{lineCount, Derive(spec)}})
	img := pngBytes(t) // 8×8
	for way, send := range waysIn {
		t.Run(way, func(t *testing.T) {
			status, rep, f := send(t, up, c, "photo", "me.png", img)
			if status != http.StatusOK || f == nil {
				t.Fatalf("%d %v", status, rep)
			}
			if rep != nil {
				th, _ := rep["thumbnail"].(map[string]any)
				if th["name"] != "thumbnail.jpg" || th["width"] != 4.0 || th["height"] != 4.0 || th["type"] != "image/jpeg" {
					t.Errorf("reply %v", rep)
				}
			}
			derived, err := f.Derived(t.Context())
			if err != nil || len(derived) != 1 {
				t.Fatalf("Derived: %v %v", derived, err)
			}
			d := derived[0]
			if d.Name != "thumbnail.jpg" || d.Type != "image/jpeg" || d.Ref != "" {
				t.Errorf("derived %+v", d)
			}
			if cfg, err := jpeg.DecodeConfig(bytes.NewReader(fileBytes(t, d))); err != nil || cfg.Width != 4 {
				t.Errorf("the thumbnail: %+v %v", cfg, err)
			}

			// Saved for good, beside the image.
			root, err := os.OpenRoot(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			key, err := (&Permanent{Vault: DirVault(root), Pattern: "photos/{key}{ext}"}).Save(t.Context(), f, nil)
			if err != nil {
				t.Fatal(err)
			}
			thumbKey := DerivedKey(key, d.Name)
			if !strings.HasSuffix(thumbKey, "-thumbnail.jpg") || strings.Contains(thumbKey, ".png") {
				t.Errorf("key %q, thumbnail's %q", key, thumbKey)
			}
			for k, want := range map[string][]byte{key: img, thumbKey: nil} {
				b, err := root.ReadFile(k)
				if err != nil || want != nil && !bytes.Equal(b, want) || len(b) == 0 {
					t.Errorf("saved %s: %d bytes, %v", k, len(b), err)
				}
			}
			assertStoreEmpty(t, dir)
		})
	}

	// Not an image: no thumbnail, and nothing kept beside the file (a
	// resumable upload keeps its receipt).
	form, _ := mustReadForm(t, up, "alice", mpFile("doc", "a.txt", []byte("text\n")))
	f, err := form.File("doc")
	if err != nil {
		t.Fatal(err)
	}
	if derived, err := f.Derived(t.Context()); err != nil || len(derived) != 0 {
		t.Errorf("Derived of a text file: %v %v", derived, err)
	}
	assertUploads(t, dir, 1)

	// Discarding an image discards its thumbnail and receipt.
	status, _, f := waysIn["tus"](t, up, c, "photo", "me.png", img)
	if status != http.StatusOK {
		t.Fatal(status)
	}
	if err := f.Discard(t.Context()); err != nil {
		t.Fatal(err)
	}
	assertUploads(t, dir, 1)
}

func TestDerivedKey(t *testing.T) {
	for _, tt := range [][3]string{
		{"2025/ab12.jpg", "thumbnail.jpg", "2025/ab12-thumbnail.jpg"},
		{"ab12", "icon.png", "ab12-icon.png"},
		{"dir.v1/ab12", "icon.png", "dir.v1/ab12-icon.png"},
	} {
		if got := DerivedKey(tt[0], tt[1]); got != tt[2] {
			t.Errorf("DerivedKey(%q, %q) = %q, want %q", tt[0], tt[1], got, tt[2])
		}
	}
}

func TestASCIIJSON(t *testing.T) {
	in := map[string]string{"name": "caf\u00e9 \U0001F600 <b>", "ok": "plain"}
	b, _ := json.Marshal(in)
	got := asciiJSON(b)
	if want := `{"name":"caf\u00e9 \ud83d\ude00 \u003cb\u003e","ok":"plain"}`; got != want {
		t.Errorf("asciiJSON = %s, want %s", got, want)
	}
	var back map[string]string
	if err := json.Unmarshal([]byte(got), &back); err != nil || back["name"] != in["name"] {
		t.Errorf("round trip: %v %v", back, err)
	}
}

// A processor sees which field a file is for, on every way in.
func TestProcessorSeesField(t *testing.T) {
	var seen []string
	up, _ := newTestUploader(t, Config{Processors: []Processor{ProcessorFunc(func(ctx context.Context, f *File) (map[string]any, error) {
		seen = append(seen, f.Field)
		return nil, nil
	})}})
	mustUpload(t, up, "alice", "avatar", "a.txt", []byte("one"))
	form, _ := mustReadForm(t, up, "alice", mpFile("doc", "d.txt", []byte("two")))
	f, err := form.File("doc")
	if err != nil || f.Field != "doc" {
		t.Fatalf("File = %+v, %v", f, err)
	}
	if strings.Join(seen, ",") != "avatar,doc" {
		t.Errorf("processors saw fields %q", seen)
	}
}

// A Processor learns whose file it processes, on every way in.
func TestIdentityOfInProcessor(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	who := ProcessorFunc(func(ctx context.Context, f *File) (map[string]any, error) {
		mu.Lock()
		seen = append(seen, IdentityOf(ctx))
		mu.Unlock()
		return nil, nil
	})
	up, _ := newTestUploader(t, Config{Processors: []Processor{who}})
	srv := waysServer(t, up)
	for _, way := range entries {
		if got := way.send(t, srv, up, "alice", "doc", "a.txt", []byte("whose?\n")); got.status != 200 {
			t.Fatalf("%s: %d %s", way.name, got.status, got.msg)
		}
	}
	if len(seen) != len(entries) {
		t.Fatalf("processed %d files, want %d", len(seen), len(entries))
	}
	for i, id := range seen {
		if id != "alice" {
			t.Errorf("%s: IdentityOf = %q, want alice", entries[i].name, id)
		}
	}
	if IdentityOf(context.Background()) != "" {
		t.Error("IdentityOf outside a processor is not empty")
	}
}
