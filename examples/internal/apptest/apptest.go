// Package apptest is what every example's test checks, through the
// example's own handler on a real HTTP server.
package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stickyuploads/sticky"
)

// TitleError is the error an example shows for a missing title.
const TitleError = "Give the file a title."

// New returns an Uploader and a Permanent as the examples' main makes them,
// in a temporary directory, and the directory the saved files go to.
func New(t testing.TB) (*sticky.Uploader, *sticky.Permanent, string) {
	t.Helper()
	dir := t.TempDir()
	store, err := sticky.NewDiskStore(filepath.Join(dir, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	up, err := sticky.New(sticky.Config{
		Keys:     [][]byte{bytes.Repeat([]byte("k"), 32)},
		Identity: func(*http.Request) string { return "me" },
		Accept:   []string{"image/*", "application/pdf", "text/plain"},
		MaxSize:  10 << 20,
		Store:    store,
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	files := filepath.Join(dir, "files")
	if err := os.Mkdir(files, 0o700); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(files)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return up, &sticky.Permanent{Vault: sticky.DirVault(root)}, files
}

var (
	scriptTag = regexp.MustCompile(`<script defer src="([^"]+)"`)
	styleTag  = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)"`)
)

// Run serves app on httptest and checks what a person's browser relies on:
// the script and the stylesheet, an upload to the endpoint, the resumable
// endpoint, a post with a missing title answered 422 with the file kept,
// and the post once fixed saving the file into files.
func Run(t *testing.T, app http.Handler, files string) {
	t.Helper()
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	page := get(t, c, srv.URL+"/", http.StatusOK)
	for _, a := range []struct {
		tag  *regexp.Regexp
		what string
		typ  string
	}{{scriptTag, "script", "text/javascript"}, {styleTag, "stylesheet", "text/css"}} {
		m := a.tag.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the page has no %s tag:\n%s", a.what, page)
		}
		resp, err := c.Get(srv.URL + m[1])
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), a.typ) {
			t.Fatalf("GET %s (the %s): %s, %s; want 200, %s", m[1], a.what, resp.Status, resp.Header.Get("Content-Type"), a.typ)
		}
	}

	body, ctype := form(t, map[string]string{"field": "file"}, "upload", "notes.txt", "some notes\n")
	resp, err := c.Post(srv.URL+"/uploads/", ctype, body)
	if err != nil {
		t.Fatal(err)
	}
	var reply struct {
		Valid  bool   `json:"is_valid"`
		Stored string `json:"stored"`
	}
	err = json.NewDecoder(resp.Body).Decode(&reply)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !reply.Valid || reply.Stored == "" {
		t.Fatalf("POST /uploads/: %s, %+v, %v; want 200 and a reference", resp.Status, reply, err)
	}

	opt, _ := http.NewRequest(http.MethodOptions, srv.URL+"/uploads/tus/", nil)
	resp, err = c.Do(opt)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 || resp.Header.Get("Tus-Version") == "" {
		t.Fatalf("OPTIONS /uploads/tus/: %s, Tus-Version %q; want 2xx and the versions", resp.Status, resp.Header.Get("Tus-Version"))
	}

	body, ctype = form(t, map[string]string{"title": "", "_file": reply.Stored}, "", "", "")
	again := post(t, c, srv.URL+"/", ctype, body, http.StatusUnprocessableEntity)
	for _, want := range []string{TitleError, `value="` + reply.Stored + `"`, "notes.txt"} {
		if !strings.Contains(again, want) {
			t.Fatalf("the form posted without a title comes back without %q:\n%s", want, again)
		}
	}

	body, ctype = form(t, map[string]string{"title": "Notes", "_file": reply.Stored}, "", "", "")
	resp, err = c.Post(srv.URL+"/", ctype, body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	key, found := strings.CutPrefix(resp.Header.Get("Location"), "/?saved=")
	if resp.StatusCode != http.StatusSeeOther || !found {
		t.Fatalf("the fixed post: %s to %q, want 303 to /?saved=<key>", resp.Status, resp.Header.Get("Location"))
	}
	if b, err := os.ReadFile(filepath.Join(files, key)); err != nil || string(b) != "some notes\n" {
		t.Fatalf("the saved file %s: %q, %v", key, b, err)
	}
}

// Reaches checks that app, an example's router with up mounted one way,
// passes up.Check and serves the script and the resumable endpoint.
func Reaches(t *testing.T, up *sticky.Uploader, app http.Handler) {
	t.Helper()
	if err := up.Check(app); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, up.ScriptURL(), nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d, want 200", up.ScriptURL(), w.Code)
	}
	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodOptions, up.TusURL(), nil))
	if w.Code/100 != 2 {
		t.Fatalf("OPTIONS %s: %d, want 2xx", up.TusURL(), w.Code)
	}
}

// Fails checks that up.Check refuses app, a router with up mounted in a
// way that misses the script.
func Fails(t *testing.T, up *sticky.Uploader, app http.Handler) {
	t.Helper()
	err := up.Check(app)
	if err == nil || !strings.Contains(err.Error(), up.ScriptURL()+" (the client script) never reached the Uploader") {
		t.Fatalf("Check: %v; want it to name the script", err)
	}
}

func get(t *testing.T, c *http.Client, url string, status int) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp, "GET "+url, status)
}

func post(t *testing.T, c *http.Client, url, ctype string, body io.Reader, status int) string {
	t.Helper()
	resp, err := c.Post(url, ctype, body)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp, "POST "+url, status)
}

func read(t *testing.T, resp *http.Response, what string, status int) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Fatalf("%s: %s, want %d:\n%s", what, resp.Status, status, b)
	}
	return string(b)
}

// form is a multipart body of values and, when field is set, a file.
func form(t *testing.T, values map[string]string, field, name, content string) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range values {
		mw.WriteField(k, v)
	}
	if field != "" {
		fw, err := mw.CreateFormFile(field, name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, content)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}
