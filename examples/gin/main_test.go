package main

import (
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stickyuploads/sticky/examples/internal/apptest"
)

func init() { gin.SetMode(gin.TestMode) }

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
	t.Run("Any /uploads/*path", func(t *testing.T) {
		r := gin.New()
		r.Any("/uploads/*path", gin.WrapH(up))
		apptest.Reaches(t, up, r)
	})
	t.Run("Group /uploads", func(t *testing.T) {
		r := gin.New()
		r.Group("/uploads").Any("/*path", gin.WrapH(up))
		apptest.Reaches(t, up, r)
	})
	t.Run("Any /uploads/ fails the check", func(t *testing.T) {
		r := gin.New()
		r.Any("/uploads/", gin.WrapH(up))
		apptest.Fails(t, up, r)
	})
}
