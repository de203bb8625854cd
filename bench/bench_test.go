package bench

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
	"gonum.org/v1/gonum/spatial/r3"
)

func mocapDir(t testing.TB) string { return testenv.SharedData(t, "sprint-mocap") }

// TestWorldAxes checks FromMocap's axes on the data: the runner goes
// towards +x, the right side is at lower y (y to the left), z is up.
func TestWorldAxes(t *testing.T) {
	dir := mocapDir(t)
	for _, run := range Runs {
		m, err := LoadMocap(filepath.Join(dir, run+".trc"))
		if err != nil {
			t.Fatal(err)
		}
		var dy float64
		for i := range m.Len() {
			dy += m.Markers["RASI"][i].Y - m.Markers["LASI"][i].Y
			dy += m.Markers["RSH"][i].Y - m.Markers["LSH"][i].Y
		}
		n := m.Len() - 1
		if dx := m.Markers["SACR"][n].X - m.Markers["SACR"][0].X; !(dx > 10) {
			t.Errorf("%s: sacrum moves %.2f m along x, want > 10", run, dx)
		}
		if dy >= 0 {
			t.Errorf("%s: right markers not at lower y than left ones (mean %.3f m)", run, dy/float64(2*m.Len()))
		}
		if m.Markers["C7"][0].Z < m.Markers["LASI"][0].Z+0.3 {
			t.Errorf("%s: C7 not above the pelvis: z up is wrong", run)
		}
	}
}

// TestGait pins the ground truth measured on each run (docs/bench.md).
func TestGait(t *testing.T) {
	dir := mocapDir(t)
	for _, tt := range []struct {
		run                     string
		speed, step, contact    float64
		contacts, steps         int
		minSlope, maxFloorResid float64
	}{
		{"run0350cms", 3.551, 1.338, 0.241, 8, 7, -0.0065, 0.002},
		{"run0500cms", 5.189, 1.760, 0.189, 6, 5, -0.0065, 0.002},
		{"run0900cms", 9.495, 2.197, 0.117, 5, 4, -0.0065, 0.002},
	} {
		t.Run(tt.run, func(t *testing.T) {
			tr, err := LoadTrial(dir, tt.run)
			if err != nil {
				t.Fatal(err)
			}
			g, err := tr.Gait()
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Contacts) != tt.contacts || len(g.Steps) != tt.steps {
				t.Fatalf("got %d contacts %d steps, want %d %d", len(g.Contacts), len(g.Steps), tt.contacts, tt.steps)
			}
			for _, c := range []struct {
				what      string
				got, want float64
				tol       float64
			}{
				{"speed", g.Speed, tt.speed, 0.005},
				{"step length", g.MeanStepLength(), tt.step, 0.005},
				{"contact time", g.MeanContact(), tt.contact, 0.002},
			} {
				if math.Abs(c.got-c.want) > c.tol {
					t.Errorf("%s: got %.4f, want %.4f", c.what, c.got, c.want)
				}
			}
			for i, c := range g.Contacts {
				if i > 0 && c.Foot == g.Contacts[i-1].Foot && tt.run != "run0350cms" {
					t.Errorf("contact %d: same foot twice", i)
				}
				if c.Position.Z < 0 || c.Position.Z > 0.04 {
					t.Errorf("contact %d: metatarsal heads %.3f m above the levelled floor", i, c.Position.Z)
				}
			}
			if tr.FloorSlope < tt.minSlope || tr.FloorSlope > 0 || tr.FloorRMS > tt.maxFloorResid {
				t.Errorf("floor slope %.5f rms %.4f", tr.FloorSlope, tr.FloorRMS)
			}
		})
	}
}

