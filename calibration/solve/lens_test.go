package solve

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/spatial/r3"
)

// Test cameras shared by the package's tests: a webcam-like lens with
// strong barrel distortion (close to the camera of OpenCV's left*.jpg
// samples), a wide equidistant fisheye, and a long lens.
func brownCamera() calibration.Camera {
	return calibration.Camera{
		Name: "brown", Width: 640, Height: 480,
		K:    [3][3]float64{{536.2, 0, 342.4}, {0, 535.7, 235.6}, {0, 0, 1}},
		Dist: []float64{-0.27, 0.11, 0.0012, -0.0004, -0.03},
		R:    identity3,
	}
}

func fisheyeCamera() calibration.Camera {
	return calibration.Camera{
		Name: "fisheye", Width: 1280, Height: 800,
		K:       [3][3]float64{{455.3, 0, 645.1}, {0, 454.6, 396.8}, {0, 0, 1}},
		Dist:    []float64{0.045, -0.012, 0.006, -0.0015},
		Fisheye: true,
		R:       identity3,
	}
}

func teleCamera() calibration.Camera {
	return calibration.Camera{
		Name: "tele", Width: 1920, Height: 1080,
		K:    [3][3]float64{{1400, 0, 962.5}, {0, 1401, 541.2}, {0, 0, 1}},
		Dist: []float64{-0.08, 0.05, 0.0003, 0.0002, 0},
		R:    identity3,
	}
}

func TestLensMatchesCamera(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, cam := range []calibration.Camera{brownCamera(), fisheyeCamera(), teleCamera()} {
		t.Run(cam.Name, func(t *testing.T) {
			l := lensOf(&cam)
			for range 200 {
				X := r3.Vec{X: rng.Float64()*2 - 1, Y: rng.Float64()*2 - 1, Z: 0.5 + rng.Float64()}
				u, v, ok := l.pixel(X, nil, nil)
				cu, cv, cok := cam.Project(X)
				if ok != cok || math.Abs(u-cu) > 1e-9 || math.Abs(v-cv) > 1e-9 {
					t.Fatalf("pixel(%v) = (%v, %v, %v), Camera.Project = (%v, %v, %v)", X, u, v, ok, cu, cv, cok)
				}
			}
			if _, _, ok := l.pixel(r3.Vec{X: 0.1, Y: 0.1, Z: -1}, nil, nil); ok {
				t.Errorf("pixel of a point behind the camera: ok, want not ok")
			}
		})
	}
}

// TestLensDerivatives checks the analytic derivatives against central
// differences.
func TestLensDerivatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const h = 1e-6
	for _, cam := range []calibration.Camera{brownCamera(), fisheyeCamera(), teleCamera()} {
		t.Run(cam.Name, func(t *testing.T) {
			l := lensOf(&cam)
			l.skew = 0.7 // exercise the skew terms too
			for range 50 {
				X := r3.Vec{X: rng.Float64() - 0.5, Y: rng.Float64() - 0.5, Z: 0.5 + rng.Float64()}
				var dXc [2][3]float64
				var dIn [2][nIntrinsics]float64
				l.pixel(X, &dXc, &dIn)
				for j := range 3 {
					xp, xm := X, X
					axis(&xp, j, h)
					axis(&xm, j, -h)
					up, vp, _ := l.pixel(xp, nil, nil)
					um, vm, _ := l.pixel(xm, nil, nil)
					checkDerivative(t, "∂u/∂xc", j, dXc[0][j], (up-um)/(2*h))
					checkDerivative(t, "∂v/∂xc", j, dXc[1][j], (vp-vm)/(2*h))
				}
				var q [nIntrinsics]float64
				l.params(&q)
				for j := range 4 + l.nDist() {
					step := h * math.Max(1, math.Abs(q[j]))
					lp, lm := l, l
					qp, qm := q, q
					qp[j] += step
					qm[j] -= step
					lp.setParams(&qp)
					lm.setParams(&qm)
					up, vp, _ := lp.pixel(X, nil, nil)
					um, vm, _ := lm.pixel(X, nil, nil)
					checkDerivative(t, "∂u/∂intrinsic", j, dIn[0][j], (up-um)/(2*step))
					checkDerivative(t, "∂v/∂intrinsic", j, dIn[1][j], (vp-vm)/(2*step))
				}
			}
		})
	}
}

func TestRigidDerivative(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ws := []r3.Vec{{}, {X: 1e-9}, {X: 0.3, Y: -0.2, Z: 0.1}, {X: 2, Y: 1, Z: -0.5}, {Z: math.Pi - 1e-3}}
	for range 20 {
		ws = append(ws, r3.Scale(rng.Float64()*3, r3.Unit(r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()})))
	}
	const h = 1e-7
	for _, w := range ws {
		p := rigidOf(w, r3.Vec{X: 0.1, Y: 0.2, Z: 3})
		X := r3.Vec{X: rng.Float64(), Y: rng.Float64(), Z: rng.Float64()}
		var dw [3][3]float64
		p.apply(X, &dw)
		for c := range 3 {
			wp, wm := w, w
			axis(&wp, c, h)
			axis(&wm, c, -h)
			pp, pm := rigidOf(wp, p.t), rigidOf(wm, p.t)
			d := r3.Scale(1/(2*h), r3.Sub(pp.apply(X, nil), pm.apply(X, nil)))
			got := r3.Vec{X: dw[0][c], Y: dw[1][c], Z: dw[2][c]}
			if r3.Norm(r3.Sub(got, d)) > 1e-6*math.Max(1, r3.Norm(d)) {
				t.Errorf("ω = %v: ∂xc/∂ω%d = %v, want %v", w, c, got, d)
			}
		}
	}
}

func axis(v *r3.Vec, j int, d float64) {
	switch j {
	case 0:
		v.X += d
	case 1:
		v.Y += d
	default:
		v.Z += d
	}
}

func checkDerivative(t *testing.T, what string, j int, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-5*math.Max(1, math.Abs(want)) {
		t.Errorf("%s[%d]: got %v, want %v (central difference)", what, j, got, want)
	}
}
