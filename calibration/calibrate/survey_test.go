package calibrate_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/calibrate"
	"github.com/athlete3d/athlete3d/internal/pose2simtest"
)

// pose2simSurveyScene returns the Pose2Sim demo's cameras, distortion
// zeroed, and its 8 scene points (pose2simtest.Scene).
func pose2simSurveyScene(t *testing.T) ([]calibration.Camera, []r3.Vec) {
	cams, pts := pose2simtest.Scene(t)
	for c := range cams {
		cams[c].Dist = nil
	}
	return cams, pts
}

// clickSurvey builds the survey an operator would click: each point
// projected by each camera, plus Gaussian noise of sigma px per
// coordinate.
func clickSurvey(t *testing.T, cams []calibration.Camera, pts []r3.Vec, sigma float64, rng *rand.Rand) *calibration.Survey {
	t.Helper()
	s := &calibration.Survey{}
	for i, X := range pts {
		p := calibration.SurveyPoint{Name: fmt.Sprintf("p%d", i+1), World: X, Pixels: map[string][2]float64{}}
		for _, c := range cams {
			u, v, ok := c.Project(X)
			if !ok {
				t.Fatalf("point %d behind camera %s", i, c.Name)
			}
			noise := [2]float64{}
			if sigma > 0 {
				noise = [2]float64{sigma * rng.NormFloat64(), sigma * rng.NormFloat64()}
			}
			p.Pixels[c.Name] = [2]float64{u + noise[0], v + noise[1]}
		}
		s.Points = append(s.Points, p)
	}
	return s
}

