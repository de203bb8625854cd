package bench

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/skeleton"
)

// Procedural is the SceneConfig.Run that films a procedural runner
// (NewRunner) instead of a mocap trial: it needs no data on disk.
const Procedural = "procedural"

// RunnerConfig sets up NewRunner. The zero value is the default runner: a
// 1.80 m sprinter passing 8.5 m/s and accelerating towards 10 m/s, for
// 2 s.
type RunnerConfig struct {
	// Height is the standing height, m, 1.4 to 2.2; 0 means 1.80. Every
	// length of the body and of the stride scales with it.
	Height float64
	// Speed is the pelvis speed at t = 0, m/s, 3 to 12; 0 means 8.5.
	Speed float64
	// TopSpeed is the speed the runner approaches, m/s, 3 to 12; 0
	// means 10. Below Speed the runner slows down.
	TopSpeed float64
	// Tau is the time constant of the approach to TopSpeed, s, 0.05 to
	// 60; 0 means 1.2 (about an elite sprinter's).
	Tau float64
	// Flight is the time with both feet off the ground in each step, s,
	// 0.06 to 0.16; 0 means 0.12.
	Flight float64
	// Duration is the length of the run, s, 0.1 to 60; 0 means 2.
	Duration float64
}

func (c RunnerConfig) withDefaults() (RunnerConfig, error) {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Height, 1.80)
	def(&c.Speed, 8.5)
	def(&c.TopSpeed, 10)
	def(&c.Tau, 1.2)
	def(&c.Flight, 0.12)
	def(&c.Duration, 2)
	in := func(v, lo, hi float64) bool { return v >= lo && v <= hi } // false for NaN
	switch {
	case !in(c.Height, 1.4, 2.2):
		return c, fmt.Errorf("runner height %v m, want 1.4 to 2.2: %w", c.Height, ErrConfig)
	case !in(c.Speed, 3, 12) || !in(c.TopSpeed, 3, 12):
		return c, fmt.Errorf("runner speeds %v and %v m/s, want 3 to 12: %w", c.Speed, c.TopSpeed, ErrConfig)
	case !in(c.Tau, 0.05, 60):
		return c, fmt.Errorf("runner time constant %v s, want 0.05 to 60: %w", c.Tau, ErrConfig)
	case !in(c.Flight, 0.06, 0.16):
		return c, fmt.Errorf("runner flight time %v s, want 0.06 to 0.16: %w", c.Flight, ErrConfig)
	case !in(c.Duration, 0.1, 60):
		return c, fmt.Errorf("runner duration %v s, want 0.1 to 60: %w", c.Duration, ErrConfig)
	}
	return c, nil
}

// Stride model; lengths in fractions of the height.
const (
	// hipTouch is the height of the hip centres at every touchdown and
	// toe-off.
	hipTouch = 0.50
	// contactLen is how far the pelvis travels while a foot is on the
	// ground; touchAhead the share of it before the pelvis passes the
	// ball. At 1.80 m: 0.94 m, the ball landing 0.39 m ahead of the
	// pelvis; contact times follow from the speed (0.10 s at 9.5 m/s,
	// 0.27 s at 3.5 m/s).
	contactLen = 0.52
	touchAhead = 0.42
	gravity    = 9.81
)

// Runner is a procedural sprinter: a kinematic model of running that
// gives the world position of every joint at any time, and its exact
// contacts and steps. NewRunner describes the model.
//
// A Runner does not change once built: its methods may be called from
// several goroutines at once.
type Runner struct {
	cfg      RunnerConfig
	h        float64   // height, m
	contacts []contact // both feet, in time order, from before 0 to after Duration
}

// contact is one stance of one foot.
type contact struct {
	foot   Foot
	td, to float64 // touchdown and toe-off, s
	ball   float64 // x of the ball of the foot on the ground, m
	// push is the knee's flexion and its rate (per unit of the contact)
	// where the push-off begins (see stanceLeg).
	push knot
	// The leg's angles and their rates (per second) at touchdown and at
	// toe-off, where the swings before and after join the stance.
	tdAng, tdRate legAngles
	toAng, toRate legAngles
}

// anyFoot asks last for the contacts of both feet.
const anyFoot Foot = -1

