package synthetic

import "errors"

// Sentinel errors; functions wrap them with what was wrong, so check them
// with errors.Is.
var (
	// ErrURL reports a source URL that is not a synthetic one: another
	// scheme or scene, an unknown or repeated key, a value that does not
	// parse or is out of range. The message names the key and the value.
	ErrURL = errors.New("bad synthetic url")

	// ErrRunning reports a second Run of a rig while one is running.
	ErrRunning = errors.New("synthetic rig already running")
)
