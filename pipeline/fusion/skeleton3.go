package fusion

import "gonum.org/v1/gonum/spatial/r3"

// Joint3 is one joint of a person at one instant, in world metres.
type Joint3 struct {
	P r3.Vec
	// OK is false when the joint could not be placed (too few views, all
	// rejected, ill-conditioned); P is then meaningless.
	OK bool
	// Views is the number of cameras the position was computed from.
	Views int
	// Cams has bit i set when camera i is one of those views.
	Cams uint64
	// Error is the RMS reprojection error of P over those views, in
	// pixels.
	Error float64
}

// Skeleton3 is one person at one instant: joints indexed like the keypoint
// set (skeleton.Set) the pipeline was configured with.
type Skeleton3 struct {
	// ID is the track ID, stable while the person is followed; 0 until the
	// tracker assigns one.
	ID     int
	Joints []Joint3
}
