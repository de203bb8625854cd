package calibration

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// Rodrigues returns the rotation matrix of the rotation vector w (axis
// times angle in radians), as OpenCV's cv::Rodrigues.
func Rodrigues(w r3.Vec) [3][3]float64 {
	th := r3.Norm(w)
	if th < 1e-15 {
		return [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	}
	k := r3.Scale(1/th, w)
	c, s := math.Cos(th), math.Sin(th)
	v := 1 - c
	return [3][3]float64{
		{c + k.X*k.X*v, k.X*k.Y*v - k.Z*s, k.X*k.Z*v + k.Y*s},
		{k.Y*k.X*v + k.Z*s, c + k.Y*k.Y*v, k.Y*k.Z*v - k.X*s},
		{k.Z*k.X*v - k.Y*s, k.Z*k.Y*v + k.X*s, c + k.Z*k.Z*v},
	}
}

// RotationVector returns the rotation vector of the rotation matrix R, the
// inverse of Rodrigues, with the angle in [0, π].
func RotationVector(R [3][3]float64) r3.Vec {
	tr := R[0][0] + R[1][1] + R[2][2]
	c := math.Max(-1, math.Min(1, (tr-1)/2))
	th := math.Acos(c)
	if th < 1e-12 {
		return r3.Vec{}
	}
	if math.Pi-th > 1e-6 {
		s := 2 * math.Sin(th)
		return r3.Scale(th/s, r3.Vec{X: R[2][1] - R[1][2], Y: R[0][2] - R[2][0], Z: R[1][0] - R[0][1]})
	}
	// Near π: the axis from the symmetric part, R = 2kkᵀ − I.
	k := r3.Vec{
		X: math.Sqrt(math.Max(0, (R[0][0]+1)/2)),
		Y: math.Sqrt(math.Max(0, (R[1][1]+1)/2)),
		Z: math.Sqrt(math.Max(0, (R[2][2]+1)/2)),
	}
	switch {
	case k.X >= k.Y && k.X >= k.Z:
		k.Y = math.Copysign(k.Y, R[0][1]+R[1][0])
		k.Z = math.Copysign(k.Z, R[0][2]+R[2][0])
	case k.Y >= k.Z:
		k.X = math.Copysign(k.X, R[0][1]+R[1][0])
		k.Z = math.Copysign(k.Z, R[1][2]+R[2][1])
	default:
		k.X = math.Copysign(k.X, R[0][2]+R[2][0])
		k.Y = math.Copysign(k.Y, R[1][2]+R[2][1])
	}
	return r3.Scale(th, r3.Unit(k))
}
