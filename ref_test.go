package sticky

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// Keys used by the signer tests. They are fixed so failures reproduce.
var (
	refKeyA = []byte("key-A-0123456789abcdef0123456789abcdef")
	refKeyB = []byte("key-B-fedcba9876543210fedcba9876543210")
)

// refEpoch is a whole second: references carry Unix seconds.
var refEpoch = time.Date(2030, 5, 17, 12, 0, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func testSigner(now time.Time, keys ...[]byte) *signer {
	return &signer{keys: keys, now: fixedClock(now)}
}

// refSentinels are the errors verify may return.
var refSentinels = []error{ErrInvalidRef, ErrExpired, ErrNotOwner, ErrWrongField}

// checkRefErr fails unless err matches want and no other reference sentinel.
func checkRefErr(t *testing.T, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("verify: unexpected error %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("verify: got %v, want %v", err, want)
	}
	for _, other := range refSentinels {
		if other != want && errors.Is(err, other) {
			t.Fatalf("verify: %v also matches %v", err, other)
		}
	}
}

func TestRefRoundTrip(t *testing.T) {
	s := testSigner(refEpoch, refKeyA)
	for _, id := range []string{"a", "0123456789abcdef0123456789abcdef", "dir/with/slash", strings.Repeat("x", refMaxIDLen), "\x00\xff binary"} {
		scope := scopeOf("/uploads/", "file")
		ref := s.sign(id, "alice", scope, time.Hour)
		if ref == "" {
			t.Fatal("sign returned an empty reference")
		}
		if strings.ContainsAny(ref, "+/=") {
			t.Errorf("reference %q is not unpadded base64url", ref)
		}
		c, err := s.verify(ref, "alice", scope)
		if err != nil {
			t.Fatalf("verify(%q): %v", id, err)
		}
		if c.ID != id {
			t.Errorf("ID = %q, want %q", c.ID, id)
		}
		if want := refEpoch.Add(time.Hour); !c.Expires.Equal(want) {
			t.Errorf("Expires = %v, want %v", c.Expires, want)
		}
	}
}

func TestRefDistinctPerInput(t *testing.T) {
	s := testSigner(refEpoch, refKeyA)
	base := s.sign("id1", "alice", scopeOf("/uploads/", "file"), time.Hour)
	others := map[string]string{
		"id":       s.sign("id2", "alice", scopeOf("/uploads/", "file"), time.Hour),
		"owner":    s.sign("id1", "bob", scopeOf("/uploads/", "file"), time.Hour),
		"field":    s.sign("id1", "alice", scopeOf("/uploads/", "photo"), time.Hour),
		"endpoint": s.sign("id1", "alice", scopeOf("/other/", "file"), time.Hour),
		"ttl":      s.sign("id1", "alice", scopeOf("/uploads/", "file"), 2*time.Hour),
		"key":      testSigner(refEpoch, refKeyB).sign("id1", "alice", scopeOf("/uploads/", "file"), time.Hour),
	}
	for what, ref := range others {
		if ref == base {
			t.Errorf("changing the %s did not change the reference", what)
		}
	}
}

func TestRefTamper(t *testing.T) {
	s := testSigner(refEpoch, refKeyA)
	scope := scopeOf("/uploads/", "file")
	ref := s.sign("0123456789abcdef0123456789abcdef", "alice", scope, time.Hour)
	raw, err := base64.RawURLEncoding.DecodeString(ref)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString

	t.Run("flip every byte", func(t *testing.T) {
		for i := range raw {
			for _, mask := range []byte{0x01, 0x80, 0xff} {
				b := bytes.Clone(raw)
				b[i] ^= mask
				_, err := s.verify(enc(b), "alice", scope)
				if !errors.Is(err, ErrInvalidRef) {
					t.Fatalf("byte %d ^ %#x: got %v, want ErrInvalidRef", i, mask, err)
				}
			}
		}
	})
	t.Run("truncated", func(t *testing.T) {
		for n := 0; n < len(raw); n++ {
			if _, err := s.verify(enc(raw[:n]), "alice", scope); !errors.Is(err, ErrInvalidRef) {
				t.Fatalf("first %d bytes: got %v, want ErrInvalidRef", n, err)
			}
		}
		for n := 0; n < len(ref); n++ {
			if _, err := s.verify(ref[:n], "alice", scope); !errors.Is(err, ErrInvalidRef) {
				t.Fatalf("first %d characters: got %v, want ErrInvalidRef", n, err)
			}
		}
	})
	t.Run("extended", func(t *testing.T) {
		for _, extra := range [][]byte{{0}, {'x'}, []byte("more bytes"), raw[len(raw)-refMACLen:]} {
			b := append(bytes.Clone(raw), extra...)
			if _, err := s.verify(enc(b), "alice", scope); !errors.Is(err, ErrInvalidRef) {
				t.Fatalf("extended by %q: got %v, want ErrInvalidRef", extra, err)
			}
		}
		for _, suffix := range []string{"A", "AA", "AAAA", "-_"} {
			if _, err := s.verify(ref+suffix, "alice", scope); !errors.Is(err, ErrInvalidRef) {
				t.Fatalf("text extended by %q: got %v, want ErrInvalidRef", suffix, err)
			}
		}
	})
	t.Run("wrong version with a valid MAC", func(t *testing.T) {
		for _, v := range []byte{0, 2, 0xff} {
			b := bytes.Clone(raw[:len(raw)-refMACLen])
			b[0] = v
			m := hmac.New(sha256.New, refKeyA)
			m.Write(b)
			b = m.Sum(b)
			if _, err := s.verify(enc(b), "alice", scope); !errors.Is(err, ErrInvalidRef) {
				t.Fatalf("version %d: got %v, want ErrInvalidRef", v, err)
			}
		}
	})
	t.Run("forged with another key", func(t *testing.T) {
		forged := testSigner(refEpoch, refKeyB).sign("0123456789abcdef0123456789abcdef", "alice", scope, time.Hour)
		if _, err := s.verify(forged, "alice", scope); !errors.Is(err, ErrInvalidRef) {
			t.Fatalf("got %v, want ErrInvalidRef", err)
		}
	})
	t.Run("not canonical base64", func(t *testing.T) {
		variants := []string{
			ref + "=",
			ref + "==",
			ref[:10] + "\n" + ref[10:],
			ref[:10] + "\r\n" + ref[10:],
			ref + "\n",
			" " + ref,
			strings.NewReplacer("-", "+", "_", "/").Replace(ref),
		}
		// Unused trailing bits: an id of 3 bytes makes 76 bytes, whose last
		// base64 character carries 4 bits that must be zero.
		short := s.sign("abc", "alice", scope, time.Hour)
		if _, err := s.verify(short, "alice", scope); err != nil {
			t.Fatal(err)
		}
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, short[len(short)-1])
		if last&0xf != 0 {
			t.Fatalf("canonical encoding has unused bits set in %q", short)
		}
		variants = append(variants, short[:len(short)-1]+string(alphabet[last|1]))
		for _, v := range variants {
			if v == ref {
				continue
			}
			if _, err := s.verify(v, "alice", scope); !errors.Is(err, ErrInvalidRef) {
				t.Errorf("%q: got %v, want ErrInvalidRef", v, err)
			}
		}
	})
	t.Run("bad base64 and junk", func(t *testing.T) {
		for _, v := range []string{"", "!", "!!!!", "not a reference", "....", "AAAA", strings.Repeat("A", 100), "%00", "\x00\x00"} {
			if _, err := s.verify(v, "alice", scope); !errors.Is(err, ErrInvalidRef) {
				t.Errorf("%q: got %v, want ErrInvalidRef", v, err)
			}
		}
	})
	t.Run("over-long", func(t *testing.T) {
		for _, n := range []int{maxRefLen + 1, 10 * maxRefLen, 1 << 20} {
			if _, err := s.verify(strings.Repeat("A", n), "alice", scope); !errors.Is(err, ErrInvalidRef) {
				t.Errorf("%d characters: got %v, want ErrInvalidRef", n, err)
			}
		}
		// A genuine reference whose id is longer than allowed is refused
		// for its length alone; one at the limit is fine.
		long := s.sign(strings.Repeat("i", refMaxIDLen+64), "alice", scope, time.Hour)
		if len(long) <= maxRefLen {
			t.Fatalf("test reference is only %d characters", len(long))
		}
		if _, err := s.verify(long, "alice", scope); !errors.Is(err, ErrInvalidRef) {
			t.Errorf("over-long genuine reference: got %v, want ErrInvalidRef", err)
		}
		atLimit := s.sign(strings.Repeat("i", refMaxIDLen), "alice", scope, time.Hour)
		if _, err := s.verify(atLimit, "alice", scope); err != nil {
			t.Errorf("reference with a %d-byte id: %v", refMaxIDLen, err)
		}
	})
}

