package calibration

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeLegacyCaliscope writes cameras in caliscope's two older layouts,
// which WriteCaliscope does not write but ReadCaliscope reads: config.toml
// with [cam_<n>] tables keyed by `port` (the oldest, with other tables and
// keys beside them), and camera_array.toml with [cameras.<n>] tables keyed
// by `port`. Both store the rotation as a 3x3 matrix and write python
// toml's spelling.
func writeLegacyCaliscope(cams []Camera, m Meta, config bool) []byte {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	list := func(v ...float64) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = tomlFloat(x) + ","
		}
		return "[ " + strings.Join(s, " ") + "]"
	}
	if config {
		w.WriteString("camera_count = 4\nfps_recording = 24\n\n")
	}
	for i := range cams {
		c := &cams[i]
		if config {
			fmt.Fprintf(w, "[cam_%d]\n", i)
		} else {
			fmt.Fprintf(w, "[cameras.%d]\n", i)
		}
		fmt.Fprintf(w, "port = %d\nsize = [ %d, %d,]\nrotation_count = 0\nerror = %s\n", i, c.Width, c.Height, tomlFloat(rmsOf(m, i)))
		fmt.Fprintf(w, "matrix = [ %s, %s, %s,]\n", list(c.K[0][:]...), list(c.K[1][:]...), list(c.K[2][:]...))
		fmt.Fprintf(w, "distortions = %s\ntranslation = %s\n", list(distOut(c, 5)...), list(c.T.X, c.T.Y, c.T.Z))
		fmt.Fprintf(w, "rotation = [ %s, %s, %s,]\n", list(c.R[0][:]...), list(c.R[1][:]...), list(c.R[2][:]...))
		fmt.Fprintf(w, "exposure = -6\ngrid_count = 30\nignore = false\nverified_resolutions = [ [ 640, 480,], [ 1280, 720,],]\n\n")
	}
	if config {
		w.WriteString("[charuco]\ncolumns = 4\nrows = 5\nunits = \"inch\"\n")
	}
	w.Flush()
	return buf.Bytes()
}

func TestReadCaliscopeLayouts(t *testing.T) {
	cams, meta := testRig()
	for i := range cams {
		cams[i].Fisheye = false // caliscope's older layouts had no fisheye model
		cams[i].Dist = distOut(&cams[i], 5)
	}
	var current bytes.Buffer
	if err := WriteCaliscope(&current, cams, meta); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		file string
		text []byte
		tol  tolerance
	}{
		{"config_port_matrix.toml", writeLegacyCaliscope(cams, meta, true), exact},
		{"camera_array_port_matrix.toml", writeLegacyCaliscope(cams, meta, false), exact},
		{"camera_array.toml", current.Bytes(), rodrigues},
	} {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "caliscope", tt.file)
			if *update {
				if err := os.WriteFile(path, tt.text, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			golden, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(golden, tt.text) {
				t.Fatalf("%s differs from what the test writes now; run go test -update if the change is meant", path)
			}
			got, m, f, err := ReadFileWith(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if f != FormatCaliscope {
				t.Fatalf("detected %v, want caliscope", f)
			}
			checkCameras(t, got, cams, tt.tol)
			if !metaEqual(m, Meta{RMS: meta.RMS}) {
				t.Fatalf("got meta %+v, want the cameras' RMS only", m)
			}
		})
	}
}

func TestWriteCaliscopeIDs(t *testing.T) {
	rig, _ := testRig()
	for _, tt := range []struct {
		name  string
		names []string
		want  []string // table headers, in order
	}{
		{"numbered names keep their numbers", []string{"cam_5", "cam_2", "cam_12", "cam_7"}, []string{"[cameras.5]", "[cameras.2]", "[cameras.12]", "[cameras.7]"}},
		{"other names are numbered in order", []string{"left", "cam_2", "right", "top"}, []string{"[cameras.0]", "[cameras.1]", "[cameras.2]", "[cameras.3]"}},
		{"a number used twice", []string{"cam_1", "cam_01", "cam_2", "cam_3"}, []string{"[cameras.0]", "[cameras.1]", "[cameras.2]", "[cameras.3]"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cams := append([]Camera(nil), rig...)
			for i := range cams {
				cams[i].Name = tt.names[i]
			}
			var buf bytes.Buffer
			if err := WriteCaliscope(&buf, cams, Meta{}); err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			last := -1
			for _, h := range tt.want {
				i := strings.Index(text, h+"\n")
				if i <= last {
					t.Fatalf("got\n%s\nwant the tables %v in order", text, tt.want)
				}
				last = i
			}
			got, _, err := ReadCaliscope(&buf)
			if err != nil {
				t.Fatal(err)
			}
			// Read back in the order of the ids, each with its name.
			byName := make(map[string]bool)
			for _, c := range got {
				byName[c.Name] = true
			}
			for _, n := range tt.names {
				if !byName[n] {
					t.Fatalf("camera %q lost on the round trip", n)
				}
			}
		})
	}
}

