package bench_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/bench"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/kinematics"
	"github.com/athlete3d/athlete3d/skeleton"
)

// runners are the procedural runners of the tests: the default (8.5 m/s
// accelerating to 10), a constant sprint and a jog, a hard acceleration,
// a tall athlete slowing down, a short one with long flights.
var runners = []struct {
	name string
	cfg  bench.RunnerConfig
}{
	{"default", bench.RunnerConfig{}},
	{"sprint", bench.RunnerConfig{Speed: 10, TopSpeed: 10, Duration: 1.5}},
	{"jog", bench.RunnerConfig{Speed: 3.5, TopSpeed: 3.5, Flight: 0.08, Duration: 2.5}},
	{"accelerate", bench.RunnerConfig{Speed: 4, TopSpeed: 11, Tau: 0.8, Duration: 3}},
	{"tall slowing", bench.RunnerConfig{Height: 2.1, Speed: 11, TopSpeed: 7, Tau: 1, Flight: 0.1}},
	{"short", bench.RunnerConfig{Height: 1.5, Speed: 7, TopSpeed: 7, Flight: 0.15}},
}

// sample returns the runner's BODY_25B joints every dt over its run.
func sample(t *testing.T, r *bench.Runner, dt float64) (times []float64, joints [][]r3.Vec) {
	t.Helper()
	for tm := 0.0; tm <= r.Config().Duration; tm += dt {
		js := r.JointsTo(nil, &skeleton.BODY25B, tm)
		for j, p := range js {
			if math.IsNaN(p.X + p.Y + p.Z) {
				t.Fatalf("t %.3f: %s is NaN", tm, skeleton.BODY25B.Joints[j])
			}
		}
		times, joints = append(times, tm), append(joints, js)
	}
	return times, joints
}

// pelvisOf returns the midpoint of the runner's hip centres at tm, from
// the joints as a pipeline sees them.
func pelvisOf(r *bench.Runner, tm float64) r3.Vec {
	js := r.JointsTo(nil, &skeleton.COCO17, tm)
	return r3.Scale(0.5, r3.Add(js[skeleton.LHip], js[skeleton.RHip]))
}

