package calibration

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden calibration files in testdata")

// testRig is the synthetic rig of the golden files: four cameras around a
// 60 m straight, one with a k3, one fisheye, one with skew.
func testRig() ([]Camera, Meta) {
	a := LookAt("cam_0", r3.Vec{X: 10, Y: -12, Z: 3}, r3.Vec{X: 20, Y: 0, Z: 1}, 1920, 1080, 1650.25)
	a.Dist = []float64{-0.112, 0.0453, 0.0012, -0.0007}
	b := LookAt("cam_1", r3.Vec{X: 30, Y: -12, Z: 3}, r3.Vec{X: 30, Y: 0, Z: 1}, 1920, 1080, 1702.5)
	b.Dist = []float64{-0.2, 0.11, -0.0003, 0.0002, -0.031}
	c := LookAt("cam_2", r3.Vec{X: 50, Y: 14, Z: 4}, r3.Vec{X: 40, Y: 0, Z: 1}, 1280, 720, 640.125)
	c.Fisheye, c.Dist = true, []float64{0.051, -0.012, 0.0021, -0.0004}
	d := LookAt("cam_3", r3.Vec{X: 65, Y: 0, Z: 6}, r3.Vec{X: 30, Y: 0, Z: 0}, 3840, 2160, 3100)
	d.K[0][1] = 0.75
	return []Camera{a, b, c, d}, Meta{
		RMS:   []float64{0.31, 0.28, 0.45, 0.52},
		Error: 0.39,
		World: "z up, origin at the start line, x along the track",
		Tool:  "athlete3d test",
	}
}

// randomCamera returns a camera with every parameter drawn at random.
func randomCamera(rng *rand.Rand, name string, fisheye bool) Camera {
	fx := 300 + 3000*rng.Float64()
	c := Camera{
		Name: name, Width: 320 + rng.IntN(4000), Height: 240 + rng.IntN(3000),
		K: [3][3]float64{
			{fx, rng.NormFloat64() * 0.5, 100 + 2000*rng.Float64()},
			{0, fx * (0.95 + 0.1*rng.Float64()), 100 + 1500*rng.Float64()},
			{0, 0, 1},
		},
		Fisheye: fisheye,
		R:       Rodrigues(r3.Scale(math.Pi*rng.Float64(), r3.Unit(r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()}))),
		T:       r3.Vec{X: 40 * (rng.Float64() - 0.5), Y: 40 * (rng.Float64() - 0.5), Z: 20 * rng.Float64()},
	}
	n := 4 + rng.IntN(2)
	if fisheye {
		n = 4
	}
	c.Dist = make([]float64, n)
	for i := range c.Dist {
		c.Dist[i] = 0.1 * rng.NormFloat64()
	}
	return c
}

func randomRig(rng *rand.Rand, n int) []Camera {
	cams := make([]Camera, n)
	names := []string{"cam_%d", "side %d", "côté-%d", "Cam.%d"}
	for i := range cams {
		cams[i] = randomCamera(rng, fmt.Sprintf(names[rng.IntN(len(names))], i), rng.IntN(3) == 0)
	}
	return cams
}

// tolerance says how closely a format gives cameras back: 0 means bit
// for bit.
type tolerance struct{ rot, trans float64 }

// exact is for formats that store every number of a Camera as it is.
var exact = tolerance{}

// rodrigues is for formats that store R as a rotation vector: R → w → R
// costs a few units in the last place (TestRotationVectorNearPi), and 4e-15
// is twenty of them. T is stored as it is, but through anipose's
// millimetres it costs one rounding each way.
var rodrigues = tolerance{rot: 4e-15, trans: 1e-15}

func distEqual(a, b []float64) bool {
	for i := range max(len(a), len(b)) {
		var x, y float64
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return false
		}
	}
	return true
}