func caliscopeMalformedCases() []malformedCase {
	data, err := os.ReadFile("testdata/caliscope/camera_array.toml")
	if err != nil {
		panic(err)
	}
	good := string(data)
	legacyData, err := os.ReadFile("testdata/caliscope/config_port_matrix.toml")
	if err != nil {
		panic(err)
	}
	legacy := string(legacyData)
	cut := func(text, key string, n int) string {
		// Remove the n-th line (from 1) that starts with key.
		lines := strings.SplitAfter(text, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, key) {
				if n--; n == 0 {
					return strings.Join(append(lines[:i:i], lines[i+1:]...), "")
				}
			}
		}
		panic("caliscopeMalformedCases: no " + key)
	}
	set := func(text, key string, n int, line string) string {
		lines := strings.SplitAfter(text, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, key) {
				if n--; n == 0 {
					lines[i] = line + "\n"
					return strings.Join(lines, "")
				}
			}
		}
		panic("caliscopeMalformedCases: no " + key)
	}
	return []malformedCase{
		{"good", good, nil, nil},
		{"good legacy", legacy, nil, nil},
		{"no pose", cut(good, "translation", 3), ErrFormat, []string{"[cameras.2]: camera 2 has no pose"}},
		{"null pose", set(legacy, "translation", 2, `translation = "null"`), ErrFormat, []string{"[cam_1]: camera 1 has no pose"}},
		{"no intrinsics", cut(good, "matrix", 1), ErrFormat, []string{"[cameras.0]: camera 0 has no intrinsics"}},
		{"null error is unknown", set(legacy, "error", 1, `error = "null"`), nil, nil},
		{"duplicate id", set(good, "cam_id", 2, "cam_id = 0"), ErrFormat, []string{"camera id 0 used twice"}},
		{"id not a number", set(good, "cam_id", 1, `cam_id = "zero"`), ErrFormat, []string{`cam_id: zero, not a camera number`}},
		{"rotation of two", set(good, "rotation =", 1, "rotation = [1.0, 2.0]"), ErrFormat, []string{"[cameras.0]: rotation: 2 values, want 3"}},
		{"not a rotation", set(legacy, "rotation =", 1, "rotation = [ [ 1.0, 0.0, 0.0,], [ 0.0, 1.0, 0.0,], [ 0.0, 0.0, 1.1,],]"), ErrFormat, []string{"[cam_0]: rotation: not orthonormal"}},
		{"negative error", set(good, "error", 1, "error = -1.0"), ErrFormat, []string{"[cameras.0]: error: -1, want a finite number ≥ 0"}},
		{"cameras not a table", "cameras = 3\n", ErrFormat, []string{"cameras: int64, not a table"}},
		{"no camera", "[charuco]\ncolumns = 4\n", ErrFormat, []string{"no camera"}},
	}
}

func TestReadCaliscopeMalformed(t *testing.T) {
	checkMalformed(t, caliscopeMalformedCases(), func(text string) error {
		_, _, err := ReadCaliscope(strings.NewReader(text))
		return err
	})
}

func FuzzReadCaliscope(f *testing.F) {
	addSeeds(f, []string{"testdata/rig_caliscope.toml", "testdata/caliscope/config_port_matrix.toml", "testdata/caliscope/camera_array_port_matrix.toml"}, caliscopeMalformedCases())
	f.Fuzz(func(t *testing.T, data string) { fuzzReader(t, data, FormatCaliscope) })
}
