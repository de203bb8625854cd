package solve

import (
	"fmt"
	"math"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// World alignment. A multi-camera solve returns the cameras in an arbitrary
// world frame (the reference camera's, see BoardBundle). Aligning it to a
// physical frame is a change of coordinates X' = s·R·X + t applied to the
// whole scene; projections do not change, so each camera is re-expressed:
// from Xc = Rc·X + Tc and X = Rᵀ·(X' − t)/s, and because camera coordinates
// are metres too and so scale with the scene (Xc' = s·Xc),
//
//	Rc' = Rc·Rᵀ,  Tc' = s·Tc − Rc·Rᵀ·t.
//
// A rigid change (s = 1) keeps every distance; a similarity also fixes the
// scale, which board-free solves (RefineFromKeypoints) know only up to
// their gauge.

// Similarity is the change of world coordinates X' = S·R·X + T (S > 0, R a
// rotation). S is 1 for a rigid change.
type Similarity struct {
	S float64
	R [3][3]float64
	T r3.Vec
}

// Apply returns X in the new coordinates.
func (s Similarity) Apply(X r3.Vec) r3.Vec {
	return r3.Add(r3.Scale(s.S, calibration.MatVec(s.R, X)), s.T)
}

// Cameras returns copies of cams re-expressed in the new coordinates (see
// the derivation above); intrinsics and distortion are shared, not copied.
func (s Similarity) Cameras(cams []calibration.Camera) []calibration.Camera {
	out := make([]calibration.Camera, len(cams))
	for i, c := range cams {
		rr := calibration.MatMul(c.R, calibration.Transpose(s.R))
		c.T = r3.Sub(r3.Scale(s.S, c.T), calibration.MatVec(rr, s.T))
		c.R = rr
		out[i] = c
	}
	return out
}

// AlignToBoard moves the world onto a board: board is the board→world pose
// at one frame (a BundleResult board pose, for instance). The new world
// has its origin at the board's origin corner and x along the board's x
// axis (its rows); z is normal to the board, pointing to the side the
// cameras see it from (the side holding the majority of the camera
// centres), and y completes a right-handed frame. OpenCV's board frame has
// z into the board, away from the cameras that see it, so usually this
// turns the board frame by 180° about x: a board lying face up on the
// ground then gives the project's z-up world.
func AlignToBoard(cams []calibration.Camera, board Pose) ([]calibration.Camera, Similarity, error) {
	if !finiteRigid(board.R, board.T) {
		return nil, Similarity{}, fmt.Errorf("align to board: %w: non-finite or non-rotation board pose", ErrDegenerate)
	}
	// Board frame from world: P = Rbᵀ·(X − Tb).
	rbT := calibration.Transpose(board.R)
	side := 0
	for i := range cams {
		p := calibration.MatVec(rbT, r3.Sub(cams[i].Center(), board.T))
		switch {
		case p.Z > 0:
			side++
		case p.Z < 0:
			side--
		}
	}
	r := rbT
	if side < 0 {
		// Turn by 180° about the board's x axis: y and z change sign.
		flip := [3][3]float64{{1, 0, 0}, {0, -1, 0}, {0, 0, -1}}
		r = calibration.MatMul(flip, rbT)
	}
	s := Similarity{S: 1, R: r, T: r3.Scale(-1, calibration.MatVec(r, board.T))}
	return s.Cameras(cams), s, nil
}

// AlignAxes moves the world so that origin (in current coordinates)
// becomes the new origin, up the new z axis and xDir, made orthogonal to
// up, the new x axis; y = z × x. Typical use: origin a point on the start
// line, xDir along the running direction, up the ground's normal.
func AlignAxes(cams []calibration.Camera, origin, xDir, up r3.Vec) ([]calibration.Camera, Similarity, error) {
	if !finiteVec(origin) || !finiteVec(xDir) || !finiteVec(up) {
		return nil, Similarity{}, fmt.Errorf("align axes: %w: non-finite origin or axis", ErrDegenerate)
	}
	if r3.Norm(up) == 0 {
		return nil, Similarity{}, fmt.Errorf("align axes: %w: zero up vector", ErrDegenerate)
	}
	z := r3.Unit(up)
	x := r3.Sub(xDir, r3.Scale(r3.Dot(xDir, z), z))
	// Gram–Schmidt loses x when xDir is (nearly) along up.
	if r3.Norm(x) < 1e-6*r3.Norm(xDir) || r3.Norm(x) == 0 {
		return nil, Similarity{}, fmt.Errorf("align axes: %w: x direction parallel to up", ErrDegenerate)
	}
	x = r3.Unit(x)
	y := r3.Cross(z, x)
	// The rows of R are the new axes in old coordinates: X' = R·(X − origin).
	r := [3][3]float64{{x.X, x.Y, x.Z}, {y.X, y.Y, y.Z}, {z.X, z.Y, z.Z}}
	s := Similarity{S: 1, R: r, T: r3.Scale(-1, calibration.MatVec(r, origin))}
	return s.Cameras(cams), s, nil
}

// AlignToPoints moves the world so that points measured in the current
// coordinates (triangulated, typically) land on their surveyed world
// coordinates: measured[i] ↔ world[i]. With scale the fit is a similarity,
// otherwise rigid. It returns the cameras, the change of coordinates and
// the RMS distance of the fitted points to their world coordinates (m).
func AlignToPoints(cams []calibration.Camera, world, measured []r3.Vec, scale bool) ([]calibration.Camera, Similarity, float64, error) {
	s, rms, err := FitSimilarity(world, measured, scale)
	if err != nil {
		return nil, Similarity{}, 0, fmt.Errorf("align to points: %w", err)
	}
	return s.Cameras(cams), s, rms, nil
}

// FitSimilarity returns the change of coordinates that takes src onto dst
// in the least-squares sense, min Σ‖dst_i − (S·R·src_i + T)‖², with S = 1
// unless scale, and the RMS residual (Umeyama 1991; Horn 1987 for the
// rigid case).
//
// With the centroids μs, μd and the cross-covariance Σ = (1/n)·Σ (dst_i −
// μd)(src_i − μs)ᵀ = U·D·Vᵀ (SVD), the rotation is R = U·diag(1, 1, d)·Vᵀ
// where d = sign(det U·det V) rules out a reflection; the scale is S =
// tr(D·diag(1, 1, d)) / σs², σs² the mean squared distance of src to μs;
// then T = μd − S·R·μs. Σ of rank < 2 (fewer than three points, or all on
// a line) leaves the rotation about that line free: ErrDegenerate.
func FitSimilarity(dst, src []r3.Vec, scale bool) (Similarity, float64, error) {
	n := len(src)
	if len(dst) != n {
		return Similarity{}, 0, fmt.Errorf("%w: %d destination points for %d source points", ErrDegenerate, len(dst), n)
	}
	if n < 3 {
		return Similarity{}, 0, fmt.Errorf("%w: %d points, need 3", ErrDegenerate, n)
	}
	var ms, md r3.Vec
	for i := range n {
		if !finiteVec(src[i]) || !finiteVec(dst[i]) {
			return Similarity{}, 0, fmt.Errorf("%w: point %d is not finite", ErrInvalid, i)
		}
		ms, md = r3.Add(ms, src[i]), r3.Add(md, dst[i])
	}
	ms, md = r3.Scale(1/float64(n), ms), r3.Scale(1/float64(n), md)
	var cov [3][3]float64
	var vs float64
	for i := range n {
		a, b := r3.Sub(dst[i], md), r3.Sub(src[i], ms)
		av, bv := [3]float64{a.X, a.Y, a.Z}, [3]float64{b.X, b.Y, b.Z}
		for r := range 3 {
			for c := range 3 {
				cov[r][c] += av[r] * bv[c] / float64(n)
			}
		}
		vs += r3.Norm2(b) / float64(n)
	}
	u, d, vt, ok := svd3(cov)
	if !ok || !(d[0] > 0) || d[1] < 1e-9*d[0] {
		return Similarity{}, 0, fmt.Errorf("%w: points are collinear or coincident", ErrDegenerate)
	}
	sgn := 1.0
	if m3det(u)*m3det(vt) < 0 {
		sgn = -1
	}
	r := calibration.MatMul(calibration.MatMul(u, [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, sgn}}), vt)
	s := 1.0
	if scale {
		s = (d[0] + d[1] + sgn*d[2]) / vs
	}
	sim := Similarity{S: s, R: r, T: r3.Sub(md, r3.Scale(s, calibration.MatVec(r, ms)))}
	var ss float64
	for i := range n {
		ss += r3.Norm2(r3.Sub(dst[i], sim.Apply(src[i])))
	}
	return sim, math.Sqrt(ss / float64(n)), nil
}

