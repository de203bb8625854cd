package solve

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/athlete3d/athlete3d/calibration"
)

// Homography returns the plane-to-image homography H with
// dst[i] ≃ H·(src[i], 1): src holds points of a plane in its own 2D
// coordinates (a board's X, Y), dst their images (pixels, or normalised
// coordinates). It is the direct linear transform over all points with
// Hartley's normalisation: both point sets are moved to their centroid and
// scaled to a mean distance of √2 before the SVD, which is what makes the
// linear system well conditioned with pixel coordinates in the thousands.
// It minimises an algebraic error, not the reprojection error: it is a
// starting point for a refinement, exact only for exact data.
//
// H is scaled to unit Frobenius norm with H[2][2] ≥ 0. Fewer than four
// points give ErrTooFewPoints; coincident or collinear points on either
// side, which leave H undetermined, or points no invertible homography
// fits, ErrDegenerate; non-finite coordinates or lists of different
// lengths, ErrInvalid.
func Homography(src, dst [][2]float64) ([3][3]float64, error) {
	var H [3][3]float64
	n := len(src)
	if len(dst) != n {
		return H, fmt.Errorf("%w: %d plane points, %d image points", ErrInvalid, n, len(dst))
	}
	if n < 4 {
		return H, fmt.Errorf("%w: %d points, a homography needs 4", ErrTooFewPoints, n)
	}
	for i := range n {
		if !isFinite(src[i][0]) || !isFinite(src[i][1]) || !isFinite(dst[i][0]) || !isFinite(dst[i][1]) {
			return H, fmt.Errorf("%w: point %d: non-finite coordinate", ErrInvalid, i)
		}
	}
	ts, err := hartley(src)
	if err != nil {
		return H, fmt.Errorf("plane points: %w", err)
	}
	td, err := hartley(dst)
	if err != nil {
		return H, fmt.Errorf("image points: %w", err)
	}

	// Each correspondence gives two rows of A·h = 0, h the rows of H.
	rows := make([]float64, 2*n*9)
	for i := range n {
		x, y := ts.apply(src[i])
		u, v := td.apply(dst[i])
		copy(rows[18*i:], []float64{
			x, y, 1, 0, 0, 0, -u * x, -u * y, -u,
			0, 0, 0, x, y, 1, -v * x, -v * y, -v,
		})
	}
	a := mat.NewDense(2*n, 9, rows)
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDFullV) {
		return H, fmt.Errorf("%w: SVD did not converge", ErrDegenerate)
	}
	s := svd.Values(nil)
	// A one-dimensional null space makes H unique; a second small singular
	// value means a family of homographies fits as well.
	if !(s[7] > 1e-10*s[0]) {
		return H, fmt.Errorf("%w: homography not determined by the points (singular values %.3g ≤ 1e-10·%.3g)", ErrDegenerate, s[7], s[0])
	}
	var vt mat.Dense
	svd.VTo(&vt)
	var hn [3][3]float64
	for k := range 9 {
		hn[k/3][k%3] = vt.At(k, 8)
	}
	// A homography is invertible; a singular fit means the points admit
	// none, as when three of four plane points are collinear and their
	// images are not.
	if !(math.Abs(m3det(hn)) > 1e-10) {
		return H, fmt.Errorf("%w: the best fit is singular (det %.3g): no homography maps these points", ErrDegenerate, m3det(hn))
	}
	// Undo the normalisations: H = Td⁻¹·Hn·Ts.
	H = calibration.MatMul(td.inverse(), calibration.MatMul(hn, ts.matrix()))
	var norm float64
	for i := range 3 {
		for j := range 3 {
			norm += H[i][j] * H[i][j]
		}
	}
	norm = math.Sqrt(norm)
	if H[2][2] < 0 {
		norm = -norm
	}
	for i := range 3 {
		for j := range 3 {
			H[i][j] /= norm
		}
	}
	return H, nil
}

// hartleyMap is the normalising map p ↦ s·(p − c).
type hartleyMap struct {
	cx, cy, s float64
}

// hartley returns the hartleyMap that moves pts to their centroid and
// scales them to a mean distance of √2 from it. It fails with ErrDegenerate
// when the points are coincident or collinear.
func hartley(pts [][2]float64) (hartleyMap, error) {
	var t hartleyMap
	n := float64(len(pts))
	for _, p := range pts {
		t.cx += p[0]
		t.cy += p[1]
	}
	t.cx /= n
	t.cy /= n
	var dist, sxx, sxy, syy float64
	for _, p := range pts {
		dx, dy := p[0]-t.cx, p[1]-t.cy
		dist += math.Hypot(dx, dy)
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	dist /= n
	if !(dist > 0) || !isFinite(dist) {
		return t, fmt.Errorf("%w: all %d points coincide", ErrDegenerate, len(pts))
	}
	// Eigenvalues of the 2×2 scatter matrix: a tiny ratio is a line.
	tr, det := sxx+syy, sxx*syy-sxy*sxy
	disc := math.Sqrt(math.Max(0, tr*tr/4-det))
	lmax, lmin := tr/2+disc, tr/2-disc
	if !(lmin > 1e-10*lmax) {
		return t, fmt.Errorf("%w: all %d points on one line", ErrDegenerate, len(pts))
	}
	t.s = math.Sqrt2 / dist
	return t, nil
}

func (t hartleyMap) apply(p [2]float64) (x, y float64) {
	return t.s * (p[0] - t.cx), t.s * (p[1] - t.cy)
}

func (t hartleyMap) matrix() [3][3]float64 {
	return [3][3]float64{{t.s, 0, -t.s * t.cx}, {0, t.s, -t.s * t.cy}, {0, 0, 1}}
}

func (t hartleyMap) inverse() [3][3]float64 {
	return [3][3]float64{{1 / t.s, 0, t.cx}, {0, 1 / t.s, t.cy}, {0, 0, 1}}
}
