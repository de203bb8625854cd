package pipeline

import (
	"errors"
	"fmt"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

// ErrSeveralPeople means a camera sees more than one person in a frame of a
// recording triangulated without cross-view association.
var ErrSeveralPeople = errors.New("several people in one view")

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

// Triangulate places in 3D the person seen in recorded 2D keypoints: views
// holds, per camera (in the order of cfg.Cameras), per frame, the people
// that camera saw. Frames are matched by index; the recording is as long as
// the shortest camera's. Each camera may see at most one person per frame
// (the participant, as Pose2Sim's associated output gives); more is
// ErrSeveralPeople, naming the camera and frame.
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
	tri, err := fusion.NewTriangulator(cfg.Cameras, cfg.Triangulator)
	if err != nil {
		return nil, fmt.Errorf("triangulate: %w", err)
	}
	n := len(views[0])
	for _, v := range views {
		n = min(n, len(v))
	}
	joints := cfg.Set.Len()
	frames := make([]Frame3, n)
	obs := make([][]fusion.Observation, len(views))
	for f := range frames {
		seen := 0
		for c := range views {
			obs[c] = obs[c][:0]
			switch people := views[c][f]; len(people) {
			case 0:
			case 1:
				seen++
				for _, kp := range people[0] {
					obs[c] = append(obs[c], fusion.Observation{X: kp[0], Y: kp[1], Score: kp[2]})
				}
			default:
				return nil, fmt.Errorf("triangulate: camera %s frame %d: %w (%d); cross-view association of several people is not supported here yet: give each person's associated keypoints (as Pose2Sim's pose-associated folders)",
					cfg.Cameras[c].Name, f, ErrSeveralPeople, len(people))
			}
		}
		frames[f] = Frame3{Number: f, T: float64(f) / cfg.Rate}
		if seen == 0 {
			continue
		}
		sk := fusion.Skeleton3{ID: 1}
		tri.Skeleton(&sk, obs, joints)
		frames[f].People = []fusion.Skeleton3{sk}
	}
	return frames, nil
}
