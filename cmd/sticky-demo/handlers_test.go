package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// newTestServer runs the app in a temporary data directory with the users
// alice/wonderland and bob/builder.
// Options change the configuration before the app starts.
func newTestServer(t *testing.T, options ...func(*config)) (*app, *httptest.Server) {
	t.Helper()
	cfg := config{
		Data:    t.TempDir(),
		MaxSize: 1 << 20,
		Secret:  bytes.Repeat([]byte("s"), 32),
	}
	for _, o := range options {
		o(&cfg)
	}
	a, err := newApp(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.ensureUsers(t.Context(), []userSpec{{"alice", "wonderland"}, {"bob", "builder"}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return a, srv
}

// newClient is a browser-like client that keeps cookies and does not
// follow redirects, so tests can check them.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func login(t *testing.T, srv *httptest.Server, name, password string) *http.Client {
	t.Helper()
	return loginAt(t, srv.URL, name, password)
}

// loginAt signs in to the demo at base (http://host:port).
func loginAt(t *testing.T, base, name, password string) *http.Client {
	t.Helper()
	c := newClient(t)
	resp, err := c.PostForm(base+"/login", url.Values{"username": {name}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login %s: %s, Location %q", name, resp.Status, resp.Header.Get("Location"))
	}
	return c
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// postForm sends a multipart form; files maps a field to name and content.
func postForm(t *testing.T, c *http.Client, u string, values map[string]string, files map[string][2]string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range values {
		mw.WriteField(k, v)
	}
	for field, f := range files {
		w, err := mw.CreateFormFile(field, f[0])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f[1])
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, u, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestLogin(t *testing.T) {
	_, srv := newTestServer(t)
	c := newClient(t)

	resp, body := get(t, c, srv.URL+"/login")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="username"`) || !strings.Contains(body, `name="password"`) {
		t.Fatalf("GET /login: %s\n%s", resp.Status, body)
	}

	for _, creds := range [][2]string{{"alice", "wrong"}, {"nobody", "wonderland"}, {"", ""}} {
		resp, err := c.PostForm(srv.URL+"/login", url.Values{"username": {creds[0]}, "password": {creds[1]}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("login %q: %s", creds, resp.Status)
		}
		if !strings.Contains(string(b), `role="alert"`) {
			t.Errorf("login %q: no error message", creds)
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("login %q set cookies %v", creds, resp.Cookies())
		}
	}

	resp, err := c.PostForm(srv.URL+"/login", url.Values{"username": {"alice"}, "password": {"wonderland"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || len(session.Value) < 40 {
		t.Fatalf("session cookie = %+v", session)
	}

	resp, body = get(t, c, srv.URL+"/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "alice") {
		t.Fatalf("GET / after login: %s", resp.Status)
	}

	// Sign out: the old cookie stops working, even if replayed.
	resp, err = c.Post(srv.URL+"/logout", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("logout: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session.Value})
	resp, err = newClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("old session after logout: %s", resp.Status)
	}
}

func TestSessionStoredHashed(t *testing.T) {
	a, srv := newTestServer(t)
	c := login(t, srv, "alice", "wonderland")
	u, _ := url.Parse(srv.URL)
	var token string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			token = ck.Value
		}
	}
	var n int
	if err := a.db.QueryRow(`SELECT count(*) FROM sessions WHERE token_hash = ?`, []byte(token)).Scan(&n); err != nil || n != 0 {
		t.Errorf("raw token found in the database (%d, %v)", n, err)
	}
	if err := a.db.QueryRow(`SELECT count(*) FROM sessions WHERE token_hash = ?`, hashToken(token)).Scan(&n); err != nil || n != 1 {
		t.Errorf("hashed token: %d, %v", n, err)
	}
}

func TestAuthRedirect(t *testing.T) {
	_, srv := newTestServer(t)
	c := newClient(t)
	for _, p := range []string{"/", "/documents/new", "/documents/1/file"} {
		resp, _ := get(t, c, srv.URL+p)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("GET %s: %s to %q", p, resp.Status, resp.Header.Get("Location"))
		}
	}
	resp, _ := postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "x"}, map[string][2]string{"file": {"a.txt", "hi"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("POST /documents/new: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	// The uploader answers JSON, not a redirect.
	resp, body := postForm(t, c, srv.URL+"/uploads/", map[string]string{"field": "file"}, map[string][2]string{"upload": {"a.txt", "hi"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"is_valid":false`) {
		t.Errorf("anonymous upload: %s %s", resp.Status, body)
	}
}

func TestCrossOriginPostRejected(t *testing.T) {
	_, srv := newTestServer(t)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/login", strings.NewReader("username=alice&password=wonderland"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := newClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin login: %s", resp.Status)
	}
}

var hiddenRef = regexp.MustCompile(`name="_file" value="([^"]*)"`)

// TestNewDocumentNoJS posts the file's bytes with an empty title, as a
// browser without JavaScript does: the form comes back with the file kept,
// and the second post, with only the reference, saves it.
func TestNewDocumentNoJS(t *testing.T) {
	a, srv := newTestServer(t)
	c := login(t, srv, "alice", "wonderland")

	resp, body := postForm(t, c, srv.URL+"/documents/new",
		map[string]string{"title": "  ", "description": "kept text"},
		map[string][2]string{"file": {"notes.txt", "hello, sticky\n"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty title: %s", resp.Status)
	}
	for _, want := range []string{`role="alert"`, `href="#title"`, "Enter a title.", "kept text", "notes.txt", `aria-describedby="title-error"`} {
		if !strings.Contains(body, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	m := hiddenRef.FindStringSubmatch(body)
	if m == nil || m[1] == "" {
		t.Fatalf("no kept reference in the form:\n%s", body)
	}

	resp, _ = postForm(t, c, srv.URL+"/documents/new",
		map[string]string{"title": "My notes", "description": "kept text", "_file": m[1]}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("submit: %s to %q", resp.Status, resp.Header.Get("Location"))
	}

	_, body = get(t, c, srv.URL+"/")
	for _, want := range []string{"My notes", "kept text", "notes.txt", "/documents/1/file", "saved"} {
		if !strings.Contains(body, want) {
			t.Errorf("list lacks %q", want)
		}
	}

	resp, body = get(t, c, srv.URL+"/documents/1/file")
	if resp.StatusCode != http.StatusOK || body != "hello, sticky\n" {
		t.Fatalf("download: %s %q", resp.Status, body)
	}
	h := resp.Header
	if h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") ||
		h.Get("Content-Disposition") != `attachment; filename="notes.txt"` {
		t.Errorf("download headers: %v", h)
	}

	// The file is stored under a random key in a folder per month, never
	// under the client's name, and the temporary upload is gone.
	files := regularFiles(t, a.store.root.Name())
	if len(files) != 1 || !storedKey.MatchString(files[0]) || strings.Contains(files[0], "notes") {
		t.Errorf("files directory: %q", files)
	}
	if left := regularFiles(t, filepath.Join(filepath.Dir(a.store.root.Name()), "tmp")); len(left) != 0 {
		t.Errorf("temporary uploads left after the save: %q", left)
	}
}

// storedKey is a key of documentPattern.
var storedKey = regexp.MustCompile(`^[0-9]{4}/[0-9]{2}/[0-9a-f]{32}(\.[a-z0-9]+)?$`)

// regularFiles lists the regular files under dir, relative to it, with "/"
// between folders; none when dir does not exist.
func regularFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if e.IsDir() && e.Name() == ".sticky-saves" {
			return filepath.SkipDir // the journals of saves, which Recover ends
		}
		if e.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestNewDocumentBackgroundUpload uploads through the endpoint first, as
// the client script does, then posts the form with the reference only.
func TestNewDocumentBackgroundUpload(t *testing.T) {
	_, srv := newTestServer(t)
	c := login(t, srv, "alice", "wonderland")

	resp, body := postForm(t, c, srv.URL+"/uploads/", map[string]string{"field": "file"}, map[string][2]string{"upload": {"résumé.pdf", "%PDF-1.4\n%\xe2\xe3\xcf\xd3\ntrailer<<>>\n%%EOF\n"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	var reply struct {
		IsValid bool   `json:"is_valid"`
		Stored  string `json:"stored"`
	}
	if err := json.Unmarshal([]byte(body), &reply); err != nil || !reply.IsValid || reply.Stored == "" {
		t.Fatalf("upload reply %s (%v)", body, err)
	}

	resp, body = postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "", "_file": reply.Stored}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "résumé.pdf") || !strings.Contains(body, reply.Stored) {
		t.Fatalf("empty title with ref: %s", resp.Status)
	}
	resp, _ = postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "CV", "_file": reply.Stored}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %s", resp.Status)
	}
	resp, _ = get(t, c, srv.URL+"/documents/1/file")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	cd := resp.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(strings.ToLower(cd), "filename*=utf-8''r%c3%a9sum%c3%a9.pdf") {
		t.Errorf("Content-Disposition = %q", cd)
	}

	// Another user cannot use alice's reference.
	bob := login(t, srv, "bob", "builder")
	resp, _ = postForm(t, bob, srv.URL+"/documents/new", map[string]string{"title": "stolen", "_file": reply.Stored}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bob with alice's ref: %s", resp.Status)
	}
}

func TestNewDocumentValidation(t *testing.T) {
	_, srv := newTestServer(t)
	c := login(t, srv, "alice", "wonderland")

	resp, body := get(t, c, srv.URL+"/documents/new")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<label for="file">`) || !strings.Contains(body, `id="file"`) || !strings.Contains(body, "data-sticky") {
		t.Fatalf("GET /documents/new: %s\n%s", resp.Status, body)
	}

	// No file at all.
	resp, body = postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "t"}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#file"`) || !strings.Contains(body, "Choose a file") {
		t.Errorf("no file: %s", resp.Status)
	}
	// A type that is not accepted: the form keeps the title.
	resp, body = postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "a zip"},
		map[string][2]string{"file": {"a.zip", "PK\x03\x04\x14\x00\x00\x00\x08\x00"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `value="a zip"`) || !strings.Contains(body, `href="#file"`) {
		t.Errorf("zip: %s\n%s", resp.Status, body)
	}
	if m := hiddenRef.FindStringSubmatch(body); m == nil || m[1] != "" {
		t.Errorf("a refused file is kept: %v", m)
	}
	// Too large (the test server's limit is 1 MiB).
	resp, body = postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "big"},
		map[string][2]string{"file": {"big.txt", strings.Repeat("a", 1<<20+1)}})
	if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %s", resp.Status)
	}
	if !strings.Contains(body, `role="alert"`) {
		t.Errorf("too large: no error shown")
	}

	// A post over the whole form's limit (1 MiB + 10 MiB here) is refused
	// as a whole, with a page that says so.
	resp, body = postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "huge"},
		map[string][2]string{"file": {"huge.txt", strings.Repeat("a", 12<<20)}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, `role="alert"`) {
		t.Errorf("huge post: %s", resp.Status)
	}

	_, body = get(t, c, srv.URL+"/")
	if strings.Contains(body, "/documents/1/file") {
		t.Errorf("a document was saved by a failed post")
	}
}

