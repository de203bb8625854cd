package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/solve"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

// KeypointStats says what AssociateForCalibration made of a recording.
type KeypointStats struct {
	// Frames is the recording's length, the shortest camera's.
	Frames int
	// Associated is true when some view held several people, so that
	// people were associated across the cameras by geometry; false when
	// every view held at most one person and they were paired directly.
	Associated bool
	// Skipped counts the frames where no person was seen by two cameras:
	// nobody there, or nothing the association could confirm. Their
	// KeypointFrame is empty.
	Skipped int
	// People counts the persons placed, summed over the frames.
	People int
	// Unmatched counts the detections no other camera's confirmed: a
	// bystander seen by one camera, or a person the association could not
	// match with the calibration given. They are left out.
	Unmatched int
}

// CalibrationKeypoints turns recorded 2D keypoints into keypoint frames for
// calibrate.Refine and calibrate.CheckKeypoints: AssociateForCalibration
// without the counts.
func CalibrationKeypoints(cams []calibration.Camera, set *skeleton.Set, views [][][]record.OpenPosePerson, minScore float64) ([]solve.KeypointFrame, error) {
	frames, _, err := AssociateForCalibration(cams, set, views, minScore)
	return frames, err
}

// AssociateForCalibration turns recorded 2D keypoints (views[c][f]: the
// people camera c saw in frame f, as record.ReadOpenPoseDir returns them,
// cameras in the order of cams) into one solve.KeypointFrame per frame:
// each person seen by two cameras or more becomes person p of the frame,
// and each joint j of theirs with a score of minScore or more in camera c
// an observation KeypointObs{Camera: c, Point: p·set.Len() + j, U, V,
// Weight: score}. Frames are matched by index; the recording is as long as
// the shortest camera's.
//
// # Who is who
//
// When no view ever holds more than one person (Pose2Sim's
// pose-associated folders, one participant), each frame's detections are
// that one person, paired directly. Otherwise every frame goes through the
// fusion stage's cross-view association (fusion.Associator: viewing rays
// of two cameras' detections that pass close together, confirmed by the
// other cameras; left/right swaps tolerated) with the calibration given.
// The rays of an approximate calibration miss each other by its angular
// error times the distance to the people, so the association's distance
// gate is 3° (0.05 rad) times the cameras' median distance to the scene
// they look at, and at least fusion's default of 0.2 m.
//
// How good must the calibration be? A lone athlete among bystanders (the
// Pose2Sim demo, cameras 3–4.5 m away) associates through errors of 3°
// and 5 cm. Athletes side by side do not: seen from the side of the
// track, athletes in adjacent lanes, 0.65 m apart along it, lie on nearly
// the same rays, and a calibration error of a fraction of a degree moves
// the rays by as much. On the bench's sprint rig (three athletes, 8
// cameras 8–22 m away) 5 % of the people placed mix athletes at 0.5° of
// error, a quarter at 0.75° and a third at 1°, whatever the gate; from
// such associations the adjustment converges to a wrong rig that fits the
// keypoints well (2 px RMS, cameras metres away). So refine a rough
// calibration from frames with one athlete first, or start from a board
// or surveyed points.
//
// Person numbers are per frame: person 0 is the one seen by the most
// cameras (then with the most keypoints), which for a single athlete among
// bystanders is the athlete. Nothing links person p of one frame to person
// p of the next; the adjustment does not need it.
//
// A detection no other camera confirms is left out and counted
// (Unmatched); a frame where nobody is seen by two cameras is left empty
// and counted (Skipped). An occasional wrong association shows as large
// reprojection errors, which calibrate.Refine drops as outliers; many of
// them, as above, do not.
func AssociateForCalibration(cams []calibration.Camera, set *skeleton.Set, views [][][]record.OpenPosePerson, minScore float64) ([]solve.KeypointFrame, KeypointStats, error) {
	var st KeypointStats
	switch {
	case set == nil || set.Len() == 0:
		return nil, st, errors.New("calibration keypoints: no keypoint set")
	case len(cams) < 2:
		return nil, st, fmt.Errorf("calibration keypoints: %d cameras, need 2", len(cams))
	case len(views) != len(cams):
		return nil, st, fmt.Errorf("calibration keypoints: keypoints for %d cameras, the calibration has %d", len(views), len(cams))
	case !(minScore >= 0) || math.IsInf(minScore, 0):
		return nil, st, fmt.Errorf("calibration keypoints: minimum score %v must be a number ≥ 0", minScore)
	}
	joints := set.Len()
	n := len(views[0])
	several := false
	for c, v := range views {
		n = min(n, len(v))
		for f, people := range v {
			several = several || len(people) > 1
			for i, p := range people {
				if len(p) != joints {
					return nil, st, fmt.Errorf("calibration keypoints: camera %s frame %d person %d: %d joints, the %s set has %d",
						cams[c].Name, f, i, len(p), set.Name, joints)
				}
			}
		}
	}
	if n == 0 {
		return nil, st, errors.New("calibration keypoints: no frames")
	}
	st.Frames, st.Associated = n, several

	var assoc *fusion.Associator
	if several {
		var err error
		assoc, err = fusion.NewAssociator(cams, fusion.AssociatorConfig{
			MaxDistance: associationGate(cams),
			// The associator reads zero as its default; a tiny score
			// keeps "every keypoint found" expressible.
			MinScore: max(minScore, 1e-9),
			Mirror:   set.Mirror(),
		})
		if err != nil {
			return nil, st, fmt.Errorf("calibration keypoints: %w", err)
		}
	}
	frames := make([]solve.KeypointFrame, n)
	var dets []fusion.Detection
	var groups []person
	for f := range frames {
		dets, groups = dets[:0], groups[:0]
		for c := range views {
			for _, p := range views[c][f] {
				dets = append(dets, fusion.Detection{Camera: c, Keypoints: observations(p)})
			}
		}
		if several {
			for _, g := range assoc.Associate(dets) {
				if len(g) < 2 {
					st.Unmatched++
					continue
				}
				groups = append(groups, person{members: slices.Clone(g)})
			}
		} else if len(dets) >= 2 {
			g := make([]int, len(dets))
			for i := range g {
				g[i] = i
			}
			groups = append(groups, person{members: g})
		} else {
			st.Unmatched += len(dets)
		}
		for i := range groups {
			for _, m := range groups[i].members {
				groups[i].keypoints += scored(dets[m].Keypoints, minScore)
			}
		}
		// The best-seen person first: the athlete among bystanders.
		slices.SortStableFunc(groups, func(a, b person) int {
			if c := cmp.Compare(len(b.members), len(a.members)); c != 0 {
				return c
			}
			return cmp.Compare(b.keypoints, a.keypoints)
		})
		for p, g := range groups {
			for _, m := range g.members {
				d := dets[m]
				for j, o := range d.Keypoints {
					if o.Score > 0 && o.Score >= minScore && finite(o.X) && finite(o.Y) {
						frames[f].Points = append(frames[f].Points, solve.KeypointObs{
							Camera: d.Camera, Point: p*joints + j, U: o.X, V: o.Y, Weight: o.Score,
						})
					}
				}
			}
		}
		st.People += len(groups)
		if len(groups) == 0 {
			st.Skipped++
		}
	}
	return frames, st, nil
}

