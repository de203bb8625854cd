package solve

import (
	"fmt"
	"math"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// Pose is a rigid transform from a target's frame to a camera's,
// Xc = R·X + T (metres), with how well it reprojects the target's points.
type Pose struct {
	R [3][3]float64
	T r3.Vec
	// RMS is the root mean square reprojection error, px:
	// sqrt(Σ‖eᵢ‖² / n) over the n points.
	RMS float64
	// Residuals holds each point's reprojection error ‖eᵢ‖, px, in the
	// order the points were given, so that a caller can point at a bad
	// click or a misdetected corner.
	Residuals []float64
}

// Vec returns the pose as a 6-vector: the rotation vector of R (axis times
// angle, radians, as cv::Rodrigues) then T. Bundle adjustment uses it as a
// pose's parameters; RMS and Residuals are not part of it.
func (p Pose) Vec() [6]float64 {
	w := calibration.RotationVector(p.R)
	return [6]float64{w.X, w.Y, w.Z, p.T.X, p.T.Y, p.T.Z}
}

// PoseFromVec is the inverse of Pose.Vec.
func PoseFromVec(v [6]float64) Pose {
	return Pose{
		R: calibration.Rodrigues(r3.Vec{X: v[0], Y: v[1], Z: v[2]}),
		T: r3.Vec{X: v[3], Y: v[4], Z: v[5]},
	}
}

// PnP returns the pose of a target in the camera's frame from its points
// obj (target frame, metres) and the pixels pix where cam sees them
// (cam.R and cam.T are ignored). The pixels are undistorted with
// cam.Normalize and the pose initialised linearly: a homography when the
// points are coplanar, which needs 4 of them, or the DLT of the 3×4
// projection matrix when they are not, which needs 6 (both are tried for
// nearly flat targets). The initial solution is the one with the target
// in front of the camera. Levenberg–Marquardt then minimises the
// reprojection error through cam's full distortion model, so the
// residuals are in pixels of the original image.
//
// There is no outlier rejection: one bad click biases the pose, and
// shows in Pose.Residuals.
//
// Errors: ErrInvalid for non-finite or mismatched input or a camera with
// no focal length; ErrTooFewPoints; ErrDegenerate for coincident or
// collinear points; ErrNoSolution when no starting pose puts the target in
// front of the camera.
func PnP(cam *calibration.Camera, obj []r3.Vec, pix [][2]float64) (Pose, error) {
	var s pnpSolver
	return s.solve(cam, obj, pix)
}

// pnpSolver keeps PnP's buffers for repeated solves (one per view in
// Intrinsics). Not safe for concurrent use.
type pnpSolver struct {
	lm    lmSolver
	norm  [][2]float64 // normalised image coordinates of the points kept
	plane [][2]float64 // their coordinates in the target's best-fit plane
	kept  []int        // indices of the points cam.Normalize could undistort
	x     []float64    // the pose's six parameters
	best  [6]float64
}

// Flatness thresholds on the ratio of the target's thickness to its
// extent (the square root of the smallest to the largest eigenvalue of the
// points' scatter): below planarBelow the homography is tried, above
// generalAbove the 3D DLT. In between, both are, and the better
// refinement wins: a DLT of nearly flat points is ill-conditioned, and a
// homography of thick ones is biased.
const (
	planarBelow  = 0.1
	generalAbove = 0.01
)

func (s *pnpSolver) solve(cam *calibration.Camera, obj []r3.Vec, pix [][2]float64) (Pose, error) {
	if err := checkCamera(cam); err != nil {
		return Pose{}, err
	}
	n := len(obj)
	if len(pix) != n {
		return Pose{}, fmt.Errorf("%w: %d target points, %d pixels", ErrInvalid, n, len(pix))
	}
	for i := range n {
		if !finiteVec(obj[i]) || !isFinite(pix[i][0]) || !isFinite(pix[i][1]) {
			return Pose{}, fmt.Errorf("%w: point %d: non-finite coordinate", ErrInvalid, i)
		}
	}
	if n < 4 {
		return Pose{}, fmt.Errorf("%w: %d points, PnP needs 4 coplanar or 6 in general position", ErrTooFewPoints, n)
	}

	// Undistort for the linear initialisation; a pixel outside the lens
	// model's range is left out of it but kept for the refinement.
	s.norm, s.plane, s.kept = s.norm[:0], s.plane[:0], s.kept[:0]
	for i, p := range pix {
		x, y, ok := cam.Normalize(p[0], p[1])
		if ok {
			s.norm = append(s.norm, [2]float64{x, y})
			s.kept = append(s.kept, i)
		}
	}
	if len(s.kept) < 4 {
		return Pose{}, fmt.Errorf("%w: %d of %d pixels inside the lens model's range, need 4", ErrTooFewPoints, len(s.kept), n)
	}
	shape, err := shapeOf(obj, s.kept)
	if err != nil {
		return Pose{}, err
	}
	thickness := shape.thickness()
	usePlane := thickness < planarBelow
	useDLT := thickness > generalAbove && len(s.kept) >= 6
	if !usePlane && !useDLT {
		return Pose{}, fmt.Errorf("%w: %d non-coplanar points, need 6", ErrTooFewPoints, len(s.kept))
	}

	l := lensOf(cam)
	prob := pnpProblem(&l, obj, pix)
	if cap(s.x) < 6 {
		s.x = make([]float64, 6)
	}
	x := s.x[:6]
	bestCost := math.Inf(1)
	var firstErr error
	try := func(init Pose, err error) {
		if err == nil {
			pushInFront(&init, obj, shape)
			v := init.Vec()
			copy(x, v[:])
			var res lmResult
			res, err = s.lm.minimize(&prob, x)
			if err != nil {
				err = fmt.Errorf("refining the initial pose: %w", err)
			}
			if err == nil && res.cost < bestCost && allFinite(x) {
				bestCost = res.cost
				copy(s.best[:], x)
			}
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if usePlane {
		try(s.planarInit(obj, shape))
	}
	if useDLT {
		try(s.dltInit(obj))
	}
	if math.IsInf(bestCost, 1) {
		if firstErr != nil {
			return Pose{}, firstErr
		}
		return Pose{}, fmt.Errorf("%w: refinement left the finite range", ErrNoSolution)
	}
	pose := PoseFromVec(s.best)
	pose.Residuals = make([]float64, n)
	pose.RMS = reprojection(pose.Residuals, &l, &pose, obj, pix)
	return pose, nil
}

// pushInFront moves the target away along the camera's axis until all its
// points are in front of the camera, as the refinement needs to start. A
// linear initialisation can leave a few points behind it when the lens
// model is only a guess, as at the start of a fisheye calibration, where
// undistorting with the wrong focal length sends wide-angle rays far
// astray; the refinement then brings the target back.
func pushInFront(p *Pose, obj []r3.Vec, sh targetShape) {
	minZ := math.Inf(1)
	for _, X := range obj {
		minZ = math.Min(minZ, p.R[2][0]*X.X+p.R[2][1]*X.Y+p.R[2][2]*X.Z+p.T.Z)
	}
	if margin := 0.1 * math.Sqrt(sh.spread[0]/float64(len(obj))); minZ < margin {
		p.T.Z += margin - minZ
	}
}

// pnpProblem is the reprojection error of obj in pixels as a function of
// the pose (ω, t), with its analytic Jacobian.
func pnpProblem(l *lens, obj []r3.Vec, pix [][2]float64) lsProblem {
	return lsProblem{
		m: 2 * len(obj), n: 6,
		residuals: func(r, x []float64) bool {
			p := rigidOf(r3.Vec{X: x[0], Y: x[1], Z: x[2]}, r3.Vec{X: x[3], Y: x[4], Z: x[5]})
			for i, X := range obj {
				u, v, ok := l.pixel(p.apply(X, nil), nil, nil)
				if !ok {
					return false
				}
				r[2*i], r[2*i+1] = u-pix[i][0], v-pix[i][1]
			}
			return true
		},
		jacobian: func(jac, x []float64) {
			p := rigidOf(r3.Vec{X: x[0], Y: x[1], Z: x[2]}, r3.Vec{X: x[3], Y: x[4], Z: x[5]})
			var dw [3][3]float64
			var dxc [2][3]float64
			var d [2][6]float64
			for i, X := range obj {
				if _, _, ok := l.pixel(p.apply(X, &dw), &dxc, nil); !ok {
					continue
				}
				poseBlock(&d, &dxc, &dw)
				copy(jac[12*i:12*i+6], d[0][:])
				copy(jac[12*i+6:12*i+12], d[1][:])
			}
		},
	}
}

// reprojection writes each point's reprojection error (px) through l at
// pose into dst and returns their RMS. A point behind the camera counts
// as an infinite error.
func reprojection(dst []float64, l *lens, pose *Pose, obj []r3.Vec, pix [][2]float64) float64 {
	p := rigid{r: pose.R, t: pose.T}
	var sum float64
	for i, X := range obj {
		e := math.Inf(1)
		if u, v, ok := l.pixel(p.apply(X, nil), nil, nil); ok {
			e = math.Hypot(u-pix[i][0], v-pix[i][1])
		}
		dst[i] = e
		sum += e * e
	}
	return math.Sqrt(sum / float64(len(obj)))
}

// planarInit decomposes the homography from the target's best-fit plane
// to the normalised image: H ≃ [r1 r2 t] with the plane's origin at the
// points' centroid, so t is the centroid in the camera's frame and the
// sign of H that puts it in front of the camera (t.Z > 0) is the one.
func (s *pnpSolver) planarInit(obj []r3.Vec, sh targetShape) (Pose, error) {
	for _, i := range s.kept {
		d := r3.Sub(obj[i], sh.centroid)
		s.plane = append(s.plane, [2]float64{r3.Dot(d, sh.axes[0]), r3.Dot(d, sh.axes[1])})
	}
	H, err := Homography(s.plane, s.norm)
	if err != nil {
		return Pose{}, fmt.Errorf("planar initialisation: %w", err)
	}
	h1 := r3.Vec{X: H[0][0], Y: H[1][0], Z: H[2][0]}
	h2 := r3.Vec{X: H[0][1], Y: H[1][1], Z: H[2][1]}
	h3 := r3.Vec{X: H[0][2], Y: H[1][2], Z: H[2][2]}
	scale := (r3.Norm(h1) + r3.Norm(h2)) / 2
	if h3.Z < 0 {
		scale = -scale
	}
	if scale == 0 {
		return Pose{}, fmt.Errorf("planar initialisation: %w: homography of rank < 2", ErrDegenerate)
	}
	r1, r2 := r3.Scale(1/scale, h1), r3.Scale(1/scale, h2)
	t := r3.Scale(1/scale, h3)
	rp, ok := nearestRotation(columns(r1, r2, r3.Cross(r1, r2)))
	if !ok {
		return Pose{}, fmt.Errorf("planar initialisation: %w: no rotation near the homography", ErrDegenerate)
	}
	// X_plane = Pᵀ·(X − c) with P = [e1 e2 e3], so R = Rp·Pᵀ, T = t − R·c.
	e := sh.axes
	p := columns(e[0], e[1], e[2])
	R := calibration.MatMul(rp, calibration.Transpose(p))
	T := r3.Sub(t, calibration.MatVec(R, sh.centroid))
	return Pose{R: R, T: T}, nil
}

// dltInit solves the 3×4 projection P ≃ [R | T] of the normalised image
// linearly (Hartley-normalised on both sides), takes the rotation nearest
// to its left 3×3 block, and the sign of P that makes it a rotation, not
// a reflection: that is the one with the target in front.
func (s *pnpSolver) dltInit(obj []r3.Vec) (Pose, error) {
	m := len(s.kept)
	pts := make([]r3.Vec, m)
	var c r3.Vec
	for k, i := range s.kept {
		pts[k] = obj[i]
		c = r3.Add(c, obj[i])
	}
	c = r3.Scale(1/float64(m), c)
	var dist float64
	for _, p := range pts {
		dist += r3.Norm(r3.Sub(p, c))
	}
	s3 := math.Sqrt(3) / (dist / float64(m))
	t2, err := hartley(s.norm)
	if err != nil {
		return Pose{}, fmt.Errorf("DLT initialisation: %w", err)
	}
	rows := make([]float64, 2*m*12)
	for k, p := range pts {
		q := r3.Scale(s3, r3.Sub(p, c))
		u, v := t2.apply(s.norm[k])
		copy(rows[24*k:], []float64{
			q.X, q.Y, q.Z, 1, 0, 0, 0, 0, -u * q.X, -u * q.Y, -u * q.Z, -u,
			0, 0, 0, 0, q.X, q.Y, q.Z, 1, -v * q.X, -v * q.Y, -v * q.Z, -v,
		})
	}
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(2*m, 12, rows), mat.SVDFullV) {
		return Pose{}, fmt.Errorf("DLT initialisation: %w: SVD did not converge", ErrDegenerate)
	}
	sv := svd.Values(nil)
	if !(sv[10] > 1e-10*sv[0]) {
		return Pose{}, fmt.Errorf("DLT initialisation: %w: projection not determined by the points", ErrDegenerate)
	}
	var vt mat.Dense
	svd.VTo(&vt)
	var pn [3][4]float64
	for k := range 12 {
		pn[k/4][k%4] = vt.At(k, 11)
	}
	// P = T2⁻¹·Pn·T3, T3 = [s3·I, −s3·c; 0, 1].
	ti := t2.inverse()
	var P [3][4]float64
	for i := range 3 {
		for j := range 4 {
			var v float64
			for k := range 3 {
				v += ti[i][k] * pn[k][j]
			}
			P[i][j] = v
		}
	}
	for i := range 3 {
		last := P[i][3]
		for j := range 3 {
			P[i][j] *= s3
			last -= P[i][j] * [3]float64{c.X, c.Y, c.Z}[j]
		}
		P[i][3] = last
	}
	M := [3][3]float64{{P[0][0], P[0][1], P[0][2]}, {P[1][0], P[1][1], P[1][2]}, {P[2][0], P[2][1], P[2][2]}}
	sign := 1.0
	if m3det(M) < 0 {
		sign = -1
	}
	for i := range 3 {
		for j := range 3 {
			M[i][j] *= sign
		}
	}
	R, ok := nearestRotation(M)
	if !ok {
		return Pose{}, fmt.Errorf("DLT initialisation: %w: no rotation near the projection", ErrDegenerate)
	}
	// The scale of P is that of its rotation block: (det M)^(1/3).
	scale := math.Cbrt(m3det(M))
	if !(scale > 0) {
		return Pose{}, fmt.Errorf("DLT initialisation: %w: projection of rank < 3", ErrDegenerate)
	}
	T := r3.Scale(sign/scale, r3.Vec{X: P[0][3], Y: P[1][3], Z: P[2][3]})
	return Pose{R: R, T: T}, nil
}

// targetShape is the principal axes of a set of target points.
type targetShape struct {
	centroid r3.Vec
	// axes are the principal directions, longest first, as a right-handed
	// frame: axes[2] is the best-fit plane's normal.
	axes [3]r3.Vec
	// spread are the scatter matrix's eigenvalues, largest first.
	spread [3]float64
}

// thickness is the target's extent along its normal relative to its
// longest extent: 0 for a board.
func (s targetShape) thickness() float64 {
	return math.Sqrt(math.Max(0, s.spread[2]) / s.spread[0])
}

// PointsNeeded returns how many points PnP needs for a target shaped like
// obj: 4 when they are coplanar (thinner than planarBelow of their
// extent, as a track's markings are), 6 otherwise. Fewer than 3 points,
// or points on one line, say nothing of the shape yet: 4.
func PointsNeeded(obj []r3.Vec) int {
	if len(obj) < 3 {
		return 4
	}
	idx := make([]int, len(obj))
	for i := range idx {
		idx[i] = i
	}
	if sh, err := shapeOf(obj, idx); err == nil && sh.thickness() >= planarBelow {
		return 6
	}
	return 4
}

// shapeOf returns the principal axes of obj[idx]; ErrDegenerate when the
// points coincide or lie on a line.
func shapeOf(obj []r3.Vec, idx []int) (targetShape, error) {
	var sh targetShape
	for _, i := range idx {
		sh.centroid = r3.Add(sh.centroid, obj[i])
	}
	sh.centroid = r3.Scale(1/float64(len(idx)), sh.centroid)
	sc := mat.NewSymDense(3, nil)
	for _, i := range idx {
		d := r3.Sub(obj[i], sh.centroid)
		v := [3]float64{d.X, d.Y, d.Z}
		for a := range 3 {
			for b := a; b < 3; b++ {
				sc.SetSym(a, b, sc.At(a, b)+v[a]*v[b])
			}
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sc, true) {
		return sh, fmt.Errorf("%w: eigen-decomposition of the target's scatter failed", ErrDegenerate)
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	for k := range 3 {
		sh.spread[k] = vals[2-k]
		sh.axes[k] = r3.Vec{X: vecs.At(0, 2-k), Y: vecs.At(1, 2-k), Z: vecs.At(2, 2-k)}
	}
	sh.axes[2] = r3.Cross(sh.axes[0], sh.axes[1])
	if !(sh.spread[0] > 0) || !isFinite(sh.spread[0]) {
		return sh, fmt.Errorf("%w: all %d target points coincide", ErrDegenerate, len(idx))
	}
	if !(sh.spread[1] > 1e-10*sh.spread[0]) {
		return sh, fmt.Errorf("%w: all %d target points on one line", ErrDegenerate, len(idx))
	}
	return sh, nil
}

// checkCamera rejects cameras whose pixels cannot be mapped back to rays.
func checkCamera(cam *calibration.Camera) error {
	if cam == nil {
		return fmt.Errorf("%w: nil camera", ErrInvalid)
	}
	for i := range 3 {
		for j := range 3 {
			if !isFinite(cam.K[i][j]) {
				return fmt.Errorf("%w: camera %q: non-finite K", ErrInvalid, cam.Name)
			}
		}
	}
	if !(cam.K[0][0] > 0) || !(cam.K[1][1] > 0) {
		return fmt.Errorf("%w: camera %q: focal lengths %v, %v", ErrInvalid, cam.Name, cam.K[0][0], cam.K[1][1])
	}
	for _, d := range cam.Dist {
		if !isFinite(d) {
			return fmt.Errorf("%w: camera %q: non-finite distortion", ErrInvalid, cam.Name)
		}
	}
	return nil
}

func columns(a, b, c r3.Vec) [3][3]float64 {
	return [3][3]float64{{a.X, b.X, c.X}, {a.Y, b.Y, c.Y}, {a.Z, b.Z, c.Z}}
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if !isFinite(x) {
			return false
		}
	}
	return true
}
