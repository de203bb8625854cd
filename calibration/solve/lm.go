package solve

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// lsProblem is a nonlinear least-squares problem: find the x ∈ ℝⁿ that
// minimises the cost ‖r(x)‖², r ∈ ℝᵐ.
type lsProblem struct {
	m, n int
	// residuals writes r(x) into r (length m). It returns false when x is
	// outside the model's domain (a point behind the camera); the solver
	// then treats the trial step as a failed one and damps harder.
	residuals func(r, x []float64) bool
	// jacobian writes ∂r/∂x at x into jac, an m×n row-major matrix that
	// the solver zeroes before each call, so it need only write the
	// non-zeros. nil means central differences of residuals.
	jacobian func(jac, x []float64)
}

// lmSettings are the stopping rules of the Levenberg–Marquardt solver.
// Zero values mean the defaults.
type lmSettings struct {
	// maxIter bounds the number of trial steps, accepted or not; 100.
	maxIter int
	// fTol stops when an accepted step lowers the cost by less than
	// fTol·cost; 1e-12.
	fTol float64
	// xTol stops when a step is shorter than xTol·(‖x‖ + xTol); 1e-12.
	xTol float64
}

// lmStop says why the solver stopped.
type lmStop int

const (
	lmCostConverged lmStop = iota // relative cost change below fTol
	lmStepConverged               // step below xTol
	lmZeroGradient                // exact fit, or a flat cost
	lmMaxIter                     // iteration budget spent
)

func (s lmStop) String() string {
	switch s {
	case lmCostConverged:
		return "cost converged"
	case lmStepConverged:
		return "step converged"
	case lmZeroGradient:
		return "zero gradient"
	case lmMaxIter:
		return "iteration limit"
	}
	return fmt.Sprintf("lmStop(%d)", int(s))
}

// lmResult reports a solve.
type lmResult struct {
	// iterations counts trial steps, accepted or not.
	iterations int
	// initialCost and cost are ‖r‖² at the start and at the solution.
	initialCost, cost float64
	stop              lmStop
}

// lmSolver is a dense Levenberg–Marquardt solver with Marquardt's diagonal
// scaling (the damping term is μ·diag(JᵀJ), so parameters in pixels and in
// radians are damped alike) and Nielsen's update of μ from the gain ratio.
// The normal matrix JᵀJ is accumulated row by row over each row's
// non-zeros, which makes the block-sparse Jacobians of calibration cheap
// without a sparse matrix type.
//
// A solver keeps its buffers between calls: after the first solve of a
// given size, solving allocates nothing but what the problem's callbacks
// do. It is not safe for concurrent use.
type lmSolver struct {
	lmSettings

	m, n int
	jac  []float64 // m×n, row-major
	r    []float64 // residuals at x
	rTry []float64 // residuals at x + h
	xTry []float64
	diag []float64 // Marquardt scaling, the running maximum of diag(JᵀJ)
	nz   []int     // column indices of one Jacobian row's non-zeros
	fdA  []float64 // central differences: r(x + δ)
	fdB  []float64 // central differences: r(x − δ)

	a, damped *mat.SymDense // JᵀJ and JᵀJ + μ·D
	g, h      *mat.VecDense // Jᵀr and the step
}

// reserve sizes the buffers for an m×n problem, keeping them when they fit.
func (s *lmSolver) reserve(m, n int) {
	if s.m == m && s.n == n {
		return
	}
	s.m, s.n = m, n
	s.jac = make([]float64, m*n)
	s.r = make([]float64, m)
	s.rTry = make([]float64, m)
	s.fdA = make([]float64, m)
	s.fdB = make([]float64, m)
	s.xTry = make([]float64, n)
	s.diag = make([]float64, n)
	s.nz = make([]int, 0, n)
	s.a = mat.NewSymDense(n, nil)
	s.damped = mat.NewSymDense(n, nil)
	s.g = mat.NewVecDense(n, nil)
	s.h = mat.NewVecDense(n, nil)
}

