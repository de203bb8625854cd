package solve

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"gonum.org/v1/gonum/spatial/r3"
)

// sprinter returns the 17 COCO keypoints (nose, eyes, ears, shoulders,
// elbows, wrists, hips, knees, ankles; left before right) of a synthetic
// sprinter at time t (s): 10 m/s along x from x = 0, in lane y = 0, with a
// 2.2 Hz stride swinging the legs and, opposite, the arms.
func sprinter(t float64) [17]r3.Vec {
	phi := 2 * math.Pi * 2.2 * t
	pelvis := r3.Vec{X: 10 * t, Z: 1.0 + 0.04*math.Sin(2*phi)}
	sw := math.Sin(phi)
	lift := func(s float64) float64 { return 0.2 * math.Max(0, s) }
	off := [17]r3.Vec{
		{X: 0.18, Z: 0.72},                                        // nose
		{X: 0.16, Y: 0.03, Z: 0.75}, {X: 0.16, Y: -0.03, Z: 0.75}, // eyes
		{X: 0.10, Y: 0.07, Z: 0.73}, {X: 0.10, Y: -0.07, Z: 0.73}, // ears
		{X: 0.08, Y: 0.18, Z: 0.50}, {X: 0.08, Y: -0.18, Z: 0.50}, // shoulders
		{X: 0.08 - 0.2*sw, Y: 0.22, Z: 0.24}, {X: 0.08 + 0.2*sw, Y: -0.22, Z: 0.24},
		{X: 0.08 - 0.4*sw, Y: 0.22, Z: 0.05}, {X: 0.08 + 0.4*sw, Y: -0.22, Z: 0.05},
		{Y: 0.10}, {Y: -0.10}, // hips
		{X: 0.25 * sw, Y: 0.10, Z: -0.45 + lift(sw)}, {X: -0.25 * sw, Y: -0.10, Z: -0.45 + lift(-sw)},
		{X: 0.45 * math.Sin(phi-0.5), Y: 0.10, Z: -0.88 + lift(math.Cos(phi))},
		{X: -0.45 * math.Sin(phi-0.5), Y: -0.10, Z: -0.88 + lift(-math.Cos(phi))},
	}
	var out [17]r3.Vec
	for i := range off {
		out[i] = r3.Add(pelvis, off[i])
	}
	return out
}

// trackCameras returns n 1920×1080 cameras along both sides of a 20 m
// stretch of track, 10–14 m from the lane at heights of 2.5–4 m, each
// looking at the part of the stretch in front of it.
func trackCameras(n int) []calibration.Camera {
	cams := make([]calibration.Camera, n)
	for i := range cams {
		side := 1.0
		if i%2 == 1 {
			side = -1
		}
		x := -3 + 26*float64(i)/float64(n-1)
		eye := r3.Vec{X: x, Y: side * (10 + 2*float64(i%3)), Z: 2.5 + 0.5*float64(i%4)}
		target := r3.Vec{X: math.Max(3, math.Min(17, x)), Z: 1}
		c := calibration.LookAt(string(rune('A'+i)), eye, target, 1920, 1080, 1200+30*float64(i))
		c.Dist = []float64{-0.05, 0.01, 0, 0}
		cams[i] = c
	}
	return cams
}

// sprintScene is a sprinter filmed by cameras along the track.
type sprintScene struct {
	cams   []calibration.Camera
	truth  [][17]r3.Vec // by frame
	frames []KeypointFrame
}

// newSprintScene films the 20 m in frames frames with noise px of Gaussian
// noise per coordinate, missing of the keypoints lost, and outliers of
// them moved 20–80 px away. Weights are confidences in 0.5–1.
func newSprintScene(ncam, frames, runners int, noise, missing, outliers float64, seed uint64) *sprintScene {
	rng := rand.New(rand.NewPCG(seed, 4))
	s := &sprintScene{cams: trackCameras(ncam)}
	for f := range frames {
		// The 20 m stretch in 2 s, whatever the number of frames.
		pts := sprinter(2 * float64(f) / float64(frames))
		s.truth = append(s.truth, pts)
		var all []r3.Vec
		for k := range runners {
			// Runner k in every other lane (1.22 m wide) from lane 0,
			// k·0.7 m behind.
			for _, X := range pts {
				all = append(all, r3.Add(X, r3.Vec{X: -0.7 * float64(k), Y: 2.44 * float64(k)}))
			}
		}
		var kf KeypointFrame
		for c := range s.cams {
			cam := &s.cams[c]
			for j, X := range all {
				u, v, ok := cam.Project(X)
				if !ok || u < 0 || v < 0 || u > float64(cam.Width-1) || v > float64(cam.Height-1) || rng.Float64() < missing {
					continue
				}
				u, v = u+noise*rng.NormFloat64(), v+noise*rng.NormFloat64()
				if rng.Float64() < outliers {
					a := rng.Float64() * 2 * math.Pi
					d := 20 + 60*rng.Float64()
					u, v = u+d*math.Cos(a), v+d*math.Sin(a)
				}
				kf.Points = append(kf.Points, KeypointObs{Camera: c, Point: j, U: u, V: v, Weight: 0.5 + 0.5*rng.Float64()})
			}
		}
		s.frames = append(s.frames, kf)
	}
	return s
}

