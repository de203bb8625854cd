package fusion

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/athlete3d/athlete3d/skeleton"
	"gonum.org/v1/gonum/spatial/r3"
)

// runner is a synthetic athlete: the standing pose carried at constant
// velocity from start, arms and legs swinging along the direction of travel
// at 4.5 strides per second.
type runner struct {
	start, vel r3.Vec
	phase      float64
}

// swing is the amplitude of each joint's fore-aft swing, in metres; the
// sign pairs opposite arm and leg.
var swing = [skeleton.NumCOCO17]float64{
	skeleton.LElbow: -0.12, skeleton.RElbow: 0.12, skeleton.LWrist: -0.25, skeleton.RWrist: 0.25,
	skeleton.LKnee: 0.2, skeleton.RKnee: -0.2, skeleton.LAnkle: 0.35, skeleton.RAnkle: -0.35,
}

// pose writes the runner at time tm (seconds) into s, with Gaussian noise
// of the given standard deviation per axis and each joint missing with
// probability drop.
func (r runner) pose(s *Skeleton3, tm, noise, drop float64, rng *rand.Rand) {
	dir := r3.Unit(r.vel)
	side := r3.Vec{X: -dir.Y, Y: dir.X} // left of the direction of travel
	at := r3.Add(r.start, r3.Scale(tm, r.vel))
	sw := math.Sin(2*math.Pi*4.5*tm + r.phase)
	s.ID = 0
	for j, p := range standing {
		// standing faces +x with +y on its left: rotate into (dir, side).
		q := r3.Add(r3.Add(r3.Scale(p.X+swing[j]*sw, dir), r3.Scale(p.Y, side)), r3.Vec{Z: p.Z})
		n := r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()}
		s.Joints[j] = Joint3{P: r3.Add(r3.Add(at, q), r3.Scale(noise, n)), OK: rng.Float64() >= drop, Views: 4}
	}
}

// scene is a run of frames: who is visible when, plus optional spurious
// detections.
type scene struct {
	runners  []runner
	rate     float64
	seconds  float64
	hidden   func(a int, tm float64) bool // runner a not detected at tm
	spurious func(k int) bool             // add a random detection at frame k
}

// result of running a scene through a tracker.
type result struct {
	switches  int   // a runner's ID changed from one non-zero ID to another
	shared    int   // frames where two runners had the same non-zero ID
	unnamed   int   // visible runner-frames with ID 0 after the first second
	spurIDs   int   // spurious detections given an ID
	ids       []int // last ID of each runner
	maxID     int
	idAtFrame [][]int
}