// Small rigid-motion helpers shared by the solvers of this package. Rotation
// updates are left-multiplicative, R ← exp([δω]×)·R, so that the derivative
// of exp([δω]×)·a at δω = 0 is −[a]×.

// m3tvec returns aᵀ·v.
func m3tvec(a [3][3]float64, v r3.Vec) r3.Vec {
	return r3.Vec{
		X: a[0][0]*v.X + a[1][0]*v.Y + a[2][0]*v.Z,
		Y: a[0][1]*v.X + a[1][1]*v.Y + a[2][1]*v.Z,
		Z: a[0][2]*v.X + a[1][2]*v.Y + a[2][2]*v.Z,
	}
}

func m3det(a [3][3]float64) float64 {
	return a[0][0]*(a[1][1]*a[2][2]-a[1][2]*a[2][1]) -
		a[0][1]*(a[1][0]*a[2][2]-a[1][2]*a[2][0]) +
		a[0][2]*(a[1][0]*a[2][1]-a[1][1]*a[2][0])
}

// rotUpdate returns exp([w]×)·r.
func rotUpdate(r [3][3]float64, w r3.Vec) [3][3]float64 {
	return calibration.MatMul(calibration.Rodrigues(w), r)
}

// rotAngle returns the angle of the rotation a·bᵀ, radians: the geodesic
// distance between a and b.
func rotAngle(a, b [3][3]float64) float64 {
	return r3.Norm(calibration.RotationVector(calibration.MatMul(a, calibration.Transpose(b))))
}

