package board

// The ChArUco layout of OpenCV 4.6 (cv::aruco::CharucoBoard::create): the
// top-left square is black, so square (x, y) is white, and holds a marker,
// when x + y is odd; markers are numbered in row-major order of their
// squares and centred in them; each marker's corners run clockwise from
// its top-left, as cv::aruco::detectMarkers reports them.

// Markers is the number of markers on a ChArUco board (0 for a
// chessboard): its white squares.
func (s Spec) Markers() int {
	if s.Kind != Charuco {
		return 0
	}
	return s.Cols * s.Rows / 2
}

// markerSquare returns the square (column, row) that holds marker id.
func (s Spec) markerSquare(id int) (x, y int) {
	// markerAt's inverse: the square's raster index y·Cols + x is 2·id or
	// 2·id + 1, whichever is white.
	l := 2 * id
	y = l / s.Cols
	x = l % s.Cols
	if (x+y)%2 == 0 {
		x++
		if x == s.Cols {
			x, y = 0, y+1
		}
	}
	return x, y
}

// markerAt returns the id of the marker in square (x, y), or -1 when the
// square is black or off the board.
func (s Spec) markerAt(x, y int) int {
	if x < 0 || y < 0 || x >= s.Cols || y >= s.Rows || (x+y)%2 == 0 {
		return -1
	}
	// Count the white squares before (x, y) in raster order. Colours
	// alternate along the raster when Cols is odd (white squares have odd
	// raster indices), and along each row with every row holding Cols/2
	// white squares when Cols is even; either way a white square of raster
	// index L has L div 2 white squares before it.
	return (y*s.Cols + x) / 2
}

// markerCorners returns the board coordinates (m) of marker id's corners,
// clockwise from its top-left.
func (s Spec) markerCorners(id int) [4][2]float64 {
	x, y := s.markerSquare(id)
	d := (s.Square - s.Marker) / 2
	x0, y0 := float64(x)*s.Square+d, float64(y)*s.Square+d
	m := s.Marker
	return [4][2]float64{{x0, y0}, {x0 + m, y0}, {x0 + m, y0 + m}, {x0, y0 + m}}
}

// cornerSquare returns the square (column, row) whose bottom-right corner
// is ChArUco corner k: the corner touches that square and its right,
// lower and lower-right neighbours.
func (s Spec) cornerSquare(k int) (x, y int) {
	return k % (s.Cols - 1), k / (s.Cols - 1)
}

// adjacentMarkers returns the markers of the two white squares that touch
// ChArUco corner k (every corner is inside the board, so two of its four
// squares are white).
func (s Spec) adjacentMarkers(k int) [2]int {
	x, y := s.cornerSquare(k)
	if id := s.markerAt(x, y); id >= 0 {
		return [2]int{id, s.markerAt(x+1, y+1)}
	}
	return [2]int{s.markerAt(x+1, y), s.markerAt(x, y+1)}
}
