// Command htmx is a sticky file field in a form that htmx 2 posts and
// swaps, the file kept across a validation error.
package main

import (
	"context"
	"crypto/rand"
	"embed"
	"html/template"
	"log"
	"net/http"
	"os"

	"github.com/stickyuploads/sticky"
)

// static holds htmx.min.js of the npm package htmx.org 2.0.11, served by
// the app itself.
//
//go:embed static
var static embed.FS

// htmx 2 swaps no 4xx answer by default: the meta tag has it swap the
// 422 of a form with errors, and treat other 4xx and 5xx as errors.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Upload</title>
<meta name="htmx-config" content='{"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"422","swap":true},{"code":"[45]..","swap":false,"error":true}]}'>
<script src="/static/htmx-2.0.11.min.js"></script>
{{.Assets}}</head>
<body>
{{if .Saved}}<p>Saved {{.Saved}}.</p>{{end}}
{{template "form" .}}
</body></html>
{{define "form"}}<form method="post" action="/" enctype="multipart/form-data"
      hx-post="/" hx-encoding="multipart/form-data" hx-target="this" hx-swap="outerHTML">
  <div><label for="title">Title</label>
     <input id="title" name="title" value="{{.Title}}">
     {{if .TitleError}}<strong>{{.TitleError}}</strong>{{end}}</div>
  <div><label for="file">File</label> {{.File}}</div>
  <button>Save</button>
</form>{{end}}`))

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

// newApp routes the uploader, htmx and the form. A post from htmx
// (HX-Request) gets the form alone, or HX-Redirect once saved; a post
// without JavaScript gets the whole page, or a redirect.
func newApp(up *sticky.Uploader, docs *sticky.Permanent) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle("/uploads/", up)
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page.Execute(w, map[string]any{
			"Assets": up.Assets(),
			"File":   up.Widget(sticky.Widget{Name: "file", Required: true}),
			"Saved":  r.URL.Query().Get("saved"),
		})
	})
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		htmx := r.Header.Get("HX-Request") == "true"
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
			w.WriteHeader(http.StatusUnprocessableEntity) // swapped, as the meta tag says
			if htmx {
				page.ExecuteTemplate(w, "form", data)
			} else {
				page.Execute(w, data)
			}
			return
		}
		key, err := docs.Save(r.Context(), file, nil)
		if err != nil {
			http.Error(w, "could not save the file", http.StatusInternalServerError)
			return
		}
		if htmx {
			w.Header().Set("HX-Redirect", "/?saved="+key)
			return
		}
		http.Redirect(w, r, "/?saved="+key, http.StatusSeeOther)
	})
	return mux, up.Check(mux)
}
