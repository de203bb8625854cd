package calibrate

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/board"
	"github.com/athlete3d/athlete3d/calibration/solve"
)

// ExtrinsicsOptions configures Extrinsics. The zero value calibrates each
// camera's intrinsics from its own recording (OpenCV's default lens
// model), holds camera 0 and leaves the world in its frame.
type ExtrinsicsOptions struct {
	// Intrinsics are the cameras' known intrinsics, matched to the
	// sources by name, else by order when the counts agree; their poses
	// are ignored. Nil calibrates each camera's intrinsics from its own
	// detections first (IntrinsicsFrom).
	Intrinsics []calibration.Camera
	// Fisheye selects the fisheye lens model, and FixK3 holds k3 at zero
	// (IntrinsicsOptions), when the intrinsics are calibrated here.
	Fisheye, FixK3 bool
	// RefineIntrinsics lets the bundle adjustment refine each camera's
	// fx, fy, cx, cy, k1 and k2 too.
	RefineIntrinsics bool
	// Reference is the source index of the reference camera, whose pose
	// the bundle adjustment holds.
	Reference int
	// World is the frame the cameras are returned in.
	World World
	// EstimateLag estimates, for cameras that are not triggered together,
	// each camera's lag behind the reference camera within ±1 frame of
	// its Detections.Lag, and calibrates from corners interpolated to the
	// reference camera's instants (see lag.go). It needs a board that
	// moves smoothly between frames and a good lens model: with
	// intrinsics calibrated from a small board, set RefineIntrinsics too.
	// The lags found are in ExtrinsicsReport.Lag.
	EstimateLag bool
	// Detect configures the board search of Extrinsics.
	Detect DetectOptions
}

// ExtrinsicsReport is a rig calibrated from a board.
type ExtrinsicsReport struct {
	// Cameras are the calibrated cameras, in source order, named after
	// the sources.
	Cameras []calibration.Camera
	// Intrinsics holds each camera's intrinsics report when they were
	// calibrated here; nil when they were given.
	Intrinsics []*IntrinsicsReport
	// RMS and InitialRMS are the bundle adjustment's reprojection RMS over
	// every corner used, after and before, px.
	RMS, InitialRMS float64
	// CameraRMS and CameraCorners are each camera's final RMS, px, and its
	// corners used.
	CameraRMS     []float64
	CameraCorners []int
	// Frames counts the synchronized frames the bundle adjustment used.
	Frames int
	// SharedFrames[i][j] counts the synchronized frames where cameras i
	// and j both saw the board usably (SharedFrames[i][i]: camera i's
	// own).
	SharedFrames [][]int
	// RotationSD (degrees) and CentreSD (m) are each camera's pose
	// standard deviations relative to the reference camera, as the
	// bundle adjustment estimates them (solve.BundleResult); nil when
	// they are not determined.
	RotationSD []float64
	CentreSD   []float64
	// WorldFrame is the synchronized frame whose board defines the world,
	// -1 for WorldCamera.
	WorldFrame int
	// Sync says how the cameras' frames were paired.
	Sync string
	// Lag holds each camera's lag behind the reference camera, frames,
	// with EstimateLag: the reference camera's frame k was seen by camera
	// c at position k + Lag[c] of its recording. Nil without.
	Lag []float64
	// Meta is what calibration.WriteFileWith should write beside the
	// cameras: RMS per camera, Error, World in words and Tool.
	Meta calibration.Meta
}

// maxPoseRMS is the PnP reprojection RMS, px, above which a view is left
// out of the rig's calibration: a misdetected corner or a blurred board,
// as solve.InitialExtrinsics' default screens.
const maxPoseRMS = 3.0