// unposed returns copies of cams without their poses, as an intrinsics
// file gives them.
func unposed(cams []calibration.Camera) []calibration.Camera {
	out := slices.Clone(cams)
	for c := range out {
		out[c].R, out[c].T = [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, r3.Vec{}
	}
	return out
}

// poseDiff returns the angle between two cameras' rotations (degrees) and
// the distance between their centres (m).
func poseDiff(a, b *calibration.Camera) (deg, m float64) {
	var rel [3][3]float64
	for i := range 3 {
		for j := range 3 {
			rel[i][j] = a.R[i][0]*b.R[j][0] + a.R[i][1]*b.R[j][1] + a.R[i][2]*b.R[j][2]
		}
	}
	return r3.Norm(calibration.RotationVector(rel)) * 180 / math.Pi, r3.Norm(r3.Sub(a.Center(), b.Center()))
}

// pnpSpread returns the RMS rotation (degrees) and centre (m) errors that
// clicks with sigma px of Gaussian noise per coordinate leave on a camera
// posed from pts, to first order: the covariance σ²(JᵀJ)⁻¹ of the
// least-squares pose, J the derivative of the projections with respect to
// a small rotation (about the world axes) and the centre, taken by central
// differences.
func pnpSpread(t *testing.T, cam calibration.Camera, pts []r3.Vec, sigma float64) (deg, m float64) {
	t.Helper()
	project := func(w, centre r3.Vec) []float64 {
		c := cam
		c.R = calibration.MatMul(cam.R, calibration.Rodrigues(w)) // R·exp([w]×): a rotation of the world about the camera
		c.T = r3.Scale(-1, calibration.MatVec(c.R, centre))
		var out []float64
		for _, X := range pts {
			u, v, ok := c.Project(X)
			if !ok {
				t.Fatal("point behind the camera")
			}
			out = append(out, u, v)
		}
		return out
	}
	const h = 1e-6
	centre := cam.Center()
	J := mat.NewDense(2*len(pts), 6, nil)
	for k := range 6 {
		var dw, dc r3.Vec
		set := func(v *r3.Vec, i int, x float64) {
			switch i {
			case 0:
				v.X = x
			case 1:
				v.Y = x
			default:
				v.Z = x
			}
		}
		if k < 3 {
			set(&dw, k, h)
		} else {
			set(&dc, k-3, h)
		}
		plus := project(dw, r3.Add(centre, dc))
		minus := project(r3.Scale(-1, dw), r3.Sub(centre, dc))
		for i := range plus {
			J.Set(i, k, (plus[i]-minus[i])/(2*h))
		}
	}
	var jtj, cov mat.Dense
	jtj.Mul(J.T(), J)
	if err := cov.Inverse(&jtj); err != nil {
		t.Fatal(err)
	}
	var rot, cen float64
	for k := range 3 {
		rot += cov.At(k, k)
		cen += cov.At(k+3, k+3)
	}
	return sigma * math.Sqrt(rot) * 180 / math.Pi, sigma * math.Sqrt(cen)
}

// TestFromSurveyPose2SimScene poses the Pose2Sim demo's four cameras
// (portrait 1088×1920, 3 to 4.5 m from the scene) from its 8 surveyed scene
// points with simulated clicks: the data ships no clicks, and the points
// lie on a blank platform, so they cannot be found in its photos. The
// clicks are the shipped cameras' projections (no distortion) with 1 px of
// Gaussian noise.
//
// The bar comes from the geometry: the pose's first-order covariance
// σ²(JᵀJ)⁻¹ predicts each camera's RMS rotation and centre error. Over 200
// draws the measured RMS must match the prediction within 20 % (FromSurvey
// is then as good as least squares can be, and its mis-click search does
// not throw good clicks away), and the seeded draw must lie within 3 times
// it.
func TestFromSurveyPose2SimScene(t *testing.T) {
	truth, pts := pose2simSurveyScene(t)
	rng := rand.New(rand.NewPCG(2024, 11))
	rep, err := calibrate.FromSurvey(unposed(truth), clickSurvey(t, truth, pts, 1, rng))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Flagged) != 0 {
		t.Errorf("1 px clicks flagged %v, want none", rep.Flagged)
	}
	if rep.Meta.World != "surveyed points" || len(rep.Meta.RMS) != len(truth) || !(rep.Meta.Error > 0) {
		t.Errorf("meta %+v: want World, RMS per camera and Error", rep.Meta)
	}
	const draws = 200
	sq := make([][2]float64, len(truth))
	flagged := 0
	for range draws {
		r, err := calibrate.FromSurvey(unposed(truth), clickSurvey(t, truth, pts, 1, rng))
		if err != nil {
			t.Fatal(err)
		}
		flagged += len(r.Flagged)
		for c := range truth {
			deg, m := poseDiff(&r.Cameras[c], &truth[c])
			sq[c][0] += deg * deg
			sq[c][1] += m * m
		}
	}
	// A good click is flagged when its leverage-discounted error exceeds
	// 5 px, five times the noise: hardly ever.
	clicks := draws * len(truth) * len(pts)
	t.Logf("%d of %d good clicks flagged over %d draws", flagged, clicks, draws)
	if flagged > clicks/200 {
		t.Errorf("%d of %d good clicks flagged, want ≤ 0.5 %%", flagged, clicks)
	}
	for c := range truth {
		wantDeg, wantM := pnpSpread(t, truth[c], pts, 1)
		deg, m := poseDiff(&rep.Cameras[c], &truth[c])
		rmsDeg, rmsM := math.Sqrt(sq[c][0]/draws), math.Sqrt(sq[c][1]/draws)
		t.Logf("%s at %.2f m: seeded draw %.3f° %.1f mm (PnP RMS %.2f px); over %d draws RMS %.3f° %.1f mm; predicted %.3f° %.1f mm",
			truth[c].Name, r3.Norm(truth[c].T), deg, m*1000, rep.CameraRMS[c], draws, rmsDeg, rmsM*1000, wantDeg, wantM*1000)
		if math.Abs(rmsDeg/wantDeg-1) > 0.2 || math.Abs(rmsM/wantM-1) > 0.2 {
			t.Errorf("%s: RMS error over %d draws %.3f° %.1f mm, want the predicted %.3f° %.1f mm ± 20 %%",
				truth[c].Name, draws, rmsDeg, rmsM*1000, wantDeg, wantM*1000)
		}
		if deg > 3*wantDeg || m > 3*wantM {
			t.Errorf("%s: error %.3f° %.1f mm, want ≤ 3 × the predicted RMS (%.3f° %.1f mm)", truth[c].Name, deg, m*1000, 3*wantDeg, 3*wantM*1000)
		}
	}
}

// TestFromSurveyMisclick moves each click in turn 40 px away (in a random
// direction) over 1 px clicks: FromSurvey must name that click, and only
// it, and pose the camera as well as without it.
func TestFromSurveyMisclick(t *testing.T) {
	truth, pts := pose2simSurveyScene(t)
	rng := rand.New(rand.NewPCG(7, 40))
	worst := [2]float64{}
	for c := range truth {
		wantDeg, wantM := pnpSpread(t, truth[c], pts[1:], 1) // one point fewer
		for i := range pts {
			t.Run(fmt.Sprintf("%s/p%d", truth[c].Name, i+1), func(t *testing.T) {
				s := clickSurvey(t, truth, pts, 1, rng)
				a := 2 * math.Pi * rng.Float64()
				px := s.Points[i].Pixels[truth[c].Name]
				s.Points[i].Pixels[truth[c].Name] = [2]float64{px[0] + 40*math.Cos(a), px[1] + 40*math.Sin(a)}
				rep, err := calibrate.FromSurvey(unposed(truth), s)
				if err != nil {
					t.Fatal(err)
				}
				want := fmt.Sprintf("%s/p%d", truth[c].Name, i+1)
				if len(rep.Flagged) != 1 || rep.Flagged[0] != want {
					t.Fatalf("flagged %v, want [%s]", rep.Flagged, want)
				}
				r := rep.Residuals[c][i]
				if !r.Flagged || math.Abs(math.Hypot(r.DU, r.DV)-40) > 8 {
					t.Errorf("residual %+v: want flagged, about 40 px", r)
				}
				deg, m := poseDiff(&rep.Cameras[c], &truth[c])
				worst[0], worst[1] = max(worst[0], deg), max(worst[1], m)
				if deg > 4*wantDeg || m > 4*wantM {
					t.Errorf("pose error %.3f° %.1f mm, want ≤ 4 × the predicted RMS without the click (%.3f° %.1f mm)", deg, m*1000, 4*wantDeg, 4*wantM*1000)
				}
			})
		}
	}
	t.Logf("32 mis-clicks, each named; worst pose error without it %.3f° %.1f mm", worst[0], worst[1]*1000)
}

