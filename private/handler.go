package private

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
)

// DefaultCacheControl is the Cache-Control of a served file when
// Handler.CacheControl is empty: only the browser may keep a copy, and it
// asks again before each use, so every use is authorized anew (an
// unchanged file costs a 304 and no bytes).
const DefaultCacheControl = "private, no-cache"

// Handler serves stored files to whom Authorize allows, and to nobody
// else. Set Files and Authorize.
//
// For each GET or HEAD request it works out the file's key (from the URL
// path below Prefix, or as given to Serve), opens the file, describes it in
// a File (with its Parent and Name when those functions are set), and asks
// Authorize. A missing file is answered 404, a refused request 403 (404
// with HideDenied), other methods 405. An allowed file is sent by the
// Sender: by Go itself with http.ServeContent unless another is set.
//
// Responses are safe to send whatever the file holds. The content type
// comes from the name's extension, confirmed by the file's first 512
// bytes; only the passive types a browser displays without running
// anything (images, audio, video, PDF, plain text, CSV, JSON) may be shown
// inline, and only when Inline says so. Everything else, HTML, SVG, XML
// and JavaScript among it, is an attachment with
// "Content-Security-Policy: sandbox". Every response carries
// "X-Content-Type-Options: nosniff" and
// "Cross-Origin-Resource-Policy: same-site".
//
// A Handler must not be changed once it serves; it is safe for
// concurrent use.
type Handler struct {
	// Files is where the files are: a Dir, or a bucket (package
	// private/bucket).
	Files Files

	// Prefix is the part of the URL path before the key, for a Handler
	// mounted at a prefix: with Prefix "/files/", the request
	// "/files/2024/report.pdf" asks for the key "2024/report.pdf". Empty
	// means "/". Only ServeHTTP uses it.
	Prefix string

	// Parent returns the object the file under key belongs to, such as
	// the database record it is attached to, for Authorize and Name to
	// consult as File.Parent. An error that wraps fs.ErrNotExist, or a
	// nil object, is answered 404; any other error 500. Nil: File.Parent
	// is nil, unless Serve was given one.
	Parent func(ctx context.Context, key string) (any, error)

	// Name returns the name the file is saved as, from which its content
	// type is also worked out. Nil: the last element of the key. Either
	// way the header gets the name's last path element, without control
	// or bidirectional-override characters, at most 200 bytes long.
	Name func(f *File) string

	// Authorize says whether the request r may read f. It runs for every
	// request, conditional and range requests included, before anything
	// of the file is sent. Nil refuses everyone.
	Authorize func(r *http.Request, f *File) bool

	// HideDenied answers a refused request 404 Not Found, exactly as for a
	// file that does not exist, so that nobody learns which keys exist.
	// Default: 403 Forbidden.
	HideDenied bool

	// Inline says whether f may be shown in the browser rather than
	// downloaded. It is asked only for the passive types listed above;
	// everything else is always an attachment. Nil: always an attachment.
	Inline func(r *http.Request, f *File) bool

	// CacheControl is the Cache-Control of a served file. Default:
	// DefaultCacheControl.
	CacheControl string

	// Sender sends an allowed file. Nil: Stream, Go itself.
	Sender Sender

	// Logger receives the server's errors, and a warning for each request
	// refused for want of an Authorize. Nil: slog.Default().
	Logger *slog.Logger
}

// ServeHTTP serves the file whose key is the request's URL path below
// Prefix. A path that is not below Prefix, or that is not a valid key (an
// empty, "." or ".." element, a backslash, an encoded slash, a control
// character), is answered 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.Serve(w, r, keyFromPath(r, h.Prefix), nil) // "" is answered 404
}

