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

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/calibrate"
	"github.com/athlete3d/athlete3d/calibration/solve"
)

// ringRig returns n 1280×720 cameras on a ring of radius 8 m about the
// origin, 2 to 4 m up, looking at a point 1 m up in the middle, with some
// barrel distortion so that the checks go through the lens model.
func ringRig(n int) []calibration.Camera {
	cams := make([]calibration.Camera, n)
	for i := range cams {
		a := 2 * math.Pi * float64(i) / float64(n)
		eye := r3.Vec{X: 8 * math.Cos(a), Y: 8 * math.Sin(a), Z: 2 + float64(i%3)}
		cams[i] = calibration.LookAt(fmt.Sprintf("ring%d", i), eye, r3.Vec{Z: 1}, 1280, 720, 900+20*float64(i))
		cams[i].Dist = []float64{-0.08, 0.02, 0.001, -0.001}
	}
	return cams
}

// cloudFrames films frames of pts random points in a 3 m × 3 m × 2 m box
// with every camera, with sigma px of Gaussian noise; shift is added to
// the pixels of camera shifted (-1: none).
func cloudFrames(cams []calibration.Camera, frames, pts int, sigma float64, shifted int, shift [2]float64, seed uint64) []solve.KeypointFrame {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]solve.KeypointFrame, frames)
	for f := range out {
		for p := range pts {
			X := r3.Vec{X: 3*rng.Float64() - 1.5, Y: 3*rng.Float64() - 1.5, Z: 2 * rng.Float64()}
			for c := range cams {
				u, v, ok := cams[c].Project(X)
				if !ok {
					continue
				}
				u, v = u+sigma*rng.NormFloat64(), v+sigma*rng.NormFloat64()
				if c == shifted {
					u, v = u+shift[0], v+shift[1]
				}
				out[f].Points = append(out[f].Points, solve.KeypointObs{Camera: c, Point: p, U: u, V: v, Weight: 0.5 + 0.5*rng.Float64()})
			}
		}
	}
	return out
}

func TestCheckSurvey(t *testing.T) {
	truth, pts := pose2simSurveyScene(t)
	exact := clickSurvey(t, truth, pts, 0, nil)
	shifted := clickSurvey(t, truth, pts, 0, nil)
	for _, p := range shifted.Points {
		px := p.Pixels["cam_02"]
		p.Pixels["cam_02"] = [2]float64{px[0] + 3*0.6, px[1] - 3*0.8} // 3 px
	}
	// One camera clicked half the points only.
	partial := clickSurvey(t, truth, pts, 0, nil)
	for _, p := range partial.Points[4:] {
		delete(p.Pixels, "cam_03")
	}
	for _, tt := range []struct {
		name   string
		survey *calibration.Survey
		rms    []float64 // per camera
		obs    []int
	}{
		{name: "exact clicks", survey: exact, rms: []float64{0, 0, 0, 0}, obs: []int{8, 8, 8, 8}},
		{name: "one camera 3 px off", survey: shifted, rms: []float64{0, 3, 0, 0}, obs: []int{8, 8, 8, 8}},
		{name: "one camera half the points", survey: partial, rms: []float64{0, 0, 0, 0}, obs: []int{8, 8, 4, 8}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := calibrate.CheckSurvey(truth, tt.survey)
			if err != nil {
				t.Fatal(err)
			}
			if rep.What != "survey" || rep.Points != len(pts) || len(rep.Cameras) != len(truth) {
				t.Fatalf("got %q over %d points and %d cameras, want survey, %d, %d", rep.What, rep.Points, len(rep.Cameras), len(pts), len(truth))
			}
			for c, cc := range rep.Cameras {
				if cc.Name != truth[c].Name || cc.Observations != tt.obs[c] || math.Abs(cc.RMS-tt.rms[c]) > 1e-6 || math.Abs(cc.Max-tt.rms[c]) > 1e-6 {
					t.Errorf("camera %d: got %+v, want %s with %d observations, RMS and max %g px", c, cc, truth[c].Name, tt.obs[c], tt.rms[c])
				}
			}
		})
	}
	// A calibration in another world (the cameras turned about the
	// vertical by 180°) puts the points behind some cameras.
	turned := slices.Clone(truth)
	for c := range turned {
		turned[c].R = calibration.MatMul(turned[c].R, [3][3]float64{{-1, 0, 0}, {0, -1, 0}, {0, 0, 1}})
		turned[c].T = r3.Add(turned[c].T, calibration.MatVec(turned[c].R, r3.Vec{X: 10}))
	}
	if _, err := calibrate.CheckSurvey(turned, exact); !errors.Is(err, calibrate.ErrMismatch) || !strings.Contains(err.Error(), "behind camera") {
		t.Errorf("another world: got %v, want %v naming a point behind a camera", err, calibrate.ErrMismatch)
	}
}

