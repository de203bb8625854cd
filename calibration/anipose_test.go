package calibration

import (
	"bytes"
	"math"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

// aniposeStyleCameras are the cameras of testdata/anipose_style.toml, a
// file in aniposelib's own spelling (python toml's trailing commas), with
// its translations in millimetres.
func aniposeStyleCameras() []Camera {
	return []Camera{
		{Name: "A", Width: 1440, Height: 1080, K: [3][3]float64{{1850.5, 0, 719.5}, {0, 1850.5, 539.5}, {0, 0, 1}},
			Dist: []float64{-0.036, 0, 0, 0, 0}, R: identity3},
		{Name: "B", Width: 1440, Height: 1080, K: [3][3]float64{{1900.25, 0, 700}, {0, 1901, 540}, {0, 0, 1}},
			Dist: []float64{0.1, -0.02, 0.003, -0.004}, Fisheye: true,
			R: Rodrigues(r3.Vec{Y: 1.5707963267948966}), T: r3.Vec{X: -1.5, Y: 0.02, Z: 1.5}},
	}
}

func TestReadAniposeStyle(t *testing.T) {
	cams, m, f, err := ReadFileWith("testdata/anipose_style.toml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f != FormatAnipose {
		t.Fatalf("detected %v, want anipose", f)
	}
	// Millimetres to metres costs one rounding.
	checkCameras(t, cams, aniposeStyleCameras(), tolerance{trans: 1e-15})
	if !metaEqual(m, Meta{Error: 1.25}) {
		t.Fatalf("got meta %+v, want error 1.25 only", m)
	}
}

func TestAniposeUnit(t *testing.T) {
	data, err := os.ReadFile("testdata/anipose_style.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		unit float64
		want r3.Vec
	}{
		{"default millimetres", 0, r3.Vec{X: -1.5, Y: 0.02, Z: 1.5}},
		{"metres", Metre, r3.Vec{X: -1500, Y: 20, Z: 1500}},
		{"centimetres", 0.01, r3.Vec{X: -15, Y: 0.2, Z: 15}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cams, _, err := ReadAnipose(bytes.NewReader(data), tt.unit)
			if err != nil {
				t.Fatal(err)
			}
			if d := r3.Norm(r3.Sub(cams[1].T, tt.want)); d > 1e-12 {
				t.Fatalf("got T %v, want %v", cams[1].T, tt.want)
			}
			// Written back in the same unit, the file's numbers return.
			var buf bytes.Buffer
			if err := WriteAnipose(&buf, cams, Meta{}, tt.unit); err != nil {
				t.Fatal(err)
			}
			if want := "translation = [-1500.0, 20.0, 1500.0]"; tt.unit != 0.01 && !strings.Contains(buf.String(), want) {
				t.Fatalf("got\n%s\nwant a line %q", buf.String(), want)
			}
		})
	}
	for _, unit := range []float64{-1, math.Inf(1), math.NaN()} {
		if _, _, err := ReadAnipose(bytes.NewReader(data), unit); err == nil {
			t.Errorf("unit %g: got no error", unit)
		}
	}
}

func TestWriteAniposeLayout(t *testing.T) {
	// What anipose's CameraGroup.load needs: [cam_<i>] tables in order,
	// five coefficients (four for a fisheye camera, with fisheye = true)
	// and [metadata] with adjusted = false.
	var buf bytes.Buffer
	if err := WriteAnipose(&buf, aniposeStyleCameras(), Meta{}, 0); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{
		"[cam_0]\nname = \"A\"\nsize = [1440, 1080]\n",
		"distortions = [-0.036, 0.0, 0.0, 0.0, 0.0]\n",
		"[cam_1]\nname = \"B\"\n",
		"distortions = [0.1, -0.02, 0.003, -0.004]\n",
		"fisheye = true\n",
		"[metadata]\nadjusted = false\n",
	} {
		if !strings.Contains(text, want) {
			t.Fatalf("got\n%s\nwant it to contain %q", text, want)
		}
	}
	if strings.Contains(text, "fisheye = false") || strings.Contains(text, "error =") {
		t.Fatalf("got\n%s\nwant no fisheye = false (anipose never writes it) and no unknown error", text)
	}
}

