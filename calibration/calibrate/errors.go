package calibrate

import "errors"

// Sentinel errors of the calibration runs. Each comes back wrapped with
// what was found (which camera, file or frame, how many views or points),
// so test them with errors.Is and print the whole message.
var (
	// ErrInput means an input cannot be used: a missing or unreadable
	// file, a file that is neither a video nor an image, a corrupt video,
	// images of different sizes within one camera.
	ErrInput = errors.New("unusable input")

	// ErrNoBoard means the board was not found in any frame or image of a
	// camera. The wrapping error says how many frames were searched and
	// whether another board seems to be there (a wrong size).
	ErrNoBoard = errors.New("board not found")

	// ErrTooFewViews means too few usable board views for the solve: fewer
	// than three for a camera's intrinsics, or no synchronized frame that
	// links a camera to the others.
	ErrTooFewViews = errors.New("too few board views")

	// ErrUnsynchronized means the cameras' recordings cannot be the same
	// synchronized take: different frame rates, or frame counts that
	// differ by more than a few frames.
	ErrUnsynchronized = errors.New("recordings not synchronized")

	// ErrTooFewPoints means a camera sees too few surveyed points, or a
	// recording holds too few keypoints seen by two cameras, to place it.
	ErrTooFewPoints = errors.New("too few points")

	// ErrMismatch means two inputs that must agree do not: a calibration
	// whose cameras do not match the recordings' by name or number, an
	// image size that differs from the calibration's.
	ErrMismatch = errors.New("inputs do not match")
)
