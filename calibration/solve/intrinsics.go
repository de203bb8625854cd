package solve

import (
	"fmt"
	"math"
	"slices"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/spatial/r3"
)

// IntrinsicsOptions choose the lens model and which of its parameters
// Intrinsics estimates. The zero value is cv::calibrateCamera's default:
// Brown–Conrady distortion with k1, k2, p1, p2 and k3 all free, fx and fy
// free, the principal point free. Skew is never estimated: it is zero, or
// the Initial camera's.
type IntrinsicsOptions struct {
	// Fisheye selects the equidistant model with k1..k4 (cv::fisheye's,
	// as calibration.Camera implements it) instead of Brown–Conrady.
	Fisheye bool
	// FixK3 keeps k3 at its initial value (zero, or Initial's), as
	// CALIB_FIX_K3: for lenses of moderate distortion and boards that
	// do not reach the image corners, where a free k3 fits the noise. In
	// the fisheye model it fixes k3 of k1..k4.
	FixK3 bool
	// FixAspect keeps fx/fy at its initial value: 1, or Initial's.
	FixAspect bool
	// ZeroTangent keeps p1 = p2 = 0 (Brown–Conrady only).
	ZeroTangent bool
	// FixPrincipalPoint keeps (cx, cy) at the image centre,
	// ((width−1)/2, (height−1)/2), or at Initial's.
	FixPrincipalPoint bool
	// Initial, when not nil, is the starting point (its K, and its Dist
	// when its model is the one asked for) instead of Zhang's closed form,
	// as CALIB_USE_INTRINSIC_GUESS. It is required for a non-planar
	// target. Its R, T and Name are not used.
	Initial *calibration.Camera
}

// IntrinsicsResult is a calibrated camera with the figures to judge it.
type IntrinsicsResult struct {
	// Camera has the estimated K and Dist, the image size, R = I, T = 0.
	Camera calibration.Camera
	// RMS is the reprojection error over all points, px, computed as
	// cv::calibrateCamera's return value: sqrt(Σ‖eᵢ‖² / n).
	RMS float64
	// Poses holds, for each view given, the target's pose in the
	// camera's frame (target→camera), its RMS (the view's reprojection
	// error) and its per-point residuals. Skipped views have a zero Pose.
	Poses []Pose
	// Skipped lists the views without points (no board found in them).
	Skipped []int
	// Hurting lists the views that hurt the calibration, by index into
	// the views given. A view hurts when its RMS exceeds
	// max(3 × the median view RMS, 1 px), or when leaving its residuals
	// out (without solving again) would lower the overall RMS by more
	// than 10 %. The first rule finds a view much worse than the others;
	// the second, with few views, one that carries a large share of the
	// error. They are candidates to remove before calibrating again.
	Hurting []int
	// StdDev holds the estimated standard deviations of fx, fy, cx, cy and
	// the distortion coefficients (in Dist's order): the square roots of
	// the diagonal of σ²·(JᵀJ)⁻¹ at the solution, σ² the residual
	// variance, as cv::calibrateCamera's stdDeviationsIntrinsics. Fixed
	// parameters have 0. Nil when JᵀJ is singular.
	StdDev []float64
	// Iterations is the number of Levenberg–Marquardt steps of the joint
	// refinement.
	Iterations int
}

// Thresholds of the view checks.
const (
	// minNormalSpread is the least angle, degrees, between the board
	// normals of two views: below it every view sees the board in the
	// same orientation, and focal length and principal point trade off
	// against each other (Zhang's degenerate configuration).
	minNormalSpread = 3.0
	// hurtFactor and hurtFloor make the per-view RMS rule of Hurting.
	hurtFactor, hurtFloor = 3.0, 1.0
	// hurtShare is the overall RMS decrease, as a fraction, that makes a
	// view hurt when its residuals are left out.
	hurtShare = 0.10
)