// minimize refines x in place. It fails with ErrNoSolution when the
// starting point is outside the model's domain or its cost is not finite;
// otherwise x is the best point found, never worse than the start.
func (s *lmSolver) minimize(p *lsProblem, x []float64) (lmResult, error) {
	if len(x) != p.n {
		panic(fmt.Sprintf("solve: lm: len(x) = %d, problem has %d parameters", len(x), p.n))
	}
	maxIter, fTol, xTol := s.maxIter, s.fTol, s.xTol
	if maxIter == 0 {
		maxIter = 100
	}
	if fTol == 0 {
		fTol = 1e-12
	}
	if xTol == 0 {
		xTol = 1e-12
	}
	s.reserve(p.m, p.n)

	if !p.residuals(s.r, x) {
		return lmResult{}, fmt.Errorf("%w: starting point outside the model's domain (a point behind the camera)", ErrNoSolution)
	}
	cost := sumSquares(s.r)
	if !isFinite(cost) {
		return lmResult{}, fmt.Errorf("%w: starting cost %v", ErrNoSolution, cost)
	}
	res := lmResult{initialCost: cost, cost: cost, stop: lmMaxIter}
	if cost == 0 {
		res.stop = lmZeroGradient
		return res, nil
	}

	const tau = 1e-3
	mu, nu := tau, 2.0
	clear(s.diag)
	if err := s.linearize(p, x); err != nil {
		return res, err
	}
	for res.iterations < maxIter {
		res.iterations++
		if !s.step(mu) {
			// JᵀJ + μD not positive definite: only rounding can do
			// that, as D > 0; more damping makes it so.
			mu *= nu
			nu *= 2
			continue
		}
		h := s.h.RawVector().Data
		g := s.g.RawVector().Data
		var hNorm, xNorm float64
		for j := range x {
			s.xTry[j] = x[j] + h[j]
			hNorm += h[j] * h[j]
			xNorm += x[j] * x[j]
		}
		hNorm, xNorm = math.Sqrt(hNorm), math.Sqrt(xNorm)
		if hNorm <= xTol*(xNorm+xTol) {
			res.stop = lmStepConverged
			break
		}
		// Predicted decrease of the linear model, hᵀ(μDh − g) > 0.
		var pred float64
		for j := range h {
			pred += h[j] * (mu*s.diag[j]*h[j] - g[j])
		}
		costTry := math.Inf(1)
		if p.residuals(s.rTry, s.xTry) {
			costTry = sumSquares(s.rTry)
		}
		if !(costTry < cost) || !(pred > 0) {
			mu *= nu
			nu *= 2
			continue
		}
		rho := (cost - costTry) / pred
		copy(x, s.xTry)
		s.r, s.rTry = s.rTry, s.r
		decrease := cost - costTry
		cost = costTry
		res.cost = cost
		mu *= math.Max(1.0/3, 1-math.Pow(2*rho-1, 3))
		nu = 2
		if decrease <= fTol*(cost+decrease) {
			res.stop = lmCostConverged
			break
		}
		if cost == 0 {
			res.stop = lmZeroGradient
			break
		}
		if err := s.linearize(p, x); err != nil {
			return res, err
		}
	}
	return res, nil
}