func TestRefExpiry(t *testing.T) {
	scope := scopeOf("/uploads/", "file")
	ref := testSigner(refEpoch, refKeyA).sign("id", "alice", scope, time.Hour)
	tests := []struct {
		at   time.Duration // after signing
		want error
	}{
		{-time.Hour, nil},
		{0, nil},
		{59 * time.Minute, nil},
		{time.Hour - time.Second, nil},
		{time.Hour, ErrExpired},
		{time.Hour + time.Second, ErrExpired},
		{48 * time.Hour, ErrExpired},
	}
	for _, tt := range tests {
		_, err := testSigner(refEpoch.Add(tt.at), refKeyA).verify(ref, "alice", scope)
		t.Run(tt.at.String(), func(t *testing.T) { checkRefErr(t, err, tt.want) })
	}
	// A reference signed with a TTL already in the past never verifies.
	old := testSigner(refEpoch, refKeyA).sign("id", "alice", scope, -time.Second)
	_, err := testSigner(refEpoch, refKeyA).verify(old, "alice", scope)
	checkRefErr(t, err, ErrExpired)
}

func TestRefRotation(t *testing.T) {
	scope := scopeOf("/uploads/", "file")
	oldRef := testSigner(refEpoch, refKeyA).sign("old-id", "alice", scope, time.Hour)
	newRef := testSigner(refEpoch, refKeyB, refKeyA).sign("new-id", "alice", scope, time.Hour)

	tests := []struct {
		name  string
		keys  [][]byte
		ref   string
		owner string
		scope string
		want  error
	}{
		{"old ref, old key only", [][]byte{refKeyA}, oldRef, "alice", scope, nil},
		{"old ref, old key second", [][]byte{refKeyB, refKeyA}, oldRef, "alice", scope, nil},
		{"old ref, old key removed", [][]byte{refKeyB}, oldRef, "alice", scope, ErrInvalidRef},
		{"new ref, new key first", [][]byte{refKeyB, refKeyA}, newRef, "alice", scope, nil},
		{"new ref, new key only", [][]byte{refKeyB}, newRef, "alice", scope, nil},
		{"new ref, old key only", [][]byte{refKeyA}, newRef, "alice", scope, ErrInvalidRef},
		// Owner and scope are checked with the key that matched.
		{"old ref, old key second, foreign owner", [][]byte{refKeyB, refKeyA}, oldRef, "bob", scope, ErrNotOwner},
		{"old ref, old key second, other field", [][]byte{refKeyB, refKeyA}, oldRef, "alice", scopeOf("/uploads/", "x"), ErrWrongField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := testSigner(refEpoch, tt.keys...).verify(tt.ref, tt.owner, tt.scope)
			checkRefErr(t, err, tt.want)
			if err == nil && c.ID == "" {
				t.Error("verified reference has no id")
			}
		})
	}
	// The first key signs.
	if newRef == testSigner(refEpoch, refKeyA).sign("new-id", "alice", scope, time.Hour) {
		t.Error("reference was signed with the second key, not the first")
	}
}

