package kinematics

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/spatial/r3"
)

const (
	// ringLen is the number of recent samples a foot tracker keeps: enough
	// for Confirm frames after a change and three before it.
	ringLen = 16
	// maxConfirm is the largest Config.Confirm.
	maxConfirm = ringLen - 4
	// minVz is the smallest vertical speed (m/s) of a foot marker from
	// which a trajectory is extrapolated to the ground; below it the
	// crossing is interpolated between samples instead.
	minVz = 0.05
	// lineSamples is the number of samples a foot trajectory is
	// extrapolated from (fewer where fewer are held).
	lineSamples = 3
	// stanceLen is the number of heights per contact kept for the ground
	// level (later ones are ignored).
	stanceLen = 64
)

type footState int8

const (
	unknown footState = iota
	swing
	contact
)

// footSample is one frame of one foot as the tracker keeps it.
type footSample struct {
	t   float64
	obs footObs
	low int     // index in obs.pts of the lowest marker
	h   float64 // its height (z), m
	v   float64 // its horizontal speed, m/s; NaN when unknown
}

// ground is the ground level shared by a person's two feet before either
// has a stance of its own: the lowest contact-marker height seen.
type ground struct {
	min float64
	ok  bool
}

// footTracker decides one foot's contact state frame by frame and times its
// events between frames. The live and the offline analyses both run it.
type footTracker struct {
	cfg    *Config
	foot   Foot
	shared *ground

	ring  [ringLen]footSample
	cnt   int // samples pushed since construction
	first int // index of the oldest sample still valid (after a reset)

	state   footState
	pending int       // consecutive samples whose raw state differs from state
	pendRaw footState // that raw state (while state is unknown)

	// offset is the mean horizontal offset from the ankle to the
	// heel–toe midpoint, standing in for the midpoint when heel or toe
	// is missing.
	offset  r3.Vec
	offsetN int

	// marks are the contact markers' own levels, from which heights are
	// measured; base is the foot's ground level on that scale (the median
	// stance height of the lowest marker).
	marks  markerLevels
	base   float64
	baseOK bool
	fixed  bool // marks and base are given and never updated

	// stance holds the marker heights of the current contact's frames
	// (NaN where missing), for the levels at toe-off; scratch is their
	// sorting space.
	stance  [stanceLen][footMarkers]float64
	scratch [stanceLen]float64
	stanceN int
	// log, when not nil, receives every stance row (the offline analysis's
	// first pass).
	log  *[][footMarkers]float64
	tdT  float64 // touchdown time of the current contact
	tdOK bool
}

func (ft *footTracker) at(i int) *footSample { return &ft.ring[i&(ringLen-1)] }

// oldest returns the index of the oldest sample held and valid.
func (ft *footTracker) oldest() int { return max(ft.first, ft.cnt-ringLen) }

// reset forgets the foot's recent history and state (not its ground level).
func (ft *footTracker) reset() {
	ft.first = ft.cnt
	ft.state = unknown
	ft.pending = 0
	ft.tdOK = false
	ft.stanceN = 0
}

// level returns the ground level the foot's heights are measured from.
func (ft *footTracker) level() float64 {
	if ft.baseOK {
		return ft.base
	}
	return ft.shared.min
}

// lastT returns the time of the newest valid sample.
func (ft *footTracker) lastT() (float64, bool) {
	if ft.cnt == ft.first {
		return 0, false
	}
	return ft.at(ft.cnt - 1).t, true
}

