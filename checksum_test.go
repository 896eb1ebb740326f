package sticky

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// kept reads f back from its reference, as a form post does.
func kept(t testing.TB, u *Uploader, owner string, f *File) *File {
	t.Helper()
	got, err := u.fromRef(t.Context(), f.Ref, owner, f.Field)
	if err != nil {
		t.Fatalf("reading %s back from its reference: %v", f.Name, err)
	}
	return got
}
