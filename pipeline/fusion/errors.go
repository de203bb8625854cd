package fusion

import "errors"

var (
	// ErrNoCameras means a stage was built without cameras.
	ErrNoCameras = errors.New("no cameras")
)