// TestFromSurveyExact: exact clicks give the cameras back exactly, with no
// residual and nothing flagged.
func TestFromSurveyExact(t *testing.T) {
	truth, pts := pose2simSurveyScene(t)
	rep, err := calibrate.FromSurvey(unposed(truth), clickSurvey(t, truth, pts, 0, nil))
	if err != nil {
		t.Fatal(err)
	}
	for c := range truth {
		if deg, m := poseDiff(&rep.Cameras[c], &truth[c]); deg > 1e-6 || m > 1e-6 {
			t.Errorf("%s: got %.3g° %.3g m from the truth, want ≤ 1e-6", truth[c].Name, deg, m)
		}
		if rep.CameraRMS[c] > 1e-6 || len(rep.Residuals[c]) != len(pts) {
			t.Errorf("%s: RMS %g px over %d residuals, want 0 over %d", truth[c].Name, rep.CameraRMS[c], len(rep.Residuals[c]), len(pts))
		}
	}
}

// TestAlignToSurvey moves a rig calibrated in an arbitrary frame (the truth
// turned, shifted and, for the scale case, scaled) into the survey's world
// from 1 px clicks, and checks the cameras against the truth.
func TestAlignToSurvey(t *testing.T) {
	truth, pts := pose2simSurveyScene(t)
	rng := rand.New(rand.NewPCG(5, 6))
	s := clickSurvey(t, truth, pts, 1, rng)
	for _, tt := range []struct {
		name  string
		scale float64
		fit   bool
	}{
		{name: "rigid", scale: 1},
		{name: "similarity", scale: 1.3, fit: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The rig in other coordinates: X' = s·R·X + T.
			R := calibration.Rodrigues(r3.Vec{X: 0.3, Y: -1.1, Z: 2})
			T := r3.Vec{X: 4, Y: -2, Z: 0.5}
			moved := slices.Clone(truth)
			for c := range moved {
				rr := calibration.MatMul(truth[c].R, calibration.Transpose(R))
				moved[c].R = rr
				moved[c].T = r3.Sub(r3.Scale(tt.scale, truth[c].T), calibration.MatVec(rr, T))
			}
			got, rep, err := calibrate.AlignToSurvey(moved, s, tt.fit)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d points, RMS %.1f mm, scale %.4f (free %.4f)", rep.Points, rep.RMS*1000, rep.Scale, rep.FreeScale)
			if rep.Points != len(pts) || len(rep.Residuals) != len(pts) {
				t.Fatalf("got %d points, %d residuals, want %d", rep.Points, len(rep.Residuals), len(pts))
			}
			if math.Abs(rep.FreeScale*tt.scale-1) > 0.01 {
				t.Errorf("free scale %.4f, want %.4f ± 1 %%", rep.FreeScale, 1/tt.scale)
			}
			if rep.RMS > 0.01 {
				t.Errorf("fit RMS %.1f mm, want ≤ 10 mm", rep.RMS*1000)
			}
			for c := range truth {
				deg, m := poseDiff(&got[c], &truth[c])
				if deg > 0.5 || m > 0.02 {
					t.Errorf("%s: %.3f° %.1f mm from the truth, want ≤ 0.5°, 20 mm", truth[c].Name, deg, m*1000)
				}
			}
		})
	}
}

