package board

import (
	"errors"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

// parseCases feed TestParse and FuzzParse's seed corpus.
var parseCases = []struct {
	name string
	spec string
	want Spec
	err  string // substring of the error; "" when the spec is valid
}{
	{"chessboard", "chessboard:9x6:0.025", Spec{Kind: Chessboard, Cols: 9, Rows: 6, Square: 0.025}, ""},
	{"chessboard capital X", "chessboard:4X7:0.06", Spec{Kind: Chessboard, Cols: 4, Rows: 7, Square: 0.06}, ""},
	{"charuco", "charuco:4x5:0.054:0.0405:DICT_4X4_1000", Spec{Kind: Charuco, Cols: 4, Rows: 5, Square: 0.054, Marker: 0.0405, Dict: Dict4X4_1000}, ""},
	{"charuco inverted", "charuco:4x5:0.054:0.0405:DICT_4X4_1000:inverted", Spec{Kind: Charuco, Cols: 4, Rows: 5, Square: 0.054, Marker: 0.0405, Dict: Dict4X4_1000, Inverted: true}, ""},
	{"charuco lower-case dictionary", "charuco:7x5:0.04:0.03:dict_aruco_original", Spec{Kind: Charuco, Cols: 7, Rows: 5, Square: 0.04, Marker: 0.03, Dict: DictArucoOriginal}, ""},
	{"charuco apriltag", "charuco:5x5:0.1:0.08:DICT_APRILTAG_36h11", Spec{Kind: Charuco, Cols: 5, Rows: 5, Square: 0.1, Marker: 0.08, Dict: DictAprilTag36h11}, ""},
	{"empty", "", Spec{}, `board spec "": unknown board type ""`},
	{"unknown type", "circles:4x11:0.02", Spec{}, `unknown board type "circles"`},
	{"chessboard too many fields", "chessboard:9x6:0.025:0.02", Spec{}, "got 4 fields"},
	{"charuco too few fields", "charuco:4x5:0.054:0.04", Spec{}, "got 4 fields"},
	{"size without x", "chessboard:9*6:0.025", Spec{}, `size "9*6" is not COLSxROWS`},
	{"columns not integer", "chessboard:nine x6:0.025", Spec{}, `columns "nine " are not an integer`},
	{"rows not integer", "chessboard:9x6.5:0.025", Spec{}, `rows "6.5" are not an integer`},
	{"square not a number", "chessboard:9x6:25mm", Spec{}, `square side: "25mm" is not a number`},
	{"square zero", "chessboard:9x6:0", Spec{}, "square side: 0 m is not a positive length"},
	{"square negative", "chessboard:9x6:-0.025", Spec{}, "not a positive length"},
	{"square NaN", "chessboard:9x6:NaN", Spec{}, "not a positive length"},
	{"square infinite", "chessboard:9x6:+Inf", Spec{}, "not a positive length"},
	{"chessboard too small", "chessboard:2x6:0.025", Spec{}, "2x6 inner corners: want 3 to 100 each way"},
	{"chessboard too large", "chessboard:9x1000:0.025", Spec{}, "want 3 to 100 each way"},
	{"charuco too small", "charuco:1x5:0.05:0.04:DICT_4X4_50", Spec{}, "1x5 squares: want 2 to 100 each way"},
	{"marker too large", "charuco:4x5:0.05:0.06:DICT_4X4_50", Spec{}, `charuco spec "charuco:4x5:0.05:0.06:DICT_4X4_50": marker side 0.06 m not smaller than square 0.05 m`},
	{"marker equal to square", "charuco:4x5:0.05:0.05:DICT_4X4_50", Spec{}, "marker side 0.05 m not smaller than square 0.05 m"},
	{"marker zero", "charuco:4x5:0.05:0:DICT_4X4_50", Spec{}, "marker side: 0 m is not a positive length"},
	{"unknown dictionary", "charuco:4x5:0.05:0.04:DICT_3X3_10", Spec{}, `unknown ArUco dictionary "DICT_3X3_10"`},
	{"dictionary too small", "charuco:11x10:0.05:0.04:DICT_4X4_50", Spec{}, "55 markers but DICT_4X4_50 has only 50"},
	{"bad last field", "charuco:4x5:0.05:0.04:DICT_4X4_50:mirrored", Spec{}, `last field "mirrored" is not "inverted"`},
}

func TestParse(t *testing.T) {
	for _, tt := range parseCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.spec)
			if tt.err != "" {
				if err == nil || !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse(%q): got error %v, want one wrapping ErrSpec containing %q", tt.spec, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.spec, err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q): got %+v, want %+v", tt.spec, got, tt.want)
			}
			again, err := Parse(got.String())
			if err != nil || again != got {
				t.Fatalf("Parse(%q.String() = %q): got %+v, %v, want %+v", tt.spec, got.String(), again, err, got)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, tt := range parseCases {
		f.Add(tt.spec)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := Parse(spec)
		if err != nil {
			if !errors.Is(err, ErrSpec) {
				t.Fatalf("Parse(%q): error %v does not wrap ErrSpec", spec, err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Parse(%q) returned an invalid spec: %v", spec, err)
		}
		str := s.String()
		again, err := Parse(str)
		if err != nil || again != s {
			t.Fatalf("Parse(%q) = %+v: String %q parses to %+v, %v", spec, s, str, again, err)
		}
		if again.String() != str {
			t.Fatalf("String not stable: got %q, want %q", again.String(), str)
		}
		if n := len(s.Points()); n != s.Len() {
			t.Fatalf("Parse(%q): got %d points, want %d", spec, n, s.Len())
		}
	})
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec Spec
		err  string
	}{
		{"valid", Spec{Kind: Chessboard, Cols: 9, Rows: 6, Square: 0.025}, ""},
		{"zero value", Spec{}, "square side 0 m"},
		{"no kind", Spec{Cols: 9, Rows: 6, Square: 0.025}, "unknown board type"},
		{"chessboard with marker", Spec{Kind: Chessboard, Cols: 9, Rows: 6, Square: 0.025, Marker: 0.01}, "a chessboard has no markers"},
		{"bad dictionary", Spec{Kind: Charuco, Cols: 4, Rows: 5, Square: 0.05, Marker: 0.04, Dict: 99}, "unknown dictionary 99"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if tt.err == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("got %v, want an ErrSpec containing %q", err, tt.err)
			}
		})
	}
}

