package calibrate

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/solve"
)

func TestParseWorld(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want World
		ok   bool
	}{
		{"camera", World{Kind: WorldCamera}, true},
		{"board", World{Kind: WorldBoard, Frame: -1}, true},
		{"board:12", World{Kind: WorldBoard, Frame: 12}, true},
		{" board:0 ", World{Kind: WorldBoard, Frame: 0}, true},
		{"board:-3", World{}, false},
		{"board:x", World{}, false},
		{"camera:1", World{}, false},
		{"track", World{}, false},
		{"", World{}, false},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseWorld(tt.in)
			if !tt.ok {
				if !errors.Is(err, ErrInput) {
					t.Fatalf("got %v, %v; want ErrInput", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
			// String writes what ParseWorld reads.
			if back, err := ParseWorld(got.String()); err != nil || back != got {
				t.Errorf("ParseWorld(%q): got %+v, %v; want %+v", got.String(), back, err, got)
			}
		})
	}
}

// The board world has its origin at corner 0, a ChArUco board's one square
// in from its edge, x along the board's rows and z towards the cameras.
func TestAlignWorldCharuco(t *testing.T) {
	spec := mustParse(t, "charuco:5x7:0.04:0.03:DICT_5X5_100")
	cams := []calibration.Camera{
		calibration.LookAt("a", r3.Vec{X: 0.2, Y: -2, Z: 1}, r3.Vec{}, 640, 480, 600),
		calibration.LookAt("b", r3.Vec{X: -1, Y: -1.5, Z: 1.2}, r3.Vec{}, 640, 480, 600),
	}
	// A board standing at the origin facing −y (its z, into the board,
	// along +y), turned a little.
	R := calibration.MatMul(calibration.Rodrigues(r3.Vec{X: 0.1, Z: 0.2}), [3][3]float64{{1, 0, 0}, {0, 0, 1}, {0, -1, 0}})
	b := solve.Pose{R: R, T: r3.Vec{X: -0.1, Y: 0.05, Z: 0.2}}
	out, frame, _, err := alignWorld(World{Kind: WorldBoard, Frame: -1}, spec, cams, 0, map[int]solve.Pose{4: b}, map[int][]int{4: {0, 1}})
	if err != nil || frame != 4 {
		t.Fatalf("got frame %d, %v; want 4", frame, err)
	}
	pts := spec.Points()
	for _, tt := range []struct {
		id   int
		want r3.Vec
	}{
		{0, r3.Vec{}},
		{1, r3.Vec{X: spec.Square}},
		{4, r3.Vec{Y: -spec.Square}}, // the board's y runs down its columns; the world's y = z × x
	} {
		X := r3.Add(calibration.MatVec(b.R, pts[tt.id]), b.T)
		for c := range cams {
			u0, v0, _ := cams[c].Project(X)
			u1, v1, ok := out[c].Project(tt.want)
			if !ok || math.Hypot(u1-u0, v1-v0) > 1e-6 {
				t.Errorf("corner %d in camera %s: got pixel (%.3f, %.3f) at world %v, want (%.3f, %.3f)", tt.id, cams[c].Name, u1, v1, tt.want, u0, v0)
			}
		}
	}
	for _, c := range out {
		if z := c.Center().Z; z <= 0 {
			t.Errorf("camera %s: got centre at z = %.3f m, want in front of the board (z > 0)", c.Name, z)
		}
	}
}