func TestRefOwnerAndScope(t *testing.T) {
	s := testSigner(refEpoch, refKeyA)
	ref := s.sign("id", "alice", scopeOf("/uploads/", "file"), time.Hour)
	tests := []struct {
		name     string
		owner    string
		endpoint string
		field    string
		want     error
	}{
		{"same", "alice", "/uploads/", "file", nil},
		{"foreign owner", "bob", "/uploads/", "file", ErrNotOwner},
		{"owner differs in case", "Alice", "/uploads/", "file", ErrNotOwner},
		{"empty owner", "", "/uploads/", "file", ErrNotOwner},
		{"other field", "alice", "/uploads/", "photo", ErrWrongField},
		{"field prefix", "alice", "/uploads/", "fil", ErrWrongField},
		{"other endpoint", "alice", "/other/", "file", ErrWrongField},
		{"endpoint without slash", "alice", "/uploads", "file", ErrWrongField},
		// Ownership is told before the field.
		{"foreign owner and other field", "bob", "/uploads/", "photo", ErrNotOwner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.verify(ref, tt.owner, scopeOf(tt.endpoint, tt.field))
			checkRefErr(t, err, tt.want)
		})
	}
}

func TestRefHidesOwnerAndPath(t *testing.T) {
	const owner = "alice@example.com"
	up, dir := newTestUploader(t, Config{})
	rep := mustUpload(t, up, owner, "file", "report.txt", []byte("hello, world\n"))
	raw, err := base64.RawURLEncoding.DecodeString(rep.Stored)
	if err != nil {
		t.Fatalf("stored reference is not base64url: %v", err)
	}
	for _, secret := range []string{owner, "alice", "example.com", dir, "sticky-uploads", "report.txt", "/uploads/"} {
		if bytes.Contains(raw, []byte(secret)) || strings.Contains(rep.Stored, secret) {
			t.Errorf("reference reveals %q", secret)
		}
	}
	id := raw[refHeadLen : len(raw)-refMACLen]
	if bytes.ContainsAny(id, `/\.`) {
		t.Errorf("upload id %q looks like a path", id)
	}
	c, err := up.sign.verify(rep.Stored, owner, scopeOf(up.path, "file"))
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != string(id) {
		t.Errorf("claims id %q, payload id %q", c.ID, id)
	}
}

