package pose

import "errors"

var (
	// ErrConfig means a Config or the set of grabbers cannot be used: a
	// negative worker or thread count, no camera, or two grabbers for one
	// camera.
	ErrConfig = errors.New("pose: invalid configuration")

	// ErrRunning means Run was called while another Run of the same Stage
	// was going on.
	ErrRunning = errors.New("pose: stage already running")

	// ErrClosed means Run was called after Close.
	ErrClosed = errors.New("pose: stage closed")
)
