package bench

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/athlete3d/athlete3d/pipeline/record"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// Runs are the sprint mocap trials of subject JA1, slowest first.
var Runs = []string{"run0350cms", "run0500cms", "run0900cms"}

// DefaultDir is where the sprint mocap is looked for when a config names
// none: ../shared/data/sprint-mocap from the current directory, which is
// right from the repository's root.
const DefaultDir = "../shared/data/sprint-mocap"

// staticTrial is the static calibration trial beside the runs: the only
// one with the medial knee and ankle markers.
const staticTrial = "static.trc"

// Mocap is one marker trial in the world frame: metres, right-handed, z up,
// x along the running direction, y across the lanes to the left.
type Mocap struct {
	Name  string
	Rate  float64   // frames per second
	Times []float64 // seconds, one per frame
	// Markers holds each marker's trajectory, one point per frame; NaN
	// where the file has a gap.
	Markers map[string][]r3.Vec
}

// Len returns the number of frames.
func (m *Mocap) Len() int { return len(m.Times) }

// FromMocap converts a point of the sprint mocap (millimetres, Y up,
// X = running direction, Z to the runner's right) to the world frame:
// world = (X, −Z, Y)/1000. The map is a proper rotation (determinant +1),
// so a right-handed lab frame stays right-handed; TestWorldAxes checks on
// the data that right-side markers land at lower y than left-side ones
// while x grows with time.
func FromMocap(p r3.Vec) r3.Vec {
	return r3.Vec{X: p.X / 1000, Y: -p.Z / 1000, Z: p.Y / 1000}
}

