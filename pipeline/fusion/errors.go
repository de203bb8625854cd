package fusion

import "errors"

var (
	// ErrNoCameras means a stage was built without cameras.
	ErrNoCameras = errors.New("no cameras")

	// ErrFilterConfig means a filter, limb checker or tracker configuration
	// is out of range.
	ErrFilterConfig = errors.New("invalid filter configuration")

	// ErrNotMonotonic means a sample's timestamp is not after the previous
	// one.
	ErrNotMonotonic = errors.New("timestamp not after the previous one")

	// ErrJointsMismatch means a skeleton has a different number of joints
	// from the one a filter, checker or tracker was built for.
	ErrJointsMismatch = errors.New("skeleton has the wrong number of joints")

	// ErrAssignShape means Hungarian.Solve was given a malformed problem:
	// negative size, short cost or dst, or an invalid gate.
	ErrAssignShape = errors.New("malformed assignment problem")
)
