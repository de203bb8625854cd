package fusion

import (
	"errors"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"
)

// fitSine fits a·sin(ωt) + b·cos(ωt) to x[k] at t = k/rate over the
// samples from lo to hi (whole periods) and returns amplitude and phase
// (the mean is left out; whole periods make the fit exact).
func fitSine(x []float64, f, rate float64, lo, hi int) (amp, phase float64) {
	var a, b float64
	n := float64(hi - lo)
	for k := lo; k < hi; k++ {
		w := 2 * math.Pi * f * float64(k) / rate
		a += x[k] * math.Sin(w)
		b += x[k] * math.Cos(w)
	}
	a, b = 2*a/n, 2*b/n
	return math.Hypot(a, b), math.Atan2(b, a)
}

func TestButterworthResponse(t *testing.T) {
	const rate = 50.0
	for _, order := range []int{1, 2, 3, 4, 6, 8} {
		for _, cutoff := range []float64{4, 8, 15} {
			b, err := NewButterworth(ButterworthConfig{Order: order, Cutoff: cutoff, Rate: rate})
			if err != nil {
				t.Fatal(err)
			}
			// Zero-phase gain |H|² is −3 dB at the cutoff and 1 at DC.
			if got, want := math.Pow(cmplx.Abs(b.Response(cutoff)), 2), 1/math.Sqrt2; math.Abs(got-want) > 1e-12 {
				t.Errorf("order %d cutoff %v: zero-phase gain at cutoff: got %v, want %v", order, cutoff, got, want)
			}
			if got := cmplx.Abs(b.Response(0)); math.Abs(got-1) > 1e-12 {
				t.Errorf("order %d cutoff %v: DC gain: got %v, want 1", order, cutoff, got)
			}
			// Single pass against the analytic bilinear Butterworth magnitude.
			kp := math.Tan(math.Pi * b.PassCutoff() / rate)
			for f := 0.5; f < rate/2; f += 0.5 {
				r := math.Tan(math.Pi*f/rate) / kp
				want := 1 / math.Sqrt(1+math.Pow(r, float64(2*order)))
				if got := cmplx.Abs(b.Response(f)); math.Abs(got-want) > 1e-12 {
					t.Errorf("order %d cutoff %v: |H(%v)|: got %v, want %v", order, cutoff, f, got, want)
				}
			}
			// Winter's correction for two passes.
			wantPass := math.Atan(math.Tan(math.Pi*cutoff/rate)/math.Pow(math.Sqrt2-1, 1/float64(2*order))) * rate / math.Pi
			if got := b.PassCutoff(); math.Abs(got-wantPass) > 1e-12 {
				t.Errorf("order %d cutoff %v: pass cutoff: got %v, want %v", order, cutoff, got, wantPass)
			}
		}
	}
}

func TestButterworthSinusoid(t *testing.T) {
	const rate, n = 50.0, 1000 // 20 s
	for _, tt := range []struct {
		name      string
		order     int
		cutoff, f float64
	}{
		{"order 2 passband", 2, 8, 2},
		{"order 2 at cutoff", 2, 8, 8},
		{"order 4 passband", 4, 6, 3},
		{"order 4 at cutoff", 4, 6, 6},
		{"order 3 stopband", 3, 5, 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewButterworth(ButterworthConfig{Order: tt.order, Cutoff: tt.cutoff, Rate: rate})
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float64, n)
			for k := range x {
				x[k] = math.Sin(2 * math.Pi * tt.f * float64(k) / rate)
			}
			y := make([]float64, n)
			if err := b.FiltFilt(y, x); err != nil {
				t.Fatal(err)
			}
			// 16 s (whole periods of an integer frequency), 2 s from the edges.
			lo, hi := 100, 900
			amp, phase := fitSine(y, tt.f, rate, lo, hi)
			want := math.Pow(cmplx.Abs(b.Response(tt.f)), 2)
			if math.Abs(amp-want) > 1e-6 {
				t.Errorf("amplitude: got %v, want %v", amp, want)
			}
			lag := phase / (2 * math.Pi * tt.f)
			if math.Abs(lag) > 1e-6 {
				t.Errorf("lag: got %v s, want 0", lag)
			}
			t.Logf("f %v Hz: zero-phase gain %.6f (analytic %.6f), lag %.2e s; one pass would lag %.1f ms",
				tt.f, amp, want, lag, -cmplx.Phase(b.Response(tt.f))/(2*math.Pi*tt.f)*1e3)
		})
	}
}

