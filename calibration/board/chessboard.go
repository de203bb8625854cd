package board

import (
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"
)

const (
	// classicFlags: adaptive thresholds over a normalised histogram find
	// boards under uneven light; the fast check rejects frames without a
	// board in a few milliseconds.
	classicFlags = gocv.CalibCBAdaptiveThresh | gocv.CalibCBNormalizeImage | gocv.CalibCBFastCheck
	// sbFlags: the sector-based detector, tried when the classic one
	// fails (blur, low contrast, a board partly in shadow). Without
	// CALIB_CB_ACCURACY, which triples its time (about 1 s on a 1088×1920
	// photo) for an upsampled refinement that cornerSubPix does anyway.
	sbFlags = gocv.CalibCBNormalizeImage | gocv.CalibCBExhaustive
)

// detectChessboard finds all corners of s in gray, refined and in the
// canonical order (see orderGrid).
func detectChessboard(gray gocv.Mat, s Spec) ([][2]float64, error) {
	size := image.Pt(s.Cols, s.Rows)
	corners := gocv.NewMat()
	defer corners.Close()
	if !gocv.FindChessboardCorners(gray, size, &corners, classicFlags) &&
		!gocv.FindChessboardCornersSB(gray, size, &corners, sbFlags) {
		return nil, ErrNotFound
	}
	n := s.Len()
	if corners.Total() != n || corners.Type() != gocv.MatTypeCV32FC2 {
		return nil, fmt.Errorf("opencv returned %d corners of type %v, want %d of CV_32FC2", corners.Total(), corners.Type(), n)
	}

	pts, err := points(corners)
	if err != nil {
		return nil, err
	}
	// The window's half-size is half the shortest spacing of neighbouring
	// corners, so that it holds only the four edges through its corner,
	// never the far edges of the adjacent squares; 2 to 11 pixels (from
	// 5×5 to OpenCV's usual 23×23).
	h := clampInt(int(minSpacing(pts, s.Cols, s.Rows)/2), 2, 11)
	gocv.CornerSubPix(gray, &corners, image.Pt(h, h), image.Pt(-1, -1), subPixCriteria)
	if pts, err = points(corners); err != nil {
		return nil, err
	}
	orderGrid(pts, s.Cols, s.Rows, shader(gray))
	return pts, nil
}

// subPixCriteria stops cv::cornerSubPix after 40 iterations or a step
// below 0.001 pixel. One for the package: gocv allocates a TermCriteria in
// C and never frees it, and OpenCV only reads it.
var subPixCriteria = gocv.NewTermCriteria(gocv.Count|gocv.EPS, 40, 0.001)

// points copies an N×1 (or 1×N) CV_32FC2 Mat of points.
func points(m gocv.Mat) ([][2]float64, error) {
	f, err := m.DataPtrFloat32()
	if err != nil {
		return nil, fmt.Errorf("read corners: %w", err)
	}
	pts := make([][2]float64, len(f)/2)
	for i := range pts {
		pts[i] = [2]float64{float64(f[2*i]), float64(f[2*i+1])}
	}
	return pts, nil
}

// minSpacing is the shortest distance between neighbouring corners of a
// cols×rows grid.
func minSpacing(pts [][2]float64, cols, rows int) float64 {
	d := math.Inf(1)
	for r := range rows {
		for c := range cols {
			p := pts[r*cols+c]
			if c+1 < cols {
				d = min(d, dist(p, pts[r*cols+c+1]))
			}
			if r+1 < rows {
				d = min(d, dist(p, pts[(r+1)*cols+c]))
			}
		}
	}
	return d
}

// shader samples gray at the nearest pixel, 0 outside.
func shader(gray gocv.Mat) func(x, y float64) float64 {
	w, h := gray.Cols(), gray.Rows()
	return func(x, y float64) float64 {
		c, r := int(math.Round(x)), int(math.Round(y))
		if c < 0 || r < 0 || c >= w || r >= h {
			return 0
		}
		return float64(gray.GetUCharAt(r, c))
	}
}

func dist(a, b [2]float64) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

func clampInt(v, lo, hi int) int { return max(lo, min(hi, v)) }
