package private

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// quiet is a logger for tests that provoke errors on purpose.
var quiet = slog.New(slog.DiscardHandler)

func allow(*http.Request, *File) bool { return true }
func deny(*http.Request, *File) bool  { return false }

// get sends a request to h and returns the recorded response.
func get(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, newRequest(method, target, header...))
	return w
}

// serve sends a request to h.Serve for key.
func serve(h *Handler, method, key string, header ...string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.Serve(w, newRequest(method, "/", header...), key, nil)
	return w
}

func newRequest(method, target string, header ...string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

func TestAuthorization(t *testing.T) {
	root := newRoot(t, map[string]string{"a/report.txt": "quarterly figures"})
	errDB := errors.New("database down")
	tests := []struct {
		name   string
		h      Handler
		method string
		path   string
		status int
		body   string
	}{
		{"no Authorize refuses", Handler{}, "GET", "/a/report.txt", 403, "Forbidden\n"},
		{"refused", Handler{Authorize: deny}, "GET", "/a/report.txt", 403, "Forbidden\n"},
		{"refused, hidden", Handler{Authorize: deny, HideDenied: true}, "GET", "/a/report.txt", 404, "404 page not found\n"},
		{"allowed", Handler{Authorize: allow}, "GET", "/a/report.txt", 200, "quarterly figures"},
		{"allowed HEAD", Handler{Authorize: allow}, "HEAD", "/a/report.txt", 200, ""},
		{"missing", Handler{Authorize: allow}, "GET", "/a/nothing.txt", 404, "404 page not found\n"},
		{"missing, refused", Handler{Authorize: deny}, "GET", "/a/nothing.txt", 404, "404 page not found\n"},
		{"folder", Handler{Authorize: allow}, "GET", "/a", 404, "404 page not found\n"},
		{"POST", Handler{Authorize: allow}, "POST", "/a/report.txt", 405, "Method Not Allowed\n"},
		{"DELETE", Handler{Authorize: allow}, "DELETE", "/a/report.txt", 405, "Method Not Allowed\n"},
		{"outside Prefix", Handler{Authorize: allow, Prefix: "/files/"}, "GET", "/a/report.txt", 404, "404 page not found\n"},
		{"Prefix", Handler{Authorize: allow, Prefix: "/files/"}, "GET", "/files/a/report.txt", 200, "quarterly figures"},
		{"Prefix without slash", Handler{Authorize: allow, Prefix: "/files"}, "GET", "/files/a/report.txt", 200, "quarterly figures"},
		{"Prefix is a whole element", Handler{Authorize: allow, Prefix: "/files"}, "GET", "/filesa/report.txt", 404, "404 page not found\n"},
		{"Parent not found", Handler{Authorize: allow, Parent: parentErr(fmt.Errorf("no row: %w", fs.ErrNotExist))}, "GET", "/a/report.txt", 404, "404 page not found\n"},
		{"Parent nil", Handler{Authorize: allow, Parent: parentErr(nil)}, "GET", "/a/report.txt", 404, "404 page not found\n"},
		{"Parent fails", Handler{Authorize: allow, Parent: parentErr(errDB)}, "GET", "/a/report.txt", 500, "Internal Server Error\n"},
		{"no Files", Handler{Authorize: allow}, "GET", "/a/report.txt", 500, "Internal Server Error\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.h
			if tt.name != "no Files" {
				h.Files = Dir{Root: root}
			}
			h.Logger = quiet
			w := get(&h, tt.method, tt.path)
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, w.Code, w.Body, tt.status, tt.body)
			}
			if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if tt.status == 405 && w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q", w.Header().Get("Allow"))
			}
		})
	}
}

func parentErr(err error) func(context.Context, string) (any, error) {
	return func(context.Context, string) (any, error) { return nil, err }
}

// A hidden refusal must be indistinguishable from a missing file: same
// status, same headers, same body.
func TestHideDeniedLooksMissing(t *testing.T) {
	root := newRoot(t, map[string]string{"secret.pdf": "%PDF-1.4 secret"})
	h := &Handler{Files: Dir{Root: root}, Authorize: deny, HideDenied: true}
	denied := get(h, "GET", "/secret.pdf", "If-None-Match", "*", "Range", "bytes=0-1")
	missing := get(h, "GET", "/other.pdf", "If-None-Match", "*", "Range", "bytes=0-1")
	if denied.Code != 404 || denied.Code != missing.Code || denied.Body.String() != missing.Body.String() {
		t.Errorf("denied %d %q, missing %d %q", denied.Code, denied.Body, missing.Code, missing.Body)
	}
	if fmt.Sprint(denied.Header()) != fmt.Sprint(missing.Header()) {
		t.Errorf("headers differ:\ndenied  %v\nmissing %v", denied.Header(), missing.Header())
	}
	// ... and from the app's own answer for an id it does not know.
	app := httptest.NewRecorder()
	http.NotFound(app, newRequest("GET", "/documents/999/file"))
	if fmt.Sprint(denied.Header()) != fmt.Sprint(app.Header()) || denied.Body.String() != app.Body.String() {
		t.Errorf("http.NotFound answers %v %q, the hidden refusal %v %q", app.Header(), app.Body, denied.Header(), denied.Body)
	}
}

