package solve

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/spatial/r3"
)

// BundleOptions configures BoardBundle. The zero value is usable.
type BundleOptions struct {
	// Reference is the index of the camera whose pose is held fixed: it
	// sets the world frame (6 of the 7 degrees of freedom of the gauge; the
	// board's size sets the scale). With cameras from InitialExtrinsics it
	// is at R = I, T = 0, so the world is the reference camera's frame
	// until aligned (see AlignToBoard).
	Reference int
	// RefineIntrinsics also refines each camera's fx, fy, cx, cy, k1 and
	// k2 (the first two radial coefficients of its lens model). Skew and
	// the other distortion coefficients stay as given.
	RefineIntrinsics bool
	// HuberPx is the pixel error beyond which a corner's influence stops
	// growing (Huber loss); default 2 px.
	HuberPx float64
	// MaxIterations bounds the Levenberg–Marquardt iterations; default 100.
	MaxIterations int
	// Boards holds initial board→world poses by frame (in the world of the
	// cameras given), as PoseGraph.Boards. A frame without one is
	// initialised by triangulating its corners (matched by View.IDs) from
	// the cameras that see it and fitting the board to them; a frame seen
	// by a single camera cannot be and is dropped.
	Boards map[int]Pose
}

// BundleResult is the outcome of BoardBundle.
type BundleResult struct {
	// Cameras are the refined cameras, in the order given.
	Cameras []calibration.Camera
	// Boards holds the refined board→world pose of each frame used, with
	// RMS set to that frame's reprojection RMS over all cameras.
	Boards map[int]Pose
	// InitialRMS and RMS are the reprojection RMS over every corner used,
	// before and after, px: sqrt of the mean squared distance between a
	// corner's pixel and its reprojection (OpenCV's figure; √2 times the
	// per-coordinate noise for Gaussian noise).
	InitialRMS, RMS float64
	// CameraRMS and CameraCorners are each camera's final RMS and number of
	// corners used (RMS 0 when none).
	CameraRMS     []float64
	CameraCorners []int
	// RotationSD (degrees) and CentreSD (m) are each camera's standard
	// deviations of rotation and optical centre (root-sum-square over the
	// three axes), relative to the reference camera (0 for it): the
	// marginal covariance of the camera parameters, the inverse of the
	// reduced normal matrix, scaled by the residual variance. They assume
	// independent Gaussian pixel noise and the model right, and say how
	// much of a pose error is noise; nil if the system was singular.
	RotationSD, CentreSD []float64
	// Iterations is the number of Levenberg–Marquardt iterations.
	Iterations int
	// Frames and Corners count the frames and corner observations used;
	// DroppedFrames the synchronized frames without an initial board pose,
	// DroppedCorners the corners behind their camera at the start.
	Frames, Corners               int
	DroppedFrames, DroppedCorners int
}

