package solve

import (
	"fmt"
	"math"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/spatial/r3"
)

// KeypointFrame holds the keypoints detected at one synchronized instant
// by all the cameras.
type KeypointFrame struct {
	Points []KeypointObs
}

// KeypointObs is one keypoint seen by one camera.
type KeypointObs struct {
	// Camera is the camera's index.
	Camera int
	// Point identifies the physical point within its frame (a joint of a
	// person, as person·joints + joint): the same Point in two cameras'
	// observations of a frame is the same 3D point.
	Point int
	// U, V is the pixel (OpenCV convention: pixel centres at integer
	// coordinates).
	U, V float64
	// Weight is the detector's confidence; an observation weighs in the
	// cost in proportion to it, and one with Weight ≤ 0 is missing.
	Weight float64
}

// RefineOptions configures RefineFromKeypoints. The zero value is usable.
type RefineOptions struct {
	// Reference is the index of the camera whose pose is held fixed.
	Reference int
	// ScaleCamera is the index of the camera whose distance to the
	// reference camera (between their optical centres) is held at its
	// initial value. When it equals Reference (as with zero values) the
	// camera farthest from the reference is used. Ignored when KnownHeight
	// is set.
	ScaleCamera int
	// KnownHeight, when positive, sets the scale instead: the median over
	// frames of the distance between the points HeightPoints[0] and
	// HeightPoints[1] becomes KnownHeight (m).
	KnownHeight  float64
	HeightPoints [2]int
	// HuberPx is the pixel error beyond which an observation's influence
	// stops growing (Huber loss); default 2 px.
	HuberPx float64
	// OutlierPx: once converged, observations whose error exceeds it are
	// dropped and the adjustment runs again; negative keeps every
	// observation. The default adapts to the detector: 4 σ̂, at least
	// 5·HuberPx, where σ̂ = median error / 1.1774 at the first convergence
	// is the per-coordinate noise that Gaussian errors with that median
	// would have (the median of a 2D error's norm is σ·√(2 ln 2)); 4 σ̂
	// drops 0.03 % of such errors.
	OutlierPx float64
	// MaxIterations bounds each Levenberg–Marquardt run; default 100.
	MaxIterations int
}

// RefineResult is the outcome of RefineFromKeypoints.
type RefineResult struct {
	// Cameras are the cameras given with refined extrinsics.
	Cameras []calibration.Camera
	// RMSBefore and RMSAfter are the reprojection RMS over the
	// observations used (outliers excluded), px, at the initial estimate
	// (cameras given, points triangulated from them) and at the end.
	RMSBefore, RMSAfter float64
	// CameraRMS and CameraObs are each camera's final RMS and number of
	// observations used.
	CameraRMS []float64
	CameraObs []int
	// RotationSD (degrees) and CentreSD (m) are each camera's standard
	// deviations of rotation and optical centre, as BundleResult's, in the
	// gauge described above (0 for the reference); nil if the system was
	// singular.
	RotationSD, CentreSD []float64
	// Points counts the 3D points (frame, point) estimated, Frames the
	// frames that hold at least one, Observations the observations used
	// and Outliers those dropped as outliers.
	Points, Frames, Observations, Outliers int
	// Iterations counts the Levenberg–Marquardt iterations of all runs.
	Iterations int
	// ScaleCamera is the camera whose distance to the reference was held
	// during the adjustment; Scale is the factor applied afterwards to
	// meet KnownHeight (1 without).
	ScaleCamera int
	Scale       float64
}

