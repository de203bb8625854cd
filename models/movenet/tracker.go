package movenet

import (
	"errors"
	"math"

	"gocv.io/x/gocv"
)

// Person is one tracked person in one frame.
type Person struct {
	// ID stays the same while the person is followed from frame to frame.
	ID int
	// Box is (x, y, w, h) in pixels around the confident keypoints.
	Box [4]float32
	// Score is the mean keypoint confidence.
	Score float32
	Pose  Pose
}

// TrackerConfig configures a Tracker, or a TrackState and the models that
// advance it. The zero value is the default.
type TrackerConfig struct {
	Estimator EstimatorConfig
	Detector  DetectorConfig
	// MaxPeople is the most people followed at once; default the
	// estimator's batch size (all crops run in one batch).
	MaxPeople int
	// DetectEvery runs the detector every this many frames to pick up people
	// who walked in; default 30. The detector also runs whenever nobody is
	// followed or a person was lost in the previous frame.
	DetectEvery int
	// MinScore is the mean keypoint confidence below which a person is
	// lost; default 0.25.
	MinScore float32
	// KeypointScore is the confidence above which a keypoint counts for the
	// box and the next crop; default 0.3.
	KeypointScore float32
	// CropScale is the side of a crop from a detector box, as a multiple
	// of the box's longer side; default 1.25.
	CropScale float32
}

// Tracker finds people with the detector, then follows each with crops
// driven by its own keypoints from the previous frame, as MoveNet's authors
// do: the detector runs only to find people, not every frame. All crops of a
// frame run in one batch.
//
// A Tracker is one sequence's TrackState with an Estimator and a Detector
// of its own: the convenience for a single camera. A pool of workers serving
// several cameras keeps one TrackState per camera and advances it with the
// worker's own models instead. A Tracker is not safe for concurrent use.
type Tracker struct {
	est   *Estimator
	det   *Detector
	state *TrackState
}

// NewTracker loads both models.
func NewTracker(cfg TrackerConfig) (*Tracker, error) {
	state, err := NewTrackState(cfg)
	if err != nil {
		return nil, err
	}
	est, err := NewEstimator(cfg.Estimator)
	if err != nil {
		return nil, err
	}
	det, err := NewDetector(cfg.Detector)
	if err != nil {
		est.Close()
		return nil, err
	}
	return &Tracker{est: est, det: det, state: state}, nil
}

// Track finds the people in the next frame of a sequence. The returned
// slice is the tracker's own and is overwritten by the next call.
func (t *Tracker) Track(img gocv.Mat) ([]Person, error) {
	return t.state.Track(img, t.est, t.det)
}

// Reset forgets every track, as at a cut between unrelated frames.
func (t *Tracker) Reset() { t.state.Reset() }

// DetectorRuns returns how many times the detector has run.
func (t *Tracker) DetectorRuns() int { return t.state.DetectorRuns() }

// Close releases both models.
func (t *Tracker) Close() error {
	return errors.Join(t.est.Close(), t.det.Close())
}

func meanScore(p *Pose) float32 {
	var s float32
	for _, k := range p {
		s += k.Score
	}
	return s / float32(len(p))
}

// keypointBox returns the box around the keypoints scoring above minScore;
// ok is false when fewer than two do.
func keypointBox(p *Pose, minScore float32) (box [4]float32, ok bool) {
	x0, y0 := float32(math.Inf(1)), float32(math.Inf(1))
	x1, y1 := float32(math.Inf(-1)), float32(math.Inf(-1))
	n := 0
	for _, k := range p {
		if k.Score < minScore {
			continue
		}
		n++
		x0, y0 = min(x0, k.X), min(y0, k.Y)
		x1, y1 = max(x1, k.X), max(y1, k.Y)
	}
	if n < 2 {
		return box, false
	}
	return [4]float32{x0, y0, x1 - x0, y1 - y0}, true
}
