package pipeline

import "context"

// ViewSource delivers the views of one or more cameras of the rig: a set
// of grabbers with the pose step behind them (package pipeline/pose), a
// synthetic rig (pipeline/synthetic), recorded keypoints. Each camera's
// views come in capture order.
type ViewSource interface {
	// Cameras returns the indices, in the rig, of the cameras the source
	// delivers.
	Cameras() []int
	// Run sends views on out until every camera's input is over, sending
	// an End view for each camera as it ends, and returns nil; or until
	// ctx is done, and returns ctx.Err(). Run owns out's sending side only
	// while it runs and does not close it. Offline sources block on out
	// and lose nothing; live ones never let a slow receiver stall their
	// cameras (they drop frames and count them).
	Run(ctx context.Context, out chan<- *View) error
}
