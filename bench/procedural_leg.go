package bench

import "math"

// The procedural runner's legs, in the sagittal plane (x forward, z up).

// legAngles are a leg's sagittal angles, radians: the thigh from the
// downward vertical (forward positive), the knee's flexion, the ankle's
// plantar flexion (the foot's pitch less the shank's angle from the
// downward vertical) and the toes' bend up from the foot.
type legAngles [4]float64

const (
	angThigh = iota
	angKnee
	angAnkle
	angToes
)

// leg is one leg's sagittal pose: joint positions, the ball of the foot
// (the sole under the metatarsal heads, where the toes bend) and the
// pitch of the foot and of the toes (front end down, heel up, positive).
type leg struct {
	hip, knee, ankle, ball v2
	footPitch, toePitch    float64
}

// The stance, in two parts. Until pushAt of the contact the foot's pitch
// follows stanceRoll: landing on the forefoot with the heel up, the heel
// lowering as the leg takes the body's weight, the knee flexing as the hip
// comes over the ball (inverse kinematics). From pushAt the knee follows a
// cubic from its value and rate there to pushKnee at toe-off, where it has
// just turned to flex again (pushKneeRate, per unit of the contact), and
// the foot rolls heel up just as far as that needs.
var stanceRoll = [...]knot{{0, 10 * deg, 0}, {pushAt, 3 * deg, 0}}

const (
	pushAt       = 0.40
	pushKnee     = 16 * deg
	pushKneeRate = 20 * deg
	// toeBreak is the foot's pitch at which the toes leave the ground:
	// until then the foot rolls about the ball with the toes flat, beyond
	// it about the toe tip with the toes bent by toeBreak.
	toeBreak = 40 * deg
	// maxRoll bounds the stance foot's pitch; rollStep is the step of the
	// search for it.
	maxRoll  = 85 * deg
	rollStep = 5 * deg
)

// The swing's keyframes: the fraction u of the swing at which each angle
// reaches its inner keyframe (its value in swingAngles), then the knee's
// and the ankle's second ones.
var swingKnots = legAngles{angThigh: 0.72, angKnee: 1.0 / 3, angAnkle: 0.45, angToes: 0.30}

const (
	// The knee keeps kneeFolded of its greatest flexion at kneeFoldedAt
	// while the thigh drives forward, and extends in the rest.
	kneeFolded   = 0.55
	kneeFoldedAt = 0.70
	// The toes come up (ankleUp, dorsiflexion) at ankleUpAt as the shank
	// swings forward, so the foot clears the ground and lands nearly
	// flat.
	ankleUp   = -12 * deg
	ankleUpAt = 0.80
	// stopAfter is the fraction of the swing over which a joint still
	// moving away from its keyframe at toe-off (the hip extending) comes
	// to a stop, and before touchdown the one over which it starts into
	// the stance's motion (the knee flexing as the foot lands).
	stopAfter = 0.08
	// landSpeed and liftSpeed are the sole's vertical speeds at
	// touchdown and toe-off, m/s: about what the sprint mocap's markers
	// show (widening the truth's 5 mm margin to 10 mm lengthens its
	// contacts by some 6 ms).
	landSpeed = 1.0
	liftSpeed = 1.0
)

// swingRange bounds each angle in the swing: beyond, the curves would
// have overshot into poses no runner takes.
var swingRange = [4][2]float64{
	angThigh: {-60 * deg, 100 * deg},
	angKnee:  {-2 * deg, 165 * deg},
	angAnkle: {-40 * deg, 75 * deg},
	angToes:  {-5 * deg, 60 * deg},
}

