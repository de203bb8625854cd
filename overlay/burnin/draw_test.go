package burnin

import (
	"errors"
	"image"
	"image/color"
	"math"
	"testing"

	"gocv.io/x/gocv"
	"gonum.org/v1/gonum/spatial/r2"

	"github.com/athlete3d/athlete3d/skeleton"
)

// pixel returns the BGR pixel at (x, y).
func pixel(m gocv.Mat, x, y int) color.RGBA {
	v := m.GetVecbAt(y, x)
	return color.RGBA{B: v[0], G: v[1], R: v[2], A: 255}
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

// changed counts the pixels of a and b that differ inside r.
func changed(a, b gocv.Mat, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if pixel(a, x, y) != pixel(b, x, y) {
				n++
			}
		}
	}
	return n
}

func grey(w, h int) gocv.Mat {
	return gocv.NewMatWithSizeFromScalar(gocv.NewScalar(90, 90, 90, 0), h, w, gocv.MatTypeCV8UC3)
}

func TestDrawBone(t *testing.T) {
	nan := math.NaN()
	limbs := [][2]int{{0, 1}, {1, 2}, {2, 3}}
	for _, tt := range []struct {
		name   string
		points []r2.Vec
		drawn  []image.Point // pixels in the person's colour
		blank  []image.Point // pixels left as they were
	}{
		{"bone", []r2.Vec{{X: 40, Y: 60}, {X: 200, Y: 140}, {X: nan, Y: 10}, {X: 300, Y: 20}},
			[]image.Point{{120, 100}, {60, 70}, {180, 130}, {40, 60}, {300, 20}},
			// The bone to the NaN point and from it are not drawn: the
			// segment (200,140)-(300,20) stays blank.
			[]image.Point{{250, 80}, {120, 60}, {120, 140}, {310, 230}}},
		{"negative point", []r2.Vec{{X: -1, Y: 50}, {X: 100, Y: 50}, {X: 100, Y: 200}},
			[]image.Point{{100, 125}},
			[]image.Point{{50, 50}, {5, 50}}},
		{"huge point", []r2.Vec{{X: 1e30, Y: 50}, {X: 100, Y: 50}},
			nil,
			[]image.Point{{150, 50}, {300, 50}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img := grey(320, 240)
			defer img.Close()
			orig := img.Clone()
			defer orig.Close()
			c := color.RGBA{R: 255, G: 40, B: 40, A: 255}
			people := []Person{{ID: 0, Points: tt.points}}
			if err := Draw(&img, people, limbs, Options{Palette: []color.RGBA{c}, Thickness: 3, NoBox: true, NoLabels: true}); err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.drawn {
				if got := pixel(img, p.X, p.Y); !near(got, c, 10) {
					t.Errorf("pixel %v: got %v, want the bone's %v", p, got, c)
				}
			}
			for _, p := range tt.blank {
				if got, want := pixel(img, p.X, p.Y), pixel(orig, p.X, p.Y); got != want {
					t.Errorf("pixel %v: got %v, want it untouched (%v)", p, got, want)
				}
			}
		})
	}
}