// Extrinsics calibrates a rig from synchronized recordings of a moving
// board, one source per camera: it checks that the recordings can be one
// take before the search, as far as their lengths and frame rates tell,
// searches every source for the board (Detect) and calibrates from the
// detections (ExtrinsicsFrom).
func Extrinsics(srcs []Source, spec board.Spec, opt ExtrinsicsOptions) (*ExtrinsicsReport, error) {
	if len(srcs) < 2 {
		return nil, fmt.Errorf("extrinsics: %w: %d cameras, need 2 or more", ErrInput, len(srcs))
	}
	// The frame counts and rates are known before the search: a take
	// that cannot be synchronized fails now, not after minutes of it.
	pre := make([]*Detections, len(srcs))
	for i := range srcs {
		d := &Detections{Source: srcs[i], Length: len(srcs[i].Images)}
		if srcs[i].Video != "" {
			count, fps, err := videoProps(srcs[i].Video)
			if err != nil {
				return nil, fmt.Errorf("camera %q: %w", srcs[i].Name, err)
			}
			d.Length, d.FPS = count, fps
		}
		pre[i] = d
	}
	if _, err := synchronize(pre); err != nil {
		return nil, fmt.Errorf("extrinsics: %w", err)
	}
	dets := make([]*Detections, len(srcs))
	for i := range srcs {
		var err error
		if dets[i], err = Detect(srcs[i], spec, opt.Detect); err != nil {
			return nil, err
		}
	}
	return ExtrinsicsFrom(dets, opt)
}

