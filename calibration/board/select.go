package board

import (
	"math"
	"slices"
)

// SelectViews picks up to n detections that together make a good
// calibration set: sharp, and spread over the image's positions, scales
// and tilts. It returns their indices into dets in the order picked.
//
// The rule:
//
//  1. candidates are the detections with at least 4 corners and a
//     sharpness (Detection.Sharpness) of at least half the candidates'
//     median, which drops motion-blurred frames without ranking the rest
//     by a measure that also grows with the board's distance;
//  2. each is described by where the board's outline (its outermost
//     corners, mapped through the homography fitted to the corners found)
//     falls in the image: centre x/width and y/height, √(area)/√(width·height),
//     and two tilts, the logarithms of the ratios of opposite sides'
//     lengths (left/right, top/bottom), which are 0 for a board facing
//     the camera and grow with the turn about each axis;
//  3. greedy farthest-point selection in that 5-D space: first the
//     sharpest candidate, then repeatedly the one farthest (Euclidean)
//     from all those picked, ties to the sharper.
func SelectViews(dets []Detection, n int) []int {
	type cand struct {
		i     int
		sharp float64
		desc  [5]float64
	}
	var cands []cand
	for i := range dets {
		if desc, ok := describe(&dets[i]); ok {
			cands = append(cands, cand{i: i, sharp: dets[i].Sharpness, desc: desc})
		}
	}
	if n <= 0 || len(cands) == 0 {
		return nil
	}
	sharp := make([]float64, len(cands))
	for i, c := range cands {
		sharp[i] = c.sharp
	}
	slices.Sort(sharp)
	floor := sharp[len(sharp)/2] / 2
	cands = slices.DeleteFunc(cands, func(c cand) bool { return c.sharp < floor })

	first := 0
	for i, c := range cands {
		if c.sharp > cands[first].sharp {
			first = i
		}
	}
	picked := []int{cands[first].i}
	// gap[i] is candidate i's distance to the nearest picked one.
	gap := make([]float64, len(cands))
	for i := range cands {
		gap[i] = descDist(cands[i].desc, cands[first].desc)
	}
	for len(picked) < n {
		best := -1
		for i, c := range cands {
			if gap[i] == 0 {
				continue // picked, or identical to a picked one
			}
			if best < 0 || gap[i] > gap[best] || (gap[i] == gap[best] && c.sharp > cands[best].sharp) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		picked = append(picked, cands[best].i)
		for i := range cands {
			gap[i] = min(gap[i], descDist(cands[i].desc, cands[best].desc))
		}
	}
	return picked
}

// describe returns the descriptor of d's board outline in the image (see
// SelectViews); ok is false with fewer than 4 corners or a degenerate fit.
func describe(d *Detection) (desc [5]float64, ok bool) {
	if len(d.IDs) < 4 || len(d.IDs) != len(d.Pix) || d.Size.X <= 0 || d.Size.Y <= 0 {
		return desc, false
	}
	src := make([][2]float64, len(d.IDs))
	for i, id := range d.IDs {
		src[i][0], src[i][1] = d.Spec.corner(id)
	}
	h, ok := fitHomography(src, d.Pix)
	if !ok {
		return desc, false
	}
	// The outline: the first and last corners of the full grid.
	x0, y0 := d.Spec.corner(0)
	x1, y1 := d.Spec.corner(d.Spec.Len() - 1)
	var q [4][2]float64 // top-left, top-right, bottom-right, bottom-left
	for i, c := range [4][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}} {
		if q[i], ok = h.apply(c[0], c[1]); !ok {
			return desc, false
		}
	}
	var cx, cy, area float64
	for i := range q {
		j := (i + 1) % 4
		cx += q[i][0] / 4
		cy += q[i][1] / 4
		area += (q[i][0]*q[j][1] - q[j][0]*q[i][1]) / 2
	}
	top, right, bottom, left := dist(q[0], q[1]), dist(q[1], q[2]), dist(q[2], q[3]), dist(q[3], q[0])
	if !(area > 0) || !(top > 0) || !(right > 0) || !(bottom > 0) || !(left > 0) {
		return desc, false
	}
	w, hh := float64(d.Size.X), float64(d.Size.Y)
	return [5]float64{cx / w, cy / hh, math.Sqrt(area / (w * hh)), math.Log(left / right), math.Log(top / bottom)}, true
}

func descDist(a, b [5]float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s)
}
