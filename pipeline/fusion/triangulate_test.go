package fusion

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
)

// ring returns n cameras on a circle of radius 12 m around (0, 0, 1), at
// heights from 2 to 6 m, looking at the centre.
func ring(n int) []calibration.Camera {
	cams := make([]calibration.Camera, n)
	for i := range cams {
		a := 2 * math.Pi * float64(i) / float64(n)
		eye := r3.Vec{X: 12 * math.Cos(a), Y: 12 * math.Sin(a), Z: 2 + 4*float64(i%3)/2}
		cams[i] = calibration.LookAt(fmt.Sprintf("cam%d", i), eye, r3.Vec{Z: 1}, 1920, 1080, 1800)
		cams[i].Dist = []float64{-0.1, 0.02, 0.0005, -0.0003, 0}
	}
	return cams
}

func observe(cams []calibration.Camera, X r3.Vec, noise float64, rng *rand.Rand) []Observation {
	obs := make([]Observation, len(cams))
	for i, c := range cams {
		u, v, ok := c.Project(X)
		if !ok {
			continue
		}
		obs[i] = Observation{X: u + noise*rng.NormFloat64(), Y: v + noise*rng.NormFloat64(), Score: 0.9}
	}
	return obs
}

func TestJointExact(t *testing.T) {
	cams := ring(4)
	tri, err := NewTriangulator(cams, TriangulatorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		X := r3.Vec{X: rng.Float64()*4 - 2, Y: rng.Float64()*4 - 2, Z: rng.Float64() * 2}
		j := tri.Joint(observe(cams, X, 0, rng))
		if !j.OK || r3.Norm(r3.Sub(j.P, X)) > 1e-6 || j.Views != 4 || j.Error > 1e-4 {
			t.Fatalf("got %+v, want %v from 4 views with no error", j, X)
		}
	}
}

// TestJointOutlier: with 2 px noise and one confident view 80 px off,
// rejection must drop exactly that view, giving what the other five give.
func TestJointOutlier(t *testing.T) {
	cams := ring(6)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, refine := range []bool{false, true} {
		tri, _ := NewTriangulator(cams, TriangulatorConfig{Refine: refine})
		var sum float64
		const trials = 200
		for range trials {
			X := r3.Vec{X: rng.Float64()*4 - 2, Y: rng.Float64()*4 - 2, Z: rng.Float64() * 2}
			obs := observe(cams, X, 2, rng)
			clean := append([]Observation(nil), obs...)
			clean[2].Score = 0
			want := tri.Joint(clean)
			obs[2].X += 80
			got := tri.Joint(obs)
			if !got.OK || got.Views != 5 || r3.Norm(r3.Sub(got.P, want.P)) > 1e-9 {
				t.Fatalf("refine %v: got %+v, want %+v (the outlier view dropped)", refine, got, want)
			}
			sum += r3.Norm(r3.Sub(got.P, X))
		}
		// 2 px at 12 m with f = 1800 px is 13 mm per view; five views
		// around the point give about that in 3D.
		mean := sum / trials
		t.Logf("refine %v: mean 3D error %.1f mm", refine, 1000*mean)
		if mean > 0.016 {
			t.Errorf("refine %v: mean error %.4f m, want <= 0.016", refine, mean)
		}
	}
}

