package thumbnail

import "encoding/binary"

// jpegOrientation returns the EXIF orientation, 1 to 8, recorded in the
// header of a JPEG, or 1 when there is none or it cannot be read.
//
// It walks the marker segments up to the first frame or scan, and reads the
// Orientation tag (0x0112) of IFD0 in the first APP1 "Exif" segment. The
// bytes are untrusted: every offset is checked against the data.
func jpegOrientation(b []byte) int {
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	for i := 2; ; {
		if i >= len(b) || b[i] != 0xFF {
			return 1
		}
		for i < len(b) && b[i] == 0xFF { // a marker may be padded with 0xFF
			i++
		}
		if i >= len(b) {
			return 1
		}
		marker := b[i]
		i++
		switch {
		case marker == 0x01 || 0xD0 <= marker && marker <= 0xD7:
			continue // no length, no data
		case marker == 0xD9 || marker == 0xDA || 0xC0 <= marker && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			return 1 // end, scan or frame: the metadata is behind us
		}
		if i+2 > len(b) {
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i:])) // counts its own two bytes
		if n < 2 || i+n > len(b) {
			return 1
		}
		seg := b[i+2 : i+n]
		i += n
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
	}
}

// tiffOrientation reads the Orientation tag from IFD0 of TIFF-structured
// EXIF data.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(t[2:]) != 42 {
		return 1
	}
	ifd := uint64(order.Uint32(t[4:]))
	if ifd+2 > uint64(len(t)) {
		return 1
	}
	count := uint64(order.Uint16(t[ifd:]))
	for k := uint64(0); k < count; k++ {
		e := ifd + 2 + 12*k
		if e+12 > uint64(len(t)) {
			return 1
		}
		entry := t[e : e+12]
		if order.Uint16(entry) != 0x0112 {
			continue
		}
		if order.Uint32(entry[4:]) != 1 { // value count
			return 1
		}
		var v uint32
		switch order.Uint16(entry[2:]) { // value type
		case 3: // SHORT, as the standard says
			v = uint32(order.Uint16(entry[8:]))
		case 4: // LONG, written by a few tools
			v = order.Uint32(entry[8:])
		default:
			return 1
		}
		if v < 1 || v > 8 {
			return 1
		}
		return int(v)
	}
	return 1
}
