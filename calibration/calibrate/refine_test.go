package calibrate_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/bench"
	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/calibrate"
	"github.com/athlete3d/athlete3d/calibration/solve"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

// trackRun is the sprint mocap's BODY_25B joint centres (package bench:
// subject JA1 at 9 m/s, 250 Hz, world frame, levelled), ready to be laid
// end to end along a straight.
type trackRun struct {
	joints [][]r3.Vec // per mocap frame; NaN where the markers give nothing
	rate   float64
	// lap is the distance the run covers (m), from its first frame to its
	// last, and start the hip centre's position in the first frame.
	lap   float64
	start r3.Vec
}

func loadTrackRun(t testing.TB) *trackRun {
	t.Helper()
	tr, err := bench.LoadTrial(testenv.SharedData(t, "sprint-mocap"), "run0900cms")
	if err != nil {
		t.Fatal(err)
	}
	joints, err := tr.JointCentres(&skeleton.BODY25B)
	if err != nil {
		t.Fatal(err)
	}
	lh, rh := skeleton.BODY25B.Index("LHip"), skeleton.BODY25B.Index("RHip")
	hip := func(f int) r3.Vec { return r3.Scale(0.5, r3.Add(joints[f][lh], joints[f][rh])) }
	first, last := hip(0), hip(len(joints)-1)
	return &trackRun{joints: joints, rate: tr.Rate, lap: last.X - first.X, start: first}
}

// at returns the joints of an athlete who has run for tm seconds from x =
// 0 in the lane centred on y: the run replayed lap after lap, each moved
// forward by the distance the last covered. The pose jumps at each
// lap's seam, which an adjustment of independent frames does not mind.
func (r *trackRun) at(tm, y float64) []r3.Vec {
	dur := float64(len(r.joints)-1) / r.rate
	k := math.Floor(tm / dur)
	f := int(math.Round((tm - k*dur) * r.rate))
	off := r3.Vec{X: k*r.lap - r.start.X, Y: y - r.start.Y}
	out := make([]r3.Vec, len(r.joints[f]))
	for j, p := range r.joints[f] {
		out[j] = r3.Add(p, off)
	}
	return out
}

// straightRig returns n 1920×1080 cameras along a straight of the given
// length (x from 0) whose lanes' centres span y from 0 to width: on
// alternate sides (the main stand, y < 0, first), evenly spaced along x,
// 12, 16 or 20 m from the nearest lane and 3, 5 or 7 m up, each aimed at
// the lanes' middle 1 m up at its own x, with a focal length that frames
// max(30 m, 2.5 × the spacing) of the straight, so that neighbours share
// the athletes; mild barrel distortion.
func straightRig(n int, length, width float64) []calibration.Camera {
	cams := make([]calibration.Camera, n)
	span := max(30, 2.5*length/float64(n))
	for i := range cams {
		x := length * (float64(i) + 0.5) / float64(n)
		d := 12 + 4*float64(i%3)
		eye := r3.Vec{X: x, Y: -d, Z: 3 + 2*float64(i%3)}
		if i%2 == 1 {
			eye.Y = width + d
		}
		target := r3.Vec{X: x, Y: width / 2, Z: 1}
		fx := 960 * r3.Norm(r3.Sub(target, eye)) / (span / 2)
		cams[i] = calibration.LookAt(fmt.Sprintf("cam%02d", i+1), eye, target, 1920, 1080, fx)
		cams[i].Dist = []float64{-0.05, 0.01, 0, 0}
	}
	return cams
}

// trackScene is athletes filmed running a straight by straightRig.
type trackScene struct {
	cams   []calibration.Camera
	frames []solve.KeypointFrame
	truth  [][][]r3.Vec // [frame][athlete][joint]
}

// trackSceneConfig sets up newTrackScene.
type trackSceneConfig struct {
	cameras, athletes, frames int
	length                    float64 // m of straight run by the first athlete
	noise                     float64 // px per coordinate
	seed                      uint64
	// runs, when set, splits the frames into runs of the same athletes,
	// run r shifted runs[r] lanes outwards.
	runs []int
}

