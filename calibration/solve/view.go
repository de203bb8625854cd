package solve

import "gonum.org/v1/gonum/spatial/r3"

// View is a known target seen in one image: each of its points' coordinates
// in the target's own frame (metres) with the pixel where it was found. A
// target is a calibration board (its corners, z = 0) or a set of surveyed
// scene points.
type View struct {
	// Label names the image (a path, or a video and frame number) in
	// reports.
	Label string
	// Frame is the index of the synchronized instant the image belongs to,
	// for views of several cameras at once (the same Frame means the same
	// target pose); -1 when not synchronized.
	Frame int
	// IDs identify the target's points, so that two cameras' views of one
	// Frame can be matched point by point.
	IDs []int
	// Obj holds the points' target coordinates, m.
	Obj []r3.Vec
	// Pix holds the pixels where they were found (OpenCV convention: pixel
	// centres at integer coordinates).
	Pix [][2]float64
}

// Len is the number of points in the view.
func (v *View) Len() int { return len(v.Obj) }