// Serve takes the parent the app already has: Parent is not asked.
func TestServeWithParent(t *testing.T) {
	root := newRoot(t, map[string]string{"k/3f9a": "hello"})
	type doc struct{ Name string }
	h := &Handler{
		Files:  Dir{Root: root},
		Parent: func(context.Context, string) (any, error) { t.Error("Parent was asked"); return nil, nil },
		Name:   func(f *File) string { return f.Parent.(*doc).Name },
		Authorize: func(r *http.Request, f *File) bool {
			return f.Parent.(*doc).Name == "greeting.txt"
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /documents/{id}/file", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "7" {
			http.NotFound(w, r)
			return
		}
		h.Serve(w, r, "k/3f9a", &doc{Name: "greeting.txt"})
	})
	w := get(mux, "GET", "/documents/7/file")
	if w.Code != 200 || w.Body.String() != "hello" {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	if got := w.Header().Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := w.Header().Get("Content-Disposition"); got != `attachment; filename="greeting.txt"` {
		t.Errorf("Content-Disposition %q", got)
	}
	// Keys from the app are checked too.
	for _, key := range []string{"", "../k/3f9a", "/k/3f9a", "k//3f9a", `k\3f9a`} {
		w := httptest.NewRecorder()
		h.Serve(w, httptest.NewRequest("GET", "/", nil), key, &doc{Name: "greeting.txt"})
		if w.Code != 404 {
			t.Errorf("key %q: %d", key, w.Code)
		}
	}
}

// newRoot makes a directory holding files (key → content) and opens it.
func newRoot(t testing.TB, files map[string]string) *os.Root {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	for k, v := range files {
		if i := strings.LastIndexByte(k, '/'); i > 0 {
			if err := root.MkdirAll(k[:i], 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := root.WriteFile(k, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func wantHeaders(t *testing.T, what string, h http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s %q, want %q", what, k, got, v)
		}
	}
}

// appHeadersMiddleware sets what an app sets on every answer: its content
// security policy among them.
func appHeadersMiddleware(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// Behind an app's middleware, a denied file and a missing one answer the
// same, the app's headers kept: the app's Content-Security-Policy is on
// every error answer, and an id that exists cannot be told from one that
// does not.
func TestErrorsKeepTheAppsHeaders(t *testing.T) {
	root := newRoot(t, map[string]string{"secret.pdf": "%PDF-1.4 secret", "page.html": "<p>hi</p>"})
	h := appHeadersMiddleware(&Handler{Files: Dir{Root: root}, Authorize: deny, HideDenied: true})
	denied := get(h, "GET", "/secret.pdf")
	missing := get(h, "GET", "/other.pdf")
	if denied.Code != 404 || fmt.Sprint(denied.Header()) != fmt.Sprint(missing.Header()) || denied.Body.String() != missing.Body.String() {
		t.Errorf("denied %d %v %q\nmissing %d %v %q", denied.Code, denied.Header(), denied.Body, missing.Code, missing.Header(), missing.Body)
	}
	for _, res := range []*httptest.ResponseRecorder{denied, missing, get(h, "POST", "/secret.pdf")} {
		if got := res.Header().Get("Content-Security-Policy"); got != "default-src 'self'" {
			t.Errorf("%d answer: Content-Security-Policy %q, want the app's", res.Code, got)
		}
		if got := res.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("%d answer: Cache-Control %q, want the app's", res.Code, got)
		}
	}
	// A file sent, then a failure: the handler's own headers go, the app's
	// come back.
	failing := appHeadersMiddleware(&Handler{Files: Dir{Root: root}, Authorize: allow, Sender: failingSender{}})
	res := get(failing, "GET", "/page.html")
	if res.Code != 500 || res.Header().Get("Content-Security-Policy") != "default-src 'self'" || res.Header().Get("Content-Disposition") != "" {
		t.Errorf("a failed send: %d %v", res.Code, res.Header())
	}
}

// failingSender fails without writing.
type failingSender struct{}

func (failingSender) Send(w http.ResponseWriter, r *http.Request, f *File) error {
	return errors.New("the disk went away")
}
