package solve

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/internal/pose2simtest"
)

// TestPnPPose2SimScene recovers the pose of each of the Pose2Sim demo's
// real cameras (portrait 1088×1920, calibrated intrinsics and distortion,
// 3 to 4.5 m from the scene) from the demo's own surveyed scene layout: 8
// points over 2 m × 0.6 m, two of them raised 5 cm, a nearly flat target.
// The clicks are simulated by projecting the points through the camera:
// exactly, then with 1 px of click noise, then with one click 20 px off.
func TestPnPPose2SimScene(t *testing.T) {
	cams, obj := pose2simtest.Scene(t)
	rng := rand.New(rand.NewPCG(81, 82))
	for _, cam := range cams {
		t.Run(cam.Name, func(t *testing.T) {
			truth := Pose{R: cam.R, T: cam.T}
			clicks := func(sigma float64) [][2]float64 {
				pix := make([][2]float64, len(obj))
				for i, X := range obj {
					u, v, ok := cam.Project(X)
					if !ok {
						t.Fatalf("scene point %d behind the camera", i)
					}
					pix[i] = [2]float64{u + sigma*rng.NormFloat64(), v + sigma*rng.NormFloat64()}
				}
				return pix
			}

			exact, err := PnP(&cam, obj, clicks(0))
			if err != nil {
				t.Fatal(err)
			}
			if e, d := rotationError(exact.R, truth.R), r3.Norm(r3.Sub(exact.T, truth.T)); e > 1e-6 || d > 1e-6 {
				t.Errorf("exact clicks: rotation error %.3g°, translation error %.3g m; want ≤ 1e-6", e, d)
			}

			// 1 px clicks: the errors over 50 draws, and a check that each
			// solution fits the clicks at least as well as the true pose
			// (the least-squares optimum, not a nearby point).
			l := lensOf(&cam)
			res := make([]float64, len(obj))
			var centreSq, rotSq float64
			const draws = 50
			for range draws {
				pix := clicks(1)
				p, err := PnP(&cam, obj, pix)
				if err != nil {
					t.Fatal(err)
				}
				if rmsTruth := reprojection(res, &l, &truth, obj, pix); p.RMS > rmsTruth+1e-9 {
					t.Errorf("RMS %.4f px above the true pose's %.4f: not the optimum", p.RMS, rmsTruth)
				}
				got := calibration.Camera{R: p.R, T: p.T}
				centreSq += r3.Norm2(r3.Sub(got.Center(), cam.Center()))
				rotSq += math.Pow(rotationError(p.R, truth.R), 2)
			}
			centre, rot := math.Sqrt(centreSq/draws), math.Sqrt(rotSq/draws)
			if centre > 0.03 || rot > 0.5 {
				t.Errorf("1 px clicks: RMS camera centre error %.1f mm, rotation error %.3f°; want ≤ 30 mm, ≤ 0.5°", centre*1e3, rot)
			}
			t.Logf("1 px clicks: RMS camera centre error %.1f mm at %.2f m, rotation error %.3f°", centre*1e3, r3.Norm(cam.T), rot)

			bad := clicks(1)
			bad[5][1] += 20
			p, err := PnP(&cam, obj, bad)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range p.Residuals {
				if i != 5 && r >= p.Residuals[5] {
					t.Errorf("one click 20 px off: point %d's residual %.2f px ≥ the bad click's %.2f", i, r, p.Residuals[5])
				}
			}
		})
	}
}
