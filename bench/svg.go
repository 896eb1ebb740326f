package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strings"
)

// series is one line (or one colour of bars) of a chart.
type series struct {
	Name   string
	Y      []float64 // one per category; NaN where there is no figure
	Lo, Hi []float64 // whiskers (the runs' minimum and maximum); nil for none
	Dashed bool
	Color  string // "" takes the palette's next colour
}

// chart is a line or grouped-bar chart over categories (file sizes,
// numbers of clients), written as a standalone SVG.
type chart struct {
	Title  string
	XLabel string
	YLabel string
	X      []string // the categories, left to right
	Series []series
	Bars   bool // grouped bars instead of lines
}

// palette: sticky first, in the project's colour; the baselines after.
var palette = []string{"#c2255c", "#1971c2", "#2f9e44", "#e8590c", "#6741d9", "#495057"}

// The chart's geometry and inks.
const (
	svgW, svgH          = 760, 440
	padLeft, padRight   = 76, 24
	padBottom           = 64
	titleY, legendTop   = 28, 50
	legendRow, charW    = 20, 6.6 // legend row height; approximate glyph width at 12px
	fontFamily          = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
	gridColour, inkGrey = "#dee2e6", "#495057"
)

// SVG renders the chart.
func (c chart) SVG() []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	// The legend, wrapped into rows, decides where the plot starts.
	type item struct {
		x, row int
		s      series
	}
	var items []item
	x, row := padLeft, 0
	for i, s := range c.Series {
		if s.Color == "" {
			s.Color = palette[i%len(palette)]
		}
		w := 30 + int(float64(len(s.Name))*charW) + 18
		if x+w > svgW-padRight && x > padLeft {
			x, row = padLeft, row+1
		}
		items = append(items, item{x, row, s})
		x += w
	}
	top := legendTop + (row+1)*legendRow + 14
	left, right, bottom := float64(padLeft), float64(svgW-padRight), float64(svgH-padBottom)
	plotW, plotH := right-left, bottom-float64(top)

	ymax := 0.0
	for _, s := range c.Series {
		for i, y := range s.Y {
			ymax = maxFinite(ymax, y)
			if s.Hi != nil && i < len(s.Hi) {
				ymax = maxFinite(ymax, s.Hi[i])
			}
		}
	}
	step, ytop := niceScale(ymax)
	yAt := func(v float64) float64 { return bottom - v/ytop*plotH }
	n := max(len(c.X), 1)
	slot := plotW / float64(n)
	xAt := func(i int) float64 { return left + (float64(i)+0.5)*slot }

	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="t d" font-family="%s" font-size="12">`+"\n",
		svgW, svgH, svgW, svgH, esc(fontFamily))
	p(`<title id="t">%s</title>`+"\n", esc(c.Title))
	p(`<desc id="d">%s</desc>`+"\n", esc(c.describe()))
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p(`<text x="%d" y="%d" font-size="16" font-weight="600" fill="#212529">%s</text>`+"\n", padLeft, titleY, esc(c.Title))

	// Grid and y axis.
	decimals := max(0, -int(math.Floor(math.Log10(step))))
	for v := 0.0; v <= ytop+step/2; v += step {
		y := yAt(v)
		p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`+"\n", left, y, right, y, gridColour)
		p(`<text x="%.1f" y="%.1f" text-anchor="end" fill="%s">%s</text>`+"\n", left-8, y+4, inkGrey, esc(fmt.Sprintf("%.*f", decimals, v)))
	}
	p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"/>`+"\n", left, bottom, right, bottom, inkGrey)
	p(`<text transform="translate(18 %.1f) rotate(-90)" text-anchor="middle" fill="#212529">%s</text>`+"\n", float64(top)+plotH/2, esc(c.YLabel))

	// x axis.
	for i, label := range c.X {
		p(`<text x="%.1f" y="%.1f" text-anchor="middle" fill="#212529">%s</text>`+"\n", xAt(i), bottom+20, esc(label))
	}
	p(`<text x="%.1f" y="%d" text-anchor="middle" fill="#212529">%s</text>`+"\n", left+plotW/2, svgH-18, esc(c.XLabel))

	// The figures.
	if c.Bars {
		group := slot * 0.8
		bw := group / float64(max(len(items), 1))
		for si, it := range items {
			for i, v := range it.s.Y {
				if !finite(v) {
					continue
				}
				x0 := xAt(i) - group/2 + float64(si)*bw
				p(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
					x0+1, yAt(v), bw-2, bottom-yAt(v), it.s.Color, esc(fmt.Sprintf("%s, %s: %s", it.s.Name, c.X[i], short(v))))
				c.whisker(p, it.s, i, x0+bw/2, yAt)
				p(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11" fill="#212529">%s</text>`+"\n", x0+bw/2, yAt(v)-6, esc(short(v)))
			}
		}
	} else {
		for _, it := range items {
			var path []string
			for i, v := range it.s.Y {
				if !finite(v) {
					if len(path) > 1 {
						c.polyline(p, it.s, path)
					}
					path = nil
					continue
				}
				path = append(path, fmt.Sprintf("%.1f,%.1f", xAt(i), yAt(v)))
			}
			if len(path) > 1 {
				c.polyline(p, it.s, path)
			}
			for i, v := range it.s.Y {
				if !finite(v) {
					continue
				}
				c.whisker(p, it.s, i, xAt(i), yAt)
				p(`<circle cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s</title></circle>`+"\n",
					xAt(i), yAt(v), it.s.Color, esc(fmt.Sprintf("%s, %s: %s", it.s.Name, c.X[i], short(v))))
			}
		}
	}

	// Legend.
	for _, it := range items {
		y := legendTop + it.row*legendRow
		dash := ""
		if it.s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		if c.Bars {
			p(`<rect x="%d" y="%d" width="22" height="10" fill="%s"/>`+"\n", it.x, y-9, it.s.Color)
		} else {
			p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2.5"%s/>`+"\n", it.x, y-4, it.x+22, y-4, it.s.Color, dash)
		}
		p(`<text x="%d" y="%d" fill="#212529">%s</text>`+"\n", it.x+28, y, esc(it.s.Name))
	}
	p("</svg>\n")
	return b.Bytes()
}

