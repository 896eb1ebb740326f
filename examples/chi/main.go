// Command chi is a sticky file field in an app routed by chi.
package main

import (
	"context"
	"crypto/rand"
	"html/template"
	"log"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
	"github.com/stickyuploads/sticky"
)

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Upload</title>{{.Assets}}</head>
<body>
{{if .Saved}}<p>Saved {{.Saved}}.</p>{{end}}
<form method="post" action="/" enctype="multipart/form-data">
  <div><label for="title">Title</label>
     <input id="title" name="title" value="{{.Title}}">
     {{if .TitleError}}<strong>{{.TitleError}}</strong>{{end}}</div>
  <div><label for="file">File</label> {{.File}}</div>
  <button>Save</button>
</form>
</body></html>`))

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

// newApp routes the uploader and the form with chi.
func newApp(up *sticky.Uploader, docs *sticky.Permanent) (http.Handler, error) {
	r := chi.NewRouter()
	// Every path below /uploads/: the endpoint, the script, the
	// stylesheet, tus/. r.Handle("/uploads/", up) would take /uploads/ alone.
	r.Handle("/uploads/*", up) // or r.Mount("/uploads", up)
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		page.Execute(w, map[string]any{
			"Assets": up.Assets(),
			"File":   up.Widget(sticky.Widget{Name: "file", Required: true}),
			"Saved":  r.URL.Query().Get("saved"),
		})
	})
	r.Post("/", func(w http.ResponseWriter, r *http.Request) {
		form, err := up.ReadForm(w, r)
		if err != nil {
			http.Error(w, err.Error(), sticky.Status(err))
			return
		}
		file, fileErr := form.File("file")
		title := form.Value("title")
		if fileErr != nil || title == "" {
			field := sticky.Widget{Name: "file", Required: true, Kept: file}
			if fileErr != nil {
				field.Error = fileErr.Error()
			}
			data := map[string]any{"Assets": up.Assets(), "File": up.Widget(field), "Title": title}
			if title == "" {
				data["TitleError"] = "Give the file a title."
			}
			w.WriteHeader(http.StatusUnprocessableEntity)
			page.Execute(w, data)
			return
		}
		key, err := docs.Save(r.Context(), file, nil)
		if err != nil {
			http.Error(w, "could not save the file", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/?saved="+key, http.StatusSeeOther)
	})
	// At start rather than in the browser: does every path below
	// /uploads/ reach the Uploader?
	return r, up.Check(r)
}