func TestButterworthEdges(t *testing.T) {
	b, err := NewButterworth(ButterworthConfig{Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		n    int
		f    func(k int) float64
		tol  float64
	}{
		{"constant", 200, func(int) float64 { return 3.5 }, 1e-12},
		{"ramp", 200, func(k int) float64 { return 0.2*float64(k) - 4 }, 1e-9},
		{"short ramp", 7, func(k int) float64 { return 0.2 * float64(k) }, 1e-9},
		{"one sample", 1, func(int) float64 { return 2 }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			x := make([]float64, tt.n)
			for k := range x {
				x[k] = tt.f(k)
			}
			y := make([]float64, tt.n)
			if err := b.FiltFilt(y, x); err != nil {
				t.Fatal(err)
			}
			for k := range y {
				if math.Abs(y[k]-x[k]) > tt.tol {
					t.Fatalf("sample %d: got %v, want %v", k, y[k], x[k])
				}
			}
		})
	}
}

func TestButterworthGaps(t *testing.T) {
	b, err := NewButterworth(ButterworthConfig{Rate: 50, MaxGap: 5})
	if err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	ramp := func(n int) []float64 {
		x := make([]float64, n)
		for k := range x {
			x[k] = 0.1 * float64(k)
		}
		return x
	}
	for _, tt := range []struct {
		name    string
		missing [][2]int // [from, to) runs set to NaN
		stays   [][2]int // runs that must stay NaN
	}{
		{"short gap filled", [][2]int{{40, 45}}, nil},
		{"long gap kept", [][2]int{{40, 46}}, [][2]int{{40, 46}}},
		{"leading and trailing kept", [][2]int{{0, 3}, {97, 100}}, [][2]int{{0, 3}, {97, 100}}},
		{"mixed", [][2]int{{10, 12}, {50, 70}, {80, 81}}, [][2]int{{50, 70}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := ramp(100)
			x := ramp(100)
			for _, r := range tt.missing {
				for k := r[0]; k < r[1]; k++ {
					x[k] = nan
				}
			}
			if err := b.FiltFilt(x, x); err != nil { // in place
				t.Fatal(err)
			}
			isStay := func(k int) bool {
				for _, r := range tt.stays {
					if k >= r[0] && k < r[1] {
						return true
					}
				}
				return false
			}
			for k := range x {
				switch {
				case isStay(k) && !math.IsNaN(x[k]):
					t.Errorf("sample %d: got %v, want NaN", k, x[k])
				case !isStay(k) && math.Abs(x[k]-want[k]) > 1e-9:
					// A ramp survives interpolation, reflection and filtering.
					t.Errorf("sample %d: got %v, want %v", k, x[k], want[k])
				}
			}
		})
	}
}

func TestButterworthConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  ButterworthConfig
		ok   bool
	}{
		{"defaults", ButterworthConfig{Rate: 60}, true},
		{"no rate", ButterworthConfig{}, false},
		{"order 9", ButterworthConfig{Order: 9, Rate: 50}, false},
		{"negative order", ButterworthConfig{Order: -1, Rate: 50}, false},
		{"cutoff at nyquist", ButterworthConfig{Cutoff: 25, Rate: 50}, false},
		{"negative cutoff", ButterworthConfig{Cutoff: -1, Rate: 50}, false},
		{"nan rate", ButterworthConfig{Rate: math.NaN()}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewButterworth(tt.cfg)
			if got := err == nil; got != tt.ok {
				t.Errorf("got ok %v (%v), want %v", got, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrFilterConfig) {
				t.Errorf("got %v, want %v", err, ErrFilterConfig)
			}
		})
	}
	b, _ := NewButterworth(ButterworthConfig{Rate: 60})
	if got, want := b.Config(), (ButterworthConfig{Order: 2, Cutoff: 8, Rate: 60, MaxGap: 12}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if err := b.FiltFilt(make([]float64, 2), make([]float64, 3)); !errors.Is(err, ErrFilterConfig) {
		t.Errorf("got %v, want %v", err, ErrFilterConfig)
	}
}

