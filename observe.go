package sticky

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// An Observer hears what becomes of uploads and sweeps, for metrics,
// traces or logs: package sticky/telemetry makes OpenTelemetry metrics and
// spans of it. Observe is called on the request's goroutine, so it must
// be quick; Config.Observer may be nil.
type Observer interface {
	Observe(ctx context.Context, e Event)
}

// ObserverFunc makes an Observer of a function.
type ObserverFunc func(ctx context.Context, e Event)

// Observe calls f(ctx, e).
func (f ObserverFunc) Observe(ctx context.Context, e Event) { f(ctx, e) }

// EventKind says what an Event tells.
type EventKind int

// The kinds of Event.
const (
	// EventStarted: a file was admitted, before its bytes move.
	EventStarted EventKind = iota + 1
	// EventCompleted: a file is whole in the temporary store, processed,
	// and its reference signed.
	EventCompleted
	// EventRefused: a file, or a request for one, was refused.
	EventRefused
	// EventSwept: Sweep ran.
	EventSwept
)

func (k EventKind) String() string {
	switch k {
	case EventStarted:
		return "started"
	case EventCompleted:
		return "completed"
	case EventRefused:
		return "refused"
	case EventSwept:
		return "swept"
	}
	return "unknown"
}

// Event is what an Observer hears. Which members are set depends on Kind.
type Event struct {
	Kind EventKind
	// Way is how the file came in: "oneshot", "form", "tus", "fine" or
	// "direct".
	Way string
	// Field is the sticky field the file is for, when known.
	Field string
	// Size is the declared size when started (-1 when none is declared),
	// the stored size when completed.
	Size int64
	// Type is the file's type, judged from its bytes; completed only.
	Type string
	// Reason says why a file was refused, in a word fit for a metric's
	// attribute: "rate_limited", "not_allowed", "malformed", "empty",
	// "too_large", "quota", "type", "refused" (Config.Before or a
	// Processor), "stalled", "gone", "store_unavailable", "store_full"
	// or "error".
	Reason string
	// Err is the refusal (refused) or what a sweep could not remove
	// (swept).
	Err error
	// Duration is, for a completed file, the time of the request that
	// completed it (a resumable upload's last PATCH), from its start; for
	// a sweep, the sweep's.
	Duration time.Duration
	// Processing is the processors' time; completed only.
	Processing time.Duration
	// Removed is how many uploads a sweep removed.
	Removed int
}

// Reason returns the Event.Reason of err.
func Reason(err error) string {
	for _, r := range []struct {
		kind error
		word string
	}{
		{ErrRateLimited, "rate_limited"}, {ErrNotAllowed, "not_allowed"}, {ErrNotOwner, "not_allowed"},
		{ErrQuota, "quota"}, {ErrTooLarge, "too_large"}, {ErrType, "type"}, {ErrEmpty, "empty"},
		{ErrRefused, "refused"}, {ErrStalled, "stalled"}, {ErrGone, "gone"}, {ErrExpired, "gone"},
		{ErrStoreUnavailable, "store_unavailable"}, {ErrStoreFull, "store_full"},
		{ErrMalformed, "malformed"}, {ErrNoFile, "malformed"}, {ErrInvalidRef, "malformed"}, {ErrWrongField, "malformed"},
	} {
		if errors.Is(err, r.kind) {
			return r.word
		}
	}
	return "error"
}

// wayKey carries how a request's files come in, and when it began.
type wayKey struct{}

type wayOf struct {
	way   string
	start time.Time
}

// withWay marks r as a request of a way in, begun now.
func withWay(r *http.Request, way string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), wayKey{}, wayOf{way, time.Now()}))
}

func wayFrom(ctx context.Context) wayOf {
	w, _ := ctx.Value(wayKey{}).(wayOf)
	return w
}

// observe tells the Observer, if any, of e, filling in the way.
func (u *Uploader) observe(ctx context.Context, e Event) {
	if u.observer == nil {
		return
	}
	w := wayFrom(ctx)
	if e.Way == "" {
		e.Way = w.way
	}
	if e.Kind == EventCompleted && !w.start.IsZero() {
		e.Duration = time.Since(w.start)
	}
	if e.Kind == EventRefused {
		e.Reason = Reason(e.Err)
	}
	u.observer.Observe(ctx, e)
}

// refused tells the Observer that a file for field was refused with err,
// and returns err.
func (u *Uploader) refused(ctx context.Context, field string, err error) error {
	if err != nil {
		u.observe(ctx, Event{Kind: EventRefused, Field: field, Err: err})
	}
	return err
}