// Serve serves the file stored under key, for a handler of the app's own
// route (such as /documents/{id}/file) that has looked up which file the
// request means. parent, when not nil, is the File's Parent; when nil,
// the Parent function is asked. Authorize decides, as for ServeHTTP.
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request, key string, parent any) {
	// What the app set of the headers this handler sets for a file (its
	// Content-Security-Policy, say): a failure answers with them as they
	// were, so that every error answer is the app's.
	prior := appHeaders(w.Header())
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(w, r, http.StatusMethodNotAllowed, prior)
		return
	}
	f, err := h.open(r.Context(), key, parent)
	if err != nil {
		h.failWith(w, r, key, err, prior)
		return
	}
	defer f.close()
	if h.Authorize == nil || !h.Authorize(r, f) {
		if h.Authorize == nil {
			h.log().Warn("private: Handler.Authorize is nil: every request is refused", "key", key)
		}
		status := http.StatusForbidden
		if h.HideDenied {
			status = http.StatusNotFound
		}
		h.fail(w, r, status, prior)
		return
	}
	inline := passive(f.ContentType) && h.Inline != nil && h.Inline(r, f)
	hd := w.Header()
	hd.Set("Content-Type", f.ContentType)
	hd.Set("Content-Disposition", contentDisposition(inline, f.Name))
	hd.Set("Cache-Control", h.cacheControl())
	hd.Set("Cross-Origin-Resource-Policy", "same-site")
	if !passive(f.ContentType) {
		hd.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	}
	sender := h.Sender
	if sender == nil {
		sender = Stream{}
	}
	if err := sender.Send(w, r, f); err != nil {
		// A Sender that fails writes nothing; one that fails halfway
		// cannot be helped.
		h.log().Error("private: sending a file", "key", key, "err", err)
		h.fail(w, r, http.StatusInternalServerError, prior)
	}
}

// open finds the file under key and describes it: a *File, or an error
// wrapping errMissing or fs.ErrNotExist, or the server's trouble.
func (h *Handler) open(ctx context.Context, key string, parent any) (*File, error) {
	if !validKey(key) {
		return nil, errMissing
	}
	if h.Files == nil {
		return nil, errors.New("private: Handler has no Files")
	}
	f, err := openFile(ctx, h.Files, key)
	if err != nil {
		return nil, err
	}
	f.Parent = parent
	if f.Parent == nil && h.Parent != nil {
		f.Parent, err = h.Parent(ctx, key)
		if errors.Is(err, fs.ErrNotExist) || err == nil && f.Parent == nil {
			err = errMissing
		}
		if err != nil {
			f.close()
			return nil, err
		}
	}
	f.Name = path.Base(key)
	if h.Name != nil {
		f.Name = h.Name(f)
	}
	f.ContentType = contentType(f.Name, f.head)
	return f, nil
}

// failWith answers an error from open.
func (h *Handler) failWith(w http.ResponseWriter, r *http.Request, key string, err error, prior http.Header) {
	if errors.Is(err, errMissing) || errors.Is(err, fs.ErrNotExist) {
		h.fail(w, r, http.StatusNotFound, prior)
		return
	}
	h.log().Error("private: opening a file", "key", key, "err", err)
	h.fail(w, r, http.StatusInternalServerError, prior)
}

// fileHeaders are the headers Serve sets for a file, which a failure
// takes back.
var fileHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Security-Policy", "Content-Type", "Cross-Origin-Resource-Policy", "ETag", "Last-Modified"}

// appHeaders returns the app's values of fileHeaders in hd, for fail.
func appHeaders(hd http.Header) http.Header {
	prior := make(http.Header, len(fileHeaders))
	for _, k := range fileHeaders {
		if v, ok := hd[k]; ok {
			prior[k] = append([]string(nil), v...)
		}
	}
	return prior
}

// fail answers status with its plain text. A 404 is exactly
// http.NotFound's answer, the one an app gives for an id it does not know,
// so that a hidden refusal cannot be told from a missing file, by the
// Handler's answers or the app's. Of the headers Serve sets for a file it
// takes back only its own: the app's (its Content-Security-Policy, say)
// stay as the app set them.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, prior http.Header) {
	hd := w.Header()
	for _, k := range fileHeaders {
		if v, ok := prior[k]; ok {
			hd[k] = v
		} else {
			hd.Del(k)
		}
	}
	if status == http.StatusNotFound {
		http.NotFound(w, r)
		return
	}
	http.Error(w, http.StatusText(status), status)
}

func (h *Handler) cacheControl() string {
	if h.CacheControl != "" {
		return h.CacheControl
	}
	return DefaultCacheControl
}

func (h *Handler) log() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}
