package movenet

import (
	"errors"
	"fmt"

	"gocv.io/x/gocv"
)

// TrackState is what following people through one sequence of frames (one
// camera) remembers from frame to frame: the people followed and where to
// look for each next, the frame count that paces the detector, and the
// next person ID. It holds no model: any Estimator and Detector advance it,
// so a pool of workers, each with its own sessions, can serve many cameras,
// each camera keeping its own TrackState.
//
// The frames of a sequence must reach Track in order, one at a time: a
// TrackState is not safe for concurrent use. Between calls it may pass from
// one goroutine to another (with the happens-before a channel or mutex
// gives).
type TrackState struct {
	cfg    TrackerConfig
	tracks []track
	crops  []Crop
	poses  []Pose
	people []Person
	frame  int
	lost   bool
	nextID int
	// rejected holds the detector's boxes whose first crop showed no
	// person (a poster, a mannequin, a partial view): the detector's
	// findings there are not tried again until its next periodic run.
	rejected []Box
	detects  int // detector runs
}

type track struct {
	id   int
	crop Crop // where to look in the next frame
	box  Box  // where the person was last seen
	// followed is false until the first crop from the detector's box
	// showed a person.
	followed bool
}

// maxRejected bounds TrackState.rejected; the oldest box gives way.
const maxRejected = 8