// cameraDiff returns how got differs from want beyond tol, or "".
func cameraDiff(got, want Camera, tol tolerance) string {
	switch {
	case got.Name != want.Name:
		return fmt.Sprintf("name: got %q, want %q", got.Name, want.Name)
	case got.Width != want.Width || got.Height != want.Height:
		return fmt.Sprintf("size: got %d×%d, want %d×%d", got.Width, got.Height, want.Width, want.Height)
	case got.K != want.K:
		return fmt.Sprintf("K: got %v, want %v", got.K, want.K)
	case got.Fisheye != want.Fisheye:
		return fmt.Sprintf("fisheye: got %t, want %t", got.Fisheye, want.Fisheye)
	case !distEqual(got.Dist, want.Dist):
		return fmt.Sprintf("distortion: got %v, want %v", got.Dist, want.Dist)
	}
	for i := range 3 {
		for j := range 3 {
			if d := math.Abs(got.R[i][j] - want.R[i][j]); d > tol.rot {
				return fmt.Sprintf("R[%d][%d]: got %.17g, want %.17g (off by %.3g)", i, j, got.R[i][j], want.R[i][j], d)
			}
		}
	}
	if d := r3.Norm(r3.Sub(got.T, want.T)); d > tol.trans*math.Max(1, r3.Norm(want.T)) {
		return fmt.Sprintf("T: got %v, want %v (off by %.3g)", got.T, want.T, d)
	}
	return ""
}

func checkCameras(t *testing.T, got, want []Camera, tol tolerance) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d cameras, want %d", len(got), len(want))
	}
	for i := range want {
		if d := cameraDiff(got[i], want[i], tol); d != "" {
			t.Fatalf("camera %d (%s): %s", i, want[i].Name, d)
		}
	}
}

// formatCases lists each format with what it gives back.
var formatCases = []struct {
	format Format
	ext    string
	tol    tolerance
	// keeps returns the part of Meta the format keeps.
	keeps func(Meta) Meta
}{
	{FormatProject, ".toml", rodrigues, func(m Meta) Meta { return m }},
	{FormatOpenCVYAML, ".yml", exact, func(m Meta) Meta { return m }},
	{FormatOpenCVXML, ".xml", exact, func(m Meta) Meta { return m }},
	{FormatAnipose, ".toml", rodrigues, func(m Meta) Meta { return Meta{Error: m.Error} }},
	{FormatCaliscope, ".toml", rodrigues, func(m Meta) Meta { return Meta{RMS: m.RMS} }},
}

func metaEqual(a, b Meta) bool {
	return a.Error == b.Error && a.World == b.World && a.Tool == b.Tool && distEqual(a.RMS, b.RMS) && (a.RMS == nil) == (b.RMS == nil)
}

func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range formatCases {
		t.Run(tt.format.String(), func(t *testing.T) {
			for trial := range 50 {
				cams := randomRig(rng, 1+rng.IntN(6))
				if tt.format == FormatCaliscope {
					for i := range cams {
						cams[i].Name = fmt.Sprintf("cam_%d", 3*i+1) // caliscope's names
					}
				}
				var buf bytes.Buffer
				if err := Write(&buf, cams, Meta{}, Options{Format: tt.format}); err != nil {
					t.Fatalf("trial %d: %v", trial, err)
				}
				text := buf.String()
				got, _, err := Read(&buf, Options{Format: tt.format})
				if err != nil {
					t.Fatalf("trial %d: %v\n%s", trial, err, text)
				}
				checkCameras(t, got, cams, tt.tol)
			}
		})
	}
}

func TestRoundTripMeta(t *testing.T) {
	cams, meta := testRig()
	for _, tt := range formatCases {
		t.Run(tt.format.String(), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, cams, meta, Options{Format: tt.format}); err != nil {
				t.Fatal(err)
			}
			got, m, err := Read(&buf, Options{Format: tt.format})
			if err != nil {
				t.Fatal(err)
			}
			checkCameras(t, got, cams, tt.tol)
			if want := tt.keeps(meta); !metaEqual(m, want) {
				t.Fatalf("got meta %+v, want %+v", m, want)
			}
		})
	}
}

