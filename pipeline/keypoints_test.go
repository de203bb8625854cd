package pipeline

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/bench"
	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/solve"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

// jitterRig returns cams with every camera but the first turned by deg
// degrees about a random axis and its centre moved by m metres, as an
// approximate calibration would be.
func jitterRig(cams []calibration.Camera, deg, m float64, seed uint64) []calibration.Camera {
	rng := rand.New(rand.NewPCG(seed, 9))
	unit := func() r3.Vec {
		v := r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()}
		return r3.Unit(v)
	}
	out := slices.Clone(cams)
	for c := 1; c < len(out); c++ {
		centre := r3.Add(out[c].Center(), r3.Scale(m, unit()))
		rot := calibration.Rodrigues(r3.Scale(deg*math.Pi/180, unit()))
		var r [3][3]float64
		for i := range 3 {
			for j := range 3 {
				r[i][j] = rot[i][0]*out[c].R[0][j] + rot[i][1]*out[c].R[1][j] + rot[i][2]*out[c].R[2][j]
			}
		}
		out[c].R = r
		out[c].T = r3.Scale(-1, r3.Vec{
			X: r[0][0]*centre.X + r[0][1]*centre.Y + r[0][2]*centre.Z,
			Y: r[1][0]*centre.X + r[1][1]*centre.Y + r[1][2]*centre.Z,
			Z: r[2][0]*centre.X + r[2][1]*centre.Y + r[2][2]*centre.Z,
		})
	}
	return out
}

// sceneViews turns a bench scene's detections into what ReadOpenPoseDir
// gives, per camera per frame, with the true athlete of each keypoint by
// (camera, joint, pixel) for scoring.
func sceneViews(sc *bench.Scene) ([][][]record.OpenPosePerson, map[[4]float64]int) {
	views := make([][][]record.OpenPosePerson, len(sc.Cameras))
	who := map[[4]float64]int{}
	for c := range views {
		views[c] = make([][]record.OpenPosePerson, len(sc.Frames))
	}
	for f, fr := range sc.Frames {
		for c, dets := range fr.Views {
			for _, d := range dets {
				p := make(record.OpenPosePerson, len(d.Keypoints))
				for j, k := range d.Keypoints {
					p[j] = [3]float64{k.X, k.Y, k.Score}
					if k.Score > 0 {
						who[[4]float64{float64(c), float64(j), k.X, k.Y}] = d.Athlete
					}
				}
				views[c][f] = append(views[c][f], p)
			}
		}
	}
	return views, who
}

