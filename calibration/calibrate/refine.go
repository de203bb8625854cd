package calibrate

import (
	"errors"
	"fmt"
	"math"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/solve"
	"gonum.org/v1/gonum/spatial/r3"
)

// RefineOptions configures Refine. The zero value is usable: camera 0
// held, the scale kept from the calibration, keypoints scoring under 0.3
// ignored, at most 1200 frames.
type RefineOptions struct {
	// Reference is the index of the camera whose pose is held: the world
	// frame stays the calibration's through it.
	Reference int
	// KnownHeight, when positive, sets the scale from the athlete instead
	// of the calibration: the median over the frames of the distance
	// between the keypoints HeightPoints[0] and HeightPoints[1] (their
	// KeypointObs.Point values) is made KnownHeight metres, as
	// solve.RefineOptions describes. With pipeline.CalibrationKeypoints'
	// numbering, Point = person·joints + joint, and person 0 of each frame
	// is the one seen by the most cameras; pipeline.HeightPoints turns a
	// standing height into such a pair and distance. A body dimension is
	// good to a few percent at best: surveyed points (AlignToSurvey with
	// scale) are the accurate way to set the scale.
	KnownHeight  float64
	HeightPoints [2]int
	// MinScore is the lowest keypoint weight used; lower ones are
	// ignored. Zero means 0.3 (Pose2Sim's threshold).
	MinScore float64
	// MaxFrames bounds the frames used, chosen evenly over the frames that
	// hold a keypoint seen by two cameras; zero means 1200. The error left
	// by the detector's noise falls as 1/√frames (four athletes on a 60 m
	// straight, 2 px: about 2 cm on the far cameras' centres from 300
	// frames, 5–9 mm from 1200), and the cost grows with the points: 1200
	// frames of four athletes take 11 s in 4 cameras, 18 s in 8, on two
	// cores. Frames of one run at a high rate are less independent than
	// the synthetic ones that figure comes from: a detector's error changes
	// little between nearby frames.
	MaxFrames int
	// Progress, if set, hears of the stages.
	Progress Progress
}

// Defaults of RefineOptions.
const (
	defaultMinScore  = 0.3
	defaultMaxFrames = 1200
)

// RefineReport is the outcome of Refine.
type RefineReport struct {
	// Cameras are the cameras given with refined extrinsics.
	Cameras []calibration.Camera `json:"-"`
	// Frames and Points count the frames used and the 3D keypoints (a
	// point in a frame) estimated; Observations the 2D keypoints used and
	// Outliers those dropped as such.
	Frames       int `json:"frames"`
	Points       int `json:"points"`
	Observations int `json:"observations"`
	Outliers     int `json:"outliers"`
	// InitialRMS and RMS are the reprojection RMS over the observations
	// used, px, with the cameras given and refined.
	InitialRMS float64 `json:"initial_rms_px"`
	RMS        float64 `json:"rms_px"`
	// CameraRMS is each camera's final RMS, px.
	CameraRMS []float64 `json:"camera_rms_px"`
	// RotationChange (degrees) and CentreChange (m) are how far each
	// camera moved from the calibration given.
	RotationChange []float64 `json:"rotation_change_deg"`
	CentreChange   []float64 `json:"centre_change_m"`
	// RotationSD (degrees) and CentreSD (m) are each camera's standard
	// deviations as the adjustment estimates them, with the reference
	// camera and the scale held (0 for the reference); nil when the
	// system was singular. A change well beyond them is the calibration's
	// error; one within them is noise.
	RotationSD []float64 `json:"rotation_sd_deg,omitempty"`
	CentreSD   []float64 `json:"centre_sd_m,omitempty"`
	// Scale is the factor applied about the reference camera's centre
	// after the adjustment: the known height's, or the one that keeps the
	// cameras where the calibration put them.
	Scale float64 `json:"scale"`
	// Meta holds RMS (CameraRMS), Error (RMS) and World for WriteFile.
	Meta calibration.Meta `json:"-"`
}

