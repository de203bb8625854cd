package kinematics

import (
	"math"
	"sort"
)

// poly is x(t) ≈ c0 + c1·(t−te) + c2·(t−te)² about an evaluation time te:
// c0 is the value at te, c1 the slope, 2·c2 the curvature.
type poly struct{ c0, c1, c2 float64 }

// minFitSpan is the fraction of a window the samples must span for a fit to
// count: a fit over a few samples left after a gap is not reported.
const minFitSpan = 0.5

// windowFit fits a quadratic by least squares to the samples (ts, xs) whose
// times lie in [lo, hi] (ts increasing), about te. It reports false with
// fewer than three samples, or when they span less than minFitSpan of
// hi−lo.
func windowFit(ts, xs []float64, lo, hi, te float64) (poly, bool) {
	const eps = 1e-6 // s, so that a sample exactly on a window edge is in
	i := sort.SearchFloat64s(ts, lo-eps)
	j := sort.SearchFloat64s(ts, hi+eps)
	if j-i < 3 || ts[j-1]-ts[i] < minFitSpan*(hi-lo) {
		return poly{}, false
	}
	return fitQuad(ts[i:j], xs[i:j], te, hi-lo)
}

// fitQuad fits a quadratic about te to all the samples; scale is a time
// scale for conditioning (the window length).
func fitQuad(ts, xs []float64, te, scale float64) (poly, bool) {
	var s0, s1, s2, s3, s4, r0, r1, r2 float64
	for k, t := range ts {
		u := (t - te) / scale
		u2 := u * u
		x := xs[k]
		s0++
		s1 += u
		s2 += u2
		s3 += u2 * u
		s4 += u2 * u2
		r0 += x
		r1 += x * u
		r2 += x * u2
	}
	// Normal equations [s0 s1 s2; s1 s2 s3; s2 s3 s4]·c = r, by Cramer's
	// rule (the matrix is 3×3, symmetric and well scaled by u).
	det := s0*(s2*s4-s3*s3) - s1*(s1*s4-s3*s2) + s2*(s1*s3-s2*s2)
	if !(math.Abs(det) > 1e-12*s0*s0*s0) {
		return poly{}, false
	}
	c0 := (r0*(s2*s4-s3*s3) - s1*(r1*s4-s3*r2) + s2*(r1*s3-s2*r2)) / det
	c1 := (s0*(r1*s4-r2*s3) - r0*(s1*s4-s3*s2) + s2*(s1*r2-r1*s2)) / det
	c2 := (s0*(s2*r2-s3*r1) - s1*(s1*r2-s2*r1) + r0*(s1*s3-s2*s2)) / det
	return poly{c0: c0, c1: c1 / scale, c2: c2 / (scale * scale)}, true
}

// span returns the window of length w for a value at t: trailing for the
// live analysis, centred for the offline one.
func span(t, w float64, centred bool) (lo, hi float64) {
	if centred {
		return t - w/2, t + w/2
	}
	return t - w, t
}

// fitSpeed sets the speed (and, offline, the smoothed X), the smoothed
// speed and the acceleration of s from the pelvis track (ts, xs) about
// s.T, with their flags.
func fitSpeed(s *Sample, c *Config, ts, xs []float64, centred bool) {
	t := s.T
	lo, hi := span(t, c.SpeedWindow, centred)
	if q, ok := windowFit(ts, xs, lo, hi, t); ok {
		if centred {
			s.X = q.c0
		}
		s.Speed = q.c1
		s.Valid |= FieldSpeed
	}
	lo, hi = span(t, c.SmoothWindow, centred)
	if q, ok := windowFit(ts, xs, lo, hi, t); ok {
		s.SmoothSpeed = q.c1
		s.Valid |= FieldSmoothSpeed
	}
	lo, hi = span(t, c.AccelWindow, centred)
	if q, ok := windowFit(ts, xs, lo, hi, t); ok {
		s.Accel = 2 * q.c2
		s.Valid |= FieldAccel
	}
}
