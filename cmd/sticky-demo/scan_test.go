package main

import (
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stickyuploads/sticky/internal/clamdtest"
)

// TestClamd runs the demo with -clamd: both uploaders scan, on the
// endpoint and in a form post, and clean files go through.
func TestClamd(t *testing.T) {
	d := clamdtest.Start(t, clamdtest.Options{})
	a, srv := newTestServer(t, func(c *config) { c.Clamd = d.Addr })
	c := login(t, srv, "alice", "wonderland")
	virus := "This file contains a virus (" + clamdtest.EICARSignature + ") and was not accepted."

	// A form post without scripts.
	resp, body := postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "Invoice"},
		map[string][2]string{"file": {"invoice.txt", string(clamdtest.EICAR)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), virus) {
		t.Errorf("form post of EICAR: %s, the page does not say %q", resp.Status, virus)
	}
	// The endpoint the script uploads to.
	resp, body = postForm(t, c, srv.URL+"/uploads/", map[string]string{"field": "file"},
		map[string][2]string{"upload": {"invoice.txt", string(clamdtest.EICAR)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, virus) {
		t.Errorf("upload of EICAR: %s %s", resp.Status, body)
	}
	// The gallery's uploader: a picture with a virus after its end.
	infected := testPNG(t, 64, 64) + string(clamdtest.BodyMark)
	resp, body = postForm(t, c, srv.URL+galleryPath, map[string]string{"field": galleryField},
		map[string][2]string{"upload": {"cat.png", infected}})
	if want := "(" + clamdtest.BodySignature + ")"; resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
		t.Errorf("gallery upload of an infected picture: %s %s", resp.Status, body)
	}
	for _, dir := range []string{"tmp", "gallery-tmp"} {
		dir = filepath.Join(filepath.Dir(a.store.root.Name()), dir)
		if _, err := os.Stat(dir); err != nil {
			t.Error(err)
		}
		if left := regularFiles(t, dir); len(left) > 0 {
			t.Errorf("%s holds %v after the refusals", dir, left)
		}
	}

	// Clean files pass, and the gallery still makes thumbnails.
	resp, body = postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "Notes"},
		map[string][2]string{"file": {"notes.txt", "hello, sticky\n"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("form post of a clean file: %s %s", resp.Status, body)
	}
	resp, body = postForm(t, c, srv.URL+galleryPath, map[string]string{"field": galleryField},
		map[string][2]string{"upload": {"cat.png", testPNG(t, 64, 64)}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"thumbnail"`) {
		t.Errorf("gallery upload of a clean picture: %s %s", resp.Status, body)
	}

	// clamd down: uploads wait for it.
	d.Stop()
	resp, body = postForm(t, c, srv.URL+"/uploads/", map[string]string{"field": "file"},
		map[string][2]string{"upload": {"notes.txt", "hello\n"}})
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be checked for viruses right now") {
		t.Errorf("upload with clamd down: %s %s", resp.Status, body)
	}
}

func TestParseConfigClamd(t *testing.T) {
	c, err := parseConfig([]string{"-clamd", "/run/clamav/clamd.ctl"}, noEnv, nil)
	if err != nil || c.Clamd != "/run/clamav/clamd.ctl" {
		t.Errorf("-clamd: %q, %v", c.Clamd, err)
	}
	if c, _ := parseConfig(nil, noEnv, nil); c.Clamd != "" {
		t.Errorf("without -clamd: %q", c.Clamd)
	}
}
