package fusion

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
)

// Detection is one person seen by one camera: a keypoint per joint.
type Detection struct {
	Camera    int
	Keypoints []Observation
}

// AssociatorConfig configures an Associator. The zero value is the default.
type AssociatorConfig struct {
	// MaxDistance is the largest mean distance, in metres, between the
	// viewing rays of two detections' joints for them to be one person;
	// default 0.2.
	MaxDistance float64
	// MinJoints is the fewest joints two detections must both see to be
	// compared; default 3.
	MinJoints int
	// MinScore is the lowest keypoint score that counts; default 0.3.
	MinScore float64
	// Mirror gives each joint's left/right counterpart (skeleton.Set's
	// Mirror). With it, two detections are also compared with one of them
	// mirrored, and the smaller distance counts, so a view whose pose
	// network swapped left and right still joins its person.
	Mirror []int
}

// Associator groups the people seen by several cameras at one instant into
// physical persons, before triangulation.
//
// Every detection's keypoints are turned into viewing rays (undistorted,
// from the camera centre). Two detections from different cameras whose
// rays pass within MaxDistance of each other on average (over the joints
// both see, also comparing one of them mirrored when Mirror is set) make a
// hypothesis: a 3D skeleton at the rays' closest points. A hypothesis is
// supported by each other camera's detection whose rays pass within
// MaxDistance of its joints. The best-supported hypothesis (then the
// tightest) becomes a person with its supporters, its detections leave the
// pool, and so on. Two people can look alike from two cameras (their rays
// cross by chance); a third camera tells them apart, which pairwise
// distances alone cannot.
//
// An Associator owns its scratch space and reuses it from call to call; it
// is not safe for concurrent use.
type Associator struct {
	cfg  AssociatorConfig
	cams []calibration.Camera

	rays    []ray    // detection-major: joints rays per detection
	taken   []bool   // detection already in a person
	hyp     []r3.Vec // a hypothesis's joints
	hypOK   []bool
	members []int // a hypothesis's detections, by camera (-1: none)
	best    []int
	pairs   []pair // candidate pairs, closest first
	out     [][]int
	outBuf  []int
}

type pair struct {
	i, k   int
	d      float64
	mirror bool // k's joints are compared mirrored
}

// hypothesesPerRound bounds the candidate pairs, closest first, whose
// hypotheses are built in each round: the true pairs of a person are among
// the closest, and a bound keeps the cost linear in the detections.
const hypothesesPerRound = 12

type ray struct {
	o, d r3.Vec // origin and unit direction
	ok   bool
}

// NewAssociator returns an associator over cams.
func NewAssociator(cams []calibration.Camera, cfg AssociatorConfig) (*Associator, error) {
	if len(cams) == 0 {
		return nil, ErrNoCameras
	}
	if cfg.MaxDistance == 0 {
		cfg.MaxDistance = 0.2
	}
	if cfg.MinJoints == 0 {
		cfg.MinJoints = 3
	}
	if cfg.MinScore == 0 {
		cfg.MinScore = 0.3
	}
	return &Associator{cfg: cfg, cams: cams}, nil
}