// stanceLeg places the leg of contact c at t: the ball fixed, the foot
// pitched as stanceRoll says and the knee placed by inverse kinematics
// until pushAt (landingLeg); from there the knee flexed as the push-off's
// cubic says and the foot rolled heel up just as far as that needs (heel
// down when even the flat foot leaves the knee more bent). ok is false
// when the hip cannot reach the ankle with the foot rolled up to maxRoll.
func (r *Runner) stanceLeg(c *contact, t float64) (l leg, ok bool) {
	h := r.h
	a, b := thighLen*h, shankLen*h
	s := (t - c.td) / (c.to - c.td)
	if s <= pushAt {
		return r.landingLeg(c, t, s)
	}
	l.hip = r.pelvis(t)
	knee := hermite([]knot{c.push, {1, pushKnee, pushKneeRate}}, s)
	want := math.Sqrt(a*a + b*b + 2*a*b*math.Cos(knee)) // hip to ankle
	reach := func(rho float64) float64 {
		l.rollTo(c.ball, rho, h)
		d := l.ankle.sub(l.hip)
		return math.Hypot(d.x, d.z)
	}
	// Rolling the heel up brings the ankle nearer the hip, which is above
	// it, until the ankle passes over the toe tip: take the least pitch
	// that reaches, scanning in steps, then bisecting the step.
	if reach(0) > want {
		lo, hi := 0.0, -1.0
		for p := rollStep; p <= maxRoll+1e-9; p += rollStep {
			if reach(p) <= want {
				hi = p
				break
			}
			lo = p
		}
		if hi < 0 {
			l.knee, _ = kneeOf(l.hip, l.ankle, a, b)
			return l, false
		}
		for range 50 {
			mid := (lo + hi) / 2
			if reach(mid) > want {
				lo = mid
			} else {
				hi = mid
			}
		}
		reach(hi)
	}
	l.knee, ok = kneeOf(l.hip, l.ankle, a, b)
	return l, ok
}

// landingLeg places the leg of contact c at t, the fraction s of the
// contact, before the push-off: the foot pitched as stanceRoll says, the
// knee by inverse kinematics.
func (r *Runner) landingLeg(c *contact, t, s float64) (l leg, ok bool) {
	h := r.h
	l.hip = r.pelvis(t)
	l.rollTo(c.ball, hermite(stanceRoll[:], s), h)
	l.knee, ok = kneeOf(l.hip, l.ankle, thighLen*h, shankLen*h)
	return l, ok
}

// rollTo places a stance foot whose ball is at x on the ground, pitched
// heel up by rho: rolled about the ball with the toes flat up to
// toeBreak, beyond it about the toe tip.
func (l *leg) rollTo(x, rho, h float64) {
	l.footPitch, l.toePitch = rho, 0
	l.ball = v2{x: x}
	if rho > toeBreak {
		l.toePitch = rho - toeBreak
		tip := v2{x: x + toeTip*h}
		l.ball = tip.add(pitch(l.toePitch, v2{x: -toeTip * h}))
	}
	l.ankle = l.ball.add(pitch(rho, ankleInFoot.scale(h)))
}

// kneeOf places the knee forward of the line from hip to ankle, the thigh
// a long and the shank b; ok is false when the ankle is out of reach.
func kneeOf(hip, ankle v2, a, b float64) (v2, bool) {
	d := ankle.sub(hip)
	n := math.Hypot(d.x, d.z)
	cosA := (a*a + n*n - b*b) / (2 * a * n)
	if !(cosA >= -1 && cosA <= 1) {
		return hip.add(d.scale(a / n)), false
	}
	th := downAngle(d) + math.Acos(cosA)
	return hip.add(v2{x: a * math.Sin(th), z: -a * math.Cos(th)}), true
}

// angles returns the leg's sagittal angles.
func (l *leg) angles() legAngles {
	thigh := downAngle(l.knee.sub(l.hip))
	shank := downAngle(l.ankle.sub(l.knee))
	return legAngles{thigh, thigh - shank, l.footPitch + shank, l.footPitch - l.toePitch}
}

// downAngle is the angle of v from the downward vertical, forward
// positive.
func downAngle(v v2) float64 { return math.Atan2(v.x, -v.z) }

// swingLeg places a leg from its angles, forward from the hip.
func (r *Runner) swingLeg(hip v2, a legAngles) leg {
	h := r.h
	l := leg{hip: hip}
	l.knee = hip.add(v2{x: thighLen * h * math.Sin(a[angThigh]), z: -thighLen * h * math.Cos(a[angThigh])})
	shank := a[angThigh] - a[angKnee]
	l.ankle = l.knee.add(v2{x: shankLen * h * math.Sin(shank), z: -shankLen * h * math.Cos(shank)})
	l.footPitch = a[angAnkle] - shank
	l.toePitch = l.footPitch - a[angToes]
	l.ball = l.ankle.sub(pitch(l.footPitch, ankleInFoot.scale(h)))
	return l
}

