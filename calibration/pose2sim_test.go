package calibration

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestWriteProjectPose2SimReads reads a project file the way Pose2Sim
// does (every table but metadata is a camera, read by its keys) and checks
// that each camera has Pose2Sim's keys with the shapes it expects.
func TestWriteProjectPose2SimReads(t *testing.T) {
	cams, meta := testRig()
	var buf bytes.Buffer
	if err := WriteProject(&buf, cams, meta); err != nil {
		t.Fatal(err)
	}
	var raw map[string]map[string]any
	if _, err := toml.Decode(buf.String(), &raw); err != nil {
		t.Fatal(err)
	}
	n := 0
	for key, table := range raw {
		if key == "metadata" {
			continue
		}
		n++
		for k, length := range map[string]int{"size": 2, "matrix": 3, "rotation": 3, "translation": 3} {
			if v, ok := table[k].([]any); !ok || len(v) != length {
				t.Fatalf("[%s] %s: got %v, want %d values", key, k, table[k], length)
			}
		}
		if _, ok := table["name"].(string); !ok {
			t.Fatalf("[%s] name: got %v", key, table["name"])
		}
		if _, ok := table["fisheye"].(bool); !ok {
			t.Fatalf("[%s] fisheye: got %v", key, table["fisheye"])
		}
		if d, ok := table["distortions"].([]any); !ok || len(d) < 4 {
			t.Fatalf("[%s] distortions: got %v", key, table["distortions"])
		}
	}
	if n != len(cams) {
		t.Fatalf("got %d camera tables, want %d", n, len(cams))
	}
}

func TestProjectNamesAndOrder(t *testing.T) {
	rig, _ := testRig()
	cams := append([]Camera(nil), rig...)
	// Names TOML cannot write bare, in an order that is not sorted.
	cams[0].Name, cams[1].Name, cams[2].Name, cams[3].Name = "z side", "côté", "a.b", "1"
	var buf bytes.Buffer
	if err := WriteProject(&buf, cams, Meta{}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{`["z side"]`, `["côté"]`, `["a.b"]`, "[1]"} {
		if !strings.Contains(buf.String(), h+"\n") {
			t.Fatalf("got\n%s\nwant a table %s", buf.String(), h)
		}
	}
	got, _, err := ReadProject(&buf)
	if err != nil {
		t.Fatal(err)
	}
	checkCameras(t, got, cams, rodrigues)

	cams[1].Name = "metadata"
	if err := WriteProject(new(bytes.Buffer), cams, Meta{}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("got %v, want ErrUnsupported for a camera named metadata", err)
	}
}

func TestReadProjectMeta(t *testing.T) {
	text := goodTOML + "error = 0.5\nworld = \"z up\"\ntool = \"athlete3d v1\"\n"
	text = strings.Replace(text, "fisheye = false\n", "fisheye = false\nrms = 0.25\n", 1)
	cams, m, err := ReadProject(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Meta{RMS: []float64{0.25}, Error: 0.5, World: "z up", Tool: "athlete3d v1"}); len(cams) != 1 || !metaEqual(m, want) {
		t.Fatalf("got %d cameras, meta %+v, want 1 and %+v", len(cams), m, want)
	}
	_, _, err = ReadProject(strings.NewReader(strings.Replace(text, "rms = 0.25", "rms = -1.0", 1)))
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "[cam_01]: rms: -1") {
		t.Fatalf("got %v, want ErrFormat naming [cam_01] rms", err)
	}
	_, _, err = ReadProject(strings.NewReader(strings.Replace(text, "distortions = [ -0.1, 0.01, 0.0, 0.0]", "distortions = [ -0.1, 0.01, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3]", 1)))
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "coefficient 8 is 0.3") {
		t.Fatalf("got %v, want ErrUnsupported for a rational model", err)
	}
}