// ExtrinsicsFrom calibrates a rig from the boards found in its cameras'
// synchronized recordings (dets[c] for camera c):
//
//  1. the frames are paired (see sync.go: frame i of every camera, or
//     caliscope's timestamps.csv), each camera's corners read at its
//     Detections.Lag;
//  2. each camera's intrinsics are opt.Intrinsics' or calibrated from its
//     detections (IntrinsicsFrom);
//  3. the board's pose in each usable view (6 corners or more, not on one
//     line) is solved by PnP; views whose PnP RMS exceeds 3 px are left
//     out;
//  4. solve.InitialExtrinsics chains the cameras through the frames they
//     share (a pose graph), and solve.BoardBundle refines every camera
//     and board pose over the frames seen by two cameras or more (a frame
//     seen by one says nothing of the cameras' relative poses), under
//     Huber's loss, with the intrinsics too when opt.RefineIntrinsics;
//  5. with opt.EstimateLag, the cameras' lags and the rig are refined in
//     turn (lag.go);
//  6. the rig is moved into opt.World.
//
// Errors wrap ErrInput (fewer than 2 cameras, different boards, a bad
// reference or world), ErrMismatch (intrinsics that do not match the
// cameras by name or number, or of another image size),
// ErrUnsynchronized (recordings of different lengths or rates, or that
// disagree with their timestamps), ErrTooFewViews (a camera's intrinsics
// without enough views; cameras that share no frame with the others, named
// with the shared-frame counts).
func ExtrinsicsFrom(dets []*Detections, opt ExtrinsicsOptions) (*ExtrinsicsReport, error) {
	if err := checkDetections(dets); err != nil {
		return nil, fmt.Errorf("extrinsics: %w", err)
	}
	n := len(dets)
	if opt.Reference < 0 || opt.Reference >= n {
		return nil, fmt.Errorf("extrinsics: %w: reference camera %d of %d", ErrInput, opt.Reference, n)
	}
	if opt.World.Kind != WorldCamera && opt.World.Kind != WorldBoard {
		return nil, fmt.Errorf("extrinsics: %w: unknown world kind %d", ErrInput, int(opt.World.Kind))
	}
	tl, err := synchronize(dets)
	if err != nil {
		return nil, fmt.Errorf("extrinsics: %w", err)
	}
	rep := &ExtrinsicsReport{Sync: tl.how}
	progress := opt.Detect.Progress

	// Intrinsics.
	var cams []calibration.Camera
	if opt.Intrinsics != nil {
		if cams, err = matchCameras(opt.Intrinsics, dets); err != nil {
			return nil, fmt.Errorf("extrinsics: intrinsics: %w", err)
		}
	} else {
		cams = make([]calibration.Camera, n)
		rep.Intrinsics = make([]*IntrinsicsReport, n)
		for c, d := range dets {
			progress.report("intrinsics", c, n)
			ir, err := IntrinsicsFrom(d, IntrinsicsOptions{Fisheye: opt.Fisheye, FixK3: opt.FixK3})
			if err != nil {
				return nil, fmt.Errorf("extrinsics: %w", err)
			}
			rep.Intrinsics[c], cams[c] = ir, ir.Camera
		}
		progress.report("intrinsics", n, n)
	}

	// Board poses per view, then the pose graph and the bundle adjustment
	// over the shared frames; with EstimateLag, lags and rig in turn.
	lags := make([]float64, n)
	for c, d := range dets {
		lags[c] = d.Lag
	}
	progress.report("board poses", 0, n)
	views, poses, stats := rigViews(cams, dets, tl, lags)
	progress.report("board poses", n, n)
	seen := seenBy(views)
	rep.SharedFrames = sharedFrames(views)
	if err := checkShared(dets, rep.SharedFrames, stats); err != nil {
		return nil, fmt.Errorf("extrinsics: %w", err)
	}
	rounds := 1
	if opt.EstimateLag {
		rounds += lagRounds
	}
	progress.report("bundle adjustment", 0, rounds)
	g, err := solve.InitialExtrinsics(cams, poses, solve.PoseGraphOptions{Reference: opt.Reference})
	if err != nil {
		if errors.Is(err, solve.ErrDisconnected) {
			return nil, fmt.Errorf("extrinsics: %w: %w (frames shared: %s)", ErrTooFewViews, err, describeShared(dets, rep.SharedFrames))
		}
		return nil, fmt.Errorf("extrinsics: %w", err)
	}
	bopt := solve.BundleOptions{Reference: opt.Reference, RefineIntrinsics: opt.RefineIntrinsics, Boards: g.Boards}
	res, err := bundle(g.Cameras, views, seen, bopt)
	if err != nil {
		return nil, fmt.Errorf("extrinsics: %w (frames shared: %s)", err, describeShared(dets, rep.SharedFrames))
	}
	for r := 1; r < rounds; r++ {
		progress.report("bundle adjustment", r, rounds)
		lags = estimateLags(res.Cameras, dets, tl, opt.Reference, lags)
		views, _, _ = rigViews(res.Cameras, dets, tl, lags)
		seen = seenBy(views)
		bopt.Boards = res.Boards
		initial := res.InitialRMS
		if res, err = bundle(res.Cameras, views, seen, bopt); err != nil {
			return nil, fmt.Errorf("extrinsics: with lags %v frames: %w", lags, err)
		}
		res.InitialRMS = initial
	}
	progress.report("bundle adjustment", rounds, rounds)
	if opt.EstimateLag {
		rep.Lag = lags
		rep.SharedFrames = sharedFrames(views)
	}

	out, frame, world, err := alignWorld(opt.World, dets[0].Spec, res.Cameras, opt.Reference, res.Boards, seen)
	if err != nil {
		return nil, fmt.Errorf("extrinsics: %w", err)
	}
	for c := range out {
		out[c].Name = dets[c].Source.Name
	}
	rep.Cameras = out
	rep.RMS, rep.InitialRMS = res.RMS, res.InitialRMS
	rep.CameraRMS, rep.CameraCorners = res.CameraRMS, res.CameraCorners
	rep.Frames = res.Frames
	rep.RotationSD, rep.CentreSD = res.RotationSD, res.CentreSD
	rep.WorldFrame = frame
	rep.Meta = calibration.Meta{
		RMS:   append([]float64(nil), res.CameraRMS...),
		Error: res.RMS,
		World: world,
		Tool:  "athlete3d",
	}
	return rep, nil
}

