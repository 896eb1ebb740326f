package sticky

import (
	"mime"
	"net/http"
	"path"
	"strings"
)

// sniffLen is how many leading bytes decide a file's type.
const sniffLen = 512

// accepted checks a file's first bytes and name against the patterns and
// returns the content type to record for it. Patterns are MIME types
// ("application/pdf"), MIME wildcards ("image/*") or extensions (".pdf").
//
// The content decides, not the name or the client's claim: a type is taken
// from the bytes when they say something specific (http.DetectContentType).
// Only when the bytes are generic (plain text, zip, unknown binary) may the
// extension refine the type, and then only to a type those bytes could be:
// an executable named .jpg is refused because its bytes are not an image.
func accepted(patterns []string, name string, head []byte) (string, bool) {
	sniffed := baseType(http.DetectContentType(head))
	typ := sniffed
	ext := strings.ToLower(path.Ext(name))
	if byExt := baseType(mime.TypeByExtension(ext)); byExt != "" && byExt != sniffed && refines(sniffed, byExt) {
		typ = byExt
	}
	if len(patterns) == 0 {
		return typ, true
	}
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		if mt := baseType(p); mt != "" && !strings.HasPrefix(p, ".") {
			p = mt // "text/plain; charset=utf-8" means text/plain
		}
		switch {
		case p == "*/*" || p == "*":
			return typ, true
		case strings.HasPrefix(p, "."):
			// The name must say it and the bytes must not contradict it.
			byExt := baseType(mime.TypeByExtension(ext))
			if ext == p && (typ == byExt || byExt == "" && (sniffed == "text/plain" || sniffed == "application/octet-stream")) {
				return typ, true
			}
		case strings.HasSuffix(p, "/*"):
			if strings.HasPrefix(typ, p[:len(p)-1]) {
				return typ, true
			}
		case p == typ:
			return typ, true
		}
	}
	return typ, false
}

// refines reports whether bytes sniffed as the generic type sniffed may be a
// file of the more specific type byExt.
func refines(sniffed, byExt string) bool {
	switch sniffed {
	case "text/plain":
		return strings.HasPrefix(byExt, "text/") && byExt != "text/html" && byExt != "text/xml" ||
			byExt == "application/json" || byExt == "application/x-ndjson"
	case "application/zip":
		return strings.HasPrefix(byExt, "application/vnd.openxmlformats-officedocument.") ||
			strings.HasPrefix(byExt, "application/vnd.oasis.opendocument.") ||
			byExt == "application/epub+zip" || byExt == "application/java-archive"
	case "application/octet-stream":
		// Unknown bytes may be any binary format the sniffer does not know,
		// but never one it does know: those would have been recognised.
		// Nor text (SVG, JSON, XML), which never sniffs as binary, nor a
		// format built on zip (.docx, .odt, .epub), which sniffs as zip.
		return !textual(byExt) && !sniffable[byExt] && !refines("application/zip", byExt)
	}
	return false
}

// textual reports whether files of type t are text.
func textual(t string) bool {
	return strings.HasPrefix(t, "text/") || strings.HasSuffix(t, "+xml") || strings.HasSuffix(t, "+json") ||
		t == "application/json" || t == "application/xml" || t == "application/javascript" ||
		t == "application/x-ndjson"
}

// sniffable lists the binary types http.DetectContentType recognises.
var sniffable = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"image/bmp": true, "image/x-icon": true, "image/vnd.microsoft.icon": true,
	"application/pdf": true, "application/zip": true, "application/x-gzip": true,
	"application/gzip": true, "application/x-rar-compressed": true, "application/vnd.rar": true,
	"application/postscript": true, "application/ogg": true, "audio/ogg": true, "video/ogg": true,
	"audio/mpeg": true, "audio/wave": true, "audio/wav": true, "audio/x-wav": true,
	"audio/aiff": true, "audio/basic": true, "audio/midi": true, "video/mp4": true,
	"video/webm": true, "audio/webm": true, "video/avi": true, "video/x-msvideo": true,
	"font/ttf": true, "font/otf": true, "font/woff": true, "font/woff2": true,
	"application/wasm": true, "application/vnd.ms-fontobject": true,
}

func baseType(t string) string {
	if t == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(t)
	if err != nil {
		return ""
	}
	return mt
}

// acceptAttr renders patterns as the accept attribute of a file input.
func acceptAttr(patterns []string) string {
	return strings.Join(patterns, ",")
}

func typeError(accept []string) error {
	if len(accept) == 0 {
		return fail(ErrType, "type.not_accepted")
	}
	return fail(ErrType, "type.choose", "types", typeList(accept))
}
