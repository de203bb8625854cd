package board

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/spatial/r3"
)

// Kind is the type of a calibration board.
type Kind int

const (
	// Chessboard is a plain chessboard, found by its inner corners.
	Chessboard Kind = iota + 1
	// Charuco is a chessboard with ArUco markers in its white squares
	// (OpenCV's ChArUco board), found corner by corner from its markers, so
	// it may be partly hidden or out of the image.
	Charuco
)

// String returns the kind's name in Parse's syntax.
func (k Kind) String() string {
	switch k {
	case Chessboard:
		return "chessboard"
	case Charuco:
		return "charuco"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// MaxSide bounds Cols and Rows, far above any printable board, so that a
// bad spec cannot ask for millions of points.
const MaxSide = 100

// Spec describes a calibration board.
//
// Its frame is OpenCV's: origin at the board's top-left, x along a row to
// the right, y down the columns, z = 0 on the board (into the board for a
// right-handed frame), metres.
type Spec struct {
	Kind Kind
	// Cols and Rows count the inner corners of a chessboard (OpenCV's
	// patternSize) and the squares of a ChArUco board (OpenCV's squaresX,
	// squaresY).
	Cols, Rows int
	// Square is the side of a square, m.
	Square float64
	// Marker is the side of a ChArUco board's markers, m.
	Marker float64
	// Dict is a ChArUco board's marker dictionary; its markers 0, 1, … fill
	// the white squares in row-major order.
	Dict Dict
	// Inverted is set for a ChArUco board printed white on black.
	Inverted bool
}

// Parse reads a board spec:
//
//	chessboard:COLSxROWS:SQUARE
//	charuco:COLSxROWS:SQUARE:MARKER:DICT[:inverted]
//
// A chessboard's COLS×ROWS count its inner corners, a ChArUco board's its
// squares; SQUARE and MARKER are sides in metres; DICT is an OpenCV
// dictionary name such as DICT_4X4_50. Example:
// "charuco:4x5:0.054:0.0405:DICT_4X4_1000:inverted".
func Parse(spec string) (Spec, error) {
	parts := strings.Split(spec, ":")
	fail := func(kind, format string, args ...any) (Spec, error) {
		return Spec{}, &specError{kind: kind, spec: spec, msg: fmt.Sprintf(format, args...)}
	}
	var s Spec
	switch parts[0] {
	case "chessboard":
		s.Kind = Chessboard
		if len(parts) != 3 {
			return fail("chessboard", "want chessboard:COLSxROWS:SQUARE_M, got %d fields", len(parts))
		}
	case "charuco":
		s.Kind = Charuco
		if len(parts) != 5 && len(parts) != 6 {
			return fail("charuco", "want charuco:COLSxROWS:SQUARE_M:MARKER_M:DICT[:inverted], got %d fields", len(parts))
		}
	default:
		return fail("board", "unknown board type %q (want chessboard or charuco)", parts[0])
	}
	kind := parts[0]

	cols, rows, ok := strings.Cut(strings.ToLower(parts[1]), "x")
	if !ok {
		return fail(kind, "size %q is not COLSxROWS", parts[1])
	}
	var err error
	if s.Cols, err = strconv.Atoi(cols); err != nil {
		return fail(kind, "columns %q are not an integer", cols)
	}
	if s.Rows, err = strconv.Atoi(rows); err != nil {
		return fail(kind, "rows %q are not an integer", rows)
	}
	if s.Square, err = parseLength(parts[2]); err != nil {
		return fail(kind, "square side: %v", err)
	}
	if s.Kind == Charuco {
		if s.Marker, err = parseLength(parts[3]); err != nil {
			return fail(kind, "marker side: %v", err)
		}
		if s.Dict, err = ParseDict(parts[4]); err != nil {
			return fail(kind, "%v", err)
		}
		if len(parts) == 6 {
			if !strings.EqualFold(parts[5], "inverted") {
				return fail(kind, "last field %q is not \"inverted\"", parts[5])
			}
			s.Inverted = true
		}
	}
	if msg := s.problem(); msg != "" {
		return fail(kind, "%s", msg)
	}
	return s, nil
}

func parseLength(f string) (float64, error) {
	v, err := strconv.ParseFloat(f, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", f)
	}
	if !(v > 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s m is not a positive length", f)
	}
	return v, nil
}

// String returns the spec in Parse's syntax; Parse(s.String()) == s.
func (s Spec) String() string {
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	switch s.Kind {
	case Chessboard:
		return fmt.Sprintf("chessboard:%dx%d:%s", s.Cols, s.Rows, g(s.Square))
	case Charuco:
		str := fmt.Sprintf("charuco:%dx%d:%s:%s:%s", s.Cols, s.Rows, g(s.Square), g(s.Marker), s.Dict)
		if s.Inverted {
			str += ":inverted"
		}
		return str
	}
	return fmt.Sprintf("board(%s)", s.Kind)
}

// Validate reports whether s describes a board that can be drawn and
// detected; Parse returns only valid specs.
func (s Spec) Validate() error {
	if msg := s.problem(); msg != "" {
		return &specError{kind: s.Kind.String(), spec: s.String(), msg: msg}
	}
	return nil
}

// problem says what is wrong with s, or "" when nothing is.
func (s Spec) problem() string {
	if !(s.Square > 0) || math.IsInf(s.Square, 0) {
		return fmt.Sprintf("square side %g m is not a positive length", s.Square)
	}
	switch s.Kind {
	case Chessboard:
		// OpenCV's detectors need more than two corners each way.
		if s.Cols < 3 || s.Rows < 3 || s.Cols > MaxSide || s.Rows > MaxSide {
			return fmt.Sprintf("%dx%d inner corners: want 3 to %d each way", s.Cols, s.Rows, MaxSide)
		}
		if s.Marker != 0 || s.Inverted {
			return "a chessboard has no markers"
		}
	case Charuco:
		if s.Cols < 2 || s.Rows < 2 || s.Cols > MaxSide || s.Rows > MaxSide {
			return fmt.Sprintf("%dx%d squares: want 2 to %d each way", s.Cols, s.Rows, MaxSide)
		}
		if !(s.Marker > 0) || math.IsInf(s.Marker, 0) {
			return fmt.Sprintf("marker side %g m is not a positive length", s.Marker)
		}
		if s.Marker >= s.Square {
			return fmt.Sprintf("marker side %g m not smaller than square %g m", s.Marker, s.Square)
		}
		if !s.Dict.valid() {
			return fmt.Sprintf("unknown dictionary %d", int(s.Dict))
		}
		if n := s.Markers(); n > s.Dict.Codes() {
			return fmt.Sprintf("%d markers but %s has only %d", n, s.Dict, s.Dict.Codes())
		}
	default:
		return "unknown board type"
	}
	return ""
}

// Len is the number of corners of the board: Cols·Rows for a chessboard,
// (Cols−1)·(Rows−1) for a ChArUco board.
func (s Spec) Len() int {
	c, r := s.grid()
	return c * r
}

// grid returns the size of the corner grid.
func (s Spec) grid() (cols, rows int) {
	if s.Kind == Charuco {
		return s.Cols - 1, s.Rows - 1
	}
	return s.Cols, s.Rows
}

// Points returns the board's corners in the board frame (m, z = 0),
// indexed by their ids, row-major:
//
//   - chessboard corner (c, r) has id r·Cols + c and lies at (c, r)·Square,
//     the object points OpenCV pairs with cv::findChessboardCorners;
//   - ChArUco corner k lies at ((k mod (Cols−1)) + 1, (k div (Cols−1)) + 1)·Square,
//     as in OpenCV 4.6's cv::aruco::CharucoBoard (its outer border of
//     squares has no corners).
func (s Spec) Points() []r3.Vec {
	cols, rows := s.grid()
	if cols <= 0 || rows <= 0 {
		return nil
	}
	pts := make([]r3.Vec, 0, cols*rows)
	for k := range cols * rows {
		x, y := s.corner(k)
		pts = append(pts, r3.Vec{X: x, Y: y})
	}
	return pts
}

// corner returns the board coordinates of corner id k.
func (s Spec) corner(k int) (x, y float64) {
	cols, _ := s.grid()
	c, r := k%cols, k/cols
	if s.Kind == Charuco {
		c, r = c+1, r+1
	}
	return float64(c) * s.Square, float64(r) * s.Square
}

type specError struct {
	kind, spec, msg string
}

func (e *specError) Error() string { return fmt.Sprintf("%s spec %q: %s", e.kind, e.spec, e.msg) }
func (e *specError) Unwrap() error { return ErrSpec }
