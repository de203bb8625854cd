package board

import (
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"
)

// maxShift bounds, in squares, how far cv::cornerSubPix may move a ChArUco
// corner from where the markers predict it, and how far the markers used
// for a prediction may disagree with each other, before the corner is
// dropped: beyond it the refinement has locked onto something else (a
// marker's border, glare) or a marker was misread.
const maxShift = 0.125

// detectCharuco finds the markers of s in gray, then each chessboard
// corner they locate:
//
//  1. markers with ids not on the board, or seen twice, are dropped;
//  2. a corner is predicted through the homography (board → image) fitted
//     to the corners of its two adjacent markers (the white squares that
//     touch it), or, when only one of them was seen, to that marker and
//     the other markers seen in the 4×4 squares around the corner, which
//     steadies the extrapolation from a single marker without reaching so
//     far that lens distortion matters; a corner with no adjacent marker
//     seen is not predicted;
//  3. the prediction is refined by cv::cornerSubPix in a window that stops
//     short of the adjacent markers' borders;
//  4. the corner is kept when the markers agree (fit residual within
//     maxShift squares) and the refinement stays within maxShift squares
//     of the prediction and within its window.
//
// The ids returned ascend.
func detectCharuco(gray gocv.Mat, s Spec) ([]int, [][2]float64, error) {
	img := gray
	if s.Inverted {
		// White-on-black print: after inversion the board is an ordinary
		// one, for the marker detector and for the corners alike.
		inv := gocv.NewMat()
		defer inv.Close()
		gocv.BitwiseNot(gray, &inv)
		img = inv
	}
	found, err := detectMarkers(nil, img, s.Dict)
	if err != nil {
		return nil, nil, err
	}
	l := locator{s: s, seen: boardMarkers(found, s.Markers())}
	nSeen := 0
	for _, m := range l.seen {
		if m != nil {
			nSeen++
		}
	}
	if nSeen == 0 {
		return nil, nil, fmt.Errorf("%w: no marker of the board (%d others)", ErrNotFound, len(found))
	}

	corner := gocv.NewMatWithSize(1, 1, gocv.MatTypeCV32FC2)
	defer corner.Close()
	w, h := float64(img.Cols()), float64(img.Rows())
	var ids []int
	var pix [][2]float64
	for k := range s.Len() {
		pred, win, scale, ok := l.predict(k)
		if !ok {
			continue
		}
		// cornerSubPix needs its window inside the image.
		if m := float64(win + 1); pred[0] < m || pred[1] < m || pred[0] > w-1-m || pred[1] > h-1-m {
			continue
		}
		corner.SetFloatAt(0, 0, float32(pred[0]))
		corner.SetFloatAt(0, 1, float32(pred[1]))
		gocv.CornerSubPix(img, &corner, image.Pt(win, win), image.Pt(-1, -1), subPixCriteria)
		got := [2]float64{float64(corner.GetFloatAt(0, 0)), float64(corner.GetFloatAt(0, 1))}
		if shift := dist(got, pred); shift > maxShift*scale || shift > float64(win) {
			continue
		}
		ids = append(ids, k)
		pix = append(pix, got)
	}
	if len(ids) == 0 {
		return nil, nil, fmt.Errorf("%w: %d markers of the board but no corner", ErrNotFound, nSeen)
	}
	return ids, pix, nil
}

// boardMarkers indexes the markers found by id, keeping those on a board
// of n markers and seen once.
func boardMarkers(found []marker, n int) []*marker {
	seen := make([]*marker, n)
	twice := make([]bool, n)
	for i := range found {
		id := found[i].id
		if id < 0 || id >= n {
			continue
		}
		if seen[id] != nil {
			twice[id] = true
		}
		seen[id] = &found[i]
	}
	for id, t := range twice {
		if t {
			seen[id] = nil
		}
	}
	return seen
}

// locator predicts ChArUco corners from the markers seen.
type locator struct {
	s        Spec
	seen     []*marker // by id, nil when not seen
	src, dst [][2]float64
}

// predict returns where corner k should be, the cornerSubPix window
// half-size for it, and the local size of a square in pixels; ok is false
// when the markers do not locate it (steps 2 and 4 of detectCharuco).
func (l *locator) predict(k int) (pred [2]float64, win int, scale float64, ok bool) {
	adj := l.s.adjacentMarkers(k)
	l.src, l.dst = l.src[:0], l.dst[:0]
	for _, id := range adj {
		l.add(id)
	}
	var hom homography
	switch len(l.src) / 4 {
	case 0:
		return pred, 0, 0, false
	case 1:
		// Fit the lone marker alone first: an exact fit, the fallback if
		// a neighbour disagrees.
		hom, pred, scale, ok = l.fit(k)
		qx, qy := l.s.cornerSquare(k)
		for y := qy - 1; y <= qy+2; y++ {
			for x := qx - 1; x <= qx+2; x++ {
				if id := l.s.markerAt(x, y); id >= 0 && id != adj[0] && id != adj[1] {
					l.add(id)
				}
			}
		}
		if len(l.src) > 4 {
			if h2, p2, s2, ok2 := l.fit(k); ok2 {
				hom, pred, scale, ok = h2, p2, s2, true
			}
		}
	default:
		hom, pred, scale, ok = l.fit(k)
	}
	if !ok {
		return pred, 0, 0, false
	}
	// The nearest corner of an adjacent marker stays outside the window
	// however the board is turned in the image: half-size below its
	// distance/√2.
	near := math.Inf(1)
	for _, id := range adj {
		for _, c := range l.s.markerCorners(id) {
			if p, ok := hom.apply(c[0], c[1]); ok {
				near = min(near, dist(p, pred))
			}
		}
	}
	return pred, clampInt(int(near/math.Sqrt2-0.5), 2, 11), scale, true
}

// add appends marker id's corners, when it was seen, to the fit's
// correspondences: board coordinates to src, pixels to dst.
func (l *locator) add(id int) {
	m := l.seen[id]
	if m == nil {
		return
	}
	for j, c := range l.s.markerCorners(id) {
		l.src = append(l.src, c)
		l.dst = append(l.dst, m.pix[j])
	}
}

// fit fits the homography to the correspondences gathered and maps corner
// k through it; scale is the size of a square in pixels there. ok is false
// when the fit fails or its residual exceeds maxShift squares.
func (l *locator) fit(k int) (hom homography, p [2]float64, scale float64, ok bool) {
	hom, ok = fitHomography(l.src, l.dst)
	if !ok {
		return hom, p, 0, false
	}
	x, y := l.s.corner(k)
	p, ok = hom.apply(x, y)
	px, okx := hom.apply(x+l.s.Square, y)
	py, oky := hom.apply(x, y+l.s.Square)
	if !ok || !okx || !oky {
		return hom, p, 0, false
	}
	scale = (dist(p, px) + dist(p, py)) / 2
	for i := range l.src {
		q, ok := hom.apply(l.src[i][0], l.src[i][1])
		if !ok || dist(q, l.dst[i]) > maxShift*scale {
			return hom, p, scale, false
		}
	}
	return hom, p, scale, true
}