// TestCrossFormat carries a rig through every format in turn.
func TestCrossFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cams := randomRig(rng, 5)
	for i := range cams {
		cams[i].Name = fmt.Sprintf("cam_%d", i) // caliscope keeps no other names
	}
	dir := t.TempDir()
	cur := cams
	chain := []Format{FormatProject, FormatOpenCVXML, FormatAnipose, FormatCaliscope, FormatOpenCVYAML, FormatProject}
	for i, f := range chain {
		path := filepath.Join(dir, fmt.Sprintf("step%d-%v", i, f))
		if err := WriteFile(path, cur, f); err != nil {
			t.Fatal(err)
		}
		got, detected, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if detected != f {
			t.Fatalf("step %d: detected %v, want %v", i, detected, f)
		}
		cur = got
	}
	// Three Rodrigues round trips and one through millimetres.
	checkCameras(t, cur, cams, tolerance{rot: 6e-15, trans: 3e-15})
}

func TestGolden(t *testing.T) {
	cams, meta := testRig()
	for _, tt := range []struct {
		file   string
		format Format
	}{
		{"rig_project.toml", FormatProject},
		{"rig.yml", FormatOpenCVYAML},
		{"rig.xml", FormatOpenCVXML},
		{"rig_anipose.toml", FormatAnipose},
		{"rig_caliscope.toml", FormatCaliscope},
	} {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			var buf bytes.Buffer
			if err := Write(&buf, cams, meta, Options{Format: tt.format}); err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			golden, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), golden) {
				t.Fatalf("%s differs from what the writer writes now; run go test -update if the change is meant", path)
			}
			got, f, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if f != tt.format {
				t.Fatalf("detected %v, want %v", f, tt.format)
			}
			tol := exact
			if tt.format != FormatOpenCVYAML && tt.format != FormatOpenCVXML {
				tol = rodrigues
			}
			checkCameras(t, got, cams, tol)
		})
	}
}

func TestDetectFormat(t *testing.T) {
	for _, tt := range []struct {
		name, path, head string
		want             Format
	}{
		{"yaml header", "a.yml", "%YAML:1.0\n---\n", FormatOpenCVYAML},
		{"yaml header with space", "a.txt", "%YAML 1.0\n", FormatOpenCVYAML},
		{"yaml by extension", "a.yaml", "camera_matrix: !!opencv-matrix\n", FormatOpenCVYAML},
		{"xml", "a.xml", "<?xml version=\"1.0\"?>\n<opencv_storage>", FormatOpenCVXML},
		{"xml content wins", "a.yml", "\n<?xml version=\"1.0\"?>", FormatOpenCVXML},
		{"xml without declaration", "calib", "<opencv_storage>\n", FormatOpenCVXML},
		{"pose2sim", "Calib.toml", "[cam_01]\nname = \"cam_01\"\nfisheye = false\n\n[metadata]\nadjusted = false\nerror = 0.0\n", FormatProject},
		{"project metadata", "c.toml", "[a]\nfisheye = true\n[metadata]\nadjusted = false\ntool = \"athlete3d\"\n", FormatProject},
		{"anipose", "calibration.toml", "[cam_0]\nname = \"A\"\nsize = [ 1440, 1080,]\n\n[metadata]\nadjusted = true\nerror = 1.6\n", FormatAnipose},
		{"anipose fisheye", "calibration.toml", "[cam_0]\nfisheye = true\n[metadata]\nadjusted = false\n", FormatAnipose},
		{"caliscope", "camera_array.toml", "[cameras.0]\ncam_id = 0\n", FormatCaliscope},
		{"caliscope ports", "config.toml", "fps = 6\n\n[cam_0]\nport = 0\n", FormatCaliscope},
		{"toml without hints", "x.toml", "[left]\nmatrix = []\n", FormatProject},
		{"toml without extension", "calib", "[cam_0]\nport = 0\n", FormatCaliscope},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectFormat(tt.path, []byte(tt.head))
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v, want %v", got, err, tt.want)
			}
		})
	}
	if _, err := DetectFormat("notes.txt", []byte("hello")); !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("got %v, want ErrUnknownFormat", err)
	}
}