func (sc scene) run(t *testing.T, cfg TrackerConfig) result {
	t.Helper()
	rng := rand.New(rand.NewPCG(42, 43))
	tr, err := NewTracker(skeleton.NumCOCO17, cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := len(sc.runners)
	people := make([]Skeleton3, n+1)
	for i := range people {
		people[i].Joints = make([]Joint3, skeleton.NumCOCO17)
	}
	who := make([]int, n+1) // runner of each detection, -1 spurious
	res := result{ids: make([]int, n)}
	frames := int(sc.seconds * sc.rate)
	for k := range frames {
		tm := float64(k) / sc.rate
		m := 0
		for a, r := range sc.runners {
			if sc.hidden != nil && sc.hidden(a, tm) {
				continue
			}
			r.pose(&people[m], tm, 0.02, 0.05, rng)
			who[m] = a
			m++
		}
		if sc.spurious != nil && sc.spurious(k) {
			r := runner{start: r3.Vec{X: 100 * rng.Float64(), Y: 10*rng.Float64() - 2}, vel: r3.Vec{X: 1}}
			r.pose(&people[m], 0, 0.02, 0, rng)
			who[m] = -1
			m++
		}
		rng.Shuffle(m, func(i, j int) {
			people[i], people[j] = people[j], people[i]
			who[i], who[j] = who[j], who[i]
		})
		if err := tr.Update(time.Duration(tm*1e9), people[:m]); err != nil {
			t.Fatal(err)
		}
		seen := map[int]bool{}
		row := make([]int, n)
		for i, p := range people[:m] {
			res.maxID = max(res.maxID, p.ID)
			a := who[i]
			if a < 0 {
				if p.ID != 0 {
					res.spurIDs++
				}
				continue
			}
			row[a] = p.ID
			if p.ID == 0 {
				if tm > 1 {
					res.unnamed++
				}
				continue
			}
			if seen[p.ID] {
				res.shared++
			}
			seen[p.ID] = true
			if res.ids[a] != 0 && res.ids[a] != p.ID {
				res.switches++
			}
			res.ids[a] = p.ID
		}
		res.idAtFrame = append(res.idAtFrame, row)
	}
	return res
}

// lanes returns n runners in adjacent lanes 1.22 m apart at 8–10 m/s.
func lanes(n int) []runner {
	rs := make([]runner, n)
	for a := range rs {
		rs[a] = runner{
			start: r3.Vec{Y: 1.22 * float64(a)},
			vel:   r3.Vec{X: 8 + 2*float64(a%5)/4},
			phase: float64(a),
		}
	}
	return rs
}

func TestTrackLanes(t *testing.T) {
	for _, rate := range []float64{50, 60} {
		t.Run(fmt.Sprint(rate, " Hz"), func(t *testing.T) {
			sc := scene{runners: lanes(4), rate: rate, seconds: 10}
			res := sc.run(t, TrackerConfig{Rate: rate})
			if res.switches != 0 || res.shared != 0 || res.unnamed != 0 {
				t.Errorf("got %d switches, %d shared, %d unnamed, want none", res.switches, res.shared, res.unnamed)
			}
			if res.maxID != 4 {
				t.Errorf("got max ID %d, want 4", res.maxID)
			}
		})
	}
}

func TestTrackCrossing(t *testing.T) {
	for _, tt := range []struct {
		name    string
		runners []runner
	}{
		// Two runners change lanes through each other, 0.6 m apart in x
		// when they cross.
		{"swap lanes", []runner{
			{start: r3.Vec{}, vel: r3.Vec{X: 9, Y: 0.5}},
			{start: r3.Vec{X: 0.6, Y: 2.5}, vel: r3.Vec{X: 9, Y: -0.5}},
		}},
		// A walker crosses the lane 0.5 m behind a sprinter.
		{"perpendicular", []runner{
			{start: r3.Vec{}, vel: r3.Vec{X: 9}},
			{start: r3.Vec{X: 44.5, Y: -7.5}, vel: r3.Vec{Y: 1.5}},
		}},
		// Runners overtaking in adjacent lanes at 1 m/s difference.
		{"overtake", []runner{
			{start: r3.Vec{}, vel: r3.Vec{X: 10}},
			{start: r3.Vec{X: 5, Y: 1.0}, vel: r3.Vec{X: 9}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc := scene{runners: tt.runners, rate: 50, seconds: 10}
			res := sc.run(t, TrackerConfig{})
			if res.switches != 0 || res.shared != 0 || res.maxID != 2 {
				t.Errorf("got %d switches, %d shared, max ID %d, want 0, 0, 2", res.switches, res.shared, res.maxID)
			}
		})
	}
}

func TestTrackOcclusion(t *testing.T) {
	for _, tt := range []struct {
		name   string
		hidden float64 // seconds
		sameID bool
	}{
		{"0.1 s", 0.1, true},
		{"0.5 s", 0.5, true},
		{"0.9 s", 0.9, true},
		{"1.5 s forgotten", 1.5, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc := scene{
				runners: lanes(4),
				rate:    50,
				seconds: 10,
				hidden:  func(a int, tm float64) bool { return a == 2 && tm >= 4 && tm < 4+tt.hidden },
			}
			res := sc.run(t, TrackerConfig{})
			if res.shared != 0 {
				t.Errorf("got %d shared IDs, want 0", res.shared)
			}
			if tt.sameID {
				if res.switches != 0 || res.maxID != 4 {
					t.Errorf("got %d switches, max ID %d, want 0, 4", res.switches, res.maxID)
				}
				return
			}
			// Forgotten: a new ID after confirmation, the others unchanged.
			if res.switches != 1 || res.maxID != 5 || res.ids[2] != 5 {
				t.Errorf("got %d switches, max ID %d, ID %d, want 1, 5, 5", res.switches, res.maxID, res.ids[2])
			}
		})
	}
}

func TestTrackSpurious(t *testing.T) {
	sc := scene{
		runners:  lanes(4),
		rate:     50,
		seconds:  10,
		spurious: func(k int) bool { return k%3 == 0 },
	}
	res := sc.run(t, TrackerConfig{})
	if res.spurIDs != 0 || res.switches != 0 || res.maxID != 4 {
		t.Errorf("got %d spurious IDs, %d switches, max ID %d, want 0, 0, 4", res.spurIDs, res.switches, res.maxID)
	}
}

func TestTrackConfirm(t *testing.T) {
	for _, confirm := range []int{1, 2, 3, 5} {
		t.Run(fmt.Sprint(confirm), func(t *testing.T) {
			sc := scene{runners: lanes(1), rate: 50, seconds: 0.2}
			res := sc.run(t, TrackerConfig{Confirm: confirm})
			for k, row := range res.idAtFrame {
				want := 0
				if k+1 >= confirm {
					want = 1
				}
				if row[0] != want {
					t.Errorf("frame %d: got ID %d, want %d", k, row[0], want)
				}
			}
		})
	}
}

func TestTrackErrors(t *testing.T) {
	for _, cfg := range []TrackerConfig{
		{Gate: -1}, {Confirm: -1}, {MaxMissed: 10, Reidentify: 5}, {Smoothing: 2}, {Root: []int{17}}, {Rate: math.NaN()},
	} {
		if _, err := NewTracker(17, cfg); !errors.Is(err, ErrFilterConfig) {
			t.Errorf("config %+v: got %v, want %v", cfg, err, ErrFilterConfig)
		}
	}
	tr, err := NewTracker(17, TrackerConfig{Root: []int{skeleton.LHip, skeleton.RHip}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Update(0, []Skeleton3{{Joints: make([]Joint3, 3)}}); !errors.Is(err, ErrJointsMismatch) {
		t.Errorf("got %v, want %v", err, ErrJointsMismatch)
	}
	if err := tr.Update(time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if err := tr.Update(time.Second, nil); !errors.Is(err, ErrNotMonotonic) {
		t.Errorf("got %v, want %v", err, ErrNotMonotonic)
	}
}

// TestTrackRoot checks the fall-back cost: a track and a detection with no
// joint in common are compared by their roots.
func TestTrackRoot(t *testing.T) {
	tr, err := NewTracker(skeleton.NumCOCO17, TrackerConfig{Confirm: 1, Root: []int{skeleton.LHip, skeleton.RHip}})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	s := []Skeleton3{{Joints: make([]Joint3, skeleton.NumCOCO17)}}
	r := runner{vel: r3.Vec{X: 1}}
	r.pose(&s[0], 0, 0, 0, rng)
	for j := range s[0].Joints {
		s[0].Joints[j].OK = j == skeleton.LHip
	}
	tr.Update(0, s)
	r.pose(&s[0], 0.02, 0, 0, rng)
	for j := range s[0].Joints {
		s[0].Joints[j].OK = j == skeleton.RHip
	}
	if err := tr.Update(20*time.Millisecond, s); err != nil {
		t.Fatal(err)
	}
	if s[0].ID != 1 {
		t.Errorf("got ID %d, want 1", s[0].ID)
	}
}

func TestTrackAllocs(t *testing.T) {
	tr, _ := NewTracker(skeleton.NumCOCO17, TrackerConfig{})
	rs := lanes(8)
	people := make([]Skeleton3, len(rs)+1)
	for i := range people {
		people[i].Joints = make([]Joint3, skeleton.NumCOCO17)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	k := 0
	step := func() {
		tm := float64(k) / 50
		for a, r := range rs {
			r.pose(&people[a], tm, 0.02, 0.05, rng)
		}
		m := len(rs)
		if k%2 == 0 { // a spurious detection every other frame
			r := runner{start: r3.Vec{X: 50 * rng.Float64(), Y: -5}, vel: r3.Vec{X: 1}}
			r.pose(&people[m], 0, 0, 0, rng)
			m++
		}
		if err := tr.Update(time.Duration(k)*20*time.Millisecond, people[:m]); err != nil {
			t.Fatal(err)
		}
		k++
	}
	for range 100 {
		step()
	}
	if allocs := testing.AllocsPerRun(200, step); allocs != 0 {
		t.Errorf("got %v allocs per frame, want 0", allocs)
	}
}

func BenchmarkTracker(b *testing.B) {
	for _, n := range []int{4, 8} {
		b.Run(fmt.Sprint(n, " athletes"), func(b *testing.B) {
			tr, _ := NewTracker(skeleton.NumCOCO17, TrackerConfig{})
			rs := lanes(n)
			// Poses (swing, noise, dropped joints) are made beforehand for
			// 5 s and carried forward, so the loop times the tracker alone.
			const period = 250
			pre := make([][]Skeleton3, period)
			rng := rand.New(rand.NewPCG(1, 2))
			for k := range pre {
				pre[k] = make([]Skeleton3, n)
				for a, r := range rs {
					pre[k][a].Joints = make([]Joint3, skeleton.NumCOCO17)
					r.pose(&pre[k][a], float64(k)/50, 0.02, 0.05, rng)
				}
			}
			people := make([]Skeleton3, n)
			for i := range people {
				people[i].Joints = make([]Joint3, skeleton.NumCOCO17)
			}
			k := 0
			step := func() {
				lap := r3.Vec{X: 0}
				for a, r := range rs {
					lap.X = float64(k/period) * period / 50 * r.vel.X
					for j, jt := range pre[k%period][a].Joints {
						jt.P = r3.Add(jt.P, lap)
						people[a].Joints[j] = jt
					}
				}
				if err := tr.Update(time.Duration(k)*20*time.Millisecond, people); err != nil {
					b.Fatal(err)
				}
				k++
			}
			for range 10 {
				step()
			}
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
			if tr.Live() != n {
				b.Errorf("got %d live tracks, want %d", tr.Live(), n)
			}
		})
	}
}
