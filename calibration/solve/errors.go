package solve

import "errors"

// Sentinel errors of the solvers. Each is returned wrapped with what was
// found (how many views, which view, which point), so test them with
// errors.Is and print the whole message.
var (
	// ErrInvalid means malformed input: a NaN or infinite coordinate,
	// point and pixel lists of different lengths, a non-positive image
	// size, a camera whose intrinsics cannot be inverted.
	ErrInvalid = errors.New("invalid input")

	// ErrTooFewViews means fewer views hold a target than the solver needs
	// (three for intrinsics).
	ErrTooFewViews = errors.New("too few views")

	// ErrTooFewPoints means a view or a PnP problem has fewer points than
	// its minimal solver needs: four for a planar target, six for a
	// non-planar one.
	ErrTooFewPoints = errors.New("too few points")

	// ErrNotPlanar means a target is not flat (z = 0 in its own frame)
	// where the planar initialisation needs it to be, and no initial
	// camera was given to start from instead.
	ErrNotPlanar = errors.New("target not planar")

	// ErrDegenerate means the geometry cannot determine the unknowns:
	// coincident or collinear points, every board view in the same
	// orientation (parallel planes, or all facing the camera squarely), a
	// closed form with no real solution.
	ErrDegenerate = errors.New("degenerate geometry")

	// ErrNoSolution means the refinement ended somewhere unusable: a
	// non-finite parameter, the target behind the camera.
	ErrNoSolution = errors.New("no usable solution")

	// The multi-camera solvers (posegraph.go, bundle.go, refine.go) add
	// three of their own.

	// ErrTooFewCameras means a multi-camera solve was given fewer than two
	// cameras, or a reference or scale camera index out of range.
	ErrTooFewCameras = errors.New("too few cameras")

	// ErrDisconnected means some cameras share no usable frame or point,
	// directly or through other cameras, with the reference camera, so
	// their pose relative to it is unknown. The wrapping error names them.
	ErrDisconnected = errors.New("cameras not connected to the reference")

	// ErrNotEnoughData means nothing is left to solve once the unusable
	// observations are dropped: no point seen by two cameras, every point
	// an outlier, a scale reference never observed.
	ErrNotEnoughData = errors.New("not enough data")
)