// linearize evaluates the Jacobian at x (s.r holds r(x)) and forms JᵀJ, Jᵀr
// and the scaling.
func (s *lmSolver) linearize(p *lsProblem, x []float64) error {
	clear(s.jac)
	if p.jacobian != nil {
		p.jacobian(s.jac, x)
	} else {
		s.centralDifferences(p, x)
	}
	n := s.n
	a := s.a.RawSymmetric()
	clear(a.Data)
	g := s.g.RawVector().Data
	clear(g)
	for i := range s.m {
		row := s.jac[i*n : (i+1)*n]
		s.nz = s.nz[:0]
		for j, v := range row {
			if v != 0 {
				s.nz = append(s.nz, j)
			}
		}
		ri := s.r[i]
		for k, j := range s.nz {
			vj := row[j]
			g[j] += vj * ri
			arow := a.Data[j*a.Stride:]
			for _, l := range s.nz[k:] {
				arow[l] += vj * row[l]
			}
		}
	}
	var maxDiag float64
	for j := range n {
		d := a.Data[j*a.Stride+j]
		if !isFinite(d) || !isFinite(g[j]) {
			return fmt.Errorf("%w: non-finite Jacobian in parameter %d", ErrNoSolution, j)
		}
		s.diag[j] = math.Max(s.diag[j], d)
		maxDiag = math.Max(maxDiag, s.diag[j])
	}
	// A parameter the residuals do not depend on has a zero column; a
	// floor keeps the damped matrix positive definite, and its step is
	// zero as its gradient is.
	floor := 1e-12 * maxDiag
	if floor == 0 {
		floor = 1
	}
	for j := range n {
		s.diag[j] = math.Max(s.diag[j], floor)
	}
	return nil
}

// step solves (JᵀJ + μD)·h = −Jᵀr into s.h; false when the damped matrix
// is not positive definite.
func (s *lmSolver) step(mu float64) bool {
	a, d := s.a.RawSymmetric(), s.damped.RawSymmetric()
	for j := range s.n {
		copy(d.Data[j*d.Stride+j:j*d.Stride+s.n], a.Data[j*a.Stride+j:j*a.Stride+s.n])
		d.Data[j*d.Stride+j] += mu * s.diag[j]
	}
	// LAPACK directly rather than mat.Cholesky, whose condition estimate
	// allocates on every factorisation.
	t, ok := lapack64.Potrf(d)
	if !ok {
		return false
	}
	s.h.CopyVec(s.g)
	h := s.h.RawVector().Data
	lapack64.Potrs(t, blas64.General{Rows: s.n, Cols: 1, Stride: 1, Data: h})
	for j := range h {
		h[j] = -h[j]
		if !isFinite(h[j]) {
			return false
		}
	}
	return true
}

// centralDifferences fills s.jac with central differences of the
// residuals, falling back to a one-sided difference where a side is outside
// the model's domain.
func (s *lmSolver) centralDifferences(p *lsProblem, x []float64) {
	const rel = 6e-6 // ≈ cbrt(machine epsilon), the optimum for central differences
	n := s.n
	for j := range n {
		xj := x[j]
		d := rel * math.Max(math.Abs(xj), 1)
		x[j] = xj + d
		okA := p.residuals(s.fdA, x)
		x[j] = xj - d
		okB := p.residuals(s.fdB, x)
		x[j] = xj
		var hi, lo []float64
		var span float64
		switch {
		case okA && okB:
			hi, lo, span = s.fdA, s.fdB, 2*d
		case okA:
			hi, lo, span = s.fdA, s.r, d
		case okB:
			hi, lo, span = s.r, s.fdB, d
		default:
			continue
		}
		for i := range s.m {
			s.jac[i*n+j] = (hi[i] - lo[i]) / span
		}
	}
}

// covariance returns the parameters' covariance at x, σ²·(JᵀJ)⁻¹ with
// σ² = ‖r‖²/(m − n), as for independent residuals of equal variance; ok
// is false when JᵀJ is singular or there are no spare residuals.
func (s *lmSolver) covariance(p *lsProblem, x []float64) (cov *mat.SymDense, ok bool) {
	s.reserve(p.m, p.n)
	if p.m <= p.n || !p.residuals(s.r, x) {
		return nil, false
	}
	if err := s.linearize(p, x); err != nil {
		return nil, false
	}
	var chol mat.Cholesky
	if !chol.Factorize(s.a) {
		return nil, false
	}
	cov = mat.NewSymDense(p.n, nil)
	if err := chol.InverseTo(cov); err != nil {
		return nil, false
	}
	cov.ScaleSym(sumSquares(s.r)/float64(p.m-p.n), cov)
	return cov, true
}

func sumSquares(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return s
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
