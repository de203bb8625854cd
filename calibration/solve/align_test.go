package solve

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/spatial/r3"
)

// sameProjections fails unless the cameras a see the points pa where the
// cameras b see the points pb.
func sameProjections(t *testing.T, a []calibration.Camera, pa []r3.Vec, b []calibration.Camera, pb []r3.Vec) {
	t.Helper()
	for c := range a {
		for i := range pa {
			u0, v0, ok0 := a[c].Project(pa[i])
			u1, v1, ok1 := b[c].Project(pb[i])
			if ok0 != ok1 || math.Hypot(u1-u0, v1-v0) > 1e-7 {
				t.Fatalf("camera %d point %d: got (%.6f, %.6f, %v), want (%.6f, %.6f, %v)", c, i, u0, v0, ok0, u1, v1, ok1)
			}
		}
	}
}

func TestAlignToPoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	cams := ringCameras(4, 7, 5, 3, r3.Vec{Z: 1})
	// measured are in the cameras' frame; world is where a survey puts them.
	var measured []r3.Vec
	for range 8 {
		measured = append(measured, r3.Vec{X: rng.Float64()*8 - 4, Y: rng.Float64()*5 - 2.5, Z: rng.Float64() * 2})
	}
	for _, tt := range []struct {
		name  string
		truth Similarity
		scale bool
	}{
		{name: "rigid", truth: Similarity{S: 1, R: calibration.Rodrigues(r3.Vec{X: 0.3, Y: -0.2, Z: 2.5}), T: r3.Vec{X: 10, Y: -4, Z: 0.3}}, scale: false},
		{name: "similarity", truth: Similarity{S: 1.37, R: calibration.Rodrigues(r3.Vec{X: -1.1, Y: 0.4, Z: 0.2}), T: r3.Vec{X: -2, Y: 50, Z: 1}}, scale: true},
		{name: "half turn", truth: Similarity{S: 0.8, R: calibration.Rodrigues(r3.Vec{Z: math.Pi}), T: r3.Vec{X: 1}}, scale: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			world := make([]r3.Vec, len(measured))
			for i, X := range measured {
				world[i] = tt.truth.Apply(X)
			}
			got, s, rms, err := AlignToPoints(cams, world, measured, tt.scale)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(s.S-tt.truth.S) > 1e-9 || rotAngle(s.R, tt.truth.R) > 1e-9 || r3.Norm(r3.Sub(s.T, tt.truth.T)) > 1e-8 || rms > 1e-9 {
				t.Fatalf("got %+v (RMS %g), want %+v", s, rms, tt.truth)
			}
			// The new cameras see the world points where the old ones saw
			// the measured points.
			sameProjections(t, got, world, cams, measured)
		})
	}
}

