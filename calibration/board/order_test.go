package board

import (
	"fmt"
	"math"
	"testing"
)

// grid lays out a cols×rows grid of corners in the image, corner (c, r) at
// origin + c·ex + r·ey, with a shade function drawing the board's squares
// (the square beyond corner (0, 0) black) and a white surround.
func grid(cols, rows int, origin, ex, ey [2]float64) ([][2]float64, func(x, y float64) float64) {
	pts := make([][2]float64, cols*rows)
	for r := range rows {
		for c := range cols {
			pts[r*cols+c] = [2]float64{origin[0] + float64(c)*ex[0] + float64(r)*ey[0], origin[1] + float64(c)*ex[1] + float64(r)*ey[1]}
		}
	}
	det := ex[0]*ey[1] - ex[1]*ey[0]
	shade := func(x, y float64) float64 {
		// Solve for the grid coordinates of (x, y).
		dx, dy := x-origin[0], y-origin[1]
		c := (dx*ey[1] - dy*ey[0]) / det
		r := (ex[0]*dy - ex[1]*dx) / det
		// Square (i, j) of the full board spans corners i-1..i, j-1..j.
		i, j := int(math.Floor(c))+1, int(math.Floor(r))+1
		if i < 0 || j < 0 || i > cols || j > rows {
			return 255
		}
		if (i+j)%2 == 0 {
			return 20
		}
		return 230
	}
	return pts, shade
}

// permute returns pts reordered as the grid turned t quarter turns, and
// mirrored along its rows when mirror.
func permute(pts [][2]float64, cols, rows, t int, mirror bool) [][2]float64 {
	out := make([][2]float64, len(pts))
	for r := range rows {
		for c := range cols {
			out[r*cols+c] = pts[turn(c, r, cols, rows, t)]
		}
	}
	if mirror {
		for r := range rows {
			row := out[r*cols : (r+1)*cols]
			for i, j := 0, cols-1; i < j; i, j = i+1, j-1 {
				row[i], row[j] = row[j], row[i]
			}
		}
	}
	return out
}

func TestOrderGrid(t *testing.T) {
	for _, tt := range []struct {
		name       string
		cols, rows int
		ex, ey     [2]float64 // the board's axes in the image
		// unique: the colours fix the order whatever the input order;
		// otherwise the canonical order has its first row highest (or
		// leftmost for a board on its side).
		unique bool
	}{
		{"9x6 upright", 9, 6, [2]float64{30, 2}, [2]float64{-2, 30}, true},
		{"9x6 upside down", 9, 6, [2]float64{-30, -2}, [2]float64{2, -30}, true},
		{"4x7 on its side", 4, 7, [2]float64{0, -40}, [2]float64{40, 0}, true},
		{"5x5 turned", 5, 5, [2]float64{0, 30}, [2]float64{-30, 0}, false},
		{"8x6 upside down", 8, 6, [2]float64{-30, 1}, [2]float64{-1, -30}, false},
		{"7x7 upright", 7, 7, [2]float64{25, 3}, [2]float64{-3, 25}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			truth, shade := grid(tt.cols, tt.rows, [2]float64{300, 300}, tt.ex, tt.ey)
			turns := []int{0, 2}
			if tt.cols == tt.rows {
				turns = []int{0, 1, 2, 3}
			}
			var first [][2]float64
			for _, tn := range turns {
				for _, mirror := range []bool{false, true} {
					pts := permute(truth, tt.cols, tt.rows, tn, mirror)
					orderGrid(pts, tt.cols, tt.rows, shade)
					name := fmt.Sprintf("turn %d mirror %v", tn, mirror)
					if tt.unique && !samePoints(pts, truth) {
						t.Errorf("%s: corner 0 at %v, want %v (the board's own order)", name, pts[0], truth[0])
					}
					if first == nil {
						first = pts
					} else if !samePoints(pts, first) {
						t.Errorf("%s: corner 0 at %v, want %v as from the other input orders", name, pts[0], first[0])
					}
					if !tt.unique {
						top := rowMean(pts, tt.cols, tt.rows, 0, 0)
						bottom := rowMean(pts, tt.cols, tt.rows, 0, tt.rows-1)
						if top[1] > bottom[1] || (top[1] == bottom[1] && top[0] > bottom[0]) {
							t.Errorf("%s: first row at %v, the last at %v: want the first above or left", name, top, bottom)
						}
					}
					dx, dy := sub(pts[1], pts[0]), sub(pts[tt.cols], pts[0])
					if dx[0]*dy[1]-dx[1]*dy[0] <= 0 {
						t.Errorf("%s: grid is left-handed in the image", name)
					}
				}
			}
		})
	}
}

func samePoints(a, b [][2]float64) bool {
	for i := range a {
		if dist(a[i], b[i]) > 1e-9 {
			return false
		}
	}
	return len(a) == len(b)
}
