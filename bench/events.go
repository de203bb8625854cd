package bench

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/pipeline/kinematics"
)

// Foot-event constants; see (*Trial).Contacts.
const (
	// stanceSpeed is the horizontal speed of the metatarsal heads below
	// which a foot is planted (m/s). In the sprint runs the planted foot
	// moves below 0.45 m/s and the swinging foot above 2 m/s near the
	// ground.
	stanceSpeed = 0.5
	// minStanceFrames is the shortest planted run of frames that counts.
	minStanceFrames = 4
	// contactMargin is how far above its lowest stance height a foot marker
	// is still in contact (m).
	contactMargin = 0.005
	// searchFrames bounds the search for the crossings beyond the planted
	// frames.
	searchFrames = 15
)

// Foot is the left or the right foot: the kinematics' own type, so
// estimated and true events compare directly.
type Foot = kinematics.Foot

const (
	Left  = kinematics.Left
	Right = kinematics.Right
)

// Contact is one stance phase of one foot: touchdown to toe-off.
type Contact struct {
	Foot      Foot
	Touchdown float64 // seconds, trial time (sub-frame)
	ToeOff    float64 // seconds
	// Position is where the foot was planted: the mean of the metatarsal
	// heads' midpoint over the planted frames, world frame (m).
	Position r3.Vec
}

// Duration is the contact time.
func (c Contact) Duration() float64 { return c.ToeOff - c.Touchdown }

// Step runs from one touchdown to the next, of the other foot.
type Step struct {
	Foot    Foot    // the foot that lands at the end of the step
	Start   float64 // touchdown that begins the step (s)
	End     float64 // touchdown that ends it (s)
	Length  float64 // along x between the two contact positions (m)
	Contact float64 // contact time of the first contact (s)
	Flight  float64 // from the first toe-off to the second touchdown (s)
}

// Gait is the ground truth of a trial's running.
type Gait struct {
	Contacts []Contact // complete contacts, in time order
	Steps    []Step
	// Speed is the mean forward speed over whole steps: the hip-centre
	// midpoint's x travel from the first to the last touchdown over the
	// time between them (m/s).
	Speed float64
}

// MeanStepLength, MeanContact and MeanFlight average the steps.
func (g *Gait) MeanStepLength() float64 {
	return meanOf(g.Steps, func(s Step) float64 { return s.Length })
}

// MeanContact is the mean contact time of the complete contacts (s).
func (g *Gait) MeanContact() float64 {
	s := 0.0
	for _, c := range g.Contacts {
		s += c.Duration()
	}
	return s / float64(len(g.Contacts))
}

// MeanFlight is the mean flight time of the steps (s).
func (g *Gait) MeanFlight() float64 { return meanOf(g.Steps, func(s Step) float64 { return s.Flight }) }

func meanOf[T any](xs []T, f func(T) float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range xs {
		s += f(x)
	}
	return s / float64(len(xs))
}

// footMarkers are the markers that can touch the ground first or leave it
// last.
var footMarkers = []string{"HEEL", "P1MT", "P5MT", "TOE"}

