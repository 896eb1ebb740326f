// Package filename holds what the packages that show file names share.
package filename

import (
	"path"
	"strings"
	"unicode/utf8"
)

// Shorten cuts name to at most max bytes, keeping its extension (when that
// is 16 bytes or shorter), at a character boundary, without dots or spaces
// left before the extension.
func Shorten(name string, max int) string {
	if len(name) <= max {
		return name
	}
	ext := path.Ext(name)
	if len(ext) > 16 || len(ext) >= max {
		ext = ""
	}
	stem := name[:max-len(ext)]
	for !utf8.ValidString(stem) {
		stem = stem[:len(stem)-1]
	}
	return strings.TrimRight(stem, ". ") + ext
}
