package solve

import (
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
)

// schurProblem is a least-squares problem whose unknowns split into a few
// "cameras" and many "points" (board poses, 3D points), each residual
// involving one of each, for schurLM.
type schurProblem interface {
	// linearize writes the normal equations at the current estimate into
	// sys (reset first) and returns the cost.
	linearize(sys *blockSystem) float64
	// tryStep makes a candidate of the current estimate moved by the camera
	// step dc and the point step dp, and returns its cost (+Inf when it is
	// not admissible).
	tryStep(dc, dp []float64) float64
	// accept makes the candidate the current estimate.
	accept()
}

// schurStop says when schurLM stops: after maxIter iterations, or when an
// accepted step lowers the cost by less than tol of it, or moves the
// cameras by less than 0.1 % of their standard deviation. dof, the number
// of residuals less the free parameters, turns the cost into a residual
// variance for the latter.
type schurStop struct {
	maxIter int
	tol     float64
	dof     int
}

// schurLM minimises p's cost by Levenberg–Marquardt and returns the number
// of iterations. Besides stop's criteria, it stops when the gradient
// vanishes or the damping grows past any use.
//
// The camera-step criterion matters under Huber's loss: reweighting
// converges only linearly, and with heavy-tailed errors the cost keeps
// creeping down long after the cameras have stopped moving.
func schurLM(p schurProblem, sys *blockSystem, stop schurStop) int {
	cost := p.linearize(sys)
	dc := make([]float64, sys.nc*sys.pc)
	dp := make([]float64, sys.np*sys.pp)
	lambda, nu := 1e-4, 2.0
	iter := 0
	for iter < stop.maxIter {
		iter++
		if sys.gradNorm() <= 1e-12*(1+cost) {
			break
		}
		if !sys.solve(lambda, dc, dp) {
			lambda, nu = lambda*nu, nu*2
			if lambda > 1e16 {
				break
			}
			continue
		}
		pred := sys.predicted(lambda, dc, dp)
		next := p.tryStep(dc, dp)
		rho := (cost - next) / pred
		if pred > 0 && rho > 0 && !math.IsInf(next, 0) && !math.IsNaN(next) {
			p.accept()
			// The camera step in standard deviations, squared: δcᵀ·S·δc
			// over the residual variance 2·cost/dof.
			steps := sys.cameraStep(dc) * float64(stop.dof) / (2 * cost)
			done := cost-next <= stop.tol*cost || steps < 1e-6
			lambda *= math.Max(1.0/3, 1-math.Pow(2*rho-1, 3))
			nu = 2
			cost = p.linearize(sys)
			if done {
				break
			}
			continue
		}
		lambda, nu = lambda*nu, nu*2
		if lambda > 1e16 {
			break
		}
	}
	return iter
}

// blockSystem holds the Gauss–Newton normal equations H·δ = −g of a
// schurProblem:
//
//	[ U  W ] [δc]     [gc]
//	[ Wᵀ V ] [δp] = − [gp]
//
// U is block diagonal (one pc×pc block per camera), V block diagonal (one
// pp×pp block per point) and W holds one pc×pp block per (camera, point)
// pair that shares residuals. Parameters marked fixed keep their value.
type blockSystem struct {
	nc, pc, np, pp int
	pairCam        []int
	pairPt         []int
	ptStart        []int // the pairs of point i are ptStart[i]:ptStart[i+1]
	fixed          []bool

	u, v, w []float64
	gc, gp  []float64

	// Work space of solve.
	vinv, y   []float64
	lbuf, vd  []float64
	blk       []float64
	s         []float64
	rhs       []float64
	dampC     []float64
	dampP     []float64
	chol      mat.Cholesky
	dcVec     mat.VecDense
	rhsVec    *mat.VecDense
	symmetric *mat.SymDense
}

