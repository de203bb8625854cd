package calibration

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"gonum.org/v1/gonum/spatial/r3"
)

// ReadPose2SimFile reads a Pose2Sim calibration file (Calib.toml).
func ReadPose2SimFile(path string) ([]Camera, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cams, err := ReadPose2Sim(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cams, nil
}

// ReadPose2Sim reads the Pose2Sim calibration layout, as ReadProject,
// without what the file says beside its cameras.
func ReadPose2Sim(r io.Reader) ([]Camera, error) {
	cams, _, err := ReadProject(r)
	return cams, err
}

// WritePose2Sim writes cameras in the Pose2Sim layout, as WriteProject
// with nothing known beside the cameras.
func WritePose2Sim(w io.Writer, cams []Camera) error {
	return WriteProject(w, cams, Meta{})
}

// ReadProject reads the project's calibration file, which is Pose2Sim's
// Calib.toml layout: one table per camera with `name`, `size` [w, h],
// `matrix` (K, 3x3), `distortions` [k1, k2, p1, p2[, k3]] (k1..k4 when
// `fisheye`), `rotation` (Rodrigues vector, world→camera), `translation`
// (metres, world→camera) and `fisheye`; the project adds `rms` (pixels)
// per camera and `error`, `world` and `tool` in [metadata]. Any table with
// a `matrix` key is a camera; others, and other keys, are ignored.
// Cameras come in the file's order, as Pose2Sim takes them.
func ReadProject(r io.Reader) ([]Camera, Meta, error) {
	doc, err := decodeTOML(r)
	if err != nil {
		return nil, Meta{}, err
	}
	var cams []Camera
	var m Meta
	var rms []float64
	for _, k := range doc.order {
		t, ok := doc.raw[k].(map[string]any)
		if !ok || t["matrix"] == nil {
			continue
		}
		c, err := tomlCamera(k, t, Metre, false)
		if err != nil {
			return nil, Meta{}, fault(tomlTable(k), err)
		}
		v, err := optNumber(t, "rms")
		if err != nil {
			return nil, Meta{}, fault(tomlTable(k), err)
		}
		cams = append(cams, c)
		rms = append(rms, v)
	}
	if len(cams) == 0 {
		return nil, Meta{}, fault("", errors.New("no camera table (a table with a matrix key)"))
	}
	if anyPositive(rms) {
		m.RMS = rms
	}
	if meta, ok := doc.raw["metadata"].(map[string]any); ok {
		if m.Error, err = optNumber(meta, "error"); err != nil {
			return nil, Meta{}, fault("[metadata]", err)
		}
		m.World, _ = meta["world"].(string)
		m.Tool, _ = meta["tool"].(string)
	}
	return cams, m, nil
}

// WriteProject writes cameras in the project's layout (see ReadProject),
// one table per camera named after it, which Pose2Sim reads as it is: it
// takes every table but [metadata] for a camera and ignores keys it does
// not know. Distortions are written as 4 coefficients, or 5 when the
// camera has a k3.
func WriteProject(w io.Writer, cams []Camera, m Meta) error {
	if err := checkWritable(cams, m); err != nil {
		return err
	}
	if err := checkSized(cams); err != nil {
		return err
	}
	for _, c := range cams {
		if c.Name == "metadata" {
			return fault("", unsupported(`a camera named "metadata" would be read as the metadata table`))
		}
	}
	bw := bufio.NewWriter(w)
	for i := range cams {
		c := &cams[i]
		rv := RotationVector(c.R)
		fmt.Fprintf(bw, "[%s]\nname = %s\nsize = %s\n", tomlKey(c.Name), tomlString(c.Name), tomlFloats(float64(c.Width), float64(c.Height)))
		fmt.Fprintf(bw, "matrix = %s\ndistortions = %s\n", tomlMatrix(c.K), tomlFloats(distOut(c, 4)...))
		fmt.Fprintf(bw, "rotation = %s\ntranslation = %s\nfisheye = %t\n",
			tomlFloats(rv.X, rv.Y, rv.Z), tomlFloats(c.T.X, c.T.Y, c.T.Z), c.Fisheye)
		if v := rmsOf(m, i); v > 0 {
			fmt.Fprintf(bw, "rms = %s\n", tomlFloat(v))
		}
		bw.WriteString("\n")
	}
	if m.Error > 0 || m.World != "" || m.Tool != "" {
		bw.WriteString("[metadata]\n")
		if m.Error > 0 {
			fmt.Fprintf(bw, "error = %s\n", tomlFloat(m.Error))
		}
		if m.World != "" {
			fmt.Fprintf(bw, "world = %s\n", tomlString(m.World))
		}
		if m.Tool != "" {
			fmt.Fprintf(bw, "tool = %s\n", tomlString(m.Tool))
		}
	}
	return bw.Flush()
}

// TOML helpers shared by the three TOML formats (project, anipose,
// caliscope), which all descend from anipose's camera table.

// checkSized refuses cameras of unknown image size (0, as read from
// OpenCV files that do not say) for the TOML formats, whose readers need
// it: Pose2Sim and anipose compute with it.
func checkSized(cams []Camera) error {
	for _, c := range cams {
		if c.Width < 1 || c.Height < 1 {
			return fault(fmt.Sprintf("camera %q", c.Name), unsupported(fmt.Sprintf("image size %d×%d unknown; this format needs it", c.Width, c.Height)))
		}
	}
	return nil
}

// tomlDoc is a decoded TOML file and its top-level keys in the file's
// order (a map has none, and Pose2Sim takes cameras in file order).
type tomlDoc struct {
	raw   map[string]any
	order []string
}

func decodeTOML(r io.Reader) (tomlDoc, error) {
	var doc tomlDoc
	md, err := toml.NewDecoder(r).Decode(&doc.raw)
	if err != nil {
		// BurntSushi's message already says "toml: line N".
		return doc, fault("", err)
	}
	seen := make(map[string]bool)
	for _, k := range md.Keys() {
		if len(k) > 0 && !seen[k[0]] {
			seen[k[0]] = true
			doc.order = append(doc.order, k[0])
		}
	}
	return doc, nil
}

// tomlCamera reads one camera table: `size`, `matrix`, `distortions`,
// `rotation`, `translation`, `fisheye` and an optional `name` (the table
// name otherwise). Translations are multiplied by unit to give metres.
// When rotMatrix, `rotation` may also be a 3x3 matrix, as in caliscope's
// older files.
func tomlCamera(table string, t map[string]any, unit float64, rotMatrix bool) (Camera, error) {
	c := Camera{Name: table}
	if v, ok := t["name"]; ok {
		n, ok := v.(string)
		if !ok {
			return c, fmt.Errorf("name: %T, not a string", v)
		}
		if n != "" {
			c.Name = n
		}
	}
	size, err := floats(t, "size", 2)
	if err != nil {
		return c, err
	}
	for _, s := range size {
		if s < 1 || s > 1<<20 || s != math.Trunc(s) {
			return c, fmt.Errorf("size: %g is not a pixel count", s)
		}
	}
	c.Width, c.Height = int(size[0]), int(size[1])
	if c.K, err = matrix3(t, "matrix"); err != nil {
		return c, err
	}
	if v, ok := t["fisheye"]; ok {
		if c.Fisheye, ok = v.(bool); !ok {
			return c, fmt.Errorf("fisheye: %T, not a boolean", v)
		}
	}
	if err := checkIntrinsics(&c); err != nil {
		return c, err
	}
	if t["distortions"] != nil {
		d, err := floats(t, "distortions", -1)
		if err != nil {
			return c, err
		}
		if c.Dist, err = normDist(d, c.Fisheye); err != nil {
			return c, err
		}
	}
	if c.R, err = rotation(t, rotMatrix); err != nil {
		return c, err
	}
	tr, err := floats(t, "translation", 3)
	if err != nil {
		return c, err
	}
	c.T = r3.Vec{X: tr[0] * unit, Y: tr[1] * unit, Z: tr[2] * unit}
	return c, checkPose(&c)
}

// rotation reads `rotation` as a Rodrigues vector or, when matrixOK, a
// 3x3 matrix.
func rotation(t map[string]any, matrixOK bool) ([3][3]float64, error) {
	if arr, ok := t["rotation"].([]any); ok && matrixOK && len(arr) == 3 {
		if _, nested := arr[0].([]any); nested {
			return matrix3(t, "rotation")
		}
	}
	rot, err := floats(t, "rotation", 3)
	if err != nil {
		return [3][3]float64{}, err
	}
	return Rodrigues(r3.Vec{X: rot[0], Y: rot[1], Z: rot[2]}), nil
}

// matrix3 reads key as a 3x3 array of arrays.
func matrix3(t map[string]any, key string) ([3][3]float64, error) {
	var m [3][3]float64
	if t[key] == nil {
		return m, fmt.Errorf("missing %s", key)
	}
	for i := range 3 {
		row, err := floatsOf(t[key], fmt.Sprintf("%s row %d", key, i+1), 3, i)
		if err != nil {
			return m, err
		}
		copy(m[i][:], row)
	}
	if arr := t[key].([]any); len(arr) != 3 {
		return m, fmt.Errorf("%s: %d rows, want 3", key, len(arr))
	}
	return m, nil
}

// floats reads key as an array of n finite numbers (any length when n < 0).
func floats(t map[string]any, key string, n int) ([]float64, error) {
	if t[key] == nil {
		return nil, fmt.Errorf("missing %s", key)
	}
	return floatsOf(t[key], key, n, -1)
}

// floatsOf reads v (or its row-th element when row >= 0) as n numbers.
func floatsOf(v any, what string, n, row int) ([]float64, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: not an array", what)
	}
	if row >= 0 {
		if row >= len(arr) {
			return nil, fmt.Errorf("%s: missing", what)
		}
		if arr, ok = arr[row].([]any); !ok {
			return nil, fmt.Errorf("%s: not an array", what)
		}
	}
	if n >= 0 && len(arr) != n {
		return nil, fmt.Errorf("%s: %d values, want %d", what, len(arr), n)
	}
	out := make([]float64, len(arr))
	for i, e := range arr {
		switch x := e.(type) {
		case float64:
			out[i] = x
		case int64:
			out[i] = float64(x)
		default:
			return nil, fmt.Errorf("%s: element %d is %T, not a number", what, i+1, e)
		}
		if !finite(out[i]) {
			return nil, fmt.Errorf("%s: element %d is not finite", what, i+1)
		}
	}
	return out, nil
}