// LoadMocap reads a sprint mocap TRC file (millimetres, the lab axes of the
// sprint data) and converts it to the world frame with FromMocap.
func LoadMocap(path string) (*Mocap, error) {
	t, err := record.ReadTRCFile(path)
	if err != nil {
		return nil, err
	}
	scale, err := t.Metres()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if scale != 0.001 {
		return nil, fmt.Errorf("%s: units %q, want mm: %w", path, t.Units, ErrMocap)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	m := &Mocap{Name: name, Rate: t.Rate, Times: make([]float64, len(t.Frames)), Markers: make(map[string][]r3.Vec, len(t.Markers))}
	for j, mk := range t.Markers {
		tr := make([]r3.Vec, len(t.Frames))
		for i, f := range t.Frames {
			tr[i] = FromMocap(f.Points[j])
		}
		m.Markers[mk] = tr
	}
	for i, f := range t.Frames {
		m.Times[i] = f.Time
	}
	if len(m.Times) < 4 {
		return nil, fmt.Errorf("%s: %d frames, want 4 at least: %w", path, len(m.Times), ErrMocap)
	}
	return m, nil
}

// runPath resolves a run name or path against dir.
func runPath(dir, run string) (path string, err error) {
	path = run
	if !strings.ContainsAny(run, `/\`) && !strings.HasSuffix(run, ".trc") {
		path = filepath.Join(dir, run+".trc")
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("run %q: %s: %w", run, path, ErrUnknownRun)
		}
		return "", fmt.Errorf("run %q: %w", run, err)
	}
	return path, nil
}

// Trial is a run prepared for ground truth: its markers in the world frame
// and the static trial's calibration of the markers the run lacks.
type Trial struct {
	*Mocap
	// virtual are the medial knee and ankle markers (LMEPI, RMEPI, LMMAL,
	// RMMAL) rebuilt from the static trial, per frame.
	virtual map[string][]r3.Vec
	// FloorSlope is how much the floor rises per metre of x in the mocap
	// frame, and FloorRMS the residual of that line fit (m): LoadTrial
	// levels the trial by it (see level).
	FloorSlope, FloorRMS float64
}

// LoadTrial reads run (a name from Runs, or a .trc path) from dir, with
// the static trial static.trc of the same folder, converts it to the world
// frame (FromMocap), levels it so that the floor is z = 0, and rebuilds the
// medial knee and ankle markers. An empty dir means DefaultDir.
func LoadTrial(dir, run string) (*Trial, error) {
	if dir == "" {
		dir = DefaultDir
	}
	path, err := runPath(dir, run)
	if err != nil {
		return nil, err
	}
	m, err := LoadMocap(path)
	if err != nil {
		return nil, err
	}
	static, err := LoadMocap(filepath.Join(filepath.Dir(path), staticTrial))
	if err != nil {
		return nil, fmt.Errorf("static trial: %w", err)
	}
	tr := &Trial{Mocap: m, virtual: map[string][]r3.Vec{}}
	g, err := tr.Gait()
	if err != nil {
		return nil, err
	}
	if tr.FloorSlope, tr.FloorRMS, err = tr.level(g.Contacts); err != nil {
		return nil, err
	}
	for _, c := range clusters {
		v, err := castMarker(static, m, c.target, c.tracking)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		tr.virtual[c.target] = v
	}
	return tr, nil
}

// marker returns a marker's trajectory, real or rebuilt, or nil.
func (t *Trial) marker(name string) []r3.Vec {
	if v, ok := t.virtual[name]; ok {
		return v
	}
	return t.Markers[name]
}

// clusters are the calibrated anatomical markers (CAST, Cappozzo et al.
// 1995): each target is fixed in the rigid frame of its tracking markers,
// found in the static trial where both were on.
var clusters = []struct {
	target   string
	tracking []string
}{
	{"LMEPI", []string{"LTHLP", "LTHLD", "LTHAP", "LTHAD", "LLEPI"}},
	{"RMEPI", []string{"RTHLP", "RTHLD", "RTHAP", "RTHAD", "RLEPI"}},
	{"LMMAL", []string{"LTIAP", "LTIAD", "LTILAT", "LLMAL"}},
	{"RMMAL", []string{"RTIAP", "RTIAD", "RTILAT", "RLMAL"}},
}

// castMarker rebuilds target in every frame of run from its position
// relative to the tracking markers in static (averaged over the static
// frames): a least-squares rigid fit (Kabsch) of the static tracking
// markers onto each run frame's carries the target along.
func castMarker(static, run *Mocap, target string, tracking []string) ([]r3.Vec, error) {
	ref := make([]r3.Vec, len(tracking))
	for i, name := range tracking {
		p, err := meanMarker(static, name)
		if err != nil {
			return nil, err
		}
		ref[i] = p
	}
	tgt, err := meanMarker(static, target)
	if err != nil {
		return nil, err
	}
	cur := make([][]r3.Vec, len(tracking))
	for i, name := range tracking {
		if cur[i] = run.Markers[name]; cur[i] == nil {
			return nil, fmt.Errorf("no marker %s: %w", name, ErrMocap)
		}
	}
	out := make([]r3.Vec, run.Len())
	b := make([]r3.Vec, len(tracking))
	for f := range out {
		for i := range tracking {
			b[i] = cur[i][f]
		}
		rot, ca, cb, ok := kabsch(ref, b)
		if !ok {
			out[f] = nanVec
			continue
		}
		out[f] = r3.Add(cb, rot.MulVec(r3.Sub(tgt, ca)))
	}
	return out, nil
}

var nanVec = r3.Vec{X: math.NaN(), Y: math.NaN(), Z: math.NaN()}

func isNaN(p r3.Vec) bool { return record.Missing(p) }

// meanMarker averages a marker over a trial's frames, skipping gaps.
func meanMarker(m *Mocap, name string) (r3.Vec, error) {
	tr := m.Markers[name]
	var s r3.Vec
	n := 0
	for _, p := range tr {
		if !isNaN(p) {
			s = r3.Add(s, p)
			n++
		}
	}
	if n == 0 {
		return r3.Vec{}, fmt.Errorf("%s: no marker %s: %w", m.Name, name, ErrMocap)
	}
	return r3.Scale(1/float64(n), s), nil
}

// kabsch returns the rotation that best maps the centred points a onto the
// centred points b, and both centroids. ok is false when a point is
// missing or the points are degenerate.
func kabsch(a, b []r3.Vec) (rot *r3.Mat, ca, cb r3.Vec, ok bool) {
	for i := range a {
		if isNaN(a[i]) || isNaN(b[i]) {
			return nil, ca, cb, false
		}
		ca = r3.Add(ca, a[i])
		cb = r3.Add(cb, b[i])
	}
	n := float64(len(a))
	ca, cb = r3.Scale(1/n, ca), r3.Scale(1/n, cb)
	h := mat.NewDense(3, 3, nil)
	for i := range a {
		p, q := r3.Sub(a[i], ca), r3.Sub(b[i], cb)
		pv, qv := [3]float64{p.X, p.Y, p.Z}, [3]float64{q.X, q.Y, q.Z}
		for r := range 3 {
			for c := range 3 {
				h.Set(r, c, h.At(r, c)+pv[r]*qv[c])
			}
		}
	}
	var svd mat.SVD
	if !svd.Factorize(h, mat.SVDFull) || svd.Values(nil)[1] < 1e-12 {
		return nil, ca, cb, false
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	var r mat.Dense
	r.Mul(&v, u.T())
	if mat.Det(&r) < 0 {
		// Reflection: flip the axis of the smallest singular value.
		for i := range 3 {
			v.Set(i, 2, -v.At(i, 2))
		}
		r.Mul(&v, u.T())
	}
	return r3.NewMat(r.RawMatrix().Data), ca, cb, true
}
