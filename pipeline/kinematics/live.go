package kinematics

import (
	"fmt"
	"sort"

	"github.com/athlete3d/athlete3d/skeleton"
)

// Live computes the metrics of one athlete frame by frame, using only the
// frames seen so far. See the package documentation for latency and
// ownership.
type Live struct {
	cfg    Config
	lay    layout
	ground ground
	feet   [2]footTracker
	gait   gait
	split  splitter

	hist    history
	x0      float64
	x0OK    bool
	lastT   float64
	started bool
	run     float64 // last smoothed speed, for the foot thresholds

	events  []FootEvent
	splits  []Split
	summary Summary
	topOK   bool
}

// NewLive returns a live analysis of frames whose joints are indexed like
// set.
func NewLive(set *skeleton.Set, cfg Config) (*Live, error) {
	lay, c, err := prepare(set, cfg)
	if err != nil {
		return nil, err
	}
	l := &Live{cfg: c, lay: lay}
	l.init()
	return l, nil
}

func (l *Live) init() {
	for f := range l.feet {
		l.feet[f] = footTracker{cfg: &l.cfg, foot: Foot(f), shared: &l.ground}
	}
	l.gait = gait{cfg: &l.cfg}
	l.split = splitter{cfg: &l.cfg}
	l.hist.reset(512)
	if l.events == nil {
		l.events = make([]FootEvent, 0, 4)
		l.splits = make([]Split, 0, 64)
	}
}

// Reset forgets every frame seen, keeping the configuration and buffers.
func (l *Live) Reset() {
	*l = Live{cfg: l.cfg, lay: l.lay, hist: l.hist, events: l.events[:0], splits: l.splits[:0]}
	l.init()
}

// Update feeds the next frame and returns its metrics. A frame whose time
// is not finite or not after the previous frame's, or whose joint count
// does not match the set, is rejected with an error and changes nothing.
// Missing and non-finite joints are not errors: the values that need them
// are flagged absent. Update allocates nothing once the history buffers
// have grown to the windows (within the first second).
func (l *Live) Update(fr Frame) (Sample, error) {
	var s Sample
	if err := l.lay.checkFrame(&fr); err != nil {
		return s, fmt.Errorf("kinematics: %w", err)
	}
	if l.started && fr.T <= l.lastT {
		return s, fmt.Errorf("kinematics: frame at t=%v after t=%v: %w", fr.T, l.lastT, ErrTimeOrder)
	}
	l.started, l.lastT = true, fr.T
	l.events = l.events[:0]
	c := &l.cfg
	t := fr.T
	s.T = t

	if p, ok := l.lay.pelvis(&fr); ok {
		l.hist.push(t, p.X, c.maxWindow())
		if !l.x0OK {
			l.x0, l.x0OK = p.X, true
		}
		s.X, s.Distance = p.X, p.X-l.x0
		s.Valid |= FieldX
		fitSpeed(&s, c, l.hist.t, l.hist.x, false)
		if s.Has(FieldSmoothSpeed) {
			l.run = s.SmoothSpeed
			if !l.topOK || s.SmoothSpeed > l.summary.TopSpeed {
				l.summary.TopSpeed, l.summary.TopSpeedT, l.topOK = s.SmoothSpeed, t, true
			}
		}
		l.splits = l.split.update(l.splits, t, p.X)
		l.summary.Distance = s.Distance
	}
	l.lay.angles(&s, &fr)

	for f := Left; f <= Right; f++ {
		ft := &l.feet[f]
		ev, gap := ft.update(t, l.lay.foot(&fr, f), l.run)
		if gap {
			l.gait.forget(f)
		}
		if ev.Kind != 0 {
			l.events = append(l.events, ev)
		}
		if ft.state != unknown {
			s.Contact[f] = ft.state == contact
			s.Valid |= ContactField(f)
		}
	}
	if len(l.events) == 2 && l.events[1].T < l.events[0].T {
		l.events[0], l.events[1] = l.events[1], l.events[0]
	}
	for i := range l.events {
		l.gait.link(&l.events[i])
	}
	return s, nil
}

// Events returns the foot events decided by the last Update, in time
// order. The slice is reused by the next Update: copy what you keep.
func (l *Live) Events() []FootEvent { return l.events }

// Splits returns the splits crossed so far. The slice is reused by later
// Updates: copy what you keep.
func (l *Live) Splits() []Split { return l.splits }

// Summary returns the figures of the frames seen so far. The live top
// speed is the largest live smoothed speed.
func (l *Live) Summary() Summary {
	s := l.summary
	l.gait.summarize(&s)
	return s
}

// history is the pelvis x track over the longest window, in one slice so
// that fits read it directly.
type history struct {
	t, x []float64
}

func (h *history) reset(n int) {
	if cap(h.t) < n {
		h.t, h.x = make([]float64, 0, n), make([]float64, 0, n)
	}
	h.t, h.x = h.t[:0], h.x[:0]
}

// push appends a sample; when the buffer is full it first drops the
// samples older than keep seconds before t, and grows only if none is.
func (h *history) push(t, x, keep float64) {
	if len(h.t) == cap(h.t) {
		i := sort.SearchFloat64s(h.t, t-keep-1e-6)
		n := copy(h.t, h.t[i:])
		copy(h.x, h.x[i:])
		h.t, h.x = h.t[:n], h.x[:n]
	}
	h.t = append(h.t, t)
	h.x = append(h.x, x)
}
