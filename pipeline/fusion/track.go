package fusion

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/spatial/r3"
)

// TrackerConfig configures a Tracker. The zero value of a field means its
// default.
type TrackerConfig struct {
	// Rate is the nominal frame rate in Hz, used only to turn the default
	// of Reidentify into frames; default 50.
	Rate float64
	// Gate is the largest cost, in metres, at which a detection may join a
	// track; default 1 m. Cost is the mean distance between the track's
	// predicted joints and the detection's, over joints OK in both; with no
	// joint in common, the distance between their roots (see Root).
	Gate float64
	// Confirm is the number of consecutive frames a new person must be
	// seen in before it gets an ID; default 3. Until then its detections
	// keep ID 0 (a tentative track), and a tentative track that misses a
	// frame is dropped, so a spurious detection never gets an ID.
	Confirm int
	// MaxMissed is the number of consecutive missed frames after which a
	// confirmed track is lost: it no longer counts in Live and is matched
	// only after the live tracks (but before new people are born); default 5.
	MaxMissed int
	// Reidentify is the number of consecutive missed frames during which a
	// lost track can still be matched again, by its predicted position,
	// and keep its ID; after that it is forgotten and its ID never comes
	// back. Default round(1 s·Rate); at least MaxMissed.
	Reidentify int
	// Root lists the joints whose mean position is a person's root (for
	// COCO-17 the hips, []int{skeleton.LHip, skeleton.RHip}); empty means
	// all OK joints. Used only when a track and a detection share no joint.
	Root []int
	// Smoothing is the weight in (0, 1] of a new velocity measurement in
	// a track's velocity; default 0.3.
	Smoothing float64
}

func (c TrackerConfig) resolve(joints int) (TrackerConfig, error) {
	if c.Rate == 0 {
		c.Rate = 50
	}
	if c.Gate == 0 {
		c.Gate = 1
	}
	if c.Confirm == 0 {
		c.Confirm = 3
	}
	if c.MaxMissed == 0 {
		c.MaxMissed = 5
	}
	if c.Reidentify == 0 {
		c.Reidentify = max(int(math.Round(c.Rate)), c.MaxMissed)
	}
	if c.Smoothing == 0 {
		c.Smoothing = 0.3
	}
	bad := !(c.Rate > 0) || math.IsInf(c.Rate, 0) || !(c.Gate > 0) || math.IsInf(c.Gate, 0) ||
		c.Confirm < 1 || c.MaxMissed < 1 || c.Reidentify < c.MaxMissed ||
		!(c.Smoothing > 0 && c.Smoothing <= 1) || joints < 0
	for _, j := range c.Root {
		bad = bad || j < 0 || j >= joints
	}
	if bad {
		return c, fmt.Errorf("tracker: %d joints, config %+v: %w", joints, c, ErrFilterConfig)
	}
	c.Root = append([]int(nil), c.Root...)
	return c, nil
}

// Tracker gives the people of successive frames stable IDs.
//
// Each track keeps, per joint, the last position seen and when, and one
// velocity for the whole person (the mean of its joints' velocities,
// smoothed): a track is predicted by moving every joint with that velocity,
// a rigid constant-velocity translation, which keeps limbs swinging about
// the body from throwing the prediction off.
//
// Every frame is matched in three rounds, each a gated optimal assignment
// (Hungarian) of the tracks of the round to the detections still free:
// live confirmed tracks first, then lost ones (re-identification), then
// tentative ones; detections left over start tentative tracks. IDs count
// up from 1 in order of confirmation and are never reused. The outcome
// depends only on the inputs and their order.
//
// A Tracker belongs to one goroutine. In steady state (no more tracks alive
// at once than it has already held, no more people in a frame than it has
// already seen) Update does not allocate.
type Tracker struct {
	cfg    TrackerConfig
	joints int

	tracks []*track // alive, in order of creation
	free   []*track
	nextID int
	last   time.Duration
	begun  bool

	hung     Hungarian
	cost     []float64
	rows     []int // track indices of a round
	cols     []int // detection indices of a round
	assign   []int
	detTaken []bool
}

// track is one person followed over frames.
type track struct {
	id      int // 0 while tentative
	hits    int // consecutive frames matched while tentative
	missed  int // consecutive frames missed
	matched bool

	pos  []r3.Vec        // last position seen, per joint
	seen []time.Duration // when, per joint
	ok   []bool          // ever seen, per joint
	vel  r3.Vec
	hasV bool

	pred   []r3.Vec // predicted at this frame's time, valid where ok
	root   r3.Vec
	rootOK bool
}

