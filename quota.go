package sticky

import (
	"context"
	"net/http"
	"sync"
)

// A Quota tells how much room a user has left, so that an upload that
// cannot fit is refused before its bytes move: against its declared size
// when it starts (a resumable upload's length, a direct upload's size, a
// Fine Uploader file's total), and as its bytes arrive when it declares
// none (a one-shot upload, a form post). MemoryQuota keeps the usage in
// memory; an app with a database sums what each user keeps (see
// docs/processors.md for an SQL one).
type Quota interface {
	// Room returns how many more bytes and files owner may upload now. A
	// negative member means no limit.
	Room(ctx context.Context, owner string) (Room, error)
}

// Room is what a user may still add.
type Room struct {
	Bytes int64 // negative: no limit
	Files int   // negative: no limit
}

// quotaRoom asks the quota, if any, for owner's room. Without a quota, or
// when the quota fails (logged), there is no limit but the field's.
func (u *Uploader) quotaRoom(r *http.Request, owner string) (Room, error) {
	if u.quota == nil {
		return Room{Bytes: -1, Files: -1}, nil
	}
	room, err := u.quota.Room(r.Context(), owner)
	if err != nil {
		u.log.Error("sticky: Config.Quota", "err", err)
		return room, failWith(ErrStoreUnavailable, "quota.unavailable", err)
	}
	return room, nil
}

// quotaFull explains that a file does not fit in the room left: size is
// the file's size, or -1 when only its bytes so far are known.
func quotaFull(room Room, size int64) error {
	if room.Files == 0 {
		return fail(ErrQuota, "quota.no_more_files")
	}
	left := message{id: "quota.no_room"}
	if room.Bytes > 0 {
		left = message{"quota.room_left", []any{"size", byteCount(room.Bytes)}}
	}
	if size > 0 {
		return fail(ErrQuota, "quota.file_is", "size", byteCount(size), "left", left)
	}
	return fail(ErrQuota, "quota.does_not_fit", "left", left)
}

// MemoryQuota is a Quota kept in memory, for one process: each user may
// keep up to Bytes bytes and Files files (a zero or negative limit is no
// limit). The app tells it what each user keeps: Add when a file is saved
// for good, Remove when one is deleted.
type MemoryQuota struct {
	Bytes int64
	Files int

	mu   sync.Mutex
	used map[string]Room
}

// Room implements Quota.
func (q *MemoryQuota) Room(ctx context.Context, owner string) (Room, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	used := q.used[owner]
	room := Room{Bytes: -1, Files: -1}
	if q.Bytes > 0 {
		room.Bytes = max(0, q.Bytes-used.Bytes)
	}
	if q.Files > 0 {
		room.Files = max(0, q.Files-used.Files)
	}
	return room, nil
}

// Add counts a file of size bytes that owner keeps.
func (q *MemoryQuota) Add(owner string, size int64) { q.change(owner, size, 1) }

// Remove stops counting a file of size bytes that owner kept.
func (q *MemoryQuota) Remove(owner string, size int64) { q.change(owner, -size, -1) }

func (q *MemoryQuota) change(owner string, size int64, files int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.used == nil {
		q.used = map[string]Room{}
	}
	u := q.used[owner]
	u.Bytes, u.Files = max(0, u.Bytes+size), max(0, u.Files+files)
	q.used[owner] = u
}

// Used returns what owner keeps, as counted.
func (q *MemoryQuota) Used(owner string) (bytes int64, files int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.used[owner]
	return u.Bytes, u.Files
}