// newTrackScene films the athletes: athlete k in lane k (1.22 m wide),
// 0.5 s behind the one before, all starting at x = 0, over the time the
// first takes to run length metres. Each keypoint inside an image is
// detected with Gaussian noise, 5 % are missed, and 1 % jump 30–90 px
// (scoring lower); scores are 0.6–1.
func newTrackScene(t testing.TB, run *trackRun, cfg trackSceneConfig) *trackScene {
	t.Helper()
	speed := run.lap / (float64(len(run.joints)-1) / run.rate)
	dur := cfg.length / speed
	runs := cfg.runs
	if runs == nil {
		runs = []int{0}
	}
	cams := straightRig(cfg.cameras, cfg.length, 1.22*float64(cfg.athletes-1+slices.Max(runs)))
	rng := rand.New(rand.NewPCG(cfg.seed, 77))
	s := &trackScene{cams: cams}
	joints := skeleton.BODY25B.Len()
	per := cfg.frames / len(runs)
	for f := range per * len(runs) {
		r, i := f/per, f%per
		tm := dur * float64(i) / float64(per-1)
		var kf solve.KeypointFrame
		var people [][]r3.Vec
		for k := range cfg.athletes {
			people = append(people, run.at(math.Max(0, tm-0.5*float64(k)), 1.22*float64(k+runs[r])))
		}
		s.truth = append(s.truth, people)
		for c := range cams {
			cam := &cams[c]
			for k, pts := range people {
				for j, X := range pts {
					if math.IsNaN(X.X) {
						continue
					}
					u, v, ok := cam.Project(X)
					if !ok || u < 0 || v < 0 || u > float64(cam.Width-1) || v > float64(cam.Height-1) || rng.Float64() < 0.05 {
						continue
					}
					w := 0.6 + 0.4*rng.Float64()
					u, v = u+cfg.noise*rng.NormFloat64(), v+cfg.noise*rng.NormFloat64()
					if rng.Float64() < 0.01 {
						a, d := 2*math.Pi*rng.Float64(), 30+60*rng.Float64()
						u, v, w = u+d*math.Cos(a), v+d*math.Sin(a), 0.3+0.3*rng.Float64()
					}
					kf.Points = append(kf.Points, solve.KeypointObs{Camera: c, Point: k*joints + j, U: u, V: v, Weight: w})
				}
			}
		}
		s.frames = append(s.frames, kf)
	}
	return s
}

// perturb returns cams with every camera but ref turned by 1–3° about a
// random axis and its centre moved by m metres in a random direction.
func perturb(cams []calibration.Camera, ref int, m float64, seed uint64) []calibration.Camera {
	rng := rand.New(rand.NewPCG(seed, 3))
	unit := func() r3.Vec {
		for {
			v := r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()}
			if n := r3.Norm(v); n > 1e-3 {
				return r3.Scale(1/n, v)
			}
		}
	}
	out := slices.Clone(cams)
	for c := range out {
		if c == ref {
			continue
		}
		centre := r3.Add(out[c].Center(), r3.Scale(m, unit()))
		deg := 1 + 2*rng.Float64()
		out[c].R = calibration.MatMul(calibration.Rodrigues(r3.Scale(deg*math.Pi/180, unit())), out[c].R)
		out[c].T = r3.Scale(-1, calibration.MatVec(out[c].R, centre))
	}
	return out
}

// rigError compares cameras with the truth: the worst rotation error
// (degrees) and the worst centre error (m), the centres first scaled about
// the reference camera's by the factor that fits them best to the true
// ones, as keypoints cannot know the scale (RefineOptions' Scale); raw is
// the worst centre error without that, and scale the factor.
func rigError(got, truth []calibration.Camera, ref int) (deg, m, raw, scale float64) {
	cr := truth[ref].Center()
	var num, den float64
	for c := range got {
		a := r3.Sub(got[c].Center(), cr)
		num += r3.Dot(a, r3.Sub(truth[c].Center(), cr))
		den += r3.Norm2(a)
	}
	scale = num / den
	for c := range got {
		d, r := poseDiff(&got[c], &truth[c])
		centre := r3.Add(cr, r3.Scale(scale, r3.Sub(got[c].Center(), cr)))
		deg, raw = max(deg, d), max(raw, r)
		m = max(m, r3.Norm(r3.Sub(centre, truth[c].Center())))
	}
	return deg, m, raw, scale
}

