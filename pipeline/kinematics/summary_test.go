package kinematics

import (
	"math"
	"testing"

	"github.com/athlete3d/athlete3d/skeleton"
)

func TestTopSpeed(t *testing.T) {
	// Speed 7 + 4t − 1.6t²: peak 9.5 m/s at 1.25 s.
	s := sprint()
	s.v0, s.a, s.jerk, s.dur = 7, 4, -3.2, 2.5
	g := newSynth(s)
	frames, _ := g.frames(t, &skeleton.BODY25B)
	rep, err := Analyze(&skeleton.BODY25B, frames, Config{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLive(&skeleton.BODY25B, Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range frames {
		if _, err := l.Update(fr); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name   string
		got    Summary
		dv, dt float64
	}{
		{"offline", rep.Summary, 0.03, 0.01},
		{"live", l.Summary(), 0.1, 0.1},
	} {
		if math.Abs(tt.got.TopSpeed-9.5) > tt.dv || math.Abs(tt.got.TopSpeedT-1.25) > tt.dt {
			t.Errorf("%s: top speed got %.4f m/s at %.4f s, want 9.5 m/s at 1.25 s", tt.name, tt.got.TopSpeed, tt.got.TopSpeedT)
		}
		t.Logf("%s: top speed %.4f m/s at %.4f s (truth 9.5 at 1.25)", tt.name, tt.got.TopSpeed, tt.got.TopSpeedT)
	}
}

func TestSummaryAndSplits(t *testing.T) {
	s := sprint()
	s.x0 = 18
	g := newSynth(s)
	frames, _ := g.frames(t, &skeleton.COCO17)
	cfg := Config{Splits: []float64{20, 30, 45}, StartTime: -2}
	rep, err := Analyze(&skeleton.COCO17, frames, cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, _, liveSplits := runLive(t, &skeleton.COCO17, frames, cfg)
	for _, splits := range [][]Split{rep.Splits, liveSplits} {
		if len(splits) != 3 {
			t.Fatalf("got %d splits, want 3", len(splits))
		}
		prev := -2.0
		for i, sp := range splits {
			want := g.crossing(sp.Mark)
			if sp.Mark != cfg.Splits[i] || math.Abs(sp.T-want) > 1e-3 || math.Abs(sp.Interval-(sp.T-prev)) > 1e-12 {
				t.Errorf("split %d: got %+v, want mark %v at %.4f s, interval from %.4f", i, sp, cfg.Splits[i], want, prev)
			}
			prev = sp.T
		}
	}
	sum := rep.Summary
	step := s.v0 * (s.tc + s.tf)
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"mean step length", sum.MeanStepLength, step, 0.005},
		{"mean step frequency", sum.MeanStepFrequency, 1 / (s.tc + s.tf), 0.05},
		{"mean contact time", sum.MeanContactTime, g.contact(), 0.002},
		{"mean flight time", sum.MeanFlightTime, g.flight(), 0.002},
		{"distance", sum.Distance, s.v0 * s.dur, 0.01},
	} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if sum.Steps < 10 || sum.Contacts < 10 {
		t.Errorf("got %d steps and %d contacts, want at least 10 each", sum.Steps, sum.Contacts)
	}
}

func TestAppendJSON(t *testing.T) {
	for _, tt := range []struct {
		name string
		e    FootEvent
		want string
	}{
		{"touchdown", FootEvent{Kind: Touchdown, Foot: Left, T: 1.23456, StepLength: 2.2149, ContactTime: 0.1012, Valid: HasStep | HasContactTime},
			`{"event":"touchdown","athlete":3,"foot":"L","t":1.2346,"step_length":2.215,"contact_time":0.1012}`},
		{"first touchdown", FootEvent{Kind: Touchdown, Foot: Right, T: 0.5},
			`{"event":"touchdown","athlete":3,"foot":"R","t":0.5000}`},
		{"toe-off", FootEvent{Kind: ToeOff, Foot: Right, T: 0.6, ContactTime: 0.1, Valid: HasContactTime},
			`{"event":"toeoff","athlete":3,"foot":"R","t":0.6000}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.e.AppendJSON(nil, 3)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
