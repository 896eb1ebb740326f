package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func postLogin(t *testing.T, base, name, password string) (int, string, http.Header) {
	t.Helper()
	c := newClient(t)
	resp, err := c.PostForm(base+"/login", url.Values{"username": {name}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// Failed sign-ins are throttled per account, with a sentence and
// Retry-After, before any password is hashed; another account is not
// touched, and a success clears the account's failures.
func TestSignInThrottledPerAccount(t *testing.T) {
	_, srv := newTestServer(t)
	for i := range failuresPerAccount {
		if status, _, _ := postLogin(t, srv.URL, "alice", "guess"); status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i+1, status)
		}
	}
	status, body, h := postLogin(t, srv.URL, "alice", "wonderland")
	if status != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins for this account") || h.Get("Retry-After") == "" {
		t.Fatalf("after %d guesses, even the right password: %d, Retry-After %q", failuresPerAccount, status, h.Get("Retry-After"))
	}
	if status, _, _ := postLogin(t, srv.URL, "bob", "builder"); status != http.StatusSeeOther {
		t.Errorf("another account meanwhile: %d, want 303", status)
	}
}

// A flood of guesses from one address is refused once its failures run
// out, whatever the accounts it names.
func TestSignInThrottledPerAddress(t *testing.T) {
	_, srv := newTestServer(t)
	for i := range failuresPerAddr {
		name := "nobody" + strings.Repeat("x", i)
		if status, _, _ := postLogin(t, srv.URL, name, "guess"); status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i+1, status)
		}
	}
	status, body, _ := postLogin(t, srv.URL, "someone-else", "guess")
	if status != http.StatusTooManyRequests || !strings.Contains(body, "from your network") {
		t.Fatalf("after %d failures from one address: %d", failuresPerAddr, status)
	}
}

// No more than maxHashing comparisons run at once; the others wait their
// turn, and one that waits too long gives up.
func TestHashingBounded(t *testing.T) {
	th := newThrottle()
	var running, most atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			th.hash(t.Context(), func() {
				n := running.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(20 * time.Millisecond)
				running.Add(-1)
			})
		})
	}
	wg.Wait()
	if m := most.Load(); m < 1 || m > maxHashing {
		t.Errorf("%d comparisons at once, want 1 to %d", m, maxHashing)
	}
	for range maxHashing {
		th.hashing <- struct{}{} // every turn taken
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if th.hash(ctx, func() { t.Error("ran without a turn") }) {
		t.Error("hash went ahead with every turn taken")
	}
}