// polyline draws a run of connected points of s.
func (c chart) polyline(p func(string, ...any), s series, points []string) {
	dash := ""
	if s.Dashed {
		dash = ` stroke-dasharray="6 4"`
	}
	p(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-linejoin="round"%s/>`+"\n", strings.Join(points, " "), s.Color, dash)
}

// whisker draws the span from the runs' minimum to their maximum.
func (c chart) whisker(p func(string, ...any), s series, i int, x float64, yAt func(float64) float64) {
	if s.Lo == nil || s.Hi == nil || i >= len(s.Lo) || i >= len(s.Hi) || !finite(s.Lo[i]) || !finite(s.Hi[i]) || s.Hi[i]-s.Lo[i] <= 0 {
		return
	}
	y0, y1 := yAt(s.Lo[i]), yAt(s.Hi[i])
	p(`<path d="M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f" stroke="#212529" stroke-width="1.2" fill="none"/>`+"\n",
		x, y0, y1, x-4, y0, x+4, x-4, y1, x+4)
}

// describe is the chart's figures in words, for screen readers.
func (c chart) describe() string {
	var parts []string
	for _, s := range c.Series {
		var vals []string
		for i, v := range s.Y {
			if finite(v) && i < len(c.X) {
				vals = append(vals, c.X[i]+" "+short(v))
			}
		}
		if len(vals) > 0 {
			parts = append(parts, s.Name+": "+strings.Join(vals, ", "))
		}
	}
	return c.YLabel + " by " + c.XLabel + ". " + strings.Join(parts, "; ") + "."
}

// niceScale returns a tick step and the axis top for values up to ymax.
func niceScale(ymax float64) (step, top float64) {
	if !(ymax > 0) {
		return 1, 5
	}
	raw := ymax / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	top = step * math.Ceil(ymax/step-1e-9)
	return step, top
}

// short writes a figure with three significant digits or so.
func short(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// finite says whether v is a figure to draw.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// maxFinite is the larger of a and b, ignoring a b that is not finite.
func maxFinite(a, b float64) float64 {
	if finite(b) && b > a {
		return b
	}
	return a
}

// esc escapes text for XML content and attribute values.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