// update feeds one frame; run is the smoothed running speed (0 when
// unknown). It returns the event decided at this frame, if any, with Kind
// 0 when none, and whether the foot's history was reset by a gap.
func (ft *footTracker) update(t float64, obs footObs, run float64) (ev FootEvent, gap bool) {
	if last, ok := ft.lastT(); ok && t-last > ft.cfg.MaxGap {
		ft.reset()
		gap = true
	}
	if !obs.ok() {
		return ev, gap
	}
	s := footSample{t: t, obs: obs, v: math.NaN()}
	s.low, s.h = ft.marks.height(&obs)
	// Horizontal speed of the lowest marker over up to two samples back.
	for back := 2; back >= 1; back-- {
		i := ft.cnt - back
		if i < ft.first {
			continue
		}
		p := ft.at(i)
		if p.obs.pok[s.low] && t > p.t {
			d := r3.Sub(obs.pts[s.low], p.obs.pts[s.low])
			s.v = math.Hypot(d.X, d.Y) / (t - p.t)
			break
		}
	}
	if obs.midOK && obs.ankleOK {
		d := r3.Sub(obs.mid, obs.ankle)
		d.Z = 0
		ft.offsetN = min(ft.offsetN+1, 10)
		ft.offset = r3.Add(ft.offset, r3.Scale(1/float64(ft.offsetN), r3.Sub(d, ft.offset)))
	}
	*ft.at(ft.cnt) = s
	ft.cnt++
	if !ft.baseOK && (!ft.shared.ok || s.h < ft.shared.min) {
		ft.shared.min, ft.shared.ok = s.h, true
	}

	hp := s.h - ft.level()
	var raw footState
	if ft.state == contact {
		raw = contact
		if hp > ft.cfg.ReleaseHeight || s.v > ft.cfg.releaseSpeed(run) {
			raw = swing
		}
	} else {
		raw = swing
		if hp < ft.cfg.ContactHeight && !(s.v >= ft.cfg.contactSpeed(run)) {
			raw = contact
		}
	}

	switch {
	case ft.state == unknown:
		if raw == ft.pendRaw && ft.pending > 0 {
			ft.pending++
		} else {
			ft.pendRaw, ft.pending = raw, 1
		}
		if ft.pending >= ft.cfg.Confirm {
			ft.state, ft.pending = raw, 0
		}
	case raw != ft.state:
		ft.pending++
		if ft.pending >= ft.cfg.Confirm {
			ev = ft.transition(ft.cnt - ft.cfg.Confirm)
			ft.pending = 0
		}
	default:
		ft.pending = 0
		if ft.state == contact {
			ft.addStance(ft.cnt - 1)
		}
	}
	return ev, gap
}

// transition accepts the change of state that began at sample j and returns
// its event.
func (ft *footTracker) transition(j int) FootEvent {
	ev := FootEvent{Foot: ft.foot}
	if ft.state == swing {
		ev.Kind = Touchdown
		ev.T, ev.Pos = ft.touchdown(j)
		ft.state = contact
		ft.tdT, ft.tdOK = ev.T, true
		ft.stanceN = 0
		for i := j; i < ft.cnt; i++ {
			ft.addStance(i)
		}
		return ev
	}
	ev.Kind = ToeOff
	ev.T, ev.Pos = ft.toeOff(j)
	if ft.tdOK && ev.T > ft.tdT {
		ev.ContactTime = ev.T - ft.tdT
		ev.Valid |= HasContactTime
	}
	ft.state = swing
	ft.tdOK = false
	if !ft.fixed {
		ft.relevel()
	}
	ft.stanceN = 0
	return ev
}

// addStance records sample i, in contact, for the levels when its lowest
// marker is under ContactHeight.
func (ft *footTracker) addStance(i int) {
	p := ft.at(i)
	if p.h-ft.level() >= ft.cfg.ContactHeight {
		return
	}
	row := p.obs.heights()
	if ft.stanceN < stanceLen {
		ft.stance[ft.stanceN] = row
		ft.stanceN++
	}
	if ft.log != nil {
		*ft.log = append(*ft.log, row)
	}
}

// relevel updates the marker levels and the ground level from the contact
// just ended, each the mean of its former value and the new one, and
// measures the samples held again from them.
func (ft *footTracker) relevel() {
	rows := ft.stance[:ft.stanceN]
	ml, ok := stanceMarks(rows, ft.scratch[:])
	if !ok {
		return
	}
	for k := range footMarkers {
		if ml.ok[k] && ft.marks.ok[k] {
			ml.z[k] = 0.5 * (ml.z[k] + ft.marks.z[k])
		} else if !ml.ok[k] {
			ml.z[k], ml.ok[k] = ft.marks.z[k], ft.marks.ok[k]
		}
	}
	ft.marks = ml
	base, ok := stanceBase(rows, &ft.marks, ft.scratch[:])
	if !ok {
		return
	}
	if ft.baseOK {
		base = 0.5 * (ft.base + base)
	}
	ft.base, ft.baseOK = base, true
	for i := ft.oldest(); i < ft.cnt; i++ {
		p := ft.at(i)
		p.low, p.h = ft.marks.height(&p.obs)
	}
}

// markerLevels are a foot's contact markers' own ground levels. A heel
// marker stands higher over the ground than a toe marker, and a sprinter's
// heel may not come down at all: measured each from its own level, the
// markers time a landing by whichever lands first.
type markerLevels struct {
	z  [footMarkers]float64
	ok [footMarkers]bool
}