// newBlockSystem returns the system of nc cameras of pc parameters and np
// points of pp parameters, with the (camera, point) pairs given in order of
// point.
func newBlockSystem(nc, pc, np, pp int, pairCam, pairPt []int) *blockSystem {
	s := &blockSystem{
		nc: nc, pc: pc, np: np, pp: pp,
		pairCam: pairCam, pairPt: pairPt,
		ptStart: make([]int, np+1),
		fixed:   make([]bool, nc*pc),
		u:       make([]float64, nc*pc*pc),
		v:       make([]float64, np*pp*pp),
		w:       make([]float64, len(pairCam)*pc*pp),
		gc:      make([]float64, nc*pc),
		gp:      make([]float64, np*pp),
		vinv:    make([]float64, np*pp*pp),
		y:       make([]float64, len(pairCam)*pc*pp),
		lbuf:    make([]float64, pp*pp),
		vd:      make([]float64, pp*pp),
		blk:     make([]float64, pc*pc),
		s:       make([]float64, nc*pc*nc*pc),
		rhs:     make([]float64, nc*pc),
		dampC:   make([]float64, nc*pc),
		dampP:   make([]float64, np*pp),
	}
	for _, p := range pairPt {
		s.ptStart[p+1]++
	}
	for i := range np {
		s.ptStart[i+1] += s.ptStart[i]
	}
	s.rhsVec = mat.NewVecDense(nc*pc, s.rhs)
	s.symmetric = mat.NewSymDense(nc*pc, s.s)
	return s
}

func (s *blockSystem) reset() {
	clear(s.u)
	clear(s.v)
	clear(s.w)
	clear(s.gc)
	clear(s.gp)
}

// add accumulates one weighted residual r of pair: jc (2×pc) and jp (2×pp)
// are its Jacobian rows, row-major. Only the lower triangles of the U and
// V blocks are accumulated; solve mirrors them.
func (s *blockSystem) add(pair int, jc, jp []float64, r [2]float64, wt float64) {
	pc, pp := s.pc, s.pp
	c, p := s.pairCam[pair], s.pairPt[pair]
	u := s.u[c*pc*pc : (c+1)*pc*pc]
	v := s.v[p*pp*pp : (p+1)*pp*pp]
	w := s.w[pair*pc*pp : (pair+1)*pc*pp]
	gc := s.gc[c*pc : (c+1)*pc]
	gp := s.gp[p*pp : (p+1)*pp]
	a0, a1 := jc[:pc], jc[pc:2*pc]
	b0, b1 := jp[:pp], jp[pp:2*pp]
	for i := range pc {
		x0, x1 := wt*a0[i], wt*a1[i]
		row := u[i*pc : i*pc+i+1]
		for j := range row {
			row[j] += x0*a0[j] + x1*a1[j]
		}
		wr := w[i*pp : (i+1)*pp]
		for j := range wr {
			wr[j] += x0*b0[j] + x1*b1[j]
		}
		gc[i] += x0*r[0] + x1*r[1]
	}
	for i := range pp {
		x0, x1 := wt*b0[i], wt*b1[i]
		row := v[i*pp : i*pp+i+1]
		for j := range row {
			row[j] += x0*b0[j] + x1*b1[j]
		}
		gp[i] += x0*r[0] + x1*r[1]
	}
}

func (s *blockSystem) gradNorm() float64 {
	var m float64
	for i, g := range s.gc {
		if !s.fixed[i] {
			m = math.Max(m, math.Abs(g))
		}
	}
	for _, g := range s.gp {
		m = math.Max(m, math.Abs(g))
	}
	return m
}

// damping returns Marquardt's scale of a parameter: its diagonal entry in
// the normal matrix, kept away from zero for parameters that the data do
// not (yet) constrain.
func damping(d float64) float64 { return math.Max(d, 1e-6) }