func TestDrawNobodyChangesNothing(t *testing.T) {
	img := grey(320, 240)
	defer img.Close()
	orig := img.Clone()
	defer orig.Close()
	for _, people := range [][]Person{nil, {{ID: 4, Points: []r2.Vec{{X: math.NaN(), Y: 3}}}}} {
		if err := Draw(&img, people, skeleton.COCO17.Limbs, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := changed(img, orig, image.Rect(0, 0, 320, 240)); n != 0 {
		t.Errorf("%d pixels changed with nobody to draw", n)
	}
}

func TestDrawBoxAndLabels(t *testing.T) {
	const w, h = 640, 360
	people := []Person{
		{ID: 1, Label: "Lane 4 Ström", Points: []r2.Vec{{X: 500, Y: 60}, {X: 520, Y: 120}}, Speed: 9.5, StepLength: 2.21, ContactTime: math.NaN()},
		{ID: 2, Points: []r2.Vec{{X: 400, Y: 80}, {X: 410, Y: 140}}, Speed: math.NaN(), StepLength: math.NaN(), ContactTime: 0.102},
	}
	img := grey(w, h)
	defer img.Close()
	orig := img.Clone()
	defer orig.Close()
	if err := Draw(&img, people, [][2]int{{0, 1}}, Options{}); err != nil {
		t.Fatal(err)
	}
	// The lower third sits in the bottom-left; the top-left and the
	// bottom-right corners stay untouched.
	if n := changed(img, orig, image.Rect(0, h*2/3, w/2, h)); n < 500 {
		t.Errorf("lower third: %d pixels changed, want a box", n)
	}
	for _, r := range []image.Rectangle{image.Rect(0, 0, 100, 100), image.Rect(w-100, h-100, w, h)} {
		if n := changed(img, orig, r); n != 0 {
			t.Errorf("%v: %d pixels changed, want none", r, n)
		}
	}
	// The tag above person 1's highest point.
	if n := changed(img, orig, image.Rect(440, 0, 560, 58)); n == 0 {
		t.Error("no label above person 1")
	}
	img2 := grey(w, h)
	defer img2.Close()
	if err := Draw(&img2, people, [][2]int{{0, 1}}, Options{NoBox: true, NoLabels: true}); err != nil {
		t.Fatal(err)
	}
	if n := changed(img2, orig, image.Rect(0, h*2/3, w/2, h)); n != 0 {
		t.Errorf("NoBox: %d pixels changed in the lower third", n)
	}
	if n := changed(img2, orig, image.Rect(440, 0, 560, 50)); n != 0 {
		t.Errorf("NoLabels: %d pixels changed above person 1", n)
	}
}

func TestFigures(t *testing.T) {
	for _, tt := range []struct {
		p    Person
		k    int
		u    Units
		want string
	}{
		{Person{ID: 3}, 0, KMH, "#3"},
		{Person{Label: "Lane 4 Ström"}, 0, KMH, "Lane 4 Str??m"},
		{Person{Speed: 10}, 1, KMH, "36.0 km/h"},
		{Person{Speed: 9.5}, 1, MS, "9.50 m/s"},
		{Person{Speed: math.NaN()}, 1, KMH, "-- km/h"},
		{Person{Speed: math.Inf(1)}, 1, MS, "-- m/s"},
		{Person{StepLength: 2.214}, 2, KMH, "step 2.21 m"},
		{Person{ContactTime: math.NaN()}, 3, KMH, "contact -- s"},
		{Person{ContactTime: 0.1025}, 3, KMH, "contact 0.102 s"},
	} {
		var buf [64]byte
		if got := string(appendCell(buf[:0], &tt.p, tt.k, tt.u)); got != tt.want {
			t.Errorf("column %d of %+v: got %q, want %q", tt.k, tt.p, got, tt.want)
		}
	}
	long := Person{Label: string(make([]byte, 200))}
	var buf [64]byte
	if got := appendCell(buf[:0], &long, 0, KMH); len(got) != 64 {
		t.Errorf("a 200-byte label gave %d bytes, want it cut to 64", len(got))
	}
}

func TestDrawBadImage(t *testing.T) {
	empty := gocv.NewMat()
	defer empty.Close()
	gray := gocv.NewMatWithSize(10, 10, gocv.MatTypeCV8UC1)
	defer gray.Close()
	for _, m := range []*gocv.Mat{nil, &empty, &gray} {
		if err := Draw(m, nil, nil, Options{}); !errors.Is(err, ErrImage) {
			t.Errorf("got %v, want ErrImage", err)
		}
	}
}

var sink error

func BenchmarkDraw(b *testing.B) {
	img := grey(1920, 1080)
	defer img.Close()
	set := &skeleton.BODY25B
	people := make([]Person, 4)
	for i := range people {
		pts := make([]r2.Vec, set.Len())
		for j := range pts {
			pts[j] = r2.Vec{X: 300 + 400*float64(i) + 7*float64(j%5), Y: 200 + 25*float64(j)}
		}
		people[i] = Person{ID: i + 1, Label: "Lane " + string(rune('1'+i)), Points: pts, Speed: 9.5, StepLength: 2.2, ContactTime: 0.1}
	}
	b.ReportAllocs()
	for b.Loop() {
		sink = Draw(&img, people, set.Limbs, Options{})
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/frame")
}
