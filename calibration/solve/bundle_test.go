package solve

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/spatial/r3"
)

// Synthetic multi-camera scenes shared by the tests of posegraph.go,
// bundle.go and refine.go.

// ringCameras returns n 1920×1080 cameras with mild Brown–Conrady
// distortion on an ellipse of semi-axes a, b (m) at height h, all looking
// at target.
func ringCameras(n int, a, b, h float64, target r3.Vec) []calibration.Camera {
	cams := make([]calibration.Camera, n)
	for i := range cams {
		th := 2 * math.Pi * (float64(i) + 0.3) / float64(n)
		eye := r3.Vec{X: a * math.Cos(th), Y: b * math.Sin(th), Z: h + 0.5*math.Sin(3*th)}
		c := calibration.LookAt(string(rune('A'+i)), eye, target, 1920, 1080, 1600+40*float64(i))
		c.K[0][2] += 7 * float64(i%3)
		c.K[1][2] -= 5 * float64(i%2)
		c.Dist = []float64{-0.08 + 0.01*float64(i%3), 0.02, 0, 0}
		cams[i] = c
	}
	return cams
}

// randUnit returns a random unit vector, uniform on the sphere.
func randUnit(rng *rand.Rand) r3.Vec {
	for {
		v := r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()}
		if n := r3.Norm(v); n > 1e-6 {
			return r3.Scale(1/n, v)
		}
	}
}

// jitterCamera turns c about its centre by deg degrees about a random axis
// and moves its centre by m metres in a random direction.
func jitterCamera(c calibration.Camera, deg, m float64, rng *rand.Rand) calibration.Camera {
	centre := r3.Add(c.Center(), r3.Scale(m, randUnit(rng)))
	c.R = calibration.MatMul(calibration.Rodrigues(r3.Scale(deg*math.Pi/180, randUnit(rng))), c.R)
	c.T = r3.Scale(-1, calibration.MatVec(c.R, centre))
	return c
}

// jitterPose turns p by deg degrees about a random axis through the point
// at pivot (target coordinates) and moves it by m metres.
func jitterPose(p Pose, pivot r3.Vec, deg, m float64, rng *rand.Rand) Pose {
	at := r3.Add(calibration.MatVec(p.R, pivot), p.T)
	q := Pose{R: calibration.MatMul(calibration.Rodrigues(r3.Scale(deg*math.Pi/180, randUnit(rng))), p.R)}
	q.T = r3.Add(r3.Sub(at, calibration.MatVec(q.R, pivot)), r3.Scale(m, randUnit(rng)))
	return q
}

// poseError returns the angle (degrees) between two cameras' rotations and
// the distance between their centres (m).
func poseError(a, b *calibration.Camera) (deg, m float64) {
	return rotAngle(a.R, b.R) * 180 / math.Pi, r3.Norm(r3.Sub(a.Center(), b.Center()))
}

// boardScene is a board moved in front of a ring of cameras.
type boardScene struct {
	cams   []calibration.Camera
	obj    []r3.Vec
	boards map[int]Pose // board→world by frame
	views  [][]View     // noisy views, by camera
}

