package calibration

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/internal/testenv"
)

func testCameras() []Camera {
	base := LookAt("pinhole", r3.Vec{X: 5, Y: -8, Z: 2}, r3.Vec{X: 6, Y: 0, Z: 1}, 1920, 1080, 1500)
	brown := base
	brown.Name, brown.Dist = "brown", []float64{-0.12, 0.05, 0.001, -0.0005, -0.01}
	brown.K[0][1] = 0.5
	fish := base
	fish.Name, fish.Fisheye, fish.Dist = "fisheye", true, []float64{0.05, -0.01, 0.002, -0.0003}
	return []Camera{base, brown, fish}
}

func TestLookAt(t *testing.T) {
	c := testCameras()[0]
	u, v, ok := c.Project(r3.Vec{X: 6, Y: 0, Z: 1})
	if !ok || math.Abs(u-959.5) > 1e-9 || math.Abs(v-539.5) > 1e-9 {
		t.Fatalf("target at (%v, %v, %v), want the image centre", u, v, ok)
	}
	// Up in the world is up in the picture.
	_, v2, _ := c.Project(r3.Vec{X: 6, Y: 0, Z: 2})
	if v2 >= v {
		t.Fatalf("a higher point is at v %v, not above %v", v2, v)
	}
	if d := r3.Norm(r3.Sub(c.Center(), r3.Vec{X: 5, Y: -8, Z: 2})); d > 1e-12 {
		t.Fatalf("centre off by %v", d)
	}
	if _, _, ok := c.Project(r3.Vec{X: 5, Y: -20, Z: 2}); ok {
		t.Fatal("a point behind the camera projects")
	}
}

func TestNormalizeInvertsPixelOf(t *testing.T) {
	for _, c := range testCameras() {
		for _, p := range [][2]float64{{0, 0}, {0.3, -0.2}, {-0.5, 0.28}, {0.55, 0.3}} {
			u, v := c.PixelOf(p[0], p[1])
			x, y, ok := c.Normalize(u, v)
			if !ok || math.Hypot(x-p[0], y-p[1]) > 1e-9 {
				t.Errorf("%s: (%v, %v) -> (%v, %v) -> (%v, %v, %v)", c.Name, p[0], p[1], u, v, x, y, ok)
			}
		}
	}
}

func TestProjectJacobian(t *testing.T) {
	X := r3.Vec{X: 6.3, Y: 0.4, Z: 1.3}
	for _, c := range testCameras() {
		u, v, J, ok := c.ProjectJacobian(X)
		if !ok {
			t.Fatal("not in front")
		}
		const h = 1e-6
		for j := range 3 {
			d := [3]float64{}
			d[j] = h
			up, vp, _ := c.Project(r3.Add(X, r3.Vec{X: d[0], Y: d[1], Z: d[2]}))
			um, vm, _ := c.Project(r3.Sub(X, r3.Vec{X: d[0], Y: d[1], Z: d[2]}))
			nu, nv := (up-um)/(2*h), (vp-vm)/(2*h)
			if math.Abs(nu-J[0][j]) > 1e-3*math.Max(1, math.Abs(nu)) || math.Abs(nv-J[1][j]) > 1e-3*math.Max(1, math.Abs(nv)) {
				t.Errorf("%s: column %d: got (%v, %v), numeric (%v, %v)", c.Name, j, J[0][j], J[1][j], nu, nv)
			}
		}
		if pu, pv, _ := c.Project(X); pu != u || pv != v {
			t.Errorf("%s: ProjectJacobian pixel differs from Project", c.Name)
		}
	}
}

func TestRodrigues(t *testing.T) {
	for _, w := range []r3.Vec{{}, {X: 0.1}, {X: 1.68, Y: 1.05, Z: -0.42}, {Y: math.Pi - 1e-9}, {X: 2, Y: -1, Z: 0.5}} {
		R := Rodrigues(w)
		// Orthonormal with determinant 1.
		det := R[0][0]*(R[1][1]*R[2][2]-R[1][2]*R[2][1]) - R[0][1]*(R[1][0]*R[2][2]-R[1][2]*R[2][0]) + R[0][2]*(R[1][0]*R[2][1]-R[1][1]*R[2][0])
		if math.Abs(det-1) > 1e-12 {
			t.Errorf("%v: det %v", w, det)
		}
		back := Rodrigues(RotationVector(R))
		for i := range 3 {
			for j := range 3 {
				if math.Abs(back[i][j]-R[i][j]) > 1e-7 {
					t.Fatalf("%v: round trip differs at %d,%d", w, i, j)
				}
			}
		}
	}
}

