package solve

import (
	"math"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// Triangulation is one point triangulated from several cameras.
type Triangulation struct {
	// X is the point, world coordinates (m).
	X r3.Vec
	// RMS is the weighted RMS reprojection error over the views used, px.
	RMS float64
	// Views is the number of cameras used.
	Views int
	// MaxAngle is the largest angle between two of the rays, radians. A
	// small one means the depth along the rays is poorly determined.
	MaxAngle float64
}

// Triangulate returns the point seen at the pixels of obs, each by
// cams[obs[i].Camera] with confidence obs[i].Weight (obs[i].Point is not
// read). Observations with a camera index out of range, a non-finite pixel,
// a weight that is not positive or a pixel that cannot be undistorted are
// skipped. ok is false when fewer than two remain or the geometry does not
// fix a point in front of the cameras (parallel rays, a point behind one of
// them).
//
// The first estimate is the linear one (DLT) over the undistorted rays, the
// cameras' normalised coordinates, with the world translated and scaled so
// that the camera centres are centred on the origin at unit mean distance
// (Hartley's normalisation, which keeps the 4×4 system well conditioned
// whatever the units and the distance from the origin). Gauss–Newton on
// the weighted pixel reprojection error, with the lens model, refines it:
// the DLT minimises an algebraic error that weights far cameras less.
func Triangulate(cams []calibration.Camera, obs []KeypointObs) (Triangulation, bool) {
	type ray struct {
		cam    *calibration.Camera
		x, y   float64 // normalised coordinates
		u, v   float64
		weight float64
	}
	var buf [16]ray
	rays := buf[:0]
	for _, o := range obs {
		if o.Camera < 0 || o.Camera >= len(cams) || !(o.Weight > 0) || math.IsInf(o.Weight, 0) ||
			math.IsNaN(o.U) || math.IsNaN(o.V) || math.IsInf(o.U, 0) || math.IsInf(o.V, 0) {
			continue
		}
		c := &cams[o.Camera]
		x, y, ok := c.Normalize(o.U, o.V)
		if !ok {
			continue
		}
		rays = append(rays, ray{c, x, y, o.U, o.V, o.Weight})
	}
	if len(rays) < 2 {
		return Triangulation{}, false
	}

	// Hartley's normalisation: X = centre + scale·X̃.
	var centre r3.Vec
	for _, r := range rays {
		centre = r3.Add(centre, r.cam.Center())
	}
	centre = r3.Scale(1/float64(len(rays)), centre)
	var scale float64
	for _, r := range rays {
		scale += r3.Norm(r3.Sub(r.cam.Center(), centre))
	}
	scale /= float64(len(rays))
	if !(scale > 0) {
		// All centres coincide: no parallax at all.
		return Triangulation{}, false
	}

	// Each ray gives two rows x·p3 − p1, y·p3 − p2 of A·X̃h = 0, with p the
	// rows of [R | T] expressed in the normalised coordinates: p·(centre +
	// scale·X̃, 1) = scale·p₁₋₃·X̃ + (p₁₋₃·centre + p4).
	var ata [4][4]float64
	for _, r := range rays {
		var p [3][4]float64
		tc := r.cam.ToCamera(centre)
		for i := range 3 {
			p[i] = [4]float64{scale * r.cam.R[i][0], scale * r.cam.R[i][1], scale * r.cam.R[i][2]}
		}
		p[0][3], p[1][3], p[2][3] = tc.X, tc.Y, tc.Z
		w := math.Sqrt(r.weight)
		for k, m := range [2]float64{r.x, r.y} {
			var row [4]float64
			for j := range 4 {
				row[j] = w * (m*p[2][j] - p[k][j])
			}
			for i := range 4 {
				for j := range 4 {
					ata[i][j] += row[i] * row[j]
				}
			}
		}
	}
	sym := mat.NewSymDense(4, nil)
	for i := range 4 {
		for j := i; j < 4; j++ {
			sym.SetSym(i, j, ata[i][j])
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, true) {
		return Triangulation{}, false
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	// Eigenvalues come in ascending order: column 0 is the null vector.
	h := [4]float64{vecs.At(0, 0), vecs.At(1, 0), vecs.At(2, 0), vecs.At(3, 0)}
	if math.Abs(h[3]) < 1e-12*math.Sqrt(h[0]*h[0]+h[1]*h[1]+h[2]*h[2]) {
		// A point at infinity: the rays are parallel.
		return Triangulation{}, false
	}
	X := r3.Add(centre, r3.Scale(scale/h[3], r3.Vec{X: h[0], Y: h[1], Z: h[2]}))

	// Gauss–Newton on Σ w·‖π(X) − (u, v)‖², with a halving line search so
	// that the cost never increases.
	cost := func(X r3.Vec) float64 {
		var s float64
		for _, r := range rays {
			u, v, ok := r.cam.Project(X)
			if !ok {
				return math.Inf(1)
			}
			s += r.weight * ((u-r.u)*(u-r.u) + (v-r.v)*(v-r.v))
		}
		return s
	}
	f := cost(X)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return Triangulation{}, false
	}
	for range 10 {
		var h [3][3]float64
		var g [3]float64
		for _, r := range rays {
			u, v, J, _ := r.cam.ProjectJacobian(X)
			e := [2]float64{u - r.u, v - r.v}
			for i := range 3 {
				g[i] += r.weight * (J[0][i]*e[0] + J[1][i]*e[1])
				for j := range 3 {
					h[i][j] += r.weight * (J[0][i]*J[0][j] + J[1][i]*J[1][j])
				}
			}
		}
		d, ok := solve3(h, [3]float64{-g[0], -g[1], -g[2]})
		if !ok {
			break
		}
		step := r3.Vec{X: d[0], Y: d[1], Z: d[2]}
		improved := false
		for range 8 {
			if fn := cost(r3.Add(X, step)); fn < f {
				X, f, improved = r3.Add(X, step), fn, true
				break
			}
			step = r3.Scale(0.5, step)
		}
		if !improved || r3.Norm(step) < 1e-10*(1+r3.Norm(X)) {
			break
		}
	}

	var sw float64
	var maxAngle float64
	for i, r := range rays {
		sw += r.weight
		di := m3tvec(r.cam.R, r3.Unit(r3.Vec{X: r.x, Y: r.y, Z: 1}))
		for _, q := range rays[:i] {
			dj := m3tvec(q.cam.R, r3.Unit(r3.Vec{X: q.x, Y: q.y, Z: 1}))
			maxAngle = math.Max(maxAngle, math.Atan2(r3.Norm(r3.Cross(di, dj)), r3.Dot(di, dj)))
		}
	}
	return Triangulation{X: X, RMS: math.Sqrt(f / sw), Views: len(rays), MaxAngle: maxAngle}, true
}

// solve3 solves the symmetric positive definite system a·x = b by
// Cholesky. ok is false when a is not positive definite to working
// precision.
func solve3(a [3][3]float64, b [3]float64) ([3]float64, bool) {
	var l [9]float64
	flat := [9]float64{a[0][0], a[0][1], a[0][2], a[1][0], a[1][1], a[1][2], a[2][0], a[2][1], a[2][2]}
	if !cholesky(l[:], flat[:], 3) {
		return [3]float64{}, false
	}
	x := b
	cholSolve(l[:], x[:], 3)
	return x, true
}

// cholesky writes into l (n×n, row-major) the lower Cholesky factor of the
// symmetric matrix a (only its lower triangle is read). ok is false when a
// pivot is not positive relative to the diagonal's scale, as for a
// singular matrix.
func cholesky(l, a []float64, n int) bool {
	var dmax float64
	for i := range n {
		dmax = math.Max(dmax, math.Abs(a[i*n+i]))
	}
	tiny := 1e-14 * dmax
	for i := range n {
		for j := 0; j <= i; j++ {
			s := a[i*n+j]
			for k := range j {
				s -= l[i*n+k] * l[j*n+k]
			}
			if i == j {
				if !(s > tiny) {
					return false
				}
				l[i*n+i] = math.Sqrt(s)
			} else {
				l[i*n+j] = s / l[j*n+j]
			}
		}
		for j := i + 1; j < n; j++ {
			l[i*n+j] = 0
		}
	}
	return true
}

// cholSolve overwrites b with the solution of (l·lᵀ)·x = b.
func cholSolve(l, b []float64, n int) {
	for i := range n {
		s := b[i]
		for k := range i {
			s -= l[i*n+k] * b[k]
		}
		b[i] = s / l[i*n+i]
	}
	for i := n - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < n; k++ {
			s -= l[k*n+i] * b[k]
		}
		b[i] = s / l[i*n+i]
	}
}