// newBoardScene moves a 9×6-corner board with 62.5 mm squares (0.5 m ×
// 0.31 m) over a 10 m × 6 m area ringed by cameras 1–2 m outside it, at
// heights 0.8–2 m, facing random directions tilted up by 0–60°, for frames
// frames. A camera sees the board when
// its printed side faces it (within 70°) and every corner is inside the
// image; then noise px of Gaussian noise per coordinate is added and
// missing of the views are dropped at random.
func newBoardScene(ncam, frames int, noise, missing float64, seed uint64) *boardScene {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &boardScene{cams: ringCameras(ncam, 7, 5, 3, r3.Vec{Z: 1}), boards: map[int]Pose{}, views: make([][]View, ncam)}
	const sq = 0.0625
	var ids []int
	for j := range 6 {
		for i := range 9 {
			s.obj = append(s.obj, r3.Vec{X: float64(i) * sq, Y: float64(j) * sq})
			ids = append(ids, len(ids))
		}
	}
	mid := r3.Vec{X: 4 * sq, Y: 2.5 * sq}
	for f := range frames {
		centre := r3.Vec{X: rng.Float64()*10 - 5, Y: rng.Float64()*6 - 3, Z: 0.8 + 1.2*rng.Float64()}
		phi := rng.Float64() * 2 * math.Pi
		elev := rng.Float64() * 60 * math.Pi / 180
		front := r3.Vec{X: math.Cos(phi) * math.Cos(elev), Y: math.Sin(phi) * math.Cos(elev), Z: math.Sin(elev)}
		// OpenCV's board z points away from the cameras that see it.
		z := r3.Scale(-1, front)
		x0 := r3.Unit(r3.Cross(r3.Vec{Z: 1}, z))
		y0 := r3.Cross(z, x0)
		psi := (rng.Float64()*60 - 30) * math.Pi / 180
		x := r3.Add(r3.Scale(math.Cos(psi), x0), r3.Scale(math.Sin(psi), y0))
		y := r3.Cross(z, x)
		b := Pose{R: [3][3]float64{{x.X, y.X, z.X}, {x.Y, y.Y, z.Y}, {x.Z, y.Z, z.Z}}}
		b.T = r3.Sub(centre, calibration.MatVec(b.R, mid))
		s.boards[f] = b
		for c := range s.cams {
			cam := &s.cams[c]
			if r3.Dot(front, r3.Unit(r3.Sub(cam.Center(), centre))) < math.Cos(70*math.Pi/180) {
				continue
			}
			v := View{Label: "synthetic", Frame: f}
			inside := true
			for k, P := range s.obj {
				u, w, ok := cam.Project(r3.Add(calibration.MatVec(b.R, P), b.T))
				if !ok || u < 10 || w < 10 || u > float64(cam.Width)-10 || w > float64(cam.Height)-10 {
					inside = false
					break
				}
				v.IDs = append(v.IDs, ids[k])
				v.Obj = append(v.Obj, P)
				v.Pix = append(v.Pix, [2]float64{u + noise*rng.NormFloat64(), w + noise*rng.NormFloat64()})
			}
			if inside && rng.Float64() >= missing {
				s.views[c] = append(s.views[c], v)
			}
		}
	}
	return s
}

// initial returns the cameras, every one but the reference turned by deg
// and moved by m, and the board poses of the frames seen, turned and moved
// likewise.
func (s *boardScene) initial(ref int, deg, m float64, seed uint64) ([]calibration.Camera, map[int]Pose) {
	rng := rand.New(rand.NewPCG(seed, 2))
	cams := append([]calibration.Camera(nil), s.cams...)
	for c := range cams {
		if c != ref {
			cams[c] = jitterCamera(cams[c], deg, m, rng)
		}
	}
	boards := map[int]Pose{}
	for f := range len(s.boards) {
		boards[f] = jitterPose(s.boards[f], r3.Vec{X: 0.25, Y: 0.156}, deg, m, rng)
	}
	return cams, boards
}