// reduce writes the reduced camera system of (H + λ·D)·δ = −g, D the
// diagonal of H, into s.s and s.rhs, and each point's damped V⁻¹ into
// s.vinv. ok is false when a point's block is not positive definite.
func (s *blockSystem) reduce(lambda float64) bool {
	pc, pp, n := s.pc, s.pp, s.nc*s.pc
	// S = U + λ·D, mirrored from the lower triangles of U's blocks.
	clear(s.s)
	for c := range s.nc {
		u := s.u[c*pc*pc : (c+1)*pc*pc]
		for i := range pc {
			for j := 0; j <= i; j++ {
				a := u[i*pc+j]
				s.s[(c*pc+i)*n+c*pc+j] = a
				s.s[(c*pc+j)*n+c*pc+i] = a
			}
			k := c*pc + i
			s.dampC[k] = damping(u[i*pc+i])
			s.s[k*n+k] += lambda * s.dampC[k]
			s.rhs[k] = -s.gc[k]
		}
	}
	// Eliminate the points: S −= W·V⁻¹·Wᵀ, rhs += W·V⁻¹·gp.
	vd := s.vd
	for p := range s.np {
		v := s.v[p*pp*pp : (p+1)*pp*pp]
		for i := range pp {
			for j := 0; j <= i; j++ {
				vd[i*pp+j] = v[i*pp+j]
				vd[j*pp+i] = v[i*pp+j]
			}
			s.dampP[p*pp+i] = damping(v[i*pp+i])
			vd[i*pp+i] += lambda * s.dampP[p*pp+i]
		}
		if !cholesky(s.lbuf, vd, pp) {
			return false
		}
		vinv := s.vinv[p*pp*pp : (p+1)*pp*pp]
		for j := range pp {
			col := vinv[j*pp : (j+1)*pp] // V⁻¹ is symmetric: rows are columns
			clear(col)
			col[j] = 1
			cholSolve(s.lbuf, col, pp)
		}
		gp := s.gp[p*pp : (p+1)*pp]
		lo, hi := s.ptStart[p], s.ptStart[p+1]
		for a := lo; a < hi; a++ {
			wa := s.w[a*pc*pp : (a+1)*pc*pp]
			ya := s.y[a*pc*pp : (a+1)*pc*pp]
			matMul(ya, wa, vinv, pc, pp, pp)
			ca := s.pairCam[a]
			for i := range pc {
				var t float64
				for k := range pp {
					t += ya[i*pp+k] * gp[k]
				}
				s.rhs[ca*pc+i] += t
			}
			for b := lo; b <= a; b++ {
				// S[ca][cb] −= ya·wbᵀ. Only the upper triangle of S is
				// read (SymDense), so each block goes above the diagonal.
				wb := s.w[b*pc*pp : (b+1)*pc*pp]
				blk := s.blk
				outerT(blk, ya, wb, pc, pp)
				cb := s.pairCam[b]
				if ca <= cb {
					for i := range pc {
						row := s.s[(ca*pc+i)*n+cb*pc : (ca*pc+i)*n+cb*pc+pc]
						for j, x := range blk[i*pc : (i+1)*pc] {
							row[j] -= x
						}
					}
				} else {
					for j := range pc {
						row := s.s[(cb*pc+j)*n+ca*pc : (cb*pc+j)*n+ca*pc+pc]
						for i := range row {
							row[i] -= blk[i*pc+j]
						}
					}
				}
			}
		}
	}
	// Fixed parameters: identity rows and columns, zero right-hand side.
	for k, f := range s.fixed {
		if !f {
			continue
		}
		for j := range n {
			s.s[k*n+j] = 0
			s.s[j*n+k] = 0
		}
		s.s[k*n+k] = 1
		s.rhs[k] = 0
	}
	return true
}

