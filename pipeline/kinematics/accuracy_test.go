package kinematics

import (
	"math"
	"testing"

	"github.com/athlete3d/athlete3d/skeleton"
)

// errs gathers the worst absolute errors of one run against the truth.
type errs struct {
	td, to                  float64 // event times, s
	sumTD, sumTO            float64
	nTD, nTO                int
	step, stride            float64 // m
	contact, flight         float64 // s
	speed, smooth, accel    float64 // m/s, m/s, m/s²
	knee, hip, lean         float64 // degrees
	split                   float64 // s
	matched, missed, extra  int
	steps, contacts, splits int
}

// tol is what a case must meet; zero fields are not checked.
type tol struct {
	td, to, step, contact, flight float64
	speed, smooth, accel          float64
	angle, split                  float64
}

// run analyses the frames live and offline. Events are compared in the
// interior [lo, hi] of the recording.
func measure(t *testing.T, g *synth, set *skeleton.Set, frames []Frame, poses []pose, samples []Sample, events []FootEvent, splits []Split, settle float64) errs {
	t.Helper()
	var e errs
	// The live ground level settles with each foot's first contact.
	lo, hi := 0.7, g.dur-0.2
	truth := g.events(lo, hi)
	used := make([]bool, len(events))
	for _, w := range truth {
		best := -1
		for i, ev := range events {
			if ev.Kind == w.kind && ev.Foot == w.foot && math.Abs(ev.T-w.t) < 0.04 && (best < 0 || math.Abs(ev.T-w.t) < math.Abs(events[best].T-w.t)) {
				best = i
			}
		}
		if best < 0 {
			e.missed++
			continue
		}
		used[best] = true
		e.matched++
		ev := events[best]
		d := math.Abs(ev.T - w.t)
		if w.kind == Touchdown {
			e.td = max(e.td, d)
			e.sumTD += d
			e.nTD++
			if ev.Has(HasStep) {
				// The previous contralateral touchdown is one step time back.
				k := int(math.Round((w.t - g.t0) / g.ts))
				want := w.x - (g.stanceX(1-w.foot, (k-1-int(1-w.foot))/2))
				e.step = max(e.step, math.Abs(ev.StepLength-want))
				e.steps++
			}
			if ev.Has(HasStride) {
				k := int(math.Round((w.t - g.t0) / g.ts))
				want := w.x - g.stanceX(w.foot, (k-int(w.foot))/2-1)
				e.stride = max(e.stride, math.Abs(ev.StrideLength-want))
			}
			if ev.Has(HasFlightTime) && ev.T-ev.FlightTime >= lo { // its toe-off in the interior too
				e.flight = max(e.flight, math.Abs(ev.FlightTime-g.flight()))
			}
		} else {
			e.to = max(e.to, d)
			e.sumTO += d
			e.nTO++
			if ev.Has(HasContactTime) {
				e.contact = max(e.contact, math.Abs(ev.ContactTime-g.contact()))
				e.contacts++
			}
		}
	}
	for i, ev := range events {
		if !used[i] && ev.T > lo+0.05 && ev.T < hi-0.05 {
			e.extra++
		}
	}
	for i, s := range samples {
		if s.T < settle || s.T > g.dur-settle {
			continue
		}
		if s.Has(FieldSpeed) {
			e.speed = max(e.speed, math.Abs(s.Speed-g.speed(s.T)))
		}
		if s.Has(FieldSmoothSpeed) {
			e.smooth = max(e.smooth, math.Abs(s.SmoothSpeed-g.meanSpeed(s.T)))
		}
		if s.Has(FieldAccel) {
			e.accel = max(e.accel, math.Abs(s.Accel-(g.a+g.jerk*s.T)))
		}
		for f := Left; f <= Right; f++ {
			if s.Has(KneeField(f)) {
				e.knee = max(e.knee, math.Abs(s.Knee[f]-poses[i].knee[f]))
			}
			if s.Has(HipField(f)) {
				e.hip = max(e.hip, math.Abs(s.Hip[f]-poses[i].hip[f]))
			}
		}
		if s.Has(FieldTrunk) {
			e.lean = max(e.lean, math.Abs(s.TrunkLean-g.lean))
		}
	}
	for _, sp := range splits {
		e.split = max(e.split, math.Abs(sp.T-g.crossing(sp.Mark)))
		e.splits++
	}
	return e
}

func check(t *testing.T, name string, e errs, tl tol) {
	t.Helper()
	t.Logf("%s: events %d matched, %d missed, %d extra; |err| td %.1f (mean %.1f) ms, to %.1f (mean %.1f) ms, contact %.1f ms, flight %.1f ms, step %.1f mm, stride %.1f mm; speed %.3f, smooth %.3f m/s, accel %.3f m/s²; knee %.2f°, hip %.2f°, lean %.2f°; split %.1f ms (%d)",
		name, e.matched, e.missed, e.extra, e.td*1e3, e.sumTD/float64(max(e.nTD, 1))*1e3, e.to*1e3, e.sumTO/float64(max(e.nTO, 1))*1e3, e.contact*1e3, e.flight*1e3, e.step*1e3, e.stride*1e3,
		e.speed, e.smooth, e.accel, e.knee, e.hip, e.lean, e.split*1e3, e.splits)
	if e.missed > 0 || e.extra > 0 || e.matched == 0 {
		t.Errorf("%s: events %d matched, %d missed, %d extra, want all matched and none extra", name, e.matched, e.missed, e.extra)
	}
	if e.steps == 0 || e.contacts == 0 {
		t.Errorf("%s: got %d steps and %d contact times, want some", name, e.steps, e.contacts)
	}
	for _, c := range []struct {
		what      string
		got, want float64
	}{
		{"touchdown time", e.td, tl.td}, {"toe-off time", e.to, tl.to},
		{"step length", max(e.step, e.stride), tl.step}, {"contact time", e.contact, tl.contact},
		{"flight time", e.flight, tl.flight}, {"speed", e.speed, tl.speed},
		{"smoothed speed", e.smooth, tl.smooth}, {"acceleration", e.accel, tl.accel},
		{"angle", max(e.knee, e.hip, e.lean), tl.angle}, {"split time", e.split, tl.split},
	} {
		if c.want > 0 && !(c.got <= c.want) {
			t.Errorf("%s: %s error got %v, want <= %v", name, c.what, c.got, c.want)
		}
	}
}

