package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/clamav"
	"github.com/stickyuploads/sticky/private"
	"github.com/stickyuploads/sticky/private/bucket"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// app holds what the handlers share.
type app struct {
	log      *slog.Logger
	db       *sql.DB
	store    *storage // temporary uploads and documents
	up       *sticky.Uploader
	files    *private.Handler // serves each document's file to its owner only
	gallery  *sticky.Uploader // the gallery's uploader: images, with thumbnails
	pictures *private.Handler // serves each picture and thumbnail to its owner only
	maxSize  int64
	pages    map[string]*template.Template
	static   map[string]staticFile // by hashed name
	urls     map[string]string     // source name → hashed URL
	throttle *throttle             // failed sign-ins, password hashing
	quota    usage                 // what each user may keep
}

// newApp prepares the data directory, the database, the storage and the
// uploader.
func newApp(ctx context.Context, cfg config, logger *slog.Logger) (*app, error) {
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if cfg.DB == "" {
		cfg.DB = filepath.Join(cfg.Data, defaultDB)
	}
	if err := os.MkdirAll(filepath.Dir(cfg.DB), 0o700); err != nil {
		return nil, fmt.Errorf("database directory: %w", err)
	}
	if cfg.TempTTL <= 0 {
		cfg.TempTTL = defaultTempTTL
	}
	key := cfg.Secret
	if key == nil {
		var (
			created bool
			err     error
		)
		key, created, err = loadOrCreateKey(cfg.Data)
		if err != nil {
			return nil, fmt.Errorf("signing key: %w", err)
		}
		if created {
			logger.Info("generated a signing key", "file", filepath.Join(cfg.Data, secretFile))
		}
	}

	a := &app{log: logger, maxSize: cfg.MaxSize, throttle: newThrottle()}
	a.quota = usage{a: a, limit: cfg.Quota}
	var err error
	if a.db, err = openDB(ctx, cfg.DB); err != nil {
		return nil, err
	}
	if a.store, err = openStorage(ctx, cfg); err != nil {
		a.Close()
		return nil, err
	}
	a.store.docs.Recorded = a.recorded
	uc := sticky.Config{
		Path:      "/uploads/",
		Keys:      [][]byte{key},
		Identity:  a.identity,
		Accept:    []string{"image/*", "application/pdf", "text/plain"},
		MaxSize:   cfg.MaxSize,
		TTL:       cfg.TempTTL,
		Logger:    logger,
		RateLimit: cfg.Rate,
		Quota:     a.quota,
		Direct:    cfg.Direct, // the gallery's too
	}
	if cfg.Clamd != "" { // first, so that nothing else reads an infected file
		uc.Processors = []sticky.Processor{&clamav.Scanner{Addr: cfg.Clamd, Logger: logger}}
	}
	if a.store.temp == nil {
		if uc.Store, err = sticky.NewDiskStore(filepath.Join(cfg.Data, "tmp")); err != nil {
			a.Close()
			return nil, err
		}
	} else {
		// Demos sharing the bucket share the locks of resumable uploads
		// too, so that a client may resume on any of them.
		uc.Store, uc.Locker = a.store.temp, a.store.temp.Locker()
	}
	a.up, err = sticky.New(uc)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("uploader: %w", err)
	}
	// The gallery has an uploader of its own, so that only its pictures
	// get thumbnails (see galleryPath).
	gc := uc
	gc.Path = galleryPath
	gc.Accept = []string{"image/*"}
	gc.Fields = map[string]sticky.Rules{galleryField: {Accept: []string{"image/*"}}}
	if a.store.galleryTemp == nil {
		gc.Locker = nil
		if gc.Store, err = sticky.NewDiskStore(filepath.Join(cfg.Data, "gallery-tmp")); err != nil {
			a.Close()
			return nil, err
		}
	} else {
		gc.Store, gc.Locker = a.store.galleryTemp, a.store.galleryTemp.Locker()
	}
	gc.Processors = append(slices.Clip(uc.Processors), galleryProcessors()...)
	a.gallery, err = sticky.New(gc)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("gallery uploader: %w", err)
	}
	var files private.Files = private.Dir{Root: a.store.root}
	if a.store.docsBucket != nil {
		files = bucket.Files{Bucket: a.store.docsBucket}
	}
	a.pictures = &private.Handler{
		Files: files,
		Name:  func(f *private.File) string { return f.Parent.(*picture).servedName(f.Key) },
		Authorize: func(r *http.Request, f *private.File) bool {
			u := a.currentUser(r)
			return u != nil && u.ID == f.Parent.(*picture).userID
		},
		Inline:       func(*http.Request, *private.File) bool { return true },
		CacheControl: "private, max-age=3600",
		HideDenied:   true,
		Logger:       logger,
	}
	a.files = &private.Handler{
		Files: files,
		// Download under the name the owner uploaded, not the storage key.
		Name: func(f *private.File) string { return f.Parent.(*document).FileName },
		Authorize: func(r *http.Request, f *private.File) bool {
			u := a.currentUser(r)
			return u != nil && u.ID == f.Parent.(*document).userID
		},
		HideDenied: true, // someone else's document looks like no document
		Logger:     logger,
	}
	if err := a.loadStatic(); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.loadTemplates(); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// Close releases the database and the storage.