// TestAssociateForCalibrationSprint associates three athletes in adjacent
// lanes, 0.65 m apart along the track, filmed by the bench's 8-camera rig
// (8 to 22 m from the lanes) with its detection errors (2 px noise,
// misses, left/right swaps, outliers), through a calibration turned by
// 0.5° and moved by 5 cm per camera: at most 5 % of the people placed may
// mix athletes, and nearly every athlete seen by two cameras must be
// placed.
//
// That is about as far as geometry can associate such athletes: at 0.75°
// a quarter of the people placed mix athletes, at 1° a third, whatever
// the gate (see AssociateForCalibration).
func TestAssociateForCalibrationSprint(t *testing.T) {
	sc, err := bench.NewSprintScene(bench.SceneConfig{Dir: testenv.SharedData(t, "sprint-mocap"), Athletes: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	views, who := sceneViews(sc)
	rough := jitterRig(sc.Cameras, 0.5, 0.05, 6)
	t.Logf("association gate %.2f m", associationGate(rough))
	frames, st, err := AssociateForCalibration(rough, sc.Set, views, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Associated || st.Frames != len(sc.Frames) || len(frames) != st.Frames {
		t.Fatalf("got %+v and %d frames, want association over %d frames", st, len(frames), len(sc.Frames))
	}
	joints := sc.Set.Len()
	placed, mixed, visible := 0, 0, 0
	for f, kf := range frames {
		athletes := map[int]map[int]bool{} // person → true athletes
		for _, o := range kf.Points {
			a, ok := who[[4]float64{float64(o.Camera), float64(o.Point % joints), o.U, o.V}]
			if !ok {
				t.Fatalf("frame %d: observation %+v is no detection's", f, o)
			}
			if o.Weight < 0.3 {
				t.Fatalf("frame %d: observation %+v scores under 0.3", f, o)
			}
			p := o.Point / joints
			if athletes[p] == nil {
				athletes[p] = map[int]bool{}
			}
			athletes[p][a] = true
		}
		for _, as := range athletes {
			placed++
			if len(as) > 1 {
				mixed++
			}
		}
		// Athletes seen by two cameras or more.
		for a := range sc.Truth {
			seen := 0
			for _, dets := range sc.Frames[f].Views {
				for _, d := range dets {
					if d.Athlete == a {
						seen++
					}
				}
			}
			if seen >= 2 {
				visible++
			}
		}
	}
	t.Logf("%d frames: %d people placed of %d visible to two cameras, %d mixing athletes; %d skipped, %d detections unmatched",
		st.Frames, placed, visible, mixed, st.Skipped, st.Unmatched)
	if placed != st.People {
		t.Errorf("counted %d people, stats say %d", placed, st.People)
	}
	if mixed > placed/20 {
		t.Errorf("%d of %d people mix athletes, want ≤ 5 %%", mixed, placed)
	}
	if placed < visible*95/100 {
		t.Errorf("%d people placed, want ≥ 95 %% of the %d visible to two cameras", placed, visible)
	}
}

// TestAssociateForCalibrationPose2Sim associates the Pose2Sim balancing
// trial's raw OpenPose output (bystanders and a plastic skeleton in some
// views) with the shipped calibration: person 0 must be the participant,
// keypoint for keypoint what Pose2Sim's own association kept
// (pose-associated), in nearly every frame.
func TestAssociateForCalibrationPose2Sim(t *testing.T) {
	root := testenv.SharedData(t, "pose2sim-s00")
	cams, err := calibration.ReadPose2SimFile(filepath.Join(root, "S00_Calibration", "Calib_qualisys.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for c := range cams {
		cams[c].Dist = nil
	}
	trial := filepath.Join(root, "S00_P00_SingleParticipant", "S00_P00_T01_BalancingTrial")
	set := &skeleton.BODY25B
	read := func(folder string) [][][]record.OpenPosePerson {
		views := make([][][]record.OpenPosePerson, len(cams))
		for c := range cams {
			if views[c], _, err = record.ReadOpenPoseDir(filepath.Join(trial, folder, fmt.Sprintf("cam%02d_json", c+1)), set.Len()); err != nil {
				t.Fatal(err)
			}
		}
		return views
	}
	raw, err := CalibrationKeypoints(cams, set, read("pose"), 0.3)
	if err != nil {
		t.Fatal(err)
	}
	assoc, st, err := AssociateForCalibration(cams, set, read("pose-associated"), 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if st.Associated || st.People != 100 || st.Skipped != 0 {
		t.Errorf("pose-associated: got %+v, want 100 people paired directly", st)
	}
	person0 := func(kf solve.KeypointFrame) []solve.KeypointObs {
		var out []solve.KeypointObs
		for _, o := range kf.Points {
			if o.Point < set.Len() {
				out = append(out, o)
			}
		}
		return out
	}
	same := 0
	for f := range assoc {
		if slices.Equal(person0(raw[f]), assoc[f].Points) {
			same++
		}
	}
	t.Logf("person 0 of the raw folders is Pose2Sim's participant, keypoint for keypoint, in %d of %d frames", same, len(assoc))
	if same < 95 {
		t.Errorf("person 0 matches Pose2Sim's participant in %d of 100 frames, want ≥ 95", same)
	}
}

func TestAssociateForCalibrationSingle(t *testing.T) {
	cams := []calibration.Camera{
		calibration.LookAt("a", r3.Vec{X: -5, Z: 2}, r3.Vec{Z: 1}, 640, 480, 500),
		calibration.LookAt("b", r3.Vec{Y: -5, Z: 2}, r3.Vec{Z: 1}, 640, 480, 500),
		calibration.LookAt("c", r3.Vec{X: 5, Z: 2}, r3.Vec{Z: 1}, 640, 480, 500),
	}
	set := &skeleton.COCO17
	person := func(score float64) record.OpenPosePerson {
		p := make(record.OpenPosePerson, set.Len())
		for j := range p {
			p[j] = [3]float64{float64(10 * j), float64(20 + j), score}
		}
		return p
	}
	low := person(0.9)
	low[3][2], low[4][2] = 0.2, 0 // under the threshold, not found
	views := [][][]record.OpenPosePerson{
		{{person(0.9)}, {low}, nil},
		{{person(0.8)}, nil, nil},
		{nil, {person(0.7)}, {person(0.9)}},
	}
	frames, st, err := AssociateForCalibration(cams, set, views, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	want := KeypointStats{Frames: 3, Skipped: 1, People: 2, Unmatched: 1}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
	if got, want := len(frames[0].Points), 2*set.Len(); got != want {
		t.Errorf("frame 0: %d observations, want %d", got, want)
	}
	if got, want := len(frames[1].Points), 2*set.Len()-2; got != want {
		t.Errorf("frame 1: %d observations, want %d (two under the threshold)", got, want)
	}
	if len(frames[2].Points) != 0 {
		t.Errorf("frame 2: %d observations, want none (one camera)", len(frames[2].Points))
	}
	for _, o := range frames[1].Points {
		if o.Camera == 0 && (o.Point == 3 || o.Point == 4) {
			t.Errorf("frame 1: observation %+v under the score threshold", o)
		}
		if o.U != float64(10*o.Point) || o.V != float64(20+o.Point) {
			t.Errorf("frame 1: observation %+v does not carry joint %d's pixel", o, o.Point)
		}
	}
	// minScore 0 keeps every keypoint found, not the missing one.
	frames, _, err = AssociateForCalibration(cams, set, views, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(frames[1].Points), 2*set.Len()-1; got != want {
		t.Errorf("minScore 0: frame 1 has %d observations, want %d", got, want)
	}
}

func TestAssociateForCalibrationErrors(t *testing.T) {
	cams := []calibration.Camera{
		calibration.LookAt("a", r3.Vec{X: -5, Z: 2}, r3.Vec{Z: 1}, 640, 480, 500),
		calibration.LookAt("b", r3.Vec{Y: -5, Z: 2}, r3.Vec{Z: 1}, 640, 480, 500),
	}
	one := record.OpenPosePerson(make([][3]float64, skeleton.COCO17.Len()))
	views := [][][]record.OpenPosePerson{{{one}}, {{one}}}
	for _, tt := range []struct {
		name     string
		cams     []calibration.Camera
		set      *skeleton.Set
		views    [][][]record.OpenPosePerson
		minScore float64
		want     string
	}{
		{name: "no set", cams: cams, views: views, want: "no keypoint set"},
		{name: "one camera", cams: cams[:1], set: &skeleton.COCO17, views: views[:1], want: "1 cameras"},
		{name: "views of more cameras", cams: cams, set: &skeleton.COCO17, views: append(slices.Clone(views), nil), want: "keypoints for 3 cameras"},
		{name: "wrong set", cams: cams, set: &skeleton.BODY25B, views: views, want: "17 joints"},
		{name: "negative score", cams: cams, set: &skeleton.COCO17, views: views, minScore: -1, want: "minimum score"},
		{name: "NaN score", cams: cams, set: &skeleton.COCO17, views: views, minScore: math.NaN(), want: "minimum score"},
		{name: "no frames", cams: cams, set: &skeleton.COCO17, views: [][][]record.OpenPosePerson{{}, {{one}}}, want: "no frames"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CalibrationKeypoints(tt.cams, tt.set, tt.views, tt.minScore)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestHeightPoints(t *testing.T) {
	for _, tt := range []struct {
		set    *skeleton.Set
		points [2]string
		dist   float64
	}{
		{&skeleton.BODY25B, [2]string{"Head", "LAnkle"}, 1.8 * 0.961},
		{&skeleton.BODY25, [2]string{"Nose", "LAnkle"}, 1.8 * 0.871},
		{&skeleton.COCO17, [2]string{"Nose", "LAnkle"}, 1.8 * 0.871},
	} {
		t.Run(tt.set.Name, func(t *testing.T) {
			pts, d, err := HeightPoints(tt.set, 1.8)
			if err != nil {
				t.Fatal(err)
			}
			if want := [2]int{tt.set.Index(tt.points[0]), tt.set.Index(tt.points[1])}; pts != want || math.Abs(d-tt.dist) > 1e-9 {
				t.Errorf("got %v %.4f m, want %v (%v) %.4f m", pts, d, want, tt.points, tt.dist)
			}
		})
	}
	for _, h := range []float64{0, -1.7, math.NaN(), math.Inf(1)} {
		if _, _, err := HeightPoints(&skeleton.BODY25B, h); err == nil {
			t.Errorf("height %v: got no error", h)
		}
	}
	if _, _, err := HeightPoints(&skeleton.Set{Name: "hands", Joints: []string{"Wrist"}}, 1.8); err == nil {
		t.Error("a set without ankles: got no error")
	}
}
