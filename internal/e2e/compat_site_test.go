package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/storetest"
)

// The compatibility tests' site signs its visitor in with this cookie.
const (
	compatCookie  = "session"
	compatSession = "alice-session"
)

// compatSite is a test server for the upload clients of other projects:
// a sticky Uploader at /uploads/ (with its Fine Uploader and tus
// endpoints), the npm packages below /npm/, and the test pages. Opening a
// page signs the visitor in (a cookie), so the clients' requests carry the
// identity the way an application's would.
type compatSite struct {
	URL   string
	up    *sticky.Uploader
	store string // the temporary store's directory
}

// newCompatSite starts the site; pages maps paths to HTML.
func newCompatSite(t *testing.T, modules string, pages map[string]string) *compatSite {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	s := &compatSite{store: filepath.Join(t.TempDir(), "store")}
	up, err := sticky.New(sticky.Config{
		Keys: [][]byte{key},
		Identity: func(r *http.Request) string {
			if c, err := r.Cookie(compatCookie); err == nil && c.Value == compatSession {
				return "alice"
			}
			return ""
		},
		MaxSize: 32 << 20,
		Fields:  map[string]sticky.Rules{"image": {Accept: []string{"image/*"}}},
		Store:   storetest.Disk(t, s.store),
		Logger:  slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	s.up = up
	mux := http.NewServeMux()
	mux.Handle("/uploads/", up)
	mux.Handle("GET /npm/", http.StripPrefix("/npm/", http.FileServer(http.Dir(modules))))
	for path, html := range pages {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: compatCookie, Value: compatSession, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, html)
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// kept posts a form whose sticky field carries ref, as the application's
// form would after the client's upload, and returns what Form.File gives.
func (s *compatSite) kept(t *testing.T, field, ref string) (*sticky.File, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/documents/new", strings.NewReader(url.Values{"_" + field: {ref}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: compatCookie, Value: compatSession})
	form, err := s.up.ReadForm(httptest.NewRecorder(), r)
	if err != nil {
		t.Fatalf("ReadForm: %v", err)
	}
	return form.File(field)
}

// wantSameFile checks that the file ref keeps for field is the local file
// at path, byte for byte (SHA-256), under the local file's name.
func (s *compatSite) wantSameFile(t *testing.T, field, ref, path string) {
	t.Helper()
	if ref == "" {
		t.Errorf("%s: the client got no reference", filepath.Base(path))
		return
	}
	f, err := s.kept(t, field, ref)
	if err != nil {
		t.Errorf("%s: Form.File(%q) with the client's reference: %v", filepath.Base(path), field, err)
		return
	}
	rc, err := f.Open(t.Context())
	if err != nil {
		t.Fatalf("opening the kept %s: %v", f.Name, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatalf("reading the kept %s: %v", f.Name, err)
	}
	wantSum, wantSize := fileSHA256(t, path)
	if got := hex.EncodeToString(h.Sum(nil)); got != wantSum || n != wantSize || f.Size != wantSize {
		t.Errorf("%s: kept %d bytes (Size %d), SHA-256 %s; sent %d bytes, SHA-256 %s", filepath.Base(path), n, f.Size, got, wantSize, wantSum)
	}
	if f.Name != filepath.Base(path) {
		t.Errorf("kept file named %q, want %q", f.Name, filepath.Base(path))
	}
}

// writeRandom writes size bytes of noise from a fixed seed: a file no type
// check takes for anything but application/octet-stream.
func writeRandom(t *testing.T, dir, name string, size int) string {
	t.Helper()
	b := make([]byte, size)
	var seed [32]byte
	copy(seed[:], name)
	mrand.NewChaCha8(seed).Read(b)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitJS polls expr, a JavaScript expression, until it is neither null nor
// undefined, and returns its value.
func waitJS[T any](t *testing.T, b *browser, what, expr string, timeout time.Duration) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Poll[T](expr,
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		t.Fatalf("waiting %v for %s: %v", timeout, what, err)
	}
	return v
}

// requestsTo returns copies of the requests the page made with method to
// paths under prefix.
func (n *netLog) requestsTo(method, prefix string) []request {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []request
	for _, r := range n.requests {
		if r.Method == method && strings.HasPrefix(urlPath(r.URL), prefix) {
			out = append(out, *r)
		}
	}
	return out
}
