package movenet

import "errors"

var (
	// ErrImage means an image given to the estimator or detector is empty or
	// is not 8-bit BGR (CV_8UC3).
	ErrImage = errors.New("image is not 8-bit BGR")

	// ErrBatch means more crops were asked for in one call than the
	// estimator was built to batch.
	ErrBatch = errors.New("more crops than the batch size")
)
