package board

import "math"

// Chessboard corner order.
//
// OpenCV's two detectors agree on the grid's orientation (rows run along
// the board's x, columns down its y, the y axis a quarter turn clockwise
// from x in the image, as seen from the printed side) but not on which of
// the board's symmetric orderings they return: the classic
// cv::findChessboardCorners puts a black square beyond corner 0, diagonally
// outside the grid, while cv::findChessboardCornersSB puts a white one
// there (OpenCV 4.6, checked on its sample images). orderGrid makes the
// order canonical, the classic detector's:
//
//  1. the grid is made right-handed in the image (rows mirrored if not);
//  2. among the orderings the board's symmetry allows (half turn; quarter
//     turns too when square), those with a black square beyond corner 0
//     are kept, when the squares' colours tell them apart (they do when
//     Cols + Rows is odd, so corner ids are then fixed to the print);
//  3. of those, the one whose rows run furthest down the image (first row
//     above the last, the classic detector's rule for even×even boards),
//     or, for a board exactly on its side, to the right.
//
// Rendered boards (Render) have the same black corner square, as do
// OpenCV's ChArUco boards.

// orderGrid reorders the cols×rows grid pts in place (row-major) as
// described above; shade returns the image's intensity at a pixel.
func orderGrid(pts [][2]float64, cols, rows int, shade func(x, y float64) float64) {
	n := cols * rows
	if len(pts) != n || cols < 2 || rows < 2 {
		return
	}
	at := func(c, r int) [2]float64 { return pts[r*cols+c] }
	dx := sub(at(cols-1, 0), at(0, 0))
	dy := sub(at(0, rows-1), at(0, 0))
	if dx[0]*dy[1]-dx[1]*dy[0] < 0 {
		for r := range rows {
			row := pts[r*cols : (r+1)*cols]
			for i, j := 0, cols-1; i < j; i, j = i+1, j-1 {
				row[i], row[j] = row[j], row[i]
			}
		}
	}

	// darkEven is the mean intensity of the inner squares with the colour
	// of the square beyond corner 0 minus that of the others: negative
	// when that square is black.
	var sum [2]float64
	var count [2]int
	for r := range rows - 1 {
		for c := range cols - 1 {
			m := mid(at(c, r), at(c+1, r), at(c, r+1), at(c+1, r+1))
			sum[(c+r)%2] += shade(m[0], m[1])
			count[(c+r)%2]++
		}
	}
	var darkEven float64 // 0, undecided, for a single inner square
	if count[0] > 0 && count[1] > 0 {
		darkEven = sum[0]/float64(count[0]) - sum[1]/float64(count[1])
	}

	turns := []int{0, 2}
	if cols == rows {
		turns = []int{0, 1, 2, 3}
	}
	best := -1
	var bestDown [2]float64
	for _, t := range turns {
		// A half turn moves corner 0 to the opposite corner, whose outer
		// square differs in colour when cols + rows is odd; a quarter
		// turn of a square board to an adjacent one, differing when cols
		// is odd.
		flips := (t == 2 && (cols+rows)%2 == 1) || (t%2 == 1 && cols%2 == 1)
		black := darkEven < 0
		if flips {
			black = !black
		}
		if math.Abs(darkEven) > minContrast && !black {
			continue
		}
		down := sub(rowMean(pts, cols, rows, t, rows-1), rowMean(pts, cols, rows, t, 0))
		if best < 0 || lower(down, bestDown) {
			best, bestDown = t, down
		}
	}
	if best > 0 {
		turned := make([][2]float64, n)
		for r := range rows {
			for c := range cols {
				turned[r*cols+c] = pts[turn(c, r, cols, rows, best)]
			}
		}
		copy(pts, turned)
	}
}

// minContrast is the least difference of mean gray level between the two
// colours of squares that orderGrid trusts to tell black from white.
const minContrast = 10

// turn returns the index in the original grid of corner (c, r) of the grid
// turned t quarter turns.
func turn(c, r, cols, rows, t int) int {
	switch t {
	case 1: // square grids only
		return (cols-1-c)*cols + r
	case 2:
		return (rows-1-r)*cols + (cols - 1 - c)
	case 3:
		return c*cols + (cols - 1 - r)
	}
	return r*cols + c
}

// rowMean is the mean image position of row r of the grid turned t
// quarter turns.
func rowMean(pts [][2]float64, cols, rows, t, r int) [2]float64 {
	var m [2]float64
	for c := range cols {
		p := pts[turn(c, r, cols, rows, t)]
		m[0] += p[0] / float64(cols)
		m[1] += p[1] / float64(cols)
	}
	return m
}

// lower reports whether grid direction a points further down the image
// than b; between directions equally far down (a board on its side), the
// one pointing right.
func lower(a, b [2]float64) bool {
	tol := 1e-9 * (math.Abs(a[0]) + math.Abs(a[1]) + math.Abs(b[0]) + math.Abs(b[1]))
	if math.Abs(a[1]-b[1]) > tol {
		return a[1] > b[1]
	}
	return a[0] > b[0]
}

func sub(a, b [2]float64) [2]float64 { return [2]float64{a[0] - b[0], a[1] - b[1]} }

func mid(a, b, c, d [2]float64) [2]float64 {
	return [2]float64{(a[0] + b[0] + c[0] + d[0]) / 4, (a[1] + b[1] + c[1] + d[1]) / 4}
}