func aniposeMalformedCases() []malformedCase {
	data, err := os.ReadFile("testdata/anipose_style.toml")
	if err != nil {
		panic(err)
	}
	good := string(data)
	rep := func(old, new string) string {
		if !strings.Contains(good, old) {
			panic("aniposeMalformedCases: " + old + " not in the file")
		}
		return strings.Replace(good, old, new, 1)
	}
	return []malformedCase{
		{"good", good, nil, nil},
		{"not toml", rep("size = [ 1440, 1080,]", "size = [ 1440, 1080,"), ErrFormat, []string{"toml: line 4"}},
		{"no matrix", rep("matrix = [ [ 1900.25", "matrix_ = [ [ 1900.25"), ErrFormat, []string{"[cam_1]: missing matrix"}},
		{"short translation", rep("translation = [ -1500.0, 20.0, 1500.0,]", "translation = [ -1500.0, 20.0,]"), ErrFormat, []string{"[cam_1]: translation: 2 values, want 3"}},
		{"fisheye with five", rep("distortions = [ 0.1, -0.02, 0.003, -0.004,]", "distortions = [ 0.1, -0.02, 0.003, -0.004, 0.0,]"), ErrFormat, []string{"[cam_1]: distortions: 5 coefficients for a fisheye camera"}},
		{"rotation matrix", rep("rotation = [ 0.0, 0.0, 0.0,]", "rotation = [ [ 1.0, 0.0, 0.0,], [ 0.0, 1.0, 0.0,], [ 0.0, 0.0, 1.0,],]"), ErrFormat, []string{"[cam_0]: rotation: element 1 is []interface {}, not a number"}},
		{"error string", rep("error = 1.25", `error = "small"`), ErrFormat, []string{`[metadata]: error: "small", not a number`}},
		{"stray key", "version = 2\n" + good, ErrFormat, []string{"version: int64, not a camera table"}},
		{"fisheye string", rep("fisheye = true", `fisheye = "yes"`), ErrFormat, []string{"[cam_1]: fisheye: string, not a boolean"}},
		{"only metadata", "[metadata]\nadjusted = false\n", ErrFormat, []string{"no camera table"}},
		{"half pixel size", rep("size = [ 1440, 1080,]", "size = [ 1440.5, 1080,]"), ErrFormat, []string{"size: 1440.5 is not a pixel count"}},
	}
}

func TestReadAniposeMalformed(t *testing.T) {
	checkMalformed(t, aniposeMalformedCases(), func(text string) error {
		_, _, err := ReadAnipose(strings.NewReader(text), 0)
		return err
	})
}

func TestReadAniposeKeepsFileOrder(t *testing.T) {
	// Eleven cameras: file order, which is dump order, not the string order
	// that puts cam_10 before cam_2.
	rig := make([]Camera, 11)
	base, _ := testRig()
	for i := range rig {
		rig[i] = base[i%len(base)]
		rig[i].Name = string(rune('a' + i))
	}
	var buf bytes.Buffer
	if err := WriteAnipose(&buf, rig, Meta{}, 0); err != nil {
		t.Fatal(err)
	}
	cams, _, err := ReadAnipose(&buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cams {
		if c.Name != rig[i].Name {
			t.Fatalf("camera %d: got %q, want %q", i, c.Name, rig[i].Name)
		}
	}
}

func FuzzReadAnipose(f *testing.F) {
	addSeeds(f, []string{"testdata/anipose_style.toml", "testdata/rig_anipose.toml"}, aniposeMalformedCases())
	f.Fuzz(func(t *testing.T, data string) { fuzzReader(t, data, FormatAnipose) })
}
