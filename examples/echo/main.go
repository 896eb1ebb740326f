// Command echo is a sticky file field in an app routed by echo.
package main

import (
	"context"
	"crypto/rand"
	"html/template"
	"log"
	"net/http"
	"os"

	"github.com/labstack/echo/v4"
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

// newApp routes the uploader and the form with echo.
func newApp(up *sticky.Uploader, docs *sticky.Permanent) (http.Handler, error) {
	e := echo.New()
	// Every method and every path below /uploads/, the path left whole.
	e.Any("/uploads/*", echo.WrapHandler(up))
	e.GET("/", func(c echo.Context) error {
		return page.Execute(c.Response(), map[string]any{
			"Assets": up.Assets(),
			"File":   up.Widget(sticky.Widget{Name: "file", Required: true}),
			"Saved":  c.QueryParam("saved"),
		})
	})
	e.POST("/", func(c echo.Context) error {
		form, err := up.ReadForm(c.Response(), c.Request())
		if err != nil {
			return echo.NewHTTPError(sticky.Status(err), err.Error())
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
			c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
			c.Response().WriteHeader(http.StatusUnprocessableEntity)
			return page.Execute(c.Response(), data)
		}
		key, err := docs.Save(c.Request().Context(), file, nil)
		if err != nil {
			return echo.NewHTTPError(http.StatusInternalServerError, "could not save the file")
		}
		return c.Redirect(http.StatusSeeOther, "/?saved="+key)
	})
	// At start rather than in the browser: does every path below
	// /uploads/ reach the Uploader?
	return e, up.Check(e)
}