// Refine refines the extrinsics of a calibrated rig from the athletes' own
// 2D keypoints over a recording (frames, one per synchronized instant, as
// pipeline.CalibrationKeypoints makes them): a bundle adjustment of every
// camera's pose but the reference's and of every 3D keypoint, under
// Huber's loss with outliers dropped (solve.RefineFromKeypoints).
// Intrinsics stay as given. The rig must be roughly right already (a few
// degrees, decimetres): it triangulates the starting points.
//
// # Scale
//
// Keypoints fix the cameras' relative poses up to a scale. Without
// KnownHeight, Refine keeps the calibration's: the adjustment holds one
// distance (the reference camera's to the farthest), then the result is
// scaled about the reference centre by the factor that best keeps every
// camera's centre where the calibration put it (least squares over all the
// cameras, so that no single camera's error sets the scale). With
// KnownHeight, the athlete sets it (see RefineOptions).
//
// # What it takes
//
// Points spread over the scene pin the cameras; points near a plane leave
// them loose. On a 60 m straight filmed by 4 to 8 cameras 12–20 m away
// (athletes about 115 px tall, 2 px of noise), four athletes in adjacent
// lanes over 1200 frames bring extrinsics off by 1–3° and 5 cm back to
// 0.03° and 5–9 mm; one athlete in one lane, a thin vertical slab of
// points, leaves 0.6–0.9° and 18–22 cm after 300 frames and still about
// 0.3° and 9 cm after 1200, while the same athlete running three lanes
// apart in three runs (900 frames) gets to 0.03° and 14 mm. RotationSD
// and CentreSD say what a recording gave. The people must be associated
// across the cameras correctly, which for athletes side by side needs the
// calibration to within about half a degree already (see
// pipeline.AssociateForCalibration); a rig refined from wrong
// associations can fit the keypoints well and still be metres off, which
// RotationChange and CentreChange show.
//
// Errors wrap ErrInput (bad options, non-finite values), ErrMismatch
// (keypoints of a camera the calibration does not have), ErrTooFewPoints
// (no keypoint seen by two cameras, cameras sharing no keypoint with the
// others, a height never measured).
func Refine(cams []calibration.Camera, frames []solve.KeypointFrame, opt RefineOptions) (*RefineReport, error) {
	if err := opt.resolve(len(cams)); err != nil {
		return nil, fmt.Errorf("refine from keypoints: %w", err)
	}
	if err := checkKeypointInput(cams, frames); err != nil {
		return nil, fmt.Errorf("refine from keypoints: %w", err)
	}
	opt.Progress.report("refine: choosing frames", 0, len(frames))
	used := selectFrames(frames, opt.MinScore, opt.MaxFrames)
	if len(used) == 0 {
		return nil, fmt.Errorf("refine from keypoints: %w: no keypoint scoring %g or more seen by two cameras in %d frames",
			ErrTooFewPoints, opt.MinScore, len(frames))
	}
	opt.Progress.report("refine: bundle adjustment", 0, 1)
	res, err := solve.RefineFromKeypoints(cams, used, solve.RefineOptions{
		Reference: opt.Reference, ScaleCamera: opt.Reference,
		KnownHeight: opt.KnownHeight, HeightPoints: opt.HeightPoints,
	})
	if err != nil {
		return nil, fmt.Errorf("refine from keypoints: %w", solveError(err))
	}
	opt.Progress.report("refine: bundle adjustment", 1, 1)

	rep := &RefineReport{
		Cameras: res.Cameras, Frames: res.Frames, Points: res.Points,
		Observations: res.Observations, Outliers: res.Outliers,
		InitialRMS: res.RMSBefore, RMS: res.RMSAfter, CameraRMS: res.CameraRMS,
		RotationSD: res.RotationSD, CentreSD: res.CentreSD, Scale: res.Scale,
	}
	ref := cams[opt.Reference].Name
	world := fmt.Sprintf("the calibration's, through camera %s (held)", ref)
	if opt.KnownHeight <= 0 {
		s := keepScale(cams, res.Cameras, opt.Reference)
		rep.Scale = s
		for c := range rep.CentreSD {
			rep.CentreSD[c] *= s
		}
	} else {
		world += fmt.Sprintf(", scaled to a known height of %g m", opt.KnownHeight)
	}
	rep.RotationChange = make([]float64, len(cams))
	rep.CentreChange = make([]float64, len(cams))
	for c := range cams {
		rep.RotationChange[c], rep.CentreChange[c] = poseChange(&rep.Cameras[c], &cams[c])
	}
	rep.Meta = calibration.Meta{RMS: append([]float64(nil), rep.CameraRMS...), Error: rep.RMS, World: world}
	return rep, nil
}

