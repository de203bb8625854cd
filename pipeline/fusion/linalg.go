package fusion

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// eigSym4 returns the eigenvalues of the symmetric matrix a in ascending
// order and their unit eigenvectors, by cyclic Jacobi rotations: accurate
// to the last bits for the small, possibly ill-conditioned normal matrices
// of triangulation, and allocation-free.
func eigSym4(a [4][4]float64) (vals [4]float64, vecs [4][4]float64) {
	var v [4][4]float64
	for i := range 4 {
		v[i][i] = 1
	}
	for sweep := 0; sweep < 50; sweep++ {
		off, diag := 0.0, 0.0
		for p := range 4 {
			diag += a[p][p] * a[p][p]
			for q := p + 1; q < 4; q++ {
				off += a[p][q] * a[p][q]
			}
		}
		// Converged when the off-diagonal part is below float64 resolution
		// of the diagonal: further rotations change nothing.
		if off <= 1e-30*diag {
			break
		}
		for p := range 4 {
			for q := p + 1; q < 4; q++ {
				// An element negligible beside both diagonal entries is
				// zero to float64: rotating it away changes nothing.
				if math.Abs(a[p][q]) <= 1e-18*math.Sqrt(math.Abs(a[p][p]*a[q][q])) {
					a[p][q], a[q][p] = 0, 0
					continue
				}
				theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range 4 {
					akp, akq := a[k][p], a[k][q]
					a[k][p], a[k][q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := range 4 {
					apk, aqk := a[p][k], a[q][k]
					a[p][k], a[q][k] = c*apk-s*aqk, s*apk+c*aqk
				}
				for k := range 4 {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p], v[k][q] = c*vkp-s*vkq, s*vkp+c*vkq
				}
			}
		}
	}
	idx := [4]int{0, 1, 2, 3}
	for i := 1; i < 4; i++ {
		for j := i; j > 0 && a[idx[j]][idx[j]] < a[idx[j-1]][idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	for k, c := range idx {
		vals[k] = a[c][c]
		for r := range 4 {
			vecs[k][r] = v[r][c]
		}
	}
	return vals, vecs
}

// solve3 solves h·x = g by Cramer's rule; ok is false when h is singular.
func solve3(h [3][3]float64, g [3]float64) (r3.Vec, bool) {
	det := h[0][0]*(h[1][1]*h[2][2]-h[1][2]*h[2][1]) -
		h[0][1]*(h[1][0]*h[2][2]-h[1][2]*h[2][0]) +
		h[0][2]*(h[1][0]*h[2][1]-h[1][1]*h[2][0])
	scale := math.Abs(h[0][0]*h[1][1]*h[2][2]) + 1e-300
	if !(math.Abs(det) > 1e-14*scale) {
		return r3.Vec{}, false
	}
	col := func(k int) float64 {
		var m [3][3]float64
		for i := range 3 {
			for j := range 3 {
				m[i][j] = h[i][j]
				if j == k {
					m[i][j] = g[i]
				}
			}
		}
		return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
			m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
			m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	}
	return r3.Vec{X: col(0) / det, Y: col(1) / det, Z: col(2) / det}, true
}