func TestSurveyBadInput(t *testing.T) {
	truth, pts := pose2simSurveyScene(t)
	good := clickSurvey(t, truth, pts, 0, nil)
	edit := func(f func(s *calibration.Survey)) *calibration.Survey {
		s := &calibration.Survey{}
		for _, p := range good.Points {
			q := p
			q.Pixels = map[string][2]float64{}
			for k, v := range p.Pixels {
				q.Pixels[k] = v
			}
			s.Points = append(s.Points, q)
		}
		f(s)
		return s
	}
	renamed := edit(func(s *calibration.Survey) {
		for _, p := range s.Points {
			for k, v := range p.Pixels {
				delete(p.Pixels, k)
				p.Pixels["other_"+k] = v
			}
		}
	})
	threePoints := edit(func(s *calibration.Survey) {
		for _, p := range s.Points[3:] {
			delete(p.Pixels, "cam_02")
		}
	})
	fiveRaised := edit(func(s *calibration.Survey) {
		// Five points, one 1 m up: not coplanar, so 6 are needed.
		for _, p := range s.Points[5:] {
			delete(p.Pixels, "cam_03")
		}
		s.Points[0].World.Z = 1
	})
	nanPixel := edit(func(s *calibration.Survey) { s.Points[2].Pixels["cam_01"] = [2]float64{math.NaN(), 3} })
	nanWorld := edit(func(s *calibration.Survey) { s.Points[4].World.Y = math.Inf(1) })
	stray := edit(func(s *calibration.Survey) { s.Points[0].Pixels["cam_9"] = [2]float64{1, 2} })
	badCam := unposed(truth)
	badCam[1].K[0][0] = math.NaN()
	two := make([]calibration.Camera, 2)
	copy(two, truth)

	for _, tt := range []struct {
		name     string
		cams     []calibration.Camera
		survey   *calibration.Survey
		want     error
		contains []string
		align    bool // AlignToSurvey fails too
		check    bool // CheckSurvey fails too
	}{
		{name: "no calibrated camera named", cams: truth, survey: renamed, want: calibrate.ErrMismatch, contains: []string{"other_cam_01"}, align: true, check: true},
		{name: "camera with 3 points", cams: truth, survey: threePoints, want: calibrate.ErrTooFewPoints, contains: []string{"cam_02", "3 surveyed points", "p1, p2, p3", "needs 4"}},
		{name: "5 points not coplanar", cams: truth, survey: fiveRaised, want: calibrate.ErrTooFewPoints, contains: []string{"cam_03", "needs 6"}},
		{name: "NaN click", cams: truth, survey: nanPixel, want: calibrate.ErrInput, contains: []string{"p3", "cam_01"}, align: true, check: true},
		{name: "infinite world", cams: truth, survey: nanWorld, want: calibrate.ErrInput, contains: []string{"p5"}, align: true, check: true},
		{name: "camera not in the calibration", cams: truth, survey: stray, want: calibrate.ErrMismatch, contains: []string{"cam_9"}, align: true, check: true},
		{name: "NaN focal length", cams: badCam, survey: good, want: calibrate.ErrInput, contains: []string{"cam_02"}, align: true, check: true},
		{name: "camera without clicks", cams: append(slices.Clone(truth), calibration.Camera{Name: "cam_05", K: truth[0].K}), survey: good,
			want: calibrate.ErrTooFewPoints, contains: []string{"cam_05", "0 surveyed points"}},
		{name: "empty survey", cams: truth, survey: &calibration.Survey{}, want: calibrate.ErrInput, align: true, check: true},
		{name: "nil survey", cams: truth, want: calibrate.ErrInput, align: true, check: true},
		{name: "survey of more cameras", cams: two, survey: good, want: calibrate.ErrMismatch, contains: []string{"cam_03, cam_04"}, align: true, check: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := calibrate.FromSurvey(tt.cams, tt.survey)
			if !errors.Is(err, tt.want) {
				t.Fatalf("FromSurvey: got %v, want %v", err, tt.want)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("FromSurvey: got %q, want it to contain %q", err, s)
				}
			}
			_, _, err = calibrate.AlignToSurvey(tt.cams, tt.survey, false)
			if tt.align && !errors.Is(err, tt.want) {
				t.Errorf("AlignToSurvey: got %v, want %v", err, tt.want)
			}
			_, err = calibrate.CheckSurvey(tt.cams, tt.survey)
			if tt.check && !errors.Is(err, tt.want) {
				t.Errorf("CheckSurvey: got %v, want %v", err, tt.want)
			}
		})
	}

	// Two points in two cameras are too few to align to.
	few := &calibration.Survey{Points: good.Points[:2]}
	if _, _, err := calibrate.AlignToSurvey(truth, few, true); !errors.Is(err, calibrate.ErrTooFewPoints) {
		t.Errorf("AlignToSurvey with 2 points: got %v, want %v", err, calibrate.ErrTooFewPoints)
	}
	// Three points on a line are too few as well.
	line := edit(func(s *calibration.Survey) {
		s.Points = []calibration.SurveyPoint{s.Points[0], s.Points[4], s.Points[5]}
	})
	line.Points[2].World = r3.Vec{X: 2, Y: 0.3}
	if _, _, err := calibrate.AlignToSurvey(truth, line, true); !errors.Is(err, calibrate.ErrTooFewPoints) {
		t.Errorf("AlignToSurvey with collinear points: got %v, want %v", err, calibrate.ErrTooFewPoints)
	}
}
