package metrics

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// Histogram counts observations in fixed buckets. Bucket i holds the
// values v with Bounds[i-1] < v <= Bounds[i] (the first from minus
// infinity); one more bucket holds those above the last bound. The zero
// value is not usable: make one with NewHistogram or NewLatency.
type Histogram struct {
	bounds []float64
	counts []atomic.Uint64 // len(bounds)+1, the last for overflow
	sum    atomic.Uint64   // float64 bits
	max    atomic.Uint64   // float64 bits; observations are >= 0 after clamping
}

// NewHistogram returns a histogram whose bucket bounds run from lo up to
// at least hi, perDecade of them per factor of ten, each rounded to three
// significant digits so they read well in an exposition.
func NewHistogram(lo, hi float64, perDecade int) (*Histogram, error) {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) || perDecade < 1 || perDecade > 100 {
		return nil, fmt.Errorf("%w: from %v to %v, %d per decade", ErrBuckets, lo, hi, perDecade)
	}
	n := int(math.Ceil(math.Log10(hi/lo)*float64(perDecade)-1e-9)) + 1
	bounds := make([]float64, n)
	for i := range bounds {
		bounds[i] = round3(lo * math.Pow(10, float64(i)/float64(perDecade)))
	}
	return NewHistogramBounds(bounds)
}

// NewHistogramBounds returns a histogram with the given bucket upper
// bounds, which must be positive, finite and increasing. The histogram
// keeps bounds: the caller must not change it afterwards.
func NewHistogramBounds(bounds []float64) (*Histogram, error) {
	if len(bounds) == 0 {
		return nil, fmt.Errorf("%w: no bound", ErrBuckets)
	}
	for i, b := range bounds {
		if !(b > 0) || math.IsInf(b, 0) || (i > 0 && !(b > bounds[i-1])) {
			return nil, fmt.Errorf("%w: bound %d is %v after %v", ErrBuckets, i, b, bounds[max(0, i-1)])
		}
	}
	return &Histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}, nil
}

// NewLatency returns a histogram for stage latencies in seconds: 50 µs to
// 10 s, ten buckets per decade (each 26 % wider than the last).
func NewLatency() *Histogram {
	h, err := NewHistogram(50e-6, 10, 10)
	if err != nil {
		panic(err) // constant arguments: cannot happen
	}
	return h
}

// Observe counts v. Negative values count as zero; NaN is ignored. Safe
// from any goroutine; allocates nothing.
func (h *Histogram) Observe(v float64) {
	if v != v {
		return
	}
	v = max(v, 0)
	i, _ := slices.BinarySearch(h.bounds, v)
	h.counts[i].Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			break
		}
	}
	// Non-negative float64s order as their bits do.
	for b := math.Float64bits(v); ; {
		old := h.max.Load()
		if b <= old || h.max.CompareAndSwap(old, b) {
			break
		}
	}
}

// ObserveDuration counts d in seconds.
func (h *Histogram) ObserveDuration(d time.Duration) { h.Observe(d.Seconds()) }

// Bounds returns the bucket upper bounds; the caller must not change them.
func (h *Histogram) Bounds() []float64 { return h.bounds }

// Snapshot returns a copy of the counts so far.
func (h *Histogram) Snapshot() Snapshot {
	s := Snapshot{Bounds: h.bounds, Counts: make([]uint64, len(h.counts))}
	for i := range h.counts {
		s.Counts[i] = h.counts[i].Load()
		s.Count += s.Counts[i]
	}
	s.Sum = math.Float64frombits(h.sum.Load())
	s.Max = math.Float64frombits(h.max.Load())
	return s
}

// WriteProm writes the histogram as one Prometheus histogram sample set;
// see Snapshot.WriteProm.
func (h *Histogram) WriteProm(w io.Writer, name, help string, labels ...Label) error {
	return h.Snapshot().WriteProm(w, name, help, labels...)
}

// Snapshot is a histogram's counts at one moment. Observations that raced
// with it may be in Sum and Max but not in Counts, or the other way round;
// Count is always the sum of Counts.
type Snapshot struct {
	// Bounds are the bucket upper bounds, shared with the histogram: read
	// only.
	Bounds []float64
	// Counts holds each bucket's count (not cumulative), the last bucket
	// being the values above every bound.
	Counts []uint64
	Count  uint64
	// Sum and Max are the sum and the largest of the values observed.
	Sum, Max float64
}

// Mean returns the mean of the values, 0 when there are none.
func (s Snapshot) Mean() float64 {
	if s.Count == 0 {
		return 0
	}
	return s.Sum / float64(s.Count)
}

// Quantile estimates the q-quantile (0 <= q <= 1) of the values: it finds
// the bucket holding it and interpolates on the log scale between the
// bucket's bounds (the first bucket's lower bound taken one bucket width
// below its upper one), never beyond Max. It returns 0 when there are no
// values.
func (s Snapshot) Quantile(q float64) float64 {
	if s.Count == 0 || len(s.Bounds) == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := q * float64(s.Count)
	var below float64
	for i, c := range s.Counts {
		if c == 0 || below+float64(c) < rank {
			below += float64(c)
			continue
		}
		if i == len(s.Bounds) {
			return s.Max
		}
		hi := s.Bounds[i]
		var lo float64
		switch {
		case i > 0:
			lo = s.Bounds[i-1]
		case len(s.Bounds) > 1:
			lo = hi * hi / s.Bounds[1]
		default:
			lo = hi / 10
		}
		frac := (rank - below) / float64(c)
		return min(lo*math.Pow(hi/lo, frac), s.Max)
	}
	return s.Max
}

// round3 rounds v > 0 to three significant digits.
func round3(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	if err != nil {
		return v
	}
	return r
}