func TestButterworthFilterTrack(t *testing.T) {
	const n, joints = 120, 3
	seq := make([]Skeleton3, n)
	for k := range seq {
		seq[k].Joints = make([]Joint3, joints)
		for j := range seq[k].Joints {
			seq[k].Joints[j] = Joint3{P: r3.Vec{X: 0.2 * float64(k), Y: float64(j), Z: 1}, OK: true, Views: 3}
		}
	}
	for k := 30; k < 34; k++ { // short gap on joint 0
		seq[k].Joints[0].OK = false
	}
	for k := 60; k < 100; k++ { // long gap on joint 1
		seq[k].Joints[1].OK = false
	}
	b, err := NewButterworth(ButterworthConfig{Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.FilterTrack(seq); err != nil {
		t.Fatal(err)
	}
	for k := 30; k < 34; k++ {
		jt := seq[k].Joints[0]
		if want := (r3.Vec{X: 0.2 * float64(k), Y: 0, Z: 1}); !jt.OK || jt.Views != 0 || r3.Norm(r3.Sub(jt.P, want)) > 1e-9 {
			t.Errorf("frame %d: got %+v, want filled at %v", k, jt, want)
		}
	}
	for k := 60; k < 100; k++ {
		if seq[k].Joints[1].OK {
			t.Errorf("frame %d: long gap filled", k)
		}
	}
	if seq[10].Joints[2].Views != 3 {
		t.Errorf("got views %d, want 3", seq[10].Joints[2].Views)
	}
	seq[5].Joints = seq[5].Joints[:2]
	if err := b.FilterTrack(seq); !errors.Is(err, ErrJointsMismatch) {
		t.Errorf("got %v, want %v", err, ErrJointsMismatch)
	}
}

func TestEuroConstant(t *testing.T) {
	var e Euro
	for k := range 100 {
		got, err := e.Filter(time.Duration(k)*20*time.Millisecond, 1.25)
		if err != nil {
			t.Fatal(err)
		}
		if got != 1.25 {
			t.Fatalf("sample %d: got %v, want 1.25", k, got)
		}
	}
}

// TestEuroLag checks the steady lag on a ramp against v/(2π(fmin+β·v)).
func TestEuroLag(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  EuroConfig
		v    float64 // m/s
		rate float64
	}{
		{"defaults 10 m/s 50 Hz", EuroConfig{}, 10, 50},
		{"defaults 2 m/s 60 Hz", EuroConfig{}, 2, 60},
		{"no beta", EuroConfig{Beta: -1, MinCutoff: 3}, 1, 50},
		{"beta 5", EuroConfig{Beta: 5}, 9, 50},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := tt.cfg.resolve()
			e := Euro{Config: tt.cfg}
			var got float64
			for k := range int(30 * tt.rate) {
				x := tt.v * float64(k) / tt.rate
				y, err := e.Filter(time.Duration(float64(k)/tt.rate*1e9), x)
				if err != nil {
					t.Fatal(err)
				}
				got = x - y
			}
			want := tt.v / (2 * math.Pi * (c.MinCutoff + c.Beta*tt.v))
			if math.Abs(got-want) > 1e-6*want+1e-12 {
				t.Errorf("got lag %v m, want %v m", got, want)
			}
			t.Logf("lag at %v m/s: %.1f mm", tt.v, got*1e3)
		})
	}
}

// TestEuroJitter checks noise reduction at rest: with no speed term the
// variance ratio of an exponential smoother is α/(2−α).
func TestEuroJitter(t *testing.T) {
	const rate, n, sigma = 50.0, 200000, 0.01
	for _, tt := range []struct {
		name string
		cfg  EuroConfig
		tol  float64
	}{
		{"no beta", EuroConfig{Beta: -1}, 0.02},
		{"defaults", EuroConfig{}, 0.5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			e := Euro{Config: tt.cfg}
			var ss float64
			for k := range n {
				y, _ := e.Filter(time.Duration(float64(k)/rate*1e9), sigma*rng.NormFloat64())
				if k > 500 {
					ss += y * y
				}
			}
			got := math.Sqrt(ss/float64(n-501)) / sigma
			a := smoothing(1, 1/rate)
			want := math.Sqrt(a / (2 - a))
			if math.Abs(got-want) > tt.tol*want {
				t.Errorf("got std ratio %v, want %v", got, want)
			}
			t.Logf("jitter kept: %.3f of input (plain low-pass at MinCutoff: %.3f)", got, want)
		})
	}
}

func TestEuroIrregular(t *testing.T) {
	// A ramp sampled with ±40 % timestamp jitter stays within a few per cent
	// of the regular-sampling lag.
	rng := rand.New(rand.NewPCG(9, 10))
	const v = 8.0
	var e Euro
	c, _ := e.Config.resolve()
	want := v / (2 * math.Pi * (c.MinCutoff + c.Beta*v))
	tm := 0.0
	for k := range 2000 {
		tm += 0.02 * (1 + 0.4*(2*rng.Float64()-1))
		y, err := e.Filter(time.Duration(tm*1e9), v*tm)
		if err != nil {
			t.Fatal(err)
		}
		if got := v*tm - y; k > 200 && math.Abs(got-want) > 0.1*want {
			t.Fatalf("sample %d: got lag %v, want %v ± 10 %%", k, got, want)
		}
	}
	if _, err := e.Filter(time.Duration(tm*1e9), 0); !errors.Is(err, ErrNotMonotonic) {
		t.Errorf("got %v, want %v", err, ErrNotMonotonic)
	}
}

