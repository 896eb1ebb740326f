package private

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestXAccelRedirect(t *testing.T) {
	root := newRoot(t, map[string]string{
		"a/report.pdf":       pdfBytes,
		"a/Über uns?#1.pdf":  pdfBytes,
		"a/100%.pdf":         pdfBytes,
		"a/page.html":        htmlBytes,
		"semi;colon&plus+.x": "x",
	})
	for _, tt := range []struct {
		sender Sender
		key    string
		status int
		header string
	}{
		{XAccelRedirect{}, "a/report.pdf", 200, "/private-internal/a/report.pdf"},
		{XAccelRedirect{Prefix: "/protected"}, "a/report.pdf", 200, "/protected/a/report.pdf"},
		{XAccelRedirect{Prefix: "/protected/"}, "a/Über uns?#1.pdf", 200, "/protected/a/%C3%9Cber%20uns%3F%231.pdf"},
		{XAccelRedirect{}, "semi;colon&plus+.x", 200, "/private-internal/semi%3Bcolon&plus+.x"},
		{XAccelRedirect{}, "a/100%.pdf", 200, "/private-internal/a/100%25.pdf"},
		{XAccelRedirect{}, "a/page.html", 200, "/private-internal/a/page.html"},
	} {
		h := &Handler{Files: Dir{Root: root}, Authorize: allow, Sender: tt.sender, Logger: quiet}
		w := serve(h, "GET", tt.key, "Range", "bytes=0-3")
		if w.Code != tt.status || w.Header().Get("X-Accel-Redirect") != tt.header {
			t.Errorf("%q: %d %q, want %d %q", tt.key, w.Code, w.Header().Get("X-Accel-Redirect"), tt.status, tt.header)
		}
		if tt.status != 200 {
			continue
		}
		// The headers nginx passes on are set; the bytes and the
		// validators are nginx's to send.
		if w.Body.Len() != 0 || w.Header().Get("ETag") != "" || w.Header().Get("Content-Range") != "" {
			t.Errorf("%q: body %q, headers %v", tt.key, w.Body, w.Header())
		}
		if w.Header().Get("Content-Type") == "" || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment;") {
			t.Errorf("%q: headers %v", tt.key, w.Header())
		}
	}
	// Refused: nothing for nginx to follow.
	h := &Handler{Files: Dir{Root: root}, Authorize: deny, Sender: XAccelRedirect{}}
	if w := serve(h, "GET", "a/report.pdf"); w.Code != 403 || w.Header().Get("X-Accel-Redirect") != "" {
		t.Errorf("refused: %d %v", w.Code, w.Header())
	}
}

func TestXSendfile(t *testing.T) {
	root := newRoot(t, map[string]string{"a/report.pdf": pdfBytes})
	abs, err := filepath.Abs(root.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		sender       XSendfile
		header, want string
	}{
		{XSendfile{}, "X-Sendfile", filepath.Join(abs, "a", "report.pdf")},
		{XSendfile{Dir: "/srv/files"}, "X-Sendfile", filepath.FromSlash("/srv/files/a/report.pdf")},
		{XSendfile{Header: "X-LIGHTTPD-send-file"}, "X-LIGHTTPD-send-file", filepath.Join(abs, "a", "report.pdf")},
	} {
		h := &Handler{Files: Dir{Root: root}, Authorize: allow, Sender: tt.sender}
		w := serve(h, "GET", "a/report.pdf")
		if w.Code != 200 || w.Header().Get(tt.header) != tt.want || w.Body.Len() != 0 {
			t.Errorf("%+v: %d %v", tt.sender, w.Code, w.Header())
		}
	}
}

// Offloading needs files on disk; those of other Files are refused.
func TestSenderNeedsADir(t *testing.T) {
	m := newMemFiles()
	m.put("f.txt", []byte("x"), "")
	for _, sender := range []Sender{XAccelRedirect{}, XSendfile{}} {
		h := &Handler{Files: m, Authorize: allow, Sender: sender, Logger: quiet}
		if w := serve(h, "GET", "f.txt"); w.Code != 500 || w.Header().Get("Content-Disposition") != "" {
			t.Errorf("%T: %d %v", sender, w.Code, w.Header())
		}
	}
}
