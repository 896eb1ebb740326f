package private

import (
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
)

// A Sender sends the bytes of a file that Authorize allowed: Go itself
// (Stream), a web server in front of the app (XAccelRedirect for nginx,
// XSendfile for Apache and lighttpd), or a bucket (bucket.SignedRedirect).
// Authorization stays in Go whichever sends.
//
// Send is called with w's headers set for f: Content-Type,
// Content-Disposition, Cache-Control, X-Content-Type-Options,
// Cross-Origin-Resource-Policy and, for active content,
// Content-Security-Policy. It writes the response, or returns an error
// having written nothing, which is answered 500.
type Sender interface {
	Send(w http.ResponseWriter, r *http.Request, f *File) error
}

// Stream is the Sender that sends files from Go, with http.ServeContent:
// HEAD, single and multiple byte ranges, conditional requests on ETag and
// Last-Modified (If-None-Match, If-Modified-Since, If-Match,
// If-Unmodified-Since, If-Range), and Content-Length. A Dir's file goes
// out with sendfile(2) where the system has it; any other Content is read
// in ranges, as the request needs them, in constant memory.
type Stream struct{}

// Send implements Sender.
func (Stream) Send(w http.ResponseWriter, r *http.Request, f *File) error {
	if tooManyRanges(r) {
		r = r.Clone(r.Context())
		r.Header.Del("Range")
	}
	w.Header().Set("ETag", f.ETag)
	if local, ok := f.content.(*dirFile); ok {
		http.ServeContent(w, r, "", f.ModTime, local.File)
		return nil
	}
	c := newRangeContent(r.Context(), f, r.Header.Get("Range"))
	defer c.Close()
	http.ServeContent(w, r, "", f.ModTime, c)
	return nil
}

// DefaultInternalPrefix is XAccelRedirect's Prefix when it has none.
const DefaultInternalPrefix = "/private-internal/"

// XAccelRedirect is the Sender that has nginx send files from a Dir: the
// response carries only headers, with "X-Accel-Redirect: Prefix + key"
// (percent-encoded), and nginx serves that internal location from disk,
// with ranges and conditional requests of its own. nginx needs a location
// for Prefix marked internal, aliased to the Dir's directory; see
// docs/private-files.md for one that the tests run.
type XAccelRedirect struct {
	// Prefix is the internal location's path, with slashes at both ends.
	// Default: DefaultInternalPrefix.
	Prefix string
}

// Send implements Sender.
func (x XAccelRedirect) Send(w http.ResponseWriter, r *http.Request, f *File) error {
	if _, ok := f.content.(*dirFile); !ok {
		return errors.New("private: XAccelRedirect serves files of a Dir only")
	}
	prefix := x.Prefix
	if prefix == "" {
		prefix = DefaultInternalPrefix
	}
	w.Header().Set("X-Accel-Redirect", strings.TrimSuffix(prefix, "/")+"/"+escapePath(f.Key))
	w.WriteHeader(http.StatusOK)
	return nil
}

// escapePath percent-encodes each element of a slash-separated key.
func escapePath(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// XSendfile is the Sender that has Apache (mod_xsendfile) or lighttpd send
// files from a Dir: the response carries only headers, with
// "X-Sendfile: " and the file's absolute path.
type XSendfile struct {
	// Dir is the directory of the Handler's Dir as the web server sees
	// it. Default: the name of the Dir's Root, made absolute.
	Dir string
	// Header is the header's name. Default: X-Sendfile.
	Header string
}

// Send implements Sender.
func (x XSendfile) Send(w http.ResponseWriter, r *http.Request, f *File) error {
	local, ok := f.content.(*dirFile)
	if !ok {
		return errors.New("private: XSendfile serves files of a Dir only")
	}
	dir := x.Dir
	if dir == "" {
		var err error
		if dir, err = filepath.Abs(local.dir); err != nil {
			return err
		}
	}
	header := x.Header
	if header == "" {
		header = "X-Sendfile"
	}
	w.Header().Set(header, filepath.Join(dir, filepath.FromSlash(f.Key)))
	w.WriteHeader(http.StatusOK)
	return nil
}
