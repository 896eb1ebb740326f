// Package clamav scans uploads for viruses with ClamAV's daemon, clamd.
//
// A Scanner is a sticky.Processor: put it first in Config.Processors and
// every file, whichever way it comes in, is streamed to clamd once its
// bytes are all in the temporary store, before its reference is signed.
// An infected file is refused, and nothing of it is kept (unless a
// quarantine directory is given); each one is recorded in the log.
//
//	scanner := &clamav.Scanner{Addr: "/run/clamav/clamd.ctl"}
//	up, err := sticky.New(sticky.Config{
//		// ...
//		Processors: []sticky.Processor{scanner},
//	})
//
// It speaks clamd's protocol over a Unix socket or TCP with the standard
// library alone.
package clamav

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/stickyuploads/sticky"
)

// Scanner scans files with clamd. Its zero value but Addr is ready to use,
// and it is safe for use by several uploads at once; it opens a connection
// per scan.
type Scanner struct {
	// Addr is clamd's address: the path of its Unix socket (anything with
	// a slash, such as "/run/clamav/clamd.ctl", Debian's LocalSocket), or
	// "host:port" for its TCPSocket.
	Addr string

	// Timeout bounds one scan, from connecting to clamd's verdict.
	// Default: 2 minutes.
	Timeout time.Duration

	// DialTimeout bounds connecting to clamd, and Ping and Version.
	// Default: 5 seconds.
	DialTimeout time.Duration

	// StreamMaxLength is clamd's setting of that name, which it refuses
	// to scan more than: a longer file is refused (413) without being
	// sent. Default: 100 MiB, clamd's default. A file that clamd refuses
	// as too long all the same is refused too, never passed.
	StreamMaxLength int64

	// Quarantine, when not nil, keeps a copy of every infected file in
	// this directory before it is refused: the bytes under a random key
	// (mode 0600), and beside them key.json, what the audit record says.
	Quarantine *os.Root

	// AllowUnscanned lets files through unscanned when clamd cannot be
	// reached, times out or fails, with a log record at level Error for
	// each. By default they are refused (503), so that no file escapes
	// the scan.
	AllowUnscanned bool

	// Logger receives the audit record of each infected file, and the
	// failures to scan. Default: slog.Default().
	Logger *slog.Logger
}

// defaultStreamMaxLength is clamd's own default.
const defaultStreamMaxLength = 100 << 20

// Process scans f. A clean file goes on, with nothing added to the reply.
// An infected file is refused (422) with a sentence that names the
// signature, after the audit record and the quarantine copy. A file over
// StreamMaxLength is refused (413). When clamd is unavailable, the file is
// refused (503), or let through with AllowUnscanned.
func (s *Scanner) Process(ctx context.Context, f *sticky.File) (map[string]any, error) {
	if f.Size > s.streamMaxLength() {
		s.logger().WarnContext(ctx, "clamav: file too large to scan", s.fileAttrs(ctx, f)...)
		return nil, sticky.RefuseWith(http.StatusRequestEntityTooLarge, "scan.too_large_for", "limit", s.streamMaxLength())
	}
	rc, err := f.Open(ctx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	sig, err := s.Scan(ctx, rc)
	rc.Close()
	switch {
	case errors.Is(err, ErrTooLarge):
		s.logger().ErrorContext(ctx, "clamav: clamd refused a file as too long; set Scanner.StreamMaxLength to clamd's StreamMaxLength",
			append(s.fileAttrs(ctx, f), "err", err)...)
		return nil, sticky.RefuseWith(http.StatusRequestEntityTooLarge, "scan.too_large")
	case errors.Is(err, ErrUnavailable) && s.AllowUnscanned:
		s.logger().ErrorContext(ctx, "clamav: FILE LET THROUGH UNSCANNED: clamd is unavailable",
			append(s.fileAttrs(ctx, f), "err", err)...)
		return nil, nil
	case errors.Is(err, ErrUnavailable):
		s.logger().ErrorContext(ctx, "clamav: file refused: clamd is unavailable", append(s.fileAttrs(ctx, f), "err", err)...)
		return nil, sticky.RefuseWith(http.StatusServiceUnavailable, "scan.unavailable")
	case err != nil:
		return nil, err // reading the upload, or a cancelled request
	case sig == "":
		return nil, nil
	}
	attrs := append(s.fileAttrs(ctx, f), "signature", sig, "scan_time", time.Since(start))
	if s.Quarantine != nil {
		key, qerr := s.quarantine(ctx, f, sig)
		if qerr != nil {
			attrs = append(attrs, "quarantine_err", qerr)
		} else {
			attrs = append(attrs, "quarantine", key)
		}
	}
	s.logger().WarnContext(ctx, "clamav: virus found, file refused", attrs...)
	return nil, sticky.RefuseWith(http.StatusUnprocessableEntity, "scan.infected", "virus", sig)
}

// fileAttrs describes f and its owner for the log.
func (s *Scanner) fileAttrs(ctx context.Context, f *sticky.File) []any {
	return []any{"user", sticky.IdentityOf(ctx), "file", f.Name, "size", f.Size, "type", f.Type, "field", f.Field, "clamd", s.Addr}
}

func (s *Scanner) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func (s *Scanner) timeout() time.Duration {
	if s.Timeout <= 0 {
		return 2 * time.Minute
	}
	return s.Timeout
}

func (s *Scanner) dialTimeout() time.Duration {
	if s.DialTimeout <= 0 {
		return 5 * time.Second
	}
	return s.DialTimeout
}

func (s *Scanner) streamMaxLength() int64 {
	if s.StreamMaxLength <= 0 {
		return defaultStreamMaxLength
	}
	return s.StreamMaxLength
}