func runLive(t *testing.T, set *skeleton.Set, frames []Frame, cfg Config) ([]Sample, []FootEvent, []Split) {
	t.Helper()
	l, err := NewLive(set, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var samples []Sample
	var events []FootEvent
	for _, fr := range frames {
		s, err := l.Update(fr)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, s)
		events = append(events, l.Events()...)
	}
	return samples, events, append([]Split(nil), l.Splits()...)
}

func TestAccuracy(t *testing.T) {
	with := func(s gaitSpec, f func(*gaitSpec)) gaitSpec { f(&s); return s }
	exact := tol{td: 0.004, to: 0.004, step: 0.005, contact: 0.006, flight: 0.006,
		speed: 1e-6, smooth: 1e-6, accel: 1e-6, angle: 1e-6, split: 1e-3}
	oscil := exact
	oscil.speed, oscil.smooth, oscil.accel = 0.2, 0.1, 0.2
	noisy := tol{td: 0.015, to: 0.015, step: 0.02, contact: 0.02, flight: 0.02,
		speed: 0.5, smooth: 0.1, accel: 0.3, angle: 4, split: 0.005}
	noisier := tol{td: 0.025, to: 0.025, step: 0.04, contact: 0.035, flight: 0.04,
		speed: 1, smooth: 0.2, accel: 0.6, angle: 7, split: 0.01}
	gappy := exact
	gappy.td, gappy.to, gappy.contact, gappy.flight = 0.01, 0.01, 0.02, 0.02
	noisyGappy := noisier
	for _, tt := range []struct {
		name      string
		spec      gaitSpec
		set       *skeleton.Set
		live, off tol
	}{
		{"sprint 50 Hz body25b", sprint(), &skeleton.BODY25B, exact, exact},
		{"sprint 60 Hz body25b", with(sprint(), func(s *gaitSpec) { s.rate = 60 }), &skeleton.BODY25B, exact, exact},
		{"sprint 50 Hz coco17", sprint(), &skeleton.COCO17, exact, exact},
		{"jog 50 Hz body25", jog(), &skeleton.BODY25, exact, exact},
		{"jog 60 Hz coco17", with(jog(), func(s *gaitSpec) { s.rate = 60 }), &skeleton.COCO17, exact, exact},
		{"accelerating 60 Hz body25b", accel(), &skeleton.BODY25B, exact, exact},
		{"accelerating 50 Hz coco17", with(accel(), func(s *gaitSpec) { s.rate = 50 }), &skeleton.COCO17, exact, exact},
		{"sprint pelvis oscillation", with(sprint(), func(s *gaitSpec) { s.osc = 0.01 }), &skeleton.BODY25B, oscil, oscil},
		{"sprint noise 5 mm 50 Hz body25b", with(sprint(), func(s *gaitSpec) { s.noise, s.seed = 0.005, 1 }), &skeleton.BODY25B, noisy, noisy},
		{"sprint noise 5 mm 60 Hz coco17", with(sprint(), func(s *gaitSpec) { s.noise, s.seed, s.rate = 0.005, 2, 60 }), &skeleton.COCO17, noisy, noisy},
		{"jog noise 10 mm 50 Hz body25b", with(jog(), func(s *gaitSpec) { s.noise, s.seed = 0.01, 3 }), &skeleton.BODY25B, noisier, noisier},
		{"accelerating noise 5 mm 60 Hz", with(accel(), func(s *gaitSpec) { s.noise, s.seed = 0.005, 4 }), &skeleton.BODY25B, noisy, noisy},
		{"sprint 5% missing joints", with(sprint(), func(s *gaitSpec) { s.missing, s.seed = 0.05, 5 }), &skeleton.BODY25B, gappy, exact},
		{"jog 10% missing and 5 mm noise", with(jog(), func(s *gaitSpec) { s.missing, s.noise, s.seed = 0.1, 0.005, 6 }), &skeleton.COCO17, noisyGappy, noisyGappy},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newSynth(tt.spec)
			frames, poses := g.frames(t, tt.set)
			samples, events, splits := runLive(t, tt.set, frames, Config{})
			check(t, "live", measure(t, g, tt.set, frames, poses, samples, events, splits, 1.0), tt.live)
			rep, err := Analyze(tt.set, frames, Config{})
			if err != nil {
				t.Fatal(err)
			}
			check(t, "offline", measure(t, g, tt.set, frames, poses, rep.Samples, rep.Events, rep.Splits, 0.5), tt.off)
		})
	}
}
