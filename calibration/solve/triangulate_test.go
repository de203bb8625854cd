package solve

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/spatial/r3"
)

func TestTriangulate(t *testing.T) {
	cams := ringCameras(5, 7, 5, 3, r3.Vec{Z: 1})
	fish := cams[4]
	fish.Fisheye, fish.Dist = true, []float64{0.05, -0.01, 0.002, -0.0003}
	cams[4] = fish
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range 50 {
		X := r3.Vec{X: rng.Float64()*8 - 4, Y: rng.Float64()*5 - 2.5, Z: rng.Float64() * 2.5}
		var obs []KeypointObs
		for c := range cams {
			if u, v, ok := cams[c].Project(X); ok {
				obs = append(obs, KeypointObs{Camera: c, U: u, V: v, Weight: 0.2 + rng.Float64()})
			}
		}
		got, ok := Triangulate(cams, obs)
		if !ok {
			t.Fatalf("point %d %v: not triangulated", i, X)
		}
		if d := r3.Norm(r3.Sub(got.X, X)); d > 1e-9 || got.RMS > 1e-6 || got.Views != len(obs) {
			t.Fatalf("point %d: got %v (RMS %g px, %d views), want %v exactly from %d views", i, got.X, got.RMS, got.Views, X, len(obs))
		}
		if !(got.MaxAngle > 0) {
			t.Fatalf("point %d: max angle %v", i, got.MaxAngle)
		}
	}
}

func TestTriangulateNoise(t *testing.T) {
	// With noise, Gauss–Newton must do better than the linear estimate it
	// starts from: the DLT weighs far cameras less.
	cams := ringCameras(4, 7, 5, 3, r3.Vec{Z: 1})
	rng := rand.New(rand.NewPCG(3, 3))
	var se float64
	const n = 200
	for range n {
		X := r3.Vec{X: rng.Float64()*8 - 4, Y: rng.Float64()*5 - 2.5, Z: rng.Float64() * 2}
		var obs []KeypointObs
		for c := range cams {
			u, v, _ := cams[c].Project(X)
			obs = append(obs, KeypointObs{Camera: c, U: u + rng.NormFloat64(), V: v + rng.NormFloat64(), Weight: 1})
		}
		got, ok := Triangulate(cams, obs)
		if !ok {
			t.Fatal("not triangulated")
		}
		se += r3.Norm2(r3.Sub(got.X, X))
		// 1 px per coordinate: the fit's RMS is about √(2·(2n−3)/(2n)) px.
		if got.RMS > 4 {
			t.Fatalf("RMS %.2f px with 1 px of noise", got.RMS)
		}
	}
	if rms := math.Sqrt(se / n); rms > 0.01 {
		t.Errorf("3D RMS error %.2f mm with 1 px of noise at 3–11 m, want ≤ 10 mm", rms*1000)
	}
}

func TestTriangulateFlagged(t *testing.T) {
	cams := ringCameras(3, 7, 5, 3, r3.Vec{Z: 1})
	X := r3.Vec{X: 0.5, Y: 0.2, Z: 1.2}
	px := func(c int) (float64, float64) {
		u, v, _ := cams[c].Project(X)
		return u, v
	}
	u0, v0 := px(0)
	u1, v1 := px(1)
	same := cams[0]
	same.Name = "same centre"
	for _, tt := range []struct {
		name string
		cams []calibration.Camera
		obs  []KeypointObs
	}{
		{name: "one view", cams: cams, obs: []KeypointObs{{Camera: 0, U: u0, V: v0, Weight: 1}}},
		{name: "second view NaN", cams: cams, obs: []KeypointObs{{Camera: 0, U: u0, V: v0, Weight: 1}, {Camera: 1, U: math.NaN(), V: v1, Weight: 1}}},
		{name: "second view out of range", cams: cams, obs: []KeypointObs{{Camera: 0, U: u0, V: v0, Weight: 1}, {Camera: 5, U: u1, V: v1, Weight: 1}}},
		{name: "second view weight 0", cams: cams, obs: []KeypointObs{{Camera: 0, U: u0, V: v0, Weight: 1}, {Camera: 1, U: u1, V: v1}}},
		{name: "same centre", cams: []calibration.Camera{cams[0], same}, obs: []KeypointObs{{Camera: 0, U: u0, V: v0, Weight: 1}, {Camera: 1, U: u0 + 3, V: v0, Weight: 1}}},
		{name: "no views", cams: cams},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := Triangulate(tt.cams, tt.obs); ok {
				t.Errorf("got %+v, want not ok", got)
			}
		})
	}
}
