package calibration

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

// The fixtures in testdata/opencv were written by cv::FileStorage itself
// (written_by_opencv.cpp): these numbers are the ones it was given.
var (
	writtenK    = [3][3]float64{{1234.5678901234567, 0.25, 640.125}, {0, 1236.75, 360.5}, {0, 0, 1}}
	writtenDist = []float64{-0.1234567890123, 0.05, 1e-4, -2e-5, 0.0123}
	writtenR    = [3][3]float64{{0, -1, 0}, {0, 0, -1}, {1, 0, 0}}
	writtenT    = r3.Vec{X: 0.1, Y: -0.2, Z: 3.3}
)

func TestReadWrittenByOpenCV(t *testing.T) {
	multi := []Camera{{Name: "left cam", Width: 1280, Height: 720, K: writtenK, Dist: writtenDist, R: writtenR, T: writtenT}}
	stereo := []Camera{
		{Name: "cam_0", K: writtenK, Dist: writtenDist, R: identity3},
		{Name: "cam_1", K: writtenK, Dist: writtenDist, R: writtenR, T: writtenT},
	}
	for _, tt := range []struct {
		file string
		want []Camera
		meta Meta
	}{
		{"multi.yml", multi, Meta{RMS: []float64{0.3125}, World: "z up, metres"}},
		{"multi.xml", multi, Meta{RMS: []float64{0.3125}, World: "z up, metres"}},
		{"single_fisheye.yml", []Camera{{Name: "cam_0", Width: 1920, Height: 1080, K: writtenK, Fisheye: true,
			Dist: []float64{0.05, -0.01, 0.002, -0.0003}, R: identity3}}, Meta{RMS: []float64{0.42}, Error: 0.42}},
		{"stereo.xml", stereo, Meta{}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			cams, m, _, err := ReadFileWith(filepath.Join("testdata", "opencv", tt.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkCameras(t, cams, tt.want, exact)
			if !metaEqual(m, tt.meta) {
				t.Fatalf("got meta %+v, want %+v", m, tt.meta)
			}
		})
	}
}

// opencvSample returns the path of one of OpenCV's sample files, which
// Debian's opencv-doc installs, or skips the test.
func opencvSample(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("/usr/share/doc/opencv-doc/examples", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("OpenCV's sample %s is not installed (Debian package opencv-doc): %v", name, err)
	}
	return p
}

func TestReadOpenCVCalibrationSample(t *testing.T) {
	cams, m, f, err := ReadFileWith(opencvSample(t, "data/left_intrinsics.yml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := cams[0]
	if f != FormatOpenCVYAML || len(cams) != 1 || c.Width != 640 || c.Height != 480 || len(c.Dist) != 5 || c.Fisheye {
		t.Fatalf("got %v, %d cameras, %+v", f, len(cams), c)
	}
	// OpenCV's reference result: f = 535.9 px, RMS 0.39 px.
	if math.Abs(c.K[0][0]-535.9) > 0.05 || c.K[0][0] != 5.3591573396163199e+02 || math.Abs(m.Error-0.3926) > 1e-4 {
		t.Fatalf("got fx %v, RMS %v, want 535.9 and 0.39", c.K[0][0], m.Error)
	}
	// The per-view errors (dt: f) and 13×6 extrinsics are read and skipped.
	if c.R != identity3 || c.T != (r3.Vec{}) {
		t.Fatalf("got R %v, T %v, want the camera's own frame", c.R, c.T)
	}
}

func TestReadOpenCVArucoSample(t *testing.T) {
	// No image size in this one: it stays 0, unknown.
	cams, _, _, err := ReadFileWith(opencvSample(t, "aruco/tutorial_camera_params.yml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cams[0].K[0][0] != 628.158 || cams[0].Width != 0 || !distEqual(cams[0].Dist, []float64{0.0995485, -0.206384, 0.00754589, 0.00336531}) {
		t.Fatalf("got %+v", cams[0])
	}
}

func TestReadOpenCVStereoSample(t *testing.T) {
	// stereo_calib.xml is the stereo sample's input, its image list: the
	// file parses, and holds no camera.
	p := opencvSample(t, "data/stereo_calib.xml")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	root, err := parseXML(data)
	if err != nil {
		t.Fatal(err)
	}
	list := root.get("imagelist")
	if list == nil || list.kind != fsSeq || len(list.items) != 26 || list.items[0].text != "left01.jpg" || !list.items[0].quoted || list.items[25].text != "right14.jpg" {
		t.Fatalf("got imagelist %+v, want 26 quoted file names", list)
	}
	_, _, _, err = ReadFileWith(p, Options{})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "no camera") || !strings.Contains(err.Error(), "the file has imagelist") {
		t.Fatalf("got %v, want ErrFormat saying there is no camera, only imagelist", err)
	}
	// Its output intrinsics.yml has M1, D1, M2, D2 but not the pose.
	_, _, _, err = ReadFileWith(opencvSample(t, "data/intrinsics.yml"), Options{})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "without R and T") {
		t.Fatalf("got %v, want ErrFormat asking for R and T", err)
	}
}

// TestParseYAML checks the YAML subset on FileStorage's constructs; each
// case reads one value by its path of keys and indices.
func TestParseYAML(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		path       []any
		want       string
	}{
		{"colon header", "%YAML:1.0\n---\na: 1\n", []any{"a"}, "1"},
		{"space header", "%YAML 1.0\n---\na: 1\n", []any{"a"}, "1"},
		{"no header", "a: 1\n", []any{"a"}, "1"},
		{"crlf", "%YAML:1.0\r\n---\r\na: x\r\nb: 2\r\n", []any{"b"}, "2"},
		{"comments", "# top\na: 1 # one\nb: \"#not\" # but this\n", []any{"b"}, "#not"},
		{"plain with spaces", "name: left cam\n", []any{"name"}, "left cam"},
		{"escapes", `s: "a\"b\\c\x41"` + "\n", []any{"s"}, `a"b\cA`},
		{"single quotes", "s: 'it''s'\n", []any{"s"}, "it's"},
		{"block sequence", "l:\n   - a\n   - b\nz: 0\n", []any{"l", 1}, "b"},
		{"sequence at key indent", "l:\n- a\n- b\nz: 0\n", []any{"z"}, "0"},
		{"sequence of maps", "l:\n   -\n      x: 1\n   -\n      x: 2\n", []any{"l", 1, "x"}, "2"},
		{"compact map item", "l:\n   - x: 1\n     y: 2\n   - x: 3\n", []any{"l", 0, "y"}, "2"},
		{"flow over lines", "d: [ 1., 2.,\n     3. ]\n", []any{"d", 2}, "3."},
		{"flow map", "m: { a: 1, \"b c\": [ 2, 3 ] }\n", []any{"m", "b c", 1}, "3"},
		{"nested maps", "a:\n   b:\n      c: deep\n", []any{"a", "b", "c"}, "deep"},
		{"empty value", "a:\nb: 1\n", []any{"a"}, ""},
		{"second document ignored", "a: 1\n---\na: 2\n", []any{"a"}, "1"},
		{"document end", "a: 1\n...\njunk: [\n", []any{"a"}, "1"},
		{"tag", "m: !!opencv-matrix\n   rows: 1\n", []any{"m", "rows"}, "1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root, err := parseYAML([]byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			n := root
			for _, p := range tt.path {
				switch k := p.(type) {
				case string:
					n = n.get(k)
				case int:
					if n.kind != fsSeq || k >= len(n.items) {
						t.Fatalf("at %v: not a sequence of %d items: %+v", p, k+1, n)
					}
					n = n.items[k]
				}
				if n == nil {
					t.Fatalf("no %v", p)
				}
			}
			if n.kind != fsScalar || n.text != tt.want {
				t.Fatalf("got %+v, want scalar %q", n, tt.want)
			}
		})
	}
}