// Associate groups dets into persons. Each returned group lists indices
// into dets, at most one per camera, in camera order; detections no other
// camera confirms come back as groups of one (a caller triangulating needs
// two). The result is the associator's own and is overwritten by the next
// call. Detections naming a camera out of range are left out.
func (a *Associator) Associate(dets []Detection) [][]int {
	n := len(dets)
	joints := 0
	for _, d := range dets {
		joints = max(joints, len(d.Keypoints))
	}
	a.rays = grow(a.rays, n*joints)
	for i, d := range dets {
		for j := range joints {
			a.rays[i*joints+j] = a.rayOf(d, j)
		}
	}
	a.taken = grow(a.taken, n)
	for i := range n {
		a.taken[i] = dets[i].Camera < 0 || dets[i].Camera >= len(a.cams)
	}
	a.pairs = a.pairs[:0]
	for i := range n {
		for k := i + 1; k < n; k++ {
			if dets[i].Camera == dets[k].Camera || a.taken[i] || a.taken[k] {
				continue
			}
			d, mirror := a.pairDistance(a.rays[i*joints:(i+1)*joints], a.rays[k*joints:(k+1)*joints])
			if d < a.cfg.MaxDistance {
				a.pairs = append(a.pairs, pair{i, k, d, mirror})
			}
		}
	}
	slices.SortFunc(a.pairs, func(x, y pair) int { return cmp.Compare(x.d, y.d) })
	a.hyp = grow(a.hyp, joints)
	a.hypOK = grow(a.hypOK, joints)
	a.members = grow(a.members, len(a.cams))
	a.best = grow(a.best, len(a.cams))
	a.out = a.out[:0]
	a.outBuf = grow(a.outBuf, n)[:0]

	for {
		bestSupport, bestCost := 1, math.Inf(1)
		tried := 0
		for _, pr := range a.pairs {
			if a.taken[pr.i] || a.taken[pr.k] {
				continue
			}
			if tried++; tried > hypothesesPerRound {
				break
			}
			support, cost := a.hypothesis(dets, joints, pr)
			if support > bestSupport || (support == bestSupport && cost < bestCost) {
				bestSupport, bestCost = support, cost
				copy(a.best, a.members)
			}
		}
		if bestSupport < 2 {
			break
		}
		start := len(a.outBuf)
		for _, m := range a.best {
			if m >= 0 {
				a.taken[m] = true
				a.outBuf = append(a.outBuf, m)
			}
		}
		a.out = append(a.out, a.outBuf[start:len(a.outBuf):len(a.outBuf)])
	}
	for i := range n {
		if !a.taken[i] {
			a.outBuf = append(a.outBuf, i)
			a.out = append(a.out, a.outBuf[len(a.outBuf)-1:len(a.outBuf):len(a.outBuf)])
		}
	}
	return a.out
}

// hypothesis builds the skeleton of detections i and k, collects the other
// cameras' best supporting detections into a.members, and returns the
// number of detections and their mean ray distance to the skeleton.
func (a *Associator) hypothesis(dets []Detection, joints int, pr pair) (support int, cost float64) {
	i, k := pr.i, pr.k
	p, q := a.rays[i*joints:(i+1)*joints], a.rays[k*joints:(k+1)*joints]
	for j := range joints {
		jq := j
		if pr.mirror {
			jq = a.cfg.Mirror[j]
		}
		a.hypOK[j] = p[j].ok && q[jq].ok
		if a.hypOK[j] {
			a.hyp[j] = closestPoint(p[j], q[jq])
		}
	}
	for c := range a.members {
		a.members[c] = -1
	}
	a.members[dets[i].Camera], a.members[dets[k].Camera] = i, k
	support, cost = 2, 2*pr.d
	for m := range dets {
		c := dets[m].Camera
		if a.taken[m] || m == i || m == k || c == dets[i].Camera || c == dets[k].Camera {
			continue
		}
		d := a.supportDistance(a.rays[m*joints : (m+1)*joints])
		if !(d < a.cfg.MaxDistance) {
			continue
		}
		if prev := a.members[c]; prev >= 0 {
			if pd := a.supportDistance(a.rays[prev*joints : (prev+1)*joints]); pd <= d {
				continue
			}
			cost -= a.supportDistance(a.rays[prev*joints : (prev+1)*joints])
			support--
		}
		a.members[c] = m
		support++
		cost += d
	}
	return support, cost / float64(support)
}

// supportDistance is the mean distance from the hypothesis's joints to a
// detection's rays (the smaller of as labelled and mirrored), +Inf with
// fewer than MinJoints in common.
func (a *Associator) supportDistance(r []ray) float64 {
	d := a.pointDistance(r, nil)
	if len(a.cfg.Mirror) >= len(r) {
		d = min(d, a.pointDistance(r, a.cfg.Mirror))
	}
	return d
}