func TestReadPose2SimFile(t *testing.T) {
	p := testenv.SharedData(t, "pose2sim-s00/S00_Calibration/Calib_qualisys.toml")
	cams, err := ReadPose2SimFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(cams) != 4 || cams[0].Name != "cam_01" || cams[0].Width != 1088 || cams[0].Height != 1920 {
		t.Fatalf("got %d cameras, first %+v", len(cams), cams[0])
	}
	if math.Abs(cams[0].K[0][0]-1681.244873046875) > 1e-9 || math.Abs(cams[0].T.Z-2.8907130499999996) > 1e-12 {
		t.Fatalf("cam_01 K or T misread: %+v", cams[0])
	}
	// Every camera sees the middle of the capture volume, near the origin.
	for _, c := range cams {
		u, v, ok := c.Project(r3.Vec{Z: 1})
		if !ok || u < 0 || v < 0 || u > float64(c.Width) || v > float64(c.Height) {
			t.Errorf("%s: (0, 0, 1) at (%v, %v, %v), outside the picture", c.Name, u, v, ok)
		}
	}
	var buf bytes.Buffer
	if err := WritePose2Sim(&buf, cams); err != nil {
		t.Fatal(err)
	}
	again, err := ReadPose2Sim(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cams {
		a, b := cams[i], again[i]
		if a.Name != b.Name || a.K != b.K || r3.Norm(r3.Sub(a.T, b.T)) > 1e-15 || !same(a.Dist, b.Dist) {
			t.Fatalf("round trip changed %s:\n%+v\n%+v", a.Name, a, b)
		}
		for r := range 3 {
			for k := range 3 {
				if math.Abs(a.R[r][k]-b.R[r][k]) > 1e-12 {
					t.Fatalf("round trip changed %s's rotation", a.Name)
				}
			}
		}
	}
}

func same(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

const goodTOML = `[cam_01]
name = "a"
size = [ 1920.0, 1080.0]
matrix = [ [ 1500.0, 0.0, 960.0], [ 0.0, 1500.0, 540.0], [ 0.0, 0.0, 1.0]]
distortions = [ -0.1, 0.01, 0.0, 0.0]
rotation = [ 0.1, 0.2, 0.3]
translation = [ 1.0, 2.0, 3.0]
fisheye = false

[metadata]
adjusted = false
`

var pose2simCases = []struct {
	name, text, err string // err: substring of the error; empty for success
}{
	{"good", goodTOML, ""},
	{"integers", strings.ReplaceAll(goodTOML, "1500.0", "1500"), ""},
	{"not toml", "[cam_01\nmatrix = ", "malformed"},
	{"no camera", "[metadata]\nadjusted = false\n", "no camera table"},
	{"short translation", strings.Replace(goodTOML, "[ 1.0, 2.0, 3.0]", "[ 1.0, 2.0]", 1), "translation: 2 values, want 3"},
	{"matrix of strings", strings.Replace(goodTOML, "[ 0.0, 0.0, 1.0]]", `[ "0", 0.0, 1.0]]`, 1), "matrix row 3"},
	{"missing rotation", strings.Replace(goodTOML, "rotation = [ 0.1, 0.2, 0.3]\n", "", 1), "missing rotation"},
	{"nan", strings.Replace(goodTOML, "[ 0.1, 0.2, 0.3]", "[ nan, 0.2, 0.3]", 1), "not finite"},
	{"zero focal", strings.Replace(goodTOML, "[ 1500.0, 0.0, 960.0]", "[ 0.0, 0.0, 960.0]", 1), "focal lengths"},
	{"size not array", strings.Replace(goodTOML, "size = [ 1920.0, 1080.0]", "size = 3", 1), "size: not an array"},
}

func TestReadPose2Sim(t *testing.T) {
	for _, tt := range pose2simCases {
		t.Run(tt.name, func(t *testing.T) {
			cams, err := ReadPose2Sim(strings.NewReader(tt.text))
			if tt.err == "" {
				if err != nil || len(cams) != 1 || cams[0].Name != "a" {
					t.Fatalf("got %v, %v", cams, err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("got %v, want ErrFormat containing %q", err, tt.err)
			}
		})
	}
}

func FuzzReadPose2Sim(f *testing.F) {
	for _, tt := range pose2simCases {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cams, err := ReadPose2Sim(strings.NewReader(text))
		if err != nil {
			return
		}
		for _, c := range cams {
			c.Project(r3.Vec{X: 0.1, Y: 0.2, Z: 5})
			c.Normalize(1, 1)
		}
	})
}

// TestRotationVectorNearPi checks R → w → R to float precision at every
// angle, and most of all near π, where a camera looking straight down is.
func TestRotationVectorNearPi(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	worst := func(gap float64) (w float64) {
		for range 20000 {
			axis := r3.Unit(r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()})
			R := Rodrigues(r3.Scale(math.Pi-gap*rng.Float64(), axis))
			back := Rodrigues(RotationVector(R))
			for i := range 3 {
				for j := range 3 {
					w = math.Max(w, math.Abs(back[i][j]-R[i][j]))
				}
			}
		}
		return w
	}
	for _, gap := range []float64{math.Pi, 1e-2, 1e-5, 1e-8, 0} {
		if w := worst(gap); w > 4e-15 {
			t.Errorf("angles within %g of π: worst |ΔR| %.3g, want ≤ 4e-15", gap, w)
		}
	}
	for _, tt := range []struct {
		name string
		R    [3][3]float64
		want r3.Vec
	}{
		{"identity", identity3, r3.Vec{}},
		{"looking down", [3][3]float64{{1, 0, 0}, {0, -1, 0}, {0, 0, -1}}, r3.Vec{X: math.Pi}},
		{"half turn about z", [3][3]float64{{-1, 0, 0}, {0, -1, 0}, {0, 0, 1}}, r3.Vec{Z: math.Pi}},
		{"quarter turn about y", [3][3]float64{{0, 0, 1}, {0, 1, 0}, {-1, 0, 0}}, r3.Vec{Y: math.Pi / 2}},
	} {
		if got := RotationVector(tt.R); r3.Norm(r3.Sub(got, tt.want)) > 1e-15 {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