// height returns the seen marker of o lowest over its level and that
// height. A marker without a level of its own is measured from the lowest
// level known; with none known, heights are the markers' z.
func (m *markerLevels) height(o *footObs) (low int, h float64) {
	fall := math.Inf(1)
	for k := range footMarkers {
		if m.ok[k] {
			fall = min(fall, m.z[k])
		}
	}
	if math.IsInf(fall, 1) {
		fall = 0
	}
	low, h = 0, math.Inf(1)
	for k := range footMarkers {
		if !o.pok[k] {
			continue
		}
		lv := fall
		if m.ok[k] {
			lv = m.z[k]
		}
		if r := o.pts[k].Z - lv; r < h {
			low, h = k, r
		}
	}
	return low, h
}

// heights returns the z of each contact marker, NaN where missing.
func (o *footObs) heights() [footMarkers]float64 {
	var z [footMarkers]float64
	for k := range footMarkers {
		z[k] = math.NaN()
		if o.pok[k] {
			z[k] = o.pts[k].Z
		}
	}
	return z
}

// stanceMarks returns each marker's median height over the stance rows
// (markers seen in two rows at least); scratch holds len(rows) values.
func stanceMarks(rows [][footMarkers]float64, scratch []float64) (markerLevels, bool) {
	var ml markerLevels
	found := false
	for k := range footMarkers {
		h := scratch[:0]
		for _, r := range rows {
			if !math.IsNaN(r[k]) {
				h = append(h, r[k])
			}
		}
		if len(h) >= 2 {
			slices.Sort(h)
			ml.z[k], ml.ok[k], found = h[len(h)/10], true, true
		}
	}
	return ml, found
}

// stanceBase returns the median over the stance rows of the lowest marker's
// height measured from ml: the foot's ground level on that scale (0 without
// noise; below it with noise, as the lowest of several noisy heights is).
func stanceBase(rows [][footMarkers]float64, ml *markerLevels, scratch []float64) (float64, bool) {
	h := scratch[:0]
	for _, r := range rows {
		var o footObs
		for k := range footMarkers {
			o.pts[k].Z, o.pok[k] = r[k], !math.IsNaN(r[k])
		}
		if o.ok() {
			_, v := ml.height(&o)
			h = append(h, v)
		}
	}
	if len(h) < 2 {
		return 0, false
	}
	slices.Sort(h)
	return h[len(h)/2], true
}

// touchdown times the arrival on the ground of the foot whose contact was
// recognised from sample j on. The first sample of the run on the ground
// (within GroundTolerance of the ground level and no longer descending)
// bounds the event; the descent of the lowest marker over the two samples
// before it is extrapolated to the ground level.
func (ft *footTracker) touchdown(j int) (float64, r3.Vec) {
	tol := ft.cfg.GroundTolerance
	hi := ft.cnt - 1
	g := ft.level()
	c := -1
	e := g + ft.cfg.TouchHeight
	for i := j; i <= hi; i++ {
		if ft.at(i).h-g <= tol {
			c = i
			break
		}
	}
	if c < 0 { // never within tolerance: take the lowest sample
		c = j
		for i := j; i <= hi; i++ {
			if ft.at(i).h < ft.at(c).h {
				c = i
			}
		}
	} else {
		for c-1 >= ft.oldest() && ft.at(c-1).h-g <= tol {
			c--
		}
		// A sample within tolerance may still be descending through the
		// band: then the next one is the first on the ground.
		if pc := ft.at(c); c < hi && pc.h-g > tol/4 && ft.at(c+1).h < pc.h-tol/4 {
			c++
		}
	}
	pc := ft.at(c)
	t := pc.t
	if a := c - 1; a >= ft.oldest() {
		pa := ft.at(a)
		ha, hc := pa.h-g, pc.h-g
		if alpha, m, ok := ft.line(a-lineSamples+1, a, pa.t); ok && m < -minVz {
			return clamp(pa.t+max(alpha-e, 0)/(-m), pa.t, pc.t), ft.stancePos(c, hi, g)
		}
		if ha > hc {
			t = pa.t + clamp((ha-ft.cfg.TouchHeight)/(ha-hc), 0, 1)*(pc.t-pa.t)
		}
	}
	return t, ft.stancePos(c, hi, g)
}

