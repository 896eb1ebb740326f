package sticky

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, color.RGBA{uint8(x * 30), uint8(y * 30), 128, 255})
		}
	}
	return img
}

func pngBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// docxBytes is a minimal OOXML package: a zip whose first entry is
// [Content_Types].xml.
func docxBytes(t testing.TB) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	w, _ := zw.Create("word/document.xml")
	w.Write([]byte(`<w:document/>`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipBytes(t testing.TB) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte("hello"))
	zw.Close()
	return b.Bytes()
}

// elfBytes is the start of a 64-bit Linux executable.
var elfBytes = append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00\x01\x00\x00\x00"), make([]byte, 100)...)

// mzBytes is the start of a Windows executable.
var mzBytes = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00"), make([]byte, 100)...)

var pdfBytes = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

const htmlText = "<!DOCTYPE html><html><head><script>alert(1)</script></head><body>hi</body></html>"

func TestAccepted(t *testing.T) {
	png, jpg, gf, docx := pngBytes(t), jpegBytes(t), gifBytes(t), docxBytes(t)
	const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	images := []string{"image/*"}
	tests := []struct {
		name     string
		patterns []string
		file     string
		head     []byte
		ok       bool
		typ      string // the recorded type; "" to skip the check
	}{
		// Images judged by their bytes.
		{"png", images, "photo.png", png, true, "image/png"},
		{"jpeg", images, "photo.jpg", jpg, true, "image/jpeg"},
		{"gif", images, "anim.gif", gf, true, "image/gif"},
		{"png named jpg", images, "photo.jpg", png, true, "image/png"},
		{"png without extension", images, "photo", png, true, "image/png"},
		{"png named txt", images, "photo.txt", png, true, "image/png"},
		{"png upper-case pattern", []string{"IMAGE/*"}, "p.png", png, true, "image/png"},
		{"png exact type", []string{"image/png"}, "p.png", png, true, "image/png"},
		{"jpeg against png only", []string{"image/png"}, "p.png", jpg, false, "image/jpeg"},
		{"elf named jpg", images, "photo.jpg", elfBytes, false, ""},
		{"mz named jpg", images, "photo.jpg", mzBytes, false, ""},
		{"mz named JPG", images, "PHOTO.JPG", mzBytes, false, ""},
		{"elf named png by extension pattern", []string{".png"}, "photo.png", elfBytes, false, ""},
		{"elf named svg", images, "photo.svg", elfBytes, false, ""},
		{"html named jpg", images, "photo.jpg", []byte(htmlText), false, "text/html"},
		{"text named png", images, "photo.png", []byte("just some words"), false, "text/plain"},
		{"pdf against images", images, "photo.png", pdfBytes, false, "application/pdf"},

		// Text.
		{"text", []string{"text/plain"}, "notes.txt", []byte("plain words\n"), true, "text/plain"},
		{"text by extension", []string{".txt"}, "notes.txt", []byte("plain words\n"), true, "text/plain"},
		{"text by extension, upper case", []string{".TXT"}, "NOTES.TXT", []byte("plain words\n"), true, "text/plain"},
		{"html named txt, text/plain only", []string{"text/plain"}, "notes.txt", []byte(htmlText), false, "text/html"},
		{"html named txt, .txt only", []string{".txt"}, "notes.txt", []byte(htmlText), false, "text/html"},
		{"html named txt, text/*", []string{"text/*"}, "notes.txt", []byte(htmlText), true, "text/html"},
		{"xml named txt, text/plain only", []string{"text/plain"}, "notes.txt", []byte("<?xml version=\"1.0\"?><a/>"), false, "text/xml"},
		{"binary named txt", []string{"text/plain", ".txt"}, "notes.txt", elfBytes, false, "application/octet-stream"},
		{"png named txt, .txt only", []string{".txt"}, "notes.txt", png, false, "image/png"},
		{"csv by extension", []string{".csv"}, "data.csv", []byte("a,b\n1,2\n"), true, "text/csv"},
		{"csv against text/plain", []string{"text/plain"}, "data.csv", []byte("a,b\n1,2\n"), false, "text/csv"},
		{"json by type", []string{"application/json"}, "data.json", []byte(`{"a":1}`), true, "application/json"},
		{"elf named json", []string{"application/json", ".json"}, "data.json", elfBytes, false, ""},
		{"text named html stays text", nil, "page.html", []byte("no tags at all"), true, "text/plain"},

		// PDF.
		{"pdf", []string{".pdf"}, "doc.pdf", pdfBytes, true, "application/pdf"},
		{"pdf by type", []string{"application/pdf"}, "doc.pdf", pdfBytes, true, "application/pdf"},
		{"pdf without extension by type", []string{"application/pdf"}, "doc", pdfBytes, true, "application/pdf"},
		{"jpeg named pdf", []string{".pdf"}, "doc.pdf", jpg, false, "image/jpeg"},
		{"jpeg named pdf by type", []string{"application/pdf"}, "doc.pdf", jpg, false, "image/jpeg"},
		{"elf named pdf", []string{".pdf", "application/pdf"}, "doc.pdf", elfBytes, false, ""},
		{"html named pdf", []string{".pdf"}, "doc.pdf", []byte(htmlText), false, ""},
		{"pdf with other extension pattern", []string{".pdf"}, "doc.txt", pdfBytes, false, "application/pdf"},

		// Zip-based office documents.
		{"docx", []string{".docx"}, "letter.docx", docx, true, docxType},
		{"docx by type", []string{docxType}, "letter.docx", docx, true, docxType},
		{"docx among others", []string{"image/*", ".pdf", ".docx"}, "letter.docx", docx, true, docxType},
		{"docx bytes named zip", []string{".docx"}, "letter.zip", docx, false, "application/zip"},
		{"docx against pdf", []string{".pdf"}, "letter.docx", docx, false, docxType},
		{"elf named docx", []string{".docx", docxType}, "letter.docx", elfBytes, false, ""},
		{"text named docx", []string{".docx"}, "letter.docx", []byte("hello"), false, ""},
		{"gzip named docx", []string{".docx"}, "letter.docx", gzipBytes(t), false, ""},
		{"zip", []string{"application/zip"}, "a.zip", docx, true, "application/zip"},

		// No patterns: anything goes, and the type is still judged.
		{"anything: elf", nil, "a.out", elfBytes, true, "application/octet-stream"},
		{"anything: png", []string{}, "x", png, true, "image/png"},
		{"anything: html", nil, "x.html", []byte(htmlText), true, "text/html"},
		{"anything: empty", nil, "", nil, true, "text/plain"},
		{"anything: docx", nil, "l.docx", docx, true, docxType},

		// Patterns that cannot match.
		{"unknown extension, png bytes", []string{".heic"}, "p.heic", png, false, "image/png"},
		{"wildcard of another family", []string{"video/*"}, "p.png", png, false, "image/png"},
		{"empty pattern", []string{""}, "p.png", png, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, ok := accepted(tt.patterns, tt.file, tt.head)
			if ok != tt.ok {
				t.Errorf("accepted(%q, %q) = %q, %v; want ok=%v", tt.patterns, tt.file, typ, ok, tt.ok)
			}
			if tt.typ != "" && typ != tt.typ {
				t.Errorf("type = %q, want %q", typ, tt.typ)
			}
			if typ == "" || strings.Contains(typ, ";") {
				t.Errorf("type %q is not a bare media type", typ)
			}
		})
	}
}

func TestAcceptedOnlyLooksAtHead(t *testing.T) {
	// The sniffer sees the first 512 bytes; a PNG followed by anything is
	// still a PNG, and HTML after 512 bytes of text does not make it HTML.
	png := pngBytes(t)
	if _, ok := accepted([]string{"image/*"}, "p.png", append(png, elfBytes...)); !ok {
		t.Error("PNG with trailing bytes refused")
	}
	text := append([]byte(strings.Repeat("words ", 100)), htmlText...)
	if typ, ok := accepted([]string{"text/plain"}, "n.txt", text); !ok {
		t.Errorf("text refused as %q", typ)
	}
}

func TestAcceptAttr(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"image/*"}, "image/*"},
		{[]string{"image/*", ".pdf", "application/msword"}, "image/*,.pdf,application/msword"},
	}
	for _, tt := range tests {
		if got := acceptAttr(tt.in); got != tt.want {
			t.Errorf("acceptAttr(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
