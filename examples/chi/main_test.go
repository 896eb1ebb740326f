package main

import (
	"testing"

	"github.com/go-chi/chi/v5"
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

func TestMounts(t *testing.T) {
	up, _, _ := apptest.New(t)
	t.Run("Handle /uploads/*", func(t *testing.T) {
		r := chi.NewRouter()
		r.Handle("/uploads/*", up)
		apptest.Reaches(t, up, r)
	})
	t.Run("Mount /uploads", func(t *testing.T) {
		r := chi.NewRouter()
		r.Mount("/uploads", up)
		apptest.Reaches(t, up, r)
	})
	t.Run("Mount /uploads/", func(t *testing.T) {
		r := chi.NewRouter()
		r.Mount("/uploads/", up)
		apptest.Reaches(t, up, r)
	})
	t.Run("Route with a subrouter", func(t *testing.T) {
		r := chi.NewRouter()
		r.Route("/uploads", func(r chi.Router) { r.Handle("/*", up) })
		apptest.Reaches(t, up, r)
	})
	t.Run("Handle /uploads/ fails the check", func(t *testing.T) {
		r := chi.NewRouter()
		r.Handle("/uploads/", up)
		apptest.Fails(t, up, r)
	})
}