// refineCase is one scene of the Refine tests.
type refineCase struct {
	name string
	cfg  trackSceneConfig
	// bar asserts the acceptance figures, 0.2° and 1 cm.
	bar bool
}

// refineScene refines a scene's rig from a start off by 1–3° and 5 cm
// and returns the report with the worst errors against the truth (see
// rigError), after checking what must hold whatever the scene: the fit
// ends at the noise (RMS within 10 % of what σ leaves), every camera's rotation
// error is within 3.5 of its standard deviations (so RotationSD is a
// figure a user can trust to say a recording was not enough), and the
// worst rotation is better than at the start.
func refineScene(t *testing.T, run *trackRun, tc refineCase, opt calibrate.RefineOptions) (*calibrate.RefineReport, float64, float64) {
	t.Helper()
	s := newTrackScene(t, run, tc.cfg)
	start := perturb(s.cams, 0, 0.05, tc.cfg.seed)
	if opt.MaxFrames == 0 {
		opt.MaxFrames = tc.cfg.frames
	}
	rep, err := calibrate.Refine(start, s.frames, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rep.RotationSD == nil {
		t.Fatal("no standard deviations: singular system")
	}
	d0, m0, _, _ := rigError(start, s.cams, 0)
	deg, m, raw, scale := rigError(rep.Cameras, s.cams, 0)
	var sdDeg, sdM float64
	for c := range s.cams {
		d, _ := poseDiff(&rep.Cameras[c], &s.cams[c])
		sdDeg, sdM = max(sdDeg, rep.RotationSD[c]), max(sdM, rep.CentreSD[c])
		if c != 0 && d > 3.5*rep.RotationSD[c] {
			t.Errorf("%s: rotation error %.4f°, want within 3.5 σ (σ %.4f°)", s.cams[c].Name, d, rep.RotationSD[c])
		}
	}
	t.Logf("%d frames, %d points, %d observations (%d outliers dropped); RMS %.2f → %.3f px; worst camera %.2f° %.0f mm → %.4f° %.2f mm (%.1f mm before fitting the scale, off by %+.3f %%); largest σ %.4f° %.2f mm",
		rep.Frames, rep.Points, rep.Observations, rep.Outliers, rep.InitialRMS, rep.RMS,
		d0, m0*1000, deg, m*1000, raw*1000, 100*(1/scale-1), sdDeg, sdM*1000)
	// σ√2 per observation, less what the unknowns absorb: 3 per point, 6
	// per camera but the reference, less the scale.
	dof := float64(2*rep.Observations - 3*rep.Points - 6*(tc.cfg.cameras-1) + 1)
	if want := tc.cfg.noise * math.Sqrt2 * math.Sqrt(dof/float64(2*rep.Observations)); math.Abs(rep.RMS-want) > 0.1*want {
		t.Errorf("RMS %.3f px, want %.3f ± 10 %%", rep.RMS, want)
	}
	if deg >= d0 {
		t.Errorf("worst rotation error %.4f°, want below the start's %.4f°", deg, d0)
	}
	if tc.bar && (deg > 0.2 || m > 0.01) {
		t.Errorf("worst camera %.4f°, %.2f mm from the truth, want ≤ 0.2°, 10 mm", deg, m*1000)
	}
	return rep, deg, m
}

// TestRefineSeveralAthletes is the acceptance test of Refine: extrinsics
// off by 1–3° and 5 cm (every camera but the reference) must come back to
// 0.2° and 1 cm of the truth, the scale aside (keypoints cannot know it,
// see rigError). Four athletes run the sprint mocap in adjacent lanes
// along a 60 m straight, filmed at 2 px of noise with misses and outliers
// (newTrackScene) by 4 or 8 cameras framing 30–37 m each (an athlete is
// about 115 px tall).
//
// The error is the noise's, falling as 1/√frames: 1200 frames (a 60 m run
// at 180 fps, or four at 50 fps; the default MaxFrames) meet the bar, 300
// leave about 2 cm on the far cameras' centres, the rotations well within
// it either way.
func TestRefineSeveralAthletes(t *testing.T) {
	run := loadTrackRun(t)
	for _, tc := range []refineCase{
		{name: "4 cameras, 1200 frames", cfg: trackSceneConfig{cameras: 4, athletes: 4, frames: 1200, length: 60, noise: 2, seed: 1}, bar: true},
		{name: "8 cameras, 1200 frames", cfg: trackSceneConfig{cameras: 8, athletes: 4, frames: 1200, length: 60, noise: 2, seed: 2}, bar: true},
		{name: "8 cameras, 300 frames", cfg: trackSceneConfig{cameras: 8, athletes: 4, frames: 300, length: 60, noise: 2, seed: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refineScene(t, run, tc, calibrate.RefineOptions{})
		})
	}
}

// TestRefineOneAthlete measures what one athlete gives. Running one lane,
// the keypoints fill a thin vertical slab along it, which pins the
// cameras' rotations and centres poorly: 300 frames at 2 px leave tenths
// of a degree and decimetres, and the error falls only as 1/√frames
// (1200 frames: about 0.27° and 9 cm), so no recording length of one run
// meets 0.2° and 1 cm. The geometry must change instead: the same athlete
// running three lanes apart in three runs fills the space as several
// athletes do, and 900 frames leave a few hundredths of a degree and 1–3
// cm. What is asserted is what holds either way (refineScene), above all
// that RotationSD reports honestly how loose the cameras are.
func TestRefineOneAthlete(t *testing.T) {
	run := loadTrackRun(t)
	var oneLane, threeLanes float64
	for _, tc := range []refineCase{
		{name: "8 cameras, one lane, 300 frames", cfg: trackSceneConfig{cameras: 8, athletes: 1, frames: 300, length: 60, noise: 2, seed: 4}},
		{name: "4 cameras, one lane, 300 frames", cfg: trackSceneConfig{cameras: 4, athletes: 1, frames: 300, length: 60, noise: 2, seed: 3}},
		{name: "8 cameras, lanes 1, 4 and 7, 900 frames", cfg: trackSceneConfig{cameras: 8, athletes: 1, frames: 900, length: 60, noise: 2, seed: 4, runs: []int{0, 3, 6}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, _, _ := refineScene(t, run, tc, calibrate.RefineOptions{})
			sd := slices.Max(rep.RotationSD)
			if tc.cfg.runs == nil && tc.cfg.cameras == 8 {
				oneLane = sd
			} else if tc.cfg.runs != nil {
				threeLanes = sd
			}
		})
	}
	// Three lanes, three times the frames: √3 from the frames alone; the
	// geometry must give much more.
	if oneLane > 0 && threeLanes > 0 && threeLanes > oneLane/4 {
		t.Errorf("largest rotation σ %.4f° over three lanes, want below a quarter of one lane's %.4f°", threeLanes, oneLane)
	}
}

// TestRefineAssociatedAthletes runs the whole path on the bench's sprint
// scene (three athletes in adjacent lanes, 8 broadcast-like cameras 8 to
// 22 m away over the mocap's 12 m, 250 fps, the bench's detection errors
// with left/right swaps): the people associated across the cameras with a
// calibration off by 0.5° and 5 cm (pipeline.AssociateForCalibration, so
// a few percent of them wrongly), then Refine. The cameras must come back
// to 0.2° and 1 cm, the scale aside. (From 1° off, the association fails
// and so does this: see AssociateForCalibration.)
func TestRefineAssociatedAthletes(t *testing.T) {
	sc, err := bench.NewSprintScene(bench.SceneConfig{Dir: testenv.SharedData(t, "sprint-mocap"), Athletes: 3, Rate: 250, Seed: 12})
	if err != nil {
		t.Fatal(err)
	}
	views := make([][][]record.OpenPosePerson, len(sc.Cameras))
	for c := range views {
		views[c] = make([][]record.OpenPosePerson, len(sc.Frames))
		for f, fr := range sc.Frames {
			for _, d := range fr.Views[c] {
				p := make(record.OpenPosePerson, len(d.Keypoints))
				for j, k := range d.Keypoints {
					p[j] = [3]float64{k.X, k.Y, k.Score}
				}
				views[c][f] = append(views[c][f], p)
			}
		}
	}
	rng := rand.New(rand.NewPCG(13, 14))
	start := slices.Clone(sc.Cameras)
	for c := 1; c < len(start); c++ {
		axis := r3.Unit(r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()})
		dir := r3.Unit(r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()})
		centre := r3.Add(start[c].Center(), r3.Scale(0.05, dir))
		start[c].R = calibration.MatMul(calibration.Rodrigues(r3.Scale(0.5*math.Pi/180, axis)), start[c].R)
		start[c].T = r3.Scale(-1, calibration.MatVec(start[c].R, centre))
	}
	frames, st, err := pipeline.AssociateForCalibration(start, sc.Set, views, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := calibrate.Refine(start, frames, calibrate.RefineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deg, m, raw, _ := rigError(rep.Cameras, sc.Cameras, 0)
	t.Logf("%d frames, %d people placed, %d detections unmatched; %d points, %d outliers of %d observations; RMS %.2f → %.3f px; worst camera %.4f° %.2f mm (%.1f mm before fitting the scale)",
		st.Frames, st.People, st.Unmatched, rep.Points, rep.Outliers, rep.Observations, rep.InitialRMS, rep.RMS, deg, m*1000, raw*1000)
	if deg > 0.2 || m > 0.01 {
		t.Errorf("worst camera %.4f°, %.2f mm from the truth, want ≤ 0.2°, 10 mm", deg, m*1000)
	}
}

// TestRefineKnownHeight sets the scale from an athlete's dimension instead
// of the calibration: the median distance between athlete 0's neck and
// left ankle (the mocap has no head keypoints) over the frames, measured
// on the truth, from a start 10 % too large. The cameras' distances to the
// reference must then be the true ones within 2 %. They come out about 1 %
// short: the distance between two noisy triangulated points is longer on
// average than the true one (here the 3D keypoints are several
// centimetres off), so the scale that makes it KnownHeight is too small.
func TestRefineKnownHeight(t *testing.T) {
	run := loadTrackRun(t)
	cfg := trackSceneConfig{cameras: 4, athletes: 4, frames: 300, length: 60, noise: 2, seed: 8}
	s := newTrackScene(t, run, cfg)
	neck, ankle := skeleton.BODY25B.Index("Neck"), skeleton.BODY25B.Index("LAnkle")
	var d []float64
	for _, people := range s.truth {
		d = append(d, r3.Norm(r3.Sub(people[0][neck], people[0][ankle])))
	}
	slices.Sort(d)
	height := d[len(d)/2]
	// A start 10 % too large: the known height must undo it.
	start := perturb(s.cams, 0, 0.05, 9)
	for c := range start {
		start[c].T = r3.Scale(1.1, start[c].T)
	}
	rep, err := calibrate.Refine(start, s.frames, calibrate.RefineOptions{KnownHeight: height, HeightPoints: [2]int{neck, ankle}})
	if err != nil {
		t.Fatal(err)
	}
	ref := s.cams[0].Center()
	for c := 1; c < len(s.cams); c++ {
		want := r3.Norm(r3.Sub(s.cams[c].Center(), ref))
		got := r3.Norm(r3.Sub(rep.Cameras[c].Center(), rep.Cameras[0].Center()))
		t.Logf("%s: %.3f m from the reference, truly %.3f m (%+.2f %%)", s.cams[c].Name, got, want, 100*(got/want-1))
		if math.Abs(got/want-1) > 0.02 {
			t.Errorf("%s: %.3f m from the reference, want %.3f m ± 2 %%", s.cams[c].Name, got, want)
		}
	}
	if !strings.Contains(rep.Meta.World, "known height") {
		t.Errorf("meta world %q, want it to mention the known height", rep.Meta.World)
	}
}

func TestRefineOptions(t *testing.T) {
	cams := ringRig(4)
	frames := cloudFrames(cams, 20, 10, 0.5, -1, [2]float64{}, 4)
	var stages []string
	rep, err := calibrate.Refine(cams, frames, calibrate.RefineOptions{
		Reference: 2, MaxFrames: 7,
		Progress: func(stage string, done, total int) {
			stages = append(stages, fmt.Sprintf("%s %d/%d", stage, done, total))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Frames != 7 {
		t.Errorf("got %d frames, want MaxFrames' 7", rep.Frames)
	}
	if rep.RotationChange[2] != 0 || rep.CentreChange[2] > 1e-12 {
		t.Errorf("reference camera moved by %g°, %g m, want held", rep.RotationChange[2], rep.CentreChange[2])
	}
	if len(stages) == 0 || !strings.HasSuffix(stages[len(stages)-1], "1/1") {
		t.Errorf("progress %q, want the adjustment's end last", stages)
	}
	if len(rep.Meta.RMS) != 4 || rep.Meta.Error != rep.RMS || !strings.Contains(rep.Meta.World, "ring2") {
		t.Errorf("meta %+v: want per-camera RMS, Error and the reference named", rep.Meta)
	}
	// Weights under MinScore are ignored: with all below it, nothing is
	// left.
	if _, err := calibrate.Refine(cams, frames, calibrate.RefineOptions{MinScore: 1.1}); !errors.Is(err, calibrate.ErrTooFewPoints) {
		t.Errorf("MinScore above every weight: got %v, want %v", err, calibrate.ErrTooFewPoints)
	}
	for _, tt := range []struct {
		name string
		opt  calibrate.RefineOptions
	}{
		{name: "reference out of range", opt: calibrate.RefineOptions{Reference: 4}},
		{name: "negative reference", opt: calibrate.RefineOptions{Reference: -1}},
		{name: "negative MinScore", opt: calibrate.RefineOptions{MinScore: -0.1}},
		{name: "NaN MinScore", opt: calibrate.RefineOptions{MinScore: math.NaN()}},
		{name: "one frame", opt: calibrate.RefineOptions{MaxFrames: 1}},
		{name: "negative height", opt: calibrate.RefineOptions{KnownHeight: -1.8}},
		{name: "height without points", opt: calibrate.RefineOptions{KnownHeight: 1.8}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := calibrate.Refine(cams, frames, tt.opt); !errors.Is(err, calibrate.ErrInput) {
				t.Errorf("got %v, want %v", err, calibrate.ErrInput)
			}
		})
	}
	// A height pair never seen together.
	if _, err := calibrate.Refine(cams, frames, calibrate.RefineOptions{KnownHeight: 1.8, HeightPoints: [2]int{0, 99}}); !errors.Is(err, calibrate.ErrTooFewPoints) {
		t.Errorf("height points never seen: got %v, want %v", err, calibrate.ErrTooFewPoints)
	}
	// A camera seeing only points nobody else sees is not connected.
	apart := make([]solve.KeypointFrame, len(frames))
	for f := range frames {
		for _, o := range frames[f].Points {
			if o.Camera == 3 {
				o.Point += 1000
			}
			apart[f].Points = append(apart[f].Points, o)
		}
	}
	if _, err := calibrate.Refine(cams, apart, calibrate.RefineOptions{}); !errors.Is(err, calibrate.ErrTooFewPoints) || !strings.Contains(err.Error(), "ring3") {
		t.Errorf("camera 3 apart: got %v, want %v naming ring3", err, calibrate.ErrTooFewPoints)
	}
}