// lineOf returns the number of the first line of text containing s.
func lineOf(text, s string) int {
	i := strings.Index(text, s)
	if i < 0 {
		panic("lineOf: " + s + " not in text")
	}
	return strings.Count(text[:i], "\n") + 1
}

func twoCameraFile(t testing.TB, f Format) string {
	cams, meta := testRig()
	var buf bytes.Buffer
	if err := Write(&buf, cams[:2], Meta{RMS: meta.RMS[:2], Error: meta.Error}, Options{Format: f}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

type malformedCase struct {
	name, text string
	sentinel   error
	want       []string // substrings of the message
}

func checkMalformed(t *testing.T, cases []malformedCase, read func(string) error) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			err := read(tt.text)
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("got %v, want %v", err, tt.sentinel)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("got %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func yamlMalformedCases(t testing.TB) []malformedCase {
	good := twoCameraFile(t, FormatOpenCVYAML)
	rep := func(old, new string) string {
		if !strings.Contains(good, old) {
			panic("yamlMalformedCases: " + old + " not in the file")
		}
		return strings.Replace(good, old, new, 1)
	}
	at := func(text, s string) string { return fmt.Sprintf("line %d", lineOf(text, s)) }
	k1 := "cam_1_K: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: [ 1702.5, 0., 959.5, 0., 1702.5, 539.5, 0., 0., 1. ]\n"
	var cases []malformedCase
	add := func(name, text string, sentinel error, want ...string) {
		cases = append(cases, malformedCase{name, text, sentinel, want})
	}
	add("good", good, nil)
	t0 := rep("   rows: 3", "\trows: 3")
	add("tab", t0, ErrFormat, at(t0, "\trows")+": tab in indentation")
	add("bad header", "%YAML:2.0\n---\na: 1\n", ErrFormat, "line 1: unsupported directive")
	t1 := rep(k1, "cam_1_K: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: [ 1702.5, 0., 959.5, 0., 1702.5,\n")
	add("unclosed flow", t1, ErrFormat, at(t1, "1702.5, 0., 959.5")+": unclosed [")
	t2 := rep("data: [ 1702.5, 0., 959.5, 0., 1702.5, 539.5, 0., 0., 1. ]", "data: [ 1702.5, 0., 959.5, 0., 1702.5, 539.5, 0., 0. ]")
	add("short data", t2, ErrFormat, at(t2, "cam_1_K")+": cam_1_K: 3×3 matrix with 8 values")
	t3 := rep(k1, "cam_1_K: !!opencv-matrix\n   rows: 2\n   cols: 2\n   dt: d\n   data: [ 1., 0., 0., 1. ]\n")
	add("K not 3×3", t3, ErrFormat, at(t3, "cam_1_K")+": cam_1_K: 2×2 matrix, want 3×3")
	t4 := rep("data: [ 1702.5, 0., 959.5,", "data: [ 1702.5, zero, 959.5,")
	add("word in data", t4, ErrFormat, "cam_1_K: data: element 2 is not a number")
	t5 := rep("cam_1_T: !!opencv-matrix", "cam_1_X: !!opencv-matrix")
	add("missing T", t5, ErrFormat, "cam_1_T: missing")
	t6 := rep("cam_1_fisheye: 0\n", "cam_1_fisheye: 0\ncam_1_fisheye: 1\n")
	add("duplicate key", t6, ErrFormat, at(t6, "cam_1_fisheye: 1")+`: duplicate key "cam_1_fisheye"`)
	add("anchor", rep("cam_1_fisheye: 0", "cam_1_fisheye: &f 0"), ErrFormat, "anchors and aliases")
	add("block scalar", rep("cam_1_name: \"cam_1\"", "cam_1_name: |"), ErrFormat, "block scalars")
	t7 := rep("cam_1_rms: 0.28", "cam_1_rms: -0.28")
	add("negative rms", t7, ErrFormat, at(t7, "cam_1_rms")+": cam_1_rms: -0.28 is negative")
	t8 := rep("data: [ 1702.5, 0., 959.5, 0., 1702.5, 539.5, 0., 0., 1. ]", "data: [ 1702.5, 0., 959.5, 0., -1., 539.5, 0., 0., 1. ]")
	add("negative focal", t8, ErrFormat, at(t8, "cam_1_K")+": cam_1_K: matrix: focal lengths 1702.5, -1")
	t9 := rep("data: [ 0.9999999999999999, -0.,", "data: [ 1.5, -0.,")
	add("R not a rotation", t9, ErrFormat, at(t9, "cam_1_R")+": cam_1_R, cam_1_T: rotation: not orthonormal")
	t10 := rep("   cols: 5\n   dt: d\n   data: [ -0.2, 0.11, -0.0003, 0.0002, -0.031 ]", "   cols: 8\n   dt: d\n   data: [ -0.2, 0.11, -0.0003, 0.0002, -0.031, 0.5, 0., 0. ]")
	add("rational model", t10, ErrUnsupported, at(t10, "cam_1_dist")+": cam_1_dist: distortions: coefficient 6 is 0.5")
	add("zero cameras", rep("camera_count: 2", "camera_count: 0"), ErrFormat, "line 3: camera_count: 0, want an integer in [1, 1024]")
	add("three channels", rep("   dt: d\n   data: [ 1702.5,", "   dt: 3d\n   data: [ 1702.5,"), ErrUnsupported, `dt "3d"`)
	add("no camera", "%YAML:1.0\n---\nimages:\n  - left01.jpg\n", ErrFormat, "no camera", "the file has images")
	add("top level sequence", "- 1\n- 2\n", ErrFormat, "line 1: the top level is not a map")
	t11 := rep("   cols: 3", "     cols: 3")
	add("bad indentation", t11, ErrFormat, at(t11, "     cols: 3")+": unexpected indentation")
	size := at(good, "cam_0_size")
	add("text after flow", rep("cam_0_size: [ 1920, 1080 ]", "cam_0_size: [ 1920, 1080 ] x"), ErrFormat, size+": text after the closing bracket")
	t12 := rep("cam_0_size: [ 1920, 1080 ]", "cam_0_size: [ 1920\n   1080 ]")
	add("missing comma", t12, ErrFormat, at(t12, "   1080 ]")+": missing ',' after \"1920\"")
	add("unterminated string", rep(`cam_1_name: "cam_1"`, `cam_1_name: "cam_1`), ErrFormat, "unterminated quoted string")
	add("deep nesting", "a: "+strings.Repeat("[", 100)+strings.Repeat("]", 100)+"\n", ErrFormat, "nested deeper than 64")
	return cases
}

func TestReadOpenCVYAMLMalformed(t *testing.T) {
	checkMalformed(t, yamlMalformedCases(t), func(text string) error {
		_, _, err := ReadOpenCVYAML(strings.NewReader(text))
		return err
	})
}

func xmlMalformedCases(t testing.TB) []malformedCase {
	good := twoCameraFile(t, FormatOpenCVXML)
	rep := func(old, new string) string {
		if !strings.Contains(good, old) {
			panic("xmlMalformedCases: " + old + " not in the file")
		}
		return strings.Replace(good, old, new, 1)
	}
	at := func(text, s string) string { return fmt.Sprintf("line %d", lineOf(text, s)) }
	var cases []malformedCase
	add := func(name, text string, sentinel error, want ...string) {
		cases = append(cases, malformedCase{name, text, sentinel, want})
	}
	add("good", good, nil)
	add("wrong root", strings.Replace(strings.Replace(good, "<opencv_storage>", "<storage>", 1), "</opencv_storage>", "</storage>", 1), ErrFormat, "line 2: root element <storage>")
	add("unclosed", strings.TrimSuffix(good, "</opencv_storage>\n"), ErrFormat, "unexpected EOF")
	t1 := rep("<cam_1_fisheye>0</cam_1_fisheye>", "<cam_1_fisheye>0</cam_1_fish>")
	add("mismatched tag", t1, ErrFormat, at(t1, "</cam_1_fish>"), "element <cam_1_fisheye> closed by </cam_1_fish>")
	t2 := rep("<cam_1_size>1920 1080</cam_1_size>", "<cam_1_size>1920 1080 1</cam_1_size>")
	add("size of three", t2, ErrFormat, at(t2, "<cam_1_size>")+": cam_1_size: not a sequence of two numbers")
	t3 := rep("<data>1702.5 0. 959.5 0. 1702.5 539.5 0. 0. 1.</data>", "<data>1702.5 0. 959.5 0. 1702.5 539.5 0. 0.</data>")
	add("short data", t3, ErrFormat, at(t3, "<cam_1_K")+": cam_1_K: 3×3 matrix with 8 values")
	t4 := rep("<cam_1_K type_id=\"opencv-matrix\">", "<cam_1_K>")
	add("untyped matrix", t4, ErrFormat, at(t4, "<cam_1_K>")+": cam_1_K: not an opencv-matrix")
	t5 := rep("<cam_1_fisheye>0</cam_1_fisheye>", "<cam_1_fisheye>0</cam_1_fisheye>\n<cam_1_fisheye>1</cam_1_fisheye>")
	add("duplicate key", t5, ErrFormat, at(t5, "<cam_1_fisheye>1")+`: duplicate key "cam_1_fisheye"`)
	add("mixed map", rep("<rows>3</rows>", "<rows>3</rows><_>1</_>"), ErrFormat, "<_> items beside named elements")
	add("text in map", rep("<rows>3</rows>", "<rows>3</rows> 7"), ErrFormat, "text beside elements")
	add("text outside", good+"junk", ErrFormat, "text outside <opencv_storage>")
	add("two roots", good+"<opencv_storage></opencv_storage>", ErrFormat, "after </opencv_storage>")
	add("fisheye 2", rep("<cam_1_fisheye>0</cam_1_fisheye>", "<cam_1_fisheye>2</cam_1_fisheye>"), ErrFormat, "cam_1_fisheye: 2, want an integer in [0, 1]")
	add("no camera", "<?xml version=\"1.0\"?>\n<opencv_storage>\n<H13>1</H13>\n</opencv_storage>\n", ErrFormat, "no camera", "the file has H13")
	add("empty", "", ErrFormat, "no <opencv_storage> element")
	add("deep nesting", "<opencv_storage>"+strings.Repeat("<a>", 100)+strings.Repeat("</a>", 100)+"</opencv_storage>", ErrFormat, "nested deeper than 64")
	return cases
}

func TestReadOpenCVXMLMalformed(t *testing.T) {
	checkMalformed(t, xmlMalformedCases(t), func(text string) error {
		_, _, err := ReadOpenCVXML(strings.NewReader(text))
		return err
	})
}

func TestOpenCVSingleCameraKeys(t *testing.T) {
	// One camera: the calibration sample's keys are written as well, and
	// they agree with the project's.
	cams, _ := testRig()
	var buf bytes.Buffer
	if err := WriteOpenCVYAML(&buf, cams[2:3], Meta{}); err != nil {
		t.Fatal(err)
	}
	root, err := parseYAML(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	drop := func(key string) {
		for i, k := range root.keys {
			if k == key {
				root.keys = append(root.keys[:i], root.keys[i+1:]...)
				root.vals = append(root.vals[:i], root.vals[i+1:]...)
				return
			}
		}
		t.Fatalf("no key %s", key)
	}
	drop("camera_count") // leaves the calibration sample's layout
	got, _, err := openCVCameras(root)
	if err != nil {
		t.Fatal(err)
	}
	want := cams[2]
	want.Name, want.R, want.T = "cam_0", identity3, r3.Vec{}
	checkCameras(t, got, []Camera{want}, exact)
}

// fuzzReader is the body of the readers' fuzz tests: no panic, and what
// is read is a usable camera, which writes and reads back as it was.
func fuzzReader(t *testing.T, data string, f Format) {
	cams, m, err := Read(strings.NewReader(data), Options{Format: f})
	if err != nil {
		if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("error without a sentinel: %v", err)
		}
		return
	}
	for i := range cams {
		c := &cams[i]
		if err := checkIntrinsics(c); err != nil {
			t.Fatalf("camera %d read, but %v", i, err)
		}
		if err := checkPose(c); err != nil {
			t.Fatalf("camera %d read, but %v", i, err)
		}
		c.Project(r3.Vec{X: 0.1, Y: 0.2, Z: 5})
		c.Normalize(1, 1)
	}
	var buf bytes.Buffer
	if err := Write(&buf, cams, m, Options{Format: f}); err != nil {
		if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("read, but cannot be written: %v", err)
		}
		return // a name with a quote, say
	}
	again, _, err := Read(&buf, Options{Format: f})
	if err != nil {
		t.Fatalf("written, but cannot be read back: %v\n%s", err, buf.String())
	}
	if len(again) != len(cams) {
		t.Fatalf("got %d cameras back, want %d", len(again), len(cams))
	}
	// A Rodrigues vector read gives a rotation that the writer's vector
	// reproduces; caliscope's older 3x3 matrices need only be orthonormal
	// to rotationTol, and the vector written is of the nearest rotation.
	tol := exact
	switch f {
	case FormatProject, FormatAnipose:
		tol = tolerance{rot: 1e-12, trans: 1e-12}
	case FormatCaliscope:
		tol = tolerance{rot: 10 * rotationTol, trans: 1e-12}
	}
	for i := range cams {
		// Caliscope renames cameras whose names it cannot number.
		if f == FormatCaliscope {
			again[i].Name = cams[i].Name
		}
		if d := cameraDiff(again[i], cams[i], tol); d != "" {
			t.Fatalf("camera %d changed on a round trip: %s", i, d)
		}
	}
}

func addSeeds(f *testing.F, files []string, cases []malformedCase) {
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	for _, c := range cases {
		f.Add(c.text)
	}
}

func FuzzReadOpenCVYAML(f *testing.F) {
	addSeeds(f, []string{"testdata/rig.yml", "testdata/opencv/multi.yml", "testdata/opencv/single_fisheye.yml"}, yamlMalformedCases(f))
	f.Fuzz(func(t *testing.T, data string) { fuzzReader(t, data, FormatOpenCVYAML) })
}

func FuzzReadOpenCVXML(f *testing.F) {
	addSeeds(f, []string{"testdata/rig.xml", "testdata/opencv/multi.xml", "testdata/opencv/stereo.xml"}, xmlMalformedCases(f))
	f.Fuzz(func(t *testing.T, data string) { fuzzReader(t, data, FormatOpenCVXML) })
}