// RefineFromKeypoints refines the extrinsics of calibrated cameras from the
// 2D keypoints of people they all filmed, with no calibration target: a
// bundle adjustment over obs (one KeypointFrame per synchronized instant)
// whose unknowns are every camera's pose but the reference camera's and
// the 3D position of every (frame, point) seen by at least two cameras.
// Intrinsics stay as given. The cameras given must be roughly right (a few
// degrees, decimetres): they triangulate the initial points.
//
// # Gauge
//
// Reprojection errors do not change if the whole scene moves rigidly or is
// scaled, so 7 degrees of freedom must be fixed. The reference camera's
// pose is held (6), which keeps the world frame of the cameras given. The
// scale (1) is held by keeping the distance between the reference camera's
// centre and the scale camera's at its initial value: that camera's centre
// moves on the sphere about the reference centre (two tangent parameters)
// while its rotation is free. With KnownHeight the adjustment runs the same
// way and the result is then scaled about the reference centre so that the
// median distance between the two HeightPoints over the frames where both
// are seen is KnownHeight; reprojections do not change under that scaling,
// so this is the minimiser with that gauge. Either way, the scale is only
// as good as that one distance: align to surveyed points (AlignToPoints
// with scale) when accuracy matters.
//
// # Method
//
// Points are triangulated (Triangulate) from the initial cameras. Then
// Levenberg–Marquardt on the weighted Huber loss of the pixel errors, with
// the 3D points eliminated by the Schur complement (3×3 blocks) and the
// reduced camera system (6 unknowns per camera) solved densely, as in
// BoardBundle. Once converged, observations farther than OutlierPx are
// dropped (and points left with fewer than two cameras) and it runs again,
// up to three times.
func RefineFromKeypoints(cams []calibration.Camera, obs []KeypointFrame, opt RefineOptions) (*RefineResult, error) {
	nc := len(cams)
	if nc < 2 {
		return nil, fmt.Errorf("refine from keypoints: %w: %d cameras", ErrTooFewCameras, nc)
	}
	if opt.Reference < 0 || opt.Reference >= nc {
		return nil, fmt.Errorf("refine from keypoints: %w: reference camera %d of %d", ErrTooFewCameras, opt.Reference, nc)
	}
	if err := checkCameras(cams); err != nil {
		return nil, fmt.Errorf("refine from keypoints: %w", err)
	}
	if opt.ScaleCamera < 0 || opt.ScaleCamera >= nc {
		return nil, fmt.Errorf("refine from keypoints: %w: scale camera %d of %d", ErrTooFewCameras, opt.ScaleCamera, nc)
	}
	if opt.HuberPx == 0 {
		opt.HuberPx = 2
	}
	if opt.MaxIterations == 0 {
		opt.MaxIterations = 100
	}
	if !(opt.HuberPx > 0) || math.IsNaN(opt.OutlierPx) || opt.MaxIterations < 0 || math.IsNaN(opt.KnownHeight) || math.IsInf(opt.KnownHeight, 0) {
		return nil, fmt.Errorf("refine from keypoints: invalid options: HuberPx %g, OutlierPx %g, MaxIterations %d, KnownHeight %g",
			opt.HuberPx, opt.OutlierPx, opt.MaxIterations, opt.KnownHeight)
	}
	if opt.KnownHeight > 0 && opt.HeightPoints[0] == opt.HeightPoints[1] {
		return nil, fmt.Errorf("refine from keypoints: invalid options: KnownHeight needs two different HeightPoints, got %v", opt.HeightPoints)
	}

	// Triangulate every (frame, point) seen by two cameras or more.
	p := &refineProblem{huber: opt.HuberPx, ref: opt.Reference}
	p.cams = append([]calibration.Camera(nil), cams...)
	for f := range obs {
		byPoint := map[int][]KeypointObs{}
		var order []int
		for i, o := range obs[f].Points {
			if o.Camera < 0 || o.Camera >= nc {
				return nil, fmt.Errorf("refine from keypoints: frame %d observation %d: %w: camera %d of %d", f, i, ErrInvalid, o.Camera, nc)
			}
			if math.IsNaN(o.U) || math.IsNaN(o.V) || math.IsInf(o.U, 0) || math.IsInf(o.V, 0) || math.IsNaN(o.Weight) || math.IsInf(o.Weight, 0) {
				return nil, fmt.Errorf("refine from keypoints: frame %d observation %d (camera %d, point %d): %w: pixel (%g, %g) weight %g",
					f, i, o.Camera, o.Point, ErrInvalid, o.U, o.V, o.Weight)
			}
			if !(o.Weight > 0) {
				continue
			}
			g := byPoint[o.Point]
			for _, q := range g {
				if q.Camera == o.Camera {
					return nil, fmt.Errorf("refine from keypoints: frame %d: %w: camera %d sees point %d twice", f, ErrInvalid, o.Camera, o.Point)
				}
			}
			if g == nil {
				order = append(order, o.Point)
			}
			byPoint[o.Point] = append(g, o)
		}
		for _, id := range order {
			group := byPoint[id]
			if len(group) < 2 {
				continue
			}
			t, ok := Triangulate(cams, group)
			if !ok {
				continue
			}
			pt := len(p.pts)
			p.pts = append(p.pts, t.X)
			p.ptFrame = append(p.ptFrame, f)
			p.ptID = append(p.ptID, id)
			for _, o := range group {
				p.obs = append(p.obs, kpObs{cam: o.Camera, pt: pt, u: o.U, v: o.V, w: o.Weight})
			}
		}
	}
	if len(p.pts) == 0 {
		return nil, fmt.Errorf("refine from keypoints: %w: no point seen by two cameras", ErrNotEnoughData)
	}
	initialPts := append([]r3.Vec(nil), p.pts...)

	res := &RefineResult{Scale: 1}
	if err := p.checkConnected(); err != nil {
		return nil, fmt.Errorf("refine from keypoints: %w", err)
	}
	// The scale camera holds the scale during the adjustment even with
	// KnownHeight, which rescales afterwards.
	sc := opt.ScaleCamera
	if sc == opt.Reference {
		far := 0.0
		for c := range cams {
			if d := r3.Norm(r3.Sub(cams[c].Center(), cams[opt.Reference].Center())); d > far {
				sc, far = c, d
			}
		}
	}
	p.scaleDist = r3.Norm(r3.Sub(cams[sc].Center(), cams[opt.Reference].Center()))
	if !(p.scaleDist > 0) {
		return nil, fmt.Errorf("refine from keypoints: %w: scale camera %s at the reference camera's centre", ErrNotEnoughData, cameraName(cams, sc))
	}
	p.scaleCam, res.ScaleCamera = sc, sc

	// Outlier rounds stop at a looser tolerance: Huber's loss converges
	// only linearly under reweighting, and the observations change after
	// each round anyway. The last run, with nothing left to drop, refines.
	var sys *blockSystem
	limit := opt.OutlierPx
	for round := 0; ; round++ {
		sys = p.system()
		last := opt.OutlierPx < 0 || round == 3
		stop := schurStop{maxIter: opt.MaxIterations, tol: 1e-6, dof: p.dof(sys)}
		if last {
			stop.tol = 1e-10
		}
		res.Iterations += schurLM(p, sys, stop)
		if last {
			break
		}
		if limit == 0 {
			// Set once, at the first convergence: re-estimated after each
			// round it would shrink with the tail it just cut.
			limit = math.Max(5*opt.HuberPx, 4*p.medianError()/math.Sqrt(2*math.Ln2))
		}
		n, err := p.dropOutliers(limit)
		if err != nil {
			return nil, fmt.Errorf("refine from keypoints: after dropping outliers: %w", err)
		}
		res.Outliers += n
		if n == 0 {
			// Nothing more to drop: finish at the tight tolerance.
			stop := schurStop{maxIter: opt.MaxIterations, tol: 1e-10, dof: p.dof(sys)}
			res.Iterations += schurLM(p, sys, stop)
			break
		}
	}
	p.uncertainty(sys, res)
	if opt.KnownHeight > 0 {
		s, err := p.heightScale(opt.KnownHeight, opt.HeightPoints)
		if err != nil {
			return nil, fmt.Errorf("refine from keypoints: %w", err)
		}
		res.Scale = s
		for c := range res.CentreSD {
			res.CentreSD[c] *= s
		}
	}

	// Figures over the final observations, at the start and the end.
	res.RMSAfter, res.CameraRMS, res.CameraObs = p.rms()
	final := p.pts
	p.pts = make([]r3.Vec, len(final))
	for i := range p.pts {
		p.pts[i] = initialPts[p.ptOrigin(i)]
	}
	cur := p.cams
	p.cams = cams
	res.RMSBefore, _, _ = p.rms()
	p.cams, p.pts = cur, final

	res.Cameras = p.cams
	res.Points, res.Observations = len(p.pts), len(p.obs)
	seen := map[int]bool{}
	for _, f := range p.ptFrame {
		seen[f] = true
	}
	res.Frames = len(seen)
	return res, nil
}