// solve writes into dc and dp the solution of (H + λ·D)·δ = −g. ok is
// false when a block or the reduced camera system is not positive
// definite: the caller raises λ.
func (s *blockSystem) solve(lambda float64, dc, dp []float64) bool {
	pc, pp, n := s.pc, s.pp, s.nc*s.pc
	if !s.reduce(lambda) {
		return false
	}
	if !s.chol.Factorize(s.symmetric) {
		return false
	}
	s.dcVec.Reset()
	if err := s.chol.SolveVecTo(&s.dcVec, s.rhsVec); err != nil {
		// Only a near-singular condition is reported here; the step may
		// still be fine, and the gain ratio judges it.
		if _, ok := err.(mat.Condition); !ok {
			return false
		}
	}
	for k := range n {
		dc[k] = s.dcVec.AtVec(k)
		if s.fixed[k] {
			dc[k] = 0
		}
	}
	// Back substitution: δp = V⁻¹·(−gp − Wᵀ·δc).
	t := s.vd[:pp]
	for p := range s.np {
		gp := s.gp[p*pp : (p+1)*pp]
		for k := range pp {
			t[k] = -gp[k]
		}
		for a := s.ptStart[p]; a < s.ptStart[p+1]; a++ {
			wa := s.w[a*pc*pp : (a+1)*pc*pp]
			d := dc[s.pairCam[a]*pc : (s.pairCam[a]+1)*pc]
			for i := range pc {
				for k := range pp {
					t[k] -= wa[i*pp+k] * d[i]
				}
			}
		}
		vinv := s.vinv[p*pp*pp : (p+1)*pp*pp]
		out := dp[p*pp : (p+1)*pp]
		for i := range pp {
			var x float64
			for k := range pp {
				x += vinv[i*pp+k] * t[k]
			}
			out[i] = x
		}
	}
	return true
}

// cameraCovariance returns the inverse of the undamped reduced camera
// system, the camera parameters' covariance up to the residual variance:
// the marginal of H⁻¹ over the cameras. Rows and columns of fixed
// parameters are meaningless. ok is false when the system is singular.
func (s *blockSystem) cameraCovariance() (*mat.SymDense, bool) {
	if !s.reduce(0) || !s.chol.Factorize(s.symmetric) {
		return nil, false
	}
	var inv mat.SymDense
	if err := s.chol.InverseTo(&inv); err != nil {
		return nil, false
	}
	return &inv, true
}

// poseSD returns the standard deviations (root-sum-square over the three
// axes) of a camera's rotation, radians, and of its optical centre, m,
// from the covariance cov of its parameters (δω, δt) starting at row k.
// With the update R ← exp([δω]×)·R, T ← T + δt, the centre C = −Rᵀ·T has
// dC/dδω = −Rᵀ·[T]× and dC/dδt = −Rᵀ. When tangent is not nil the camera's
// centre is parametrised instead by two tangent steps along it (the
// scale camera of RefineFromKeypoints): dC/dδω = 0, dC/d(a, b) = tangent.
func poseSD(cov *mat.SymDense, k int, R [3][3]float64, T r3.Vec, tangent *[2]r3.Vec) (rot, centre float64) {
	rot = math.Sqrt(math.Max(0, cov.At(k, k)+cov.At(k+1, k+1)+cov.At(k+2, k+2)))
	// J is 3×6: dC/d(δω, δt).
	var J [3][6]float64
	if tangent != nil {
		for i := range 3 {
			J[i][3] = [3]float64{tangent[0].X, tangent[0].Y, tangent[0].Z}[i]
			J[i][4] = [3]float64{tangent[1].X, tangent[1].Y, tangent[1].Z}[i]
		}
	} else {
		rt := calibration.Transpose(R)
		tx := [3][3]float64{{0, -T.Z, T.Y}, {T.Z, 0, -T.X}, {-T.Y, T.X, 0}}
		a := calibration.MatMul(rt, tx)
		for i := range 3 {
			for j := range 3 {
				J[i][j] = -a[i][j]
				J[i][3+j] = -rt[i][j]
			}
		}
	}
	var tr float64
	for i := range 3 {
		for a := range 6 {
			for b := range 6 {
				tr += J[i][a] * cov.At(k+a, k+b) * J[i][b]
			}
		}
	}
	return rot, math.Sqrt(math.Max(0, tr))
}