func (a *Associator) pointDistance(r []ray, mirror []int) float64 {
	var s float64
	n := 0
	for j := range r {
		k := j
		if mirror != nil {
			k = mirror[j]
		}
		if !a.hypOK[j] || !r[k].ok {
			continue
		}
		w := r3.Sub(a.hyp[j], r[k].o)
		s += r3.Norm(r3.Sub(w, r3.Scale(r3.Dot(w, r[k].d), r[k].d)))
		n++
	}
	if n < a.cfg.MinJoints {
		return math.Inf(1)
	}
	return s / float64(n)
}

// rayOf returns the viewing ray of detection d's joint j.
func (a *Associator) rayOf(d Detection, j int) ray {
	if d.Camera < 0 || d.Camera >= len(a.cams) || j >= len(d.Keypoints) {
		return ray{}
	}
	o := d.Keypoints[j]
	if !(o.Score >= a.cfg.MinScore) || !finite(o.X) || !finite(o.Y) {
		return ray{}
	}
	c := &a.cams[d.Camera]
	x, y, ok := c.Normalize(o.X, o.Y)
	if !ok {
		return ray{}
	}
	// Direction in world coordinates: Rᵀ·(x, y, 1).
	dir := r3.Vec{
		X: c.R[0][0]*x + c.R[1][0]*y + c.R[2][0],
		Y: c.R[0][1]*x + c.R[1][1]*y + c.R[2][1],
		Z: c.R[0][2]*x + c.R[1][2]*y + c.R[2][2],
	}
	return ray{o: c.Center(), d: r3.Unit(dir), ok: true}
}

// pairDistance is the mean shortest distance between the two detections'
// rays over the joints both see (the smaller of as labelled and with q
// mirrored, which mirror reports), +Inf with fewer than MinJoints.
func (a *Associator) pairDistance(p, q []ray) (d float64, mirror bool) {
	d = a.meanDistance(p, q, nil)
	if len(a.cfg.Mirror) >= len(q) {
		if m := a.meanDistance(p, q, a.cfg.Mirror); m < d {
			return m, true
		}
	}
	return d, false
}

func (a *Associator) meanDistance(p, q []ray, mirror []int) float64 {
	var s float64
	n := 0
	for j := range p {
		k := j
		if mirror != nil {
			k = mirror[j]
		}
		if !p[j].ok || !q[k].ok {
			continue
		}
		s += lineDistance(p[j], q[k])
		n++
	}
	if n < a.cfg.MinJoints {
		return math.Inf(1)
	}
	return s / float64(n)
}

// closest returns the closest points of two viewing rays, each clamped to
// lie in front of its camera.
func closest(p, q ray) (r3.Vec, r3.Vec) {
	w := r3.Sub(p.o, q.o)
	b := r3.Dot(p.d, q.d)
	d, e := r3.Dot(p.d, w), r3.Dot(q.d, w)
	den := 1 - b*b
	var s, t float64
	if den > 1e-12 {
		s = (b*e - d) / den
		t = (e - b*d) / den
	} else {
		t = e
	}
	s, t = max(s, 0), max(t, 0)
	return r3.Add(p.o, r3.Scale(s, p.d)), r3.Add(q.o, r3.Scale(t, q.d))
}

// lineDistance is the shortest distance between two viewing rays.
func lineDistance(p, q ray) float64 {
	x, y := closest(p, q)
	return r3.Norm(r3.Sub(x, y))
}

// closestPoint is the midpoint of the rays' closest points.
func closestPoint(p, q ray) r3.Vec {
	x, y := closest(p, q)
	return r3.Scale(0.5, r3.Add(x, y))
}

// grow returns s resized to n, reallocating only when its capacity is
// short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, 2*n)
	}
	return s[:n]
}
