package fusion

import (
	"fmt"
	"math"
)

// Hungarian solves rectangular, gated assignment problems (Kuhn–Munkres
// with row potentials and shortest augmenting paths, as in Jonker and
// Volgenant). Its zero value is ready to use; it keeps its working arrays
// between calls, so once it has seen the largest problem it solves further
// ones without allocating. A Hungarian is not safe for concurrent use.
type Hungarian struct {
	u, v, minv []float64
	p, way     []int
	used       []bool

	// The problem being solved, oriented so that it has no more rows than
	// columns.
	cost       []float64
	stride     int  // columns of cost as given
	transposed bool // oriented rows are the given columns
	real       int  // real (non-dummy) columns of the oriented problem
	gate       float64
	dummy      float64
}

// Solve assigns rows to columns of the rows×cols matrix cost (row-major,
// cost[i*cols+j] is the cost of pairing row i with column j) and writes the
// column of row i to dst[i], or -1 when row i stays unassigned. It returns
// the number of pairs made.
//
// A pair is never made when its cost is above gate, NaN or infinite. With a
// finite gate the gate is also the price of leaving a pair unmade: Solve
// minimises the sum over the pairs made of (cost − gate), so any pair cheaper
// than the gate is worth making unless it stands in the way of a cheaper
// whole; a pair whose cost equals the gate may or may not be made. With
// gate = +Inf Solve makes as many pairs as it can and, among those
// assignments, returns one of least total cost.
//
// Solve returns an error, and leaves dst untouched, when rows or cols is
// negative, cost or dst is too short, or gate is NaN, negative or −Inf.
func (h *Hungarian) Solve(dst []int, cost []float64, rows, cols int, gate float64) (int, error) {
	switch {
	case rows < 0 || cols < 0:
		return 0, fmt.Errorf("assignment %dx%d: %w", rows, cols, ErrAssignShape)
	case len(cost) < rows*cols:
		return 0, fmt.Errorf("assignment %dx%d: cost has %d entries: %w", rows, cols, len(cost), ErrAssignShape)
	case len(dst) < rows:
		return 0, fmt.Errorf("assignment %dx%d: dst has %d entries: %w", rows, cols, len(dst), ErrAssignShape)
	case math.IsNaN(gate) || gate < 0:
		return 0, fmt.Errorf("assignment gate %v: %w", gate, ErrAssignShape)
	}
	for i := range dst[:rows] {
		dst[i] = -1
	}
	if rows == 0 || cols == 0 {
		return 0, nil
	}

	h.cost, h.stride, h.gate = cost, cols, gate
	r, m := rows, cols
	h.transposed = rows > cols
	if h.transposed {
		r, m = cols, rows
	}
	h.real = m
	h.dummy = gate
	if math.IsInf(gate, 1) {
		// A dummy price high enough that one more pair always beats any
		// rearrangement of the others: K·(max−min) + |max| + 1.
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, c := range cost[:rows*cols] {
			if h.allowed(c) {
				lo, hi = math.Min(lo, c), math.Max(hi, c)
			}
		}
		if lo > hi {
			return 0, nil // nothing may be paired
		}
		h.dummy = float64(r)*(hi-lo) + math.Abs(hi) + 1
	}

	// Oriented problem: r rows, m real columns followed by r dummy
	// columns; dummy column m+i is open only to row i, at the dummy price.
	// Row i can therefore always reach a free column, so every augmenting
	// search ends.
	c := m + r
	h.grow(r+1, c+1)
	u, v, p, way, minv, used := h.u, h.v, h.p, h.way, h.minv, h.used
	for i := range u[:r+1] {
		u[i] = 0
	}
	for j := 0; j <= c; j++ {
		v[j], p[j], way[j] = 0, 0, 0
	}
	inf := math.Inf(1)
	for i := 1; i <= r; i++ {
		p[0] = i
		j0 := 0
		for j := 0; j <= c; j++ {
			minv[j], used[j] = inf, false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			delta, j1 := inf, -1
			for j := 1; j <= c; j++ {
				if used[j] {
					continue
				}
				if a := h.at(i0-1, j-1); !math.IsInf(a, 1) {
					if cur := a - u[i0] - v[j]; cur < minv[j] {
						minv[j], way[j] = cur, j0
					}
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			if j1 < 0 {
				// Unreachable: row i's own dummy column is free.
				return 0, fmt.Errorf("assignment %dx%d: no augmenting path: %w", rows, cols, ErrAssignShape)
			}
			for j := 0; j <= c; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}

	n := 0
	for j := 1; j <= m; j++ {
		if p[j] == 0 {
			continue
		}
		row, col := p[j]-1, j-1
		if h.transposed {
			row, col = col, row
		}
		dst[row] = col
		n++
	}
	h.cost = nil
	return n, nil
}

// allowed reports whether a pair of cost c may be made.
func (h *Hungarian) allowed(c float64) bool {
	return !math.IsNaN(c) && !math.IsInf(c, 0) && c <= h.gate
}

// at returns the cost of the oriented entry (i, j), +Inf when forbidden.
func (h *Hungarian) at(i, j int) float64 {
	if j >= h.real {
		if j-h.real == i {
			return h.dummy
		}
		return math.Inf(1)
	}
	var c float64
	if h.transposed {
		c = h.cost[j*h.stride+i]
	} else {
		c = h.cost[i*h.stride+j]
	}
	if !h.allowed(c) {
		return math.Inf(1)
	}
	return c
}

// grow makes the working arrays hold r rows and c columns.
func (h *Hungarian) grow(r, c int) {
	if cap(h.u) < r {
		h.u = make([]float64, r)
	}
	h.u = h.u[:r]
	if cap(h.v) < c {
		h.v = make([]float64, c)
		h.minv = make([]float64, c)
		h.p = make([]int, c)
		h.way = make([]int, c)
		h.used = make([]bool, c)
	}
	h.v, h.minv, h.p, h.way, h.used = h.v[:c], h.minv[:c], h.p[:c], h.way[:c], h.used[:c]
}