func TestJointCentres(t *testing.T) {
	tr, err := LoadTrial(mocapDir(t), "run0500cms")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		set     *skeleton.Set
		missing []string
	}{
		{&skeleton.COCO17, []string{"Nose", "LEye", "REye", "LEar", "REar"}},
		{&skeleton.BODY25B, []string{"Nose", "LEye", "REye", "LEar", "REar", "Head"}},
		{&skeleton.BODY25, []string{"Nose", "LEye", "REye", "LEar", "REar"}},
	} {
		t.Run(tt.set.Name, func(t *testing.T) {
			js, err := tr.JointCentres(tt.set)
			if err != nil {
				t.Fatal(err)
			}
			for j, name := range tt.set.Joints {
				want := false
				for _, m := range tt.missing {
					want = want || m == name
				}
				for f := range js {
					if got := isNaN(js[f][j]); got != want {
						t.Fatalf("%s frame %d: missing %v, want %v", name, f, got, want)
					}
				}
			}
			// Segment lengths: plausible and steady (rigid bones, skin
			// markers).
			for _, s := range []struct {
				a, b      string
				lo, hi    float64
				maxSpread float64
			}{
				{"LHip", "LKnee", 0.40, 0.52, 0.02},
				{"RKnee", "RAnkle", 0.38, 0.48, 0.02},
				{"LHip", "RHip", 0.12, 0.20, 0.005},
				{"LShoulder", "LElbow", 0.24, 0.34, 0.01},
			} {
				i, j := tt.set.Index(s.a), tt.set.Index(s.b)
				lo, hi := math.Inf(1), math.Inf(-1)
				sum := 0.0
				for f := range js {
					d := r3.Norm(r3.Sub(js[f][i], js[f][j]))
					lo, hi = math.Min(lo, d), math.Max(hi, d)
					sum += d
				}
				mean := sum / float64(len(js))
				if mean < s.lo || mean > s.hi || hi-lo > 6*s.maxSpread {
					t.Errorf("%s-%s: mean %.3f m, range %.3f..%.3f", s.a, s.b, mean, lo, hi)
				}
			}
		})
	}
	if _, err := tr.JointCentres(nil); !errors.Is(err, ErrConfig) {
		t.Errorf("nil set: got %v, want ErrConfig", err)
	}
}

