package fusion

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/athlete3d/athlete3d/skeleton"
	"gonum.org/v1/gonum/spatial/r3"
)

// standing is a COCO-17 person standing at the origin, z up, facing +x.
var standing = [skeleton.NumCOCO17]r3.Vec{
	skeleton.Nose:      {X: 0.10, Y: 0, Z: 1.70},
	skeleton.LEye:      {X: 0.08, Y: 0.03, Z: 1.73},
	skeleton.REye:      {X: 0.08, Y: -0.03, Z: 1.73},
	skeleton.LEar:      {X: 0.00, Y: 0.08, Z: 1.71},
	skeleton.REar:      {X: 0.00, Y: -0.08, Z: 1.71},
	skeleton.LShoulder: {X: 0, Y: 0.20, Z: 1.45},
	skeleton.RShoulder: {X: 0, Y: -0.20, Z: 1.45},
	skeleton.LElbow:    {X: 0.05, Y: 0.25, Z: 1.17},
	skeleton.RElbow:    {X: -0.05, Y: -0.25, Z: 1.17},
	skeleton.LWrist:    {X: 0.15, Y: 0.25, Z: 0.93},
	skeleton.RWrist:    {X: -0.15, Y: -0.25, Z: 0.93},
	skeleton.LHip:      {X: 0, Y: 0.10, Z: 0.95},
	skeleton.RHip:      {X: 0, Y: -0.10, Z: 0.95},
	skeleton.LKnee:     {X: 0.10, Y: 0.11, Z: 0.52},
	skeleton.RKnee:     {X: -0.05, Y: -0.11, Z: 0.52},
	skeleton.LAnkle:    {X: 0.0, Y: 0.12, Z: 0.10},
	skeleton.RAnkle:    {X: -0.15, Y: -0.12, Z: 0.10},
}

// pose writes the standing person at origin plus noise into s.
func pose(s *Skeleton3, origin r3.Vec, noise float64, rng *rand.Rand) {
	for j, p := range standing {
		n := r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()}
		s.Joints[j] = Joint3{P: r3.Add(r3.Add(origin, p), r3.Scale(noise, n)), OK: true, Views: 4}
	}
}

func TestLimbChecker(t *testing.T) {
	set := &skeleton.COCO17
	for _, tt := range []struct {
		name    string
		correct bool
		break_  func(s *Skeleton3)
		want    []int // flagged joints
	}{
		{"clean", false, func(*Skeleton3) {}, nil},
		{"long forearm", true, func(s *Skeleton3) { stretch(s, skeleton.LElbow, skeleton.LWrist, 1.4) }, []int{skeleton.LWrist}},
		{"short shin", true, func(s *Skeleton3) { stretch(s, skeleton.RKnee, skeleton.RAnkle, 0.7) }, []int{skeleton.RAnkle}},
		{"displaced elbow", true, func(s *Skeleton3) {
			// Up towards the shoulder: upper arm −40 %, forearm +44 %.
			s.Joints[skeleton.RElbow].P = r3.Add(s.Joints[skeleton.RElbow].P, r3.Vec{Z: 0.12})
		}, []int{skeleton.RElbow}},
		{"missing wrist", false, func(s *Skeleton3) {
			s.Joints[skeleton.LWrist].OK = false
			s.Joints[skeleton.LWrist].P = r3.Vec{X: 50}
		}, nil},
		{"flag only", false, func(s *Skeleton3) { stretch(s, skeleton.LElbow, skeleton.LWrist, 1.4) }, []int{skeleton.LWrist}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(21, 22))
			c, err := NewLimbChecker(set, LimbConfig{Correct: tt.correct})
			if err != nil {
				t.Fatal(err)
			}
			s := Skeleton3{Joints: make([]Joint3, set.Len())}
			flags := make([]bool, set.Len())
			for k := range 60 {
				pose(&s, r3.Vec{X: 0.2 * float64(k)}, 0.005, rng)
				if n, err := c.Check(flags, &s); err != nil || n != 0 {
					t.Fatalf("frame %d: got %d flags (%v), want 0", k, n, err)
				}
			}
			pose(&s, r3.Vec{X: 20}, 0.005, rng)
			tt.break_(&s)
			n, err := c.Check(flags, &s)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for j, f := range flags {
				if f {
					got = append(got, j)
				}
			}
			if n != len(got) || !slices.Equal(got, tt.want) {
				t.Errorf("got %d flags %v, want %v", n, got, tt.want)
			}
			if !tt.correct {
				return
			}
			for i, lb := range set.Limbs {
				want, ok := c.Length(i)
				a, b := s.Joints[lb[0]], s.Joints[lb[1]]
				if !ok || !slices.Contains(tt.want, lb[0]) && !slices.Contains(tt.want, lb[1]) {
					continue
				}
				if got := r3.Norm(r3.Sub(a.P, b.P)); math.Abs(got-want) > 0.03 {
					t.Errorf("limb %v after correction: got length %.3f, want %.3f", lb, got, want)
				}
			}
		})
	}
}