// TestCheckKeypoints checks exact keypoints (no error anywhere) and
// keypoints of one camera shifted by 3 px. A point triangulated from all
// the views moves towards the shifted one, so that camera keeps less than
// 3 px and the others see some of it; to first order the errors are the
// weighted least-squares residuals of the shift, (I − H)·s with H the hat
// matrix of the triangulation (from the cameras' Jacobians at the point
// and the observations' weights), which the report must match within 1 %.
func TestCheckKeypoints(t *testing.T) {
	cams := ringRig(8)
	for _, tt := range []struct {
		name    string
		shifted int
		shift   [2]float64
	}{
		{name: "exact", shifted: -1},
		{name: "one camera 3 px off", shifted: 5, shift: [2]float64{3 * 0.8, 3 * 0.6}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			frames := cloudFrames(cams, 10, 20, 0, tt.shifted, tt.shift, 2)
			rep, err := calibrate.CheckKeypoints(cams, frames)
			if err != nil {
				t.Fatal(err)
			}
			if rep.What != "keypoints" || rep.Points != 200 {
				t.Errorf("got %q over %d points, want keypoints over 200", rep.What, rep.Points)
			}
			want := shiftResiduals(t, cams, frames, tt.shifted, tt.shift)
			for c, cc := range rep.Cameras {
				t.Logf("%s: RMS %.3f px (first order %.3f)", cc.Name, cc.RMS, want[c])
				if cc.Observations != 200 {
					t.Errorf("%s: %d observations, want 200", cc.Name, cc.Observations)
				}
				if math.Abs(cc.RMS-want[c]) > 0.01*want[c]+1e-9 {
					t.Errorf("%s: RMS %.4f px, want %.4f ± 1 %%", cc.Name, cc.RMS, want[c])
				}
			}
		})
	}
}

// shiftResiduals returns each camera's RMS reprojection error, to first
// order, when camera k's observations are shifted by s and every point is
// triangulated by weighted least squares: the point moves by
// δX = A⁻¹·w_k·J_kᵀ·s, A = Σ w_c·J_cᵀ·J_c, and camera c's error is
// [c = k]·s − J_c·δX (J_c the derivative of camera c's pixel with respect
// to the point, at the true point, which the exact observations give).
func shiftResiduals(t *testing.T, cams []calibration.Camera, frames []solve.KeypointFrame, k int, s [2]float64) []float64 {
	t.Helper()
	ss := make([]float64, len(cams))
	n := make([]int, len(cams))
	for _, fr := range frames {
		byPoint := map[int][]solve.KeypointObs{}
		for _, o := range fr.Points {
			byPoint[o.Point] = append(byPoint[o.Point], o)
		}
		for _, group := range byPoint {
			var exact []solve.KeypointObs
			for _, o := range group {
				if o.Camera == k {
					o.U, o.V = o.U-s[0], o.V-s[1]
				}
				exact = append(exact, o)
			}
			tri, ok := solve.Triangulate(cams, exact)
			if !ok {
				t.Fatal("exact point not triangulated")
			}
			J := make([][2][3]float64, len(group))
			var A [3][3]float64
			var b [3]float64
			for i, o := range group {
				_, _, j, ok := cams[o.Camera].ProjectJacobian(tri.X)
				if !ok {
					t.Fatal("point behind a camera")
				}
				J[i] = j
				for r := range 3 {
					for c := range 3 {
						A[r][c] += o.Weight * (j[0][r]*j[0][c] + j[1][r]*j[1][c])
					}
					if o.Camera == k {
						b[r] += o.Weight * (j[0][r]*s[0] + j[1][r]*s[1])
					}
				}
			}
			dX := solve3(A, b)
			for i, o := range group {
				var e [2]float64
				if o.Camera == k {
					e = s
				}
				for r := range 2 {
					e[r] -= J[i][r][0]*dX[0] + J[i][r][1]*dX[1] + J[i][r][2]*dX[2]
				}
				ss[o.Camera] += e[0]*e[0] + e[1]*e[1]
				n[o.Camera]++
			}
		}
	}
	out := make([]float64, len(cams))
	for c := range out {
		out[c] = math.Sqrt(ss[c] / float64(n[c]))
	}
	return out
}

