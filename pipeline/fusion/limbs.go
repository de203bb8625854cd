package fusion

import (
	"fmt"
	"math"

	"github.com/athlete3d/athlete3d/skeleton"
	"gonum.org/v1/gonum/spatial/r3"
)

// LimbConfig configures a LimbChecker. The zero value means the defaults.
type LimbConfig struct {
	// Window is the number of recent lengths of each limb whose median is
	// the limb's expected length; default 100 (2 s at 50 Hz). The median
	// ignores wrong lengths as long as they are fewer than half the window.
	Window int
	// MinSamples is how many lengths a limb needs before it is checked;
	// default 10, at most Window.
	MinSamples int
	// Tolerance is the largest accepted relative deviation of a limb from
	// its expected length; default 0.15.
	Tolerance float64
	// Slack is an absolute deviation in metres always accepted, whatever
	// the tolerance, so short limbs (nose–eye is 3–4 cm) are not flagged for
	// triangulation noise; default 0.03 m. A limb deviates when
	// |length − expected| > max(Tolerance·expected, Slack).
	Slack float64
	// Correct moves each flagged joint along its deviating limbs to the
	// expected lengths (see LimbChecker.Check).
	Correct bool
	// Fit then brings every limb whose length is known to that length,
	// sharing each correction between the limb's two joints in proportion
	// to their squared reprojection errors (see LimbChecker.Fit): a rigid
	// skeleton whose bones keep their lengths from frame to frame.
	Fit bool
}

// fitRounds is the number of passes Fit makes over the limbs. Each pass
// sets every limb to its length in turn, disturbing the limbs that share
// its joints a little; the chains of a body (hip, knee, ankle) settle
// within a few passes.
const fitRounds = 8

// LimbChecker keeps the lengths of the limbs of one track consistent: bones
// do not stretch, so a limb whose length departs from its recent median by
// more than the tolerance betrays a misplaced joint (a left/right swap, a
// wrong association in one view, a bad detection).
//
// A LimbChecker belongs to one track and one goroutine; Check does not
// allocate.
type LimbChecker struct {
	cfg    LimbConfig
	joints int
	limbs  [][2]int

	ring  []float64 // Window lengths per limb
	count []int     // lengths stored per limb
	head  []int     // next slot per limb
	est   []float64 // median per limb, valid when count ≥ MinSamples

	scratch []float64
	length  []float64 // this frame's length per limb, NaN if unmeasured
	dev     []bool    // limb deviates and is not yet explained
	devN    []int     // per joint: deviating limbs not yet explained
	checkN  []int     // per joint: limbs checked this frame
	flagged []bool
	moved   []r3.Vec
}

// NewLimbChecker returns a checker for skeletons of the set's joints,
// checking the set's limbs.
func NewLimbChecker(set *skeleton.Set, cfg LimbConfig) (*LimbChecker, error) {
	if cfg.Window == 0 {
		cfg.Window = 100
	}
	if cfg.MinSamples == 0 {
		cfg.MinSamples = min(10, cfg.Window)
	}
	if cfg.Tolerance == 0 {
		cfg.Tolerance = 0.15
	}
	if cfg.Slack == 0 {
		cfg.Slack = 0.03
	}
	if set == nil || cfg.Window < 1 || cfg.MinSamples < 1 || cfg.MinSamples > cfg.Window ||
		!(cfg.Tolerance > 0) || math.IsInf(cfg.Tolerance, 0) || !(cfg.Slack >= 0) || math.IsInf(cfg.Slack, 0) {
		return nil, fmt.Errorf("limbs: window %d, min samples %d, tolerance %v, slack %v: %w",
			cfg.Window, cfg.MinSamples, cfg.Tolerance, cfg.Slack, ErrFilterConfig)
	}
	n, l := set.Len(), len(set.Limbs)
	for i, lb := range set.Limbs {
		if lb[0] < 0 || lb[0] >= n || lb[1] < 0 || lb[1] >= n || lb[0] == lb[1] {
			return nil, fmt.Errorf("limbs: set %q limb %d %v: %w", set.Name, i, lb, ErrFilterConfig)
		}
	}
	c := &LimbChecker{
		cfg:     cfg,
		joints:  n,
		limbs:   append([][2]int(nil), set.Limbs...),
		ring:    make([]float64, l*cfg.Window),
		count:   make([]int, l),
		head:    make([]int, l),
		est:     make([]float64, l),
		scratch: make([]float64, cfg.Window),
		length:  make([]float64, l),
		dev:     make([]bool, l),
		devN:    make([]int, n),
		checkN:  make([]int, n),
		flagged: make([]bool, n),
		moved:   make([]r3.Vec, n),
	}
	return c, nil
}