// optNumber reads an optional non-negative number: 0 when absent, or
// when caliscope's older writer left the string "null" for "unknown".
func optNumber(t map[string]any, key string) (float64, error) {
	var x float64
	switch v := t[key].(type) {
	case nil:
		return 0, nil
	case float64:
		x = v
	case int64:
		x = float64(v)
	case string:
		if v == "null" {
			return 0, nil
		}
		return 0, fmt.Errorf("%s: %q, not a number", key, v)
	default:
		return 0, fmt.Errorf("%s: %T, not a number", key, v)
	}
	if !(x >= 0) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%s: %g, want a finite number ≥ 0", key, x)
	}
	return x, nil
}

func anyPositive(v []float64) bool {
	for _, x := range v {
		if x > 0 {
			return true
		}
	}
	return false
}

// tomlTable names a table in an error message as the file spells it.
func tomlTable(k string) string { return "[" + tomlKey(k) + "]" }

// tomlFloat formats x exactly (the shortest decimal that reads back as
// the same float64), always as a TOML float.
func tomlFloat(x float64) string {
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") { // n: NaN and Inf never reach here
		s += ".0"
	}
	return s
}

func tomlFloats(v ...float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = tomlFloat(x)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func tomlMatrix(m [3][3]float64) string {
	return "[" + tomlFloats(m[0][:]...) + ", " + tomlFloats(m[1][:]...) + ", " + tomlFloats(m[2][:]...) + "]"
}

// tomlString quotes s as a TOML basic string. checkWritable has kept out
// quotes, backslashes and control characters, so there is nothing to
// escape, but this does not rely on it.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlKey writes k bare when TOML allows it, quoted otherwise (a camera
// named "left cam" must not break the table header).
func tomlKey(k string) string {
	if k == "" {
		return `""`
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return tomlString(k)
		}
	}
	return k
}
