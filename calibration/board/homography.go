package board

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// homography maps plane points (board coordinates) to pixels:
// (u, v, w)ᵀ = H·(x, y, 1)ᵀ, row-major.
type homography [9]float64

// apply returns the pixel of board point (x, y); ok is false when it maps
// to infinity or behind the camera's horizon.
func (h *homography) apply(x, y float64) (p [2]float64, ok bool) {
	w := h[6]*x + h[7]*y + h[8]
	if !(w > 1e-12) {
		return p, false
	}
	return [2]float64{(h[0]*x + h[1]*y + h[2]) / w, (h[3]*x + h[4]*y + h[5]) / w}, true
}

// fitHomography fits H to at least four correspondences src[i] → dst[i] by
// the normalised direct linear transform (Hartley & Zisserman, Alg. 4.2):
// both point sets are centred and scaled to mean distance √2, H is the
// right singular vector of the smallest singular value, and the
// normalisation is undone. The result is scaled so that w = 1 at src[0].
// ok is false for fewer than four points or a configuration that does not
// fix a non-singular H (points on a line, three of four on a line).
func fitHomography(src, dst [][2]float64) (h homography, ok bool) {
	n := len(src)
	if n < 4 || len(dst) != n {
		return h, false
	}
	ts, oks := normaliser(src)
	td, okd := normaliser(dst)
	if !oks || !okd {
		return h, false
	}
	a := mat.NewDense(2*n, 9, nil)
	for i := range n {
		x, y := ts.apply(src[i])
		u, v := td.apply(dst[i])
		a.SetRow(2*i, []float64{x, y, 1, 0, 0, 0, -u * x, -u * y, -u})
		a.SetRow(2*i+1, []float64{0, 0, 0, x, y, 1, -v * x, -v * y, -v})
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDFull) {
		return h, false
	}
	sv := svd.Values(nil)
	// Eight constraints fix H; a second (near) null vector means the
	// points do not.
	if len(sv) >= 8 && !(sv[7] > 1e-9*sv[0]) {
		return h, false
	}
	var v mat.Dense
	svd.VTo(&v)
	var hn homography
	for i := range 9 {
		hn[i] = v.At(i, 8)
	}
	// hn has unit norm: a determinant near 0 means a singular map, as
	// three collinear points of four give.
	if math.Abs(hn.det()) < 1e-9 {
		return h, false
	}
	// H = Td⁻¹ · Hn · Ts.
	h = td.inverse().mul(hn.mul(ts.matrix()))
	w := h[6]*src[0][0] + h[7]*src[0][1] + h[8]
	if !(math.Abs(w) > 1e-12*(math.Abs(h[0])+math.Abs(h[4]))) {
		return h, false
	}
	for i := range h {
		h[i] /= w
	}
	return h, true
}

func (h homography) det() float64 {
	return h[0]*(h[4]*h[8]-h[5]*h[7]) - h[1]*(h[3]*h[8]-h[5]*h[6]) + h[2]*(h[3]*h[7]-h[4]*h[6])
}

// mul returns h·g.
func (h homography) mul(g homography) homography {
	var r homography
	for i := range 3 {
		for j := range 3 {
			r[3*i+j] = h[3*i]*g[j] + h[3*i+1]*g[3+j] + h[3*i+2]*g[6+j]
		}
	}
	return r
}

// similarity is p ↦ s·(p − c), the DLT's conditioning transform.
type similarity struct {
	cx, cy, s float64
}

func normaliser(pts [][2]float64) (similarity, bool) {
	var t similarity
	for _, p := range pts {
		t.cx += p[0]
		t.cy += p[1]
	}
	t.cx /= float64(len(pts))
	t.cy /= float64(len(pts))
	var d float64
	for _, p := range pts {
		d += math.Hypot(p[0]-t.cx, p[1]-t.cy)
	}
	d /= float64(len(pts))
	if !(d > 0) || math.IsInf(d, 0) {
		return t, false
	}
	t.s = math.Sqrt2 / d
	return t, true
}

func (t similarity) apply(p [2]float64) (x, y float64) {
	return t.s * (p[0] - t.cx), t.s * (p[1] - t.cy)
}

func (t similarity) matrix() homography {
	return homography{t.s, 0, -t.s * t.cx, 0, t.s, -t.s * t.cy, 0, 0, 1}
}

func (t similarity) inverse() homography {
	return homography{1 / t.s, 0, t.cx, 0, 1 / t.s, t.cy, 0, 0, 1}
}
