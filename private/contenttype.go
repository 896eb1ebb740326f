package private

import (
	"mime"
	"net/http"
	"path"
	"strings"
)

// sniffLen is how much of a file's start is read to confirm its type, as
// much as http.DetectContentType looks at.
const sniffLen = 512

const octetStream = "application/octet-stream"

// contentType returns the type to serve a file as: the one its name's
// extension says, when the content agrees; the sniffed one when the name
// says nothing; else application/octet-stream.
//
// Agreement matters for the types a browser may show inline: a file is
// only ever called an image, a PDF or plain text when its bytes look like
// one. Other types (archives, office documents, HTML, SVG) keep the name's
// word, since they are always served as attachments.
func contentType(name string, head []byte) string {
	sniffed := sniff(head)
	byName := mime.TypeByExtension(strings.ToLower(path.Ext(name)))
	if byName == "" {
		return sniffed
	}
	if !passive(byName) || confirms(sniffed, byName) {
		return byName
	}
	return octetStream
}

// sniff is http.DetectContentType, except that text that opens like
// markup ("<svg", "<math", a namespaced tag) is not called plain text,
// though the sniffer knows no more of it. A browser told text/plain and
// nosniff shows it as text; this keeps the rule from resting on that alone.
func sniff(head []byte) string {
	t := http.DetectContentType(head)
	if mediaType(t) == "text/plain" {
		s := strings.TrimLeft(strings.TrimPrefix(string(head), "\uFEFF"), " \t\r\n\f")
		if strings.HasPrefix(s, "<") {
			return octetStream
		}
	}
	return t
}

// confirms says whether a sniffed type bears out the passive type named.
// The sniffer knows few formats: for a binary format it cannot recognise,
// "unknown binary" is agreement enough, since it rules out text, HTML and
// script.
func confirms(sniffed, named string) bool {
	s, n := mediaType(sniffed), mediaType(named)
	switch {
	case s == n || sameFormat[[2]string{s, n}]:
		return true
	case textual(n):
		return s == "text/plain"
	default:
		return s == octetStream
	}
}

// sameFormat holds the pairs (sniffed, named) of the names the sniffer
// and the extension table give to one format.
var sameFormat = map[[2]string]bool{
	{"application/ogg", "audio/ogg"}:             true,
	{"application/ogg", "video/ogg"}:             true,
	{"audio/wave", "audio/wav"}:                  true,
	{"audio/wave", "audio/x-wav"}:                true,
	{"image/x-icon", "image/vnd.microsoft.icon"}: true,
	{"video/mp4", "audio/mp4"}:                   true,
}

// passiveTypes may be shown in the browser: the browser displays them
// itself and runs nothing in the page's origin. Everything else is active
// or unknown, and is served as an attachment in a sandbox.
var passiveTypes = map[string]bool{
	"application/json":         true,
	"application/pdf":          true,
	"text/csv":                 true,
	"text/plain":               true,
	"image/apng":               true,
	"image/avif":               true,
	"image/bmp":                true,
	"image/gif":                true,
	"image/jpeg":               true,
	"image/png":                true,
	"image/webp":               true,
	"image/x-icon":             true,
	"image/vnd.microsoft.icon": true,
}

// passive says whether t may be served inline. Audio, video and fonts are
// too; HTML, XML, SVG, JavaScript, CSS and every type not named here are not.
func passive(t string) bool {
	t = mediaType(t)
	if passiveTypes[t] {
		return true
	}
	major, _, _ := strings.Cut(t, "/")
	return major == "audio" || major == "video" || major == "font"
}

// textual says whether the passive type t is text, which the sniffer only
// ever calls text/plain.
func textual(t string) bool {
	return strings.HasPrefix(t, "text/") || t == "application/json"
}

// mediaType is t without its parameters, in lower case.
func mediaType(t string) string {
	t, _, _ = strings.Cut(t, ";")
	return strings.ToLower(strings.TrimSpace(t))
}
