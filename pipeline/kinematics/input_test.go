package kinematics

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/athlete3d/athlete3d/skeleton"
	"gonum.org/v1/gonum/spatial/r3"
)

func TestNewErrors(t *testing.T) {
	noHips := &skeleton.Set{Name: "nohips", Joints: []string{"LAnkle", "RAnkle", "LKnee", "RKnee"}}
	for _, tt := range []struct {
		name string
		set  *skeleton.Set
		cfg  Config
		want error
	}{
		{"nil set", nil, Config{}, ErrNoSkeleton},
		{"no hips", noHips, Config{}, ErrMissingJoint},
		{"negative window", &skeleton.COCO17, Config{SmoothWindow: -1}, ErrConfig},
		{"NaN window", &skeleton.COCO17, Config{SpeedWindow: math.NaN()}, ErrConfig},
		{"release below contact", &skeleton.COCO17, Config{ContactHeight: 0.1, ReleaseHeight: 0.05}, ErrConfig},
		{"release speed below contact", &skeleton.COCO17, Config{ContactSpeedMin: 3}, ErrConfig},
		{"marks not increasing", &skeleton.COCO17, Config{Splits: []float64{10, 5}}, ErrConfig},
		{"confirm too large", &skeleton.COCO17, Config{Confirm: 100}, ErrConfig},
		{"infinite start", &skeleton.COCO17, Config{StartTime: math.Inf(1)}, ErrConfig},
		{"defaults", &skeleton.COCO17, Config{}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewLive(tt.set, tt.cfg)
			if !errors.Is(err, tt.want) {
				t.Errorf("NewLive: got %v, want %v", err, tt.want)
			}
			_, err = Analyze(tt.set, []Frame{{T: 0, Joints: make([]r3.Vec, 17)}}, tt.cfg)
			if !errors.Is(err, tt.want) {
				t.Errorf("Analyze: got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestUpdateErrors(t *testing.T) {
	set := &skeleton.COCO17
	good := func(tm float64) Frame { return Frame{T: tm, Joints: make([]r3.Vec, set.Len())} }
	for _, tt := range []struct {
		name string
		fr   Frame
		want error
	}{
		{"too few joints", Frame{T: 1, Joints: make([]r3.Vec, 3)}, ErrJointCount},
		{"flags mismatch", Frame{T: 1, Joints: make([]r3.Vec, set.Len()), OK: make([]bool, 2)}, ErrJointCount},
		{"NaN time", good(math.NaN()), ErrTime},
		{"infinite time", good(math.Inf(1)), ErrTime},
		{"same time", good(0.5), ErrTimeOrder},
		{"earlier time", good(0.1), ErrTimeOrder},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, err := NewLive(set, Config{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Update(good(0.5)); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Update(tt.fr); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
			// The rejected frame changed nothing.
			if _, err := l.Update(good(0.52)); err != nil {
				t.Errorf("next frame: got %v, want nil", err)
			}
		})
	}
}

func TestAnalyzeErrors(t *testing.T) {
	set := &skeleton.COCO17
	good := func(tm float64) Frame { return Frame{T: tm, Joints: make([]r3.Vec, set.Len())} }
	for _, tt := range []struct {
		name   string
		frames []Frame
		want   error
	}{
		{"empty", nil, ErrEmpty},
		{"backwards", []Frame{good(0), good(0.02), good(0.01)}, ErrTimeOrder},
		{"repeated", []Frame{good(0), good(0)}, ErrTimeOrder},
		{"NaN time", []Frame{good(0), good(math.NaN())}, ErrTime},
		{"joint count", []Frame{good(0), {T: 1, Joints: make([]r3.Vec, 5)}}, ErrJointCount},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Analyze(set, tt.frames, Config{}); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// allFinite reports whether every number in s is finite.
func allFinite(s *Sample) bool {
	for _, v := range []float64{s.T, s.X, s.Distance, s.Speed, s.SmoothSpeed, s.Accel,
		s.Knee[0], s.Knee[1], s.Hip[0], s.Hip[1], s.TrunkLean} {
		if !finite(v) {
			return false
		}
	}
	return true
}

func eventFinite(e *FootEvent) bool {
	for _, v := range []float64{e.T, e.Pos.X, e.Pos.Y, e.Pos.Z, e.StepLength, e.StepTime,
		e.StrideLength, e.StrideTime, e.ContactTime, e.FlightTime} {
		if !finite(v) {
			return false
		}
	}
	return true
}

// corrupt spoils a sprint: NaN and infinite positions, a whole second
// with no joints, joints flagged missing.
func corrupt(frames []Frame, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	for i := range frames {
		fr := &frames[i]
		switch {
		case fr.T > 1 && fr.T < 2:
			for j := range fr.OK {
				fr.OK[j] = false
			}
		default:
			for j := range fr.Joints {
				switch rng.IntN(20) {
				case 0:
					fr.Joints[j].X = bad[rng.IntN(3)]
				case 1:
					fr.Joints[j].Z = bad[rng.IntN(3)]
				case 2:
					fr.OK[j] = false
				}
			}
		}
	}
}

func TestBadValuesFlagged(t *testing.T) {
	for _, set := range []*skeleton.Set{&skeleton.COCO17, &skeleton.BODY25B} {
		g := newSynth(sprint())
		frames, _ := g.frames(t, set)
		corrupt(frames, 7)
		samples, events, _ := runLive(t, set, frames, Config{})
		rep, err := Analyze(set, frames, Config{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ss := range [][]Sample{samples, rep.Samples} {
			for i := range ss {
				if !allFinite(&ss[i]) {
					t.Fatalf("%s: sample %d not finite: %+v", set.Name, i, ss[i])
				}
				if ss[i].T > 1.02 && ss[i].T < 1.98 && ss[i].Valid&(FieldKneeL|FieldTrunk) != 0 {
					t.Errorf("%s: sample at t=%v has angles without joints", set.Name, ss[i].T)
				}
			}
		}
		for _, es := range [][]FootEvent{events, rep.Events} {
			for i := range es {
				if !eventFinite(&es[i]) {
					t.Fatalf("%s: event %d not finite: %+v", set.Name, i, es[i])
				}
				// Nothing is linked across the one-second hole.
				if e := es[i]; e.T > 2 && e.T < 2.3 && e.Has(HasStep) && e.T-e.StepTime < 2 {
					t.Errorf("%s: step linked across the gap: %+v", set.Name, e)
				}
			}
		}
		if len(events) == 0 || len(rep.Events) == 0 {
			t.Errorf("%s: got %d live and %d offline events, want some", set.Name, len(events), len(rep.Events))
		}
	}
}

// FuzzLive feeds arbitrary numbers as joints and times; the analyses must
// neither panic nor return non-finite values.
func FuzzLive(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, uint64(1))
	f.Add([]byte{0xff, 0xf0, 0, 0, 0, 0, 0, 0}, uint64(2))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		set := &skeleton.BODY25B
		rng := rand.New(rand.NewPCG(seed, 3))
		next := func() float64 {
			if len(data) == 0 {
				return rng.NormFloat64()
			}
			b := data[0]
			data = data[1:]
			switch b {
			case 0xff:
				return math.NaN()
			case 0xfe:
				return math.Inf(1)
			}
			return float64(int8(b)) / 50
		}
		l, err := NewLive(set, Config{})
		if err != nil {
			t.Fatal(err)
		}
		var frames []Frame
		tm := 0.0
		for range 200 {
			tm += 0.001 + math.Abs(next())/10
			fr := Frame{T: tm, Joints: make([]r3.Vec, set.Len())}
			for j := range fr.Joints {
				fr.Joints[j] = r3.Vec{X: next() + tm*5, Y: next(), Z: math.Abs(next())}
			}
			s, err := l.Update(fr)
			if err != nil {
				continue
			}
			if !allFinite(&s) {
				t.Fatalf("sample not finite: %+v", s)
			}
			for _, e := range l.Events() {
				if !eventFinite(&e) {
					t.Fatalf("event not finite: %+v", e)
				}
			}
			frames = append(frames, fr)
		}
		if rep, err := Analyze(set, frames, Config{}); err == nil {
			for i := range rep.Samples {
				if !allFinite(&rep.Samples[i]) {
					t.Fatalf("offline sample not finite: %+v", rep.Samples[i])
				}
			}
		}
	})
}
