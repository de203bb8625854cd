package burnin

// #cgo pkg-config: opencv4
// #cgo CXXFLAGS: --std=c++11
// #cgo noescape burnin_text
// #cgo nocallback burnin_text
// #cgo noescape burnin_text_size
// #cgo nocallback burnin_text_size
// #include <stdlib.h>
// #include "burnin.h"
import "C"

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"unsafe"

	"gocv.io/x/gocv"
	"gonum.org/v1/gonum/spatial/r2"
)

// Person is one athlete as one camera sees it.
type Person struct {
	// ID is the athlete's track ID; it picks the colour.
	ID int
	// Label names the athlete in the lower third and beside the body
	// (a name, a lane); empty means "#ID".
	Label string
	// Points holds one pixel position per joint, indexed like the limbs
	// given to Draw. A point with a NaN, negative or huge coordinate is
	// not drawn, nor are its bones.
	Points []r2.Vec
	// Speed (m/s), StepLength (m) and ContactTime (s) are the figures of
	// the lower third; NaN means unknown and shows as "--".
	Speed, StepLength, ContactTime float64
}

// Units chooses how speeds are written.
type Units int

const (
	KMH Units = iota // km/h, the default
	MS               // m/s
)

// Options tune Draw. The zero value draws everything at sizes scaled to
// the image, speeds in km/h, with the default palette.
type Options struct {
	Units Units
	// Thickness is the bones' width in pixels; 0 means the image height
	// over 270, at least 2.
	Thickness int
	// NoBox leaves out the lower third; NoLabels the names beside the
	// bodies.
	NoBox, NoLabels bool
	// Palette gives the athletes' colours, picked by ID; nil means
	// Palette.
	Palette []color.RGBA
}

// Palette is the default set of athlete colours: saturated, told apart on
// grass, track and crowd.
var Palette = []color.RGBA{
	{R: 255, G: 64, B: 64, A: 255},
	{R: 48, G: 160, B: 255, A: 255},
	{R: 255, G: 210, B: 0, A: 255},
	{R: 0, G: 220, B: 120, A: 255},
	{R: 230, G: 80, B: 255, A: 255},
	{R: 255, G: 140, B: 0, A: 255},
	{R: 0, G: 230, B: 230, A: 255},
	{R: 255, G: 255, B: 255, A: 255},
}

// colour returns the colour of athlete id in palette (Palette when nil).
func colour(palette []color.RGBA, id int) color.RGBA {
	if len(palette) == 0 {
		palette = Palette
	}
	i := id % len(palette)
	if i < 0 {
		i += len(palette)
	}
	return palette[i]
}

// shift is the number of fractional bits of the coordinates passed to
// OpenCV: points are drawn to 1/16 pixel.
const shift = 4

// maxCoord bounds the coordinates drawn, so that they fit OpenCV's int
// after the shift; OpenCV clips what lies outside the image.
const maxCoord = 1 << 20

// Draw burns people into img, an 8-bit BGR image: each person's bones
// (limbs are pairs of indices into Points) as antialiased lines over a dark
// outline, its joints as dots, its label beside the highest joint drawn,
// and, unless opts.NoBox, a lower-third box listing the label and figures
// of each person with a point drawn. It allocates nothing in Go; OpenCV
// allocates a short string per text it draws. An empty image or one that
// is not 8-bit BGR is an error wrapping ErrImage.
func Draw(img *gocv.Mat, people []Person, limbs [][2]int, opts Options) error {
	if img == nil || img.Empty() || img.Type() != gocv.MatTypeCV8UC3 {
		return imageError(img)
	}
	p := unsafe.Pointer(img.Ptr())
	rows := img.Rows()
	thick := opts.Thickness
	if thick <= 0 {
		thick = max(2, rows/270)
	}
	radius := float64(thick) * 0.9
	for i := range people {
		q := &people[i]
		c := colour(opts.Palette, q.ID)
		for _, l := range limbs {
			a, okA := point(q.Points, l[0])
			b, okB := point(q.Points, l[1])
			if !okA || !okB {
				continue
			}
			line(p, a, b, color.RGBA{A: 255}, thick+2)
		}
		for _, l := range limbs {
			a, okA := point(q.Points, l[0])
			b, okB := point(q.Points, l[1])
			if okA && okB {
				line(p, a, b, c, thick)
			}
		}
		for j := range q.Points {
			if a, ok := point(q.Points, j); ok {
				dot(p, a, radius+1, color.RGBA{A: 255})
				dot(p, a, radius, c)
			}
		}
	}
	scale := float64(rows) / 1080 * 0.8
	textThick := max(1, int(math.Round(scale*2)))
	if !opts.NoLabels {
		for i := range people {
			drawTag(p, &people[i], scale, textThick, opts)
		}
	}
	if !opts.NoBox {
		drawBox(p, img.Cols(), rows, people, scale, textThick, opts)
	}
	return nil
}

