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

// RotationVector returns the rotation vector of the rotation matrix R (axis
// times angle), the inverse of Rodrigues, with the angle in [0, π]. It goes
// through the unit quaternion, taking the largest of its four components
// first, so it keeps full precision at every angle, π included.
func RotationVector(R [3][3]float64) r3.Vec {
	tr := R[0][0] + R[1][1] + R[2][2]
	var w, x, y, z float64
	switch {
	case tr >= R[0][0] && tr >= R[1][1] && tr >= R[2][2]:
		f := 2 * math.Sqrt(1+tr) // 4w
		w, x, y, z = f/4, (R[2][1]-R[1][2])/f, (R[0][2]-R[2][0])/f, (R[1][0]-R[0][1])/f
	case R[0][0] >= R[1][1] && R[0][0] >= R[2][2]:
		f := 2 * math.Sqrt(1+R[0][0]-R[1][1]-R[2][2]) // 4x
		w, x, y, z = (R[2][1]-R[1][2])/f, f/4, (R[0][1]+R[1][0])/f, (R[0][2]+R[2][0])/f
	case R[1][1] >= R[2][2]:
		f := 2 * math.Sqrt(1+R[1][1]-R[0][0]-R[2][2]) // 4y
		w, x, y, z = (R[0][2]-R[2][0])/f, (R[0][1]+R[1][0])/f, f/4, (R[1][2]+R[2][1])/f
	default:
		f := 2 * math.Sqrt(1+R[2][2]-R[0][0]-R[1][1]) // 4z
		w, x, y, z = (R[1][0]-R[0][1])/f, (R[0][2]+R[2][0])/f, (R[1][2]+R[2][1])/f, f/4
	}
	if w < 0 { // q and −q are one rotation; w ≥ 0 keeps the angle in [0, π]
		w, x, y, z = -w, -x, -y, -z
	}
	s := math.Sqrt(x*x + y*y + z*z) // sin(θ/2)
	if s == 0 {
		return r3.Vec{}
	}
	k := 2 * math.Atan2(s, w) / s
	return r3.Vec{X: k * x, Y: k * y, Z: k * z}
}

// MatMul returns the product a·b of two 3×3 matrices: the rotation b
// followed by a.
func MatMul(a, b [3][3]float64) [3][3]float64 {
	var c [3][3]float64
	for i := range 3 {
		for j := range 3 {
			c[i][j] = a[i][0]*b[0][j] + a[i][1]*b[1][j] + a[i][2]*b[2][j]
		}
	}
	return c
}

// Transpose returns aᵀ, a rotation's inverse.
func Transpose(a [3][3]float64) [3][3]float64 {
	return [3][3]float64{
		{a[0][0], a[1][0], a[2][0]},
		{a[0][1], a[1][1], a[2][1]},
		{a[0][2], a[1][2], a[2][2]},
	}
}

// MatVec returns a·v.
func MatVec(a [3][3]float64, v r3.Vec) r3.Vec {
	return r3.Vec{
		X: a[0][0]*v.X + a[0][1]*v.Y + a[0][2]*v.Z,
		Y: a[1][0]*v.X + a[1][1]*v.Y + a[1][2]*v.Z,
		Z: a[2][0]*v.X + a[2][1]*v.Y + a[2][2]*v.Z,
	}
}
