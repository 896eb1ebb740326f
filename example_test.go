package sticky_test

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/stickyuploads/sticky"
)

// currentUser stands for the app's own session lookup.
func currentUser(r *http.Request) string { return r.Header.Get("X-Demo-User") }

// An Uploader is mounted once; its Widget renders the field and ReadForm
// reads the post, whether it carries the bytes or a reference.
func Example() {
	dir, _ := os.MkdirTemp("", "sticky-example")
	defer os.RemoveAll(dir)
	temp, err := sticky.NewDiskStore(filepath.Join(dir, "uploads")) // where uploads wait for their form
	if err != nil {
		log.Fatal(err)
	}
	up, err := sticky.New(sticky.Config{
		Keys:     [][]byte{[]byte("an example key of at least 32 bytes!")},
		Identity: currentUser,
		Accept:   []string{"image/*", "application/pdf", "text/plain"},
		Store:    temp,
	})
	if err != nil {
		log.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "files"), 0o700) // where documents are kept for good
	root, err := os.OpenRoot(filepath.Join(dir, "files"))
	if err != nil {
		log.Fatal(err)
	}
	defer root.Close()
	docs := &sticky.Permanent{Vault: sticky.DirVault(root)}
	page := template.Must(template.New("form").Parse(
		`<form method="post" enctype="multipart/form-data">` +
			`<label for="file">Document</label>{{.File}}<p>{{.Error}}</p></form>`))

	mux := http.NewServeMux()
	mux.Handle("/uploads/", up)
	mux.HandleFunc("POST /documents/new", func(w http.ResponseWriter, r *http.Request) {
		form, err := up.ReadForm(w, r)
		if err != nil {
			http.Error(w, err.Error(), sticky.Status(err))
			return
		}
		doc, err := form.File("file")
		if err != nil || form.Value("title") == "" {
			// Re-render: the file stays chosen.
			field := sticky.Widget{Name: "file", Required: true, Kept: doc}
			if err != nil {
				field.Error = err.Error()
			}
			w.WriteHeader(http.StatusUnprocessableEntity)
			page.Execute(w, map[string]any{"File": up.Widget(field), "Error": "A title is required."})
			return
		}
		key, err := docs.Save(r.Context(), doc, nil) // the temporary copy goes
		if err != nil {
			http.Error(w, err.Error(), sticky.Status(err))
			return
		}
		saved, _ := root.ReadFile(key)
		fmt.Fprintf(w, "saved %s: %q", doc.Name, saved)
	})

	// A browser without scripts posts the bytes and forgets the title.
	body, ctype := multipartBody(map[string]string{"title": ""}, "file", "notes.txt", "hello")
	page1 := do(mux, "/documents/new", ctype, body)
	fmt.Println(strings.Contains(page1, "notes.txt"), strings.Contains(page1, "A title is required."))

	// It posts again with a title and no file: the kept reference is enough.
	ref := between(page1, `name="_file" value="`, `"`)
	body, ctype = multipartBody(map[string]string{"title": "Notes", "_file": ref}, "", "", "")
	fmt.Println(do(mux, "/documents/new", ctype, body))
	// Output:
	// true true
	// saved notes.txt: "hello"
}

// A reference is bound to its owner: another user posting it gets a clear,
// typed error.
func ExampleForm_File() {
	dir, _ := os.MkdirTemp("", "uploads")
	defer os.RemoveAll(dir)
	up, _ := sticky.New(sticky.Config{
		Keys:     [][]byte{[]byte("an example key of at least 32 bytes!")},
		Identity: currentUser,
		Store:    mustDisk(dir),
	})
	read := func(user string, body io.Reader, ctype string) (*sticky.File, error) {
		r := httptest.NewRequest("POST", "/documents/new", body)
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("X-Demo-User", user)
		form, err := up.ReadForm(httptest.NewRecorder(), r)
		if err != nil {
			return nil, err
		}
		return form.File("file")
	}
	body, ctype := multipartBody(nil, "file", "a.txt", "alice's notes")
	f, _ := read("alice", body, ctype)

	body, ctype = multipartBody(map[string]string{"_file": f.Ref}, "", "", "")
	_, err := read("mallory", body, ctype)
	fmt.Println(err)
	fmt.Println(errors.Is(err, sticky.ErrNotOwner), sticky.Status(err))
	// Output:
	// The file you chose was uploaded by someone else. Please choose it again.
	// true 403
}

func ExampleParseSize() {
	n, _ := sticky.ParseSize("20MiB")
	fmt.Println(n, sticky.SizeString(n))
	// Output: 20971520 20 MiB
}

func ExampleCleanName() {
	fmt.Println(sticky.CleanName("../../etc/passwd"))
	fmt.Println(sticky.CleanName("C:\\Users\\me\\invoice\u202egpj.exe"))
	// Output:
	// passwd
	// invoicegpj.exe
}