// BoardBundle refines the poses of several cameras that saw a moving board,
// and optionally their intrinsics, by bundle adjustment. views[c] holds
// camera c's views; views of different cameras with the same Frame saw the
// board at the same pose (views with Frame < 0, not synchronized, are not
// used). The unknowns are every camera's pose but the reference camera's,
// each frame's board→world pose and, with opt.RefineIntrinsics, six
// intrinsics per camera; the cost is the Huber loss of the pixel
// reprojection errors of all corners.
//
// # Method
//
// Levenberg–Marquardt on the normal equations, exploiting that each
// residual involves one camera and one board pose: the board poses' block
// of the normal matrix is block diagonal (6×6), so they are eliminated
// (Schur complement) and the reduced camera system, 6 or 12 unknowns per
// camera, is solved densely by Cholesky; the board poses follow by back
// substitution. The Jacobian blocks are analytic: with a pose updated as
// R ← exp([δω]×)·R, T ← T + δt, a camera point Xc = Rc·(Rb·P + Tb) + Tc has
// dXc/d(δωc, δtc) = (−[Rc·X]×, I) and dXc/d(δωb, δtb) = Rc·(−[Rb·P]×, I),
// composed with the lens model's derivative (calibration's
// ProjectJacobian). Huber's loss enters by iteratively reweighted least
// squares; damping is Marquardt's (scaled by the normal matrix's diagonal)
// with Nielsen's update of λ. Cost: linear in the number of corners per
// iteration, plus a dense solve of the reduced system, cubic in the number
// of cameras only.
func BoardBundle(cams []calibration.Camera, views [][]View, opt BundleOptions) (*BundleResult, error) {
	if len(cams) < 2 {
		return nil, fmt.Errorf("board bundle: %w: %d cameras", ErrTooFewCameras, len(cams))
	}
	if len(views) != len(cams) {
		return nil, fmt.Errorf("board bundle: %w: views for %d cameras, %d cameras", ErrInvalid, len(views), len(cams))
	}
	if opt.Reference < 0 || opt.Reference >= len(cams) {
		return nil, fmt.Errorf("board bundle: %w: reference camera %d of %d", ErrTooFewCameras, opt.Reference, len(cams))
	}
	if err := checkCameras(cams); err != nil {
		return nil, fmt.Errorf("board bundle: %w", err)
	}
	if opt.HuberPx == 0 {
		opt.HuberPx = 2
	}
	if opt.MaxIterations == 0 {
		opt.MaxIterations = 100
	}
	if !(opt.HuberPx > 0) || opt.MaxIterations < 0 {
		return nil, fmt.Errorf("board bundle: invalid options: HuberPx %g, MaxIterations %d", opt.HuberPx, opt.MaxIterations)
	}

	// Validate, and index the views by frame.
	byFrame := map[int][]camView{}
	for c := range views {
		seen := map[int]bool{}
		for i := range views[c] {
			v := &views[c][i]
			if err := checkView(v); err != nil {
				return nil, fmt.Errorf("board bundle: camera %d (%s) view %d %q: %w", c, cams[c].Name, i, v.Label, err)
			}
			if v.Frame < 0 || len(v.Obj) == 0 {
				continue
			}
			if seen[v.Frame] {
				return nil, fmt.Errorf("board bundle: camera %d (%s): %w: two views of frame %d", c, cams[c].Name, ErrInvalid, v.Frame)
			}
			seen[v.Frame] = true
			byFrame[v.Frame] = append(byFrame[v.Frame], camView{c, v})
		}
	}
	frames := make([]int, 0, len(byFrame))
	for f := range byFrame {
		frames = append(frames, f)
	}
	sort.Ints(frames)

	p := &bundleProblem{huber: opt.HuberPx, intr: opt.RefineIntrinsics, pc: 6}
	if p.intr {
		p.pc = 12
	}
	p.cams = make([]calibration.Camera, len(cams))
	p.cand = make([]calibration.Camera, len(cams))
	for c := range cams {
		p.cams[c] = cams[c]
		if p.intr && len(p.cams[c].Dist) < 4 {
			// Room for k1, k2 without changing the model (p1, p2 stay 0).
			d := make([]float64, 4)
			copy(d, cams[c].Dist)
			p.cams[c].Dist = d
		} else {
			p.cams[c].Dist = append([]float64(nil), cams[c].Dist...)
		}
		p.cand[c] = p.cams[c]
		p.cand[c].Dist = append([]float64(nil), p.cams[c].Dist...)
	}

	// Initial board poses; the observations, grouped by (frame, camera).
	res := &BundleResult{Boards: map[int]Pose{}}
	var pairCam, pairPt []int
	for _, f := range frames {
		cvs := byFrame[f]
		b, ok := opt.Boards[f]
		if ok && !finiteRigid(b.R, b.T) {
			return nil, fmt.Errorf("board bundle: frame %d: %w: initial board pose is not a finite rotation", f, ErrInvalid)
		}
		if !ok {
			if b, ok = boardFromViews(cams, cvs); !ok {
				res.DroppedFrames++
				continue
			}
		}
		pt := len(p.boards)
		p.frames = append(p.frames, f)
		p.boards = append(p.boards, Pose{R: b.R, T: b.T})
		for _, cv := range cvs {
			cam := &p.cams[cv.cam]
			pair := len(pairCam)
			n := 0
			for k, P := range cv.v.Obj {
				X := r3.Add(calibration.MatVec(b.R, P), b.T)
				if !(cam.ToCamera(X).Z > 0) {
					res.DroppedCorners++
					continue
				}
				p.obs = append(p.obs, boardObs{pair: pair, cam: cv.cam, board: pt, P: P, u: cv.v.Pix[k][0], v: cv.v.Pix[k][1]})
				n++
			}
			if n > 0 {
				pairCam = append(pairCam, cv.cam)
				pairPt = append(pairPt, pt)
			}
		}
	}
	p.candBoards = append([]Pose(nil), p.boards...)
	if err := checkConnected(cams, opt.Reference, pairCam, pairPt); err != nil {
		return nil, fmt.Errorf("board bundle: %w", err)
	}

	sys := newBlockSystem(len(cams), p.pc, len(p.boards), 6, pairCam, pairPt)
	for i := range 6 {
		sys.fixed[opt.Reference*p.pc+i] = true
	}
	res.InitialRMS, _, _ = p.rms()
	free := 6 * len(p.boards)
	for _, f := range sys.fixed {
		if !f {
			free++
		}
	}
	res.Iterations = schurLM(p, sys, schurStop{maxIter: opt.MaxIterations, tol: 1e-10, dof: 2*len(p.obs) - free})

	rms, camRMS, camN := p.rms()
	if cov, ok := sys.cameraCovariance(); ok {
		if dof := 2*len(p.obs) - free; dof > 0 {
			cov.ScaleSym(rms*rms*float64(len(p.obs))/float64(dof), cov)
			res.RotationSD = make([]float64, len(cams))
			res.CentreSD = make([]float64, len(cams))
			for c := range cams {
				if c != opt.Reference {
					rot, centre := poseSD(cov, c*p.pc, p.cams[c].R, p.cams[c].T, nil)
					res.RotationSD[c], res.CentreSD[c] = rot*180/math.Pi, centre
				}
			}
		}
	}
	res.Cameras = p.cams
	res.RMS, res.CameraRMS, res.CameraCorners = rms, camRMS, camN
	res.Frames, res.Corners = len(p.boards), len(p.obs)
	ss := make([]float64, len(p.boards))
	ns := make([]int, len(p.boards))
	for i := range p.obs {
		o := &p.obs[i]
		ss[o.board] += p.sqErr(o)
		ns[o.board]++
	}
	for i, f := range p.frames {
		b := p.boards[i]
		b.RMS = math.Sqrt(ss[i] / float64(ns[i]))
		res.Boards[f] = b
	}
	return res, nil
}

