// Command templ is a sticky file field in a page written with templ
// (page.templ; page_templ.go is generated from it by templ generate).
package main

import (
	"context"
	"crypto/rand"
	"log"
	"net/http"
	"os"

	"github.com/stickyuploads/sticky"
)

//go:generate go tool templ generate -f page.templ

func main() {
	key := make([]byte, 32) // in production: from your secrets, the same on every server
	rand.Read(key)
	up, err := sticky.New(sticky.Config{
		Keys:     [][]byte{key},
		Identity: func(r *http.Request) string { return "me" }, // the signed-in user's id
		Accept:   []string{"image/*", "application/pdf", "text/plain"},
		MaxSize:  10 << 20,
	})
	if err != nil {
		log.Fatal(err)
	}
	os.MkdirAll("files", 0o700)
	root, err := os.OpenRoot("files")
	if err != nil {
		log.Fatal(err)
	}
	docs := &sticky.Permanent{Vault: sticky.DirVault(root)}
	docs.Recover(context.Background())

	app, err := newApp(up, docs)
	if err != nil {
		log.Fatal(err)
	}
	log.Println("listening on http://127.0.0.1:8081")
	log.Fatal(http.ListenAndServe("127.0.0.1:8081", http.NewCrossOriginProtection().Handler(app)))
}

// newApp routes the uploader and the form; the page is the templ
// component Page, the sticky field its component Field.
func newApp(up *sticky.Uploader, docs *sticky.Permanent) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle("/uploads/", up)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		file := sticky.Widget{Name: "file", Required: true}
		Page(up, formPage{File: file, Saved: r.URL.Query().Get("saved")}).Render(r.Context(), w)
	})
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		form, err := up.ReadForm(w, r)
		if err != nil {
			http.Error(w, err.Error(), sticky.Status(err))
			return
		}
		file, fileErr := form.File("file")
		title := form.Value("title")
		if fileErr != nil || title == "" {
			p := formPage{Title: title, File: sticky.Widget{Name: "file", Required: true, Kept: file}}
			if fileErr != nil {
				p.File.Error = fileErr.Error()
			}
			if title == "" {
				p.TitleError = "Give the file a title."
			}
			w.WriteHeader(http.StatusUnprocessableEntity)
			Page(up, p).Render(r.Context(), w)
			return
		}
		key, err := docs.Save(r.Context(), file, nil)
		if err != nil {
			http.Error(w, "could not save the file", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/?saved="+key, http.StatusSeeOther)
	})
	return mux, up.Check(mux)
}
