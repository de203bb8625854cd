package calibration

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/spatial/r3"
)

// OpenCV's cv::FileStorage files, in YAML (opencv_yaml.go) or XML
// (opencv_xml.go): both parse to a tree of fsNode, and this file reads
// cameras out of the tree and builds the tree to write.
//
// Three layouts are read, told apart by their keys:
//
//   - the project's multi-camera layout, `camera_count` then per camera
//     `cam_<i>_name`, `cam_<i>_size` [w, h], `cam_<i>_K` (3x3),
//     `cam_<i>_dist` (1xN), `cam_<i>_R` (3x3, world→camera; a 3-vector is
//     taken for a Rodrigues vector), `cam_<i>_T` (3x1, metres),
//     `cam_<i>_fisheye` (0 or 1) and `cam_<i>_rms`; `avg_reprojection_error`,
//     `world` and `calibration_tool` for the whole file;
//   - OpenCV's calibration sample (camera_calibration.cpp, calibration.cpp):
//     `camera_matrix`, `distortion_coefficients`, `image_width`,
//     `image_height`, `fisheye_model`, `avg_reprojection_error`. One camera,
//     named "cam_0", whose frame is the world (R = I, T = 0);
//   - OpenCV's stereo sample (stereo_calib.cpp): `M1`, `D1`, `M2`, `D2`, `R`,
//     `T`, the second camera's pose in the first's frame, which is the
//     world. The sample writes M/D (intrinsics.yml) and R/T (extrinsics.yml)
//     to two files: both must be in the one file read. Its T is in the
//     board's unit, taken here for metres. Image sizes are not in the file
//     and are left 0.
//
// Keys other than these are skipped.

type fsKind uint8

const (
	fsScalar fsKind = iota
	fsSeq
	fsMap
)

// fsNode is one value of a FileStorage file.
type fsNode struct {
	kind   fsKind
	line   int    // where the value starts, from 1
	tag    string // its type: YAML's !!opencv-matrix, XML's type_id
	text   string // a scalar's text, unquoted
	quoted bool   // the scalar was a quoted string, so never a number
	items  []*fsNode
	keys   []string // a map's keys, in the file's order
	vals   []*fsNode
	index  map[string]int // keys to positions, once a map is large
}

// indexFrom is the size from which a map indexes its keys: below it a
// scan is faster, above it a file of many keys would make checking for
// duplicates quadratic.
const indexFrom = 16

// maxDepth bounds nesting, so that a hostile file cannot exhaust the
// stack; FileStorage's calibration files nest two deep.
const maxDepth = 64