func TestParseFormat(t *testing.T) {
	for f := FormatProject; f <= FormatCaliscope; f++ {
		got, err := ParseFormat(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q): got %v, %v, want %v", f.String(), got, err, f)
		}
	}
	for s, want := range map[string]Format{"pose2sim": FormatProject, "YAML": FormatOpenCVYAML, "xml": FormatOpenCVXML} {
		if got, err := ParseFormat(s); err != nil || got != want {
			t.Errorf("ParseFormat(%q): got %v, %v, want %v", s, got, err, want)
		}
	}
	if _, err := ParseFormat("unknown"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("ParseFormat(unknown): got %v, want ErrUnknownFormat", err)
	}
}

// TestWriteRejects checks that writers refuse what they cannot write, with
// the sentinel and a message naming the camera.
func TestWriteRejects(t *testing.T) {
	good, _ := testRig()
	edit := func(f func(c []Camera)) []Camera {
		c := append([]Camera(nil), good...)
		f(c)
		return c
	}
	for _, tt := range []struct {
		name     string
		cams     []Camera
		meta     Meta
		sentinel error
		msg      string
	}{
		{"no camera", nil, Meta{}, ErrFormat, "no camera"},
		{"quote in name", edit(func(c []Camera) { c[1].Name = `say "hi"` }), Meta{}, ErrUnsupported, "camera 2: name"},
		{"control character", edit(func(c []Camera) { c[0].Name = "a\tb" }), Meta{}, ErrUnsupported, "control characters"},
		{"empty name", edit(func(c []Camera) { c[0].Name = "" }), Meta{}, ErrUnsupported, "name: empty"},
		{"same name", edit(func(c []Camera) { c[2].Name = c[0].Name }), Meta{}, ErrUnsupported, `two cameras are named "cam_0"`},
		{"rational model", edit(func(c []Camera) { c[1].Dist = []float64{0.1, 0, 0, 0, 0, 0.2} }), Meta{}, ErrUnsupported, "coefficient 6 is 0.2"},
		{"fisheye k5", edit(func(c []Camera) { c[2].Dist = []float64{0.1, 0, 0, 0, 0.3} }), Meta{}, ErrUnsupported, "coefficient 5 is 0.3"},
		{"not a rotation", edit(func(c []Camera) { c[3].R[1][0] += 0.01 }), Meta{}, ErrFormat, `camera "cam_3": rotation: not orthonormal`},
		{"reflection", edit(func(c []Camera) { c[3].R[2] = r3Neg(c[3].R[2]) }), Meta{}, ErrFormat, "reflection"},
		{"nan translation", edit(func(c []Camera) { c[0].T.Y = math.NaN() }), Meta{}, ErrFormat, "translation: not finite"},
		{"zero focal", edit(func(c []Camera) { c[0].K[1][1] = 0 }), Meta{}, ErrFormat, "focal lengths"},
		{"scaled K", edit(func(c []Camera) { c[0].K[2][2] = 2 }), Meta{}, ErrFormat, "want [fx s cx; 0 fy cy; 0 0 1]"},
		{"RMS count", good, Meta{RMS: []float64{1}}, ErrFormat, "1 RMS values for 4 cameras"},
		{"world quote", good, Meta{World: `"up"`}, ErrUnsupported, "world"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, fc := range formatCases {
				err := Write(new(bytes.Buffer), tt.cams, tt.meta, Options{Format: fc.format})
				if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("%v: got %v, want %v containing %q", fc.format, err, tt.sentinel, tt.msg)
				}
			}
		})
	}
}

