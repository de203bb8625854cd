package fusion

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
)

// Observation is one camera's 2D keypoint for one joint: pixel and
// confidence in [0, 1]. A score of 0 (or below the triangulator's
// threshold), or a non-finite coordinate, means the camera did not see it.
type Observation struct {
	X, Y, Score float64
}

// Selection is how a Triangulator drops views that disagree.
type Selection int

const (
	// Reject drops, one at a time, the view whose removal lowers the mean
	// reprojection error most, while that error exceeds MaxError and more
	// than MinViews views remain (Pose2Sim's rule, 15 px by default).
	Reject Selection = iota
	// KeepAll uses every view that passes MinScore.
	KeepAll
)

// TriangulatorConfig configures a Triangulator. The zero value is the
// default.
type TriangulatorConfig struct {
	// MinScore is the lowest keypoint score a view needs to count; default
	// 0.3.
	MinScore float64
	// MinViews is the fewest views a joint is placed from; default 2.
	MinViews int
	// MaxError is the mean reprojection error, in pixels, above which views
	// are rejected; default 15.
	MaxError float64
	// Selection chooses the robust view selection; default Reject.
	Selection Selection
	// Refine polishes each DLT solution by Gauss-Newton on the
	// score-weighted reprojection error, through the full lens model.
	Refine bool
	// IgnoreDistortion triangulates observed pixels as if the lenses had no
	// distortion, as Pose2Sim does.
	IgnoreDistortion bool
}

// maxViews bounds the cameras one Triangulator serves: its scratch space is
// fixed.
const maxViews = 64

// Triangulator places joints in 3D from calibrated views by
// confidence-weighted DLT: each view contributes the two rows
// w·(u·P₃ − P₁) and w·(v·P₃ − P₂) of its projection matrix P = K[R|T], w its
// score and (u, v) its undistorted pixel; the joint is the homogeneous
// least-squares solution (smallest eigenvector of AᵀA). It owns scratch
// space and is not safe for concurrent use.
type Triangulator struct {
	cfg  TriangulatorConfig
	cams []calibration.Camera
	P    [][3][4]float64

	// Per-call scratch, by view.
	obs     [maxViews]Observation
	u, v, w [maxViews]float64
	use     [maxViews]bool
}

// NewTriangulator returns a triangulator over cams.
func NewTriangulator(cams []calibration.Camera, cfg TriangulatorConfig) (*Triangulator, error) {
	if cfg.MinScore == 0 {
		cfg.MinScore = 0.3
	}
	if cfg.MinViews == 0 {
		cfg.MinViews = 2
	}
	if cfg.MaxError == 0 {
		cfg.MaxError = 15
	}
	switch {
	case len(cams) == 0:
		return nil, fmt.Errorf("triangulator: %w", ErrNoCameras)
	case len(cams) > maxViews:
		return nil, fmt.Errorf("triangulator: %d cameras, at most %d", len(cams), maxViews)
	case cfg.MinViews < 2:
		return nil, fmt.Errorf("triangulator: MinViews %d: a joint needs at least 2 views", cfg.MinViews)
	}
	t := &Triangulator{cfg: cfg, cams: cams, P: make([][3][4]float64, len(cams))}
	for i, c := range cams {
		for r := range 3 {
			for k := range 3 {
				t.P[i][r][k] = c.K[r][0]*c.R[0][k] + c.K[r][1]*c.R[1][k] + c.K[r][2]*c.R[2][k]
			}
			t.P[i][r][3] = c.K[r][0]*c.T.X + c.K[r][1]*c.T.Y + c.K[r][2]*c.T.Z
		}
	}
	return t, nil
}

// Cameras returns the number of cameras.
func (t *Triangulator) Cameras() int { return len(t.cams) }

