package thumbnail

import "fmt"

// MaxSide is the largest width or height a thumbnail box may have. Anything
// bigger is not a thumbnail, and a size string naming one is more likely a
// mistake or an attack than a wish.
const MaxSide = 8192

// ParseBox reads a box size written as "WIDTHxHEIGHT", such as "100x100" or
// "640X480": two decimal numbers from 1 to MaxSide, no sign, no spaces.
// Anything else is an error wrapping ErrSpec.
func ParseBox(s string) (width, height int, err error) {
	for i := 0; i < len(s); i++ {
		if s[i] != 'x' && s[i] != 'X' {
			continue
		}
		w, okW := side(s[:i])
		h, okH := side(s[i+1:])
		if !okW || !okH {
			break
		}
		return w, h, nil
	}
	return 0, 0, fmt.Errorf("%w: size %q is not WIDTHxHEIGHT with sides 1 to %d", ErrSpec, s, MaxSide)
}

// side reads one side of a size: digits only, 1 to MaxSide.
func side(s string) (int, bool) {
	if s == "" || len(s) > 5 { // 5 digits hold MaxSide and stop overflow early
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1 && n <= MaxSide
}