// stretch moves joint b away from a so the limb is f times as long.
func stretch(s *Skeleton3, a, b int, f float64) {
	pa := s.Joints[a].P
	s.Joints[b].P = r3.Add(pa, r3.Scale(f, r3.Sub(s.Joints[b].P, pa)))
}

func TestLimbCheckerWarmup(t *testing.T) {
	c, err := NewLimbChecker(&skeleton.COCO17, LimbConfig{MinSamples: 5})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	s := Skeleton3{Joints: make([]Joint3, skeleton.NumCOCO17)}
	for k := range 4 {
		pose(&s, r3.Vec{}, 0, rng)
		if k == 2 {
			stretch(&s, skeleton.LKnee, skeleton.LAnkle, 2)
		}
		if n, _ := c.Check(nil, &s); n != 0 {
			t.Errorf("frame %d: got %d flags before warm-up, want 0", k, n)
		}
	}
	if _, ok := c.Length(0); ok {
		t.Errorf("got a length before warm-up")
	}
	pose(&s, r3.Vec{}, 0, rng)
	c.Check(nil, &s)
	got, ok := c.Length(12) // LHip–LKnee
	want := r3.Norm(r3.Sub(standing[skeleton.LHip], standing[skeleton.LKnee]))
	if !ok || math.Abs(got-want) > 1e-12 {
		t.Errorf("got %v %v, want %v", got, ok, want)
	}
	// The outlier of frame 2 does not move the median of LKnee–LAnkle.
	got, _ = c.Length(13)
	want = r3.Norm(r3.Sub(standing[skeleton.LKnee], standing[skeleton.LAnkle]))
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestLimbCheckerErrors(t *testing.T) {
	if _, err := NewLimbChecker(&skeleton.COCO17, LimbConfig{Window: 5, MinSamples: 6}); !errors.Is(err, ErrFilterConfig) {
		t.Errorf("got %v, want %v", err, ErrFilterConfig)
	}
	bad := skeleton.Set{Name: "bad", Joints: []string{"a", "b"}, Limbs: [][2]int{{0, 2}}}
	if _, err := NewLimbChecker(&bad, LimbConfig{}); !errors.Is(err, ErrFilterConfig) {
		t.Errorf("got %v, want %v", err, ErrFilterConfig)
	}
	c, _ := NewLimbChecker(&skeleton.COCO17, LimbConfig{})
	if _, err := c.Check(nil, &Skeleton3{Joints: make([]Joint3, 3)}); !errors.Is(err, ErrJointsMismatch) {
		t.Errorf("got %v, want %v", err, ErrJointsMismatch)
	}
	if _, err := c.Check(make([]bool, 2), &Skeleton3{Joints: make([]Joint3, 17)}); !errors.Is(err, ErrJointsMismatch) {
		t.Errorf("got %v, want %v", err, ErrJointsMismatch)
	}
}

func TestMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for n := 1; n < 60; n++ {
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(rng.IntN(10)) // many ties
		}
		s := slices.Clone(x)
		sort.Float64s(s)
		want := s[n/2]
		if n%2 == 0 {
			want = (s[n/2-1] + s[n/2]) / 2
		}
		if got := median(x); got != want {
			t.Errorf("n %d: got %v, want %v", n, got, want)
		}
	}
}