// TestWriteUnknownSize: FileStorage's layouts may leave the image size 0
// (unknown), the TOML formats need it.
func TestWriteUnknownSize(t *testing.T) {
	cams, _ := testRig()
	cams[1].Width = 0
	for _, fc := range formatCases {
		err := Write(new(bytes.Buffer), cams, Meta{}, Options{Format: fc.format})
		switch fc.format {
		case FormatOpenCVYAML, FormatOpenCVXML:
			if err != nil {
				t.Errorf("%v: got %v, want no error", fc.format, err)
			}
		default:
			if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), `camera "cam_1": image size 0×1080 unknown`) {
				t.Errorf("%v: got %v, want ErrUnsupported naming cam_1's size", fc.format, err)
			}
		}
	}
}

func r3Neg(row [3]float64) [3]float64 { return [3]float64{-row[0], -row[1], -row[2]} }

func TestWriteFileLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "calib.toml")
	bad, _ := testRig()
	bad[0].K[0][0] = -1
	if err := WriteFile(path, bad, FormatProject); !errors.Is(err, ErrFormat) {
		t.Fatalf("got %v, want ErrFormat", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("got %d files in the directory, want none", len(entries))
	}
	cams, _ := testRig()
	if err := WriteFile(filepath.Join(dir, "calib.bin"), cams, FormatUnknown); !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("got %v, want ErrUnknownFormat for an extension that names no format", err)
	}
	if err := WriteFile(filepath.Join(dir, "calib.yaml"), cams, FormatUnknown); err != nil {
		t.Fatal(err)
	}
	if _, f, err := ReadFile(filepath.Join(dir, "calib.yaml")); err != nil || f != FormatOpenCVYAML {
		t.Fatalf("got %v, %v, want opencv-yaml", f, err)
	}
}

func TestReadFileErrorNamesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "broken.yml")
	if err := os.WriteFile(path, []byte("%YAML:1.0\n---\ncamera_count: 1\ncam_0_K: [ 1, 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := ReadFile(path)
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), path+" (opencv-yaml)") || !strings.Contains(err.Error(), "line 4: unclosed [") {
		t.Fatalf("got %v, want the path, the format and line 4", err)
	}
	if _, _, err := ReadFile(filepath.Join(dir, "missing.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want ErrNotExist", err)
	}
}

func TestReadFileQualisys(t *testing.T) {
	p := testenv.SharedData(t, "pose2sim-s00/S00_Calibration/Calib_qualisys.toml")
	cams, m, f, err := ReadFileWith(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Pose2Sim's own file ends with [metadata] adjusted = false, which
	// must not pass it off as anipose's.
	if f != FormatProject {
		t.Fatalf("detected %v, want project", f)
	}
	if len(cams) != 4 || cams[0].Name != "cam_01" || cams[3].Name != "cam_04" || m.Error != 0 || m.RMS != nil {
		t.Fatalf("got %d cameras (first %q), meta %+v", len(cams), cams[0].Name, m)
	}
	// Every conversion gives the same rig back.
	dir := t.TempDir()
	for _, tt := range formatCases {
		out := filepath.Join(dir, "qualisys-"+tt.format.String()+tt.ext)
		if err := WriteFile(out, cams, tt.format); err != nil {
			t.Fatal(err)
		}
		got, _, err := ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		checkCameras(t, got, cams, tt.tol)
	}
}

func ExampleWrite() {
	cam := LookAt("side", r3.Vec{X: 10, Y: -12, Z: 1.5}, r3.Vec{X: 10, Y: 0, Z: 1}, 1920, 1080, 1500)
	if err := Write(os.Stdout, []Camera{cam}, Meta{Error: 0.4}, Options{Format: FormatAnipose, Unit: Millimetre}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// [cam_0]
	// name = "side"
	// size = [1920, 1080]
	// matrix = [[1500.0, 0.0, 959.5], [0.0, 1500.0, 539.5], [0.0, 0.0, 1.0]]
	// distortions = [0.0, 0.0, 0.0, 0.0, 0.0]
	// rotation = [1.6124389058934845, 0.0, 0.0]
	// translation = [-10000.0, 999.1330730923519, 12052.042694176494]
	//
	// [metadata]
	// adjusted = false
	// error = 0.4
}
