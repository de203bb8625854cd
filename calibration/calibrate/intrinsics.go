package calibrate

import (
	"errors"
	"fmt"
	"slices"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/board"
	"github.com/athlete3d/athlete3d/calibration/solve"
)

// IntrinsicsOptions configures Intrinsics. The zero value calibrates
// OpenCV's default lens model (k1, k2, p1, p2, k3) from at most 40 views.
type IntrinsicsOptions struct {
	// Fisheye selects the equidistant fisheye model (k1..k4).
	Fisheye bool
	// FixK3 holds k3 (the fisheye model's k3 of k1..k4) at zero, as
	// OpenCV's CALIB_FIX_K3. A free k3 fits the boards' part of the image
	// and can bend the model wildly beyond it: boards held in the middle
	// of a webcam's view, as in caliscope's test session, gave k3 = 77
	// and a model that folds before the image's edge.
	FixK3 bool
	// MaxViews bounds the views used: beyond it, board.SelectViews
	// chooses them (sharp, spread over the image's positions, scales and
	// tilts); 0 means 40.
	MaxViews int
	// Detect configures the board search of Intrinsics.
	Detect DetectOptions
}

// defaultMaxViews is IntrinsicsOptions.MaxViews' default: beyond a few
// dozen varied views the solution no longer moves, while the solve's cost
// grows with every view.
const defaultMaxViews = 40

// minCorners is the fewest corners of a usable view: a partly seen
// ChArUco board with fewer pins a pose, and a fortiori a focal length,
// poorly.
const minCorners = 6

// ViewError is one view used for a camera's intrinsics.
type ViewError struct {
	// Frame is the view's frame: its index in the video or the images.
	Frame int `json:"frame"`
	// Label is the image's file name, or "frame N" of a video.
	Label string `json:"label"`
	// Corners is the number of board corners in the view.
	Corners int `json:"corners"`
	// RMS is the view's reprojection RMS, px.
	RMS float64 `json:"rms_px"`
	// Hurting flags a view much worse than the others, or carrying a large
	// share of the error (solve.IntrinsicsResult.Hurting): a candidate to
	// check and leave out.
	Hurting bool `json:"hurting"`
}

// IntrinsicsReport is a camera's intrinsics calibrated from a board.
type IntrinsicsReport struct {
	// Camera holds the intrinsics: Name (the source's), Width, Height, K,
	// Dist and Fisheye; R = I and T = 0.
	Camera calibration.Camera
	// RMS is the reprojection RMS over every corner of the views used, px,
	// as cv::calibrateCamera returns it.
	RMS float64
	// Frames counts the frames searched, Found those where the board was.
	Frames, Found int
	// Views are the views used, in frame order.
	Views []ViewError
	// StdDev holds the standard deviations of fx, fy, cx, cy and the
	// distortion coefficients (solve.IntrinsicsResult.StdDev); nil when
	// they are not determined.
	StdDev []float64
}

// Intrinsics searches src for the board (Detect) and calibrates the
// camera's intrinsics from what it found (IntrinsicsFrom).
func Intrinsics(src Source, spec board.Spec, opt IntrinsicsOptions) (*IntrinsicsReport, error) {
	det, err := Detect(src, spec, opt.Detect)
	if err != nil {
		return nil, err
	}
	return IntrinsicsFrom(det, opt)
}