// solve3 solves A·x = b by Cramer's rule.
func solve3(A [3][3]float64, b [3]float64) [3]float64 {
	det := func(m [3][3]float64) float64 {
		return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	}
	d := det(A)
	var x [3]float64
	for c := range 3 {
		m := A
		for r := range 3 {
			m[r][c] = b[r]
		}
		x[c] = det(m) / d
	}
	return x
}

func TestCheckKeypointsBadInput(t *testing.T) {
	cams := ringRig(4)
	good := cloudFrames(cams, 3, 5, 0.5, -1, [2]float64{}, 3)
	with := func(f func(fr []solve.KeypointFrame)) []solve.KeypointFrame {
		out := make([]solve.KeypointFrame, len(good))
		for i := range good {
			out[i].Points = slices.Clone(good[i].Points)
		}
		f(out)
		return out
	}
	for _, tt := range []struct {
		name     string
		cams     []calibration.Camera
		frames   []solve.KeypointFrame
		want     error
		contains string
	}{
		{name: "no frames", cams: cams, want: calibrate.ErrTooFewPoints},
		{name: "empty frames", cams: cams, frames: make([]solve.KeypointFrame, 5), want: calibrate.ErrTooFewPoints, contains: "5 frames"},
		{name: "camera not in the calibration", cams: cams, frames: with(func(fr []solve.KeypointFrame) { fr[1].Points[3].Camera = 4 }),
			want: calibrate.ErrMismatch, contains: "camera 4"},
		{name: "negative camera", cams: cams, frames: with(func(fr []solve.KeypointFrame) { fr[0].Points[0].Camera = -1 }), want: calibrate.ErrMismatch},
		{name: "NaN pixel", cams: cams, frames: with(func(fr []solve.KeypointFrame) { fr[2].Points[1].V = math.NaN() }), want: calibrate.ErrInput, contains: "frame 2"},
		{name: "infinite weight", cams: cams, frames: with(func(fr []solve.KeypointFrame) { fr[0].Points[1].Weight = math.Inf(1) }), want: calibrate.ErrInput},
		{name: "a point twice in a camera", cams: cams, frames: with(func(fr []solve.KeypointFrame) {
			fr[0].Points = append(fr[0].Points, fr[0].Points[0])
		}), want: calibrate.ErrInput, contains: "twice"},
		{name: "one camera", cams: cams[:1], frames: good, want: calibrate.ErrInput},
		{name: "points seen once", cams: cams, frames: with(func(fr []solve.KeypointFrame) {
			for f := range fr {
				for i := range fr[f].Points {
					fr[f].Points[i].Point = i
				}
			}
		}), want: calibrate.ErrTooFewPoints},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := calibrate.CheckKeypoints(tt.cams, tt.frames)
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckKeypoints: got %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("CheckKeypoints: got %q, want it to contain %q", err, tt.contains)
			}
			_, err = calibrate.Refine(tt.cams, tt.frames, calibrate.RefineOptions{})
			if !errors.Is(err, tt.want) {
				t.Errorf("Refine: got %v, want %v", err, tt.want)
			}
		})
	}
}
