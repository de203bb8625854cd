package calibrate

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/solve"
)

// CheckBoard reports how well an existing calibration reprojects boards
// recorded by its cameras (What "board"): dets[k] is one camera's search
// of a synchronized recording, matched to cams by name, else by order
// when the counts agree. Frames pair as in ExtrinsicsFrom, each camera's
// corners read at its Detections.Lag.
//
// At each synchronized frame seen by two cameras or more (usable views:
// 6 corners or more, not on one line), the board's pose is fitted to all
// of them at once: PnP in the camera that sees the most corners, then
// Gauss–Newton over every camera's corners through the calibration's
// cameras, the board rigid and of its true size. Each corner's error is
// the distance between its pixel and the reprojection of the fitted
// board's corner. Fitting the rigid board, six unknowns per frame, rather
// than triangulating each corner, three per corner, leaves the errors
// more of their size: a corner triangulated from two cameras absorbs half
// of its own error. An error in one camera's pose or lens spreads, through
// the fit, over every camera that shares frames with it: the check tells
// that a calibration is off, and by how much, more surely than which
// camera is. Points counts the board corners checked (a corner at a
// frame).
//
// Cameras come in the calibration's order; one without a recording has
// no observations. Errors wrap ErrInput (fewer than 2 recordings, other
// bad input), ErrMismatch (cameras not matched, image sizes that differ),
// ErrUnsynchronized, ErrTooFewViews (no frame seen by two cameras).
func CheckBoard(cams []calibration.Camera, dets []*Detections) (*CheckReport, error) {
	m, err := matchRecordings(cams, dets)
	if err != nil {
		return nil, fmt.Errorf("check against the board: %w", err)
	}
	errs := make([][]float64, len(cams))
	points := 0
	for _, fr := range m.frames {
		if len(fr) < 2 {
			continue
		}
		pose, ok := fitBoard(m.cams, fr)
		if !ok {
			continue
		}
		ids := map[int]bool{}
		for _, o := range fr {
			cam := &m.cams[o.cam]
			for k, P := range o.v.Obj {
				u, v, ok := cam.Project(r3.Add(calibration.MatVec(pose.R, P), pose.T))
				if !ok {
					continue
				}
				errs[m.index[o.cam]] = append(errs[m.index[o.cam]], math.Hypot(o.v.Pix[k][0]-u, o.v.Pix[k][1]-v))
				ids[o.v.IDs[k]] = true
			}
		}
		points += len(ids)
	}
	if points == 0 {
		return nil, fmt.Errorf("check against the board: %w: no synchronized frame where two cameras see the board usably (frames shared: %s)",
			ErrTooFewViews, describeShared(dets, m.shared))
	}
	names := make([]string, len(cams))
	for i := range cams {
		names[i] = cams[i].Name
	}
	return checkReport("board", names, errs, points), nil
}