// IntrinsicsFrom calibrates a camera's intrinsics from the boards found in
// its recording. The usable views (at least 6 corners, not all on one
// line of the board) are all used when there are no more than
// opt.MaxViews, as cv::calibrateCamera would use them; beyond,
// board.SelectViews picks opt.MaxViews sharp and varied ones. Then
// solve.Intrinsics calibrates the lens model from them.
//
// The views that hurt are flagged, not dropped and solved again: leaving
// views out always lowers the RMS, which therefore cannot say whether the
// calibration improved, and on OpenCV's stereo sample (one view flagged
// per camera) the focal lengths solved without them were no closer to
// OpenCV's own calibration (left 534.1 instead of 534.7, OpenCV 536.1;
// right 540.9 instead of 540.7, OpenCV 542.3).
//
// Errors wrap ErrInput (no detections), ErrTooFewViews (fewer than 3
// usable views, or views that cannot fix the focal length, such as boards
// all facing the camera in one orientation); others come from
// solve.Intrinsics.
func IntrinsicsFrom(det *Detections, opt IntrinsicsOptions) (*IntrinsicsReport, error) {
	if det == nil {
		return nil, fmt.Errorf("intrinsics: %w: no detections", ErrInput)
	}
	name := det.Source.Name
	if len(det.Found) != len(det.Frame) {
		return nil, fmt.Errorf("camera %q: intrinsics: %w: %d detections for %d frame indices", name, ErrInput, len(det.Found), len(det.Frame))
	}
	if opt.MaxViews < 0 {
		return nil, fmt.Errorf("camera %q: intrinsics: %w: max views %d is negative", name, ErrInput, opt.MaxViews)
	}
	if opt.MaxViews == 0 {
		opt.MaxViews = defaultMaxViews
	}
	var usable []int // into det.Found
	for i := range det.Found {
		if usableView(&det.Found[i]) {
			usable = append(usable, i)
		}
	}
	if len(usable) < 3 {
		return nil, fmt.Errorf("camera %q: intrinsics: %w: %d usable views (board in %d of %d frames; a view needs %d corners, not on one line), need 3",
			name, ErrTooFewViews, len(usable), len(det.Found), det.Frames, minCorners)
	}
	picked := usable
	if len(usable) > opt.MaxViews {
		cands := make([]board.Detection, len(usable))
		for k, i := range usable {
			cands[k] = det.Found[i]
		}
		picked = board.SelectViews(cands, opt.MaxViews)
		for k := range picked {
			picked[k] = usable[picked[k]]
		}
		slices.Sort(picked) // frame order, for the report
	}
	if len(picked) < 3 {
		return nil, fmt.Errorf("camera %q: intrinsics: %w: %d views sharp enough of %d usable, need 3", name, ErrTooFewViews, len(picked), len(usable))
	}
	views := make([]solve.View, len(picked))
	for k, i := range picked {
		views[k] = det.Found[i].View(det.Source.label(det.Frame[i]), det.Frame[i])
	}
	res, err := solve.Intrinsics(views, det.Size.X, det.Size.Y, solve.IntrinsicsOptions{Fisheye: opt.Fisheye, FixK3: opt.FixK3})
	if err != nil {
		if errors.Is(err, solve.ErrDegenerate) || errors.Is(err, solve.ErrTooFewViews) {
			return nil, fmt.Errorf("camera %q: intrinsics from %d views: %w: %w", name, len(views), ErrTooFewViews, err)
		}
		return nil, fmt.Errorf("camera %q: intrinsics from %d views: %w", name, len(views), err)
	}
	rep := &IntrinsicsReport{
		Camera: res.Camera,
		RMS:    res.RMS,
		Frames: det.Frames,
		Found:  len(det.Found),
		Views:  make([]ViewError, len(views)),
		StdDev: res.StdDev,
	}
	rep.Camera.Name = name
	for k, v := range views {
		rep.Views[k] = ViewError{
			Frame: v.Frame, Label: v.Label, Corners: v.Len(), RMS: res.Poses[k].RMS,
			Hurting: slices.Contains(res.Hurting, k),
		}
	}
	return rep, nil
}

// usableView reports whether a detection can serve a solve: at least
// minCorners corners (all of a smaller board), not all on one line of the
// board, where they would leave the board's turn about that line free.
func usableView(d *board.Detection) bool {
	if len(d.IDs) < min(minCorners, d.Spec.Len()) {
		return false
	}
	pts := d.Spec.Points()
	obj := make([]r3.Vec, len(d.IDs))
	for i, id := range d.IDs {
		if id < 0 || id >= len(pts) {
			return false
		}
		obj[i] = pts[id]
	}
	// The farthest corner from the first spans the line; any corner half
	// a square off it makes the corners a plane.
	far, dmax := 0, 0.0
	for i, p := range obj {
		if d := r3.Norm(r3.Sub(p, obj[0])); d > dmax {
			far, dmax = i, d
		}
	}
	if dmax == 0 {
		return false
	}
	u := r3.Scale(1/dmax, r3.Sub(obj[far], obj[0]))
	for _, p := range obj {
		q := r3.Sub(p, obj[0])
		if off := r3.Norm(r3.Sub(q, r3.Scale(r3.Dot(q, u), u))); off > d.Spec.Square/2 {
			return true
		}
	}
	return false
}