func TestCatmullRom(t *testing.T) {
	line := []r3.Vec{{X: 0}, {X: 1, Z: 2}, {X: 2, Z: 4}, {X: 3, Z: 6}}
	curve := []r3.Vec{{X: 0}, {X: 1}, {X: 4}, {X: 9}, {X: 16}}
	for _, tt := range []struct {
		name string
		p    []r3.Vec
		f    float64
		want r3.Vec
	}{
		{"sample", curve, 2, r3.Vec{X: 4}},
		{"line inner", line, 1.25, r3.Vec{X: 1.25, Z: 2.5}},
		{"line first", line, 0.5, r3.Vec{X: 0.5, Z: 1}},
		{"line last", line, 2.5, r3.Vec{X: 2.5, Z: 5}},
		{"end", line, 3, r3.Vec{X: 3, Z: 6}},
		{"quadratic inner", curve, 2.5, r3.Vec{X: 6.25}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := catmullRom(tt.p, tt.f)
			if r3.Norm(r3.Sub(got, tt.want)) > 1e-12 {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	for _, f := range []float64{-0.1, 3.1, math.NaN()} {
		if !isNaN(catmullRom(line, f)) {
			t.Errorf("f %v: got a point, want NaN", f)
		}
	}
}

func TestNewRig(t *testing.T) {
	s := Section{X0: -6, X1: 6, Y0: -0.6, Y1: 3}
	for _, n := range []int{2, 3, 8, 32} {
		cams, err := NewRig(n, s)
		if err != nil {
			t.Fatal(err)
		}
		if len(cams) != n {
			t.Fatalf("got %d cameras, want %d", len(cams), n)
		}
		seen := 0
		for _, c := range cams {
			if u, v, ok := c.Project(r3.Vec{X: 0, Y: 1.2, Z: 1}); ok && u >= 0 && v >= 0 && u < 1920 && v < 1080 {
				seen++
			}
		}
		if seen < 2 {
			t.Errorf("%d cameras: the section's middle seen by %d", n, seen)
		}
	}
	for _, n := range []int{-1, 0, 1, 33} {
		if _, err := NewRig(n, s); !errors.Is(err, ErrConfig) {
			t.Errorf("%d cameras: got %v, want ErrConfig", n, err)
		}
	}
}

func TestSceneBadInput(t *testing.T) {
	tmp := t.TempDir()
	corrupt := filepath.Join(tmp, "corrupt.trc")
	if err := os.WriteFile(corrupt, []byte("PathFileType\t4\t(X/Y/Z)\tx.trc\nDataRate\tNumMarkers\n250\tzz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		cfg  SceneConfig
		err  error
	}{
		{"unknown run", SceneConfig{Dir: tmp, Run: "run9999cms"}, ErrUnknownRun},
		{"corrupt trc", SceneConfig{Run: corrupt}, record.ErrHeader},
		{"negative cameras", SceneConfig{Dir: tmp, Cameras: -1}, ErrConfig},
		{"one camera", SceneConfig{Dir: tmp, Cameras: 1}, ErrConfig},
		{"too many cameras", SceneConfig{Dir: tmp, Cameras: 33}, ErrConfig},
		{"no athletes", SceneConfig{Dir: tmp, Athletes: -2}, ErrConfig},
		{"miss rate", SceneConfig{Dir: tmp, MissRate: 2}, ErrConfig},
		{"empty set", SceneConfig{Dir: tmp, Set: &skeleton.Set{Name: "none"}}, ErrConfig},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewSprintScene(tt.cfg); !errors.Is(err, tt.err) {
				t.Errorf("got %v, want %v", err, tt.err)
			}
		})
	}
	dir := mocapDir(t)
	for _, tt := range []struct {
		name string
		cfg  SceneConfig
	}{
		{"rate above mocap", SceneConfig{Dir: dir, Rate: 500}},
		{"no time left", SceneConfig{Dir: dir, Athletes: 10, Stagger: 0.2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewSprintScene(tt.cfg); !errors.Is(err, ErrConfig) {
				t.Errorf("got %v, want ErrConfig", err)
			}
		})
	}
}

func TestNewSprintSceneClean(t *testing.T) {
	dir := mocapDir(t)
	sc, err := NewSprintScene(SceneConfig{Dir: dir, Set: &skeleton.BODY25B, Rate: 60, Cameras: 6, Athletes: 2,
		NoisePx: -1, MissRate: -1, SwapRate: -1, OutlierRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Rate != 60 || len(sc.Cameras) != 6 || len(sc.Truth) != 2 || sc.Run != "run0900cms" {
		t.Fatalf("got rate %v, %d cameras, %d athletes, run %s", sc.Rate, len(sc.Cameras), len(sc.Truth), sc.Run)
	}
	// Without errors every keypoint is the exact projection of the truth.
	for f, fr := range sc.Frames {
		for c, dets := range fr.Views {
			for _, d := range dets {
				for j, k := range d.Keypoints {
					if k.Score == 0 {
						continue
					}
					u, v, _ := sc.Cameras[c].Project(sc.Truth[d.Athlete].Joints[f][j])
					if k.Score < 0.3 || math.Abs(k.X-u) > 1e-9 || math.Abs(k.Y-v) > 1e-9 {
						t.Fatalf("frame %d camera %d joint %d: got %+v, want (%v %v)", f, c, j, k, u, v)
					}
				}
			}
		}
	}
	// Truth gait in scene time, lanes apart.
	for k, at := range sc.Truth {
		if len(at.Gait.Contacts) == 0 || at.Gait.Speed < 9 {
			t.Errorf("athlete %d: %d contacts, speed %.2f", k, len(at.Gait.Contacts), at.Gait.Speed)
		}
		for _, c := range at.Gait.Contacts {
			if c.Touchdown < 0 || c.ToeOff > sc.Frames[len(sc.Frames)-1].Time {
				t.Errorf("athlete %d: contact %+v outside the scene", k, c)
			}
			if lane := math.Round(c.Position.Y / 1.22); math.Abs(c.Position.Y-lane*1.22) > 0.2 || int(lane) != k {
				t.Errorf("athlete %d: foot at y %.2f, not in its lane", k, c.Position.Y)
			}
		}
		if mm, n := MPJPE(at.Joints, at.Joints); mm != 0 || n == 0 {
			t.Errorf("MPJPE of the truth with itself: %v over %d", mm, n)
		}
	}
}

// TestNewSprintSceneNoise measures the default error rates and checks a
// seed gives one scene.
func TestNewSprintSceneNoise(t *testing.T) {
	dir := mocapDir(t)
	cfg := SceneConfig{Dir: dir, Seed: 7}
	sc, err := NewSprintScene(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Cameras) != 8 || sc.Rate != 50 || len(sc.Truth) != 3 || sc.Set != &skeleton.COCO17 {
		t.Fatalf("defaults: %d cameras %v Hz %d athletes set %s", len(sc.Cameras), sc.Rate, len(sc.Truth), sc.Set.Name)
	}
	clean, err := NewSprintScene(SceneConfig{Dir: dir, NoisePx: -1, MissRate: -1, SwapRate: -1, OutlierRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	var visible, missed, dets, swaps, outliers int
	var sq float64
	for f := range sc.Frames {
		for c := range sc.Cameras {
			ref := map[int]Detection{}
			for _, d := range clean.Frames[f].Views[c] {
				ref[d.Athlete] = d
			}
			for _, d := range sc.Frames[f].Views[c] {
				dets++
				if d.Swapped {
					swaps++
					continue
				}
				for j, k := range d.Keypoints {
					r := ref[d.Athlete].Keypoints[j]
					if r.Score == 0 {
						continue
					}
					visible++
					if k.Score == 0 {
						missed++
						continue
					}
					if e := math.Hypot(k.X-r.X, k.Y-r.Y); e > 15 {
						outliers++
					} else {
						sq += e * e
					}
				}
			}
		}
	}
	sigma := math.Sqrt(sq / float64(2*(visible-missed-outliers)))
	for _, c := range []struct {
		what      string
		got, want float64
		tol       float64
	}{
		{"miss rate", float64(missed) / float64(visible), 0.05, 0.01},
		{"swap rate", float64(swaps) / float64(dets), 0.02, 0.015},
		{"outlier rate", float64(outliers) / float64(visible), 0.0095, 0.005},
		{"noise px", sigma, 2, 0.1},
	} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s: got %.4f, want %.4f", c.what, c.got, c.want)
		}
	}
	again, err := NewSprintScene(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sc.Frames, again.Frames) {
		t.Error("same seed, different scenes")
	}
}

func TestMPJPE(t *testing.T) {
	nan := r3.Vec{X: math.NaN()}
	for _, tt := range []struct {
		name       string
		est, truth [][]r3.Vec
		want       float64
		n          int
	}{
		{"offset", [][]r3.Vec{{{X: 0.01}, {Y: 0.03}}}, [][]r3.Vec{{{}, {}}}, 20, 2},
		{"missing skipped", [][]r3.Vec{{{X: 0.01}, nan}}, [][]r3.Vec{{{}, {}}}, 10, 1},
		{"nothing", [][]r3.Vec{{nan}}, [][]r3.Vec{{{}}}, math.NaN(), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, n := MPJPE(tt.est, tt.truth)
			if n != tt.n || !(math.Abs(got-tt.want) < 1e-9 || math.IsNaN(got) && math.IsNaN(tt.want)) {
				t.Errorf("got %v over %d, want %v over %d", got, n, tt.want, tt.n)
			}
		})
	}
}

func TestCompareGait(t *testing.T) {
	truth := &Gait{Speed: 9.5, Contacts: []Contact{
		{Foot: Left, Touchdown: 0.10, ToeOff: 0.22, Position: r3.Vec{X: 0}},
		{Foot: Right, Touchdown: 0.34, ToeOff: 0.46, Position: r3.Vec{X: 2.2}},
		{Foot: Left, Touchdown: 0.58, ToeOff: 0.70, Position: r3.Vec{X: 4.4}},
	}}
	est := &Gait{Speed: 9.3, Contacts: []Contact{
		{Foot: Left, Touchdown: 0.11, ToeOff: 0.22, Position: r3.Vec{X: 0.05}},
		{Foot: Right, Touchdown: 0.33, ToeOff: 0.47, Position: r3.Vec{X: 2.2}},
		{Foot: Right, Touchdown: 0.90, ToeOff: 1.0},
	}}
	s := CompareGait(est, truth, 0.03)
	want := GaitScore{SpeedError: 9.3 - 9.5, Matched: 2, Missed: 1, Extra: 1,
		TouchdownError: 0.01, ToeOffError: 0.005, ContactTimeError: 0.015, StepLengthError: 0.05, Steps: 1}
	if !closeScore(s, want) {
		t.Errorf("got %+v, want %+v", s, want)
	}
}

func closeScore(a, b GaitScore) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	return near(a.SpeedError, b.SpeedError) && a.Matched == b.Matched && a.Missed == b.Missed && a.Extra == b.Extra &&
		near(a.TouchdownError, b.TouchdownError) && near(a.ToeOffError, b.ToeOffError) &&
		near(a.ContactTimeError, b.ContactTimeError) && near(a.StepLengthError, b.StepLengthError) && a.Steps == b.Steps
}

func TestIDMetrics(t *testing.T) {
	as := []Assignment{
		{0, 10, 0}, {1, 10, 0}, {2, 11, 0}, {3, 11, 0}, // one switch
		{0, 20, 1}, {2, 20, 1}, {1, 20, 1}, // none, out of order
	}
	if got := IDSwitches(as); got != 1 {
		t.Errorf("IDSwitches: got %d, want 1", got)
	}
	for _, tt := range []struct {
		groups [][]int
		want   float64
	}{
		{[][]int{{0, 0, 0}, {1, 1}}, 1},
		{[][]int{{0, 0, 1}, {1, 1, 1, 2}}, 5.0 / 7},
	} {
		if got := AssociationPrecision(tt.groups); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("AssociationPrecision(%v): got %v, want %v", tt.groups, got, tt.want)
		}
	}
	if !math.IsNaN(AssociationPrecision(nil)) {
		t.Error("AssociationPrecision(nil): want NaN")
	}
}

func BenchmarkNewSprintScene(b *testing.B) {
	dir := mocapDir(b)
	cfg := SceneConfig{Dir: dir, Seed: 1}
	b.ReportAllocs()
	for b.Loop() {
		sc, err := NewSprintScene(cfg)
		if err != nil {
			b.Fatal(err)
		}
		sinkScene = sc
	}
}

var sinkScene *Scene

func ExampleNewRig() {
	cams, err := NewRig(8, Section{X0: 0, X1: 12, Y0: -0.6, Y1: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cams {
		e := c.Center()
		fmt.Printf("%s at x %.1f y %.1f z %.1f, f %.0f px\n", c.Name, e.X, e.Y, e.Z, c.K[0][0])
	}
	// Output:
	// cam01 at x -0.8 y -8.6 z 1.5, f 4008 px
	// cam02 at x -0.8 y 11.0 z 5.0, f 2761 px
	// cam03 at x 3.8 y -15.6 z 8.0, f 6067 px
	// cam04 at x 3.8 y 18.0 z 1.5, f 3268 px
	// cam05 at x 8.2 y -22.6 z 3.0, f 10615 px
	// cam06 at x 8.2 y 25.0 z 8.0, f 6891 px
	// cam07 at x 12.8 y -8.6 z 5.0, f 1841 px
	// cam08 at x 12.7 y 11.0 z 3.0, f 3787 px
}
