package thumbnail

import "image"

// shrink returns the part r of m reduced k times in each direction by a box
// filter, each new pixel the mean of a k×k block, and the rectangle of the
// result to use. Up to k-1 rows and columns of r that do not fill a block
// are left out, split between the edges.
//
// It is the cheap first stage of a large reduction: a box filter reads each
// source pixel once, and averaging before the fine filter keeps the detail
// from aliasing. Photos (YCbCr) are averaged in their own planes, which is
// the same as averaging their colours, since the conversion is linear.
func shrink(m image.Image, r image.Rectangle, k int) (image.Image, image.Rectangle) {
	ow, oh := r.Dx()/k, r.Dy()/k
	x0, y0 := r.Min.X+r.Dx()%k/2, r.Min.Y+r.Dy()%k/2
	switch src := m.(type) {
	case *image.YCbCr:
		return shrinkYCbCr(src, x0, y0, ow, oh, k), image.Rect(0, 0, ow, oh)
	case image.RGBA64Image:
		return shrinkRGBA64(src, x0, y0, ow, oh, k), image.Rect(0, 0, ow, oh)
	}
	return m, r // no image type of the standard library gets here
}

func shrinkYCbCr(m *image.YCbCr, x0, y0, ow, oh, k int) *image.YCbCr {
	out := image.NewYCbCr(image.Rect(0, 0, ow, oh), image.YCbCrSubsampleRatio444)
	// Where each source column's chroma sample is, relative to its row.
	ccol := make([]int, ow*k)
	for i := range ccol {
		ccol[i] = m.COffset(x0+i, m.Rect.Min.Y) - m.COffset(m.Rect.Min.X, m.Rect.Min.Y)
	}
	sumY, sumCb, sumCr := make([]uint64, ow), make([]uint64, ow), make([]uint64, ow)
	n := uint64(k * k)
	for oy := 0; oy < oh; oy++ {
		clear(sumY)
		clear(sumCb)
		clear(sumCr)
		for y := y0 + oy*k; y < y0+oy*k+k; y++ {
			yrow := m.Y[m.YOffset(x0, y):][:ow*k]
			crow := m.COffset(m.Rect.Min.X, y)
			cb, cr := m.Cb[crow:], m.Cr[crow:]
			for ox := range ow {
				var sy, sb, sr uint64
				for i := ox * k; i < ox*k+k; i++ {
					sy += uint64(yrow[i])
					sb += uint64(cb[ccol[i]])
					sr += uint64(cr[ccol[i]])
				}
				sumY[ox] += sy
				sumCb[ox] += sb
				sumCr[ox] += sr
			}
		}
		row := oy * out.YStride // 4:4:4: the same stride for all planes
		for ox := range ow {
			out.Y[row+ox] = uint8((sumY[ox] + n/2) / n)
			out.Cb[row+ox] = uint8((sumCb[ox] + n/2) / n)
			out.Cr[row+ox] = uint8((sumCr[ox] + n/2) / n)
		}
	}
	return out
}

// shrinkRGBA64 averages premultiplied colours, so transparent pixels add
// no colour of their own.
func shrinkRGBA64(m image.RGBA64Image, x0, y0, ow, oh, k int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	sums := make([][4]uint64, ow)
	n := uint64(k*k) * 0x101 // the mean, from 16 bits to 8
	for oy := 0; oy < oh; oy++ {
		clear(sums)
		for y := y0 + oy*k; y < y0+oy*k+k; y++ {
			for ox := range ow {
				s := &sums[ox]
				for x := x0 + ox*k; x < x0+ox*k+k; x++ {
					c := m.RGBA64At(x, y)
					s[0] += uint64(c.R)
					s[1] += uint64(c.G)
					s[2] += uint64(c.B)
					s[3] += uint64(c.A)
				}
			}
		}
		pix := out.Pix[oy*out.Stride:]
		for ox, s := range sums {
			for c := range 4 {
				pix[4*ox+c] = uint8((s[c] + n/2) / n)
			}
		}
	}
	return out
}