// resolve fills in the defaults and checks the options for n cameras.
func (o *RefineOptions) resolve(n int) error {
	if o.MinScore == 0 {
		o.MinScore = defaultMinScore
	}
	if o.MaxFrames == 0 {
		o.MaxFrames = defaultMaxFrames
	}
	switch {
	case n < 2:
		return fmt.Errorf("%w: %d cameras, need 2", ErrInput, n)
	case o.Reference < 0 || o.Reference >= n:
		return fmt.Errorf("%w: reference camera %d of %d", ErrInput, o.Reference, n)
	case !(o.MinScore > 0) || math.IsInf(o.MinScore, 0):
		return fmt.Errorf("%w: MinScore %g must be positive", ErrInput, o.MinScore)
	case o.MaxFrames < 2:
		return fmt.Errorf("%w: MaxFrames %d, need 2 or more", ErrInput, o.MaxFrames)
	case o.KnownHeight < 0 || !finite(o.KnownHeight):
		return fmt.Errorf("%w: KnownHeight %g m", ErrInput, o.KnownHeight)
	case o.KnownHeight > 0 && o.HeightPoints[0] == o.HeightPoints[1]:
		return fmt.Errorf("%w: KnownHeight needs two different HeightPoints, got %v", ErrInput, o.HeightPoints)
	}
	return nil
}

// selectFrames returns at most max of the frames that hold a keypoint of
// weight minWeight or more seen by two cameras, evenly spread over them,
// with the lighter keypoints left out.
func selectFrames(frames []solve.KeypointFrame, minWeight float64, max int) []solve.KeypointFrame {
	var usable []solve.KeypointFrame
	for _, fr := range frames {
		var kept solve.KeypointFrame
		shared := false
		for _, g := range pointGroups(fr.Points, minWeight) {
			kept.Points = append(kept.Points, g...)
			shared = shared || len(g) >= 2
		}
		if shared {
			usable = append(usable, kept)
		}
	}
	if len(usable) <= max {
		return usable
	}
	out := make([]solve.KeypointFrame, max)
	for i := range out {
		// The i-th of max evenly spaced indices from the first frame to
		// the last.
		out[i] = usable[int(math.Round(float64(i)*float64(len(usable)-1)/float64(max-1)))]
	}
	return out
}

// keepScale scales the refined cameras about the reference's centre, in
// place, by the factor s that minimises Σ‖s·(C'ᵢ − C'ᵣ) − (Cᵢ − Cᵣ)‖² over
// the cameras (C given, C' refined; the reference's centre is held, so
// C'ᵣ = Cᵣ), and returns s.
func keepScale(given, refined []calibration.Camera, ref int) float64 {
	cr := given[ref].Center()
	var num, den float64
	for c := range given {
		a := r3.Sub(refined[c].Center(), cr)
		num += r3.Dot(a, r3.Sub(given[c].Center(), cr))
		den += r3.Norm2(a)
	}
	s := num / den
	if !(s > 0) || !finite(s) {
		return 1
	}
	for c := range refined {
		centre := r3.Add(cr, r3.Scale(s, r3.Sub(refined[c].Center(), cr)))
		refined[c].T = r3.Scale(-1, calibration.MatVec(refined[c].R, centre))
	}
	return s
}

// poseChange returns the angle (degrees) of the rotation between a and b
// and the distance between their centres (m).
func poseChange(a, b *calibration.Camera) (deg, m float64) {
	var rel [3][3]float64 // a.R·b.Rᵀ
	for i := range 3 {
		for j := range 3 {
			rel[i][j] = a.R[i][0]*b.R[j][0] + a.R[i][1]*b.R[j][1] + a.R[i][2]*b.R[j][2]
		}
	}
	return r3.Norm(calibration.RotationVector(rel)) * 180 / math.Pi, r3.Norm(r3.Sub(a.Center(), b.Center()))
}

// solveError wraps an error of solve.RefineFromKeypoints with the sentinel
// of this package that says what to do about it.
func solveError(err error) error {
	switch {
	case errors.Is(err, solve.ErrDisconnected), errors.Is(err, solve.ErrNotEnoughData):
		return fmt.Errorf("%w: %w", ErrTooFewPoints, err)
	case errors.Is(err, solve.ErrInvalid), errors.Is(err, solve.ErrTooFewCameras):
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	return err
}
