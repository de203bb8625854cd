package kinematics

import (
	"fmt"
	"slices"
	"sort"

	"github.com/athlete3d/athlete3d/skeleton"
	"gonum.org/v1/gonum/spatial/r3"
)

// Report is the result of an offline analysis.
type Report struct {
	// Samples holds one Sample per input frame, in order.
	Samples []Sample
	// Events holds the foot events in time order.
	Events []FootEvent
	// Splits holds the marks crossed, in order.
	Splits  []Split
	Summary Summary
}

// Analyze computes the metrics of a whole recording of one athlete, frames
// in time order with joints indexed like set. It uses the same definitions
// as Live but sees the whole recording: gaps in the foot joints up to
// cfg.MaxGap are interpolated, the speed fits are centred on each frame (no
// lag) and give the pelvis position at frames without hips, the
// ground level of each foot is its median stance height over the run, and
// the foot thresholds use the centred smoothed speed. It does not modify
// frames.
func Analyze(set *skeleton.Set, frames []Frame, cfg Config) (*Report, error) {
	lay, c, err := prepare(set, cfg)
	if err != nil {
		return nil, err
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("kinematics: %w", ErrEmpty)
	}
	for i := range frames {
		if err := lay.checkFrame(&frames[i]); err != nil {
			return nil, fmt.Errorf("kinematics: frame %d: %w", i, err)
		}
		if i > 0 && frames[i].T <= frames[i-1].T {
			return nil, fmt.Errorf("kinematics: frame %d at t=%v after t=%v: %w",
				i, frames[i].T, frames[i-1].T, ErrTimeOrder)
		}
	}
	// Foot joints: short gaps interpolated for the event detection. Angles
	// use the joints as seen; the pelvis fits bridge gaps by themselves.
	var footJoints []int
	for f := range 2 {
		for _, j := range []int{lay.ankle[f], lay.heel[f], lay.toe[f]} {
			if j >= 0 {
				footJoints = append(footJoints, j)
			}
		}
	}
	feet := fillGaps(frames, lay.n, c.MaxGap, footJoints)
	fr := frames
	n := len(fr)
	rep := &Report{Samples: make([]Sample, n)}

	// Pelvis: centred fits.
	var ts, xs []float64
	for i := range fr {
		if p, ok := lay.pelvis(&fr[i]); ok {
			ts = append(ts, fr[i].T)
			xs = append(xs, p.X)
		}
	}
	run := make([]float64, n)
	var split splitter
	split.cfg = &c
	var x0 float64
	x0OK, topOK := false, false
	top := -1
	for i := range fr {
		s := &rep.Samples[i]
		t := fr[i].T
		s.T = t
		p, seen := lay.pelvis(&fr[i])
		s.X = p.X
		fitSpeed(s, &c, ts, xs, true)
		if seen || s.Has(FieldSpeed) {
			if !x0OK {
				x0, x0OK = s.X, true
			}
			s.Distance = s.X - x0
			s.Valid |= FieldX
			if s.Has(FieldSmoothSpeed) && (!topOK || s.SmoothSpeed > rep.Samples[top].SmoothSpeed) {
				top, topOK = i, true
			}
			rep.Splits = split.update(rep.Splits, t, s.X)
			rep.Summary.Distance = s.Distance
		} else {
			s.X = 0
		}
		lay.angles(s, &fr[i])
	}
	// Running speed for the foot thresholds, held over frames without it.
	var v float64
	for i := range rep.Samples {
		if rep.Samples[i].Has(FieldSmoothSpeed) {
			v = rep.Samples[i].SmoothSpeed
		}
		run[i] = v
	}
	if topOK {
		rep.Summary.TopSpeed, rep.Summary.TopSpeedT = refinePeak(rep.Samples, top)
	}

	// Feet: a first pass finds the stances, whose marker heights give each
	// foot's marker levels and ground level for the second pass.
	var levels [2]footLevels
	var stance [2][][footMarkers]float64
	runFeet(&c, &lay, feet, run, levels, &stance, nil, nil)
	for f := range 2 {
		levels[f] = stanceLevels(stance[f])
	}
	rep.Events = runFeet(&c, &lay, feet, run, levels, nil, rep.Samples, rep.Events)
	g := gait{cfg: &c}
	for i := range rep.Events {
		e := &rep.Events[i]
		if e.Kind == 0 { // a gap marker
			g.forget(e.Foot)
			continue
		}
		g.link(e)
	}
	rep.Events = slices.DeleteFunc(rep.Events, func(e FootEvent) bool { return e.Kind == 0 })
	g.summarize(&rep.Summary)
	return rep, nil
}