// checkCameras returns an error wrapping ErrInvalid when a camera's
// intrinsics or pose cannot be used: non-finite numbers, a focal length
// that is not positive, a rotation that is not one.
func checkCameras(cams []calibration.Camera) error {
	for c := range cams {
		if err := checkCamera(&cams[c]); err != nil {
			return fmt.Errorf("camera %d: %w", c, err)
		}
		if !finiteRigid(cams[c].R, cams[c].T) {
			return fmt.Errorf("camera %s: %w: its pose is not a finite rotation and translation", cameraName(cams, c), ErrInvalid)
		}
	}
	return nil
}

// camView is one camera's view of a frame.
type camView struct {
	cam int
	v   *View
}

// checkView returns an error wrapping ErrInvalid when the view's
// slices disagree in length or hold a non-finite number.
func checkView(v *View) error {
	if len(v.Pix) != len(v.Obj) || (len(v.IDs) != 0 && len(v.IDs) != len(v.Obj)) {
		return fmt.Errorf("%w: %d IDs, %d object points, %d pixels", ErrInvalid, len(v.IDs), len(v.Obj), len(v.Pix))
	}
	for k := range v.Obj {
		if !finiteVec(v.Obj[k]) || !finite2(v.Pix[k]) {
			return fmt.Errorf("%w: point %d is not finite (object %v, pixel %v)", ErrInvalid, k, v.Obj[k], v.Pix[k])
		}
	}
	return nil
}

func finite2(p [2]float64) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0)
}

// boardFromViews returns the board→world pose that best fits the board
// corners triangulated from the cameras that see the frame, matched by ID.
func boardFromViews(cams []calibration.Camera, cvs []camView) (Pose, bool) {
	if len(cvs) < 2 {
		return Pose{}, false
	}
	type seen struct {
		obj r3.Vec
		obs []KeypointObs
	}
	byID := map[int]*seen{}
	for _, cv := range cvs {
		for k, id := range cv.v.IDs {
			s := byID[id]
			if s == nil {
				s = &seen{obj: cv.v.Obj[k]}
				byID[id] = s
			}
			s.obs = append(s.obs, KeypointObs{Camera: cv.cam, U: cv.v.Pix[k][0], V: cv.v.Pix[k][1], Weight: 1})
		}
	}
	var obj, world []r3.Vec
	for _, s := range byID {
		if len(s.obs) < 2 {
			continue
		}
		if t, ok := Triangulate(cams, s.obs); ok {
			obj, world = append(obj, s.obj), append(world, t.X)
		}
	}
	sim, _, err := FitSimilarity(world, obj, false)
	if err != nil {
		return Pose{}, false
	}
	return Pose{R: sim.R, T: sim.T}, true
}

