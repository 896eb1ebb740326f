package sticky

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

type recorded struct {
	mu     sync.Mutex
	events []Event
}

func (rec *recorded) Observe(ctx context.Context, e Event) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.events = append(rec.events, e)
}

// take returns what was recorded, as "kind way field reason", and forgets it.
func (rec *recorded) take() ([]string, []Event) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, e := range rec.events {
		out = append(out, fmt.Sprintf("%s %s %s %s", e.Kind, e.Way, e.Field, e.Reason))
	}
	events := rec.events
	rec.events = nil
	return out, events
}

// Every way in tells the Observer the same story: started, then completed
// or refused with its reason.
func TestObserverOnEveryWayIn(t *testing.T) {
	rec := &recorded{}
	up, _ := newTestUploader(t, Config{Observer: rec, Fields: map[string]Rules{"photo": {Accept: []string{"image/*"}}, "doc": {}}})
	srv := waysServer(t, up)
	for _, way := range entries {
		want := map[string]string{"one-shot": "oneshot", "form": "form", "tus": "tus", "fine": "fine"}[way.name]
		if got := way.send(t, srv, up, "alice", "doc", "a.txt", []byte("observed\n")); got.status != 200 {
			t.Fatalf("%s: %d %q", way.name, got.status, got.msg)
		}
		seen, events := rec.take()
		if !slices.Equal(seen, []string{"started " + want + " doc ", "completed " + want + " doc "}) {
			t.Errorf("%s, a file kept: %q", way.name, seen)
		}
		if c := events[len(events)-1]; c.Size != 9 || c.Type != "text/plain" || c.Duration <= 0 {
			t.Errorf("%s: completed %+v", way.name, c)
		}
		way.send(t, srv, up, "alice", "photo", "a.txt", []byte("not a picture\n"))
		if seen, _ := rec.take(); len(seen) == 0 || seen[len(seen)-1] != "refused "+want+" photo type" {
			t.Errorf("%s, a refused type: %q", way.name, seen)
		}
		way.send(t, srv, up, "", "doc", "a.txt", []byte("nobody\n"))
		if seen, _ := rec.take(); len(seen) != 1 || seen[0] != "refused "+want+" "+map[bool]string{true: "doc", false: ""}[way.name == "form"]+" not_allowed" {
			t.Errorf("%s, nobody signed in: %q", way.name, seen)
		}
	}
}

func TestObserverRateAndSweep(t *testing.T) {
	rec := &recorded{}
	up, _ := newTestUploader(t, Config{Observer: rec, RateLimit: 1, TTL: time.Hour})
	srv := waysServer(t, up)
	entries[0].send(t, srv, up, "alice", "doc", "a.txt", []byte("one\n"))
	if got := entries[0].send(t, srv, up, "alice", "doc", "b.txt", []byte("two\n")); got.status != http.StatusTooManyRequests {
		t.Fatalf("second upload: %d", got.status)
	}
	if seen, _ := rec.take(); seen[len(seen)-1] != "refused oneshot  rate_limited" {
		t.Errorf("rate limited: %q", seen)
	}
	up.Sweep(t.Context())
	if _, events := rec.take(); len(events) != 1 || events[0].Kind != EventSwept || events[0].Removed != 0 || events[0].Err != nil {
		t.Errorf("sweep: %+v", events)
	}
}