func (a *app) Close() error {
	var errs []error
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	if a.db != nil {
		errs = append(errs, a.db.Close())
	}
	return errors.Join(errs...)
}

// Handler is the whole app: every route, behind cross-origin protection.
func (a *app) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", a.handleLoginForm)
	mux.HandleFunc("POST /login", a.handleLogin)
	mux.HandleFunc("POST /logout", a.handleLogout)
	mux.HandleFunc("GET /{$}", a.requireUser(a.handleDocuments))
	mux.HandleFunc("GET /documents/new", a.requireUser(a.handleNewDocumentForm))
	mux.HandleFunc("POST /documents/new", a.requireUser(a.handleNewDocument))
	mux.HandleFunc("GET /documents/{id}/file", a.requireUser(a.handleDownload))
	mux.Handle("/uploads/", a.up)
	mux.HandleFunc("GET /gallery", a.requireUser(a.handleGallery))
	mux.HandleFunc("POST /gallery", a.requireUser(a.handleGallerySave))
	mux.HandleFunc("GET /gallery/{id}/thumb", a.requireUser(a.handlePicture(true)))
	mux.HandleFunc("GET /gallery/{id}/image", a.requireUser(a.handlePicture(false)))
	mux.Handle(galleryPath, a.gallery)
	mux.HandleFunc("GET /static/{name}", a.handleStatic)
	return securityHeaders(http.NewCrossOriginProtection().Handler(mux), a.store.connect)
}

// securityHeaders adds headers every response should carry. The policy
// allows only same-origin scripts, styles and connections: the uploader's
// script and stylesheet are served from this origin. connect, when not
// empty, is the one other origin pages may send requests to: the bucket
// that browsers upload to directly.
func securityHeaders(h http.Handler, connect string) http.Handler {
	policy := "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	if connect != "" {
		policy += "; connect-src 'self' " + connect
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", policy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// view is what every page template gets; Page is the page's own data.
type view struct {
	Title      string
	User       *user
	Assets     template.HTML
	Stylesheet string
	Icon       string
	Flash      string
	Page       any
}

func (a *app) loadTemplates() error {
	funcs := template.FuncMap{
		"size": sticky.SizeString,
		"date": func(t time.Time) string { return t.Format("2 Jan 2006, 15:04") },
		"iso":  func(t time.Time) string { return t.Format(time.RFC3339) },
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return err
	}
	a.pages = map[string]*template.Template{}
	for _, name := range []string{"login", "documents", "new", "gallery"} {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return err
		}
		a.pages[name] = t
	}
	return nil
}

// render writes page with the given status. The page is rendered into a
// buffer first, so a template error becomes a clean 500.
func (a *app) render(w http.ResponseWriter, r *http.Request, status int, page, title string, u *user, data any) {
	a.renderFlash(w, r, status, page, title, u, "", data)
}

func (a *app) renderFlash(w http.ResponseWriter, r *http.Request, status int, page, title string, u *user, flash string, data any) {
	t, ok := a.pages[page]
	if !ok {
		a.serverError(w, r, fmt.Errorf("no page %q", page))
		return
	}
	v := view{
		Title:      title,
		User:       u,
		Assets:     a.up.Assets(),
		Stylesheet: a.urls["style.css"],
		Icon:       a.urls["icon.svg"],
		Flash:      flash,
		Page:       data,
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		a.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (a *app) serverError(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	http.Error(w, "Something went wrong on our side. Please try again.", http.StatusInternalServerError)
}

// staticFile is an embedded asset served under a content-hashed name, so
// it can be cached for good.
type staticFile struct {
	name string
	body []byte
}

func (a *app) loadStatic() error {
	a.static = map[string]staticFile{}
	a.urls = map[string]string{}
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		base := path.Base(p)
		ext := path.Ext(base)
		hashed := strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		a.static[hashed] = staticFile{name: base, body: body}
		a.urls[base] = "/static/" + hashed
		return nil
	})
}

func (a *app) handleStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := a.static[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
}
