package solve

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/spatial/r3"
)

// scenePoses returns each camera's board→camera poses for the frames it
// saw, as PnP would: the true pose turned by deg° and moved by m metres at
// random, and a fraction wild of them grossly wrong (turned by 20–40°,
// moved by 0.5 m), as a mirrored or misordered board gives.
func scenePoses(s *boardScene, deg, m, wild float64, seed uint64) [][]FramePose {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([][]FramePose, len(s.cams))
	for c := range s.cams {
		cam := &s.cams[c]
		for _, v := range s.views[c] {
			b := s.boards[v.Frame]
			p := Pose{R: calibration.MatMul(cam.R, b.R), T: r3.Add(calibration.MatVec(cam.R, b.T), cam.T), RMS: 0.5}
			if rng.Float64() < wild {
				p = jitterPose(p, r3.Vec{X: 0.25, Y: 0.156}, 20+20*rng.Float64(), 0.5, rng)
			} else {
				p = jitterPose(p, r3.Vec{X: 0.25, Y: 0.156}, deg, m, rng)
			}
			p.RMS = 0.5
			out[c] = append(out[c], FramePose{Frame: v.Frame, Pose: p})
		}
	}
	return out
}

// TestInitialExtrinsics gives each view's board pose off by 0.5° and 3 cm,
// as PnP on a 0.5 m board seen from several metres is.
func TestInitialExtrinsics(t *testing.T) {
	for _, tt := range []struct {
		name         string
		ncam         int
		wild         float64
		maxDeg, maxM float64
	}{
		{name: "4 cameras", ncam: 4, maxDeg: 1, maxM: 0.05},
		{name: "8 cameras", ncam: 8, maxDeg: 1, maxM: 0.05},
		{name: "8 cameras, 5 % wild poses", ncam: 8, wild: 0.05, maxDeg: 1, maxM: 0.05},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newBoardScene(tt.ncam, 300, 0.5, 0.1, 5)
			poses := scenePoses(s, 0.5, 0.03, tt.wild, 6)
			// Only the intrinsics are known.
			cams := make([]calibration.Camera, len(s.cams))
			for c := range cams {
				cams[c] = s.cams[c]
				cams[c].R, cams[c].T = [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, r3.Vec{}
			}
			g, err := InitialExtrinsics(cams, poses, PoseGraphOptions{})
			if err != nil {
				t.Fatal(err)
			}
			truth := Similarity{S: 1, R: s.cams[0].R, T: s.cams[0].T}.Cameras(s.cams)
			var worstDeg, worstM float64
			for c := range truth {
				deg, m := poseError(&g.Cameras[c], &truth[c])
				worstDeg, worstM = math.Max(worstDeg, deg), math.Max(worstM, m)
				if !g.Connected[c] {
					t.Errorf("camera %d not connected", c)
				}
				if (c == 0) != (g.Tree[c] < 0) {
					t.Errorf("camera %d: tree edge %d", c, g.Tree[c])
				}
			}
			t.Logf("%d edges; worst camera %.3f° %.1f mm", len(g.Edges), worstDeg, worstM*1000)
			if worstDeg > tt.maxDeg || worstM > tt.maxM {
				t.Errorf("worst camera error %.3f°, %.1f mm, want ≤ %g°, %g mm", worstDeg, worstM*1000, tt.maxDeg, tt.maxM*1000)
			}
			if tt.wild > 0 {
				var in, all int
				for _, e := range g.Edges {
					in, all = in+e.Inliers, all+e.Frames
				}
				if in == all {
					t.Errorf("every one of %d relative poses is an inlier, want the wild ones out", all)
				}
			}
			// Board poses in the reference camera's frame.
			var worstBoard float64
			for f, b := range g.Boards {
				tb := s.boards[f]
				want := Pose{R: calibration.MatMul(s.cams[0].R, tb.R), T: r3.Add(calibration.MatVec(s.cams[0].R, tb.T), s.cams[0].T)}
				worstBoard = math.Max(worstBoard, rotAngle(b.R, want.R)*180/math.Pi)
			}
			if tt.wild == 0 && worstBoard > 2 {
				t.Errorf("worst board rotation error %.2f°, want ≤ 2°", worstBoard)
			}
		})
	}
}

func TestRotationTranslationMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	truth := calibration.Rodrigues(r3.Vec{X: 0.3, Y: -1.2, Z: 0.5})
	tt := r3.Vec{X: 1, Y: 2, Z: 3}
	var rs [][3][3]float64
	var ts []r3.Vec
	for i := range 40 {
		deg, m := 0.2, 0.005
		if i%10 == 3 {
			deg, m = 30, 1 // outliers
		}
		rs = append(rs, calibration.MatMul(calibration.Rodrigues(r3.Scale(deg*math.Pi/180, randUnit(rng))), truth))
		ts = append(ts, r3.Add(tt, r3.Scale(m, randUnit(rng))))
	}
	r, in, ok := rotationMean(rs)
	if !ok {
		t.Fatal("no mean")
	}
	if n := count(in); n != 36 {
		t.Errorf("got %d rotation inliers, want 36", n)
	}
	if d := rotAngle(r, truth) * 180 / math.Pi; d > 0.1 {
		t.Errorf("got rotation %.3f° off, want ≤ 0.1°", d)
	}
	// Translation outliers among the rotation inliers too.
	ts[5] = r3.Add(ts[5], r3.Vec{X: 0.5})
	m, in := translationMean(ts, in)
	if n := count(in); n != 35 {
		t.Errorf("got %d inliers, want 35", n)
	}
	if d := r3.Norm(r3.Sub(m, tt)); d > 0.003 {
		t.Errorf("got translation %.1f mm off, want ≤ 3 mm", d*1000)
	}
}

func TestInitialExtrinsicsErrors(t *testing.T) {
	s := newBoardScene(4, 60, 0.5, 0, 9)
	poses := scenePoses(s, 0.2, 0.01, 0, 10)
	// Camera 2 sees only frames no other camera sees.
	apart := make([][]FramePose, len(poses))
	for c := range poses {
		for _, p := range poses[c] {
			if c == 2 {
				p.Frame += 1000
			}
			apart[c] = append(apart[c], p)
		}
	}
	nan := make([][]FramePose, len(poses))
	copy(nan, poses)
	nan[2] = append([]FramePose(nil), poses[2]...)
	nan[2][0].Pose.T.X = math.NaN()
	for _, tt := range []struct {
		name  string
		cams  []calibration.Camera
		poses [][]FramePose
		opt   PoseGraphOptions
		want  error
		names []string
	}{
		{name: "one camera", cams: s.cams[:1], poses: poses[:1], want: ErrTooFewCameras},
		{name: "reference out of range", cams: s.cams, poses: poses, opt: PoseGraphOptions{Reference: 4}, want: ErrTooFewCameras},
		{name: "poses for fewer cameras", cams: s.cams, poses: poses[:3], want: ErrInvalid},
		{name: "NaN pose", cams: s.cams, poses: nan, want: ErrInvalid},
		{name: "no shared frames", cams: s.cams, poses: apart, want: ErrDisconnected, names: []string{"2 (C)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g, err := InitialExtrinsics(tt.cams, tt.poses, tt.opt)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			for _, n := range tt.names {
				if !strings.Contains(err.Error(), n) {
					t.Errorf("got %q, want it to name camera %s", err, n)
				}
			}
			if errors.Is(err, ErrDisconnected) {
				// The connected cameras are still solved.
				if want := []bool{true, true, false, true}; g == nil || !slices.Equal(g.Connected, want) {
					t.Fatalf("got connected %v, want %v", g.Connected, want)
				}
				truth := Similarity{S: 1, R: s.cams[0].R, T: s.cams[0].T}.Cameras(s.cams)
				for _, c := range []int{1, 3} {
					if deg, m := poseError(&g.Cameras[c], &truth[c]); deg > 1 || m > 0.05 {
						t.Errorf("camera %d off by %.2f°, %.1f mm, want ≤ 1°, 50 mm", c, deg, m*1000)
					}
				}
			}
		})
	}
}