func TestJointBadInput(t *testing.T) {
	cams := ring(4)
	tri, _ := NewTriangulator(cams, TriangulatorConfig{})
	rng := rand.New(rand.NewPCG(5, 6))
	good := observe(cams, r3.Vec{Z: 1}, 0, rng)
	with := func(edit func([]Observation)) []Observation {
		o := append([]Observation(nil), good...)
		edit(o)
		return o
	}
	for _, tt := range []struct {
		name  string
		obs   []Observation
		ok    bool
		views int
	}{
		{"NaN in two views", with(func(o []Observation) { o[0].X, o[1].Y = math.NaN(), math.NaN() }), true, 2},
		{"Inf everywhere", with(func(o []Observation) {
			for i := range o {
				o[i].X = math.Inf(1)
			}
		}), false, 0},
		{"NaN score", with(func(o []Observation) { o[0].Score, o[1].Score, o[2].Score = math.NaN(), math.NaN(), math.NaN() }), false, 0},
		{"one view", with(func(o []Observation) { o[1].Score, o[2].Score, o[3].Score = 0, 0, 0 }), false, 0},
		{"no views", nil, false, 0},
		{"short slice", good[:1], false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j := tri.Joint(tt.obs)
			if j.OK != tt.ok || (tt.ok && j.Views != tt.views) {
				t.Fatalf("got %+v, want OK %v with %d views", j, tt.ok, tt.views)
			}
			if math.IsNaN(j.P.X) || math.IsNaN(j.Error) {
				t.Fatalf("NaN leaked: %+v", j)
			}
		})
	}
	if _, err := NewTriangulator(nil, TriangulatorConfig{}); !errors.Is(err, ErrNoCameras) {
		t.Fatalf("no cameras: got %v, want ErrNoCameras", err)
	}
	if _, err := NewTriangulator(cams, TriangulatorConfig{MinViews: 1}); err == nil {
		t.Fatal("MinViews 1 accepted")
	}
}

// TestDegenerateGeometry: two cameras on one line through the point cannot
// place it; the joint is flagged, not a NaN or a wild guess.
func TestDegenerateGeometry(t *testing.T) {
	a := calibration.LookAt("a", r3.Vec{X: -10, Z: 1}, r3.Vec{Z: 1}, 1920, 1080, 1800)
	b := calibration.LookAt("b", r3.Vec{X: -5, Z: 1}, r3.Vec{Z: 1}, 1920, 1080, 1800)
	tri, _ := NewTriangulator([]calibration.Camera{a, b}, TriangulatorConfig{})
	rng := rand.New(rand.NewPCG(7, 8))
	j := tri.Joint(observe([]calibration.Camera{a, b}, r3.Vec{X: 3, Z: 1}, 0, rng))
	if j.OK {
		t.Fatalf("a point on the cameras' baseline was placed at %v", j.P)
	}
}

func TestSkeletonAllocs(t *testing.T) {
	cams := ring(4)
	tri, _ := NewTriangulator(cams, TriangulatorConfig{Refine: true})
	views, _ := skeletonViews(cams, 17)
	var sk Skeleton3
	tri.Skeleton(&sk, views, 17)
	if n := testing.AllocsPerRun(20, func() { tri.Skeleton(&sk, views, 17) }); n != 0 {
		t.Fatalf("Skeleton allocates %.1f times, want 0", n)
	}
}

// skeletonViews projects a 17-joint standing figure into the cameras with
// 2 px noise.
func skeletonViews(cams []calibration.Camera, joints int) ([][]Observation, []r3.Vec) {
	rng := rand.New(rand.NewPCG(9, 10))
	truth := make([]r3.Vec, joints)
	views := make([][]Observation, len(cams))
	for j := range truth {
		truth[j] = r3.Vec{X: 0.3 * math.Sin(float64(j)), Y: 0.2 * math.Cos(float64(j)), Z: 0.1 + 1.7*float64(j)/float64(joints)}
	}
	for i := range cams {
		views[i] = make([]Observation, joints)
		for j, X := range truth {
			views[i][j] = observe(cams[i:i+1], X, 2, rng)[0]
		}
	}
	return views, truth
}

var sinkSkeleton Skeleton3

// BenchmarkTriangulate is the cost of one 17-joint skeleton from n cameras
// (rejection on, refinement on), which should grow linearly with n.
func BenchmarkTriangulate(b *testing.B) {
	for _, n := range []int{2, 4, 8, 16, 32} {
		cams := ring(n)
		tri, _ := NewTriangulator(cams, TriangulatorConfig{Refine: true})
		views, _ := skeletonViews(cams, 17)
		b.Run(fmt.Sprintf("cameras=%d", n), func(b *testing.B) {
			var sk Skeleton3
			b.ReportAllocs()
			for b.Loop() {
				tri.Skeleton(&sk, views, 17)
			}
			sinkSkeleton = sk
		})
	}
}