// NewTracker returns a tracker of skeletons of the given number of joints.
func NewTracker(joints int, cfg TrackerConfig) (*Tracker, error) {
	c, err := cfg.resolve(joints)
	if err != nil {
		return nil, err
	}
	return &Tracker{cfg: c, joints: joints, nextID: 1}, nil
}

// Config returns the configuration with defaults filled in.
func (tr *Tracker) Config() TrackerConfig { return tr.cfg }

// Live returns the number of confirmed tracks that are not lost.
func (tr *Tracker) Live() int {
	n := 0
	for _, t := range tr.tracks {
		if t.id != 0 && t.missed < tr.cfg.MaxMissed {
			n++
		}
	}
	return n
}

// Update takes the people triangulated at time t (IDs ignored) and sets
// people[i].ID to the person's track ID, or to 0 while the person is not
// yet confirmed. Times must increase. On error (a skeleton with the wrong
// number of joints, a time not after the last) nothing changes.
func (tr *Tracker) Update(t time.Duration, people []Skeleton3) error {
	if tr.begun && t <= tr.last {
		return fmt.Errorf("tracker: frame at %v after %v: %w", t, tr.last, ErrNotMonotonic)
	}
	for i := range people {
		if len(people[i].Joints) != tr.joints {
			return fmt.Errorf("tracker: person %d has %d joints, want %d: %w", i, len(people[i].Joints), tr.joints, ErrJointsMismatch)
		}
	}
	tr.last, tr.begun = t, true

	if cap(tr.detTaken) < len(people) {
		tr.detTaken = make([]bool, len(people))
	}
	tr.detTaken = tr.detTaken[:len(people)]
	for i := range people {
		people[i].ID = 0
		tr.detTaken[i] = false
	}
	for _, k := range tr.tracks {
		k.matched = false
		tr.predict(k, t)
	}

	for round := range 3 {
		if err := tr.match(round, t, people); err != nil {
			return err
		}
	}

	// Age unmatched tracks; drop tentative ones and forgotten ones.
	n := 0
	for _, k := range tr.tracks {
		if !k.matched {
			k.missed++
			if k.id == 0 || k.missed > tr.cfg.Reidentify {
				tr.free = append(tr.free, k)
				continue
			}
		}
		tr.tracks[n] = k
		n++
	}
	clear(tr.tracks[n:])
	tr.tracks = tr.tracks[:n]

	// Unmatched detections start tentative tracks.
	for i := range people {
		if tr.detTaken[i] {
			continue
		}
		k := tr.newTrack()
		tr.tracks = append(tr.tracks, k)
		tr.observe(k, t, &people[i])
	}
	return nil
}

// eligible reports whether track k takes part in the given round.
func (tr *Tracker) eligible(k *track, round int) bool {
	switch round {
	case 0:
		return k.id != 0 && k.missed < tr.cfg.MaxMissed
	case 1:
		return k.id != 0 && k.missed >= tr.cfg.MaxMissed
	default:
		return k.id == 0
	}
}

// match runs one round of assignment.
func (tr *Tracker) match(round int, t time.Duration, people []Skeleton3) error {
	tr.rows, tr.cols = tr.rows[:0], tr.cols[:0]
	for i, k := range tr.tracks {
		if !k.matched && tr.eligible(k, round) {
			tr.rows = append(tr.rows, i)
		}
	}
	for i, taken := range tr.detTaken {
		if !taken {
			tr.cols = append(tr.cols, i)
		}
	}
	r, c := len(tr.rows), len(tr.cols)
	if r == 0 || c == 0 {
		return nil
	}
	if cap(tr.cost) < r*c {
		tr.cost = make([]float64, r*c)
	}
	tr.cost = tr.cost[:r*c]
	for a, ti := range tr.rows {
		for b, di := range tr.cols {
			tr.cost[a*c+b] = tr.distance(tr.tracks[ti], &people[di])
		}
	}
	if cap(tr.assign) < r {
		tr.assign = make([]int, r)
	}
	tr.assign = tr.assign[:r]
	if _, err := tr.hung.Solve(tr.assign, tr.cost, r, c, tr.cfg.Gate); err != nil {
		return fmt.Errorf("tracker: %w", err)
	}
	for a, b := range tr.assign {
		if b < 0 {
			continue
		}
		k, di := tr.tracks[tr.rows[a]], tr.cols[b]
		tr.detTaken[di] = true
		tr.observe(k, t, &people[di])
	}
	return nil
}