// initial returns the cameras, every one but the reference turned by 1–3°
// and moved by m metres.
func (s *sprintScene) initial(ref int, m float64, seed uint64) []calibration.Camera {
	rng := rand.New(rand.NewPCG(seed, 5))
	cams := append([]calibration.Camera(nil), s.cams...)
	for c := range cams {
		if c != ref {
			cams[c] = jitterCamera(cams[c], 1+2*rng.Float64(), m, rng)
		}
	}
	return cams
}

// TestRefineFromKeypoints starts from extrinsics off by 1–3° and 5 cm and
// films runners with 1.5 px of noise, 5 % of the keypoints missing and 1 %
// gross outliers, over 100 frames. The scale gauge holds one distance at
// its (perturbed) initial value, so with it the centres are compared after
// scaling about the reference by the true distance: what a user does with
// that one distance measured.
//
// The project's acceptance figure, 0.2° and 1 cm, needs points spread
// across the track: a single sprinter keeps to a thin vertical slab along
// the lane, and the solver's own standard deviations (which the errors
// must match, within 3.5 σ) show that 100 frames of one leave about 0.15°
// and 4 cm of noise on a camera; runners in four lanes, about 0.02° and
// 5 mm.
func TestRefineFromKeypoints(t *testing.T) {
	for _, tt := range []struct {
		name         string
		ncam         int
		runners      int
		height       bool // KnownHeight gauge
		maxDeg, maxM float64
	}{
		{name: "8 cameras, one sprinter", ncam: 8, runners: 1, maxDeg: 0.5, maxM: 0.1},
		{name: "4 cameras, four runners", ncam: 4, runners: 4, maxDeg: 0.2, maxM: 0.01},
		{name: "8 cameras, four runners", ncam: 8, runners: 4, maxDeg: 0.2, maxM: 0.01},
		// The scale then comes from a body dimension, good to half a
		// percent: the centres, up to 26 m from the reference, move by up
		// to 13 cm.
		{name: "4 cameras, four runners, known height", ncam: 4, runners: 4, height: true, maxDeg: 0.2, maxM: 0.15},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const noise = 1.5
			s := newSprintScene(tt.ncam, 100, tt.runners, noise, 0.05, 0.01, 13)
			cams := s.initial(0, 0.05, 14)
			var opt RefineOptions
			if tt.height {
				// Nose to left ankle of the first runner, median over the
				// frames.
				var d []float64
				for _, p := range s.truth {
					d = append(d, r3.Norm(r3.Sub(p[0], p[15])))
				}
				opt.KnownHeight, opt.HeightPoints = median(d), [2]int{0, 15}
			}
			res, err := RefineFromKeypoints(cams, s.frames, opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.CentreSD == nil {
				t.Fatal("no standard deviations")
			}
			scale := 1.0
			ref := s.cams[0].Center()
			if !tt.height {
				sc := res.ScaleCamera
				scale = r3.Norm(r3.Sub(s.cams[sc].Center(), ref)) / r3.Norm(r3.Sub(res.Cameras[sc].Center(), ref))
			}
			var worstDeg, worstM, startDeg, startM, sdDeg, sdM float64
			for c := range s.cams {
				got := res.Cameras[c]
				centre := r3.Add(ref, r3.Scale(scale, r3.Sub(got.Center(), ref)))
				got.T = r3.Scale(-1, calibration.MatVec(got.R, centre))
				deg, m := poseError(&got, &s.cams[c])
				worstDeg, worstM = math.Max(worstDeg, deg), math.Max(worstM, m)
				sdDeg, sdM = math.Max(sdDeg, res.RotationSD[c]), math.Max(sdM, res.CentreSD[c])
				if c != 0 && (deg > 3.5*res.RotationSD[c] || (!tt.height && m > 3.5*res.CentreSD[c])) {
					t.Errorf("camera %d: error %.4f° %.2f mm, want within 3.5 σ (σ %.4f° %.2f mm)", c, deg, m*1000, res.RotationSD[c], res.CentreSD[c]*1000)
				}
				deg, m = poseError(&cams[c], &s.cams[c])
				startDeg, startM = math.Max(startDeg, deg), math.Max(startM, m)
			}
			t.Logf("%d points in %d frames, %d observations, %d outliers dropped, %d iterations; RMS %.2f → %.3f px; worst camera %.2f° %.0f mm → %.4f° %.2f mm (largest σ %.4f° %.2f mm)",
				res.Points, res.Frames, res.Observations, res.Outliers, res.Iterations, res.RMSBefore, res.RMSAfter,
				startDeg, startM*1000, worstDeg, worstM*1000, sdDeg, sdM*1000)
			if tt.height {
				// The scale against the truth: the farthest camera's
				// distance to the reference.
				var got, want float64
				for c := range s.cams {
					if d := r3.Norm(r3.Sub(s.cams[c].Center(), ref)); d > want {
						want, got = d, r3.Norm(r3.Sub(res.Cameras[c].Center(), ref))
					}
				}
				t.Logf("scale %.5f (applied %.5f)", got/want, res.Scale)
				if math.Abs(got/want-1) > 0.005 {
					t.Errorf("scale off by %.3f %%, want ≤ 0.5 %%", 100*math.Abs(got/want-1))
				}
			}
			if worstDeg > tt.maxDeg || worstM > tt.maxM {
				t.Errorf("worst camera error %.4f°, %.2f mm, want ≤ %g°, %g mm", worstDeg, worstM*1000, tt.maxDeg, tt.maxM*1000)
			}
			// The RMS of the fit: σ√2 per observation, less what the
			// unknowns absorb (3 per point, 6 per camera).
			dof := float64(2*res.Observations - 3*res.Points - 6*(tt.ncam-1) + 1)
			if want := noise * math.Sqrt2 * math.Sqrt(dof/float64(2*res.Observations)); math.Abs(res.RMSAfter-want) > 0.1*want {
				t.Errorf("RMS after %.3f px, want %.3f ± 10 %%", res.RMSAfter, want)
			}
			// About 1 % of the observations are 20–80 px off.
			if min := res.Observations / 200; res.Outliers < min {
				t.Errorf("%d outliers dropped, want ≥ %d", res.Outliers, min)
			}
		})
	}
}

