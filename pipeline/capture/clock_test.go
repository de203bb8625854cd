package capture

import (
	"math"
	"testing"
	"time"
)

func TestStreamClock(t *testing.T) {
	const ms = time.Millisecond
	nan := math.NaN()
	for _, tt := range []struct {
		name   string
		period time.Duration
		pts    []float64 // CAP_PROP_POS_MSEC after each read
		want   []time.Duration
	}{
		{"exact", 100 * ms, []float64{0, 100, 200, 300}, []time.Duration{0, 100 * ms, 200 * ms, 300 * ms}},
		{"first frame one period late", 40 * ms, []float64{40, 80, 120}, []time.Duration{0, 40 * ms, 80 * ms}},
		{"last frame without a time", 40 * ms, []float64{40, 80, 120, 0}, []time.Duration{0, 40 * ms, 80 * ms, 120 * ms}},
		{"a repeated time", 10 * ms, []float64{0, 10, 10, 30}, []time.Duration{0, 10 * ms, 20 * ms, 30 * ms}},
		{"frames skipped by the decoder", 10 * ms, []float64{0, 10, 50, 60}, []time.Duration{0, 10 * ms, 50 * ms, 60 * ms}},
		{"no times at all", 20 * ms, []float64{nan, -1, nan}, []time.Duration{0, 20 * ms, 40 * ms}},
		{"times from the third frame", 20 * ms, []float64{nan, nan, 500, 520}, []time.Duration{0, 20 * ms, 40 * ms, 60 * ms}},
		{"replaced times ran ahead", 20 * ms, []float64{0, 0, 0, 21, 40}, []time.Duration{0, 20 * ms, 40 * ms, 60 * ms, 80 * ms}},
		{"sub-millisecond times", 0, []float64{0, 33.3666, 66.7333}, []time.Duration{0, 33366600, 66733300}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var c streamClock
			for i, p := range tt.pts {
				if got := c.next(p, tt.period); got != tt.want[i] {
					t.Errorf("frame %d (pts %v): got %v, want %v", i, p, got, tt.want[i])
				}
			}
		})
	}
}

func TestPeriod(t *testing.T) {
	for _, tt := range []struct {
		fps  float64
		want time.Duration
	}{
		{25, 40 * time.Millisecond},
		{29.97, 33366700},
		{0, 0},
		{-5, 0},
		{math.NaN(), 0},
		{math.Inf(1), 0},
		{90000, 0},
	} {
		if got := period(tt.fps); got != tt.want {
			t.Errorf("period(%v): got %v, want %v", tt.fps, got, tt.want)
		}
	}
}

func TestJitter(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 2, 3, time.Millisecond, 5 * time.Second} {
		lo, hi := d, time.Duration(0)
		for range 2000 {
			j := jitter(d)
			lo, hi = min(lo, j), max(hi, j)
		}
		if lo < d/2 || hi > d {
			t.Errorf("jitter(%v): got values in [%v, %v], want within [%v, %v]", d, lo, hi, d/2, d)
		}
		if d >= time.Millisecond && hi-lo < d/4 {
			t.Errorf("jitter(%v): got values in [%v, %v], want them spread over [d/2, d]", d, lo, hi)
		}
	}
}
