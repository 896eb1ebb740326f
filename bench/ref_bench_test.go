package main

import "testing"

// BenchmarkRefSign is a 1 KiB upload through sticky's endpoint, in
// process: the store's write and the signing of its reference. The HMAC
// alone is measured by the root package's BenchmarkRefSign.
func BenchmarkRefSign(b *testing.B) {
	f, err := newRefFixture(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := f.sign(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefVerify is a form post carrying a reference, read with
// ReadForm and Form.File: the reference verified and its upload found in
// the store. The HMAC alone is measured by the root package's
// BenchmarkRefVerify.
func BenchmarkRefVerify(b *testing.B) {
	f, err := newRefFixture(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := f.verify(); err != nil {
			b.Fatal(err)
		}
	}
}
