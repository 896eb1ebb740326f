package private_test

import (
	"context"
	"fmt"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/stickyuploads/sticky/private"
)

// currentUser stands for the app's own session lookup.
func currentUser(r *http.Request) string {
	c, err := r.Cookie("session")
	if err != nil {
		return ""
	}
	return c.Value
}

// document stands for a row of the app's database.
type document struct {
	ID, Owner, FileName, FileKey string
}

// documents stands for the app's database.
var documents = []*document{
	{ID: "7", Owner: "alice", FileName: "Quarterly report.pdf", FileKey: "9f/86d081884c7d65.pdf"},
}

// documentBy finds a document by its ID or its file's key.
func documentBy(id, key string) (*document, bool) {
	for _, d := range documents {
		if d.ID == id || d.FileKey == key {
			return d, true
		}
	}
	return nil, false
}

// A Handler mounted at /files/ serves the file whose key follows the
// prefix, to whom Authorize allows. The Parent function finds the
// document each file belongs to; Authorize and Name use it.
func ExampleHandler() {
	root, cleanup := openRoot(map[string]string{"9f/86d081884c7d65.pdf": "%PDF-1.7 ..."})
	defer cleanup()
	files := &private.Handler{
		Files:  private.Dir{Root: root},
		Prefix: "/files/",
		Parent: func(ctx context.Context, key string) (any, error) {
			doc, ok := documentBy("", key)
			if !ok {
				return nil, fs.ErrNotExist // answered 404
			}
			return doc, nil
		},
		Name: func(f *private.File) string { return f.Parent.(*document).FileName },
		Authorize: func(r *http.Request, f *private.File) bool {
			return currentUser(r) == f.Parent.(*document).Owner
		},
		// PDFs and images show in the browser; anything else downloads.
		Inline: func(*http.Request, *private.File) bool { return true },
	}
	mux := http.NewServeMux()
	mux.Handle("GET /files/", files)

	for _, user := range []string{"alice", "bob"} {
		r := httptest.NewRequest("GET", "/files/9f/86d081884c7d65.pdf", nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: user})
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(user, w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"))
	}
	// Output:
	// alice 200 application/pdf inline; filename="Quarterly report.pdf"
	// bob 403 text/plain; charset=utf-8
}

// With XAccelRedirect, the app still decides, and nginx sends the bytes
// from its internal location (see docs/private-files.md for its
// configuration). A route of the app's own looks the document up and
// calls Serve.
func ExampleXAccelRedirect() {
	root, cleanup := openRoot(map[string]string{"9f/86d081884c7d65.pdf": "%PDF-1.7 ..."})
	defer cleanup()
	files := &private.Handler{
		Files: private.Dir{Root: root},
		Name:  func(f *private.File) string { return f.Parent.(*document).FileName },
		Authorize: func(r *http.Request, f *private.File) bool {
			return currentUser(r) == f.Parent.(*document).Owner
		},
		Sender: private.XAccelRedirect{Prefix: "/private-internal/"},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /documents/{id}/file", func(w http.ResponseWriter, r *http.Request) {
		doc, ok := documentBy(r.PathValue("id"), "")
		if !ok {
			http.NotFound(w, r)
			return
		}
		files.Serve(w, r, doc.FileKey, doc)
	})

	r := httptest.NewRequest("GET", "/documents/7/file", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: "alice"})
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("X-Accel-Redirect"))
	fmt.Println(w.Header().Get("Content-Disposition"))
	fmt.Printf("%d bytes from the app\n", w.Body.Len())
	// Output:
	// 200 /private-internal/9f/86d081884c7d65.pdf
	// attachment; filename="Quarterly report.pdf"
	// 0 bytes from the app
}

// openRoot writes files to a new directory and opens it; cleanup removes
// it.
func openRoot(files map[string]string) (*os.Root, func()) {
	dir, err := os.MkdirTemp("", "private-example")
	if err != nil {
		log.Fatal(err)
	}
	for k, v := range files {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o600); err != nil {
			log.Fatal(err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		log.Fatal(err)
	}
	return root, func() { root.Close(); os.RemoveAll(dir) }
}
