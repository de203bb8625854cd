package bench

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/spatial/r3"
)

// MPJPE is the mean per-joint position error in millimetres between an
// estimate and the truth, both per frame per joint (m), over the pairs
// where both are finite; n is how many pairs that is. With no pair it
// returns NaN and 0.
func MPJPE(est, truth [][]r3.Vec) (mm float64, n int) {
	sum := 0.0
	for f := range min(len(est), len(truth)) {
		for j := range min(len(est[f]), len(truth[f])) {
			e, t := est[f][j], truth[f][j]
			if !finite(e) || !finite(t) {
				continue
			}
			sum += r3.Norm(r3.Sub(e, t))
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return 1000 * sum / float64(n), n
}

func finite(p r3.Vec) bool {
	return !math.IsNaN(p.X+p.Y+p.Z) && !math.IsInf(p.X+p.Y+p.Z, 0)
}

// GaitScore compares an estimated gait with the truth.
type GaitScore struct {
	SpeedError float64 // estimate − truth, m/s
	// Matched contacts (same foot, touchdowns within the tolerance),
	// truth contacts not found, estimated contacts that match none.
	Matched, Missed, Extra int
	TouchdownError         float64 // mean |error| of matched touchdowns, s
	ToeOffError            float64 // mean |error| of matched toe-offs, s
	ContactTimeError       float64 // mean |error| of matched contact times, s
	// StepLengthError is the mean |error| of the steps whose both
	// touchdowns matched, m; NaN when none did.
	StepLengthError float64
	Steps           int // steps compared
}

// CompareGait matches estimated contacts to true ones (same foot,
// touchdowns within tol seconds, each used once, nearest first) and
// averages the errors. Errors with nothing matched are NaN.
func CompareGait(est, truth *Gait, tol float64) GaitScore {
	s := GaitScore{SpeedError: est.Speed - truth.Speed}
	type pair struct {
		e, t int
		d    float64
	}
	var cand []pair
	for i, e := range est.Contacts {
		for j, t := range truth.Contacts {
			if d := math.Abs(e.Touchdown - t.Touchdown); e.Foot == t.Foot && d <= tol {
				cand = append(cand, pair{i, j, d})
			}
		}
	}
	sort.Slice(cand, func(a, b int) bool { return cand[a].d < cand[b].d })
	ofTruth := make(map[int]int) // truth contact → estimated contact
	usedEst := make(map[int]bool)
	var td, to, ct float64
	for _, p := range cand {
		if _, ok := ofTruth[p.t]; ok || usedEst[p.e] {
			continue
		}
		ofTruth[p.t], usedEst[p.e] = p.e, true
		e, t := est.Contacts[p.e], truth.Contacts[p.t]
		td += p.d
		to += math.Abs(e.ToeOff - t.ToeOff)
		ct += math.Abs(e.Duration() - t.Duration())
	}
	s.Matched = len(ofTruth)
	s.Missed = len(truth.Contacts) - s.Matched
	s.Extra = len(est.Contacts) - s.Matched
	m := float64(s.Matched)
	s.TouchdownError, s.ToeOffError, s.ContactTimeError = td/m, to/m, ct/m
	if s.Matched == 0 {
		s.TouchdownError, s.ToeOffError, s.ContactTimeError = math.NaN(), math.NaN(), math.NaN()
	}
	sl := 0.0
	for j := 0; j+1 < len(truth.Contacts); j++ {
		a, b := truth.Contacts[j], truth.Contacts[j+1]
		ea, ok1 := ofTruth[j]
		eb, ok2 := ofTruth[j+1]
		if a.Foot == b.Foot || !ok1 || !ok2 {
			continue
		}
		tl := b.Position.X - a.Position.X
		el := est.Contacts[eb].Position.X - est.Contacts[ea].Position.X
		sl += math.Abs(el - tl)
		s.Steps++
	}
	s.StepLengthError = math.NaN()
	if s.Steps > 0 {
		s.StepLengthError = sl / float64(s.Steps)
	}
	return s
}

// Assignment says that in one frame a tracker's track was built from an
// athlete's detections (the athlete from Detection.Athlete).
type Assignment struct {
	Frame, Track, Athlete int
}

// IDSwitches counts, per athlete, how often the track following it
// changes from one assigned frame to the next, summed over athletes (the
// CLEAR-MOT identity switches).
func IDSwitches(as []Assignment) int {
	byAthlete := map[int][]Assignment{}
	for _, a := range as {
		byAthlete[a.Athlete] = append(byAthlete[a.Athlete], a)
	}
	n := 0
	for _, xs := range byAthlete {
		sort.Slice(xs, func(i, j int) bool { return xs[i].Frame < xs[j].Frame })
		for i := 1; i < len(xs); i++ {
			if xs[i].Track != xs[i-1].Track {
				n++
			}
		}
	}
	return n
}

// AssociationPrecision scores cross-view association: each group lists
// the true athlete IDs of the detections merged into one person. It
// returns the fraction of detections that belong to their group's
// majority athlete (1 is perfect), NaN with no detection.
func AssociationPrecision(groups [][]int) float64 {
	good, all := 0, 0
	for _, g := range groups {
		count := map[int]int{}
		best := 0
		for _, id := range g {
			count[id]++
			best = max(best, count[id])
		}
		good += best
		all += len(g)
	}
	if all == 0 {
		return math.NaN()
	}
	return float64(good) / float64(all)
}
