package private

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stickyuploads/sticky/internal/nginxtest"
)

// nginxSite is the nginx configuration docs/private-files.md shows, and the
// one TestNginx runs, with its own address, the test app's and the test's
// directory in place of "listen 80", "http://127.0.0.1:8080" and
// "/var/lib/myapp/files/". TestDocsShowNginxSite keeps the two the same.
const nginxSite = `server {
    listen 80;

    location / {
        proxy_pass http://127.0.0.1:8080;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
    }

    # The files the app allowed, sent by nginx from disk. Only an
    # X-Accel-Redirect from the app leads here: "internal" answers any
    # request from outside 404.
    location /private-internal/ {
        internal;
        alias /var/lib/myapp/files/;
        disable_symlinks on from=$document_root;
        # nginx keeps the app's Content-Type, Content-Disposition and
        # Cache-Control, but drops these unless they are set here.
        add_header X-Content-Type-Options nosniff always;
        add_header Content-Security-Policy $upstream_http_content_security_policy always;
        add_header Cross-Origin-Resource-Policy $upstream_http_cross_origin_resource_policy always;
    }
}
`

// TestNginx serves files through a real nginx in front of the app, with
// XAccelRedirect: the app decides, nginx sends the bytes.
//
// That a refused request never reaches the file is shown by nginx's own
// access log: it records, for each request, the URI it ended up serving.
// An allowed request ends at the internal location (the positive control:
// the log does show redirects), a refused one at the app's URL with the
// app's short answer, so nginx never went near the directory.
func TestNginx(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	report := bytes.Repeat([]byte(pdfBytes+"0123456789abcdef"), 4000)
	files := map[string][]byte{
		"alice/report.pdf":    report,
		"alice/Über uns.txt":  []byte("Grüße"),
		"alice/page.html":     []byte(htmlBytes),
		"alice/100%.txt":      []byte("percent"),
		"alice/a%41.txt":      []byte("literal percent-41"),
		"alice/aA.txt":        []byte("decoded twice"),
		"bob/bob's notes.txt": []byte("bob only"),
	}
	for k, v := range files {
		p := filepath.Join(dir, filepath.FromSlash(k))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, v, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()

	// The app: a user may read the files in the folder of their name.
	var (
		mu   sync.Mutex
		seen []string // what the app answered, for each request it got
	)
	h := &Handler{
		Files:  Dir{Root: root},
		Prefix: "/files/",
		Authorize: func(r *http.Request, f *File) bool {
			user := r.Header.Get("X-User")
			return user != "" && strings.HasPrefix(f.Key, user+"/")
		},
		Sender: XAccelRedirect{},
		Logger: quiet,
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %d %s", r.URL.Path, rec.Code, rec.Header().Get("X-Accel-Redirect")))
		mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer app.Close()

	ngx := nginxtest.Start(t, func(listen string) string {
		return strings.NewReplacer(
			"listen 80;", "listen "+listen+";",
			"http://127.0.0.1:8080", app.URL,
			"/var/lib/myapp/files/", dir+"/",
		).Replace(nginxSite)
	})

	type want struct {
		status  int
		body    []byte
		headers map[string]string
		uri     string // the URI nginx served in the end
	}
	fileHeaders := func(typ, disposition string) map[string]string {
		return map[string]string{
			"Content-Type":                 typ,
			"Content-Disposition":          disposition,
			"Cache-Control":                DefaultCacheControl,
			"X-Content-Type-Options":       "nosniff",
			"Cross-Origin-Resource-Policy": "same-site",
		}
	}
	pdfHeaders := fileHeaders("application/pdf", `attachment; filename="report.pdf"`)
	pdfHeaders["Content-Length"] = fmt.Sprint(len(report))
	pdfHeaders["Content-Security-Policy"] = ""
	pdfHeaders["X-Accel-Redirect"] = "" // nginx keeps it to itself
	rangeHeaders := map[string]string{"Content-Range": fmt.Sprintf("bytes 1000-1999/%d", len(report)), "Content-Length": "1000"}
	for _, tt := range []struct {
		name   string
		path   string
		header []string
		want   want
	}{
		{"allowed", "/files/alice/report.pdf", []string{"X-User", "alice"},
			want{200, report, pdfHeaders, "/private-internal/alice/report.pdf"}},
		{"range", "/files/alice/report.pdf", []string{"X-User", "alice", "Range", "bytes=1000-1999"},
			want{206, report[1000:2000], rangeHeaders, "/private-internal/alice/report.pdf"}},
		{"encoded name", "/files/alice/%C3%9Cber%20uns.txt", []string{"X-User", "alice"},
			want{200, []byte("Grüße"), fileHeaders("text/plain; charset=utf-8", `attachment; filename="_ber uns.txt"; filename*=UTF-8''%C3%9Cber%20uns.txt`), "/private-internal/alice/Über uns.txt"}},
		{"active content", "/files/alice/page.html", []string{"X-User", "alice"},
			want{200, []byte(htmlBytes), map[string]string{"Content-Security-Policy": "sandbox; default-src 'none'", "Content-Disposition": `attachment; filename="page.html"`}, "/private-internal/alice/page.html"}},
		{"refused", "/files/bob/bob's%20notes.txt", []string{"X-User", "alice"},
			want{403, []byte("Forbidden\n"), map[string]string{"X-Accel-Redirect": ""}, "/files/bob/bob's notes.txt"}},
		{"refused range", "/files/alice/report.pdf", []string{"X-User", "mallory", "Range", "bytes=0-99"},
			want{403, []byte("Forbidden\n"), nil, "/files/alice/report.pdf"}},
		{"no user", "/files/alice/report.pdf", nil,
			want{403, []byte("Forbidden\n"), nil, "/files/alice/report.pdf"}},
		{"internal location from outside", "/private-internal/alice/report.pdf", []string{"X-User", "alice"},
			want{404, nil, nil, "/private-internal/alice/report.pdf"}},
		{"traversal", "/files/alice/..%2Fbob/bob's%20notes.txt", []string{"X-User", "alice"},
			want{404, nil, nil, ""}},
		// nginx decodes the redirect's path once: "%2541" is "%41", not "A".
		{"percent in key", "/files/alice/a%2541.txt", []string{"X-User", "alice"},
			want{200, []byte("literal percent-41"), nil, "/private-internal/alice/a%41.txt"}},
		{"percent alone", "/files/alice/100%25.txt", []string{"X-User", "alice"},
			want{200, []byte("percent"), nil, "/private-internal/alice/100%.txt"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(ngx.Log(t, 0))
			res := ngx.Get(t, tt.path, tt.header...)
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.want.status || tt.want.body != nil && !bytes.Equal(body, tt.want.body) {
				t.Fatalf("%d %.80q, want %d %.80q\n%s", res.StatusCode, body, tt.want.status, tt.want.body, ngx.ErrorLog())
			}
			wantHeaders(t, tt.name, res.Header, tt.want.headers)
			log := ngx.Log(t, before+1)
			if len(log) != before+1 {
				t.Fatalf("access log: %+v", log[before:])
			}
			e := log[before]
			if tt.want.uri != "" && e.URI != tt.want.uri || e.Status != tt.want.status {
				t.Errorf("nginx served %+v, want %d at %q", e, tt.want.status, tt.want.uri)
			}
			if tt.want.status == 403 && (e.Bytes != int64(len("Forbidden\n")) || strings.HasPrefix(e.URI, "/private-internal/")) {
				t.Errorf("refused, yet nginx sent %d bytes from %q", e.Bytes, e.URI)
			}
		})
	}

	// nginx's own validators work on its responses.
	res := ngx.Get(t, "/files/alice/report.pdf", "X-User", "alice")
	res.Body.Close()
	etag := res.Header.Get("ETag")
	res = ngx.Get(t, "/files/alice/report.pdf", "X-User", "alice", "If-None-Match", etag)
	res.Body.Close()
	if etag == "" || res.StatusCode != 304 {
		t.Errorf("If-None-Match %q: %d", etag, res.StatusCode)
	}
	// ... and only after the app allowed the request.
	res = ngx.Get(t, "/files/alice/report.pdf", "X-User", "mallory", "If-None-Match", etag)
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Errorf("refused, If-None-Match: %d", res.StatusCode)
	}

	mu.Lock()
	defer mu.Unlock()
	for _, s := range seen {
		if strings.Contains(s, " 403 ") && strings.Contains(s, "/private-internal/") {
			t.Errorf("the app refused and redirected: %s", s)
		}
		if strings.HasPrefix(s, "/private-internal/") {
			t.Errorf("the internal location reached the app: %s", s)
		}
	}
}

// The configuration in the docs is the one the test runs.
func TestDocsShowNginxSite(t *testing.T) {
	doc, err := os.ReadFile("../docs/private-files.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc, []byte("```nginx\n"+nginxSite+"```\n")) {
		t.Error("docs/private-files.md does not show nginxSite (nginx_test.go) verbatim in an ```nginx block; copy it there")
	}
}
