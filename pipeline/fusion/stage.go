package fusion

import (
	"fmt"
	"time"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/skeleton"
)

// StageConfig configures a Stage. The zero value of each part is its
// default; Set is required.
type StageConfig struct {
	Set          *skeleton.Set
	Triangulator TriangulatorConfig
	Associator   AssociatorConfig
	Tracker      TrackerConfig
	// Limbs checks each confirmed track's limbs against the lengths learnt
	// from its earlier frames (a LimbChecker per track, before smoothing);
	// Limb.Correct and Limb.Fit say what it changes.
	Limbs bool
	Limb  LimbConfig
	// Smooth runs each confirmed track through a One Euro filter (live
	// output); recordings are better smoothed afterwards with Butterworth.
	Smooth bool
	Euro   EuroConfig
}

// Stage is the fusion step of the pipeline for one instant at a time: all
// cameras' 2D detections in, the people in 3D with track IDs out. It
// associates detections across cameras, triangulates each person, assigns
// track IDs and optionally smooths each track. It owns every buffer it
// returns; it is not safe for concurrent use.
type Stage struct {
	cfg    StageConfig
	assoc  *Associator
	tri    *Triangulator
	track  *Tracker
	euro   map[int]*EuroFilter
	limbs  map[int]*LimbChecker
	views  [][]Observation
	people []Skeleton3
	groups [][]int    // per person, its detections (indices into Fuse's dets)
	spare  [][]Joint3 // joint slices kept for reuse
}

// NewStage returns a fusion stage over cams.
func NewStage(cams []calibration.Camera, cfg StageConfig) (*Stage, error) {
	if cfg.Set == nil {
		return nil, fmt.Errorf("fusion stage: no keypoint set")
	}
	if cfg.Associator.Mirror == nil {
		cfg.Associator.Mirror = cfg.Set.Mirror()
	}
	a, err := NewAssociator(cams, cfg.Associator)
	if err != nil {
		return nil, fmt.Errorf("fusion stage: %w", err)
	}
	tri, err := NewTriangulator(cams, cfg.Triangulator)
	if err != nil {
		return nil, fmt.Errorf("fusion stage: %w", err)
	}
	tr, err := NewTracker(cfg.Set.Len(), cfg.Tracker)
	if err != nil {
		return nil, fmt.Errorf("fusion stage: %w", err)
	}
	return &Stage{cfg: cfg, assoc: a, tri: tri, track: tr, euro: map[int]*EuroFilter{},
		limbs: map[int]*LimbChecker{},
		views: make([][]Observation, len(cams))}, nil
}

// Fuse places the people of the instant t (capture time) from dets, every
// camera's detections at that instant. People whose track is not yet
// confirmed have ID 0. The returned slice and its skeletons are the
// stage's own, overwritten by the next call.
func (s *Stage) Fuse(t time.Duration, dets []Detection) ([]Skeleton3, error) {
	for _, p := range s.people {
		s.spare = append(s.spare, p.Joints)
	}
	s.people, s.groups = s.people[:0], s.groups[:0]
	joints := s.cfg.Set.Len()
	for _, g := range s.assoc.Associate(dets) {
		if len(g) < 2 {
			continue
		}
		s.viewsOf(dets, g)
		var sk Skeleton3
		if n := len(s.spare); n > 0 {
			sk.Joints, s.spare = s.spare[n-1], s.spare[:n-1]
		}
		s.tri.Skeleton(&sk, s.views, joints)
		placed := 0
		for _, j := range sk.Joints {
			if j.OK {
				placed++
			}
		}
		if placed < 3 {
			s.spare = append(s.spare, sk.Joints)
			continue
		}
		s.people = append(s.people, sk)
		s.groups = append(s.groups, g)
	}
	if err := s.track.Update(t, s.people); err != nil {
		return nil, fmt.Errorf("fusion stage: %w", err)
	}
	for i := range s.people {
		p := &s.people[i]
		if p.ID == 0 {
			continue
		}
		if s.cfg.Limbs {
			c, err := trackState(s.limbs, p.ID, func() (*LimbChecker, error) { return NewLimbChecker(s.cfg.Set, s.cfg.Limb) })
			if err != nil {
				return nil, err
			}
			flagged, err := c.Check(nil, p)
			if err != nil {
				return nil, fmt.Errorf("fusion stage: track %d: %w", p.ID, err)
			}
			if s.cfg.Limb.Fit || s.cfg.Limb.Correct && flagged > 0 {
				// The joints moved: their errors are those of where they are now.
				s.tri.Reproject(p, s.viewsOf(dets, s.groups[i]))
			}
		}
		if s.cfg.Smooth {
			f, err := trackState(s.euro, p.ID, func() (*EuroFilter, error) { return NewEuroFilter(joints, s.cfg.Euro) })
			if err != nil {
				return nil, err
			}
			if err := f.Filter(t, p); err != nil {
				return nil, fmt.Errorf("fusion stage: track %d: %w", p.ID, err)
			}
		}
	}
	forget(s.limbs, s)
	forget(s.euro, s)
	return s.people, nil
}

// viewsOf sets s.views to the keypoints of group g of dets, nil for the
// cameras the group has none from, and returns it.
func (s *Stage) viewsOf(dets []Detection, g []int) [][]Observation {
	for c := range s.views {
		s.views[c] = nil
	}
	for _, m := range g {
		s.views[dets[m].Camera] = dets[m].Keypoints
	}
	return s.views
}

// trackState returns track id's state in m, made by mk on first use.
func trackState[T any](m map[int]*T, id int, mk func() (*T, error)) (*T, error) {
	if v := m[id]; v != nil {
		return v, nil
	}
	v, err := mk()
	if err != nil {
		return nil, fmt.Errorf("fusion stage: %w", err)
	}
	m[id] = v
	return v, nil
}

// forget drops the per-track state of tracks long gone once there is much
// of it (IDs are never reused).
func forget[T any](m map[int]T, s *Stage) {
	if len(m) <= 2*len(s.people)+32 {
		return
	}
	for id := range m {
		if !s.present(id) {
			delete(m, id)
		}
	}
}

func (s *Stage) present(id int) bool {
	for _, p := range s.people {
		if p.ID == id {
			return true
		}
	}
	return false
}