// kpObs is one keypoint observation of a 3D point; its index is its pair
// index in the block system, and the observations are grouped by point.
type kpObs struct {
	cam, pt int
	u, v, w float64
}

// refineProblem is RefineFromKeypoints' least-squares problem for schurLM.
type refineProblem struct {
	huber         float64
	ref, scaleCam int
	scaleDist     float64 // held distance of the scale camera's centre
	basis         [2]r3.Vec

	obs     []kpObs
	ptFrame []int
	ptID    []int
	// origin maps a point to its index at the start, as outlier rounds
	// renumber the points; nil while they have not been.
	origin []int

	cams, cand []calibration.Camera
	pts, cand3 []r3.Vec
}

func (p *refineProblem) ptOrigin(i int) int {
	if p.origin == nil {
		return i
	}
	return p.origin[i]
}

// system returns the block system of the current observations: 6
// parameters per camera (the reference's all fixed; the scale camera's
// sixth, unused, fixed), 3 per point.
func (p *refineProblem) system() *blockSystem {
	pairCam := make([]int, len(p.obs))
	pairPt := make([]int, len(p.obs))
	for i, o := range p.obs {
		pairCam[i], pairPt[i] = o.cam, o.pt
	}
	sys := newBlockSystem(len(p.cams), 6, len(p.pts), 3, pairCam, pairPt)
	for i := range 6 {
		sys.fixed[p.ref*6+i] = true
	}
	sys.fixed[p.scaleCam*6+5] = true
	p.cand = append(p.cand[:0], p.cams...)
	p.cand3 = make([]r3.Vec, len(p.pts))
	return sys
}

