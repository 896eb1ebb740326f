package main

import (
	"bytes"
	"encoding/json"
	"image"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestGallery(t *testing.T) {
	a, srv := newTestServer(t)
	c := login(t, srv, "alice", "wonderland")

	resp, body := get(t, c, srv.URL+"/gallery")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-field="gallery"`) || !strings.Contains(body, `data-endpoint="`+galleryPath+`"`) ||
		!strings.Contains(body, "<noscript>") || !strings.Contains(body, a.urls["gallery.js"]) {
		t.Fatalf("GET /gallery: %s\n%s", resp.Status, body)
	}

	// A text file is not for the gallery.
	resp, body = postForm(t, c, srv.URL+galleryPath, map[string]string{"field": "gallery"}, map[string][2]string{"upload": {"a.txt", "hello"}})
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text to the gallery: %s %s", resp.Status, body)
	}

	resp, body = postForm(t, c, srv.URL+galleryPath, map[string]string{"field": "gallery"}, map[string][2]string{"upload": {"cat.png", testPNG(t, 640, 480)}})
	var up struct {
		Stored    string `json:"stored"`
		Thumbnail struct {
			Width, Height int
		} `json:"thumbnail"`
	}
	if err := json.Unmarshal([]byte(body), &up); resp.StatusCode != http.StatusOK || err != nil || up.Stored == "" || up.Thumbnail.Width != 320 || up.Thumbnail.Height != 320 {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}

	r, err := c.PostForm(srv.URL+"/gallery", url.Values{"_gallery": {up.Stored}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	var saved galleryReply
	if err := json.Unmarshal(b, &saved); r.StatusCode != http.StatusOK || err != nil || len(saved.Pictures) != 1 {
		t.Fatalf("POST /gallery: %s %s", r.Status, b)
	}
	p := saved.Pictures[0]
	if p.Thumb != "/gallery/1/thumb" || p.Image != "/gallery/1/image" || p.Name != "cat.png" {
		t.Errorf("saved %+v", p)
	}

	resp, body = get(t, c, srv.URL+p.Thumb)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("thumb: %s", resp.Status)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader([]byte(body)))
	if err != nil || cfg.Width != 320 || cfg.Height != 320 {
		t.Errorf("thumb %dx%d (%v)", cfg.Width, cfg.Height, err)
	}
	// The thumbnail is served as what it is, under its own name.
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); ct != "image/jpeg" || cd != `inline; filename="cat-thumbnail.jpg"` {
		t.Errorf("thumb served as %q, %q; want image/jpeg, inline, cat-thumbnail.jpg", ct, cd)
	}
	resp, body = get(t, c, srv.URL+p.Image)
	if resp.StatusCode != http.StatusOK || len(body) < 1000 {
		t.Errorf("image: %s, %d bytes", resp.Status, len(body))
	}
	_, body = get(t, c, srv.URL+"/gallery")
	if !strings.Contains(body, `src="/gallery/1/thumb"`) {
		t.Errorf("the page does not show the picture:\n%s", body)
	}

	// A PNG named .svg is served as the PNG it is, and its thumbnail as a JPEG.
	resp, body = postForm(t, c, srv.URL+galleryPath, map[string]string{"field": "gallery"}, map[string][2]string{"upload": {"drawing.svg", testPNG(t, 64, 64)}})
	if err := json.Unmarshal([]byte(body), &up); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("upload of a PNG named .svg: %s %s", resp.Status, body)
	}
	r, err = c.PostForm(srv.URL+"/gallery", url.Values{"_gallery": {up.Stored}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	for path, want := range map[string]string{"/gallery/2/image": "image/png", "/gallery/2/thumb": "image/jpeg"} {
		resp, _ := get(t, c, srv.URL+path)
		if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); resp.StatusCode != http.StatusOK || ct != want || !strings.HasPrefix(cd, "inline") || strings.Contains(cd, ".svg") {
			t.Errorf("%s of a PNG named .svg: %s, %q, %q; want %s, inline, not .svg", path, resp.Status, ct, cd, want)
		}
	}

	// Nobody else sees it, nor can save alice's reference.
	bob := login(t, srv, "bob", "builder")
	for _, u := range []string{p.Thumb, p.Image, "/gallery/99/thumb"} {
		if resp, _ := get(t, bob, srv.URL+u); resp.StatusCode != http.StatusNotFound {
			t.Errorf("bob GET %s: %s, want 404", u, resp.Status)
		}
	}
	r, err = bob.PostForm(srv.URL+"/gallery", url.Values{"_gallery": {up.Stored}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode == http.StatusOK {
		t.Errorf("bob saved alice's reference: %s", r.Status)
	}

	// A document's image gets no thumbnail: processors are the gallery's.
	resp, body = postForm(t, c, srv.URL+"/uploads/", map[string]string{"field": "file"}, map[string][2]string{"upload": {"doc.png", testPNG(t, 64, 64)}})
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "thumbnail") {
		t.Errorf("document upload: %s %s", resp.Status, body)
	}
	files := regularFiles(t, filepath.Join(a.store.where, "files"))
	if len(files) != 4 { // the pictures and their thumbnails
		t.Errorf("stored files %q, want the pictures and their thumbnails", files)
	}
}