// person is one associated person of a frame: indices into the frame's
// detections, one per camera, and how many keypoints they hold in all.
type person struct {
	members   []int
	keypoints int
}

func observations(p record.OpenPosePerson) []fusion.Observation {
	return appendObservations(make([]fusion.Observation, 0, len(p)), p)
}

// scored counts the keypoints with a score of min or more.
func scored(obs []fusion.Observation, min float64) int {
	n := 0
	for _, o := range obs {
		if o.Score > 0 && o.Score >= min {
			n++
		}
	}
	return n
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// associationGate returns the association's distance gate for an
// approximate calibration: 0.05 rad (3°) times the median distance from
// the cameras to the point nearest all their optical axes (the scene they
// look at), at least 0.2 m.
func associationGate(cams []calibration.Camera) float64 {
	const minGate, angle = 0.2, 0.05
	// The point X minimising Σ‖(I − dᵢdᵢᵀ)(X − Cᵢ)‖², dᵢ camera i's axis:
	// (Σ I − dᵢdᵢᵀ)·X = Σ (I − dᵢdᵢᵀ)·Cᵢ.
	a := mat.NewDense(3, 3, nil)
	b := mat.NewVecDense(3, nil)
	for i := range cams {
		c := cams[i].Center()
		d := r3.Vec{X: cams[i].R[2][0], Y: cams[i].R[2][1], Z: cams[i].R[2][2]} // Rᵀ·(0, 0, 1)
		dv, cv := [3]float64{d.X, d.Y, d.Z}, [3]float64{c.X, c.Y, c.Z}
		for r := range 3 {
			for k := range 3 {
				p := -dv[r] * dv[k]
				if r == k {
					p++
				}
				a.Set(r, k, a.At(r, k)+p)
				b.SetVec(r, b.AtVec(r)+p*cv[k])
			}
		}
	}
	var x mat.VecDense
	if err := x.SolveVec(a, b); err != nil {
		return minGate // parallel axes: no scene centre to measure from
	}
	centre := r3.Vec{X: x.AtVec(0), Y: x.AtVec(1), Z: x.AtVec(2)}
	dist := make([]float64, len(cams))
	for i := range cams {
		dist[i] = r3.Norm(r3.Sub(cams[i].Center(), centre))
	}
	slices.Sort(dist)
	med := dist[len(dist)/2]
	if len(dist)%2 == 0 {
		med = (dist[len(dist)/2-1] + med) / 2
	}
	if !finite(med) {
		return minGate
	}
	return max(minGate, angle*med)
}

// Fractions of the standing height h of an upright adult (Drillis and
// Contini's segment proportions, as tabulated in Winter's Biomechanics and
// Motor Control of Human Movement): the ankle joint at 0.039 h above the
// floor, the eyes at 0.936 h and the chin at 0.870 h, so the nose, between
// them, at about 0.91 h.
const (
	ankleHeight = 0.039
	noseHeight  = 0.91
)

// HeightPoints returns what calibrate.RefineOptions needs to set a rig's
// scale from an upright athlete of standing height standing (m), whose
// keypoints AssociateForCalibration numbered with set: the keypoints of
// person 0 whose distance stands for the height (HeightPoints) and that
// distance (KnownHeight). They are the head top (BODY_25B's "Head") or,
// in sets without one, the nose, and the left ankle; the distance is the
// standing height less the ankle's height above the floor, and less the
// head above the nose for the nose, from average body proportions.
//
// Refine takes the median of the distance over the frames, so this holds
// for an athlete who stands upright most of the recording (the Pose2Sim
// demo's balancing trial); running bends the knees and the trunk and
// shortens it by an amount that depends on the gait, so a sprint's scale
// is better taken from the calibration or from surveyed points. Average
// proportions and a detector's keypoint placement make the scale good to a
// few percent at best.
func HeightPoints(set *skeleton.Set, standing float64) ([2]int, float64, error) {
	if set == nil {
		return [2]int{}, 0, errors.New("height points: no keypoint set")
	}
	if !(standing > 0) || math.IsInf(standing, 0) {
		return [2]int{}, 0, fmt.Errorf("height points: standing height %v m must be positive", standing)
	}
	ankle := set.Index("LAnkle")
	if ankle < 0 {
		return [2]int{}, 0, fmt.Errorf("height points: the %s set has no LAnkle", set.Name)
	}
	if head := set.Index("Head"); head >= 0 {
		return [2]int{head, ankle}, standing * (1 - ankleHeight), nil
	}
	if nose := set.Index("Nose"); nose >= 0 {
		return [2]int{nose, ankle}, standing * (noseHeight - ankleHeight), nil
	}
	return [2]int{}, 0, fmt.Errorf("height points: the %s set has neither Head nor Nose", set.Name)
}