// TestRunnerFeet: the feet alternate; from touchdown to toe-off a foot is
// on the ground (its lowest keypoint within 2 cm, as the shoe's keypoints
// sit over the sole) and, but for the moments its sole crosses the last
// 5 mm, planted (the big toe moving below the mocap truth's 0.5 m/s);
// between a toe-off and the other foot's touchdown both feet are off the
// ground, for about Flight, and the pelvis falls freely.
func TestRunnerFeet(t *testing.T) {
	// planted is how long after touchdown, and before toe-off, the foot
	// is still: the sole crosses the last 5 mm at 1 m/s.
	const planted = 0.005
	set := &skeleton.BODY25B
	idx := func(n string) int { return set.Index(n) }
	footKP := [2][]int{
		{idx("LHeel"), idx("LBigToe"), idx("LSmallToe")},
		{idx("RHeel"), idx("RBigToe"), idx("RSmallToe")},
	}
	for _, tt := range runners {
		t.Run(tt.name, func(t *testing.T) {
			r, err := bench.NewRunner(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			const dt = 0.001
			times, js := sample(t, r, dt)
			g := r.Gait()
			if len(g.Contacts) < 4 {
				t.Fatalf("got %d contacts, want 4 at least", len(g.Contacts))
			}
			low := func(f bench.Foot, i int) float64 {
				m := math.Inf(1)
				for _, j := range footKP[f] {
					m = math.Min(m, js[i][j].Z)
				}
				return m
			}
			var maxStanceZ, maxStanceV, minSwingZ = 0.0, 0.0, math.Inf(1)
			for i, c := range g.Contacts {
				if i > 0 && c.Foot == g.Contacts[i-1].Foot {
					t.Fatalf("contacts %d and %d: both %s", i-1, i, c.Foot)
				}
				toe := idx(c.Foot.String() + "BigToe")
				for k, tm := range times {
					switch {
					case tm >= c.Touchdown && tm <= c.ToeOff && k > 0:
						maxStanceZ = math.Max(maxStanceZ, low(c.Foot, k))
						if tm-dt >= c.Touchdown+planted && tm <= c.ToeOff-planted {
							d := r3.Sub(js[k][toe], js[k-1][toe])
							maxStanceV = math.Max(maxStanceV, math.Hypot(d.X, d.Y)/dt)
						}
					case i+1 < len(g.Contacts) && tm > c.ToeOff+0.002 && tm < g.Contacts[i+1].Touchdown-0.002:
						// Flight: both feet off the ground.
						minSwingZ = math.Min(minSwingZ, math.Min(low(bench.Left, k), low(bench.Right, k)))
					}
				}
			}
			t.Logf("%d contacts: stance foot's lowest keypoint <= %.1f mm, big toe <= %.2f m/s; flight feet >= %.1f mm",
				len(g.Contacts), 1000*maxStanceZ, maxStanceV, 1000*minSwingZ)
			if maxStanceZ > 0.02 {
				t.Errorf("stance foot %.1f mm above the ground, want <= 20", 1000*maxStanceZ)
			}
			if maxStanceV > 0.5 {
				t.Errorf("stance foot moves at %.2f m/s, want <= 0.5", maxStanceV)
			}
			if !(minSwingZ > 0) {
				t.Errorf("a foot in flight at %.1f mm, want above the ground", 1000*minSwingZ)
			}
			// Flights of Flight seconds, less the few milliseconds the
			// feet spend within 5 mm of the ground; the pelvis is
			// ballistic in them.
			for _, s := range g.Steps {
				if f := r.Config().Flight; s.Flight > f || s.Flight < f-2*planted {
					t.Errorf("step at %.3f s: flight %.4f s, want %.3f less up to 10 ms", s.Start, s.Flight, f)
				}
				tm := s.End - s.Flight/2 // mid-flight
				const h = 0.005
				z := func(t float64) float64 { return pelvisOf(r, t).Z }
				if acc := (z(tm+h) - 2*z(tm) + z(tm-h)) / (h * h); math.Abs(acc+9.81) > 1e-3 {
					t.Errorf("mid-flight at %.3f s: pelvis vertical acceleration %.3f m/s², want -9.81", tm, acc)
				}
			}
		})
	}
}

// TestRunnerSpeed: the pelvis moves at the speed profile; the gait's speed
// is the pelvis's travel between the touchdowns; each step's length is
// the pelvis's travel over the step time (to 5 mm: the events are timed
// at 5 mm, not when the ball lands) and within 1 % of the speed times the
// step time; contact times and step lengths are a sprinter's.
func TestRunnerSpeed(t *testing.T) {
	for _, tt := range runners {
		t.Run(tt.name, func(t *testing.T) {
			r, err := bench.NewRunner(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			cfg := r.Config()
			x := func(tm float64) float64 { return pelvisOf(r, tm).X }
			const h = 1e-4
			for tm := h; tm < cfg.Duration-h; tm += 0.05 {
				v := (x(tm+h) - x(tm-h)) / (2 * h)
				want := cfg.TopSpeed - (cfg.TopSpeed-cfg.Speed)*math.Exp(-tm/cfg.Tau)
				if math.Abs(v-want) > 1e-5 || math.Abs(r.Speed(tm)-want) > 1e-12 {
					t.Fatalf("t %.2f: pelvis at %.6f m/s, Speed %.6f, want %.6f", tm, v, r.Speed(tm), want)
				}
			}
			g := r.Gait()
			n := len(g.Contacts)
			first, last := g.Contacts[0].Touchdown, g.Contacts[n-1].Touchdown
			if want := (x(last) - x(first)) / (last - first); math.Abs(g.Speed-want) > 1e-9 {
				t.Errorf("gait speed %.4f, want %.4f", g.Speed, want)
			}
			for _, s := range g.Steps {
				step := s.End - s.Start
				if travel := x(s.End) - x(s.Start); math.Abs(s.Length-travel) > 0.005 {
					t.Errorf("step at %.3f: length %.4f m, pelvis travel %.4f", s.Start, s.Length, travel)
				}
				v := r.Speed((s.Start + s.End) / 2)
				if math.Abs(s.Length-v*step)/s.Length > 0.01 {
					t.Errorf("step at %.3f: length %.3f m, speed × step time %.3f", s.Start, s.Length, v*step)
				}
			}
			// Sprint figures (docs/metrics.md): contact 0.09–0.11 s, step
			// 2.0–2.4 m at 9.5–10 m/s; the jog's contact about 0.25 s.
			t.Logf("speed %.2f m/s, %d steps of %.2f m, contact %.3f s, flight %.3f s, %.2f Hz",
				g.Speed, len(g.Steps), g.MeanStepLength(), g.MeanContact(), g.MeanFlight(), 1/(g.Steps[0].End-g.Steps[0].Start))
			if tt.name == "sprint" && (g.MeanContact() < 0.085 || g.MeanContact() > 0.11 || g.MeanStepLength() < 2 || g.MeanStepLength() > 2.4) {
				t.Errorf("sprint at 10 m/s: contact %.3f s, step %.2f m, want 0.085-0.11 s and 2-2.4 m", g.MeanContact(), g.MeanStepLength())
			}
		})
	}
}

// TestRunnerSegments: every bone keeps its length to 1e-9 m over the run,
// and the lengths scale with the height (thigh 0.245 H, shank 0.246 H in
// the sagittal plane).
func TestRunnerSegments(t *testing.T) {
	set := &skeleton.BODY25B
	bones := [][2]string{
		{"LHip", "LKnee"}, {"RKnee", "RAnkle"}, {"LAnkle", "LHeel"}, {"RAnkle", "RHeel"},
		{"LHip", "RHip"}, {"LShoulder", "RShoulder"}, {"LShoulder", "LElbow"}, {"RElbow", "RWrist"},
		{"LHip", "LShoulder"}, {"Neck", "Nose"}, {"LEar", "REye"}, {"Neck", "Head"},
	}
	for _, tt := range runners {
		t.Run(tt.name, func(t *testing.T) {
			r, err := bench.NewRunner(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, js := sample(t, r, 0.005)
			h := r.Config().Height
			for _, b := range bones {
				i, j := set.Index(b[0]), set.Index(b[1])
				lo, hi := math.Inf(1), math.Inf(-1)
				for _, f := range js {
					d := r3.Norm(r3.Sub(f[i], f[j]))
					lo, hi = math.Min(lo, d), math.Max(hi, d)
				}
				if hi-lo > 1e-9 {
					t.Errorf("%s-%s: length %.6f to %.6f m", b[0], b[1], lo, hi)
				}
				want := map[string]float64{
					"LHip-LKnee":       math.Hypot(0.245*h, 0.005*h),
					"RKnee-RAnkle":     math.Hypot(0.246*h, 0.005*h),
					"LHip-RHip":        0.09 * h,
					"LShoulder-LElbow": 0.186 * h,
				}[b[0]+"-"+b[1]]
				if want != 0 && math.Abs(lo-want) > 1e-9 {
					t.Errorf("%s-%s: %.4f m, want %.4f", b[0], b[1], lo, want)
				}
			}
		})
	}
}

func TestRunnerJointsTo(t *testing.T) {
	r, err := bench.NewRunner(bench.RunnerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	odd := &skeleton.Set{Name: "odd", Joints: []string{"LKnee", "Tail", "Nose"}}
	js := r.JointsTo(make([]r3.Vec, 1, 8), odd, 1)
	if len(js) != 3 || math.IsNaN(js[0].X) || !math.IsNaN(js[1].X) || math.IsNaN(js[2].X) {
		t.Errorf("got %v, want LKnee and Nose placed, Tail NaN", js)
	}
	for _, tm := range []float64{-0.01, 2.01, math.NaN()} {
		if js := r.JointsTo(nil, &skeleton.COCO17, tm); !math.IsNaN(js[0].X) {
			t.Errorf("t %v outside the run: got %v, want NaN", tm, js[0])
		}
	}
	// Feet either side of y = 0, running towards +x, upright.
	js = r.JointsTo(nil, &skeleton.BODY25B, 1)
	set := &skeleton.BODY25B
	if js[set.Index("LAnkle")].Y <= 0 || js[set.Index("RAnkle")].Y >= 0 || js[set.Index("Head")].Z < 1.6 || js[set.Index("Nose")].X < js[set.Index("Neck")].X {
		t.Errorf("pose at 1 s: %v", js)
	}
}

// TestRunnerRange: every corner of the documented ranges builds, so
// NewRunner's checks (legs reach their feet, swings clear the ground and
// stay in the joints' ranges) hold across them.
func TestRunnerRange(t *testing.T) {
	for _, h := range []float64{1.4, 2.2} {
		for _, v0 := range []float64{3, 12} {
			for _, v1 := range []float64{3, 12} {
				for _, flight := range []float64{0.06, 0.16} {
					for _, tau := range []float64{0.05, 1.2} {
						cfg := bench.RunnerConfig{Height: h, Speed: v0, TopSpeed: v1, Flight: flight, Tau: tau, Duration: 3}
						if _, err := bench.NewRunner(cfg); err != nil {
							t.Errorf("%+v: %v", cfg, err)
						}
					}
				}
			}
		}
	}
}

func TestRunnerBadConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  bench.RunnerConfig
	}{
		{"short", bench.RunnerConfig{Height: 1.2}},
		{"NaN height", bench.RunnerConfig{Height: math.NaN()}},
		{"slow", bench.RunnerConfig{Speed: 2}},
		{"fast", bench.RunnerConfig{TopSpeed: 13}},
		{"negative tau", bench.RunnerConfig{Tau: -1}},
		{"long flight", bench.RunnerConfig{Flight: 0.3}},
		{"endless", bench.RunnerConfig{Duration: math.Inf(1)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := bench.NewRunner(tt.cfg); !errors.Is(err, bench.ErrConfig) {
				t.Errorf("got %v, want ErrConfig", err)
			}
			if _, err := bench.NewSprintScene(bench.SceneConfig{Run: bench.Procedural, Runner: tt.cfg}); !errors.Is(err, bench.ErrConfig) {
				t.Errorf("scene: got %v, want ErrConfig", err)
			}
		})
	}
}

// TestProceduralScene: a procedural scene needs no mocap folder; its
// detections are the projections of its truth, and its gait truth holds
// together: contacts alternate in each athlete's lane, steps join them,
// each step as long as the runner's speed over it times its time.
func TestProceduralScene(t *testing.T) {
	r, err := bench.NewRunner(bench.RunnerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := bench.NewSprintScene(bench.SceneConfig{Run: bench.Procedural, Dir: "/nonexistent", Set: &skeleton.BODY25B,
		Cameras: 6, NoisePx: -1, MissRate: -1, SwapRate: -1, OutlierRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	// 2 s less two staggers of 0.07 s at 50 Hz.
	if sc.Run != bench.Procedural || len(sc.Frames) != 94 || len(sc.Truth) != 3 {
		t.Fatalf("got run %q, %d frames, %d athletes, want procedural, 94, 3", sc.Run, len(sc.Frames), len(sc.Truth))
	}
	for f, fr := range sc.Frames {
		for c, dets := range fr.Views {
			for _, d := range dets {
				for j, k := range d.Keypoints {
					if k.Score == 0 {
						continue
					}
					u, v, _ := sc.Cameras[c].Project(sc.Truth[d.Athlete].Joints[f][j])
					if math.Abs(k.X-u) > 1e-9 || math.Abs(k.Y-v) > 1e-9 {
						t.Fatalf("frame %d camera %d joint %d: got %+v, want (%v %v)", f, c, j, k, u, v)
					}
				}
			}
		}
	}
	end := sc.Frames[len(sc.Frames)-1].Time
	for k, at := range sc.Truth {
		for f, js := range at.Joints {
			for j, p := range js {
				if math.IsNaN(p.X + p.Y + p.Z) {
					t.Fatalf("athlete %d frame %d: %s is NaN", k, f, sc.Set.Joints[j])
				}
			}
		}
		g := at.Gait
		if len(g.Contacts) < 6 || len(g.Steps) != len(g.Contacts)-1 {
			t.Fatalf("athlete %d: %d contacts, %d steps", k, len(g.Contacts), len(g.Steps))
		}
		for i, c := range g.Contacts {
			if c.Touchdown < 0 || c.ToeOff > end {
				t.Errorf("athlete %d: contact %+v outside the scene", k, c)
			}
			if i > 0 && c.Foot == g.Contacts[i-1].Foot {
				t.Errorf("athlete %d: contacts %d and %d of the same foot", k, i-1, i)
			}
			if d := c.Position.Y - 1.22*float64(k); math.Abs(d) > 0.1 || c.Position.Z != 0 {
				t.Errorf("athlete %d: foot at %v, %.2f m off its lane", k, c.Position, d)
			}
		}
		for i, s := range g.Steps {
			a, b := g.Contacts[i], g.Contacts[i+1]
			if s.Start != a.Touchdown || s.End != b.Touchdown || s.Foot != b.Foot {
				t.Errorf("athlete %d step %d: %+v does not join its contacts", k, i, s)
			}
			// The runner's speed over the step, in its own time.
			v := (r.PelvisX(at.TimeShift+s.End) - r.PelvisX(at.TimeShift+s.Start)) / (s.End - s.Start)
			if want := v * (s.End - s.Start); math.Abs(s.Length-want) > 0.005 {
				t.Errorf("athlete %d step %d: %.3f m, speed × step time %.3f", k, i, s.Length, want)
			}
		}
	}
}

// TestProceduralFusion: the procedural scene through the fusion stage,
// one athlete, 8 cameras, 2 px noise, 5 % misses, 2 % swaps, as
// TestSprintFusion does the mocap; then the kinematics against the
// runner's own gait, as TestSprintGait does. Joints placed from two views
// that disagree by more than the triangulator's 15 px are dropped before
// the kinematics: one such joint, a heel 1.6 m off as the athlete enters
// the rig, is enough to make the first contact's ground level (the lowest
// height seen) useless, and no contact is found at all.
func TestProceduralFusion(t *testing.T) {
	const maxError = 15 // px, fusion.TriangulatorConfig's default
	for _, set := range []*skeleton.Set{&skeleton.COCO17, &skeleton.BODY25B} {
		t.Run(set.Name, func(t *testing.T) {
			sc, err := bench.NewSprintScene(bench.SceneConfig{Run: bench.Procedural, Set: set,
				Athletes: 1, Cameras: 8, NoisePx: 2, MissRate: 0.05, SwapRate: 0.02, OutlierRate: -1})
			if err != nil {
				t.Fatal(err)
			}
			per, _ := tracks(t, sc)
			raw, _ := bench.MPJPE(positions(per[0], set.Len()), sc.Truth[0].Joints)
			dropped := 0
			for f := range per[0] {
				for j := range per[0][f].Joints {
					if jt := &per[0][f].Joints[j]; jt.OK && jt.Error > maxError {
						jt.OK = false
						dropped++
					}
				}
			}
			bw, err := fusion.NewButterworth(fusion.ButterworthConfig{Rate: sc.Rate, Cutoff: 12})
			if err != nil {
				t.Fatal(err)
			}
			if err := bw.FilterTrack(per[0]); err != nil {
				t.Fatal(err)
			}
			filtered, n := bench.MPJPE(positions(per[0], set.Len()), sc.Truth[0].Joints)
			frames := make([]kinematics.Frame, len(per[0]))
			for f, s := range per[0] {
				frames[f] = kinematics.Frame{T: sc.Frames[f].Time, Joints: make([]r3.Vec, len(s.Joints)), OK: make([]bool, len(s.Joints))}
				for j, jt := range s.Joints {
					frames[f].Joints[j], frames[f].OK[j] = jt.P, jt.OK
				}
			}
			rep, err := kinematics.Analyze(set, frames, kinematics.Config{})
			if err != nil {
				t.Fatal(err)
			}
			truth := &sc.Truth[0].Gait
			s := bench.CompareGait(gaitOf(rep), truth, 0.05)
			speedErr := math.Abs(s.SpeedError) / truth.Speed
			t.Logf("%d frames: MPJPE %.1f mm raw; %d joints over %d px dropped, then %.1f mm filtered over %d; speed error %.2f %%, contacts matched %d missed %d extra %d, touchdown %.1f ms, contact time %.1f ms, step length %.1f mm over %d steps",
				len(sc.Frames), raw, dropped, maxError, filtered, n, 100*speedErr, s.Matched, s.Missed, s.Extra, 1000*s.TouchdownError, 1000*s.ContactTimeError, 1000*s.StepLengthError, s.Steps)
			if !(filtered <= 20) {
				t.Errorf("MPJPE after filtering %.1f mm, want <= 20", filtered)
			}
			if !(speedErr <= 0.01) || s.Missed > 1 || !(s.StepLengthError <= 0.03) {
				t.Errorf("gait: speed error %.2f %%, %d contacts missed, step length error %.1f mm; want <= 1 %%, <= 1, <= 30 mm",
					100*speedErr, s.Missed, 1000*s.StepLengthError)
			}
			if set.Index("LHeel") >= 0 && !(s.ContactTimeError <= 1/sc.Rate) {
				t.Errorf("contact time error %.1f ms, want <= one frame", 1000*s.ContactTimeError)
			}
		})
	}
}

func BenchmarkRunnerJointsTo(b *testing.B) {
	r, err := bench.NewRunner(bench.RunnerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]r3.Vec, skeleton.BODY25B.Len())
	tm := 0.0
	b.ReportAllocs()
	for b.Loop() {
		dst = r.JointsTo(dst, &skeleton.BODY25B, tm)
		tm = math.Mod(tm+0.02, 2)
	}
	sinkJoints = dst
}

var sinkJoints []r3.Vec

func ExampleNewRunner() {
	r, err := bench.NewRunner(bench.RunnerConfig{Speed: 10, TopSpeed: 10, Duration: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	g := r.Gait()
	fmt.Printf("%d contacts, %.1f m/s, steps of %.2f m, contact %.3f s, flight %.3f s\n",
		len(g.Contacts), g.Speed, g.MeanStepLength(), g.MeanContact(), g.MeanFlight())
	// Output:
	// 4 contacts, 10.0 m/s, steps of 2.14 m, contact 0.100 s, flight 0.114 s
}
