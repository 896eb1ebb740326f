package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"modernc.org/sqlite" // registers the pure-Go "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

const schema = `
CREATE TABLE IF NOT EXISTS users (
	id            INTEGER PRIMARY KEY,
	name          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
	password_hash TEXT    NOT NULL,
	created_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
	token_hash BLOB    PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires_at);
CREATE TABLE IF NOT EXISTS documents (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	title        TEXT    NOT NULL,
	description  TEXT    NOT NULL DEFAULT '',
	file_name    TEXT    NOT NULL,
	file_key     TEXT    NOT NULL UNIQUE,
	size         INTEGER NOT NULL,
	content_type TEXT    NOT NULL,
	created_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_user ON documents(user_id, created_at);
CREATE TABLE IF NOT EXISTS pictures (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	file_name    TEXT    NOT NULL,
	file_key     TEXT    NOT NULL UNIQUE,
	thumb_key    TEXT    NOT NULL DEFAULT '',
	size         INTEGER NOT NULL,
	content_type TEXT    NOT NULL,
	created_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pictures_user ON pictures(user_id, created_at);
`

// openDB opens (creating if needed) the SQLite database at path and makes
// sure the schema exists. WAL lets pages read while a document is being
// written; the busy timeout makes concurrent writers wait instead of fail.
func openDB(ctx context.Context, path string) (*sql.DB, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("database path %q: '?' and '#' are not supported in the data directory name", path)
	}
	// The database holds password and session hashes: create it 0600 (its
	// -wal and -shm files take the same mode).
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close()
	dsn := path + "?_busy_timeout=10000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"
	// Several demos sharing one fresh database race to switch it to WAL and
	// create the schema. Some of those steps answer SQLITE_BUSY at once,
	// without waiting on the busy timeout (the switch to WAL, and a reader
	// upgrading to a writer), so a busy start is tried again, for a while.
	const patience = 10 * time.Second
	start := time.Now()
	for attempt := 1; ; attempt++ {
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, err
		}
		if err = createSchema(ctx, db); err == nil {
			return db, nil
		}
		db.Close()
		if !isBusy(err) || time.Since(start) > patience {
			return nil, fmt.Errorf("creating the schema in %s: %w", path, err)
		}
		// Back off a little more each time, with jitter so that the
		// racers do not meet again.
		wait := time.Duration(attempt)*10*time.Millisecond + rand.N(20*time.Millisecond)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("creating the schema in %s: %w", path, ctx.Err())
		case <-time.After(min(wait, 250*time.Millisecond)):
		}
	}
}

// recorded reports whether a document or a picture has the file key, for
// Permanent.Recorded: the files of a save whose record the process did
// not live to write are removed.
func (a *app) recorded(ctx context.Context, key string) (bool, error) {
	var n int
	err := a.db.QueryRowContext(ctx,
		`SELECT (SELECT COUNT(*) FROM documents WHERE file_key = ?1) + (SELECT COUNT(*) FROM pictures WHERE file_key = ?1)`, key).Scan(&n)
	return n > 0, err
}

// createSchema creates the tables in one immediate transaction: it takes
// the write lock first, so it waits for other writers instead of failing.
func createSchema(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