func TestErrorsDistinct(t *testing.T) {
	all := []error{ErrNoFile, ErrTooLarge, ErrType, ErrEmpty, ErrMalformed, ErrNotAllowed, ErrInvalidRef,
		ErrExpired, ErrNotOwner, ErrWrongField, ErrGone, ErrStoreUnavailable, ErrStoreFull}
	for i, a := range all {
		for j, b := range all {
			if got := errors.Is(a, b); got != (i == j) {
				t.Errorf("errors.Is(%v, %v) = %v", a, b, got)
			}
			wrapped := fail(a, "A sentence.")
			if got := errors.Is(wrapped, b); got != (i == j) {
				t.Errorf("errors.Is(fail(%v), %v) = %v", a, b, got)
			}
		}
	}
	cause := errors.New("disk on fire")
	e := failWith(ErrStoreUnavailable, "The file could not be stored.", cause)
	if !errors.Is(e, cause) || !errors.Is(e, ErrStoreUnavailable) {
		t.Errorf("failWith does not unwrap to both sentinel and cause: %v", e)
	}
	if e.Error() != "The file could not be stored." {
		t.Errorf("Error() = %q, want the sentence", e.Error())
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 200},
		{ErrTooLarge, 413},
		{fail(ErrTooLarge, "Too big."), 413},
		{ErrType, 415},
		{ErrNotAllowed, 403},
		{ErrNotOwner, 403},
		{ErrStoreUnavailable, 503},
		{ErrStoreFull, 507},
		{ErrGone, 410},
		{ErrExpired, 410},
		{ErrNoFile, 400},
		{ErrEmpty, 400},
		{ErrMalformed, 400},
		{ErrInvalidRef, 400},
		{ErrWrongField, 400},
		{errors.New("something else"), 500},
	}
	for _, tt := range tests {
		if got := Status(tt.err); got != tt.want {
			t.Errorf("Status(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
