package bench

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// catmullRom evaluates the uniform Catmull–Rom cubic through the samples
// at fractional index f: the cubic Hermite curve between samples i and
// i+1 whose tangents are the central differences (p[i+1]−p[i−1])/2. It
// passes through every sample, has a continuous first derivative, uses
// four samples only, and reproduces straight lines and constant speed
// exactly. Beyond the ends the samples are extended linearly
// (p[−1] = 2p[0] − p[1]), which keeps that true in the end intervals. f outside
// [0, len−1] gives NaN; a NaN neighbour gives NaN.
func catmullRom(p []r3.Vec, f float64) r3.Vec {
	n := len(p)
	if n == 0 || !(f >= 0) || f > float64(n-1) {
		return nanVec
	}
	i := int(math.Floor(f))
	if i == n-1 {
		return p[n-1]
	}
	t := f - float64(i)
	at := func(k int) r3.Vec {
		switch {
		case n == 1:
			return p[0]
		case k < 0:
			return r3.Sub(r3.Scale(2, p[0]), p[1])
		case k >= n:
			return r3.Sub(r3.Scale(2, p[n-1]), p[n-2])
		}
		return p[k]
	}
	p0, p1, p2, p3 := at(i-1), at(i), at(i+1), at(i+2)
	t2, t3 := t*t, t*t*t
	// Hermite basis with m1 = (p2−p0)/2, m2 = (p3−p1)/2.
	h00 := 2*t3 - 3*t2 + 1
	h10 := t3 - 2*t2 + t
	h01 := -2*t3 + 3*t2
	h11 := t3 - t2
	m1 := r3.Scale(0.5, r3.Sub(p2, p0))
	m2 := r3.Scale(0.5, r3.Sub(p3, p1))
	return r3.Add(r3.Add(r3.Scale(h00, p1), r3.Scale(h10, m1)), r3.Add(r3.Scale(h01, p2), r3.Scale(h11, m2)))
}