// Intrinsics calibrates one camera from views of a known target: a board
// from a detector (its corners at z = 0 in the board's frame, as
// View.Obj), or, when opt.Initial gives a starting camera, any rigid target
// of known geometry. width and height are the image size in pixels.
//
// The starting point is Zhang's closed form ("A flexible new technique for
// camera calibration", 2000) from the views' homographies, with zero skew
// imposed; when it has no valid solution (an aspect ratio outside
// [0.5, 2], a principal point far from the centre) the principal point is
// fixed at the image centre and only the focal lengths are solved from the
// same homographies, as cv::initCameraMatrix2D does. Distortion starts at
// zero. For a fisheye lens, whose wide field a pinhole start can misjudge,
// cv::fisheye::calibrate's start (the image's larger side spanning 180°)
// is tried as well, and the better refinement kept. Each view's pose is
// then found by PnP with the starting camera, and a Levenberg–Marquardt
// refinement moves the free intrinsics, the distortion and every view's
// pose (rotation vector and translation) together to minimise the
// reprojection error, with analytic derivatives. Finally, the solved
// board normals must spread over at least 3°: parallel boards, including
// boards that all squarely face the camera, cannot separate the focal
// length from the principal point, whatever the refinement returned.
//
// Views without points are skipped and listed in the result. Errors:
// ErrInvalid (bad size, non-finite coordinates, mismatched lists),
// ErrTooFewPoints (a view with 1 to 3 points), ErrTooFewViews (fewer than
// 3 views with points), ErrNotPlanar (a non-planar target without
// opt.Initial), ErrDegenerate (every board in the same orientation, or
// views that determine no focal length), ErrNoSolution (the refinement
// failed).
func Intrinsics(views []View, width, height int, opt IntrinsicsOptions) (*IntrinsicsResult, error) {
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("%w: image size %dx%d", ErrInvalid, width, height)
	}
	used, skipped, offPlane, err := checkViews(views)
	if err != nil {
		return nil, err
	}
	if len(used) < 3 {
		return nil, fmt.Errorf("%w: %d views with a target, need 3", ErrTooFewViews, len(used))
	}

	planar := offPlane == ""
	starts, err := startingLenses(views, used, width, height, offPlane, &opt)
	if err != nil {
		return nil, err
	}
	var best *fit
	for _, l := range starts {
		f, ferr := refine(views, used, width, height, l, &opt)
		if ferr != nil {
			err = ferr
			continue
		}
		if best == nil || f.res.cost < best.res.cost {
			best = f
		}
	}
	if best == nil {
		return nil, err
	}
	model, x := best.model, best.x
	poses := make([]Pose, len(views))
	for k, v := range used {
		var pv [6]float64
		copy(pv[:], x[model.nFree()+6*k:])
		poses[v] = PoseFromVec(pv)
	}
	if planar {
		if err := checkOrientations(poses, used); err != nil {
			return nil, err
		}
	}

	out := &IntrinsicsResult{
		Camera:     model.lens.camera(width, height),
		Poses:      poses,
		Skipped:    skipped,
		Iterations: best.res.iterations,
	}
	var sum float64
	var count int
	for _, v := range used {
		p := poses[v]
		p.Residuals = make([]float64, views[v].Len())
		p.RMS = reprojection(p.Residuals, &model.lens, &p, views[v].Obj, views[v].Pix)
		poses[v] = p
		sum += p.RMS * p.RMS * float64(views[v].Len())
		count += views[v].Len()
	}
	out.RMS = math.Sqrt(sum / float64(count))
	out.Hurting = hurting(poses, views, used, sum, count)
	if cov, ok := best.lm.covariance(&best.prob, x); ok {
		out.StdDev = model.stdDev(func(i int) float64 { return cov.At(i, i) })
	}
	return out, nil
}

// checkViews validates the views and sorts them into used (with points)
// and skipped (without). offPlane is "" when every target point is at
// z = 0, else it names the first that is not.
func checkViews(views []View) (used, skipped []int, offPlane string, err error) {
	for v := range views {
		vw := &views[v]
		n := len(vw.Obj)
		if len(vw.Pix) != n {
			return nil, nil, "", fmt.Errorf("%w: view %d %q: %d target points, %d pixels", ErrInvalid, v, vw.Label, n, len(vw.Pix))
		}
		if n == 0 {
			skipped = append(skipped, v)
			continue
		}
		if n < 4 {
			return nil, nil, "", fmt.Errorf("%w: view %d %q: %d points, need 4", ErrTooFewPoints, v, vw.Label, n)
		}
		var extent float64
		for i := range n {
			if !finiteVec(vw.Obj[i]) || !isFinite(vw.Pix[i][0]) || !isFinite(vw.Pix[i][1]) {
				return nil, nil, "", fmt.Errorf("%w: view %d %q: point %d: non-finite coordinate", ErrInvalid, v, vw.Label, i)
			}
			extent = math.Max(extent, math.Max(math.Abs(vw.Obj[i].X), math.Abs(vw.Obj[i].Y)))
		}
		for i := range n {
			// Board coordinates are exact zeros; the tolerance only
			// forgives rounding in a target read from a file.
			if z := vw.Obj[i].Z; offPlane == "" && math.Abs(z) > 1e-9*math.Max(extent, 1) {
				offPlane = fmt.Sprintf("view %d %q: point %d at z = %g m", v, vw.Label, i, z)
			}
		}
		used = append(used, v)
	}
	return used, skipped, offPlane, nil
}

