package sticky

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// A quota holds on every way in: a file that does not fit is refused with
// a sentence that says how much room is left, and nothing of it is kept.
func TestQuotaOnEveryWayIn(t *testing.T) {
	for _, way := range entries {
		t.Run(way.name, func(t *testing.T) {
			q := &MemoryQuota{Bytes: 1000, Files: 3}
			q.Add("alice", 900)
			up, dir := newTestUploader(t, Config{Quota: q})
			srv := waysServer(t, up)
			big := bytes.Repeat([]byte("x"), 200)
			got := way.send(t, srv, up, "alice", "doc", "big.txt", big)
			if got.status != http.StatusRequestEntityTooLarge || !strings.Contains(got.msg, "only 100 bytes of room left") {
				t.Errorf("a file over the room left: %d %q", got.status, got.msg)
			}
			if left := storeFiles(t, dir); len(left) != 0 {
				t.Errorf("left in the store: %q", left)
			}
			if got := way.send(t, srv, up, "alice", "doc", "small.txt", []byte("fits\n")); got.status != http.StatusOK {
				t.Errorf("a file that fits: %d %q", got.status, got.msg)
			}
			if got := way.send(t, srv, up, "bob", "doc", "big.txt", big); got.status != http.StatusOK {
				t.Errorf("another user's room: %d %q", got.status, got.msg)
			}
			q.Add("alice", 10)
			q.Add("alice", 10) // three files kept: none more
			if got := way.send(t, srv, up, "alice", "doc", "small.txt", []byte("fits\n")); got.status != http.StatusRequestEntityTooLarge || !strings.Contains(got.msg, "cannot add more files") {
				t.Errorf("over the file count: %d %q", got.status, got.msg)
			}
		})
	}
}

// A declared size is checked before any byte moves, with the file's size
// in the sentence.
func TestQuotaDeclaredSize(t *testing.T) {
	q := &MemoryQuota{Bytes: 1 << 20}
	q.Add("alice", 1<<20-1000)
	up, _, c := tusServer(t, Config{Quota: q})
	_, res, err := c.Create(t.Context(), 5000, map[string]string{"field": "doc", "filename": "a.bin"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(res.Body, "This file is 4.9 KiB, but your storage has only 1000 bytes of room left.") {
		t.Errorf("creation over the quota: %v", res)
	}
	_ = up
}

type failingQuota struct{}

func (failingQuota) Room(context.Context, string) (Room, error) {
	return Room{}, errors.New("the database is down")
}

// A quota that cannot be read refuses with 503, in general words.
func TestQuotaUnavailable(t *testing.T) {
	up, _ := newTestUploader(t, Config{Quota: failingQuota{}})
	srv := waysServer(t, up)
	got := entries[0].send(t, srv, up, "alice", "doc", "a.txt", []byte("hi\n"))
	if got.status != http.StatusServiceUnavailable || strings.Contains(got.msg, "database") {
		t.Errorf("quota down: %d %q", got.status, got.msg)
	}
}

func TestMemoryQuota(t *testing.T) {
	q := &MemoryQuota{Bytes: 100}
	if room, _ := q.Room(t.Context(), "a"); room.Bytes != 100 || room.Files != -1 {
		t.Errorf("empty: %+v", room)
	}
	q.Add("a", 60)
	q.Add("a", 60)
	if room, _ := q.Room(t.Context(), "a"); room.Bytes != 0 {
		t.Errorf("over: %+v", room)
	}
	q.Remove("a", 60)
	if b, n := q.Used("a"); b != 60 || n != 1 {
		t.Errorf("used %d bytes, %d files", b, n)
	}
}
