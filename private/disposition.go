package private

import (
	"strings"
	"unicode"

	"github.com/stickyuploads/sticky/internal/filename"
)

// maxNameLen bounds a download name, in bytes.
const maxNameLen = 200

// contentDisposition returns a Content-Disposition header value: "inline"
// or "attachment", and the file's name cleaned by downloadName. The
// name goes in filename="..." in plain printable ASCII, every other
// character, quote, backslash and percent sign there turned to '_'; when
// that is not the name exactly, the exact name follows in filename*, as
// percent-encoded UTF-8 (RFC 6266, RFC 8187). Whatever the name, the value
// is printable ASCII that a parser reads back as one disposition and one
// name.
func contentDisposition(inline bool, name string) string {
	kind := "attachment"
	if inline {
		kind = "inline"
	}
	name = downloadName(name)
	fallback := asciiName(name)
	v := kind + `; filename="` + fallback + `"`
	if fallback != name {
		v += "; filename*=UTF-8''" + percentEncode(name)
	}
	return v
}

// asciiName keeps the printable ASCII of name that is safe inside a quoted
// string and that no browser decodes further; the rest becomes '_'.
func asciiName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
}

// percentEncode encodes s as an RFC 8187 value: its UTF-8 bytes, all but
// the attr-chars as %XX.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if attrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xf])
	}
	return b.String()
}

// attrChar says whether c may stand for itself in an RFC 8187 value.
func attrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

// downloadName makes name fit to offer as a file's name, whoever chose it:
// the last element of a path (either slash), valid UTF-8, without control
// or format characters (the latter hold the bidirectional overrides that
// can disguise an extension), runs of spaces made one, no dots or spaces
// at either end, at most maxNameLen bytes with the extension kept. A name
// with nothing left is "download".
func downloadName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	name = strings.Trim(b.String(), ". ")
	name = filename.Shorten(name, maxNameLen)
	if name == "" {
		return "download"
	}
	return name
}