// startingLenses returns the starting cameras, with opt's fixed
// parameters applied: opt.Initial's, or Zhang's closed form for a planar
// target. For a fisheye lens the closed form, which assumes a pinhole, is
// joined by cv::fisheye::calibrate's own start, an equidistant lens whose
// image's larger side spans 180°, and the better refinement wins.
func startingLenses(views []View, used []int, width, height int, offPlane string, opt *IntrinsicsOptions) ([]lens, error) {
	var starts []lens
	switch {
	case opt.Initial != nil:
		if err := checkCamera(opt.Initial); err != nil {
			return nil, fmt.Errorf("initial camera: %w", err)
		}
		l := lensOf(opt.Initial)
		if opt.Initial.Fisheye != opt.Fisheye {
			l.k = [5]float64{}
		}
		starts = append(starts, l)
	case offPlane != "":
		return nil, fmt.Errorf("%w: %s; calibrating from a non-planar target needs an initial camera", ErrNotPlanar, offPlane)
	default:
		l, err := zhang(views, used, width, height, opt.FixPrincipalPoint, opt.FixAspect)
		if err == nil {
			starts = append(starts, l)
		}
		if opt.Fisheye {
			f := float64(max(width, height)) / math.Pi
			starts = append(starts, lens{fx: f, fy: f, cx: float64(width-1) / 2, cy: float64(height-1) / 2})
		} else if err != nil {
			return nil, err
		}
	}
	for i := range starts {
		l := &starts[i]
		l.fisheye = opt.Fisheye
		if opt.Fisheye {
			l.k[4] = 0
		} else if opt.ZeroTangent {
			l.k[2], l.k[3] = 0, 0
		}
	}
	return starts, nil
}

// fit is a joint refinement: the model, its problem, the solution x (free
// intrinsics, then each used view's pose) and the solver, whose buffers
// the covariance reuses.
type fit struct {
	model *intrinsicModel
	prob  lsProblem
	x     []float64
	res   lmResult
	lm    lmSolver
}

// refine finds each view's pose with the starting lens by PnP, then
// refines the free intrinsics and all the poses together.
func refine(views []View, used []int, width, height int, start lens, opt *IntrinsicsOptions) (*fit, error) {
	f := &fit{model: newIntrinsicModel(&start, opt)}
	f.prob = f.model.problem(views, used)
	f.x = make([]float64, f.prob.n)
	f.model.pack(f.x)
	nf := f.model.nFree()
	cam := start.camera(width, height)
	var pnp pnpSolver
	for k, v := range used {
		p, err := pnp.solve(&cam, views[v].Obj, views[v].Pix)
		if err != nil {
			return nil, fmt.Errorf("view %d %q: initial pose: %w", v, views[v].Label, err)
		}
		pv := p.Vec()
		copy(f.x[nf+6*k:], pv[:])
	}
	var err error
	if f.res, err = f.lm.minimize(&f.prob, f.x); err != nil {
		return nil, fmt.Errorf("joint refinement: %w", err)
	}
	if !allFinite(f.x) {
		return nil, fmt.Errorf("%w: joint refinement left the finite range", ErrNoSolution)
	}
	f.model.unpack(f.x)
	return f, nil
}

// checkOrientations fails with ErrDegenerate when every board normal is
// within minNormalSpread of every other: parallel boards, which include
// boards all squarely facing the camera.
func checkOrientations(poses []Pose, used []int) error {
	var widest float64
	for a, va := range used {
		na := r3.Vec{X: poses[va].R[0][2], Y: poses[va].R[1][2], Z: poses[va].R[2][2]}
		for _, vb := range used[a+1:] {
			nb := r3.Vec{X: poses[vb].R[0][2], Y: poses[vb].R[1][2], Z: poses[vb].R[2][2]}
			c := math.Max(-1, math.Min(1, r3.Dot(na, nb)))
			widest = math.Max(widest, math.Acos(c)*180/math.Pi)
		}
	}
	if widest < minNormalSpread {
		return fmt.Errorf("%w: the board normals of all %d views are within %.2f° of each other, need %g°: tilt the board differently between views", ErrDegenerate, len(used), widest, minNormalSpread)
	}
	return nil
}

// hurting applies the rule documented at IntrinsicsResult.Hurting; sum and
// count are the squared residuals' total and the number of points.
func hurting(poses []Pose, views []View, used []int, sum float64, count int) []int {
	rms := make([]float64, len(used))
	for k, v := range used {
		rms[k] = poses[v].RMS
	}
	slices.Sort(rms)
	median := rms[len(rms)/2]
	if len(rms)%2 == 0 {
		median = (median + rms[len(rms)/2-1]) / 2
	}
	limit := math.Max(hurtFactor*median, hurtFloor)
	overall := math.Sqrt(sum / float64(count))
	var out []int
	for _, v := range used {
		p := &poses[v]
		n := views[v].Len()
		without := math.Sqrt(math.Max(0, sum-p.RMS*p.RMS*float64(n)) / float64(count-n))
		if p.RMS > limit || without < (1-hurtShare)*overall {
			out = append(out, v)
		}
	}
	return out
}

