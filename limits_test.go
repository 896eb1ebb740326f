package sticky

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLimiterRate(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newLimiter(120, 0) // two a second, bursts of 120
	l.now = func() time.Time { return now }
	for i := range 120 {
		done, _, err := l.start("alice", true)
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
		done()
	}
	_, wait, err := l.start("alice", true)
	if !errors.Is(err, ErrRateLimited) || Status(err) != 429 || wait != time.Second {
		t.Fatalf("121st upload: wait %v, %v", wait, err)
	}
	if _, _, err := l.start("bob", true); err != nil {
		t.Fatalf("bob is limited by alice's uploads: %v", err)
	}
	// Chunks of uploads already started are not counted.
	if done, _, err := l.start("alice", false); err != nil {
		t.Fatalf("a chunk: %v", err)
	} else {
		done()
	}
	now = now.Add(500 * time.Millisecond) // one token back
	if _, _, err := l.start("alice", true); err != nil {
		t.Fatalf("after refill: %v", err)
	}
	if _, _, err := l.start("alice", true); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("only one token came back: %v", err)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := newLimiter(0, 2)
	d1, _, err1 := l.start("alice", true)
	d2, _, err2 := l.start("alice", false)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if _, _, err := l.start("alice", true); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("third at once: %v", err)
	}
	d1()
	d1() // ending twice counts once
	if d3, _, err := l.start("alice", true); err != nil {
		t.Fatalf("after one ended: %v", err)
	} else {
		d3()
	}
	d2()
	if l.users["alice"].inFlight != 0 {
		t.Fatalf("in flight: %d", l.users["alice"].inFlight)
	}
}

func TestLimiterOff(t *testing.T) {
	var l *limiter
	for range 1000 {
		done, _, err := l.start("alice", true)
		if err != nil {
			t.Fatal(err)
		}
		done()
	}
}

func TestLimiterForgetsIdleUsers(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newLimiter(60, 4)
	l.now = func() time.Time { return now }
	done, _, _ := l.start("busy", true)
	for i := range 10001 {
		d, _, _ := l.start(string(rune('a'+i%26))+time.Duration(i).String(), true)
		d()
	}
	now = now.Add(2 * time.Minute)
	l.start("one more", true)
	if _, ok := l.users["busy"]; !ok {
		t.Error("a user with an upload in flight was forgotten")
	}
	if len(l.users) > 3 {
		t.Errorf("%d users remembered after all went idle", len(l.users))
	}
	done()
}

// The endpoints answer 429 with Retry-After once a user is over the rate,
// and the cap on uploads at once holds through real HTTP.
func TestEndpointRateLimit(t *testing.T) {
	up, dir := newTestUploader(t, Config{RateLimit: 3})
	for i := range 3 {
		if status, rep := postUpload(t, up, "alice", mpField("field", "f"), mpFile("upload", "a.txt", []byte("hi"))); status != 200 {
			t.Fatalf("upload %d: %d %+v", i, status, rep)
		}
	}
	body, ct := mpBody(t, mpField("field", "f"), mpFile("upload", "a.txt", []byte("hi")))
	r := httptest.NewRequest(http.MethodPost, up.path, body)
	r.Header.Set("Content-Type", ct)
	r.Header.Set("X-User", "alice")
	w := httptest.NewRecorder()
	up.ServeHTTP(w, r)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "20" {
		t.Fatalf("4th upload: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if msg := checkFailureJSON(t, w.Body.Bytes()); !strings.Contains(msg, "Too many uploads") {
		t.Errorf("message %q", msg)
	}
	if status, _ := postUpload(t, up, "bob", mpField("field", "f"), mpFile("upload", "b.txt", []byte("hi"))); status != 200 {
		t.Errorf("bob: %d", status)
	}
	assertUploads(t, dir, 4)
}

func TestEndpointConcurrencyCap(t *testing.T) {
	up, _ := newTestUploader(t, Config{MaxConcurrent: 1})
	post := func(body io.Reader, ct string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, up.path, body)
		r.Header.Set("Content-Type", ct)
		r.Header.Set("X-User", "alice")
		w := httptest.NewRecorder()
		up.ServeHTTP(w, r)
		return w
	}
	small := func() int {
		body, ct := mpBody(t, mpField("field", "f"), mpFile("upload", "b.txt", []byte("b")))
		return post(body, ct).Code
	}
	// The first upload stalls half way, holding alice's one place.
	body, ct := mpBody(t, mpField("field", "f"), mpFile("upload", "a.txt", bytes.Repeat([]byte("a"), 64<<10)))
	pr, pw := io.Pipe()
	first := make(chan int)
	go func() { first <- post(pr, ct).Code }()
	pw.Write(body.Bytes()[:body.Len()/2]) // returns once the handler has read it
	if code := small(); code != http.StatusTooManyRequests {
		t.Fatalf("a second upload at once: %d, want 429", code)
	}
	pw.CloseWithError(errors.New("client gone"))
	if code := <-first; code != http.StatusBadRequest {
		t.Errorf("the cut upload: %d", code)
	}
	if code := small(); code != http.StatusOK {
		t.Fatalf("after the first ended: %d, want 200", code)
	}
}
