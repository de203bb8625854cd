package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"
)

func TestNewHistogramBounds(t *testing.T) {
	for _, tt := range []struct {
		name      string
		lo, hi    float64
		perDecade int
		want      []float64
	}{
		{"one per decade", 0.001, 1, 1, []float64{0.001, 0.01, 0.1, 1}},
		{"three per decade", 0.01, 1, 3, []float64{0.01, 0.0215, 0.0464, 0.1, 0.215, 0.464, 1}},
		{"hi between bounds", 1, 15, 1, []float64{1, 10, 100}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := NewHistogram(tt.lo, tt.hi, tt.perDecade)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.Bounds(); !slices.Equal(got, tt.want) {
				t.Fatalf("got bounds %v, want %v", got, tt.want)
			}
		})
	}
	lat := NewLatency()
	if b := lat.Bounds(); b[0] != 50e-6 || b[len(b)-1] < 10 || b[len(b)-2] >= 10 {
		t.Fatalf("got latency bounds %v, want 50e-6 up to the first at or above 10", b)
	}
}

func TestNewHistogramBad(t *testing.T) {
	for _, tt := range []struct {
		name      string
		lo, hi    float64
		perDecade int
	}{
		{"zero low", 0, 1, 3},
		{"high below low", 1, 0.5, 3},
		{"infinite high", 1, math.Inf(1), 3},
		{"NaN low", math.NaN(), 1, 3},
		{"no bucket per decade", 1, 10, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewHistogram(tt.lo, tt.hi, tt.perDecade); !errors.Is(err, ErrBuckets) {
				t.Fatalf("got %v, want %v", err, ErrBuckets)
			}
		})
	}
	for _, tt := range []struct {
		name   string
		bounds []float64
	}{
		{"empty", nil},
		{"not increasing", []float64{1, 2, 2}},
		{"negative", []float64{-1, 2}},
		{"infinite", []float64{1, math.Inf(1)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewHistogramBounds(tt.bounds); !errors.Is(err, ErrBuckets) {
				t.Fatalf("got %v, want %v", err, ErrBuckets)
			}
		})
	}
}

// TestObserveBuckets checks which bucket each value lands in: a value on a
// bound belongs to that bound's bucket (Prometheus' "le").
func TestObserveBuckets(t *testing.T) {
	h, err := NewHistogramBounds([]float64{1, 2, 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{-3, 0, 1, 1.5, 2, 2.0001, 4, 5, 1e9, math.NaN()} {
		h.Observe(v)
	}
	s := h.Snapshot()
	if want := []uint64{3, 2, 2, 2}; !slices.Equal(s.Counts, want) {
		t.Fatalf("got counts %v, want %v", s.Counts, want)
	}
	if s.Count != 9 {
		t.Fatalf("got count %d, want 9", s.Count)
	}
	if want := 0 + 0 + 1 + 1.5 + 2 + 2.0001 + 4 + 5 + 1e9; math.Abs(s.Sum-want) > 1e-6 {
		t.Fatalf("got sum %v, want %v", s.Sum, want)
	}
	if s.Max != 1e9 {
		t.Fatalf("got max %v, want 1e9", s.Max)
	}
}

// TestQuantile compares the estimated quantiles of log-normal latencies
// with the exact ones: within one bucket's width (26 % at ten per decade).
func TestQuantile(t *testing.T) {
	h := NewLatency()
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, 20000)
	for i := range vals {
		vals[i] = 0.02 * math.Exp(0.5*rng.NormFloat64()) // around 20 ms
		h.ObserveDuration(time.Duration(vals[i] * 1e9))
	}
	sort.Float64s(vals)
	s := h.Snapshot()
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99} {
		exact := vals[int(q*float64(len(vals)))]
		got := s.Quantile(q)
		if r := got / exact; r < 1/1.26 || r > 1.26 {
			t.Errorf("q %v: got %v, want %v within a bucket's width", q, got, exact)
		}
	}
	if got := s.Quantile(1); got != s.Max {
		t.Errorf("got q1 %v, want the max %v", got, s.Max)
	}
	if got, want := s.Mean(), mean(vals); math.Abs(got-want) > 1e-6 {
		t.Errorf("got mean %v, want %v", got, want)
	}

	var empty Snapshot
	if got := empty.Quantile(0.5); got != 0 {
		t.Errorf("got %v from no values, want 0", got)
	}
	// Above every bound, the quantile is the largest value seen.
	o, _ := NewHistogramBounds([]float64{1})
	o.Observe(7)
	o.Observe(9)
	if got := o.Snapshot().Quantile(0.5); got != 9 {
		t.Errorf("got overflow quantile %v, want the max 9", got)
	}
}

// TestObserveConcurrent checks that no count is lost when goroutines
// observe at once (run with -race).
func TestObserveConcurrent(t *testing.T) {
	h := NewLatency()
	const goroutines, each = 8, 5000
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				h.Observe(float64(1 + (g+i)%3)) // 1, 2 or 3 s: sums stay exact
			}
		}()
	}
	wg.Wait()
	s := h.Snapshot()
	if s.Count != goroutines*each {
		t.Fatalf("got count %d, want %d", s.Count, goroutines*each)
	}
	var want float64
	for g := range goroutines {
		for i := range each {
			want += float64(1 + (g+i)%3)
		}
	}
	if s.Sum != want || s.Max != 3 {
		t.Fatalf("got sum %v max %v, want %v and 3", s.Sum, s.Max, want)
	}
}

func TestObserveAllocs(t *testing.T) {
	h := NewLatency()
	if n := testing.AllocsPerRun(100, func() { h.ObserveDuration(3 * time.Millisecond) }); n != 0 {
		t.Fatalf("Observe allocates %.1f times, want 0", n)
	}
}

func BenchmarkObserve(b *testing.B) {
	h := NewLatency()
	b.ReportAllocs()
	for b.Loop() {
		h.Observe(0.0123)
	}
}

func BenchmarkObserveParallel(b *testing.B) {
	h := NewLatency()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.Observe(0.0123)
		}
	})
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