// point returns pts[j] and whether it is drawn.
func point(pts []r2.Vec, j int) (r2.Vec, bool) {
	if j < 0 || j >= len(pts) {
		return r2.Vec{}, false
	}
	v := pts[j]
	ok := v.X >= 0 && v.Y >= 0 && v.X < maxCoord && v.Y < maxCoord // false for NaN
	return v, ok
}

func fixed(v float64) C.int { return C.int(math.Round(v * (1 << shift))) }

func line(img unsafe.Pointer, a, b r2.Vec, c color.RGBA, thick int) {
	C.burnin_line(img, fixed(a.X), fixed(a.Y), fixed(b.X), fixed(b.Y), C.double(c.B), C.double(c.G), C.double(c.R), C.int(thick), shift)
}

func dot(img unsafe.Pointer, a r2.Vec, radius float64, c color.RGBA) {
	C.burnin_dot(img, fixed(a.X), fixed(a.Y), fixed(radius), C.double(c.B), C.double(c.G), C.double(c.R), shift)
}

func shade(img unsafe.Pointer, x, y, w, h int, c color.RGBA, alpha float64) {
	C.burnin_shade(img, C.int(x), C.int(y), C.int(w), C.int(h), C.double(c.B), C.double(c.G), C.double(c.R), C.double(alpha))
}

// text draws s with its baseline's left end at (x, y). s is usually a
// slice of an array on the caller's stack: the noescape directive above
// keeps it there.
func text(img unsafe.Pointer, s []byte, x, y int, scale float64, c color.RGBA, thick int) {
	if len(s) == 0 {
		return
	}
	C.burnin_text(img, (*C.char)(unsafe.Pointer(&s[0])), C.int(len(s)), C.int(x), C.int(y), C.double(scale), C.double(c.B), C.double(c.G), C.double(c.R), C.int(thick))
}

// textSize returns the width and the height above the baseline of s.
func textSize(s []byte, scale float64, thick int) (w, h int) {
	if len(s) == 0 {
		return 0, 0
	}
	var ch C.int
	cw := C.burnin_text_size((*C.char)(unsafe.Pointer(&s[0])), C.int(len(s)), C.double(scale), C.int(thick), &ch)
	return int(cw), int(ch)
}

// drawTag writes the person's label above its highest point.
func drawTag(img unsafe.Pointer, q *Person, scale float64, thick int, opts Options) {
	top, found := r2.Vec{}, false
	for j := range q.Points {
		if a, ok := point(q.Points, j); ok && (!found || a.Y < top.Y) {
			top, found = a, true
		}
	}
	if !found {
		return
	}
	var buf [64]byte
	s := appendLabel(buf[:0], q)
	w, h := textSize(s, scale, thick)
	pad := max(2, h/3)
	x := int(top.X) - w/2
	y := int(top.Y) - 3*pad - max(2, int(scale*12))
	shade(img, x-pad, y-h-pad, w+2*pad, h+2*pad, color.RGBA{A: 255}, 0.55)
	text(img, s, x, y, scale, colour(opts.Palette, q.ID), thick)
}

// Column headings of the lower third are implicit: label, speed, step
// length, contact time.
const columns = 4