// checkDetections checks that dets are two or more searches of one board.
func checkDetections(dets []*Detections) error {
	if len(dets) < 2 {
		return fmt.Errorf("%w: %d cameras, need 2 or more", ErrInput, len(dets))
	}
	names := map[string]bool{}
	for c, d := range dets {
		if d == nil {
			return fmt.Errorf("%w: camera %d has no detections", ErrInput, c)
		}
		if d.Spec != dets[0].Spec {
			return fmt.Errorf("%w: camera %q searched for %s, camera %q for %s: one board for all",
				ErrInput, d.Source.Name, d.Spec, dets[0].Source.Name, dets[0].Spec)
		}
		if names[d.Source.Name] {
			return fmt.Errorf("%w: two cameras named %q: name them apart", ErrInput, d.Source.Name)
		}
		names[d.Source.Name] = true
		if !finiteFloat(d.Lag) {
			return fmt.Errorf("%w: camera %q: lag %g frames", ErrInput, d.Source.Name, d.Lag)
		}
		if len(d.Found) != len(d.Frame) {
			return fmt.Errorf("%w: camera %q: %d detections for %d frame indices", ErrInput, d.Source.Name, len(d.Found), len(d.Frame))
		}
	}
	return nil
}

// rigViews returns each camera's usable views on the synchronized
// timeline, read at its lag (lagViews), and the board's pose in each by
// PnP with the camera's intrinsics. Views whose PnP fails or fits worse
// than maxPoseRMS are left out; stats say how many.
func rigViews(cams []calibration.Camera, dets []*Detections, tl *timeline, lags []float64) ([][]solve.View, [][]solve.FramePose, []viewStats) {
	views := make([][]solve.View, len(dets))
	poses := make([][]solve.FramePose, len(dets))
	stats := make([]viewStats, len(dets))
	for c, d := range dets {
		st := &stats[c]
		st.found = len(d.Found)
		for _, v := range lagViews(d, tl, c, lags[c], d.step()) {
			st.usable++
			p, err := solve.PnP(&cams[c], v.Obj, v.Pix)
			switch {
			case err != nil:
				st.why = err.Error()
				continue
			case p.RMS > maxPoseRMS:
				st.why = fmt.Sprintf("%s: PnP RMS %.1f px, over %g", v.Label, p.RMS, maxPoseRMS)
				continue
			}
			views[c] = append(views[c], v)
			poses[c] = append(poses[c], solve.FramePose{Frame: v.Frame, Pose: p})
		}
	}
	return views, poses, stats
}

// viewStats count one camera's views: detections, usable views, and why
// the last view left out by rigViews was.
type viewStats struct {
	found, usable int
	why           string
}

// bundle runs solve.BoardBundle over the frames seen by two cameras or
// more (seen[f] lists frame f's cameras): a frame seen by one says
// nothing of the cameras' relative poses. A rig that falls apart wraps
// ErrTooFewViews.
func bundle(cams []calibration.Camera, views [][]solve.View, seen map[int][]int, opt solve.BundleOptions) (*solve.BundleResult, error) {
	shared := make([][]solve.View, len(views))
	for c := range views {
		for _, v := range views[c] {
			if len(seen[v.Frame]) >= 2 {
				shared[c] = append(shared[c], v)
			}
		}
	}
	res, err := solve.BoardBundle(cams, shared, opt)
	if errors.Is(err, solve.ErrDisconnected) {
		return nil, fmt.Errorf("%w: %w", ErrTooFewViews, err)
	}
	return res, err
}

// seenBy lists, for each synchronized frame, the cameras with a view of
// it, in camera order.
func seenBy(views [][]solve.View) map[int][]int {
	seen := map[int][]int{}
	for c := range views {
		for _, v := range views[c] {
			seen[v.Frame] = append(seen[v.Frame], c)
		}
	}
	return seen
}

// sharedFrames counts, for each pair of cameras, the synchronized frames
// both have a view of.
func sharedFrames(views [][]solve.View) [][]int {
	n := len(views)
	shared := make([][]int, n)
	for i := range shared {
		shared[i] = make([]int, n)
	}
	for _, cs := range seenBy(views) {
		for _, i := range cs {
			for _, j := range cs {
				shared[i][j]++
			}
		}
	}
	return shared
}