func TestLimbCheckerAllocs(t *testing.T) {
	c, _ := NewLimbChecker(&skeleton.COCO17, LimbConfig{Correct: true})
	rng := rand.New(rand.NewPCG(1, 2))
	s := Skeleton3{Joints: make([]Joint3, skeleton.NumCOCO17)}
	flags := make([]bool, skeleton.NumCOCO17)
	allocs := testing.AllocsPerRun(200, func() {
		pose(&s, r3.Vec{}, 0.01, rng)
		stretch(&s, skeleton.LElbow, skeleton.LWrist, 1.5)
		c.Check(flags, &s)
	})
	if allocs != 0 {
		t.Errorf("got %v allocs per frame, want 0", allocs)
	}
}

func BenchmarkLimbChecker(b *testing.B) {
	c, _ := NewLimbChecker(&skeleton.COCO17, LimbConfig{Correct: true})
	rng := rand.New(rand.NewPCG(1, 2))
	s := Skeleton3{Joints: make([]Joint3, skeleton.NumCOCO17)}
	flags := make([]bool, skeleton.NumCOCO17)
	for range 200 {
		pose(&s, r3.Vec{}, 0.01, rng)
		c.Check(flags, &s)
	}
	b.ReportAllocs()
	for b.Loop() {
		sinkInt, _ = c.Check(flags, &s)
	}
}

// TestLimbFit learns a leg's lengths from clean frames, then fits a frame
// whose knee is 4 cm off along the thigh: both limbs come back to their
// lengths, and the joint with the larger reprojection error moves more.
func TestLimbFit(t *testing.T) {
	set := &skeleton.COCO17
	c, err := NewLimbChecker(set, LimbConfig{Fit: true})
	if err != nil {
		t.Fatal(err)
	}
	base := func() *Skeleton3 {
		s := &Skeleton3{Joints: make([]Joint3, set.Len())}
		for j := range s.Joints {
			s.Joints[j] = Joint3{P: r3.Vec{X: 0.01 * float64(j), Y: 0, Z: 1.7 - 0.1*float64(j)}, OK: true, Error: 2}
		}
		s.Joints[skeleton.LHip].P = r3.Vec{Z: 1.0}
		s.Joints[skeleton.LKnee].P = r3.Vec{Z: 0.55}
		s.Joints[skeleton.LAnkle].P = r3.Vec{Z: 0.1}
		return s
	}
	for range 20 {
		if _, err := c.Check(nil, base()); err != nil {
			t.Fatal(err)
		}
	}
	s := base()
	s.Joints[skeleton.LKnee].P.Z = 0.51 // thigh 0.49 m, shank 0.41 m: within tolerance, so Correct leaves it
	s.Joints[skeleton.LKnee].Error = 8  // the cameras disagree on the knee
	if _, err := c.Check(nil, s); err != nil {
		t.Fatal(err)
	}
	length := func(a, b int) float64 { return r3.Norm(r3.Sub(s.Joints[a].P, s.Joints[b].P)) }
	for _, l := range [][2]int{{skeleton.LHip, skeleton.LKnee}, {skeleton.LKnee, skeleton.LAnkle}} {
		if got := length(l[0], l[1]); math.Abs(got-0.45) > 1e-3 {
			t.Errorf("limb %v is %.4f m after the fit, want 0.45", l, got)
		}
	}
	if dk, dh := math.Abs(s.Joints[skeleton.LKnee].P.Z-0.51), math.Abs(s.Joints[skeleton.LHip].P.Z-1.0); dk < 10*dh {
		t.Errorf("knee moved %.4f m, hip %.4f m: want the uncertain knee to take the correction", dk, dh)
	}
}