// TestRefineFromKeypointsPose2Sim refines the Pose2Sim demo's calibration
// (a Qualisys system's, 4 portrait cameras) from the OpenPose keypoints of
// its balancing trial, 100 frames of one person. Real keypoints are biased
// differently in each view, so the refined cameras need not match
// Qualisys's; what must hold is that the adjustment lowers the
// reprojection error, stays near an independent calibration, and reaches
// the same solution from cameras started 2° and 5 cm away.
func TestRefineFromKeypointsPose2Sim(t *testing.T) {
	root := testenv.SharedData(t, "pose2sim-s00")
	cams, err := calibration.ReadPose2SimFile(filepath.Join(root, "S00_Calibration", "Calib_qualisys.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for c := range cams {
		// The file's coefficients are Qualisys's divided by 64, not
		// OpenCV's; Pose2Sim does without, and so does this test.
		cams[c].Dist = nil
	}
	trial := filepath.Join(root, "S00_P00_SingleParticipant", "S00_P00_T01_BalancingTrial", "pose-associated")
	var frames []KeypointFrame
	for f := range 100 {
		var kf KeypointFrame
		for c := range cams {
			name := filepath.Join(trial, fmt.Sprintf("cam%02d_json", c+1), fmt.Sprintf("cam%02d.%04d.json", c+1, f))
			kf.Points = append(kf.Points, readOpenPose(t, name, c)...)
		}
		frames = append(frames, kf)
	}

	fromQualisys, err := RefineFromKeypoints(cams, frames, RefineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("from Qualisys: %d points, %d observations, %d outliers, %d iterations; RMS %.2f → %.2f px",
		fromQualisys.Points, fromQualisys.Observations, fromQualisys.Outliers, fromQualisys.Iterations, fromQualisys.RMSBefore, fromQualisys.RMSAfter)
	if !(fromQualisys.RMSAfter < 0.8*fromQualisys.RMSBefore) {
		t.Errorf("RMS %.2f → %.2f px, want at least 20 %% lower", fromQualisys.RMSBefore, fromQualisys.RMSAfter)
	}
	rng := rand.New(rand.NewPCG(17, 17))
	start := append([]calibration.Camera(nil), cams...)
	for c := 1; c < len(start); c++ {
		start[c] = jitterCamera(start[c], 2, 0.05, rng)
	}
	fromJitter, err := RefineFromKeypoints(start, frames, RefineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Each run keeps its own scale (the scale camera's initial distance):
	// compare the second in the first's.
	ref, sc := cams[0].Center(), fromQualisys.ScaleCamera
	scale := r3.Norm(r3.Sub(fromQualisys.Cameras[sc].Center(), ref)) / r3.Norm(r3.Sub(fromJitter.Cameras[sc].Center(), ref))
	for c := range cams {
		deg, m := poseError(&fromQualisys.Cameras[c], &cams[c])
		j := fromJitter.Cameras[c]
		centre := r3.Add(ref, r3.Scale(scale, r3.Sub(j.Center(), ref)))
		j.T = r3.Scale(-1, calibration.MatVec(j.R, centre))
		jDeg, jM := poseError(&j, &fromQualisys.Cameras[c])
		t.Logf("camera %d: %.2f° %.0f mm from Qualisys (σ %.2f° %.0f mm); from 2° and 5 cm off, %.4f° %.2f mm from that",
			c, deg, m*1000, fromQualisys.RotationSD[c], fromQualisys.CentreSD[c]*1000, jDeg, jM*1000)
		if deg > 2 || m > 0.15 {
			t.Errorf("camera %d: %.2f° %.0f mm from Qualisys's calibration, want ≤ 2°, 150 mm", c, deg, m*1000)
		}
		if c != 0 && (jDeg > 0.1*fromQualisys.RotationSD[c] || jM > 0.1*fromQualisys.CentreSD[c]) {
			t.Errorf("camera %d: the two starts end %.4f° %.2f mm apart, want ≤ 0.1 σ (%.4f° %.2f mm)",
				c, jDeg, jM*1000, 0.1*fromQualisys.RotationSD[c], 100*fromQualisys.CentreSD[c])
		}
	}
}

// readOpenPose returns the body keypoints of every person in an OpenPose
// JSON file as camera c's observations, Point the keypoint's index;
// keypoints below Pose2Sim's likelihood threshold, 0.3, are left out.
func readOpenPose(t *testing.T, name string, c int) []KeypointObs {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		People []struct {
			Keypoints []float64 `json:"pose_keypoints_2d"`
		} `json:"people"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []KeypointObs
	for _, p := range doc.People {
		for j := 0; j+2 < len(p.Keypoints); j += 3 {
			if p.Keypoints[j+2] >= 0.3 {
				out = append(out, KeypointObs{Camera: c, Point: j / 3, U: p.Keypoints[j], V: p.Keypoints[j+1], Weight: p.Keypoints[j+2]})
			}
		}
	}
	return out
}

func TestRefineFromKeypointsErrors(t *testing.T) {
	s := newSprintScene(4, 20, 1, 1, 0, 0, 3)
	withNaN := append([]KeypointFrame(nil), s.frames...)
	withNaN[4].Points = append([]KeypointObs(nil), withNaN[4].Points...)
	withNaN[4].Points[2].V = math.NaN()
	// Camera 3's keypoints are of points no other camera sees.
	apart := make([]KeypointFrame, len(s.frames))
	for f, kf := range s.frames {
		for _, o := range kf.Points {
			if o.Camera == 3 {
				o.Point += 100
			}
			apart[f].Points = append(apart[f].Points, o)
		}
	}
	badCam := append([]KeypointFrame(nil), s.frames...)
	badCam[0].Points = append([]KeypointObs{{Camera: 7, Point: 1, U: 1, V: 1, Weight: 1}}, badCam[0].Points...)
	for _, tt := range []struct {
		name   string
		cams   []calibration.Camera
		frames []KeypointFrame
		opt    RefineOptions
		want   error
		names  string
	}{
		{name: "one camera", cams: s.cams[:1], frames: s.frames, want: ErrTooFewCameras},
		{name: "scale camera out of range", cams: s.cams, frames: s.frames, opt: RefineOptions{ScaleCamera: 9}, want: ErrTooFewCameras},
		{name: "NaN pixel", cams: s.cams, frames: withNaN, want: ErrInvalid},
		{name: "camera out of range", cams: s.cams, frames: badCam, want: ErrInvalid},
		{name: "no shared point", cams: s.cams, frames: apart, want: ErrDisconnected, names: "3 (D)"},
		{name: "no frames", cams: s.cams, want: ErrNotEnoughData},
		{name: "height points never seen", cams: s.cams, frames: s.frames, opt: RefineOptions{KnownHeight: 1.7, HeightPoints: [2]int{0, 99}}, want: ErrNotEnoughData},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RefineFromKeypoints(tt.cams, tt.frames, tt.opt)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.names != "" && !strings.Contains(err.Error(), tt.names) {
				t.Errorf("got %q, want it to name camera %s", err, tt.names)
			}
		})
	}
}

var sinkRefine *RefineResult

func BenchmarkRefine(b *testing.B) {
	s := newSprintScene(8, 300, 1, 1.5, 0.05, 0.01, 31)
	cams := s.initial(0, 0.05, 32)
	b.ReportAllocs()
	for b.Loop() {
		res, err := RefineFromKeypoints(cams, s.frames, RefineOptions{})
		if err != nil {
			b.Fatal(err)
		}
		sinkRefine = res
	}
	b.ReportMetric(float64(sinkRefine.Iterations), "iterations")
}