// predict fills k.pred and k.root for time t.
func (tr *Tracker) predict(k *track, t time.Duration) {
	for j := range k.pred {
		if !k.ok[j] {
			continue
		}
		k.pred[j] = k.pos[j]
		if k.hasV {
			k.pred[j] = r3.Add(k.pos[j], r3.Scale((t-k.seen[j]).Seconds(), k.vel))
		}
	}
	k.root, k.rootOK = tr.rootOf(k.pred, k.ok)
}

// rootOf returns the mean of the root joints (all joints when Root is
// empty) among those ok.
func (tr *Tracker) rootOf(p []r3.Vec, ok []bool) (r3.Vec, bool) {
	var sum r3.Vec
	n := 0
	if len(tr.cfg.Root) == 0 {
		for j := range p {
			if ok[j] {
				sum = r3.Add(sum, p[j])
				n++
			}
		}
	} else {
		for _, j := range tr.cfg.Root {
			if ok[j] {
				sum = r3.Add(sum, p[j])
				n++
			}
		}
	}
	if n == 0 {
		return r3.Vec{}, false
	}
	return r3.Scale(1/float64(n), sum), true
}

// distance is the matching cost of track k and detection d, +Inf when they
// cannot be compared.
func (tr *Tracker) distance(k *track, d *Skeleton3) float64 {
	sum, n := 0.0, 0
	for j := range d.Joints {
		if d.Joints[j].OK && k.ok[j] {
			sum += r3.Norm(r3.Sub(d.Joints[j].P, k.pred[j]))
			n++
		}
	}
	if n > 0 {
		return sum / float64(n)
	}
	if !k.rootOK {
		return math.Inf(1)
	}
	var root r3.Vec
	m := 0
	if len(tr.cfg.Root) == 0 {
		for j := range d.Joints {
			if d.Joints[j].OK {
				root = r3.Add(root, d.Joints[j].P)
				m++
			}
		}
	} else {
		for _, j := range tr.cfg.Root {
			if d.Joints[j].OK {
				root = r3.Add(root, d.Joints[j].P)
				m++
			}
		}
	}
	if m == 0 {
		return math.Inf(1)
	}
	return r3.Norm(r3.Sub(r3.Scale(1/float64(m), root), k.root))
}

// observe folds detection d, seen at time t, into track k and gives d the
// track's ID, confirming the track when it has been seen often enough.
func (tr *Tracker) observe(k *track, t time.Duration, d *Skeleton3) {
	// Velocity: mean over joints seen before of displacement over time.
	var v r3.Vec
	n := 0
	for j := range d.Joints {
		if !d.Joints[j].OK || !k.ok[j] {
			continue
		}
		if dt := (t - k.seen[j]).Seconds(); dt > 0 {
			v = r3.Add(v, r3.Scale(1/dt, r3.Sub(d.Joints[j].P, k.pos[j])))
			n++
		}
	}
	if n > 0 {
		v = r3.Scale(1/float64(n), v)
		if k.hasV {
			k.vel = r3.Add(k.vel, r3.Scale(tr.cfg.Smoothing, r3.Sub(v, k.vel)))
		} else {
			k.vel, k.hasV = v, true
		}
	}
	for j := range d.Joints {
		if d.Joints[j].OK {
			k.pos[j], k.seen[j], k.ok[j] = d.Joints[j].P, t, true
		}
	}
	k.matched, k.missed = true, 0
	if k.id == 0 {
		k.hits++
		if k.hits >= tr.cfg.Confirm {
			k.id = tr.nextID
			tr.nextID++
		}
	}
	d.ID = k.id
}

// newTrack returns an empty track, reusing a dropped one when it can.
func (tr *Tracker) newTrack() *track {
	var k *track
	if n := len(tr.free); n > 0 {
		k = tr.free[n-1]
		tr.free[n-1] = nil
		tr.free = tr.free[:n-1]
	} else {
		k = &track{
			pos:  make([]r3.Vec, tr.joints),
			seen: make([]time.Duration, tr.joints),
			ok:   make([]bool, tr.joints),
			pred: make([]r3.Vec, tr.joints),
		}
	}
	k.id, k.hits, k.missed, k.matched = 0, 0, 0, false
	k.vel, k.hasV, k.rootOK = r3.Vec{}, false, false
	clear(k.ok)
	return k
}