// Joint places one joint from obs, one observation per camera in camera
// order. A joint seen by too few views, or whose geometry is degenerate, has
// OK false.
func (t *Triangulator) Joint(obs []Observation) Joint3 {
	n := min(len(obs), len(t.cams))
	views := 0
	for i := range n {
		o := obs[i]
		t.use[i] = false
		if !(o.Score >= t.cfg.MinScore) || !finite(o.X) || !finite(o.Y) {
			continue
		}
		u, v := o.X, o.Y
		if !t.cfg.IgnoreDistortion && len(t.cams[i].Dist) > 0 {
			x, y, ok := t.cams[i].Normalize(u, v)
			if !ok {
				continue
			}
			u, v = t.cams[i].Pinhole(x, y)
		}
		t.u[i], t.v[i], t.w[i], t.use[i] = u, v, o.Score, true
		views++
	}
	if views < t.cfg.MinViews {
		return Joint3{}
	}
	X, ok := t.solve(n)
	if !ok {
		return Joint3{}
	}
	e := t.meanError(X, n)
	for t.cfg.Selection == Reject && e > t.cfg.MaxError && views > t.cfg.MinViews {
		best, bestE, bestX := -1, math.Inf(1), X
		for i := range n {
			if !t.use[i] {
				continue
			}
			t.use[i] = false
			if Y, ok := t.solve(n); ok {
				if ey := t.meanError(Y, n); ey < bestE {
					best, bestE, bestX = i, ey, Y
				}
			}
			t.use[i] = true
		}
		if best < 0 {
			break
		}
		t.use[best] = false
		views--
		X, e = bestX, bestE
	}
	if t.cfg.Refine {
		X = t.refine(X, n)
	}
	var cams uint64
	for i := range n {
		if t.use[i] {
			cams |= 1 << i
		}
	}
	return Joint3{P: X, OK: true, Views: views, Cams: cams, Error: t.rmsError(X, obs, n)}
}

// solve returns the weighted DLT solution over the views in use. ok is
// false for degenerate geometry: a point at infinity, behind a camera, or an
// ambiguous smallest eigenvector.
func (t *Triangulator) solve(n int) (r3.Vec, bool) {
	var a [4][4]float64
	for i := range n {
		if !t.use[i] {
			continue
		}
		P, w := &t.P[i], t.w[i]
		var r1, r2 [4]float64
		for k := range 4 {
			r1[k] = w * (t.u[i]*P[2][k] - P[0][k])
			r2[k] = w * (t.v[i]*P[2][k] - P[1][k])
		}
		for j := range 4 {
			for k := j; k < 4; k++ {
				a[j][k] += r1[j]*r1[k] + r2[j]*r2[k]
			}
		}
	}
	for j := range 4 {
		for k := range j {
			a[j][k] = a[k][j]
		}
	}
	vals, vecs := eigSym4(a)
	// vals ascending; vecs[k] is the eigenvector of vals[k].
	h := vecs[0]
	if !(vals[1] > 1e-12*vals[3]) || math.Abs(h[3]) < 1e-12*math.Sqrt(h[0]*h[0]+h[1]*h[1]+h[2]*h[2]) {
		return r3.Vec{}, false
	}
	X := r3.Vec{X: h[0] / h[3], Y: h[1] / h[3], Z: h[2] / h[3]}
	for i := range n {
		if t.use[i] && !(t.cams[i].ToCamera(X).Z > 0) {
			return r3.Vec{}, false
		}
	}
	return X, finite(X.X) && finite(X.Y) && finite(X.Z)
}

// meanError is the mean distance, in undistorted pixels, between the views'
// observations and X's pinhole projection.
func (t *Triangulator) meanError(X r3.Vec, n int) float64 {
	var s float64
	m := 0
	for i := range n {
		if !t.use[i] {
			continue
		}
		P := &t.P[i]
		z := P[2][0]*X.X + P[2][1]*X.Y + P[2][2]*X.Z + P[2][3]
		pu := (P[0][0]*X.X + P[0][1]*X.Y + P[0][2]*X.Z + P[0][3]) / z
		pv := (P[1][0]*X.X + P[1][1]*X.Y + P[1][2]*X.Z + P[1][3]) / z
		s += math.Hypot(pu-t.u[i], pv-t.v[i])
		m++
	}
	return s / float64(m)
}

