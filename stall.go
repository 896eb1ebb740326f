package sticky

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"
)

// DefaultBodyTimeout is how long a request may send none of its body
// before it is cut, when Config.BodyTimeout is zero: nginx's
// client_body_timeout.
const DefaultBodyTimeout = 60 * time.Second

// CutStalled returns a handler that cuts the body of a request to h when
// it sends no byte for timeout: the connection's read deadline starts at
// timeout and is pushed forward as bytes arrive, so a slow upload that
// keeps moving is never cut, while one that stops holds its connection
// no longer than timeout. A read of the cut body fails with ErrStalled.
//
// An Uploader does this on its own endpoints (Config.BodyTimeout), and
// ReadForm on the forms it reads. Wrap the application's other routes
// that read bodies (a sign-in form, say), or the whole mux:
//
//	srv := &http.Server{Handler: sticky.CutStalled(mux, sticky.DefaultBodyTimeout)}
func CutStalled(h http.Handler, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		watchBody(w, r, timeout)
		h.ServeHTTP(w, r)
	})
}

// watchBody makes r's body cut itself after timeout without a byte. It
// does nothing for a request without a body, for a non-positive timeout,
// or when the connection has no deadlines (an HTTP/2 stream has its own).
func watchBody(w http.ResponseWriter, r *http.Request, timeout time.Duration) {
	if timeout <= 0 || r.Body == nil || r.Body == http.NoBody {
		return
	}
	if _, ok := r.Body.(*stallBody); ok {
		return // watched already
	}
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(timeout)) != nil {
		return
	}
	r.Body = &stallBody{ReadCloser: r.Body, rc: rc, timeout: timeout, pushed: time.Now()}
}

// stallBody pushes its connection's read deadline forward as it reads.
type stallBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	pushed  time.Time // when the deadline was last pushed
	done    bool
}

// pushEvery bounds how often the deadline is moved, a call each.
const pushEvery = time.Second

func (b *stallBody) Read(p []byte) (int, error) {
	if now := time.Now(); !b.done && now.Sub(b.pushed) >= min(pushEvery, b.timeout/4) {
		b.rc.SetReadDeadline(now.Add(b.timeout))
		b.pushed = now
	}
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF && !b.done:
		// The body is whole: what the handler does next (processing, a
		// long reply) is not the client's stall.
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	case err != nil && errors.Is(err, os.ErrDeadlineExceeded):
		err = failWith(ErrStalled, "upload.stalled", err, "timeout", duration(b.timeout))
	}
	return n, err
}
