package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stickyuploads/sticky/examples/internal/apptest"
)

func TestApp(t *testing.T) {
	up, docs, files := apptest.New(t)
	app, err := newApp(up, docs)
	if err != nil {
		t.Fatal(err)
	}
	apptest.Run(t, app, files)
}

// TestHTMXAnswers checks what htmx gets: its own script, the form alone
// with 422 on an error, and HX-Redirect once saved.
func TestHTMXAnswers(t *testing.T) {
	up, docs, _ := apptest.New(t)
	app, err := newApp(up, docs)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/static/htmx-2.0.11.min.js", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `version:"2.0.11"`) {
		t.Fatalf("GET htmx: %d, want 200 and htmx 2.0.11", w.Code)
	}

	post := func(form string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("HX-Request", "true")
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		return w
	}
	w = post("title=")
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || !strings.HasPrefix(body, "<form") || !strings.Contains(body, apptest.TitleError) {
		t.Fatalf("htmx post without a title: %d\n%s\nwant 422 and the form alone with the error", w.Code, body)
	}
}