// Gait finds the foot contacts at the mocap rate and derives steps and
// speed. The rule, per foot:
//
//  1. Planted frames: the horizontal speed (central difference) of the
//     midpoint of the metatarsal heads (P1MT, P5MT) is below 0.5 m/s, for
//     4 frames (16 ms) at least.
//  2. For each marker HEEL, P1MT, P5MT, TOE, its ground level in that
//     contact is its lowest height over the planted frames.
//  3. Touchdown is the earliest instant, before the planted frames, at
//     which a marker comes down through its ground level + 5 mm; toe-off
//     the latest instant, after them, at which the last marker rises
//     through it. Both are interpolated linearly between frames, so they
//     fall between the 4 ms samples.
//  4. Contacts cut by the start or the end of the trial are dropped.
//
// Levels are taken per contact because the lab floor is not level in the
// mocap frame (the planted forefoot sits lower as x grows, see
// docs/bench.md).
func (t *Trial) Gait() (*Gait, error) {
	g := &Gait{}
	for _, foot := range []Foot{Left, Right} {
		cs, err := t.contacts(foot)
		if err != nil {
			return nil, err
		}
		g.Contacts = append(g.Contacts, cs...)
	}
	sort.Slice(g.Contacts, func(i, j int) bool { return g.Contacts[i].Touchdown < g.Contacts[j].Touchdown })
	if len(g.Contacts) < 2 {
		return nil, fmt.Errorf("%s: %d contacts: %w", t.Name, len(g.Contacts), ErrNoEvents)
	}
	for i := 0; i+1 < len(g.Contacts); i++ {
		a, b := g.Contacts[i], g.Contacts[i+1]
		if a.Foot == b.Foot {
			continue // a contact of the other foot was cut or missed
		}
		g.Steps = append(g.Steps, Step{
			Foot: b.Foot, Start: a.Touchdown, End: b.Touchdown,
			Length: b.Position.X - a.Position.X, Contact: a.Duration(), Flight: b.Touchdown - a.ToeOff,
		})
	}
	first, last := g.Contacts[0].Touchdown, g.Contacts[len(g.Contacts)-1].Touchdown
	x0, ok0 := t.pelvisX(first)
	x1, ok1 := t.pelvisX(last)
	if !ok0 || !ok1 {
		return nil, fmt.Errorf("%s: no pelvis at a touchdown: %w", t.Name, ErrMocap)
	}
	g.Speed = (x1 - x0) / (last - first)
	return g, nil
}

// pelvisX is the x of the hip-centre midpoint at trial time tm, linear
// between frames.
func (t *Trial) pelvisX(tm float64) (float64, bool) {
	f := (tm - t.Times[0]) * t.Rate
	i := int(math.Floor(f))
	if i < 0 || i+1 >= t.Len() {
		return 0, false
	}
	x := func(i int) float64 {
		l, r := harrington(t.Markers["LASI"][i], t.Markers["RASI"][i], t.Markers["SACR"][i])
		return mid(l, r).X
	}
	a := f - float64(i)
	v := (1-a)*x(i) + a*x(i+1)
	return v, !math.IsNaN(v)
}

func (t *Trial) contacts(foot Foot) ([]Contact, error) {
	s := foot.String()
	p1, p5 := t.Markers[s+"P1MT"], t.Markers[s+"P5MT"]
	if p1 == nil || p5 == nil {
		return nil, fmt.Errorf("%s: no %sP1MT or %sP5MT: %w", t.Name, s, s, ErrMocap)
	}
	mk := make([][]r3.Vec, len(footMarkers))
	for i, n := range footMarkers {
		if mk[i] = t.Markers[s+n]; mk[i] == nil {
			return nil, fmt.Errorf("%s: no marker %s: %w", t.Name, s+n, ErrMocap)
		}
	}
	n := t.Len()
	planted := make([]bool, n)
	for i := 1; i+1 < n; i++ {
		a, b := mid(p1[i-1], p5[i-1]), mid(p1[i+1], p5[i+1])
		v := math.Hypot(b.X-a.X, b.Y-a.Y) * t.Rate / 2
		planted[i] = v < stanceSpeed
	}
	var out []Contact
	for i := 0; i < n; {
		if !planted[i] {
			i++
			continue
		}
		j := i
		for j < n && planted[j] {
			j++
		}
		lo, hi := i, j-1 // planted frames
		i = j
		if hi-lo+1 < minStanceFrames || lo <= 1 || hi >= n-2 {
			continue // too short, or cut by the trial's ends
		}
		c := Contact{Foot: foot, Touchdown: math.Inf(1), ToeOff: math.Inf(-1)}
		var pos r3.Vec
		for f := lo; f <= hi; f++ {
			pos = r3.Add(pos, mid(p1[f], p5[f]))
		}
		c.Position = r3.Scale(1/float64(hi-lo+1), pos)
		complete := true
		for _, tr := range mk {
			level := math.Inf(1)
			for f := lo; f <= hi; f++ {
				level = math.Min(level, tr[f].Z)
			}
			level += contactMargin
			// A marker above its level at the first (last) planted frame
			// came down later (left earlier): it times nothing.
			if tr[lo].Z <= level {
				td, ok := crossing(tr, lo, -1, level)
				complete = complete && ok
				c.Touchdown = math.Min(c.Touchdown, t.Times[0]+td/t.Rate)
			}
			if tr[hi].Z <= level {
				to, ok := crossing(tr, hi, +1, level)
				complete = complete && ok
				c.ToeOff = math.Max(c.ToeOff, t.Times[0]+to/t.Rate)
			}
		}
		if complete && !math.IsInf(c.Touchdown, 0) && !math.IsInf(c.ToeOff, 0) {
			out = append(out, c)
		}
	}
	return out, nil
}

