package board

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"gocv.io/x/gocv"
)

// scene is a synthetic view of a board: Render's image warped by a known
// homography, blurred and noisy, with the true pixel of every corner.
type scene struct {
	spec  Spec
	px    int           // render pixels per square
	quad  [4][2]float64 // where the render's corners land, clockwise from top-left
	size  image.Point
	blur  float64 // Gaussian sigma, scene pixels
	noise float64 // Gaussian noise sigma, gray levels
	seed  uint64
}

// make returns the scene's image (8-bit gray, for the caller to close) and
// the true pixel of each corner id. Each scene pixel integrates 4×4
// samples of the warped render, as a sensor's pixel integrates light, so
// that a board seen small is not aliased.
func (sc scene) make(t testing.TB) (gocv.Mat, [][2]float64) {
	t.Helper()
	board, err := Render(sc.spec, sc.px)
	if err != nil {
		t.Fatal(err)
	}
	defer board.Close()

	// Pixel-centre coordinates: the render's outer edges are at -0.5 and
	// size-0.5, its squares' edges at multiples of px minus 0.5.
	w, h := float64(board.Cols())-0.5, float64(board.Rows())-0.5
	src := [][2]float64{{-0.5, -0.5}, {w, -0.5}, {w, h}, {-0.5, h}}
	hom, ok := fitHomography(src, sc.quad[:])
	if !ok {
		t.Fatalf("degenerate quad %v", sc.quad)
	}
	// Scene pixel p covers supersampled pixels 4p-1.5 .. 4p+1.5.
	const ss = 4
	super := homography{ss, 0, (ss - 1) / 2., 0, ss, (ss - 1) / 2., 0, 0, 1}.mul(hom)
	m := gocv.NewMatWithSize(3, 3, gocv.MatTypeCV64F)
	defer m.Close()
	for i, v := range super {
		m.SetDoubleAt(i/3, i%3, v)
	}
	big := gocv.NewMat()
	defer big.Close()
	gocv.WarpPerspectiveWithParams(board, &big, m, sc.size.Mul(ss), gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{128, 128, 128, 0})
	img := gocv.NewMat()
	gocv.Resize(big, &img, sc.size, 0, 0, gocv.InterpolationArea)
	if sc.blur > 0 {
		k := 2*int(math.Ceil(3*sc.blur)) + 1
		gocv.GaussianBlur(img, &img, image.Pt(k, k), sc.blur, sc.blur, gocv.BorderReplicate)
	}
	if sc.noise > 0 {
		rng := rand.New(rand.NewPCG(sc.seed, 1))
		b := img.ToBytes()
		for i := range b {
			b[i] = uint8(max(0, min(255, math.Round(float64(b[i])+sc.noise*rng.NormFloat64()))))
		}
		noisy, err := gocv.NewMatFromBytes(img.Rows(), img.Cols(), gocv.MatTypeCV8UC1, b)
		if err != nil {
			t.Fatal(err)
		}
		img.Close()
		img = noisy
	}

	// Corner (x, y) of the board is at render pixel (x/s + off)·px - 0.5,
	// off counting the margin (and a chessboard's outer squares).
	off := 1.0
	if sc.spec.Kind == Chessboard {
		off = 2
	}
	pts := sc.spec.Points()
	truth := make([][2]float64, len(pts))
	for i, p := range pts {
		rx := (p.X/sc.spec.Square+off)*float64(sc.px) - 0.5
		ry := (p.Y/sc.spec.Square+off)*float64(sc.px) - 0.5
		truth[i], _ = hom.apply(rx, ry)
	}
	return img, truth
}

// views are board placements in a 640×480 image: frontal, turned, tilted,
// upside down, small.
var views = []struct {
	name string
	quad [4][2]float64
}{
	{"frontal", [4][2]float64{{60, 40}, {580, 50}, {570, 440}, {70, 430}}},
	{"rotated 30 degrees", [4][2]float64{{200, 20}, {600, 250}, {420, 460}, {20, 230}}},
	{"tilted left", [4][2]float64{{80, 100}, {560, 20}, {560, 460}, {80, 380}}},
	{"tilted back", [4][2]float64{{160, 60}, {480, 60}, {620, 420}, {20, 420}}},
	{"upside down", [4][2]float64{{580, 440}, {60, 430}, {70, 40}, {570, 50}}},
	{"small", [4][2]float64{{250, 180}, {420, 190}, {410, 320}, {240, 310}}},
}