// rmsError is the RMS distance between the observed pixels of the views in
// use and X's projection through each camera's full lens model (or the
// pinhole model when distortion is ignored).
func (t *Triangulator) rmsError(X r3.Vec, obs []Observation, n int) float64 {
	var s float64
	m := 0
	for i := range n {
		if !t.use[i] {
			continue
		}
		var u, v float64
		if t.cfg.IgnoreDistortion {
			p := t.cams[i].ToCamera(X)
			u, v = t.cams[i].Pinhole(p.X/p.Z, p.Y/p.Z)
		} else {
			u, v, _ = t.cams[i].Project(X)
		}
		s += (u-obs[i].X)*(u-obs[i].X) + (v-obs[i].Y)*(v-obs[i].Y)
		m++
	}
	return math.Sqrt(s / float64(m))
}

// refine runs a few Gauss-Newton steps on the score-weighted squared
// reprojection error in undistorted pixels.
func (t *Triangulator) refine(X r3.Vec, n int) r3.Vec {
	for range 5 {
		var h [3][3]float64
		var g [3]float64
		for i := range n {
			if !t.use[i] {
				continue
			}
			c := &t.cams[i]
			p := c.ToCamera(X)
			if !(p.Z > 0) {
				return X
			}
			x, y := p.X/p.Z, p.Y/p.Z
			pu, pv := c.Pinhole(x, y)
			// d(pu, pv)/dX for the pinhole model: K₂ₓ₂ · dn · R.
			iz := 1 / p.Z
			var J [2][3]float64
			for k := range 3 {
				dx := iz * (c.R[0][k] - x*c.R[2][k])
				dy := iz * (c.R[1][k] - y*c.R[2][k])
				J[0][k] = c.K[0][0]*dx + c.K[0][1]*dy
				J[1][k] = c.K[1][1] * dy
			}
			w2 := t.w[i] * t.w[i]
			ru, rv := pu-t.u[i], pv-t.v[i]
			for a := range 3 {
				g[a] += w2 * (J[0][a]*ru + J[1][a]*rv)
				for b := range 3 {
					h[a][b] += w2 * (J[0][a]*J[0][b] + J[1][a]*J[1][b])
				}
			}
		}
		d, ok := solve3(h, g)
		if !ok {
			return X
		}
		X = r3.Sub(X, d)
		if r3.Norm(d) < 1e-9 {
			break
		}
	}
	return X
}

// Skeleton places every joint of one person: views[i][j] is joint j seen by
// camera i (a nil or short views[i] means camera i does not see the
// person). dst.Joints is resized to the joint count without allocating when
// its capacity suffices.
func (t *Triangulator) Skeleton(dst *Skeleton3, views [][]Observation, joints int) {
	if cap(dst.Joints) < joints {
		dst.Joints = make([]Joint3, joints)
	}
	dst.Joints = dst.Joints[:joints]
	obs := t.obs[:len(t.cams)]
	for j := range joints {
		for i := range obs {
			obs[i] = Observation{}
			if i < len(views) && j < len(views[i]) {
				obs[i] = views[i][j]
			}
		}
		dst.Joints[j] = t.Joint(obs)
	}
}

// Reproject sets the Error of each OK joint of s anew, for its position now,
// over the views (one keypoint slice per camera, as Skeleton takes) its Cams
// name: after a step that moved the joints, such as LimbChecker.Fit.
func (t *Triangulator) Reproject(s *Skeleton3, views [][]Observation) {
	obs := t.obs[:len(t.cams)]
	for j := range s.Joints {
		jt := &s.Joints[j]
		if !jt.OK {
			continue
		}
		for i := range obs {
			t.use[i] = jt.Cams&(1<<i) != 0 && i < len(views) && j < len(views[i])
			if t.use[i] {
				obs[i] = views[i][j]
			}
		}
		jt.Error = t.rmsError(jt.P, obs, len(obs))
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