// cameraStep returns δcᵀ·S·δc, S the reduced camera system of the last
// solve (its upper triangle: the lower one is not kept).
func (s *blockSystem) cameraStep(dc []float64) float64 {
	n := s.nc * s.pc
	var q float64
	for i := range n {
		if dc[i] == 0 {
			continue
		}
		q += s.s[i*n+i] * dc[i] * dc[i]
		for j := i + 1; j < n; j++ {
			q += 2 * s.s[i*n+j] * dc[i] * dc[j]
		}
	}
	return q
}

// predicted returns the decrease of the cost that the linear model
// predicts for the step δ solving (H + λ·D)·δ = −g: −gᵀδ − ½·δᵀHδ, which
// is ½·(λ·δᵀDδ − gᵀδ).
func (s *blockSystem) predicted(lambda float64, dc, dp []float64) float64 {
	var gd, dd float64
	for k, d := range dc {
		gd += s.gc[k] * d
		dd += s.dampC[k] * d * d
	}
	for k, d := range dp {
		gd += s.gp[k] * d
		dd += s.dampP[k] * d * d
	}
	return 0.5 * (lambda*dd - gd)
}

// outerT writes a·bᵀ into dst (r×r): a and b are r×k, row-major. The
// point blocks of this package have k = 3 (3D points) or 6 (poses), which
// get unrolled loops: this is the innermost loop of the Schur complement.
func outerT(dst, a, b []float64, r, k int) {
	switch k {
	case 3:
		for i := range r {
			x := (*[3]float64)(a[i*3:])
			d := dst[i*r : (i+1)*r]
			for j := range d {
				y := (*[3]float64)(b[j*3:])
				d[j] = x[0]*y[0] + x[1]*y[1] + x[2]*y[2]
			}
		}
	case 6:
		for i := range r {
			x := (*[6]float64)(a[i*6:])
			d := dst[i*r : (i+1)*r]
			for j := range d {
				y := (*[6]float64)(b[j*6:])
				d[j] = x[0]*y[0] + x[1]*y[1] + x[2]*y[2] + x[3]*y[3] + x[4]*y[4] + x[5]*y[5]
			}
		}
	default:
		for i := range r {
			x := a[i*k : (i+1)*k]
			d := dst[i*r : (i+1)*r]
			for j := range d {
				y := b[j*k : (j+1)*k]
				var t float64
				for l, v := range x {
					t += v * y[l]
				}
				d[j] = t
			}
		}
	}
}

// matMul writes a·b into dst: a is r×k, b is k×c, row-major.
func matMul(dst, a, b []float64, r, k, c int) {
	for i := range r {
		ar := a[i*k : (i+1)*k]
		dr := dst[i*c : (i+1)*c]
		clear(dr)
		for l, x := range ar {
			br := b[l*c : (l+1)*c]
			for j := range dr {
				dr[j] += x * br[j]
			}
		}
	}
}

// perCameraRMS returns the overall and per-camera RMS of n observations'
// squared errors, and the number of observations per camera; obs gives
// observation i's camera and squared error.
func perCameraRMS(ncams, n int, obs func(i int) (cam int, sq float64)) (float64, []float64, []int) {
	ss := make([]float64, ncams)
	cnt := make([]int, ncams)
	var all float64
	for i := range n {
		c, e := obs(i)
		ss[c] += e
		cnt[c]++
		all += e
	}
	for c := range ss {
		if cnt[c] > 0 {
			ss[c] = math.Sqrt(ss[c] / float64(cnt[c]))
		}
	}
	if n == 0 {
		return 0, ss, cnt
	}
	return math.Sqrt(all / float64(n)), ss, cnt
}
