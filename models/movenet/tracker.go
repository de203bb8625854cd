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

// TrackerConfig configures a Tracker. The zero value is the default.
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

type track struct {
	id   int
	crop Crop // where to look in the next frame
	box  Box  // where the person was last seen
}

// Tracker finds people with the detector, then follows each with crops
// driven by its own keypoints from the previous frame, as MoveNet's authors
// do: the detector runs only to find people, not every frame. All crops of a
// frame run in one batch. A Tracker is not safe for concurrent use.
type Tracker struct {
	cfg    TrackerConfig
	est    *Estimator
	det    *Detector
	tracks []track
	crops  []Crop
	poses  []Pose
	people []Person
	frame  int
	lost   bool
	nextID int
}

// NewTracker loads both models.
func NewTracker(cfg TrackerConfig) (*Tracker, error) {
	est, err := NewEstimator(cfg.Estimator)
	if err != nil {
		return nil, err
	}
	det, err := NewDetector(cfg.Detector)
	if err != nil {
		est.Close()
		return nil, err
	}
	if cfg.MaxPeople == 0 || cfg.MaxPeople > est.Batch() {
		cfg.MaxPeople = est.Batch()
	}
	if cfg.DetectEvery == 0 {
		cfg.DetectEvery = 30
	}
	if cfg.MinScore == 0 {
		cfg.MinScore = 0.25
	}
	if cfg.KeypointScore == 0 {
		cfg.KeypointScore = 0.3
	}
	if cfg.CropScale == 0 {
		cfg.CropScale = 1.25
	}
	return &Tracker{
		cfg:    cfg,
		est:    est,
		det:    det,
		tracks: make([]track, 0, cfg.MaxPeople),
		crops:  make([]Crop, 0, cfg.MaxPeople),
		poses:  make([]Pose, cfg.MaxPeople),
		people: make([]Person, 0, cfg.MaxPeople),
		nextID: 1,
	}, nil
}

// Track finds the people in the next frame of a sequence. The returned
// slice is the tracker's own and is overwritten by the next call.
func (t *Tracker) Track(img gocv.Mat) ([]Person, error) {
	if len(t.tracks) == 0 || t.lost || t.frame%t.cfg.DetectEvery == 0 {
		if err := t.detect(img); err != nil {
			return nil, err
		}
	}
	t.frame++
	t.lost = false
	t.crops = t.crops[:0]
	for _, tr := range t.tracks {
		t.crops = append(t.crops, tr.crop)
	}
	if err := t.est.Estimate(t.poses, img, t.crops); err != nil {
		return nil, err
	}

	t.people = t.people[:0]
	kept := t.tracks[:0]
	for i, tr := range t.tracks {
		p := Person{ID: tr.id, Pose: t.poses[i]}
		p.Score = meanScore(&p.Pose)
		box, ok := keypointBox(&p.Pose, t.cfg.KeypointScore)
		if p.Score < t.cfg.MinScore || !ok || t.duplicate(box) {
			t.lost = true
			continue
		}
		p.Box = box
		tr.box = Box{X: box[0], Y: box[1], W: box[2], H: box[3]}
		tr.crop = followCrop(&p.Pose, t.cfg.KeypointScore, tr.crop)
		kept = append(kept, tr)
		t.people = append(t.people, p)
	}
	t.tracks = kept
	return t.people, nil
}

// duplicate reports whether box overlaps a person already kept this frame
// (two tracks that converged on one person).
func (t *Tracker) duplicate(box [4]float32) bool {
	b := Box{X: box[0], Y: box[1], W: box[2], H: box[3]}
	for _, p := range t.people {
		if b.IoU(Box{X: p.Box[0], Y: p.Box[1], W: p.Box[2], H: p.Box[3]}) > 0.5 {
			return true
		}
	}
	return false
}

// detect runs the detector and starts a track for each person that no
// current track covers, best first, up to MaxPeople.
func (t *Tracker) detect(img gocv.Mat) error {
	boxes, err := t.det.Detect(img)
	if err != nil {
		return err
	}
	for _, b := range boxes {
		if len(t.tracks) == t.cfg.MaxPeople {
			break
		}
		covered := false
		for _, tr := range t.tracks {
			if b.IoU(tr.box) > 0.4 {
				covered = true
				break
			}
		}
		if !covered {
			c := CropAround(b.X, b.Y, b.W, b.H, t.cfg.CropScale)
			t.tracks = append(t.tracks, track{id: t.nextID, crop: c, box: b})
			t.nextID++
		}
	}
	return nil
}

// Reset forgets every track, as at a cut between unrelated frames.
func (t *Tracker) Reset() {
	t.tracks = t.tracks[:0]
	t.frame = 0
	t.lost = false
}

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
