package solve

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// rosenbrock is Rosenbrock's valley as least squares: r = (10(x₂ − x₁²),
// 1 − x₁), minimum 0 at (1, 1).
func rosenbrock(withJacobian bool) lsProblem {
	p := lsProblem{
		m: 2, n: 2,
		residuals: func(r, x []float64) bool {
			r[0] = 10 * (x[1] - x[0]*x[0])
			r[1] = 1 - x[0]
			return true
		},
	}
	if withJacobian {
		p.jacobian = func(jac, x []float64) {
			jac[0], jac[1] = -20*x[0], 10
			jac[2], jac[3] = -1, 0
		}
	}
	return p
}

// decay fits y = a·exp(−b·t) + c to noisy samples, a problem with a
// non-zero residual at the solution.
func decay(rng *rand.Rand, withJacobian bool) (lsProblem, [3]float64) {
	truth := [3]float64{5, 0.8, 1.5}
	const m = 40
	ts, ys := make([]float64, m), make([]float64, m)
	for i := range m {
		ts[i] = float64(i) * 0.2
		ys[i] = truth[0]*math.Exp(-truth[1]*ts[i]) + truth[2] + 0.01*rng.NormFloat64()
	}
	p := lsProblem{
		m: m, n: 3,
		residuals: func(r, x []float64) bool {
			for i, t := range ts {
				r[i] = x[0]*math.Exp(-x[1]*t) + x[2] - ys[i]
			}
			return true
		},
	}
	if withJacobian {
		p.jacobian = func(jac, x []float64) {
			for i, t := range ts {
				e := math.Exp(-x[1] * t)
				jac[3*i], jac[3*i+1], jac[3*i+2] = e, -x[0]*t*e, 1
			}
		}
	}
	return p, truth
}

func TestLMConverges(t *testing.T) {
	for _, tt := range []struct {
		name     string
		problem  func() (lsProblem, []float64)
		start    []float64
		tol      float64
		wantCost float64 // upper bound on the final cost
	}{
		{"rosenbrock analytic", func() (lsProblem, []float64) { return rosenbrock(true), []float64{1, 1} }, []float64{-1.2, 1}, 1e-8, 1e-20},
		{"rosenbrock differences", func() (lsProblem, []float64) { return rosenbrock(false), []float64{1, 1} }, []float64{-1.2, 1}, 1e-6, 1e-16},
		{"decay analytic", func() (lsProblem, []float64) {
			p, w := decay(rand.New(rand.NewPCG(1, 1)), true)
			return p, w[:]
		}, []float64{1, 0.1, 0}, 0.05, 40 * 3 * 1e-4},
		{"decay differences", func() (lsProblem, []float64) {
			p, w := decay(rand.New(rand.NewPCG(1, 1)), false)
			return p, w[:]
		}, []float64{1, 0.1, 0}, 0.05, 40 * 3 * 1e-4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, want := tt.problem()
			x := append([]float64(nil), tt.start...)
			var s lmSolver
			res, err := s.minimize(&p, x)
			if err != nil {
				t.Fatal(err)
			}
			for j := range x {
				if math.Abs(x[j]-want[j]) > tt.tol {
					t.Errorf("x[%d]: got %v, want %v ± %v (%v after %d iterations)", j, x[j], want[j], tt.tol, res.stop, res.iterations)
				}
			}
			if res.cost > tt.wantCost || res.cost > res.initialCost {
				t.Errorf("cost: got %v, want ≤ %v and ≤ the initial %v", res.cost, tt.wantCost, res.initialCost)
			}
			if res.stop == lmMaxIter {
				t.Errorf("stopped on the iteration limit after %d iterations", res.iterations)
			}
		})
	}
}

// TestLMDomain checks that steps into the region where residuals reports
// false are rejected, not taken: r = ln x − ln 3 with the domain x ≥ 1,
// from x = 8, where the first Gauss–Newton step lands at 0.15 and the
// damping must shorten it. A start outside the domain is an error.
func TestLMDomain(t *testing.T) {
	calls, outside := 0, 0
	p := lsProblem{
		m: 1, n: 1,
		residuals: func(r, x []float64) bool {
			calls++
			if x[0] < 1 {
				outside++
				return false
			}
			r[0] = math.Log(x[0]) - math.Log(3)
			return true
		},
	}
	x := []float64{8}
	var s lmSolver
	res, err := s.minimize(&p, x)
	if err != nil {
		t.Fatal(err)
	}
	if outside == 0 {
		t.Errorf("no trial step left the domain: the test no longer tests it")
	}
	if math.Abs(x[0]-3) > 1e-6 {
		t.Errorf("x: got %v, want 3 (%v, %d iterations, %d of %d calls outside)", x[0], res.stop, res.iterations, outside, calls)
	}

	x = []float64{0.5}
	if _, err := s.minimize(&p, x); !errors.Is(err, ErrNoSolution) {
		t.Errorf("start outside the domain: got %v, want ErrNoSolution", err)
	}
}

// TestLMNonFinite checks that a Jacobian with NaNs stops the solve with an
// error instead of looping.
func TestLMNonFinite(t *testing.T) {
	p := lsProblem{
		m: 2, n: 1,
		residuals: func(r, x []float64) bool { r[0], r[1] = x[0], x[0]-1; return true },
		jacobian:  func(jac, x []float64) { jac[0], jac[1] = math.NaN(), 1 },
	}
	var s lmSolver
	if _, err := s.minimize(&p, []float64{4}); !errors.Is(err, ErrNoSolution) {
		t.Errorf("got %v, want ErrNoSolution", err)
	}
}

func TestLMReusesBuffers(t *testing.T) {
	p, _ := decay(rand.New(rand.NewPCG(2, 2)), true)
	var s lmSolver
	x := []float64{1, 0.1, 0}
	if _, err := s.minimize(&p, x); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		x[0], x[1], x[2] = 1, 0.1, 0
		if _, err := s.minimize(&p, x); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("allocations per solve after the first: got %v, want 0", allocs)
	}
}

func TestLMCovariance(t *testing.T) {
	// A straight line y = a + b·t with unit-variance noise: the covariance
	// of (a, b) is the textbook (AᵀA)⁻¹·σ².
	rng := rand.New(rand.NewPCG(4, 4))
	const m = 2000
	ts, ys := make([]float64, m), make([]float64, m)
	for i := range m {
		ts[i] = float64(i)/m*2 - 1
		ys[i] = 2 + 3*ts[i] + rng.NormFloat64()
	}
	p := lsProblem{
		m: m, n: 2,
		residuals: func(r, x []float64) bool {
			for i := range ts {
				r[i] = x[0] + x[1]*ts[i] - ys[i]
			}
			return true
		},
	}
	x := []float64{0, 0}
	var s lmSolver
	if _, err := s.minimize(&p, x); err != nil {
		t.Fatal(err)
	}
	cov, ok := s.covariance(&p, x)
	if !ok {
		t.Fatal("covariance: not ok")
	}
	// Σt² ≈ m/3 for t uniform on [−1, 1].
	wantA, wantB := 1.0/m, 3.0/m
	if got := cov.At(0, 0); math.Abs(got-wantA) > 0.1*wantA {
		t.Errorf("var(a): got %v, want %v", got, wantA)
	}
	if got := cov.At(1, 1); math.Abs(got-wantB) > 0.1*wantB {
		t.Errorf("var(b): got %v, want %v", got, wantB)
	}
}