// joinStance computes what the swings around contact c need: where the
// push-off's knee starts (the landing's knee and rate at pushAt), and the
// leg's angles and rates at both ends of the stance, by one-sided
// differences inside it.
func (r *Runner) joinStance(c *contact) {
	const ds = 1e-5 // of the contact
	tc := c.to - c.td
	l0, _ := r.landingLeg(c, c.td+(pushAt-ds)*tc, pushAt-ds)
	l1, _ := r.landingLeg(c, c.td+pushAt*tc, pushAt)
	k0, k1 := l0.angles()[angKnee], l1.angles()[angKnee]
	c.push = knot{u: pushAt, v: k1, m: (k1 - k0) / ds}
	end := func(t, dir float64) (a, rate legAngles) {
		l0, _ := r.stanceLeg(c, t)
		l1, _ := r.stanceLeg(c, t+dir*ds*tc)
		a, b := l0.angles(), l1.angles()
		for i := range rate {
			rate[i] = dir * (b[i] - a[i]) / (ds * tc)
		}
		return a, rate
	}
	c.tdAng, c.tdRate = end(c.td, +1)
	c.toAng, c.toRate = end(c.to, -1)
	// A foot lands and takes off with some speed, where the stance has
	// none: the swing's rates at its ends are changed so that the ball
	// lands at landSpeed and the toe tip leaves at liftSpeed, straight
	// down and up.
	r.impact(c.td, &c.tdAng, &c.tdRate, 1, v2{z: -landSpeed})
	r.impact(c.to, &c.toAng, &c.toRate, 2, v2{z: liftSpeed})
}

// impact adds to the leg's rates at t, angles a, the least change (in
// the sum of squares, rad/s) that moves sole point k (see sole) at
// velocity v more: J·Δ = v for the 2×4 Jacobian J of the point with
// respect to the four angles (central differences of the forward
// kinematics), Δ = Jᵀ(JJᵀ)⁻¹v. Spreading the change over the joints keeps
// it small wherever the leg stands.
func (r *Runner) impact(t float64, a, rate *legAngles, k int, v v2) {
	const h = 1e-6
	hip := r.pelvis(t)
	var j [4]v2
	for i := range j {
		b, c := *a, *a
		b[i] += h
		c[i] -= h
		lb, lc := r.swingLeg(hip, b), r.swingLeg(hip, c)
		j[i] = r.sole(&lb)[k].sub(r.sole(&lc)[k]).scale(1 / (2 * h))
	}
	var xx, xz, zz float64 // JJᵀ
	for _, d := range j {
		xx += d.x * d.x
		xz += d.x * d.z
		zz += d.z * d.z
	}
	det := xx*zz - xz*xz
	if !(det > 1e-12) {
		return // the joints cannot move the point: leave the rates
	}
	// y = (JJᵀ)⁻¹v, then Δ = Jᵀy.
	yx, yz := (zz*v.x-xz*v.z)/det, (xx*v.z-xz*v.x)/det
	for i, d := range j {
		rate[i] += d.x*yx + d.z*yz
	}
}