// BoardGeometryError measures how well a calibration reproduces the
// board's true geometry, independently of any board pose: at each
// synchronized frame, every corner seen by two cameras or more is
// triangulated (solve.Triangulate, through the lens model), and every
// distance between two corners triangulated at that frame is compared with
// their true distance on the board (Spec.Points). It returns the RMS of
// those differences, m, and the number of corner pairs. Recordings are
// matched to cams and frames paired as in CheckBoard; a calibration off in
// scale, in the cameras' relative poses or in the lenses bends or
// stretches the triangulated board.
//
// Errors are CheckBoard's, and ErrTooFewPoints when no frame has two
// corners triangulated.
func BoardGeometryError(cams []calibration.Camera, dets []*Detections) (rms float64, pairs int, err error) {
	m, err := matchRecordings(cams, dets)
	if err != nil {
		return 0, 0, fmt.Errorf("board geometry: %w", err)
	}
	var ss float64
	for _, fr := range m.frames {
		if len(fr) < 2 {
			continue
		}
		obs := map[int][]solve.KeypointObs{}
		obj := map[int]r3.Vec{}
		for _, o := range fr {
			for k, id := range o.v.IDs {
				obs[id] = append(obs[id], solve.KeypointObs{Camera: o.cam, Point: id, U: o.v.Pix[k][0], V: o.v.Pix[k][1], Weight: 1})
				obj[id] = o.v.Obj[k]
			}
		}
		ids := make([]int, 0, len(obs))
		for id := range obs {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		var got, want []r3.Vec
		for _, id := range ids {
			if len(obs[id]) < 2 {
				continue
			}
			if t, ok := solve.Triangulate(m.cams, obs[id]); ok {
				got, want = append(got, t.X), append(want, obj[id])
			}
		}
		for i := range got {
			for j := i + 1; j < len(got); j++ {
				d := r3.Norm(r3.Sub(got[i], got[j])) - r3.Norm(r3.Sub(want[i], want[j]))
				ss += d * d
				pairs++
			}
		}
	}
	if pairs == 0 {
		return 0, 0, fmt.Errorf("board geometry: %w: no frame with two corners triangulated (frames shared: %s)",
			ErrTooFewPoints, describeShared(dets, m.shared))
	}
	return math.Sqrt(ss / float64(pairs)), pairs, nil
}

// recordings are a calibration's cameras matched to board recordings.
type recordings struct {
	// cams[k] is the calibration's camera of recording k, index[k] its
	// index in the calibration.
	cams  []calibration.Camera
	index []int
	// frames holds, by synchronized frame in increasing order, the usable
	// views of that frame.
	frames [][]camObs
	shared [][]int
}

// camObs is recording cam's view of a frame.
type camObs struct {
	cam int
	v   *solve.View
}

// matchRecordings matches dets to cams (by name, else by order) and
// gathers their usable views by synchronized frame.
func matchRecordings(cams []calibration.Camera, dets []*Detections) (*recordings, error) {
	if err := checkDetections(dets); err != nil {
		return nil, err
	}
	index, err := matchIndex(cams, dets)
	if err != nil {
		return nil, err
	}
	m := &recordings{cams: make([]calibration.Camera, len(dets)), index: index}
	for k, i := range index {
		m.cams[k] = cams[i]
		if err := checkPose(&m.cams[k]); err != nil {
			return nil, err
		}
	}
	tl, err := synchronize(dets)
	if err != nil {
		return nil, err
	}
	views := make([][]solve.View, len(dets))
	for c, d := range dets {
		views[c] = lagViews(d, tl, c, d.Lag, d.step())
	}
	m.shared = sharedFrames(views)
	byFrame := map[int][]camObs{}
	for c := range views {
		for i := range views[c] {
			v := &views[c][i]
			byFrame[v.Frame] = append(byFrame[v.Frame], camObs{c, v})
		}
	}
	frames := make([]int, 0, len(byFrame))
	for f := range byFrame {
		frames = append(frames, f)
	}
	sort.Ints(frames)
	for _, f := range frames {
		m.frames = append(m.frames, byFrame[f])
	}
	return m, nil
}

// checkPose rejects a camera whose intrinsics or pose are unusable.
func checkPose(c *calibration.Camera) error {
	if err := checkIntrinsics(c); err != nil {
		return err
	}
	ok := finiteFloat(c.T.X) && finiteFloat(c.T.Y) && finiteFloat(c.T.Z)
	for i := range 3 {
		for j := range 3 {
			ok = ok && finiteFloat(c.R[i][j])
		}
	}
	if !ok {
		return fmt.Errorf("%w: camera %q: non-finite pose", ErrInput, c.Name)
	}
	return nil
}

// fitBoard returns the board→world pose that best fits the views of one
// frame through the cameras: PnP in the camera with the most corners,
// then Levenberg–Marquardt on all the corners' pixel errors. ok is false
// when PnP fails or the fit diverges.
func fitBoard(cams []calibration.Camera, obs []camObs) (solve.Pose, bool) {
	best := 0
	for i, o := range obs {
		if o.v.Len() > obs[best].v.Len() {
			best = i
		}
	}
	c0 := &cams[obs[best].cam]
	p, err := solve.PnP(c0, obs[best].v.Obj, obs[best].v.Pix)
	if err != nil {
		return solve.Pose{}, false
	}
	// Board→world from board→camera: X = Rcᵀ·(Rp·P + Tp − Tc).
	rcT := calibration.Transpose(c0.R)
	pose := solve.Pose{R: calibration.MatMul(rcT, p.R), T: calibration.MatVec(rcT, r3.Sub(p.T, c0.T))}

	cost := func(q solve.Pose) float64 {
		var s float64
		for _, o := range obs {
			for k, P := range o.v.Obj {
				u, v, ok := cams[o.cam].Project(r3.Add(calibration.MatVec(q.R, P), q.T))
				if !ok {
					return math.Inf(1)
				}
				s += (o.v.Pix[k][0]-u)*(o.v.Pix[k][0]-u) + (o.v.Pix[k][1]-v)*(o.v.Pix[k][1]-v)
			}
		}
		return s
	}
	cur := cost(pose)
	if math.IsInf(cur, 0) {
		return solve.Pose{}, false
	}
	lambda := 1e-3
	A := mat.NewSymDense(6, nil)
	b := mat.NewVecDense(6, nil)
	for range 50 {
		// Normal equations of the pixel errors e for the update
		// R ← exp([δω]×)·R, T ← T + δt: dX/dδω = −[R·P]×, dX/dδt = I.
		A.Zero()
		b.Zero()
		for _, o := range obs {
			for k, P := range o.v.Obj {
				rp := calibration.MatVec(pose.R, P)
				u, v, J, ok := cams[o.cam].ProjectJacobian(r3.Add(rp, pose.T))
				if !ok {
					return solve.Pose{}, false
				}
				e := [2]float64{o.v.Pix[k][0] - u, o.v.Pix[k][1] - v}
				// d(pixel)/d(δω) = J·(−[rp]×): column a is J·(−e_a × rp)
				// = J·(rp × e_a).
				var row [2][6]float64
				for r := range 2 {
					jx, jy, jz := J[r][0], J[r][1], J[r][2]
					// rp × e_x = (0, rp.Z, −rp.Y), × e_y = (−rp.Z, 0, rp.X),
					// × e_z = (rp.Y, −rp.X, 0).
					row[r][0] = jy*rp.Z - jz*rp.Y
					row[r][1] = -jx*rp.Z + jz*rp.X
					row[r][2] = jx*rp.Y - jy*rp.X
					row[r][3], row[r][4], row[r][5] = jx, jy, jz
				}
				for r := range 2 {
					for i := range 6 {
						b.SetVec(i, b.AtVec(i)+row[r][i]*e[r])
						for j := i; j < 6; j++ {
							A.SetSym(i, j, A.At(i, j)+row[r][i]*row[r][j])
						}
					}
				}
			}
		}
		improved := false
		for range 10 {
			D := mat.NewSymDense(6, nil)
			D.CopySym(A)
			for i := range 6 {
				D.SetSym(i, i, A.At(i, i)*(1+lambda))
			}
			var ch mat.Cholesky
			if !ch.Factorize(D) {
				lambda *= 10
				continue
			}
			var d mat.VecDense
			if err := ch.SolveVecTo(&d, b); err != nil {
				lambda *= 10
				continue
			}
			cand := solve.Pose{
				R: calibration.MatMul(calibration.Rodrigues(r3.Vec{X: d.AtVec(0), Y: d.AtVec(1), Z: d.AtVec(2)}), pose.R),
				T: r3.Add(pose.T, r3.Vec{X: d.AtVec(3), Y: d.AtVec(4), Z: d.AtVec(5)}),
			}
			if c := cost(cand); c < cur {
				converged := cur-c < 1e-12*cur
				pose, cur, lambda = cand, c, max(lambda/10, 1e-9)
				improved = !converged
				break
			}
			lambda *= 10
		}
		if !improved {
			break
		}
	}
	return pose, true
}