// NewTrackState returns the state of a new sequence under cfg, whose zero
// fields take their defaults. The estimators that advance it must batch at
// least MaxPeople crops (by default MaxPeople is the estimator's batch, so
// the same EstimatorConfig gives a fit).
func NewTrackState(cfg TrackerConfig) (*TrackState, error) {
	batch := cfg.Estimator.Batch
	if batch == 0 {
		batch = DefaultBatch
	}
	switch {
	case batch < 0 || cfg.MaxPeople < 0 || cfg.DetectEvery < 0:
		return nil, fmt.Errorf("movenet: batch %d, max people %d and detect every %d must not be negative",
			cfg.Estimator.Batch, cfg.MaxPeople, cfg.DetectEvery)
	case cfg.MinScore < 0 || cfg.KeypointScore < 0 || cfg.CropScale < 0:
		return nil, fmt.Errorf("movenet: min score %v, keypoint score %v and crop scale %v must not be negative",
			cfg.MinScore, cfg.KeypointScore, cfg.CropScale)
	}
	if cfg.MaxPeople == 0 || cfg.MaxPeople > batch {
		cfg.MaxPeople = batch
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
	return &TrackState{
		cfg:    cfg,
		tracks: make([]track, 0, cfg.MaxPeople),
		crops:  make([]Crop, 0, cfg.MaxPeople),
		poses:  make([]Pose, cfg.MaxPeople),
		people: make([]Person, 0, cfg.MaxPeople),
		nextID: 1,

		rejected: make([]Box, 0, maxRejected),
	}, nil
}

// MaxPeople returns the most people followed at once.
func (s *TrackState) MaxPeople() int { return s.cfg.MaxPeople }

// errNoModel guards against a nil model: a programmer's error, reported
// rather than a crash inside cgo.
var errNoModel = errors.New("movenet: track needs an estimator and a detector")

// Track finds the people in the next frame of the sequence with est and
// det, which may belong to the caller (a worker) rather than to the
// sequence. The returned slice is the state's own and is overwritten by the
// next call. In steady state it allocates nothing.
//
// Track is Prepare, est.Estimate on the crops, then Finish; a worker that
// batches several cameras' crops into one inference calls those itself.
func (s *TrackState) Track(img gocv.Mat, est *Estimator, det *Detector) ([]Person, error) {
	if est == nil {
		return nil, errNoModel
	}
	crops, err := s.Prepare(img, det)
	if err != nil {
		return nil, err
	}
	if err := est.Estimate(s.poses, img, crops); err != nil {
		return nil, err
	}
	return s.Finish(s.poses[:len(crops)]), nil
}

// Prepare starts the next frame: it runs det when due (the first frame,
// after a loss, every DetectEvery frames) and returns where to look for
// each person, at most MaxPeople crops. The slice is the state's own.
func (s *TrackState) Prepare(img gocv.Mat, det *Detector) ([]Crop, error) {
	if det == nil {
		return nil, errNoModel
	}
	if periodic := s.frame%s.cfg.DetectEvery == 0; len(s.tracks) == 0 || s.lost || periodic {
		if periodic {
			s.rejected = s.rejected[:0]
		}
		if err := s.detect(img, det); err != nil {
			return nil, err
		}
	}
	s.frame++
	s.lost = false
	s.crops = s.crops[:0]
	for _, tr := range s.tracks {
		s.crops = append(s.crops, tr.crop)
	}
	return s.crops, nil
}

// Finish ends the frame Prepare started: poses[i] is the pose estimated in
// its crop i. It returns the people found, the state's own slice.
func (s *TrackState) Finish(poses []Pose) []Person {
	s.people = s.people[:0]
	kept := s.tracks[:0]
	for i, tr := range s.tracks {
		if i >= len(poses) {
			break
		}
		p := Person{ID: tr.id, Pose: poses[i]}
		p.Score = meanScore(&p.Pose)
		box, ok := keypointBox(&p.Pose, s.cfg.KeypointScore)
		if p.Score < s.cfg.MinScore || !ok || s.duplicate(box) {
			if !tr.followed {
				// Nobody followed was lost: the detector's candidate
				// was no person.
				s.reject(tr.box)
			} else {
				s.lost = true
			}
			continue
		}
		p.Box = box
		tr.box = Box{X: box[0], Y: box[1], W: box[2], H: box[3]}
		tr.followed = true
		tr.crop = followCrop(&p.Pose, s.cfg.KeypointScore, tr.crop)
		kept = append(kept, tr)
		s.people = append(s.people, p)
	}
	s.tracks = kept
	return s.people
}

// duplicate reports whether box overlaps a person already kept this frame
// (two tracks that converged on one person).
func (s *TrackState) duplicate(box [4]float32) bool {
	b := Box{X: box[0], Y: box[1], W: box[2], H: box[3]}
	for _, p := range s.people {
		if b.IoU(Box{X: p.Box[0], Y: p.Box[1], W: p.Box[2], H: p.Box[3]}) > 0.5 {
			return true
		}
	}
	return false
}

// detect runs the detector and starts a track for each person that no
// current track covers, best first, up to MaxPeople.
func (s *TrackState) detect(img gocv.Mat, det *Detector) error {
	boxes, err := det.Detect(img)
	if err != nil {
		return err
	}
	s.detects++
	for _, b := range boxes {
		if len(s.tracks) == s.cfg.MaxPeople {
			break
		}
		covered := false
		for _, r := range s.rejected {
			if b.IoU(r) > 0.5 {
				covered = true
				break
			}
		}
		for _, tr := range s.tracks {
			if b.IoU(tr.box) > 0.4 {
				covered = true
				break
			}
		}
		if !covered {
			c := CropAround(b.X, b.Y, b.W, b.H, s.cfg.CropScale)
			s.tracks = append(s.tracks, track{id: s.nextID, crop: c, box: b})
			s.nextID++
		}
	}
	return nil
}

// reject notes a detector box that showed no person.
func (s *TrackState) reject(b Box) {
	if len(s.rejected) == cap(s.rejected) {
		copy(s.rejected, s.rejected[1:])
		s.rejected = s.rejected[:len(s.rejected)-1]
	}
	s.rejected = append(s.rejected, b)
}

// DetectorRuns returns how many times the detector has run on this
// sequence: the costly part of following people, so a figure to watch.
func (s *TrackState) DetectorRuns() int { return s.detects }

// Reset forgets every track, as at a cut between unrelated frames. IDs go
// on counting, so a person found after the cut gets a new one.
func (s *TrackState) Reset() {
	s.tracks = s.tracks[:0]
	s.rejected = s.rejected[:0]
	s.frame = 0
	s.lost = false
}
