package calibrate

import (
	"fmt"
	"math"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/solve"
)

// CheckSurvey reports how far each camera's clicks of the surveyed points
// lie from where the calibration projects the points' surveyed
// coordinates (What "survey"): a check of the calibration in the survey's
// world, scale and position included, which a reprojection of triangulated
// points cannot give. Cameras are matched to the survey's clicks by name;
// Points counts the surveyed points clicked in at least one camera.
//
// Errors wrap ErrMismatch (the survey names a camera not in cams or none
// of them; a surveyed point behind a camera that clicked it, so the two
// do not share a world), ErrInput (non-finite values).
func CheckSurvey(cams []calibration.Camera, s *calibration.Survey) (*CheckReport, error) {
	if err := checkSurvey(cams, s); err != nil {
		return nil, fmt.Errorf("check against surveyed points: %w", err)
	}
	errs := make([][]float64, len(cams))
	points := 0
	for _, p := range s.Points {
		clicked := false
		for c := range cams {
			px, ok := p.Pixels[cams[c].Name]
			if !ok {
				continue
			}
			u, v, ok := cams[c].Project(p.World)
			if !ok {
				return nil, fmt.Errorf("check against surveyed points: %w: point %q is behind camera %q: the calibration is not in the survey's world",
					ErrMismatch, p.Name, cams[c].Name)
			}
			errs[c] = append(errs[c], math.Hypot(px[0]-u, px[1]-v))
			clicked = true
		}
		if clicked {
			points++
		}
	}
	return checkReport("survey", cameraNames(cams), errs, points), nil
}

// CheckKeypoints reports the reprojection errors of keypoints (What
// "keypoints"): each point of each frame seen by two cameras or more is
// triangulated from all of them (solve.Triangulate: weighted by the
// observations' Weight, refined through the lens model) and reprojected
// into each; Points counts the points triangulated. Observations with a
// Weight ≤ 0 are missing; points whose rays do not meet in front of the
// cameras are left out.
//
// A triangulated point fits its own observations partly: with n cameras
// and a perfect calibration the RMS is the detector's error times
// √((2n−3)/(2n)), half of it with two cameras, 0.79 with four. The
// triangulation is not robust: a left/right swap in one view shows as
// large errors in every view of that point, which the median and the
// 95th percentile of CameraCheck see through better than the RMS.
//
// Errors wrap ErrMismatch (an observation of a camera the calibration does
// not have), ErrInput (non-finite values, one camera seeing a point
// twice), ErrTooFewPoints (no point seen by two cameras).
func CheckKeypoints(cams []calibration.Camera, frames []solve.KeypointFrame) (*CheckReport, error) {
	if err := checkKeypointInput(cams, frames); err != nil {
		return nil, fmt.Errorf("check against keypoints: %w", err)
	}
	errs := make([][]float64, len(cams))
	points := 0
	for _, fr := range frames {
		for _, group := range pointGroups(fr.Points, 0) {
			if len(group) < 2 {
				continue
			}
			tri, ok := solve.Triangulate(cams, group)
			if !ok {
				continue
			}
			points++
			for _, o := range group {
				u, v, ok := cams[o.Camera].Project(tri.X)
				if !ok {
					continue // Triangulate keeps the point in front of every camera
				}
				errs[o.Camera] = append(errs[o.Camera], math.Hypot(o.U-u, o.V-v))
			}
		}
	}
	if points == 0 {
		return nil, fmt.Errorf("check against keypoints: %w: no keypoint seen by two cameras in %d frames", ErrTooFewPoints, len(frames))
	}
	return checkReport("keypoints", cameraNames(cams), errs, points), nil
}

// checkKeypointInput checks cameras and keypoint frames as Refine and
// CheckKeypoints need them: cameras with finite numbers, observations of
// those cameras only, finite pixels and weights, and no camera seeing one
// point twice in a frame.
func checkKeypointInput(cams []calibration.Camera, frames []solve.KeypointFrame) error {
	if len(cams) < 2 {
		return fmt.Errorf("%w: %d cameras, need 2", ErrInput, len(cams))
	}
	for c := range cams {
		if err := checkCamera(&cams[c]); err != nil {
			return err
		}
	}
	if len(frames) == 0 {
		return fmt.Errorf("%w: no keypoint frames", ErrTooFewPoints)
	}
	type key struct{ cam, point int }
	seen := map[key]bool{}
	for f, fr := range frames {
		clear(seen)
		for i, o := range fr.Points {
			switch {
			case o.Camera < 0 || o.Camera >= len(cams):
				return fmt.Errorf("%w: frame %d observation %d: keypoints of camera %d, the calibration has %d cameras (0 to %d)",
					ErrMismatch, f, i, o.Camera, len(cams), len(cams)-1)
			case !finite(o.U) || !finite(o.V) || !finite(o.Weight):
				return fmt.Errorf("%w: frame %d observation %d (camera %q, point %d): non-finite pixel (%g, %g) or weight %g",
					ErrInput, f, i, cams[o.Camera].Name, o.Point, o.U, o.V, o.Weight)
			case seen[key{o.Camera, o.Point}] && o.Weight > 0:
				return fmt.Errorf("%w: frame %d: camera %q sees point %d twice", ErrInput, f, cams[o.Camera].Name, o.Point)
			}
			if o.Weight > 0 {
				seen[key{o.Camera, o.Point}] = true
			}
		}
	}
	return nil
}

// pointGroups returns a frame's observations of weight at least minWeight
// (and above 0) grouped by point, in the order the points first appear.
func pointGroups(obs []solve.KeypointObs, minWeight float64) [][]solve.KeypointObs {
	at := map[int]int{}
	var groups [][]solve.KeypointObs
	for _, o := range obs {
		if !(o.Weight > 0) || o.Weight < minWeight {
			continue
		}
		g, ok := at[o.Point]
		if !ok {
			g = len(groups)
			at[o.Point] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], o)
	}
	return groups
}
