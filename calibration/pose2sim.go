package calibration

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
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

// ReadPose2Sim reads the Pose2Sim calibration layout: one table per camera
// with `name`, `size` [w, h], `matrix` (K, 3x3), `distortions` [k1, k2, p1,
// p2] (or k1..k4 when `fisheye`), `rotation` (Rodrigues vector,
// world→camera), `translation` (metres, world→camera) and `fisheye`.
// Other tables, such as `metadata`, are ignored. Cameras come in the
// file's order of table names, sorted.
func ReadPose2Sim(r io.Reader) ([]Camera, error) {
	var raw map[string]any
	if _, err := toml.NewDecoder(r).Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	keys := make([]string, 0, len(raw))
	for k, v := range raw {
		if t, ok := v.(map[string]any); ok && t["matrix"] != nil {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no camera table (a table with a matrix key)", ErrFormat)
	}
	sort.Strings(keys)
	cams := make([]Camera, 0, len(keys))
	for _, k := range keys {
		c, err := pose2simCamera(k, raw[k].(map[string]any))
		if err != nil {
			return nil, fmt.Errorf("%w: [%s] %v", ErrFormat, k, err)
		}
		cams = append(cams, c)
	}
	return cams, nil
}

func pose2simCamera(table string, t map[string]any) (Camera, error) {
	c := Camera{Name: table}
	if n, ok := t["name"].(string); ok && n != "" {
		c.Name = n
	}
	size, err := floats(t, "size", 2)
	if err != nil {
		return c, err
	}
	c.Width, c.Height = int(math.Round(size[0])), int(math.Round(size[1]))
	for i := range 3 {
		row, err := floatsOf(t["matrix"], fmt.Sprintf("matrix row %d", i+1), 3, i)
		if err != nil {
			return c, err
		}
		copy(c.K[i][:], row)
	}
	if c.K[0][0] <= 0 || c.K[1][1] <= 0 {
		return c, fmt.Errorf("matrix: focal lengths %g, %g must be positive", c.K[0][0], c.K[1][1])
	}
	if f, ok := t["fisheye"].(bool); ok {
		c.Fisheye = f
	}
	if t["distortions"] != nil {
		d, err := floats(t, "distortions", -1)
		if err != nil {
			return c, err
		}
		c.Dist = d
	}
	rot, err := floats(t, "rotation", 3)
	if err != nil {
		return c, err
	}
	c.R = Rodrigues(r3.Vec{X: rot[0], Y: rot[1], Z: rot[2]})
	tr, err := floats(t, "translation", 3)
	if err != nil {
		return c, err
	}
	c.T = r3.Vec{X: tr[0], Y: tr[1], Z: tr[2]}
	return c, nil
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
		if math.IsNaN(out[i]) || math.IsInf(out[i], 0) {
			return nil, fmt.Errorf("%s: element %d is not finite", what, i+1)
		}
	}
	return out, nil
}

// WritePose2Sim writes cameras in the Pose2Sim layout, one table per
// camera named after it, which Pose2Sim reads as it is.
func WritePose2Sim(w io.Writer, cams []Camera) error {
	bw := bufio.NewWriter(w)
	list := func(v []float64) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = fmt.Sprintf("%.17g", x)
			if !strings.ContainsAny(s[i], ".eE") {
				s[i] += ".0"
			}
		}
		return "[ " + strings.Join(s, ", ") + "]"
	}
	for _, c := range cams {
		rv := RotationVector(c.R)
		dist := make([]float64, 4)
		copy(dist, c.Dist)
		if len(c.Dist) > 4 {
			dist = c.Dist
		}
		fmt.Fprintf(bw, "[%s]\nname = %q\nsize = %s\n", c.Name, c.Name, list([]float64{float64(c.Width), float64(c.Height)}))
		fmt.Fprintf(bw, "matrix = [ %s, %s, %s]\n", list(c.K[0][:]), list(c.K[1][:]), list(c.K[2][:]))
		fmt.Fprintf(bw, "distortions = %s\nrotation = %s\ntranslation = %s\nfisheye = %t\n\n",
			list(dist), list([]float64{rv.X, rv.Y, rv.Z}), list([]float64{c.T.X, c.T.Y, c.T.Z}), c.Fisheye)
	}
	return bw.Flush()
}