// svd3 returns a = u·diag(d)·vt with d in decreasing order.
func svd3(a [3][3]float64) (u [3][3]float64, d [3]float64, vt [3][3]float64, ok bool) {
	m := mat.NewDense(3, 3, []float64{a[0][0], a[0][1], a[0][2], a[1][0], a[1][1], a[1][2], a[2][0], a[2][1], a[2][2]})
	var svd mat.SVD
	if !svd.Factorize(m, mat.SVDFull) {
		return u, d, vt, false
	}
	var um, vm mat.Dense
	svd.UTo(&um)
	svd.VTo(&vm)
	sv := svd.Values(nil)
	for i := range 3 {
		d[i] = sv[i]
		for j := range 3 {
			u[i][j] = um.At(i, j)
			vt[i][j] = vm.At(j, i)
		}
	}
	return u, d, vt, true
}

// nearestRotation returns the rotation closest to m in the Frobenius norm:
// u·diag(1, 1, det(u·vt))·vt. It is the chordal L2 mean of rotations when
// m is their sum. ok is false when m has rank < 2.
func nearestRotation(m [3][3]float64) ([3][3]float64, bool) {
	u, d, vt, ok := svd3(m)
	if !ok || !(d[0] > 0) || d[1] < 1e-12*d[0] {
		return [3][3]float64{}, false
	}
	sgn := 1.0
	if m3det(u)*m3det(vt) < 0 {
		sgn = -1
	}
	return calibration.MatMul(calibration.MatMul(u, [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, sgn}}), vt), true
}

func finiteVec(v r3.Vec) bool {
	return !math.IsNaN(v.X+v.Y+v.Z) && !math.IsInf(v.X+v.Y+v.Z, 0)
}

// finiteRigid reports whether r is a finite rotation (orthonormal, det 1,
// to 1e-6) and t finite.
func finiteRigid(r [3][3]float64, t r3.Vec) bool {
	if !finiteVec(t) {
		return false
	}
	p := calibration.MatMul(r, calibration.Transpose(r))
	for i := range 3 {
		for j := range 3 {
			want := 0.0
			if i == j {
				want = 1
			}
			if !(math.Abs(p[i][j]-want) < 1e-6) {
				return false
			}
		}
	}
	return math.Abs(m3det(r)-1) < 1e-6
}