// Length returns the expected length of limb i (an index into the set's
// Limbs) and whether it has enough samples to be known.
func (c *LimbChecker) Length(i int) (float64, bool) {
	if i < 0 || i >= len(c.limbs) || c.count[i] < c.cfg.MinSamples {
		return 0, false
	}
	return c.est[i], true
}

// Reset forgets every length, as for a new person.
func (c *LimbChecker) Reset() {
	for i := range c.count {
		c.count[i], c.head[i] = 0, 0
	}
}

// Check measures the limbs of s whose two joints are OK, compares them with
// the expected lengths from earlier frames, then adds them to the windows.
// It returns the number of joints it blames and, when flags is not nil
// (it must then hold a flag per joint), sets flags[j] for those joints and
// clears the others.
//
// Blame goes to the joints that explain the deviating limbs best: while a
// deviating limb is unexplained, the joint with the most unexplained
// deviating limbs is flagged (ties: the larger share of its checked limbs
// deviating, so a wrist beats its elbow for a bad forearm; then the lower
// index), and its limbs count as explained. A bad elbow (upper arm and
// forearm both off) thus flags the elbow alone.
//
// With Config.Correct, each flagged joint is moved to the mean, over its
// deviating limbs whose other joint is OK and not flagged, of the point at
// the expected length from that joint along the limb's current direction;
// a flagged joint with no such limb is left where it is. Joints stay OK.
func (c *LimbChecker) Check(flags []bool, s *Skeleton3) (int, error) {
	if len(s.Joints) != c.joints {
		return 0, fmt.Errorf("limbs: got %d joints, want %d: %w", len(s.Joints), c.joints, ErrJointsMismatch)
	}
	if flags != nil && len(flags) < c.joints {
		return 0, fmt.Errorf("limbs: %d flags for %d joints: %w", len(flags), c.joints, ErrJointsMismatch)
	}
	for j := range c.devN {
		c.devN[j], c.checkN[j], c.flagged[j] = 0, 0, false
	}
	undone := 0
	for i, lb := range c.limbs {
		c.dev[i] = false
		c.length[i] = math.NaN()
		a, b := s.Joints[lb[0]], s.Joints[lb[1]]
		if !a.OK || !b.OK {
			continue
		}
		l := r3.Norm(r3.Sub(a.P, b.P))
		c.length[i] = l
		if c.count[i] >= c.cfg.MinSamples {
			c.checkN[lb[0]]++
			c.checkN[lb[1]]++
			if c.deviates(i, l) {
				c.dev[i] = true
				c.devN[lb[0]]++
				c.devN[lb[1]]++
				undone++
			}
		}
	}

	n := 0
	for undone > 0 {
		best := -1
		for j := range c.devN {
			if c.devN[j] == 0 {
				continue
			}
			if best < 0 || c.devN[j] > c.devN[best] ||
				c.devN[j] == c.devN[best] && c.devN[j]*c.checkN[best] > c.devN[best]*c.checkN[j] {
				best = j
			}
		}
		c.flagged[best] = true
		n++
		for i, lb := range c.limbs {
			if c.dev[i] && (lb[0] == best || lb[1] == best) {
				c.dev[i] = false
				c.devN[lb[0]]--
				c.devN[lb[1]]--
				undone--
			}
		}
	}

	if c.cfg.Correct && n > 0 {
		c.correct(s)
	}
	if c.cfg.Fit {
		c.Fit(s)
	}
	for i, l := range c.length {
		if !math.IsNaN(l) {
			c.push(i, l)
		}
	}
	if flags != nil {
		copy(flags, c.flagged)
	}
	return n, nil
}

// deviates reports whether length l of limb i is out of tolerance.
func (c *LimbChecker) deviates(i int, l float64) bool {
	return math.Abs(l-c.est[i]) > math.Max(c.cfg.Tolerance*c.est[i], c.cfg.Slack)
}