func TestFitSimilarityErrors(t *testing.T) {
	line := []r3.Vec{{X: 0}, {X: 1}, {X: 2}, {X: 3}}
	for _, tt := range []struct {
		name     string
		dst, src []r3.Vec
		want     error
	}{
		{name: "two points", dst: line[:2], src: line[:2], want: ErrDegenerate},
		{name: "collinear", dst: line, src: line, want: ErrDegenerate},
		{name: "lengths differ", dst: line, src: line[:3], want: ErrDegenerate},
		{name: "NaN", dst: []r3.Vec{{X: math.NaN()}, {Y: 1}, {Z: 1}}, src: []r3.Vec{{X: 1}, {Y: 1}, {Z: 1}}, want: ErrInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := FitSimilarity(tt.dst, tt.src, true); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestAlignToBoard(t *testing.T) {
	cams := ringCameras(4, 7, 5, 3, r3.Vec{Z: 1})
	// A board on the ground, face up, turned 30° about the vertical, its
	// origin corner at (1, 2, 0). OpenCV's board z points into the board:
	// down here.
	yaw := 30 * math.Pi / 180
	x := r3.Vec{X: math.Cos(yaw), Y: math.Sin(yaw)}
	z := r3.Vec{Z: -1}
	y := r3.Cross(z, x)
	faceUp := Pose{R: [3][3]float64{{x.X, y.X, z.X}, {x.Y, y.Y, z.Y}, {x.Z, y.Z, z.Z}}, T: r3.Vec{X: 1, Y: 2}}
	// The same board described with z out of it (y reversed).
	y2 := r3.Scale(-1, y)
	zUp := Pose{R: [3][3]float64{{x.X, y2.X, 0}, {x.Y, y2.Y, 0}, {0, 0, 1}}, T: faceUp.T}
	for _, tt := range []struct {
		name  string
		board Pose
	}{
		{name: "OpenCV board, z into it", board: faceUp},
		{name: "board with z out of it", board: zUp},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, s, err := AlignToBoard(cams, tt.board)
			if err != nil {
				t.Fatal(err)
			}
			// The origin corner goes to the origin, the board's x axis to
			// x, and the cameras are above.
			if o := s.Apply(faceUp.T); r3.Norm(o) > 1e-12 {
				t.Errorf("board origin at %v, want 0", o)
			}
			if a := r3.Sub(s.Apply(r3.Add(faceUp.T, x)), s.Apply(faceUp.T)); r3.Norm(r3.Sub(a, r3.Vec{X: 1})) > 1e-12 {
				t.Errorf("board x axis along %v, want (1, 0, 0)", a)
			}
			for c := range got {
				if h, want := got[c].Center().Z, cams[c].Center().Z; math.Abs(h-want) > 1e-9 {
					t.Errorf("camera %d at height %.3f, want %.3f", c, h, want)
				}
			}
			pts := []r3.Vec{{X: 1, Y: 1, Z: 1}, {X: -2, Y: 0.5, Z: 0}, {Z: 2}}
			moved := make([]r3.Vec, len(pts))
			for i, p := range pts {
				moved[i] = s.Apply(p)
			}
			sameProjections(t, got, moved, cams, pts)
		})
	}
	if _, _, err := AlignToBoard(cams, Pose{T: r3.Vec{X: math.NaN()}}); !errors.Is(err, ErrDegenerate) {
		t.Errorf("non-rotation board: got %v, want %v", err, ErrDegenerate)
	}
}

func TestAlignAxes(t *testing.T) {
	cams := ringCameras(3, 7, 5, 3, r3.Vec{Z: 1})
	// A world whose "up" is y and running direction −z, origin (1, 1, 1).
	origin, xDir, up := r3.Vec{X: 1, Y: 1, Z: 1}, r3.Vec{Z: -2, Y: 0.1}, r3.Vec{Y: 3}
	got, s, err := AlignAxes(cams, origin, xDir, up)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ in, want r3.Vec }{
		{origin, r3.Vec{}},
		{r3.Add(origin, r3.Vec{Z: -1}), r3.Vec{X: 1}},
		{r3.Add(origin, r3.Vec{Y: 1}), r3.Vec{Z: 1}},
		{r3.Add(origin, r3.Vec{X: -1}), r3.Vec{Y: 1}}, // y = z × x = old y × old −z = old −x
	} {
		if d := r3.Norm(r3.Sub(s.Apply(tt.in), tt.want)); d > 1e-12 {
			t.Errorf("%v: got %v, want %v", tt.in, s.Apply(tt.in), tt.want)
		}
	}
	pts := []r3.Vec{{X: 1, Y: 1, Z: 1}, {X: -2, Y: 0.5}, {Z: 2}}
	moved := make([]r3.Vec, len(pts))
	for i, p := range pts {
		moved[i] = s.Apply(p)
	}
	sameProjections(t, got, moved, cams, pts)

	for _, tt := range []struct {
		name     string
		xDir, up r3.Vec
	}{
		{name: "zero up", xDir: r3.Vec{X: 1}},
		{name: "x along up", xDir: r3.Vec{Z: 2}, up: r3.Vec{Z: 1}},
		{name: "NaN", xDir: r3.Vec{X: math.NaN()}, up: r3.Vec{Z: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := AlignAxes(cams, r3.Vec{}, tt.xDir, tt.up); !errors.Is(err, ErrDegenerate) {
				t.Fatalf("got %v, want %v", err, ErrDegenerate)
			}
		})
	}
}
