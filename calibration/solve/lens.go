package solve

import (
	"math"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/spatial/r3"
)

// nIntrinsics is the length of the intrinsic parameter vector the solvers
// differentiate: fx, fy, cx, cy, then the distortion coefficients in
// OpenCV's order (k1, k2, p1, p2, k3, or k1..k4 and an unused slot for the
// fisheye model).
const nIntrinsics = 9

// lens is the camera model of calibration.Camera — pinhole, skew,
// Brown–Conrady or equidistant fisheye distortion — with the derivatives
// the solvers need, which calibration.Camera does not provide. The tests
// check that both compute the same pixels.
type lens struct {
	fx, fy, cx, cy, skew float64
	k                    [5]float64
	fisheye              bool
}

func lensOf(c *calibration.Camera) lens {
	l := lens{
		fx: c.K[0][0], fy: c.K[1][1], cx: c.K[0][2], cy: c.K[1][2], skew: c.K[0][1],
		fisheye: c.Fisheye,
	}
	copy(l.k[:], c.Dist)
	if l.fisheye {
		l.k[4] = 0
	}
	return l
}

// params writes fx, fy, cx, cy, k… into q.
func (l *lens) params(q *[nIntrinsics]float64) {
	q[0], q[1], q[2], q[3] = l.fx, l.fy, l.cx, l.cy
	copy(q[4:], l.k[:])
}

// setParams is the inverse of params; the skew stays.
func (l *lens) setParams(q *[nIntrinsics]float64) {
	l.fx, l.fy, l.cx, l.cy = q[0], q[1], q[2], q[3]
	copy(l.k[:], q[4:])
	if l.fisheye {
		l.k[4] = 0
	}
}

// nDist is the number of distortion coefficients of the model.
func (l *lens) nDist() int {
	if l.fisheye {
		return 4
	}
	return 5
}

// camera returns the lens as a calibration.Camera at the origin.
func (l *lens) camera(width, height int) calibration.Camera {
	return calibration.Camera{
		Width: width, Height: height,
		K:       [3][3]float64{{l.fx, l.skew, l.cx}, {0, l.fy, l.cy}, {0, 0, 1}},
		Dist:    append([]float64(nil), l.k[:l.nDist()]...),
		Fisheye: l.fisheye,
		R:       identity3,
	}
}

var identity3 = [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}

// pixel maps camera coordinates xc to a pixel; ok is false when xc is not
// in front of the camera. When dXc is not nil it receives ∂(u, v)/∂xc;
// when dIn is not nil, ∂(u, v)/∂(fx, fy, cx, cy, k…).
func (l *lens) pixel(xc r3.Vec, dXc *[2][3]float64, dIn *[2][nIntrinsics]float64) (u, v float64, ok bool) {
	if !(xc.Z > 0) {
		return 0, 0, false
	}
	iz := 1 / xc.Z
	x, y := xc.X*iz, xc.Y*iz
	var xd, yd float64
	var dd [2][2]float64 // ∂(xd, yd)/∂(x, y)
	var dk [2][5]float64 // ∂(xd, yd)/∂k
	if l.fisheye {
		xd, yd = l.fisheyeDistort(x, y, &dd, &dk)
	} else {
		xd, yd = l.brownDistort(x, y, &dd, &dk)
	}
	u = l.fx*xd + l.skew*yd + l.cx
	v = l.fy*yd + l.cy
	if dIn != nil {
		*dIn = [2][nIntrinsics]float64{
			{xd, 0, 1, 0},
			{0, yd, 0, 1},
		}
		for j := range l.nDist() {
			dIn[0][4+j] = l.fx*dk[0][j] + l.skew*dk[1][j]
			dIn[1][4+j] = l.fy * dk[1][j]
		}
	}
	if dXc != nil {
		// ∂(u, v)/∂(x, y) = [fx s; 0 fy]·dd, then ∂(x, y)/∂xc.
		a00 := l.fx*dd[0][0] + l.skew*dd[1][0]
		a01 := l.fx*dd[0][1] + l.skew*dd[1][1]
		a10 := l.fy * dd[1][0]
		a11 := l.fy * dd[1][1]
		*dXc = [2][3]float64{
			{a00 * iz, a01 * iz, -(a00*x + a01*y) * iz},
			{a10 * iz, a11 * iz, -(a10*x + a11*y) * iz},
		}
	}
	return u, v, true
}

// brownDistort applies k1, k2, p1, p2, k3 to (x, y).
func (l *lens) brownDistort(x, y float64, dd *[2][2]float64, dk *[2][5]float64) (xd, yd float64) {
	k1, k2, p1, p2, k3 := l.k[0], l.k[1], l.k[2], l.k[3], l.k[4]
	r2 := x*x + y*y
	r4 := r2 * r2
	radial := 1 + r2*(k1+r2*(k2+r2*k3))
	xd = x*radial + 2*p1*x*y + p2*(r2+2*x*x)
	yd = y*radial + p1*(r2+2*y*y) + 2*p2*x*y
	dr := k1 + r2*(2*k2+3*k3*r2) // ∂radial/∂r2
	dd[0][0] = radial + 2*x*x*dr + 2*p1*y + 6*p2*x
	dd[0][1] = 2*x*y*dr + 2*p1*x + 2*p2*y
	dd[1][0] = dd[0][1]
	dd[1][1] = radial + 2*y*y*dr + 6*p1*y + 2*p2*x
	*dk = [2][5]float64{
		{x * r2, x * r4, 2 * x * y, r2 + 2*x*x, x * r4 * r2},
		{y * r2, y * r4, r2 + 2*y*y, 2 * x * y, y * r4 * r2},
	}
	return xd, yd
}