// correct moves the flagged joints of s; see Check.
func (c *LimbChecker) correct(s *Skeleton3) {
	for j := range c.moved {
		c.moved[j] = r3.Vec{}
		c.devN[j] = 0 // reused as the number of corrections
	}
	for i, lb := range c.limbs {
		l := c.length[i]
		if math.IsNaN(l) || c.count[i] < c.cfg.MinSamples || l == 0 || !c.deviates(i, l) {
			continue
		}
		for k := range 2 {
			j, o := lb[k], lb[1-k]
			if !c.flagged[j] || c.flagged[o] {
				continue
			}
			from := s.Joints[o].P
			p := r3.Add(from, r3.Scale(c.est[i]/l, r3.Sub(s.Joints[j].P, from)))
			c.moved[j] = r3.Add(c.moved[j], p)
			c.devN[j]++
		}
	}
	for j, k := range c.devN {
		if k > 0 {
			s.Joints[j].P = r3.Scale(1/float64(k), c.moved[j])
		}
	}
}

// Fit moves the OK joints of s so that each limb with a known expected
// length has that length: a few passes over the limbs, each moving the
// limb's two joints along it, apart or together, by shares of the
// difference proportional to their squared reprojection errors (at least
// 1 px), so that the joint the cameras agree on less moves more. Limbs
// whose length is not yet known, or whose joints coincide, are left
// alone. It does not allocate.
func (c *LimbChecker) Fit(s *Skeleton3) {
	for range fitRounds {
		for i, lb := range c.limbs {
			if c.count[i] < c.cfg.MinSamples {
				continue
			}
			a, b := &s.Joints[lb[0]], &s.Joints[lb[1]]
			if !a.OK || !b.OK {
				continue
			}
			d := r3.Sub(b.P, a.P)
			l := r3.Norm(d)
			if !(l > 0) {
				continue
			}
			wa, wb := fitWeight(a.Error), fitWeight(b.Error)
			u := r3.Scale((l-c.est[i])/(l*(wa+wb)), d) // the whole change, per unit weight
			a.P = r3.Add(a.P, r3.Scale(wa, u))
			b.P = r3.Sub(b.P, r3.Scale(wb, u))
		}
	}
}

// fitWeight is a joint's share of a limb's correction in Fit: its squared
// reprojection error, at least 1 px².
func fitWeight(e float64) float64 {
	if !(e > 1) {
		return 1
	}
	return e * e
}

// push adds length l of limb i to its window and updates its median.
func (c *LimbChecker) push(i int, l float64) {
	w := c.cfg.Window
	ring := c.ring[i*w : (i+1)*w]
	ring[c.head[i]] = l
	c.head[i] = (c.head[i] + 1) % w
	if c.count[i] < w {
		c.count[i]++
	}
	m := c.count[i]
	if m < c.cfg.MinSamples {
		return
	}
	// The first m slots hold the samples (the ring fills from slot 0).
	buf := c.scratch[:m]
	copy(buf, ring[:m])
	c.est[i] = median(buf)
}

// median returns the median of x, reordering it (quickselect).
func median(x []float64) float64 {
	n := len(x)
	k := n / 2
	hi := selectKth(x, k)
	if n%2 == 1 {
		return hi
	}
	// The lower middle is the largest of the elements before k.
	lo := x[0]
	for _, v := range x[1:k] {
		lo = math.Max(lo, v)
	}
	return (lo + hi) / 2
}

// selectKth reorders x so that x[k] is the k-th smallest, with no larger
// element before it and no smaller one after, and returns it.
func selectKth(x []float64, k int) float64 {
	lo, hi := 0, len(x)-1
	for lo < hi {
		// Median of three as the pivot.
		mid := lo + (hi-lo)/2
		if x[mid] < x[lo] {
			x[mid], x[lo] = x[lo], x[mid]
		}
		if x[hi] < x[lo] {
			x[hi], x[lo] = x[lo], x[hi]
		}
		if x[hi] < x[mid] {
			x[hi], x[mid] = x[mid], x[hi]
		}
		p := x[mid]
		i, j := lo, hi
		for i <= j {
			for x[i] < p {
				i++
			}
			for x[j] > p {
				j--
			}
			if i <= j {
				x[i], x[j] = x[j], x[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return x[k]
		}
	}
	return x[k]
}