// TestBoardBundle starts from every camera but the reference turned by 3°
// and moved by 10 cm, and every board pose likewise, with 0.5 px of noise
// on the corners and 10 % of the views missing. Beyond fixed bounds, each
// camera's error must be within 3.5 standard deviations of the ones the
// solver predicts, which fails on a bias and tells what the noise allows:
// with 4 cameras, this geometry leaves about 2 mm of noise on a camera
// centre, with 8 cameras about 1 mm.
func TestBoardBundle(t *testing.T) {
	for _, tt := range []struct {
		name         string
		ncam         int
		intrinsics   bool
		initBoards   bool // board poses given, else triangulated
		maxDeg, maxM float64
	}{
		{name: "4 cameras", ncam: 4, initBoards: true, maxDeg: 0.05, maxM: 0.006},
		{name: "8 cameras", ncam: 8, initBoards: true, maxDeg: 0.05, maxM: 0.002},
		{name: "8 cameras, boards triangulated", ncam: 8, maxDeg: 0.05, maxM: 0.002},
		{name: "8 cameras, intrinsics", ncam: 8, intrinsics: true, initBoards: true, maxDeg: 0.05, maxM: 0.010},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const noise = 0.5
			s := newBoardScene(tt.ncam, 300, noise, 0.1, 7)
			cams, boards := s.initial(0, 3, 0.10, 8)
			opt := BundleOptions{RefineIntrinsics: tt.intrinsics}
			if tt.initBoards {
				opt.Boards = boards
			}
			if tt.intrinsics {
				// Start the intrinsics off too: 1 % on the focal lengths,
				// 5 px on the principal point, k1 by 0.02.
				for c := range cams {
					cams[c].K[0][0] *= 1.01
					cams[c].K[1][1] *= 0.99
					cams[c].K[0][2] += 5
					cams[c].K[1][2] -= 5
					cams[c].Dist = []float64{cams[c].Dist[0] + 0.02, cams[c].Dist[1], 0, 0}
				}
			}
			res, err := BoardBundle(cams, s.views, opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.CentreSD == nil {
				t.Fatal("no standard deviations")
			}
			var worstDeg, worstM, worstSD float64
			for c := range s.cams {
				deg, m := poseError(&res.Cameras[c], &s.cams[c])
				worstDeg, worstM = math.Max(worstDeg, deg), math.Max(worstM, m)
				worstSD = math.Max(worstSD, res.CentreSD[c])
				if c == 0 {
					continue
				}
				if deg > 3.5*res.RotationSD[c] || m > 3.5*res.CentreSD[c] {
					t.Errorf("camera %d: error %.4f° %.2f mm, want within 3.5 σ (σ %.4f° %.2f mm)", c, deg, m*1000, res.RotationSD[c], res.CentreSD[c]*1000)
				}
			}
			t.Logf("%d frames, %d corners, %d iterations: RMS %.3f → %.3f px; worst camera %.4f° %.2f mm; largest centre σ %.2f mm",
				res.Frames, res.Corners, res.Iterations, res.InitialRMS, res.RMS, worstDeg, worstM*1000, worstSD*1000)
			if worstDeg > tt.maxDeg || worstM > tt.maxM {
				t.Errorf("worst camera error %.4f°, %.2f mm, want ≤ %g°, %g mm", worstDeg, worstM*1000, tt.maxDeg, tt.maxM*1000)
			}
			// The RMS of a 2D error with noise σ per coordinate is σ√2;
			// the fit absorbs a little of it.
			want := noise * math.Sqrt2
			for c, r := range res.CameraRMS {
				if res.CameraCorners[c] == 0 || math.Abs(r-want) > 0.1*want {
					t.Errorf("camera %d: RMS %.3f px over %d corners, want %.3f ± 10 %%", c, r, res.CameraCorners[c], want)
				}
			}
			if tt.intrinsics {
				var worstF, worstC float64
				for c := range s.cams {
					worstF = math.Max(worstF, math.Abs(res.Cameras[c].K[0][0]-s.cams[c].K[0][0]))
					worstC = math.Max(worstC, math.Hypot(res.Cameras[c].K[0][2]-s.cams[c].K[0][2], res.Cameras[c].K[1][2]-s.cams[c].K[1][2]))
				}
				t.Logf("intrinsics: worst fx error %.2f px, principal point %.2f px", worstF, worstC)
				if worstF > 3 || worstC > 3 {
					t.Errorf("worst fx error %.2f px, principal point %.2f px, want ≤ 3 px (started 16, 7 px off)", worstF, worstC)
				}
			}
			// Boards seen by two cameras or more: the recovered poses put
			// the corners where they were.
			seen := map[int]int{}
			for c := range s.views {
				for _, v := range s.views[c] {
					seen[v.Frame]++
				}
			}
			var worstBoard float64
			for f, b := range res.Boards {
				if seen[f] < 2 {
					continue
				}
				truth := s.boards[f]
				for _, P := range s.obj {
					d := r3.Norm(r3.Sub(r3.Add(calibration.MatVec(b.R, P), b.T), r3.Add(calibration.MatVec(truth.R, P), truth.T)))
					worstBoard = math.Max(worstBoard, d)
				}
			}
			if worstBoard > 0.01 {
				t.Errorf("worst corner of a board seen twice off by %.2f mm, want ≤ 10 mm", worstBoard*1000)
			}
		})
	}
}