func TestEuroFilterSkeleton(t *testing.T) {
	f, err := NewEuroFilter(2, EuroConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s := Skeleton3{Joints: make([]Joint3, 2)}
	at := func(k int) time.Duration { return time.Duration(k) * 20 * time.Millisecond }
	// Joint 0 moves at 10 m/s; joint 1 is missing from frame 50 to 59
	// (0.2 s, kept) and from 100 to 119 (0.4 s, reset).
	for k := range 200 {
		x := 10 * at(k).Seconds()
		s.Joints[0] = Joint3{P: r3.Vec{X: x}, OK: true}
		s.Joints[1] = Joint3{P: r3.Vec{X: x, Z: 1}, OK: !(k >= 50 && k < 60 || k >= 100 && k < 120)}
		if err := f.Filter(at(k), &s); err != nil {
			t.Fatal(err)
		}
		if !s.Joints[1].OK {
			if got := s.Joints[1].P.X; got != x {
				t.Fatalf("frame %d: missing joint changed to %v", k, got)
			}
			continue
		}
		if k == 120 && s.Joints[1].P.X != x {
			t.Errorf("frame %d: after a long gap got %v, want the raw %v", k, s.Joints[1].P.X, x)
		}
		if k == 60 && s.Joints[1].P.X == x {
			t.Errorf("frame %d: after a short gap the state was dropped", k)
		}
	}
	want := 10 / (2 * math.Pi * (1 + 2*10.0))
	if got := 10*at(199).Seconds() - s.Joints[0].P.X; math.Abs(got-want) > 1e-6 {
		t.Errorf("got lag %v, want %v", got, want)
	}
	if err := f.Filter(at(199), &s); !errors.Is(err, ErrNotMonotonic) {
		t.Errorf("got %v, want %v", err, ErrNotMonotonic)
	}
	if err := f.Filter(at(300), &Skeleton3{Joints: make([]Joint3, 3)}); !errors.Is(err, ErrJointsMismatch) {
		t.Errorf("got %v, want %v", err, ErrJointsMismatch)
	}
	if _, err := NewEuroFilter(2, EuroConfig{MinCutoff: -1}); !errors.Is(err, ErrFilterConfig) {
		t.Errorf("got %v, want %v", err, ErrFilterConfig)
	}
}

func TestEuroFilterAllocs(t *testing.T) {
	f, _ := NewEuroFilter(17, EuroConfig{})
	s := Skeleton3{Joints: make([]Joint3, 17)}
	for j := range s.Joints {
		s.Joints[j].OK = true
	}
	k := 0
	allocs := testing.AllocsPerRun(100, func() {
		k++
		f.Filter(time.Duration(k)*20*time.Millisecond, &s)
	})
	if allocs != 0 {
		t.Errorf("got %v allocs per frame, want 0", allocs)
	}
}

func BenchmarkEuroFilter(b *testing.B) {
	f, _ := NewEuroFilter(17, EuroConfig{})
	s := Skeleton3{Joints: make([]Joint3, 17)}
	for j := range s.Joints {
		s.Joints[j] = Joint3{P: r3.Vec{X: float64(j)}, OK: true}
	}
	k := 0
	b.ReportAllocs()
	for b.Loop() {
		k++
		s.Joints[0].P.X += 0.2
		if err := f.Filter(time.Duration(k)*20*time.Millisecond, &s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkButterworthFilterTrack(b *testing.B) {
	const n = 500 // 10 s at 50 Hz
	seq := make([]Skeleton3, n)
	rng := rand.New(rand.NewPCG(11, 12))
	for k := range seq {
		seq[k].Joints = make([]Joint3, 17)
		for j := range seq[k].Joints {
			seq[k].Joints[j] = Joint3{P: r3.Vec{X: 0.2*float64(k) + 0.01*rng.NormFloat64(), Z: 1}, OK: rng.IntN(20) > 0}
		}
	}
	bw, _ := NewButterworth(ButterworthConfig{Rate: 50})
	b.ReportAllocs()
	for b.Loop() {
		if err := bw.FilterTrack(seq); err != nil {
			b.Fatal(err)
		}
	}
}
