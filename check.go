package sticky

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Check sends a probe through h, the app's handler as it is served, for
// each kind of request the client script makes below Config.Path (the
// upload endpoint, the script, the stylesheet, the resumable endpoint and
// an upload on it, and the direct-upload routes when some field may go
// direct), and returns an error naming every probe that did not reach the Uploader at
// its full path. A router that matches only the mount path itself (chi's
// r.Handle("/uploads/", up)), a mount at another path, or a prefix
// stripped on the way all fail here rather than, silently, in the browser,
// where the page would fall back to plain posts. Call it once at start,
// after the routes are set:
//
//	if err := up.Check(router); err != nil {
//		log.Fatal(err)
//	}
//
// The Uploader answers a probe at once (204), without asking Identity or
// touching the store; nothing else tells a probe from a request, so the
// app's middleware sees it as a request without cookies. A middleware that
// turns such requests away (to a sign-in page, say) fails the check: pass
// the router the Uploader is mounted on, inside that middleware.
func (u *Uploader) Check(h http.Handler) error {
	probes := []struct{ method, path, what string }{
		{http.MethodPost, u.path, "the upload endpoint"},
		{http.MethodGet, u.ScriptURL(), "the client script"},
		{http.MethodGet, u.StyleURL(), "the stylesheet"},
		{http.MethodOptions, u.TusURL(), "the resumable endpoint"},
		{http.MethodPatch, u.TusURL() + "0123456789abcdef", "a resumable upload"},
	}
	if u.anyDirect {
		probes = append(probes, struct{ method, path, what string }{http.MethodGet, u.path + directPrefix + "params", "the direct-upload routes"})
	}
	var errs []error
	for _, p := range probes {
		seen := &probe{}
		r, err := http.NewRequestWithContext(context.WithValue(context.Background(), probeKey{}, seen), p.method, "http://localhost"+p.path, nil)
		if err != nil {
			return err
		}
		r.RequestURI = p.path
		r.RemoteAddr = "127.0.0.1:1"
		w := &probeWriter{header: http.Header{}}
		h.ServeHTTP(w, r)
		switch {
		case !seen.reached:
			errs = append(errs, fmt.Errorf("%s %s (%s) never reached the Uploader: the handler answered %d", p.method, p.path, p.what, w.status()))
		case seen.path != p.path:
			errs = append(errs, fmt.Errorf("%s %s (%s) reached the Uploader as %s: mount it without stripping the prefix", p.method, p.path, p.what, seen.path))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("sticky: requests below %s do not all reach the Uploader; mount it there for every path below, without stripping the prefix (net/http: mux.Handle(%q, up); chi: r.Handle(%q, up) or r.Mount(%q, up); echo: e.Any(%q, echo.WrapHandler(up)); gin: r.Any(%q, gin.WrapH(up))):\n%w",
		u.path, u.path, u.path+"*", strings.TrimSuffix(u.path, "/"), u.path+"*", u.path+"*path", errors.Join(errs...))
}

// probeKey marks the context of Check's requests; being unexported, it
// cannot come from outside the process.
type probeKey struct{}

// probe is what the Uploader saw of one of Check's requests.
type probe struct {
	reached bool
	path    string
}

// answerProbe answers a request of Check, if r is one.
func answerProbe(w http.ResponseWriter, r *http.Request) bool {
	p, ok := r.Context().Value(probeKey{}).(*probe)
	if !ok {
		return false
	}
	p.reached, p.path = true, r.URL.Path
	w.WriteHeader(http.StatusNoContent)
	return true
}

// probeWriter keeps the status the app's handler answers a probe with.
type probeWriter struct {
	header http.Header
	code   int
}

func (w *probeWriter) Header() http.Header { return w.header }

func (w *probeWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return len(b), nil
}

func (w *probeWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *probeWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
