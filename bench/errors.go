package bench

import "errors"

// Sentinel errors; functions wrap them with what was wrong, so check them
// with errors.Is.
var (
	// ErrUnknownRun reports a run that is neither one of Runs in the mocap
	// folder nor an existing .trc file.
	ErrUnknownRun = errors.New("unknown run")

	// ErrMocap reports a mocap file that is not what the sprint data is:
	// not millimetres, too few frames, a marker the rules need is absent.
	ErrMocap = errors.New("unusable mocap")

	// ErrConfig reports a scene configuration out of range: a camera count
	// outside 1..32, a negative lane width, a rate above the mocap rate.
	ErrConfig = errors.New("bad scene config")

	// ErrNoEvents reports a trial in which fewer than two foot contacts
	// were found, so no speed or step can be measured.
	ErrNoEvents = errors.New("too few foot contacts")
)
