package sticky

import (
	"testing"
	"time"
)

func benchSigner() *signer {
	return &signer{keys: [][]byte{[]byte("bench-key-0123456789abcdef-012345")}, now: time.Now}
}

const (
	benchID    = "6d3c2f1a9b8e7d6c5b4a392817060504" // a filestore id's length
	benchOwner = "user-42"
)

// BenchmarkRefSign measures signing one reference. bench/ reports it.
func BenchmarkRefSign(b *testing.B) {
	s, scope := benchSigner(), scopeOf(DefaultPath, "doc")
	b.ReportAllocs()
	for b.Loop() {
		s.sign(benchID, benchOwner, scope, DefaultTTL)
	}
}

// BenchmarkRefVerify measures verifying one valid reference, every check taken.
func BenchmarkRefVerify(b *testing.B) {
	s, scope := benchSigner(), scopeOf(DefaultPath, "doc")
	ref := s.sign(benchID, benchOwner, scope, DefaultTTL)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.verify(ref, benchOwner, scope); err != nil {
			b.Fatal(err)
		}
	}
}