func TestPoints(t *testing.T) {
	const s = 0.5
	for _, tt := range []struct {
		name string
		spec Spec
		want map[int]r3.Vec // id → position
		n    int
	}{
		{
			// OpenCV's object points for findChessboardCorners: (c, r)·s,
			// row-major.
			"chessboard", Spec{Kind: Chessboard, Cols: 4, Rows: 3, Square: s},
			map[int]r3.Vec{0: {}, 1: {X: s}, 3: {X: 3 * s}, 4: {Y: s}, 11: {X: 3 * s, Y: 2 * s}}, 12,
		},
		{
			// OpenCV 4.6's CharucoBoard::chessboardCorners: no corner on the
			// outer border of squares.
			"charuco", Spec{Kind: Charuco, Cols: 4, Rows: 5, Square: s, Marker: 0.4, Dict: Dict4X4_50},
			map[int]r3.Vec{0: {X: s, Y: s}, 2: {X: 3 * s, Y: s}, 3: {X: s, Y: 2 * s}, 11: {X: 3 * s, Y: 4 * s}}, 12,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pts := tt.spec.Points()
			if len(pts) != tt.n || tt.spec.Len() != tt.n {
				t.Fatalf("got %d points (Len %d), want %d", len(pts), tt.spec.Len(), tt.n)
			}
			for id, want := range tt.want {
				if pts[id] != want {
					t.Errorf("point %d: got %v, want %v", id, pts[id], want)
				}
			}
		})
	}
}

func TestMarkerLayout(t *testing.T) {
	for _, size := range [][2]int{{2, 2}, {3, 3}, {4, 5}, {5, 4}, {5, 7}, {8, 6}} {
		s := Spec{Kind: Charuco, Cols: size[0], Rows: size[1], Square: 1, Marker: 0.5, Dict: Dict4X4_1000}
		next := 0
		for y := range s.Rows {
			for x := range s.Cols {
				id := s.markerAt(x, y)
				if (x+y)%2 == 0 {
					if id != -1 {
						t.Errorf("%dx%d: black square (%d, %d) holds marker %d", s.Cols, s.Rows, x, y, id)
					}
					continue
				}
				if id != next {
					t.Errorf("%dx%d: square (%d, %d): got marker %d, want %d (row-major)", s.Cols, s.Rows, x, y, id, next)
				}
				if gx, gy := s.markerSquare(next); gx != x || gy != y {
					t.Errorf("%dx%d: marker %d: got square (%d, %d), want (%d, %d)", s.Cols, s.Rows, next, gx, gy, x, y)
				}
				next++
			}
		}
		if next != s.Markers() {
			t.Errorf("%dx%d: got %d markers, want %d", s.Cols, s.Rows, s.Markers(), next)
		}
	}
}