// TestBoardBundleFromPnP runs the whole chain on views alone: PnP per view,
// InitialExtrinsics, BoardBundle.
func TestBoardBundleFromPnP(t *testing.T) {
	s := newBoardScene(8, 300, 0.5, 0.1, 11)
	cams := make([]calibration.Camera, len(s.cams))
	poses := make([][]FramePose, len(s.cams))
	for c := range s.cams {
		// Intrinsics known; extrinsics unknown.
		cams[c] = s.cams[c]
		cams[c].R, cams[c].T = [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, r3.Vec{}
		for _, v := range s.views[c] {
			p, err := PnP(&cams[c], v.Obj, v.Pix)
			if err != nil {
				t.Fatalf("camera %d frame %d: %v", c, v.Frame, err)
			}
			poses[c] = append(poses[c], FramePose{Frame: v.Frame, Pose: p})
		}
	}
	g, err := InitialExtrinsics(cams, poses, PoseGraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := BoardBundle(g.Cameras, s.views, BundleOptions{Boards: g.Boards})
	if err != nil {
		t.Fatal(err)
	}
	// Truth in the reference camera's frame, the solvers' world.
	truth := Similarity{S: 1, R: s.cams[0].R, T: s.cams[0].T}.Cameras(s.cams)
	var gDeg, gM, bDeg, bM float64
	for c := range truth {
		deg, m := poseError(&g.Cameras[c], &truth[c])
		gDeg, gM = math.Max(gDeg, deg), math.Max(gM, m)
		deg, m = poseError(&res.Cameras[c], &truth[c])
		bDeg, bM = math.Max(bDeg, deg), math.Max(bM, m)
	}
	t.Logf("pose graph: worst %.3f° %.1f mm; bundle: worst %.4f° %.2f mm, RMS %.3f px, %d iterations", gDeg, gM*1000, bDeg, bM*1000, res.RMS, res.Iterations)
	if gDeg > 1 || gM > 0.05 {
		t.Errorf("pose graph worst error %.3f°, %.1f mm, want ≤ 1°, 50 mm", gDeg, gM*1000)
	}
	if bDeg > 0.05 || bM > 0.002 {
		t.Errorf("bundle worst error %.4f°, %.2f mm, want ≤ 0.05°, 2 mm", bDeg, bM*1000)
	}
}

func TestBoardBundleErrors(t *testing.T) {
	s := newBoardScene(4, 40, 0.5, 0, 3)
	cams, boards := s.initial(0, 1, 0.02, 4)
	withNaN := func() [][]View {
		vs := make([][]View, len(s.views))
		for c := range vs {
			vs[c] = append([]View(nil), s.views[c]...)
		}
		v := vs[1][0]
		v.Pix = append([][2]float64(nil), v.Pix...)
		v.Pix[3][0] = math.NaN()
		vs[1][0] = v
		return vs
	}
	noFocal := append([]calibration.Camera(nil), cams...)
	noFocal[3].K[0][0] = 0
	// Camera 2 sees only frames that no other camera sees.
	isolated := func() [][]View {
		vs := make([][]View, len(s.views))
		for c := range vs {
			for _, v := range s.views[c] {
				if c == 2 {
					v.Frame += 1000
				}
				vs[c] = append(vs[c], v)
			}
		}
		return vs
	}
	for _, tt := range []struct {
		name  string
		cams  []calibration.Camera
		views [][]View
		want  error
		names string
	}{
		{name: "one camera", cams: cams[:1], views: s.views[:1], want: ErrTooFewCameras},
		{name: "views for fewer cameras", cams: cams, views: s.views[:3], want: ErrInvalid},
		{name: "NaN pixel", cams: cams, views: withNaN(), want: ErrInvalid},
		{name: "zero focal length", cams: noFocal, views: s.views, want: ErrInvalid},
		{name: "no shared frame", cams: cams, views: isolated(), want: ErrDisconnected, names: "2 (C)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BoardBundle(tt.cams, tt.views, BundleOptions{Boards: boards})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.names != "" && !strings.Contains(err.Error(), tt.names) {
				t.Errorf("got %q, want it to name camera %s", err, tt.names)
			}
		})
	}
}

var sinkBundle *BundleResult

func BenchmarkBoardBundle(b *testing.B) {
	s := newBoardScene(8, 100, 0.5, 0.1, 21)
	cams, boards := s.initial(0, 3, 0.1, 22)
	corners := 0
	for c := range s.views {
		for _, v := range s.views[c] {
			corners += v.Len()
		}
	}
	b.Logf("8 cameras, 100 frames, %d corner observations", corners)
	b.ReportAllocs()
	for b.Loop() {
		res, err := BoardBundle(cams, s.views, BundleOptions{Boards: boards})
		if err != nil {
			b.Fatal(err)
		}
		sinkBundle = res
	}
	b.ReportMetric(float64(sinkBundle.Iterations), "iterations")
}