func TestDownloadOwnership(t *testing.T) {
	_, srv := newTestServer(t)
	alice := login(t, srv, "alice", "wonderland")
	resp, body := postForm(t, alice, srv.URL+"/documents/new", map[string]string{"title": "private"},
		map[string][2]string{"file": {"secret.txt", "alice only\n"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %s\n%s", resp.Status, body)
	}
	resp, body = get(t, alice, srv.URL+"/documents/1/file")
	if resp.StatusCode != http.StatusOK || body != "alice only\n" {
		t.Fatalf("alice's download: %s %q", resp.Status, body)
	}

	bob := login(t, srv, "bob", "builder")
	for _, p := range []string{"/documents/1/file", "/documents/2/file", "/documents/x/file"} {
		resp, body = get(t, bob, srv.URL+p)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "alice only") {
			t.Errorf("bob GET %s: %s", p, resp.Status)
		}
	}
	_, body = get(t, bob, srv.URL+"/")
	if strings.Contains(body, "private") || strings.Contains(body, "secret.txt") {
		t.Errorf("bob's list shows alice's document")
	}
}

func TestStaticAssets(t *testing.T) {
	a, srv := newTestServer(t)
	c := newClient(t)
	css := a.urls["style.css"]
	if !regexp.MustCompile(`^/static/style\.[0-9a-f]{12}\.css$`).MatchString(css) {
		t.Fatalf("stylesheet URL %q", css)
	}
	resp, body := get(t, c, srv.URL+css)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(body, "prefers-color-scheme") {
		t.Errorf("GET %s: %s %v", css, resp.Status, resp.Header)
	}
	resp, _ = get(t, c, srv.URL+"/static/style.css")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unhashed name: %s", resp.Status)
	}
	_, body = get(t, c, srv.URL+"/login")
	if !strings.Contains(body, css) || !strings.Contains(body, "/uploads/sticky.") {
		t.Errorf("login page does not link the stylesheets:\n%s", body)
	}
}