func (p *refineProblem) linearize(sys *blockSystem) float64 {
	sys.reset()
	local := make([]calibration.Camera, len(p.cams))
	for c := range p.cams {
		local[c] = p.cams[c]
		local[c].R = [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
		local[c].T = r3.Vec{}
	}
	{
		// An orthonormal basis of the plane tangent, at the scale camera's
		// centre, to the sphere about the reference centre.
		u := r3.Unit(r3.Sub(p.cams[p.scaleCam].Center(), p.cams[p.ref].Center()))
		a := r3.Vec{X: 1}
		if math.Abs(u.X) > 0.9 {
			a = r3.Vec{Y: 1}
		}
		b0 := r3.Unit(r3.Cross(u, a))
		p.basis = [2]r3.Vec{b0, r3.Cross(u, b0)}
	}
	var jc [12]float64
	var jp [6]float64
	var cost float64
	for i := range p.obs {
		o := &p.obs[i]
		cam := &p.cams[o.cam]
		X := p.pts[o.pt]
		rx := calibration.MatVec(cam.R, X)
		Xc := r3.Add(rx, cam.T)
		u, v, J, ok := local[o.cam].ProjectJacobian(Xc)
		if !ok {
			continue
		}
		r := [2]float64{u - o.u, v - o.v}
		rho, w := huber(r[0]*r[0]+r[1]*r[1], p.huber)
		cost += 0.5 * o.w * rho
		for k := range 2 {
			row := r3.Vec{X: J[k][0], Y: J[k][1], Z: J[k][2]}
			jr := m3tvec(cam.R, row) // row of J·R: d/dX
			var jw r3.Vec
			q := k * 6
			if o.cam == p.scaleCam {
				// Xc = R·(X − C): the rotation turns Xc itself; the
				// centre moves along the tangent basis, dXc/dC = −R.
				jw = r3.Cross(Xc, row)
				jc[q+3], jc[q+4], jc[q+5] = -r3.Dot(jr, p.basis[0]), -r3.Dot(jr, p.basis[1]), 0
			} else {
				jw = r3.Cross(rx, row)
				jc[q+3], jc[q+4], jc[q+5] = row.X, row.Y, row.Z
			}
			jc[q+0], jc[q+1], jc[q+2] = jw.X, jw.Y, jw.Z
			jp[k*3+0], jp[k*3+1], jp[k*3+2] = jr.X, jr.Y, jr.Z
		}
		sys.add(i, jc[:], jp[:], r, o.w*w)
	}
	return cost
}

func (p *refineProblem) tryStep(dc, dp []float64) float64 {
	for c := range p.cams {
		d := dc[c*6 : c*6+6]
		src, dst := &p.cams[c], &p.cand[c]
		*dst = *src
		dst.R = rotUpdate(src.R, r3.Vec{X: d[0], Y: d[1], Z: d[2]})
		if c == p.scaleCam {
			cr := p.cams[p.ref].Center()
			off := r3.Add(r3.Sub(src.Center(), cr), r3.Add(r3.Scale(d[3], p.basis[0]), r3.Scale(d[4], p.basis[1])))
			centre := r3.Add(cr, r3.Scale(p.scaleDist/r3.Norm(off), off))
			dst.T = r3.Scale(-1, calibration.MatVec(dst.R, centre))
		} else {
			dst.T = r3.Add(src.T, r3.Vec{X: d[3], Y: d[4], Z: d[5]})
		}
	}
	for i := range p.pts {
		p.cand3[i] = r3.Add(p.pts[i], r3.Vec{X: dp[3*i], Y: dp[3*i+1], Z: dp[3*i+2]})
	}
	var cost float64
	for i := range p.obs {
		o := &p.obs[i]
		u, v, ok := p.cand[o.cam].Project(p.cand3[o.pt])
		if !ok {
			return math.Inf(1)
		}
		rho, _ := huber((u-o.u)*(u-o.u)+(v-o.v)*(v-o.v), p.huber)
		cost += 0.5 * o.w * rho
	}
	return cost
}

func (p *refineProblem) accept() {
	p.cams, p.cand = p.cand, p.cams
	p.pts, p.cand3 = p.cand3, p.pts
}

// sqErr returns the squared reprojection error of o at the current
// estimate.
func (p *refineProblem) sqErr(o *kpObs) float64 {
	u, v, ok := p.cams[o.cam].Project(p.pts[o.pt])
	if !ok {
		return math.Inf(1)
	}
	return (u-o.u)*(u-o.u) + (v-o.v)*(v-o.v)
}

// rms returns the overall and per-camera reprojection RMS (unweighted) and
// the number of observations per camera.
func (p *refineProblem) rms() (float64, []float64, []int) {
	return perCameraRMS(len(p.cams), len(p.obs), func(i int) (int, float64) {
		return p.obs[i].cam, p.sqErr(&p.obs[i])
	})
}

// medianError returns the median reprojection error, px.
func (p *refineProblem) medianError() float64 {
	e := make([]float64, len(p.obs))
	for i := range p.obs {
		e[i] = math.Sqrt(p.sqErr(&p.obs[i]))
	}
	return median(e)
}

// dropOutliers removes the observations with an error beyond maxPx and the
// points left with fewer than two, renumbering the points, and returns how
// many observations it removed.
func (p *refineProblem) dropOutliers(maxPx float64) (int, error) {
	keep := p.obs[:0:0]
	for i := range p.obs {
		if p.sqErr(&p.obs[i]) <= maxPx*maxPx {
			keep = append(keep, p.obs[i])
		}
	}
	removed := len(p.obs) - len(keep)
	if removed == 0 {
		return 0, nil
	}
	count := make([]int, len(p.pts))
	for _, o := range keep {
		count[o.pt]++
	}
	index := make([]int, len(p.pts))
	var pts []r3.Vec
	var frames, ids, origin []int
	for i, n := range count {
		index[i] = -1
		if n >= 2 {
			index[i] = len(pts)
			pts = append(pts, p.pts[i])
			frames, ids = append(frames, p.ptFrame[i]), append(ids, p.ptID[i])
			origin = append(origin, p.ptOrigin(i))
		}
	}
	p.obs = p.obs[:0]
	for _, o := range keep {
		if index[o.pt] >= 0 {
			o.pt = index[o.pt]
			p.obs = append(p.obs, o)
		}
	}
	removed += len(keep) - len(p.obs)
	p.pts, p.ptFrame, p.ptID, p.origin = pts, frames, ids, origin
	if len(p.pts) == 0 {
		return removed, fmt.Errorf("%w: every point is an outlier", ErrNotEnoughData)
	}
	return removed, p.checkConnected()
}

// checkConnected checks that every camera shares points, directly or
// through other cameras, with the reference (see BoardBundle's).
func (p *refineProblem) checkConnected() error {
	pairCam := make([]int, len(p.obs))
	pairPt := make([]int, len(p.obs))
	for i, o := range p.obs {
		pairCam[i], pairPt[i] = o.cam, o.pt
	}
	return checkConnected(p.cams, p.ref, pairCam, pairPt)
}

// uncertainty sets res's standard deviations from sys, linearised at the
// current estimate when it was not changed since the last run.
func (p *refineProblem) uncertainty(sys *blockSystem, res *RefineResult) {
	p.linearize(sys)
	cov, ok := sys.cameraCovariance()
	if !ok {
		return
	}
	// The weighted residual variance: Σ w·‖r‖² / dof.
	var ss float64
	for i := range p.obs {
		ss += p.obs[i].w * p.sqErr(&p.obs[i])
	}
	dof := p.dof(sys)
	if dof <= 0 {
		return
	}
	cov.ScaleSym(ss/float64(dof), cov)
	res.RotationSD = make([]float64, len(p.cams))
	res.CentreSD = make([]float64, len(p.cams))
	for c := range p.cams {
		if c == p.ref {
			continue
		}
		var tangent *[2]r3.Vec
		if c == p.scaleCam {
			tangent = &p.basis
		}
		rot, centre := poseSD(cov, 6*c, p.cams[c].R, p.cams[c].T, tangent)
		res.RotationSD[c], res.CentreSD[c] = rot*180/math.Pi, centre
	}
}

// dof returns the number of residuals less the free parameters.
func (p *refineProblem) dof(sys *blockSystem) int {
	free := 3 * len(p.pts)
	for _, f := range sys.fixed {
		if !f {
			free++
		}
	}
	return 2*len(p.obs) - free
}

// heightScale scales the scene about the reference camera's centre so that
// the median distance between the points ids[0] and ids[1] of a frame is
// height, and returns the factor.
func (p *refineProblem) heightScale(height float64, ids [2]int) (float64, error) {
	type pair struct{ a, b int }
	byFrame := map[int]*pair{}
	for i := range p.pts {
		k := -1
		switch p.ptID[i] {
		case ids[0]:
			k = 0
		case ids[1]:
			k = 1
		default:
			continue
		}
		q := byFrame[p.ptFrame[i]]
		if q == nil {
			q = &pair{-1, -1}
			byFrame[p.ptFrame[i]] = q
		}
		if k == 0 {
			q.a = i
		} else {
			q.b = i
		}
	}
	var d []float64
	for _, q := range byFrame {
		if q.a >= 0 && q.b >= 0 {
			d = append(d, r3.Norm(r3.Sub(p.pts[q.a], p.pts[q.b])))
		}
	}
	if len(d) == 0 {
		return 0, fmt.Errorf("%w: points %d and %d are never both triangulated in a frame", ErrNotEnoughData, ids[0], ids[1])
	}
	m := median(d)
	if !(m > 0) {
		return 0, fmt.Errorf("%w: points %d and %d coincide", ErrNotEnoughData, ids[0], ids[1])
	}
	s := height / m
	cr := p.cams[p.ref].Center()
	for c := range p.cams {
		centre := r3.Add(cr, r3.Scale(s, r3.Sub(p.cams[c].Center(), cr)))
		p.cams[c].T = r3.Scale(-1, calibration.MatVec(p.cams[c].R, centre))
	}
	for i := range p.pts {
		p.pts[i] = r3.Add(cr, r3.Scale(s, r3.Sub(p.pts[i], cr)))
	}
	return s, nil
}
