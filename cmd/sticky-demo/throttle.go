package main

import (
	"context"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Sign-in throttling: failed sign-ins are counted per account and per
// address, each in a bucket that refills with time, and an account or
// address whose bucket is empty is refused before any password is hashed.
// Hashing itself is bounded to a few at once, so a flood of sign-ins
// queues instead of starving the process.
const (
	failuresPerAccount = 5               // in a burst, then...
	accountRefill      = 6               // ...this many a minute
	failuresPerAddr    = 20              // in a burst, then...
	addrRefill         = 20              // ...this many a minute
	maxHashing         = 2               // bcrypt comparisons at once
	maxHashWait        = 5 * time.Second // a sign-in waits this long for its turn
)

// failureBucket counts failures of one key: it holds up to burst, and
// refills perMinute a minute.
type failureBucket struct {
	left float64
	at   time.Time
}

// throttle keeps the failure buckets of accounts and addresses.
type throttle struct {
	now     func() time.Time
	hashing chan struct{}

	mu       sync.Mutex
	accounts map[string]*failureBucket
	addrs    map[string]*failureBucket
}

func newThrottle() *throttle {
	return &throttle{now: time.Now, hashing: make(chan struct{}, maxHashing),
		accounts: map[string]*failureBucket{}, addrs: map[string]*failureBucket{}}
}

// refill brings a bucket up to date and returns it.
func refill(m map[string]*failureBucket, key string, burst, perMinute int, now time.Time) *failureBucket {
	b := m[key]
	if b == nil {
		if len(m) > 100_000 {
			clear(m) // a flood of names: forget, rather than grow without bound
		}
		b = &failureBucket{left: float64(burst), at: now}
		m[key] = b
	}
	b.left = math.Min(float64(burst), b.left+now.Sub(b.at).Minutes()*float64(perMinute))
	b.at = now
	return b
}

// wait tells how long an attempt for account from addr must wait before it
// may be tried, and which of the two is throttled: 0 and "" when it may go.
func (t *throttle) wait(account, addr string) (time.Duration, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if b := refill(t.addrs, addr, failuresPerAddr, addrRefill, now); b.left < 1 {
		return time.Duration((1 - b.left) / addrRefill * float64(time.Minute)), "address"
	}
	if b := refill(t.accounts, account, failuresPerAccount, accountRefill, now); b.left < 1 {
		return time.Duration((1 - b.left) / accountRefill * float64(time.Minute)), "account"
	}
	return 0, ""
}

// failed counts a failed sign-in.
func (t *throttle) failed(account, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	refill(t.addrs, addr, failuresPerAddr, addrRefill, now).left--
	refill(t.accounts, account, failuresPerAccount, accountRefill, now).left--
}

// succeeded forgets the account's failures: its owner got in.
func (t *throttle) succeeded(account string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.accounts, account)
}

// hash runs f, a password comparison, when its turn comes among at most
// maxHashing at once; it gives up after maxHashWait.
func (t *throttle) hash(ctx context.Context, f func()) bool {
	ctx, cancel := context.WithTimeout(ctx, maxHashWait)
	defer cancel()
	select {
	case t.hashing <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	defer func() { <-t.hashing }()
	f()
	return true
}

// clientAddr is the address a request came from, without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// retryAfter sets Retry-After to d, in whole seconds, at least 1.
func retryAfter(w http.ResponseWriter, d time.Duration) int {
	s := max(1, int(math.Ceil(d.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(s))
	return s
}