// crossing walks from frame start (where the marker is at or below level)
// in direction dir (−1 back, +1 forward) until its height exceeds level and
// returns the fractional frame of the crossing; ok is false when the trial
// or the search ends first.
func crossing(tr []r3.Vec, start, dir int, level float64) (float64, bool) {
	for k := 1; k <= searchFrames; k++ {
		f := start + dir*k
		if f < 0 || f >= len(tr) {
			return 0, false
		}
		if z := tr[f].Z; z > level {
			prev := tr[f-dir].Z
			a := (level - prev) / (z - prev) // 0 at the previous frame
			return float64(f-dir) + float64(dir)*a, true
		}
	}
	return 0, false
}

// groundClearance is the mean height of the lowest foot marker in stance
// once the trial is levelled (m): a marker's centre on a shoe that is on
// the floor. A convention, good to about a centimetre.
const groundClearance = 0.010

// level rotates and lifts the trial so that the floor is the plane z = 0.
// The floor is the line z = a + b·x fitted by least squares to the contact
// positions (the metatarsal heads' midpoint in stance): the trial turns
// about the y axis by atan(b) and moves vertically so that the lowest foot
// marker in stance averages groundClearance. The lateral tilt is not
// fitted: the two feet land only 0.1–0.15 m apart across. It returns the
// slope b (m per m of x) and the residual RMS of the fit (m).
func (t *Trial) level(contacts []Contact) (slope, rms float64, err error) {
	if len(contacts) < 3 {
		return 0, 0, fmt.Errorf("%s: %d contacts to fit the floor: %w", t.Name, len(contacts), ErrNoEvents)
	}
	var sx, sz, sxx, sxz float64
	n := float64(len(contacts))
	for _, c := range contacts {
		sx += c.Position.X
		sz += c.Position.Z
		sxx += c.Position.X * c.Position.X
		sxz += c.Position.X * c.Position.Z
	}
	b := (n*sxz - sx*sz) / (n*sxx - sx*sx)
	a := (sz - b*sx) / n
	for _, c := range contacts {
		r := c.Position.Z - (a + b*c.Position.X)
		rms += r * r
	}
	rms = math.Sqrt(rms / n)
	th := math.Atan(b)
	cos, sin := math.Cos(th), math.Sin(th)
	rot := func(p r3.Vec) r3.Vec {
		return r3.Vec{X: p.X*cos + p.Z*sin, Y: p.Y, Z: -p.X*sin + p.Z*cos - a*cos}
	}
	for _, tr := range t.Markers {
		for i, p := range tr {
			tr[i] = rot(p)
		}
	}
	// Lowest foot marker per contact, after the rotation.
	low := 0.0
	for _, c := range contacts {
		lo, hi := t.frameOf(c.Touchdown), t.frameOf(c.ToeOff)
		m := math.Inf(1)
		for _, name := range footMarkers {
			tr := t.Markers[c.Foot.String()+name]
			for f := max(lo, 0); f <= min(hi, t.Len()-1); f++ {
				m = math.Min(m, tr[f].Z)
			}
		}
		low += m
	}
	dz := groundClearance - low/n
	for _, tr := range t.Markers {
		for i := range tr {
			tr[i].Z += dz
		}
	}
	return b, rms, nil
}

// frameOf returns the nearest frame index of trial time tm.
func (t *Trial) frameOf(tm float64) int {
	return int(math.Round((tm - t.Times[0]) * t.Rate))
}