// intrinsicModel maps the solver's parameter vector to the lens: the
// free intrinsics first, in the order fx, fy, cx, cy, k…, then each used
// view's pose (ω, t). Fixed intrinsics keep their starting values.
type intrinsicModel struct {
	lens lens
	q    [nIntrinsics]float64 // all intrinsics, fixed and free
	free []int                // indices into q of the free ones, in x's order
	// With FixAspect fx is not free but follows fy: fx = aspect·fy.
	fixAspect bool
	aspect    float64
}

func newIntrinsicModel(l *lens, opt *IntrinsicsOptions) *intrinsicModel {
	m := &intrinsicModel{lens: *l, fixAspect: opt.FixAspect, aspect: l.fx / l.fy}
	m.lens.params(&m.q)
	if !opt.FixAspect {
		m.free = append(m.free, 0)
	}
	m.free = append(m.free, 1)
	if !opt.FixPrincipalPoint {
		m.free = append(m.free, 2, 3)
	}
	m.free = append(m.free, 4, 5) // k1, k2
	if opt.Fisheye {
		if !opt.FixK3 {
			m.free = append(m.free, 6)
		}
		m.free = append(m.free, 7) // k4
	} else {
		if !opt.ZeroTangent {
			m.free = append(m.free, 6, 7)
		}
		if !opt.FixK3 {
			m.free = append(m.free, 8)
		}
	}
	return m
}

func (m *intrinsicModel) nFree() int { return len(m.free) }

// pack writes the free intrinsics into x.
func (m *intrinsicModel) pack(x []float64) {
	for k, i := range m.free {
		x[k] = m.q[i]
	}
}

// unpack sets the lens from the free intrinsics in x.
func (m *intrinsicModel) unpack(x []float64) {
	for k, i := range m.free {
		m.q[i] = x[k]
	}
	if m.fixAspect {
		m.q[0] = m.aspect * m.q[1]
	}
	m.lens.setParams(&m.q)
}

// problem is the reprojection error of every used view's points, px.
func (m *intrinsicModel) problem(views []View, used []int) lsProblem {
	nf := m.nFree()
	var rows int
	for _, v := range used {
		rows += 2 * views[v].Len()
	}
	n := nf + 6*len(used)
	poseOf := func(x []float64, k int) rigid {
		p := x[nf+6*k:]
		return rigidOf(r3.Vec{X: p[0], Y: p[1], Z: p[2]}, r3.Vec{X: p[3], Y: p[4], Z: p[5]})
	}
	return lsProblem{
		m: rows, n: n,
		residuals: func(r, x []float64) bool {
			m.unpack(x)
			row := 0
			for k, v := range used {
				p := poseOf(x, k)
				for i, X := range views[v].Obj {
					u, w, ok := m.lens.pixel(p.apply(X, nil), nil, nil)
					if !ok {
						return false
					}
					r[row], r[row+1] = u-views[v].Pix[i][0], w-views[v].Pix[i][1]
					row += 2
				}
			}
			return true
		},
		jacobian: func(jac, x []float64) {
			m.unpack(x)
			var dw [3][3]float64
			var dxc [2][3]float64
			var din [2][nIntrinsics]float64
			var dp [2][6]float64
			row := 0
			for k, v := range used {
				p := poseOf(x, k)
				for _, X := range views[v].Obj {
					if _, _, ok := m.lens.pixel(p.apply(X, &dw), &dxc, &din); ok {
						poseBlock(&dp, &dxc, &dw)
						for a := range 2 {
							jr := jac[(row+a)*n : (row+a+1)*n]
							for c, i := range m.free {
								d := din[a][i]
								if m.fixAspect && i == 1 {
									d += m.aspect * din[a][0]
								}
								jr[c] = d
							}
							copy(jr[nf+6*k:nf+6*k+6], dp[a][:])
						}
					}
					row += 2
				}
			}
		},
	}
}

// stdDev maps the free parameters' variances (variance(c) for column c)
// to the standard deviations of fx, fy, cx, cy, k….
func (m *intrinsicModel) stdDev(variance func(c int) float64) []float64 {
	sd := make([]float64, 4+m.lens.nDist())
	for c, i := range m.free {
		sd[i] = math.Sqrt(math.Max(0, variance(c)))
	}
	if m.fixAspect {
		sd[0] = m.aspect * sd[1]
	}
	return sd
}
