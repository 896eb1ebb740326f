package thumbnail

import (
	"encoding/binary"
	"image"
	"testing"
)

func TestJPEGOrientation(t *testing.T) {
	jpg := encodeJPEG(t, image.NewGray(image.Rect(0, 0, 8, 8)))
	for o := uint16(1); o <= 8; o++ {
		for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
			if got := jpegOrientation(withEXIF(jpg, o, order)); got != int(o) {
				t.Errorf("orientation %d, %v: got %d", o, order, got)
			}
		}
	}

	exif := withEXIF(jpg, 6, binary.BigEndian)
	app1 := exif[2 : len(exif)-len(jpg)+2]                 // the APP1 segment alone
	tiffAt := 2 + 2 + 6                                    // marker, length, "Exif\0\0"
	entry := tiffAt + 8 + 2 + 12                           // the second IFD0 entry
	patchAt := func(in []byte, at int, b ...byte) []byte { // at counts from the APP1 marker
		out := append([]byte{}, in...)
		copy(out[2+at:], b)
		return out
	}
	patch := func(at int, b ...byte) []byte { return patchAt(exif, at, b...) }
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"no exif", jpg, 1},
		{"empty", nil, 1},
		{"not a jpeg", []byte("\x89PNG\r\n\x1a\n"), 1},
		{"soi only", jpg[:2], 1},
		{"fill bytes before the marker", append(append([]byte{0xFF, 0xD8, 0xFF, 0xFF}, app1[1:]...), jpg[2:]...), 6},
		{"after an XMP APP1", append(append(append([]byte{0xFF, 0xD8}, xmpSegment()...), app1...), jpg[2:]...), 6},
		{"behind the frame", append(append(append([]byte{}, jpg[:len(jpg)-2]...), app1...), 0xFF, 0xD9), 1},
		{"truncated segment", exif[:len(app1)], 1},
		{"length too short", patch(2, 0, 1), 1},
		{"length past the end", patch(2, 0xFF, 0xFF), 1},
		{"bad byte order", patch(tiffAt, 'M', 'I'), 1},
		{"bad magic", patch(tiffAt+2, 0, 43), 1},
		{"ifd past the end", patch(tiffAt+4, 0x7F, 0xFF, 0xFF, 0xFF), 1},
		{"ifd offset overflows", patch(tiffAt+4, 0xFF, 0xFF, 0xFF, 0xFF), 1},
		{"more entries than data", patch(tiffAt+8, 0xFF, 0xFF), 6}, // the tag comes before the end
		{"other tag", patch(entry, 0x01, 0x13), 1},
		{"more entries than data, no tag", patchAt(patch(entry, 0x01, 0x13), tiffAt+8, 0xFF, 0xFF), 1},
		{"value 0", patch(entry+8, 0, 0), 1},
		{"value 9", patch(entry+8, 0, 9), 1},
		{"type LONG", patch(entry+2, 0, 4, 0, 0, 0, 1, 0, 0, 0, 6), 6},
		{"type ASCII", patch(entry+2, 0, 2), 1},
		{"two values", patch(entry+4, 0, 0, 0, 2), 1},
	}
	for _, tt := range tests {
		if got := jpegOrientation(tt.in); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

func xmpSegment() []byte {
	payload := "http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>"
	return append([]byte{0xFF, 0xE1, 0, byte(2 + len(payload))}, payload...)
}

func FuzzJPEGOrientation(f *testing.F) {
	jpg := encodeJPEG(f, image.NewGray(image.Rect(0, 0, 8, 8)))
	f.Add(jpg)
	for o := uint16(0); o <= 9; o++ {
		f.Add(withEXIF(jpg, o, binary.LittleEndian))
		f.Add(withEXIF(jpg, o, binary.BigEndian))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := jpegOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}
