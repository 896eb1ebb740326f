// Command gin is a sticky file field in an app routed by gin.
package main

import (
	"context"
	"crypto/rand"
	"html/template"
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
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

// newApp routes the uploader and the form with gin.
func newApp(up *sticky.Uploader, docs *sticky.Permanent) (http.Handler, error) {
	r := gin.New()
	// Every method and every path below /uploads/, the path left whole.
	r.Any("/uploads/*path", gin.WrapH(up))
	r.GET("/", func(c *gin.Context) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		page.Execute(c.Writer, map[string]any{
			"Assets": up.Assets(),
			"File":   up.Widget(sticky.Widget{Name: "file", Required: true}),
			"Saved":  c.Query("saved"),
		})
	})
	r.POST("/", func(c *gin.Context) {
		form, err := up.ReadForm(c.Writer, c.Request)
		if err != nil {
			c.String(sticky.Status(err), err.Error())
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
			c.Header("Content-Type", "text/html; charset=utf-8")
			c.Status(http.StatusUnprocessableEntity)
			page.Execute(c.Writer, data)
			return
		}
		key, err := docs.Save(c.Request.Context(), file, nil)
		if err != nil {
			c.String(http.StatusInternalServerError, "could not save the file")
			return
		}
		c.Redirect(http.StatusSeeOther, "/?saved="+key)
	})
	// At start rather than in the browser: does every path below
	// /uploads/ reach the Uploader?
	return r, up.Check(r)
}
