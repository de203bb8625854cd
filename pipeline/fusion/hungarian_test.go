package fusion

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// bruteAssign enumerates every partial assignment and returns the best
// objective: with a finite gate the least sum of (cost − gate); with an
// infinite gate the most pairs, then the least total cost (returned as
// −pairs·big + total so one number orders both).
func bruteAssign(cost []float64, rows, cols int, gate float64) float64 {
	allowed := func(c float64) bool { return !math.IsNaN(c) && !math.IsInf(c, 0) && c <= gate }
	const big = 1e6
	usedCol := make([]bool, cols)
	best := math.Inf(1)
	var rec func(i int, acc float64)
	rec = func(i int, acc float64) {
		if i == rows {
			best = math.Min(best, acc)
			return
		}
		rec(i+1, acc) // row i unassigned
		for j := 0; j < cols; j++ {
			c := cost[i*cols+j]
			if usedCol[j] || !allowed(c) {
				continue
			}
			usedCol[j] = true
			if math.IsInf(gate, 1) {
				rec(i+1, acc+c-big)
			} else {
				rec(i+1, acc+c-gate)
			}
			usedCol[j] = false
		}
	}
	rec(0, 0)
	return best
}

// objective scores an assignment the way bruteAssign does, and checks it.
func objective(t *testing.T, dst []int, cost []float64, rows, cols int, gate float64) float64 {
	t.Helper()
	const big = 1e6
	seen := make([]bool, cols)
	obj := 0.0
	for i, j := range dst[:rows] {
		if j < 0 {
			continue
		}
		if j >= cols || seen[j] {
			t.Fatalf("row %d: column %d invalid or reused", i, j)
		}
		seen[j] = true
		c := cost[i*cols+j]
		if math.IsNaN(c) || math.IsInf(c, 0) || c > gate {
			t.Fatalf("row %d: pair with cost %v made past gate %v", i, c, gate)
		}
		if math.IsInf(gate, 1) {
			obj += c - big
		} else {
			obj += c - gate
		}
	}
	return obj
}

func TestHungarianBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Hungarian
	for _, gate := range []float64{0.3, 0.6, 1.5, math.Inf(1)} {
		for rows := 0; rows <= 7; rows++ {
			for cols := 0; cols <= 7; cols++ {
				for trial := 0; trial < 6; trial++ {
					cost := make([]float64, rows*cols)
					for k := range cost {
						cost[k] = rng.Float64()
						if rng.IntN(12) == 0 {
							cost[k] = math.NaN() // forbidden
						}
					}
					dst := make([]int, rows)
					n, err := h.Solve(dst, cost, rows, cols, gate)
					if err != nil {
						t.Fatalf("%dx%d gate %v: %v", rows, cols, gate, err)
					}
					pairs := 0
					for _, j := range dst {
						if j >= 0 {
							pairs++
						}
					}
					if n != pairs {
						t.Errorf("%dx%d gate %v: got %d pairs reported, want %d", rows, cols, gate, n, pairs)
					}
					got := objective(t, dst, cost, rows, cols, gate)
					want := bruteAssign(cost, rows, cols, gate)
					if math.Abs(got-want) > 1e-9 {
						t.Errorf("%dx%d gate %v trial %d: got objective %v, want %v (dst %v)", rows, cols, gate, trial, got, want, dst)
					}
				}
			}
		}
	}
}

func TestHungarianCases(t *testing.T) {
	inf := math.Inf(1)
	for _, tt := range []struct {
		name       string
		cost       []float64
		rows, cols int
		gate       float64
		want       []int
	}{
		{"identity", []float64{0, 1, 1, 0}, 2, 2, inf, []int{0, 1}},
		{"swap", []float64{1, 0, 0, 1}, 2, 2, inf, []int{1, 0}},
		{"wide", []float64{5, 1, 3}, 1, 3, inf, []int{1}},
		{"tall", []float64{5, 1, 3}, 3, 1, inf, []int{-1, 0, -1}},
		{"gated out", []float64{2, 3, 4, 5}, 2, 2, 1, []int{-1, -1}},
		// One cheap pair beats two pairs near the gate.
		{"cheap pair wins", []float64{0.1, 0.9, 0.9, inf}, 2, 2, 1, []int{0, -1}},
		// Without a gate the same matrix must pair both rows.
		{"max cardinality", []float64{0.1, 0.9, 0.9, inf}, 2, 2, inf, []int{1, 0}},
		{"empty", nil, 0, 3, 1, []int{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var h Hungarian
			dst := make([]int, tt.rows)
			if _, err := h.Solve(dst, tt.cost, tt.rows, tt.cols, tt.gate); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(dst) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", dst, tt.want)
			}
		})
	}
}

func TestHungarianErrors(t *testing.T) {
	var h Hungarian
	for _, tt := range []struct {
		name       string
		dst        []int
		cost       []float64
		rows, cols int
		gate       float64
	}{
		{"negative", make([]int, 1), nil, -1, 2, 1},
		{"short cost", make([]int, 2), make([]float64, 3), 2, 2, 1},
		{"short dst", make([]int, 1), make([]float64, 4), 2, 2, 1},
		{"nan gate", make([]int, 2), make([]float64, 4), 2, 2, math.NaN()},
		{"negative gate", make([]int, 2), make([]float64, 4), 2, 2, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := h.Solve(tt.dst, tt.cost, tt.rows, tt.cols, tt.gate); !errors.Is(err, ErrAssignShape) {
				t.Errorf("got %v, want %v", err, ErrAssignShape)
			}
		})
	}
}

func TestHungarianAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cost := make([]float64, 16*12)
	for k := range cost {
		cost[k] = rng.Float64()
	}
	dst := make([]int, 16)
	var h Hungarian
	if _, err := h.Solve(dst, cost, 16, 12, 0.5); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		h.Solve(dst, cost, 16, 12, 0.5)
		h.Solve(dst, cost, 12, 16, math.Inf(1))
	})
	if allocs != 0 {
		t.Errorf("got %v allocs per run, want 0", allocs)
	}
}

var sinkInt int

func BenchmarkHungarian(b *testing.B) {
	for _, n := range []int{4, 16, 40} {
		b.Run(fmt.Sprintf("%dx%d", n, n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, uint64(n)))
			cost := make([]float64, n*n)
			for k := range cost {
				cost[k] = 2 * rng.Float64()
			}
			dst := make([]int, n)
			var h Hungarian
			b.ReportAllocs()
			for b.Loop() {
				sinkInt, _ = h.Solve(dst, cost, n, n, 1)
			}
		})
	}
}
