package solve

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/athlete3d/athlete3d/calibration"
)

// Limits on a closed-form starting camera: outside them the closed form
// is taken as ill-conditioned.
const (
	// maxCentreOffset bounds the principal point's distance from the
	// image centre, per axis, as a fraction of the image's width or
	// height.
	maxCentreOffset = 0.25
	// minFocal and maxFocal bound the focal length, in units of the
	// image's larger side: 0.05 is a pinhole field of view of 169°, 100 one
	// under 0.6°.
	minFocal, maxFocal = 0.05, 100.0
)

// zhang returns a starting lens without distortion from the views'
// board-to-pixel homographies. The image is first mapped to coordinates
// centred on the image centre and scaled by its larger side, where the
// closed form is well conditioned. With fixPP the principal point is the
// image centre; with square, fx = fy.
func zhang(views []View, used []int, width, height int, fixPP, square bool) (lens, error) {
	side := float64(max(width, height))
	c0x, c0y := float64(width-1)/2, float64(height-1)/2
	norm := [3][3]float64{{1 / side, 0, -c0x / side}, {0, 1 / side, -c0y / side}, {0, 0, 1}}
	hs := make([][3][3]float64, 0, len(used))
	plane := make([][2]float64, 0, 64)
	for _, v := range used {
		plane = plane[:0]
		for _, X := range views[v].Obj {
			plane = append(plane, [2]float64{X.X, X.Y})
		}
		H, err := Homography(plane, views[v].Pix)
		if err != nil {
			return lens{}, fmt.Errorf("view %d %q: board homography: %w", v, views[v].Label, err)
		}
		hs = append(hs, frobeniusUnit(calibration.MatMul(norm, H)))
	}

	var fx, fy, cx, cy float64
	ok := false
	if !fixPP {
		fx, fy, cx, cy, ok = zhangClosedForm(hs)
		ok = ok && math.Abs(cx)*side <= maxCentreOffset*float64(width) &&
			math.Abs(cy)*side <= maxCentreOffset*float64(height)
	}
	if !ok {
		cx, cy = 0, 0
		fx, fy, ok = focalsAtCentre(hs, square)
	}
	if !ok {
		return lens{}, fmt.Errorf("%w: the %d views do not determine a focal length (boards all nearly square to the camera, or parallel)", ErrDegenerate, len(used))
	}
	if square {
		f := math.Sqrt(fx * fy)
		fx, fy = f, f
	}
	return lens{fx: fx * side, fy: fy * side, cx: cx*side + c0x, cy: cy*side + c0y}, nil
}

// zhangClosedForm solves Zhang's linear system for B = K⁻ᵀ·K⁻¹ with zero
// skew imposed (B12 = 0), from the orthogonality and equal norm of each
// homography's first two columns in the metric B, and reads the
// intrinsics off B. ok is false when B is not determined, or not the
// metric of a camera with an aspect ratio in [0.5, 2] and a focal length
// in [minFocal, maxFocal].
func zhangClosedForm(hs [][3][3]float64) (fx, fy, cx, cy float64, ok bool) {
	// b = (B11, B22, B13, B23, B33); v(i, j)·b = h_iᵀ·B·h_j.
	v := func(H *[3][3]float64, i, j int) [5]float64 {
		return [5]float64{
			H[0][i] * H[0][j],
			H[1][i] * H[1][j],
			H[2][i]*H[0][j] + H[0][i]*H[2][j],
			H[2][i]*H[1][j] + H[1][i]*H[2][j],
			H[2][i] * H[2][j],
		}
	}
	rows := make([]float64, 0, 10*len(hs))
	for k := range hs {
		v12, v11, v22 := v(&hs[k], 0, 1), v(&hs[k], 0, 0), v(&hs[k], 1, 1)
		rows = append(rows, v12[:]...)
		for c := range 5 {
			rows = append(rows, v11[c]-v22[c])
		}
	}
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(2*len(hs), 5, rows), mat.SVDFullV) {
		return 0, 0, 0, 0, false
	}
	sv := svd.Values(nil)
	if !(sv[3] > 1e-9*sv[0]) {
		return 0, 0, 0, 0, false
	}
	var vt mat.Dense
	svd.VTo(&vt)
	b := [5]float64{vt.At(0, 4), vt.At(1, 4), vt.At(2, 4), vt.At(3, 4), vt.At(4, 4)}
	if b[0] < 0 {
		for c := range b {
			b[c] = -b[c]
		}
	}
	b11, b22, b13, b23, b33 := b[0], b[1], b[2], b[3], b[4]
	if !(b11 > 0) || !(b22 > 0) {
		return 0, 0, 0, 0, false
	}
	cx, cy = -b13/b11, -b23/b22
	lambda := b33 - b13*b13/b11 - b23*b23/b22
	fx, fy = math.Sqrt(lambda/b11), math.Sqrt(lambda/b22)
	return fx, fy, cx, cy, plausibleFocals(fx, fy)
}

// focalsAtCentre solves the same constraints for fx and fy alone with the
// principal point at the origin (cv::initCameraMatrix2D's method): with
// ω = diag(1/fx², 1/fy², 1), h1ᵀωh2 = 0 and h1ᵀωh1 = h2ᵀωh2 are linear
// in (1/fx², 1/fy²). With square, or when the two focals come out
// implausible, a single f is solved.
func focalsAtCentre(hs [][3][3]float64, square bool) (fx, fy float64, ok bool) {
	// Normal equations of the least-squares system, accumulated.
	var a00, a01, a11, r0, r1 float64
	for k := range hs {
		H := &hs[k]
		h := [3]float64{H[0][0], H[1][0], H[2][0]}
		g := [3]float64{H[0][1], H[1][1], H[2][1]}
		eqs := [2][3]float64{
			{h[0] * g[0], h[1] * g[1], -h[2] * g[2]},
			{h[0]*h[0] - g[0]*g[0], h[1]*h[1] - g[1]*g[1], -(h[2]*h[2] - g[2]*g[2])},
		}
		for _, e := range eqs {
			a00 += e[0] * e[0]
			a01 += e[0] * e[1]
			a11 += e[1] * e[1]
			r0 += e[0] * e[2]
			r1 += e[1] * e[2]
		}
	}
	if !square {
		if det := a00*a11 - a01*a01; det > 1e-12*(a00*a11) {
			p, q := (a11*r0-a01*r1)/det, (a00*r1-a01*r0)/det
			if p > 0 && q > 0 {
				fx, fy = 1/math.Sqrt(p), 1/math.Sqrt(q)
				if plausibleFocals(fx, fy) {
					return fx, fy, true
				}
			}
		}
	}
	// One unknown, p = 1/f², with the two columns summed.
	den := a00 + 2*a01 + a11
	if !(den > 0) {
		return 0, 0, false
	}
	p := (r0 + r1) / den
	if !(p > 0) {
		return 0, 0, false
	}
	f := 1 / math.Sqrt(p)
	return f, f, plausibleFocals(f, f)
}

func plausibleFocals(fx, fy float64) bool {
	ratio := fx / fy
	return fx >= minFocal && fx <= maxFocal && fy >= minFocal && fy <= maxFocal &&
		ratio >= 0.5 && ratio <= 2
}

func frobeniusUnit(h [3][3]float64) [3][3]float64 {
	var s float64
	for i := range 3 {
		for j := range 3 {
			s += h[i][j] * h[i][j]
		}
	}
	s = math.Sqrt(s)
	for i := range 3 {
		for j := range 3 {
			h[i][j] /= s
		}
	}
	return h
}