// fisheyeDistort applies the equidistant model: the ray at angle θ from
// the axis lands at radius θ·(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸).
func (l *lens) fisheyeDistort(x, y float64, dd *[2][2]float64, dk *[2][5]float64) (xd, yd float64) {
	r := math.Hypot(x, y)
	if r < 1e-12 {
		// The limit at the axis: identity, and the coefficients act at
		// order r³ and above.
		*dd = [2][2]float64{{1, 0}, {0, 1}}
		*dk = [2][5]float64{}
		return x, y
	}
	th := math.Atan(r)
	t2 := th * th
	k1, k2, k3, k4 := l.k[0], l.k[1], l.k[2], l.k[3]
	thd := th * (1 + t2*(k1+t2*(k2+t2*(k3+t2*k4))))
	s := thd / r
	// ∂θd/∂r = ∂θd/∂θ · ∂θ/∂r, and ∂s/∂r = (∂θd/∂r − s)/r.
	dthd := (1 + t2*(3*k1+t2*(5*k2+t2*(7*k3+t2*9*k4)))) / (1 + r*r)
	ds := (dthd - s) / r
	dd[0][0] = s + x*x/r*ds
	dd[0][1] = x * y / r * ds
	dd[1][0] = dd[0][1]
	dd[1][1] = s + y*y/r*ds
	// ∂θd/∂k_i = θ^(2i+1); ∂xd/∂k_i = x/r · θ^(2i+1).
	p := th / r
	*dk = [2][5]float64{}
	for i := range 4 {
		p *= t2
		dk[0][i], dk[1][i] = x*p, y*p
	}
	return x * s, y * s
}

// rigid is a pose linearised for its rotation vector ω: R(ω) and the map
// whose columns turn into ∂(R·X)/∂ω.
type rigid struct {
	r [3][3]float64
	// jw is (ωωᵀ + (Rᵀ − I)·[ω]×)/‖ω‖², from Gallego and Yezzi, "A
	// compact formula for the derivative of a 3-D rotation in exponential
	// coordinates" (2015): ∂(R·X)/∂ω = −R·[X]×·jw.
	jw [3][3]float64
	t  r3.Vec
}

func rigidOf(w, t r3.Vec) rigid {
	p := rigid{r: calibration.Rodrigues(w), t: t}
	th2 := r3.Dot(w, w)
	if th2 < 1e-24 {
		// R = I + [ω]× + O(θ²), so jw = I + O(θ).
		p.jw = identity3
		return p
	}
	wx := [3][3]float64{{0, -w.Z, w.Y}, {w.Z, 0, -w.X}, {-w.Y, w.X, 0}}
	wv := [3]float64{w.X, w.Y, w.Z}
	for i := range 3 {
		for j := range 3 {
			// (Rᵀ − I)·[ω]×
			var s float64
			for k := range 3 {
				rt := p.r[k][i]
				if k == i {
					rt--
				}
				s += rt * wx[k][j]
			}
			p.jw[i][j] = (wv[i]*wv[j] + s) / th2
		}
	}
	return p
}

// apply returns xc = R·X + t and, when dw is not nil, ∂xc/∂ω. (∂xc/∂t is
// the identity.)
func (p *rigid) apply(X r3.Vec, dw *[3][3]float64) r3.Vec {
	xc := r3.Vec{
		X: p.r[0][0]*X.X + p.r[0][1]*X.Y + p.r[0][2]*X.Z + p.t.X,
		Y: p.r[1][0]*X.X + p.r[1][1]*X.Y + p.r[1][2]*X.Z + p.t.Y,
		Z: p.r[2][0]*X.X + p.r[2][1]*X.Y + p.r[2][2]*X.Z + p.t.Z,
	}
	if dw != nil {
		// Column c of −[X]×·jw is jw_c × X; then R times it.
		for c := range 3 {
			jc := r3.Vec{X: p.jw[0][c], Y: p.jw[1][c], Z: p.jw[2][c]}
			q := r3.Cross(jc, X)
			dw[0][c] = p.r[0][0]*q.X + p.r[0][1]*q.Y + p.r[0][2]*q.Z
			dw[1][c] = p.r[1][0]*q.X + p.r[1][1]*q.Y + p.r[1][2]*q.Z
			dw[2][c] = p.r[2][0]*q.X + p.r[2][1]*q.Y + p.r[2][2]*q.Z
		}
	}
	return xc
}

// poseBlock writes ∂(u, v)/∂(ω, t), one point's pixel with respect to a
// pose, into d, from ∂(u, v)/∂xc and ∂xc/∂ω.
func poseBlock(d *[2][6]float64, dXc *[2][3]float64, dw *[3][3]float64) {
	for i := range 2 {
		for c := range 3 {
			d[i][c] = dXc[i][0]*dw[0][c] + dXc[i][1]*dw[1][c] + dXc[i][2]*dw[2][c]
			d[i][3+c] = dXc[i][c]
		}
	}
}
