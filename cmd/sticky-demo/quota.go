package main

import (
	"context"
	"strconv"

	"github.com/stickyuploads/sticky"
)

// usage is what a user keeps, documents and pictures together, against
// the demo's quota (-quota; 0 for no limit). It is sticky's Config.Quota:
// the room left is the limit less what the database holds.
type usage struct {
	a     *app
	limit int64
}

// Room implements sticky.Quota. owner is the user's id, as identity gives
// it.
func (q usage) Room(ctx context.Context, owner string) (sticky.Room, error) {
	if q.limit <= 0 {
		return sticky.Room{Bytes: -1, Files: -1}, nil
	}
	id, err := strconv.ParseInt(owner, 10, 64)
	if err != nil {
		return sticky.Room{}, err
	}
	used, err := q.used(ctx, id)
	if err != nil {
		return sticky.Room{}, err
	}
	return sticky.Room{Bytes: max(0, q.limit-used), Files: -1}, nil
}

// used sums the sizes of what user keeps.
func (q usage) used(ctx context.Context, user int64) (int64, error) {
	var used int64
	err := q.a.db.QueryRowContext(ctx, `
		SELECT (SELECT COALESCE(SUM(size), 0) FROM documents WHERE user_id = ?)
		     + (SELECT COALESCE(SUM(size), 0) FROM pictures WHERE user_id = ?)`, user, user).Scan(&used)
	return used, err
}

// usageLine says what a user keeps against the quota, for the pages:
// "You keep 3.2 MiB of 1 GiB." ("" with no quota, or on an error).
func (q usage) usageLine(ctx context.Context, user int64) string {
	if q.limit <= 0 {
		return ""
	}
	used, err := q.used(ctx, user)
	if err != nil {
		q.a.log.Warn("reading a user's usage", "err", err)
		return ""
	}
	return "You keep " + sticky.SizeString(used) + " of " + sticky.SizeString(q.limit) + "."
}
