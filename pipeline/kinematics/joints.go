package kinematics

import (
	"fmt"
	"math"

	"github.com/athlete3d/athlete3d/skeleton"
	"gonum.org/v1/gonum/spatial/r3"
)

// layout holds the indices of the joints the metrics use, resolved by name
// once; -1 marks a joint the set does not have.
type layout struct {
	n        int
	hip      [2]int
	shoulder [2]int
	knee     [2]int
	ankle    [2]int
	heel     [2]int
	toe      [2]int
	small    [2]int // the small toe when toe is the big toe, else -1
}

// newLayout resolves the joints of set. Hips and ankles are required.
func newLayout(set *skeleton.Set) (layout, error) {
	if set == nil {
		return layout{}, ErrNoSkeleton
	}
	l := layout{n: set.Len()}
	side := [2]string{"L", "R"}
	for f := range 2 {
		s := side[f]
		l.hip[f] = set.Index(s + "Hip")
		l.ankle[f] = set.Index(s + "Ankle")
		l.knee[f] = set.Index(s + "Knee")
		l.shoulder[f] = set.Index(s + "Shoulder")
		l.heel[f] = set.Index(s + "Heel")
		l.toe[f] = set.Index(s + "BigToe")
		l.small[f] = set.Index(s + "SmallToe")
		if l.toe[f] < 0 {
			l.toe[f], l.small[f] = l.small[f], -1
		}
		for _, j := range []struct {
			name string
			i    int
		}{{s + "Hip", l.hip[f]}, {s + "Ankle", l.ankle[f]}} {
			if j.i < 0 {
				return layout{}, fmt.Errorf("set %q: %w: %s", set.Name, ErrMissingJoint, j.name)
			}
		}
	}
	return l, nil
}

// hasFeet reports whether side f has a heel or a toe: its contact is then
// found from them rather than from the ankle.
func (l *layout) hasFeet(f Foot) bool { return l.heel[f] >= 0 || l.toe[f] >= 0 }

// checkFrame returns an error when fr cannot be read with l.
func (l *layout) checkFrame(fr *Frame) error {
	if !finite(fr.T) {
		return fmt.Errorf("frame at t=%v: %w", fr.T, ErrTime)
	}
	if len(fr.Joints) != l.n || (fr.OK != nil && len(fr.OK) != l.n) {
		return fmt.Errorf("frame at t=%v: %w: %d joints, %d flags, want %d",
			fr.T, ErrJointCount, len(fr.Joints), len(fr.OK), l.n)
	}
	return nil
}

// pelvis returns the hip midpoint.
func (l *layout) pelvis(fr *Frame) (r3.Vec, bool) {
	a, okA := fr.joint(l.hip[Left])
	b, okB := fr.joint(l.hip[Right])
	if !okA || !okB {
		return r3.Vec{}, false
	}
	return r3.Scale(0.5, r3.Add(a, b)), true
}

// footMarkers is the number of contact markers a foot can have.
const footMarkers = 3

// footObs is what one frame says about one foot.
type footObs struct {
	// pts are the contact markers: heel, toe and small toe (each where the
	// set has it), or the ankle alone.
	pts [footMarkers]r3.Vec
	pok [footMarkers]bool
	// mid is the heel–toe midpoint (midOK when both were seen); ankle the
	// ankle.
	mid, ankle     r3.Vec
	midOK, ankleOK bool
}

// ok reports whether any contact marker was seen.
func (o *footObs) ok() bool { return o.pok[0] || o.pok[1] || o.pok[2] }

// foot reads side f of fr.
func (l *layout) foot(fr *Frame, f Foot) footObs {
	var o footObs
	ankle, ankleOK := fr.joint(l.ankle[f])
	if l.hasFeet(f) {
		o.pts[0], o.pok[0] = fr.joint(l.heel[f])
		o.pts[1], o.pok[1] = fr.joint(l.toe[f])
		o.pts[2], o.pok[2] = fr.joint(l.small[f])
	} else {
		o.pts[0], o.pok[0] = ankle, ankleOK
	}
	o.ankle, o.ankleOK = ankle, ankleOK
	if l.hasFeet(f) && o.pok[0] && o.pok[1] {
		o.mid, o.midOK = r3.Scale(0.5, r3.Add(o.pts[0], o.pts[1])), true
	}
	return o
}

// sagittal returns the angle of v from the downward vertical in the x–z
// plane, radians, positive when v points forward (+x).
func sagittal(v r3.Vec) float64 { return math.Atan2(v.X, -v.Z) }

// wrap returns a in (-π, π].
func wrap(a float64) float64 {
	for a > math.Pi {
		a -= 2 * math.Pi
	}
	for a <= -math.Pi {
		a += 2 * math.Pi
	}
	return a
}

const deg = 180 / math.Pi

// angles fills the knee, hip and trunk values of s from fr.
func (l *layout) angles(s *Sample, fr *Frame) {
	var lean float64
	hl, okHL := fr.joint(l.hip[Left])
	hr, okHR := fr.joint(l.hip[Right])
	sl, okSL := fr.joint(l.shoulder[Left])
	sr, okSR := fr.joint(l.shoulder[Right])
	trunk := okHL && okHR && okSL && okSR
	if trunk {
		d := r3.Sub(r3.Add(sl, sr), r3.Add(hl, hr)) // twice hip-mid→shoulder-mid
		lean = math.Atan2(d.X, d.Z)
		s.TrunkLean = lean * deg
		s.Valid |= FieldTrunk
	}
	for f := Left; f <= Right; f++ {
		hip, okH := fr.joint(l.hip[f])
		knee, okK := fr.joint(l.knee[f])
		if !okH || !okK {
			continue
		}
		thigh := sagittal(r3.Sub(knee, hip))
		if trunk {
			s.Hip[f] = wrap(thigh+lean) * deg
			s.Valid |= HipField(f)
		}
		if ankle, okA := fr.joint(l.ankle[f]); okA {
			s.Knee[f] = wrap(thigh-sagittal(r3.Sub(ankle, knee))) * deg
			s.Valid |= KneeField(f)
		}
	}
}