// checkShared returns an error wrapping ErrTooFewViews naming the cameras
// that share no frame with any other, with what their views came to.
func checkShared(dets []*Detections, shared [][]int, stats []viewStats) error {
	var alone []string
	for i := range shared {
		others := 0
		for j := range shared[i] {
			if j != i {
				others += shared[i][j]
			}
		}
		if others == 0 {
			st := stats[i]
			msg := fmt.Sprintf("%q (board in %d of %d frames, %d usable views, %d posed", dets[i].Source.Name, st.found, dets[i].Frames, st.usable, shared[i][i])
			if st.why != "" && shared[i][i] < st.usable {
				msg += "; last left out: " + st.why
			}
			alone = append(alone, msg+")")
		}
	}
	if len(alone) > 0 {
		return fmt.Errorf("%w: %s share no synchronized frame with another camera (frames shared: %s)",
			ErrTooFewViews, strings.Join(alone, ", "), describeShared(dets, shared))
	}
	return nil
}

// describeShared lists the shared-frame counts of every pair of cameras.
func describeShared(dets []*Detections, shared [][]int) string {
	var parts []string
	for i := range shared {
		for j := i + 1; j < len(shared); j++ {
			parts = append(parts, fmt.Sprintf("%s–%s %d", dets[i].Source.Name, dets[j].Source.Name, shared[i][j]))
		}
	}
	return strings.Join(parts, ", ")
}

// matchCameras returns, for each camera of dets, a copy of its camera in
// cams (matchIndex), named after the source, with its pose.
func matchCameras(cams []calibration.Camera, dets []*Detections) ([]calibration.Camera, error) {
	index, err := matchIndex(cams, dets)
	if err != nil {
		return nil, err
	}
	out := make([]calibration.Camera, len(dets))
	for k, i := range index {
		out[k] = cams[i]
		if err := checkIntrinsics(&out[k]); err != nil {
			return nil, err
		}
		out[k].Name = dets[k].Source.Name
	}
	return out, nil
}

// matchIndex returns, for each recording of dets, the index of its camera
// in cams: matched by name when every source's name is there, else by
// order when the counts agree. The image sizes must agree where the
// camera gives one.
func matchIndex(cams []calibration.Camera, dets []*Detections) ([]int, error) {
	byName := map[string]int{}
	for i, c := range cams {
		byName[c.Name] = i
	}
	index := make([]int, len(dets))
	var missing []string
	for k, d := range dets {
		i, ok := byName[d.Source.Name]
		if !ok {
			missing = append(missing, d.Source.Name)
		}
		index[k] = i
	}
	if len(missing) > 0 {
		if len(cams) != len(dets) {
			names := make([]string, len(cams))
			for i, c := range cams {
				names[i] = c.Name
			}
			sort.Strings(names)
			return nil, fmt.Errorf("%w: no camera named %s among the %d given (%s), and %d recordings: cannot match them by order either",
				ErrMismatch, strings.Join(missing, ", "), len(cams), strings.Join(names, ", "), len(dets))
		}
		for k := range index {
			index[k] = k
		}
	}
	for k, d := range dets {
		c := &cams[index[k]]
		if (c.Width > 0 || c.Height > 0) && (c.Width != d.Size.X || c.Height != d.Size.Y) {
			return nil, fmt.Errorf("%w: camera %q is calibrated for %dx%d images, its recording %s is %dx%d",
				ErrMismatch, c.Name, c.Width, c.Height, d.Source.where(), d.Size.X, d.Size.Y)
		}
	}
	return index, nil
}

// checkIntrinsics rejects a camera whose intrinsics cannot project.
func checkIntrinsics(c *calibration.Camera) error {
	ok := c.K[0][0] > 0 && c.K[1][1] > 0 && finiteFloat(c.K[0][0]) && finiteFloat(c.K[1][1]) &&
		finiteFloat(c.K[0][1]) && finiteFloat(c.K[0][2]) && finiteFloat(c.K[1][2])
	for _, d := range c.Dist {
		ok = ok && finiteFloat(d)
	}
	if !ok {
		return fmt.Errorf("%w: camera %q: focal lengths not positive or non-finite intrinsics", ErrInput, c.Name)
	}
	return nil
}

// finiteFloat reports whether x is neither NaN nor infinite.
func finiteFloat(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
