package private

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const secret = "TOP SECRET, outside the root"

// escapeSite is a root holding inside.txt, a folder, a link that stays
// inside and links that point out, next to a secret outside it.
func escapeSite(t testing.TB) (*os.Root, string) {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "root")
	for _, d := range []string{dir, filepath.Join(dir, "sub"), filepath.Join(base, "outside")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(base, "outside", "secret.txt"), secret)
	write(filepath.Join(base, "secret.txt"), secret)
	write(filepath.Join(dir, "inside.txt"), "inside")
	write(filepath.Join(dir, "sub", "inside.txt"), "inside")
	for link, to := range map[string]string{
		"out":          "../outside",
		"out.txt":      "../outside/secret.txt",
		"abs.txt":      filepath.Join(base, "secret.txt"),
		"sub/up":       "../..",
		"in.txt":       "inside.txt",
		"sub/loop":     "loop",
		"sub/dangling": "nothing",
	} {
		if err := os.Symlink(to, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root, base
}

func TestPathsStayInside(t *testing.T) {
	root, base := escapeSite(t)
	h := &Handler{Files: Dir{Root: root}, Prefix: "/files/", Authorize: allow, Logger: quiet}
	for _, target := range []string{
		"/files/../secret.txt",
		"/files/../outside/secret.txt",
		"/files/%2e%2e/secret.txt",
		"/files/..%2fsecret.txt",
		"/files/..%2Foutside%2Fsecret.txt",
		"/files/sub%2F..%2F..%2Fsecret.txt",
		"/files/..%5csecret.txt",
		`/files/..\secret.txt`,
		`/files/sub\..\..\secret.txt`,
		"/files//etc/passwd",
		"/files/" + base + "/secret.txt",
		"/files/./inside.txt",
		"/files/sub/../inside.txt",
		"/files/sub//inside.txt",
		"/files/inside.txt/",
		"/files/inside.txt%00.png",
		"/files/inside.txt\x00",
		"/files/out/secret.txt",
		"/files/out.txt",
		"/files/abs.txt",
		"/files/sub/up/secret.txt",
		"/files/sub/up/outside/secret.txt",
		"/files/sub/loop",
		"/files/sub/dangling",
		"/files/sub",
		"/files/",
		"/files",
		"/secret.txt",
	} {
		r := rawRequest(t, target)
		if r == nil {
			continue // not even a request a server would read
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 404 || strings.Contains(w.Body.String(), "SECRET") {
			t.Errorf("%q: %d %q", target, w.Code, w.Body)
		}
	}
	for _, target := range []string{"/files/inside.txt", "/files/sub/inside.txt", "/files/in.txt", "/files/%69nside.txt"} {
		if w := get(h, "GET", target); w.Code != 200 || w.Body.String() != "inside" {
			t.Errorf("%q: %d %q", target, w.Code, w.Body)
		}
	}
}

// rawRequest reads target the way net/http's server does, or returns nil
// when the server would refuse it.
func rawRequest(t testing.TB, target string) *http.Request {
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")))
	if err != nil {
		return nil
	}
	return r
}

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"a.txt": true, "a/b/c.txt": true, "Überblick.txt": true, "a b/c d": true, ".hidden": true, "a..b": true,
		"": false, ".": false, "..": false, "../a": false, "a/..": false, "a/../b": false, "./a": false,
		"/a": false, "a/": false, "a//b": false, `a\b`: false, "a\x00b": false, "a\nb": false,
		"a\x7fb": false, "a\u0085b": false, "\xff": false, strings.Repeat("a", maxKeyLen+1): false,
	} {
		if got := validKey(key); got != want {
			t.Errorf("validKey(%q) = %v", key, got)
		}
	}
}

// FuzzRequestPath: whatever the request path, the handler answers only
// with files inside the root, and only ever shows Authorize a valid key.
func FuzzRequestPath(f *testing.F) {
	for _, s := range []string{
		"inside.txt", "../secret.txt", "..%2fsecret.txt", "%2e%2e/secret.txt", `..\secret.txt`,
		"out/secret.txt", "out.txt", "abs.txt", "sub/up/secret.txt", "sub/../../secret.txt", "in.txt",
		"sub%2f..%2f..%2fsecret.txt", "%00", "sub/loop", "/etc/passwd",
	} {
		f.Add(s)
	}
	root, _ := escapeSite(f)
	f.Fuzz(func(t *testing.T, p string) {
		h := &Handler{Files: Dir{Root: root}, Prefix: "/files/", Logger: quiet, Authorize: func(r *http.Request, file *File) bool {
			if !validKey(file.Key) {
				t.Fatalf("Authorize saw key %q", file.Key)
			}
			return true
		}}
		for _, target := range []string{"/files/" + p, "/files/" + url.PathEscape(p)} {
			r := rawRequest(t, target)
			if r == nil {
				continue
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if strings.Contains(w.Body.String(), "SECRET") {
				t.Fatalf("%q answered the secret: %d", target, w.Code)
			}
			if w.Code != 200 && w.Code != 404 {
				t.Fatalf("%q: %d %q", target, w.Code, w.Body)
			}
		}
	})
}
