package private

import (
	"net/http"
	"strings"
	"testing"
)

var (
	pngBytes  = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
	pdfBytes  = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
	htmlBytes = "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
	svgBytes  = `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`
	xmlBytes  = `<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>`
	zipBytes  = "PK\x03\x04\x14\x00\x00\x00\x08\x00"
)

// TestContentSafety: what a browser is told about each kind of file, with
// Inline allowing everything it may.
func TestContentSafety(t *testing.T) {
	tests := []struct {
		name, content string
		typ           string // media type served, without parameters
		inline        bool   // shown in the browser (else an attachment)
	}{
		{"photo.png", pngBytes, "image/png", true},
		{"photo.PNG", pngBytes, "image/png", true},
		{"report.pdf", pdfBytes, "application/pdf", true},
		{"notes.txt", "just some notes\n", "text/plain", true},
		{"data.json", `{"a": 1}`, "application/json", true},
		{"no extension, PDF", pdfBytes, "application/pdf", true},
		{"no extension, text", "plain words", "text/plain", true},
		{"page.html", htmlBytes, "text/html", false},
		{"page.htm", "just text, but named HTML", "text/html", false},
		{"drawing.svg", svgBytes, "image/svg+xml", false},
		{"feed.xml", xmlBytes, "text/xml", false},
		{"app.js", "alert(document.cookie)", "text/javascript", false},
		{"style.css", "body{}", "text/css", false},
		{"module.mjs", "export {}", "text/javascript", false},
		{"archive.zip", zipBytes, "application/zip", false},
		{"no extension, HTML", htmlBytes, "text/html", false},
		{"no extension, SVG", svgBytes, octetStream, false},
		{"no extension, SVG with XML declaration", xmlBytes, "text/xml", false},
		// A name claiming a passive type is believed only when the bytes agree.
		{"photo.png", htmlBytes, octetStream, false},
		{"photo.png", pdfBytes, octetStream, false},
		{"notes.txt", htmlBytes, octetStream, false},
		{"notes.txt", pngBytes, octetStream, false},
		{"notes.txt", " \n<svg onload=alert(1)>", octetStream, false},
		{"notes.txt", "\uFEFF<math><mi xlink:href=x>", octetStream, false},
		{"report.pdf", "<html><body>hi", octetStream, false},
		{"data.json", svgBytes, octetStream, false},
		{"photo.webp", "unknown binary \x00\x01\x02", "image/webp", true},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.typ, func(t *testing.T) {
			key := "f"
			if !strings.Contains(tt.name, " ") {
				key = tt.name
			}
			root := newRoot(t, map[string]string{key: tt.content})
			h := &Handler{Files: Dir{Root: root}, Authorize: allow, Inline: func(*http.Request, *File) bool { return true }}
			w := get(h, "GET", "/"+key)
			if w.Code != 200 || w.Body.String() != tt.content {
				t.Fatalf("%d %q", w.Code, w.Body)
			}
			if got := mediaType(w.Header().Get("Content-Type")); got != tt.typ {
				t.Errorf("Content-Type %q, want %s", w.Header().Get("Content-Type"), tt.typ)
			}
			cd, csp := w.Header().Get("Content-Disposition"), w.Header().Get("Content-Security-Policy")
			if tt.inline {
				if !strings.HasPrefix(cd, "inline;") || csp != "" {
					t.Errorf("passive: Content-Disposition %q, Content-Security-Policy %q", cd, csp)
				}
			} else if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(csp, "sandbox") {
				t.Errorf("active: Content-Disposition %q, Content-Security-Policy %q", cd, csp)
			}
			if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
		})
	}
}

// Inline decides per request, for passive types only; nil means attachment.
func TestInline(t *testing.T) {
	root := newRoot(t, map[string]string{"a.png": pngBytes, "b.html": htmlBytes})
	byQuery := func(r *http.Request, f *File) bool { return r.URL.Query().Get("download") == "" }
	for _, tt := range []struct {
		inline func(*http.Request, *File) bool
		target string
		want   string
	}{
		{nil, "/a.png", "attachment"},
		{byQuery, "/a.png", "inline"},
		{byQuery, "/a.png?download=1", "attachment"},
		{byQuery, "/b.html", "attachment"},
	} {
		h := &Handler{Files: Dir{Root: root}, Authorize: allow, Inline: tt.inline}
		got := get(h, "GET", tt.target).Header().Get("Content-Disposition")
		if !strings.HasPrefix(got, tt.want+";") {
			t.Errorf("%s (Inline set %v): %q", tt.target, tt.inline != nil, got)
		}
	}
}
