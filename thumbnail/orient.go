package thumbnail

import "image"

// orient returns m turned upright according to EXIF orientation o.
//
// Orientation o says where the stored rows and columns belong on screen:
// 1 as stored, 2 mirrored left to right, 3 turned half round, 4 mirrored
// top to bottom, 5 mirrored along the main diagonal (transposed), 6 to be
// turned a quarter clockwise, 7 mirrored along the other diagonal, 8 to be
// turned a quarter anticlockwise. From 5 on, width and height swap.
//
// It runs on the thumbnail, after scaling, where it costs little.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		row := m.Pix[y*m.Stride:]
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = dw-1-y, x
			case 7:
				dx, dy = dw-1-y, dh-1-x
			case 8:
				dx, dy = y, dh-1-x
			}
			copy(out.Pix[dy*out.Stride+4*dx:][:4], row[4*x:4*x+4])
		}
	}
	return out
}
