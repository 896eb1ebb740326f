package sticky

import (
	"fmt"
	"strconv"
	"strings"
)

// SizeString formats n bytes for people, in steps of 1024 labelled as
// such: "812 bytes", "1.2 MiB", "20 MiB". The labels cannot be misread as
// powers of 1000, and a limit set as 20MiB reads as 20 MiB.
func SizeString(n int64) string {
	if n < 1024 {
		if n == 1 {
			return "1 byte"
		}
		return fmt.Sprintf("%d bytes", n)
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB", "PiB"} {
		v /= 1024
		if v < 1023.95 || unit == "PiB" {
			s := strconv.FormatFloat(v, 'f', 1, 64)
			return strings.TrimSuffix(s, ".0") + " " + unit
		}
	}
	panic("unreachable")
}

var sizeUnits = map[string]int64{
	"": 1, "b": 1, "byte": 1, "bytes": 1,
	"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
	"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
	"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
	"t": 1 << 40, "tib": 1 << 40, "tb": 1e12,
}

// ParseSize reads a size like "20MiB", "1GiB", "512 KiB", "1.5GB" or "1000"
// (bytes). KiB, MiB, GiB and TiB (and the bare k, m, g, t) are powers of
// 1024, as SizeString writes them; KB, MB, GB and TB are powers of 1000,
// as their names say.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnits[unit]
	v, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || v < 0 || num == "" {
		return 0, fmt.Errorf("sticky: size %q: want a number with an optional unit such as 20MiB or 1GiB", s)
	}
	n := v * float64(mult)
	if n > 1<<62 {
		return 0, fmt.Errorf("sticky: size %q is too large", s)
	}
	return int64(n), nil
}
