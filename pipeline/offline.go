package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

// Frame3 is one instant of a recording in 3D.
type Frame3 struct {
	Number int     // from 0
	T      float64 // seconds from the first frame
	People []fusion.Skeleton3
}

// OfflineConfig configures Triangulate.
type OfflineConfig struct {
	Cameras []calibration.Camera
	Set     *skeleton.Set
	// Rate is the frame rate, frames per second; default 60.
	Rate         float64
	Triangulator fusion.TriangulatorConfig
}

// Triangulate places in 3D the people seen in recorded 2D keypoints: views
// holds, per camera (in the order of cfg.Cameras), per frame, the people
// that camera saw. Frames are matched by index; the recording is as long as
// the shortest camera's.
//
// When no camera ever sees more than one person (the participant alone, as
// in Pose2Sim's associated output), each frame's views are triangulated as
// one person with ID 1, exactly as Pose2Sim does. Otherwise the frames go
// through the fusion stage: cross-view association, triangulation and
// tracking, and people get track IDs (0 while a track is unconfirmed).
func Triangulate(cfg OfflineConfig, views [][][]record.OpenPosePerson) ([]Frame3, error) {
	if cfg.Rate == 0 {
		cfg.Rate = 60
	}
	if !(cfg.Rate > 0) {
		return nil, fmt.Errorf("triangulate: frame rate %v must be positive", cfg.Rate)
	}
	if cfg.Set == nil {
		return nil, errors.New("triangulate: no keypoint set")
	}
	if len(views) != len(cfg.Cameras) {
		return nil, fmt.Errorf("triangulate: keypoints for %d cameras, calibration has %d", len(views), len(cfg.Cameras))
	}
	n := len(views[0])
	several := false
	for _, v := range views {
		n = min(n, len(v))
		for _, people := range v {
			several = several || len(people) > 1
		}
	}
	if several {
		return fuseAll(cfg, views, n)
	}
	tri, err := fusion.NewTriangulator(cfg.Cameras, cfg.Triangulator)
	if err != nil {
		return nil, fmt.Errorf("triangulate: %w", err)
	}
	joints := cfg.Set.Len()
	frames := make([]Frame3, n)
	obs := make([][]fusion.Observation, len(views))
	for f := range frames {
		frames[f] = Frame3{Number: f, T: float64(f) / cfg.Rate}
		seen := 0
		for c := range views {
			obs[c] = obs[c][:0]
			if people := views[c][f]; len(people) == 1 {
				seen++
				obs[c] = appendObservations(obs[c], people[0])
			}
		}
		if seen == 0 {
			continue
		}
		sk := fusion.Skeleton3{ID: 1}
		tri.Skeleton(&sk, obs, joints)
		frames[f].People = []fusion.Skeleton3{sk}
	}
	return frames, nil
}

// fuseAll runs every frame through the fusion stage.
func fuseAll(cfg OfflineConfig, views [][][]record.OpenPosePerson, n int) ([]Frame3, error) {
	st, err := fusion.NewStage(cfg.Cameras, fusion.StageConfig{
		Set: cfg.Set, Triangulator: cfg.Triangulator, Tracker: fusion.TrackerConfig{Rate: cfg.Rate},
	})
	if err != nil {
		return nil, fmt.Errorf("triangulate: %w", err)
	}
	frames := make([]Frame3, n)
	var dets []fusion.Detection
	for f := range frames {
		dets = dets[:0]
		for c := range views {
			for _, p := range views[c][f] {
				dets = append(dets, fusion.Detection{Camera: c, Keypoints: appendObservations(nil, p)})
			}
		}
		t := time.Duration(float64(f) / cfg.Rate * float64(time.Second))
		people, err := st.Fuse(t, dets)
		if err != nil {
			return nil, fmt.Errorf("triangulate: frame %d: %w", f, err)
		}
		frames[f] = Frame3{Number: f, T: float64(f) / cfg.Rate, People: make([]fusion.Skeleton3, len(people))}
		for i, p := range people {
			frames[f].People[i] = fusion.Skeleton3{ID: p.ID, Joints: append([]fusion.Joint3(nil), p.Joints...)}
		}
	}
	return frames, nil
}

func appendObservations(dst []fusion.Observation, p record.OpenPosePerson) []fusion.Observation {
	for _, kp := range p {
		dst = append(dst, fusion.Observation{X: kp[0], Y: kp[1], Score: kp[2]})
	}
	return dst
}