// checkConnected returns an error wrapping ErrDisconnected naming the
// cameras that share no point, directly or through other cameras, with
// the reference: their pose relative to it is not observable.
func checkConnected(cams []calibration.Camera, ref int, pairCam, pairPt []int) error {
	// Union–find over cameras and points: a point joins the cameras that
	// see it.
	np := 0
	for _, p := range pairPt {
		np = max(np, p+1)
	}
	parent := make([]int, len(cams)+np)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for k := range pairCam {
		a, b := find(pairCam[k]), find(len(cams)+pairPt[k])
		parent[a] = b
	}
	var missing []string
	for c := range cams {
		if find(c) != find(ref) {
			missing = append(missing, cameraName(cams, c))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s (reference %s)", ErrDisconnected, strings.Join(missing, ", "), cameraName(cams, ref))
	}
	return nil
}

func cameraName(cams []calibration.Camera, c int) string {
	if cams[c].Name != "" {
		return fmt.Sprintf("%d (%s)", c, cams[c].Name)
	}
	return fmt.Sprint(c)
}

// boardObs is one board corner seen by one camera.
type boardObs struct {
	pair, cam, board int
	P                r3.Vec // the corner in board coordinates
	u, v             float64
}

// bundleProblem is BoardBundle's least-squares problem for schurLM.
type bundleProblem struct {
	huber  float64
	intr   bool
	pc     int
	frames []int
	obs    []boardObs // grouped by pair, pairs grouped by board

	cams, cand         []calibration.Camera
	boards, candBoards []Pose
}

func (p *bundleProblem) linearize(sys *blockSystem) float64 {
	sys.reset()
	local := make([]calibration.Camera, len(p.cams))
	for c := range p.cams {
		// The camera at the origin: its ProjectJacobian is d(u, v)/dXc.
		local[c] = p.cams[c]
		local[c].R = [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
		local[c].T = r3.Vec{}
	}
	var jc [24]float64
	var jp [12]float64
	var cost float64
	for i := range p.obs {
		o := &p.obs[i]
		cam, b := &p.cams[o.cam], &p.boards[o.board]
		bp := calibration.MatVec(b.R, o.P)
		Xw := r3.Add(bp, b.T)
		rx := calibration.MatVec(cam.R, Xw)
		Xc := r3.Add(rx, cam.T)
		u, v, J, ok := local[o.cam].ProjectJacobian(Xc)
		if !ok {
			// Behind the camera: the step that led here was rejected, so
			// this only happens for a corner given there; leave it out.
			continue
		}
		r := [2]float64{u - o.u, v - o.v}
		s := r[0]*r[0] + r[1]*r[1]
		rho, w := huber(s, p.huber)
		cost += 0.5 * rho
		// Rows of J·(−[a]×) are a × (row of J); J·Rc for the board.
		for k := range 2 {
			row := r3.Vec{X: J[k][0], Y: J[k][1], Z: J[k][2]}
			jw := r3.Cross(rx, row)
			jr := m3tvec(cam.R, row) // row of J·Rc
			jb := r3.Cross(bp, jr)
			o6 := k * p.pc
			jc[o6+0], jc[o6+1], jc[o6+2] = jw.X, jw.Y, jw.Z
			jc[o6+3], jc[o6+4], jc[o6+5] = row.X, row.Y, row.Z
			q := k * 6
			jp[q+0], jp[q+1], jp[q+2] = jb.X, jb.Y, jb.Z
			jp[q+3], jp[q+4], jp[q+5] = jr.X, jr.Y, jr.Z
		}
		if p.intr {
			intrinsicsJacobian(jc[6:12], jc[p.pc+6:p.pc+12], cam, Xc, u, v)
		}
		sys.add(o.pair, jc[:2*p.pc], jp[:], r, w)
	}
	return cost
}

func (p *bundleProblem) tryStep(dc, dp []float64) float64 {
	for c := range p.cams {
		d := dc[c*p.pc : (c+1)*p.pc]
		src, dst := &p.cams[c], &p.cand[c]
		dist := dst.Dist
		*dst = *src
		dst.Dist = append(dist[:0], src.Dist...)
		dst.R = rotUpdate(src.R, r3.Vec{X: d[0], Y: d[1], Z: d[2]})
		dst.T = r3.Add(src.T, r3.Vec{X: d[3], Y: d[4], Z: d[5]})
		if p.intr {
			dst.K[0][0] += d[6]
			dst.K[1][1] += d[7]
			dst.K[0][2] += d[8]
			dst.K[1][2] += d[9]
			dst.Dist[0] += d[10]
			dst.Dist[1] += d[11]
		}
	}
	for b := range p.boards {
		d := dp[b*6 : b*6+6]
		p.candBoards[b] = Pose{
			R: rotUpdate(p.boards[b].R, r3.Vec{X: d[0], Y: d[1], Z: d[2]}),
			T: r3.Add(p.boards[b].T, r3.Vec{X: d[3], Y: d[4], Z: d[5]}),
		}
	}
	var cost float64
	for i := range p.obs {
		o := &p.obs[i]
		b := &p.candBoards[o.board]
		u, v, ok := p.cand[o.cam].Project(r3.Add(calibration.MatVec(b.R, o.P), b.T))
		if !ok {
			// A step that puts a corner behind its camera is rejected.
			return math.Inf(1)
		}
		rho, _ := huber((u-o.u)*(u-o.u)+(v-o.v)*(v-o.v), p.huber)
		cost += 0.5 * rho
	}
	return cost
}

func (p *bundleProblem) accept() {
	p.cams, p.cand = p.cand, p.cams
	p.boards, p.candBoards = p.candBoards, p.boards
}

// sqErr returns the squared reprojection error of o at the current
// estimate.
func (p *bundleProblem) sqErr(o *boardObs) float64 {
	b := &p.boards[o.board]
	u, v, ok := p.cams[o.cam].Project(r3.Add(calibration.MatVec(b.R, o.P), b.T))
	if !ok {
		return math.Inf(1)
	}
	return (u-o.u)*(u-o.u) + (v-o.v)*(v-o.v)
}

// rms returns the overall and per-camera reprojection RMS and the number of
// corners per camera.
func (p *bundleProblem) rms() (float64, []float64, []int) {
	return perCameraRMS(len(p.cams), len(p.obs), func(i int) (int, float64) {
		return p.obs[i].cam, p.sqErr(&p.obs[i])
	})
}

// intrinsicsJacobian writes d(u, v)/d(fx, fy, cx, cy, k1, k2) of the pixel
// (u, v) of the camera point Xc into du and dv. The distorted normalised
// coordinates are recovered from the pixel, which is linear in them.
func intrinsicsJacobian(du, dv []float64, cam *calibration.Camera, Xc r3.Vec, u, v float64) {
	fx, fy, s, cx, cy := cam.K[0][0], cam.K[1][1], cam.K[0][1], cam.K[0][2], cam.K[1][2]
	yd := (v - cy) / fy
	xd := (u - cx - s*yd) / fx
	x, y := Xc.X/Xc.Z, Xc.Y/Xc.Z
	// d(xd, yd)/dk1 and /dk2.
	var ax, ay, bx, by float64
	if cam.Fisheye {
		if r := math.Hypot(x, y); r > 1e-12 {
			th := math.Atan(r)
			t3 := th * th * th
			ax, ay = x/r*t3, y/r*t3
			bx, by = ax*th*th, ay*th*th
		}
	} else {
		r2 := x*x + y*y
		ax, ay = x*r2, y*r2
		bx, by = ax*r2, ay*r2
	}
	du[0], du[1], du[2], du[3], du[4], du[5] = xd, 0, 1, 0, fx*ax+s*ay, fx*bx+s*by
	dv[0], dv[1], dv[2], dv[3], dv[4], dv[5] = 0, yd, 0, 1, fy*ay, fy*by
}

// huber returns Huber's loss ρ of a squared error s with threshold delta
// (ρ = s within it, 2·delta·√s − delta² beyond: quadratic then linear in
// the error) and its derivative dρ/ds, the weight of the residual in
// iteratively reweighted least squares.
func huber(s, delta float64) (rho, w float64) {
	if s <= delta*delta {
		return s, 1
	}
	e := math.Sqrt(s)
	return 2*delta*e - delta*delta, delta / e
}
