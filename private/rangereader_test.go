package private

import (
	"bytes"
	"io"
	"reflect"
	"testing"
)

func TestParseRanges(t *testing.T) {
	for _, tt := range []struct {
		h    string
		want []byteRange
	}{
		{"", nil},
		{"items=0-1", nil},
		{"bytes=0-9", []byteRange{{0, 10}}},
		{"bytes=5-", []byteRange{{5, 95}}},
		{"bytes=-10", []byteRange{{90, 10}}},
		{"bytes=-1000", []byteRange{{0, 100}}},
		{"bytes=90-1000", []byteRange{{90, 10}}},
		{"bytes=0-0, 50-59 ,-1", []byteRange{{0, 1}, {50, 10}, {99, 1}}},
		{"bytes=200-300", nil},
		{"bytes=9-1", nil},
		{"bytes=x-1", nil},
		{"bytes=-0", nil},
		{"bytes=1", nil},
	} {
		if got := parseRanges(tt.h, 100); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseRanges(%q) = %v, want %v", tt.h, got, tt.want)
		}
	}
}

// A read that goes past the range the request asked for (ServeContent
// decides, not the hint) goes on with another range read.
func TestRangeContentReadsPastHint(t *testing.T) {
	m := newMemFiles()
	data := bytes.Repeat([]byte("0123456789"), 200)
	m.put("k", data, "")
	f, err := openFile(t.Context(), m, "k")
	if err != nil {
		t.Fatal(err)
	}
	c := newRangeContent(t.Context(), f, "bytes=600-609,1990-")
	defer c.Close()
	for _, start := range []int64{600, 0, 1990, 1500, 600} {
		if _, err := c.Seek(start, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(io.LimitReader(c, 700))
		if want := data[start:min(start+700, int64(len(data)))]; err != nil || !bytes.Equal(got, want) {
			t.Errorf("from %d: %v, %d bytes, want %d", start, err, len(got), len(want))
		}
	}
	if n, _ := c.Seek(0, io.SeekEnd); n != int64(len(data)) {
		t.Errorf("size %d", n)
	}
	c.Close()
	if _, err := c.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("Read after Close succeeded")
	}
}

// A small range of a large file costs a small read: the handler never
// reads the whole file to send a slice, and a HEAD reads only the first
// bytes, to confirm the type.
func TestRangeReadsLittle(t *testing.T) {
	m := newMemFiles()
	data := bytes.Repeat([]byte("abcdefgh"), 1<<17) // 1 MiB
	m.put("big.bin", data, "")
	h := &Handler{Files: m, Authorize: allow}
	for _, tt := range []struct {
		header string
		reads  []string
	}{
		{"bytes=400000-400099", []string{"0+512", "400000+100"}},
		{"bytes=100-199,600000-600099", []string{"0+512", "600000+100"}}, // the first is in the 512 bytes read
		{"", []string{"0+512", "512+-1"}},
	} {
		m.reads = nil
		w := get(h, "GET", "/big.bin", "Range", tt.header)
		if w.Code != 206 && w.Code != 200 {
			t.Fatalf("%q: %d", tt.header, w.Code)
		}
		if !reflect.DeepEqual(m.reads, tt.reads) {
			t.Errorf("%q: reads %q, want %q", tt.header, m.reads, tt.reads)
		}
	}
	m.reads = nil
	if w := get(h, "HEAD", "/big.bin"); w.Code != 200 || !reflect.DeepEqual(m.reads, []string{"0+512"}) {
		t.Errorf("HEAD: %d, reads %q", w.Code, m.reads)
	}
}

// A Content's ETag is used when it is a strong tag; anything else is
// replaced by one made from the size and the time.
func TestContentETag(t *testing.T) {
	m := newMemFiles()
	for _, tt := range []struct {
		etag string
		kept bool
	}{
		{`"abc123"`, true},
		{"", false},
		{"abc123", false},
		{`W/"abc"`, false},
		{`"a b"`, false},
		{`"`, false},
	} {
		m.put("f", []byte("x"), tt.etag)
		f, err := openFile(t.Context(), m, "f")
		if err != nil {
			t.Fatal(err)
		}
		if got := f.ETag; (got == tt.etag) != tt.kept || !validETag(got) {
			t.Errorf("ETag %q: File.ETag %q", tt.etag, got)
		}
	}
}