// swingAngles interpolates the swing between contact c's toe-off and the
// same foot's next touchdown at t: cubic Hermite pieces through the
// toe-off's angles and rates, the keyframes and the touchdown's angles and
// rates. Where an end's rate points away from the adjacent keyframe, a
// knot where the joint stops is put stopAfter from that end, as far as a
// uniform deceleration from that rate goes, so that the curve turns there
// instead of overshooting, and kept 5° inside the joint's range.
func (r *Runner) swingAngles(c, next *contact, t float64) legAngles {
	d := next.td - c.to
	u := (t - c.to) / d
	v := r.Speed((c.to + next.td) / 2)
	inner := legAngles{
		angThigh: (30 + 4*v) * deg,
		angKnee:  math.Min(95+5.5*v, 150) * deg,
	}
	var a legAngles
	for i := range a {
		var k [6]knot
		n := 0
		add := func(kn knot) { k[n], n = kn, n+1 }
		mid := knot{swingKnots[i], inner[i], 0}
		if i == angAnkle {
			mid.m = math.NaN()
		}
		// Stops are kept 5° inside the joint's range.
		stop := func(v float64) float64 {
			return math.Max(swingRange[i][0]+5*deg, math.Min(swingRange[i][1]-5*deg, v))
		}
		v0, m0 := c.toAng[i], c.toRate[i]*d
		add(knot{0, v0, m0})
		if m0*(mid.v-v0) < 0 {
			add(knot{stopAfter, stop(v0 + m0*stopAfter/2), 0})
		}
		add(mid)
		last := mid
		switch i {
		case angKnee:
			last = knot{kneeFoldedAt, kneeFolded * mid.v, math.NaN()}
			add(last)
		case angAnkle:
			last = knot{ankleUpAt, ankleUp, math.NaN()}
			add(last)
		}
		v1, m1 := next.tdAng[i], next.tdRate[i]*d
		if m1*(v1-last.v) < 0 {
			add(knot{1 - stopAfter, stop(v1 - m1*stopAfter/2), 0})
		}
		add(knot{1, v1, m1})
		a[i] = hermite(k[:n], u)
	}
	return a
}

// sole returns the points of the leg's sole that may touch the ground:
// the back of the heel, the ball, the toe tip.
func (r *Runner) sole(l *leg) [3]v2 {
	h := r.h
	heel := l.ball.add(pitch(l.footPitch, v2{x: -ballAt * footLen * h}))
	tip := l.ball.add(pitch(l.toePitch, v2{x: toeTip * h}))
	return [3]v2{heel, l.ball, tip}
}

// lowest returns the height of the lowest point of the leg's sole.
func (r *Runner) lowest(l *leg) float64 {
	p := r.sole(l)
	return math.Min(p[0].z, math.Min(p[1].z, p[2].z))
}

// v2 is a point or vector in the sagittal plane: x forward, z up.
type v2 struct{ x, z float64 }

func (a v2) add(b v2) v2        { return v2{a.x + b.x, a.z + b.z} }
func (a v2) sub(b v2) v2        { return v2{a.x - b.x, a.z - b.z} }
func (a v2) scale(k float64) v2 { return v2{k * a.x, k * a.z} }

// pitch turns a vector of a segment's frame (x forward, z up) into the
// sagittal plane for the segment pitched by p, front end down: a foot with
// its heel up, or, with p negative, a trunk leaning forward.
func pitch(p float64, a v2) v2 {
	c, s := math.Cos(p), math.Sin(p)
	return v2{a.x*c + a.z*s, -a.x*s + a.z*c}
}

// knot is a point of a cubic Hermite curve: the value v at u and the
// slope m there (dv/du); NaN asks for the slope of the parabola through
// the neighbours (a one-sided one at the ends).
type knot struct{ u, v, m float64 }

// hermite evaluates the piecewise cubic Hermite curve through the knots
// (u ascending) at u, clamped to their span.
func hermite(k []knot, u float64) float64 {
	n := len(k)
	u = math.Max(k[0].u, math.Min(k[n-1].u, u))
	i := 0
	for i < n-2 && u > k[i+1].u {
		i++
	}
	a, b := k[i], k[i+1]
	w := b.u - a.u
	s := (u - a.u) / w
	s2, s3 := s*s, s*s*s
	return (2*s3-3*s2+1)*a.v + (s3-2*s2+s)*w*slope(k, i) + (-2*s3+3*s2)*b.v + (s3-s2)*w*slope(k, i+1)
}

// slope returns knot i's slope, working it out when NaN.
func slope(k []knot, i int) float64 {
	switch {
	case !math.IsNaN(k[i].m):
		return k[i].m
	case i == 0:
		return (k[1].v - k[0].v) / (k[1].u - k[0].u)
	case i == len(k)-1:
		return (k[i].v - k[i-1].v) / (k[i].u - k[i-1].u)
	}
	h0, h1 := k[i].u-k[i-1].u, k[i+1].u-k[i].u
	d0, d1 := (k[i].v-k[i-1].v)/h0, (k[i+1].v-k[i].v)/h1
	return (d0*h1 + d1*h0) / (h0 + h1)
}
