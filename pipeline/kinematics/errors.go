package kinematics

import "errors"

var (
	// ErrNoSkeleton is returned when no keypoint set is given.
	ErrNoSkeleton = errors.New("no keypoint set")

	// ErrMissingJoint is returned when the keypoint set lacks a joint the
	// metrics cannot do without (both hips and both ankles).
	ErrMissingJoint = errors.New("keypoint set lacks a required joint")

	// ErrConfig is returned when a configuration field is out of range.
	ErrConfig = errors.New("invalid configuration")

	// ErrJointCount is returned for a frame whose joint slice (or OK slice)
	// does not match the keypoint set's length.
	ErrJointCount = errors.New("joint count does not match the keypoint set")

	// ErrTime is returned for a frame whose time is NaN or infinite.
	ErrTime = errors.New("frame time is not finite")

	// ErrTimeOrder is returned for a frame whose time is not after the
	// previous frame's.
	ErrTimeOrder = errors.New("frame times not strictly increasing")

	// ErrEmpty is returned when an offline analysis is given no frames.
	ErrEmpty = errors.New("no frames")
)
