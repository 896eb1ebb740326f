package private

import (
	"io/fs"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxKeyLen bounds a key, in bytes.
const maxKeyLen = 1024

// validKey says whether key may name a stored file: a slash-separated path
// relative to the root, in valid UTF-8, with no empty, "." or ".."
// element, no backslash and no control character. Anything else is refused
// before it reaches the disk, the bucket or a web server, whatever their
// own rules: the same key means the same file everywhere.
func validKey(key string) bool {
	if key == "" || key == "." || len(key) > maxKeyLen || !utf8.ValidString(key) || !fs.ValidPath(key) {
		return false
	}
	for _, c := range key {
		if c < 0x20 || c == 0x7f || c == '\\' || (c >= 0x80 && c < 0xa0) {
			return false
		}
	}
	return true
}

// keyFromPath returns the key that r's URL path names below prefix, or ""
// when the path is not below prefix or names no valid key. An encoded
// slash or backslash (%2F, %5C) is refused rather than decoded: a key is
// split into folders by real slashes only.
func keyFromPath(r *http.Request, prefix string) string {
	raw := strings.ToLower(r.URL.RawPath)
	if strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") {
		return ""
	}
	prefix = strings.TrimSuffix(prefix, "/") + "/"
	key, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok || !validKey(key) {
		return ""
	}
	return key
}