// drawBox draws the lower third: one row per person in view, columns
// aligned, the text shrunk when the box would not fit the image's width.
func drawBox(img unsafe.Pointer, cols, rows int, people []Person, scale float64, thick int, opts Options) {
	x0 := min(rows, cols) / 27
	lay := boxLayout(people, scale, thick, opts.Units)
	if lay.n == 0 {
		return
	}
	if avail := cols - 2*x0; lay.w > avail {
		scale *= float64(avail) / float64(lay.w)
		thick = max(1, int(math.Round(scale*2)))
		lay = boxLayout(people, scale, thick, opts.Units)
	}
	var buf [64]byte
	pad, gap, rowH, step := lay.pad, lay.gap, lay.rowH, lay.rowH+lay.pad
	y0 := rows - x0 - lay.h
	shade(img, x0, y0, lay.w, lay.h, color.RGBA{R: 12, G: 16, B: 24, A: 255}, 0.7)
	row := 0
	for i := range people {
		q := &people[i]
		if !visible(q) {
			continue
		}
		c := colour(opts.Palette, q.ID)
		base := y0 + pad + row*step + rowH
		row++
		shade(img, x0+pad, base-rowH, rowH, rowH, c, 1)
		x := x0 + pad + rowH + pad
		for k := range columns {
			s := appendCell(buf[:0], q, k, opts.Units)
			fg := color.RGBA{R: 240, G: 240, B: 240, A: 255}
			if k == 0 {
				fg = c
			}
			text(img, s, x, base, scale, fg, thick)
			x += lay.width[k] + gap
		}
	}
}

// layout is the lower third's size at a text scale.
type layout struct {
	n              int // rows
	width          [columns]int
	rowH, pad, gap int
	w, h           int
}

func boxLayout(people []Person, scale float64, thick int, u Units) layout {
	var buf [64]byte
	var l layout
	for i := range people {
		if !visible(&people[i]) {
			continue
		}
		l.n++
		for k := range columns {
			w, h := textSize(appendCell(buf[:0], &people[i], k, u), scale, thick)
			l.width[k] = max(l.width[k], w)
			l.rowH = max(l.rowH, h)
		}
	}
	l.pad = max(4, l.rowH/2)
	l.gap = 3 * l.pad
	l.w = l.pad + l.rowH + l.pad - l.gap + l.pad
	for k := range columns {
		l.w += l.width[k] + l.gap
	}
	l.h = l.pad + l.n*(l.rowH+l.pad)
	return l
}

// visible reports whether any of the person's points is drawn.
func visible(q *Person) bool {
	for j := range q.Points {
		if _, ok := point(q.Points, j); ok {
			return true
		}
	}
	return false
}

// appendLabel appends the person's label, or "#ID".
func appendLabel(dst []byte, q *Person) []byte {
	if q.Label != "" {
		return appendASCII(dst, q.Label)
	}
	return strconv.AppendInt(append(dst, '#'), int64(q.ID), 10)
}

// appendASCII appends s, up to what dst has room for, with what the
// Hershey font cannot draw as '?'.
func appendASCII(dst []byte, s string) []byte {
	for i := 0; i < len(s) && len(dst) < cap(dst); i++ {
		c := s[i]
		if c < ' ' || c > '~' {
			c = '?'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendCell appends column k of a person's row of the lower third.
func appendCell(dst []byte, q *Person, k int, u Units) []byte {
	switch k {
	case 0:
		return appendLabel(dst, q)
	case 1:
		return appendSpeed(dst, q.Speed, u)
	case 2:
		return appendFigure(append(dst, "step "...), q.StepLength, 2, " m")
	default:
		return appendFigure(append(dst, "contact "...), q.ContactTime, 3, " s")
	}
}

// appendSpeed appends a speed given in m/s as the lower third writes it:
// "34.2 km/h" or "9.50 m/s", "-- km/h" when v is NaN or infinite.
func appendSpeed(dst []byte, v float64, u Units) []byte {
	if u == MS {
		return appendFigure(dst, v, 2, " m/s")
	}
	return appendFigure(dst, v*3.6, 1, " km/h")
}

func appendFigure(dst []byte, v float64, digits int, unit string) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		dst = append(dst, "--"...)
	} else {
		dst = strconv.AppendFloat(dst, v, 'f', digits, 64)
	}
	return append(dst, unit...)
}

func imageError(img *gocv.Mat) error {
	switch {
	case img == nil || img.Empty():
		return fmt.Errorf("%w: empty", ErrImage)
	default:
		return fmt.Errorf("%w: type %v, want 8-bit BGR", ErrImage, img.Type())
	}
}
