package sticky

import (
	"math"
	"strings"
	"testing"
)

func TestSizeString(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"},
		{1, "1 byte"},
		{2, "2 bytes"},
		{812, "812 bytes"},
		{1000, "1000 bytes"},
		{1023, "1023 bytes"},
		{1024, "1 KiB"},
		{1074, "1 KiB"},
		{1075, "1 KiB"},
		{1076, "1.1 KiB"},
		{1234, "1.2 KiB"},
		{1536, "1.5 KiB"},
		{10_000, "9.8 KiB"},
		{10 << 10, "10 KiB"},
		{1_048_524, "1023.9 KiB"},
		{1_048_525, "1 MiB"},
		{1 << 20, "1 MiB"},
		{1_200_000, "1.1 MiB"},
		{1_258_291, "1.2 MiB"},
		{20 << 20, "20 MiB"},
		{20<<20 + 1, "20 MiB"},
		{1 << 30, "1 GiB"},
		{3 << 30, "3 GiB"},
		{3 << 39, "1.5 TiB"},
		{1 << 50, "1 PiB"},
		{1 << 60, "1024 PiB"},
		{math.MaxInt64, "8192 PiB"},
	}
	for _, tt := range tests {
		if got := SizeString(tt.n); got != tt.want {
			t.Errorf("SizeString(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1000", 1000},
		{"  42  ", 42},
		{"7b", 7},
		{"7 B", 7},
		{"1 byte", 1},
		{"812 bytes", 812},
		{"1k", 1 << 10},
		{"1kB", 1000},
		{"1KB", 1000},
		{"5MB", 5_000_000},
		{"5 mb", 5_000_000},
		{"5m", 5 << 20},
		{"2GB", 2_000_000_000},
		{"2g", 2 << 30},
		{"3t", 3 << 40},
		{"3 TiB", 3 << 40},
		{"512KiB", 512 << 10},
		{"512 KiB", 512 << 10},
		{"512kib", 512 << 10},
		{"20MiB", 20 << 20},
		{"20 MiB", 20 << 20},
		{"1GiB", 1 << 30},
		{"1TiB", 1 << 40},
		{"1.5MiB", 3 << 19},
		{"1.5GB", 1_500_000_000},
		{"0.5KiB", 512},
		{".5KiB", 512},
		{"2.", 2},
		{"4096TiB", 4096 << 40},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSizeErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"   ",
		"MiB",
		"-1",
		"-1MiB",
		"+5",
		"1.2.3",
		".",
		"10 XB",
		"10 PiB",
		"abc",
		"1e3",
		"0x10",
		"NaN",
		"Inf",
		"1,000",
		"1 000",
		"5MiBs",
		"5 M i B",
		"5000000TiB",
		strings.Repeat("9", 400),
		"9223372036854775807000",
	} {
		n, err := ParseSize(in)
		if err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, n)
			continue
		}
		if n != 0 {
			t.Errorf("ParseSize(%q) returned %d with its error", in, n)
		}
		if !strings.Contains(err.Error(), "sticky: size") {
			t.Errorf("ParseSize(%q) error %q does not name the problem", in, err)
		}
	}
}

func TestParseSizeRoundTrip(t *testing.T) {
	// SizeString is for people and rounds, but its output always parses
	// back to within the rounding of one decimal, and exactly for round
	// sizes such as a MaxSize of 20MiB.
	for _, n := range []int64{0, 1, 999, 1000, 1024, 1234, 999_949, 1_048_524, 1_200_000, 20 << 20, 3_000_000_000, 5 << 40} {
		s := SizeString(n)
		got, err := ParseSize(s)
		if err != nil {
			t.Errorf("ParseSize(SizeString(%d) = %q): %v", n, s, err)
			continue
		}
		if diff := math.Abs(float64(got - n)); diff > float64(n)*0.06 {
			t.Errorf("ParseSize(%q) = %d, far from %d", s, got, n)
		}
		if n%(1<<20) == 0 && got != n {
			t.Errorf("ParseSize(SizeString(%d) = %q) = %d, want it exact", n, s, got)
		}
	}
}
