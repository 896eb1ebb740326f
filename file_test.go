package sticky

import (
	"context"
	"errors"
	"regexp"
	"testing"
)

// keptFile uploads data for alice's field "file" and returns it as kept.
func keptFile(t *testing.T, up *Uploader, name string, data []byte) *File {
	t.Helper()
	rep := mustUpload(t, up, "alice", "file", name, data)
	f, err := up.fromRef(context.Background(), rep.Stored, "alice", "file", 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFileDiscard(t *testing.T) {
	ctx := context.Background()
	up, dir := newTestUploader(t, Config{})
	f := keptFile(t, up, "a.txt", []byte("short-lived"))
	g := keptFile(t, up, "b.txt", []byte("stays"))
	if err := f.Discard(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.Discard(ctx); err != nil {
		t.Errorf("second Discard: %v", err)
	}
	if _, err := f.Open(ctx); !errors.Is(err, ErrGone) {
		t.Errorf("Open after Discard: %v, want ErrGone", err)
	}
	assertUploads(t, dir, 1)
	if string(fileBytes(t, g)) != "stays" {
		t.Error("Discard touched another upload")
	}

	// Discard works even when the request's context is already done.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := g.Discard(cctx); err != nil {
		t.Errorf("Discard with a cancelled context: %v", err)
	}
	assertStoreEmpty(t, dir)
}

func TestNewKey(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k := NewKey()
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(k) {
			t.Fatalf("NewKey() = %q", k)
		}
		if seen[k] {
			t.Fatalf("NewKey repeated %q", k)
		}
		seen[k] = true
	}
}
