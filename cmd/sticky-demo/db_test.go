package main

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
)

// TestOpenDBConcurrently starts several openers on one fresh database at
// once, as several demo processes sharing a database do when they start
// together: each must get a working database, none "database is locked".
func TestOpenDBConcurrently(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "demo.db")
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				db, err := openDB(context.Background(), path)
				if err != nil {
					errs[i] = err
					return
				}
				defer db.Close()
				_, errs[i] = db.Exec(`INSERT INTO users (name, password_hash, created_at) VALUES (?, 'x', 0)`,
					filepath.Base(t.Name())+string(rune('a'+i)))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, opener %d: %v", round, i, err)
			}
		}
	}
}