func TestEnsureUsers(t *testing.T) {
	a, err := newApp(t.Context(), config{Data: t.TempDir(), MaxSize: 1 << 20}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := t.Context()
	got, err := a.ensureUsers(ctx, nil)
	if err != nil || len(got) != 1 || !strings.Contains(got[0], `"demo"`) {
		t.Fatalf("first run: %q %v", got, err)
	}
	if got, _ := a.ensureUsers(ctx, nil); len(got) != 0 {
		t.Errorf("second run created %q", got)
	}
	if got, _ := a.ensureUsers(ctx, []userSpec{{"alice", "x"}}); len(got) != 1 {
		t.Errorf("-user alice: %q", got)
	}
	// demo still works; alice works; -user on an existing user resets it.
	for _, c := range [][2]string{{"demo", "demo"}, {"alice", "x"}} {
		if _, err := a.authenticate(ctx, c[0], c[1]); err != nil {
			t.Errorf("authenticate %q: %v", c, err)
		}
	}
	if got, _ := a.ensureUsers(ctx, []userSpec{{"alice", "y"}}); len(got) != 1 || !strings.Contains(got[0], "updated") {
		t.Errorf("reset: %q", got)
	}
	if _, err := a.authenticate(ctx, "alice", "y"); err != nil {
		t.Errorf("new password: %v", err)
	}
	if _, err := a.authenticate(ctx, "alice", "x"); err == nil {
		t.Errorf("old password still works")
	}
}
