package thumbnail

import (
	"errors"
	"fmt"
	"testing"
)

func TestParseBox(t *testing.T) {
	good := []struct {
		in   string
		w, h int
	}{
		{"100x100", 100, 100},
		{"640X480", 640, 480},
		{"1x8192", 1, MaxSide},
		{"0032x016", 32, 16},
	}
	for _, tt := range good {
		w, h, err := ParseBox(tt.in)
		if err != nil || w != tt.w || h != tt.h {
			t.Errorf("ParseBox(%q) = %d, %d, %v; want %d, %d", tt.in, w, h, err, tt.w, tt.h)
		}
	}
	bad := []string{
		"", "x", "100", "100x", "x100", "0x100", "100x0", "-1x100", "100x-1", "+1x1",
		"8193x100", "100x99999", "100000x1", "99999999999999999999x1", "1.5x2",
		" 100x100", "100x100 ", "100 x 100", "100x100x100", "100×100", "1e2x1", "0x0",
		"1_0x10", "0x10x10",
	}
	for _, in := range bad {
		if w, h, err := ParseBox(in); !errors.Is(err, ErrSpec) {
			t.Errorf("ParseBox(%q) = %d, %d, %v; want ErrSpec", in, w, h, err)
		}
	}
}

func FuzzParseBox(f *testing.F) {
	for _, s := range []string{"100x100", "1X1", "8192x8192", "0x1", "-5x5", "99999x1", "x", "10x10x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, h, err := ParseBox(s)
		if err != nil {
			if !errors.Is(err, ErrSpec) || w != 0 || h != 0 {
				t.Fatalf("ParseBox(%q) = %d, %d, %v", s, w, h, err)
			}
			return
		}
		if w < 1 || w > MaxSide || h < 1 || h > MaxSide {
			t.Fatalf("ParseBox(%q) = %d, %d: out of range", s, w, h)
		}
		// What it accepts, it reads the way it writes.
		w2, h2, err := ParseBox(fmt.Sprintf("%dx%d", w, h))
		if err != nil || w2 != w || h2 != h {
			t.Fatalf("ParseBox(%q) = %d, %d, but its canonical form gives %d, %d, %v", s, w, h, w2, h2, err)
		}
	})
}
