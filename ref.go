package sticky

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// A reference is the signed token a sticky field posts in place of the bytes.
//
// Layout, before base64url (no padding):
//
//	version (1 byte, refVersion)
//	expiry  (8 bytes, Unix seconds, big endian)
//	owner   (16 bytes, HMAC of the identity: the identity is never in clear)
//	scope   (16 bytes, HMAC of endpoint and field)
//	id      (the rest of the payload: the temporary upload's id)
//	mac     (32 bytes, HMAC-SHA256 of everything before it)
//
// Owner and scope are keyed with the same key as the MAC, so a reference made
// with a retired key still verifies while that key is in the list.
const (
	refVersion  = 1
	refHashLen  = 16
	refHeadLen  = 1 + 8 + refHashLen + refHashLen
	refMACLen   = sha256.Size
	refMaxIDLen = 512
	// maxRefLen bounds the text parsed from untrusted input.
	maxRefLen = (refHeadLen+refMaxIDLen+refMACLen)*4/3 + 4
)

// refClaims is what a reference says once verified.
type refClaims struct {
	ID      string
	Expires time.Time
}

// signer signs and verifies references with a list of keys.
type signer struct {
	keys [][]byte
	now  func() time.Time
}

func keyed(key []byte, label, value string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)[:refHashLen]
}

func scopeOf(endpoint, field string) string { return endpoint + "\x00" + field }

// sign returns a reference to upload id for owner in scope, valid for ttl.
func (s *signer) sign(id, owner, scope string, ttl time.Duration) string {
	key := s.keys[0]
	b := make([]byte, 0, refHeadLen+len(id)+refMACLen)
	b = append(b, refVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(s.now().Add(ttl).Unix()))
	b = append(b, keyed(key, "owner", owner)...)
	b = append(b, keyed(key, "scope", scope)...)
	b = append(b, id...)
	m := hmac.New(sha256.New, key)
	m.Write(b)
	b = m.Sum(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// verify checks ref against owner and scope. The errors tell apart a
// reference that is not ours at all (ErrInvalidRef), one past its time
// (ErrExpired), one made for someone else (ErrNotOwner) and one made for
// another field or endpoint (ErrWrongField).
func (s *signer) verify(ref, owner, scope string) (refClaims, error) {
	if len(ref) > maxRefLen {
		return refClaims{}, ErrInvalidRef
	}
	b, err := base64.RawURLEncoding.DecodeString(ref)
	// The decoder skips CR and LF and ignores stray trailing bits; a
	// reference must be the one encoding of its bytes.
	if err == nil && base64.RawURLEncoding.EncodeToString(b) != ref {
		err = ErrInvalidRef
	}
	if err != nil || len(b) <= refHeadLen+refMACLen || b[0] != refVersion {
		return refClaims{}, ErrInvalidRef
	}
	payload, mac := b[:len(b)-refMACLen], b[len(b)-refMACLen:]
	for _, key := range s.keys {
		m := hmac.New(sha256.New, key)
		m.Write(payload)
		if !hmac.Equal(m.Sum(nil), mac) {
			continue
		}
		c := refClaims{
			ID:      string(payload[refHeadLen:]),
			Expires: time.Unix(int64(binary.BigEndian.Uint64(payload[1:9])), 0),
		}
		switch {
		case !s.now().Before(c.Expires):
			return c, ErrExpired
		case !hmac.Equal(payload[9:9+refHashLen], keyed(key, "owner", owner)):
			return c, ErrNotOwner
		case !hmac.Equal(payload[9+refHashLen:refHeadLen], keyed(key, "scope", scope)):
			return c, ErrWrongField
		}
		return c, nil
	}
	return refClaims{}, ErrInvalidRef
}

var errShortKey = errors.New("sticky: every key in Config.Keys must be at least 32 bytes")