// footLevels are the levels a foot's heights are measured from, given to
// the offline analysis's second pass.
type footLevels struct {
	marks markerLevels
	base  float64
	ok    bool
}

// stanceLevels returns the levels that a foot's stance rows give.
func stanceLevels(rows [][footMarkers]float64) footLevels {
	var fl footLevels
	scratch := make([]float64, len(rows))
	if ml, ok := stanceMarks(rows, scratch); ok {
		fl.marks = ml
		fl.base, fl.ok = stanceBase(rows, &ml, scratch)
	}
	return fl
}

// runFeet runs the foot trackers over the frames. With stance not nil it
// collects each foot's marker heights in contact; with samples not nil it
// records the contact states. It appends the events to dst in time order,
// with a Kind 0 event marking where a gap reset a foot.
func runFeet(c *Config, lay *layout, fr []Frame, run []float64, levels [2]footLevels,
	stance *[2][][footMarkers]float64, samples []Sample, dst []FootEvent) []FootEvent {
	var gr ground
	var ft [2]footTracker
	for f := range ft {
		ft[f] = footTracker{cfg: c, foot: Foot(f), shared: &gr}
		if stance != nil {
			ft[f].log = &stance[f]
		}
		if l := levels[f]; l.ok {
			ft[f].marks, ft[f].base, ft[f].baseOK, ft[f].fixed = l.marks, l.base, true, true
		}
	}
	start := len(dst)
	for i := range fr {
		for f := Left; f <= Right; f++ {
			obs := lay.foot(&fr[i], f)
			ev, gap := ft[f].update(fr[i].T, obs, run[i])
			if gap {
				dst = append(dst, FootEvent{Foot: f, T: fr[i].T})
			}
			if ev.Kind != 0 {
				dst = append(dst, ev)
			}
			if samples != nil && ft[f].state != unknown {
				samples[i].Contact[f] = ft[f].state == contact
				samples[i].Valid |= ContactField(f)
			}
		}
	}
	sort.SliceStable(dst[start:], func(a, b int) bool { return dst[start+a].T < dst[start+b].T })
	return dst
}

// refinePeak returns the vertex of the parabola through the smoothed
// speeds around sample i, or sample i itself.
func refinePeak(s []Sample, i int) (v, t float64) {
	v, t = s[i].SmoothSpeed, s[i].T
	if i == 0 || i == len(s)-1 || !s[i-1].Has(FieldSmoothSpeed) || !s[i+1].Has(FieldSmoothSpeed) {
		return v, t
	}
	ts := [3]float64{s[i-1].T, s[i].T, s[i+1].T}
	vs := [3]float64{s[i-1].SmoothSpeed, s[i].SmoothSpeed, s[i+1].SmoothSpeed}
	q, ok := fitQuad(ts[:], vs[:], t, ts[2]-ts[0])
	if !ok || q.c2 >= 0 {
		return v, t
	}
	du := -q.c1 / (2 * q.c2)
	if du < ts[0]-t || du > ts[2]-t {
		return v, t
	}
	return q.c0 + q.c1*du + q.c2*du*du, t + du
}

// fillGaps returns a copy of frames in which the listed joints' runs of
// missing samples no longer than maxGap (from the last sample seen to the
// next) are filled by linear interpolation; other joints are as given.
func fillGaps(frames []Frame, nj int, maxGap float64, joints []int) []Frame {
	n := len(frames)
	pos := make([]r3.Vec, n*nj)
	ok := make([]bool, n*nj)
	out := make([]Frame, n)
	for i := range frames {
		out[i] = Frame{T: frames[i].T, Joints: pos[i*nj : (i+1)*nj], OK: ok[i*nj : (i+1)*nj]}
		for j := range nj {
			out[i].Joints[j], out[i].OK[j] = frames[i].joint(j)
		}
	}
	for _, j := range joints {
		last := -1
		for i := range n {
			if !out[i].OK[j] {
				continue
			}
			if last >= 0 && i-last > 1 && out[i].T-out[last].T <= maxGap {
				a, b := out[last].Joints[j], out[i].Joints[j]
				for k := last + 1; k < i; k++ {
					w := (out[k].T - out[last].T) / (out[i].T - out[last].T)
					out[k].Joints[j] = r3.Add(a, r3.Scale(w, r3.Sub(b, a)))
					out[k].OK[j] = true
				}
			}
			last = i
		}
	}
	return out
}
