package kinematics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/athlete3d/athlete3d/skeleton"
	"gonum.org/v1/gonum/spatial/r3"
)

// gaitSpec describes an analytic running gait: a pelvis moving along x at
// x0 + v0·t + a·t²/2 (+ a step-frequency oscillation), feet alternating
// contacts of tc seconds separated by flights of tf seconds, flat feet
// that stand still during contact and follow a smooth arc during swing,
// legs placed by two-link inverse kinematics, a trunk at a fixed lean.
type gaitSpec struct {
	rate      float64 // Hz
	dur       float64 // s
	x0, v0, a float64
	jerk      float64 // m/s³: x gains jerk·t³/6
	osc       float64 // m, pelvis x oscillation at the step frequency
	tc, tf    float64 // s
	t0        float64 // first left touchdown, s
	swingH    float64 // m, foot arc height
	lean      float64 // degrees
	noise     float64 // m, Gaussian on every coordinate
	missing   float64 // probability that a joint is missing in a frame
	seed      uint64
}

const (
	pelvisZ   = 1.1
	thighLen  = 0.65
	shankLen  = 0.65
	ankleZ    = 0.08
	hipHalf   = 0.1
	trunkLen  = 0.5
	heelBack  = 0.07
	toeFront  = 0.15
	footCentr = (toeFront - heelBack) / 2
)

// truthEvent is an analytic event.
type truthEvent struct {
	kind EventKind
	foot Foot
	t    float64
	x    float64 // touchdowns: foot centre x during the contact
}

type synth struct {
	gaitSpec
	ts float64 // step time
}

func (g *synth) pelvisX(t float64) float64 {
	return g.x0 + g.v0*t + 0.5*g.a*t*t + g.jerk*t*t*t/6 + g.osc*math.Sin(2*math.Pi*t/g.ts)
}

// meanSpeed is the speed without the step-frequency oscillation.
func (g *synth) meanSpeed(t float64) float64 { return g.v0 + g.a*t + g.jerk*t*t/2 }

func (g *synth) speed(t float64) float64 {
	return g.v0 + g.a*t + g.jerk*t*t/2 + g.osc*2*math.Pi/g.ts*math.Cos(2*math.Pi*t/g.ts)
}

// touchdown returns the k-th touchdown time of foot f (any integer k).
func (g *synth) touchdown(f Foot, k int) float64 {
	return g.t0 + float64(2*k+int(f))*g.ts
}

// stanceX is the foot centre's x during the k-th contact of f: under the
// pelvis at mid-contact.
func (g *synth) stanceX(f Foot, k int) float64 {
	return g.pelvisX(g.touchdown(f, k)+g.tc/2) + footCentr
}

// foot returns the foot centre (x, ground height h) of f at t.
func (g *synth) foot(f Foot, t float64) (x, h float64) {
	k := int(math.Floor((t - g.touchdown(f, 0)) / (2 * g.ts)))
	td := g.touchdown(f, k)
	if t < td+g.tc {
		return g.stanceX(f, k), 0
	}
	to := td + g.tc
	s := (t - to) / (g.touchdown(f, k+1) - to)
	xa, xb := g.stanceX(f, k), g.stanceX(f, k+1)
	return xa + (xb-xa)*(s-math.Sin(2*math.Pi*s)/(2*math.Pi)), g.swingH * math.Sin(math.Pi*s)
}

// pose is the analytic body at t.
type pose struct {
	joints map[string]r3.Vec
	knee   [2]float64 // flexion, degrees
	hip    [2]float64
}

func (g *synth) pose(tb testing.TB, t float64) pose {
	p := pose{joints: map[string]r3.Vec{}}
	px := g.pelvisX(t)
	lean := g.lean * math.Pi / 180
	side := [2]string{"L", "R"}
	for f := Left; f <= Right; f++ {
		y := hipHalf
		if f == Right {
			y = -hipHalf
		}
		hip := r3.Vec{X: px, Y: y, Z: pelvisZ}
		fx, fh := g.foot(f, t)
		cx := fx - footCentr // ankle above heel–toe centre minus offset
		ankle := r3.Vec{X: cx, Y: y, Z: fh + ankleZ}
		dx, dz := ankle.X-hip.X, ankle.Z-hip.Z
		d := math.Hypot(dx, dz)
		if d > 0.999*(thighLen+shankLen) {
			tb.Fatalf("synthetic leg out of reach at t=%v: %v", t, d)
		}
		phi := math.Atan2(dx, -dz)
		alpha := math.Acos((thighLen*thighLen + d*d - shankLen*shankLen) / (2 * thighLen * d))
		inner := math.Acos((thighLen*thighLen + shankLen*shankLen - d*d) / (2 * thighLen * shankLen))
		th := phi + alpha
		knee := r3.Vec{X: hip.X + thighLen*math.Sin(th), Y: y, Z: hip.Z - thighLen*math.Cos(th)}
		p.knee[f] = (math.Pi - inner) * deg
		p.hip[f] = (th + lean) * deg
		s := side[f]
		p.joints[s+"Hip"] = hip
		p.joints[s+"Knee"] = knee
		p.joints[s+"Ankle"] = ankle
		p.joints[s+"Heel"] = r3.Vec{X: cx - heelBack, Y: y, Z: fh}
		p.joints[s+"BigToe"] = r3.Vec{X: cx + toeFront, Y: y + 0.02, Z: fh}
		p.joints[s+"SmallToe"] = r3.Vec{X: cx + toeFront - 0.03, Y: y - 0.03, Z: fh}
		p.joints[s+"Shoulder"] = r3.Vec{X: px + trunkLen*math.Sin(lean), Y: 1.8 * y, Z: pelvisZ + trunkLen*math.Cos(lean)}
	}
	return p
}