// stancePos returns the foot's mean reference position over the samples
// lo..hi that are in contact, at ground level g.
func (ft *footTracker) stancePos(lo, hi int, g float64) r3.Vec {
	var mid, ank r3.Vec
	nm, na := 0, 0
	for i := lo; i <= hi; i++ {
		p := ft.at(i)
		if p.h-g >= ft.cfg.ContactHeight && i != lo {
			continue
		}
		if p.obs.midOK {
			mid = r3.Add(mid, p.obs.mid)
			nm++
		} else if p.obs.ankleOK {
			ank = r3.Add(ank, p.obs.ankle)
			na++
		}
	}
	var pos r3.Vec
	switch {
	case nm > 0:
		pos = r3.Scale(1/float64(nm), mid)
	case na > 0:
		pos = r3.Add(r3.Scale(1/float64(na), ank), ft.offset)
	default:
		pos = ft.at(lo).obs.pts[ft.at(lo).low]
	}
	pos.Z = g
	return pos
}

// refPos returns the reference position of sample i at ground level g.
func (ft *footTracker) refPos(i int, g float64) r3.Vec {
	o := &ft.at(i).obs
	var p r3.Vec
	switch {
	case o.midOK:
		p = o.mid
	case o.ankleOK:
		p = r3.Add(o.ankle, ft.offset)
	default:
		p = o.pts[ft.at(i).low]
	}
	p.Z = g
	return p
}

// toeOff times the departure from the ground of the foot whose flight was
// recognised from sample j on. The last sample of the run on the ground
// (within GroundTolerance and not yet rising) bounds the event; the earlier
// of the lowest marker's rise and its horizontal departure from where it
// stood, each extrapolated back over the two samples after that one, is
// the event.
func (ft *footTracker) toeOff(j int) (float64, r3.Vec) {
	g := ft.level()
	e := g + ft.cfg.TouchHeight
	tol := ft.cfg.GroundTolerance
	hi := ft.cnt - 1
	on := -1
	for i := min(j, hi); i >= ft.oldest(); i-- {
		if ft.at(i).h-g <= tol {
			on = i
			break
		}
	}
	if on < 0 {
		on = max(j-1, ft.oldest())
	} else {
		for on+1 <= hi && ft.at(on+1).h-g <= tol {
			on++
		}
		if po := ft.at(on); on-1 >= ft.oldest() && po.h-g > tol/4 && po.h > ft.at(on-1).h+tol/4 {
			on--
		}
	}
	po := ft.at(on)
	t := po.t
	if on+1 > hi {
		return t, ft.refPos(on, g)
	}
	// Height.
	pa := ft.at(on + 1)
	ha, ho := pa.h-g, po.h-g
	switch {
	case on+2 <= hi && ft.at(on+2).h > pa.h+minVz*(ft.at(on+2).t-pa.t):
		if alpha, m, ok := ft.line(on+1, min(on+lineSamples, hi), pa.t); ok && m > minVz {
			t = clamp(pa.t-max(alpha-e, 0)/m, po.t, pa.t)
		} else {
			t = pa.t
		}
	case ha > ho:
		t = po.t + clamp((ft.cfg.TouchHeight-ho)/(ha-ho), 0, 1)*(pa.t-po.t)
	default:
		t = pa.t
	}
	// Horizontal: the marker lowest at the last sample on the ground
	// leaving its place.
	m := po.low
	if on+2 <= hi && pa.obs.pok[m] && ft.at(on + 2).obs.pok[m] {
		pn := ft.at(on + 2)
		d1 := hdist(pa.obs.pts[m], po.obs.pts[m])
		d2 := hdist(pn.obs.pts[m], po.obs.pts[m])
		if v := (d2 - d1) / (pn.t - pa.t); d1 > tol && v > minVz {
			t = min(t, clamp(pa.t-d1/v, po.t, pa.t))
		}
	}
	return t, ft.refPos(on, g)
}

func hdist(a, b r3.Vec) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// line fits h ≈ alpha + m·(t−t0) by least squares to the valid samples
// among i0..i1 (at least two).
func (ft *footTracker) line(i0, i1 int, t0 float64) (alpha, m float64, ok bool) {
	i0 = max(i0, ft.oldest())
	i1 = min(i1, ft.cnt-1)
	n := float64(i1 - i0 + 1)
	if n < 2 {
		return 0, 0, false
	}
	var su, sh float64
	for i := i0; i <= i1; i++ {
		su += ft.at(i).t - t0
		sh += ft.at(i).h
	}
	mu, mh := su/n, sh/n
	var suu, suh float64
	for i := i0; i <= i1; i++ {
		p := ft.at(i)
		u := p.t - t0 - mu
		suu += u * u
		suh += u * (p.h - mh)
	}
	if !(suu > 0) {
		return 0, 0, false
	}
	m = suh / suu
	return mh - m*mu, m, true
}

func clamp(v, lo, hi float64) float64 { return min(max(v, lo), hi) }
