package sticky

import (
	"strings"
	"unicode"

	"github.com/stickyuploads/sticky/internal/filename"
)

// maxNameBytes bounds a display name; longer names are cut, keeping the
// extension, at a character boundary.
const maxNameBytes = 200

// CleanName turns a file name sent by a client into a display name: the last
// path element only (either slash), valid UTF-8, no control, format or
// bidirectional-override characters, no leading dots or surrounding spaces,
// at most 200 bytes with the extension kept. It never returns "", "." or
// "..": a name with nothing left becomes "file".
//
// The result is still text from a stranger: sticky stores files under
// generated ids, never under this name, and escapes it wherever it is shown.
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || unicode.IsSpace(r) && !unicode.IsControl(r):
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r): // Cf holds the bidi overrides and zero-widths
			return -1
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	name = strings.TrimLeft(name, ". ")
	name = strings.TrimRight(name, ". ")
	name = filename.Shorten(name, maxNameBytes)
	if name == "" {
		return "file"
	}
	return name
}
