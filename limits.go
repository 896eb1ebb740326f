package sticky

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DefaultMaxConcurrent is how many uploads one user may send at once when
// Config.MaxConcurrent is zero.
const DefaultMaxConcurrent = 8

// limiter holds the per-user upload limits of one process: a token bucket
// for the rate (Config.RateLimit uploads a minute, bursts up to the same
// number) and a count of uploads in flight (Config.MaxConcurrent). Servers
// behind a load balancer each keep their own; the limits are per process.
type limiter struct {
	perMinute  int // 0: no rate limit
	concurrent int // 0: no cap
	now        func() time.Time

	mu    sync.Mutex
	users map[string]*allowance
}

type allowance struct {
	tokens   float64
	at       time.Time // when tokens was last brought up to date
	inFlight int
}

func newLimiter(perMinute, concurrent int) *limiter {
	return &limiter{perMinute: perMinute, concurrent: concurrent, now: time.Now, users: map[string]*allowance{}}
}

// start counts one upload for user. It returns a function that ends it,
// or, when a limit is reached, an error with how long to wait (0 when the
// wait depends on other uploads finishing).
func (l *limiter) start(user string, newUpload bool) (done func(), wait time.Duration, err error) {
	if l == nil || l.perMinute <= 0 && l.concurrent <= 0 {
		return func() {}, 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	a := l.allowance(user, now)
	if l.concurrent > 0 && a.inFlight >= l.concurrent {
		return nil, time.Second, fail(ErrRateLimited, "limits.busy")
	}
	if newUpload {
		if wait, err := l.spend(a, now); err != nil {
			return nil, wait, err
		}
	}
	return l.count(a), 0, nil
}

// hold counts work of user's that was admitted already among the uploads
// at once, whatever the cap: the processing of a file that goes on after
// its request was answered. It returns a function that ends it.
func (l *limiter) hold(user string) (done func()) {
	if l == nil || l.concurrent <= 0 {
		return func() {}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count(l.allowance(user, l.now()))
}

// allowance returns user's allowance, new ones full; l.mu is held.
func (l *limiter) allowance(user string, now time.Time) *allowance {
	a := l.users[user]
	if a == nil {
		if len(l.users) > 10000 {
			l.forgetIdle(now)
		}
		a = &allowance{tokens: float64(l.perMinute), at: now}
		l.users[user] = a
	}
	return a
}

// count counts one more upload in flight on a, and returns the function
// that ends it (once, whatever the calls); l.mu is held.
func (l *limiter) count(a *allowance) (done func()) {
	a.inFlight++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			a.inFlight--
			l.mu.Unlock()
		})
	}
}

// spend takes one upload from a's allowance of the minute.
func (l *limiter) spend(a *allowance, now time.Time) (wait time.Duration, err error) {
	if l.perMinute <= 0 {
		return 0, nil
	}
	rate := float64(l.perMinute) / 60 // tokens a second
	a.tokens = math.Min(float64(l.perMinute), a.tokens+now.Sub(a.at).Seconds()*rate)
	a.at = now
	if a.tokens < 1 {
		wait := time.Duration(math.Ceil((1-a.tokens)/rate)) * time.Second
		return wait, fail(ErrRateLimited, "limits.rate", "wait", seconds(wait/time.Second))
	}
	a.tokens--
	return 0, nil
}

// charge counts a new upload of user against the rate limit alone, for a
// request already counted among the uploads at once (the first chunk of a
// Fine Uploader file, known as such only once its parameters are read).
func (l *limiter) charge(user string) (wait time.Duration, err error) {
	if l == nil || l.perMinute <= 0 {
		return 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	return l.spend(l.allowance(user, now), now)
}

// forgetIdle drops users with nothing in flight and a full bucket: they
// are as if never seen.
func (l *limiter) forgetIdle(now time.Time) {
	for user, a := range l.users {
		refilled := a.tokens + now.Sub(a.at).Minutes()*float64(l.perMinute)
		if a.inFlight == 0 && refilled >= float64(l.perMinute) {
			delete(l.users, user)
		}
	}
}

// setRetryAfter tells a client refused by a limit how long to wait, in
// whole seconds, at least one.
func setRetryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
}
