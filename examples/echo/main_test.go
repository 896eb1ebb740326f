package main

import (
	"testing"

	"github.com/labstack/echo/v4"
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
	t.Run("Any /uploads/*", func(t *testing.T) {
		e := echo.New()
		e.Any("/uploads/*", echo.WrapHandler(up))
		apptest.Reaches(t, up, e)
	})
	t.Run("Group /uploads", func(t *testing.T) {
		e := echo.New()
		e.Group("/uploads").Any("/*", echo.WrapHandler(up))
		apptest.Reaches(t, up, e)
	})
	t.Run("Any /uploads/ fails the check", func(t *testing.T) {
		e := echo.New()
		e.Any("/uploads/", echo.WrapHandler(up))
		apptest.Fails(t, up, e)
	})
}