// frames samples the gait for set, with the spec's noise and missing
// joints, and returns the analytic poses too.
func (g *synth) frames(tb testing.TB, set *skeleton.Set) ([]Frame, []pose) {
	rng := rand.New(rand.NewPCG(g.seed, 1))
	n := int(g.dur*g.rate) + 1
	frames := make([]Frame, n)
	poses := make([]pose, n)
	for i := range n {
		t := float64(i) / g.rate
		p := g.pose(tb, t)
		fr := Frame{T: t, Joints: make([]r3.Vec, set.Len()), OK: make([]bool, set.Len())}
		for j, name := range set.Joints {
			v, ok := p.joints[name]
			if !ok || (g.missing > 0 && rng.Float64() < g.missing) {
				continue
			}
			if g.noise > 0 {
				v = r3.Add(v, r3.Vec{X: g.noise * rng.NormFloat64(), Y: g.noise * rng.NormFloat64(), Z: g.noise * rng.NormFloat64()})
			}
			fr.Joints[j], fr.OK[j] = v, true
		}
		frames[i], poses[i] = fr, p
	}
	return frames, poses
}

// events returns the analytic events in [lo, hi]: the instants the foot
// is touch above the ground.
func (g *synth) events(lo, hi float64) []truthEvent {
	var ev []truthEvent
	d := g.touchShift()
	for k := -2; g.touchdown(Left, k) < hi+1; k++ {
		for f := Left; f <= Right; f++ {
			td := g.touchdown(f, k) - d
			if td >= lo && td <= hi {
				ev = append(ev, truthEvent{Touchdown, f, td, g.stanceX(f, k)})
			}
			if to := td + g.contact(); to >= lo && to <= hi {
				ev = append(ev, truthEvent{ToeOff, f, to, g.stanceX(f, k)})
			}
		}
	}
	return ev
}

// touch is the foot's height over the ground at its events: the default
// Config.TouchHeight.
const touch = 0.005

// touchShift is how long before its landing (after its lift-off) a foot
// is within touch of the ground: the arc's crossing of that height.
func (g *synth) touchShift() float64 {
	return math.Asin(touch/g.swingH) / math.Pi * (2*g.ts - g.tc)
}

// contact and flight are the event-to-event times the analysis measures.
func (g *synth) contact() float64 { return g.tc + 2*g.touchShift() }
func (g *synth) flight() float64  { return g.tf - 2*g.touchShift() }

func newSynth(s gaitSpec) *synth { return &synth{gaitSpec: s, ts: s.tc + s.tf} }

// sprint and jog are the base gaits of the tests: 9.5 m/s with 0.10 s
// contacts and 0.12 s flights (step 2.09 m, 4.55 Hz), and 3.5 m/s with
// 0.22 s contacts and 0.10 s flights.
func sprint() gaitSpec {
	return gaitSpec{rate: 50, dur: 3, x0: 30, v0: 9.5, tc: 0.10, tf: 0.12, t0: 0.05, swingH: 0.2, lean: 8}
}

func jog() gaitSpec {
	return gaitSpec{rate: 50, dur: 4, x0: 5, v0: 3.5, tc: 0.22, tf: 0.10, t0: 0.07, swingH: 0.15, lean: 5}
}

// accel is a sprint start phase: 3 m/s rising at 2.5 m/s².
func accel() gaitSpec {
	return gaitSpec{rate: 60, dur: 2.0, x0: 2, v0: 3, a: 2.5, tc: 0.14, tf: 0.09, t0: 0.03, swingH: 0.18, lean: 25}
}

// crossing returns the time the analytic pelvis crosses x = m (the pelvis
// x is increasing in every test gait).
func (g *synth) crossing(m float64) float64 {
	lo, hi := 0.0, g.dur
	for range 100 {
		mid := (lo + hi) / 2
		if g.pelvisX(mid) < m {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}