func (n *fsNode) get(key string) *fsNode {
	if n.index != nil {
		if i, ok := n.index[key]; ok {
			return n.vals[i]
		}
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// put adds key to a map, refusing a second value for a key.
func (n *fsNode) put(key string, v *fsNode) error {
	if n.get(key) != nil {
		return fmt.Errorf("duplicate key %q", key)
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, v)
	switch {
	case n.index != nil:
		n.index[key] = len(n.keys) - 1
	case len(n.keys) == indexFrom:
		n.index = make(map[string]int, 2*indexFrom)
		for i, k := range n.keys {
			n.index[k] = i
		}
	}
	return nil
}

// number returns a scalar's value: FileStorage's numbers, with its
// spellings of the special values (.Nan, .Inf, -.Inf).
func (n *fsNode) number() (float64, bool) {
	if n.kind != fsScalar || n.quoted {
		return 0, false
	}
	return parseNumber(n.text)
}

func parseNumber(s string) (float64, bool) {
	switch strings.ToLower(s) {
	case ".nan":
		return math.NaN(), true
	case ".inf", "+.inf":
		return math.Inf(1), true
	case "-.inf":
		return math.Inf(-1), true
	}
	// [+-] digits [. digits] [e [+-] digits], or [+-] . digits [...]: what
	// FileStorage writes, and stricter than strconv, which also takes
	// "Inf", hexadecimal and underscores.
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return x, true
}

// fsLookup reads keys of a FileStorage map, each error naming the line
// and the key.
type fsLookup struct{ root *fsNode }

func (l fsLookup) fail(n *fsNode, key string, err error) error {
	if n == nil {
		return fault(key, err)
	}
	return fault(fmt.Sprintf("line %d: %s", n.line, key), err)
}

func (l fsLookup) number(key string, required bool) (float64, bool, error) {
	n := l.root.get(key)
	if n == nil {
		if required {
			return 0, false, l.fail(nil, key, errors.New("missing"))
		}
		return 0, false, nil
	}
	x, ok := n.number()
	if !ok {
		return 0, false, l.fail(n, key, errors.New("not a number"))
	}
	if !finite(x) {
		return 0, false, l.fail(n, key, errors.New("not finite"))
	}
	return x, true, nil
}

func (l fsLookup) integer(key string, required bool, lo, hi int) (int, bool, error) {
	x, ok, err := l.number(key, required)
	if err != nil || !ok {
		return 0, ok, err
	}
	if x != math.Trunc(x) || x < float64(lo) || x > float64(hi) {
		return 0, false, l.fail(l.root.get(key), key, fmt.Errorf("%g, want an integer in [%d, %d]", x, lo, hi))
	}
	return int(x), true, nil
}

func (l fsLookup) text(key string) (string, error) {
	n := l.root.get(key)
	if n == nil {
		return "", nil
	}
	if n.kind != fsScalar {
		return "", l.fail(n, key, errors.New("not a string"))
	}
	return n.text, nil
}

// size reads [w, h].
func (l fsLookup) size(key string) (w, h int, err error) {
	n := l.root.get(key)
	if n == nil {
		return 0, 0, l.fail(nil, key, errors.New("missing"))
	}
	if n.kind != fsSeq || len(n.items) != 2 {
		return 0, 0, l.fail(n, key, errors.New("not a sequence of two numbers [width, height]"))
	}
	var wh [2]int
	for i, it := range n.items {
		x, ok := it.number()
		if !ok || x != math.Trunc(x) || x < 0 || x > 1<<20 {
			return 0, 0, l.fail(n, key, fmt.Errorf("element %d is not a pixel count", i+1))
		}
		wh[i] = int(x)
	}
	return wh[0], wh[1], nil
}

// matrix reads an !!opencv-matrix (type_id="opencv-matrix") with a single
// channel, returning its shape and its elements in row-major order.
func (l fsLookup) matrix(key string) (rows, cols int, data []float64, err error) {
	n := l.root.get(key)
	if n == nil {
		return 0, 0, nil, l.fail(nil, key, errors.New("missing"))
	}
	rows, cols, data, err = fsMatrix(n)
	if err != nil {
		return 0, 0, nil, l.fail(n, key, err)
	}
	return rows, cols, data, nil
}

func fsMatrix(n *fsNode) (rows, cols int, data []float64, err error) {
	if n.kind != fsMap || n.tag != "opencv-matrix" {
		return 0, 0, nil, errors.New("not an opencv-matrix")
	}
	sub := fsLookup{n}
	if rows, _, err = sub.integer("rows", true, 0, 1<<16); err != nil {
		return 0, 0, nil, err
	}
	if cols, _, err = sub.integer("cols", true, 0, 1<<16); err != nil {
		return 0, 0, nil, err
	}
	dt, err := sub.text("dt")
	if err != nil {
		return 0, 0, nil, err
	}
	if len(dt) != 1 || !strings.Contains("ucwsifdh", dt) {
		return 0, 0, nil, unsupported(fmt.Sprintf("dt %q: only single-channel matrices (u, c, w, s, i, f, d, h) are read", dt))
	}
	d := n.get("data")
	if d == nil {
		return 0, 0, nil, errors.New("missing data")
	}
	items := d.items
	switch {
	case d.kind == fsScalar && d.text != "":
		items = []*fsNode{d} // XML's one-element data reads as a scalar
	case d.kind == fsMap:
		return 0, 0, nil, errors.New("data is a map, not numbers")
	}
	if len(items) != rows*cols {
		return 0, 0, nil, fmt.Errorf("%d×%d matrix with %d values", rows, cols, len(items))
	}
	data = make([]float64, len(items))
	for i, it := range items {
		x, ok := it.number()
		if !ok {
			return 0, 0, nil, fmt.Errorf("data: element %d is not a number", i+1)
		}
		data[i] = x
	}
	return rows, cols, data, nil
}

// vector reads a 1xN or Nx1 matrix (N = n, any N when n < 0).
func (l fsLookup) vector(key string, n int) ([]float64, error) {
	rows, cols, data, err := l.matrix(key)
	if err != nil {
		return nil, err
	}
	if rows != 1 && cols != 1 || n >= 0 && len(data) != n {
		want := "a vector"
		if n >= 0 {
			want = fmt.Sprintf("1×%d or %d×1", n, n)
		}
		return nil, l.fail(l.root.get(key), key, fmt.Errorf("%d×%d matrix, want %s", rows, cols, want))
	}
	return data, nil
}

func (l fsLookup) intrinsics(key string) ([3][3]float64, error) {
	var K [3][3]float64
	rows, cols, data, err := l.matrix(key)
	if err != nil {
		return K, err
	}
	if rows != 3 || cols != 3 {
		return K, l.fail(l.root.get(key), key, fmt.Errorf("%d×%d matrix, want 3×3", rows, cols))
	}
	for i := range 9 {
		K[i/3][i%3] = data[i]
	}
	return K, nil
}

// rotation reads a 3x3 rotation matrix or a Rodrigues 3-vector.
func (l fsLookup) rotation(key string) ([3][3]float64, error) {
	var R [3][3]float64
	rows, cols, data, err := l.matrix(key)
	if err != nil {
		return R, err
	}
	switch {
	case rows == 3 && cols == 3:
		for i := range 9 {
			R[i/3][i%3] = data[i]
		}
		return R, nil
	case rows*cols == 3 && (rows == 1 || cols == 1):
		for _, x := range data {
			if !finite(x) {
				return R, l.fail(l.root.get(key), key, errors.New("not finite"))
			}
		}
		return Rodrigues(r3.Vec{X: data[0], Y: data[1], Z: data[2]}), nil
	}
	return R, l.fail(l.root.get(key), key, fmt.Errorf("%d×%d matrix, want 3×3 or a Rodrigues 3-vector", rows, cols))
}

// lens fills in c's K and distortion from their keys and checks them;
// c.Fisheye must be set, as it decides the coefficients' count.
func (l fsLookup) lens(c *Camera, kKey, distKey string) error {
	var err error
	if c.K, err = l.intrinsics(kKey); err != nil {
		return err
	}
	if err := checkIntrinsics(c); err != nil {
		return l.fail(l.root.get(kKey), kKey, err)
	}
	if l.root.get(distKey) == nil {
		return nil
	}
	d, err := l.vector(distKey, -1)
	if err != nil {
		return err
	}
	if c.Dist, err = normDist(d, c.Fisheye); err != nil {
		return l.fail(l.root.get(distKey), distKey, err)
	}
	return nil
}

func (l fsLookup) pose(c *Camera, rKey, tKey string) error {
	var err error
	if c.R, err = l.rotation(rKey); err != nil {
		return err
	}
	t, err := l.vector(tKey, 3)
	if err != nil {
		return err
	}
	c.T = r3.Vec{X: t[0], Y: t[1], Z: t[2]}
	if err := checkPose(c); err != nil {
		return l.fail(l.root.get(rKey), rKey+", "+tKey, err)
	}
	return nil
}

// openCVCameras reads cameras out of a parsed file, whichever of the
// three layouts it holds.
func openCVCameras(root *fsNode) ([]Camera, Meta, error) {
	l := fsLookup{root}
	switch {
	case root.get("camera_count") != nil:
		return l.multi()
	case root.get("camera_matrix") != nil:
		return l.single()
	case root.get("M1") != nil:
		return l.stereo()
	}
	keys := append([]string(nil), root.keys...)
	sort.Strings(keys)
	if len(keys) > 8 {
		keys = append(keys[:8], "...")
	}
	return nil, Meta{}, fault("", fmt.Errorf("no camera: none of camera_count, camera_matrix or M1 (the file has %s)", strings.Join(keys, ", ")))
}

// maxCameras bounds camera_count, so that a corrupt count fails at once.
const maxCameras = 1 << 10

func (l fsLookup) multi() ([]Camera, Meta, error) {
	n, _, err := l.integer("camera_count", true, 1, maxCameras)
	if err != nil {
		return nil, Meta{}, err
	}
	var m Meta
	cams := make([]Camera, n)
	rms := make([]float64, n)
	for i := range cams {
		c := &cams[i]
		p := fmt.Sprintf("cam_%d_", i)
		if c.Name, err = l.text(p + "name"); err != nil {
			return nil, Meta{}, err
		}
		if c.Name == "" {
			c.Name = fmt.Sprintf("cam_%d", i)
		}
		if c.Width, c.Height, err = l.size(p + "size"); err != nil {
			return nil, Meta{}, err
		}
		f, _, err := l.integer(p+"fisheye", false, 0, 1)
		if err != nil {
			return nil, Meta{}, err
		}
		c.Fisheye = f == 1
		if err := l.lens(c, p+"K", p+"dist"); err != nil {
			return nil, Meta{}, err
		}
		if err := l.pose(c, p+"R", p+"T"); err != nil {
			return nil, Meta{}, err
		}
		if rms[i], err = l.rms(p + "rms"); err != nil {
			return nil, Meta{}, err
		}
	}
	if anyPositive(rms) {
		m.RMS = rms
	}
	if m.Error, err = l.rms("avg_reprojection_error"); err != nil {
		return nil, Meta{}, err
	}
	if m.World, err = l.text("world"); err != nil {
		return nil, Meta{}, err
	}
	if m.Tool, err = l.text("calibration_tool"); err != nil {
		return nil, Meta{}, err
	}
	return cams, m, nil
}

func (l fsLookup) rms(key string) (float64, error) {
	x, _, err := l.number(key, false)
	if err == nil && x < 0 {
		err = l.fail(l.root.get(key), key, fmt.Errorf("%g is negative", x))
	}
	return x, err
}

func (l fsLookup) single() ([]Camera, Meta, error) {
	c := Camera{Name: "cam_0", R: identity3}
	var err error
	if c.Width, _, err = l.integer("image_width", false, 0, 1<<20); err != nil {
		return nil, Meta{}, err
	}
	if c.Height, _, err = l.integer("image_height", false, 0, 1<<20); err != nil {
		return nil, Meta{}, err
	}
	f, _, err := l.integer("fisheye_model", false, 0, 1)
	if err != nil {
		return nil, Meta{}, err
	}
	c.Fisheye = f == 1
	if err := l.lens(&c, "camera_matrix", "distortion_coefficients"); err != nil {
		return nil, Meta{}, err
	}
	var m Meta
	if m.Error, err = l.rms("avg_reprojection_error"); err != nil {
		return nil, Meta{}, err
	}
	if m.Error > 0 {
		m.RMS = []float64{m.Error}
	}
	return []Camera{c}, m, nil
}

var identity3 = [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}

func (l fsLookup) stereo() ([]Camera, Meta, error) {
	if l.root.get("R") == nil || l.root.get("T") == nil {
		return nil, Meta{}, fault("", errors.New("stereo intrinsics (M1, D1, M2, D2) without R and T: the second camera's pose is unknown; "+
			"stereo_calib writes R and T to extrinsics.yml, and both files' keys must be in the one file read"))
	}
	cams := []Camera{{Name: "cam_0", R: identity3}, {Name: "cam_1"}}
	if err := l.lens(&cams[0], "M1", "D1"); err != nil {
		return nil, Meta{}, err
	}
	if err := l.lens(&cams[1], "M2", "D2"); err != nil {
		return nil, Meta{}, err
	}
	if err := l.pose(&cams[1], "R", "T"); err != nil {
		return nil, Meta{}, err
	}
	return cams, Meta{}, nil
}

// openCVTree builds the file WriteOpenCVYAML and WriteOpenCVXML write:
// the multi-camera layout and, for a single camera, the calibration
// sample's keys as well, so that OpenCV's own tools read it.
func openCVTree(cams []Camera, m Meta) *fsNode {
	root := &fsNode{kind: fsMap}
	add := func(key string, v *fsNode) { root.keys, root.vals = append(root.keys, key), append(root.vals, v) }
	add("camera_count", fsInt(len(cams)))
	if m.Error > 0 {
		add("avg_reprojection_error", fsFloat(m.Error))
	}
	if m.World != "" {
		add("world", fsString(m.World))
	}
	if m.Tool != "" {
		add("calibration_tool", fsString(m.Tool))
	}
	for i := range cams {
		c := &cams[i]
		p := fmt.Sprintf("cam_%d_", i)
		add(p+"name", fsString(c.Name))
		add(p+"size", &fsNode{kind: fsSeq, items: []*fsNode{fsInt(c.Width), fsInt(c.Height)}})
		add(p+"K", fsMatrixNode(3, 3, c.K[0][0], c.K[0][1], c.K[0][2], c.K[1][0], c.K[1][1], c.K[1][2], c.K[2][0], c.K[2][1], c.K[2][2]))
		d := distOut(c, 5)
		add(p+"dist", fsMatrixNode(1, len(d), d...))
		add(p+"fisheye", fsInt(b2i(c.Fisheye)))
		add(p+"R", fsMatrixNode(3, 3, c.R[0][0], c.R[0][1], c.R[0][2], c.R[1][0], c.R[1][1], c.R[1][2], c.R[2][0], c.R[2][1], c.R[2][2]))
		add(p+"T", fsMatrixNode(3, 1, c.T.X, c.T.Y, c.T.Z))
		if v := rmsOf(m, i); v > 0 {
			add(p+"rms", fsFloat(v))
		}
	}
	if len(cams) == 1 {
		c := &cams[0]
		add("image_width", fsInt(c.Width))
		add("image_height", fsInt(c.Height))
		add("fisheye_model", fsInt(b2i(c.Fisheye)))
		add("camera_matrix", root.get("cam_0_K"))
		add("distortion_coefficients", root.get("cam_0_dist"))
	}
	return root
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func fsInt(i int) *fsNode { return &fsNode{text: strconv.Itoa(i)} }

// fsFloat formats x exactly and, as FileStorage does, always as a real
// ("1." rather than "1"), so that it reads back as one.
func fsFloat(x float64) *fsNode {
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += "."
	}
	return &fsNode{text: s}
}

func fsString(s string) *fsNode { return &fsNode{text: s, quoted: true} }

func fsMatrixNode(rows, cols int, v ...float64) *fsNode {
	data := &fsNode{kind: fsSeq, items: make([]*fsNode, len(v))}
	for i, x := range v {
		data.items[i] = fsFloat(x)
	}
	return &fsNode{kind: fsMap, tag: "opencv-matrix",
		keys: []string{"rows", "cols", "dt", "data"},
		vals: []*fsNode{fsInt(rows), fsInt(cols), {text: "d"}, data}}
}