// NewRunner builds the runner of cfg. The model, in the runner's frame (x
// forward, y to the left, z up, the ground z = 0; H the height; lengths
// from standard anthropometry, see procedural_body.go; docs/bench.md
// gives the figures it yields):
//
//   - Speed: the pelvis (the hip centres' midpoint) moves along x at
//     v(t) = V∞ − (V∞ − V₀)·e^(−t/τ) (V₀ Speed, V∞ TopSpeed, τ Tau: the
//     exponential approach of Furusawa, Hill and Parkin's sprint model),
//     at V₀ before t = 0, with x(0) = 0.
//   - Steps: a foot stays down while the pelvis travels 0.52 H (the
//     contact time follows from the speed), then both feet are off the
//     ground for Flight, and the other foot lands. The ball of the foot
//     (the sole under the metatarsal heads) lands 42 % of that travel
//     ahead of the pelvis and stays put until toe-off; the feet land
//     0.07 H apart across. At t = 0 the left foot is a quarter of a step
//     into a contact.
//   - Pelvis height: a ballistic parabola in flight, leaving and landing
//     at 0.50 H (so at ±g·Flight/2 vertically); in contact the parabola
//     that joins those speeds, a constant upward acceleration
//     g·Flight/contact: the mean ground force of the impulse balance.
//   - Stance leg: landing on the forefoot pitched 10° heel up, the heel
//     lowering to 3° at 40 % of the contact while the knee, placed by
//     two-link inverse kinematics from hip to ankle, flexes as the leg
//     takes the weight; then the push-off: the knee extends on a cubic to
//     16° at toe-off and the foot rolls heel up just as far as that needs,
//     about the ball with the toes flat up to 40°, beyond it about the
//     toe tip.
//   - Swing leg: the thigh, knee, ankle and toe angles follow cubic
//     Hermite curves from their values and rates at toe-off to those at
//     the next touchdown, the rates changed (least squares) so that the
//     toe tip lifts off and the ball lands at 1 m/s, straight up and down,
//     through keyframes: the knee's greatest flexion, 95° + 5.5°·v (at most 150°,
//     v in m/s), at a third of the swing, still 55 % of it at 70 %; the
//     thigh's greatest flexion, 30° + 4°·v, at 72 %; the ankle neutral at
//     45 % and 12° dorsiflexed at 80 %; the toes straight from 30 %.
//   - Trunk, arms and head: the trunk leans forward 6° + atan(a/g), a
//     the acceleration; each arm swings against its side's leg,
//     −15° ± (20° + 5.5°·v, at most 80°) from the trunk line, most
//     forward at 30 % of its side's stride, the elbow flexed 90° ∓ 25°
//     (more in front); the head leans half as much as the trunk.
//
// NewRunner checks the whole run: every stance leg reaches its foot and
// every swinging foot clears the ground; an error wrapping ErrConfig says
// where not. Every config in the documented ranges passes.
func NewRunner(cfg RunnerConfig) (*Runner, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Runner{cfg: cfg, h: cfg.Height}
	r.schedule()
	for i := range r.contacts {
		r.joinStance(&r.contacts[i])
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	return r, nil
}

// Config returns the runner's configuration with the defaults filled in.
func (r *Runner) Config() RunnerConfig { return r.cfg }

// Speed returns the pelvis speed at t, m/s: the speed profile.
func (r *Runner) Speed(t float64) float64 {
	c := &r.cfg
	if t < 0 {
		return c.Speed
	}
	return c.TopSpeed - (c.TopSpeed-c.Speed)*math.Exp(-t/c.Tau)
}

// accel returns the pelvis acceleration at t, m/s².
func (r *Runner) accel(t float64) float64 {
	c := &r.cfg
	if t < 0 {
		return 0
	}
	return (c.TopSpeed - c.Speed) / c.Tau * math.Exp(-t/c.Tau)
}

// PelvisX returns the x of the hip centres' midpoint at t, m: the
// integral of the speed profile.
func (r *Runner) PelvisX(t float64) float64 {
	c := &r.cfg
	if t < 0 {
		return c.Speed * t
	}
	return c.TopSpeed*t - (c.TopSpeed-c.Speed)*c.Tau*(-math.Expm1(-t/c.Tau))
}

// schedule lays out the contacts, alternating feet, from two steps
// before 0 to three contacts after Duration, so that every swing inside
// the run has its contacts on both sides.
func (r *Runner) schedule() {
	lc := contactLen * r.h
	vlo, vhi := math.Min(r.cfg.Speed, r.cfg.TopSpeed), math.Max(r.cfg.Speed, r.cfg.TopSpeed)
	t := -2.25 * (lc/r.cfg.Speed + r.cfg.Flight) // constant speed before 0
	foot := Left
	for after := 0; after < 3; {
		x0 := r.PelvisX(t)
		// Toe-off is when the pelvis has travelled lc: x increases, so
		// bisect between the bounds the extreme speeds give.
		lo, hi := t+lc/vhi, t+lc/vlo
		for range 60 {
			mid := (lo + hi) / 2
			if r.PelvisX(mid)-x0 < lc {
				lo = mid
			} else {
				hi = mid
			}
		}
		to := (lo + hi) / 2
		r.contacts = append(r.contacts, contact{foot: foot, td: t, to: to, ball: x0 + touchAhead*lc})
		if t > r.cfg.Duration {
			after++
		}
		t = to + r.cfg.Flight
		foot = 1 - foot
	}
}

// pelvis returns the hip centres' midpoint in the sagittal plane at t.
func (r *Runner) pelvis(t float64) v2 {
	p := v2{x: r.PelvisX(t), z: hipTouch * r.h}
	k := r.last(t, anyFoot)
	if k < 0 {
		return p
	}
	c := &r.contacts[k]
	w := gravity * r.cfg.Flight / 2 // vertical speed at take-off and landing
	if t < c.to {
		tc := c.to - c.td
		s := (t - c.td) / tc
		p.z -= w * tc * s * (1 - s)
	} else {
		u := t - c.to
		p.z += w*u - gravity*u*u/2
	}
	return p
}

// last returns the index of the last contact of foot (or of either, with
// anyFoot) that touched down at or before t, or −1.
func (r *Runner) last(t float64, foot Foot) int {
	k := sort.Search(len(r.contacts), func(i int) bool { return r.contacts[i].td > t }) - 1
	for k >= 0 && foot != anyFoot && r.contacts[k].foot != foot {
		k--
	}
	return k
}

// next returns the index of the next contact of the same foot as k; the
// schedule runs past Duration so that there is one for every contact that
// starts inside the run.
func (r *Runner) next(k int) int {
	for i := k + 1; i < len(r.contacts); i++ {
		if r.contacts[i].foot == r.contacts[k].foot {
			return i
		}
	}
	return k
}

// stridePhase returns how far foot is through its stride at t: 0 at a
// touchdown, 1 at its next.
func (r *Runner) stridePhase(foot Foot, t float64) float64 {
	k := r.last(t, foot)
	c, next := &r.contacts[k], &r.contacts[r.next(k)]
	return (t - c.td) / (next.td - c.td)
}

// legAt places the leg of foot at t (−2 steps ≤ t ≤ Duration): in stance
// or in swing.
func (r *Runner) legAt(foot Foot, t float64) leg {
	k := r.last(t, foot)
	c := &r.contacts[k]
	if t <= c.to {
		l, _ := r.stanceLeg(c, t)
		return l
	}
	return r.swingLeg(r.pelvis(t), r.swingAngles(c, &r.contacts[r.next(k)], t))
}

// check samples every stance and swing that overlaps the run: the stance
// legs reach their feet with the knee flexed at least 3°, the swinging
// legs stay within a joint's range (swingRange) and their feet above the
// ground.
func (r *Runner) check() error {
	const samples = 48
	for k := range r.contacts {
		c := &r.contacts[k]
		if c.td > r.cfg.Duration {
			break
		}
		next := &r.contacts[r.next(k)]
		if next.td < 0 {
			continue
		}
		for i := range samples + 1 {
			t := c.td + (c.to-c.td)*float64(i)/samples
			l, ok := r.stanceLeg(c, t)
			if !ok || l.angles()[angKnee] < 3*deg {
				return fmt.Errorf("runner at %.2f m/s: the %s leg cannot reach its foot at %.3f s: %w", r.Speed(t), c.foot, t, ErrConfig)
			}
		}
		for i := 1; i < samples; i++ {
			t := c.to + (next.td-c.to)*float64(i)/samples
			l := r.legAt(c.foot, t)
			if low := r.lowest(&l); low < 0 {
				return fmt.Errorf("runner at %.2f m/s: the %s foot swings %.1f mm into the ground at %.3f s: %w", r.Speed(t), c.foot, -1000*low, t, ErrConfig)
			}
			for i, a := range l.angles() {
				if a < swingRange[i][0] || a > swingRange[i][1] {
					return fmt.Errorf("runner at %.2f m/s: the %s leg's angle %d at %.0f° at %.3f s: %w", r.Speed(t), c.foot, i, a/deg, t, ErrConfig)
				}
			}
		}
	}
	return nil
}

// events returns the touchdown and toe-off of contact c as the mocap
// truth defines them (see Gait): the sole points that are within
// contactMargin of their lowest height in the contact when the ball lands
// (toes leave), followed back (forward) until the first (last) of them
// rises through that level.
func (r *Runner) events(c *contact) (td, to float64) {
	const samples = 32
	var level [3]float64
	for k := range level {
		level[k] = math.Inf(1)
	}
	for i := range samples + 1 {
		l, _ := r.stanceLeg(c, c.td+(c.to-c.td)*float64(i)/samples)
		for k, p := range r.sole(&l) {
			level[k] = math.Min(level[k], p.z)
		}
	}
	// clear returns how far above its level + margin the lowest of the
	// points that time the event is at t (negative: within the margin).
	clear := func(t float64, timing [3]bool) float64 {
		l := r.legAt(c.foot, t)
		m := math.Inf(1)
		for k, p := range r.sole(&l) {
			if timing[k] {
				m = math.Min(m, p.z-level[k]-contactMargin)
			}
		}
		return m
	}
	cross := func(t0 float64, dir float64) float64 {
		var timing [3]bool
		l := r.legAt(c.foot, t0)
		for k, p := range r.sole(&l) {
			timing[k] = p.z <= level[k]+contactMargin
		}
		// Step away from the stance until clear, then bisect the step.
		const step = 0.001
		in, out := t0, t0
		for range 100 {
			out = in + dir*step
			if clear(out, timing) > 0 {
				break
			}
			in = out
		}
		for range 40 {
			mid := (in + out) / 2
			if clear(mid, timing) > 0 {
				out = mid
			} else {
				in = mid
			}
		}
		return (in + out) / 2
	}
	return cross(c.td, -1), cross(c.to, +1)
}

// JointsTo writes into dst, resized to set.Len(), the world position of
// every joint of set at time t, m, by joint name: the names of COCO-17,
// BODY_25 and BODY_25B (nose, eyes, ears, neck, head top, shoulders,
// elbows, wrists, hips, MidHip, knees, ankles, heels, big and small toes).
// Other names, and every joint at a t outside [0, Duration] (by more than
// a nanosecond), are NaN. The
// runner's frame is the world's: running towards +x, the feet landing on
// z = 0 either side of y = 0.
func (r *Runner) JointsTo(dst []r3.Vec, set *skeleton.Set, t float64) []r3.Vec {
	n := set.Len()
	if cap(dst) < n {
		dst = make([]r3.Vec, n)
	}
	dst = dst[:n]
	// A nanosecond's slack: frame times summed from shifts round.
	const slack = 1e-9
	if t < 0 && t >= -slack {
		t = 0
	} else if d := r.cfg.Duration; t > d && t <= d+slack {
		t = d
	}
	if !(t >= 0 && t <= r.cfg.Duration) {
		for j := range dst {
			dst[j] = nanVec
		}
		return dst
	}
	var b [nBody]r3.Vec
	r.body(&b, t)
	for j, name := range set.Joints {
		dst[j] = nanVec
		if i, ok := bodyIndex[name]; ok {
			dst[j] = b[i]
		}
	}
	return dst
}

// Gait returns the runner's ground truth over the run: the contacts
// wholly inside [0, Duration], the steps between them, and the speed as
// (*Trial).Gait defines it: the pelvis's travel from the first to the
// last touchdown over the time between them. A contact's position is the
// ball of the foot's place on the ground (the mocap truth's metatarsal
// heads), and its events are timed as the mocap truth times them, on the
// sole's heel, ball and toe tip: touchdown when the first of them comes
// within 5 mm of its lowest height in the contact, toe-off when the last
// rises through it. The model's foot lands and leaves with no speed, so
// these fall a few milliseconds outside the instants the ball lands and
// the toes leave (docs/bench.md).
func (r *Runner) Gait() *Gait { return r.gaitIn(0, r.cfg.Duration) }

// gaitIn returns the gait of the contacts wholly inside [lo, hi].
func (r *Runner) gaitIn(lo, hi float64) *Gait {
	g := &Gait{}
	for i := range r.contacts {
		c := &r.contacts[i]
		if c.td < lo || c.to > hi {
			continue // the events lie just outside these instants
		}
		td, to := r.events(c)
		if td < lo || to > hi {
			continue
		}
		y := footHalf * r.h
		if c.foot == Right {
			y = -y
		}
		g.Contacts = append(g.Contacts, Contact{Foot: c.foot, Touchdown: td, ToeOff: to, Position: r3.Vec{X: c.ball, Y: y}})
	}
	for i := 1; i < len(g.Contacts); i++ {
		a, b := g.Contacts[i-1], g.Contacts[i]
		g.Steps = append(g.Steps, Step{
			Foot: b.Foot, Start: a.Touchdown, End: b.Touchdown,
			Length: b.Position.X - a.Position.X, Contact: a.Duration(), Flight: b.Touchdown - a.ToeOff,
		})
	}
	if n := len(g.Contacts); n >= 2 {
		first, last := g.Contacts[0].Touchdown, g.Contacts[n-1].Touchdown
		g.Speed = (r.PelvisX(last) - r.PelvisX(first)) / (last - first)
	}
	return g
}
